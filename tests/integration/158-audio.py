#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sound both ways from a scripted producer (qxl-shm MSG_AUDIO and
MSG_RECORD), seen by spice-gtk and raw clients: at 44.1 kHz the
producer's DATA is the viewer's playback PCM byte for byte; then spiced
restarts, its sessions, audio workers and sockets handed over, and all
that follows runs through the next supervisor: at 48 kHz a
viewer that decodes Opus gets 10 ms Opus packets (a 440 Hz tone decodes
to 440 Hz in spice-gtk and in libopus, in an eighth of the bytes or
less) and one that does not gets raw PCM; the viewer is told RECORD_START only once
the producer listens, and its samples reach the producer byte for byte;
the capture volume and mute reach the viewer; a second viewer takes the
microphone (spiced sends SYNC, the producer answers START, the first
viewer is told RECORD_STOP); for a producer at 16 kHz mono the viewer
is told 48 kHz stereo and sends Opus (spiced offers it), which spiced
decodes to 16 kHz mono: the producer hears the viewer's 440 Hz tone; a
raw client's Opus packets that do not decode are dropped, its raw
48 kHz stereo reaches the producer as 16 kHz mono of the same tone, and
a mode not offered ends its record channel only.  Hostile datagrams (a START of three
channels, DATA of half a frame) end that way's sound of that session
with the reason while spiced, the producer and the sessions stay; a
second RECORD drops the producer with the reason."""

import array
import os
import signal
import struct
import time

import common
import fdstore
import rawspice
import spice_client
from common import check

AUDIO_DATA, AUDIO_STOP, AUDIO_VOLUME, AUDIO_START, AUDIO_SYNC = 1, 2, 3, 4, 5
FMT_S16 = 1
MSG_PLAYBACK_DATA, MSG_PLAYBACK_MODE, MSG_PLAYBACK_START = 101, 102, 103
MODE_RAW, MODE_OPUS = 1, 3
CH_RECORD = 6
MSG_RECORD_START = 101
MSG_RECORD_DATA, MSG_RECORD_MODE = 101, 102


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


def play_tone(prod, hz, seconds):
    """seconds of a sine at hz, 48 kHz stereo, as DATA datagrams."""
    import math
    frames = int(48000 * seconds)
    a = array.array("h")
    for i in range(frames):
        v = int(12000 * math.sin(2 * math.pi * hz * i / 48000))
        a.extend((v, v))
    raw = a.tobytes()
    for off in range(0, len(raw), 16384):
        prod.say("audio-raw 2 %d 2 48000 %s" % (AUDIO_DATA, raw[off:off + 16384].hex()))


def sine(hz, channels, rate, seconds):
    """seconds of a sine at hz as S16LE."""
    import math
    a = array.array("h")
    for i in range(int(rate * seconds)):
        a.extend([int(12000 * math.sin(2 * math.pi * hz * i / rate))] * channels)
    return a.tobytes()


def pitch(pcm, channels, rate):
    """The frequency of a tone in S16LE pcm, from its rising crossings
    of the mean on the first channel."""
    a = array.array("h")
    a.frombytes(bytes(pcm[:len(pcm) - len(pcm) % (2 * channels)]))
    x = a[::channels]
    mean = sum(x) / max(1, len(x))
    rises = sum(1 for i in range(1, len(x)) if x[i - 1] < mean <= x[i])
    return rises * rate / max(1, len(x))


def opus_decode(packets, channels):
    """Opus packets as S16 PCM at 48 kHz, through libopus (ctypes)."""
    import ctypes
    op = ctypes.CDLL("libopus.so.0")
    op.opus_decoder_create.restype = ctypes.c_void_p
    err = ctypes.c_int()
    dec = op.opus_decoder_create(48000, channels, ctypes.byref(err))
    check(dec and err.value == 0, "opus_decoder_create failed")
    out = bytearray()
    buf = (ctypes.c_int16 * (5760 * channels))()
    for p in packets:
        n = op.opus_decode(ctypes.c_void_p(dec), p, len(p), buf, 5760, 0)
        check(n > 0, "an Opus packet does not decode (%d)" % n)
        out += bytes(buf)[:n * 2 * channels]
    op.opus_decoder_destroy(ctypes.c_void_p(dec))
    return bytes(out)


def raw_playback(sp, sid, opus):
    """A raw playback channel of session sid (with or without the Opus
    cap); returns it."""
    res, s, mini, _ = rawspice.link(sp.port, "pw", 5, connection_id=sid,
                                    channel_caps=((1 << 3) if opus else 0,))
    check(res == 0, "playback link: %s" % res)
    return rawspice.Channel(s, mini=mini)


def raw_sound(ch, seconds):
    """(mode, start, data bodies) of seconds of sound on raw channel ch."""
    mode, start, data = None, None, []
    end = time.monotonic() + 10

    def have():
        # Opus packets are 10 ms each; raw bodies 48 kHz stereo S16.
        if mode == MODE_OPUS:
            return len(data) / 100
        return sum(len(d) for d in data) / (48000 * 4)

    while time.monotonic() < end and have() < seconds:
        try:
            mtype, body = ch.next_message(1)
        except TimeoutError:
            continue
        if mtype == MSG_PLAYBACK_MODE:
            mode = struct.unpack_from("<IH", body)[1]
        elif mtype == MSG_PLAYBACK_START:
            start = struct.unpack_from("<IHI", body)
        elif mtype == MSG_PLAYBACK_DATA:
            data.append(body[4:])
    return mode, start, data


def start(prod, channels, rate):
    prod.say("record-raw 2 %d %d %d -" % (AUDIO_START, channels, rate))


def main():
    fdstore.become_subreaper()
    store = fdstore.FdStore(os.path.join(common.tmpdir(), "notify"))
    sp = common.Spiced(password="pw", env={"NOTIFY_SOCKET": store.path})
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    prod.say("audio-open; record-open")
    sp.wait_log(r"the producer has a microphone input", 5)

    a = spice_client.connect(port=sp.port, password="pw", audio=True)
    a.wait_channels([spice_client.CHANNEL_PLAYBACK, spice_client.CHANNEL_RECORD])
    sp.wait_log(r"the microphone goes to session", 5)
    check(record_recv(prod)[0] == AUDIO_SYNC, "no SYNC when the viewer took the microphone")
    check(a.record_starts == [], "RECORD_START before the producer listened")

    # Playback at 44.1 kHz: raw, DATA as the producer sent it.
    pcm = bytes(range(256)) * 4
    prod.say("audio-raw 2 %d 2 44100 %s" % (AUDIO_DATA, pcm.hex()))
    a.wait_until(lambda: len(a.pcm) >= len(pcm), 10, "the playback PCM")
    check(a.playback_starts == [(FMT_S16, 2, 44100)], "playback starts %r" % a.playback_starts)
    check(bytes(a.pcm) == pcm, "the playback PCM differs")
    # spiced restarts (the test playing systemd's fd store): the sound
    # and microphone sockets, the session's playback and record workers
    # and who owns each way are handed over; all that follows runs
    # through the next supervisor.
    mark = sp.log_mark()
    sp.proc.send_signal(signal.SIGTERM)
    check(sp.proc.wait(timeout=15) == 0, "spiced exited %s" % sp.proc.returncode)
    sp.restart(activate=store.activate())
    sp.wait_log(r'display "t": 1 session kept from the previous run', 5, mark)
    # At 48 kHz spice-gtk (it decodes Opus) gets Opus: a 440 Hz tone
    # comes out of its decoder at 440 Hz.
    n0 = len(a.pcm)
    play_tone(prod, 440, 0.5)
    a.wait_until(lambda: len(a.pcm) - n0 >= 48000 * 4 * 4 // 10, 10, "the decoded tone")
    check(a.playback_starts[-1] == (FMT_S16, 2, 48000), "playback starts %r" % a.playback_starts)
    hz = pitch(a.pcm[n0 + 48000 * 4 // 20:], 2, 48000)
    check(abs(hz - 440) < 440 * 0.03, "spice-gtk heard %.0f Hz of a 440 Hz tone" % hz)

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
    # The producer listens at 16 kHz mono, a rate Opus has: the viewer
    # is told 48 kHz stereo (spice-gtk's Opus encoder takes nothing
    # else) and sends Opus (spiced offers it), which spiced decodes to
    # 16 kHz mono: the producer hears the viewer's tone.
    mark = sp.log_mark()
    start(prod, 1, 16000)
    b.wait_until(lambda: b.record_starts, 10, "RECORD_START at the second viewer")
    check(b.record_starts == [(FMT_S16, 2, 48000)], "second viewer's start %r" % b.record_starts)
    b.send_record(sine(440, 2, 48000, 0.6))
    sp.wait_log(r"record: the viewer sends Opus for 16000 Hz, 1 channels", 5, mark,
                client=b)
    # All of it (0.6 s: 60 whole 10 ms packets), so none is left over.
    got = recv_samples(prod, 19200, b)
    check(len(got) == 19200, "%d bytes of 16 kHz mono for 0.6 s" % len(got))
    hz = pitch(got[3200:], 1, 16000)
    check(abs(hz - 440) < 440 * 0.03, "the producer heard %.0f Hz of the viewer's 440 Hz" % hz)
    # A raw record client that sends what does not decode: those packets
    # go, the channel and the microphone stay.
    m0 = rawspice.open_session(sp.port, "pw")
    res, sock, mini, _ = rawspice.link(sp.port, "pw", CH_RECORD, connection_id=m0.session_id)
    check(res == 0, "raw record link: %d" % res)
    rec_ch = rawspice.Channel(sock, mini=mini)
    sp.wait_log(r"the microphone goes to session %d" % m0.session_id, 5, mark)
    start(prod, 1, 16000)
    while True:
        mtype, body = rec_ch.next_message(10)
        if mtype == MSG_RECORD_START:
            break
    check(struct.unpack("<IHI", body) == (2, FMT_S16, 48000), "raw RECORD_START %r" % body)
    mark = sp.log_mark()
    rec_ch.send(MSG_RECORD_MODE, struct.pack("<IH", 0, MODE_OPUS))
    rec_ch.send(MSG_RECORD_DATA, struct.pack("<I", 0) + b"\xff" * 40)
    sp.wait_log(r"record: 1 Opus packets dropped", 5, mark)
    # Raw 48 kHz stereo from a viewer without Opus: averaged down to the
    # producer's 16 kHz mono, the same tone.
    rec_ch.send(MSG_RECORD_MODE, struct.pack("<IH", 0, MODE_RAW))
    tone48 = sine(660, 2, 48000, 0.3)
    for off in range(0, len(tone48), 3840):
        rec_ch.send(MSG_RECORD_DATA, struct.pack("<I", 0) + tone48[off:off + 3840])
    got = b""
    while len(got) < len(tone48) // 6:
        t, data = record_recv(prod)
        if t == AUDIO_DATA:
            got += data
    check(len(got) == len(tone48) // 6, "%d bytes of 16 kHz mono for %d of 48 kHz stereo"
          % (len(got), len(tone48)))
    hz = pitch(got, 1, 16000)
    check(abs(hz - 660) < 660 * 0.03, "the producer heard %.0f Hz of a raw 660 Hz" % hz)
    rec_ch.send(MSG_RECORD_MODE, struct.pack("<IH", 0, 7))
    sp.wait_log(r"RECORD_MODE of a mode not offered", 5, mark)
    rec_ch.expect_closed()
    check(m0.is_open(0.2), "the session went with its record channel")
    m0.close()

    # Raw playback viewers (the newest has the sound): with the Opus cap
    # 48 kHz goes as 10 ms Opus packets that decode to the tone, without
    # it as raw PCM.
    m = rawspice.open_session(sp.port, "pw")
    for opus in (True, False):
        mark = sp.log_mark()
        ch = raw_playback(sp, m.session_id, opus)
        sp.wait_log(r"the sound goes to session %d" % m.session_id, 5, mark)
        play_tone(prod, 440, 0.5)
        mode, st, data = raw_sound(ch, 0.4)
        check(st is not None and st[0] == 2 and st[2] == 48000, "raw START %r" % (st,))
        if opus:
            check(mode == MODE_OPUS, "mode %r with the Opus cap" % mode)
            pcm = opus_decode(data, 2)
            check(len(data) >= 30 and len(pcm) == len(data) * 480 * 4,
                  "%d Opus packets decode to %d bytes, not 10 ms each" % (len(data), len(pcm)))
            sent = sum(len(d) for d in data)
            print("opus: %d packets, %.1f bytes each (raw: 1920)" % (len(data), sent / len(data)))
            check(sent * 8 < len(pcm), "Opus took %d bytes for %d of PCM" % (sent, len(pcm)))
        else:
            check(mode == MODE_RAW, "mode %r without the Opus cap" % mode)
            pcm = b"".join(data)
        hz = pitch(pcm[48000 * 4 // 20:], 2, 48000)
        check(abs(hz - 440) < 440 * 0.03, "the raw viewer heard %.0f Hz (opus %s)" % (hz, opus))
        ch.close()

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
    fdstore.finish(sp, store)


common.run(main)
