#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spiced-qemu: an unmodified QEMU (TCG, -display dbus,p2p=yes) as the
producer of a display, seen and driven by the real spice-gtk client.  The
guest is a boot sector the test builds, which echoes keys through the
BIOS.  The client's picture equals QEMU's own screendump, pixel for pixel:
the BIOS's first screen, then the text mode the guest switches to (a
console size change QEMU 7.2 announces without a Scanout), where the
cursor cell QEMU sends 33 times a second wakes the display worker only
when it blinks; keys typed in
the client appear on the guest's screen; keys with the E0 prefix,
buttons, the wheel and relative motion reach QEMU's input layer (its trace
events); with the PS/2 mouse the client is in server mode; once a USB
tablet is the active pointing device (HMP mouse_set, as a guest's driver
would make it) it is offered the client mouse mode and positions arrive
absolute, and when the tablet is unplugged (QMP device_del) the client
falls back to server mode.  After system_reset the viewer, still
connected, shows the guest starting over.  When QEMU exits,
spiced-qemu exits 1 saying so, spiced and the viewer stay, and a new QEMU
and bridge (given its display connection with --fd, as libvirt does)
bring the picture back to the same viewer.  spiced-qemu refuses
root."""

import re
import subprocess
import time

import common
import spice_client
import vm
from common import check
from spice_client import Spice

MOUSE_MODE_SERVER, MOUSE_MODE_CLIENT = 1, 2
# Set-1 make codes as spice-gtk takes them: h, i; Right Ctrl and Right
# Arrow carry the E0 prefix (0x100 | code).
KEY_H, KEY_I, KEY_RCTRL, KEY_RIGHT = 0x23, 0x17, 0x11d, 0x14d


def same_as_qemu(c, q, what, timeout=20):
    """Wait until the client shows what QEMU's screendump shows."""
    last = [None]

    def same():
        w, h, rgb = q.screendump()
        last[0] = (w, h)
        return c.primary is not None and (c.primary["width"], c.primary["height"]) == (w, h) \
            and c.snapshot() == rgb
    try:
        c.wait_until(same, timeout, what)
    except spice_client.SpiceTimeout:
        raise common.TestFailure("%s: the client never showed QEMU's %dx%d screen (client %s)"
                                 % (what, last[0][0], last[0][1], c.primary))
    return q.screendump()


def prompt(q):
    """The guest's text screen when its last line is the bare prompt ">"
    (nothing typed yet), else None."""
    rows = q.text_screen()
    while rows and not rows[-1]:
        rows.pop()
    return rows if rows and rows[-1] == ">" else None


