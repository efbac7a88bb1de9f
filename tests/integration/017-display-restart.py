#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Recovery.  The display worker killed with SIGKILL: spiced logs it,
ends the sessions whose display channel it served (their viewers see the
disconnect and can reconnect), starts a new worker within the back-off
and hands it the producer that is still attached (same producer process,
never restarted); the producer, asked to REDRAW, draws everything again,
and a new login sees the current picture, pixel-exact for a static one.
The same with the animated desktop, whose ring is never empty: the
commands left in it name surfaces the dead worker held, and are skipped
without being held against the producer, which stays attached.
A main worker killed ends its own session only.  Display workers that
keep dying soon after their start with the same producer are restarted
with a growing back-off, and after three such deaths that producer is
dropped with a FAULT error that says why.  A viewer that logs in while
the display worker is being restarted is not refused its display
channel: the link waits for the new worker, and the viewer gets the
picture."""

import os
import signal
import time

import common
import ppm
import spice_client
from common import check

W, H = 160, 120


def producer_pid(sp):
    return sp.list_json()["displays"][0]["producer_pid"]


def new_worker(sp, old):
    return common.wait_for(lambda: [p for p in sp.workers("display") if p != old], 10,
                           "a new display worker")[0]


def animated():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = sp.start_producer("--size", "640x480", "--fps", "60", "--verbose")
    a = spice_client.connect(port=sp.port, password="pw")
    a.wait_mark(timeout=10)
    for _ in range(2):
        old = sp.workers("display")[0]
        mark = sp.log_mark()
        os.kill(old, signal.SIGKILL)
        new_worker(sp, old)
        sp.wait_log(r"qxl-shm-testsrc: server asked for a redraw", 5, mark)
        c = spice_client.connect(port=sp.port, password="pw")
        c.wait_primary(timeout=10)
        c.wait_mark(timeout=10)
        c.disconnect()
        time.sleep(1)
        check(prod.poll() is None, "the producer ended after a worker restart")
        check(producer_pid(sp) == prod.pid, "the producer is no longer attached")
        log = sp.log_text()[mark:]
        check("dropped" not in log, "the producer was dropped:\n" + log[-2000:])
    sp.stop()


def main():
    animated()
    sp = common.Spiced(password="pw")
    img = os.path.join(sp.dir, "p.ppm")
    picture = common.pattern_rgb(W, H, seed=21)
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    prod = sp.start_producer("--image", img, "--verbose")
    a = spice_client.connect(port=sp.port, password="pw")
    a.wait_pixels(picture, timeout=10)
    # (A worker between fork and exec still has spiced's command line.)
    mains_a = set(common.wait_for(lambda: len(sp.workers("main")) == 1 and
                                  sp.workers("main"), 5, "a's main worker"))
    b = spice_client.connect(port=sp.port, password="pw",
                             connect_types=[spice_client.CHANNEL_MAIN])
    b.wait_channels([spice_client.CHANNEL_MAIN])

    # A main worker dies: its session only.  b's is the one a's is not
    # (not the highest pid: pids wrap, as a CI run found).
    mains = set(common.wait_for(lambda: len(sp.workers("main")) == 2 and
                                sp.workers("main"), 5, "two main workers"))
    mark = sp.log_mark()
    victim = (mains - mains_a).pop()
    os.kill(victim, signal.SIGKILL)
    sp.wait_log(r"session \d+ ended: main worker ended \(killed by signal 9", 5, mark)
    b.wait_until(lambda: b.disconnected or b.closed_channels(), 10, "b to lose its session")
    check(not a.closed_channels(), "a lost channels with b's main worker")
    check(a.snapshot() == picture, "a's picture changed")

    # The display worker dies: restarted, producer kept, picture back.
    old = sp.workers("display")[0]
    pid_before = producer_pid(sp)
    check(pid_before == prod.pid, "producer pid in the list")
    mark = sp.log_mark()
    os.kill(old, signal.SIGKILL)
    sp.wait_log(r"display worker ended \(killed by signal 9, Killed\); restarting it in "
                r"250 ms", 5, mark)
    a.wait_until(lambda: a.disconnected or a.closed_channels(), 10,
                 "a's session to end with its display channel")
    new_worker(sp, old)
    sp.wait_log(r"producer handed to the new display worker; asked it to redraw", 5, mark)
    sp.wait_log(r"qxl-shm-testsrc: server asked for a redraw", 5, mark)
    check(prod.poll() is None, "the producer process ended")
    common.wait_for(lambda: producer_pid(sp) == prod.pid, 5, "the same producer attached")
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_pixels(picture, timeout=5)
    c.disconnect()

    # Early deaths in a row: growing back-off, then the producer goes.
    mark = sp.log_mark()
    cur = sp.workers("display")[0]
    for delay in (500, 1000):
        os.kill(cur, signal.SIGKILL)
        sp.wait_log(r"restarting it in %d ms" % delay, 5, mark)
        cur = new_worker(sp, cur)
    os.kill(cur, signal.SIGKILL)
    sp.wait_log(r"producer .* dropped: the display worker died 3 times within 60 s "
                r"with this producer", 5, mark)
    prod.wait(timeout=10)
    with open(sp.log_path) as f:
        log = f.read()
    check("server error 6: the display worker died 3 times" in log,
          "the producer did not read the reason")
    # The display itself carries on: a new producer is served.
    cur = new_worker(sp, cur)
    sp.start_producer("--image", img)
    d = spice_client.connect(port=sp.port, password="pw")
    d.wait_pixels(picture, timeout=10)
    d.disconnect()

    # A viewer logging in during the back-off: its display channel waits
    # for the new worker instead of being refused, and shows the picture.
    mark = sp.log_mark()
    os.kill(cur, signal.SIGKILL)
    m = sp.wait_log(r"display worker ended \(killed by signal 9, Killed\); restarting it "
                    r"in (\d+) ms", 5, mark)
    check(int(m.group(1)) >= 1000, "back-off %s ms, too short to log in meanwhile" % m.group(1))
    e = spice_client.connect(port=sp.port, password="pw")
    sp.wait_log(r"channel 2 from \S+ waits for the display worker, which is restarting", 5,
                mark, client=e)
    check(not sp.workers("display"), "the display worker came back before the viewer's link")
    cur = new_worker(sp, cur)
    sp.wait_log(r"channel 2 from \S+ goes to the new worker", 5, mark, client=e)
    e.wait_pixels(picture, timeout=10)
    check(not e.closed_channels(), "the waiting viewer lost %s" % e.closed_channels())
    e.disconnect()
    check(sp.alive(), "spiced died")


common.run(main)
