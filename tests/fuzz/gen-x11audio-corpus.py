#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpus of fuzz-x11audio to tests/fuzz/corpus/x11audio/
(run by hand from the source tree; the output is committed).  Byte 0:
bit 0 the microphone (else the sound FIFO), bit 1 mono, bits 2-4 the
rate's index (5: 44100, 6: 48000)."""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "x11audio")
DATA, STOP, SYNC = 1, 2, 5


def mode(mic, mono, rate_index):
    return bytes([(1 if mic else 0) | (2 if mono else 0) | rate_index << 2])


def dgram(body):
    return bytes([len(body)]) + body


def data(ch, rate, pcm):
    return dgram(struct.pack("<III", DATA, ch, rate) + pcm)


PCM = struct.pack("<16h", *range(-8, 8))

SEEDS = {
    "sound-stereo-pieces": mode(0, 0, 6) + bytes([6]) + PCM * 8 + b"\x01\x02\x03",
    "sound-mono-bytes": mode(0, 1, 5) + bytes([0]) + PCM * 2 + b"\x07",
    "mic-stereo": mode(1, 0, 6) + data(2, 48000, PCM) + dgram(struct.pack("<I", SYNC)) +
    data(2, 48000, PCM[:8]),
    "mic-wrong-format": mode(1, 0, 6) + data(1, 48000, PCM) + data(2, 44100, PCM) +
    data(2, 48000, PCM[:6]) + dgram(b"\x01\x00") + data(2, 48000, PCM),
    "mic-mono": mode(1, 1, 0) + data(1, 8000, PCM) + dgram(struct.pack("<I", STOP)),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, blob in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main()
