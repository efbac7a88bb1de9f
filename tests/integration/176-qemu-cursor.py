#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The VM's hardware cursor through spiced-qemu: a real QEMU (TCG) with
a virtio-vga booting the Linux guest, whose tests/tools/guest-cursor
becomes the DRM master and sets a 64x64 ARGB cursor (hot spot 3,5) at
100,50, then moves it to 200,120, as a desktop's compositor does.  QEMU
sends CursorDefine and MouseSet; spice-gtk's cursor channel shows the
shape pixel for pixel with its hot spot and the two positions in order;
a viewer that joins later gets the shape in CURSOR_INIT."""

import os

import common
import spice_client
import vm
from common import check


def expected_rgba():
    """guest-cursor's shape as spice-gtk gives it: R, G, B, A bytes."""
    out = bytearray()
    for y in range(64):
        for x in range(64):
            out += bytes([x * 8, y * 8, 0x40, 0xff]) if x < 32 and y < 32 else bytes(4)
    return bytes(out)


def check_shape(c, who):
    cur = c.cursors[-1]
    check((cur["width"], cur["height"], cur["hot_x"], cur["hot_y"]) == (64, 64, 3, 5),
          "%s: cursor %dx%d hot %d,%d" % (who, cur["width"], cur["height"], cur["hot_x"],
                                          cur["hot_y"]))
    want = expected_rgba()
    if cur["rgba"] != want:
        bad = next(i for i in range(0, len(want), 4) if cur["rgba"][i:i + 4] != want[i:i + 4])
        raise AssertionError("%s: cursor pixel %d,%d is %s, want %s" % (
            who, bad // 4 % 64, bad // 4 // 64, cur["rgba"][bad:bad + 4].hex(),
            want[bad:bad + 4].hex()))


def main():
    vm.need_linux()
    if not os.path.exists(vm.GUEST_CURSOR):
        raise common.SkipTest("tests/tools/guest-cursor not built (libdrm-dev)")
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    q = vm.Qemu(uid, linux=True, modules=("console", "gpu"), vga="none",
                extra=["-device", "virtio-vga"])
    vm.start_bridge(sp, q, uid)
    a = spice_client.connect(port=sp.port, password="pw")
    q.wait_serial(r"guest: cursor set at 100,50", 90, client=a)
    a.wait_until(lambda: a.cursors, 10, "the guest's cursor shape")
    check_shape(a, "viewer")
    q.wait_serial(r"guest: cursor moved to 200,120", 30, client=a)
    a.wait_until(lambda: (200, 120) in a.cursor_moves, 10, "the cursor at 200,120")
    check((100, 50) in a.cursor_moves and
          a.cursor_moves.index((100, 50)) < a.cursor_moves.index((200, 120)),
          "cursor positions %r" % a.cursor_moves)

    b = spice_client.connect(port=sp.port, password="pw")
    b.wait_until(lambda: b.cursors, 10, "the cursor shape at a later viewer")
    check_shape(b, "later viewer")
    check(sp.alive(), "spiced died")


common.run(main)
