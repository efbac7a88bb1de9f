#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The viewers' pixmap caches: an image sent a second time goes with
CACHE_ME (not the first time: most images never come back), and once
cached (a window that comes back) as FROM_CACHE, by the hash of its
content; spice-gtk and a raw client show it exact.  A viewer that
announced a small cache is told to drop the least recently used images
(INVAL_LIST) to make room, and an image it dropped is sent again in full
and cached again.  The raw
clients check that every FROM_CACHE names an image they hold."""

import common
import rawspice
import spice_client
from common import check

W, H = 320, 240


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    d.wait_mark(10)
    # A viewer whose cache holds two of these images.
    small = rawspice.display_client(sp.port, "pw", m.session_id, init=False)
    small.send_init(cache_size=2 * 200 * 150)
    small.wait_mark(10)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)
    # All its channels linked before raw clients take the test's time.
    c.wait_channels([spice_client.CHANNEL_CURSOR, spice_client.CHANNEL_INPUTS])
    model = bytearray(W * H * 3)

    def show(seed):
        prod.say("bitmap 0 0 200 150 %d" % seed)
        common.script_noise(model, W, 0, 0, 200, 150, seed)
        c.wait_pixels(bytes(model), 10)
        for v in (d, small):
            v.settle(0.3)
            check(v.rgb() == bytes(model), "a raw viewer's picture differs after seed %d" % seed)

    # Sent once, an image is not cached (most never come back: a video's
    # frames); the second time it goes with CACHE_ME, the third by name.
    show(1)
    show(2)
    check(len(d.pixmaps) == 0, "images sent once were cached: %s" % sorted(d.pixmaps))
    n = d.from_cache
    show(1)
    check(len(d.pixmaps) == 1 and d.from_cache == n,
          "an image sent twice: %d cached, %d FROM_CACHE" % (len(d.pixmaps), d.from_cache - n))
    show(2)
    show(1)
    check(d.from_cache == n + 1, "the returning image came as %d FROM_CACHE" % (d.from_cache - n))
    check(len(d.pixmaps) == 2, "the viewer holds %d images, not 2" % len(d.pixmaps))
    # The small cache holds 1 and 2 now (1 the more recent).  3 the
    # second time pushes out the least recent (2).
    show(3)
    check(small.invals == 0, "an image sent once made room in the cache")
    show(1)
    show(3)
    check(small.invals == 1, "the small cache was told to drop %d images" % small.invals)
    n = small.from_cache
    show(2)
    check(small.from_cache == n, "an image the viewer dropped came from its cache")
    # A dropped image had come back: it is cached again at once.
    check(small.invals == 2 and len(small.pixmaps) == 2,
          "the dropped image was not cached again (%d drops, %d held)"
          % (small.invals, len(small.pixmaps)))
    show(3)
    check(small.from_cache == n + 1, "an image the viewer holds was sent again")
    check(d.unknown == [] and small.unknown == [], "unknown messages")
    check(sp.alive(), "spiced died")


common.run(main)
