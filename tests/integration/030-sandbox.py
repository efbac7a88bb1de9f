#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sandbox: every worker kind runs as the display's configured uid (when
spiced is root), with NoNewPrivs: 1 and Seccomp: 2, chrooted to the empty
run-dir/empty; a forbidden system call (the test trigger makes a worker
call openat) gets it killed by the kernel, the supervisor logs why, and
other sessions and new connections carry on."""

import os
import signal
import struct

import common
import rawlink
from common import check


def check_sandboxed(sp, pid, role):
    st = common.status_fields(pid)
    check(st is not None, "%s worker %d vanished" % (role, pid))
    uids = st["Uid"].split()
    gids = st["Gid"].split()
    want = str(sp.worker_uid)
    check(uids == [want] * 4, "%s worker Uid %s, want all %s" % (role, uids, want))
    if common.AS_ROOT:
        check(gids == [want] * 4, "%s worker Gid %s, want all %s" % (role, gids, want))
        check(st.get("Groups", "").strip() == "", "%s worker keeps groups %r" % (role, st.get("Groups")))
        root = os.readlink("/proc/%d/root" % pid)
        check(root == os.path.join(sp.dir, "empty"), "%s worker root is %s" % (role, root))
        check(st["CapEff"] == "0000000000000000", "%s worker CapEff %s" % (role, st["CapEff"]))
    check(st["NoNewPrivs"].strip() == "1", "%s worker NoNewPrivs %s" % (role, st["NoNewPrivs"]))
    check(common.environ(pid) == [], "%s worker has an environment: %r"
          % (role, common.environ(pid)))
    check(st["Seccomp"].strip() == "2", "%s worker Seccomp %s" % (role, st["Seccomp"]))


def open_session(sp):
    res, s = rawlink.link(sp.port, sp.password, keep=True)
    check(res == 0, "link refused: %s" % rawlink.ERR.get(res, res))
    mtype, size = struct.unpack("<HI", rawlink.recv_exact(s, 6))
    check(mtype == 103, "no MAIN_INIT")
    rawlink.recv_exact(s, size)
    return s


def main():
    sp = common.Spiced()
    common.wait_producer_socket(sp)
    sp.start_producer()
    disp = common.wait_for(lambda: sp.workers("display"), 5, "a display worker")
    a = open_session(sp)
    mains = common.wait_for(lambda: sp.workers("main"), 5, "a main worker")
    b = open_session(sp)
    mains2 = common.wait_for(lambda: len(sp.workers("main")) == 2 and sp.workers("main"), 5,
                             "two main workers")
    for pid in disp:
        check_sandboxed(sp, pid, "display")
    for pid in mains2:
        check_sandboxed(sp, pid, "main")

    # The trigger: session A's main worker attempts openat and dies.
    victim = mains[0]
    mark = sp.log_mark()
    os.kill(victim, signal.SIGUSR2)
    sp.wait_log(r"main worker pid %d killed by seccomp \(SIGSYS\)" % victim, 5, mark)
    common.wait_for(lambda: victim not in sp.workers("main"), 5, "the killed worker to go")
    # Its client connection is closed...
    a.settimeout(5)
    check(rawlink.read_until_closed(a) is not None, "session A still open")
    # ...session B's worker lives on, and new sessions link.
    survivor = [p for p in mains2 if p != victim]
    check(survivor and common.status_fields(survivor[0]) is not None, "session B's worker died too")
    c = open_session(sp)
    c.close()

    # The display worker obeys the same rule.
    mark = sp.log_mark()
    os.kill(disp[0], signal.SIGUSR2)
    sp.wait_log(r"display worker pid %d killed by seccomp" % disp[0], 5, mark)
    check(sp.alive(), "spiced died")
    c = open_session(sp)
    c.close()
    b.close()


common.run(main)
