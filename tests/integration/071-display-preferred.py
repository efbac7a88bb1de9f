#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A viewer's own image compression (SPICE_MSGC_DISPLAY_PREFERRED_COMPRESSION,
what remote-viewer's --spice-preferred-compression sends): spiced offers
the cap on the display channel, and from the message on that viewer's
lossless images are what image-compression of that name would make
them, whatever the display's setting: a raw client asks in turn for lz,
off, quic, lz4 and auto_glz and gets each picture (a photograph) as
LZ_RGB, BITMAP, QUIC, LZ4 and QUIC, decoded exactly; another viewer on
the same display keeps the display's setting.  spice-gtk with its
preferred-compression set to glz gets GLZ (its window) for a display
whose setting is lz4 and shows the pictures exactly.  A kind that does
not exist ends that channel only, with the reason."""

import common
import rawspice
import spice_client
from common import check

W, H = 320, 240
MSG_PREFERRED_COMPRESSION = 103
CAP_PREF_COMPRESSION = 6
(OFF, AUTO_GLZ, AUTO_LZ, QUIC, GLZ, LZ, LZ4) = range(1, 8)
NAMES = {OFF: "bitmap", AUTO_GLZ: "quic and lz4", QUIC: "quic", GLZ: "glz", LZ: "lz",
         LZ4: "lz4"}


def main():
    sp = common.Spiced(password="pw", extra="image-compression = lz4")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    model = bytearray(W * H * 3)
    prod.say("photo 0 0 %d %d 1" % (W, H))
    common.script_photo(model, W, 0, 0, W, H, 1)
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    check(d.server_caps and d.server_caps[0] & (1 << CAP_PREF_COMPRESSION),
          "the display channel's caps %r lack PREF_COMPRESSION" % d.server_caps)
    other = rawspice.display_client(sp.port, "pw", m.session_id)
    d.pump(10, until=lambda c: c.rgb() == bytes(model))
    check(set(t for *_, t in d.copies) == {rawspice.IMAGE_LZ4},
          "before any preference: %s" % d.images)

    step = 1
    for pref, itype in ((LZ, rawspice.IMAGE_LZ_RGB), (OFF, rawspice.IMAGE_BITMAP),
                        (QUIC, rawspice.IMAGE_QUIC), (LZ4, rawspice.IMAGE_LZ4),
                        (AUTO_GLZ, rawspice.IMAGE_QUIC)):
        mark = sp.log_mark()
        d.send(MSG_PREFERRED_COMPRESSION, bytes((pref,)))
        sp.wait_log(r"conn \d+ prefers %s images" % NAMES[pref], 5, mark)
        step += 1
        n = len(d.copies)
        prod.say("photo 0 0 %d %d %d" % (W, H, step))
        common.script_photo(model, W, 0, 0, W, H, step)
        d.pump(10, until=lambda c: c.rgb() == bytes(model))
        got = set(t for *_, t in d.copies[n:])
        check(got == {itype}, "after preferring %s: image types %s" % (NAMES[pref], got))
    other.pump(10, until=lambda c: c.rgb() == bytes(model))
    check(set(t for *_, t in other.copies) == {rawspice.IMAGE_LZ4},
          "the other viewer's images %s" % other.images)

    # spice-gtk asks for GLZ at its display channel's start.
    c = spice_client.Client(port=sp.port, password="pw")
    c.session.set_property("preferred-compression", GLZ)
    mark = sp.log_mark()
    c.start()
    sp.wait_log(r"conn \d+ prefers glz images", 10, mark, client=c)
    c.wait_pixels(bytes(model), 10)
    for step in range(10, 13):
        prod.say("photo 40 30 200 150 %d" % step)
        common.script_photo(model, W, 40, 30, 200, 150, step)
        c.wait_pixels(bytes(model), 10)
    c.disconnect()

    # A kind that is none: that channel ends, the session stays.
    mark = sp.log_mark()
    d.send(MSG_PREFERRED_COMPRESSION, bytes((9,)))
    sp.wait_log(r"PREFERRED_COMPRESSION of an unknown kind", 5, mark)
    d.expect_closed()
    check(m.is_open(0.2) and other.is_open(0.2), "the session went with the channel")


common.run(main)
