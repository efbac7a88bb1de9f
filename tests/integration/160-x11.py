#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spiced-x11 on a real X server (Xvfb), seen and driven through spiced by
the real spice-gtk client.  The picture a real X client drew (xsetroot) is
seen pixel-exact, against the X server's own screenshot (xwd); then a
change (a new background and an xterm) is seen pixel-exact too, and so
is a window of noise moved five times, for a fraction of its pixels'
bytes (moves go as copies).  Typed
text with Shift and punctuation reaches an X client that logs what it gets
(xev: keysyms and the text XLookupString makes of them; spice-gtk sends
each key pressed and released as one KEY_SCANCODE, which spiced offers),
and so do keys
with the 0xE0 prefix; clicks arrive at
the right root coordinates in client mouse mode, relative motion moves the
pointer in server mode.  The keyboard's lock state (Caps Lock) goes from
the client to X and back to the client's LEDs.  The cursor an X client
sets (a bitmap cursor the test draws) reaches the client
with its size, hot spot and pixels, and so does a pointer an X client
moves; with nothing moving, spiced-x11 sleeps (a look at the pointer
twice a second).  spiced-x11 refuses to run as root and
a depth-16 screen, and exits non-zero when the X server goes away."""

import os
import re
import subprocess
import time

import common
import spice_client
import xsession
from common import check
from spice_client import Spice

W, H = 800, 600
MOUSE_MODE_SERVER, MOUSE_MODE_CLIENT = 1, 2

# Scancodes (set 1) of what is typed: "Hi, you!" then Return.
SHIFT = 0x2a
TYPED = [(SHIFT, 0x23), 0x17, 0x33, 0x39, 0x15, 0x18, 0x16, (SHIFT, 0x02), 0x1c]


def xev_log(path):
    with open(path, errors="replace") as f:
        return f.read()


def typed_text(log):
    return "".join(m.group(1) for m in re.finditer(
        r'KeyPress event.*?\n.*?\n.*?\n\s+XLookupString gives \d+ bytes: (?:\([0-9a-f ]+\) )?"(.*)"',
        log))


def key_syms(log, kind="KeyPress"):
    return re.findall(r"%s event.*?\n.*?\n.*?keysym 0x[0-9a-f]+, (\w+)\)" % kind, log)


def buttons(log):
    return [(int(b), int(x), int(y)) for x, y, b in re.findall(
        r"ButtonPress event.*?\n.*?root:\((\d+),(\d+)\),\n\s+state 0x[0-9a-f]+, button (\d+)",
        log)]


def x_cursor(x, bits, mask, hot):
    """Define a 16x16 two-colour cursor on the root window from a client
    that stays connected (the X server refuses XFIXES cursor images of
    cursors whose client has gone); returns that connection."""
    from Xlib import display as xdisplay
    d = xdisplay.Display(x.display)
    root = d.screen().root
    pix = []
    for fn in (bits, mask):
        p = root.create_pixmap(16, 16, 1)
        gc = p.create_gc(foreground=0)
        p.fill_rectangle(gc, 0, 0, 16, 16)
        gc.change(foreground=1)
        p.poly_point(gc, 0, [(xx, yy) for yy in range(16) for xx in range(16)
                             if fn(xx, yy)])
        pix.append(p)
    cur = pix[0].create_cursor(pix[1], (0, 0, 0), (65535, 65535, 65535), hot[0], hot[1])
    root.change_attributes(cursor=cur)
    d.sync()
    return d


def noise_window(x, w, h, left, top):
    """A w x h window of random pixels at left,top, painted by the X
    server from its background pixmap; returns (connection, window)."""
    from Xlib import X
    from Xlib import display as xdisplay
    d = xdisplay.Display(x.display)
    s = d.screen()
    pm = s.root.create_pixmap(w, h, s.root_depth)
    pm.put_image(pm.create_gc(), 0, 0, w, h, X.ZPixmap, s.root_depth, 0, os.urandom(w * h * 4))
    win = s.root.create_window(left, top, w, h, 0, s.root_depth, background_pixmap=pm,
                               override_redirect=True)
    win.map()
    d.sync()
    return d, win


def cursor_bits(x, y):
    return x == y or x < 3


def mask_bits(x, y):
    return x < 12 and y < 14


def pointer(x):
    out = subprocess.run(["xdotool", "getmouselocation"], env=x.env, check=True,
                         capture_output=True, text=True).stdout
    m = re.match(r"x:(\d+) y:(\d+)", out)
    return int(m.group(1)), int(m.group(2))


def main():
    xsession.need("xsetroot", "xev", "xterm", "xdotool", "stdbuf")
    try:
        import Xlib.display  # noqa: F401 (python3-xlib draws the cursor)
    except ImportError:
        raise common.SkipTest("python3-xlib is not installed")
    x = xsession.Xvfb(W, H)
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)

    # Refused as root (run as root only when the tests are).
    if common.AS_ROOT:
        r = subprocess.run([common.SPICED_X11, "--socket", sp.producer_socket,
                            "--display", x.display], capture_output=True, text=True,
                           timeout=10)
        check(r.returncode == 2 and "refusing to run as root" in r.stderr,
              "spiced-x11 as root: %d %r" % (r.returncode, r.stderr))

    subprocess.run(["xsetroot", "-solid", "#3366cc"], env=x.env, check=True)
    x11 = xsession.start_spiced_x11(sp, x, uid)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_DISPLAY,
                     spice_client.CHANNEL_INPUTS], timeout=10)
    c.wait_primary(10)
    check((c.primary["width"], c.primary["height"]) == (W, H), "primary %s" % c.primary)
    c.wait_pixels(x.screenshot().rgb, 10)

    # A change: what the X server shows now is what the client shows.
    subprocess.run(["xsetroot", "-solid", "#cc6633"], env=x.env, check=True)
    term = x.spawn(["xterm", "-geometry", "60x8+40+30", "-e", "sh", "-c",
                    "echo spiced-x11; exec sleep 60"])
    common.wait_for(lambda: subprocess.run(
        ["xdotool", "search", "--sync", "--onlyvisible", "--class", "xterm"],
        env=x.env, capture_output=True, timeout=10).returncode == 0, 10, "the xterm")
    shot = [None]

    def same():
        # The xterm may still be drawing: compare with a fresh screenshot.
        shot[0] = x.screenshot().rgb
        return c.snapshot() == shot[0]
    c.wait_until(same, 10, "the client to show the X screen after a change")
    def px(x_, y_):
        return shot[0][(y_ * W + x_) * 3:][:3]
    check(px(5, 5) == b"\xcc\x66\x33" and px(60, 50) != b"\xcc\x66\x33",
          "the new background and the xterm: %s %s" % (px(5, 5).hex(), px(60, 50).hex()))
    term.kill()
    term.wait()

    # A window moved (here by its client, as a window manager would) goes
    # as a copy of what the viewer has: far fewer bytes than its pixels.
    nd, nw = noise_window(x, 200, 150, 100, 100)
    c.wait_until(same, 10, "the client to show the noise window")
    dch = c.channel(spice_client.CHANNEL_DISPLAY)
    b0 = dch.get_property("total-read-bytes")
    for step in range(1, 6):
        nw.configure(x=100 + 37 * step, y=100 + 21 * step)
        nd.sync()
        c.wait_until(same, 10, "the client to show the window moved %d times" % step)
    moved = dch.get_property("total-read-bytes") - b0
    check(moved < 200 * 150 * 4 // 4, "5 moves of a 200x150 window of noise cost %d bytes" % moved)
    nw.destroy()
    nd.close()

    # Keys and clicks go to xev, which covers the screen.
    log = os.path.join(x.dir, "xev-out.log")
    xev = x.spawn(["stdbuf", "-oL", "xev", "-geometry", "%dx%d+0+0" % (W, H),
                   "-event", "keyboard", "-event", "button"], log_name="xev-out")
    common.wait_for(lambda: "Outer window" in xev_log(log), 10, "xev's window")
    inputs = c.channel(spice_client.CHANNEL_INPUTS)
    main_ch = c.channel(spice_client.CHANNEL_MAIN)
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == MOUSE_MODE_CLIENT, 5,
                 "client mouse mode")
    # The pointer over xev's window gives it the focus (no window manager).
    Spice.InputsChannel.position(inputs, 300, 200, 0, 0)
    c.wait_until(lambda: pointer(x) == (300, 200), 5, "the pointer at 300,200")
    for k in TYPED:
        if isinstance(k, tuple):
            Spice.InputsChannel.key_press(inputs, k[0])
            Spice.InputsChannel.key_press_and_release(inputs, k[1])
            Spice.InputsChannel.key_release(inputs, k[0])
        else:
            Spice.InputsChannel.key_press_and_release(inputs, k)
    c.wait_until(lambda: "Return" in key_syms(xev_log(log)), 10, "the typed line in xev")
    text = typed_text(xev_log(log))
    check(text.replace("\r", "") == "Hi, you!", "xev got %r (keysyms %s)"
          % (text, key_syms(xev_log(log))))
    check(key_syms(xev_log(log))[:2] == ["Shift_L", "H"], "keysyms %s" % key_syms(xev_log(log)))

    # Keys with the 0xE0 prefix (spice-gtk's 0x100 | code): Left, right
    # Control, Delete, keypad Enter.
    for k in (0x14b, 0x11d, 0x153, 0x11c):
        Spice.InputsChannel.key_press_and_release(inputs, k)
    c.wait_until(lambda: "KP_Enter" in key_syms(xev_log(log)), 10, "KP_Enter in xev")
    check(key_syms(xev_log(log))[-4:] == ["Left", "Control_R", "Delete", "KP_Enter"],
          "E0 keys arrived as %s" % key_syms(xev_log(log))[-4:])

    # Clicks where the client put the pointer: left and right.
    Spice.InputsChannel.position(inputs, 123, 45, 0, 0)
    Spice.InputsChannel.button_press(inputs, 1, 1)
    Spice.InputsChannel.button_release(inputs, 1, 0)
    Spice.InputsChannel.position(inputs, 640, 480, 0, 0)
    Spice.InputsChannel.button_press(inputs, 3, 4)
    Spice.InputsChannel.button_release(inputs, 3, 0)
    c.wait_until(lambda: len(buttons(xev_log(log))) >= 2, 5, "two clicks in xev")
    check(buttons(xev_log(log)) == [(1, 123, 45), (3, 640, 480)],
          "clicks %s" % buttons(xev_log(log)))

    # Server mode: relative motion moves the X pointer (small steps, below
    # X's acceleration threshold).
    Spice.MainChannel.request_mouse_mode(main_ch, MOUSE_MODE_SERVER)
    c.wait_until(lambda: main_ch.get_property("mouse-mode") == MOUSE_MODE_SERVER, 5,
                 "server mouse mode")
    before = pointer(x)
    for _ in range(10):
        Spice.InputsChannel.motion(inputs, 3, -2, 0)
    c.wait_until(lambda: pointer(x) == (before[0] + 30, before[1] - 20), 5,
                 "the pointer moved by 30,-20 from %s (now %s)" % (before, pointer(x)))

    # Lock state: the client turns Caps Lock on; X's keyboard has it on,
    # and its LED comes back to the client.
    Spice.InputsChannel.set_key_locks(inputs, 4)
    c.wait_until(lambda: "Caps_Lock" in key_syms(xev_log(log)), 5, "Caps Lock in xev")
    c.wait_until(lambda: inputs.get_property("key-modifiers") & 4, 5,
                 "Caps Lock back in the client's modifiers")
    sp.wait_log(r"spiced-x11: lock state 0x4", 5)

    # The cursor: a two-colour bitmap cursor on the root window (xev's
    # window shows the root's cursor), black where the cursor bitmap is
    # set, white where only the mask is, transparent elsewhere.
    xev.kill()
    xev.wait()
    n = len(c.cursors)
    holder = x_cursor(x, cursor_bits, mask_bits, (3, 5))
    c.wait_until(lambda: any(k["width"] == 16 and k["hot_x"] == 3 for k in c.cursors[n:]),
                 10, "the X cursor in the client")
    k = [k for k in c.cursors[n:] if k["width"] == 16 and k["hot_x"] == 3][-1]
    check((k["width"], k["height"], k["hot_x"], k["hot_y"]) == (16, 16, 3, 5),
          "cursor %s" % {a: b for a, b in k.items() if a != "rgba"})
    want = bytearray()
    for yy in range(16):
        for xx in range(16):
            if not mask_bits(xx, yy):
                want += bytes(4)
            elif cursor_bits(xx, yy):
                want += bytes((0, 0, 0, 255))
            else:
                want += bytes((255, 255, 255, 255))
    bad = [(i // 4 % 16, i // 64) for i in range(0, 1024, 4) if k["rgba"][i:i + 4] != want[i:i + 4]]
    check(not bad, "cursor pixels differ at %s" % bad[:8])
    holder.close()

    # Nothing moving: spiced-x11 looks at the pointer twice a second
    # once 2 s have passed without motion, input or a new shape, and at
    # the monitors once, a round trip each: about 30 wakeups in 4 s (the
    # pointer 20 times a second before: 170).  A pointer an X client
    # moves (a warp, a local mouse) still reaches the client's cursor.
    time.sleep(3)
    before = common.wakeups(x11.pid)
    time.sleep(4)
    woke = common.wakeups(x11.pid) - before
    print("spiced-x11 woke %d times in 4 s with nothing moving" % woke)
    check(woke < 60, "an idle spiced-x11 woke %d times in 4 s" % woke)
    n = len(c.cursor_moves)
    subprocess.run(["xdotool", "mousemove", "77", "66"], env=x.env, check=True)
    c.wait_until(lambda: (77, 66) in c.cursor_moves[n:], 5,
                 "the pointer X moved in the client (moves %s)" % c.cursor_moves[n:])

    # A screen it cannot take (depth 16): refused before spiced hears of
    # it, with the reason.
    x16 = xsession.Xvfb(320, 240, depth=16)
    r = subprocess.run([common.SPICED_X11, "--socket", sp.producer_socket,
                        "--display", x16.display], capture_output=True, text=True,
                       timeout=10, preexec_fn=common.demote_fn(uid))
    check(r.returncode == 1 and "screen depth 16; spiced-x11 takes depth 24" in r.stderr,
          "spiced-x11 on depth 16: status %d, %r" % (r.returncode, r.stderr))

    # The X server goes away: spiced-x11 detaches and fails, so that its
    # supervisor restarts it.
    x.proc.terminate()
    x.proc.wait(timeout=10)
    rc = x11.wait(timeout=10)
    check(rc == 1, "spiced-x11 exit status %s after the X server ended" % rc)
    sp.wait_log(r"spiced-x11: X display %s closed the connection" % re.escape(x.display), 5)
    sp.wait_log(r'producer "spiced-x11" .*(detached|closed|gone)', 5)
    check(sp.alive(), "spiced died with the X server")
    c.disconnect()


common.run(main)
