#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""remote-viewer across a supervisor restart, as systemd does it: the
listening sockets come from outside (socket activation here; the fd store
under systemd, tests/integration/180-systemd-units.py) and outlive
spiced, with $NOTIFY_SOCKET set.  At SIGTERM spiced asks the viewer to
link again (SWITCH_HOST) and stops; the viewer's connection waits in the
listener; spiced started again serves it, a producer attaches with a new
picture, and the same remote-viewer, never closed, shows it in the same
window.  Twice: over plain TCP to 127.0.0.1, and over TLS (every channel
secured, through the relay) to "localhost", the name the viewer gave TLS,
which it is sent back so that its certificate check holds."""

import os
import signal
import socket
import threading

import common
import ppm
import tlsutil
import xsession
from common import check

W, H = 640, 480


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s, s.getsockname()[1]


def main():
    xsession.need("remote-viewer", "xdotool")
    across_restart(False)
    across_restart(True)


def across_restart(tls):
    d = common.tmpdir()
    tcp, port = listener()
    activate = [(tcp, "t")]
    extra = ""
    if tls:
        pki = tlsutil.make_pki(d)
        tsock, tport = listener()
        activate.append((tsock, "t/tls"))
        extra = tlsutil.tls_conf(pki, common.free_port(),
                                 ["secure-channels = all", "tls-ktls = no"])
    notify_path = os.path.join(d, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    stop = threading.Event()

    def drain():
        # As systemd does, so that spiced's notifications never block.
        notify.settimeout(0.1)
        while not stop.is_set():
            try:
                notify.recv(4096)
            except socket.timeout:
                pass
    drainer = threading.Thread(target=drain, daemon=True)
    drainer.start()
    common._hooks.append(stop.set)

    sp = common.Spiced(password="pw", activate=activate, extra=extra,
                       env={"NOTIFY_SOCKET": notify_path})
    first = common.pattern_rgb(W, H, seed=31)
    second = common.pattern_rgb(W, H, seed=32)
    imgs = []
    for i, pic in enumerate((first, second)):
        imgs.append(os.path.join(d, "p%d.ppm" % i))
        ppm.write_ppm(imgs[-1], W, H, pic)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", imgs[0])

    x = xsession.Xvfb(1024, 768)
    vv = os.path.join(x.dir, "t.vv")
    with open(vv, "w") as f:
        if tls:
            with open(pki["ca"]) as c:
                ca = c.read().strip().replace("\n", "\\n")
            f.write("[virt-viewer]\ntype=spice\nhost=localhost\ntls-port=%d\npassword=pw\n"
                    "ca=%s\nsecure-channels=all\ndelete-this-file=0\ntitle=restart\n"
                    % (tport, ca))
        else:
            f.write("[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=%d\npassword=pw\n"
                    "delete-this-file=0\ntitle=restart\n" % port)
    viewer = x.spawn(["remote-viewer", vv])

    def shows(pic):
        # A patch from the middle: remote-viewer may scale the rest.
        part = b"".join(pic[((200 + j) * W + 300) * 3:((200 + j) * W + 364) * 3]
                        for j in range(64))

        def seen():
            check(viewer.poll() is None, "remote-viewer exited (status %s)"
                  % viewer.returncode)
            return x.screenshot().find(part, 64, 64) is not None
        return seen
    common.wait_for(shows(first), 30, "the first picture in remote-viewer", interval=0.5)
    windows = x.windows_of(viewer.pid)

    mark = sp.log_mark()
    sp.proc.send_signal(signal.SIGTERM)
    sp.wait_log(r"asked 1 viewer to link again to the next spiced", 5, mark)
    sp.wait_log(r"viewer asked to reconnect to %s port %d"
                % ((r"localhost", tport) if tls else (r"127\.0\.0\.1", port)), 5, mark)
    check(sp.proc.wait(timeout=15) == 0, "spiced exited with %s" % sp.proc.returncode)

    sp.restart()
    sp.start_producer("--image", imgs[1])
    common.wait_for(shows(second), 30, "the new supervisor's picture in the same "
                    "remote-viewer", interval=0.5)
    check(x.windows_of(viewer.pid) == windows, "remote-viewer's windows changed: %r, then %r"
          % (windows, x.windows_of(viewer.pid)))
    sp.wait_log(r"session \d+ started for 127\.0\.0\.1", 5, mark)
    print("remote-viewer (%s) linked again through the restart and shows the new picture"
          % ("TLS to localhost" if tls else "plain"))
    check(sp.alive(), "spiced died")
    viewer.send_signal(signal.SIGTERM)
    viewer.wait(10)
    sp.stop()
    stop.set()


common.run(main)
