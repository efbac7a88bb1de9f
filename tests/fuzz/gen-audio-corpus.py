#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpus of fuzz-audio to tests/fuzz/corpus/audio/ (run by
hand from the source tree; the output is committed).  Byte 0: bit 0 the
playback worker, else record; byte 1 the client write chunk - 1; then
records of (1: producer datagram / 0: client bytes, length, bytes)."""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "audio")
DATA, STOP, VOLUME, START, SYNC = 1, 2, 3, 4, 5
MSGC_RECORD_DATA, MSGC_RECORD_MODE, MSGC_RECORD_START_MARK = 101, 102, 103


def prod(b):
    return bytes([1, len(b)]) + b


def client(b):
    return bytes([0, len(b)]) + b


def mini(mtype, body=b""):
    return struct.pack("<HI", mtype, len(body)) + body


def volume(mute=0, channels=2, vol=(0x8000, 0xffff)):
    return struct.pack("<III2H", VOLUME, mute, channels, *vol)


START_44K = struct.pack("<III", START, 2, 44100)
PCM = struct.pack("<8h", 1, -1, 2, -2, 3, -3, 4, -4)

SEEDS = {
    "record-session": b"\x00\x3f" + prod(START_44K) + prod(volume()) +
    client(mini(MSGC_RECORD_MODE, struct.pack("<IH", 0, 1))) +
    client(mini(MSGC_RECORD_START_MARK, struct.pack("<I", 0))) +
    client(mini(MSGC_RECORD_DATA, struct.pack("<I", 0) + PCM * 4)) +
    prod(struct.pack("<I", STOP)) +
    client(mini(MSGC_RECORD_DATA, struct.pack("<I", 1) + PCM)),
    "record-format-change": b"\x00\x07" + prod(START_44K) +
    client(mini(MSGC_RECORD_DATA, struct.pack("<I", 0) + PCM)) +
    prod(struct.pack("<III", START, 1, 8000)) +
    client(mini(MSGC_RECORD_DATA, struct.pack("<I", 0) + PCM[:6])),
    "record-bad-mode": b"\x00\xff" + prod(START_44K) +
    client(mini(MSGC_RECORD_MODE, struct.pack("<IH", 0, 3))),
    "record-bad-start": b"\x00\xff" + prod(struct.pack("<III", START, 3, 44100)),
    "playback-session": b"\x01\x3f" +
    prod(struct.pack("<III", DATA, 2, 48000) + PCM) + prod(volume(1)) +
    prod(struct.pack("<III", DATA, 1, 22050) + PCM) + prod(struct.pack("<I", STOP)),
    "playback-bad-data": b"\x01\xff" + prod(struct.pack("<III", DATA, 2, 48000) + PCM[:3]),
}

os.makedirs(OUT, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
