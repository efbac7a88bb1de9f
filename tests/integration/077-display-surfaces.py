#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Off-screen surfaces a producer draws on and copies from reach viewers
as surfaces of their own, as libspice-server keeps them: the first copy
from one brings the viewer SURFACE_CREATE and the part the copy reads
(drawn onto the viewer's surface), then DRAW_COPY from it; later copies
from what the viewer holds cost a DRAW_COPY alone (unscaled, partly off
the picture, clipped, stretched by nearest sampling or interpolated,
larger or smaller, with a raster operation), and a drawing on the
surface costs the next copy only the part it changed; colour keys and
alpha blends from a surface go the same way.  An ARGB surface is copied
the same way but interpolated (its alpha would weigh) as the result,
and so is an alpha blend from it or through an xRGB surface's fourth
byte; a surface drawn from another surface gets the changed part again;
a viewer that links late gets the surface at its first copy; destroying
the surface destroys the viewers'.  A WebSocket viewer (spice-html5
keeps no off-screen surfaces) gets the results as images, the worker's
pixels: every viewer, spice-gtk too, ends with its picture."""

import common
import ppm
import rawlink
import rawspice
import spice_client
import wsclient
from common import check

W, H = 320, 240
SW, SH = 96, 64         # the off-screen surfaces' size
ROPD_INVERS_SRC, ROPD_PUT, ROPD_XOR = 1, 1 << 3, 1 << 6


def diff(a, b):
    return ppm.describe_diff(ppm.diff(a, b, W, H))


def sent_since(d, mark):
    return sum(size for _t, size in d.received[mark:])


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    sessions = [rawspice.open_session(sp.port, "pw") for _ in range(4)]
    fast = rawspice.display_client(sp.port, "pw", sessions[0].session_id)
    plain = rawspice.display_client(sp.port, "pw", sessions[1].session_id, lz4=False)
    res, ws = wsclient.link(sp.port, "pw", channel_type=rawlink.CHANNEL_DISPLAY,
                            connection_id=sessions[2].session_id, channel_caps=(0,))
    check(res == 0, "WebSocket display link: %s" % rawlink.ERR.get(res, res))
    web = rawspice.DisplayChannel(ws, mini=True)
    web.send_init()
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)
    viewers = (fast, plain, web)

    def settle(*extra):
        for d in viewers + extra:
            d.settle(0.3)

    def same_everywhere(what, *extra):
        pic = fast.rgb()
        for name, d in (("no LZ4", plain), ("WebSocket (the worker's pixels)", web)) + extra:
            check(d.rgb() == pic, "%s: %s viewer: %s" % (what, name, diff(d.rgb(), pic)))
        c.wait_pixels(pic, 10)
        return pic

    prod.say("photo 0 0 320 240 2")
    for d in viewers:
        d.wait_mark(10)
    settle()
    first = same_everywhere("first picture")

    # A surface made and drawn on: nothing reaches the viewers yet.
    seen = len(fast.received)
    prod.say("surface 1 %d %d 5; target 1; fill 8 8 30 20 ff0000; "
             "ropfill 20 30 50 20 00ff00 %x; bitmap 50 4 40 40 6; target 0"
             % (SW, SH, ROPD_XOR))
    settle()
    check(len(fast.received) == seen and fast.rgb() == first,
          "drawing on an off-screen surface sent a viewer %d messages"
          % (len(fast.received) - seen))

    # The first copy: the surface made at the viewer, the part read
    # drawn on it, then the copy from it.
    seen, web_seen, draws0 = len(fast.received), len(web.received), fast.draws
    prod.say("surfcopy 1 0 0 %d %d 10 10 %d %d" % (SW, SH, SW, SH))
    settle()
    for name, d in (("LZ4", fast), ("no LZ4", plain)):
        check(d.surface_creates == 1 and sorted(d.surfaces) == [1] and
              d.surface_sources == 1 and d.surface_draws >= 1,
              "%s viewer, first copy: %d SURFACE_CREATE, %d drawings on it, %d copies from it"
              % (name, d.surface_creates, d.surface_draws, d.surface_sources))
    check(web.surface_creates == 0 and web.surface_sources == 0,
          "the WebSocket viewer was made a surface")
    same_everywhere("first copy")
    first_cost = sent_since(fast, seen)

    # Copies from what the viewer holds: unscaled parts, one partly off
    # the picture, one clipped, stretched (nearest, interpolated), with
    # XOR, made smaller (nearest, interpolated: from what it holds, that
    # costs less than the result too).
    copies = ["surfcopy 1 0 0 %d %d 200 20 %d %d" % (SW, SH, SW, SH),
              "surfcopy 1 10 5 40 30 130 100 40 30",
              "surfcopy 1 0 0 %d %d 260 200 %d %d" % (SW, SH, SW, SH),
              "surfcopy 1 0 0 %d %d 150 30 %d %d 1 %x 170 40 50 20" % (SW, SH, SW, SH,
                                                                       ROPD_PUT),
              "surfcopy 1 20 10 32 24 20 120 96 72 1",
              "surfcopy 1 8 8 48 32 140 150 120 80 0",
              "surfcopy 1 0 0 %d %d 100 60 %d %d 1 %x" % (SW, SH, SW, SH, ROPD_XOR),
              "surfcopy 1 30 20 40 30 240 110 40 30 1 %x" % (ROPD_XOR | ROPD_INVERS_SRC),
              "surfcopy 1 0 0 %d %d 250 120 48 32 1" % (SW, SH),
              "surfcopy 1 0 0 %d %d 250 160 40 30 0" % (SW, SH)]
    seen, web_seen = len(fast.received), len(web.received)
    sdraws0, sources0, draws0 = fast.surface_draws, fast.surface_sources, fast.draws
    prod.say("; ".join(copies))
    settle()
    check(fast.surface_draws == sdraws0 and fast.surface_sources - sources0 == len(copies) and
          fast.draws - draws0 == len(copies),
          "%d copies from a surface the viewer holds: %d from it, %d drawings on it, "
          "%d DRAW_COPY in all" % (len(copies), fast.surface_sources - sources0,
                                   fast.surface_draws - sdraws0, fast.draws - draws0))
    sent, as_images = sent_since(fast, seen), sent_since(web, web_seen)
    print("first copy: %d bytes; %d more copies: %d bytes, as results %d"
          % (first_cost, len(copies), sent, as_images))
    check(sent * 20 < as_images, "%d copies cost %d bytes, as images %d"
          % (len(copies), sent, as_images))
    same_everywhere("copies from the surface")

    # A drawing on the surface: the next copy brings only what changed.
    prod.say("target 1; fill 0 0 8 8 00ff00; target 0")
    seen, drawn0, sdraws0 = len(fast.received), fast.drawn, fast.surface_draws
    prod.say("surfcopy 1 0 0 %d %d 10 10 %d %d" % (SW, SH, SW, SH))
    settle()
    check(fast.surface_draws - sdraws0 == 1 and fast.drawn - drawn0 == 64 + SW * SH,
          "after an 8x8 fill on the surface: %d drawings on it, %d pixels drawn (want "
          "the 64 it changed, then the copy's %d)"
          % (fast.surface_draws - sdraws0, fast.drawn - drawn0, SW * SH))
    same_everywhere("copy after a change")

    # A viewer that links now is made the surface at its first copy.
    late = rawspice.display_client(sp.port, "pw", sessions[3].session_id)
    late.wait_mark(10)
    late.settle(0.3)
    prod.say("surfcopy 1 10 10 60 40 240 60 60 40")
    settle(late)
    check(late.surface_creates == 1 and late.surface_sources == 1,
          "late viewer: %d SURFACE_CREATE, %d copies from a surface"
          % (late.surface_creates, late.surface_sources))
    same_everywhere("late viewer", ("late", late))

    # A surface drawn from another: its copy at the viewer is brought up
    # to date where the drawing went.
    prod.say("surface 2 %d %d 9; surfcopy 2 0 0 %d %d 180 170 %d %d"
             % (SW, SH, SW, SH, SW, SH))
    settle(late)
    sdraws0 = fast.surface_draws
    prod.say("target 2; surfcopy 1 0 0 40 30 10 10 40 30; target 0; "
             "surfcopy 2 0 0 %d %d 180 170 %d %d" % (SW, SH, SW, SH))
    settle(late)
    check(fast.surface_draws - sdraws0 == 1 and sorted(fast.surfaces) == [1, 2],
          "a surface drawn from another: %d drawings on the viewer's, it holds %r"
          % (fast.surface_draws - sdraws0, sorted(fast.surfaces)))
    same_everywhere("a surface drawn from another", ("late", late))
    # A checkerboard of changes on it: what a viewer holds of it falls
    # into more pieces than are kept, and the next copy sends it again.
    dots = ["fill %d %d 1 1 %06x" % (x, y, (x * 7919 + y * 104729) & 0xffffff)
            for y in range(0, SH, 2) for x in range((y // 2) % 2, SW, 2)][:600]
    sdraws0, drawn0 = fast.surface_draws, fast.drawn
    prod.say("target 2; %s; target 0; surfcopy 2 0 0 %d %d 180 170 %d %d"
             % ("; ".join(dots), SW, SH, SW, SH))
    settle(late)
    check(fast.surface_draws > sdraws0 and fast.drawn - drawn0 >= 2 * SW * SH,
          "after %d dots on the surface: %d drawings on the viewer's, %d pixels drawn"
          % (len(dots), fast.surface_draws - sdraws0, fast.drawn - drawn0))
    same_everywhere("a surface dotted all over", ("late", late))

    # An ARGB surface: copied unscaled and by nearest sampling from the
    # viewer's, interpolated as the result (its alpha would weigh).
    sources0, draws0 = fast.surface_sources, fast.draws
    prod.say("surface 3 %d %d 11 argb; surfcopy 3 0 0 %d %d 0 150 %d %d; "
             "surfcopy 3 0 0 48 32 110 0 96 64 1" % (SW, SH, SW, SH, SW, SH))
    settle(late)
    check(fast.surface_sources - sources0 == 2,
          "ARGB surface: %d copies from the viewer's, want 2" % (fast.surface_sources - sources0))
    sources0 = fast.surface_sources
    prod.say("surfcopy 3 0 0 48 32 200 100 96 64 0")
    settle(late)
    check(fast.surface_sources == sources0,
          "an interpolated copy from an ARGB surface went as a copy from the viewer's")
    same_everywhere("an ARGB surface", ("late", late))

    # Colour keys and alpha blends from surfaces: from the viewer's copy
    # (unscaled, stretched by nearest sampling; a colour key from the
    # ARGB surface too).
    blends = ["surfkey 1 0 0 %d %d 30 150 %d %d ff0000" % (SW, SH, SW, SH),
              "surfkey 1 10 5 40 30 150 150 120 80 00ff00",
              "surfalpha 1 0 0 %d %d 200 140 %d %d 128" % (SW, SH, SW, SH),
              "surfalpha 1 8 8 48 32 20 20 96 64 200",
              "surfkey 3 0 0 %d %d 120 40 %d %d 000000" % (SW, SH, SW, SH)]
    sources0, keyed0, alpha0 = fast.surface_sources, fast.keyed, fast.blends
    seen, web_seen = len(fast.received), len(web.received)
    prod.say("; ".join(blends))
    settle(late)
    check(fast.surface_sources - sources0 == len(blends) and fast.keyed - keyed0 == 3 and
          fast.blends - alpha0 == 2,
          "%d colour keys and alpha blends from surfaces: %d from the viewer's, %d "
          "DRAW_TRANSPARENT, %d DRAW_ALPHA_BLEND" % (
              len(blends), fast.surface_sources - sources0, fast.keyed - keyed0,
              fast.blends - alpha0))
    print("%d keys and blends from surfaces: %d bytes, as results %d"
          % (len(blends), sent_since(fast, seen), sent_since(web, web_seen)))
    same_everywhere("keys and blends from surfaces", ("late", late))
    # An alpha blend from the ARGB surface (spice-gtk's canvas blends
    # through a surface's alpha whatever the flags say, the worker only
    # when they say so), or from the xRGB one through its fourth byte:
    # with the source's pixels.
    sources0, alpha0 = fast.surface_sources, fast.blends
    prod.say("surfalpha 3 4 4 40 30 60 100 80 60 160; "
             "surfalpha 3 0 0 %d %d 150 20 %d %d 200 2; "
             "surfalpha 1 0 0 %d %d 10 30 %d %d 200 2" % (SW, SH, SW, SH, SW, SH, SW, SH))
    settle(late)
    check(fast.surface_sources == sources0 and fast.blends - alpha0 == 3,
          "alpha blends through a surface's alpha: %d from the viewer's surface, "
          "%d DRAW_ALPHA_BLEND" % (fast.surface_sources - sources0, fast.blends - alpha0))
    same_everywhere("blends through a surface's alpha", ("late", late))

    # Destroyed: the viewers' go too, and the picture stays.
    prod.say("surfdestroy 1; surfdestroy 2; surfdestroy 3")
    settle(late)
    for name, d in (("LZ4", fast), ("no LZ4", plain), ("late", late)):
        check(d.surfaces == {} and d.surface_destroys == d.surface_creates,
              "%s viewer after the surfaces went: holds %r, %d of %d destroyed"
              % (name, sorted(d.surfaces), d.surface_destroys, d.surface_creates))
    last = same_everywhere("after the surfaces went", ("late", late))
    check(last != first, "the copies changed nothing")
    check(sp.alive(), "spiced died")


common.run(main)
