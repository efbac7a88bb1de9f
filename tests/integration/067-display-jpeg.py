#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Lossy images where spiced.conf allows them (jpeg-wan-compression, as
libvirt names it), seen by spice-gtk and by raw clients decoding what
they get.  always: a photograph goes as JPEG (spice-gtk's picture within
35 dB PSNR of it) and a drawing of sharp edges stays lossless (exact);
an XOR fill over the JPEG's pixels is followed by an image of its
result there (XOR turns a level off by one into one off by 255), and
the rest stays lossy, as the reference server keeps it; a photograph
with alpha blended over white goes as JPEG_ALPHA (the colour JPEG, the
alpha plane LZ, exact), which spice-gtk decodes;
auto: a viewer reading at full speed gets the same photographs
losslessly (exact) while a viewer on a slow link (it reads 300 KB/s:
TCP measures the link below 10 Mbit/s) gets them as JPEG, both at once,
and once the slow one keeps up, its JPEG pixels again losslessly, where
a COPY_BITS moved them too: its picture becomes exact;
never: the slow viewer gets no JPEG either; image-compression=off sends
plain bitmaps to a viewer that can decode LZ4."""


import common
import ppm
import rawspice
import spice_client
from common import check

W, H = 320, 240
JPEG, LZ4, QUIC, BITMAP = (rawspice.IMAGE_JPEG, rawspice.IMAGE_LZ4, rawspice.IMAGE_QUIC,
                           rawspice.IMAGE_BITMAP)
JPEG_ALPHA = rawspice.IMAGE_JPEG_ALPHA


def rows(rgb, y0, y1):
    return rgb[y0 * W * 3:y1 * W * 3]


def model_xor(model, x0, y0, w, h, rgb):
    """ROPD OP_XOR of colour rgb over the rectangle, as a fill draws it."""
    px = bytes(((rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255))
    for y in range(y0, y0 + h):
        for x in range(x0, x0 + w):
            o = (y * W + x) * 3
            for i in range(3):
                model[o + i] ^= px[i]


def model_copy(model, sx, sy, x0, y0, w, h):
    """COPY_BITS of the w x h rectangle at sx, sy to x0, y0."""
    src = bytes(model)
    for j in range(h):
        a, b = ((sy + j) * W + sx) * 3, ((y0 + j) * W + x0) * 3
        model[b:b + w * 3] = src[a:a + w * 3]


def setup(jpeg, extra=""):
    # Photographs drawn over and over would become a video stream
    # (068-display-stream): images only here.
    sp = common.Spiced(password="pw", extra="jpeg-wan-compression = %s\n"
                       "streaming-video = off%s" % (jpeg, extra))
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    d.wait_mark(10)
    return sp, prod, m, d


def model_alpha_photo(model, x0, y0, w, h, s):
    """script-producer's `alphaphoto X0 Y0 W H S 255` over white: its
    premultiplied colour plus 255 - alpha."""
    photo = bytearray(w * h * 3)
    common.script_photo(photo, w, 0, 0, w, h, s)
    for y in range(h):
        for x in range(w):
            a = 96 + 159 * (x + y) // (w + h)
            o = (y * w + x) * 3
            model[((y0 + y) * W + x0 + x) * 3:((y0 + y) * W + x0 + x) * 3 + 3] = bytes(
                photo[o + i] * a // 255 + 255 - a for i in range(3))


def slow_photos(prod, d, frames, until=None, fast=None):
    """A new photograph every 100 ms while d reads at 300 KB/s (and fast
    at full speed); returns the seed of the last one."""
    for k in range(frames):
        prod.say("photo 0 0 320 240 %d" % (k + 10))
        if fast is not None:
            fast.pump(0.01)
        d.read_slowly(0.09, 300000)
        if until is not None and until(d):
            break
    return k + 10


def main():
    # always: photographs lossy, drawings lossless.
    sp, prod, m, d = setup("always")
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)
    # All its channels linked before raw clients take the test's time.
    c.wait_channels([spice_client.CHANNEL_CURSOR, spice_client.CHANNEL_INPUTS])
    model = bytearray(W * H * 3)
    prod.say("photo 0 0 320 160 1")
    common.script_photo(model, W, 0, 0, 320, 160, 1)
    d.pump(10, until=lambda d: d.images.get(JPEG, 0) > 0)
    check(d.images.get(LZ4, 0) == 0 and d.images.get(QUIC, 0) == 0,
          "a photograph went lossless too: %r" % d.images)
    raw_db = ppm.psnr(rows(d.rgb(), 0, 160), rows(model, 0, 160))
    check(raw_db >= 35, "the raw client's JPEG is poor: %.1f dB" % raw_db)
    # An XOR over them.
    fills, ncopies = d.fills, len(d.copies)
    prod.say("ropfill 0 0 100 50 808080 40")
    model_xor(model, 0, 0, 100, 50, 0x808080)
    d.pump(5, until=lambda d: d.fills > fills and len(d.copies) > ncopies)
    # (top, left, bottom, right) within the XOR's.
    hit = [c for c in d.copies[ncopies:] if c[2] <= 50 and c[3] <= 100]
    check(d.fills == fills + 1 and hit,
          "the XOR over lossy pixels: %d fills, then images %r" % (d.fills - fills, d.copies[ncopies:]))
    # spice-gtk decodes the JPEG: rows 50-90 (the XOR did not draw
    # there) close to the photograph but not exact.
    gtk_db = c.wait_until(lambda: c.primary and 35 <= ppm.psnr(rows(c.snapshot(), 50, 90),
                                                               rows(model, 50, 90)) < 99 and
                          ppm.psnr(rows(c.snapshot(), 50, 90), rows(model, 50, 90)),
                          10, "spice-gtk's picture of the photograph within 35 dB, lossy")
    print("photograph: spice-gtk %.1f dB, raw client %.1f dB" % (gtk_db, raw_db))
    # Lossy it stays: nothing more for 1.5 s, then still a JPEG's picture.
    d.settle(1.5)
    check(d.images.get(LZ4, 0) == 0 and d.images.get(QUIC, 0) == 0,
          "always: the photograph went again losslessly: %r" % d.images)
    check(ppm.psnr(rows(c.snapshot(), 50, 90), rows(model, 50, 90)) < 99,
          "always: spice-gtk's photograph became exact")
    n = d.images.get(JPEG, 0)
    prod.say("bitmap 0 160 320 80 2")
    common.script_noise(model, W, 0, 160, 320, 80, 2)
    c.wait_until(lambda: rows(c.snapshot(), 160, 240) == rows(model, 160, 240), 10,
                 "the drawing exact at spice-gtk")
    d.settle(0.3)
    # Noise is no photograph: lossless, and natural enough for QUIC.
    check(d.images.get(JPEG, 0) == n and d.images.get(QUIC, 0) > 0,
          "noise was sent as %r" % d.images)
    # A photograph with alpha over white: JPEG_ALPHA, spice-gtk decodes it.
    prod.say("fill 0 0 320 240 ffffff")
    model[:] = b"\xff" * (W * H * 3)
    prod.say("alphaphoto 20 20 200 150 3 255")
    model_alpha_photo(model, 20, 20, 200, 150, 3)
    d.pump(10, until=lambda d: d.blends > 0)
    d.settle(0.3)
    check(d.blends == 1 and d.images.get(JPEG_ALPHA, 0) == 1,
          "the blended photograph: %d blends, images %r" % (d.blends, d.images))
    raw_db = ppm.psnr(d.rgb(), bytes(model))
    check(raw_db >= 35, "the raw client's JPEG_ALPHA blend is poor: %.1f dB" % raw_db)
    gtk_db = c.wait_until(lambda: 35 <= ppm.psnr(c.snapshot(), bytes(model)) < 99 and
                          ppm.psnr(c.snapshot(), bytes(model)), 10,
                          "spice-gtk's blended photograph within 35 dB")
    print("JPEG_ALPHA: spice-gtk %.1f dB, raw client %.1f dB" % (gtk_db, raw_db))
    # A part of a photograph stretched larger, interpolated: its source
    # as JPEG, which the viewers stretch themselves.
    scaled, jpegs, lossless = d.scaled, d.images.get(JPEG, 0), (d.images.get(LZ4, 0),
                                                              d.images.get(QUIC, 0))
    prod.say("scaledpart 10 10 300 220 200 160 1 0 10 5 180 140 2")
    d.pump(10, until=lambda d: d.scaled > scaled)
    d.settle(0.3)
    check(d.scaled == scaled + 1 and d.images.get(JPEG, 0) == jpegs + 1 and
          (d.images.get(LZ4, 0), d.images.get(QUIC, 0)) == lossless,
          "the stretched photograph: %d stretches, images %r, before JPEG %d, LZ4 and QUIC %r"
          % (d.scaled - scaled, d.images, jpegs, lossless))
    raw = rows(d.rgb(), 10, 230)
    check(raw != rows(bytes(model), 10, 230), "the stretched photograph drew nothing")
    gtk_db = c.wait_until(lambda: ppm.psnr(rows(c.snapshot(), 10, 230), raw) >= 40 and
                          ppm.psnr(rows(c.snapshot(), 10, 230), raw), 10,
                          "spice-gtk's stretched photograph within 40 dB of the raw client's")
    print("stretched photograph as JPEG: spice-gtk against the raw client %.1f dB" % gtk_db)
    c.disconnect()
    sp.stop()

    # auto: lossless at full speed, JPEG on a slow link, at once.
    sp, prod, m, d = setup("auto")
    fast = rawspice.display_client(sp.port, "pw", m.session_id)
    fast.wait_mark(10)
    last = slow_photos(prod, d, 150, until=lambda d: d.images.get(JPEG, 0) > 0, fast=fast)
    check(d.images.get(JPEG, 0) > 0, "the slow viewer got no JPEG: %r" % d.images)
    fast.settle(0.5)
    check(fast.images.get(JPEG, 0) == 0 and fast.images.get(QUIC, 0) > 0,
          "the fast viewer got %r" % fast.images)
    model = bytearray(W * H * 3)
    common.script_photo(model, W, 0, 0, 320, 240, last)
    check(fast.rgb() == bytes(model), "the fast viewer's picture is not exact")
    print("auto: the slow viewer got JPEG after %d photographs" % (last - 9))
    # The slow viewer keeps up now.  Its JPEG pixels go again, lossless,
    # a second after its last JPEG; a fill and a copy of lossy pixels
    # over it made before that: the copy's go again too.
    d.settle(0.2)
    lossy = d.rgb() != bytes(model)
    ncopies = len(d.copies)
    prod.say("fill 0 200 320 40 000000")
    prod.say("copybits 0 0 200 200 100 40")
    model[200 * W * 3:] = bytes(40 * W * 3)
    model_copy(model, 0, 0, 200, 200, 100, 40)
    d.pump(10, until=lambda d: d.rgb() == bytes(model))
    later = [c[4] for c in d.copies[ncopies:]]
    check(d.rgb() == bytes(model),
          "the slow viewer's picture is not exact: images since %r" % later)
    check(JPEG not in later and (later or not lossy), "the slow viewer's refresh: %r" % later)
    print("auto: the slow viewer's picture exact after %d lossless images (%s before)" % (
        len(later), "lossy" if lossy else "exact"))
    sp.stop()

    # never: no JPEG even on the slow link; off: no LZ4 either.
    sp, prod, m, d = setup("never", "\nimage-compression = off")
    slow_photos(prod, d, 20)
    d.settle(0.5)
    check(set(d.images) == {BITMAP}, "never/off: the viewer got %r" % d.images)
    check(sp.alive(), "spiced died")


common.run(main)
