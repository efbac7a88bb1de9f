#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""JPEG chroma sampling follows the picture (enc-jpeg-pick.c).  spice-gtk
decodes stream frames with colour repeated over 2x2 blocks, so a video
whose colour has edges as sharp as its brightness goes as 4:4:4 frames
(read from the JPEGs on the wire) at a lower quality, and spice-gtk
shows it closer to the picture than 4:2:0 could at the same bytes (PSNR
of the last frame on spice-gtk's screen, while the stream still shows
it); a video with smooth colour stays 4:2:0.  Each ends with the exact
picture.  Lossy images (jpeg-wan-compression = always) too: such a
picture goes as a 4:4:4 JPEG that spice-gtk shows better than a 4:2:0
one at quality 85 could (test-enc-jpeg-pick keeps 4:2:0 for smooth
colour as images)."""

import math
import time

import common
import rawspice
import spice_client
from common import check

W, H = 320, 240
BOX = (40, 40, 200, 150)


def run_for(c, seconds):
    """Run spice-gtk's loop for seconds."""
    t = time.monotonic() + seconds
    c.wait_until(lambda: time.monotonic() >= t, seconds + 1)


def play(prod, viewer, c, kind, frames):
    """frames of kind at BOX, seeds 1..frames, at 25 fps, the raw viewer
    read and spice-gtk's loop run meanwhile."""
    for k in range(frames):
        t = time.monotonic()
        prod.say("%s %d %d %d %d %d" % ((kind,) + BOX + (k + 1,)))
        viewer.pump(0.005)
        run_for(c, max(0.0, 0.04 - (time.monotonic() - t)))


def box_psnr(got, want, box=BOX):
    x0, y0, w, h = box
    se = 0
    for y in range(y0, y0 + h):
        o = (y * W + x0) * 3
        se += sum((a - b) ** 2 for a, b in zip(got[o:o + 3 * w], want[o:o + 3 * w]))
    return math.inf if se == 0 else 10 * math.log10(255.0 ** 2 * w * h * 3 / se)


def main():
    sp = common.Spiced(password="pw", extra="jpeg-wan-compression = never")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    model = bytearray(W * H * 3)
    prod.say("bitmap 0 0 320 240 7")
    common.script_noise(model, W, 0, 0, 320, 240, 7)
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    d.wait_mark(10)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_pixels(bytes(model), 10)
    c.wait_channels([spice_client.CHANNEL_CURSOR, spice_client.CHANNEL_INPUTS])

    # Smooth colour: 4:2:0.
    play(prod, d, c, "photo", 20)
    common.script_photo(model, W, *BOX, 20)
    check(d.stream_creates == 1 and d.stream_frames >= 10,
          "the smooth video: %d streams, %d frames" % (d.stream_creates, d.stream_frames))
    check(set(d.frame_chroma) == {"4:2:0"}, "the smooth video's frames: %s" % set(d.frame_chroma))
    d.pump(5, until=lambda d: d.stream_destroys == 1)
    c.wait_pixels(bytes(model), 10)

    # Sharp colour edges: 4:4:4, and spice-gtk shows the last frame
    # better than 4:2:0 could (27.8 dB at quality 80 for this picture in
    # test-enc-jpeg-pick; 4:4:4 about 31).
    n = len(d.frame_chroma)
    play(prod, d, c, "vivid", 20)
    common.script_vivid(model, W, *BOX, 20)
    last = time.monotonic()
    check(d.stream_creates == 2, "the vivid video: %d streams" % d.stream_creates)
    vivid = d.frame_chroma[n:]
    check(len(vivid) >= 10 and set(vivid) == {"4:4:4"}, "the vivid video's frames: %s" % vivid)
    # The last frame shows until the stream ends (a second without
    # frames), then the box comes losslessly: the best picture before the
    # exact one is the last frame's.
    best = 0.0
    while time.monotonic() - last < 3:
        run_for(c, 0.05)
        shown = c.snapshot()
        if shown == bytes(model):
            break
        best = max(best, box_psnr(shown, model))
    print("vivid video: %d frames at 4:4:4 of %s bytes on average; spice-gtk showed the last "
          "at %.2f dB" % (len(vivid), sum(d.frame_sizes[n:]) // len(vivid), best))
    check(best > 30.0, "spice-gtk showed the vivid video's last frame at %.2f dB" % best)
    d.pump(5, until=lambda d: d.stream_destroys == 2)
    c.wait_pixels(bytes(model), 10)
    try:
        d.pump(5, until=lambda d: d.rgb() == bytes(model))
    except TimeoutError:
        raise AssertionError("the raw viewer's picture is not exact after the stream")
    check(d.unknown == [], "unknown messages %r" % d.unknown)
    check(sp.alive(), "spiced died")
    sp.stop()

    # Lossy images: a picture like the vivid video's, whole-screen, as
    # one JPEG of 4:4:4 (this one: 31.1 dB at 4:4:4 quality 65 in 13.8 kB,
    # against 28.6 at 4:2:0 quality 85 in 13.9 kB, 29.3 at quality 95).
    sp = common.Spiced(password="pw",
                       extra="jpeg-wan-compression = always\nstreaming-video = off")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    d.wait_mark(10)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary()
    screen = (0, 0, W, H)
    prod.say("vivid 0 0 %d %d 3" % (W, H))
    common.script_vivid(model, W, *screen, 3)
    d.pump(5, until=lambda d: len(d.image_chroma) > 0)
    check(d.image_chroma == ["4:4:4"], "the vivid image went as %s JPEGs" % d.image_chroma)
    got = {}

    def shown():
        got["psnr"] = box_psnr(c.snapshot(), model, screen)
        return got["psnr"] > 30.0
    try:
        c.wait_until(shown, 10)
    except spice_client.SpiceTimeout:
        raise AssertionError("spice-gtk showed the vivid image at %.2f dB" % got.get("psnr", 0.0))
    print("vivid image: a 4:4:4 JPEG, shown by spice-gtk at %.2f dB" % got["psnr"])
    check(sp.alive(), "spiced died")


common.run(main)
