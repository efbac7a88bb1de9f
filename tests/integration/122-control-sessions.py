#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spicectl list and disconnect: list shows the display (listen
addresses, producer), each session with its client address and its
channels (type, id, client, transport); disconnect SESSION closes every
channel of that session (rawlink main + display sockets see EOF, spice-gtk
sees its channels closed, the session's main worker exits) while other
sessions stay; a second disconnect of the same id is an error."""

import socket
import struct

import common
import rawlink
import spice_client
from common import check

MSG_MAIN_INIT = 103


def raw_session(sp):
    """Link a main channel with rawlink; returns (socket, session id)."""
    res, s = rawlink.link(sp.port, sp.password, keep=True)
    check(res == 0, "main link: %s" % rawlink.ERR.get(res, res))
    mtype, size = struct.unpack("<HI", rawlink.recv_exact(s, 6))
    check(mtype == MSG_MAIN_INIT, "first message %d, want MAIN_INIT" % mtype)
    sid = struct.unpack("<I", rawlink.recv_exact(s, size)[:4])[0]
    return s, sid


def sees_eof(s, timeout=10):
    s.settimeout(timeout)
    try:
        rawlink.read_until_closed(s, limit=64 << 20)
        return True
    except (socket.timeout, ConnectionResetError):
        return False


def still_open(s):
    s.settimeout(0.5)
    try:
        while True:
            if not s.recv(65536):
                return False
    except socket.timeout:
        return True


def session_of(listing, sid):
    for d in listing["displays"]:
        for ses in d["sessions"]:
            if ses["id"] == sid:
                return ses
    return None


def main():
    sp = common.Spiced()
    sp.start_producer()

    # Session A: rawlink main + display; session B: spice-gtk; C: rawlink.
    a_main, a_id = raw_session(sp)
    res, a_disp = rawlink.link(sp.port, sp.password, channel_type=rawlink.CHANNEL_DISPLAY,
                               connection_id=a_id, keep=True)
    check(res == 0, "display link of session A: %s" % rawlink.ERR.get(res, res))
    b = spice_client.connect(port=sp.port, password=sp.password)
    b.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_DISPLAY])
    c_main, c_id = raw_session(sp)
    common.wait_for(lambda: len(sp.workers("main")) == 3, 10, "three main workers")

    listing = sp.list_json()
    check(len(listing["displays"]) == 1, "one display listed")
    d = listing["displays"][0]
    check(d["name"] == sp.name, "display name %r" % d["name"])
    check("127.0.0.1:%d" % sp.port in d["listen"] and "unix:" + sp.unix_socket in d["listen"],
          "listen addresses %r" % d["listen"])
    check(d["producer"] is True and d["producer_pid"] > 0, "producer attached: %r" % d)
    check(len(d["sessions"]) == 3, "three sessions listed: %r" % d["sessions"])
    ses = session_of(listing, a_id)
    check(ses is not None, "session A %d listed" % a_id)
    a_peer = "127.0.0.1:%d" % a_main.getsockname()[1]
    check(ses["peer"] == a_peer, "session A client %r, want %r" % (ses["peer"], a_peer))
    check(ses["transport"] == "plain", "session A transport %r" % ses["transport"])
    chans = {(ch["type"], ch["id"]): ch for ch in ses["channels"]}
    check(set(chans) == {("main", 0), ("display", 0)}, "session A channels %r" % sorted(chans))
    check(chans[("display", 0)]["peer"] == "127.0.0.1:%d" % a_disp.getsockname()[1],
          "display channel client %r" % chans[("display", 0)]["peer"])
    check(all(ch["transport"] == "plain" for ch in ses["channels"]), "channel transports")

    # The human-readable form names the same things.
    r = sp.spicectl("list")
    check(r.returncode == 0, "spicectl list: %s" % r.stderr)
    for want in ("display %s:" % sp.name, "session %d from %s" % (a_id, a_peer), "main:0",
                 "display:0", "producer attached"):
        check(want in r.stdout, "list output lacks %r:\n%s" % (want, r.stdout))

    # Disconnect A: both its sockets close, its main worker exits.
    mains = set(sp.workers("main"))
    r = sp.spicectl("disconnect", str(a_id))
    check(r.returncode == 0, "disconnect: rc %d %s" % (r.returncode, r.stderr))
    check(sees_eof(a_main), "session A main channel not closed")
    check(sees_eof(a_disp), "session A display channel not closed")
    common.wait_for(lambda: len(sp.workers("main")) == 2, 10, "session A's main worker to exit")
    check(set(sp.workers("main")) < mains, "a new main worker appeared")
    sp.wait_log(r"session %d ended: disconnected by control client" % a_id, 5)

    # B and C stay.
    check(still_open(c_main), "session C closed by the disconnect of A")
    check(not b.closed_channels(), "spice-gtk session B lost channels: %r" % b.closed_channels())
    listing = sp.list_json()
    check(session_of(listing, a_id) is None, "session A still listed")
    check(session_of(listing, c_id) is not None, "session C not listed")

    # Disconnect B (spice-gtk): the client sees every channel closed.
    b_id = [s["id"] for s in listing["displays"][0]["sessions"] if s["id"] != c_id][0]
    r = sp.spicectl("disconnect", "--display", sp.name, str(b_id))
    check(r.returncode == 0, "disconnect B: %s" % r.stderr)
    b.wait_until(lambda: {(1, 0), (2, 0)} <= b.closed_channels(), 10,
                 "spice-gtk main and display channels closed", tolerate_error=True)
    check(still_open(c_main), "session C closed by the disconnect of B")

    # Errors: unknown session, unknown display, session 0.
    r = sp.spicectl("disconnect", str(a_id))
    check(r.returncode == 1 and "no session" in r.stderr, "second disconnect: %r" % r.stderr)
    r = sp.spicectl("disconnect", "--display", "nosuch", str(c_id))
    check(r.returncode == 1 and "no display" in r.stderr, "unknown display: %r" % r.stderr)
    r = sp.spicectl("disconnect", "0")
    check(r.returncode != 0, "disconnect 0 succeeded")
    check(len(sp.workers("main")) == 1, "session C's main worker gone")
    check(sp.alive(), "spiced died")


common.run(main)
