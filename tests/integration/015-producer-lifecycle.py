#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Producer lifecycle as a viewer sees it: a spice-gtk client connected
before any producer attached gets the picture as soon as one attaches
(a later CHANNELS_LIST announces the display channel); when the producer
detaches, the session stays, and the next producer's picture reaches the
same client."""

import os

import common
import ppm
import spice_client
from common import check

W, H = 200, 100


def main():
    sp = common.Spiced(password=None)
    c = spice_client.connect(port=sp.port)
    c.wait_channels([spice_client.CHANNEL_MAIN], timeout=10)
    check(not sp.workers("display"), "a display worker without a producer")

    img = os.path.join(sp.dir, "p.ppm")
    first = common.pattern_rgb(W, H, seed=2)
    ppm.write_ppm(img, W, H, first)
    p = sp.start_producer("--image", img)
    c.wait_pixels(first, timeout=10)

    mark = sp.log_mark()
    p.terminate()
    p.wait(timeout=10)
    sp.wait_log(r"producer .* detached", 5, mark)
    common.wait_for(lambda: not sp.workers("display"), 5, "the display worker to stop")
    check(len(sp.workers("main")) == 1, "the session ended with its producer")

    second = common.pattern_rgb(W, H, seed=5)
    ppm.write_ppm(img, W, H, second)
    sp.start_producer("--image", img)
    c.wait_pixels(second, timeout=10)
    c.disconnect()


common.run(main)
