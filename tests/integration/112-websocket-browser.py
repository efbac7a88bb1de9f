#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real browser on spiced's WebSocket, no websockify: Debian's headless
chromium opens spice-html5 (Debian package spice-html5, served by a local
http.server) pointed at spiced's ordinary port, and the page's canvas must
show the producer's picture: a natural one (sent as QUIC: spice-html5
has no LZ4), then a drawing, text-like marks and flat areas (sent as LZ,
LZ_RGB, decoded by spice-html5's own lz.js) after spiced restarted with
the test playing systemd's fd store: the page's session is handed to
the next supervisor and the page never links again.

The browser is driven through the DevTools protocol (its WebSocket, with
tests/integration/wsclient.py; stdlib only): navigate, wait until the
canvas has the picture's size, then take screenshots of exactly the
canvas's rectangle (its offset in the page comes from
getBoundingClientRect) until one matches the source image.  The match is
exact in practice (a 2D canvas, software rendering, sRGB forced, scale
1); a difference of at most 2 per channel is tolerated so that a future
colour-management rounding does not fail the test, while a shifted,
flipped, swapped-channel or partial picture still does.  Skips (77) when
chromium or spice-html5 is missing."""

import os
import signal

import browser
import common
import fdstore
import ppm
from common import check

W, H = 320, 200
TOLERANCE = 2


def max_diff(a, b):
    return max((abs(x - y) for x, y in zip(a, b)), default=0)


def main():
    browser.need()
    fdstore.become_subreaper()
    store = fdstore.FdStore(os.path.join(common.tmpdir(), "notify"))
    sp = common.Spiced(env={"NOTIFY_SOCKET": store.path})
    picture = common.pattern_rgb(W, H, seed=12)
    path = os.path.join(sp.dir, "p.ppm")
    ppm.write_ppm(path, W, H, picture)
    common.wait_producer_socket(sp)
    producer = sp.start_producer("--image", path)

    br = browser.Browser(sp.dir, sp.port, sp.password)
    try:
        br.wait_canvas(W, H)
        sp.wait_log(r"link from 127\.0\.0\.1:\d+: channel 2:0 linked", 15)

        last = [None]
        pos = [None, None]

        def shot_matches(want):
            # Re-read the offset each time: the layout settles (a
            # scrollbar comes and goes) while the client starts.
            rect = br.canvas_rect()
            if not rect:
                return False    # the canvas is being made again
            x, y = pos[0], pos[1] = rect[2], rect[3]
            w, h, rgb = br.screenshot(x, y, W, H)
            last[0] = (w, h, rgb)
            return w == W and h == H and max_diff(rgb, want) <= TOLERANCE

        def expect(want, what):
            try:
                common.wait_for(lambda: shot_matches(want), 30, what + " on the canvas",
                                interval=0.3)
            except common.TestFailure:
                w, h, rgb = last[0] if last[0] else (0, 0, b"")
                with open(os.path.join(sp.dir, "screenshot.ppm"), "wb") as f:
                    f.write(b"P6 %d %d 255\n" % (w, h) + rgb)
                detail = (ppm.describe_diff(ppm.diff(rgb, want, W, H))
                          if (w, h) == (W, H) else "screenshot %dx%d" % (w, h))
                px = br.dt.eval("Array.from(document.querySelector('#spice-screen canvas')"
                             ".getContext('2d').getImageData(0, 0, 2, 1).data)")
                check(False, "canvas at (%s, %s) is not %s: %s (canvas pixels "
                      "at (0,0): %r)" % (pos[0], pos[1], what, detail, px))
            w, h, rgb = last[0]
            print("# %s, canvas at (%s, %s): %s" % (what, pos[0], pos[1], "exact match"
                  if rgb == want else "max channel difference %d" % max_diff(rgb, want)))

        expect(picture, "the natural picture")
        # spice-html5 has no LZ4: its lossless images are QUIC and LZ.
        sp.wait_log(r"initialised \(quic and lz images", 1)
        # spiced restarts (the test playing systemd's fd store): the
        # page's session is handed over, the browser notices nothing.
        mark = sp.log_mark()
        sp.proc.send_signal(signal.SIGTERM)
        check(sp.proc.wait(timeout=15) == 0, "spiced exited %s" % sp.proc.returncode)
        sp.restart(activate=store.activate())
        sp.wait_log(r'display "t": 1 session kept from the previous run', 5, mark)
        # A drawing from the next producer: LZ, decoded by lz.js.
        producer.terminate()
        producer.wait(10)
        drawing = bytearray(b"\xff" * (W * H * 3))
        for y in range(H):
            for x in range(W):
                if (x * 7 + (y % 16) * 3) % 11 < 2 and y % 16 < 12:
                    drawing[(y * W + x) * 3:(y * W + x) * 3 + 3] = b"\x00\x00\x00"
                elif 40 <= x < 120 and 150 <= y < 190:
                    drawing[(y * W + x) * 3:(y * W + x) * 3 + 3] = b"\x20\x60\xc0"
        drawing = bytes(drawing)
        dpath = os.path.join(sp.dir, "d.ppm")
        ppm.write_ppm(dpath, W, H, drawing)
        sp.start_producer("--image", dpath)
        expect(drawing, "the drawing")
        # The session went through spiced's WebSocket, nothing else, and
        # the page did not link again after the restart.
        sp.wait_log(r"channel 1:0 linked", 1)
        check("linked" not in sp.log_text()[mark:], "the page linked again after the "
              "restart")
    finally:
        br.close()
        fdstore.finish(sp, store)


common.run(main)
