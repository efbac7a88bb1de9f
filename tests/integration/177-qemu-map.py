#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spiced-qemu and the shared-memory scanouts of QEMU 9.2 and later
(Listener.Unix.Map), which Debian 12's QEMU 7.2 does not have: a peer
playing QEMU's side of the D-Bus display (fakeqemu.py) hands the bridge a
display connection (--fd, as libvirt does) and calls its listener.

The listener lists Listener.Unix.Map in its Interfaces property;
ScanoutMap of an unsealed memfd (an offset, rows with padding) reaches
the real spice-gtk client pixel for pixel, and so does an UpdateMap of a
rectangle changed in the memfd, and a 16-bit surface.  Refused, each with
its reason, while the bridge, spiced and the viewer stay: an update
outside the surface, a ScanoutMap past the end of its file or with a
stride shorter than a row, an update after the file shrank under the map
(the bridge reads with pread and never maps QEMU's file, so no SIGBUS),
and an UpdateMap once pixels came inline again (Scanout)."""

import os
import subprocess

import common
import fakeqemu
import spice_client
import vm
from common import check
from fakeqemu import GLib

W, H = 640, 480
STRIDE = W * 4 + 64     # rows with padding, as a surface may have
OFFSET = 4096           # the surface after other things in the file


def bgrx(rgb):
    """RGB bytes as B,G,R,X pixels."""
    out = bytearray(len(rgb) // 3 * 4)
    out[0::4], out[1::4], out[2::4] = rgb[2::3], rgb[1::3], rgb[0::3]
    return bytes(out)


def put_rows(fd, rgb, x, y, w, h, width=W):
    """Write the w x h rectangle at x, y of the width-wide rgb picture
    into the surface in fd."""
    px = bgrx(rgb)
    for r in range(y, y + h):
        os.pwrite(fd, px[(r * width + x) * 4:(r * width + x + w) * 4],
                  OFFSET + r * STRIDE + x * 4)


def refused(d, method, args, why, fd=None):
    """The bridge answers method with an error containing why."""
    try:
        if fd is None:
            d.call("Listener.Unix.Map", method, "(iiii)", args)
        else:
            d.call_fd("Listener.Unix.Map", method, "(huuuuu)", args, fd)
    except GLib.Error as e:
        check(why in e.message, "%s%r refused with %r, want %r" % (method, args, e.message, why))
        return
    raise common.TestFailure("%s%r was taken" % (method, args))


def main():
    if not os.path.exists(vm.SPICED_QEMU):
        raise common.SkipTest("spiced-qemu is not built")
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    ours, theirs = fakeqemu.socketpair()
    mark = sp.log_mark()
    bridge = subprocess.Popen([vm.SPICED_QEMU, "--fd", str(theirs.fileno()),
                               "--socket", sp.producer_socket],
                              stdout=sp.log, stderr=subprocess.STDOUT,
                              preexec_fn=common.demote_fn(uid), pass_fds=(theirs.fileno(),))
    common._procs.append(bridge)
    theirs.close()
    d = fakeqemu.Display(ours, W, H)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_until(lambda: d.listener is not None, 20, "the bridge's display listener")
    sp.wait_log(r'producer "spiced-qemu" \(pid \d+\) attached', 20, mark)
    check(d.interfaces() == [fakeqemu.IFACE + ".Listener.Unix.Map"],
          "the listener's Interfaces: %r" % d.interfaces())

    # The whole surface from the memfd.
    picture = bytearray(common.pattern_rgb(W, H, seed=21))
    fd = fakeqemu.memfd(OFFSET + STRIDE * H)
    put_rows(fd, picture, 0, 0, W, H)
    d.call_fd("Listener.Unix.Map", "ScanoutMap", "(huuuuu)",
              (0, OFFSET, W, H, STRIDE, fakeqemu.X8R8G8B8), fd)
    c.wait_until(lambda: c.primary is not None and c.snapshot() == bytes(picture), 20,
                 "the mapped surface at spice-gtk")

    # A rectangle changed in the file, then UpdateMap.
    other = common.pattern_rgb(W, H, seed=22)
    x, y, w, h = 100, 50, 200, 120
    for r in range(y, y + h):
        picture[(r * W + x) * 3:(r * W + x + w) * 3] = other[(r * W + x) * 3:(r * W + x + w) * 3]
    put_rows(fd, picture, x, y, w, h)
    d.call("Listener.Unix.Map", "UpdateMap", "(iiii)", (x, y, w, h))
    c.wait_until(lambda: c.snapshot() == bytes(picture), 20, "the updated rectangle at spice-gtk")

    # Refusals; the picture stays.
    refused(d, "UpdateMap", (600, 0, 100, 10), "outside the 640x480")
    refused(d, "UpdateMap", (-1, 0, 10, 10), "outside")
    # The file shrinks under the map (QEMU is not bound by seals).
    os.ftruncate(fd, OFFSET + STRIDE * (H // 2))
    refused(d, "UpdateMap", (0, H - 10, 10, 10), "ends before row %d" % (H - 10))
    check(bridge.poll() is None, "the bridge died on a shrunk file: %r" % bridge.returncode)
    c.wait_until(lambda: c.snapshot() == bytes(picture), 5, "the picture kept")
    os.close(fd)
    # Maps QEMU should not offer (a refused one ends the map: QEMU then
    # goes back to pixels inline).
    small = fakeqemu.memfd(1000)
    refused(d, "ScanoutMap", (0, 4096, W, H, STRIDE, fakeqemu.X8R8G8B8), "offset 4096 past",
            fd=small)
    refused(d, "ScanoutMap", (0, 0, 100, 2, 100, fakeqemu.X8R8G8B8), "stride", fd=small)
    os.close(small)

    # A 16-bit surface, converted by the bridge.
    w16, h16 = 320, 200
    fd = fakeqemu.memfd(w16 * h16 * 2)
    px = bytearray(w16 * h16 * 2)
    want = bytearray(w16 * h16 * 3)
    for i in range(w16 * h16):
        r5, g6, b5 = (i * 7) % 32, (i // w16 * 5) % 64, (i % w16) % 32
        v = r5 << 11 | g6 << 5 | b5
        px[i * 2:i * 2 + 2] = v.to_bytes(2, "little")
        # pixman widens by repeating the top bits.
        want[i * 3:i * 3 + 3] = bytes((r5 << 3 | r5 >> 2, g6 << 2 | g6 >> 4, b5 << 3 | b5 >> 2))
    os.pwrite(fd, bytes(px), 0)
    d.call_fd("Listener.Unix.Map", "ScanoutMap", "(huuuuu)",
              (0, 0, w16, h16, w16 * 2, fakeqemu.R5G6B5), fd)
    c.wait_until(lambda: c.primary is not None and (c.primary["width"], c.primary["height"])
                 == (w16, h16) and c.snapshot() == bytes(want), 20,
                 "the 16-bit surface at spice-gtk")

    # Pixels inline again: the map is over.
    inline = common.pattern_rgb(W, H, seed=23)
    d.call("Listener", "Scanout", "(uuuuay)", (W, H, W * 4, fakeqemu.X8R8G8B8, bgrx(inline)))
    c.wait_until(lambda: c.primary is not None and (c.primary["width"], c.primary["height"]) == (W, H)
                 and c.snapshot() == inline, 20, "the inline Scanout at spice-gtk")
    refused(d, "UpdateMap", (0, 0, 10, 10), "without a ScanoutMap")
    os.close(fd)

    check(bridge.poll() is None and sp.alive() and not c.disconnected,
          "the bridge, spiced or the viewer went")
    sp.wait_log(r"QEMU's UpdateMap refused: .*ends before row", 5)


common.run(main)
