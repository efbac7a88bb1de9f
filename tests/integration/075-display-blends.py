#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Colour keys, alpha blends, composites and copies with a raster
operation a producer draws (TRANSPARENT, ALPHA_BLEND of an opaque source
or of one with alpha of its own, COMPOSITE through an alpha mask without
transforms: an icon, or anti-aliased text as X drivers draw it, a colour
through a glyph mask; COPY with AND and XOR: an icon as Windows draws
it; ROP3 and OPAQUE with a solid brush) reach viewers as the images and
the operation, not as the result: a raw client that keeps up gets one
DRAW_TRANSPARENT, DRAW_ALPHA_BLEND, DRAW_COMPOSITE, DRAW_COPY with the
operation, DRAW_ROP3 or DRAW_OPAQUE for each and no image (a DRAW_FILL
for a code that does not read the source; a copy stretched larger as
DRAW_COPY of the source, nearest or interpolated), and an image drawn again (an icon
over a photograph, wherever it lands) comes from its pixmap cache, for a
fraction of the bytes the results cost as images (a WebSocket client's,
which gets images: spice-html5 draws none of them, nor announces
composites).  A client without the LZ4 cap gets the
sources with alpha as plain RGBA bitmaps.  Every client ends with the
worker's picture: the raw clients decoding the commands as spice-common's
canvas does, spice-gtk drawing them itself, the WebSocket client from
the worker's images; a raw client that stopped reading too, once it
reads.  066 checks spice-gtk's drawing of each against a model."""

import random

import common
import ppm
import rawlink
import rawspice
import spice_client
import wsclient
from common import check

W, H = 320, 240
SIDE = 64       # each source is SIDE x SIDE: large enough for the cache
ROPD_INVERS_SRC, ROPD_PUT, ROPD_OR, ROPD_AND, ROPD_XOR = 1, 1 << 3, 1 << 4, 1 << 5, 1 << 6
ROPD_INVERS_RES = 1 << 10


def icons(rng, n):
    """n blends of three sources at random places on the picture."""
    out = []
    for k in range(n):
        x, y = rng.randrange(0, W - SIDE), rng.randrange(0, H - SIDE)
        kind = k % 3
        if kind == 0:
            out.append("transparent %d %d %d %d 7 00ff00" % (x, y, SIDE, SIDE))
        elif kind == 1:
            out.append("alphablend %d %d %d %d 8 150" % (x, y, SIDE, SIDE))
        else:
            out.append("alphaicon %d %d %d %d 9 %d" % (x, y, SIDE, SIDE, rng.choice((255, 200))))
    return out


