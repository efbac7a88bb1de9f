#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""WebSocket on the ordinary port (RFC 6455, DESIGN 3): the upgrade (the
accept key, "binary" echoed, a request sent in pieces), a whole SPICE link
in frames up to MAIN_INIT and CHANNELS_LIST, a display channel's picture
in frames, and the handoff: the frame that carries the ticket also carries
the first channel message, which the worker must get.  Then hostile input,
before the link (supervisor) and after it (worker): bad handshakes get
400/426, bad frames a close frame with 1002 or 1009, a truncated frame a
plain close; after each the daemon still serves plain and WebSocket links,
and a session opened at the start is still up."""

import os
import socket
import re
import struct

import common
import ppm
import rawlink
import rawspice
import wsclient
from common import check
from wsclient import frame, OP_CLOSE, OP_PING, OP_CONT

W, H = 64, 48


def still_serving(sp, what):
    mark = sp.log_mark()
    res, _ = rawlink.link(sp.port, sp.password)     # (closes it)
    check(res == 0, "%s: a plain link then got %s" % (what, rawlink.ERR.get(res, res)))
    res, ws = wsclient.link(sp.port, sp.password)
    check(res == 0, "%s: a WebSocket link then got %s" % (what, rawlink.ERR.get(res, res)))
    ws.close()
    check(sp.alive(), "%s: spiced died" % what)
    # Both sessions gone before the next check opens more (max-clients).
    common.wait_for(lambda: len(re.findall(r"session \d+ ended", sp.log_text()[mark:])) >= 2,
                    10, "%s: the two sessions to end" % what)


def ws_main(sp, **kw):
    """A main channel linked in frames; returns (MainChannel, WSSocket)."""
    res, ws = wsclient.link(sp.port, sp.password, **kw)
    check(res == 0, "WebSocket main link: %s" % rawlink.ERR.get(res, res))
    m = rawspice.MainChannel(ws, mini=True)
    mtype, body = m.next_message(10)
    check(mtype == rawspice.MSG_MAIN_INIT and len(body) == 32,
          "first main message in frames: type %d, %d bytes" % (mtype, len(body)))
    m.session_id = struct.unpack("<8I", body)[0]
    return m, ws


def bad_handshake(sp, req, status, what):
    try:
        wsclient.WSSocket(sp.port, req=req)
    except wsclient.HandshakeRefused as e:
        check(e.status == status, "%s: HTTP %d, want %d" % (what, e.status, status))
        if status == 426:
            check(b"Sec-WebSocket-Version: 13" in e.head, "%s: 426 without the version" % what)
    except EOFError as e:
        check(status is None, "%s: closed without a reply (%s)" % (what, e))
    else:
        check(False, "%s: upgraded" % what)
    still_serving(sp, what)


def bad_frame_after_link(sp, data, code, what, log):
    """A linked main channel in frames gets data; want a close frame with
    code (None: just the close) and the worker's log line."""
    mark = sp.log_mark()
    m, ws = ws_main(sp)
    ws.raw_send(data)
    got = ws.wait_close(5)
    check(got == code, "%s after the link: close %s, want %s" % (what, got, code))
    sp.wait_log(log, 5, mark)
    still_serving(sp, what)


def bad_frame_before_link(sp, data, code, what, log):
    mark = sp.log_mark()
    ws = wsclient.WSSocket(sp.port)
    ws.raw_send(data)
    got = ws.wait_close(5)
    check(got == code, "%s before the link: close %s, want %s" % (what, got, code))
    sp.wait_log(log, 5, mark)
    still_serving(sp, what)


