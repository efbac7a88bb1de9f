#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A VM with two monitors through spiced-qemu: a real QEMU (TCG) with a
standard VGA (the echo guest's text screen) and a secondary-vga (id
"sec", left to QEMU's own picture: the guest never sets it up).  The
bridge, given no --console, takes both graphic consoles; a raw client
with the MONITORS_CONFIG cap is told two heads side by side, each the
size QEMU gives that console, and the spice-gtk viewer's primary shows
each console's picture, pixel for pixel QEMU's screendump of it, after
the first console changed mode under the second's (a new primary that
kept the other console's picture); remote-viewer under Xvfb opens a
window for each, showing that console.  With the USB tablet active, a
position spice-gtk makes on monitor 1 reaches QEMU's input layer as an
absolute position of console 1 in that console's scale, one on monitor
0 as console 0's.  Keys typed still reach the guest.  --console 1 shows
that console alone (no heads), and a console QEMU does not have is
refused with the reason.

A console going dark (Listener.Disable, a monitor the guest turns off,
which QEMU 7.2's VGA cards never send), played with fakeqemu.py's two
consoles: its head goes, the primary is the other console alone with its
picture kept; a Scanout brings the head back beside it, at its new
size.  The guest's pointer on the second monitor is placed on the
second head, and hidden only when no monitor shows it."""

import os
import re
import subprocess

import common
import fakeqemu
import rawspice
import spice_client
import vm
import xsession
from common import check
from spice_client import Spice

MOUSE_MODE_CLIENT = 2
KEY_H = 0x23


def crop(rgb, width, x0, w, h):
    """Rows 0..h-1, columns x0..x0+w-1 of an RGB picture width wide."""
    return b"".join(rgb[(y * width + x0) * 3:(y * width + x0 + w) * 3] for y in range(h))


def dumps(q):
    """Both consoles as QEMU shows them: [(w, h, rgb), (w, h, rgb)]."""
    return [q.screendump(), q.screendump("sec")]


def shows_both(c, q, what, timeout=30):
    """Wait until the client's primary is both consoles side by side,
    each exactly as QEMU shows it; returns QEMU's pictures."""
    last = [None]

    def same():
        (w0, h0, a), (w1, h1, b) = dumps(q)
        p = c.primary
        last[0] = ((w0, h0), (w1, h1), None if p is None else (p["width"], p["height"]))
        if p is None or (p["width"], p["height"]) != (w0 + w1, max(h0, h1)):
            return False
        snap = c.snapshot()
        return crop(snap, w0 + w1, 0, w0, h0) == a and crop(snap, w0 + w1, w0, w1, h1) == b
    try:
        c.wait_until(same, timeout, what)
    except spice_client.SpiceTimeout:
        raise common.TestFailure("%s: consoles %r, client primary %r" % (what, last[0][:2],
                                                                         last[0][2]))
    return dumps(q)


def bgrx(rgb):
    out = bytearray(len(rgb) // 3 * 4)
    out[0::4], out[1::4], out[2::4] = rgb[2::3], rgb[1::3], rgb[0::3]
    return bytes(out)


def scanout(d, n, w, h, rgb):
    d.call("Listener", "Scanout", "(uuuuay)", (w, h, w * 4, fakeqemu.X8R8G8B8, bgrx(rgb)),
           console=n)


def side_by_side(pictures):
    """The primary the bridge makes of [(w, h, rgb)...]: RGB, its size."""
    tw, th = sum(w for w, _h, _p in pictures), max(h for _w, h, _p in pictures)
    out = bytearray(tw * th * 3)
    x0 = 0
    for w, h, rgb in pictures:
        for y in range(h):
            out[(y * tw + x0) * 3:(y * tw + x0 + w) * 3] = rgb[y * w * 3:(y + 1) * w * 3]
        x0 += w
    return tw, th, bytes(out)


def dark_console(sp, uid):
    ours, theirs = fakeqemu.socketpair()
    bridge = subprocess.Popen([vm.SPICED_QEMU, "--fd", str(theirs.fileno()),
                               "--socket", sp.producer_socket],
                              stdout=sp.log, stderr=subprocess.STDOUT,
                              preexec_fn=common.demote_fn(uid), pass_fds=(theirs.fileno(),))
    common._procs.append(bridge)
    theirs.close()
    d = fakeqemu.Display(ours, consoles=2)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_until(lambda: len(d.listeners) == 2, 20, "the bridge's two display listeners")
    # Every channel linked before the raw client's blocking calls, which
    # do not run spice-gtk's loop (a link waiting there would time out).
    c.wait_channels([spice_client.CHANNEL_DISPLAY, spice_client.CHANNEL_INPUTS,
                     spice_client.CHANNEL_CURSOR], 20)
    m = rawspice.open_session(sp.port, "pw")
    raw = rawspice.display_client(sp.port, "pw", m.session_id,
                                  extra_caps=(rawspice.DISPLAY_CAP_MONITORS_CONFIG,))

    def shows(pictures, heads, what):
        tw, th, want = side_by_side(pictures)
        c.wait_until(lambda: c.primary is not None and
                     (c.primary["width"], c.primary["height"]) == (tw, th) and
                     c.snapshot() == want, 20, what)
        raw.pump(10, until=lambda r: r.monitors is not None and
                 [(x, y, w, h) for (_i, _s, w, h, x, y, _f) in r.monitors] == heads)

    a = (320, 200, common.pattern_rgb(320, 200, seed=31))
    b = (256, 160, common.pattern_rgb(256, 160, seed=32))
    scanout(d, 0, *a)
    scanout(d, 1, *b)
    shows([a, b], [(0, 0, 320, 200), (320, 0, 256, 160)], "two consoles side by side")
    d.call("Listener", "Disable", "()", (), console=1)
    shows([a], [(0, 0, 320, 200)], "the first console alone once the second is dark")
    c2 = (200, 100, common.pattern_rgb(200, 100, seed=33))
    scanout(d, 1, *c2)
    shows([a, c2], [(0, 0, 320, 200), (320, 0, 200, 100)], "the second console back, resized")
    # An update of the second console lands in its area.
    patch = common.pattern_rgb(40, 30, seed=34)
    d.call("Listener", "Update", "(iiiiuuay)",
           (10, 20, 40, 30, 40 * 4, fakeqemu.X8R8G8B8, bgrx(patch)), console=1)
    rgb = bytearray(c2[2])
    for y in range(30):
        rgb[((20 + y) * 200 + 10) * 3:((20 + y) * 200 + 50) * 3] = patch[y * 120:(y + 1) * 120]
    shows([a, (200, 100, bytes(rgb))], [(0, 0, 320, 200), (320, 0, 200, 100)],
          "an update of the second console")

    # The guest's pointer on the second monitor is at the second head's
    # place on the primary; the first monitor turning its pointer off
    # (the guest moved it away) does not hide it, the second's does.
    d.call("Listener", "CursorDefine", "(iiiiay)",
           (8, 8, 1, 1, bytes([0x20, 0x40, 0x80, 0xff]) * 64), console=1)
    c.wait_until(lambda: c.cursors, 10, "the cursor shape")
    d.call("Listener", "MouseSet", "(iii)", (10, 20, 1), console=1)
    c.wait_until(lambda: (320 + 10, 20) in c.cursor_moves, 10,
                 "the pointer at 330,20 (10,20 on the second monitor): %r" % c.cursor_moves)
    hides = c.cursor_hides      # a viewer's CURSOR_INIT before any shape hides it
    d.call("Listener", "MouseSet", "(iii)", (5, 5, 0), console=0)
    d.call("Listener", "MouseSet", "(iii)", (12, 20, 1), console=1)
    c.wait_until(lambda: (320 + 12, 20) in c.cursor_moves, 10, "the pointer at 332,20")
    check(c.cursor_hides == hides, "the pointer hidden while the second monitor shows it")
    d.call("Listener", "MouseSet", "(iii)", (12, 20, 0), console=1)
    c.wait_until(lambda: c.cursor_hides == hides + 1, 10,
                 "the pointer hidden by the second monitor")
    c.disconnect()
    bridge.terminate()
    check(bridge.wait(10) == 0, "the bridge's exit status on SIGTERM")


def patch(w, h, rgb, pw=64, ph=16):
    """A pw x ph piece of a picture where it is not all black (its first
    non-black row and column), as RGB bytes."""
    y0 = next(y for y in range(h) if any(rgb[y * w * 3:(y + 1) * w * 3]))
    x0 = next(x for x in range(w) if any(rgb[(y * w + x) * 3] or rgb[(y * w + x) * 3 + 1] or
                                         rgb[(y * w + x) * 3 + 2]
                                         for y in range(y0, min(h, y0 + ph))))
    x0, y0 = min(x0, w - pw), min(y0, h - ph)
    return crop(rgb[y0 * w * 3:], w, x0, pw, ph)


def remote_viewer_windows(sp, q):
    xsession.need("remote-viewer", "xdotool")
    x = xsession.Xvfb(1600, 1000)
    vv = os.path.join(x.dir, "vm.vv")
    with open(vv, "w") as f:
        f.write("[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=%d\npassword=pw\n"
                "delete-this-file=0\n" % sp.port)
    viewer = x.spawn(["remote-viewer", vv])
    common.wait_for(lambda: viewer.poll() is None and len(x.windows_of(viewer.pid)) >= 2, 30,
                    "remote-viewer's two windows", interval=0.5)
    for k, w in enumerate(x.windows_of(viewer.pid)):
        subprocess.run(["xdotool", "windowmove", str(w), str(10 + 780 * k), "10"], env=x.env,
                       check=True)

    def shown():
        check(viewer.poll() is None, "remote-viewer exited (status %s)" % viewer.returncode)
        shot = x.screenshot()
        return all(shot.find(patch(w, h, rgb), 64, 16) is not None for w, h, rgb in dumps(q))
    common.wait_for(shown, 30, "each console's picture in a window of its own", interval=1)
    viewer.terminate()
    viewer.wait(10)


def prompt_shown(q):
    rows = q.text_screen()
    while rows and not rows[-1]:
        rows.pop()
    return bool(rows) and rows[-1] == ">"


def main():
    vm.need()
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    q = vm.Qemu(uid, extra=["-device", "secondary-vga,id=sec",
                            "-usb", "-device", "usb-tablet,id=tablet"])

    # Consoles QEMU does not have, or given twice: refused, saying why.
    r = subprocess.run([vm.SPICED_QEMU, "--socket", sp.producer_socket, "--qmp", q.qmp_path,
                        "--console", "7"], capture_output=True, text=True, timeout=20,
                       preexec_fn=common.demote_fn(uid))
    check(r.returncode == 1 and "Console_7" in r.stderr,
          "--console 7: status %d, %r" % (r.returncode, r.stderr))
    r = subprocess.run([vm.SPICED_QEMU, "--socket", sp.producer_socket, "--qmp", q.qmp_path,
                        "--console", "0", "--console", "0"], capture_output=True, text=True,
                       timeout=20, preexec_fn=common.demote_fn(uid))
    check(r.returncode == 1 and "console 0 given twice" in r.stderr,
          "--console 0 twice: status %d, %r" % (r.returncode, r.stderr))

    mark = sp.log_mark()
    bridge = vm.start_bridge(sp, q, uid)
    sp.wait_log(r"QEMU's 2 consoles attached to .* as 2 monitors", 10, mark)

    c = spice_client.connect(port=sp.port, password="pw")
    # All linked before the raw clients' blocking calls (see dark_console).
    c.wait_channels([spice_client.CHANNEL_DISPLAY, spice_client.CHANNEL_INPUTS,
                     spice_client.CHANNEL_CURSOR], 20)
    c.wait_until(lambda: prompt_shown(q), 60, "the guest's prompt on the first monitor")
    (w0, h0, _a), (w1, h1, _b) = shows_both(c, q, "both monitors after the guest's mode change")
    check((w0, h0) == (720, 400), "first console %dx%d, want the guest's text mode" % (w0, h0))
    sp.wait_log(r'producer "spiced-qemu" shows 2 heads', 10, mark)

    # A raw viewer with the cap is told the two heads.
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id,
                                extra_caps=(rawspice.DISPLAY_CAP_MONITORS_CONFIG,))
    d.wait_mark(10)
    d.pump(5, until=lambda dd: dd.monitors is not None)
    check(d.monitors is not None, "no MONITORS_CONFIG for two consoles")
    heads = [(x, y, w, h) for (_i, _s, w, h, x, y, _f) in d.monitors]
    check(heads == [(0, 0, w0, h0), (w0, 0, w1, h1)],
          "heads %r, want the consoles %dx%d and %dx%d side by side" % (heads, w0, h0, w1, h1))

    # remote-viewer opens a window for each monitor, each with its
    # console's picture (no window manager: placed side by side).
    remote_viewer_windows(sp, q)

    # Keys still reach the guest (the first console's keyboard).
    inputs = c.channel(spice_client.CHANNEL_INPUTS)
    before = q.screendump()
    Spice.InputsChannel.key_press_and_release(inputs, KEY_H)
    c.wait_until(lambda: q.screendump() != before, 20, "the guest to echo the key")
    shows_both(c, q, "both monitors after the echo")

    # The tablet active: positions go to the console of their monitor.
    mice = q.qmp("human-monitor-command", **{"command-line": "info mice"})
    tablet = [int(n) for n, name in re.findall(r"Mouse #(\d+): (.*)", mice) if "Tablet" in name]
    check(tablet, "no tablet in %r" % mice)
    q.qmp("human-monitor-command", **{"command-line": "mouse_set %d" % tablet[0]})
    main_ch = c.channel(spice_client.CHANNEL_MAIN)
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == MOUSE_MODE_CLIENT, 10,
                 "client mouse mode with the tablet")
    # A quarter into monitor 1 (its own coordinates, as spice-gtk sends
    # them), then the middle of monitor 0.
    Spice.InputsChannel.position(inputs, w1 // 4, h1 // 4, 1, 0)
    c.wait_until(lambda: len(q.trace("input_event_abs")) >= 2, 10, "a position at QEMU")
    Spice.InputsChannel.position(inputs, w0 // 2, h0 // 2, 0, 0)
    c.wait_until(lambda: len(q.trace("input_event_abs")) >= 4, 10, "a second position at QEMU")
    got = [(int(e["con"]), e["axis"], int(e["value"], 0)) for e in q.trace("input_event_abs")[:4]]
    want = [(1, "x", (w1 // 4) * 0x7fff // w1), (1, "y", (h1 // 4) * 0x7fff // h1),
            (0, "x", (w0 // 2) * 0x7fff // w0), (0, "y", (h0 // 2) * 0x7fff // h0)]
    check(sorted(got[:2]) == sorted(want[:2]) and sorted(got[2:]) == sorted(want[2:]),
          "absolute positions QEMU got: %r, want %r" % (got, want))
    c.disconnect()
    bridge.terminate()
    check(bridge.wait(10) == 0, "the bridge's exit status on SIGTERM")

    # One console asked for: that one alone, no heads.
    mark = sp.log_mark()
    bridge = vm.start_bridge(sp, q, uid, "--console", "1")
    sp.wait_log(r"QEMU's /org/qemu/Display1/Console_1 attached", 10, mark)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_DISPLAY, spice_client.CHANNEL_INPUTS,
                     spice_client.CHANNEL_CURSOR], 20)

    def only_second():
        w, h, rgb = q.screendump("sec")
        return c.primary is not None and (c.primary["width"], c.primary["height"]) == (w, h) \
            and c.snapshot() == rgb
    c.wait_until(only_second, 30, "the second console alone")
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id,
                                extra_caps=(rawspice.DISPLAY_CAP_MONITORS_CONFIG,))
    d.wait_mark(10)
    d.pump(1)
    check(d.monitors is None or len(d.monitors) == 1, "one console: heads %r" % (d.monitors,))
    c.disconnect()
    bridge.terminate()
    bridge.wait(10)
    q.stop()

    dark_console(sp, uid)
    check(sp.alive(), "spiced died")


common.run(main)
