#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Control socket access and hostile control clients.  As root: the
socket is 0600 root, uid 65534 cannot connect (EACCES), and even with the
file opened up to everyone, SO_PEERCRED refuses it; with control-group
the socket is 0660 in that group and a member can list.  Malformed
requests (oversized or short length, wrong version, unknown type, a
string longer than its field, trailing bytes, a password over 60 bytes,
a truncated request) each get an ERROR reply and a closed connection,
and the daemon keeps serving; too many control connections are refused."""

import os
import socket
import stat
import struct
import time

import common
from common import check

NOBODY = 65534
REP_ERROR = 101


def frame(body, version=1, length=None):
    n = len(body) + 4 if length is None else length
    return struct.pack("<IHH", n, version, body[0]) + body[1] if isinstance(body, tuple) else \
        struct.pack("<I", n) + body


def req(rtype, body=b"", version=1, length=None):
    payload = struct.pack("<HH", version, rtype) + body
    n = len(payload) if length is None else length
    return struct.pack("<I", n) + payload


def str8(b):
    return bytes([len(b)]) + b


def raw_exchange(sp, data, close_write=False):
    """Send data; return (reply type, text) of the first reply, and
    whether the daemon then closed the connection."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sp.control_socket)
    s.sendall(data)
    if close_write:
        s.shutdown(socket.SHUT_WR)
    hdr = b""
    while len(hdr) < 4:
        chunk = s.recv(4 - len(hdr))
        check(chunk, "no reply to %r" % data[:32])
        hdr += chunk
    n = struct.unpack("<I", hdr)[0]
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        check(chunk, "reply cut short")
        body += chunk
    version, rtype = struct.unpack("<HH", body[:4])
    tlen = struct.unpack("<H", body[4:6])[0] if rtype in (100, 101) else 0
    text = body[6:6 + tlen].decode(errors="replace")
    try:
        closed = s.recv(1) == b""
    except ConnectionResetError:
        # Closed with our unread bytes still queued: a reset on UNIX
        # sockets, after the reply was delivered.
        closed = True
    s.close()
    return rtype, text, closed


def serving(sp):
    r = sp.spicectl("list")
    return r.returncode == 0 and "display %s:" % sp.name in r.stdout


def main():
    sp = common.Spiced()
    st = os.stat(sp.control_socket)
    check(stat.S_ISSOCK(st.st_mode), "control socket is a socket")
    check(stat.S_IMODE(st.st_mode) == 0o600, "mode %o, want 600" % stat.S_IMODE(st.st_mode))
    check(st.st_uid == os.geteuid(), "owner %d" % st.st_uid)

    if common.AS_ROOT:
        r = sp.spicectl("list", run_as=NOBODY)
        check(r.returncode == 1 and "cannot connect to %s: Permission denied" % sp.control_socket
              in r.stderr, "uid 65534 on a 0600 socket: %r" % r.stderr)
        # Defence in depth: with the file mode opened, SO_PEERCRED refuses.
        os.chmod(sp.control_socket, 0o666)
        mark = sp.log_mark()
        r = sp.spicectl("list", run_as=NOBODY)
        check(r.returncode == 1 and "permission denied" in r.stderr,
              "uid 65534 through an opened socket: rc %d %r" % (r.returncode, r.stderr))
        sp.wait_log(r"control: connection refused: uid 65534", 5, mark)
        r = sp.spicectl("set-ticket", sp.name, run_as=NOBODY, input="x\n")
        check(r.returncode == 1, "uid 65534 set a ticket")
        os.chmod(sp.control_socket, 0o600)
        check(serving(sp), "root cannot list")

    # Malformed requests: ERROR, closed, daemon serves on.
    long_name = b"n" * 64
    cases = [
        ("length over the cap", req(3, length=0x10000)),
        ("length under the header", struct.pack("<I", 2) + b"\0\0"),
        ("wrong version", req(3, version=9)),
        ("unknown request type", req(77)),
        ("reply type as request", req(101, struct.pack("<H", 0))),
        ("display name over 63 bytes", req(2, str8(long_name))),
        ("string past the end", req(2, bytes([40]) + b"abc")),
        ("NUL in a name", req(2, str8(b"t\0x"))),
        ("trailing bytes", req(3, b"\0")),
        ("password over 60 bytes", req(1, str8(b"t") + str8(b"p" * 61) + b"\0" + b"\0" * 8)),
        ("unknown expiry kind", req(1, str8(b"t") + str8(b"pw") + b"\x07" + b"\0" * 8)),
        ("expires-in beyond the cap", req(1, str8(b"t") + str8(b"pw") + b"\x02" +
                                          struct.pack("<Q", 1 << 40))),
        ("empty display name", req(2, str8(b""))),
        ("session 0", req(4, str8(b"") + struct.pack("<I", 0))),
    ]
    for what, data in cases:
        mark = sp.log_mark()
        rtype, text, closed = raw_exchange(sp, data)
        check(rtype == REP_ERROR, "%s: reply type %d, want ERROR" % (what, rtype))
        check(text.startswith("bad request"), "%s: text %r" % (what, text))
        check(closed, "%s: connection not closed" % what)
        sp.wait_log(r"control: client uid \d+ pid \d+: bad request", 5, mark)
        check(serving(sp), "daemon stopped serving after: %s" % what)

    # A truncated request, then EOF; a silent connection; then service.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sp.control_socket)
    s.sendall(req(2, str8(b"t"))[:7])
    s.close()
    check(serving(sp), "daemon stopped serving after a truncated request")

    # The password of a rejected request is not logged either.
    check("p" * 61 not in sp.log_text(), "rejected password in the log")

    # Connection cap: 8 idle control connections, the 9th is closed.
    idle = []
    for _ in range(8):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(sp.control_socket)
        idle.append(c)
    time.sleep(0.3)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(5)
    c.connect(sp.control_socket)
    check(c.recv(1) == b"", "a 9th control connection was kept")
    sp.wait_log(r"8 control connections already", 5)
    for c in idle:
        c.close()
    common.wait_for(lambda: serving(sp), 5, "service after the idle connections closed")
    check(sp.alive(), "spiced died")
    sp.stop()

    if common.AS_ROOT:
        # control-group: 0660 in that group; a member may use it.
        sp2 = common.Spiced(global_extra="control-group = %d" % NOBODY)
        st = os.stat(sp2.control_socket)
        check(stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == NOBODY,
              "control-group socket: mode %o gid %d" % (stat.S_IMODE(st.st_mode), st.st_gid))
        r = sp2.spicectl("list", run_as=NOBODY)
        check(r.returncode == 0 and "display %s:" % sp2.name in r.stdout,
              "control-group member cannot list: %r" % r.stderr)
        r = sp2.spicectl("set-ticket", sp2.name, run_as=NOBODY, input="grp\n")
        check(r.returncode == 0, "control-group member cannot set a ticket: %r" % r.stderr)
        sp2.stop()

    # control-socket = none: no socket; a path: that path.
    sp3 = common.Spiced(global_extra="control-socket = none")
    check(not os.path.exists(sp3.control_socket), "control socket despite none")
    sp3.stop()


common.run(main)
