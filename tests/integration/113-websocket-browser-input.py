#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A browser user drives a real X session: headless chromium with
spice-html5 (tests/integration/browser.py) on spiced's WebSocket, spiced-x11
on Xvfb, and xev covering the screen logging what the X server delivers.
The page gets keys and clicks as a user's would come (DevTools
Input.dispatchKeyEvent and Input.dispatchMouseEvent on the page, so
spice-html5's own handlers map them to scancodes and positions): typed
text with Shift reaches xev with the right keysyms and text, a click on
the canvas lands at the same X root coordinates, the wheel scrolls
(buttons 4 and 5).  The X cursor becomes the page's CSS cursor at once
(spice-html5 ignores CURSOR_INIT's shape: spiced sends it again), and so
do the shapes the test sets, hot spot included, and an
earlier shape set again (which spiced could send as FROM_CACHE, a form
spice-html5 cannot read) still does.  A file dropped on the page (a real
drop event with a file from disk) is saved whole by spiced-x11.  Skips
(77) when chromium or spice-html5 is missing."""

import os
import re
import subprocess

import browser
import common
import xsession
from common import check

# Within the page's viewport (784x392 in chromium's 800x600 window):
# spice-html5 asks the agent for the viewport's size, and spiced-x11
# gives the nearest size Xvfb takes, which is then this one.
W, H = 640, 360

# What is typed, as DevTools key events: (key, code, windowsVirtualKeyCode,
# shifted).  "Hi, yo!" then Return.
TYPED = [("H", "KeyH", 72, True), ("i", "KeyI", 73, False), (",", "Comma", 188, False),
         (" ", "Space", 32, False), ("y", "KeyY", 89, False), ("o", "KeyO", 79, False),
         ("!", "Digit1", 49, True), ("\r", "Enter", 13, False)]
SHIFT = 8       # DevTools modifier bit


def xev_log(path):
    with open(path, errors="replace") as f:
        return f.read()


def typed_text(log):
    return "".join(m.group(1) for m in re.finditer(
        r'KeyPress event.*?\n.*?\n.*?\n\s+XLookupString gives \d+ bytes: (?:\([0-9a-f ]+\) )?"(.*)"',
        log))


def key_syms(log, kind="KeyPress"):
    return re.findall(r"%s event.*?\n.*?\n.*?keysym 0x[0-9a-f]+, (\w+)\)" % kind, log)


def buttons(log, kind="ButtonPress"):
    return [(int(b), int(x), int(y)) for x, y, b in re.findall(
        r"%s event.*?\n.*?root 0x[0-9a-f]+, subw 0x[0-9a-f]+, time \d+, \(-?\d+,-?\d+\), "
        r"root:\((\d+),(\d+)\),\n\s+state 0x[0-9a-f]+, button (\d+)" % kind, log)]


def key(dt, kind, k):
    text, code, vk, shifted = k
    params = dict(type=kind, code=code, key=text, windowsVirtualKeyCode=vk,
                  nativeVirtualKeyCode=vk, modifiers=SHIFT if shifted else 0)
    if kind == "keyDown" and text:
        params["text"] = text
    dt.call("Input.dispatchKeyEvent", **params)


def shift(dt, kind):
    dt.call("Input.dispatchKeyEvent", type=kind, code="ShiftLeft", key="Shift",
            windowsVirtualKeyCode=16, nativeVirtualKeyCode=16,
            modifiers=SHIFT if kind == "keyDown" else 0, location=1)


def main():
    browser.need()
    xsession.need("xev", "stdbuf", "xsetroot")
    try:
        import Xlib.display  # python3-xlib sets the cursor
    except ImportError:
        raise common.SkipTest("python3-xlib is not installed")
    x = xsession.Xvfb(W, H)
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    subprocess.run(["xsetroot", "-solid", "#336699"], env=x.env, check=True)
    files = os.path.join(sp.dir, "files")
    os.mkdir(files)
    os.chown(files, uid, -1)
    xsession.start_spiced_x11(sp, x, uid, "--file-dir", files)
    log = os.path.join(x.dir, "xev-out.log")
    x.spawn(["stdbuf", "-oL", "xev", "-geometry", "%dx%d+0+0" % (W, H),
             "-event", "keyboard", "-event", "button"], log_name="xev-out")
    common.wait_for(lambda: "Outer window" in xev_log(log), 10, "xev's window")

    br = browser.Browser(sp.dir, sp.port, "pw")
    dt = br.dt
    try:
        rect = br.wait_canvas(W, H)
        # spice-html5 drops input until its inputs channel is ready (it
        # had INPUTS_INIT), some time after spiced linked it.
        common.wait_for(lambda: br.dt.eval(
            "!!(window.spice_connection && window.spice_connection.inputs && "
            "window.spice_connection.inputs.state === 'ready')"), 20,
            "spice-html5's inputs channel to be ready")
        left, top = rect[2], rect[3]

        # A click on the canvas: the pointer goes there (client mouse
        # mode), which also gives xev the focus (no window manager).
        def click(px, py, button="left"):
            dt.call("Input.dispatchMouseEvent", type="mouseMoved", x=left + px, y=top + py)
            dt.call("Input.dispatchMouseEvent", type="mousePressed", x=left + px,
                    y=top + py, button=button, clickCount=1)
            dt.call("Input.dispatchMouseEvent", type="mouseReleased", x=left + px,
                    y=top + py, button=button, clickCount=1)
        click(123, 45)
        click(400, 300, "right")
        common.wait_for(lambda: len(buttons(xev_log(log))) >= 2, 10, "two clicks in xev")
        check(buttons(xev_log(log)) == [(1, 123, 45), (3, 400, 300)],
              "clicks %s" % buttons(xev_log(log)))

        for k in TYPED:
            if k[3]:
                shift(dt, "keyDown")
            key(dt, "keyDown", k)
            key(dt, "keyUp", k)
            if k[3]:
                shift(dt, "keyUp")
        common.wait_for(lambda: "Return" in key_syms(xev_log(log), "KeyRelease"), 10,
                        "the typed line in xev")
        text = typed_text(xev_log(log))
        check(text.replace("\r", "") == "Hi, yo!", "xev got %r (keysyms %s)"
              % (text, key_syms(xev_log(log))))
        check(key_syms(xev_log(log))[:2] == ["Shift_L", "H"],
              "keysyms %s" % key_syms(xev_log(log)))
        check(key_syms(xev_log(log), "KeyRelease")[-1] == "Return",
              "releases %s" % key_syms(xev_log(log), "KeyRelease"))

        # The wheel: up then down, where the pointer is.
        for dy in (-120, 120):
            dt.call("Input.dispatchMouseEvent", type="mouseWheel", x=left + 200,
                    y=top + 100, deltaX=0, deltaY=dy)
        common.wait_for(lambda: len(buttons(xev_log(log))) >= 4, 10, "two wheel clicks")
        check([b for b, _, _ in buttons(xev_log(log))[2:]] == [4, 5],
              "wheel %s" % buttons(xev_log(log)))

        # The cursor: xev's, set by the test's own X connection (X
        # refuses XFIXES the image of a cursor whose client has exited,
        # as xsetroot's), is the page's CSS cursor, a PNG with its hot
        # spot.
        d = Xlib.display.Display(x.display)
        win = d.create_resource_object("window", int(re.search(
            r"Outer window is (0x[0-9a-f]+)", xev_log(log)).group(1), 16))
        font = d.open_font("cursor")
        shapes = {name: font.create_glyph_cursor(font, glyph, glyph + 1, (0, 0, 0),
                                                 (65535, 65535, 65535))
                  for name, glyph in (("watch", 150), ("left_ptr", 68))}

        def css_cursor():
            return dt.eval("document.getElementById('spice-screen').style.cursor") or ""

        def cursor_is(name):
            win.change_attributes(cursor=shapes[name])
            d.flush()
            return common.wait_for(lambda: (lambda c: c if c != seen[-1] and
                                            "url(" in c else None)(css_cursor()),
                                   10, "the %s cursor on the page" % name)
        # The shape current when the page linked shows from the start
        # (spice-html5 ignores CURSOR_INIT's; spiced sends it again).
        seen = [css_cursor()]
        check(seen[0].startswith('url("data:image/png,'), "the first cursor: %.60r" % seen[0])
        for name in ("watch", "left_ptr", "watch", "left_ptr"):
            seen.append(cursor_is(name))
        check(all(c.startswith('url("data:image/png,') for c in seen[1:]),
              "cursors %s" % [c[:30] for c in seen])
        check(seen[1] == seen[3] and seen[2] == seen[4] and seen[1] != seen[2],
              "cursors set again differ: %s" % [c[-40:] for c in seen])
        check(re.search(r"\) \d+ \d+, default$", seen[1]), "hot spot in %.80r" % seen[1][-40:])
        d.close()

        # A file dropped on the page (a real drag's drop event, with the
        # file from disk) is saved by spiced-x11, the agent.
        data = bytes((i * 7 + i // 251) & 255 for i in range(300000))
        src = os.path.join(sp.dir, "report.txt")
        with open(src, "wb") as f:
            f.write(data)
        drag = {"items": [], "files": [src], "dragOperationsMask": 1}
        for kind in ("dragEnter", "dragOver", "drop"):
            dt.call("Input.dispatchDragEvent", type=kind, x=left + 50, y=top + 50,
                    data=drag)
        dst = os.path.join(files, "report.txt")
        common.wait_for(lambda: os.path.exists(dst) and os.path.getsize(dst) == len(data),
                        20, "the dropped file in %s (has %s)" % (files, os.listdir(files)))
        with open(dst, "rb") as f:
            check(f.read() == data, "the saved file differs from the dropped one")
    finally:
        br.close()
    sp.stop()


common.run(main)
