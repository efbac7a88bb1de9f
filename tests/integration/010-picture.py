#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End to end with the real client: spice-gtk (SpiceClientGLib through
python3-gi) links to spiced serving qxl-shm-testsrc --image and the primary
surface it receives equals the image pixel for pixel.  A second client
(its own session) joins while the first stays connected and gets the same
picture; with a frame sequence, both keep receiving every update; the
synthetic desktop delivers changing frames."""

import os

import common
import ppm
import spice_client
from common import check

W, H = 333, 219  # odd sizes catch row and stride mistakes


def main():
    sp = common.Spiced(password="pw")
    img = os.path.join(sp.dir, "pattern.ppm")
    picture = common.pattern_rgb(W, H, seed=7)
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)

    a = spice_client.connect(port=sp.port, password="pw")
    prim = a.wait_primary(timeout=15)
    check((prim["width"], prim["height"]) == (W, H),
          "primary is %dx%d, want %dx%d" % (prim["width"], prim["height"], W, H))
    a.wait_mark(timeout=10)
    a.wait_pixels(picture, timeout=10)

    # A second viewer of the same display, its own session.
    b = spice_client.connect(port=sp.port, password="pw")
    b.wait_primary(timeout=15)
    b.wait_pixels(picture, timeout=10)
    check(len(sp.workers("main")) == 2, "want two sessions (two main workers), have %d"
          % len(sp.workers("main")))
    # The first viewer was not disconnected.
    check(not a.closed_channels(), "first client lost channels: %s" % a.closed_channels())
    check(a.snapshot() == picture, "first client's picture changed")
    a.disconnect()
    b.disconnect()
    sp.stop()

    # A frame sequence: both viewers follow every change.
    sp = common.Spiced(password=None)
    frames = os.path.join(sp.dir, "frames")
    os.mkdir(frames)
    pics = [common.pattern_rgb(W, H, seed=s) for s in (11, 12, 13)]
    for i, pic in enumerate(pics):
        ppm.write_ppm(os.path.join(frames, "f%02d.ppm" % i), W, H, pic)
    common.wait_producer_socket(sp)
    sp.start_producer("--frames", frames, "--fps", "4")
    a = spice_client.connect(port=sp.port)
    b = spice_client.connect(port=sp.port)
    for rnd in range(2):
        for i, pic in enumerate(pics):
            for name, c in (("A", a), ("B", b)):
                try:
                    c.wait_pixels(pic, timeout=10)
                except spice_client.SpiceTimeout as e:
                    raise common.TestFailure("client %s never showed frame %d: %s" % (name, i, e))
    a.disconnect()
    b.disconnect()
    sp.stop()

    # The synthetic desktop: frames change over time, and are not blank.
    sp = common.Spiced(password=None)
    common.wait_producer_socket(sp)
    sp.start_producer("--size", "640x480", "--fps", "20")
    c = spice_client.connect(port=sp.port)
    prim = c.wait_primary(timeout=15)
    check((prim["width"], prim["height"]) == (640, 480), "synthetic primary %s" % prim)
    c.wait_mark(timeout=10)
    first = c.snapshot()
    check(len(set(first[i:i + 3] for i in range(0, len(first), 3 * 97))) > 3,
          "synthetic desktop looks blank")
    changed = c.wait_until(lambda: c.snapshot() != first, 10, "a changed frame")
    check(changed, "no change")
    c.disconnect()


common.run(main)
