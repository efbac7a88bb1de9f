#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The seed corpus of fuzz-ipc (tests/fuzz/fuzz-ipc.c): what workers of
each role send the supervisor, well formed and not, in its input format
(u8 role, u8 session flag; records of u8 nfds, u16 length, datagram).
Run by hand from a build tree (it reads the IPC version from
shared/ipc-msg.h); the output is committed."""

import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "..", "shared", "ipc-msg.h")) as f:
    VERSION = int(re.search(r"#define SPICED_IPC_VERSION\s+(\d+)", f.read()).group(1))
MAIN, DISPLAY, KEYGEN, INPUTS, CURSOR, VMC, PLAYBACK, RECORD = range(8)
READY, CONN_CLOSED, FAULT, DONE, KEY, ACTIVE, STATS = 200, 201, 202, 203, 204, 205, 206
PID = 4242   # the pid the harness gives its worker


def dgram(typ, payload=b"", session=0, conn=0, nfds=0):
    d = struct.pack("<IIII", typ, len(payload), session, conn) + payload
    return struct.pack("<BH", nfds, len(d)) + d


def ready(pid=PID, version=VERSION):
    return dgram(READY, struct.pack("<II", version, pid))


def reason(text):
    return text.encode().ljust(256, b"\0")   # IPC_REASON_LEN


def stats(n=1, session=7, conn=1):
    conns = b"".join(struct.pack("<IIQQQII", session, conn, 1000, 10, 5, 0, 100)
                     for _ in range(n)).ljust(16 * 40, b"\0")   # IPC_STATS_CONNS
    return dgram(STATS, struct.pack("<QII", 123456, n, 0) + conns)


SEEDS = {
    "main-ready": bytes([MAIN, 1]) + ready(),
    "main-closed": bytes([MAIN, 1]) + ready() + dgram(CONN_CLOSED, reason("bye"), 7, 1),
    "display-fault": bytes([DISPLAY, 0]) + ready() + dgram(FAULT, reason("bad command")),
    "display-done": bytes([DISPLAY, 0]) + ready() + dgram(DONE, struct.pack("<I", 1)),
    "display-stats": bytes([DISPLAY, 0]) + ready() + stats(),
    "main-stats-foreign": bytes([MAIN, 1]) + ready() + stats(),
    "stats-many": bytes([CURSOR, 0]) + ready() + stats(17),
    "keygen-key": bytes([KEYGEN, 0]) + ready() + dgram(KEY, struct.pack("<I", 3) +
                                                       b"\x30\x01\x00".ljust(1024, b"\0")),
    "inputs-active": bytes([INPUTS, 1]) + ready() + dgram(ACTIVE),
    "short": bytes([MAIN, 1]) + dgram(READY, b"\1\2\3\4"),
    "with-fd": bytes([VMC, 1]) + ready() + dgram(CONN_CLOSED, reason("x"), 7, 1, nfds=1),
    "unknown": bytes([PLAYBACK, 1]) + dgram(299) + dgram(100),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "ipc")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
