#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sessions outlive a restart of the supervisor (daemon/handoff.h), with
this test in systemd's place: it keeps what spiced stores in its fd store
(FDSTORE=1 on $NOTIFY_SOCKET; a hung-up fd is dropped unless FDPOLL=0,
as systemd does) and passes it to the next spiced as systemd does
(LISTEN_FDS, LISTEN_FDNAMES).  180-systemd-units does the same under the
real systemd.

Three spice-gtk viewers: two watch an animated producer, their display
channels over TLS (through relay processes), the third is linked over the
UNIX socket; a fourth viewer's main channel is in WebSocket frames.  spiced gets SIGTERM and exits; while no supervisor runs,
the viewers keep getting frames from the same workers.  The next spiced
adopts the workers, the producer's connection and the sessions: no
viewer was disconnected nor asked to link again, no new primary surface
was sent, the producer did not attach again, `spicectl list` shows the
four sessions with their channels, the WebSocket one answers a ping.  `spicectl disconnect` of one ends it
(the new supervisor stops a worker that is not its child), a viewer that
leaves ends its session in the new supervisor's log, and a new login
works.  A second restart hands over the workers the first adopted, and
the session of a login under way at SIGTERM, which it lets finish (for
up to link-timeout: this one takes 1.5 s; a
signal while spiced waits for the fd store to confirm is no failure); then
the supervisor is killed (kill -9) 20 ms after two logins in a row and a
channel joining the first, and the next one adopts the standby it kept
in the store, both sessions and that channel included.
With keep-sessions = no (a reload), SIGTERM makes that supervisor stop
them itself, not its children, and wait for them before it exits.
(131 and 180 drop the fd store as `systemctl stop` does: every worker
then ends by itself.)"""

import os
import re
import signal
import struct
import time

import common
import fdstore
import rawlink
import rawspice
import spice_client
import tlsutil
import wsclient
from common import check
from fdstore import alive, reap_orphans

def cut_off(c):
    """The server closed the viewer's main channel (spice-gtk reports an
    error, a close, or the session's end)."""
    return c.disconnected or (1, 0) in c.closed_channels()


def frames_flow(c, what, n=3):
    c.clear_invalidates()
    c.wait_until(lambda: len(c.invalidates) >= n, 15, what)


