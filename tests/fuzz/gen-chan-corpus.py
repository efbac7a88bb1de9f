#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpus of fuzz-chan to tests/fuzz/corpus/chan/ (run by
hand from the source tree; the output is committed).  Byte 0 of each input
is the setup (bit 0 mini header, bit 1 WebSocket, bit 2 ACK window, bit 3
role replies, bit 4 role closes on type 160), byte 1 the write chunk - 1;
the rest is the client's stream."""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "chan")
ACK_SYNC, ACK, PONG, FLUSH_MARK, MIGRATE_DATA, DISCONNECTING = 1, 2, 3, 4, 5, 6
MASK = b"\x11\x22\x33\x44"


def mini(mtype, body=b""):
    return struct.pack("<HI", mtype, len(body)) + body


def full(mtype, body=b"", serial=1, sub_list=0):
    return struct.pack("<QHII", serial, mtype, len(body), sub_list) + body


def ws(payload, opcode=2, fin=True):
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    hdr = bytes([b0, 0x80 | n]) if n < 126 else bytes([b0, 0x80 | 126]) + struct.pack(">H", n)
    return hdr + MASK + bytes(c ^ MASK[i % 4] for i, c in enumerate(payload))


def session(msg):
    """The messages a well-behaved client sends, framed by msg."""
    return (msg(ACK_SYNC, struct.pack("<I", 1)) + msg(ACK) +
            msg(PONG, struct.pack("<IQ", 1, 12345)) + msg(101, b"\x01" * 14) +
            msg(50, b"unknown common") +
            msg(DISCONNECTING, struct.pack("<QI", 0, 0)))


SEEDS = {
    "mini-session": bytes([0x01, 0xff]) + session(mini),
    "full-session": bytes([0x00, 0xff]) + session(full),
    "mini-bytewise": bytes([0x01, 0x00]) + session(mini),
    "ack-window": bytes([0x05, 0x0f]) + mini(ACK_SYNC, struct.pack("<I", 1)) + mini(ACK) * 4,
    "ack-old-generation": bytes([0x05, 0x0f]) + mini(ACK_SYNC, struct.pack("<I", 7)) + mini(ACK),
    "over-cap": bytes([0x01, 0xff]) + struct.pack("<HI", 101, 1025) + b"x" * 64,
    "at-cap": bytes([0x01, 0xff]) + mini(101, b"y" * 1024),
    "refused-150": bytes([0x01, 0x07]) + mini(101) + mini(150) + mini(101),
    "short-pong": bytes([0x00, 0x03]) + full(PONG, b"\x01\x02"),
    "flush-mark": bytes([0x01, 0xff]) + mini(FLUSH_MARK),
    "migrate-data": bytes([0x01, 0xff]) + mini(MIGRATE_DATA, b"zz"),
    "reply-close-160": bytes([0x19, 0x10]) + mini(101, b"a") + mini(160) + mini(101),
    "truncated": bytes([0x01, 0xff]) + mini(101, b"abcdef")[:7],
    "ws-session": bytes([0x03, 0xff]) + ws(session(mini)),
    "ws-split": bytes([0x03, 0x02]) + ws(mini(101, b"abc")[:4], fin=False) +
    ws(b"", opcode=9) + ws(mini(101, b"abc")[4:], opcode=0),
    "ws-close": bytes([0x03, 0xff]) + ws(mini(101)) + ws(struct.pack(">H", 1000), opcode=8),
    "ws-unmasked": bytes([0x03, 0xff]) + bytes([0x82, 6]) + mini(101),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()
