#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Keys and the pointer, from the real spice-gtk client through spiced
and spiced-qemu, as the guest's own drivers get them: a real QEMU (TCG)
boots the tests' Linux guest with evdev, the PS/2 mouse driver and a USB
tablet's (tools/guest-fetch.sh, group input), and tests/tools/guest-input
prints every key, relative and absolute event of the guest's input
devices on the serial console.

With the USB tablet the console is absolute, so the client is in client
mouse mode: a position in the middle of the screen arrives as the
tablet's ABS_X/ABS_Y at the middle of its 0..32767 scale, a click as
BTN_LEFT down and up.  Keys arrive on the guest's AT keyboard: h, i with
Shift, and keys with the E0 prefix (Right Ctrl, the arrows).  Once the
tablet is unplugged the console is relative and the client falls back to
server mode: motion arrives as the PS/2 mouse's REL_X/REL_Y (the guest's
driver reports y growing downwards, as the client sent it), the wheel as
REL_WHEEL."""

import re

import common
import spice_client
import vm
from common import check
from spice_client import Spice

MOUSE_MODE_SERVER, MOUSE_MODE_CLIENT = 1, 2
# Set-1 scancodes as spice-gtk takes them (0x100 | code: the E0 prefix).
SC = {"h": 0x23, "i": 0x17, "lshift": 0x2a, "rctrl": 0x11d, "left": 0x14b, "up": 0x148}
# Linux input codes (linux/input-event-codes.h).
KEY = {"h": 35, "i": 23, "lshift": 42, "rctrl": 97, "left": 105, "up": 103}
EV_ABS_X, EV_ABS_Y, REL_X, REL_Y, REL_WHEEL, BTN_LEFT = 0, 1, 0, 1, 8, 0x110


def devices(q):
    """{event device: name} the guest announced."""
    return dict(re.findall(r'guest: input (event\d+) "([^"]*)"', q.serial()))


def events(q, dev, since):
    """(type, code, value) of dev's events printed after offset since."""
    return [(t, int(c), int(v)) for t, c, v in
            re.findall(r"guest: ev %s (\w+) (\d+) (-?\d+)" % dev, q.serial()[since:])]


def main():
    vm.need_linux()
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    q = vm.Qemu(uid, linux=True, modules=("input",),
                extra=["-usb", "-device", "usb-tablet,id=tablet"])
    vm.start_bridge(sp, q, uid)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_DISPLAY, spice_client.CHANNEL_INPUTS], 10)
    inputs = c.channel(spice_client.CHANNEL_INPUTS)
    main_ch = c.channel(spice_client.CHANNEL_MAIN)

    def find(pattern):
        return next((d for d, n in devices(q).items() if re.search(pattern, n)), None)
    c.wait_until(lambda: find("Tablet") and find("keyboard") and find("Mouse"), 120,
                 "the guest's tablet, keyboard and PS/2 mouse")
    tablet, kbd, mouse = find("Tablet"), find("keyboard"), find("Mouse")
    print("guest devices: %r" % devices(q))

    # The tablet: client mode, absolute positions, a click.
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == MOUSE_MODE_CLIENT, 30,
                 "client mouse mode with the tablet")
    w, h = c.primary["width"], c.primary["height"]
    since = len(q.serial())
    Spice.InputsChannel.position(inputs, w // 2, h // 2, 0, 0)
    Spice.InputsChannel.button_press(inputs, 1, 0)
    Spice.InputsChannel.button_release(inputs, 1, 0)

    def tablet_done():
        ev = events(q, tablet, since)
        return ("key", BTN_LEFT, 0) in ev and ev
    ev = c.wait_until(tablet_done, 30, "the tablet's position and click in the guest")
    absx = [v for t, code, v in ev if t == "abs" and code == EV_ABS_X]
    absy = [v for t, code, v in ev if t == "abs" and code == EV_ABS_Y]
    # The middle of the screen on QEMU's 0..0x7fff scale, as QEMU
    # rounds it (within one step of a pixel).
    check(absx and abs(absx[-1] - 0x7fff * (w // 2) // (w - 1)) <= 0x7fff // w + 1 and
          absy and abs(absy[-1] - 0x7fff * (h // 2) // (h - 1)) <= 0x7fff // h + 1,
          "tablet at %r, %r for %d,%d of %dx%d" % (absx, absy, w // 2, h // 2, w, h))
    clicks = [(code, v) for t, code, v in ev if t == "key"]
    check(clicks == [(BTN_LEFT, 1), (BTN_LEFT, 0)], "tablet buttons %r" % clicks)

    # Keys: Shift+h, i, and keys with the E0 prefix, at a typist's pace
    # (each once the guest has the one before: QEMU's PS/2 keyboard
    # drops what comes faster than a TCG guest reads it, whoever sends
    # it; its own trace shows every key arriving from spiced).
    seq = [("lshift", 1), ("h", 1), ("h", 0), ("lshift", 0)]
    for k in ("i", "rctrl", "left", "up"):
        seq += [(k, 1), (k, 0)]
    since = len(q.serial())
    for n, (k, down) in enumerate(seq, 1):
        (Spice.InputsChannel.key_press if down else Spice.InputsChannel.key_release)(
            inputs, SC[k])

        def keys():
            return [(code, v) for t, code, v in events(q, kbd, since) if t == "key"]
        c.wait_until(lambda: len(keys()) >= n, 30, "key %s %s in the guest" %
                     (k, "down" if down else "up"))
    want = [(KEY[k], down) for k, down in seq]
    check(keys() == want, "keys the guest got: %r, want %r" % (keys(), want))

    # The tablet unplugged: server mode, the PS/2 mouse's relative motion.
    q.qmp("device_del", id="tablet")
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == MOUSE_MODE_SERVER, 30,
                 "server mouse mode without the tablet")
    since = len(q.serial())
    Spice.InputsChannel.motion(inputs, 7, -3, 0)
    Spice.InputsChannel.button_press(inputs, 5, 0)       # wheel down
    Spice.InputsChannel.button_release(inputs, 5, 0)

    def mouse_done():
        ev = events(q, mouse, since)
        return any(t == "rel" and code == REL_WHEEL for t, code, v in ev) and ev
    ev = c.wait_until(mouse_done, 30, "the PS/2 mouse's motion and wheel in the guest")
    dx = sum(v for t, code, v in ev if t == "rel" and code == REL_X)
    dy = sum(v for t, code, v in ev if t == "rel" and code == REL_Y)
    wheel = sum(v for t, code, v in ev if t == "rel" and code == REL_WHEEL)
    check((dx, dy, wheel) == (7, -3, -1),
          "PS/2 motion %d,%d wheel %d, want 7,-3 and -1" % (dx, dy, wheel))
    check(sp.alive() and not c.disconnected, "spiced or the viewer went")


common.run(main)
