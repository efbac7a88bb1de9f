#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""systemd integration, with this test in systemd's place: socket
activation by named fds, and the notification protocol.

The test binds a TCP, a UNIX and a TLS-port socket itself, names them after
the display ("t", "t", "t/tls") and hands them over on fds 3-5 with LISTEN_FDS,
LISTEN_PID and LISTEN_FDNAMES, and listens on a NOTIFY_SOCKET with a
watchdog of 300 ms.  spiced must serve spice-gtk on the TCP and UNIX
sockets and a TLS link on the third, without binding its own, send READY=1, STATUS lines that follow producers and
sessions, WATCHDOG=1 keep-alives, and STOPPING=1; hide the systemd
variables from its workers; and leave the socket file systemd owns in
place.  A socket named after no display, one left unnamed, and one that is
not listening each stop spiced at start with a message naming the fd.
A listener spiced binds itself in a network namespace with only the
loopback interface (PrivateNetwork=yes) is warned about."""

import ctypes
import os
import socket
import ssl
import subprocess
import time

import common
import ppm
import rawlink
import spice_client
import tlsutil
from common import check

W, H = 80, 50


class Notify:
    """The receiving end of $NOTIFY_SOCKET."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.path = path
        self.lines = []

    def drain(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except (socket.timeout, BlockingIOError):
                return
            self.lines += data.decode().splitlines()

    def wait(self, pred, timeout, what):
        def seen():
            self.drain()
            return [ln for ln in self.lines if pred(ln)]
        return common.wait_for(seen, timeout, what)


def listening_tcp():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


def listening_unix(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(16)
    return s


def refused_at_start(activate, want):
    """spiced with these sockets must exit non-zero, saying want."""
    d = common.tmpdir()
    conf = os.path.join(d, "spiced.conf")
    with open(conf, "w") as f:
        f.write('run-dir = %s\n[display "t"]\nlisten = 127.0.0.1:0\n'
                'producer-socket = %s/t.qxl\ndisable-ticketing = yes\n' % (d, d))
        if common.AS_ROOT:
            f.write("worker-user = 65534:65534\n")
    r = subprocess.run([common.SPICED, "--foreground", "--config", conf,
                        "--worker", common.WORKER],
                       preexec_fn=common.systemd_child_setup(activate, {}),
                       pass_fds=range(3, 3 + len(activate)),
                       capture_output=True, text=True, timeout=20)
    check(r.returncode != 0, "spiced started with %r" % [n for _, n in activate])
    check(want in r.stderr, "spiced's complaint %r lacks %r" % (r.stderr[-400:], want))
    for sock, _ in activate:
        sock.close()


def main():
    d = common.tmpdir()
    tcp = listening_tcp()
    port = tcp.getsockname()[1]
    upath = os.path.join(d, "t-systemd.sock")
    unx = listening_unix(upath)
    notify = Notify(os.path.join(d, "notify"))
    # The harness configures listen and unix-socket; systemd's sockets
    # take their place, and spiced binds neither itself.
    pki = tlsutil.make_pki(d)
    tls = listening_tcp()
    tport = tls.getsockname()[1]
    conf_tport = common.free_port()
    sp = common.Spiced(extra=tlsutil.tls_conf(pki, conf_tport),
                       activate=[(tcp, "t"), (unx, "t"), (tls, "t/tls")],
                       env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "300000"})
    for sock in (tcp, unx, tls):
        sock.close()
    sp.wait_log(r'listening on 127\.0\.0\.1:%d \(socket from systemd\)' % port, 5)
    sp.wait_log(r'listening on %s \(socket from systemd\)' % upath, 5)
    sp.wait_log(r'listening for TLS on 127\.0\.0\.1:%d \(kTLS .*\) \(socket from systemd\)'
                % tport, 5)
    check("127.0.0.1:%d" % conf_tport not in sp.log_text(),
          "spiced bound its configured tls-port as well")
    check(not os.path.exists(sp.unix_socket), "spiced bound its configured unix-socket as well")
    check("listening on 127.0.0.1:%d" % sp.port not in sp.log_text(),
          "spiced bound its configured listen port as well")

    notify.wait(lambda ln: ln == "READY=1", 5, "READY=1")
    notify.wait(lambda ln: ln == "STATUS=1 display, 0 producers attached, 0 sessions",
                5, "the first STATUS")
    # Keep-alives at half the period: several within a second.
    t0 = time.monotonic()
    count = len([ln for ln in notify.lines if ln == "WATCHDOG=1"])
    time.sleep(1.0)
    notify.drain()
    beats = len([ln for ln in notify.lines if ln == "WATCHDOG=1"]) - count
    check(beats >= 4, "%d WATCHDOG=1 in %.1f s with a 300 ms watchdog"
          % (beats, time.monotonic() - t0))

    picture = common.pattern_rgb(W, H, seed=31)
    img = os.path.join(d, "p.ppm")
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)
    notify.wait(lambda ln: ln == "STATUS=1 display, 1 producer attached, 0 sessions",
                5, "STATUS with the producer")

    # spice-gtk on systemd's TCP socket, then on its UNIX socket.
    c = spice_client.connect(port=port, password=sp.password)
    c.wait_primary(timeout=15)
    c.wait_pixels(picture, timeout=10)
    notify.wait(lambda ln: ln == "STATUS=1 display, 1 producer attached, 1 session",
                5, "STATUS with the session")
    u = spice_client.connect(unix_path=upath, password=sp.password)
    u.wait_primary(timeout=15)
    u.wait_pixels(picture, timeout=10)
    notify.wait(lambda ln: ln.endswith(", 2 sessions"), 5, "STATUS with two sessions")
    # Workers do not see systemd's variables.
    checked = 0
    for pid in sp.workers("main") + sp.workers("display"):
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                names = {kv.split(b"=", 1)[0] for kv in f.read().split(b"\0") if kv}
        except FileNotFoundError:
            continue
        leaked = names & {b"LISTEN_FDS", b"LISTEN_PID", b"LISTEN_FDNAMES", b"NOTIFY_SOCKET",
                          b"WATCHDOG_USEC", b"WATCHDOG_PID"}
        check(not leaked, "worker %d inherited %s" % (pid, sorted(leaked)))
        checked += 1
    check(checked >= 3, "only %d workers to check" % checked)
    # A TLS link on systemd's TLS socket.
    rawlink.TLS_CONTEXT = ssl.create_default_context(cafile=pki["ca"])
    try:
        res, s = rawlink.link(tport, sp.password, keep=True)
        check(res == 0, "TLS link on systemd's socket: %s" % rawlink.ERR.get(res, res))
        s.close()
    finally:
        rawlink.TLS_CONTEXT = None
    sp.wait_log(r"channel 1:0 linked \(connection id 0, TLS", 5)

    c.disconnect()
    u.disconnect()
    notify.wait(lambda ln: ln.endswith(", 0 sessions") and "1 producer" in ln, 10,
                "STATUS back to no sessions")

    sp.stop()
    notify.wait(lambda ln: ln == "STOPPING=1", 5, "STOPPING=1")
    check(os.path.exists(upath), "spiced removed the socket file systemd made")

    # Sockets spiced cannot place: each stops it at start, naming the fd.
    refused_at_start([(listening_tcp(), "vm9")],
                     'fd 3 ("vm9") names no display')
    refused_at_start([(listening_tcp(), None)],
                     "name it after its display with FileDescriptorName=")
    refused_at_start([(listening_tcp(), "t/tls")],
                     'fd 3 ("t/tls") names no display, or a listener its display '
                     'does not configure')
    idle = socket.socket()
    idle.bind(("127.0.0.1", 0))
    refused_at_start([(idle, "t")], 'fd 3 ("t") is not a listening stream socket')

    # PrivateNetwork=yes without systemd's socket: spiced binds its own
    # listener in a namespace nothing outside reaches, and says so (in a
    # new network namespace of the test's making, root only).
    if common.AS_ROOT:
        libc = ctypes.CDLL(None, use_errno=True)

        def private_network():
            if libc.unshare(0x40000000) != 0:   # CLONE_NEWNET
                os._exit(99)
        alone = common.Spiced(name="iso", child_setup=private_network)
        alone.wait_log(r'display "iso": listen 127\.0\.0\.1:%d is bound in a network '
                       r"namespace with only the loopback interface" % alone.port, 5)
        alone.stop()
        check("only the loopback" not in sp.log_text(), "a warning with the host's network")


common.run(main)
