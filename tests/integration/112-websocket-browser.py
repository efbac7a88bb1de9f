#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real browser on spiced's WebSocket, no websockify: Debian's headless
chromium opens spice-html5 (Debian package spice-html5, served by a local
http.server) pointed at spiced's ordinary port, and the page's canvas must
show the producer's picture: a natural one (sent as QUIC: spice-html5
has no LZ4), then a drawing, text-like marks and flat areas (sent as LZ,
LZ_RGB, decoded by spice-html5's own lz.js) after spiced restarted with
the test playing systemd's fd store: the page's session is handed to
the next supervisor and the page never links again.

The browser is driven through the DevTools protocol (its WebSocket, with
tests/integration/wsclient.py; stdlib only): navigate, wait until the
canvas has the picture's size, then take screenshots of exactly the
canvas's rectangle (its offset in the page comes from
getBoundingClientRect) until one matches the source image.  The match is
exact in practice (a 2D canvas, software rendering, sRGB forced, scale
1); a difference of at most 2 per channel is tolerated so that a future
colour-management rounding does not fail the test, while a shifted,
flipped, swapped-channel or partial picture still does.  Skips (77) when
chromium or spice-html5 is missing."""

import base64
import functools
import http.server
import json
import os
import shutil
import signal
import struct
import subprocess
import threading
import time
import urllib.request
import zlib

import common
import fdstore
import ppm
import wsclient
from common import check

CHROMIUM = "/usr/lib/chromium/chromium"
HTML5 = "/usr/share/spice-html5"
W, H = 320, 200
TOLERANCE = 2


def png_rgb(data):
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG to (w, h, RGB bytes)."""
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "screenshot is no PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            check(depth == 8 and ctype in (2, 6) and interlace == 0,
                  "PNG depth %d type %d interlace %d" % (depth, ctype, interlace))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        prev = line
        if bpp == 3:
            out += line
        else:
            for x in range(w):
                out += line[x * 4:x * 4 + 3]
    return w, h, bytes(out)


class DevTools:
    """A DevTools protocol session over the page target's WebSocket."""

    def __init__(self, port, timeout=60):
        end = time.monotonic() + timeout
        url = None
        while url is None:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port,
                                            timeout=2) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                if pages:
                    url = pages[0]["webSocketDebuggerUrl"]
            except OSError:
                pass
            if url is None:
                check(time.monotonic() < end, "no DevTools page target")
                time.sleep(0.2)
        path = "/" + url.split("/", 3)[3]
        self.ws = wsclient.WSSocket(port, protocol=None, path=path)
        self.next_id = 0

    def call(self, method, timeout=20, **params):
        self.next_id += 1
        self.ws.send_text(json.dumps({"id": self.next_id, "method": method,
                                      "params": params}))
        end = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.next_text(max(0.1, end - time.monotonic())))
            if msg.get("id") != self.next_id:
                continue        # an event
            check("error" not in msg, "%s: %s" % (method, msg.get("error")))
            return msg["result"]

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        return r["result"].get("value")


def max_diff(a, b):
    return max((abs(x - y) for x, y in zip(a, b)), default=0)