def main():
    sp = common.Spiced(link_timeout=2)
    picture = common.pattern_rgb(W, H, seed=11)
    path = os.path.join(sp.dir, "p.ppm")
    ppm.write_ppm(path, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", path)

    # A session that must survive everything below.
    keeper, keeper_ws = ws_main(sp)
    check(keeper_ws.fields.get("sec-websocket-protocol") == "binary", "binary not echoed")
    chans = keeper.attach()
    check((rawlink.CHANNEL_DISPLAY, 0) in chans, "CHANNELS_LIST in frames: %r" % chans)

    # Without a subprotocol, and a request in 7 pieces.
    ws = wsclient.WSSocket(sp.port, protocol=None)
    ws.close()
    ws = wsclient.WSSocket(sp.port, pieces=7)
    ws.close()

    # The ticket's frame goes on with ATTACH_CHANNELS: the supervisor stops
    # inside the frame and the worker reads the rest of it.
    attach = struct.pack("<HI", rawspice.MSGC_MAIN_ATTACH_CHANNELS, 0)
    res, ws = wsclient.link(sp.port, sp.password, after_ticket=attach)
    check(res == 0, "link with data after the ticket: %s" % rawlink.ERR.get(res, res))
    m = rawspice.MainChannel(ws, mini=True)
    seen = []
    while rawspice.MSG_MAIN_CHANNELS_LIST not in seen:
        mtype, _ = m.next_message(5)
        seen.append(mtype)
    check(seen[0] == rawspice.MSG_MAIN_INIT, "handoff: messages %r" % seen)
    m.close()
    # The ticket split over a fragmented message with a ping between the
    # fragments: the pong comes back in front of the link result.
    res, ws = wsclient.link(sp.port, sp.password, split=True, after_ticket=attach)
    check(res == 0, "fragmented ticket: %s" % rawlink.ERR.get(res, res))
    check(ws.pongs == [b"link-ping"], "pong during the link: %r" % ws.pongs)
    m = rawspice.MainChannel(ws, mini=True)
    seen = []
    while rawspice.MSG_MAIN_CHANNELS_LIST not in seen:
        mtype, _ = m.next_message(5)
        seen.append(mtype)
    # After the link the worker answers pings.
    ws.raw_send(frame(b"worker-ping", OP_PING))
    check(ws.wait_pong(5) == b"worker-ping", "pong from the worker: %r" % ws.pongs)
    # A clean close: the worker echoes the code.
    ws.raw_send(frame(struct.pack("!H", 1000) + b"bye", OP_CLOSE))
    check(ws.wait_close(5) == 1000, "close echo: %r" % ws.close_code)

    # The picture in frames, as QUIC (no LZ4 cap, like spice-html5).
    res, ws = wsclient.link(sp.port, sp.password, channel_type=rawlink.CHANNEL_DISPLAY,
                            connection_id=keeper.session_id, channel_caps=(0,))
    check(res == 0, "display link in frames: %s" % rawlink.ERR.get(res, res))
    ws.max_frame = 5     # client frames of 5 bytes: boundaries mean nothing
    d = rawspice.DisplayChannel(ws, mini=True)
    d.send_init()
    d.wait_mark(10)
    check(set(d.images) == {rawspice.IMAGE_QUIC}, "image types %r" % d.images)
    check(d.rgb() == picture, "picture in frames: %s"
          % ppm.describe_diff(ppm.diff(d.rgb(), picture, W, H)))
    d.close()

    # Bad handshakes.
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    bad_handshake(sp, wsclient.request(None), 400, "no key")
    bad_handshake(sp, wsclient.request("abcd"), 400, "short key")
    bad_handshake(sp, wsclient.request(key, version="8"), 426, "version 8")
    bad_handshake(sp, wsclient.request(key, version=None), 426, "no version")
    bad_handshake(sp, wsclient.request(key, protocol="chat"), 400, "no binary")
    bad_handshake(sp, wsclient.request(key, host=False), 400, "no Host")
    bad_handshake(sp, b"GET garbage\x00\x01 in the request line\r\n\r\n", 400, "garbage")
    bad_handshake(sp, b"GET / HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 5000 + b"\r\n\r\n", 400,
                  "request over 4 KiB")

    # Bad frames in the supervisor, right after the upgrade.
    bad_frame_before_link(sp, frame(b"REDQ", masked=False), 1002, "unmasked",
                          r"refused: during link header: WebSocket: unmasked")
    bad_frame_before_link(sp, frame(b"", length=2 << 20), 1009, "oversized",
                          r"refused: during link header: WebSocket: frame of 2097152 bytes")
    bad_frame_before_link(sp, frame(b"x", opcode=3), 1002, "opcode 3",
                          r"unknown opcode 0x3")
    bad_frame_before_link(sp, frame(b"x", opcode=OP_CLOSE), 1002, "1-byte close",
                          r"close frame with a 1-byte payload")
    bad_frame_before_link(sp, frame(struct.pack("!H", 1001), opcode=OP_CLOSE), 1001,
                          "client close", r"client sent a WebSocket close \(code 1001\)")

    # Bad frames in the worker, after the link.
    bad_frame_after_link(sp, frame(b"abc", masked=False), 1002, "unmasked",
                         r"protocol error: WebSocket: unmasked client frame \(sent close 1002\)")
    bad_frame_after_link(sp, frame(b"", length=(1 << 20) + 1), 1009, "oversized",
                         r"over the cap of 1048576 \(sent close 1009\)")
    bad_frame_after_link(sp, frame(b"", length=1 << 62), 1009, "64-bit length",
                         r"sent close 1009")
    bad_frame_after_link(sp, frame(b"abc", opcode=0xB), 1002, "opcode 0xb",
                         r"unknown opcode 0xb")
    bad_frame_after_link(sp, frame(b"abc", rsv=4), 1002, "RSV1",
                         r"reserved bits set")
    bad_frame_after_link(sp, frame(b"abc", opcode=OP_PING, fin=False), 1002,
                         "fragmented ping", r"fragmented control frame")
    bad_frame_after_link(sp, frame(b"x" * 126, opcode=OP_PING), 1002,
                         "long ping", r"control frame over 125 bytes")
    bad_frame_after_link(sp, frame(b"abc", opcode=OP_CONT), 1002,
                         "stray continuation", r"continuation frame outside")
    # Truncated: half a frame, then the client closes its side.
    mark = sp.log_mark()
    m, ws = ws_main(sp)
    ws.raw_send(frame(b"0123456789")[:8])
    ws.sock.shutdown(socket.SHUT_WR)
    check(ws.wait_close(5) is None, "truncated: got a close frame")
    sp.wait_log(r"closed: client closed the connection inside a WebSocket frame", 5, mark)
    still_serving(sp, "truncated frame")
    # Truncated before the link: the supervisor drops it.
    mark = sp.log_mark()
    ws = wsclient.WSSocket(sp.port)
    ws.raw_send(frame(b"0123456789")[:8])
    ws.sock.shutdown(socket.SHUT_WR)
    check(ws.wait_close(5) is None, "truncated before the link: got a close frame")
    sp.wait_log(r"peer closed during link header", 5, mark)
    still_serving(sp, "truncated frame before the link")

    # The first session is still there.
    check(keeper.is_open(0.3), "the first WebSocket session was closed")
    check(sp.alive(), "spiced died")


common.run(main)
