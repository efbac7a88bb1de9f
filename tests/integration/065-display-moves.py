#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the display worker sends when the producer moves pixels or resends
them, seen by spice-gtk (pixels) and by a raw client (messages):
COPY_BITS from the producer reaches viewers as COPY_BITS (plain and
clipped, overlapping both ways), also when the moved area still had
damage not yet sent (the copy is followed by what the viewer's own copy
got wrong), but never clipped to a WebSocket viewer (spice-html5 copies
the whole box); a solid area goes out as DRAW_FILL; a bitmap that repeats
what is on screen sends nothing; a bitmap that repeats it scrolled (a
damage-only producer's scroll) goes as COPY_BITS and the new rows only,
and so does a window it shows dragged (the uncovered background only); a viewer that stops reading while the
producer keeps moving gets images instead of copies once its window is
full, and ends with the exact picture.  The picture is modelled here and
compared pixel for pixel."""

import common
import rawlink
import rawspice
import spice_client
import wsclient
from common import check

W, H = 320, 240


class Model:
    """The screen as R,G,B bytes, drawn as the producer draws."""

    def __init__(self):
        self.px = bytearray(W * H * 3)

    def fill(self, x, y, w, h, rgb):
        c = bytes(((rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255))
        for j in range(y, y + h):
            self.px[(j * W + x) * 3:(j * W + x + w) * 3] = c * w

    def bitmap(self, x, y, w, h, seed, oy=0):
        m = 0xffffffff
        for j in range(h):
            row = bytearray(w * 3)
            for i in range(w):
                v = ((i * 73856093) & m ^ ((j + oy) * 19349663) & m ^ (seed * 83492791) & m) & 0xffffff
                row[i * 3:i * 3 + 3] = bytes((v >> 16, (v >> 8) & 255, v & 255))
            self.px[((y + j) * W + x) * 3:((y + j) * W + x + w) * 3] = row

    def scene(self, x0, y0, w, h, bg, wx, wy, ww, wh, ws):
        m = 0xffffffff

        def pat(i, j, s):
            return ((i * 73856093) & m ^ (j * 19349663) & m ^ (s * 83492791) & m) & 0xffffff
        for y in range(y0, y0 + h):
            for x in range(x0, x0 + w):
                inside = wx <= x < wx + ww and wy <= y < wy + wh
                v = pat(x - wx, y - wy, ws) if inside else pat(x, y, bg)
                self.px[(y * W + x) * 3:(y * W + x) * 3 + 3] = bytes((v >> 16, (v >> 8) & 255, v & 255))

    def copybits(self, sx, sy, x, y, w, h, clips=()):
        old = bytes(self.px)
        for j in range(y, y + h):
            spans = [(x, x + w)] if not clips else [
                (max(x, cx), min(x + w, cx + cw)) for cx, cy, cw, ch in clips
                if cy <= j < cy + ch and max(x, cx) < min(x + w, cx + cw)]
            for a, b in spans:
                s = ((sy + j - y) * W + sx + a - x) * 3
                self.px[(j * W + a) * 3:(j * W + b) * 3] = old[s:s + (b - a) * 3]


def run(prod, model, line):
    """Send one producer line and apply it to the model."""
    prod.say(line)
    for cmd in line.split(";"):
        f = cmd.split()
        v = [int(a, 16) if f[0] == "fill" and i == 4 else int(a) for i, a in enumerate(f[1:])]
        if f[0] == "fill":
            model.fill(*v)
        elif f[0] == "bitmap":
            model.bitmap(*v)
        elif f[0] == "scene":
            model.scene(*v)
        else:
            clips = [tuple(v[i:i + 4]) for i in range(6, len(v), 4)]
            model.copybits(*v[:6], clips=clips)


def same(d, model, what):
    got = d.rgb()
    check(got == bytes(model.px), "%s: raw client's picture differs in %d pixels" % (
        what, sum(1 for i in range(0, len(got), 3) if got[i:i + 3] != model.px[i:i + 3])))


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    model = Model()
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    d.wait_mark(10)
    # A black primary is one colour: it comes as a fill.
    check(d.fills >= 1 and d.draws == 0, "black primary: %d fills, %d copies" % (d.fills, d.draws))
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)
    # spice-html5's kind (WebSocket): it copies a COPY_BITS' whole box,
    # clip or not, so it gets no clipped one.
    mw = rawspice.open_session(sp.port, "pw")
    res, ws = wsclient.link(sp.port, "pw", channel_type=rawlink.CHANNEL_DISPLAY,
                            connection_id=mw.session_id, channel_caps=(0,))
    check(res == 0, "WebSocket display link: %s" % rawlink.ERR.get(res, res))
    web = rawspice.DisplayChannel(ws, mini=True)
    web.send_init()
    web.wait_mark(10)

    run(prod, model, "bitmap 0 0 320 240 1")
    c.wait_pixels(bytes(model.px), 10)
    d.settle(0.3)
    same(d, model, "first picture")

    # A plain move, down and right, overlapping its source.
    n0, draws0 = d.copy_bits, d.draws
    run(prod, model, "copybits 10 20 30 35 200 150")
    c.wait_pixels(bytes(model.px), 10)
    d.settle(0.3)
    same(d, model, "plain move")
    check(d.copy_bits == n0 + 1 and d.draws == draws0,
          "plain move: %d COPY_BITS, %d DRAW_COPY, want 1 and 0" % (d.copy_bits - n0, d.draws - draws0))

    # Up and left through a clip of two rectangles.
    n0, draws0 = d.copy_bits, d.draws
    run(prod, model, "copybits 40 50 20 10 250 180 0 0 320 60 100 100 50 100")
    c.wait_pixels(bytes(model.px), 10)
    d.settle(0.3)
    same(d, model, "clipped move")
    check(d.copy_bits == n0 + 1 and d.draws == draws0, "clipped move went as %d COPY_BITS, %d DRAW_COPY"
          % (d.copy_bits - n0, d.draws - draws0))
    web.settle(0.3)
    same(web, model, "WebSocket viewer after the moves")
    check(web.copy_bits == 1 and web.copy_bits_clipped == 0,
          "WebSocket viewer: %d COPY_BITS, %d clipped; want the plain one only"
          % (web.copy_bits, web.copy_bits_clipped))

    # Damage not yet sent inside the source when the move comes: the new
    # bitmap is moved on the server, so the viewers get the copy and then
    # the part of the destination their copy could not know.
    run(prod, model, "bitmap 60 60 40 30 7; copybits 50 50 150 120 100 80; fill 0 0 8 8 ff0000")
    c.wait_pixels(bytes(model.px), 10)
    d.settle(0.3)
    same(d, model, "move over pending damage")

    # Solid areas go as fills, and resending what is on screen sends
    # nothing: one marker fill follows the resend.
    fills0, draws0, n0 = d.fills, d.draws, d.copy_bits
    run(prod, model, "fill 5 5 100 50 00ff80")
    c.wait_pixels(bytes(model.px), 10)
    d.settle(0.3)
    same(d, model, "fill")
    check(d.fills == fills0 + 1 and d.draws == draws0, "solid area: %d fills, %d copies"
          % (d.fills - fills0, d.draws - draws0))
    run(prod, model, "bitmap 0 0 320 240 1")
    d.settle(0.3)
    draws0 = d.draws
    run(prod, model, "bitmap 0 0 320 240 1; fill 300 200 4 4 123456")
    c.wait_pixels(bytes(model.px), 10)
    d.settle(0.3)
    same(d, model, "resend")
    check(d.draws == draws0, "an unchanged bitmap sent %d DRAW_COPYs" % (d.draws - draws0))

    # A damage-only producer resends a scrolled picture: the worker finds
    # the scroll, moves what moved and sends only the new rows (plus the
    # marker fill).  Up by 24 rows, then down by 10 in rows 30-179 (their
    # new rows 30-39 are pattern rows 44-53, once at 20-29).
    run(prod, model, "bitmap 0 0 320 240 3")
    d.settle(0.3)
    for line, rows in (("bitmap 0 0 320 240 3 24", 24), ("bitmap 0 30 320 150 3 44", 10)):
        n0, drawn0 = d.copy_bits, d.drawn
        run(prod, model, line + "; fill 316 0 4 4 654321")
        c.wait_pixels(bytes(model.px), 10)
        d.settle(0.3)
        same(d, model, "scroll " + line)
        check(d.copy_bits == n0 + 1, "%s: %d COPY_BITS, want 1" % (line, d.copy_bits - n0))
        w = int(line.split()[3])
        check(d.drawn - drawn0 <= w * rows, "%s: %d pixels sent as images, want at most %d"
              % (line, d.drawn - drawn0, w * rows))

    # A window dragged down and right, then up and left, by a damage-only
    # producer that resends the whole screen: the window goes as one
    # COPY_BITS, only the background it uncovered as pixels.
    run(prod, model, "scene 0 0 320 240 1 20 20 100 80 5")
    d.settle(0.3)
    for wx, wy in ((37, 45), (8, 31)):
        n0, drawn0 = d.copy_bits, d.drawn
        run(prod, model, "scene 0 0 320 240 1 %d %d 100 80 5" % (wx, wy))
        c.wait_pixels(bytes(model.px), 10)
        d.settle(0.3)
        same(d, model, "window dragged to %d,%d" % (wx, wy))
        check(d.copy_bits == n0 + 1, "window drag: %d COPY_BITS, want 1" % (d.copy_bits - n0))
        check(d.drawn - drawn0 < 100 * 80, "window drag: %d pixels sent as images, the window has %d"
              % (d.drawn - drawn0, 100 * 80))

    # A second raw viewer stops reading while the producer keeps moving:
    # once its window is full it is owed images, not copies.
    m2 = rawspice.open_session(sp.port, "pw")
    d2 = rawspice.display_client(sp.port, "pw", m2.session_id)
    d2.wait_mark(10)
    d2.settle(0.3)
    n0 = d.copy_bits
    for k in range(40):
        run(prod, model, "copybits %d 0 %d 0 300 240; fill %d 0 1 240 %06x"
            % ((k + 1) % 2, k % 2, (k * 7) % 300, k * 0x030507))
        d.pump(0.05)
    c.wait_pixels(bytes(model.px), 10)
    d.settle(0.3)
    same(d, model, "reading viewer after 40 moves")
    d2.settle(0.5)
    same(d2, model, "viewer that stalled")
    check(0 < d2.copy_bits < 40 and d2.draws > 0,
          "stalled viewer: %d COPY_BITS and %d DRAW_COPY, want some copies, then images"
          % (d2.copy_bits, d2.draws))
    check(d.copy_bits - n0 == 40, "the viewer that kept reading got %d COPY_BITS for 40 moves"
          % (d.copy_bits - n0))
    check(d.unknown == [] and d2.unknown == [], "unknown messages %r %r" % (d.unknown, d2.unknown))
    check(sp.alive(), "spiced died")


common.run(main)
