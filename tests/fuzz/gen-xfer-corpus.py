#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpus of fuzz-xfer to tests/fuzz/corpus/xfer/ (run by
hand from the source tree; the output is committed).  Records of (kind:
0 START, 1 DATA, 2 the client's STATUS, 3 the client gone; length; body)."""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "xfer")
CANCELLED = 1


def rec(kind, body=b""):
    assert len(body) < 256
    return bytes([kind, len(body)]) + body


def start(xid, name, size):
    text = b"[vdagent-file-xfer]\nname=%s\nsize=%d\n\0" % (name, size)
    return rec(0, struct.pack("<I", xid) + text)


def data(xid, chunk, claimed=None):
    return rec(1, struct.pack("<IQ", xid, len(chunk) if claimed is None else claimed) + chunk)


def status(xid, result):
    return rec(2, struct.pack("<II", xid, result))


SEEDS = {
    "one-file": start(1, b"a.txt", 10) + data(1, b"01234") + data(1, b"56789"),
    "empty-file": start(2, b"empty", 0) + data(2, b""),
    "same-name": start(1, b"a.txt", 1) + data(1, b"x") + start(2, b"a.txt", 1) + data(2, b"y"),
    "cancelled": start(3, b"part", 100) + data(3, b"abc") + status(3, CANCELLED),
    "gone": start(4, b"part", 100) + data(4, b"abc") + rec(3),
    "escape": start(5, b"../escape", 1) + start(6, b"a\\nb", 1) + start(7, b"\\s.", 1),
    "liar": start(8, b"liar", 5) + data(8, b"abcde", 6) + start(9, b"long", 3) + data(9, b"abcd"),
    "huge": start(10, b"huge", 2 ** 64 - 1),
    "interleaved": start(1, b"x", 4) + start(2, b"y", 4) + data(2, b"yy") + data(1, b"xxxx") +
    data(2, b"yy"),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, blob in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main()
