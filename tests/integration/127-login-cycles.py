#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Logins and disconnects, over and over, leak nothing.  A raw client
links a main channel with the ticket (RSA-OAEP), reads MAIN_INIT, and
closes, SPICED_LOGIN_CYCLES times (default 600; `make bench-logins` runs
10,000); a session's main worker starts and ends each time.  Measured
from /proc after a warm-up of a sixth of the cycles and at the end: the
supervisor's open fds are exactly as many, its resident memory grew by
less than 256 KiB, and its only children are the long-lived workers
(keygen, display, cursor).  The display worker and a spice-gtk viewer
that stays connected throughout keep their fds too, and the viewer still
gets pictures at the end."""

import os
import struct
import time

import common
import rawlink
import spice_client
from common import check

CYCLES = int(os.environ.get("SPICED_LOGIN_CYCLES", "600"))


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def settled_fds(c, pid):
    """The fd count once it holds still for half a second: a main worker
    reaped may still have its IPC socket open here for a moment."""
    last = [fds(pid), time.monotonic()]

    def still():
        n = fds(pid)
        if n != last[0]:
            last[:] = [n, time.monotonic()]
        return time.monotonic() - last[1] >= 0.5
    c.wait_until(still, 20, "the supervisor's fds to settle")
    return last[0]


def rss_kib(pid):
    return int(common.status_fields(pid)["VmRSS"].split()[0])


def login(sp):
    res, s = rawlink.link(sp.port, "pw", keep=True)
    check(res == 0, "link refused: %s" % rawlink.ERR.get(res, res))
    mtype, size = struct.unpack("<HI", rawlink.recv_exact(s, 6))
    check(mtype == 103, "first main message %d, want MAIN_INIT" % mtype)
    rawlink.recv_exact(s, size)
    s.close()


def main():
    sp = common.Spiced(password="pw", extra="max-clients = 1024")
    common.wait_producer_socket(sp)
    sp.start_producer("--fps", "10")
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)
    # Its inputs channel links a moment after the picture: its worker
    # belongs to the children counted as long-lived.
    c.wait_until(lambda: sp.workers("inputs"), 10, "the viewer's inputs worker")
    display = sp.workers("display")[0]
    base_children = set(common.children(sp.pid))

    def cycles(n):
        t0 = time.monotonic()
        for i in range(n):
            login(sp)
            if i % 20 == 0:     # the viewer's loop runs meanwhile
                c.wait_until(lambda: True, 1)
        return time.monotonic() - t0

    warm = max(CYCLES // 6, 50)
    cycles(warm)
    # Main workers of closed sessions end within moments.
    c.wait_until(lambda: set(common.children(sp.pid)) == base_children, 20,
                 "the warm-up's main workers to end")
    fd0, rss0, dfd0 = settled_fds(c, sp.pid), rss_kib(sp.pid), fds(display)
    took = cycles(CYCLES - warm)
    try:
        c.wait_until(lambda: set(common.children(sp.pid)) == base_children, 20,
                     "the main workers to end")
    except spice_client.SpiceTimeout:
        left = set(common.children(sp.pid)) ^ base_children
        raise common.TestFailure("children that differ after the cycles: %s" % [
            (p, b" ".join(common.cmdline(p)).decode(errors="replace"),
             (common.status_fields(p) or {}).get("State")) for p in sorted(left)])
    fd1, rss1, dfd1 = settled_fds(c, sp.pid), rss_kib(sp.pid), fds(display)
    print("%d logins in %.1f s (%.1f ms each); supervisor fds %d -> %d, RSS %d -> %d KiB; "
          "display worker fds %d -> %d" % (CYCLES - warm, took, took * 1000 / (CYCLES - warm),
                                          fd0, fd1, rss0, rss1, dfd0, dfd1))
    check(fd1 == fd0, "the supervisor's fds went from %d to %d" % (fd0, fd1))
    check(rss1 - rss0 < 256, "the supervisor's RSS grew by %d KiB" % (rss1 - rss0))
    check(dfd1 == dfd0, "the display worker's fds went from %d to %d" % (dfd0, dfd1))
    # The animated desktop still reaches the viewer.
    before = c.snapshot()
    c.wait_until(lambda: c.snapshot() != before, 10, "a new picture at the viewer")
    check(sp.alive() and not c.disconnected, "spiced or the viewer went")


common.run(main)
