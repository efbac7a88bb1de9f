#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile producers: a memfd without seals is refused at attach, and so
are memslots beyond the display's producer-memory (the default refuses
six sparse 4 GiB slots at the first; 64M refuses 48 + 32 MiB at the
second, while a producer that fits is shown); a QXL
command pointing outside its slot, one with a wrong slot generation, and a
bitmap chunk chain that loops are each dropped with a clear log line while
the display keeps working (the client sees what the producer draws next);
a producer that keeps sending bad commands is detached.  Through all of
it the daemon serves, an existing session stays connected, and a new
producer can attach afterwards."""

import os
import struct
import time

import common
import ppm
import rawlink
import spice_client
from common import check

W, H = 320, 240


def fill_rgb(color):
    return bytes(((color >> 16) & 255, (color >> 8) & 255, color & 255)) * (W * H)


def open_session(sp):
    res, s = rawlink.link(sp.port, sp.password, keep=True)
    check(res == 0, "link refused")
    mtype, size = struct.unpack("<HI", rawlink.recv_exact(s, 6))
    rawlink.recv_exact(s, size)
    return s


def session_open(s):
    s.setblocking(False)
    try:
        data = s.recv(65536)
        return data != b""
    except BlockingIOError:
        return True
    finally:
        s.setblocking(True)


def expect_display_survives(sp, mode, color, log_pattern):
    mark = sp.log_mark()
    p = sp.start_bad_producer("--mode", mode, "--then-valid", "--color", "0x%06x" % color,
                              "--size", "%dx%d" % (W, H), "--hold", "30")
    sp.wait_log(log_pattern, 10, mark)
    c = spice_client.connect(port=sp.port, password=sp.password)
    c.wait_primary(timeout=15)
    c.wait_pixels(fill_rgb(color), timeout=10)
    c.disconnect()
    check(p.poll() is None, "%s: producer was dropped after one bad command" % mode)
    p.terminate()
    p.wait(timeout=10)
    sp.wait_log(r"producer .* detached", 10, mark)


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    keeper = open_session(sp)

    # Unsealed memfd: refused at MEMSLOT_ADD with the reason.
    p = sp.start_bad_producer("--mode", "unsealed-memfd")
    out, _ = p.communicate(timeout=10)
    check(p.returncode == 0, "unsealed memfd: bad-producer exit %d: %s" % (p.returncode, out))
    check("not sealed against shrinking" in out, "producer was not told why: %s" % out)
    sp.wait_log(r'producer .* dropped: producer memfd not sealed against shrinking', 5)
    check(sp.alive(), "spiced died")

    # Memory: the six sparse 4 GiB slots, refused at the first
    # against the default producer-memory (1536 MiB).
    p = sp.start_bad_producer("--mode", "big-slots")
    out, _ = p.communicate(timeout=10)
    check(p.returncode == 0 and "memslots of 4096 MiB in all, above the display's "
          "producer-memory of 1536 MiB" in out, "six 4 GiB slots: exit %d: %s" % (p.returncode, out))
    sp.wait_log(r"producer .* dropped: memslots of 4096 MiB in all, above the display's "
                r"producer-memory of 1536 MiB", 5)
    check(sp.alive(), "spiced died")

    expect_display_survives(sp, "outside-slot", 0x336699, r"dropped QXL command.*")
    expect_display_survives(sp, "bad-generation", 0x993366, r"dropped QXL command.*generation")
    t0 = time.monotonic()
    expect_display_survives(sp, "chunk-loop", 0x669933, r"dropped QXL command.*chunk")
    check(time.monotonic() - t0 < 15, "chunk loop took too long to reject")

    # A producer that keeps at it is detached, with the reason.
    mark = sp.log_mark()
    p = sp.start_bad_producer("--mode", "outside-slot", "--repeat", "40", "--hold", "30")
    out, _ = p.communicate(timeout=20)
    check(p.returncode == 4, "repeated faults: bad-producer exit %d, want 4 (dropped): %s"
          % (p.returncode, out))
    check("bad QXL commands" in out, "producer not told why: %s" % out)
    sp.wait_log(r"producer .* dropped: \d+ bad QXL commands", 5, mark)

    # The daemon goes on: the old session is still connected, and a good
    # producer attaches and is shown.
    check(sp.alive(), "spiced died")
    check(session_open(keeper), "the session opened before the bad producers was closed")
    img = os.path.join(sp.dir, "after.ppm")
    pic = common.pattern_rgb(W, H, seed=3)
    ppm.write_ppm(img, W, H, pic)
    sp.start_producer("--image", img)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_pixels(pic, timeout=15)
    c.disconnect()
    keeper.close()
    sp.stop()

    # A display with a small producer-memory: slots of 48 and 32 MiB go
    # over 64 MiB at the second; a producer whose slots fit (libqxlshm's
    # set-up at this size: about 41 MiB) is shown.
    sp = common.Spiced(password="pw", extra="producer-memory = 64M")
    common.wait_producer_socket(sp)
    p = sp.start_bad_producer("--mode", "big-slots", "--slots", "48,32")
    out, _ = p.communicate(timeout=10)
    check(p.returncode == 0 and "sent MEMSLOT_ADD 0 of 48 MiB" in out and
          "memslots of 80 MiB in all, above the display's producer-memory of 64 MiB" in out,
          "48 + 32 MiB slots: exit %d: %s" % (p.returncode, out))
    sp.start_producer("--image", img)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_pixels(pic, timeout=15)
    c.disconnect()


common.run(main)
