#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile display clients (SPICE-NOTES 9: each of these takes the
reference server down).  Every case runs on its own display connection
while a good display client stays connected; afterwards the daemon and the
same display worker are alive, the good client still has the exact
picture, and a new client gets the picture.

Cases, with what spiced does (workers/display/display-out.c, chan.c): a second
DISPLAY_INIT, a display message before DISPLAY_INIT, MIGRATE_FLUSH_MARK,
MIGRATE_DATA and an unknown display message type (>= 101) close that
connection; a client that goes away right after its link (FIN or RST) or
mid-INIT is forgotten; a header claiming ~4 GiB is closed at the header
without the worker growing; an unknown common message type (< 101) is
dropped and the connection stays.  Then, with the animated desktop: a
client that links but never sends DISPLAY_INIT and never reads, and one
that initialises but never reads, hold up neither the other client's
updates nor new links."""

import os
import socket
import struct
import time

import common
import ppm
import rawspice
from common import check

W, H = 301, 203
HUGE = 0xFFFFFFF0


def mem_kb(pid, field):
    st = common.status_fields(pid)
    check(st is not None, "display worker %d is gone" % pid)
    return int(st[field].split()[0])


def mini_header(mtype, size):
    return struct.pack("<HI", mtype, size)


class World:
    """One spiced showing a picture, its display worker and a good client."""

    def __init__(self):
        self.sp = common.Spiced()
        self.picture = common.pattern_rgb(W, H, seed=9)
        path = os.path.join(self.sp.dir, "pattern.ppm")
        ppm.write_ppm(path, W, H, self.picture)
        common.wait_producer_socket(self.sp)
        self.sp.start_producer("--image", path)
        self.dpid = common.wait_for(lambda: self.sp.workers("display"), 5,
                                    "a display worker")[0]
        self.good_main = rawspice.open_session(self.sp.port, self.sp.password)
        self.good = rawspice.display_client(self.sp.port, self.sp.password,
                                            self.good_main.session_id)
        self.good.wait_mark(10)
        check(self.good.rgb() == self.picture, "the good client's first picture")
        self.fresh = 0

    def hostile_display(self, init=True):
        """A new session's display channel; after DISPLAY_INIT and its
        picture if init."""
        m = rawspice.open_session(self.sp.port, self.sp.password)
        d = rawspice.display_client(self.sp.port, self.sp.password, m.session_id,
                                    init=init)
        if init:
            d.wait_mark(10)
            check(d.rgb() == self.picture, "hostile client's picture before the attack")
        return m, d

    def survived(self, what):
        sp = self.sp
        check(sp.alive(), "%s: spiced died" % what)
        check(sp.workers("display") == [self.dpid], "%s: display workers %r, want [%d]"
              % (what, sp.workers("display"), self.dpid))
        check(self.good.is_open(0.1), "%s: the good client was closed" % what)
        check(self.good.rgb() == self.picture, "%s: the good client's picture changed" % what)
        check(self.good_main.is_open(0.01), "%s: the good session's main channel closed" % what)
        # A new client, alternately LZ4 and bitmap, gets the exact picture.
        self.fresh += 1
        m = rawspice.open_session(sp.port, sp.password)
        d = rawspice.display_client(sp.port, sp.password, m.session_id,
                                    lz4=bool(self.fresh % 2))
        d.wait_mark(5)
        got = d.rgb()
        check(got == self.picture, "%s: a new client's picture: %s"
              % (what, ppm.describe_diff(ppm.diff(got, self.picture, W, H))))
        d.close()
        m.close()


def expect_closed(d, what, within=3):
    try:
        took = d.expect_closed(within)
    except TimeoutError:
        raise common.TestFailure("%s: the connection stayed open" % what)
    return took


def picture_phase():
    w = World()
    sp = w.sp

    # A second DISPLAY_INIT.
    m, d = w.hostile_display()
    d.send_init()
    expect_closed(d, "second DISPLAY_INIT")
    m.close()
    w.survived("second DISPLAY_INIT")

    # Gone right after the link, no INIT: FIN, then RST.
    m, d = w.hostile_display(init=False)
    d.close()
    m.close()
    w.survived("close after link")
    m, d = w.hostile_display(init=False)
    d.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    d.close()
    m.close()
    w.survived("reset after link")
    # Half a DISPLAY_INIT, then gone.
    m, d = w.hostile_display(init=False)
    d.send_raw(mini_header(rawspice.MSGC_DISPLAY_INIT, 14) + b"\1\0\0\0")
    time.sleep(0.1)
    d.close()
    m.close()
    w.survived("half a DISPLAY_INIT")

    # A display message before DISPLAY_INIT: PREFERRED_COMPRESSION (103).
    m, d = w.hostile_display(init=False)
    d.send(103, b"\x07")
    expect_closed(d, "message before DISPLAY_INIT")
    check(d.draws == 0 and d.marks == 0, "a client without INIT got a picture")
    m.close()
    w.survived("message before DISPLAY_INIT")

    # ~4 GiB headers, before and after INIT: closed at the header, the
    # worker does not grow (VmPeak would show even an untouched
    # allocation).
    for init, mtype, what in ((False, rawspice.MSGC_MIGRATE_DATA, "4 GiB MIGRATE_DATA before INIT"),
                              (True, rawspice.MSGC_DISPLAY_INIT, "4 GiB DISPLAY_INIT after INIT"),
                              (True, 199, "4 GiB unknown message after INIT")):
        m, d = w.hostile_display(init=init)
        rss0, peak0 = mem_kb(w.dpid, "VmRSS"), mem_kb(w.dpid, "VmPeak")
        d.send_raw(mini_header(mtype, HUGE))
        try:
            for _ in range(16):
                d.send_raw(b"\xa5" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        took = expect_closed(d, what, within=3)
        check(took < 2, "%s: closed only after %.1fs" % (what, took))
        rss1, peak1 = mem_kb(w.dpid, "VmRSS"), mem_kb(w.dpid, "VmPeak")
        check(rss1 - rss0 < 16 * 1024, "%s: display worker VmRSS %d -> %d kB" % (what, rss0, rss1))
        check(peak1 - peak0 < 64 * 1024, "%s: display worker VmPeak %d -> %d kB"
              % (what, peak0, peak1))
        print("%s: closed in %.3fs; VmRSS %d -> %d kB, VmPeak %d -> %d kB"
              % (what, took, rss0, rss1, peak0, peak1))
        m.close()
        w.survived(what)

    # Migration messages outside a migration.
    for init, mtype, body, what in (
            (True, rawspice.MSGC_MIGRATE_FLUSH_MARK, b"", "MIGRATE_FLUSH_MARK"),
            (True, rawspice.MSGC_MIGRATE_DATA, b"\0" * 64, "MIGRATE_DATA"),
            (False, rawspice.MSGC_MIGRATE_FLUSH_MARK, b"", "MIGRATE_FLUSH_MARK before INIT")):
        m, d = w.hostile_display(init=init)
        d.send(mtype, body)
        expect_closed(d, what)
        m.close()
        w.survived(what)

    # Unknown display message type: spiced closes (display-out.c dout_msg).
    m, d = w.hostile_display()
    d.send(199, b"x" * 10)
    expect_closed(d, "unknown display message 199")
    m.close()
    w.survived("unknown display message")

    # Unknown common message type: dropped, the connection stays and the
    # stream stays in step (a following second INIT is still seen).
    m, d = w.hostile_display()
    d.send(77, b"y" * 33)
    d.send(0, b"")
    check(d.is_open(0.5), "unknown common message 77 closed the connection")
    check(d.rgb() == w.picture, "picture after an unknown common message")
    d.send_init()
    expect_closed(d, "second DISPLAY_INIT after unknown common messages")
    m.close()
    w.survived("unknown common message")

    check(w.good.marks == 1 and w.good.unknown == [], "good client: %d MARKs, unknown %r"
          % (w.good.marks, w.good.unknown))
    sp.stop()


def animated_phase():
    sp = common.Spiced()
    common.wait_producer_socket(sp)
    sp.start_producer()
    dpid = common.wait_for(lambda: sp.workers("display"), 5, "a display worker")[0]
    gm = rawspice.open_session(sp.port, sp.password)
    good = rawspice.display_client(sp.port, sp.password, gm.session_id)
    good.wait_mark(10)
    good.wait_draws(3, 5)
    rss0 = mem_kb(dpid, "VmRSS")

    # Linked, never INIT, never reads.
    sm = rawspice.open_session(sp.port, sp.password)
    silent = rawspice.display_client(sp.port, sp.password, sm.session_id, init=False)
    # Initialised, never reads (not even SET_ACK): the window and the
    # output bound must stop it, not the worker.
    stm = rawspice.open_session(sp.port, sp.password)
    stuck = rawspice.DisplayChannel.connect(sp.port, sp.password, stm.session_id)
    stuck.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.send_init()

    t0 = time.monotonic()
    good.wait_draws(10, 5)
    check(time.monotonic() - t0 < 5, "the good client's updates stalled")
    for i in range(3):
        t0 = time.monotonic()
        m = rawspice.open_session(sp.port, sp.password, timeout=5)
        took = time.monotonic() - t0
        check(took < 2, "a new main link took %.1fs" % took)
        d = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=bool(i % 2))
        d.wait_mark(3)
        check((d.width, d.height) == (good.width, good.height), "new client's surface size")
        d.close()
        m.close()
        good.wait_draws(3, 3)
    time.sleep(1)
    good.wait_draws(3, 3)
    rss1 = mem_kb(dpid, "VmRSS")
    check(rss1 - rss0 < 48 * 1024, "display worker VmRSS %d -> %d kB with stalled clients"
          % (rss0, rss1))
    print("animated: good client %d draws; display worker VmRSS %d -> %d kB"
          % (good.draws, rss0, rss1))
    # The client that never sent DISPLAY_INIT was sent nothing but SET_ACK.
    silent.pump(0.3)
    check([t for t, _ in silent.received] == [rawspice.MSG_SET_ACK] and silent.fb is None,
          "a client without DISPLAY_INIT got %r" % silent.received)
    check(sp.workers("display") == [dpid], "display worker replaced")
    check(sp.alive(), "spiced died")
    for c in (silent, sm, stuck, stm, good, gm):
        c.close()


def main():
    picture_phase()
    animated_phase()


common.run(main)
