#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""qxl-shm-testsrc --frames DIR plays the *.ppm files of DIR in name order
(a checksum file and a hidden file beside them are ignored); with
--damage it sends only the tiles that changed, as a damage-tracking
producer does: after the first whole frame, every update spice-gtk gets
lies inside the changed area's 32x32 tiles, and the client's picture
follows the frames exactly."""

import os

import common
import ppm
import spice_client
from common import check

W, H = 160, 96
# The rectangle that differs between the two frames, and the 32x32 tiles
# it touches.
CX, CY, CW, CH = 50, 40, 20, 10
TILES = (32, 32, 96 - 32, 64 - 32)


def main():
    sp = common.Spiced(password=None)
    frames = os.path.join(sp.dir, "frames")
    os.mkdir(frames)
    a = bytearray(common.pattern_rgb(W, H, seed=8))
    b = bytearray(a)
    for y in range(CY, CY + CH):
        for x in range(CX, CX + CW):
            b[(y * W + x) * 3:(y * W + x) * 3 + 3] = b"\xff\x00\x80"
    ppm.write_ppm(os.path.join(frames, "f-000.ppm"), W, H, bytes(a))
    ppm.write_ppm(os.path.join(frames, "f-001.ppm"), W, H, bytes(b))
    with open(os.path.join(frames, "sha256sums"), "w") as f:
        f.write("not a picture\n")
    with open(os.path.join(frames, ".hidden.ppm"), "w") as f:
        f.write("not a picture either\n")

    common.wait_producer_socket(sp)
    sp.start_producer("--frames", frames, "--damage", "--fps", "5")
    c = spice_client.connect(port=sp.port)
    c.wait_primary(timeout=10)
    # The first frame goes whole; from then on, only damage.
    c.wait_invalidate(timeout=10, covering=(0, 0, W, H))
    c.wait_pixels(bytes(a), timeout=10)
    c.clear_invalidates()
    c.wait_pixels(bytes(b), timeout=10)
    c.wait_pixels(bytes(a), timeout=10)
    tx, ty, tw, th = TILES
    inv = list(c.invalidates)
    check(inv, "no updates between the frames")
    for (x, y, w, h) in inv:
        check(x >= tx and y >= ty and x + w <= tx + tw and y + h <= ty + th,
              "update %r outside the changed tiles %r" % ((x, y, w, h), TILES))
    c.disconnect()


common.run(main)
