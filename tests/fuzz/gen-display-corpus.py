#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpus of fuzz-display to tests/fuzz/corpus/display/
(run by hand from the source tree; the output is committed).  Byte 0:
bit 0 LZ4, bit 1 stream reports, bit 2 JPEG always, bit 3 streaming all;
byte 1 the write chunk - 1; then records (kind, length, bytes): 0 client
bytes, 1 a drawing (seed, x, y, size), 2 a move (dx, dy), 3 a fill
(descriptor low, high | pattern << 6 | clip << 7, x, y), 7 a string (A4 | back << 1, colour,
x, y), 6 a polyline (closed | XOR << 1 and colour, x0, y0, x1, y1; points
offset by 64), 5 a blend (key | RGBA << 1 | scaled << 2, alpha, x + 10,
y + 7), 9 a composite (1x1 source | mask << 1 | transform << 2, op, x + 6,
y + 4), 17 a copy with a ROP (seed and descriptor low, x + 8, y + 8,
descriptor high << 5 | size - 1), 49 a ROP3 with a solid brush (seed, x +
8 and code, y + 8, size - 1); byte 0 bit 5: no composite cap."""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "display")
INIT, STREAM_REPORT, PREF = 101, 102, 103


def mini(mtype, body=b""):
    return struct.pack("<HI", mtype, len(body)) + body


def client(b):
    return bytes([0, len(b)]) + b


def draw(seed, x, y, size):
    return bytes([1, 4, seed, x, y, size])


def move(dx, dy):
    return bytes([2, 2, dx & 255, dy & 255])


def fill(ropd, clip, x, y, pattern=False):
    return bytes([3, 4, ropd & 255, ropd >> 8 | (0x40 if pattern else 0) | (0x80 if clip else 0),
                  x, y])


def text(a4, back, color, x, y):
    return bytes([7, 4, a4 | back << 1, color, x, y])


def line(flags, x0, y0, x1, y1):
    return bytes([6, 5, flags, x0 + 64, y0 + 64, x1 + 64, y1 + 64])


def blend(flags, alpha, x, y):
    return bytes([5, 4, flags, alpha, x + 10, y + 7])


def composite(flags, op, x, y):
    return bytes([9, 4, flags, op, x + 6, y + 4])


def rop_copy(ropd, x, y, size):
    return bytes([17, 4, ropd & 255, x + 8, y + 8, (ropd >> 8) << 5 | (size - 1)])


def rop3(seed, code, y, size):
    """(Its x is the code's, offset by 8.)"""
    return bytes([49, 4, seed, code, y + 8, size - 1])


def init(cache=20971520):
    return client(mini(INIT, struct.pack("<BqBi", 1, cache, 1, 3145728)))


VIDEO = b"".join(draw(s, 4, 4, 0xbf) for s in range(1, 9))
SEEDS = {
    "session": b"\x01\x3f" + init() + draw(3, 0, 0, 63) + draw(3, 0, 0, 63) +
    draw(7, 10, 5, 20) + move(3, -2) + client(mini(PREF, b"\x01")) +
    client(mini(STREAM_REPORT, struct.pack("<6IiI", 0, 1, 0, 0, 10, 5, -3, 0))),
    "video-reports": b"\x0f\x10" + init() + VIDEO +
    client(mini(STREAM_REPORT, struct.pack("<6IiI", 0, 1, 0, 0, 10, 10, 20, 0))) +
    VIDEO + move(2, 2),
    "small-cache": b"\x01\xff" + init(4096) + draw(1, 0, 0, 200) + draw(2, 0, 0, 200) +
    draw(1, 0, 0, 200),
    "fills-and-strings": b"\x01\x3f" + init() + draw(3, 0, 0, 63) +
    fill(8, 0, 3, 4) + fill(64 | 1024, 1, 10, 2) + fill(512, 0, 0, 0) +
    fill(8, 0, 7, 9, True) + fill(64 | 2, 0, 1, 30, True) + fill(128, 0, 5, 5, True) +
    text(0, 0, 200, 5, 5) + text(1, 0, 90, 40, 30) + text(0, 1, 17, 60, 44) +
    text(1, 1, 255, 20, 10) + move(2, 1) + text(0, 0, 1, 0, 0) +
    line(0, 3, 4, 50, 30) + line(1, 60, 2, 10, 40) + line(2, 5, 5, 30, 9) +
    line(0, -20, 10, 90, 12),
    "blends": b"\x01\x3f" + init() + draw(3, 0, 0, 63) +
    blend(1, 0, 5, 5) + blend(0, 150, 30, 20) + blend(2, 255, 50, 40) +
    blend(2, 100, -5, -3) + blend(4, 200, 10, 10) + blend(5, 0, 0, 0) +
    client(mini(PREF, b"\x01")) + blend(0, 90, 20, 20) + blend(2, 90, 20, 20),
    "blends-plain": b"\x00\x3f" + init() + blend(0, 120, 3, 3) + blend(3, 77, 40, 30),
    "composites": b"\x01\x3f" + init() + draw(3, 0, 0, 63) +
    composite(3, 3, 5, 5) + composite(2, 1, 20, 10) + composite(0, 12, 40, 30) +
    composite(6, 3, 10, 10) + composite(1, 3, -3, 2) + composite(3, 3, 5, 5),
    "rop-copies": b"\x01\x3f" + init() + draw(3, 0, 0, 63) +
    rop_copy(32, 5, 5, 20) + rop_copy(64, 5, 5, 20) + rop_copy(32, 5, 5, 20) +
    rop_copy(64 | 1, -3, 10, 12) + rop_copy(8 | 1, 30, 20, 16) + rop_copy(16 | 4, 50, 40, 24) +
    rop_copy(8, 10, 10, 8) + rop_copy(64 | 1024, 2, 2, 10) + rop_copy(512, 7, 7, 6),
    "rop3": b"\x01\x3f" + init() + draw(3, 0, 0, 63) +
    rop3(5, 0xb8, 5, 20) + rop3(9, 0x5a, 10, 12) + rop3(5, 0xb8, 5, 20) + rop3(2, 0xf0, 30, 8) +
    rop3(7, 0x33, 0, 24) + rop3(1, 0xaa, 3, 4),
    "composites-nocap": b"\x21\x3f" + init() + composite(3, 3, 5, 5) + composite(2, 3, 9, 9),
    "before-init": b"\x00\x07" + client(mini(STREAM_REPORT, b"\0" * 32)),
    "bad-init": b"\x00\x07" + client(mini(INIT, b"\0" * 13)),
    "unknown": b"\x00\x07" + init() + client(mini(999, b"x")),
    "preferences": b"\x01\x3f" + init() + b"".join(
        client(mini(PREF, bytes((kind,)))) + draw(kind, 0, 0, 40 + kind)
        for kind in (5, 6, 7, 1, 4, 3, 2, 5)) + client(mini(PREF, b"\x09")),
}

os.makedirs(OUT, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
