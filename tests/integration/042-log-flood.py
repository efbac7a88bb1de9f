#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A flood of bad connections cannot flood the log: 3000 connections that
send a bad link header, from 30 addresses, leave a few dozen refusal
lines and a "N similar messages suppressed" line with the count, not a
line each; a refusal of another kind, and a real session, are still
logged while the flood's kind is being suppressed."""

import os
import re
import socket

import common
import rawlink
from common import check

N = 3000


def bad_link(port, src):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(b"NOPE" + b"\0" * 12)
    s.settimeout(5)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()


def main():
    sp = common.Spiced(password="pw", debug=False)
    size0 = os.path.getsize(sp.log_path)
    for i in range(N):
        bad_link(sp.port, "127.0.3.%d" % (i % 30 + 1))
    # Another kind of refusal, and a real login, still show.
    res, _ = rawlink.link(sp.port, "wrong")
    check(res != 0, "a wrong password linked")
    res, s = rawlink.link(sp.port, "pw", keep=True)
    check(res == 0, "login refused: %s" % rawlink.ERR.get(res, res))
    sp.wait_log(r"session \d+ started", 5)
    sp.wait_log(r"link from 127.0.0.1:\d+ refused: wrong password", 5)
    sp.wait_log(r"(\d+) similar messages suppressed in 10 s: \"link header: bad magic", 15)
    log = sp.log_text()
    grown = os.path.getsize(sp.log_path) - size0
    lines = len(re.findall(r"refused: link header: bad magic", log))
    dropped = sum(int(n) for n in re.findall(
        r"(\d+) similar messages suppressed in 10 s: \"link header: bad magic", log))
    print("%d bad links: %d lines logged, %d suppressed, log grew %d bytes"
          % (N, lines, dropped, grown))
    check(lines + dropped == N, "%d logged + %d suppressed != %d" % (lines, dropped, N))
    check(lines <= 200, "%d refusal lines for %d bad links" % (lines, N))
    check(grown < 64 * 1024, "the log grew %d bytes" % grown)
    s.close()


common.run(main)
