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
producer's connection (a producer that comes back attaches again).
Then a handoff that lags what runs, as a standby written before a
channel closed (whose close went to the supervisor that died): the
channel record it names, which its display worker no longer has, goes
once that worker's stats say so; the session and its real channels
stay.  And one written between the workers' start and their READY (which
the supervisor that died read): they are adopted, and taken as ready at
the first message only a ready worker sends, not stopped for it."""

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
HO_CHAN, HO_WORKER = 5, 6
with open(os.path.join(common.SRCDIR, "shared", "ipc-msg.h")) as _f:
    IPC_VERSION = int(re.search(r"#define SPICED_IPC_VERSION\s+(\d+)", _f.read()).group(1))
CHANNEL_DISPLAY = 2
STALE_CONN = 0xfff00000


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


def rewrite(store, change):
    """Replace the stored handoff by change(head fields, records) of it,
    descriptors untouched: as a supervisor of another version, or one
    whose record lags what runs, would have left it."""
    [fd] = store.take("handoff")
    old = socket.socket(fileno=fd)
    fds = recv_all(old)
    old.close()
    state = os.pread(fds[0], 1 << 20, 0)
    head = list(HEAD.unpack_from(state))
    check(head[4] == len(fds) - 1, "handoff: %d descriptors for %d" % (len(fds) - 1, head[4]))
    recs, off = [], HEAD.size
    while off < len(state):
        kind, size = struct.unpack_from("<HH", state, off)
        recs.append((kind, state[off + 4:off + 4 + size]))
        off += 4 + size
    head, recs = change(head, recs)
    head[3] = len(recs)
    memfd = os.memfd_create("rewritten-handoff")
    os.write(memfd, HEAD.pack(*head) + b"".join(struct.pack("<HH", k, len(b)) + b
                                                for k, b in recs))
    w, r = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    msgs = [[memfd]] + [fds[1 + i:1 + i + 200] for i in range(0, head[4], 200)]
    for batch in msgs:
        w.sendmsg([b"H"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", batch))])
    w.close()
    for f in fds + [memfd]:
        os.close(f)
    store.put(r.detach(), "handoff")


def older_version(head, recs):
    """The head of a supervisor whose workers speak IPC version + 1."""
    head[2] += 1
    return head, recs


def stale_channel(session, conn):
    """A display channel record of session that its worker no longer
    has, before the first worker record (the format's order)."""
    rec = struct.pack("<IIBBBBI", session, conn, CHANNEL_DISPLAY, 0, 0, 0, 0) + \
        b"127.0.0.1:1".ljust(64, b"\0") + struct.pack("<q", 0)

    def change(head, recs):
        first_worker = [k for k, _ in recs].index(HO_WORKER)
        return head, recs[:first_worker] + [(HO_CHAN, rec)] + recs[first_worker:]
    return change


def not_ready(head, recs):
    """Every worker recorded as not ready yet: a standby written between a
    worker's start and its READY, which the supervisor that then died
    read."""
    out = []
    for kind, body in recs:
        if kind == HO_WORKER:
            body = body[:8] + struct.pack("<I", 0) + body[12:]
        out.append((kind, body))
    return head, out


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
    rewrite(store, older_version)
    other = IPC_VERSION + 1

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

    # A handoff that lags what runs (a standby written before a channel
    # closed, its close read by the supervisor that then died): the
    # record the display worker no longer names goes once its stats say
    # so.
    mark = sp.log_mark()
    real = [ch["conn"] for disp in sp.list_json()["displays"] for s in disp["sessions"]
            for ch in s["channels"]]
    sp.proc.send_signal(signal.SIGTERM)
    check(sp.proc.wait(timeout=15) == 0, "spiced exited with %s" % sp.proc.returncode)
    rewrite(store, stale_channel(new_session, STALE_CONN))
    sp.restart(activate=store.activate())
    sp.wait_log(r'display "t": 1 session kept from the previous run', 5, mark)
    pruned = "session %d: connection %d closed while no supervisor ran" % (new_session,
                                                                          STALE_CONN)
    conns = [ch["conn"] for disp in sp.list_json()["displays"] for s in disp["sessions"]
             for ch in s["channels"]]
    # Taken: listed, or (on a loaded machine the worker's stats may come
    # before spicectl's answer) already pruned, which only a taken
    # record can be.
    check(STALE_CONN in conns or pruned in sp.log_text()[mark:],
          "the lagging record was not taken: %r" % conns)
    # (The client's loop runs meanwhile; its error is the relink's.)
    c.wait_until(lambda: pruned in sp.log_text()[mark:], 10,
                 "the stale record's close", tolerate_error=True)
    conns = [ch["conn"] for disp in sp.list_json()["displays"] for s in disp["sessions"]
             for ch in s["channels"]]
    # (The viewer may link more channels meanwhile, never fewer.)
    check(STALE_CONN not in conns and set(real) <= set(conns),
          "channels after the stats: %r, before %r" % (conns, real))
    c.clear_invalidates()
    c.wait_until(lambda: len(c.invalidates) >= 3, 15, "frames after the lagging handoff",
                 tolerate_error=True)
    print("a lagging handoff: its stale channel record went after the worker's stats; "
          "the session's real channels stay")

    # A handoff that names the workers as not ready yet: the first message
    # a worker sends after adoption other than READY (its stats, every
    # second) says it got ready under the supervisor that died.
    mark = sp.log_mark()
    workers = sp.workers("main") + sp.workers("display")
    sp.proc.send_signal(signal.SIGTERM)
    check(sp.proc.wait(timeout=15) == 0, "spiced exited with %s" % sp.proc.returncode)
    rewrite(store, not_ready)
    sp.restart(activate=store.activate())
    sp.wait_log(r'display "t": 1 session kept from the previous run', 5, mark)
    sp.wait_log(r"main worker pid \d+ got ready under the previous supervisor", 5, mark)
    sp.wait_log(r"display worker pid \d+ got ready under the previous supervisor", 5, mark)
    check("not allowed" not in sp.log_text()[mark:], "an adopted worker was stopped:\n%s"
          % sp.log_text()[mark:][-1500:])
    check(all(alive(p) for p in workers), "an adopted worker ended")
    c.clear_invalidates()
    c.wait_until(lambda: len(c.invalidates) >= 3, 15, "frames after adopting unready workers",
                 tolerate_error=True)
    print("workers recorded before their READY: adopted, and taken as ready at their stats")
    c.disconnect()
    fdstore.finish(sp, store)


if __name__ == "__main__":
    common.run(main)
