#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Under systemd, with stderr connected to the journal ($JOURNAL_STREAM
naming it), the supervisor sends its lines to the journal as entries with
fields: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=spiced, and SPICED_DISPLAY,
SPICED_SESSION and SPICED_PEER taken from what the line names.  The test
plays journald: spiced runs in a mount namespace of its own whose
/run/systemd/journal/socket is the test's datagram socket."""

import ctypes
import os
import socket

import common
import rawlink
from common import check

MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
CLONE_NEWNS = 0x20000


def main():
    if not common.AS_ROOT:
        raise common.SkipTest("needs root for a mount namespace")
    d = common.tmpdir()
    jpath = os.path.join(d, "journal.sock")
    journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    journal.bind(jpath)
    journal.settimeout(5)
    libc = ctypes.CDLL(None, use_errno=True)

    def as_journald():
        # Our own /run, with the test's socket where journald's would be.
        if libc.unshare(CLONE_NEWNS) != 0 or \
                libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0 or \
                libc.mount(b"tmpfs", b"/run", b"tmpfs", 0, None) != 0:
            os._exit(90)
        os.makedirs("/run/systemd/journal")
        open("/run/systemd/journal/socket", "w").close()
        if libc.mount(jpath.encode(), b"/run/systemd/journal/socket", None, MS_BIND, None) != 0:
            os._exit(91)
        st = os.fstat(2)
        os.environ["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)

    sp = common.Spiced(password="pw", child_setup=as_journald, debug=False,
                       wait_ready=False)
    entries = []

    def take(pred, what):
        while True:
            for e in entries:
                if pred(e):
                    return e
            try:
                data = journal.recv(65536)
            except socket.timeout:
                raise common.TestFailure("no journal entry with %s" % what)
            fields = {}
            for line in data.decode(errors="replace").split("\n"):
                k, sep, v = line.partition("=")
                if sep:
                    fields[k] = v
            entries.append(fields)

    take(lambda e: e.get("MESSAGE") == "ready", "MESSAGE=ready")
    check(sp.alive(), "spiced exited (status %s)" % sp.proc.poll())
    check("ready" not in sp.log_text(), "the supervisor's lines still went to stderr")
    res, _ = rawlink.link(sp.port, "wrong")
    check(res != 0, "a wrong password linked")
    e = take(lambda e: "refused: wrong password" in e.get("MESSAGE", ""),
             "the refusal")
    check(e.get("PRIORITY") == "4", "refusal PRIORITY %s, want 4" % e.get("PRIORITY"))
    check(e.get("SYSLOG_IDENTIFIER") == "spiced", "SYSLOG_IDENTIFIER %s" % e.get("SYSLOG_IDENTIFIER"))
    check(e.get("SPICED_DISPLAY") == "t", "SPICED_DISPLAY %r" % e.get("SPICED_DISPLAY"))
    check(e.get("SPICED_PEER", "").startswith("127.0.0.1:"), "SPICED_PEER %r" % e.get("SPICED_PEER"))
    res, s = rawlink.link(sp.port, "pw", keep=True)
    check(res == 0, "login refused")
    e = take(lambda e: "session" in e.get("MESSAGE", "") and "started" in e.get("MESSAGE", ""),
             "the session start")
    check(e.get("SPICED_SESSION", "").isdigit(), "SPICED_SESSION %r" % e.get("SPICED_SESSION"))
    check(e.get("PRIORITY") == "6", "session PRIORITY %s, want 6" % e.get("PRIORITY"))
    s.close()
    sp.stop()


common.run(main)
