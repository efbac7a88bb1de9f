#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A browser watches a video: headless chromium with spice-html5
(tests/integration/browser.py) on spiced's WebSocket, a scripted producer
redrawing a box with photographs 25 times a second.  spiced streams the
box as MJPEG (spice-html5 asks for it by its codec caps) and spice-html5
draws the frames: while the video runs the canvas shows the latest
frames closely (PSNR against the producer's frame), once it stops the
stream ends and the box is resent losslessly, so the canvas ends exact.
Skips (77) when chromium or spice-html5 is missing."""

import time

import browser
import common
import ppm
from common import check

W, H = 320, 240
BOX = (40, 40, 200, 150)


def main():
    browser.need()
    sp = common.Spiced(password="pw", extra="jpeg-wan-compression = never")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    model = bytearray(W * H * 3)
    prod.say("bitmap 0 0 %d %d 7" % (W, H))
    common.script_noise(model, W, 0, 0, W, H, 7)
    br = browser.Browser(sp.dir, sp.port, "pw")
    try:
        rect = br.wait_canvas(W, H)

        def canvas():
            r = br.canvas_rect()
            return br.screenshot(r[2], r[3], W, H)[2]
        common.wait_for(lambda: canvas() == bytes(model), 20, "the first picture")

        # 40 frames at 25 fps; the canvas looked at after the 30th.
        mark = sp.log_mark()
        box = "%d %d %d %d" % BOX
        for k in range(1, 41):
            t = time.monotonic()
            prod.say("photo %s %d" % (box, k))
            if k == 30:
                seen = canvas()
            time.sleep(max(0.0, 0.04 - (time.monotonic() - t)))
        sp.wait_log(r"stream \d+ of 200x150 at 40,40", 1, mark)
        check("cannot decode the stream" not in sp.log_text()[mark:],
              "spiced found spice-html5 unable to take the stream")
        # What the canvas showed after frame 30 was a frame as a JPEG
        # shows it: close to one of the frames, and equal to none (the
        # frames before the stream went lossless; and the photographs
        # repeat, frame k+25 looks much like frame k, so closeness alone
        # would not tell).
        best = 0.0
        for k in range(1, 31):
            frame = bytearray(model)
            common.script_photo(frame, W, *BOX, k)
            best = max(best, ppm.psnr(seen, frame))
        check(32 <= best < 60, "mid-video the canvas is %.1f dB from the closest frame "
              "(a JPEG frame is within 32-60 dB)" % best)
        common.script_photo(model, W, *BOX, 40)
        common.wait_for(lambda: canvas() == bytes(model), 10,
                        "the exact picture after the stream")
        frames = int(sp.wait_log(r"stream \d+ ends \(.*\) after (\d+) frames", 5,
                                 mark).group(1))
        check(frames >= 20, "the stream had %d frames" % frames)
        print("# %d stream frames; mid-video %.1f dB from the closest frame, a JPEG one; exact after"
              % (frames, best))
        check(rect == br.canvas_rect(), "the canvas moved or changed: %s" % br.canvas_rect())
    finally:
        br.close()
    sp.stop()


common.run(main)
