#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-qemu: the console of the same QEMU guest served by spiced through
spiced-qemu (QEMU's D-Bus display) and by QEMU's own SPICE server
(libspice-server inside QEMU, -spice with its defaults), to the same
spice-gtk client on the same machine (not a test: it prints figures and
ratios).  The guest is the boot sector of the tests that echoes keys.

Measured, each side from a fresh QEMU:
- time to first picture: from QEMU's start until the client shows
  QEMU's own screendump of the guest's prompt (the client connects as
  soon as it can; every pixel equal);
- key-to-screen latency: a key press and release on the inputs channel
  until the client's picture changes (the guest's echo), N keys, p50 and
  p95;
- the CPU seconds of every server process during the keys (QEMU; and
  for spiced: QEMU, spiced-qemu, spiced and its workers).

usage: bench-qemu.py [--keys N]
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import common          # noqa: E402
import spice_client    # noqa: E402
import vm              # noqa: E402
from spice_client import Spice  # noqa: E402

KEY_A = 0x1e


class BenchError(Exception):
    pass


def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(common.children(p))
    return out


def cpu(pids):
    return sum(common.cpu_seconds(p) for p in pids)


def connect_when_ready(port, t_end):
    """A client, retried until the server answers."""
    while time.monotonic() < t_end:
        c = spice_client.connect(port=port)
        try:
            c.wait_primary(2)
            return c
        except spice_client.SpiceTimeout:
            c.disconnect()
    raise BenchError("no picture from port %d" % port)


def first_picture(c, q, t0):
    """Seconds from t0 until the client shows QEMU's screendump of the
    guest's prompt (text mode, the prompt's ">" drawn)."""
    while True:
        if time.monotonic() - t0 > 60:
            raise BenchError("the client never showed the guest's prompt")
        w, h, rgb = q.screendump()
        if (w, h) == (720, 400) and c.primary is not None and \
                (c.primary["width"], c.primary["height"]) == (w, h) and c.snapshot() == rgb:
            return time.monotonic() - t0
        t = time.monotonic()
        c.wait_until(lambda: time.monotonic() - t > 0.005, 1, "a moment")


def keys(c, n):
    inputs = c.channel(spice_client.CHANNEL_INPUTS)
    lat = []
    for _ in range(n):
        before = c.snapshot()
        t0 = time.monotonic()
        Spice.InputsChannel.key_press_and_release(inputs, KEY_A)
        c.wait_until(lambda: c.snapshot() != before, 5, "the echo of a key")
        lat.append((time.monotonic() - t0) * 1000)
        t = time.monotonic()
        c.wait_until(lambda: time.monotonic() - t > 0.05, 1, "a pause")
    lat.sort()
    return statistics.median(lat), lat[int(len(lat) * 0.95) - 1]


def run_spiced(uid, nkeys):
    sp = common.Spiced(password=None, debug=False, extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    t0 = time.monotonic()
    q = vm.Qemu(uid)
    bridge = vm.start_bridge(sp, q, uid)
    c = connect_when_ready(sp.port, t0 + 60)
    res = {"first": first_picture(c, q, t0)}
    pids = tree(sp.pid) + [bridge.pid, q.proc.pid]
    cpu0 = cpu(pids)
    res["lat"] = keys(c, nkeys)
    res["cpu"] = cpu(pids) - cpu0
    c.disconnect()
    q.stop()
    sp.stop()
    return res


def run_qemu_spice(uid, nkeys):
    port = common.free_port()
    t0 = time.monotonic()
    q = vm.Qemu(uid, display=["-spice", "port=%d,addr=127.0.0.1,disable-ticketing=on"
                              % port])
    c = connect_when_ready(port, t0 + 60)
    res = {"first": first_picture(c, q, t0)}
    pids = [q.proc.pid]
    cpu0 = cpu(pids)
    res["lat"] = keys(c, nkeys)
    res["cpu"] = cpu(pids) - cpu0
    c.disconnect()
    q.stop()
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=40)
    args = ap.parse_args()
    vm.need()
    uid = common.producer_uid()
    s = run_spiced(uid, args.keys)
    r = run_qemu_spice(uid, args.keys)
    print("bench-qemu: echo guest (TCG), %d keys; spiced = QEMU + spiced-qemu + spiced "
          "+ workers, QEMU = QEMU with its SPICE server" % args.keys)
    print("%-30s %12s %12s %8s" % ("", "spiced", "QEMU", "ratio"))
    print("%-30s %12.2f %12.2f %8.2f" % ("first picture (s)", s["first"], r["first"],
                                        s["first"] / r["first"]))
    for i, name in enumerate(("key-to-screen p50 (ms)", "key-to-screen p95 (ms)")):
        print("%-30s %12.1f %12.1f %8.2f" % (name, s["lat"][i], r["lat"][i],
                                            s["lat"][i] / r["lat"][i]))
    print("%-30s %12.2f %12.2f %8.2f" % ("server CPU during keys (s)", s["cpu"], r["cpu"],
                                        s["cpu"] / max(r["cpu"], 0.01)))
    return 0


if __name__ == "__main__":
    try:
        rc = main()
    except (BenchError, common.TestFailure) as e:
        print("bench-qemu: error: %s" % e)
        rc = 1
    common._cleanup()
    sys.exit(rc)
