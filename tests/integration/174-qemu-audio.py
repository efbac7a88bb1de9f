#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The VM's sound through spiced-qemu: a real QEMU (TCG) with its D-Bus
audio (-audiodev dbus, -display dbus,addr=...,audiodev=: on a D-Bus bus
of the test's own, since QEMU 7.2 crashes when audio is registered peer
to peer) and the PC speaker wired to it, booting a boot sector the test builds that sets the speaker
to 1000 Hz.  spice-gtk's playback channel starts with QEMU's format and
gets a second of sound whose pitch is the speaker's (counted from the
square wave's edges); a second viewer with a playback channel gets the
sound from then on (the newest viewer has it, as with the reference
server), and when it goes the first one has it again."""

import time

import common
import spice_client
import vm
from common import check

SPICE_AUDIO_FMT_S16 = 1


def pitch(pcm, channels, rate):
    """The frequency of a square wave in S16LE pcm, from its rising
    edges on the first channel."""
    import array
    a = array.array("h")
    a.frombytes(bytes(pcm[:len(pcm) - len(pcm) % (2 * channels)]))
    x = a[::channels]
    mean = sum(x) / max(1, len(x))
    rises = sum(1 for i in range(1, len(x)) if x[i - 1] < mean <= x[i])
    return rises * rate / max(1, len(x))


def wait_sound(c, seconds, what):
    n0 = len(c.pcm)
    rate, channels = c.playback_starts[-1][2], c.playback_starts[-1][1]
    want = int(seconds * rate * channels * 2)
    c.wait_until(lambda: len(c.pcm) - n0 >= want, 20, what)
    return c.pcm[n0:]


def main():
    vm.need()
    uid = vm.BUS_UID
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    # On a bus of its own: QEMU 7.2's audio crashes peer to peer.
    bus = vm.Bus(uid)
    q = vm.Qemu(uid, extra=vm.AUDIO, code=vm.BEEP_BOOT, display=bus.display("snd0"))
    vm.start_bridge(sp, q, uid, bus=bus)
    sp.wait_log(r"audio: QEMU's sound goes to spiced", 10)

    a = spice_client.connect(port=sp.port, password="pw", audio=True)
    a.wait_until(lambda: a.playback_starts, 20, "PLAYBACK_START")
    fmt, channels, rate = a.playback_starts[-1]
    check(fmt == SPICE_AUDIO_FMT_S16 and channels in (1, 2) and 8000 <= rate <= 192000,
          "playback start %r" % (a.playback_starts[-1],))
    pcm = wait_sound(a, 1.0, "a second of sound")
    hz = pitch(pcm, channels, rate)
    check(abs(hz - vm.BEEP_HZ) < vm.BEEP_HZ * 0.05, "the sound's pitch is %.0f Hz, want %.0f"
          % (hz, vm.BEEP_HZ))

    # A second viewer takes the sound; when it goes, the first has it.
    b = spice_client.connect(port=sp.port, password="pw", audio=True)
    b.wait_until(lambda: b.playback_starts and len(b.pcm) > rate, 20, "sound at the second viewer")
    sp.wait_log(r"the sound goes to session", 5)
    n = len(a.pcm)
    t = time.monotonic()
    b.wait_until(lambda: time.monotonic() - t > 0.5, 2, "a moment")
    a.wait_until(lambda: True, 1, "the first viewer's loop")
    check(len(a.pcm) - n < rate * channels * 2 // 4, "the first viewer still gets sound")
    b.disconnect()
    wait_sound(a, 0.5, "the sound back at the first viewer")
    check(sp.alive(), "spiced died")


common.run(main)
