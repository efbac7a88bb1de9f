#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-viewer: the picture-checking client of the end-to-end benchmark's
latency runs.  spice-gtk (the client users run) watches the display; the
feeder stamps each frame with a marker (bench-frames.h: a 16x16 block at
the bottom-right corner, colour bench_mark_color(k) in a black border) and posts it right
after the frame.  Each time spice-gtk has drawn over the marker, the
viewer reads it (the nearest marker colour, so that a JPEG of it still
counts) and notes, CLOCK_MONOTONIC, when frame k reached the screen.

The marker alone would not say when a frame's own pixels showed: a
video stream's frames are drawn when their multimedia time comes, which
may be long after the marker (a plain image) was.  So the viewer also
reads a few 8x8 blocks of each frame's change that differ plainly (by
40 levels of mean colour) from the two frames before it (the plainest,
and the last in screen order, which a server that sends a frame's
changes top to bottom shows last), and notes when
the screen first showed all of a frame's blocks (within 18 levels, so
that a JPEG of it counts); a frame reached the screen when both its
marker and its blocks had.

It also keeps what the screen showed, once both had, of the box where the frames
change (found in the frames before the run; every n-th row of it, so
that a frame's copy stays within a megabyte), and compares it with frame
k after the run: a lossy server's every frame is measured, not only the
last, and a frame whose marker showed before its pixels is caught.  At
the end it compares the whole picture with the last frame.

    bench-viewer.py --port N --password PW --frames DIR --kick-pid PID
        [--idle-ms MS] [--timeout-s S]

Protocol with bench-e2e.py, as bench-client's: "ready" once the first
frame shows, then it waits for "go", sends SIGUSR1 to --kick-pid, and
prints "marks K:NS,..." (each frame's marker as first seen; frames the
server merged into later ones are never seen), "blocks K:NS,..." (each
frame's blocks as first seen, for the frames that have such blocks),
"final exact" or
"final differs PIXELS psnr DB" once the last frame's marker has shown and
nothing changed for --idle-ms (or --timeout-s passed: "final timeout"),
then "frames exact E of N psnr DB worst DB": how many of the N frames
seen showed the box exactly once their marker and blocks had, the PSNR of all of
them together (inf when all were exact) and of the worst one."""


import argparse
import bisect
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


def mark_rgb(k, x, y, w, h):
    """The marker's pixel at x, y (inside its corner) as 3 bytes: its
    colour within a black border a pixel wide (bench-frames.h)."""
    if x in (w - MARK, w - 1) or y in (h - MARK, h - 1):
        return b"\0\0\0"
    c = mark_color(k)
    return bytes((c >> 16, c >> 8 & 255, c & 255))


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


SQ = [d * d for d in range(-255, 256)]
CAPTURE_BYTES = 1 << 20


def differ_span(a, b, n):
    """The first and one past the last of n pixels (3 bytes each) where
    rows a and b differ: both by bisection on slices."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if a[:mid * 3 + 3] == b[:mid * 3 + 3]:
            lo = mid + 1
        else:
            hi = mid
    first = lo
    lo, hi = first, n
    while lo < hi:
        mid = (lo + hi) // 2
        if a[mid * 3:] == b[mid * 3:]:
            hi = mid
        else:
            lo = mid + 1
    return first, lo


def change_box(paths, w, h):
    """(x, y, w, h) bounding what any frame changes of the one before it
    (the whole picture if none does)."""
    x0, y0, x1, y1 = w, h, 0, 0
    prev = None
    for path in paths:
        cur = load_ppm(path)[2]
        if prev is not None:
            for y in range(h):
                ra, rb = prev[y * w * 3:(y + 1) * w * 3], cur[y * w * 3:(y + 1) * w * 3]
                if ra != rb:
                    f, l = differ_span(ra, rb, w)
                    x0, x1 = min(x0, f), max(x1, l)
                    y0, y1 = min(y0, y), max(y1, y + 1)
        prev = cur
    if x1 <= x0:
        return 0, 0, w, h
    return x0, y0, x1 - x0, y1 - y0


BLOCK = 8
BLOCK_DIFF = 40
BLOCK_TOL = 18
BLOCKS_A_FRAME = 6


def rows_mean(rows, size, order):
    """Mean R, G, B of the pixels in rows (bytes), size bytes a pixel,
    order the offsets of R, G and B in one: (0, 1, 2) for a PPM's RGB,
    (2, 1, 0) for spice-gtk's BGRX."""
    n = sum(len(row) for row in rows) // size
    return tuple(sum(sum(row[o::size]) for row in rows) // n for o in order)


def block_means(data, w, spots):
    """Mean R, G, B of the BLOCK x BLOCK block at each (x, y) of spots in
    the RGB picture data of width w."""
    return [rows_mean([data[(yy * w + x) * 3:(yy * w + x + BLOCK) * 3]
                       for yy in range(y, y + BLOCK)], 3, (0, 1, 2))
            for x, y in spots]


def frame_blocks(paths, box, w, h):
    """For each frame, up to BLOCKS_A_FRAME (x, y, mean) of blocks on a
    grid over box (the marker's corner left out) whose mean differs by
    BLOCK_DIFF or more from the two frames before it: showing them means
    showing that frame.  Frame 0 and frames without such blocks get
    none."""
    bx, by, bw, bh = box
    xs = range(bx, bx + bw - BLOCK + 1, max(BLOCK, bw // 16))
    ys = range(by, by + bh - BLOCK + 1, max(BLOCK, bh // 16))
    spots = [(x, y) for y in ys for x in xs
             if not (x + BLOCK > w - MARK and y + BLOCK > h - MARK)]
    means, out = [], []
    for k, path in enumerate(paths):
        means.append(block_means(load_ppm(path)[2], w, spots))
        chosen = []
        if k >= 1:
            for i, m in enumerate(means[k]):
                d = min(max(abs(a - b) for a, b in zip(m, means[j][i]))
                        for j in range(max(0, k - 2), k))
                if d >= BLOCK_DIFF:
                    chosen.append((d, spots[i][0], spots[i][1], m))
        # The plainest ones, and the last in screen order: a server that
        # sends a frame's changes top to bottom shows that one last.
        last = max(chosen, key=lambda c: (c[2], c[1]), default=None)
        chosen.sort(reverse=True)
        chosen = chosen[:BLOCKS_A_FRAME]
        if last is not None and last not in chosen:
            chosen.append(last)
        out.append([(x, y, m) for _d, x, y, m in chosen])
        if k >= 2:
            means[k - 2] = None
    return out


def bgrx_to_rgb(row):
    out = bytearray(len(row) // 4 * 3)
    out[0::3] = row[2::4]
    out[1::3] = row[1::4]
    out[2::3] = row[0::4]
    return bytes(out)


def frame_quality(paths, caps, box, step, w, h):
    """(frames exact, seen, pooled PSNR, worst PSNR) of the captured rows
    against each frame, its marker stamped in as the feeder does."""
    bx, by, bw, bh = box
    exact, se_all, n_all, worst = 0, 0, 0, float("inf")
    for k in sorted(caps):
        data = load_ppm(paths[k])[2]
        se, n = 0, 0
        for i, row in enumerate(caps[k]):
            y = by + i * step
            want = bytearray(data[(y * w + bx) * 3:(y * w + bx + bw) * 3])
            if y >= h - MARK and bx + bw > w - MARK:
                for x in range(max(bx, w - MARK), bx + bw):
                    want[(x - bx) * 3:(x - bx) * 3 + 3] = mark_rgb(k, x, y, w, h)
            got = bgrx_to_rgb(row)
            n += len(got)
            if got != want:
                se += sum(SQ[a - b + 255] for a, b in zip(got, want))
        exact += se == 0
        se_all += se
        n_all += n
        if se:
            worst = min(worst, 10 * math.log10(255 * 255 * n / se))
    pooled = 10 * math.log10(255 * 255 * n_all / se_all) if se_all else float("inf")
    return exact, len(caps), pooled, worst


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
    for y in range(h - MARK, h):
        for x in range(w - MARK, w):
            want[(y * w + x) * 3:(y * w + x) * 3 + 3] = mark_rgb(nframes - 1, x, y, w, h)
    colors = [(mark_color(k) >> 16, mark_color(k) >> 8 & 255, mark_color(k) & 255)
              for k in range(nframes)]
    paths = [os.path.join(opt.frames, n) for n in names]
    box = change_box(paths, w, h)
    bx, by, bw, bh = box
    step = max(1, -(-bw * bh * 4 // CAPTURE_BYTES))
    blocks = frame_blocks(paths, box, w, h)
    with_blocks = [k for k in range(nframes) if blocks[k]]
    caps = {}
    seen = {}
    shown = {}
    state = {"last": -1, "t_last": time.monotonic(), "next": 0, "armed": False}

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
        # The mean of the 4x4 pixels at its middle, away from its
        # border: the nearest marker colour, within what a lossy codec
        # changes of a block of one colour (the markers differ far more).
        got = screen_mean(w - MARK // 2 - 2, h - MARK // 2 - 2, 4)
        best, k = min((max(abs(a - b) for a, b in zip(got, c)), i)
                      for i, c in enumerate(colors))
        return k if best <= 24 else None

    def screen_mean(x0, y0, n):
        """Mean R, G, B of spice-gtk's n x n pixels at x0, y0."""
        p = cl.primary
        return rows_mean([ctypes.string_at(p["address"] + y * p["stride"] + x0 * 4, n * 4)
                          for y in range(y0, y0 + n)], 4, (2, 1, 0))

    def capture():
        p = cl.primary
        base = p["address"] + bx * 4
        return [ctypes.string_at(base + y * p["stride"], bw * 4)
                for y in range(by, by + bh, step)]

    def shows(k):
        """Whether the screen shows frame k's blocks."""
        return all(max(abs(a - c) for a, c in zip(screen_mean(x0, y0, BLOCK), want)) <= BLOCK_TOL
                   for x0, y0, want in blocks[k])

    def on_invalidate(channel, x, y, iw, ih):
        now = time.monotonic_ns()
        if state["armed"] and x < bx + bw and y < by + bh and x + iw > bx and y + ih > by:
            # The newest frame (of a few ahead) whose blocks show; those
            # before it that never showed were merged into it.
            # Frames are drawn in order, but some may never be seen
            # (merged, or dropped by the viewer): look as far as the
            # newest marker seen and a few past it.
            i = state["next"]
            top = max(i + 5, bisect.bisect_right(with_blocks, state["last"]) + 2)
            for j in range(min(len(with_blocks), top) - 1, i - 1, -1):
                if shows(with_blocks[j]):
                    # Earlier frames whose blocks show too (a later one
                    # left them as they were) showed now as well.
                    picture = None
                    for f in [with_blocks[j]] + [g for g in with_blocks[i:j] if shows(g)]:
                        shown[f] = now
                        if f in seen:
                            picture = picture or capture()
                            caps[f] = picture
                    state["next"] = j + 1
                    break
        if x + iw > w - MARK and y + ih > h - MARK:
            k = marker()
            if k is not None and k not in seen:
                seen[k] = now
                state["last"] = max(state["last"], k)
                if k in shown or not blocks[k]:
                    caps[k] = capture()
        state["t_last"] = time.monotonic()

    disp = cl.channels[(spice_client.CHANNEL_DISPLAY, 0)]
    GObject.Object.connect(disp, "display-invalidate", on_invalidate)
    cl.wait_until(lambda: marker() == 0, 30, "the first frame")
    seen.clear()
    caps.clear()
    state["armed"] = True
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
    print("blocks " + ",".join("%d:%d" % (k, shown[k]) for k in sorted(shown)) +
          " of " + ",".join(str(k) for k in range(nframes) if blocks[k]), flush=True)
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
    # Frame 0 was on screen before the kick: not a frame of the run.
    caps.pop(0, None)
    print("frames exact %d of %d psnr %.3f worst %.3f" % frame_quality(
        paths, caps, box, step, w, h), flush=True)
    # Stay until the driver has read it all and closes stdin.
    sys.stdin.read()


main()
