#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""remote-viewer across a supervisor restart, as systemd does it: the
listening sockets come from outside (socket activation here; the fd store
under systemd, tests/integration/180-systemd-units.py) and outlive
spiced, with $NOTIFY_SOCKET set and this test playing systemd's fd store
(tests/integration/fdstore.py).

Over plain TCP to 127.0.0.1, then over TLS (every channel secured,
through relay processes) to "localhost", with the default keep-sessions
= yes: at SIGTERM spiced leaves its session to the next one
(daemon/handoff.h), which adopts it: the viewer is never asked to link
again, and when the producer is replaced afterwards, the same
remote-viewer window shows the new picture.  Over TLS again with
keep-sessions = no: at SIGTERM spiced asks the viewer to link again (SWITCH_HOST) to "localhost", the name the viewer gave TLS,
so that its certificate check holds; its connection waits in the
listener; spiced started again serves it, a producer attaches with a new
picture, and the same remote-viewer, never closed, shows it in the same
window."""

import os
import re
import signal
import socket

import common
import fdstore
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
    fdstore.become_subreaper()
    across_restart(tls=False, keep=True)
    across_restart(tls=True, keep=True)
    across_restart(tls=True, keep=False)


def across_restart(tls, keep):
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
    store = fdstore.FdStore(os.path.join(d, "notify"))
    # Keeping sessions over plain TCP, relinking over TLS.
    sp = common.Spiced(password="pw", activate=activate, extra=extra,
                       env={"NOTIFY_SOCKET": store.path},
                       global_extra="" if keep else "keep-sessions = no")
    first = common.pattern_rgb(W, H, seed=31)
    second = common.pattern_rgb(W, H, seed=32)
    imgs = []
    for i, pic in enumerate((first, second)):
        imgs.append(os.path.join(d, "p%d.ppm" % i))
        ppm.write_ppm(imgs[-1], W, H, pic)
    common.wait_producer_socket(sp)
    producer = sp.start_producer("--image", imgs[0])

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
    if not keep:
        sp.wait_log(r"asked 1 viewer to link again to the next spiced", 5, mark)
        sp.wait_log(r"viewer asked to reconnect to localhost port %d" % tport, 5, mark)
    check(sp.proc.wait(timeout=15) == 0, "spiced exited with %s" % sp.proc.returncode)
    check(not keep or "handoff: 1 session and " in sp.log_text()[mark:],
          "spiced did not hand its session over:\n%s" % sp.log_text()[mark:][-1500:])

    sp.restart(activate=activate + store.activate())
    if keep:
        sp.wait_log(r'display "t": 1 session kept from the previous run', 5, mark)
        # The adopted display worker takes the next producer.
        producer.terminate()
        producer.wait(10)
    sp.start_producer("--image", imgs[1])
    common.wait_for(shows(second), 30, "the new supervisor's picture in the same "
                    "remote-viewer", interval=0.5)
    check(x.windows_of(viewer.pid) == windows, "remote-viewer's windows changed: %r, then %r"
          % (windows, x.windows_of(viewer.pid)))
    log = sp.log_text()[mark:]
    if not keep:
        sp.wait_log(r"session \d+ started for 127\.0\.0\.1", 5, mark)
    else:
        check(re.search(r"session \d+ started", log) is None and
              "link again" not in log, "the viewer linked again:\n%s" % log[-2000:])
    print("remote-viewer (%s) %s through the restart and shows the new picture"
          % ("TLS to localhost" if tls else "plain", "kept its session" if keep else
             "linked again"))
    check(sp.alive(), "spiced died")
    viewer.send_signal(signal.SIGTERM)
    viewer.wait(10)
    # What a stopped unit's fd store holds goes; so do kept workers.
    fdstore.finish(sp, store, kept=keep)
    store.stopped = True


common.run(main)
