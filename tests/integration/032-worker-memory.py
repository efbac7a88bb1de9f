#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""worker-memory: a display's workers run with that RLIMIT_DATA, as
/proc/PID/limits shows for the display and the main worker alike; a
producer whose primary surface does not fit the limit is detached with a
fault naming the surface and why, and spiced goes on serving (the same producer
with a primary that fits is served)."""

import os

import common
import ppm
import rawlink
import spice_client
from common import check

W, H = 64, 48


def data_limit(pid):
    """Soft and hard "Max data size" of pid, in bytes (None: unlimited)."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max data size"):
                soft, hard = line.split()[3:5]
                return tuple(None if v == "unlimited" else int(v) for v in (soft, hard))
    raise common.TestFailure("no Max data size in /proc/%d/limits" % pid)


def main():
    sp = common.Spiced(extra="worker-memory = 256M")
    picture = common.pattern_rgb(W, H, seed=41)
    img = os.path.join(sp.dir, "p.ppm")
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)
    c = spice_client.connect(port=sp.port, password=sp.password)
    c.wait_primary(timeout=15)
    c.wait_pixels(picture, timeout=10)
    workers = sp.workers("display") + sp.workers("main")
    check(len(workers) == 2, "workers %s" % workers)
    for pid in workers:
        check(data_limit(pid) == (256 << 20, 256 << 20),
              "worker %d: Max data size %s, want 256 MiB" % (pid, data_limit(pid)))
    check(data_limit(sp.pid)[0] is None, "spiced itself got the workers' limit")
    c.disconnect()
    sp.stop()

    # 64 MiB cannot hold a 4096x4096 primary (64 MiB of pixels alone).
    sp = common.Spiced(extra="worker-memory = 64M")
    common.wait_producer_socket(sp)
    mark = sp.log_mark()
    big = sp.start_producer("--size", "4096x4096", wait_attached=False)
    sp.wait_log(r'producer fault: primary: surface 0: out of memory for 4096x4096', 15, mark)
    sp.wait_log(r'producer "qxl-shm-testsrc" \(pid %d\) dropped: primary: surface 0: '
                r'out of memory for 4096x4096' % big.pid, 10, mark)
    big.wait(timeout=10)
    check(sp.alive(), "spiced died")
    res, s = rawlink.link(sp.port, sp.password, keep=True)
    check(res == 0, "spiced refuses links after the fault: %s" % rawlink.ERR.get(res, res))
    s.close()
    # A producer whose primary fits is served as usual.
    picture = common.pattern_rgb(W, H, seed=42)
    ppm.write_ppm(img, W, H, picture)
    sp.start_producer("--image", img)
    c = spice_client.connect(port=sp.port, password=sp.password)
    c.wait_primary(timeout=15)
    c.wait_pixels(picture, timeout=10)
    c.disconnect()
    sp.stop()


common.run(main)
