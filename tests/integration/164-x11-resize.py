#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Resizing the desktop from the viewer: Xorg with the dummy video driver,
spiced-x11 and the real spice-gtk client.  The client's window asks for
1100x700 (the agent's MONITORS_CONFIG, as remote-viewer sends when its
window is resized); spiced-x11 adds that mode through RANDR and resizes
the X screen; the client gets a new primary of that size showing what
the X server shows, pixel-exact.  Then a smaller size, and a size past
what the server takes, which gets the nearest size it takes (as a guest
agent does), said in the log.  On keycodes other than evdev's spiced-x11 refuses to
start, saying why."""

import re
import subprocess

import common
import spice_client
import xsession
from common import check
from spice_client import Spice


def screen_size(x):
    out = subprocess.run(["xdpyinfo"], env=x.env, capture_output=True, text=True,
                         timeout=10).stdout
    m = re.search(r"dimensions:\s+(\d+)x(\d+) pixels", out)
    return int(m.group(1)), int(m.group(2))


def resize(c, m, w, h):
    Spice.MainChannel.update_display_enabled(m, 0, True, False)
    Spice.MainChannel.update_display(m, 0, 0, 0, w, h, True)


def main():
    xsession.need("xdpyinfo", "xsetroot")
    x = xsession.XorgDummy(1024, 768)
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    subprocess.run(["xsetroot", "-solid", "#336699"], env=x.env, check=True)
    xsession.start_spiced_x11(sp, x, uid)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(10)
    check((c.primary["width"], c.primary["height"]) == (1024, 768), "primary %s" % c.primary)
    m = c.channel(spice_client.CHANNEL_MAIN)
    c.wait_until(lambda: m.get_property("agent-connected") and m.get_property("agent-caps-0"),
                 10, "the agent")

    for w, h in ((1100, 700), (800, 600)):
        resize(c, m, w, h)
        c.wait_until(lambda: c.primary and (c.primary["width"], c.primary["height"]) == (w, h),
                     15, "a %dx%d primary" % (w, h))
        check(screen_size(x) == (w, h), "X screen %s, wanted %dx%d" % (screen_size(x), w, h))
        c.wait_pixels(x.screenshot().rgb, 10)
    sp.wait_log(r"spiced-x11: agent: the client asks for 1100x700: the screen is resized", 5)

    # Past what the server takes (the dummy's Virtual 1920x1200 is not
    # it: RANDR's range is, and qxl-shm's 8192 caps it): the nearest
    # size it takes, as a guest agent gives a window larger than the
    # largest screen.
    out = subprocess.run(["xrandr", "-q"], env=x.env, capture_output=True, text=True,
                         timeout=10).stdout
    m_max = re.search(r"maximum (\d+) x (\d+)", out)
    check(m_max is not None, "xrandr's range: %r" % out[:200])
    want = (min(int(m_max.group(1)), 8192), 700)
    resize(c, m, 9000, 700)
    c.wait_until(lambda: c.primary and (c.primary["width"], c.primary["height"]) == want,
                 15, "a %dx%d primary after asking for 9000x700" % want)
    check(screen_size(x) == want, "X screen %s, wanted %s" % (screen_size(x), want))
    sp.wait_log(r"asks for 9000x700: the nearest size X display \S+ takes is %dx%d: the screen "
                r"is resized to it" % want, 5)
    c.disconnect()

    # Keycodes other than evdev's (Xorg's own with no input devices):
    # refused before spiced hears of it, with the reason.
    subprocess.run(["setxkbmap", "-rules", "base", "-model", "pc105", "-layout", "us"],
                   env=x.env, check=True, timeout=10)
    r = subprocess.run([common.SPICED_X11, "--socket", sp.producer_socket,
                        "--display", x.display], capture_output=True, text=True, timeout=10,
                       preexec_fn=common.demote_fn(uid))
    check(r.returncode == 1 and re.search(r'keycodes "xfree86[^"]*"; spiced-x11 maps keys to '
                                          r'evdev keycodes only', r.stderr),
          "spiced-x11 on xfree86 keycodes: status %d, %r" % (r.returncode, r.stderr))


common.run(main)
