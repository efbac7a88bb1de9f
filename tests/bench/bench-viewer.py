#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-viewer: the picture-checking client of the end-to-end benchmark's
latency runs.  spice-gtk (the client users run) watches the display; the
feeder stamps each frame with a marker (bench-frames.h: a 16x16 block at
the bottom-right corner, colour bench_mark_color(k)) and posts it right
after the frame.  Each time spice-gtk has drawn over the marker, the
viewer reads it (the nearest marker colour, so that a JPEG of it still
counts) and notes, CLOCK_MONOTONIC, when frame k reached the screen.  At the end it compares the whole picture with the last frame.

    bench-viewer.py --port N --password PW --frames DIR --kick-pid PID
        [--idle-ms MS] [--timeout-s S]

Protocol with bench-e2e.py, as bench-client's: "ready" once the first
frame shows, then it waits for "go", sends SIGUSR1 to --kick-pid, and
prints "marks K:NS,..." (each frame's marker as first seen; frames the
server merged into later ones are never seen) and "final exact" or
"final differs PIXELS psnr DB" once the last frame's marker has shown and
nothing changed for --idle-ms (or --timeout-s passed: "final timeout")."""

import argparse
import ctypes
import math
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import spice_client  # noqa: E402
from gi.repository import GObject  # noqa: E402

MARK = 16


def mark_color(k):
    return (k + 1) * 0x9e3779 & 0xffffff


def load_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    parts, pos = [], 0
    while len(parts) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        parts.append(data[pos:end])
        pos = end
    w, h = int(parts[1]), int(parts[2])
    return w, h, data[pos + 1:pos + 1 + w * h * 3]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--kick-pid", type=int, required=True)
    ap.add_argument("--idle-ms", type=int, default=1500)
    ap.add_argument("--timeout-s", type=int, default=300)
    opt = ap.parse_args()
    names = sorted(n for n in os.listdir(opt.frames) if n.endswith(".ppm") and not n.startswith("."))
    nframes = len(names)
    w, h, last = load_ppm(os.path.join(opt.frames, names[-1]))
    # The last frame as the feeder plays it: marker included.
    want = bytearray(last)
    c = mark_color(nframes - 1)
    for y in range(h - MARK, h):
        for x in range(w - MARK, w):
            want[(y * w + x) * 3:(y * w + x) * 3 + 3] = bytes((c >> 16, c >> 8 & 255, c & 255))
    colors = [(mark_color(k) >> 16, mark_color(k) >> 8 & 255, mark_color(k) & 255)
              for k in range(nframes)]
    seen = {}
    state = {"last": -1, "t_last": time.monotonic()}

    cl = spice_client.connect(port=opt.port, password=opt.password)
    cl.wait_primary(30)
    p = cl.primary
    if (p["width"], p["height"]) != (w, h):
        sys.exit("bench-viewer: the display is %dx%d, the frames %dx%d"
                 % (p["width"], p["height"], w, h))

    def marker():
        p = cl.primary
        if p is None:
            return None
        addr = p["address"] + (h - MARK // 2) * p["stride"] + (w - MARK // 2) * 4
        b, g, r, _ = ctypes.string_at(addr, 4)
        # The nearest marker colour, within what a lossy codec changes
        # of a flat 16x16 block (the markers differ far more).
        best, k = min((max(abs(r - c[0]), abs(g - c[1]), abs(b - c[2])), i)
                      for i, c in enumerate(colors))
        return k if best <= 24 else None

    def on_invalidate(channel, x, y, iw, ih):
        now = time.monotonic_ns()
        if x + iw > w - MARK and y + ih > h - MARK:
            k = marker()
            if k is not None and k not in seen:
                seen[k] = now
                state["last"] = max(state["last"], k)
        state["t_last"] = time.monotonic()

    disp = cl.channels[(spice_client.CHANNEL_DISPLAY, 0)]
    GObject.Object.connect(disp, "display-invalidate", on_invalidate)
    cl.wait_until(lambda: marker() == 0, 30, "the first frame")
    seen.clear()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    os.kill(opt.kick_pid, signal.SIGUSR1)
    end = time.monotonic() + opt.timeout_s
    timed_out = False

    def done():
        return state["last"] == nframes - 1 and \
            time.monotonic() - state["t_last"] > opt.idle_ms / 1000
    try:
        cl.wait_until(done, max(1, end - time.monotonic()), "the last frame")
    except spice_client.SpiceTimeout:
        timed_out = True
    print("marks " + ",".join("%d:%d" % (k, seen[k]) for k in sorted(seen)), flush=True)
    got = cl.snapshot()
    if timed_out:
        print("final timeout (last frame seen %d of %d)" % (state["last"], nframes - 1), flush=True)
    elif got == bytes(want):
        print("final exact", flush=True)
    else:
        diff = sum(1 for i in range(0, len(want), 3) if got[i:i + 3] != want[i:i + 3])
        se = sum((a - b) ** 2 for a, b in zip(got, want))
        psnr = 10 * math.log10(255 * 255 * len(want) / se) if se else float("inf")
        print("final differs %d psnr %.3f" % (diff, psnr), flush=True)
    # Stay until the driver has read it all and closes stdin.
    sys.stdin.read()


main()
