#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""image-compression = auto_glz (the default, libvirt's name) on a slow
link: spice-gtk behind a proxy that passes what spiced sends at 150 kB/s
(TCP measures the link below 10 Mbit/s) gets drawings as GLZ, against its
own window, while a raw viewer on loopback at full speed gets them as LZ4
(it knows no GLZ: one would end it), read all the while by a thread of
its own, as a viewer reads its socket.  Drawings A, B, then A with a box
changed: spice-gtk shows each pixel for pixel, and A changed costs it a
fraction of B, copied from its window two pictures back."""

import os
import random
import socket
import threading
import time

import common
import ppm
import rawspice
import spice_client
from common import check

W, H = 640, 480
RATE = 150000
GLZ_RGB = 102


class SlowLink:
    """A TCP proxy to port on 127.0.0.1: the viewer's bytes go at once,
    the server's at rate bytes/s on each connection, read through a small
    receive buffer so that the server's TCP feels the pace."""

    def __init__(self, port, rate):
        self.port_to, self.rate = port, rate
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.socks = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.lsock.accept()
            except OSError:
                return
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            server.connect(("127.0.0.1", self.port_to))
            self.socks += [client, server]
            threading.Thread(target=self._pump, args=(client, server, 0), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, self.rate),
                             daemon=True).start()

    @staticmethod
    def _pump(src, dst, rate):
        t0, sent = time.monotonic(), 0
        try:
            while True:
                data = src.recv(4096 if rate else 65536)
                if not data:
                    break
                dst.sendall(data)
                sent += len(data)
                if rate:
                    time.sleep(max(0.0, t0 + sent / rate - time.monotonic()))
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.lsock.close()
        for s in self.socks:
            s.close()


def page(seed, patch=False):
    """A drawing: 8x2 blocks of random colours (few neighbouring pixels
    differ, so spiced sends it as a drawing, and no two stretches of it
    alike, so what GLZ copies comes from this very picture in the
    window); patch: a 200x20 box of it drawn orange."""
    rnd = random.Random(seed)
    out = bytearray(W * H * 3)
    for by in range(0, H, 2):
        row = b"".join(rnd.randbytes(3) * 8 for _ in range(W // 8))
        out[by * W * 3:(by + 1) * W * 3] = row
        out[(by + 1) * W * 3:(by + 2) * W * 3] = row
    if patch:
        for y in range(100, 120):
            out[(y * W + 200) * 3:(y * W + 400) * 3] = b"\xff\x80\x00" * 200
    return bytes(out)


def main():
    sp = common.Spiced(password="pw", extra="streaming-video = off")
    common.wait_producer_socket(sp)
    link = SlowLink(sp.port, RATE)
    prod = None
    try:
        c = spice_client.connect(port=link.port, password="pw")
        c.wait_channels([spice_client.CHANNEL_DISPLAY], 20)
        dch = c.channel(spice_client.CHANNEL_DISPLAY)

        def show(pic, name):
            """pic from a new producer; the bytes spice-gtk read for it."""
            nonlocal prod
            path = os.path.join(sp.dir, name + ".ppm")
            ppm.write_ppm(path, W, H, pic)
            before = dch.get_property("total-read-bytes")
            if prod is not None:
                prod.terminate()
                prod.wait(10)
            prod = sp.start_producer("--image", path, "--size", "%dx%d" % (W, H))
            c.wait_pixels(pic, 60)
            return dch.get_property("total-read-bytes") - before

        # Pages faster than the link takes them, until spiced measured it
        # (its queue drains at the link's pace) and says so.
        mark = sp.log_mark()
        pages = os.path.join(sp.dir, "pages")
        os.mkdir(pages)
        for k in range(6):
            ppm.write_ppm(os.path.join(pages, "%d.ppm" % k), W, H, page(100 + k))
        prod = sp.start_producer("--frames", pages, "--fps", "10")
        sp.wait_log(r'display "t": conn \d+ is on a slow link: GLZ for drawings', 30, mark)
        m = rawspice.open_session(sp.port, "pw")
        # With a GLZ window, as spice-gtk has: a GLZ image would end it.
        fast = rawspice.display_client(sp.port, "pw", m.session_id, init=False)
        fast.send_init(glz_window=3145728)
        fast.wait_mark(10)
        # Read at once, whatever the main thread waits for: a viewer left
        # unread while spice-gtk takes seconds to get a page through the
        # slow link is a slow link too, and spiced would rightly send it
        # GLZ.
        stop = threading.Event()
        failed = []

        def read_fast():
            try:
                while not stop.is_set():
                    fast.pump(0.05)
            except Exception as e:  # pylint: disable=broad-except
                failed.append(e)

        reader = threading.Thread(target=read_fast, daemon=True)
        reader.start()
        try:
            show(page(1), "a")
            b = show(page(2), "b")
            a2 = show(page(1, patch=True), "a2")
        finally:
            stop.set()
            reader.join(10)
        check(not failed, "the fast viewer's reader: %r" % failed)
        fast.settle()
        check(a2 * 4 < b, "A changed cost spice-gtk %d bytes against B's %d: not copied from "
              "its GLZ window" % (a2, b))
        check(GLZ_RGB not in fast.images and fast.images.get(rawspice.IMAGE_LZ4, 0) > 0,
              "the viewer at full speed got %r" % fast.images)
        check(fast.rgb() == page(1, patch=True), "the fast viewer's picture is not exact")
        check(sp.log_text()[mark:].count("on a slow link") == 1,
              "more than one viewer on a slow link:\n%s" % sp.log_text()[mark:])
        print("# slow link: B %d bytes, A changed %d (GLZ); the fast viewer: %r"
              % (b, a2, fast.images))
        c.disconnect()
    finally:
        if prod is not None:
            prod.terminate()
            prod.wait(10)
        link.close()
    sp.stop()


common.run(main)