def main():
    # Workers outlive their supervisor: as their subreaper, the test
    # reaps them (PID 1 does under systemd).
    fdstore.become_subreaper()
    d = common.tmpdir()
    store = fdstore.FdStore(os.path.join(d, "notify"))
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    sp = common.Spiced(password="pw", env={"NOTIFY_SOCKET": store.path},
                       extra=tlsutil.tls_conf(pki, tport, ["tls-ktls = no",
                                                           "secure-channels = display"]))
    prod = sp.start_producer("--size", "320x240", "--fps", "20")
    plain = spice_client.connect(port=sp.port, tls_port=tport, ca_file=pki["ca"],
                                 password="pw")
    plain.wait_primary(15)
    tls = spice_client.connect(port=sp.port, tls_port=tport, ca_file=pki["ca"],
                               password="pw")
    tls.wait_primary(15)
    # A third over the UNIX socket, its main channel only.
    kicked = spice_client.connect(unix_path=sp.unix_socket, password="pw", connect_types=[1])
    kicked.wait_channels([1], 15)
    # A fourth, its main channel in WebSocket frames (the worker frames).
    res, ws = wsclient.link(sp.port, "pw")
    check(res == 0, "WebSocket link refused: %r" % res)
    viewers = (plain, tls)
    for c in viewers:
        frames_flow(c, "frames before the restart")
    before = sp.list_json()
    sessions = sorted(s["id"] for disp in before["displays"] for s in disp["sessions"])
    check(len(sessions) == 4, "sessions before: %r" % before)
    workers = {r: sorted(sp.workers(r)) for r in ("display", "cursor", "main", "inputs")}
    relays = tlsutil.relays(sp)
    check(len(workers["main"]) == 4 and len(workers["display"]) == 1 and relays,
          "workers %r relays %r" % (workers, relays))
    primaries = [c.primary_count for c in viewers]

    # SIGTERM: spiced hands everything over and exits.
    mark = sp.log_mark()
    sp.proc.send_signal(signal.SIGTERM)
    sp.proc.wait(timeout=15)
    check(sp.proc.returncode == 0, "spiced exited %d" % sp.proc.returncode)
    log = sp.log_text()[mark:]
    check("handoff: 4 sessions" in log, "no handoff in:\n%s" % log[-2000:])
    check("handoff" in store.names(), "fd store: %r" % store.names())
    for pid in sum(workers.values(), []) + relays:
        check(alive(pid), "worker or relay %d ended with its supervisor" % pid)
    # No supervisor: the workers still serve.
    for c in viewers:
        frames_flow(c, "frames while no supervisor runs")

    sp.restart(activate=store.activate())
    log = sp.log_text()[mark:]
    check('display "t": 4 sessions kept from the previous run' in log and
          "kept from the previous run" in log, "adoption:\n%s" % log[-2500:])
    check("attached" not in log.split("signal 15")[-1],
          "the producer attached again:\n%s" % log[-2000:])
    # The handoff taken, the new supervisor's standby in its place.
    common.wait_for(lambda: store.names().count("handoff") == 1, 5,
                    "one handoff (the new standby) in the store: %r" % store.names())
    after = {r: sorted(sp.workers(r)) for r in ("display", "cursor", "main", "inputs")}
    # Not its children: found by their display argument instead.
    for r, pids in workers.items():
        check(all(alive(p) for p in pids), "%s workers %r did not survive" % (r, pids))
    for c in viewers:
        frames_flow(c, "frames after the restart")
    for c in viewers + (kicked,):
        check(not cut_off(c) and c.error is None, "a viewer was dropped: %r" % c.error)
    check([c.primary_count for c in viewers] == primaries,
          "a new primary was sent: %r -> %r" % (primaries, [c.primary_count for c in viewers]))
    now = sp.list_json()
    got = sorted(s["id"] for disp in now["displays"] for s in disp["sessions"])
    check(got == sessions, "sessions after the restart: %r, before %r" % (got, sessions))
    chans = sorted(len(s["channels"]) for disp in now["displays"] for s in disp["sessions"])
    check(chans == [1, 1, 4, 4], "channels after the restart: %r" % now)
    ws.raw_send(wsclient.frame(b"after the restart", wsclient.OP_PING))
    check(ws.wait_pong() == b"after the restart", "the WebSocket viewer's worker is gone")
    print("restart: sessions %r kept, workers %r, relays %r, new spiced's own: %r"
          % (got, workers, relays, after))

    # spicectl disconnect of a session of the last run: the new
    # supervisor stops its worker (not its child: through its pidfd).
    kid = [s["id"] for disp in now["displays"] for s in disp["sessions"]
           if len(s["channels"]) == 1 and s["channels"][0]["transport"] != "ws"][0]
    r = sp.spicectl("disconnect", str(kid))
    check(r.returncode == 0, "disconnect: %s" % r.stderr)
    kicked.wait_until(lambda: cut_off(kicked), 10, "the disconnected viewer's main channel "
                      "to be closed", tolerate_error=True)
    common.wait_for(lambda: (reap_orphans(), sum(alive(p) for p in workers["main"]) == 3)[1],
                    10, "the disconnected session's main worker to end")
    workers["main"] = [p for p in workers["main"] if alive(p)]

    # A new login through the new supervisor.
    c3 = spice_client.connect(port=sp.port, tls_port=tport, ca_file=pki["ca"],
                              password="pw")
    c3.wait_primary(15)
    frames_flow(c3, "frames to a viewer of the new supervisor")
    # A viewer of the old run leaves: the new supervisor ends its session.
    mark2 = sp.log_mark()
    tlsutil.release_client(plain)
    sp.wait_log(r"session \d+ ended: main channel closed", 10, mark2)
    frames_flow(tls, "frames to the TLS viewer after the other left")
    tlsutil.release_client(c3)

    # A second restart hands over what this supervisor adopted (workers
    # that are not its children), and a login under way at SIGTERM: the
    # supervisor lets it finish first, and its session goes along.
    mark = sp.log_mark()
    raw = rawlink.connect(sp.port)
    mess = rawlink.link_mess()
    raw.sendall(rawlink.link_header(len(mess)) + mess)
    _, key, _ = rawlink.read_reply(raw)
    # A worker ending while spiced waits for systemd to confirm the
    # handoff (sd_notify_barrier) interrupts the wait: not a failure.
    pid = sp.proc.pid

    def interrupt():
        store.on_barrier = None     # once: the next barrier is answered
        time.sleep(0.1)
        os.kill(pid, signal.SIGCHLD)
        time.sleep(0.1)
    store.on_barrier = interrupt
    sp.proc.send_signal(signal.SIGTERM)
    # Slower than a round trip (a password being typed): the supervisor
    # waits for it up to link-timeout.
    time.sleep(1.5)
    raw.sendall(struct.pack("<I", 1) + rawlink.encrypt_ticket(key, "pw"))
    check(struct.unpack("<I", rawlink.recv_exact(raw, 4))[0] == 0,
          "the login under way at SIGTERM was refused")
    check(sp.proc.wait(timeout=15) == 0, "spiced exited %d" % sp.proc.returncode)
    check("handoff: 3 sessions" in sp.log_text()[mark:], "no second handoff:\n%s"
          % sp.log_text()[mark:][-1500:])
    check(store.on_barrier is None, "spiced asked for no barrier at its handoff")
    sp.restart(activate=store.activate())
    sp.wait_log(r'display "t": 3 sessions kept from the previous run', 5, mark)
    frames_flow(tls, "frames to the TLS viewer after a second restart")
    ws.raw_send(wsclient.frame(b"again", wsclient.OP_PING))
    check(ws.wait_pong() == b"again", "the WebSocket viewer's worker is gone")

    # kill -9: no handoff is written, but the standby kept in the store
    # since the last change is, and the next supervisor (systemd's
    # Restart=) adopts it.
    # A session that logged in just before (20 ms: a change is stored at
    # the next turn of the supervisor's loop) is in it, and so is one that
    # logged in right after that store, when a burst of other changes
    # waits up to 100 ms for the next (a session's start does not).
    time.sleep(0.5)
    mark = sp.log_mark()
    late = rawspice.open_session(sp.port, "pw")
    sp.wait_log(r"session %d started" % late.session_id, 5, mark)
    t0 = time.monotonic()
    late2 = rawspice.open_session(sp.port, "pw")
    sp.wait_log(r"session %d started" % late2.session_id, 5, mark)
    # ... and a channel that joins the first of them within that burst.
    res, joined = rawlink.link(sp.port, "pw", rawlink.CHANNEL_CURSOR, late.session_id, keep=True)
    check(res == 0, "cursor link: %s" % rawlink.ERR.get(res, res))
    sp.wait_log(r"session %d: channel type 4 from" % late.session_id, 5, mark)
    time.sleep(0.02)
    sp.proc.kill()
    print("kill -9 %.0f ms after the first of two logins" % ((time.monotonic() - t0) * 1000))
    sp.proc.wait(timeout=15)
    check("handoff" in store.names(), "no standby in the fd store: %r" % store.names())
    for c in viewers[1:]:
        frames_flow(c, "frames while the killed supervisor is gone")
    sp.restart(activate=store.activate())
    sp.wait_log(r'display "t": 5 sessions kept from the previous run', 5, mark)
    kept = {s["id"]: len(s["channels"]) for disp in sp.list_json()["displays"]
            for s in disp["sessions"]}
    check(kept.get(late.session_id) == 2 and kept.get(late2.session_id) == 1,
          "the late sessions' channels after kill -9: %r" % kept)
    mark = sp.log_mark()
    joined.close()
    late.close()
    late2.close()
    sp.wait_log(r"session %d ended" % late.session_id, 10, mark)
    sp.wait_log(r"session %d ended" % late2.session_id, 10, mark)
    frames_flow(tls, "frames to the TLS viewer after kill -9 of the supervisor")
    ws.raw_send(wsclient.frame(b"killed", wsclient.OP_PING))
    check(ws.wait_pong() == b"killed", "the WebSocket viewer's worker is gone")

    # keep-sessions = no (applied by a reload), then SIGTERM: this
    # supervisor stops the workers it adopted itself, through their
    # pidfds, and waits for them before it exits.
    remaining = [p for p in sum(workers.values(), []) + relays if alive(p)]
    with open(sp.conf_path) as f:
        conf = f.read()
    with open(sp.conf_path, "w") as f:
        f.write("keep-sessions = no\n" + conf)
    mark = sp.log_mark()
    sp.proc.send_signal(signal.SIGHUP)
    sp.wait_log(r"reload: configuration .* applied", 10, mark)
    sp.proc.send_signal(signal.SIGTERM)
    check(sp.proc.wait(timeout=15) == 0, "spiced exited %d" % sp.proc.returncode)
    log = sp.log_text()[mark:]
    # (A standby written just before the reload may be logged after the
    # mark: only the handoff itself must not be.)
    check(not re.search(r"handoff: \d+ sessions? and", log) and
          "asked 3 viewers to link again" in log,
          "keep-sessions = no did not apply:\n%s" % log[-1500:])
    reap_orphans()
    left = [p for p in remaining if alive(p) and p not in relays]
    check(not left, "workers %r outlived the supervisor that stopped them" % left)
    # Relays are no supervisor's to stop once handed over: each ends as
    # its worker's end of the connection closes, just after.
    common.wait_for(lambda: (reap_orphans(), not any(alive(p) for p in relays))[1], 10,
                    "the relays to end with their workers")
    tls.wait_until(lambda: cut_off(tls), 10, "the TLS viewer's main channel to be closed",
                   tolerate_error=True)
    ws.wait_close(10)
    prod.wait(timeout=10)
    store.drop()
    reap_orphans()
    print("second restart kept 2 sessions; with keep-sessions = no the supervisor stopped "
          "the %d adopted workers and relays itself; producer exited %d"
          % (len(remaining), prod.returncode))


if __name__ == "__main__":
    common.run(main)
