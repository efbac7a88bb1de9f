#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-preauth: real logins and running sessions under a flood of held
pre-authentication connections (not a test; it prints figures).

spiced runs with its defaults (max-preauth 32, max-preauth-per-address 8,
link-timeout 10 s, auth-timeout 5 s) and an animated synthetic producer.
A spice-gtk viewer watches the display and counts the frames it gets per
second.  Then, for each flood, a flooder opens connections at a fixed
rate, sends a valid link message on each and then holds it silent (it
reads and drops whatever comes back, and closes what spiced closes),
from one loopback address (127.0.0.2) or spread over 4096 (127.1.x.y);
meanwhile a prober makes a real login every 0.2 s from 127.0.0.1 (link,
key, RSA-OAEP ticket, link result) and times it.  Printed per flood:
the rate the flooder reached, logins that succeeded within 2 s out of
those tried, login latency p50/p95, the viewer's frame rate against the
rate before any flood, and the supervisor's and the keygen helper's CPU.

usage: bench-preauth.py [--seconds N] [--rates 100,300,1000]
"""

import argparse
import json
import os
import selectors
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import common     # noqa: E402
import rawlink    # noqa: E402

LOGIN_DEADLINE = 2.0


# --- the three roles, each its own process -----------------------------------

def run_flood(port, rate, seconds, spread):
    """Open rate connections a second, each sending a link message, held
    silent; prints the connections made."""
    sel = selectors.DefaultSelector()
    mess = rawlink.link_mess()
    hello = rawlink.link_header(len(mess)) + mess
    made = failed = 0
    start = time.monotonic()
    end = start + seconds
    n = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = int((now - start) * rate)
        while n < due:
            n += 1
            if spread:
                src = "127.1.%d.%d" % ((n >> 8) % 16, n % 256 or 1)
            else:
                src = "127.0.0.2"
            s = socket.socket()
            try:
                s.setblocking(False)
                s.bind((src, 0))
                try:
                    s.connect(("127.0.0.1", port))
                except BlockingIOError:
                    pass
                sel.register(s, selectors.EVENT_WRITE, "connect")
                made += 1
            except OSError:
                failed += 1
                s.close()
        for key, ev in sel.select(timeout=min(0.002, max(0, end - now))):
            s = key.fileobj
            if key.data == "connect":
                try:
                    s.send(hello)
                    sel.modify(s, selectors.EVENT_READ, "held")
                except OSError:
                    sel.unregister(s)
                    s.close()
                continue
            try:
                if not s.recv(4096):
                    raise OSError
            except BlockingIOError:
                pass
            except OSError:
                sel.unregister(s)
                s.close()
    print(json.dumps({"made": made, "failed": failed,
                      "rate": made / seconds}), flush=True)
    for key in list(sel.get_map().values()):
        key.fileobj.close()


def run_probe(port, password, seconds):
    """A real login every 0.2 s; prints (ok, seconds) of each."""
    out = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        ok = False
        try:
            res, _ = rawlink.link(port, password, timeout=LOGIN_DEADLINE)
            ok = res == 0
        except (OSError, EOFError):
            pass
        dt = time.monotonic() - t0
        out.append((ok and dt <= LOGIN_DEADLINE, dt))
        time.sleep(max(0, 0.2 - dt))
    print(json.dumps(out), flush=True)


# qxl-shm-testsrc redraws its animated area (SCENE_ANIM_W x SCENE_ANIM_H)
# once a frame, and spice-gtk reports each redraw as one invalidate of
# that size: counting them counts the frames that reached the viewer.
ANIM_W, ANIM_H = 160, 100


def run_viewer(port, password):
    """spice-gtk watching the display: one line per second with the
    number of producer frames it showed in it."""
    import spice_client
    c = spice_client.connect(port=port, password=password)
    c.wait_primary(20)
    print("ready", flush=True)
    while True:
        c.clear_invalidates()
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:
            spice_client._iterate(0.05)
        print(sum(1 for _, _, w, h in c.invalidates if (w, h) == (ANIM_W, ANIM_H)),
              flush=True)


# --- the driver --------------------------------------------------------------

def me(*args):
    return subprocess.Popen(["/usr/bin/python3", os.path.abspath(__file__)] +
                            [str(a) for a in args], stdout=subprocess.PIPE, text=True)


def fps_during(viewer, seconds):
    counts = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        line = viewer.stdout.readline()
        if not line:
            raise SystemExit("the viewer died")
        counts.append(int(line))
    # The first second straddles the phase change.
    counts = counts[1:] or counts
    return sum(counts) / len(counts)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--role", default="driver")
    ap.add_argument("--port", type=int)
    ap.add_argument("--password", default="bench")
    ap.add_argument("--rate", type=int)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--spread", type=int, default=0)
    ap.add_argument("--rates", default="100,300,1000")
    a = ap.parse_args()
    if a.role == "flood":
        return run_flood(a.port, a.rate, a.seconds, a.spread)
    if a.role == "probe":
        return run_probe(a.port, a.password, a.seconds)
    if a.role == "viewer":
        return run_viewer(a.port, a.password)

    sp = common.Spiced(password=a.password, debug=False)
    sp.start_producer("--fps", "30", "--size", "800x600")
    viewer = me("--role", "viewer", "--port", sp.port, "--password", a.password)
    common._procs.append(viewer)
    if viewer.stdout.readline().strip() != "ready":
        raise SystemExit("the viewer did not start")
    fps_during(viewer, 2)       # warm-up
    base_fps = fps_during(viewer, 4)
    keygen = (sp.workers("keygen") or [0])[0]
    print("spiced defaults; viewer at %.1f frames/s before any flood "
          "(producer at 30)" % base_fps)
    print("%-22s %9s %10s %9s %9s %8s %9s %9s" % (
        "flood", "links/s", "logins", "p50 ms", "p95 ms", "fps", "sup CPU", "keygen"))
    cases = [(0, 0)]
    for r in [int(x) for x in a.rates.split(",")]:
        cases.append((r, 0))
        cases.append((r, 1))
    for rate, spread in cases:
        s0, k0 = common.cpu_seconds(sp.pid), common.cpu_seconds(keygen)
        flood = me("--role", "flood", "--port", sp.port, "--rate", rate,
                   "--seconds", a.seconds, "--spread", spread)
        common._procs.append(flood)
        time.sleep(1)
        probe = me("--role", "probe", "--port", sp.port, "--password", a.password,
                   "--seconds", a.seconds - 2)
        common._procs.append(probe)
        fps = fps_during(viewer, a.seconds - 1.5)
        logins = json.loads(probe.stdout.read())
        made = json.loads(flood.stdout.read())
        flood.wait()
        probe.wait()
        s1, k1 = common.cpu_seconds(sp.pid), common.cpu_seconds(keygen)
        ok = sum(1 for o, _ in logins if o)
        lat = [d * 1000 for o, d in logins if o]
        print("%-22s %9.0f %4d / %-4d %9.1f %9.1f %7.0f%% %8.0f%% %8.0f%%" % (
            "none" if rate == 0 else
            "%d/s from %s" % (rate, "4096 addrs" if spread else "one addr"),
            made["rate"], ok, len(logins), pct(lat, 0.5), pct(lat, 0.95),
            100 * fps / base_fps if base_fps else 0,
            100 * (s1 - s0) / a.seconds, 100 * (k1 - k0) / a.seconds), flush=True)
        # Let held connections time out between cases.
        time.sleep(2)
    print("logins: succeeded within %.0f s / tried; fps: the viewer's frames/s against "
          "before any flood; CPU: share of one core" % LOGIN_DEADLINE)
    viewer.kill()
    sp.stop()


if __name__ == "__main__":
    main()
