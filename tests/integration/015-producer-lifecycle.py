#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Producer lifecycle as a viewer sees it.  The display worker lives as
long as the display: a spice-gtk client that connects before any
producer links its display channel at once and gets the picture as soon
as a producer attaches.  When the producer detaches, the worker, the
session and its display channel stay (the viewer sees the primary go),
and the next producer's picture reaches the same client on the same
display channel: spice-gtk is never told about display 0 twice (which
gave remote-viewer two display links), and `spicectl list` shows one
display channel for the session and the new producer's pid."""

import os

import common
import ppm
import spice_client
from common import check

W, H = 200, 100


def display_rows(sp):
    d = sp.list_json()["displays"][0]
    rows = [ch for s in d["sessions"] for ch in s["channels"] if ch["type"] == "display"]
    return d, rows


def main():
    sp = common.Spiced(password=None)
    common.wait_for(lambda: len(sp.workers("display")) == 1, 5,
                    "the display worker, with no producer yet")
    worker = sp.workers("display")[0]
    c = spice_client.connect(port=sp.port)
    c.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_DISPLAY], timeout=10)

    img = os.path.join(sp.dir, "p.ppm")
    first = common.pattern_rgb(W, H, seed=2)
    ppm.write_ppm(img, W, H, first)
    p = sp.start_producer("--image", img)
    c.wait_pixels(first, timeout=10)
    d, rows = display_rows(sp)
    check(d["producer_pid"] == p.pid, "list: producer pid %s, want %d" % (d["producer_pid"], p.pid))

    mark = sp.log_mark()
    p.terminate()
    p.wait(timeout=10)
    sp.wait_log(r"producer .* detached", 5, mark)
    c.wait_until(lambda: c.primary is None, 5, "the primary to go with its producer")
    check(sp.workers("display") == [worker], "the display worker did not outlive its producer")
    check(len(sp.workers("main")) == 1, "the session ended with its producer")
    d, rows = display_rows(sp)
    check(not d["producer"], "list still shows a producer")
    check(len(rows) == 1, "list shows %d display channels, want 1" % len(rows))

    second = common.pattern_rgb(W, H, seed=5)
    ppm.write_ppm(img, W, H, second)
    p2 = sp.start_producer("--image", img)
    c.wait_pixels(second, timeout=10)
    check(c.created.count((spice_client.CHANNEL_DISPLAY, 0)) == 1,
          "spice-gtk was given display 0 %d times" % c.created.count((spice_client.CHANNEL_DISPLAY, 0)))
    check(not c.closed_channels(), "channels closed: %r" % c.closed_channels())
    d, rows = display_rows(sp)
    check(d["producer_pid"] == p2.pid, "list: producer pid %s, want the new %d"
          % (d["producer_pid"], p2.pid))
    check(len(rows) == 1, "list shows %d display channels after the new producer" % len(rows))
    c.disconnect()


common.run(main)
