#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A host's worth of displays: one spiced with 50 displays, each fed by
its own synthetic producer (45 showing a still 320x240 picture, 5 an
animated 640x480 desktop at 30 frames a second) and watched by two viewers (a main and a
display channel each, their own sessions: 100 sessions).  Every viewer
gets its first picture; then, over a 5 s window with the active
displays' viewers reading, the test prints and checks the budget:

  memory: proportional set size (PSS, /proc/PID/smaps_rollup) of each
          display's workers (display, cursor, a main per session), plus
          the supervisor's PSS spread over the displays: per idle display
          at most IDLE_PSS_MB on average;
  CPU:    utime + stime of each display's workers over the window: the
          45 idle displays together at most IDLE_CPU_S, an active one at
          most ACTIVE_CPU_S.

The figures vary with the machine (the README records this one's); the
budgets are what a host must plan for, with room for a loaded machine.
Nothing may have failed meanwhile: every viewer still linked, spiced and
every producer alive.  Then spiced restarts (SIGTERM, the test playing
systemd's fd store): every session is kept, the active displays' viewers
get frames from the same workers, no producer attaches again; the test
prints how long the supervisor took to exit and the next to be ready."""

import os
import signal
import subprocess
import time

import common
import fdstore
import ppm
import rawspice
from common import check

N, ACTIVE = 50, 5
W, H = 320, 240
WINDOW = 5.0
IDLE_PSS_MB = 12.0
IDLE_CPU_S = 1.0
ACTIVE_CPU_S = 2.5
TICK = os.sysconf("SC_CLK_TCK")


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_s(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return 0.0
    f = st[st.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / TICK


def main():
    names = ["t"] + ["d%02d" % i for i in range(1, N)]
    ports = {}
    socks = common.tmpdir()
    uid = 61000 + os.getpid() % 3000
    extra = []
    for name in names[1:]:
        ports[name] = common.free_port()
        extra += ['[display "%s"]' % name, "listen = 127.0.0.1:%d" % ports[name],
                  "producer-socket = %s/%s.qxl" % (socks, name), 'password = "pw"']
        if common.AS_ROOT:
            extra.append("worker-user = %d:%d" % (uid, uid))
    fdstore.become_subreaper()
    store = fdstore.FdStore(os.path.join(socks, "notify"))
    sp = common.Spiced(password="pw", debug=False, worker_uid=uid if common.AS_ROOT else None,
                       extra="\n".join(extra), env={"NOTIFY_SOCKET": store.path})
    ports["t"] = sp.port
    sock = {n: os.path.join(socks, n + ".qxl") for n in names[1:]}
    sock["t"] = sp.producer_socket
    common.wait_for(lambda: all(os.path.exists(s) for s in sock.values()), 10,
                    "every display's producer socket")

    still = os.path.join(socks, "still.ppm")
    ppm.write_ppm(still, W, H, bytes((x * 3 + y) & 255 for y in range(H) for x in range(W)
                                     for _c in range(3)))
    active = names[:ACTIVE]
    producers = []
    for n in names:
        args = (["--size", "640x480", "--fps", "30"] if n in active else ["--image", still])
        p = subprocess.Popen([common.TESTSRC, "--socket", sock[n], "--name", n] + args,
                             stdout=sp.log, stderr=subprocess.STDOUT)
        common._procs.append(p)
        producers.append(p)
    common.wait_for(lambda: sp.log_text().count("attached to the command ring") >= N, 30,
                    "every producer attached")

    viewers = {}
    for n in names:
        viewers[n] = []
        for _ in range(2):
            m = rawspice.open_session(ports[n], "pw")
            d = rawspice.display_client(ports[n], "pw", m.session_id)
            d.wait_mark(20)
            viewers[n].append((m, d))

    def by_display():
        """{display: [worker pids]} and the supervisor's pid."""
        out = {n: sp.workers("display", n) + sp.workers("cursor", n) + sp.workers("main", n)
               for n in names}
        return out

    procs = by_display()
    for n in names:
        check(len(procs[n]) == 4, "display %s has workers %r, want display, cursor and 2 mains"
              % (n, procs[n]))
    cpu0 = {n: sum(cpu_s(p) for p in procs[n]) for n in names}
    sup0 = cpu_s(sp.pid)
    end = time.monotonic() + WINDOW
    while time.monotonic() < end:
        for n in active:
            for _m, d in viewers[n]:
                d.pump(0.02)
    cpu = {n: sum(cpu_s(p) for p in procs[n]) - cpu0[n] for n in names}
    sup_cpu = cpu_s(sp.pid) - sup0
    sup_pss = pss_kb(sp.pid)
    pss = {n: sum(pss_kb(p) for p in procs[n]) + sup_pss / N for n in names}
    idle = [n for n in names if n not in active]
    idle_pss = sum(pss[n] for n in idle) / len(idle) / 1024
    idle_max = max(pss[n] for n in idle) / 1024
    idle_cpu = sum(cpu[n] for n in idle)
    prod_pss = sum(pss_kb(p.pid) for p in producers) / N / 1024
    print("load: %d displays (%d idle %dx%d, %d active 640x480 at 30 fps), %d sessions, %.0f s window"
          % (N, N - ACTIVE, W, H, ACTIVE, 2 * N, WINDOW))
    print("load: PSS per idle display %.1f MB (max %.1f; budget %.1f), per active one %.1f MB;"
          " supervisor %.1f MB; producer %.1f MB each"
          % (idle_pss, idle_max, IDLE_PSS_MB, sum(pss[n] for n in active) / ACTIVE / 1024,
             sup_pss / 1024, prod_pss))
    print("load: CPU of the %d idle displays %.2f s in all (budget %.1f), per active display"
          " %s s (budget %.1f), supervisor %.2f s"
          % (len(idle), idle_cpu, IDLE_CPU_S, ", ".join("%.2f" % cpu[n] for n in active),
             ACTIVE_CPU_S, sup_cpu))
    check(idle_pss <= IDLE_PSS_MB, "an idle display costs %.1f MB, budget %.1f" % (idle_pss, IDLE_PSS_MB))
    check(idle_cpu <= IDLE_CPU_S, "idle displays used %.2f s of CPU, budget %.1f" % (idle_cpu, IDLE_CPU_S))
    for n in active:
        check(cpu[n] <= ACTIVE_CPU_S, "active display %s used %.2f s, budget %.1f"
              % (n, cpu[n], ACTIVE_CPU_S))
        check(all(d.draws + d.fills + d.copy_bits > 1 for _m, d in viewers[n]),
              "active display %s: a viewer got no updates" % n)
    check(sp.alive(), "spiced died")
    check(all(p.poll() is None for p in producers), "a producer exited")
    check(by_display() == procs, "workers changed during the run")
    restart(sp, store, viewers, active, producers, procs)


def updates(d):
    return d.draws + d.fills + d.copy_bits


def restart(sp, store, viewers, active, producers, procs):
    """A restart of this host's spiced (as systemd's, the test playing its
    fd store) keeps all its sessions: the same workers go on, the active
    displays' viewers get frames from them through the next supervisor,
    no producer attaches again."""
    mark = sp.log_mark()
    start = time.monotonic()
    sp.proc.send_signal(signal.SIGTERM)
    check(sp.proc.wait(timeout=30) == 0, "spiced exited %s" % sp.proc.returncode)
    gone = time.monotonic()
    sp.restart(activate=store.activate())
    ready = time.monotonic()
    log = sp.log_text()[mark:]
    check("handoff: %d sessions and " % (2 * N) in log, "no handoff of every session:\n%s"
          % log[-1500:])
    check(log.count("2 sessions kept from the previous run") == N,
          "%d of %d displays kept their sessions" % (
              log.count("2 sessions kept from the previous run"), N))
    check("attached" not in log.split("signal 15")[-1], "a producer attached again")
    for n in active:
        for _m, d in viewers[n]:
            seen = updates(d)
            d.pump(10, until=lambda dd=d, was=seen: updates(dd) > was)
            check(updates(d) > seen, "display %s: a viewer got nothing after the restart" % n)
    alive = [p for pids in procs.values() for p in pids if os.path.exists("/proc/%d" % p)]
    check(len(alive) == sum(len(p) for p in procs.values()), "workers ended with the restart")
    check(all(p.poll() is None for p in producers), "a producer exited")
    print("restart: %d sessions of %d displays kept; SIGTERM to exit %.0f ms, start to ready "
          "%.0f ms" % (2 * N, N, (gone - start) * 1000, (ready - gone) * 1000))
    sp.proc.send_signal(signal.SIGTERM)
    sp.proc.wait(timeout=30)
    store.drop()
    common.wait_for(lambda: (fdstore.reap_orphans(), not any(
        os.path.exists("/proc/%d" % p) for pids in procs.values() for p in pids))[1], 20,
        "the workers to end once the fd store was dropped")


common.run(main)
