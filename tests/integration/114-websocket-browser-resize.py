#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The desktop follows a browser window: headless chromium with spice-html5
(tests/integration/browser.py) on spiced's WebSocket, spiced-x11 on Xorg
with the dummy driver (which can change modes).  spice-html5 asks the
agent (spiced-x11) for its page's size when it connects and again when
the window is resized (VD_AGENT_MONITORS_CONFIG, rounded down to
multiples of 8 by spice-html5); the X screen takes that size, the page's
canvas becomes a new primary of it, and what the canvas shows is what the
X server shows (its own screenshot), pixel for pixel.  Skips (77) when
chromium or spice-html5 is missing."""

import re
import subprocess
import time

import browser
import common
import ppm
import xsession
from common import check

TOLERANCE = 2


def screen_size(x):
    out = subprocess.run(["xdpyinfo"], env=x.env, capture_output=True, text=True,
                         timeout=10).stdout
    m = re.search(r"dimensions:\s+(\d+)x(\d+) pixels", out)
    return int(m.group(1)), int(m.group(2))


def main():
    browser.need()
    xsession.need("xdpyinfo", "xsetroot", "xterm")
    x = xsession.XorgDummy(1024, 768)
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    subprocess.run(["xsetroot", "-solid", "#2a5d8f"], env=x.env, check=True)
    x.spawn(["xterm", "-geometry", "40x5+16+16", "-e", "sh", "-c",
             "echo resized; exec sleep 60"])
    xsession.start_spiced_x11(sp, x, uid)

    br = browser.Browser(sp.dir, sp.port, "pw")
    try:
        def follows(what, before):
            """The X screen left `before`, and the canvas has its size
            and its pixels."""
            # spice-html5 may ask twice: the first canvas changes the
            # page's layout (a scroll bar comes or goes), so a size counts
            # once it held for a second.
            held = [None, 0]

            def settled():
                size = screen_size(x)
                rect = br.canvas_rect()
                now = (size if size != before and rect and (rect[0], rect[1]) == size
                       else None)
                if now != held[0]:
                    held[:] = [now, time.monotonic()]
                return now if now and time.monotonic() - held[1] >= 1 else None
            w, h = common.wait_for(settled, 30, "the X screen and the canvas to follow "
                                   "the %s" % what)
            check(w % 8 == 0 and h % 8 == 0, "size %dx%d" % (w, h))

            # What of the canvas is in the viewport: spice-html5 asks for
            # its screen element's width, and the canvas sits a border's
            # width to the right, so its last column may be beyond.
            last = []

            def same():
                rect = br.canvas_rect()
                vw = min(w, int(br.dt.eval("window.innerWidth") - rect[2]))
                shot = x.screenshot()
                cw, ch, rgb = br.screenshot(rect[2], rect[3], vw, h)
                want = b"".join(shot.row(y)[:vw * 3] for y in range(h)) \
                    if (shot.width, shot.height) == (w, h) else b""
                last[:] = [vw, cw, ch, rgb, want]
                return vw >= w - 2 and (cw, ch) == (vw, h) and len(want) == len(rgb) and \
                    max((abs(p - q) for p, q in zip(rgb, want)), default=0) <= TOLERANCE
            try:
                common.wait_for(same, 20, "the canvas to show the X screen at %dx%d"
                                % (w, h), interval=0.3)
            except common.TestFailure:
                vw, cw, ch, rgb, want = last
                detail = (ppm.describe_diff(ppm.diff(rgb, want, vw, h))
                          if (cw, ch) == (vw, h) and len(want) == len(rgb)
                          else "canvas shot %dx%d of %d columns in view" % (cw, ch, vw))
                check(False, "the canvas does not show the X screen at %dx%d: %s"
                      % (w, h, detail))
            print("# %s: X screen and canvas %dx%d" % (what, w, h))
            return w, h

        # The page at its first size (an 800x600 window).
        first = follows("page's size", (1024, 768))
        check(first[0] <= 800 and first[1] <= 600, "first size %s" % (first,))
        # The window grows: a bigger desktop.
        br.dt.call("Emulation.setDeviceMetricsOverride", width=1200, height=900,
                   deviceScaleFactor=1, mobile=False)
        br.dt.eval("window.dispatchEvent(new Event('resize'))")
        second = follows("window grown to 1200x900", first)
        check(second[0] > first[0] and second[1] > first[1] and second[0] <= 1200
              and second[1] <= 900, "second size %s after %s" % (second, first))
    finally:
        br.close()
    sp.stop()


common.run(main)
