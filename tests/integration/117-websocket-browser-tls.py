#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A browser over TLS: headless chromium loads spice-html5 from an https
page (tests/integration/browser.py), so spice-html5 opens wss:// to the
display's tls-port, every channel secured: chromium's own TLS stack (not
OpenSSL's) against spiced's, then the relays.  The canvas shows the
producer's picture exactly, the channels linked over TLS, and a key typed
on the page reaches the producer.  Skips (77) when chromium or
spice-html5 is missing."""

import os

import browser
import common
import ppm
import tlsutil
from common import check

W, H = 200, 120


def main():
    browser.need()
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    sp = common.Spiced(password="pw", extra=tlsutil.tls_conf(
        pki, tport, ["secure-channels = all", "tls-ktls = no"]))
    picture = common.pattern_rgb(W, H, seed=17)
    path = os.path.join(sp.dir, "p.ppm")
    ppm.write_ppm(path, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", path, "--verbose")
    br = browser.Browser(sp.dir, tport, "pw", tls=(pki["cert"], pki["key"]))
    try:
        rect = br.wait_canvas(W, H, 60)
        common.wait_for(lambda: br.screenshot(rect[2], rect[3], W, H)[2] == picture, 20,
                        "the picture on the canvas", interval=0.3)
        for ch in (1, 2, 3, 4):
            sp.wait_log(r"channel %d:0 linked \(connection id \d+, TLS" % ch, 5)
        check(" plain)" not in sp.log_text(), "a channel linked without TLS")
        # A key on the page: the producer (qxl-shm-testsrc --verbose) logs
        # what it got, here A's scancode, 30.
        # (spice-html5 drops keys until its inputs channel had
        # INPUTS_INIT: typed again until one arrives.)
        mark = sp.log_mark()

        def typed():
            br.dt.call("Input.dispatchKeyEvent", type="keyDown", code="KeyA", key="a",
                       windowsVirtualKeyCode=65, nativeVirtualKeyCode=65, text="a")
            br.dt.call("Input.dispatchKeyEvent", type="keyUp", code="KeyA", key="a",
                       windowsVirtualKeyCode=65, nativeVirtualKeyCode=65)
            return "input key-down x=30 " in sp.log_text()[mark:]
        common.wait_for(typed, 10, "a key typed on the page at the producer", interval=0.5)
        print("# the picture exact over wss://, every channel TLS, a key through")
    finally:
        br.close()
    sp.stop()


common.run(main)
