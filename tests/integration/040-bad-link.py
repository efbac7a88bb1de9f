#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile link input: each case gets the right link error (or a clean
close) and the daemon keeps serving: a good client links right after,
and an existing session stays up."""

import socket
import struct
import time

import common
import rawlink
from common import check


def expect_reply_error(sp, data, want, what):
    s = rawlink.connect(sp.port)
    s.sendall(data)
    err = rawlink.expect_error_reply(s)
    check(err == want, "%s: reply error %s, want %s" % (what, rawlink.ERR.get(err, err), rawlink.ERR[want]))
    s.close()


def still_serving(sp):
    res, _ = rawlink.link(sp.port, sp.password)
    check(res == 0, "after bad input a good link got %s" % rawlink.ERR.get(res, res))
    check(sp.alive(), "spiced died")


def main():
    sp = common.Spiced(link_timeout=1)
    # A session that must survive everything below.
    res, keeper = rawlink.link(sp.port, sp.password, keep=True)
    check(res == 0, "first session refused")
    hdr = rawlink.recv_exact(keeper, 6)
    mtype, size = struct.unpack("<HI", hdr)
    session_id = struct.unpack("<I", rawlink.recv_exact(keeper, size)[:4])[0]

    mess = rawlink.link_mess()
    expect_reply_error(sp, rawlink.link_header(len(mess), magic=b"XEDQ") + mess, 2, "bad magic")
    still_serving(sp)
    expect_reply_error(sp, rawlink.link_header(len(mess), major=3) + mess, 4, "major 3")
    still_serving(sp)
    expect_reply_error(sp, rawlink.link_header(0x7fffffff), 3, "huge size")
    still_serving(sp)
    expect_reply_error(sp, rawlink.link_header(10) + b"\0" * 10, 3, "size below a link message")
    still_serving(sp)
    # Caps claiming far more words than the message holds.
    bad = struct.pack("<IBBIII", 0, 1, 0, 100000, 0, 18)
    expect_reply_error(sp, rawlink.link_header(len(bad)) + bad, 3, "caps beyond size")
    still_serving(sp)

    # Truncated: half a message, then the client goes away.
    s = rawlink.connect(sp.port)
    s.sendall((rawlink.link_header(len(mess)) + mess)[:20])
    s.close()
    still_serving(sp)

    # Nothing at all: closed at the 1 s deadline.
    s = rawlink.connect(sp.port)
    t0 = time.monotonic()
    s.settimeout(10)
    data = rawlink.read_until_closed(s)
    took = time.monotonic() - t0
    check(took < 8, "silent client kept for %.1fs" % took)
    check(len(data) == 0, "silent client got %d bytes" % len(data))
    sp.wait_log(r"refused: no complete handshake within 1 s", 5)
    still_serving(sp)

    # A display channel naming an unknown session.
    bogus = session_id ^ 0x5a5a5a5a
    res, _ = rawlink.link(sp.port, sp.password, channel_type=rawlink.CHANNEL_DISPLAY,
                          connection_id=bogus)
    check(res == 8, "unknown session: result %s, want BAD_CONNECTION_ID" % rawlink.ERR.get(res, res))
    # A channel the display does not offer, on the live session.
    res, _ = rawlink.link(sp.port, sp.password, channel_type=rawlink.CHANNEL_DISPLAY,
                          connection_id=session_id, channel_id=5)
    check(res == 9, "display channel 5: result %s, want CHANNEL_NOT_AVAILABLE" % rawlink.ERR.get(res, res))
    still_serving(sp)

    # The first session is still there: its main worker answers a PING
    # with nothing unexpected and the connection is open.
    keeper.settimeout(0.5)
    try:
        extra = keeper.recv(1)
        check(extra != b"", "the first session was closed")
    except socket.timeout:
        pass
    check(len(sp.workers("main")) >= 1, "the first session's main worker is gone")


common.run(main)
