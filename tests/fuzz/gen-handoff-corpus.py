#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The seed corpus of fuzz-handoff (tests/fuzz/fuzz-handoff.c): handoffs
as a supervisor writes them at a restart (daemon/handoff-fmt.h), in the
target's input format (u16 descriptor count, then the handoff), valid
and not.  Run by hand; the output is committed."""

import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "..", "shared", "ipc-msg.h")) as f:
    IPC_VERSION = int(re.search(r"#define SPICED_IPC_VERSION\s+(\d+)", f.read()).group(1))
MAGIC, VERSION = 0x314f4853, 1
DISPLAY, PRODUCER, PORT, SESSION, CHAN, WORKER = range(1, 7)
MAIN, DISPLAYW, KEYGEN, INPUTS, CURSOR, VMC, PLAYBACK, RECORD = range(8)
SLOTS, ATTACH_NFDS, MAX_HEADS = 8, 3, 16


def name(s, n):
    return s.encode().ljust(n, b"\0")


def rec(kind, body):
    return struct.pack("<HH", kind, len(body)) + body


def display(nm="vm", input_fd=-1, agent_fd=-1, audio=(-1, -1), owner=0, audio_owner=(0, 0),
            once=(0, 0)):
    return rec(DISPLAY, name(nm, 64) + struct.pack(
        "<QQIIIIIIIiiii", 5, 7, once[0], once[1], owner, audio_owner[0], audio_owner[1],
        1, 0, input_fd, agent_fd, audio[0], audio[1]))


def producer(fd, slots, devfds):
    body = name("qxl-shm-testsrc", 64) + struct.pack("<iiQ", fd, 4242, 0x3f)
    for i in range(SLOTS):
        body += struct.pack("<iIQ", slots[i] if i < len(slots) else -1, 0, 1 << 22)
    body += struct.pack("<IIQ", 0, 0, 0)                     # ipc_device
    body += struct.pack("<" + "i" * ATTACH_NFDS, *devfds)
    body += struct.pack("<I", 1)                             # have_primary
    body += struct.pack("<IIiIQ", 320, 240, 1280, 32, 0)     # ipc_primary
    body += struct.pack("<I", 1) + struct.pack("<IIII", 0, 0, 320, 240) + \
        b"\0" * 16 * (MAX_HEADS - 1)                         # ipc_heads
    body += struct.pack("<I", 0)
    return rec(PRODUCER, body)


def port(fd, owner=0, nm="org.spice-space.test.0"):
    return rec(PORT, name(nm, 64) + struct.pack("<iIIBBHI", fd, 2, 1, 10, 0, 0, owner))


def session(sid, view_only=0):
    return rec(SESSION, struct.pack("<IIIIQQQQq", sid, view_only, 1, 3, 1, 0, 0, 0, 1733370000))


def chan(sid, conn, typ):
    return rec(CHAN, struct.pack("<IIBBBBI", sid, conn, typ, 0, 0, 0, 0) +
               name("127.0.0.1:40000", 64) + struct.pack("<q", 1733370000))


def worker(role, sid, fd, pidfd, port_idx=-1, pid=100):
    return rec(WORKER, struct.pack("<IIIiiii", role, sid, 1, pid, fd, pidfd, port_idx))


def handoff(recs, nfds, version=VERSION, ipc=IPC_VERSION):
    body = b"".join(recs)
    head = struct.pack("<IIIIII", MAGIC, version, ipc, len(recs), nfds, 42)
    return struct.pack("<H", nfds) + head + body


def seeds():
    full = [display(input_fd=0, agent_fd=1, owner=11, audio=(2, -1), audio_owner=(11, 0)),
            producer(3, [4, 5], [6, 7, 8]),
            port(9, owner=11),
            session(11), session(12, 1),
            chan(11, 1, 1), chan(11, 2, 2), chan(12, 3, 1),
            worker(DISPLAYW, 0, 10, 11), worker(CURSOR, 0, 12, 13),
            worker(MAIN, 11, 14, 15), worker(INPUTS, 11, 16, 17),
            worker(PLAYBACK, 11, 18, 19), worker(VMC, 11, 20, 21, 0),
            worker(MAIN, 12, 22, 23),
            display("vm2"), worker(DISPLAYW, 0, 24, 25), worker(CURSOR, 0, 26, 27)]
    yield "full", handoff(full, 28)
    yield "empty", handoff([], 0)
    yield "idle", handoff([display(), worker(DISPLAYW, 0, 0, 1), worker(CURSOR, 0, 2, 3)], 4)
    yield "bad-order", handoff([display(), session(1), producer(0, [], [-1, -1, -1])], 1)
    yield "fd-twice", handoff([display(input_fd=0, agent_fd=0)], 1)
    yield "no-main", handoff([display(), session(1), chan(1, 1, 1)], 0)
    yield "unknown-session", handoff([display(), worker(INPUTS, 9, 0, 1)], 2)
    yield "version", handoff([display()], 0, version=2)
    yield "ipc-version", handoff([display()], 0, ipc=IPC_VERSION + 1)
    yield "short", handoff(full, 28)[:200]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "handoff")
    os.makedirs(out, exist_ok=True)
    for nm, data in seeds():
        with open(os.path.join(out, nm), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
