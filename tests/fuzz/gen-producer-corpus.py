#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The seed corpus of fuzz-producer (tests/fuzz/fuzz-producer.c): whole
producer conversations as qxl-shm 1.2 producers hold them, in its input
format (u8 type, u8 flags: 1 send the type's fds, 2 an unsealed memfd;
u16 length; payload).  Run by hand; the output is committed."""

import os
import struct
import sys

MAGIC = 0x4d485351
FEATURES = 0x7f
HELLO, MEMSLOT, ATTACH, CREATE, DESTROY, DETACH = 1, 2, 3, 4, 5, 6
INPUT, LEDS, AGENT, INPUT_FLAGS, PORT, PORT_STATE, AUDIO, RECORD = 7, 8, 9, 10, 11, 12, 13, 14
HEADS = 15


def rec(typ, payload=b"", fds=True, unsealed=False):
    return struct.pack("<BBH", typ, (1 if fds else 0) | (2 if unsealed else 0),
                       len(payload)) + payload


def hello(features=FEATURES, major=1, minor=2):
    return rec(HELLO, struct.pack("<IHHQ64s", MAGIC, major, minor, features, b"fuzz"), fds=False)


def memslot(slot, size=1 << 20, gen=0, unsealed=False):
    return rec(MEMSLOT, struct.pack("<IIQ", slot, gen, size), unsealed=unsealed)


def attach(slot=0, offset=0):
    return rec(ATTACH, struct.pack("<IIQ", slot, 0, offset))


def primary(w=64, h=32, mem=1 << 16):
    return rec(CREATE, struct.pack("<IIiIQ", w, h, w * 4, 32, mem), fds=False)


def heads(*rects):
    body = struct.pack("<II", len(rects), 0)
    for r in list(rects) + [(0, 0, 0, 0)] * (16 - len(rects)):
        body += struct.pack("<IIII", *r)
    return rec(HEADS, body, fds=False)


SEEDS = {
    "setup": hello() + memslot(0) + attach() + primary(),
    "full": hello() + memslot(0) + memslot(1) + attach() + primary() +
    rec(INPUT, struct.pack("<II", 1, 0)) + rec(LEDS, struct.pack("<I", 2), fds=False) +
    rec(INPUT_FLAGS, struct.pack("<II", 0, 0), fds=False) + rec(AGENT, struct.pack("<II", 0, 0)) +
    rec(PORT, struct.pack("<II64s", 2, 1, b"org.spice-space.webdav.0")) +
    rec(PORT_STATE, struct.pack("<II", 0, 0), fds=False) +
    rec(AUDIO, b"") + rec(RECORD, b"") + rec(DESTROY, fds=False) + primary(32, 16) +
    rec(DETACH, fds=False),
    "unsealed": hello() + memslot(0, unsealed=True),
    "too-much-memory": hello() + memslot(0, 48 << 20) + memslot(1, 32 << 20),
    "no-hello": memslot(0) + attach(),
    "old-version": hello(features=0, major=1, minor=0) + memslot(0) + attach() + primary(),
    "bad-attach": hello() + memslot(0) + attach(slot=5) + attach(offset=3),
    "twice": hello() + hello() + memslot(0) + memslot(0),
    "heads": hello() + memslot(0) + attach() + primary() + heads((0, 0, 32, 32), (32, 0, 32, 32)) +
    primary(32, 16) + heads((0, 0, 32, 16)) + heads((0, 0, 33, 16)),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                          "corpus", "producer")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
