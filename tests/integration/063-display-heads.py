#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Several monitors on one display (qxl-shm HEADS, SPICE MONITORS_CONFIG):
a producer that shows its 960x300 screen as three monitors side by side;
a raw client that announces the MONITORS_CONFIG cap gets their areas
after SURFACE_CREATE, one that does not gets none; spice-gtk takes them
(its display channel's monitors-max is 3); remote-viewer under Xvfb opens
a window for each.  A new viewer
after a display worker restart gets the heads again (the supervisor keeps
them).  Heads outside the primary end the producer with the reason."""

import os
import signal
import subprocess

import common
import ppm
import rawspice
import spice_client
import xsession
from common import check

W, H = 960, 300
THIRDS = [(0, 320), (320, 320), (640, 320)]


def picture():
    """A still picture whose thirds differ everywhere: RGB bytes."""
    out = bytearray(W * H * 3)
    for y in range(H):
        for x in range(W):
            t = x // 320
            out[(y * W + x) * 3:(y * W + x) * 3 + 3] = bytes(
                ((x * 7 + y * 3 + 80 * t) & 255, (x * 5 ^ y * 11) & 255, (60 + 90 * t + y) & 255))
    return bytes(out)


def sample(rgb, x0, y0, w, h):
    return b"".join(rgb[((y0 + j) * W + x0) * 3:((y0 + j) * W + x0 + w) * 3] for j in range(h))


def expect_heads(d, what):
    d.pump(0.5)
    check(d.monitors is not None, "%s: no MONITORS_CONFIG" % what)
    got = [(x, y, w, h) for (_id, surf, w, h, x, y, _fl) in d.monitors]
    check(got == [(x, 0, w, H) for x, w in THIRDS], "%s: heads %r" % (what, d.monitors))
    check([m[0] for m in d.monitors] == [0, 1, 2] and all(m[1] == 0 for m in d.monitors),
          "%s: ids and surfaces %r" % (what, d.monitors))
    check(d.monitors_max == 3, "%s: max_allowed %d" % (what, d.monitors_max))


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    pic = picture()
    img = os.path.join(common.tmpdir(), "thirds.ppm")
    ppm.write_ppm(img, W, H, pic)
    sp.start_producer("--image", img, "--heads", "3")
    sp.wait_log(r'producer "qxl-shm-testsrc" shows 3 heads', 10)

    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id,
                                extra_caps=(rawspice.DISPLAY_CAP_MONITORS_CONFIG,))
    d.wait_mark(10)
    expect_heads(d, "raw client with the cap")
    plain = rawspice.display_client(sp.port, "pw", m.session_id)
    plain.wait_mark(10)
    plain.pump(0.5)
    check(plain.monitors is None, "a client without the cap got %r" % (plain.monitors,))

    # spice-gtk took the MONITORS_CONFIG: its monitors-max is the
    # count (PyGObject cannot read the "monitors" GArray itself; the
    # windows below show what spice-gtk made of the heads).
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)
    disp = c.channels[(spice_client.CHANNEL_DISPLAY, 0)]
    c.wait_until(lambda: disp.get_property("monitors-max") == 3, 10, "spice-gtk's monitors-max 3")
    c.disconnect()

    # remote-viewer opens a window per monitor.
    xsession.need("remote-viewer", "xdotool")
    x = xsession.Xvfb(1600, 1000)
    vv = os.path.join(x.dir, "heads.vv")
    with open(vv, "w") as f:
        f.write("[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=%d\npassword=pw\n"
                "delete-this-file=0\ntitle=heads\n" % sp.port)
    viewer = x.spawn(["remote-viewer", vv])
    seen = [0]

    def windows():
        check(viewer.poll() is None, "remote-viewer exited (status %s)" % viewer.returncode)
        seen[0] = len(x.windows_of(viewer.pid))
        return seen[0] >= 3
    try:
        common.wait_for(windows, 30, "remote-viewer's three windows", interval=0.5)
    except common.TestFailure:
        raise common.TestFailure("remote-viewer shows %d windows, want 3" % seen[0])
    # No window manager places them: side by side, then each third of
    # the picture must be on the screen.
    for k, w in enumerate(x.windows_of(viewer.pid)):
        subprocess.run(["xdotool", "windowmove", str(w), str(20 + 520 * k), "20"], env=x.env,
                       check=True)
    parts = [sample(pic, x0 + 100, 100, 64, 64) for x0, _w in THIRDS]

    def all_shown():
        check(viewer.poll() is None, "remote-viewer exited (status %s)" % viewer.returncode)
        shot = x.screenshot()
        return all(shot.find(p, 64, 64) is not None for p in parts)
    common.wait_for(all_shown, 30, "each third of the picture in a window", interval=1)
    viewer.send_signal(signal.SIGTERM)
    viewer.wait(10)

    # A new display worker: the supervisor hands it the heads again.
    old = sp.workers("display")
    os.kill(old[0], signal.SIGKILL)
    common.wait_for(lambda: sp.workers("display") and sp.workers("display") != old, 15,
                    "a new display worker")
    m2 = rawspice.open_session(sp.port, "pw")
    d2 = rawspice.display_client(sp.port, "pw", m2.session_id,
                                 extra_caps=(rawspice.DISPLAY_CAP_MONITORS_CONFIG,))
    d2.wait_mark(15)
    expect_heads(d2, "after a worker restart")

    # A producer whose heads leave its primary is dropped, with why.
    sp2 = common.Spiced(password="pw")
    common.wait_producer_socket(sp2)
    prod = common.ScriptProducer(sp2)
    prod.proc.stdin.write("heads 2 0 0 200 240 200 0 121 240\n")
    prod.proc.stdin.flush()
    sp2.wait_log(r'producer "script-producer" \(pid \d+\) dropped: HEADS has a head outside the '
                 r'primary', 10)
    check(sp.alive() and sp2.alive(), "spiced died")


common.run(main)
