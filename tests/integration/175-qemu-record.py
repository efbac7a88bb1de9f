#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A viewer's microphone into the VM through spiced-qemu: a real QEMU
(TCG) with its D-Bus audio on a bus of the test's own (QEMU 7.2 crashes
when audio is registered peer to peer) and an AC97 card, booting the
Linux guest, whose recorder (tests/tools/guest-record) reads the card
through the kernel's OSS emulation and prints the pitch and loudness of
every second it heard on the serial console.  When the guest starts
recording, spice-gtk's record channel gets RECORD_START in QEMU's
format; a 700 Hz tone the viewer sends is what the guest hears.  A
second viewer takes the microphone (the first is told RECORD_STOP) and
its 1200 Hz tone reaches the guest; when it goes, the first has the
microphone again.  A view-only session is not offered the record
channel and is refused it."""

import array
import math
import re
import time

import common
import rawlink
import rawspice
import spice_client
import vm
from common import check

SPICE_AUDIO_FMT_S16 = 1
CH_RECORD = spice_client.CHANNEL_RECORD
DENIED = 7	# SPICE_LINK_ERR_PERMISSION_DENIED
SOUND = ["-audiodev", "dbus,id=snd0", "-device", "AC97,audiodev=snd0"]


def tone(hz, channels, rate, t0, frames):
    """frames of a sine at hz, S16LE, channels interleaved, from frame
    t0: amplitude 12000."""
    a = array.array("h")
    for i in range(t0, t0 + frames):
        v = int(12000 * math.sin(2 * math.pi * hz * i / rate))
        a.extend([v] * channels)
    return a.tobytes()


def speak_until(c, hz, q, what, timeout=60):
    """Send a tone at hz into c's microphone in real time (20 ms at a
    time) until the guest says it heard hz; returns that serial line."""
    fmt, channels, rate = c.record_starts[-1]
    step = rate // 50
    want = r"guest: record (%s) Hz rms (\d+)" % "|".join(str(hz + d) for d in range(-3, 4))
    t0, sent = time.monotonic(), 0
    seen = len(q.serial())
    while time.monotonic() - t0 < timeout:
        due = int((time.monotonic() - t0) * rate) + step
        while sent < due:
            c.send_record(tone(hz, channels, rate, sent, step))
            sent += step
        c.wait_until(lambda: time.monotonic() - t0 > sent / rate - 0.01, 1, "the next 20 ms")
        m = re.search(want, q.serial()[seen:])
        if m and int(m.group(2)) > 2000:
            return m.group(0)
    raise AssertionError("%s: the guest did not hear %d Hz; it said:\n%s"
                         % (what, hz, q.serial()[seen:][-600:]))


def main():
    vm.need_linux()
    uid = vm.BUS_UID
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid) +
                       '\npassword-view-only = "look"')
    common.wait_producer_socket(sp)
    bus = vm.Bus(uid)
    q = vm.Qemu(uid, extra=SOUND, linux=True, modules=("console", "sound"),
                display=bus.display("snd0"))
    vm.start_bridge(sp, q, uid, bus=bus)
    sp.wait_log(r"audio: the microphone goes from spiced to QEMU", 20)

    a = spice_client.connect(port=sp.port, password="pw", audio=True)
    q.wait_serial(r"guest: recording from /dev/dsp", 90, client=a)
    a.wait_until(lambda: a.record_starts, 20, "RECORD_START")
    fmt, channels, rate = a.record_starts[-1]
    check(fmt == SPICE_AUDIO_FMT_S16 and channels in (1, 2) and 8000 <= rate <= 192000,
          "record start %r" % (a.record_starts[-1],))
    line = speak_until(a, 700, q, "the first viewer")
    print("guest heard the first viewer: %s" % line)

    # A second viewer takes the microphone; the first is told to stop.
    b = spice_client.connect(port=sp.port, password="pw", audio=True)
    b.wait_until(lambda: b.record_starts, 20, "RECORD_START at the second viewer")
    a.wait_until(lambda: a.record_stops >= 1, 10, "RECORD_STOP at the first viewer")
    check(b.record_starts[-1] == (fmt, channels, rate), "the second viewer's format %r"
          % (b.record_starts[-1],))
    line = speak_until(b, 1200, q, "the second viewer")
    print("guest heard the second viewer: %s" % line)
    n = len(a.record_starts)
    b.disconnect()
    a.wait_until(lambda: len(a.record_starts) > n, 10, "RECORD_START again at the first viewer")
    speak_until(a, 700, q, "the first viewer again")

    # View-only: no record channel offered, and refused when asked for.
    look = rawspice.open_session(sp.port, "look")
    check((CH_RECORD, 0) not in look.channels, "a view-only session was offered record")
    res = rawlink.link(sp.port, "look", CH_RECORD, connection_id=look.session_id)[0]
    check(res == DENIED, "a view-only session's record: %s" % rawlink.ERR.get(res, res))
    check(sp.alive(), "spiced died")


common.run(main)
