#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Display channel on the wire, read byte by byte with rawspice: a
producer shows one odd-sized picture (301x203) and every display client
must get SET_ACK, SURFACE_CREATE of that size, DRAW_COPYs that rebuild the
picture exactly, and MARK.  With the default image-compression a natural
picture (gradients and noise) goes as QUIC (type 1) to every client, a
drawing as LZ4 (type 109, 32BIT top-down) to a client announcing
DISPLAY_CAP_LZ4_COMPRESSION and as LZ (LZ_RGB, type 101) to one without
it; two clients at once each get theirs; a client without the
MINI_HEADER common cap gets the same picture in full headers;
image-compression = quic sends QUIC for the drawing too, glz to clients
without a GLZ window LZ4 and no QUIC at all, LZ to a client without the
cap, lz LZ to every
client, auto_lz QUIC for the picture and LZ for the drawing to a client
with the LZ4 cap too."""

import os

import common
import ppm
import rawspice
from common import check

W, H = 301, 203
# spice-gtk 0.42's display caps (SPICE-NOTES 3.0): bits 0-5 and 7-9,
# LZ4 among them.
GTK_DISPLAY_CAPS = (0, 1, 2, 3, 4, 7, 8, 9)


def expect_picture(d, want, what, images):
    """Wait for MARK, then check the start sequence, the image types and
    the framebuffer against want."""
    d.wait_mark(10)
    types = [t for t, _ in d.received]
    check(types[0] == rawspice.MSG_SET_ACK, "%s: first message %d, want SET_ACK" % (what, types[0]))
    check(rawspice.MSG_DISPLAY_SURFACE_CREATE in types
          and types.index(rawspice.MSG_DISPLAY_SURFACE_CREATE)
          < types.index(rawspice.MSG_DISPLAY_DRAW_COPY),
          "%s: SURFACE_CREATE before the first DRAW_COPY: %r" % (what, types))
    check((d.width, d.height) == (W, H), "%s: surface %dx%d, want %dx%d"
          % (what, d.width, d.height, W, H))
    check(d.draws >= 1, "%s: no DRAW_COPY before MARK" % what)
    check(set(d.images) == {images}, "%s: image types %r, want only %d"
          % (what, d.images, images))
    check(d.unknown == [], "%s: unexpected message types %r" % (what, d.unknown))
    got = d.rgb()
    check(got == want, "%s: framebuffer at MARK: %s" % (what, ppm.describe_diff(ppm.diff(got, want, W, H))))
    # Nothing after MARK may spoil it.
    d.settle(0.3)
    check(d.rgb() == want, "%s: framebuffer changed after MARK" % what)
    check(d.is_open(0.1), "%s: connection closed" % what)


def serve(picture, extra=""):
    """spiced with extra config lines, showing picture (W x H RGB)."""
    sp = common.Spiced(extra=extra)
    path = os.path.join(sp.dir, "pattern.ppm")
    ppm.write_ppm(path, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", path)
    common.wait_for(lambda: sp.workers("display"), 5, "a display worker")
    return sp


def drawing_rgb():
    """Flat areas, lines and a little text-like detail: LZ4's kind of
    picture (most neighbouring pixels equal)."""
    out = bytearray(b"\xd0" * (W * H * 3))
    for y in range(H):
        for x in range(W):
            i = (y * W + x) * 3
            if y < 20:
                out[i:i + 3] = b"\x20\x40\xa0"
            elif x % 50 == 0 or y % 40 == 0:
                out[i:i + 3] = b"\x00\x00\x00"
            elif y % 40 in (10, 11, 12) and (x * 7 + y) % 11 < 4:
                out[i:i + 3] = b"\x10\x10\x10"
    return bytes(out)


def main():
    # The default (auto_glz): a natural picture goes as QUIC to every
    # client, a drawing as LZ4 to clients with the cap.
    picture = common.pattern_rgb(W, H, seed=6)
    sp = serve(picture)

    # (a) The cap among spice-gtk's display caps: QUIC for this picture.
    m = rawspice.open_session(sp.port, sp.password)
    check((rawspice.rawlink.CHANNEL_DISPLAY, 0) in m.channels,
          "CHANNELS_LIST %r lacks display 0" % m.channels)
    d = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=True,
                                extra_caps=GTK_DISPLAY_CAPS)
    expect_picture(d, picture, "LZ4 client, natural picture", rawspice.IMAGE_QUIC)
    d.close()
    m.close()

    # (b) No LZ4 cap (spice-html5): QUIC too.
    m = rawspice.open_session(sp.port, sp.password)
    d = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=False)
    expect_picture(d, picture, "client without LZ4", rawspice.IMAGE_QUIC)
    d.close()
    m.close()

    # (c) Both at once, each in its own session, linked and initialised
    # before either reads a byte.
    m1 = rawspice.open_session(sp.port, sp.password)
    m2 = rawspice.open_session(sp.port, sp.password)
    check(m1.session_id != m2.session_id, "two sessions share id %d" % m1.session_id)
    a = rawspice.display_client(sp.port, sp.password, m1.session_id, lz4=True, init=False)
    b = rawspice.display_client(sp.port, sp.password, m2.session_id, lz4=False, init=False)
    a.send_init()
    b.send_init()
    expect_picture(a, picture, "concurrent LZ4 client", rawspice.IMAGE_QUIC)
    expect_picture(b, picture, "concurrent client without LZ4", rawspice.IMAGE_QUIC)
    check(a.is_open(0.1) and b.is_open(0.1), "a concurrent client was closed")

    # (d) Full data headers (no MINI_HEADER offered).
    m3 = rawspice.open_session(sp.port, sp.password)
    c = rawspice.display_client(sp.port, sp.password, m3.session_id, lz4=True,
                                common_caps=(0x03,))
    check(not c.mini, "the link chose the mini header without the client's cap")
    expect_picture(c, picture, "full-header client", rawspice.IMAGE_QUIC)
    check(sp.alive(), "spiced died")
    check(len(sp.workers("display")) == 1, "display workers: %r" % sp.workers("display"))
    sp.stop()

    # A drawing: LZ4 where the client has it, LZ where it has not.
    drawing = drawing_rgb()
    sp = serve(drawing)
    m = rawspice.open_session(sp.port, sp.password)
    d = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=True,
                                extra_caps=GTK_DISPLAY_CAPS)
    expect_picture(d, drawing, "LZ4 client, drawing", rawspice.IMAGE_LZ4)
    check(d.lz4_formats == {(1, rawspice.BITMAP_FMT_32BIT)},
          "LZ4 (top_down, format) %r, want (1, 32BIT)" % d.lz4_formats)
    e = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=False)
    expect_picture(e, drawing, "client without LZ4, drawing", rawspice.IMAGE_LZ_RGB)
    sp.stop()

    # image-compression = quic: QUIC for the drawing too.
    sp = serve(drawing, "image-compression = quic")
    m = rawspice.open_session(sp.port, sp.password)
    d = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=True,
                                extra_caps=GTK_DISPLAY_CAPS)
    expect_picture(d, drawing, "quic: LZ4 client, drawing", rawspice.IMAGE_QUIC)
    sp.stop()

    # image-compression = glz to clients without a GLZ window (GLZ itself:
    # 062, with spice-gtk): no QUIC; LZ4, LZ to a client without the cap.
    sp = serve(picture, "image-compression = glz")
    m = rawspice.open_session(sp.port, sp.password)
    d = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=True,
                                extra_caps=GTK_DISPLAY_CAPS, init=False)
    d.send_init(glz_window=0)
    expect_picture(d, picture, "glz: LZ4 client, natural picture", rawspice.IMAGE_LZ4)
    e = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=False,
                                init=False)
    e.send_init(glz_window=0)
    expect_picture(e, picture, "glz: client without LZ4", rawspice.IMAGE_LZ_RGB)
    check(sp.alive(), "spiced died")
    sp.stop()

    # image-compression = lz: LZ for every image and client; auto_lz:
    # QUIC for the picture, LZ for the drawing, the LZ4 cap or not.
    sp = serve(picture, "image-compression = lz")
    m = rawspice.open_session(sp.port, sp.password)
    d = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=True,
                                extra_caps=GTK_DISPLAY_CAPS)
    expect_picture(d, picture, "lz: LZ4 client, natural picture", rawspice.IMAGE_LZ_RGB)
    sp.stop()
    for pic, want, what in ((picture, rawspice.IMAGE_QUIC, "natural picture"),
                            (drawing, rawspice.IMAGE_LZ_RGB, "drawing")):
        sp = serve(pic, "image-compression = auto_lz")
        m = rawspice.open_session(sp.port, sp.password)
        d = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=True,
                                    extra_caps=GTK_DISPLAY_CAPS)
        expect_picture(d, pic, "auto_lz: LZ4 client, " + what, want)
        check(sp.alive(), "spiced died")
        sp.stop()


common.run(main)
