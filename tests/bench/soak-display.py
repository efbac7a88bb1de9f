#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""soak-display: a display drawn without end by every kind of QXL command
while viewers come and go; what the display worker and the supervisor
hold is sampled from /proc, and a worker whose memory or descriptors keep
growing after the warm-up is a leak.

    soak-display.py [--minutes M] [--seed S]

A script-producer (tests/tools) draws random batches of every draw type
it knows (fills with ROPs and patterns, copies, photographs, bitmaps of
one colour, moves, colour keys, alpha blends, composites, stretches and
transforms of each, raster
operations, compressed images, strings, lines, dashed too) on a 320x240 primary,
and makes, draws on, copies from and destroys off-screen surfaces.  spice-gtk watches the
whole time (asking for auto_lz: a GLZ window fills for minutes, by
design, and would read as growth); raw viewers (LZ4 with composites, no LZ4, a tiny pixmap
cache, WebSocket) are closed and opened again in turn, so that viewers'
caches, forwarded drawings' images and encoded boxes are made and
dropped all along.  Every minute it prints the display worker's RSS and
open descriptors and the supervisor's; at the end spice-gtk must show
what a viewer that linked last shows (the worker's picture), as must
every raw viewer (each decoding the commands as spice-common does), and the
worker's RSS must not have grown by more than --max-growth-kib over the
second half of the run nor its descriptors at all, and spiced must have
logged no error nor producer fault (its warnings are printed); exit
status 1 otherwise.  Not part of make check: `make soak-display`
(SOAK_MINUTES, default 10)."""

import argparse
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import common  # noqa: E402
import rawlink  # noqa: E402
import rawspice  # noqa: E402
import spice_client  # noqa: E402
import wsclient  # noqa: E402
from common import check  # noqa: E402

AUTO_LZ = 3     # SpiceImageCompression: what spice-gtk asks the display for

W, H = 320, 240


def line_box(line):
    """The box a script-producer line draws in (None: a stroke, or one
    this does not know)."""
    f = line.split()
    try:
        if f[0] == "copybits":
            return int(f[3]), int(f[4]), int(f[5]), int(f[6])
        if f[0] in ("text", "text4", "text8", "textback"):
            return int(f[1]), int(f[2]) - 12, 40, 14
        if f[0] != "stroke":
            return int(f[1]), int(f[2]), int(f[3]), int(f[4])
    except (ValueError, IndexError):
        pass
    return None


def explain(got, want, lines):
    """Where spice-gtk's picture differs from the worker's, and the last
    drawings over those pixels."""
    pts = [(k // 3 % W, k // 3 // W) for k in range(0, len(want), 3) if got[k:k + 3] != want[k:k + 3]]
    if not pts:
        return
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    print("%d pixels differ within (%d,%d)-(%d,%d), e.g. (%d,%d): %s, the worker's %s"
          % (len(pts), x0, y0, x1, y1, pts[0][0], pts[0][1],
             got[(pts[0][1] * W + pts[0][0]) * 3:][:3].hex(),
             want[(pts[0][1] * W + pts[0][0]) * 3:][:3].hex()))
    hits = []
    for i, l in enumerate(lines):
        b = line_box(l)
        if b and b[0] <= x1 and b[0] + b[2] > x0 and b[1] <= y1 and b[1] + b[3] > y0:
            hits.append((i, l))
    for i, l in hits[-8:]:
        print("drawing %d of %d over them: %s" % (i, len(lines), l))


def rss_kib(pid):
    return int(common.status_fields(pid)["VmRSS"].split()[0])


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def box(rng, wmax=96, hmax=80):
    w, h = rng.randrange(8, wmax), rng.randrange(8, hmax)
    return rng.randrange(0, W - w), rng.randrange(0, H - h), w, h


# The off-screen surfaces made so far: id -> (width, height).
SURFACES = {}


def surface_line(rng):
    """Make or destroy an off-screen surface, draw on one (any drawing,
    clipped to it), or copy from one onto the picture or another
    surface, as script-producer lines."""
    op = rng.randrange(6) if SURFACES else 0
    if op == 0:
        sid = rng.randrange(1, 8)
        if sid in SURFACES:
            del SURFACES[sid]
            return "surfdestroy %d" % sid
        w, h = rng.randrange(4, 120), rng.randrange(4, 100)
        SURFACES[sid] = (w, h)
        return "surface %d %d %d %d%s" % (sid, w, h, rng.randrange(1, 40),
                                          " argb" if rng.randrange(4) == 0 else "")
    sid = rng.choice(sorted(SURFACES))
    if op == 1:
        return "target %d; %s; target 0" % (sid, draw_line(rng, False))
    sw, sh = SURFACES[sid]
    cw, ch = rng.randrange(1, sw + 1), rng.randrange(1, sh + 1)
    cx, cy = rng.randrange(sw - cw + 1), rng.randrange(sh - ch + 1)
    k = rng.choice((1, 1, 1, 2, 3))
    dw, dh = min(cw * k, W - 1), min(ch * k, H - 1)
    x, y = rng.randrange(W - dw), rng.randrange(H - dh)
    line = "surfcopy %d %d %d %d %d %d %d %d %d %d %x" % (
        sid, cx, cy, cw, ch, x, y, dw, dh, rng.randrange(2),
        rng.choice((8, 8, 8, 0x40, 0x41, 0x20)))
    other = [i for i in SURFACES if i != sid]
    if op == 5 and other:
        return "target %d; %s; target 0" % (rng.choice(other), line)
    return line


def draw_line(rng, surfaces=True):
    """One random drawing, as a script-producer line (with surfaces: or
    an off-screen surface's, one in ten)."""
    if surfaces and rng.randrange(10) == 0:
        return surface_line(rng)
    x, y, w, h = box(rng)
    s = rng.randrange(1, 40)
    rgb = "%06x" % rng.randrange(1 << 24)
    kind = rng.randrange(29)
    if kind == 0:
        return "fill %d %d %d %d %s" % (x, y, w, h, rgb)
    if kind == 1:
        return "ropfill %d %d %d %d %s %x" % (x, y, w, h, rgb, rng.choice((1, 2, 4, 8, 0x20, 0x40)))
    if kind == 2:
        return "patfill %d %d %d %d %d 0 0 %x" % (x, y, w, h, s, rng.choice((1, 0x40)))
    if kind == 3:
        return "maskfill %d %d %d %d %s %d" % (x, y, w, h, rgb, rng.randrange(2))
    if kind == 4:
        return "bitmap %d %d %d %d %d" % (x, y, w, h, s % 6)
    if kind == 5:
        return "photo %d %d %d %d %d" % (x, y, w, h, s)
    if kind == 6:
        dx, dy = rng.randrange(-20, 21), rng.randrange(-20, 21)
        sx, sy = min(max(x + dx, 0), W - w), min(max(y + dy, 0), H - h)
        return "copybits %d %d %d %d %d %d" % (sx, sy, x, y, w, h)
    if kind == 7:
        return "transparent %d %d 64 64 %d 00ff00" % (x % (W - 64), y % (H - 64), s % 4)
    if kind == 8:
        return "alphablend %d %d 64 64 %d %d" % (x % (W - 64), y % (H - 64), s % 4,
                                                 rng.randrange(256))
    if kind == 9:
        return "alphaicon %d %d 64 64 %d %d" % (x % (W - 64), y % (H - 64), s % 4,
                                                rng.choice((255, 128)))
    if kind == 10:
        return "compositemask %d %d 64 64 %d %d" % (x % (W - 64), y % (H - 64), s % 4,
                                                   rng.choice((1, 3)))
    if kind == 11:
        return "compositetext %d %d 64 64 %s" % (x % (W - 64), y % (H - 64), rgb)
    if kind == 12:
        return "composite %d %d %d %d %d" % (x, y, w & ~1, h & ~1, s)
    if kind == 13:
        return "ropcopy %d %d 64 64 %d %x" % (x % (W - 64), y % (H - 64), s % 4,
                                              rng.choice((0x21, 0x41, 0x22, 0x81)))
    if kind == 14:
        return "rop3solid %d %d 48 48 %x %d %s" % (x % (W - 48), y % (H - 48),
                                                   rng.choice((0xb8, 0xe2, 0x96, 0x1e)), s % 4, rgb)
    if kind == 15:
        return "rop3 %d %d %d %d %x %d %d %d" % (x, y, w, h, rng.randrange(256), s,
                                                rng.randrange(-40, 40), rng.randrange(-40, 40))
    if kind == 16:
        return "opaque %d %d %d %d %d %s %x" % (x, y, w, h, s, rgb, rng.choice((1, 0x20, 0x40)))
    if kind == 17:
        return "compressed %s %d %d %d %d %d" % (rng.choice(("quic", "lz", "jpeg")), x, y, w, h, s)
    if kind == 18:
        return "%s %d %d %s" % (rng.choice(("text", "text4", "text8")), x, max(y, 12), rgb)
    if kind == 19:
        return "textback %d %d %s %06x" % (x, max(y, 12), rgb, rng.randrange(1 << 24))
    if kind == 20:
        pts = " ".join("%d %d" % (rng.randrange(W), rng.randrange(H)) for _ in range(4))
        k = rng.randrange(4)
        if k == 0:
            return "ropstroke %s %x %s" % (rgb, rng.choice((0x40, 0x10, 0x20, 0x200)), pts)
        if k == 3:
            # Dashed, some points off the picture.
            return "dashstroke %s %x %d %d %s %d %d" % (
                rgb, rng.choice((8, 0x40, 0x200)), rng.randrange(1, 12), rng.randrange(1, 6),
                pts, rng.randrange(-20, W + 20), rng.randrange(H))
        if k == 1:
            # Two curves from the first point (some off the picture).
            return "bezier %s %x %s %d %d %d %d %d %d" % (
                rgb, rng.choice((8, 0x40)), pts, rng.randrange(-20, W + 20), rng.randrange(H),
                rng.randrange(W), rng.randrange(H), rng.randrange(W), rng.randrange(H))
        return "stroke %s %s" % (rgb, pts)
    if kind == 21:
        return "solid %d %d %d %d %s" % (x, y, w, h, rgb)
    if kind == 22:
        return "scaled %d %d %d %d %d %d %d %d" % (x, y, w, h, rng.randrange(1, 2 * w),
                                                  rng.randrange(1, 2 * h), s, rng.randrange(2))
    if kind == 23:
        return "patopaque %d %d %d %d %d %x %d %d" % (x, y, w, h, s, rng.choice((1, 0x20, 0x40, 8)),
                                                      rng.randrange(-40, 40), rng.randrange(-40, 40))
    if kind == 24:
        pw, ph = rng.randrange(1, 64), rng.randrange(1, 64)
        sx, sy = rng.randrange(pw), rng.randrange(ph)
        return "scaledpart %d %d %d %d %d %d %d %d %d %d %d %d %d" % (
            x, y, w, h, pw, ph, s, rng.randrange(2), sx, sy, rng.randrange(1, pw - sx + 1),
            rng.randrange(1, ph - sy + 1), rng.randrange(2))
    if kind == 25:
        return "transparent %d %d %d %d %d 00ff00 %d %d" % (x, y, w, h, s % 4, rng.randrange(1, 2 * w),
                                                           rng.randrange(1, 2 * h))
    if kind == 26:
        return "%s %d %d %d %d %d %d %d %d" % (rng.choice(("alphaicon", "alphaphoto")), x, y, w, h,
                                               s % 4, rng.randrange(256), rng.randrange(1, 2 * w),
                                               rng.randrange(1, 2 * h))
    if kind == 27:
        t = (rng.randrange(0x2000, 0x20000), rng.randrange(-0x8000, 0x8000),
             rng.randrange(-0x100000, 0x100000), rng.randrange(-0x8000, 0x8000),
             rng.randrange(0x2000, 0x20000), rng.randrange(-0x100000, 0x100000))
        return "compositexf %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d" % (
            (x, y, w, h, rng.randrange(1, 40), rng.randrange(1, 40), s, rng.randrange(2),
             rng.randrange(2)) + t)
    return "%s %d %d %d %d" % (rng.choice(("blackness", "whiteness", "invers")), x, y, w, h)


class Viewers:
    """The raw viewers, each of its own session, opened again in turn."""

    KINDS = ("lz4", "nolz4", "tiny", "ws")

    def __init__(self, sp):
        self.sp = sp
        self.open = {}
        for k in self.KINDS:
            self.open[k] = self.connect(k)

    def connect(self, kind):
        sess = rawspice.open_session(self.sp.port, "pw")
        comp = (rawspice.DISPLAY_CAP_COMPOSITE,)
        if kind == "ws":
            res, ws = wsclient.link(self.sp.port, "pw", channel_type=rawlink.CHANNEL_DISPLAY,
                                    connection_id=sess.session_id, channel_caps=(0,))
            check(res == 0, "WebSocket display link: %s" % rawlink.ERR.get(res, res))
            d = rawspice.DisplayChannel(ws, mini=True)
            d.send_init()
        elif kind == "tiny":
            d = rawspice.display_client(self.sp.port, "pw", sess.session_id, extra_caps=comp,
                                        init=False)
            d.send_init(cache_size=64 * 64 + 100)
        else:
            d = rawspice.display_client(self.sp.port, "pw", sess.session_id,
                                        lz4=kind == "lz4", extra_caps=comp)
        d.wait_mark(10)
        return sess, d

    def pump(self):
        for _s, d in self.open.values():
            d.settle(0.02, timeout=2)

    def cycle(self, kind):
        sess, d = self.open.pop(kind)
        d.close()
        sess.close()
        self.open[kind] = self.connect(kind)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float,
                    default=float(os.environ.get("SOAK_MINUTES", "10")))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-growth-kib", type=int, default=2048)
    args = ap.parse_args()

    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    # spice-gtk prefers auto_lz: under the default auto_glz a viewer whose
    # link measures slow (spice-gtk on a loaded machine) gets a GLZ
    # window, which fills up to 16 MiB over many minutes, by design, and
    # would read as a leak.
    c = spice_client.Client(port=sp.port, password="pw")
    c.session.set_property("preferred-compression", AUTO_LZ)
    c.start()
    c.wait_primary(10)
    viewers = Viewers(sp)
    worker = sp.workers("display")
    check(len(worker) == 1, "display workers: %r" % worker)
    worker = worker[0]
    rng = random.Random(args.seed)
    start = time.monotonic()
    end = start + args.minutes * 60
    samples, rounds, drawn, next_sample, lines = [], 0, 0, start, []
    print("minute  worker RSS KiB  fds  supervisor RSS KiB  fds  drawings")
    while True:
        now = time.monotonic()
        if now >= next_sample or now >= end:
            s = (now - start, rss_kib(worker), nfds(worker), rss_kib(sp.pid), nfds(sp.pid))
            samples.append(s)
            print("%6.1f  %14d  %3d  %18d  %3d  %8d" % (s[0] / 60, s[1], s[2], s[3], s[4], drawn),
                  flush=True)
            next_sample = now + 60
            if now >= end:
                break
        batch = [draw_line(rng) for _ in range(rng.randrange(1, 8))]
        lines.extend(batch)
        prod.say("; ".join(batch))
        drawn += len(batch)
        viewers.pump()
        for _ in range(5):
            spice_client._iterate(0.002)
        rounds += 1
        if rounds % 25 == 0:
            viewers.cycle(Viewers.KINDS[rounds // 25 % len(Viewers.KINDS)])
        check(sp.alive(), "spiced died")
        check(worker in sp.workers("display"), "the display worker died")

    # The end: a viewer that links now gets the worker's picture whole.
    viewers.cycle("lz4")
    last = viewers.open["lz4"][1]
    last.settle(0.5)
    try:
        c.wait_pixels(last.rgb(), 15)
    except spice_client.SpiceTimeout:
        explain(c.snapshot(), last.rgb(), lines)
        raise
    for kind, (_s, d) in viewers.open.items():
        d.settle(0.3)
        check(d.rgb() == last.rgb(), "the %s viewer's picture is not the worker's" % kind)
    half = [s for s in samples if s[0] >= samples[-1][0] / 2]
    growth = half[-1][1] - half[0][1]
    fd_growth = half[-1][2] - half[0][2]
    print("%d drawings in %d batches over %.1f min, %d viewers' cycles; worker RSS %+d KiB, "
          "descriptors %+d over the second half"
          % (drawn, rounds, samples[-1][0] / 60, rounds // 25, growth, fd_growth))
    # spiced's levels are "error", "warning", ... after "name[pid]: ".
    log = sp.log_text()
    warnings = re.findall(r"\]: warning: .*", log)
    for w in sorted(set(warnings))[:10]:
        print("spiced warned: %s" % w)
    bad = re.search(r"\]: error: .*|producer fault.*|AddressSanitizer.*|runtime error.*", log)
    check(bad is None, "spiced's log has %r" % (bad.group(0) if bad else ""))
    check(growth <= args.max_growth_kib, "the display worker grew by %d KiB" % growth)
    check(fd_growth <= 0, "the display worker holds %d more descriptors" % fd_growth)
    print("soak-display: OK")


if __name__ == "__main__":
    common.run(main)
