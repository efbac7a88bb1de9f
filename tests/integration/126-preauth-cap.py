#!/usr/bin/python3
"""Many pre-authentication connections at once: with max-preauth = 8 and
the cap full of idle connections, a real client (rawlink, then spice-gtk
with its main and display channels) still links, because the idlest
connection with the least progress is evicted to make room; the count
never exceeds the cap (spicectl list); a connection that is
mid-authentication (its link message in, a key pair taken) is never
evicted; once every slot is mid-authentication, new connections are
refused; the daemon keeps serving."""

import socket
import struct
import time

import common
import rawlink
import spice_client
from common import check

CAP = 8


def preauth(sp):
    return sp.list_json()["displays"][0]["preauth"]


def idle_conn(sp):
    s = socket.create_connection(("127.0.0.1", sp.port), timeout=10)
    return s


def closed(s, timeout=5):
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def main():
    sp = common.Spiced(max_preauth=CAP, link_timeout=30)
    sp.start_producer()

    idle = [idle_conn(sp) for _ in range(CAP)]
    common.wait_for(lambda: preauth(sp) == CAP, 5, "cap full of idle connections")

    # A real client links although the cap is full; the oldest idle one
    # is evicted for it.
    mark = sp.log_mark()
    res, s = rawlink.link(sp.port, sp.password, keep=True)
    check(res == 0, "link with the cap full: %s" % rawlink.ERR.get(res, res))
    sp.wait_log(r"link from 127.0.0.1:%d refused: evicted in link header \(0 bytes\) "
                r"to make room for 127.0.0.1:\d+: max-preauth %d" % (idle[0].getsockname()[1], CAP),
                5, mark)
    check(closed(idle[0]), "the evicted (oldest) idle connection is still open")
    s.close()

    # Refill, then spice-gtk: main and display channels both get through.
    idle = [c for c in idle[1:]] + [idle_conn(sp) for _ in range(4)]
    common.wait_for(lambda: preauth(sp) == CAP, 5, "cap full again")
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
    check(set(open_ones) <= set(flood[-CAP:]), "eviction did not take the oldest first")

    # Mid-authentication connections (link message in, key pair taken,
    # ticket not yet sent) are never evicted: fill the cap with them.
    mid = []
    for _ in range(CAP):
        m = rawlink.connect(sp.port)
        mess = rawlink.link_mess()
        m.sendall(rawlink.link_header(len(mess)) + mess)
        err, key, _ = rawlink.read_reply(m)
        check(err == 0, "link reply error %d" % err)
        mid.append((m, key))
    check(preauth(sp) == CAP, "pre-auth count with the cap full of mid-auth links")
    mark = sp.log_mark()
    late = idle_conn(sp)
    check(closed(late), "a connection was admitted past a cap full of mid-auth links")
    sp.wait_log(r"refused: %d pre-auth connections already \(max-preauth %d\), all of them "
                r"authenticating" % (CAP, CAP), 5, mark)
    # ... and each of them can still finish.
    for m, key in mid:
        m.sendall(struct.pack("<I", 1) + rawlink.encrypt_ticket(key, sp.password))
        res = struct.unpack("<I", rawlink.recv_exact(m, 4))[0]
        check(res == 0, "mid-auth link result %s" % rawlink.ERR.get(res, res))
        m.close()

    # The spice-gtk session survived all of it; the daemon still serves.
    check(not c.closed_channels(), "spice-gtk lost channels: %r" % c.closed_channels())
    for f in open_ones:
        f.close()
    res, _ = rawlink.link(sp.port, sp.password)
    check(res == 0, "link after the flood: %s" % rawlink.ERR.get(res, res))
    c.disconnect()
    check(sp.alive(), "spiced died")


common.run(main)