def main():
    if not os.access(CHROMIUM, os.X_OK) or not os.path.isfile(
            os.path.join(HTML5, "spice_auto.html")):
        raise common.SkipTest("chromium or spice-html5 not installed")
    fdstore.become_subreaper()
    store = fdstore.FdStore(os.path.join(common.tmpdir(), "notify"))
    sp = common.Spiced(env={"NOTIFY_SOCKET": store.path})
    picture = common.pattern_rgb(W, H, seed=12)
    path = os.path.join(sp.dir, "p.ppm")
    ppm.write_ppm(path, W, H, picture)
    common.wait_producer_socket(sp)
    producer = sp.start_producer("--image", path)

    # spice-html5 is ES modules: file:// will not load them, http will.
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(Quiet, directory=HTML5)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    dport = common.free_port()
    profile = os.path.join(sp.dir, "chromium")
    log = open(os.path.join(sp.dir, "chromium.log"), "w")
    browser = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--user-data-dir=" + profile, "--remote-debugging-port=%d" % dport,
         "--force-color-profile=srgb", "--force-device-scale-factor=1",
         "--window-size=800,600", "about:blank"],
        stdout=log, stderr=subprocess.STDOUT)
    common._procs.append(browser)
    try:
        dt = DevTools(dport)
        page = ("http://127.0.0.1:%d/spice_auto.html?host=127.0.0.1&port=%d"
                "&password=%s" % (httpd.server_address[1], sp.port, sp.password))
        dt.call("Page.enable")
        dt.call("Page.navigate", url=page)

        rect_js = """(() => {
            const c = document.querySelector('#spice-screen canvas');
            if (!c) return null;
            const r = c.getBoundingClientRect();
            return [c.width, c.height, r.left + c.clientLeft + window.scrollX,
                    r.top + c.clientTop + window.scrollY];
        })()"""
        rect = common.wait_for(lambda: (lambda r: r if r and r[0] == W and r[1] == H
                                        else None)(dt.eval(rect_js)),
                               60, "a %dx%d canvas in the page" % (W, H))
        sp.wait_log(r"link from 127\.0\.0\.1:\d+: channel 2:0 linked", 15)

        last = [None]
        pos = [None, None]

        def shot_matches(want):
            # Re-read the offset each time: the layout settles (a
            # scrollbar comes and goes) while the client starts.
            rect = dt.eval(rect_js)
            if not rect:
                return False    # the canvas is being made again
            x, y = pos[0], pos[1] = rect[2], rect[3]
            r = dt.call("Page.captureScreenshot", format="png",
                        captureBeyondViewport=True,
                        clip={"x": x, "y": y, "width": W, "height": H, "scale": 1})
            w, h, rgb = png_rgb(base64.b64decode(r["data"]))
            last[0] = (w, h, rgb)
            return w == W and h == H and max_diff(rgb, want) <= TOLERANCE

        def expect(want, what):
            try:
                common.wait_for(lambda: shot_matches(want), 30, what + " on the canvas",
                                interval=0.3)
            except common.TestFailure:
                w, h, rgb = last[0] if last[0] else (0, 0, b"")
                with open(os.path.join(sp.dir, "screenshot.ppm"), "wb") as f:
                    f.write(b"P6 %d %d 255\n" % (w, h) + rgb)
                detail = (ppm.describe_diff(ppm.diff(rgb, want, W, H))
                          if (w, h) == (W, H) else "screenshot %dx%d" % (w, h))
                px = dt.eval("Array.from(document.querySelector('#spice-screen canvas')"
                             ".getContext('2d').getImageData(0, 0, 2, 1).data)")
                check(False, "canvas at (%s, %s) is not %s: %s (canvas pixels "
                      "at (0,0): %r)" % (pos[0], pos[1], what, detail, px))
            w, h, rgb = last[0]
            print("# %s, canvas at (%s, %s): %s" % (what, pos[0], pos[1], "exact match"
                  if rgb == want else "max channel difference %d" % max_diff(rgb, want)))

        expect(picture, "the natural picture")
        # spice-html5 has no LZ4: its lossless images are QUIC and LZ.
        sp.wait_log(r"initialised \(quic and lz images", 1)
        # spiced restarts (the test playing systemd's fd store): the
        # page's session is handed over, the browser notices nothing.
        mark = sp.log_mark()
        sp.proc.send_signal(signal.SIGTERM)
        check(sp.proc.wait(timeout=15) == 0, "spiced exited %s" % sp.proc.returncode)
        sp.restart(activate=store.activate())
        sp.wait_log(r'display "t": 1 session kept from the previous run', 5, mark)
        # A drawing from the next producer: LZ, decoded by lz.js.
        producer.terminate()
        producer.wait(10)
        drawing = bytearray(b"\xff" * (W * H * 3))
        for y in range(H):
            for x in range(W):
                if (x * 7 + (y % 16) * 3) % 11 < 2 and y % 16 < 12:
                    drawing[(y * W + x) * 3:(y * W + x) * 3 + 3] = b"\x00\x00\x00"
                elif 40 <= x < 120 and 150 <= y < 190:
                    drawing[(y * W + x) * 3:(y * W + x) * 3 + 3] = b"\x20\x60\xc0"
        drawing = bytes(drawing)
        dpath = os.path.join(sp.dir, "d.ppm")
        ppm.write_ppm(dpath, W, H, drawing)
        sp.start_producer("--image", dpath)
        expect(drawing, "the drawing")
        # The session went through spiced's WebSocket, nothing else, and
        # the page did not link again after the restart.
        sp.wait_log(r"channel 1:0 linked", 1)
        check("linked" not in sp.log_text()[mark:], "the page linked again after the "
              "restart")
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()
        httpd.shutdown()
        log.close()
        shutil.rmtree(profile, ignore_errors=True)
        fdstore.finish(sp, store)


common.run(main)
