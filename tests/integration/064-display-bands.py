#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A change larger than a band is sent band by band, each band a whole
number of 16-row blocks from the top of the change (a JPEG block row at
4:2:0, so that a picture sent in bands is cut where a whole one would
be).  A band is 1 MB of pixels for a drawing (LZ4), four times that for
a photograph sent as QUIC (so that each image's model learns over more
pixels), and eight times for one sent as JPEG (jpeg-wan-compression =
always), which then goes whole: spice-gtk decodes each image on its own
and could not smooth colours across band edges.  qxl-shm-testsrc plays
two 1000x1100 frames (4.4 MB) in turn, reporting damage; a raw client
records every DRAW_COPY."""

import math
import os

import common
import ppm
import rawspice
from common import check

W, H = 1000, 1100
ROW = W * 4
MB = 1024 * 1024


def band_rows(nbytes):
    return (nbytes // ROW + 15) // 16 * 16


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


def drawing(s):
    """Flat rectangles of a few colours: a drawing, sent as LZ4."""
    out = bytearray(W * H * 3)
    for y in range(H):
        for x0 in range(0, W, 50):
            c = ((x0 // 50 + y // 40 + s) % 4) * 60
            out[(y * W + x0) * 3:(y * W + x0 + 50) * 3] = bytes((c, 255 - c, 90)) * 50
    return bytes(out)


def frames_of(d, n):
    """The DRAW_COPYs of the first n whole frames after the initial
    screen, each frame's list of (top, bottom, image type)."""
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


def play(pictures, extra, band, itype, what):
    sp = common.Spiced(password="pw", extra="streaming-video = off" + extra)
    frames = os.path.join(sp.dir, "frames")
    os.mkdir(frames)
    for k, pic in enumerate(pictures):
        ppm.write_ppm(os.path.join(frames, "f-%03d.ppm" % k), W, H, pic)
    common.wait_producer_socket(sp)
    sp.start_producer("--frames", frames, "--damage", "--fps", "3", "--size", "%dx%d" % (W, H))
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    d.wait_mark(10)
    for bands in frames_of(d, 2):
        check(bands == [(y, min(H, y + band), itype) for y in range(0, H, band)],
              "%s went as %r, not bands of %d rows of image type %d" % (what, bands, band, itype))
    check(sp.alive(), "spiced died")
    print("%s: bands of %d rows" % (what, band))
    sp.stop()


def main():
    photos = [photo(1), photo(2)]
    play([drawing(1), drawing(2)], "", band_rows(MB), rawspice.IMAGE_LZ4, "a drawing")
    play(photos, "", band_rows(4 * MB), rawspice.IMAGE_QUIC, "a photograph, lossless")
    play(photos, "\njpeg-wan-compression = always", H, rawspice.IMAGE_JPEG,
         "a photograph as JPEG")


common.run(main)
