#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The main worker's agent relay on its own, driven as the supervisor and
the producer's agent port would drive it, bytes checked on both sides.
With the port attached before the client, MAIN_INIT says the agent is
connected; a client AGENT_DATA reaches the port as one VDI chunk on the
client port and its token comes back; a chunk from the agent reaches the
client as AGENT_DATA pieces of at most 2048 bytes, within the tokens the
client gave (AGENT_START), the rest held until AGENT_TOKEN; DETACH tells
the client AGENT_DISCONNECTED and closes the worker's end; a new ATTACH
says AGENT_CONNECTED_TOKENS.  Hostile input: a chunk whose size lies
disconnects the agent (the session goes on), an agent message over the
cap likewise, a client message with a bad header ends the session."""

import select
import socket
import struct

import common
import ipcdrive
from common import check

from mainclient import SESSION, MainClient, expect_session_end

MSG_MAIN_INIT = 103
MSG_AGENT_CONNECTED, MSG_AGENT_DISCONNECTED, MSG_AGENT_DATA, MSG_AGENT_TOKEN = 107, 108, 109, 110
MSG_AGENT_CONNECTED_TOKENS = 115
MSGC_AGENT_START, MSGC_AGENT_DATA, MSGC_AGENT_TOKEN = 106, 107, 108
PORT_CLIENT, PORT_SERVER = 1, 2


def vd_msg(typ, data, protocol=1):
    return struct.pack("<IIQI", protocol, typ, 0, len(data)) + data


def chunk(port, data, size=None):
    return struct.pack("<II", port, len(data) if size is None else size) + data


def port_pair(ipc):
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ipcdrive.send(ipc, "IPC_D2W_AGENT_ATTACH", b"", [theirs.fileno()], session=SESSION)
    theirs.close()
    ours.settimeout(5)
    return ours


def nothing(sock, wait=0.3):
    return not select.select([sock], [], [], wait)[0]


def main():
    tmp = common.tmpdir()
    p, ipc = ipcdrive.start_worker("main", tmp)
    agent = port_pair(ipc)
    c = MainClient(ipc)
    init = struct.unpack("<8I", c.expect(MSG_MAIN_INIT))
    check(init[4] == 1 and init[5] == 10, "INIT agent_connected %d tokens %d" % init[4:6])

    # Client -> agent: one chunk per AGENT_DATA, the token returned.
    c.send(MSGC_AGENT_START, struct.pack("<I", 5))
    msg = vd_msg(6, struct.pack("<II", 1, 0x1234))
    c.send(MSGC_AGENT_DATA, msg)
    check(agent.recv(8192) == chunk(PORT_CLIENT, msg), "the chunk on the agent port")
    check(c.expect(MSG_AGENT_TOKEN) == struct.pack("<I", 1), "the token back")
    big = vd_msg(4, b"\x01" * 3000)
    c.send(MSGC_AGENT_DATA, big[:2048])
    c.send(MSGC_AGENT_DATA, big[2048:])
    check(agent.recv(8192) == chunk(PORT_CLIENT, big[:2048]), "first piece")
    check(agent.recv(8192) == chunk(PORT_CLIENT, big[2048:]), "second piece")

    # Agent -> client: pieces of at most 2048, within the client's 5
    # tokens: 2 + 1 + 1, then the next waits for AGENT_TOKEN.
    pieces = []

    def data():
        t, body = c.recv()
        while t == MSG_AGENT_TOKEN:
            t, body = c.recv()
        check(t == MSG_AGENT_DATA, "expected AGENT_DATA, got %d" % t)
        return body
    reply = vd_msg(3, b"\x02" * 3000)
    agent.send(chunk(PORT_CLIENT, reply))
    pieces = [data(), data()]
    check(pieces[0] == reply[:2048] and pieces[1] == reply[2048:],
          "AGENT_DATA pieces %s" % [len(x) for x in pieces])
    small = vd_msg(3, b"ok")
    for _ in range(2):
        agent.send(chunk(PORT_CLIENT, small))
        check(data() == small, "a small message")
    # One token left: a chunk may need two, so the port is not read.
    agent.send(chunk(PORT_CLIENT, small))
    check(c.nothing_pending(), "AGENT_DATA beyond the client's tokens")
    c.send(MSGC_AGENT_TOKEN, struct.pack("<I", 10))
    check(data() == small, "held back until AGENT_TOKEN")

    # DETACH: the client is told, the worker's end closes.
    ipcdrive.send(ipc, "IPC_D2W_AGENT_DETACH", session=SESSION)
    check(c.expect(MSG_AGENT_DISCONNECTED) == struct.pack("<I", 0), "AGENT_DISCONNECTED")
    check(agent.recv(8192) == b"", "the worker kept the agent port")
    agent.close()

    # Attach again: AGENT_CONNECTED_TOKENS.  A chunk whose size lies.
    agent = port_pair(ipc)
    check(c.expect(MSG_AGENT_CONNECTED_TOKENS) == struct.pack("<I", 10),
          "AGENT_CONNECTED_TOKENS")
    c.send(MSGC_AGENT_START, struct.pack("<I", 100))
    agent.send(chunk(PORT_CLIENT, small, size=len(small) + 5))
    check(c.expect(MSG_AGENT_DISCONNECTED) == struct.pack("<I", 0),
          "a lying chunk did not disconnect the agent")
    check(agent.recv(8192) == b"", "the port stayed open after a lying chunk")
    agent.close()

    # An agent message over the 64 MiB cap.
    agent = port_pair(ipc)
    c.expect(MSG_AGENT_CONNECTED_TOKENS)
    c.send(MSGC_AGENT_START, struct.pack("<I", 100))
    agent.send(chunk(PORT_CLIENT, struct.pack("<IIQI", 1, 3, 0, 64 << 20 | 1)))
    check(c.expect(MSG_AGENT_DISCONNECTED) == struct.pack("<I", 0),
          "an oversized agent message did not disconnect the agent")
    agent.close()

    # A client message with a bad header ends the session.
    agent = port_pair(ipc)
    c.expect(MSG_AGENT_CONNECTED_TOKENS)
    c.send(MSGC_AGENT_DATA, vd_msg(6, b"x", protocol=2))
    expect_session_end(p, ipc, "agent message with protocol 2")
    check(nothing(agent) or agent.recv(8192) == b"", "bad client bytes reached the agent")


common.run(main)
