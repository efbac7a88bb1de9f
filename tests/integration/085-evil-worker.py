#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A compromised main worker (tests/tools/evil-worker.py in place of
spiced-worker; its sandbox taken as already beaten) tells the supervisor
things its role and state do not allow: a READY that names another pid or
IPC version, is short or carries an fd, comes twice; a message type
nobody defined; a display worker's PRODUCER_FAULT; a CONN_CLOSED for
another session; STATS of more connections than a message holds, or of
another session's connection.  Each time the supervisor logs what was wrong and stops
that worker only: the client that linked it loses its connection, the
producer stays attached and its display worker keeps running, another
session's connection stays open, and new sessions link.  A worker that
behaves (READY and then quiet) is left alone, so the refusals are not
just any worker being stopped."""

import os
import select
import socket
import struct

import common
import rawlink
from common import check

EVIL = os.path.join(common.SRCDIR, "tests", "tools", "evil-worker.py")


def open_session(sp):
    """A main link whose worker sends MAIN_INIT; returns (sock, session)."""
    res, s = rawlink.link(sp.port, sp.password, keep=True)
    check(res == 0, "link refused: %s" % rawlink.ERR.get(res, res))
    mtype, size = struct.unpack("<HI", rawlink.recv_exact(s, 6))
    check(mtype == 103, "first main message type %d, want MAIN_INIT" % mtype)
    body = rawlink.recv_exact(s, size)
    return s, struct.unpack_from("<I", body)[0]


def still_open(s):
    """No EOF or error pending on s (pings may be)."""
    r, _, _ = select.select([s], [], [], 0.2)
    if not r:
        return True
    try:
        return s.recv(65536, socket.MSG_PEEK) != b""
    except OSError:
        return False


def main():
    d = common.tmpdir()
    plan = os.path.join(d, "plan")
    open(plan, "w").close()
    sp = common.Spiced(worker=EVIL, env={"SPICED_EVIL_PLAN": plan})
    common.wait_producer_socket(sp)
    sp.start_producer()
    display = common.wait_for(lambda: sp.workers("display"), 5, "the display worker")
    legit, sid = open_session(sp)

    cases = [
        ("ready-pid", r"message type 200 refused: READY names another pid"),
        ("ready-version", r"message type 200 refused: IPC version mismatch"),
        ("ready-short", r"ipc receive: type 200 with 4 payload bytes and 0 fds, "
                        r"expected 8 and 0"),
        ("ready-fd", r"ipc receive: type 200 with 8 payload bytes and 1 fds, "
                     r"expected 8 and 0"),
        ("ready-twice", r"sent message type 200, not allowed for its role and state"),
        ("unknown", r"ipc receive: unknown type 299"),
        ("fault", r"sent message type 202, not allowed for its role and state"),
        ("closed %d 1" % sid, r"message type 201 refused: a session.s worker reported a "
                              r"connection of another session"),
        ("stats-many", r"message type 206 refused: stats of more connections than a "
                       r"message holds"),
        ("stats-foreign %d 1" % sid, r"message type 206 refused: stats of a connection it "
                                     r"does not serve"),
    ]
    for line, why in cases:
        with open(plan, "w") as f:
            f.write(line + "\n")
        mark = sp.log_mark()
        res, s = rawlink.link(sp.port, sp.password, keep=True)
        check(res == 0, "%s: link refused: %s" % (line, rawlink.ERR.get(res, res)))
        m = sp.wait_log(r"main worker pid (\d+).*%s.*; stopping it" % why, 20, mark)
        pid = int(m.group(1))
        common.wait_for(lambda: common.status_fields(pid) is None
                        or pid not in common.children(sp.pid), 20,
                        "%s: the worker to be gone" % line)
        s.settimeout(20)
        rawlink.read_until_closed(s)
        s.close()
        check(sp.alive(), "%s: spiced died" % line)
        log = sp.log_text()[mark:]
        check("detached" not in log, "%s: the producer was detached:\n%s" % (line, log))
        check(sp.workers("display") == display, "%s: the display worker changed" % line)
        check(still_open(legit), "%s: the other session's connection closed" % line)

    # The control case: READY and quiet is not stopped.
    with open(plan, "w") as f:
        f.write("silent\n")
    mark = sp.log_mark()
    res, s = rawlink.link(sp.port, sp.password, keep=True)
    check(res == 0, "silent: link refused")
    m = sp.wait_log(r"main worker pid (\d+) sandboxed and ready", 20, mark)
    check(still_open(s), "a well-behaved worker's client was closed")
    check("stopping it" not in sp.log_text()[mark:], "a well-behaved worker was stopped")
    s.close()

    # The plan is empty again: real workers, and sessions still link.
    s2, _ = open_session(sp)
    s2.close()
    check(still_open(legit), "the first session's connection closed")
    legit.close()
    sp.stop()


common.run(main)
