#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A change larger than a band (1 MB of pixels) is sent band by band, each
band a whole number of 16-row blocks from the top of the change (a JPEG
block row at 4:2:0, so that a picture sent in bands is cut where a whole
one would be); a photograph that goes as JPEG (jpeg-wan-compression =
always) goes whole, one image for the screen (spice-gtk decodes each
image on its own and could not smooth its colours across band edges).
qxl-shm-testsrc plays two photograph-like frames of 1000x600 (2.4 MB)
in turn, reporting damage; a raw client records every DRAW_COPY."""

import math
import os

import common
import ppm
import rawspice
from common import check

W, H = 1000, 600
BAND = 272      # 1 MB of 4000-byte rows is 262 rows: 272 in 16-row blocks


def photo(s):
    out = bytearray(W * H * 3)
    for y in range(H):
        cy, sy = math.cos(y / 11.0), math.sin(y / 7.0)
        for x in range(W):
            o = (y * W + x) * 3
            out[o:o + 3] = bytes((int(128 + 100 * math.sin(x / 9.0 + s) * cy),
                                  int(128 + 100 * sy * math.cos(x / 13.0 + s)),
                                  int(128 + 100 * math.sin((x + y) / 10.0))))
    return bytes(out)


def frames_of(d, n):
    """The DRAW_COPYs of the first n whole frames after the initial
    screen, each frame's list of boxes and image types."""
    d.copies.clear()
    got = []

    def enough(d):
        rows = 0
        got.clear()
        cur = []
        for top, left, bottom, right, itype in d.copies:
            check((left, right) == (0, W), "a copy of columns %d-%d, not the width" % (left, right))
            cur.append((top, bottom, itype))
            rows += bottom - top
            if rows == H:
                got.append(cur)
                cur, rows = [], 0
        return len(got) >= n
    d.pump(30, until=enough)
    check(len(got) >= n, "%d whole frames seen: %r" % (len(got), d.copies))
    return got


def main():
    sp = common.Spiced(password="pw", extra="streaming-video = off")
    frames = os.path.join(sp.dir, "frames")
    os.mkdir(frames)
    ppm.write_ppm(os.path.join(frames, "f-000.ppm"), W, H, photo(1))
    ppm.write_ppm(os.path.join(frames, "f-001.ppm"), W, H, photo(2))
    common.wait_producer_socket(sp)
    sp.start_producer("--frames", frames, "--damage", "--fps", "3", "--size", "%dx%d" % (W, H))
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    d.wait_mark(10)
    for bands in frames_of(d, 2):
        check([t for t, _, _ in bands] == list(range(0, H, BAND)),
              "lossless bands start at rows %r, not every %d" % ([t for t, _, _ in bands], BAND))
        check(all(it != rawspice.IMAGE_JPEG for _, _, it in bands), "a lossless run sent JPEG")
    print("lossless: bands of %d rows" % BAND)
    sp.stop()

    sp = common.Spiced(password="pw", extra="streaming-video = off\n"
                       "jpeg-wan-compression = always")
    common.wait_producer_socket(sp)
    sp.start_producer("--frames", frames, "--damage", "--fps", "3", "--size", "%dx%d" % (W, H))
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    d.wait_mark(10)
    for bands in frames_of(d, 2):
        check(bands == [(0, H, rawspice.IMAGE_JPEG)],
              "a photograph as JPEG went as %r, not one image" % bands)
    print("JPEG: one image a frame")
    check(sp.alive(), "spiced died")


common.run(main)
