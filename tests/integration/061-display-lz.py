#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""LZ images (SPICE_IMAGE_TYPE_LZ_RGB) as spice-gtk decodes them: with
image-compression = lz every image is LZ, and spice-gtk (spice-common's
LZ decoder) must show the picture exactly: text-like rows (copies
within and across rows), flat areas (long runs), a photograph-like
gradient with noise (literals), and noise that repeats 9000 pixels
later (copies from further back than 8192 pixels, the far form).  Then a
change is seen exactly too.  (spice-html5's decoder: 112; the format's
edges against the tests' own decoder: test-enc-lz.)"""

import os
import random

import common
import ppm
import spice_client
from common import check

W, H = 1280, 720


def picture():
    rnd = random.Random(7)
    noise = [rnd.getrandbits(24) for _ in range(9000)]
    out = bytearray(W * H * 3)
    for y in range(H):
        for x in range(W):
            if y < 240:
                v = 0 if (x * 7 + (y % 16) * 3) % 11 < 2 and y % 16 < 12 else 0xffffff
            elif y < 480 and x < 640:
                v = ((x * 255 // 640) << 16 | (y * 255 // 720) << 8 |
                     (128 + rnd.randrange(8)))
            elif y < 480:
                v = 0x3366cc
            else:
                v = noise[((y - 480) * W + x) % 9000]
            out[(y * W + x) * 3:(y * W + x) * 3 + 3] = bytes((v >> 16, v >> 8 & 255, v & 255))
    return bytes(out)


def main():
    sp = common.Spiced(password="pw", extra="image-compression = lz")
    pic = picture()
    path = os.path.join(sp.dir, "lz.ppm")
    ppm.write_ppm(path, W, H, pic)
    common.wait_producer_socket(sp)
    prod = sp.start_producer("--image", path)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)
    c.wait_pixels(pic, 30)
    sp.wait_log(r"initialised \(lz images", 1)

    # The next picture: the top rows scrolled, the rest the same.
    pic2 = pic[W * 3 * 5:W * 3 * 240] + pic[:W * 3 * 5] + pic[W * 3 * 240:]
    path2 = os.path.join(sp.dir, "lz2.ppm")
    ppm.write_ppm(path2, W, H, pic2)
    prod.terminate()
    prod.wait(10)
    sp.start_producer("--image", path2)
    c.wait_pixels(pic2, 30)
    check(sp.alive(), "spiced died")


common.run(main)
