#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Main worker on its own, driven as the supervisor would drive it: INIT
and READY with the sandbox in force; MAIN_INIT's fields, then MAIN_NAME
(the display's name, to a client with NAME_AND_UUID); CHANNELS_LIST
only after ATTACH_CHANNELS, from a CHANNELS that came before or after the
client, and for a later CHANNELS only what it adds; MOUSE_MODE; PING; AGENT_DATA
without an agent dropped but bounded; protocol errors (a 4 GiB header,
MIGRATE_FLUSH_MARK) that close the connection and end the session with
CONN_CLOSED and exit 0; SESSION_CLOSE; and the IPC rules: a wrong version,
a message before INIT, or a refused message make the worker exit 1, EOF
on IPC makes it exit 0."""

import os
import struct

import common
import ipcdrive
from common import check

from mainclient import SESSION, MainClient, expect_session_end

MSG_PING, MSG_MAIN_INIT, MSG_CHANNELS_LIST, MSG_MOUSE_MODE = 4, 103, 104, 105
MSGC_PONG, MSGC_FLUSH_MARK = 3, 4
MSGC_ATTACH, MSGC_MOUSE_REQ, MSGC_AGENT_DATA = 104, 105, 107


def channels_payload(chans):
    body = struct.pack("<I", len(chans)) + b"".join(struct.pack("BB", t, i) for t, i in chans)
    return body.ljust(4 + 2 * 32, b"\0")


def check_sandboxed(pid):
    st = common.status_fields(pid)
    check(st["NoNewPrivs"].strip() == "1", "NoNewPrivs %s" % st["NoNewPrivs"])
    check(st["Seccomp"].strip() == "2", "Seccomp %s" % st["Seccomp"])
    if common.AS_ROOT:
        check(st["Uid"].split() == ["65534"] * 4, "Uid %s" % st["Uid"])


def main():
    tmp = common.tmpdir()

    # 1. The full happy path; CHANNELS arrives before the client.
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",))
    check_sandboxed(p.pid)
    ipcdrive.send(ipc, "IPC_D2W_CHANNELS", channels_payload([(1, 0), (2, 0), (3, 0), (4, 0)]), session=SESSION)
    c = MainClient(ipc)
    init = struct.unpack("<8I", c.expect(MSG_MAIN_INIT))
    check(c.nothing_pending() and c.names == [struct.pack("<I", 4) + b"vm1\0"],
          "MAIN_NAME after MAIN_INIT: %r" % c.names)
    check(init[0] == SESSION, "INIT session id %d" % init[0])
    check(init[1] == 1, "display_channels_hint %d" % init[1])
    check(init[2] == 3 and init[3] == 2, "mouse modes %d/%d, want 3/2" % init[2:4])
    check(init[4] == 0 and init[5] == 10, "agent %d tokens %d" % init[4:6])
    check(c.nothing_pending(), "CHANNELS_LIST before ATTACH_CHANNELS")
    c.send(MSGC_ATTACH)
    body = c.expect(MSG_CHANNELS_LIST)
    n = struct.unpack_from("<I", body)[0]
    listed = [tuple(body[4 + 2 * i:6 + 2 * i]) for i in range(n)]
    check(listed == [(2, 0), (3, 0), (4, 0)], "CHANNELS_LIST %r (main left out)" % listed)
    # A later CHANNELS after ATTACH (a producer's port came): only what
    # is new is listed (spice-gtk makes a channel of every entry of every
    # list); nothing new, no list.
    ipcdrive.send(ipc, "IPC_D2W_CHANNELS", channels_payload([(2, 0), (3, 0), (10, 0)]),
                  session=SESSION)
    body = c.expect(MSG_CHANNELS_LIST)
    check(body == struct.pack("<IBB", 1, 10, 0), "second CHANNELS_LIST %r" % body)
    ipcdrive.send(ipc, "IPC_D2W_CHANNELS", channels_payload([(2, 0), (3, 0), (10, 0)]),
                  session=SESSION)
    check(c.nothing_pending(), "a CHANNELS_LIST with nothing new")
    c.send(MSGC_MOUSE_REQ, struct.pack("<H", 1))
    check(c.expect(MSG_MOUSE_MODE) == struct.pack("<HH", 3, 1), "MOUSE_MODE to SERVER")
    c.send(MSGC_MOUSE_REQ, struct.pack("<H", 3))      # not one mode: ignored
    c.send(MSGC_MOUSE_REQ, struct.pack("<H", 2))
    check(c.expect(MSG_MOUSE_MODE) == struct.pack("<HH", 3, 2), "MOUSE_MODE to CLIENT")
    # Dropped: CLIENT_INFO, AGENT_START, AGENT_TOKEN, unknown types, PONG.
    c.send(101, struct.pack("<Q", 0))
    c.send(106, struct.pack("<I", 0xffffffff))
    c.send(108, struct.pack("<I", 5))
    c.send(199)
    c.send(MSGC_PONG, struct.pack("<IQ", 1, 2))
    check(c.nothing_pending(), "an answer to a dropped message")
    # AGENT_DATA with no agent: up to the 10 granted tokens, then closed.
    for _ in range(10):
        c.send(MSGC_AGENT_DATA, b"x" * 100)
    check(c.nothing_pending() and p.poll() is None, "AGENT_DATA within tokens closed the session")
    c.send(MSGC_AGENT_DATA, b"x")
    expect_session_end(p, ipc, "AGENT_DATA beyond the granted tokens")

    # 2. Full header; CHANNELS after ATTACH; a 4 GiB header ends it at once.
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",))
    c = MainClient(ipc, mini=False)
    c.expect(MSG_MAIN_INIT)
    c.send(MSGC_ATTACH)
    check(c.nothing_pending(), "CHANNELS_LIST without CHANNELS")
    ipcdrive.send(ipc, "IPC_D2W_CHANNELS", channels_payload([(2, 0)]), session=SESSION)
    check(c.expect(MSG_CHANNELS_LIST) == struct.pack("<IBB", 1, 2, 0), "CHANNELS_LIST after ATTACH")
    c.sock.sendall(struct.pack("<QHII", 2, MSGC_AGENT_DATA, 0xffffffff, 0))
    expect_session_end(p, ipc, "over the cap")

    # 3. MIGRATE_FLUSH_MARK outside a migration: this connection only.
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",))
    c = MainClient(ipc)
    c.expect(MSG_MAIN_INIT)
    c.send(MSGC_FLUSH_MARK)
    expect_session_end(p, ipc, "MIGRATE_FLUSH_MARK")

    # 4. SESSION_CLOSE from the supervisor.
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",))
    c = MainClient(ipc)
    c.expect(MSG_MAIN_INIT)
    ipcdrive.send(ipc, "IPC_D2W_SESSION_CLOSE", session=SESSION)
    expect_session_end(p, ipc, "session closed by supervisor")
    check(c.closed(), "client socket still open")

    # 5. Client EOF.
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",))
    c = MainClient(ipc)
    c.expect(MSG_MAIN_INIT)
    # Read (and answer) the first PING first: a socket closed with
    # unread bytes is a reset, not an end.
    check(c.nothing_pending(), "something but a PING after INIT")
    c.sock.close()
    expect_session_end(p, ipc, "client closed the connection")

    # 6. IPC rules.
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",))
    ipc.close()
    check(p.wait(timeout=5) == 0, "exit after IPC EOF: %s" % p.returncode)
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",), send_init=False)
    ipcdrive.send(ipc, "IPC_D2W_INIT", ipcdrive.init_payload(version=99))
    check(p.wait(timeout=5) == 1, "exit after a wrong version: %s" % p.returncode)
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",), send_init=False)
    ipcdrive.send(ipc, "IPC_D2W_CHANNELS", channels_payload([]))
    check(p.wait(timeout=5) == 1, "exit after CHANNELS before INIT: %s" % p.returncode)
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",), send_init=False)
    ipcdrive.send(ipc, "IPC_D2W_INIT", ipcdrive.init_payload(display=b"other"))
    check(p.wait(timeout=5) == 1, "exit after INIT for another display: %s" % p.returncode)
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",))
    mfd = os.memfd_create("x")
    ipcdrive.send(ipc, "IPC_D2W_MEMSLOT", struct.pack("<IIQ", 0, 0, 4096), [mfd])
    check(p.wait(timeout=5) == 1, "exit after a display message: %s" % p.returncode)

    # 7. The test trigger: the filter kills the worker.
    p, ipc = ipcdrive.start_worker("main", tmp, ("--test-triggers",))
    os.kill(p.pid, 12)      # SIGUSR2
    check(p.wait(timeout=5) == -31, "trigger: worker status %s, want SIGSYS" % p.returncode)


common.run(main)
