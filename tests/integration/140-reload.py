#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""SIGHUP reloads the configuration (what `systemctl reload spiced`
sends).  With a spice-gtk session watching display "t" over TLS, the
file changes: a new password, a renewed certificate (another CA) under
the same paths, log-level debug, and a second display "u".  After
SIGHUP the session goes on untouched; the old password is refused and the
new one accepted; a TLS handshake presents the new certificate; "u"
takes a producer and a viewer.  A file with a syntax error is refused
with its file and line, and everything stays as it was.  A listen address
that changes is kept (and said so) until the display is re-created;
removing "u" ends its session and closes its port."""

import os
import re
import shutil
import signal
import socket
import ssl

import common
import ppm
import rawlink
import spice_client
import tlsutil
from common import check

W, H = 96, 64


def hup(sp, expect, timeout=5):
    mark = sp.log_mark()
    os.kill(sp.pid, signal.SIGHUP)
    sp.wait_log(expect, timeout, mark)
    check(sp.alive(), "spiced died on SIGHUP")


def presented_issuer(port, ca):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            return t.getpeercert()["issuer"]


def listens(pid, port):
    """Does process pid hold a listening TCP socket on 127.0.0.1:port?"""
    inodes = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.split(":")[1], 16) == port:
                inodes.add("socket:[%s]" % inode)
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) in inodes:
                return True
        except OSError:
            pass
    return False


def tls_ok(port, ca):
    try:
        presented_issuer(port, ca)
        return True
    except ssl.SSLError:
        return False


def main():
    d = common.tmpdir()
    for sub in ("a", "b"):
        os.makedirs(os.path.join(d, sub))
    pki = tlsutil.make_pki(os.path.join(d, "a"))
    pki2 = tlsutil.make_pki(os.path.join(d, "b"))
    tport = common.free_port()
    sp = common.Spiced(password="one", extra=tlsutil.tls_conf(
        pki, tport, ["secure-channels = display", "tls-ktls = no"]))
    img = os.path.join(sp.dir, "p.ppm")
    picture = common.pattern_rgb(W, H, seed=3)
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)
    c = spice_client.connect(port=sp.port, tls_port=tport, ca_file=pki["ca"], password="one")
    c.wait_pixels(picture, timeout=15)
    check(tls_ok(tport, pki["ca"]), "TLS with the first CA")

    # The new configuration: password, certificate (same paths, new
    # contents from another CA), log level, a second display.
    with open(sp.conf_path) as f:
        conf = f.read()
    shutil.copy(pki2["cert"], pki["cert"])
    shutil.copy(pki2["key"], pki["key"])
    uport = common.free_port()
    usock = os.path.join(sp.dir, "u.qxl")
    new = conf.replace('password = "one"', 'password = "two"')
    new = "log-level = debug\n" + new + (
        '\n[display "u"]\nlisten = 127.0.0.1:%d\nproducer-socket = %s\n'
        'password = "uu"\n%s\n' % (uport, usock,
                                   "worker-user = %d:%d" % (sp.worker_uid, sp.worker_uid)
                                   if common.AS_ROOT else ""))
    with open(sp.conf_path, "w") as f:
        f.write(new)
    hup(sp, r"reload: configuration .* applied: 1 display kept, 1 added, 0 removed")
    sp.wait_log(r'reload: display "t": ticket settings changed', 2)
    sp.wait_log(r'reload: display "t": TLS certificate and settings loaded again', 2)

    check(not c.closed_channels(), "the running session lost channels: %r" % c.closed_channels())
    check(c.snapshot() == picture, "the running session's picture changed")
    check(rawlink.link(sp.port, "one")[0] != 0, "the old password still links")
    res, _ = rawlink.link(sp.port, "two")
    check(res == 0, "the new password is refused: %s" % rawlink.ERR.get(res, res))
    check(tls_ok(tport, pki2["ca"]), "the renewed certificate is not presented")
    check(not tls_ok(tport, pki["ca"]), "the old certificate is still presented")
    mark = sp.log_mark()
    rawlink.link(sp.port, "two")
    sp.wait_log(r"debug: ", 3, mark)

    # Display "u" works.
    common.wait_for(lambda: os.path.exists(usock), 5, "u's producer socket")
    psock = sp.producer_socket
    sp.producer_socket = usock
    sp.start_producer("--image", img)
    sp.producer_socket = psock
    cu = spice_client.connect(port=uport, password="uu")
    cu.wait_pixels(picture, timeout=10)

    # A file that does not parse changes nothing.
    with open(sp.conf_path, "w") as f:
        f.write(new + "\nthis is not a key line\n")
    hup(sp, r"spiced\.conf:\d+: .*reload refused, the running configuration stays|"
            r"reload refused.*spiced\.conf:\d+")
    res, _ = rawlink.link(sp.port, "two")
    check(res == 0, "a refused reload changed the password")

    # A changed listen address is kept (said so); removing "u" ends its
    # session and frees its port.
    other = common.free_port()
    gone = re.sub(r'\n\[display "u"\].*', "\n", new, flags=re.S)
    gone = gone.replace("listen = 127.0.0.1:%d" % sp.port, "listen = 127.0.0.1:%d" % other)
    with open(sp.conf_path, "w") as f:
        f.write(gone)
    hup(sp, r"applied: 1 display kept, 0 added, 1 removed")
    sp.wait_log(r'reload: display "t": listen changed; kept as it was', 2)
    res, _ = rawlink.link(sp.port, "two")
    check(res == 0, "the kept listen address does not link")
    cu.wait_until(lambda: cu.disconnected or cu.closed_channels(), 10, "u's session to end")
    # (Another test may take the freed port at once: ask whether spiced
    # still listens on it, not whether anyone does.)
    common.wait_for(lambda: not listens(sp.pid, uport), 5, "spiced to close u's port")
    check(listens(sp.pid, sp.port), "spiced no longer listens on t's port")
    check(not c.closed_channels(), "t's session suffered from u's removal")
    c.disconnect()


common.run(main)
