#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A window dragged by its title bar from the viewer, under a window
manager that grabs the X server while it moves one (twm draws the
outline of a window being moved with the server grabbed, until the
button's release): spiced-x11's input goes through the grab, so the
release arrives, the window lands where it was dragged, the X server is
free again and spice-gtk shows what it shows.  Before spiced-x11 made its
connection impervious to grabs, the release waited behind twm's grab and
the whole session froze (README's demo: "move windows"); impervious, it
still froze about one drag in ten here while it asked X for the pointer
after the press or for twm's new cursor as the grab began (Xorg holds a
request it is reading when a grab begins until the grab's end): 65 runs
in a row passed once it stopped asking then, 25 of them on a loaded
machine."""

import os
import re
import subprocess
import threading
import time

import common
import spice_client
import xsession
from common import check
from spice_client import Spice

W, H = 800, 600
MOUSE_MODE_CLIENT = 2
BUTTON_LEFT, BUTTON_MASK_LEFT = 1, 1
DX, DY = 150, 90

# An outline move (no OpaqueMove): twm grabs the server for it.
TWMRC = """BorderWidth 2
Button1 = : title : f.move
"""


def geometry(x, win):
    """Where window win is on the screen; None while the X server does
    not answer (grabbed by another client) or xwininfo cannot tell."""
    try:
        out = subprocess.run(["xwininfo", "-id", str(win)], env=x.env,
                             capture_output=True, text=True, timeout=3).stdout
    except subprocess.TimeoutExpired:
        return None
    m = re.search(r"Absolute upper-left X:\s+(-?\d+)\s+Absolute upper-left Y:\s+(-?\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else None


class Probe:
    """Round trips to the X server on a connection of the test's own,
    each in a thread: one that does not come back while the server is
    grabbed by another client comes back when the grab ends."""

    def __init__(self, x):
        import Xlib.display
        self.d = Xlib.display.Display(x.display)
        self.done = None

    def start(self):
        self.done = threading.Event()
        done = self.done
        threading.Thread(target=lambda: (self.d.sync(), done.set()), daemon=True).start()

    def answered(self):
        return self.done.is_set()


def spin(c, seconds):
    """Let spice-gtk run (and send what it was given) for seconds."""
    end = time.monotonic() + seconds
    c.wait_until(lambda: time.monotonic() >= end, seconds + 5, "time to pass")


def main():
    xsession.need("twm", "xterm", "xdotool", "xwininfo", "xsetroot")
    try:
        import Xlib.display  # noqa: F401 (python3-xlib: the grab's probe)
    except ImportError:
        raise common.SkipTest("python3-xlib is not installed")
    x = xsession.Xvfb(W, H)
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    subprocess.run(["xsetroot", "-solid", "#336699"], env=x.env, check=True)
    rc = os.path.join(x.dir, "twmrc")
    with open(rc, "w") as f:
        f.write(TWMRC)
    x.spawn(["twm", "-f", rc])
    term = x.spawn(["xterm", "-geometry", "40x6+60+80", "-e", "sh", "-c",
                    "echo dragged; exec sleep 120"])
    common.wait_for(lambda: x.windows_of(term.pid), 10, "the xterm's window")
    win = x.windows_of(term.pid)[0]
    common.wait_for(lambda: geometry(x, win) is not None, 10, "the xterm's position")
    x0, y0 = geometry(x, win)
    xsession.start_spiced_x11(sp, x, uid)
    probe = Probe(x)

    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_DISPLAY,
                     spice_client.CHANNEL_INPUTS], timeout=10)
    c.wait_primary(10)
    c.wait_pixels(x.screenshot().rgb, 10)
    inputs = c.channel(spice_client.CHANNEL_INPUTS)
    main_ch = c.channel(spice_client.CHANNEL_MAIN)
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == MOUSE_MODE_CLIENT, 5,
                 "client mouse mode")

    # Press on the title bar (twm's is 19 pixels tall, ending a border
    # above the xterm's own window) and wait for twm to take the move
    # with the server grabbed (other clients then get no answer): a
    # release that reached X before twm read the press would make it a
    # click, which twm takes as "move until the next click".  Then drag
    # in steps with the button held, and release.
    px, py = x0 + 40, y0 - 12
    Spice.InputsChannel.position(inputs, px, py, 0, 0)
    spin(c, 0.3)
    Spice.InputsChannel.button_press(inputs, BUTTON_LEFT, BUTTON_MASK_LEFT)
    end = time.monotonic() + 20
    while True:
        probe.start()
        try:
            c.wait_until(probe.answered, 2, "a round trip")
        except spice_client.SpiceTimeout:
            break   # grabbed: twm is moving the window
        check(time.monotonic() < end, "twm never took the move (the server never grabbed)")
        spin(c, 0.1)
    for step in range(1, 11):
        Spice.InputsChannel.position(inputs, px + DX * step // 10, py + DY * step // 10,
                                     0, BUTTON_MASK_LEFT)
        spin(c, 0.05)
    Spice.InputsChannel.button_release(inputs, BUTTON_LEFT, 0)

    # The release got through twm's grab: the server answers again and
    # the window is where it was dragged.
    try:
        c.wait_until(probe.answered, 10, "the grab's end")
    except spice_client.SpiceTimeout:
        raise common.TestFailure("the X server stays grabbed after the drag (twm never "
                                 "got the button's release)")
    where = [None]

    def moved():
        where[0] = geometry(x, win)
        return where[0] == (x0 + DX, y0 + DY)
    try:
        c.wait_until(moved, 10, "the window dragged")
    except spice_client.SpiceTimeout:
        raise common.TestFailure(
            "the window dragged from %d,%d to %d,%d: %s" % (
                x0, y0, x0 + DX, y0 + DY, "it is at %s" % (where[0],)))
    # And the client shows the X server's picture of it, pixel-exact.
    c.wait_pixels(x.screenshot().rgb, 10)
    print("# dragged from %d,%d to %d,%d through twm's server grab" % (x0, y0, *where[0]))
    c.disconnect()
    sp.stop()


common.run(main)
