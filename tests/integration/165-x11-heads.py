#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spiced-x11 tells spiced the X screen's monitors (RANDR 1.5): on Xvfb,
two monitors made with xrandr --setmonitor reach a viewer as two heads
of the primary (MONITORS_CONFIG), and remote-viewer opens a window for
each; once they are deleted the viewer is told one head, the whole
screen.  A screen of one monitor sends no MONITORS_CONFIG at all."""

import signal
import subprocess
import os

import common
import rawspice
import spice_client
import xsession
from common import check
from spice_client import Spice

W, H = 1200, 600


def xrandr(x, *args):
    subprocess.run(["xrandr"] + list(args), env=x.env, check=True, timeout=10)


def pointer(x):
    """Where the X server's pointer is."""
    out = subprocess.run(["xdotool", "getmouselocation", "--shell"], env=x.env,
                         capture_output=True, text=True, timeout=10).stdout
    v = dict(line.split("=", 1) for line in out.split())
    return int(v["X"]), int(v["Y"])


def heads(d):
    return None if d.monitors is None else [(x, y, w, h) for (_i, _s, w, h, x, y, _f) in d.monitors]


def main():
    xsession.need("xrandr", "remote-viewer", "xdotool")
    x = xsession.Xvfb(W, H)
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    xsession.start_spiced_x11(sp, x, uid)
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id,
                                extra_caps=(rawspice.DISPLAY_CAP_MONITORS_CONFIG,))
    d.wait_mark(10)
    d.pump(1.5)
    check(d.monitors is None, "one monitor, yet MONITORS_CONFIG %r" % (d.monitors,))

    xrandr(x, "--setmonitor", "left", "600/160x600/160+0+0", "none")
    xrandr(x, "--setmonitor", "right", "600/160x600/160+600+0", "none")
    want = [(0, 0, 600, 600), (600, 0, 600, 600)]
    d.pump(10, until=lambda c: heads(c) == want)
    check(d.monitors_max == 2, "max_allowed %d" % d.monitors_max)

    # Positions on each monitor land on that monitor of the X screen.
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_INPUTS], 10)
    main_ch = c.channel(spice_client.CHANNEL_MAIN)
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == 2, 10, "client mouse mode")
    inputs = c.channel(spice_client.CHANNEL_INPUTS)
    for (mx, my, mon), want_at in (((10, 20, 1), (610, 20)), ((30, 40, 0), (30, 40))):
        Spice.InputsChannel.position(inputs, mx, my, mon, 0)
        c.wait_until(lambda: pointer(x) == want_at, 10,
                     "the X pointer at %r after %r on monitor %d" % (want_at, (mx, my), mon))
    c.disconnect()

    vv = os.path.join(x.dir, "x11.vv")
    with open(vv, "w") as f:
        f.write("[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=%d\npassword=pw\n"
                "delete-this-file=0\n" % sp.port)
    rx = xsession.Xvfb(1600, 900)
    viewer = rx.spawn(["remote-viewer", vv])
    common.wait_for(lambda: viewer.poll() is None and len(rx.windows_of(viewer.pid)) >= 2, 30,
                    "remote-viewer's two windows", interval=0.5)
    viewer.send_signal(signal.SIGTERM)
    viewer.wait(10)

    xrandr(x, "--delmonitor", "left")
    xrandr(x, "--delmonitor", "right")
    d.pump(10, until=lambda c: heads(c) == [(0, 0, W, H)])
    check(sp.alive(), "spiced died")


common.run(main)
