#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An upgrade whose workers speak another IPC version: the new supervisor
cannot adopt them, so it asks their viewers to link again instead of
dropping them (daemon/handoff-adopt.c, ho_relink).

This test plays systemd's fd store (tests/integration/fdstore.py) and an
older supervisor: it rewrites the handoff spiced left at SIGTERM so that
its head names another IPC version, descriptors untouched.  The next
spiced logs that the viewer is asked to link again; the spice-gtk viewer,
never disconnected, links to it through a new session and gets frames;
the old workers end once their IPC sockets close, and so does the
producer's connection (a producer that comes back attaches again)."""

import array
import os
import re
import signal
import socket
import struct

import common
import fdstore
import spice_client
from common import check
from fdstore import alive, reap_orphans

HEAD = struct.Struct("<IIIIII")     # magic, version, ipc_version, nrecs, nfds, conn


def recv_all(sock):
    """Every datagram's descriptors queued on sock, in order."""
    fds = []
    sock.setblocking(False)
    while True:
        try:
            data, anc, _, _ = sock.recvmsg(1, socket.CMSG_SPACE(253 * 4))
        except BlockingIOError:
            return fds
        if not data:
            return fds
        for level, typ, raw in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                got = array.array("i")
                got.frombytes(raw[:len(raw) - len(raw) % 4])
                fds += list(got)


def as_older_version(store):
    """Replace the stored handoff by the same one whose head says the
    workers speak IPC version + 1; returns that version."""
    [fd] = store.take("handoff")
    old = socket.socket(fileno=fd)
    fds = recv_all(old)
    old.close()
    state = os.pread(fds[0], 1 << 20, 0)
    magic, version, ipc, nrecs, nfds, conn = HEAD.unpack_from(state)
    check(nfds == len(fds) - 1, "handoff: %d descriptors for %d" % (len(fds) - 1, nfds))
    memfd = os.memfd_create("older-handoff")
    os.write(memfd, HEAD.pack(magic, version, ipc + 1, nrecs, nfds, conn) + state[HEAD.size:])
    w, r = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    msgs = [[memfd]] + [fds[1 + i:1 + i + 200] for i in range(0, nfds, 200)]
    for batch in msgs:
        w.sendmsg([b"H"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", batch))])
    w.close()
    for f in fds + [memfd]:
        os.close(f)
    store.put(r.detach(), "handoff")
    return ipc + 1


def main():
    fdstore.become_subreaper()
    d = common.tmpdir()
    store = fdstore.FdStore(os.path.join(d, "notify"))
    sp = common.Spiced(password="pw", env={"NOTIFY_SOCKET": store.path})
    sp.start_producer("--size", "320x240", "--fps", "20")
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(15)
    old_workers = sp.workers("main") + sp.workers("display") + sp.workers("cursor")
    [old_session] = [s["id"] for disp in sp.list_json()["displays"] for s in disp["sessions"]]

    mark = sp.log_mark()
    sp.proc.send_signal(signal.SIGTERM)
    check(sp.proc.wait(timeout=15) == 0, "spiced exited with %s" % sp.proc.returncode)
    check("handoff: 1 session and " in sp.log_text()[mark:], "no handoff")
    other = as_older_version(store)

    sp.restart(activate=store.activate())
    sp.wait_log(r"workers speak IPC version %d, this spiced %d: their 1 viewer is asked "
                r"to link again" % (other, other - 1), 10, mark)
    # The producer's connection could not be adopted either: one that
    # comes back (spiced-qemu's unit, spiced-x11 --reconnect) attaches.
    sp.start_producer("--size", "320x240", "--fps", "20")
    c.wait_until(lambda: re.search(r"session \d+ started for 127\.0\.0\.1",
                                   sp.log_text()[mark:]), 20,
                 "the viewer's new session", tolerate_error=True)
    common.wait_for(lambda: (reap_orphans(), not any(alive(p) for p in old_workers))[1], 10,
                    "the old workers to end")
    c.clear_invalidates()
    c.wait_until(lambda: len(c.invalidates) >= 3, 15, "frames through the new session",
                 tolerate_error=True)
    check(not c.disconnected, "the viewer was disconnected")
    [new_session] = [s["id"] for disp in sp.list_json()["displays"] for s in disp["sessions"]]
    check(new_session != old_session, "the session id did not change")
    print("upgrade across IPC versions %d -> %d: the viewer linked again (session %d -> %d)"
          % (other, other - 1, old_session, new_session))
    c.disconnect()
    fdstore.finish(sp, store)


if __name__ == "__main__":
    common.run(main)
