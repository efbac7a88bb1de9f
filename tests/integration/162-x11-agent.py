#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The agent, played by spiced-x11, through spiced's relay, with the real
spice-gtk client and real X clients (xclip) on Xvfb.  Text copied in X
(non-ASCII included) is offered to the client (GRAB with UTF8_TEXT) and
pasted there byte for byte; text copied in the client is pasted by an X
client byte for byte; a PNG image likewise both ways; a 3 MiB text that
xclip sends incrementally (INCR) arrives whole, and so does the client's
large text, which spiced-x11 sends incrementally, while an X requestor
that stops reading midway is dropped alone.  Then spiced restarts, the
agent port and its owner handed over, and the rest runs through the next
supervisor: PRIMARY goes both ways
apart from CLIPBOARD.  The client's window asking for another size gets
the agent's answer: Xvfb shrinks, and grows back no larger than it
started, which spiced-x11 says once when there is nothing to do.  With
two viewers the agent belongs to one at a time: the oldest at first, then
the one that last typed or clicked; a view-only viewer never gets it and
cannot touch the X clipboard."""

import os
import re
import signal
import subprocess
import threading

import Xlib.X
import Xlib.display

import common
import fdstore
import spice_client
import xsession
from common import check
from spice_client import Spice

W, H = 640, 480
UTF8, PNG = 1, 2
CLIPBOARD, PRIMARY = 0, 1


def xclip_in(x, text):
    p = subprocess.Popen(["xclip", "-selection", "clipboard", "-i"], env=x.env,
                         stdin=subprocess.PIPE)
    p.stdin.write(text)
    p.stdin.close()
    p.wait(timeout=10)    # xclip serves the selection from a child


def owner_is_spiced(x, selection):
    """spiced-x11's selection window owns selection, not the xclip that
    copied last (which answers TARGETS alike, and would be cut off in the
    middle of a paste)."""
    d = Xlib.display.Display(x.display)
    try:
        w = d.get_selection_owner(d.get_atom(selection))
        return w != 0 and w.get_wm_name() == "spiced-x11 clipboard"
    finally:
        d.close()


def xclip_out(c, x, selection="clipboard"):
    p = subprocess.Popen(["xclip", "-selection", selection, "-o"], env=x.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    common._procs.append(p)
    out = []    # read meanwhile: a large paste fills the pipe
    t = threading.Thread(target=lambda: out.append(p.stdout.read()), daemon=True)
    t.start()
    c.wait_until(lambda: p.poll() is not None and not t.is_alive(), 10, "xclip -o")
    return p.returncode, out[0]


def main():
    xsession.need("xclip")
    x = xsession.Xvfb(W, H)
    uid = common.producer_uid()
    fdstore.become_subreaper()
    store = fdstore.FdStore(os.path.join(common.tmpdir(), "notify"))
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid) +
                       '\npassword-view-only = "look"', env={"NOTIFY_SOCKET": store.path})
    common.wait_producer_socket(sp)
    xsession.start_spiced_x11(sp, x, uid)
    sp.wait_log(r'producer "spiced-x11" has an agent', 5)

    a = spice_client.connect(port=sp.port, password="pw")
    a.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_INPUTS], timeout=10)
    ca = spice_client.Clip(a)
    a.wait_until(ca.ready, 10, "the agent at the first viewer")

    # X -> client.
    text = "héllo from X, ✓ twice ✓\n".encode()
    xclip_in(x, text)
    a.wait_until(lambda: ca.grabs, 10, "the X clipboard offered to the client")
    check(ca.grabs[-1] == (CLIPBOARD, [UTF8]), "grab %s" % ca.grabs)
    Spice.MainChannel.clipboard_selection_request(ca.m, CLIPBOARD, UTF8)
    a.wait_until(lambda: ca.data, 10, "the X clipboard's text")
    check(ca.data[-1] == (CLIPBOARD, UTF8, text), "pasted %r" % (ca.data[-1],))

    # A large text: xclip sends it incrementally (ICCCM INCR, over its
    # 1 MiB chunk), spiced-x11 gathers it.
    big = b"".join(b"line %07d of a long paste\n" % i for i in range(120000))
    n = len(ca.grabs)
    xclip_in(x, big)
    a.wait_until(lambda: len(ca.grabs) > n, 10, "the large text offered")
    n = len(ca.data)
    Spice.MainChannel.clipboard_selection_request(ca.m, CLIPBOARD, UTF8)
    a.wait_until(lambda: len(ca.data) > n, 20, "the large text")
    check(ca.data[-1] == (CLIPBOARD, UTF8, big), "large paste: %d of %d bytes"
          % (len(ca.data[-1][2]), len(big)))
    check(re.search(r"spiced-x11: clipboard: incremental paste of %d bytes" % len(big),
                    sp.log_text()), "the large paste did not come incrementally")

    # Client -> X.
    ca.offer[CLIPBOARD] = "from the client: ünïcode ✓".encode()
    Spice.MainChannel.clipboard_selection_grab(ca.m, CLIPBOARD, [UTF8])
    def owned():
        return owner_is_spiced(x, "CLIPBOARD")
    a.wait_until(owned, 10, "spiced-x11 to own CLIPBOARD for the client")
    rc, got = xclip_out(a, x)
    check(rc == 0 and got == ca.offer[CLIPBOARD], "X pasted %r (status %d)" % (got, rc))

    # The client's large text goes to X incrementally (ICCCM INCR):
    # whole to xclip while another requestor that stopped reading midway
    # is dropped after its timeout, alone.
    small = ca.offer[CLIPBOARD]
    ca.offer[CLIPBOARD] = b"".join(b"client line %07d\n" % i for i in range(400000))
    d = Xlib.display.Display(x.display)
    stalled = d.screen().root.create_window(0, 0, 1, 1, 0, 0)
    stalled.convert_selection(d.get_atom("CLIPBOARD"), d.get_atom("UTF8_STRING"),
                              d.get_atom("STALLED"), Xlib.X.CurrentTime)
    d.flush()
    notes = []
    def notified():
        while d.pending_events():
            ev = d.next_event()
            if ev.type == Xlib.X.SelectionNotify:
                notes.append(ev)
        return notes
    a.wait_until(notified, 10, "the stalled requestor's SelectionNotify")
    prop = stalled.get_full_property(d.get_atom("STALLED"), Xlib.X.AnyPropertyType)
    check(notes[0].property == d.get_atom("STALLED") and prop is not None and
          prop.property_type == d.get_atom("INCR") and
          list(prop.value) == [len(ca.offer[CLIPBOARD])],
          "the large paste did not start as INCR: %r" % (prop,))
    rc, got = xclip_out(a, x)
    check(rc == 0 and got == ca.offer[CLIPBOARD], "X pasted %d of %d bytes (status %d)"
          % (len(got), len(ca.offer[CLIPBOARD]), rc))
    check(re.search(r"clipboard: %d bytes to X window \S+ incrementally" % len(got),
                    sp.log_text()) and
          re.search(r"clipboard: %d bytes given to X window" % len(got), sp.log_text()),
          "xclip's paste did not go incrementally")
    sp.wait_log(r"spiced-x11: clipboard: X window 0x%x stopped taking an incremental "
                r"paste at 0 of %d bytes \(5 s\); dropped" % (stalled.id, len(got)), 10,
                client=a)
    d.close()
    ca.offer[CLIPBOARD] = small
    rc, got = xclip_out(a, x)
    check(rc == 0 and got == small, "X pasted %r after the stalled paste" % got)

    # spiced restarts (the test playing systemd's fd store): spiced-x11's
    # connection, its agent port and the session that owns it are handed
    # over; all that follows runs through the next supervisor.
    mark = sp.log_mark()
    sp.proc.send_signal(signal.SIGTERM)
    check(sp.proc.wait(timeout=15) == 0, "spiced exited %s" % sp.proc.returncode)
    sp.restart(activate=store.activate())
    sp.wait_log(r'display "t": 1 session kept from the previous run', 5, mark)

    # PRIMARY (spice-gtk announces selections), both ways, apart from
    # CLIPBOARD.
    primary = "the X selection ✓".encode()
    n = len(ca.grabs)
    p = subprocess.Popen(["xclip", "-selection", "primary", "-i"], env=x.env,
                         stdin=subprocess.PIPE)
    p.communicate(primary, timeout=10)
    a.wait_until(lambda: any(g[0] == PRIMARY for g in ca.grabs[n:]), 10,
                 "PRIMARY offered to the client")
    n = len(ca.data)
    Spice.MainChannel.clipboard_selection_request(ca.m, PRIMARY, UTF8)
    a.wait_until(lambda: len(ca.data) > n, 10, "PRIMARY's text")
    check(ca.data[-1] == (PRIMARY, UTF8, primary), "PRIMARY pasted %r" % (ca.data[-1],))
    ca.offer[PRIMARY] = b"the client's selection"
    Spice.MainChannel.clipboard_selection_grab(ca.m, PRIMARY, [UTF8])
    a.wait_until(lambda: owner_is_spiced(x, "PRIMARY"), 10, "spiced-x11 to own PRIMARY")
    rc, got = xclip_out(a, x, "primary")
    check(rc == 0 and got == ca.offer[PRIMARY], "X pasted %r from PRIMARY" % got)
    rc, got = xclip_out(a, x)
    check(got == ca.offer[CLIPBOARD], "CLIPBOARD changed with PRIMARY: %r" % got)

    # A PNG image both ways (the bytes are not looked at on the way).
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    n = len(ca.grabs)
    p = subprocess.Popen(["xclip", "-selection", "clipboard", "-t", "image/png", "-i"],
                         env=x.env, stdin=subprocess.PIPE)
    p.communicate(png, timeout=10)
    a.wait_until(lambda: len(ca.grabs) > n, 10, "the X image offered to the client")
    check(ca.grabs[-1] == (CLIPBOARD, [PNG]), "image grab %s" % (ca.grabs[-1],))
    n = len(ca.data)
    Spice.MainChannel.clipboard_selection_request(ca.m, CLIPBOARD, PNG)
    a.wait_until(lambda: len(ca.data) > n, 10, "the X image")
    check(ca.data[-1] == (CLIPBOARD, PNG, png), "image pasted: %d bytes" % len(ca.data[-1][2]))
    ca.offer[CLIPBOARD] = png[::-1]
    Spice.MainChannel.clipboard_selection_grab(ca.m, CLIPBOARD, [PNG])
    a.wait_until(owned, 10, "the client's image in X")
    p = subprocess.Popen(["xclip", "-selection", "clipboard", "-o", "-t", "image/png"],
                         env=x.env, stdout=subprocess.PIPE)
    common._procs.append(p)
    a.wait_until(lambda: p.poll() is not None, 10, "xclip -o image/png")
    check(p.stdout.read() == ca.offer[CLIPBOARD], "the client's image in X differs")
    ca.offer[CLIPBOARD] = "from the client: ünïcode ✓".encode()
    Spice.MainChannel.clipboard_selection_grab(ca.m, CLIPBOARD, [UTF8])
    a.wait_until(owned, 10, "the client's text in X again")

    # Resize requests: Xvfb shrinks, and a window larger than the screen
    # Xvfb started with gets that screen back, the largest it takes
    # (RANDR's range), not the last smaller one.  (spice-gtk sends them
    # from a timer: the waits run its main loop.)
    Spice.MainChannel.update_display_enabled(ca.m, 0, True, False)
    for (w, h), want in (((500, 400), (500, 400)), ((800, 600), (W, H))):
        Spice.MainChannel.update_display(ca.m, 0, 0, 0, w, h, True)
        a.wait_until(lambda: a.primary and (a.primary["width"], a.primary["height"]) == want,
                     15, "a %dx%d primary after asking for %dx%d" % (want + (w, h)))
    sp.wait_log(r"spiced-x11: agent: the client asks for 800x600: the nearest size X display "
                r"\S+ takes is %dx%d: the screen is resized to it" % (W, H), 5)
    a.wait_pixels(x.screenshot().rgb, 10)
    # Asked again at that size: nothing to do, said once.
    Spice.MainChannel.update_display(ca.m, 0, 0, 0, 900, 700, True)
    said = re.compile(r"spiced-x11: agent: the client asks for 900x700: the nearest size X "
                      r"display \S+ takes is %dx%d; the screen stays %dx%d" % (W, H, W, H))
    a.wait_until(lambda: said.search(sp.log_text()), 15, "the resize request answered")

    # A view-only viewer: no agent, and its grab reaches nothing.
    v = spice_client.connect(port=sp.port, password="look")
    v.wait_channels([spice_client.CHANNEL_MAIN], timeout=10)
    cv = spice_client.Clip(v)
    v.wait_until(lambda: (spice_client.CHANNEL_DISPLAY, 0) in v.opened, 10, "the view")
    check(not cv.connected(), "a view-only viewer has the agent")
    cv.offer[CLIPBOARD] = b"from the view-only viewer"
    Spice.MainChannel.clipboard_selection_grab(cv.m, CLIPBOARD, [UTF8])
    rc, got = xclip_out(v, x)
    check(got == ca.offer[CLIPBOARD], "the view-only viewer changed the X clipboard: %r" % got)

    # A second full viewer: the agent stays with the first until the
    # second types; then the first clicks and gets it back.
    b = spice_client.connect(port=sp.port, password="pw")
    b.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_INPUTS], timeout=10)
    cb = spice_client.Clip(b)
    b.wait_until(lambda: (spice_client.CHANNEL_INPUTS, 0) in b.opened, 10, "b's inputs")
    check(ca.connected() and not cb.connected(), "the agent moved before any input")
    Spice.InputsChannel.key_press_and_release(b.channel(spice_client.CHANNEL_INPUTS), 0x39)
    b.wait_until(cb.ready, 10, "the agent at the viewer that typed")
    a.wait_until(lambda: not ca.connected(), 10, "the first viewer to lose the agent")
    sp.wait_log(r"the agent goes to session", 5)
    # Its clipboard now reaches X.
    cb.offer[CLIPBOARD] = b"from the second viewer"
    Spice.MainChannel.clipboard_selection_grab(cb.m, CLIPBOARD, [UTF8])
    b.wait_until(owned, 10, "CLIPBOARD for the second viewer")
    rc, got = xclip_out(b, x)
    check(got == cb.offer[CLIPBOARD], "X pasted %r from the second viewer" % got)
    inputs_a = a.channel(spice_client.CHANNEL_INPUTS)
    Spice.InputsChannel.button_press(inputs_a, 1, 1)
    Spice.InputsChannel.button_release(inputs_a, 1, 0)
    a.wait_until(ca.connected, 10, "the agent back at the viewer that clicked")
    b.wait_until(lambda: not cb.connected(), 10, "the second viewer to lose it")
    # The owner leaving hands it on.
    a.disconnect()
    b.wait_until(cb.connected, 10, "the agent at the remaining viewer")
    b.disconnect()
    v.disconnect()
    fdstore.finish(sp, store)


common.run(main)
