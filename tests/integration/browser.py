#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real browser for the tests: Debian's headless chromium with
spice-html5 (Debian package spice-html5) served by a local http.server,
driven through the DevTools protocol over its WebSocket
(tests/integration/wsclient.py; stdlib only).  Browser(...) starts both
and opens spice_auto.html on a spiced port; close() stops them."""

import base64
import functools
import http.server
import json
import os
import shutil
import ssl
import struct
import subprocess
import threading
import time
import urllib.request
import zlib

import common
import wsclient
from common import check

CHROMIUM = "/usr/lib/chromium/chromium"
HTML5 = "/usr/share/spice-html5"

# The primary surface's canvas: its size and its offset in the page.
CANVAS_RECT_JS = """(() => {
    const c = document.querySelector('#spice-screen canvas');
    if (!c) return null;
    const r = c.getBoundingClientRect();
    return [c.width, c.height, r.left + c.clientLeft + window.scrollX,
            r.top + c.clientTop + window.scrollY];
})()"""


def need():
    """Skip (77) the calling test when chromium or spice-html5 is missing."""
    if not os.access(CHROMIUM, os.X_OK) or not os.path.isfile(
            os.path.join(HTML5, "spice_auto.html")):
        raise common.SkipTest("chromium or spice-html5 not installed")


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
        self.dialogs = []       # what the page's dialogs said

    def call(self, method, timeout=20, **params):
        self.next_id += 1
        want = self.next_id
        self.ws.send_text(json.dumps({"id": want, "method": method,
                                      "params": params}))
        end = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.next_text(max(0.1, end - time.monotonic())))
            if msg.get("method") == "Page.javascriptDialogOpening":
                # spice-html5 prompts for a password when a link is
                # refused; the dialog would block the page (and every
                # call) until dismissed.  Kept for the tests' messages.
                self.dialogs.append(msg["params"].get("message", ""))
                self.next_id += 1
                self.ws.send_text(json.dumps({
                    "id": self.next_id, "method": "Page.handleJavaScriptDialog",
                    "params": {"accept": False}}))
                continue
            if msg.get("id") != want:
                continue        # an event, or a dismissal's answer
            check("error" not in msg, "%s: %s" % (method, msg.get("error")))
            return msg["result"]

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        return r["result"].get("value")



class Browser:
    """chromium on spice-html5's spice_auto.html for a spiced port and
    password (extra_args: more chromium options); self.dt is the page's
    DevTools session."""

    def __init__(self, workdir, port, password, extra_args=(), tls=None):
        """tls: (certificate, key) files to serve the page over https, so
        that spice-html5 connects with wss:// (chromium is told to take
        any certificate)."""
        # spice-html5 is ES modules: file:// will not load them, http will.
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass
        handler = functools.partial(Quiet, directory=HTML5)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            extra_args = list(extra_args) + ["--ignore-certificate-errors"]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        dport = common.free_port()
        self.profile = os.path.join(workdir, "chromium")
        self.log = open(os.path.join(workdir, "chromium.log"), "w")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + self.profile, "--remote-debugging-port=%d" % dport,
             "--force-color-profile=srgb", "--force-device-scale-factor=1",
             "--window-size=800,600"] + list(extra_args) + ["about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT)
        common._procs.append(self.proc)
        try:
            self.dt = DevTools(dport)
            page = ("%s://127.0.0.1:%d/spice_auto.html?host=127.0.0.1&port=%d"
                    "&password=%s" % ("https" if tls else "http",
                                      self.httpd.server_address[1], port, password))
            self.dt.call("Page.enable")
            self.dt.call("Page.navigate", url=page)
        except BaseException:
            self.close()
            raise

    def canvas_rect(self):
        """[width, height, left, top] of the primary's canvas, or None."""
        return self.dt.eval(CANVAS_RECT_JS)

    def wait_canvas(self, w, h, timeout=60):
        """The canvas once it has the primary's size."""
        try:
            return common.wait_for(lambda: (lambda r: r if r and r[0] == w and r[1] == h
                                            else None)(self.canvas_rect()),
                                   timeout, "a %dx%d canvas in the page" % (w, h))
        except common.TestFailure:
            d = self.dt.dialogs
            check(not d, "no %dx%d canvas; the page asked %s (spice-html5 prompts for "
                  "a password when a link is refused)" % (w, h, ", ".join(
                      "%r %d times" % (m, d.count(m)) for m in sorted(set(d)))))
            raise

    def screenshot(self, x, y, w, h):
        """(w, h, RGB bytes) of the page's rectangle at (x, y), which must
        be in the viewport: capturing beyond it resizes the viewport for a
        moment, and spice-html5 answers a resize by asking the agent for a
        new desktop size."""
        r = self.dt.call("Page.captureScreenshot", format="png",
                         captureBeyondViewport=False,
                         clip={"x": x, "y": y, "width": w, "height": h, "scale": 1})
        return png_rgb(base64.b64decode(r["data"]))

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.httpd.shutdown()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
