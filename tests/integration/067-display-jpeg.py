#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Lossy images where spiced.conf allows them (jpeg-wan-compression, as
libvirt names it), seen by spice-gtk and by raw clients decoding what
they get.  always: a photograph goes as JPEG (spice-gtk's picture within
35 dB PSNR of it) and a drawing of sharp edges stays lossless (exact);
auto: a viewer reading at full speed gets the same photographs
losslessly (exact) while a viewer on a slow link (it reads 300 KB/s:
TCP measures the link below 10 Mbit/s) gets them as JPEG, both at once;
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


def rows(rgb, y0, y1):
    return rgb[y0 * W * 3:y1 * W * 3]


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
    d.settle(0.3)
    check(d.images.get(LZ4, 0) == 0 and d.images.get(QUIC, 0) == 0,
          "a photograph went lossless too: %r" % d.images)
    got = c.wait_until(lambda: c.primary and ppm.psnr(rows(c.snapshot(), 0, 160),
                                                  rows(model, 0, 160)) >= 35 and c.snapshot(),
                       10, "spice-gtk's picture of the photograph within 35 dB")
    print("photograph: spice-gtk %.1f dB, raw client %.1f dB" % (
        ppm.psnr(rows(got, 0, 160), rows(model, 0, 160)), ppm.psnr(rows(d.rgb(), 0, 160), rows(model, 0, 160))))
    check(ppm.psnr(rows(d.rgb(), 0, 160), rows(model, 0, 160)) >= 35, "the raw client's JPEG is poor")
    n = d.images.get(JPEG, 0)
    prod.say("bitmap 0 160 320 80 2")
    common.script_noise(model, W, 0, 160, 320, 80, 2)
    got = c.wait_until(lambda: rows(c.snapshot(), 160, 240) == rows(model, 160, 240) and c.snapshot(),
                       10, "the drawing exact at spice-gtk")
    d.settle(0.3)
    # Noise is no photograph: lossless, and natural enough for QUIC.
    check(d.images.get(JPEG, 0) == n and d.images.get(QUIC, 0) > 0,
          "noise was sent as %r" % d.images)
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
    sp.stop()

    # never: no JPEG even on the slow link; off: no LZ4 either.
    sp, prod, m, d = setup("never", "\nimage-compression = off")
    slow_photos(prod, d, 20)
    d.settle(0.5)
    check(set(d.images) == {BITMAP}, "never/off: the viewer got %r" % d.images)
    check(sp.alive(), "spiced died")


common.run(main)
