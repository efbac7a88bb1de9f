#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The seed corpus of fuzz-linkfsm (tests/fuzz/fuzz-linkfsm.c): whole
client sides of a SPICE link, as spice-gtk and spice-html5 send them, in
its input format (u8 policy: 0 password, 1 ticketing disabled; u8 split;
the client's bytes).  Run by hand; the output is committed."""

import os
import struct
import sys

MAGIC = b"REDQ"
COMMON_AUTH_SELECTION, COMMON_AUTH_SPICE, COMMON_MINI_HEADER = 1, 2, 8


def link(channel_type=1, connection_id=0, common=COMMON_AUTH_SELECTION | COMMON_AUTH_SPICE |
         COMMON_MINI_HEADER, channel=0x0f, mech=True, ticket=b"\x5a" * 128, major=2):
    mess = struct.pack("<IBBIII", connection_id, channel_type, 0, 1, 1, 18)
    mess += struct.pack("<II", common, channel)
    out = MAGIC + struct.pack("<III", major, 2, len(mess)) + mess
    if mech:
        out += struct.pack("<I", 1)         # SPICE_COMMON_CAP_AUTH_SPICE's mechanism
    return out + ticket


def seed(policy, data, split=7):
    return bytes([policy, split]) + data


WS = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      b"Sec-WebSocket-Protocol: binary\r\n\r\n")

SEEDS = {
    "main-password": seed(0, link()),
    "main-open": seed(1, link()),
    "display-open": seed(1, link(channel_type=2, connection_id=42)),
    "legacy-no-mech": seed(1, link(common=COMMON_MINI_HEADER, mech=False)),
    "wrong-major": seed(0, link(major=1)),
    "short-ticket": seed(0, link(ticket=b"\1" * 20)),
    "bad-magic": seed(0, b"XXXX" + link()[4:]),
    "sasl-mech": seed(0, link()[:-132] + struct.pack("<I", 2) + b"\0" * 16),
    "websocket": seed(1, WS + b"\x82\x90" + b"\0\0\0\0" + link()[:16], split=40),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "corpus", "linkfsm")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