def diff(a, b):
    return ppm.describe_diff(ppm.diff(a, b, W, H))


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    sessions = [rawspice.open_session(sp.port, "pw") for _ in range(5)]
    comp = (rawspice.DISPLAY_CAP_COMPOSITE,)
    fast = rawspice.display_client(sp.port, "pw", sessions[0].session_id, extra_caps=comp)
    plain = rawspice.display_client(sp.port, "pw", sessions[1].session_id, lz4=False,
                                    extra_caps=comp)
    slow = rawspice.display_client(sp.port, "pw", sessions[2].session_id, extra_caps=comp)
    # A pixmap cache with room for one 64x64 image: a composite's source
    # and mask cannot both be kept there.
    tiny = rawspice.display_client(sp.port, "pw", sessions[4].session_id, extra_caps=comp,
                                   init=False)
    tiny.send_init(cache_size=SIDE * SIDE + 100)
    res, ws = wsclient.link(sp.port, "pw", channel_type=rawlink.CHANNEL_DISPLAY,
                            connection_id=sessions[3].session_id, channel_caps=(0,))
    check(res == 0, "WebSocket display link: %s" % rawlink.ERR.get(res, res))
    web = rawspice.DisplayChannel(ws, mini=True)
    web.send_init()
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)

    prod.say("photo 0 0 320 240 2")
    for d in (fast, plain, slow, web, tiny):
        d.wait_mark(10)
        d.settle(0.3)
    picture = fast.rgb()
    for name, d in (("no LZ4", plain), ("slow", slow), ("WebSocket", web)):
        check(d.rgb() == picture, "first picture differs for the %s viewer" % name)
    c.wait_pixels(picture, 10)

    rng = random.Random(75)
    lines = icons(rng, 60)
    draws0, cached0, seen0 = fast.draws, fast.from_cache, len(fast.received)
    pdraws0, web_seen0, slow_blends0 = plain.draws, len(web.received), slow.blends + slow.keyed
    for i in range(0, len(lines), 6):
        prod.say("; ".join(lines[i:i + 6]))
        for d in (fast, plain, tiny):
            d.settle(0.1)
        web.settle(0.05)
    for d in (fast, plain, web, tiny):
        d.settle(0.3)
    check(fast.draws == draws0 and plain.draws == pdraws0,
          "blends sent as %d and %d images to viewers that keep up"
          % (fast.draws - draws0, plain.draws - pdraws0))
    for name, d in (("LZ4", fast), ("no LZ4", plain)):
        check(d.keyed == 20 and d.blends == 40,
              "%s viewer: 20 colour keys and 40 blends drawn, got %d DRAW_TRANSPARENT and "
              "%d DRAW_ALPHA_BLEND" % (name, d.keyed, d.blends))
    check(web.keyed == 0 and web.blends == 0, "the WebSocket viewer got %d blends"
          % (web.keyed + web.blends))
    # Each source goes as an image twice (the second time into the cache),
    # then by name.
    check(fast.from_cache - cached0 == len(lines) - 6,
          "%d of %d sources came from the cache" % (fast.from_cache - cached0, len(lines)))
    check((1, rawspice.BITMAP_FMT_RGBA) in fast.lz4_formats,
          "the icon with alpha did not come as an RGBA LZ4 image: %r" % fast.lz4_formats)
    check(rawspice.IMAGE_LZ4 not in plain.images and plain.images.get(rawspice.IMAGE_BITMAP),
          "the viewer without LZ4 got images %r" % plain.images)
    sent = sum(size for _t, size in fast.received[seen0:])
    as_images = sum(size for _t, size in web.received[web_seen0:])
    print("%d blends: %d bytes as sources and operations, %d as images"
          % (len(lines), sent, as_images))
    check(sent * 2 < as_images, "%d blends cost %d bytes, as images %d"
          % (len(lines), sent, as_images))
    after = fast.rgb()
    check(after != picture, "the blends changed nothing")
    check(web.rgb() == after, "WebSocket viewer (the worker's blends): %s"
          % diff(web.rgb(), after))
    check(plain.rgb() == after, "viewer without LZ4: %s" % diff(plain.rgb(), after))
    c.wait_pixels(after, 10)

    # Composites: an RGBA icon through an alpha mask (OVER, and SRC), and
    # text-like runs: one colour through a mask of 64x64 (the cache's
    # least), the same mask each time.
    runs = []
    for k in range(24):
        x, y = rng.randrange(0, W - SIDE), rng.randrange(0, H - SIDE)
        if k % 4 == 0:
            runs.append("compositemask %d %d %d %d 11 %d" % (x, y, SIDE, SIDE,
                                                             3 if k % 8 else 1))
        else:
            runs.append("compositetext %d %d %d %d %06x" % (x, y, SIDE, SIDE,
                                                            rng.randrange(1 << 24)))
    draws1, comps0, cached1 = fast.draws, fast.composites, fast.from_cache
    seen1, web_seen1 = len(fast.received), len(web.received)
    tiny_comps0, tiny_draws0 = tiny.composites, tiny.draws
    for i in range(0, len(runs), 6):
        prod.say("; ".join(runs[i:i + 6]))
        for d in (fast, plain, tiny):
            d.settle(0.1)
        web.settle(0.05)
    for d in (fast, plain, web, tiny):
        d.settle(0.3)
    check(fast.draws == draws1, "composites sent as %d images to a viewer that keeps up"
          % (fast.draws - draws1))
    check(fast.composites - comps0 == len(runs) and plain.composites == len(runs),
          "%d composites drawn, got %d and %d DRAW_COMPOSITE" % (
              len(runs), fast.composites - comps0, plain.composites))
    check(web.composites == 0, "the WebSocket viewer got %d composites" % web.composites)
    check(fast.from_cache - cached1 >= len(runs) - 4,
          "%d images of %d composites came from the cache" % (fast.from_cache - cached1,
                                                            len(runs)))
    sent = sum(size for _t, size in fast.received[seen1:])
    as_images = sum(size for _t, size in web.received[web_seen1:])
    print("%d composites: %d bytes as images and operations, %d as results"
          % (len(runs), sent, as_images))
    check(sent * 2 < as_images, "%d composites cost %d bytes, as images %d"
          % (len(runs), sent, as_images))
    composed = fast.rgb()
    check(composed != after, "the composites changed nothing")
    check(web.rgb() == composed, "WebSocket viewer (the worker's composites): %s"
          % diff(web.rgb(), composed))
    check(plain.rgb() == composed, "viewer without LZ4: %s" % diff(plain.rgb(), composed))
    # The small cache: composites whose images it could not hold both
    # came as pixels; what it was told to drop it held (rawspice refuses
    # any other INVAL_LIST).
    check(tiny.rgb() == composed, "viewer with a small cache: %s" % diff(tiny.rgb(), composed))
    check(0 < tiny.composites - tiny_comps0 < len(runs) and tiny.draws > tiny_draws0,
          "viewer with a small cache: %d composites, %d images" % (
              tiny.composites - tiny_comps0, tiny.draws - tiny_draws0))
    print("viewer with a small cache: %d composites, %d images, %d dropped from its cache"
          % (tiny.composites - tiny_comps0, tiny.draws - tiny_draws0, tiny.invals))
    c.wait_pixels(composed, 10)
    after = composed

    # Copies with raster operations: icons as Windows draws them, their
    # AND mask then their XOR image, the same two sources each time.
    icons2 = []
    for k in range(20):
        x, y = rng.randrange(0, W - SIDE), rng.randrange(0, H - SIDE)
        icons2 += ["ropcopy %d %d %d %d 21 %x" % (x, y, SIDE, SIDE, ROPD_AND),
                   "ropcopy %d %d %d %d 22 %x" % (x, y, SIDE, SIDE, ROPD_XOR)]
    # ... and ROP3 codes that read a solid brush, the source and what is
    # there (the ones spice-common's canvas draws), as DRAW_ROP3.
    rop3s = ["rop3solid %d %d %d %d %x 23 %06x" % (
        rng.randrange(0, W - SIDE), rng.randrange(0, H - SIDE), SIDE, SIDE,
        (0xb8, 0xe2, 0x96)[k % 3], rng.randrange(1 << 24)) for k in range(9)]
    # ... and with an 8x8 pattern brush (its image follows the source's).
    patterned = ["rop3 %d %d %d %d %x 27 %d %d" % (
        rng.randrange(0, W - SIDE), rng.randrange(0, H - SIDE), SIDE, SIDE, code,
        rng.randrange(-20, 20), rng.randrange(-20, 20)) for code in (0xb8, 0x1e)]
    rop3s += patterned
    icons2 += rop3s
    # ... OPAQUE, and ROP3 codes that read the brush and the source but
    # not what is there, as DRAW_OPAQUE (the canvas's rop3.c has none of
    # those); codes that do not read the source as fills (no image).
    opaques = ["opaque %d %d %d %d 24 %06x %x" % (
        rng.randrange(0, W - SIDE), rng.randrange(0, H - SIDE), SIDE, SIDE,
        rng.randrange(1 << 24), desc) for desc in (
            ROPD_XOR | ROPD_INVERS_SRC, ROPD_AND | ROPD_INVERS_RES, ROPD_OR)]
    opaques += ["rop3solid %d %d %d %d %x 24 %06x" % (
        rng.randrange(0, W - SIDE), rng.randrange(0, H - SIDE), SIDE, SIDE,
        code, rng.randrange(1 << 24)) for code in (0xc0, 0x3c, 0xfc)]
    opaques.append("patopaque %d %d %d %d 27 %x 5 -3" % (
        rng.randrange(0, W - SIDE), rng.randrange(0, H - SIDE), SIDE, SIDE,
        ROPD_XOR | ROPD_INVERS_SRC))
    patterned += opaques[-1:]
    fills = ["rop3solid %d %d %d %d %x 25 %06x" % (
        rng.randrange(0, W - SIDE), rng.randrange(0, H - SIDE), SIDE, SIDE,
        code, rng.randrange(1 << 24)) for code in (0x5a, 0x0f, 0x55)]
    fills.append("opaque %d %d %d %d 26 %06x %x" % (
        rng.randrange(0, W - SIDE), rng.randrange(0, H - SIDE), SIDE, SIDE,
        rng.randrange(1 << 24), ROPD_PUT))
    icons2 += opaques + fills
    plain_draws2 = fast.draws - fast.rop_copies
    rops0, rop3s0, cached2 = fast.rop_copies, fast.rop3s, fast.from_cache
    opaques0, fills0, pats0 = fast.opaques, fast.fills, fast.rop_patterns
    seen2, web_seen2 = len(fast.received), len(web.received)
    for i in range(0, len(icons2), 6):
        prod.say("; ".join(icons2[i:i + 6]))
        for d in (fast, plain, tiny):
            d.settle(0.1)
        web.settle(0.05)
    for d in (fast, plain, web, tiny):
        d.settle(0.3)
    ncopies = len(icons2) - len(rop3s) - len(opaques) - len(fills)
    check(fast.draws - fast.rop_copies == plain_draws2 and
          fast.rop_copies - rops0 == ncopies and
          fast.rop3s - rop3s0 == len(rop3s) and fast.opaques - opaques0 == len(opaques) and
          fast.fills - fills0 == len(fills) and fast.rop_patterns - pats0 == len(patterned),
          "%d copies with a ROP, %d ROP3, %d OPAQUE (%d with a pattern) and %d fills: "
          "%d DRAW_COPY with it, %d DRAW_ROP3, %d DRAW_OPAQUE (%d with a pattern), "
          "%d DRAW_FILL, %d images" % (
              ncopies, len(rop3s), len(opaques), len(patterned), len(fills),
              fast.rop_copies - rops0, fast.rop3s - rop3s0, fast.opaques - opaques0,
              fast.rop_patterns - pats0, fast.fills - fills0,
              fast.draws - fast.rop_copies - plain_draws2))
    # Five sources, each sent twice before a viewer is told to keep it.
    check(fast.from_cache - cached2 >= len(icons2) - len(fills) - 2 * 5,
          "%d of %d sources came from the cache" % (fast.from_cache - cached2, len(icons2)))
    sent = sum(size for _t, size in fast.received[seen2:])
    as_images = sum(size for _t, size in web.received[web_seen2:])
    print("%d raster operations: %d bytes as sources and operations, %d as results"
          % (len(icons2), sent, as_images))
    check(sent * 2 < as_images, "%d copies cost %d bytes, as images %d"
          % (len(icons2), sent, as_images))
    copied = fast.rgb()
    check(copied != after, "the copies changed nothing")
    for name, d in (("WebSocket (the worker's copies)", web), ("no LZ4", plain),
                    ("small cache", tiny)):
        check(d.rgb() == copied, "%s viewer: %s" % (name, diff(d.rgb(), copied)))
    c.wait_pixels(copied, 10)
    after = copied

    # Copies stretched larger, nearest or interpolated (one of each with
    # a raster operation; interpolated, the whole source, whose edges
    # fade as in spice-common's canvas, a part inside a larger source,
    # which brings the pixel around it, and a part of an RGBA source at
    # its edge): the source and the scale, not the larger result; made
    # smaller, an image.
    stretched = ["scaled 10 10 128 96 32 24 35 1", "scaled 150 20 100 70 40 30 35 1",
                 "scaled 40 120 90 90 30 30 36 1", "scaled 60 60 96 72 32 24 35 1 %x"
                 % (ROPD_XOR | ROPD_INVERS_SRC)]
    smooth = ["scaled 200 120 80 60 40 30 37 0",
              "scaledpart 220 40 90 70 40 30 39 0 5 4 30 20 0",
              "scaledpart 10 140 96 80 48 40 40 0 0 8 24 20 1",
              "scaled 120 150 100 60 40 24 41 0 %x" % ROPD_XOR]
    stretched += smooth
    # A colour key and an alpha blend stretched larger (the canvas
    # stretches both by nearest sampling): the source and the scale.
    blends = ["transparent 30 200 90 36 43 ff00ff 30 12", "alphaicon 150 90 96 64 44 200 32 32"]
    # Composites through transforms (an icon and its mask enlarged 4x,
    # bilinear; turned and enlarged, nearest, partly beyond the source):
    # the images and the transforms.
    turned = ["compositexf 40 40 80 60 20 15 45 1 1 16384 0 0 0 16384 0",
              "compositexf 180 150 90 80 30 20 46 0 1 29491 -16384 65536 16384 29491 -65536"]
    as_pixels = ["scaled 260 10 40 30 80 60 38 1"]
    scaled0, smooth0, draws3 = fast.scaled, fast.scaled_smooth, fast.draws
    sblends0, comps3 = fast.scaled_blends, fast.composites
    seen3, web_seen3 = len(fast.received), len(web.received)
    prod.say("; ".join(stretched + blends + turned + as_pixels))
    for d in (fast, plain, web, tiny):
        d.settle(0.3)
    check(fast.scaled - scaled0 == len(stretched) and
          fast.draws - draws3 >= len(stretched) + len(as_pixels),
          "%d stretches: %d scaled DRAW_COPY, %d DRAW_COPY in all" % (
              len(stretched), fast.scaled - scaled0, fast.draws - draws3))
    check(fast.scaled_blends - sblends0 == len(blends),
          "%d stretched blends: %d stretched DRAW_TRANSPARENT or DRAW_ALPHA_BLEND" % (
              len(blends), fast.scaled_blends - sblends0))
    check(fast.composites - comps3 == len(turned),
          "%d composites through transforms: %d DRAW_COMPOSITE" % (
              len(turned), fast.composites - comps3))
    check(fast.scaled_smooth - smooth0 == len(smooth),
          "%d interpolated stretches: %d interpolated DRAW_COPY" % (
              len(smooth), fast.scaled_smooth - smooth0))
    check(web.scaled == 0, "the WebSocket viewer got %d scaled copies" % web.scaled)
    sent = sum(size for _t, size in fast.received[seen3:])
    as_images = sum(size for _t, size in web.received[web_seen3:])
    print("%d stretched copies, %d stretched blends, %d transformed composites and %d as "
          "pixels: %d bytes, as results %d" % (len(stretched), len(blends), len(turned),
                                               len(as_pixels), sent, as_images))
    check(sent < as_images, "stretched copies cost %d bytes, as images %d" % (sent, as_images))
    stretched_pic = fast.rgb()
    check(stretched_pic != after, "the stretched copies changed nothing")
    for name, d in (("WebSocket (the worker's copies)", web), ("no LZ4", plain),
                    ("small cache", tiny)):
        check(d.rgb() == stretched_pic, "%s viewer: %s" % (name, diff(d.rgb(), stretched_pic)))
    c.wait_pixels(stretched_pic, 10)
    after = stretched_pic

    # The slow viewer was sent blends until its window was full, then
    # images; once it reads it has the same picture.
    slow.settle(0.5, timeout=20)
    check(slow.blends + slow.keyed > slow_blends0 and slow.draws > 1,
          "the viewer that stopped reading got %d blends, %d images"
          % (slow.blends + slow.keyed - slow_blends0, slow.draws))
    check(slow.rgb() == after, "viewer that stopped reading: %s" % diff(slow.rgb(), after))
    check(sp.alive(), "spiced died")


common.run(main)
