#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fills a producer draws (FILL with a solid or an 8x8 pattern brush and
any ROP descriptor, BLACKNESS, WHITENESS, INVERS, a FILL through a mask)
reach viewers as fills, not pixels: a raw client that keeps up gets one
DRAW_FILL for each, in a plain descriptor of the same meaning, a
pattern as a small bitmap, the mask's area as clip rectangles, and no
image; a COPY of a bitmap of one colour is a fill too.  A raw client
that stops reading gets fills until its
window is full, then the rest as images of what the worker drew, and
ends with the same picture; so does spice-gtk, which draws every fill
itself, and a WebSocket client (spice-html5 ignores clips and ROPs),
which gets only whole boxes put in one colour and images for the
rest.  Viewers are compared pixel for pixel with each other: 066 checks
the worker's own drawing against a model."""

import random

import common
import ppm
import rawdraw
import rawlink
import rawspice
import spice_client
import wsclient
from common import check

W, H = 320, 240
PUT, OR, AND, XOR = 1 << 3, 1 << 4, 1 << 5, 1 << 6
INV_BRUSH, INV_DEST, INV_RES = 2, 4, 1 << 10


def fills(rng, n):
    """n fill lines of every kind over the picture."""
    out = []
    for k in range(n):
        w, h = rng.randrange(8, 140), rng.randrange(6, 90)
        x, y = rng.randrange(0, W - w), rng.randrange(0, H - h)
        kind = k % 9
        if kind == 8:
            op = rng.choice((PUT, XOR, AND | INV_BRUSH, OR | INV_RES))
            out.append("patfill %d %d %d %d %d %d %d %x" % (x, y, w, h, rng.randrange(100),
                                                            rng.randrange(-8, 8),
                                                            rng.randrange(-8, 8), op))
        elif kind < 5:
            op = (PUT, OR, AND, XOR, XOR)[kind]
            flags = rng.choice((0, INV_BRUSH, INV_DEST, INV_RES, INV_BRUSH | INV_RES))
            out.append("ropfill %d %d %d %d %06x %x" % (x, y, w, h, rng.randrange(1 << 24), op | flags))
        else:
            out.append("%s %d %d %d %d" % (("invers", "blackness", "whiteness")[kind - 5], x, y, w, h))
    return out


def diff(a, b):
    return ppm.describe_diff(ppm.diff(a, b, W, H))


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    sessions = [rawspice.open_session(sp.port, "pw") for _ in range(3)]
    fast = rawspice.display_client(sp.port, "pw", sessions[0].session_id)
    slow = rawspice.display_client(sp.port, "pw", sessions[1].session_id)
    res, ws = wsclient.link(sp.port, "pw", channel_type=rawlink.CHANNEL_DISPLAY,
                            connection_id=sessions[2].session_id, channel_caps=(0,))
    check(res == 0, "WebSocket display link: %s" % rawlink.ERR.get(res, res))
    web = rawspice.DisplayChannel(ws, mini=True)
    web.send_init()
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)

    prod.say("bitmap 0 0 320 240 1")
    for d in (fast, slow, web):
        d.wait_mark(10)
        d.settle(0.3)
    picture = fast.rgb()
    check(slow.rgb() == picture and web.rgb() == picture, "first picture differs between viewers")
    c.wait_pixels(picture, 10)

    # Fills in batches of ten; the fast viewer reads after each, the slow
    # one not at all.
    rng = random.Random(73)
    lines = fills(rng, 90)
    patterns = sum(line.startswith("patfill") for line in lines)
    draws0, fills0, seen0, slow_fills0 = fast.draws, fast.fills, len(fast.received), slow.fills
    patterns0 = fast.fill_patterns
    for i in range(0, len(lines), 10):
        prod.say("; ".join(lines[i:i + 10]))
        fast.settle(0.15)
        web.settle(0.05)
    fast.settle(0.3)
    check(fast.draws == draws0, "fills sent as %d images to a viewer that keeps up" % (fast.draws - draws0))
    check(fast.fills - fills0 == len(lines), "%d fills drawn, %d DRAW_FILL" % (len(lines), fast.fills - fills0))
    plain = {rawdraw.ROPD_OP_PUT, rawdraw.ROPD_OP_OR | rawdraw.ROPD_INVERS_RES,
             rawdraw.ROPD_OP_XOR, rawdraw.ROPD_OP_INVERS, rawdraw.ROPD_OP_BLACKNESS,
             rawdraw.ROPD_OP_WHITENESS}
    check(plain <= set(fast.fill_rops), "descriptors seen: %s" % sorted(fast.fill_rops))
    check(fast.fill_patterns - patterns0 == patterns, "%d pattern fills, %d with a pattern brush"
          % (patterns, fast.fill_patterns - patterns0))
    sent = sum(size for _t, size in fast.received[seen0:])
    check(sent < 60 * (len(lines) - patterns) + 400 * patterns,
          "%d fills (%d with a pattern) cost %d bytes" % (len(lines), patterns, sent))
    after = fast.rgb()
    check(after != picture, "the fills changed nothing")
    c.wait_pixels(after, 10)

    # A fill through a mask: its area as clip rectangles.
    clipped0 = fast.fill_clipped
    prod.say("maskfill 120 70 45 30 ff8000 0")
    fast.settle(0.3)
    check(fast.fill_clipped == clipped0 + 1 and fast.draws == draws0,
          "masked fill: %d clipped fills, %d images" % (fast.fill_clipped - clipped0,
                                                         fast.draws - draws0))
    masked = fast.rgb()
    c.wait_pixels(masked, 10)

    # A bitmap of one colour (what a damage-only producer reads of a new
    # background) is a fill too; sent again over itself, it is nothing.
    fills0, seen0 = fast.fills, len(fast.received)
    prod.say("solid 10 150 300 80 3366cc")
    fast.settle(0.3)
    check(fast.fills == fills0 + 1 and fast.draws == draws0,
          "one-colour bitmap: %d fills, %d images" % (fast.fills - fills0, fast.draws - draws0))
    prod.say("solid 10 150 300 80 3366cc")
    fast.settle(0.3)
    check(len(fast.received) == seen0 + 1, "the same one-colour bitmap again: %d messages"
          % (len(fast.received) - seen0 - 1))
    masked = fast.rgb()
    check(masked[(160 * W + 20) * 3:(160 * W + 21) * 3] == bytes((0x33, 0x66, 0xcc)),
          "the one-colour bitmap's area is not its colour")
    c.wait_pixels(masked, 10)

    # The slow viewer was sent fills until its window was full, then
    # images; once it reads it has the same picture.
    slow.settle(0.5, timeout=20)
    check(slow.fills > slow_fills0 and slow.draws > 0,
          "the viewer that stopped reading got %d fills, %d images" % (slow.fills - slow_fills0,
                                                                       slow.draws))
    check(slow.rgb() == masked, "viewer that stopped reading: %s" % diff(slow.rgb(), masked))

    # spice-html5's kind: whole boxes put in one colour only.
    web.settle(0.3)
    check(set(web.fill_rops) <= {rawdraw.ROPD_OP_PUT} and web.fill_clipped == 0,
          "WebSocket viewer got descriptors %s, %d clipped" % (sorted(web.fill_rops), web.fill_clipped))
    check(web.rgb() == masked, "WebSocket viewer: %s" % diff(web.rgb(), masked))
    check(sp.alive(), "spiced died")


common.run(main)
