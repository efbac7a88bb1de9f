#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The producer socket against clients that do not play along.  A
connection that sends nothing holds no place: the real producer attaches
at once beside it, and the silent one is told why and closed after 5 s
(ERROR 7, "no HELLO within 5 s").  A producer refused because another is
attached reads the reason (qxl-shm-testsrc prints "server error 5:
another producer is attached to this display" and exits non-zero), not a
reset.  At SIGTERM every producer is told (ERROR 8, "spiced is shutting
down") before the close, every worker and relay is gone and reaped when
spiced exits, and spiced exits with status 0."""

import os
import signal
import socket
import struct
import subprocess
import time

import common
import spice_client
import tlsutil
from common import check

QXLSHM_MSG_ERROR = 102


def read_error(s, timeout):
    """The ERROR message a producer connection gets: (code, reason)."""
    s.settimeout(timeout)
    data = s.recv(512)
    check(len(data) >= 12, "no ERROR message (got %r)" % data[:20])
    typ, length, code = struct.unpack_from("<III", data)
    check(typ == QXLSHM_MSG_ERROR, "message type %d, want ERROR" % typ)
    return code, data[12:12 + length - 4].split(b"\0")[0].decode()


def main():
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    sp = common.Spiced(password="pw", extra=tlsutil.tls_conf(
        pki, tport, ["secure-channels = all", "tls-ktls = no"]))
    common.wait_producer_socket(sp)

    silent = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    silent.connect(sp.producer_socket)
    t0 = time.monotonic()
    prod = sp.start_producer()          # waits for "attached"
    check(time.monotonic() - t0 < 3, "the real producer waited behind a silent connection")

    # A second producer is refused, and reads why.
    other = subprocess.run([common.TESTSRC, "--socket", sp.producer_socket],
                           stderr=subprocess.PIPE, timeout=15)
    check(other.returncode != 0, "a second producer was not refused")
    check(b"server error 5: another producer is attached to this display" in other.stderr,
          "the refused producer did not read the reason: %r" % other.stderr[-300:])

    code, reason = read_error(silent, 8)
    check(code == 7 and reason == "no HELLO within 5 s of connecting",
          "silent connection got ERROR %d %r" % (code, reason))
    check(time.monotonic() - t0 >= 4.5, "the silent connection was dropped too early")
    silent.close()

    # Two viewers over TLS (main, display, relays), then SIGTERM.
    viewers = [spice_client.connect(port=sp.port, tls_port=tport, ca_file=pki["ca"],
                                    password="pw") for _ in range(2)]
    for v in viewers:
        v.wait_primary(timeout=15)
    kids = common.children(sp.pid)
    # keygen, display, a main worker and two relays (main, display) each.
    check(len(kids) >= 2 + 2 * 3, "workers and relays running: %s" % kids)
    t0 = time.monotonic()
    sp.proc.send_signal(signal.SIGTERM)
    rc = sp.proc.wait(timeout=10)
    took = time.monotonic() - t0
    check(rc == 0, "spiced exited with status %d" % rc)
    print("SIGTERM to exit: %.2f s with %d children" % (took, len(kids)))
    left = [p for p in kids if os.path.exists("/proc/%d" % p)]
    check(not left, "children left behind: %s" % left)
    prod.wait(timeout=10)
    with open(sp.log_path) as f:
        log = f.read()
    check("server error 8: spiced is shutting down" in log,
          "the producer was not told about the shutdown")
    check("signal 15: shutting down" in log, "no shutdown line")


common.run(main)
