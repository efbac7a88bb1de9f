#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The cursor channel, fed by a producer's cursor ring (script-producer,
driven line by line) and seen by the real spice-gtk client.  A MONO and an
ALPHA shape arrive with their sizes, hot spots and pixels as spice-gtk
converts them; a viewer that links later gets the current shape in
CURSOR_INIT; a shape already sent comes back from the client's cache (the
cursor channel reads a few bytes, not the shape again); MOVE and HIDE
arrive.  The cursor worker is sandboxed.  Hostile shapes (short data, hot
spot outside, address past the slot) are dropped with a log line and the
clients keep going; an unknown shape type is only skipped; sixteen bad
commands drop the producer with the reason, spiced, its workers and the
viewer stay, and the next producer's cursor shows.  A killed cursor worker
is restarted and the producer handed to it.  A raw client's message on
the cursor channel ends that connection only, with the reason."""

import os
import signal
import struct

import common
import rawspice
import spice_client
from common import check

MONO = 64


def start_producer(sp):
    mark = sp.log_mark()
    p = common.ScriptProducer(sp)
    sp.wait_log(r'producer attached to the cursor ring', 10, mark)
    return p


def say(p, line):
    p.say(line)


def px(c, x, y):
    o = (y * c["width"] + x) * 4
    return tuple(c["rgba"][o:o + 4])


def check_mono(c):
    check((c["width"], c["height"], c["hot_x"], c["hot_y"]) == (MONO, MONO, 5, 6),
          "mono shape %s" % {k: v for k, v in c.items() if k != "rgba"})
    check(px(c, 0, 0) == (0, 0, 0, 255) and px(c, 63, 2) == (0, 0, 0, 255),
          "mono border %s %s" % (px(c, 0, 0), px(c, 63, 2)))
    check(px(c, 10, 10)[3] == 0, "mono inside not transparent: %s" % (px(c, 10, 10),))
    check(px(c, 30, 30) == (255, 255, 255, 255), "mono square %s" % (px(c, 30, 30),))


def read_bytes(client):
    return client.channel(spice_client.CHANNEL_CURSOR).get_property("total-read-bytes")


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = start_producer(sp)
    a = spice_client.connect(port=sp.port, password="pw")
    a.wait_channels([spice_client.CHANNEL_CURSOR], timeout=10)
    a.wait_until(lambda: (spice_client.CHANNEL_CURSOR, 0) in a.opened, 10,
                 "the cursor channel open")
    pid = common.wait_for(lambda: sp.workers("cursor"), 5, "the cursor worker")[0]
    sp.wait_log(r"cursor worker pid %d sandboxed and ready" % pid, 5)
    st = common.status_fields(pid)
    check(st["Seccomp"].strip() == "2" and st["NoNewPrivs"].strip() == "1",
          "cursor worker not sandboxed: %s" % st)

    say(prod, "mono 7 100 50")
    a.wait_until(lambda: a.cursors, 5, "the MONO shape")
    check_mono(a.cursors[-1])

    say(prod, "alpha 8 20 30")
    a.wait_until(lambda: len(a.cursors) >= 2, 5, "the ALPHA shape")
    c = a.cursors[-1]
    check((c["width"], c["height"], c["hot_x"], c["hot_y"]) == (8, 8, 7, 0),
          "alpha shape %s" % {k: v for k, v in c.items() if k != "rgba"})
    check(px(c, 3, 5) == (3, 5, 0x42, 0x80) and px(c, 7, 0) == (7, 0, 0x42, 0x80),
          "alpha pixels %s %s" % (px(c, 3, 5), px(c, 7, 0)))

    # The MONO shape again: from the client's cache, a header's worth.
    before = read_bytes(a)
    say(prod, "mono 7 10 10")
    a.wait_until(lambda: len(a.cursors) >= 3, 5, "the MONO shape again")
    check_mono(a.cursors[-1])
    grew = read_bytes(a) - before
    check(grew < 2 * MONO * MONO / 8, "a cached shape cost %d bytes" % grew)

    # A viewer that comes later gets the current shape in CURSOR_INIT.
    b = spice_client.connect(port=sp.port, password="pw")
    b.wait_until(lambda: b.cursors, 10, "the late viewer's cursor")
    check_mono(b.cursors[-1])

    say(prod, "move 33 44")
    a.wait_until(lambda: (33, 44) in a.cursor_moves, 5, "MOVE at the first viewer")
    b.wait_until(lambda: (33, 44) in b.cursor_moves, 5, "MOVE at the second viewer")
    say(prod, "trail 0 0")
    say(prod, "hide")
    a.wait_until(lambda: a.cursor_hides >= 1, 5, "HIDE")
    b.disconnect()

    # A raw client: CURSOR_INIT first (SET_ACK may come before it), then
    # a message the cursor channel does not take ends that connection
    # only, with the reason; its session's main channel stays.
    m = rawspice.open_session(sp.port, "pw")
    res, sock, mini, _ = rawspice.link(sp.port, "pw", spice_client.CHANNEL_CURSOR,
                                       connection_id=m.session_id)
    check(res == 0, "raw cursor link: %d" % res)
    raw = rawspice.Channel(sock, mini)
    t, body = raw.next_message()
    check(t == 101 and struct.unpack_from("<hhHHB", body)[4] == 0,
          "CURSOR_INIT (hidden) first, got %d %r" % (t, body[:9]))
    mark = sp.log_mark()
    raw.send(150, b"x" * 8)
    raw.expect_closed(5)
    sp.wait_log(r"the cursor channel takes no client messages", 5, mark)
    check(m.is_open(), "the session's main channel closed with its cursor channel")

    # Hostile shapes: each dropped with its reason; the ring goes on.
    for cmd, why in (("bad-size", r"data_size 255 not within 256"),
                     ("bad-hotspot", r"hot spot 8,0 outside its 8x8 shape"),
                     ("bad-outside", r"cursor shape.*(past|beyond|outside)")):
        mark = sp.log_mark()
        say(prod, cmd)
        sp.wait_log(r"dropped cursor command at .*%s" % why, 5, mark)
    mark = sp.log_mark()
    say(prod, "bad-type")
    sp.wait_log(r"skipped cursor command at .*type 77 unknown", 5, mark)
    n = len(a.cursors)
    say(prod, "alpha 9 1 1")
    a.wait_until(lambda: len(a.cursors) > n, 5, "a good shape after the bad ones")

    # A flood of moves: the ring's back-pressure, nothing lost but
    # coalesced moves; the producer is not dropped.
    say(prod, "flood 2000")
    say(prod, "move 299 199")
    a.wait_until(lambda: a.cursor_moves and a.cursor_moves[-1] == (299, 199), 10,
                 "the last move after the flood")

    # Sixteen bad commands in all drop the producer, with the reason.
    mark = sp.log_mark()
    for _ in range(13):
        prod.proc.stdin.write("bad-hotspot\n")
    prod.proc.stdin.flush()
    sp.wait_log(r"producer fault: 16 bad cursor commands", 10, mark)
    sp.wait_log(r'producer .*(dropped|detached|closed)', 10, mark)
    check(prod.proc.wait(timeout=10) == 4, "script-producer was not dropped")
    out = prod.proc.stdout.read()
    check("dropped: server error 6: 16 bad cursor commands" in out,
          "the producer was not told why: %r" % out[-300:])
    check(sp.alive(), "spiced died")
    check(sp.workers("cursor") == [pid] and sp.workers("display"),
          "the cursor and display workers did not stay: %s" % sp.workers("cursor"))

    # The next producer's cursor reaches the same viewer.
    prod2 = start_producer(sp)
    n = len(a.cursors)
    say(prod2, "alpha 11 2 2")
    a.wait_until(lambda: len(a.cursors) > n, 5, "the next producer's cursor")

    # The cursor worker dies: restarted, the producer handed to the new
    # one (its ring continues), a viewer sees the next shape.
    mark = sp.log_mark()
    os.kill(pid, signal.SIGKILL)
    sp.wait_log(r"cursor worker ended .*; restarting it", 5, mark)
    sp.wait_log(r"producer handed to the new cursor worker", 5, mark)
    a.wait_until(lambda: a.disconnected or a.closed_channels(), 10,
                 "the viewer's session to end with it")
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_until(lambda: (spice_client.CHANNEL_CURSOR, 0) in c.opened, 10,
                 "a cursor channel from the new worker")
    say(prod2, "mono 12 3 3")
    c.wait_until(lambda: c.cursors, 5, "a shape through the new cursor worker")
    check_mono(c.cursors[-1])
    prod2.proc.stdin.close()
    c.disconnect()


common.run(main)
