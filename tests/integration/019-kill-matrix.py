#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""kill -9 of every kind of process spiced runs, one after the other,
while several sessions on two displays watch animated producers: each
takes down at most what it served, and every other viewer keeps getting
new pictures (the real spice-gtk client, checked after every kill).

Display "t": viewers A and B (plain), and C on the TLS port only (a
relay process per channel).  Display "u": viewer D.  In turn:
- the keygen helper: restarted; nobody notices, and a new viewer links;
- one of t's plain sessions' main worker: that viewer is disconnected,
  the other keeps its picture;
- C's display-channel relay: C's display channel ends, the rest stays;
- u's producer: u's viewer stays connected, and a new producer's picture
  reaches it;
- t's cursor worker: restarted; t's sessions (each has a cursor channel
  on it, which spice-gtk does not link again) end, D does not notice,
  and a new viewer E of t gets pictures;
- t's display worker: E loses its display; D does not notice;
- the supervisor itself, last: every process it started (workers,
  relays, the keygen helper) ends with it, none is left behind; u's
  viewer is told (its session ends) and the producers see their socket
  close and exit; spiced started again on the same configuration (as
  systemd's Restart= does) serves again: a producer attaches and a new
  viewer gets pictures."""

import os
import signal
import subprocess

import common
import spice_client
import tlsutil
from common import check


def lost(c):
    """The viewer lost its session (or a channel of it)."""
    return c.disconnected or c.closed_channels()


def snap(c):
    """The viewer's picture, None while it has none (between primaries)."""
    return c.snapshot() if c.primary is not None else None


def moving(viewers, what):
    """Every viewer in viewers is connected and its picture changes."""
    for name, c in viewers.items():
        check(not lost(c), "%s: viewer %s lost channels %r" % (what, name,
                                                             c.closed_channels()))
        before = snap(c)
        c.wait_until(lambda: snap(c) not in (None, before), 10,
                     "%s: a new picture at viewer %s" % (what, name))


def kill9(pid):
    os.kill(pid, signal.SIGKILL)


def main():
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport, port_u = common.free_port(), common.free_port()
    sock_u = os.path.join(d, "u.qxl")
    extra = [tlsutil.tls_conf(pki, tport), '[display "u"]', "listen = 127.0.0.1:%d" % port_u,
             "producer-socket = %s" % sock_u, 'password = "pw-u"']
    if common.AS_ROOT:
        uid_u = 61000 + (os.getpid() + 1500) % 3000
        extra.append("worker-user = %d:%d" % (uid_u, uid_u))
    sp = common.Spiced(password="pw", extra="\n".join(extra))
    common.wait_producer_socket(sp)
    sp.start_producer("--fps", "10")

    def producer_u():
        mark = sp.log_mark()
        p = subprocess.Popen([common.TESTSRC, "--socket", sock_u, "--fps", "10"],
                             stdout=sp.log, stderr=subprocess.STDOUT)
        common._procs.append(p)
        sp.wait_log(r'display "u": producer .* attached', 10, mark)
        return p
    common.wait_for(lambda: os.path.exists(sock_u), 5, "u's producer socket")
    prod_u = producer_u()

    v = {"A": spice_client.connect(port=sp.port, password="pw"),
         "B": spice_client.connect(port=sp.port, password="pw"),
         "C": spice_client.connect(tls_port=tport, ca_file=pki["ca"], password="pw"),
         "D": spice_client.connect(port=port_u, password="pw-u")}
    for c in v.values():
        c.wait_channels([spice_client.CHANNEL_DISPLAY, spice_client.CHANNEL_CURSOR,
                         spice_client.CHANNEL_INPUTS], 15)
    moving(v, "at the start")

    # The keygen helper.
    mark = sp.log_mark()
    kill9(sp.workers("keygen")[0])
    sp.wait_log(r"keygen helper ended \(killed by signal 9", 10, mark)
    moving(v, "after the keygen helper's kill")
    extra_viewer = spice_client.connect(port=sp.port, password="pw")
    extra_viewer.wait_primary(15)
    extra_viewer.disconnect()
    mains = v["A"].wait_until(lambda: len(sp.workers("main", "t")) == 3 and
                              sp.workers("main", "t"), 15,
                              "the new viewer's main worker to end")

    # A main worker of one of t's sessions.
    kill9(mains[0])
    gone = v["A"].wait_until(lambda: [n for n in ("A", "B", "C") if lost(v[n])], 15,
                             "a viewer of t to lose its session")
    check(len(gone) == 1, "viewers disconnected by one main worker's kill: %r" % gone)
    victim = gone[0]
    del v[victim]
    moving(v, "after main worker %d's kill (viewer %s's)" % (mains[0], victim))

    # A relay of the TLS viewer, if it is still there.
    if "C" in v:
        relays = tlsutil.relays(sp)
        check(len(relays) >= 3, "C's relays %r" % relays)
        mark = sp.log_mark()
        kill9(relays[-1])
        sp.wait_log(r"relay pid %d .*killed" % relays[-1], 10, mark)
        others = {n: c for n, c in v.items() if n != "C"}
        moving(others, "after a relay's kill")
        v.pop("C")

    # u's producer: its viewer stays and sees the next producer.
    prod_u.kill()
    prod_u.wait()
    moving({n: c for n, c in v.items() if n != "D"}, "after u's producer's kill")
    check(not lost(v["D"]), "u's viewer left with its producer")
    prod_u = producer_u()
    moving(v, "after u's next producer")

    # t's cursor worker: restarted; the sessions with a cursor channel
    # on it end (spice-gtk does not link a channel again), u's viewer
    # does not notice, and a new viewer of t gets pictures.
    mark = sp.log_mark()
    kill9(sp.workers("cursor", "t")[0])
    sp.wait_log(r'display "t": cursor worker ended \(killed by signal 9', 10, mark)
    for n in [n for n in v if n != "D"]:
        v[n].wait_until(lambda: lost(v[n]), 15, "viewer %s to lose its session" % n)
        del v[n]
    moving(v, "after t's cursor worker's kill")
    # A link in the moment before the new cursor worker is ready is
    # refused for that channel: wait for it.
    sp.wait_log(r"cursor worker pid \d+ sandboxed and ready", 10, mark)
    v["E"] = spice_client.connect(port=sp.port, password="pw")
    v["E"].wait_channels([spice_client.CHANNEL_DISPLAY, spice_client.CHANNEL_CURSOR,
                          spice_client.CHANNEL_INPUTS], 15)
    moving(v, "with a new viewer of t")

    # t's display worker: t's viewer loses its display, u's does not.
    mark = sp.log_mark()
    kill9(sp.workers("display", "t")[0])
    sp.wait_log(r'display "t": display worker ended \(killed by signal 9', 10, mark)
    v["E"].wait_until(lambda: lost(v["E"]), 15, "viewer E to lose its display")
    moving({"D": v["D"]}, "after t's display worker's kill")
    check(sp.alive(), "spiced died")

    # The supervisor: what it started ends with it.
    def descendants(pid):
        out, todo = [], [pid]
        while todo:
            kids = common.children(todo.pop())
            out += kids
            todo += kids
        return out
    kids = descendants(sp.pid)
    check(len(kids) >= 4, "spiced's processes before its kill: %r" % kids)
    kill9(sp.pid)
    sp.proc.wait(10)
    common.wait_for(lambda: not [k for k in kids if os.path.exists("/proc/%d" % k)
                                 and common.status_fields(k) is not None
                                 and common.status_fields(k).get("State", "")[:1] != "Z"],
                    10, "every process spiced started to end with it")
    v["D"].wait_until(lambda: lost(v["D"]), 15, "u's viewer to be told")
    prod_u.wait(15)
    check(prod_u.returncode != 0, "u's producer exited %d without its server" % prod_u.returncode)
    sp.restart()
    prod_u = producer_u()
    v = {"F": spice_client.connect(port=port_u, password="pw-u")}
    v["F"].wait_primary(10)
    moving(v, "after spiced was started again")
    check(sp.alive(), "the second spiced died")


common.run(main)
