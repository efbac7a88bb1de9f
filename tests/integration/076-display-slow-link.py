#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A viewer on a real slow link: the test runs in a network namespace of
its own whose loopback carries 2 Mbit/s (tc's token bucket, MTU 1500),
spiced and spice-gtk on it with the default jpeg-wan-compression = auto.
Photographs drawn four times a second until TCP measures the link below
10 Mbit/s: spice-gtk's picture of the last one is a JPEG's (within
35 dB, not exact); a second after that JPEG spiced sends the pixels again
losslessly, a band at a time while the link is idle, and spice-gtk's
picture becomes exact; a fill drawn once that refresh has begun reaches
spice-gtk too, and the final picture is exactly the model."""

import os
import shutil
import subprocess
import sys
import time

import common
import ppm
import spice_client
from common import check

W, H = 320, 240
INSIDE = "SPICED_TEST_SLOW_LINK"


def shape_loopback():
    """In the new namespace: lo up at MTU 1500 (tc's bucket holds whole
    packets only), 2 Mbit/s."""
    for cmd in (["ip", "link", "set", "lo", "mtu", "1500"], ["ip", "link", "set", "lo", "up"],
                ["tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "2mbit",
                 "burst", "16kb", "latency", "300ms"]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise common.SkipTest("%s: %s" % (" ".join(cmd), r.stderr.strip()))


def main():
    if os.environ.get(INSIDE) != "1":
        if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("tc"):
            raise common.SkipTest("needs root, unshare and tc (iproute2)")
        env = dict(os.environ, **{INSIDE: "1"})
        r = subprocess.run(["unshare", "-n", sys.executable] + sys.argv, env=env)
        if r.returncode == 77:
            raise common.SkipTest("no shaped link in a network namespace here")
        check(r.returncode == 0, "the test in its namespace failed (%d)" % r.returncode)
        return 0
    shape_loopback()
    sp = common.Spiced(password="pw", extra="streaming-video = off")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(20)
    c.wait_channels([spice_client.CHANNEL_CURSOR, spice_client.CHANNEL_INPUTS], 20)

    def spin(seconds):
        try:
            c.wait_until(lambda: False, seconds, "time to pass")
        except spice_client.SpiceTimeout:
            pass

    model = bytearray(W * H * 3)
    lossy = None
    for seed in range(1, 31):
        prod.say("photo 0 0 320 240 %d" % seed)
        model[:] = bytes(W * H * 3)
        common.script_photo(model, W, 0, 0, W, H, seed)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.25:
            spin(0.02)
            db = ppm.psnr(c.snapshot(), bytes(model))
            if 35 <= db < 99:
                lossy = db
                break
        if lossy is not None:
            break
    check(lossy is not None, "spice-gtk never showed a photograph as JPEG on a 2 Mbit/s link")
    t_jpeg = time.monotonic()
    # The refresh; during it, a fill in a corner.
    c.wait_until(lambda: ppm.psnr(c.snapshot(), bytes(model)) > lossy + 1, 10,
                 "the lossless refresh to begin")
    prod.say("fill 0 0 16 16 ff0000")
    for y in range(16):
        model[y * W * 3:(y * W + 16) * 3] = b"\xff\x00\x00" * 16
    c.wait_pixels(bytes(model), 15)
    print("photograph %d: spice-gtk %.1f dB (JPEG), exact with the fill %.1f s later"
          % (seed, lossy, time.monotonic() - t_jpeg))
    check(sp.alive(), "spiced died")


common.run(main)
