#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Many pre-authentication connections at once: with max-preauth = 8 and
the cap full of idle connections, a real client (rawlink, then spice-gtk
with its main and display channels) still links, because the connection
quiet longest is evicted to make room; the count never exceeds the cap
(spicectl list).  Held connections (link message sent, key pair taken,
then silence: the flood that locked real users out) are evicted the same
way, quietest first, and one left alone is closed auth-timeout after the
link reply.  max-preauth-per-address: a flood from 127.0.0.2 keeps at
most that many places and evicts only its own.  The daemon keeps
serving."""

import socket
import struct
import time

import common
import rawlink
import spice_client
from common import check

CAP = 8
PER_ADDR = 3
GRACE = 0.3  # past spiced's 200 ms grace for a quiet client


def preauth(sp):
    return sp.list_json()["displays"][0]["preauth"]


_next_addr = [0]


def from_addr(sp, net="127.0.1"):
    """A connection from a loopback address of its own (net.1, net.2,
    ...), so that max-preauth-per-address does not bind."""
    _next_addr[0] += 1
    s = socket.socket()
    s.settimeout(10)
    s.bind(("%s.%d" % (net, _next_addr[0] % 250 + 1), 0))
    s.connect(("127.0.0.1", sp.port))
    return s


def idle_conn(sp):
    return from_addr(sp)


def peer(s):
    return "%s:%d" % s.getsockname()


def closed(s, timeout=5):
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def main():
    sp = common.Spiced(max_preauth=CAP, link_timeout=30,
                       extra="auth-timeout = 4\nmax-preauth-per-address = %d" % PER_ADDR)
    sp.start_producer()

    idle = [idle_conn(sp) for _ in range(CAP)]
    common.wait_for(lambda: preauth(sp) == CAP, 5, "cap full of idle connections")
    # Quiet for longer than the grace (200 ms): evictable now.
    time.sleep(GRACE)

    # A real client links although the cap is full; the oldest idle one
    # is evicted for it.
    mark = sp.log_mark()
    res, s = rawlink.link(sp.port, sp.password, keep=True)
    check(res == 0, "link with the cap full: %s" % rawlink.ERR.get(res, res))
    sp.wait_log(r"link from %s refused: evicted in link header after \d+ ms quiet "
                r"to make room for 127.0.0.1:\d+: max-preauth %d" % (peer(idle[0]), CAP),
                5, mark)
    check(closed(idle[0]), "the evicted (oldest) idle connection is still open")
    s.close()

    # Refill, then spice-gtk: main and display channels both get through.
    idle = [c for c in idle[1:]] + [idle_conn(sp) for _ in range(4)]
    common.wait_for(lambda: preauth(sp) == CAP, 5, "cap full again")
    time.sleep(GRACE)
    c = spice_client.connect(port=sp.port, password=sp.password)
    c.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_DISPLAY])
    c.wait_primary(10)

    # A flood: many more idle connections; the count stays at the cap.
    flood = []
    for i in range(40):
        flood.append(idle_conn(sp))
        if i % 8 == 0:
            n = preauth(sp)
            check(n <= CAP, "pre-auth count %d above the cap %d" % (n, CAP))
    common.wait_for(lambda: preauth(sp) == CAP, 5, "cap full after the flood")
    open_ones = [f for f in idle + flood if not closed(f, 0.05)]
    check(len(open_ones) <= CAP, "%d idle connections still open, cap %d" % (len(open_ones), CAP))
    # The old idle ones went first; the flood's own, all within the
    # grace of each other, were refused rather than evicting each other.
    check(set(open_ones) <= set(flood), "an old idle connection outlived the flood")
    sp.wait_log(r"refused: max-preauth %d reached and none to evict" % CAP, 5)

    # Held connections (link message in, key pair taken, ticket never
    # sent) fill the cap; a real client still links, evicting the one
    # quiet longest, and the others can still finish.
    mid = []
    for _ in range(CAP):
        m = from_addr(sp, "127.0.2")
        mess = rawlink.link_mess()
        m.sendall(rawlink.link_header(len(mess)) + mess)
        err, key, _ = rawlink.read_reply(m)
        check(err == 0, "link reply error %d" % err)
        mid.append((m, key))
    check(preauth(sp) == CAP, "pre-auth count with the cap full of held links")
    time.sleep(GRACE)
    mark = sp.log_mark()
    res, _ = rawlink.link(sp.port, sp.password)
    check(res == 0, "link past a cap full of held links: %s" % rawlink.ERR.get(res, res))
    sp.wait_log(r"link from %s refused: evicted in auth mechanism after \d+ ms quiet"
                % peer(mid[0][0]), 5, mark)
    check(closed(mid[0][0]), "the quietest held connection is still open")
    for m, key in mid[1:4]:
        m.sendall(struct.pack("<I", 1) + rawlink.encrypt_ticket(key, sp.password))
        res = struct.unpack("<I", rawlink.recv_exact(m, 4))[0]
        check(res == 0, "held link result %s" % rawlink.ERR.get(res, res))
        m.close()
    # The rest stay silent: auth-timeout (4 s here: 2 s was too short for
    # the real clients above on a loaded 2-core machine) closes them.
    mark = sp.log_mark()
    for m, _ in mid[4:]:
        check(closed(m, 8), "a held connection outlived auth-timeout")
    sp.wait_log(r"refused: no authentication within 4 s of the link reply "
                r"\(in auth mechanism; auth-timeout\)", 5, mark)

    # One address floods: it keeps PER_ADDR places at most, evicting its
    # own; a connection from 127.0.0.1 already there is not touched.
    mine = idle_conn(sp)
    flood2 = []
    for i in range(3 * PER_ADDR):
        f = socket.socket()
        f.bind(("127.0.0.2", 0))
        f.connect(("127.0.0.1", sp.port))
        flood2.append(f)
        if i % PER_ADDR == PER_ADDR - 1:
            time.sleep(GRACE)
    common.wait_for(lambda: preauth(sp) == PER_ADDR + 1, 5,
                    "%d places: the flood's %d and ours" % (PER_ADDR + 1, PER_ADDR))
    sp.wait_log(r"link from 127.0.0.2:\d+ refused: evicted .* max-preauth-per-address %d"
                % PER_ADDR, 5)
    check(not closed(mine, 0.2), "a connection from another address was evicted")
    for f in flood2:
        f.close()
    mine.close()

    # The spice-gtk session survived all of it; the daemon still serves.
    check(not c.closed_channels(), "spice-gtk lost channels: %r" % c.closed_channels())
    for f in open_ones:
        f.close()
    res, _ = rawlink.link(sp.port, sp.password)
    check(res == 0, "link after the flood: %s" % rawlink.ERR.get(res, res))
    c.disconnect()
    check(sp.alive(), "spiced died")


common.run(main)
