#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spicectl vv: a virt-viewer .vv file with a fresh one-time ticket, what
oVirt and Proxmox hand their users.  For a display whose every channel
must use TLS, the file names the host, both ports, the CA (--ca, or the last
certificate of spiced's chain; PEM, escaped as GKeyFile wants), the host
subject of spiced's certificate, secure-channels=all, delete-this-file and the title;
remote-viewer opens it as a user would (under Xvfb), shows the picture
pixel-exact, and deletes the file.  The ticket opens one session only:
its channels join it, a second session with the same password is refused
(PERMISSION_DENIED, logged with the reason), the configured password
still works; a new vv replaces the last; one with --lifetime 1 is refused
once expired; a --view-only one gets a session without inputs; a display
with disable-ticketing or only a UNIX socket gets an error."""

import os
import re
import ssl
import time

import common
import ppm
import rawlink
import rawspice
import tlsutil
import xsession
from common import check

W, H = 320, 200
DENIED = 7


def vv(sp, *args):
    r = sp.spicectl("vv", sp.name, *args)
    check(r.returncode == 0, "spicectl vv %s: rc %d %r" % (args, r.returncode, r.stderr))
    return r.stdout


def tls_link(port, password, ca):
    """A main link over TLS, checked against ca."""
    ctx = ssl.create_default_context(cafile=ca)
    rawlink.TLS_CONTEXT = ctx
    try:
        return rawlink.link(port, password)[0]
    finally:
        rawlink.TLS_CONTEXT = None


def fields(text):
    return dict(line.split("=", 1) for line in text.splitlines()
                if "=" in line and not line.startswith("#"))


def main():
    xsession.need("remote-viewer")
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    sp = common.Spiced(password="configured", extra=tlsutil.tls_conf(
        pki, tport, ["secure-channels = all", "tls-ktls = no"]))
    img = os.path.join(sp.dir, "static.ppm")
    picture = common.pattern_rgb(W, H, seed=21)
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)

    # The file.
    # The server's chain file holds its certificate only: the CA comes
    # from --ca.
    text = vv(sp, "--lifetime", "60", "--host", "127.0.0.1", "--ca", pki["ca"])
    f = fields(text)
    check(text.splitlines()[1] == "[virt-viewer]", "no [virt-viewer] group: %r" % text)
    with open(pki["ca"]) as fh:
        ca = fh.read()
    want = {"type": "spice", "host": "127.0.0.1", "port": str(sp.port),
            "tls-port": str(tport), "title": sp.name, "delete-this-file": "1",
            "secure-channels": "all", "host-subject": "CN=127.0.0.1",
            "ca": ca.replace("\n", "\\n")}
    for k, v in want.items():
        check(f.get(k) == v, "vv %s = %r, want %r" % (k, f.get(k), v))
    check(re.fullmatch(r"[a-zA-Z2-9]{20}", f.get("password", "")),
          "vv password %r" % f.get("password"))
    check(f["password"] not in sp.log_text(), "the one-time password reached the log")
    sp.wait_log(r"one-time ticket for 60 s made by control client", 5)

    # remote-viewer opens it: picture pixel-exact, file deleted.
    x = xsession.Xvfb(1280, 1024)
    path = os.path.join(d, "console.vv")
    with open(path, "w") as fh:
        fh.write(text)
    viewer = x.spawn(["remote-viewer", "--zoom=100", path],
                     env={"GDK_BACKEND": "x11", "NO_AT_BRIDGE": "1"})

    def shown():
        check(viewer.poll() is None, "remote-viewer exited (status %s)" % viewer.returncode)
        return x.screenshot().find(picture, W, H)
    common.wait_for(shown, 30, "the picture in remote-viewer's window", interval=0.5)
    check(not os.path.exists(path), "remote-viewer did not delete the .vv file")
    sp.wait_log(r"channel 2:0 linked \(connection id \d+, TLS, relay\)", 5)

    # One session only; the configured password is still good.
    mark = sp.log_mark()
    check(tls_link(tport, f["password"], pki["ca"]) == DENIED,
          "a second session opened with the one-time ticket")
    sp.wait_log(r"one-time ticket refused: it already opened session \d+", 5, mark)
    check(tls_link(tport, "configured", pki["ca"]) == 0,
          "the configured password stopped working")
    viewer.terminate()
    viewer.wait(5)

    # A plain display for the rest: a new ticket replaces the last, a
    # short one expires, a view-only one gets no inputs.
    plain = common.Spiced(password="configured")
    first = fields(vv(plain))["password"]
    second = fields(vv(plain, "--lifetime", "1"))["password"]
    check(first != second, "two vv files share a password")
    check(rawlink.link(plain.port, first)[0] == DENIED, "a replaced one-time ticket links")
    time.sleep(2.1)
    check(rawlink.link(plain.port, second)[0] == DENIED, "an expired one-time ticket links")
    look = fields(vv(plain, "--view-only"))
    check("ca" not in look and "host-subject" not in look and "tls-port" not in look,
          "TLS fields for a display without TLS: %r" % look)
    s = rawspice.open_session(plain.port, look["password"])
    res = rawlink.link(plain.port, look["password"], rawlink.CHANNEL_INPUTS,
                       connection_id=s.session_id)[0]
    check(res == DENIED, "inputs with a view-only one-time ticket: %s" % rawlink.ERR.get(res, res))
    plain.wait_log(r"inputs channel refused: view-only", 5)
    res = rawlink.link(plain.port, look["password"], rawlink.CHANNEL_DISPLAY,
                       connection_id=s.session_id)[0]
    check(res == 0, "its session's display channel: %s" % rawlink.ERR.get(res, res))

    # A chain file that ends with its CA: the CA comes from spiced.
    chain = os.path.join(d, "chain.pem")
    with open(chain, "w") as fh, open(pki["cert"]) as leaf:
        fh.write(leaf.read() + ca)
    os.chmod(chain, 0o644)
    chained = common.Spiced(password="configured", extra=tlsutil.tls_conf(
        dict(pki, cert=chain), common.free_port(), ["tls-ktls = no"]))
    g = fields(vv(chained))
    check(g.get("ca") == ca.replace("\n", "\\n"), "CA from the chain: %r" % g.get("ca"))
    check("secure-channels" not in g, "secure-channels without any: %r" % g)

    # Errors.
    r = plain.spicectl("vv", "nosuch")
    check(r.returncode == 1 and "no display" in r.stderr, "vv of an unknown display: %r" % r.stderr)
    free = common.Spiced(password=None, extra="disable-ticketing = yes")
    r = free.spicectl("vv", free.name)
    check(r.returncode == 1 and "disable-ticketing" in r.stderr,
          "vv with disable-ticketing: %r" % r.stderr)


common.run(main)
