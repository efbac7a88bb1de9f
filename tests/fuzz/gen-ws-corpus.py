#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpus of fuzz-ws to tests/fuzz/corpus/ws/ (run by hand
from the source tree; the output is committed).  Byte 0 of each input
picks the mode: even = an upgrade request, odd = client frames (bits 1-4
the chunk size, bit 5 handoffs between chunks)."""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "ws")
MASK = b"\x37\xfa\x21\x3d"
KEY = b"dGhlIHNhbXBsZSBub25jZQ=="


def frame(b0, payload, masked=True, lenform=None):
    n = len(payload)
    m = 0x80 if masked else 0
    if lenform is None:
        lenform = 7 if n < 126 else 16 if n <= 0xFFFF else 64
    if lenform == 7:
        hdr = bytes([b0, m | n])
    elif lenform == 16:
        hdr = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        hdr = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if not masked:
        return hdr + payload
    return hdr + MASK + bytes(c ^ MASK[i % 4] for i, c in enumerate(payload))


def request(extra=b"", version=b"13", key=KEY, proto=b"binary"):
    r = (b"GET /spice HTTP/1.1\r\nHost: 127.0.0.1:5900\r\n"
         b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
         b"Sec-WebSocket-Key: " + key + b"\r\n"
         b"Sec-WebSocket-Version: " + version + b"\r\n")
    if proto is not None:
        r += b"Sec-WebSocket-Protocol: " + proto + b"\r\n"
    return r + extra + b"\r\n"


def main():
    os.makedirs(OUT, exist_ok=True)
    link = b"REDQ" + struct.pack("<III", 2, 2, 26) + bytes(26)
    cases = {
        "http-good": b"\x00" + request(),
        "http-noproto": b"\x00" + request(proto=None),
        "http-v8": b"\x00" + request(version=b"8"),
        "http-badkey": b"\x00" + request(key=b"abc"),
        "http-chat": b"\x00" + request(proto=b"chat"),
        "http-garbage": b"\x00GET \x00\x01\r\n\r\n",
        "frames-link": b"\x03" + frame(0x82, link),
        "frames-frag-ping": b"\x0b" + frame(0x02, b"ab") + frame(0x89, b"p")
        + frame(0x80, b"cd") + frame(0x88, b"\x03\xe8"),
        "frames-len16": b"\x25" + frame(0x82, bytes(300)),
        "frames-len64": b"\x07" + frame(0x82, bytes(70000), lenform=64)[:200],
        "frames-unmasked": b"\x01" + frame(0x82, b"abc", masked=False),
        "frames-rsv": b"\x01" + frame(0xC2, b"abc"),
        "frames-opcode": b"\x01" + frame(0x83, b"abc"),
        "frames-ctrl-frag": b"\x01" + frame(0x09, b"abc"),
        "frames-ctrl-long": b"\x01" + frame(0x89, bytes(126)),
        "frames-oversize": b"\x01" + frame(0x82, bytes(5000)),
        "frames-close-1byte": b"\x01" + frame(0x88, b"\x03"),
        "frames-pong": b"\x05" + frame(0x8A, b"x") + frame(0x81, b"text"),
    }
    for name, data in sorted(cases.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


main()