def main():
    vm.need()
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)

    if common.AS_ROOT:
        r = subprocess.run([vm.SPICED_QEMU, "--socket", sp.producer_socket, "--qmp", "/nonexistent"],
                           capture_output=True, text=True, timeout=10)
        check(r.returncode == 2 and "refusing to run as root" in r.stderr,
              "spiced-qemu as root: %d %r" % (r.returncode, r.stderr))

    q = vm.Qemu(uid, extra=["-usb", "-device", "usb-tablet,id=tablet"])
    bridge = vm.start_bridge(sp, q, uid)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_DISPLAY, spice_client.CHANNEL_INPUTS], 10)
    inputs = c.channel(spice_client.CHANNEL_INPUTS)
    main_ch = c.channel(spice_client.CHANNEL_MAIN)

    # The guest's prompt in text mode, exactly as QEMU shows it.  The
    # firmware's lines come first: the prompt is there once the guest's
    # text memory ends with ">".
    c.wait_until(lambda: prompt(q) is not None, 60, "the guest's prompt in its text memory")
    text = prompt(q)
    before = same_as_qemu(c, q, "the guest's prompt")
    check((before[0], before[1]) == (720, 400), "text mode %dx%d" % before[:2])

    # At the prompt QEMU sends the cursor's cell at every refresh, 33
    # times a second, the same pixels but when the cursor blinks: the
    # bridge passes on only what changed, so the display worker wakes a
    # few times a second for it (over 100 times in 3 s when it passed
    # on every one).
    dw = sp.workers("display")
    check(len(dw) == 1, "display workers: %r" % dw)
    n0 = common.wakeups(dw[0])
    t = time.monotonic() + 3
    c.wait_until(lambda: time.monotonic() > t, 5)
    woke = common.wakeups(dw[0]) - n0
    print("the display worker woke %d times in 3 s at the guest's prompt" % woke)
    check(woke < 45, "the display worker woke %d times in 3 s at an idle prompt" % woke)

    # Typed keys show on the guest's screen.
    for k in (KEY_H, KEY_I):
        Spice.InputsChannel.key_press_and_release(inputs, k)
    c.wait_until(lambda: q.screendump() != before, 20, "the guest to echo the keys")
    after = same_as_qemu(c, q, "the echoed keys")
    check(after != before, "typing changed nothing")
    Spice.InputsChannel.key_press_and_release(inputs, KEY_RCTRL)
    Spice.InputsChannel.key_press_and_release(inputs, KEY_RIGHT)
    c.wait_until(lambda: len(q.trace("input_event_key_qcode")) >= 8, 10,
                 "QEMU's trace of 4 keys pressed and released")
    keys = [(e["key qcode"], int(e["down"])) for e in q.trace("input_event_key_qcode")]
    check(keys[:8] == [("h", 1), ("h", 0), ("i", 1), ("i", 0),
                       ("ctrl_r", 1), ("ctrl_r", 0), ("right", 1), ("right", 0)],
          "keys QEMU got: %r" % keys)

    # The PS/2 mouse first: server mode, relative motion.
    check(main_ch.get_property("mouse-mode") == MOUSE_MODE_SERVER,
          "mouse mode %d with the PS/2 mouse" % main_ch.get_property("mouse-mode"))
    Spice.InputsChannel.motion(inputs, 7, -3, 0)
    c.wait_until(lambda: len(q.trace("input_event_rel")) >= 2, 10, "relative motion at QEMU")
    rel = q.trace("input_event_rel")
    check({(e["axis"], int(e["value"])) for e in rel[:2]} == {("x", 7), ("y", -3)},
          "relative motion QEMU got: %r" % rel[:2])

    # The tablet made the active pointing device (as a guest's driver
    # would): the console takes absolute positions, the client is offered
    # client mode.
    mice = q.qmp("human-monitor-command", **{"command-line": "info mice"})
    tablet = [int(n) for n, name in re.findall(r"Mouse #(\d+): (.*)", mice) if "Tablet" in name]
    check(tablet, "no tablet in %r" % mice)
    q.qmp("human-monitor-command", **{"command-line": "mouse_set %d" % tablet[0]})
    sp.wait_log(r'producer "spiced-qemu" now takes absolute positions', 10)
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == MOUSE_MODE_CLIENT, 10,
                 "client mouse mode with the tablet")
    Spice.InputsChannel.position(inputs, 360, 200, 0, 0)
    c.wait_until(lambda: len(q.trace("input_event_abs")) >= 2, 10, "an absolute position at QEMU")
    # The middle of the 720x400 console on QEMU's 0..0x7fff scale.
    pos = {e["axis"]: int(e["value"], 0) for e in q.trace("input_event_abs")[:2]}
    check(pos == {"x": 0x3fff, "y": 0x3fff}, "absolute position QEMU got: %r" % pos)
    Spice.InputsChannel.button_press(inputs, 3, 0)       # right
    Spice.InputsChannel.button_release(inputs, 3, 0)
    Spice.InputsChannel.button_press(inputs, 5, 0)       # wheel down
    Spice.InputsChannel.button_release(inputs, 5, 0)
    c.wait_until(lambda: len(q.trace("input_event_btn")) >= 4, 10, "4 button events at QEMU")
    btns = [(e["button"], int(e["down"])) for e in q.trace("input_event_btn")][:4]
    check(btns == [("right", 1), ("right", 0), ("wheel-down", 1), ("wheel-down", 0)],
          "buttons QEMU got: %r" % btns)

    # The tablet unplugged: back to server mode.
    q.qmp("device_del", id="tablet")
    sp.wait_log(r'producer "spiced-qemu" now takes relative motion only', 20)
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == MOUSE_MODE_SERVER, 10,
                 "server mouse mode once the tablet is gone")

    # A reset: the guest starts over (firmware, then its prompt) and the
    # same viewer follows, still connected.
    q.qmp("system_reset")
    c.wait_until(lambda: prompt(q) is not None, 60, "the guest's prompt after the reset")
    check(prompt(q) == text, "the screen after the reset: %r, before: %r" % (prompt(q), text))
    same_as_qemu(c, q, "the guest's prompt after the reset")
    check(not c.disconnected, "the viewer was disconnected by the reset")

    # QEMU goes: the bridge says so and exits 1; spiced and the viewer
    # stay; a new QEMU and bridge bring the picture back.
    mark = sp.log_mark()
    q.stop()
    check(bridge.wait(timeout=10) == 1, "spiced-qemu did not exit 1 with QEMU gone")
    sp.wait_log(r"spiced-qemu\[\d+\]: error: QEMU closed the display", 5, mark)
    check(sp.alive() and not c.disconnected, "spiced or the viewer went with QEMU")
    # This time the bridge is handed a display connection (--fd), as
    # libvirt's virDomainOpenGraphicsFD gives one.
    q2 = vm.Qemu(uid)
    conn = q2.display_client()
    vm.start_bridge(sp, q2, uid, fd=conn.fileno())
    conn.close()
    c.wait_until(lambda: c.primary is not None and c.primary["width"] == 720
                 and q2.screendump()[2] == c.snapshot(), 40, "the next QEMU's picture")
    check(sp.alive(), "spiced died")


common.run(main)
