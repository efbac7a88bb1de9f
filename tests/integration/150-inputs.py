#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Keyboard and mouse from the real client to the producer.  spice-gtk
links the inputs channel (CHANNELS_LIST offers it), served by a sandboxed
inputs worker of its session, which writes qxl-shm input events straight
to the producer's input socket; qxl-shm-testsrc --verbose logs each event
it reads.  Checked: a key press and release (a plain key and an
0xE0-prefixed one, as qnum codes), KEY_SCANCODE sequences, a lock-state
sync and the producer's lock state (LEDS) back in the client, absolute
positions and buttons in client mouse mode (offered
because the producer takes absolute positions), relative motion in server
mode with MOTION_ACK flow control (more than the 8 unacknowledged motions
spice-gtk sends without acks all arrive, and their sum is exact), and a
second viewer driving the same display."""

import re

import common
import spice_client
from common import check
from spice_client import Spice

MOUSE_MODE_SERVER, MOUSE_MODE_CLIENT = 1, 2


def events(sp, start, kind):
    text = sp.log_text()[start:]
    return [dict(x=int(m.group(1)), y=int(m.group(2)), buttons=int(m.group(3), 16),
                 display=int(m.group(4)))
            for m in re.finditer(r"qxl-shm-testsrc: input %s x=(-?\d+) y=(-?\d+) "
                                 r"buttons=0x([0-9a-f]+) display=(\d+)" % kind, text)]


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    sp.start_producer("--size", "640x480", "--fps", "5", "--verbose")
    sp.wait_log(r'producer "qxl-shm-testsrc" takes input \(absolute positions', 5)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_DISPLAY,
                     spice_client.CHANNEL_INPUTS], timeout=10)
    c.wait_primary(10)
    inputs = c.channel(spice_client.CHANNEL_INPUTS)
    main_ch = c.channel(spice_client.CHANNEL_MAIN)

    # The inputs worker is sandboxed like the others.
    pid = common.wait_for(lambda: sp.workers("inputs"), 5, "the inputs worker")[0]
    sp.wait_log(r"inputs worker pid %d sandboxed and ready" % pid, 5)
    st = common.status_fields(pid)
    check(st["Seccomp"].strip() == "2" and st["NoNewPrivs"].strip() == "1",
          "inputs worker not sandboxed: %s" % st)
    if common.AS_ROOT:
        check(st["Uid"].split()[0] == str(sp.worker_uid), "inputs worker uid %s" % st["Uid"])

    # Keys: 'a' (0x1e) and right Ctrl (E0 1D: spice-gtk's 0x11d).
    mark = sp.log_mark()
    Spice.InputsChannel.key_press(inputs, 0x1e)
    Spice.InputsChannel.key_release(inputs, 0x1e)
    Spice.InputsChannel.key_press(inputs, 0x11d)
    Spice.InputsChannel.key_release(inputs, 0x11d)
    Spice.InputsChannel.key_press_and_release(inputs, 0x30)
    c.wait_until(lambda: len(events(sp, mark, "key-up")) >= 3, 5, "three key releases")
    downs = [e["x"] for e in events(sp, mark, "key-down")]
    ups = [e["x"] for e in events(sp, mark, "key-up")]
    check(downs == [0x1e, 0x9d, 0x30], "key downs %s" % [hex(x) for x in downs])
    check(ups == [0x1e, 0x9d, 0x30], "key ups %s" % [hex(x) for x in ups])

    # Lock state: the client says Caps Lock is on, the producer's is
    # off: one press and release of Caps Lock (0x3a) reaches it; the
    # producer's new lock state (LEDS) comes back to the client.
    mark = sp.log_mark()
    Spice.InputsChannel.set_key_locks(inputs, 4)
    c.wait_until(lambda: events(sp, mark, "key-up"), 5, "the Caps Lock toggle")
    check([e["x"] for e in events(sp, mark, "key-down")] == [0x3a], "Caps Lock press")
    c.wait_until(lambda: inputs.get_property("key-modifiers") == 4, 5,
                 "the client's modifiers to show Caps Lock from the producer")

    # Client mode (the default): absolute positions and buttons.
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == MOUSE_MODE_CLIENT, 5,
                 "client mouse mode")
    mark = sp.log_mark()
    Spice.InputsChannel.position(inputs, 123, 45, 0, 0)
    Spice.InputsChannel.button_press(inputs, 1, 1)
    Spice.InputsChannel.button_release(inputs, 1, 0)
    c.wait_until(lambda: events(sp, mark, "button-up"), 5, "the button release")
    pos = events(sp, mark, "position")
    check(pos and (pos[-1]["x"], pos[-1]["y"], pos[-1]["display"]) == (123, 45, 0),
          "position %s" % pos)
    down = events(sp, mark, "button-down")
    check(down and (down[0]["x"], down[0]["buttons"]) == (1, 1), "button down %s" % down)
    up = events(sp, mark, "button-up")
    check((up[0]["x"], up[0]["buttons"]) == (1, 0), "button up %s" % up)

    # Server mode: relative motion, acknowledged in bunches of four.
    Spice.MainChannel.request_mouse_mode(main_ch, MOUSE_MODE_SERVER)
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == MOUSE_MODE_SERVER, 5,
                 "server mouse mode")
    # One at a time, each seen by the producer before the next: spice-gtk
    # holds motion back after 8 unacknowledged, so without MOTION_ACK the
    # ninth never arrives.
    mark = sp.log_mark()
    for i in range(1, 25):
        Spice.InputsChannel.motion(inputs, 1, -2, 0)
        c.wait_until(lambda: len(events(sp, mark, "motion")) >= i, 5,
                     "motion message %d at the producer" % i)
    mot = events(sp, mark, "motion")
    check([(e["x"], e["y"]) for e in mot] == [(1, -2)] * 24, "motions %s" % mot)

    # A second viewer (its own session and inputs worker) drives the
    # same display, interleaved with the first.
    d = spice_client.connect(port=sp.port, password="pw")
    d.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_INPUTS], timeout=10)
    inputs2 = d.channel(spice_client.CHANNEL_INPUTS)
    common.wait_for(lambda: len(sp.workers("inputs")) == 2, 5, "two inputs workers")
    # spice-gtk drops input on a channel not open yet.
    d.wait_until(lambda: (spice_client.CHANNEL_INPUTS, 0) in d.opened, 10,
                 "the second viewer's inputs channel open")
    mark = sp.log_mark()
    Spice.InputsChannel.key_press_and_release(inputs2, 0x2c)
    def keys_up():
        return [e["x"] for e in events(sp, mark, "key-up") if e["x"] != 0x3a]
    d.wait_until(lambda: keys_up() == [0x2c], 5, "the second viewer's key")
    Spice.InputsChannel.key_press_and_release(inputs, 0x2d)
    c.wait_until(lambda: keys_up() == [0x2c, 0x2d], 5, "the first viewer's key")
    # (A joining viewer's lock state is applied too: Caps Lock toggles
    # back, as the reference server does for its one client.)
    keys = [e["x"] for e in events(sp, mark, "key-down") if e["x"] != 0x3a]
    check(keys == [0x2c, 0x2d], "keys of two viewers: %s" % keys)
    d.disconnect()
    c.disconnect()
    common.wait_for(lambda: not sp.workers("inputs"), 5, "the inputs worker to exit")


common.run(main)
