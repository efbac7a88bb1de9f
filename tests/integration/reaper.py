#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""reaper.py TEST [ARGS]: how `make check` runs each Python test.  It runs
TEST as the child of a child subreaper, so that whatever TEST started and
left behind (a test that crashed in spice-gtk cannot run its cleanup)
becomes ours once TEST exits: each is named, stopped (SIGTERM, SIGKILL
after 5 s) and waited for.  A test that passed but left a process running
fails: no test may leave one behind."""

import ctypes
import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
GRACE = 5.0


def children():
    """Our children by /proc (the orphans we adopted among them)."""
    me, found = os.getpid(), []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            if ppid != me:
                continue
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError):
            continue
        found.append((int(name), cmd))
    return found


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        os.execv(sys.executable, [sys.executable] + sys.argv[1:])
    test = os.fork()
    if test == 0:
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv[1:])
    _, status = os.waitpid(test, 0)
    rc = os.waitstatus_to_exitcode(status)
    if rc < 0:
        print("reaper: %s died of signal %d" % (sys.argv[1], -rc), flush=True)
        rc = 99
    reap()
    left = children()
    left_any = bool(left)
    for pid, cmd in left:
        print("reaper: %s left pid %d running: %s" % (sys.argv[1], pid, cmd), flush=True)
    deadline = time.monotonic() + GRACE
    sig = signal.SIGTERM
    while left:
        for pid, _ in left:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
        reap()
        left = children()
        if time.monotonic() > deadline:
            sig = signal.SIGKILL
    if rc == 0 and left_any:
        print("reaper: %s passed but left processes running" % sys.argv[1], flush=True)
        rc = 1
    sys.exit(rc)


if __name__ == "__main__":
    main()
