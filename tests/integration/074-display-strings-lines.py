#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Strings and lines a producer draws (TEXT of A1 or A4 glyphs in solid
colours, with or without a back area; STROKE polylines in a solid colour
on the picture, Bezier curves flattened as spice-common's canvas
flattens them, in XOR too, lines that cross with the pixels where they
cross, which spice-gtk paints twice; dashed lines, a path each clipped
to its dashes, a shallow one in parts whose dashes share no row, which
spice-gtk's clipping would cut wrong otherwise) reach viewers as strings
and paths,
not pixels: a raw client that keeps up gets one DRAW_TEXT or DRAW_STROKE
for each and no other image, for fewer bytes than the same drawing costs as images (a
WebSocket client's, which gets images: spice-html5 draws neither).  A8
glyphs, which spice-common's canvas reads a row off, go as the colour
through their coverage (DRAW_COMPOSITE) to a client that announced
composites; lines leaving the picture go as images.  A raw client that stops reading gets strings
and paths until its window is full, then images, and ends with the same
picture; so do spice-gtk, which draws every string and line itself, and
the WebSocket client, whose images are the worker's own drawing: the
worker steps lines as spice-gtk does (X's zero-width lines), halves
included.  066 checks spice-gtk's drawing of each kind against a
model."""

import random

import common
import ppm
import rawlink
import rawspice
import spice_client
import wsclient
from common import check

W, H = 320, 240


def strings(rng, n):
    """n text lines of the three kinds spiced forwards."""
    out = []
    for k in range(n):
        x, y = rng.randrange(0, W - 40), rng.randrange(12, H)
        rgb = rng.randrange(1 << 24)
        kind = k % 3
        if kind == 0:
            out.append("text %d %d %06x" % (x, y, rgb))
        elif kind == 1:
            out.append("text4 %d %d %06x" % (x, y, rgb))
        else:
            out.append("textback %d %d %06x %06x" % (x, y, rgb, rng.randrange(1 << 24)))
    return out


def polylines(rng, n):
    """n stroke lines of 2 to 5 points on the picture, every direction;
    short steps make halves (ties) common."""
    out = []
    for _ in range(n):
        pts = []
        for _ in range(rng.randrange(2, 6)):
            if pts and rng.random() < 0.5:
                x = min(W - 1, max(0, pts[-2] + rng.randrange(-6, 7)))
                y = min(H - 1, max(0, pts[-1] + rng.randrange(-6, 7)))
            else:
                x, y = rng.randrange(W), rng.randrange(H)
            pts += [x, y]
        out.append("stroke %06x %s" % (rng.randrange(1 << 24), " ".join(map(str, pts))))
    return out


def diff(a, b):
    return ppm.describe_diff(ppm.diff(a, b, W, H))


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    sessions = [rawspice.open_session(sp.port, "pw") for _ in range(3)]
    fast = rawspice.display_client(sp.port, "pw", sessions[0].session_id,
                                   extra_caps=(rawspice.DISPLAY_CAP_COMPOSITE,))
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

    # Strings in batches of ten; the fast viewer reads after each, the
    # slow one not at all.
    rng = random.Random(74)
    lines = strings(rng, 60)
    draws0, texts0, seen0, slow_texts0 = fast.draws, fast.texts, len(fast.received), slow.texts
    web_seen0 = len(web.received)
    for i in range(0, len(lines), 10):
        prod.say("; ".join(lines[i:i + 10]))
        fast.settle(0.15)
        web.settle(0.05)
    fast.settle(0.3)
    web.settle(0.3)
    check(fast.draws == draws0, "strings sent as %d images to a viewer that keeps up"
          % (fast.draws - draws0))
    check(fast.texts - texts0 == len(lines), "%d strings drawn, %d DRAW_TEXT"
          % (len(lines), fast.texts - texts0))
    check(web.texts == 0, "the WebSocket viewer got %d DRAW_TEXT" % web.texts)
    sent = sum(size for _t, size in fast.received[seen0:])
    as_images = sum(size for _t, size in web.received[web_seen0:])
    print("%d strings: %d bytes as DRAW_TEXT, %d as images" % (len(lines), sent, as_images))
    check(sent * 2 < as_images, "%d strings cost %d bytes, as images %d" % (len(lines), sent, as_images))
    after = fast.rgb()
    check(after != picture, "the strings changed nothing")
    check(web.rgb() == after, "WebSocket viewer: %s" % diff(web.rgb(), after))
    c.wait_pixels(after, 10)

    # Lines: one DRAW_STROKE each, fewer bytes than as images; the
    # WebSocket viewer's images of the worker's lines and spice-gtk's own
    # lines are the same pixels.
    paths = polylines(rng, 40)
    draws1, strokes0, seen1, web_seen1 = fast.draws, fast.strokes, len(fast.received), len(web.received)
    for i in range(0, len(paths), 10):
        prod.say("; ".join(paths[i:i + 10]))
        fast.settle(0.15)
        web.settle(0.05)
    fast.settle(0.3)
    web.settle(0.3)
    check(fast.draws == draws1, "lines sent as %d images to a viewer that keeps up"
          % (fast.draws - draws1))
    check(fast.strokes - strokes0 == len(paths), "%d lines drawn, %d DRAW_STROKE"
          % (len(paths), fast.strokes - strokes0))
    check(web.strokes == 0, "the WebSocket viewer got %d DRAW_STROKE" % web.strokes)
    sent = sum(size for _t, size in fast.received[seen1:])
    as_images = sum(size for _t, size in web.received[web_seen1:])
    print("%d lines: %d bytes as DRAW_STROKE, %d as images" % (len(paths), sent, as_images))
    check(sent * 2 < as_images, "%d lines cost %d bytes, as images %d" % (len(paths), sent, as_images))
    lined = fast.rgb()
    check(lined != after, "the lines changed nothing")
    check(web.rgb() == lined, "WebSocket viewer (the worker's lines): %s" % diff(web.rgb(), lined))
    c.wait_pixels(lined, 10)
    # A line leaving the picture: images.
    prod.say("stroke ff8000 10 10 400 100")
    fast.settle(0.3)
    check(fast.strokes - strokes0 == len(paths) and fast.draws > draws1,
          "a line leaving the picture: %d more DRAW_STROKE, %d images"
          % (fast.strokes - strokes0 - len(paths), fast.draws - draws1))
    draws0 = fast.draws

    # XOR lines (a rubber band): a closed rectangle, whose corners no two
    # lines paint, as DRAW_STROKE; lines that cross, which spice-gtk
    # paints twice where they cross (XORed back) and the worker once, as
    # DRAW_STROKE and then those few pixels as an image.  The raw client
    # paints each line on its own, as the canvas does.
    strokes1 = fast.strokes
    prod.say("ropstroke 3c5aa5 40 30 40 130 40 130 120 30 120 30 40")
    fast.settle(0.3)
    check(fast.strokes - strokes1 == 1 and fast.draws == draws0,
          "an XOR rectangle: %d DRAW_STROKE, %d images" % (fast.strokes - strokes1,
                                                           fast.draws - draws0))
    drawn0 = fast.drawn
    prod.say("ropstroke c0ffee 40 200 20 300 60 300 20 200 60")
    fast.settle(0.3)
    check(fast.strokes - strokes1 == 2 and fast.draws > draws0 and
          fast.drawn - drawn0 <= 8,
          "XOR lines that cross: %d more DRAW_STROKE, %d images of %d pixels" % (
              fast.strokes - strokes1 - 1, fast.draws - draws0, fast.drawn - drawn0))
    xored = fast.rgb()
    web.settle(0.3)
    check(web.rgb() == xored, "WebSocket viewer (the worker's XOR lines): %s"
          % diff(web.rgb(), xored))
    c.wait_pixels(xored, 10)
    draws0 = fast.draws

    # Dashed lines, which spice-gtk would dash otherwise (X's wide dash
    # code): each line a DRAW_STROKE of its own, clipped to the boxes of
    # its dashes.  A dashed rectangle is four and no image; grid lines,
    # steep and 45-degree lines, and a dashed XOR rectangle, each line
    # one, for fewer bytes than as images.
    strokes3, seen3, web_seen3 = fast.strokes, len(fast.received), len(web.received)
    prod.say("dashstroke ff00ff 8 6 3 150 20 230 20 230 90 150 90 150 20")
    fast.settle(0.3)
    check(fast.strokes - strokes3 == 4 and fast.draws == draws0,
          "a dashed rectangle: %d DRAW_STROKE, %d images" % (fast.strokes - strokes3,
                                                             fast.draws - draws0))
    # spice-gtk, whose window has room after the last wait, draws those
    # four itself, its lines clipped to the dashes as the raw client's.
    web.settle(0.3)
    check(web.rgb() == fast.rgb(), "WebSocket viewer (the worker's dashed rectangle): %s"
          % diff(web.rgb(), fast.rgb()))
    c.wait_pixels(fast.rgb(), 10)
    dashes = ["dashstroke %06x 8 %d %d 10 %d 310 %d" % (rng.randrange(1 << 24), 4 + k % 5,
                                                          2 + k % 3, 100 + 9 * k, 100 + 9 * k)
              for k in range(6)]
    dashes += ["dashstroke %06x 8 %d %d %d 10 %d 230" % (rng.randrange(1 << 24), 5 + k % 4,
                                                          2 + k % 2, 20 + 13 * k, 20 + 13 * k)
               for k in range(6)]
    dashes += ["dashstroke 40c080 8 6 2 20 230 120 130 130 10",
               "dashstroke 3c5aa5 40 5 3 40 30 40 130 120 130 120 30 40 30"]
    prod.say("; ".join(dashes))
    fast.settle(0.3)
    web.settle(0.3)
    check(fast.strokes - strokes3 == 4 + 12 + 2 + 4 and fast.draws == draws0,
          "dashed lines: %d DRAW_STROKE for 22 lines, %d images" % (
              fast.strokes - strokes3 - 4, fast.draws - draws0))
    sent = sum(size for _t, size in fast.received[seen3:])
    as_images = sum(size for _t, size in web.received[web_seen3:])
    print("15 dashed paths: %d bytes as DRAW_STROKE, %d as images" % (sent, as_images))
    check(sent * 2 < as_images, "dashed lines cost %d bytes, as images %d" % (sent, as_images))
    dashed = fast.rgb()
    check(web.rgb() == dashed, "WebSocket viewer (the worker's dashes): %s"
          % diff(web.rgb(), dashed))
    c.wait_pixels(dashed, 10)
    draws0 = fast.draws
    # A shallow dashed line whose gaps fall inside its rows: spice-gtk
    # clips a line's spans to a clip in place and would lose the rows
    # after one cut in two, so it goes in parts, each of dashes that
    # share no row; a dotted one, which would take too many, as pixels.
    # spice-gtk, pumped between them, shows the worker's.
    strokes4 = fast.strokes
    prod.say("dashstroke e17267 8 7 4 306 104 6 130")
    fast.settle(0.3)
    web.settle(0.3)
    check(fast.strokes - strokes4 >= 2 and fast.draws == draws0,
          "a shallow dashed line: %d DRAW_STROKE, %d images" % (fast.strokes - strokes4,
                                                                fast.draws - draws0))
    dashed = fast.rgb()
    check(web.rgb() == dashed, "WebSocket viewer (a shallow dashed line): %s"
          % diff(web.rgb(), dashed))
    c.wait_pixels(dashed, 10)
    strokes4 = fast.strokes
    prod.say("dashstroke 1e90ff 8 1 1 10 200 300 203")
    fast.settle(0.3)
    web.settle(0.3)
    check(fast.strokes == strokes4 and fast.draws > draws0,
          "a shallow dotted line: %d DRAW_STROKE, %d images" % (fast.strokes - strokes4,
                                                                fast.draws - draws0))
    dashed = fast.rgb()
    check(web.rgb() == dashed, "WebSocket viewer (a shallow dotted line): %s"
          % diff(web.rgb(), dashed))
    c.wait_pixels(dashed, 10)
    draws0 = fast.draws

    # Bezier curves (one to three a path, an arc in XOR, a tiny one, a
    # loop back to its start): DRAW_STROKE, the worker flattening them
    # as the canvas does; the raw client flattens them from its own
    # model of the canvas's subdivision.
    curves = []
    for k in range(12):
        pts = [rng.randrange(W), rng.randrange(H)]
        for _ in range(3 * (1 + k % 3)):
            pts += [rng.randrange(W), rng.randrange(H)]
        curves.append("bezier %06x 8 %s" % (rng.randrange(1 << 24), " ".join(map(str, pts))))
    curves.append("bezier 3c5aa5 40 20 220 80 180 160 180 220 220")
    curves.append("bezier ffffff 8 100 100 101 100 101 101 100 101")
    curves.append("bezier 00ffff 8 50 200 90 150 10 150 50 200")
    strokes2, seen2, web_seen2 = fast.strokes, len(fast.received), len(web.received)
    prod.say("; ".join(curves))
    fast.settle(0.3)
    check(fast.strokes - strokes2 == len(curves) and fast.draws == draws0,
          "%d curves: %d DRAW_STROKE, %d images" % (len(curves), fast.strokes - strokes2,
                                                     fast.draws - draws0))
    curved = fast.rgb()
    web.settle(0.3)
    print("%d curves: %d bytes as DRAW_STROKE, %d as images" % (
        len(curves), sum(size for _t, size in fast.received[seen2:]),
        sum(size for _t, size in web.received[web_seen2:])))
    check(web.rgb() == curved, "WebSocket viewer (the worker's curves): %s"
          % diff(web.rgb(), curved))
    c.wait_pixels(curved, 10)

    # A8 glyphs (which spice-common's canvas reads a row off): the colour
    # through their coverage, a DRAW_COMPOSITE, to a viewer that
    # announced composites; images to the WebSocket viewer.
    comps0 = fast.composites
    prod.say("text8 100 100 ff00ff")
    fast.settle(0.3)
    check(fast.texts - texts0 == len(lines) and fast.draws == draws0 and
          fast.composites == comps0 + 1,
          "A8 string: %d more DRAW_TEXT, %d DRAW_COMPOSITE, %d images" % (
              fast.texts - texts0 - len(lines), fast.composites - comps0, fast.draws - draws0))
    final = fast.rgb()
    c.wait_pixels(final, 10)

    # The slow viewer was sent strings until its window was full, then
    # images; once it reads it has the same picture.
    slow.settle(0.5, timeout=20)
    check(slow.texts > slow_texts0 and slow.draws > 0,
          "the viewer that stopped reading got %d strings, %d images" % (slow.texts - slow_texts0,
                                                                         slow.draws))
    check(slow.rgb() == final, "viewer that stopped reading: %s" % diff(slow.rgb(), final))
    web.settle(0.3)
    check(web.rgb() == final, "WebSocket viewer: %s" % diff(web.rgb(), final))
    check(sp.alive(), "spiced died")


common.run(main)
