#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every QXL draw type a producer may send, drawn by the display worker
and seen by spice-gtk pixel for pixel against a rendering modelled here:
FILL with each ROP descriptor operator (with and without the inversion
flags), pattern brushes, 1-bit masks (inverted too), ROP3 codes, OPAQUE,
TRANSPARENT, ALPHA_BLEND (of an opaque source, and of one with alpha of
its own), COMPOSITE through a transform and through an alpha mask (OVER
and SRC), an 8-bit palette bitmap, A1, A4
and A8 text (spice-gtk draws A1 and A4 strings, lines, colour keys, alpha
blends and composites without transforms itself from the commands, 074,
075), strokes, BLACKNESS, WHITENESS, INVERS, and
images the producer compressed: QUIC and LZ exact, JPEG within a few
levels.  The
model spells out SPICE's semantics (the named raster operations of
spice-common's canvas, pixman's rounding for blends); the producer is
tests/tools/script-producer (script-draw.h).  Then a string whose glyph
claims more bits than it has is dropped with its reason in the log, and
the display goes on."""

import math

import common
import spice_client
from common import check
from rawdraw import over, round_div

W, H = 320, 240
M = 0xffffffff

PUT, OR, AND, XOR = 1 << 3, 1 << 4, 1 << 5, 1 << 6
BLACKNESS, WHITENESS, INVERS = 1 << 7, 1 << 8, 1 << 9
INV_SRC, INV_BRUSH, INV_DEST, INV_RES = 1, 2, 4, 1 << 10

# The named operations of SPICE's canvas, f(s, d) on 24 bits.
NAMED = {
    "clear": lambda s, d: 0, "and": lambda s, d: s & d,
    "and_reverse": lambda s, d: s & ~d, "copy": lambda s, d: s,
    "and_inverted": lambda s, d: ~s & d, "noop": lambda s, d: d,
    "xor": lambda s, d: s ^ d, "or": lambda s, d: s | d,
    "nor": lambda s, d: ~s & ~d, "equiv": lambda s, d: ~s ^ d,
    "invert": lambda s, d: ~d, "or_reverse": lambda s, d: s | ~d,
    "copy_inverted": lambda s, d: ~s, "or_inverted": lambda s, d: ~s | d,
    "nand": lambda s, d: ~s | ~d, "set": lambda s, d: M,
}
# Index: (inverted result, inverted input, inverted destination).
OR_T = ("or", "or_reverse", "or_inverted", "nand", "nor", "and_inverted", "and_reverse", "and")
AND_T = ("and", "and_reverse", "and_inverted", "nor", "nand", "or_inverted", "or_reverse", "or")
XOR_T = ("xor", "equiv", "equiv", "xor", "equiv", "xor", "xor", "equiv")


def ropd(desc, inv_in, inv_dst):
    """SPICE's reading of a ROP descriptor, as a function of (s, d)."""
    i = (4 if desc & INV_RES else 0) | (2 if desc & inv_in else 0) | (1 if desc & inv_dst else 0)
    if desc & PUT:
        name = "copy_inverted" if ((i >> 2) ^ (i >> 1)) & 1 else "copy"
    elif desc & OR:
        name = OR_T[i]
    elif desc & AND:
        name = AND_T[i]
    elif desc & XOR:
        name = XOR_T[i]
    elif desc & BLACKNESS:
        name = "clear"
    elif desc & WHITENESS:
        name = "set"
    elif desc & INVERS:
        name = "invert"
    else:
        name = "copy"
    f = NAMED[name]
    return lambda s, d: f(s, d) & 0xffffff


def rop3(code, p, s, d):
    r = 0
    for k in range(8):
        if code >> k & 1:
            r |= (p if k & 4 else ~p) & (s if k & 2 else ~s) & (d if k & 1 else ~d)
    return r & 0xffffff


def pat(i, j, s):
    return ((i * 73856093) & M ^ (j * 19349663) & M ^ (s * 83492791) & M) & 0xffffff


def photo(i, j, s):
    """script-producer's photo (to a level: C and Python may round a
    sine differently)."""
    r = int(128 + 100 * math.sin(i / 9.0 + s) * math.cos(j / 11.0))
    g = int(128 + 100 * math.sin(j / 7.0) * math.cos(i / 13.0 + s))
    b = int(128 + 100 * math.sin((i + j) / 10.0))
    return r << 16 | g << 8 | b


