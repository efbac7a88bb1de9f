#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sound both ways from a scripted producer (qxl-shm MSG_AUDIO and
MSG_RECORD), seen by spice-gtk: the producer's DATA is the viewer's
playback PCM byte for byte; the viewer is told RECORD_START only once
the producer listens, and its samples reach the producer byte for byte;
the capture volume and mute reach the viewer; a second viewer takes the
microphone (spiced sends SYNC, the producer answers START, the first
viewer is told RECORD_STOP).  Hostile datagrams (a START of three
channels, DATA of half a frame) end that way's sound of that session
with the reason while spiced, the producer and the sessions stay; a
second RECORD drops the producer with the reason."""

import struct
import time

import common
import spice_client
from common import check

AUDIO_DATA, AUDIO_STOP, AUDIO_VOLUME, AUDIO_START, AUDIO_SYNC = 1, 2, 3, 4, 5
FMT_S16 = 1


def record_recv(prod):
    """The producer's next record datagram: (type, samples)."""
    out = prod.ask("record-recv")
    check(len(out) == 1 and out[0].startswith("record "), "record-recv said %r" % out)
    _, t, _, hexdata = out[0].split()
    return int(t), b"" if hexdata == "-" else bytes.fromhex(hexdata)


def recv_samples(prod, n, client):
    """n bytes of DATA from the producer's record port, once client (whose
    GLib loop writes what it sends) had a moment to send them."""
    t = time.monotonic() + 0.3
    client.wait_until(lambda: time.monotonic() > t, 1, "a moment to send")
    got = b""
    while len(got) < n:
        t, data = record_recv(prod)
        check(t == AUDIO_DATA, "record datagram of type %d, want DATA" % t)
        got += data
    return got


def start(prod, channels, rate):
    prod.say("record-raw 2 %d %d %d -" % (AUDIO_START, channels, rate))


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    prod.say("audio-open; record-open")
    sp.wait_log(r"the producer has a microphone input", 5)

    a = spice_client.connect(port=sp.port, password="pw", audio=True)
    a.wait_channels([spice_client.CHANNEL_PLAYBACK, spice_client.CHANNEL_RECORD])
    sp.wait_log(r"the microphone goes to session", 5)
    check(record_recv(prod)[0] == AUDIO_SYNC, "no SYNC when the viewer took the microphone")
    check(a.record_starts == [], "RECORD_START before the producer listened")

    # Playback: DATA as the producer sent it.
    pcm = bytes(range(256)) * 4
    prod.say("audio-raw 2 %d 2 48000 %s" % (AUDIO_DATA, pcm.hex()))
    a.wait_until(lambda: len(a.pcm) >= len(pcm), 10, "the playback PCM")
    check(a.playback_starts == [(FMT_S16, 2, 48000)], "playback starts %r" % a.playback_starts)
    check(bytes(a.pcm) == pcm, "the playback PCM differs")

    # Record: START, then the viewer's samples byte for byte.
    start(prod, 2, 44100)
    a.wait_until(lambda: a.record_starts, 10, "RECORD_START")
    check(a.record_starts == [(FMT_S16, 2, 44100)], "record starts %r" % a.record_starts)
    # spice-gtk sends whole frames only (of a size private to it): a
    # multiple of any it may use.
    mic = struct.pack("<7680h", *((i * 97) % 65536 - 32768 for i in range(7680)))
    a.send_record(mic)
    check(recv_samples(prod, len(mic), a) == mic, "the microphone's samples differ")
    # Capture volume and mute: u16 volumes packed in one word.
    prod.say("record-raw 3 %d 1 2 %d -" % (AUDIO_VOLUME, 0x4000 | 0x8000 << 16))
    rec = a.channels[(spice_client.CHANNEL_RECORD, 0)]
    a.wait_until(lambda: rec.get_property("mute"), 10, "the record channel muted")

    # A second viewer takes the microphone.
    b = spice_client.connect(port=sp.port, password="pw", audio=True)
    b.wait_channels([spice_client.CHANNEL_RECORD])
    check(record_recv(prod)[0] == AUDIO_SYNC, "no SYNC for the second viewer")
    a.wait_until(lambda: a.record_stops >= 1, 10, "RECORD_STOP at the first viewer")
    start(prod, 1, 16000)
    b.wait_until(lambda: b.record_starts, 10, "RECORD_START at the second viewer")
    check(b.record_starts == [(FMT_S16, 1, 16000)], "second viewer's start %r" % b.record_starts)
    b.send_record(mic[:7680])
    check(recv_samples(prod, 7680, b) == mic[:7680], "the second viewer's samples differ")

    # Hostile datagrams: that session's way ends, nothing else.
    mark = sp.log_mark()
    start(prod, 3, 44100)
    sp.wait_log(r"record: START of a bad format; the microphone stops", 5, mark)
    b.wait_until(lambda: b.record_stops >= 1, 10, "RECORD_STOP after the bad START")
    prod.say("audio-raw 2 %d 2 48000 abcdef" % AUDIO_DATA)
    sp.wait_log(r"audio: DATA of a bad format or size; the sound stops", 5, mark)
    check(sp.alive() and prod.proc.poll() is None, "spiced or the producer went")
    main = (spice_client.CHANNEL_MAIN, 0)
    a.wait_until(lambda: True, 0.5, "a moment")
    check(main not in a.closed_channels() and main not in b.closed_channels(),
          "a session went")

    # A second RECORD: the producer goes, with the reason.
    prod.proc.stdin.write("record-open\n")
    prod.proc.stdin.flush()
    check(prod.proc.wait(timeout=10) == 4, "a second RECORD was accepted")
    check("a second RECORD" in prod.proc.stdout.read(), "no reason for the second RECORD")
    check(sp.alive(), "spiced died")


common.run(main)
