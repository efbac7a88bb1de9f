#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GLZ images (SPICE_IMAGE_TYPE_GLZ_RGB) as spice-gtk decodes them, with
image-compression = glz.  Three pictures one after the other reach the
same viewer pixel for pixel: A (noise and text-like rows), B (other
noise), then A again with a small patch changed.  A costs about its
pixels; A changed costs a small fraction of that, because GLZ copies it
from A in the viewer's window two images back, where LZ (the same three
pictures with image-compression = lz) pays for it in full again.  A
client without a GLZ window (spice-html5 announces none) gets LZ: the
worker says which.  At most four viewers of a display have a window;
a fifth gets LZ4 until one leaves."""

import os
import random

import common
import ppm
import rawspice
import spice_client
from common import check

W, H = 640, 360


def picture(seed, patch=False):
    rnd = random.Random(seed)
    out = bytearray(rnd.randbytes(W * H * 3))
    for y in range(0, H, 3):     # text-like rows: copies within the image
        for x in range(0, W, 2):
            if (x * 7 + (y % 16) * 3) % 11 < 3:
                out[(y * W + x) * 3:(y * W + x) * 3 + 3] = b"\x00\x00\x00"
    if patch:
        for y in range(100, 120):
            out[(y * W + 200) * 3:(y * W + 260) * 3] = b"\xff\x80\x00" * 60
    return bytes(out)


def show(sp, c, prod, pic, name):
    """Replace the producer by one showing pic; the display bytes it cost
    once the viewer shows it exactly."""
    path = os.path.join(sp.dir, name + ".ppm")
    ppm.write_ppm(path, W, H, pic)
    dch = c.channel(spice_client.CHANNEL_DISPLAY)
    before = dch.get_property("total-read-bytes")
    if prod is not None:
        prod.terminate()
        prod.wait(10)
    prod = sp.start_producer("--image", path, "--size", "%dx%d" % (W, H))
    c.wait_pixels(pic, 30)
    return prod, dch.get_property("total-read-bytes") - before


def run(compression):
    sp = common.Spiced(password="pw", extra="image-compression = %s" % compression)
    common.wait_producer_socket(sp)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_DISPLAY], 10)
    prod, a = show(sp, c, None, picture(1), "a")
    sp.wait_log(r"initialised \(%s images" % compression, 5)
    prod, b = show(sp, c, prod, picture(2), "b")
    prod, a2 = show(sp, c, prod, picture(1, patch=True), "a2")
    print("%s: A %d bytes, B %d, A changed %d" % (compression, a, b, a2))
    c.disconnect()
    prod.terminate()
    prod.wait(10)
    sp.stop()
    return a, b, a2


def main():
    a, b, a2 = run("glz")
    check(a > W * H * 2, "GLZ: A cost only %d bytes: noise cannot shrink so" % a)
    check(a2 * 8 < a, "GLZ: A changed cost %d bytes against A's %d: not copied "
          "from the window" % (a2, a))
    la, lb, la2 = run("lz")
    check(la2 * 10 > la * 9, "LZ: A changed cost %d bytes against A's %d" % (la2, la))

    # No GLZ window (a raw client sending spice-html5's DISPLAY_INIT):
    # LZ, as the worker says.
    sp = common.Spiced(password="pw", extra="image-compression = glz")
    common.wait_producer_socket(sp)
    path = os.path.join(sp.dir, "a.ppm")
    ppm.write_ppm(path, W, H, picture(1))
    sp.start_producer("--image", path, "--size", "%dx%d" % (W, H))
    m = rawspice.MainChannel.connect(sp.port, "pw")
    m.attach()
    d = rawspice.display_client(sp.port, "pw", m.session_id, lz4=False, init=False)
    d.send_init(glz_window=0)
    sp.wait_log(r"initialised \(lz images", 5)
    d.close()
    m.close()

    # Four viewers with a GLZ window each (DOUT_GLZ_WINDOWS): a fifth
    # that asks for one gets LZ4 instead, which a raw client decodes (a
    # GLZ image would end it), and the worker says so; once a window is
    # free, the next viewer has one again.
    pic = picture(1)
    viewers = []
    for k in range(4):
        viewers.append(spice_client.connect(port=sp.port, password="pw"))
        viewers[-1].wait_pixels(pic, 30)
    check("gets no GLZ window" not in sp.log_text(), "four viewers: a window refused")
    m = rawspice.MainChannel.connect(sp.port, "pw")
    m.attach()
    d = rawspice.display_client(sp.port, "pw", m.session_id, init=False)
    d.send_init(glz_window=4 << 20)
    sp.wait_log(r"conn \d+ gets no GLZ window: the display's 4 are other viewers'", 10)
    d.wait_mark(10)
    check(d.rgb() == pic and set(d.images) == {rawspice.IMAGE_LZ4},
          "fifth viewer: images %r, picture %s" % (d.images, "exact" if d.rgb() == pic else "wrong"))
    d.close()
    m.close()
    viewers.pop().disconnect()
    viewers.append(spice_client.connect(port=sp.port, password="pw"))
    viewers[-1].wait_pixels(pic, 30)
    check(sp.log_text().count("gets no GLZ window") == 1,
          "a viewer after one left had no window:\n%s" % sp.log_text())
    for v in viewers:
        v.disconnect()


common.run(main)