class Model:
    def __init__(self):
        self.px = [0] * (W * H)

    def rgb(self):
        out = bytearray(W * H * 3)
        for k, v in enumerate(self.px):
            out[k * 3:k * 3 + 3] = bytes((v >> 16, v >> 8 & 255, v & 255))
        return bytes(out)

    def box(self, x, y, w, h, f):
        """px = f(i, j, X, Y, old) over the box (i, j inside it)."""
        for j in range(h):
            for i in range(w):
                k = (y + j) * W + x + i
                self.px[k] = f(i, j, x + i, y + j, self.px[k])

    def apply(self, line):
        f = line.split()
        v = [a if (f[0], n) in WORDS else int(a, 16) if (f[0], n) in HEX else int(a)
             for n, a in enumerate(f[1:])]
        getattr(self, f[0].replace("-", "_"))(*v)

    def bitmap(self, x, y, w, h, s):
        self.box(x, y, w, h, lambda i, j, X, Y, d: pat(i, j, s))

    def ropfill(self, x, y, w, h, rgb, desc):
        op = ropd(desc, INV_BRUSH, INV_DEST)
        self.box(x, y, w, h, lambda i, j, X, Y, d: op(rgb, d))

    def patfill(self, x, y, w, h, s, px, py, desc):
        op = ropd(desc, INV_BRUSH, INV_DEST)
        self.box(x, y, w, h, lambda i, j, X, Y, d: op(pat((X - px) % 8, (Y - py) % 8, s), d))

    def maskfill(self, x, y, w, h, rgb, inv):
        self.box(x, y, w, h, lambda i, j, X, Y, d: rgb if ((i >> 2) ^ (j >> 2) ^ inv) & 1 else d)

    def ropcopy(self, x, y, w, h, s, desc):
        op = ropd(desc, INV_SRC, INV_DEST)
        self.box(x, y, w, h, lambda i, j, X, Y, d: op(pat(i, j, s), d))

    def rop3solid(self, x, y, w, h, code, s, rgb):
        self.box(x, y, w, h, lambda i, j, X, Y, d: rop3(code, rgb, pat(i, j, s), d))

    def rop3(self, x, y, w, h, code, s, px=0, py=0):
        self.box(x, y, w, h, lambda i, j, X, Y, d: rop3(
            code, pat((X - px) % 8, (Y - py) % 8, s + 1), pat(i, j, s), d))

    def opaque(self, x, y, w, h, s, rgb, desc):
        op = ropd(desc, INV_BRUSH, INV_SRC)
        self.box(x, y, w, h, lambda i, j, X, Y, d: op(rgb, pat(i, j, s)))

    def scaled(self, x, y, w, h, sw, sh, s, mode, desc=PUT):
        """Nearest: pixman with SPICE's canvas's truncated scale factor,
        a pixel's centre mapped, the sample just left of it."""
        fx, fy = (sw << 16) // w, (sh << 16) // h
        xs = [(((fx * ((i << 16) + 0x8000)) >> 16) - 1) >> 16 for i in range(w)]
        ys = [(((fy * ((j << 16) + 0x8000)) >> 16) - 1) >> 16 for j in range(h)]
        op = ropd(desc, INV_SRC, INV_DEST)
        self.box(x, y, w, h, lambda i, j, X, Y, d: op(pat(xs[i], ys[j], s), d))

    def patopaque(self, x, y, w, h, s, desc, px, py):
        op = ropd(desc, INV_BRUSH, INV_SRC)
        self.box(x, y, w, h, lambda i, j, X, Y, d: op(
            pat((X - px) % 8, (Y - py) % 8, s + 1), pat(i, j, s)))

    def transparent(self, x, y, w, h, s, key):
        self.box(x, y, w, h, lambda i, j, X, Y, d: d if (i + j) % 3 == 0 else pat(i, j, s))

    def alphablend(self, x, y, w, h, s, a):
        self.box(x, y, w, h, lambda i, j, X, Y, d: over(pat(i, j, s), a, d))

    def alphaicon(self, x, y, w, h, s, a):
        def f(i, j, X, Y, d):
            c, sa = self.icon_px(i, j, s)
            return over(c, a, d, sa)
        self.box(x, y, w, h, f)

    @staticmethod
    def icon_px(i, j, s):
        """alphaicon's source pixel: (premultiplied colour, alpha)."""
        sa, c = (37 * i + 23 * j) & 255, pat(i, j, s)
        return sum((c >> sh & 255) * sa // 255 << sh for sh in (0, 8, 16)), sa

    def compositemask(self, x, y, w, h, s, op):
        def f(i, j, X, Y, d):
            c, sa = self.icon_px(i, j, s)
            return over(c, (8 * i + 4 * j) & 255, d if op == 3 else 0, sa)
        self.box(x, y, w, h, f)

    def compositetext(self, x, y, w, h, rgb):
        self.box(x, y, w, h, lambda i, j, X, Y, d: over(rgb, (8 * i + 4 * j) & 255, d))

    def composite(self, x, y, w, h, s):
        self.box(x, y, w, h, lambda i, j, X, Y, d: pat(i // 2, j // 2, s))

    def compressed(self, codec, x, y, w, h, s):
        self.box(x, y, w, h, lambda i, j, X, Y, d: photo(i, j, s) if codec == "jpeg"
                 else pat(i, j, s))

    def palette(self, x, y, w, h):
        ents = (0xff0000, 0x00ff00, 0x0000ff, 0xffffff, 0x808080)
        self.box(x, y, w, h, lambda i, j, X, Y, d: ents[(i + 2 * j) % 5])

    def text(self, x, y, rgb):
        for k in range(3):
            self.box(x + k * 12, y - 12, 10, 12,
                     lambda i, j, X, Y, d: rgb if (i * j + i + 2 * j) % 3 == 0 else d)

    def text4(self, x, y, rgb):
        for k in range(3):
            self.box(x + k * 11, y - 12, 9, 12,
                     lambda i, j, X, Y, d, k=k: over(rgb, ((i + 2 * j + 5 * k) & 15) * 16, d))

    def textback(self, x, y, rgb, back):
        self.box(x, y - 12, 36, 12, lambda i, j, X, Y, d: back)
        self.text(x, y, rgb)

    def text8(self, x, y, rgb):
        for k in range(3):
            self.box(x + k * 10, y - 12, 8, 12,
                     lambda i, j, X, Y, d, k=k: over(rgb, (i * 16 + j * 8 + k * 40) & 255, d))

    def stroke(self, rgb, *xy):
        self.ropstroke(rgb, PUT, *xy)

    def ropstroke(self, rgb, desc, *xy):
        self.dashstroke(rgb, desc, 1, 0, *xy)

    def dashstroke(self, rgb, desc, on, off, *xy):
        """Each line without its last pixel, stepped along its longer
        axis, the other coordinate rounded, a half away from the start
        unless the longer axis decreases (X's zero-width lines with
        their default bias); dashed, the steps counted along the
        polyline from its start, on pixels drawn, then off not; the
        descriptor applied once to each pixel of the stroke, however
        many lines cross there (the worker's drawing: spice-gtk, which
        paints each line on its own, is sent an image of the pixels two
        lines paint)."""
        op, drawn, pos = ropd(desc, INV_BRUSH, INV_DEST), set(), 0
        for (x0, y0), (x1, y1) in zip(zip(xy[0::2], xy[1::2]), zip(xy[2::2], xy[3::2])):
            dx, dy = x1 - x0, y1 - y0
            n = max(abs(dx), abs(dy))
            bias = int(dx < 0) if abs(dx) > abs(dy) else int(dy < 0)
            for i in range(n):
                X, Y = x0 + round_div(i * dx, n, bias), y0 + round_div(i * dy, n, bias)
                if 0 <= X < W and 0 <= Y < H and (pos + i) % (on + off) < on:
                    drawn.add(Y * W + X)
            pos += n
        for k in drawn:
            self.px[k] = op(rgb, self.px[k])

    def blackness(self, x, y, w, h):
        self.box(x, y, w, h, lambda i, j, X, Y, d: 0)

    def whiteness(self, x, y, w, h):
        self.box(x, y, w, h, lambda i, j, X, Y, d: 0xffffff)

    def invers(self, x, y, w, h):
        self.box(x, y, w, h, lambda i, j, X, Y, d: ~d & 0xffffff)


# Arguments that are words, per command (position after the name).
WORDS = {("compressed", 0)}
# Arguments written in hex, per command (position after the name).
HEX = {("ropfill", 4), ("ropfill", 5), ("patfill", 7), ("maskfill", 4), ("rop3", 4),
       ("compositetext", 4), ("ropcopy", 5), ("rop3solid", 4), ("rop3solid", 6),
       ("opaque", 5), ("opaque", 6), ("patopaque", 5), ("scaled", 8), ("transparent", 5), ("text", 2), ("text8", 2),
       ("text4", 2), ("textback", 2), ("textback", 3),
       ("stroke", 0), ("ropstroke", 0), ("ropstroke", 1), ("dashstroke", 0),
       ("dashstroke", 1)}


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    model = Model()
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)

    def batch(what, lines):
        for line in lines:
            prod.say(line)
            model.apply(line)
        try:
            c.wait_pixels(model.rgb(), 15)
        except spice_client.SpiceTimeout as e:
            raise AssertionError("%s: %s" % (what, e))

    batch("background", ["bitmap 0 0 320 240 1"])

    # Every operator, plain and with each inversion flag, on FILL: 8 x 5
    # boxes of 40 x 12 over the patterned background.
    ops = (PUT, OR, AND, XOR, BLACKNESS, WHITENESS, INVERS, 0)
    flags = (0, INV_BRUSH, INV_DEST, INV_RES, INV_BRUSH | INV_DEST | INV_RES)
    batch("ROP descriptors", ["ropfill %d %d 40 12 3c5aa5 %x" % (40 * a, 12 * b, op | fl)
                              for a, op in enumerate(ops) for b, fl in enumerate(flags)])

    batch("pattern brushes and masks", [
        "patfill 0 70 60 30 7 3 -2 %x" % PUT,
        "patfill 60 70 60 30 9 0 0 %x" % (XOR | INV_BRUSH),
        "maskfill 120 70 45 30 ff8000 0",
        "maskfill 165 70 45 30 0080ff 1",
    ])
    # COPY with each operator and inversion: the worker's, and spice-gtk's
    # own drawing of the copies forwarded.
    batch("COPY with ROP descriptors", ["ropcopy %d %d 40 12 %d %x" % (
        40 * a, 70 + 12 * b, 20 + a, op | fl)
        for a, op in enumerate((OR, AND, XOR, PUT))
        for b, fl in enumerate((0, INV_SRC, INV_DEST, INV_RES))])
    # ROP3 with a solid brush: spice-gtk draws these itself (DRAW_ROP3,
    # DRAW_OPAQUE for 0xc0, DRAW_FILL for 0x5a and 0x0f).
    batch("ROP3 with a solid brush", ["rop3solid %d 190 40 20 %x %d %06x" % (
        40 * k, code, 30 + k, 0x3c96f0 ^ (k * 0x111111))
        for k, code in enumerate((0xb8, 0x66, 0x1e, 0xe2, 0x5a, 0x96, 0x0f, 0xc0))])
    # ... and with a pattern brush (DRAW_ROP3, DRAW_OPAQUE for 0x3c,
    # DRAW_FILL for 0x5a), off the tiles' grid and from a brush position
    # left of and above the box and right of and below it.
    batch("ROP3", ["rop3 %d 100 40 24 %x 11" % (40 * k, code)
                   for k, code in enumerate((0xb8, 0x66, 0x1e, 0xe2, 0x5a, 0x96, 0xcc, 0x00))] +
          ["rop3 %d %d 37 9 %x 11 %d %d" % (3 + 40 * k, 103 + 3 * (k & 1), code, px, py)
           for k, (code, px, py) in enumerate(((0xb8, 2, 5), (0x3c, 45, 120), (0x5a, -3, 1),
                                                (0xe2, 300, -7), (0x96, 0, 0)))])
    batch("OPAQUE with a pattern brush", [
        "patopaque 200 110 37 11 16 %x 3 -2" % (XOR | INV_SRC),
        "patopaque 240 113 41 9 16 %x 255 250" % (AND | INV_RES),
        "patopaque 283 104 30 14 16 %x 0 0" % PUT,
    ])
    batch("OPAQUE, TRANSPARENT, ALPHA_BLEND, COMPOSITE, palette", [
        "opaque 0 130 50 30 4 0f0ff0 %x" % (XOR | INV_SRC),
        "opaque 50 130 50 30 5 00ff00 %x" % (AND | INV_RES),
        "transparent 100 130 50 30 6 00ff00",
        "alphablend 150 130 50 30 8 96",
        "composite 200 130 40 30 12",
        "palette 240 130 80 30",
    ])
    # An icon with alpha of its own, opaque and faded, partly over another.
    batch("ALPHA_BLEND of an RGBA source", [
        "alphaicon 250 60 40 30 13 255",
        "alphaicon 270 75 40 30 13 200",
    ])
    # COMPOSITE without transforms, through an alpha mask: an RGBA icon
    # OVER and SRC, and a colour (a 1x1 source, repeated) as text is.
    batch("COMPOSITE through a mask", [
        "compositemask 250 160 40 30 14 3",
        "compositemask 270 175 30 20 15 1",
        "compositetext 200 100 50 25 ff8040",
    ])
    batch("text, strokes, BLACKNESS, WHITENESS, INVERS", [
        "text 10 190 ffff00",
        "text8 60 190 ff00ff",
        "text4 10 210 00ffff",
        "textback 60 210 ff0000 203040",
        "stroke ffffff 100 170 200 175 150 230 100 170",
        "stroke 00ff00 -50 235 400 200",
        # XOR: a closed rectangle (drawn by spice-gtk), lines that cross
        # (an image).
        "ropstroke 3c5aa5 %x 20 150 90 150 90 185 20 185 20 150" % XOR,
        "ropstroke c0ffee %x 200 20 300 60 300 20 200 60" % XOR,
        # Dashed (spice-gtk is sent each line clipped to its dashes): a
        # rectangle, a steep and a shallow line, lines that cross in XOR
        # (the pixels two dashes paint as an image), a line leaving the
        # picture.
        "dashstroke ff00ff %x 6 3 130 20 190 20 190 60 130 60 130 20" % PUT,
        "dashstroke 00ffff %x 5 2 10 230 60 140 150 235" % PUT,
        "dashstroke c0ffee %x 4 4 200 70 300 110 300 70 200 110" % XOR,
        "dashstroke ffff00 %x 7 3 250 230 330 200" % PUT,
        "blackness 210 170 20 20",
        "whiteness 235 170 20 20",
        "invers 260 170 50 60",
    ])

    batch("images compressed by the producer", [
        "compressed quic 0 0 100 60 21",
        "compressed lz 100 0 100 60 22",
    ])
    # JPEG: lossy, so within a few levels of the picture it was made of;
    # then the model takes what the viewer shows there.
    prod.say("compressed jpeg 200 0 100 60 23")
    jm = Model()
    jm.px = list(model.px)
    jm.compressed("jpeg", 200, 0, 100, 60, 23)
    want = jm.rgb()

    def close():
        got = c.snapshot()
        worst = max(abs(got[k] - want[k]) for y in range(60)
                    for k in range((y * W + 200) * 3, (y * W + 300) * 3))
        return worst <= 24 and got[:(200) * 3] == want[:(200) * 3]
    c.wait_until(close, 15, "the JPEG image within 24 levels")
    got = c.snapshot()
    for y in range(60):
        for x in range(200, 300):
            k = (y * W + x) * 3
            model.px[y * W + x] = got[k] << 16 | got[k + 1] << 8 | got[k + 2]

    # Copies stretched, nearest (spice-gtk draws them from the source:
    # 2x, and ratios the canvas's truncated factor rounds).
    batch("scaled copies", [
        "scaled 10 70 80 60 40 30 31 1",
        "scaled 100 70 70 45 40 30 32 1",
        "scaled 180 70 53 60 17 20 33 1",
        "scaled 240 70 64 40 25 13 34 1",
        "scaled 20 140 70 45 40 30 35 1 %x" % (XOR | INV_SRC),
        "scaled 120 140 53 60 17 20 36 1 %x" % AND,
    ])

    # A producer fault: dropped with its reason, the display goes on.
    prod.say("badtext 5 5")
    sp.wait_log(r"dropped QXL command at .*: text: string: glyph 0 needs 64 bytes, 4 left", 10)
    batch("after a bad string", ["ropfill 0 220 320 20 123456 %x" % PUT])
    check(sp.alive(), "spiced died")


common.run(main)
