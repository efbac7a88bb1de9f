#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A guest that floods its display (VGA mode 13h, every pixel rewritten
without pause): QEMU sends updates as fast as it refreshes and never
waits, so spiced-qemu must keep reading and merge what spiced has not
taken yet.  For a few seconds the viewer keeps receiving pictures, the
bridge's memory stays bounded, QEMU's other work goes on (QMP answers at
once), and once the VM is paused the viewer shows exactly QEMU's last
picture (its screendump)."""

import time

import common
import spice_client
import vm
from common import check


def rss_kib(pid):
    return int(common.status_fields(pid)["VmRSS"].split()[0])


def main():
    vm.need()
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    q = vm.Qemu(uid, code=vm.FLOOD_BOOT)
    bridge = vm.start_bridge(sp, q, uid)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(20)
    # QEMU shows mode 13h's 320x200 doubled.
    c.wait_until(lambda: c.primary is not None and c.primary["width"] == 640
                 and c.primary["height"] == 400, 30, "mode 13h (640x400)")
    rss0 = rss_kib(bridge.pid)

    # Five seconds of flood: pictures keep coming, QMP stays quick.
    seen = set()
    t_end = time.monotonic() + 5
    slowest = 0.0
    while time.monotonic() < t_end:
        t = time.monotonic()
        c.wait_until(lambda: time.monotonic() - t > 0.25, 1, "a moment")
        seen.add(hash(c.snapshot()))
        t = time.monotonic()
        q.qmp("query-status")
        slowest = max(slowest, time.monotonic() - t)
    check(len(seen) >= 5, "the viewer saw only %d different pictures in 5 s" % len(seen))
    check(slowest < 2, "QMP took %.1f s during the flood" % slowest)
    grew = rss_kib(bridge.pid) - rss0
    check(grew < 16 * 1024, "the bridge grew by %d KiB during the flood" % grew)

    # Paused: the last picture arrives whole.
    q.qmp("stop")
    w, h, rgb = q.screendump()
    c.wait_until(lambda: c.snapshot() == rgb, 10, "QEMU's last picture")
    check(bridge.poll() is None and sp.alive() and not c.disconnected,
          "something went down with the flood")


common.run(main)
