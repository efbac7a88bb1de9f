#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The X session's sound both ways through spiced-x11 --audio-fifo and
--mic-fifo, with the real spice-gtk client: what the session's sound
server writes into the sound FIFO (raw S16LE, as PulseAudio's
module-pipe-sink does; here written by the test, in real time and cut in
the middle of frames) at 44.1 kHz is the viewer's playback PCM byte for
byte; 200 ms of silence stops the viewer's playback, and the next sound
starts it again.  The viewer's microphone opens (RECORD_START) only once
a reader holds the microphone FIFO, its sound arrives there byte for
byte, and it closes (RECORD_STOP) when the reader goes.  Then, at the
default 48 kHz (Opus both ways with spice-gtk), a real PulseAudio: a
440 Hz tone played into its pipe sink is heard by the viewer at 440 Hz,
and the viewer's 600 Hz tone is recorded from its pipe source at
600 Hz; PulseAudio stopped and started again with new FIFOs, both ways
work again.  A FIFO path that is a regular file, or a format out of range,
stops spiced-x11 at start with the reason."""

import array
import math
import os
import re
import subprocess
import time

import common
import spice_client
import xsession
from common import check

W, H = 320, 240
FMT_S16 = 1


def tone(hz, seconds, rate, channels):
    n = int(rate * seconds)
    a = array.array("h", (int(12000 * math.sin(2 * math.pi * hz * i / rate))
                          for i in range(n) for _ in range(channels)))
    return a.tobytes()


def pitch(pcm, channels, rate):
    """A tone's frequency in S16LE pcm, from rising crossings of the mean."""
    a = array.array("h")
    a.frombytes(bytes(pcm[:len(pcm) - len(pcm) % (2 * channels)]))
    x = a[::channels]
    mean = sum(x) / max(1, len(x))
    rises = sum(1 for i in range(1, len(x)) if x[i - 1] < mean <= x[i])
    return rises * rate / max(1, len(x))


def tone_at(pcm):
    """Where sound louder than a whisper begins in S16LE pcm (its length
    when nowhere)."""
    a = array.array("h")
    a.frombytes(bytes(pcm[:len(pcm) - len(pcm) % 2]))
    for i, v in enumerate(a):
        if abs(v) > 3000:
            return i * 2 - i * 2 % 4
    return len(pcm)


def play(c, fifo, pcm, rate, channels, cut=7):
    """pcm into fifo in 10 ms writes at real time, each cut after `cut`
    bytes (mid-frame), while the client runs."""
    step = rate // 100 * 2 * channels
    fd = os.open(fifo, os.O_WRONLY)
    try:
        t0 = time.monotonic()
        for i, off in enumerate(range(0, len(pcm), step)):
            chunk = pcm[off:off + step]
            os.write(fd, chunk[:cut])
            os.write(fd, chunk[cut:])
            c.wait_until(lambda: time.monotonic() >= t0 + (i + 1) / 100, 1, "the next 10 ms")
    finally:
        os.close(fd)


def refused(sp, x, uid, args, reason):
    mark = sp.log_mark()
    p = subprocess.run([common.SPICED_X11, "--socket", sp.producer_socket,
                        "--display", x.display] + args, env=x.env,
                       capture_output=True, text=True, timeout=10,
                       preexec_fn=common.demote_fn(uid))
    check(p.returncode == 2 and reason in p.stderr,
          "spiced-x11 %s: status %d, %r" % (" ".join(args), p.returncode, p.stderr))
    del mark


def start_pulseaudio(sp, uid, fifo, mic):
    """A real PulseAudio as the session's user: its pipe sink on the FIFO
    spiced-x11 reads (paced by its own clock), its pipe source on the one
    it writes."""
    home = os.path.join(common.tmpdir(), "pa-home")
    os.makedirs(home, 0o700, exist_ok=True)
    if uid is not None:
        os.chown(home, uid, uid)
    env = dict(os.environ, HOME=home, XDG_RUNTIME_DIR=home, XDG_CONFIG_HOME=home)
    sock = os.path.join(home, "native")
    pa = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
         "--system=no", "-L", "module-native-protocol-unix socket=%s" % sock,
         "-L", "module-pipe-sink file=%s format=s16le rate=48000 channels=2 "
         "use_system_clock_for_timing=yes" % fifo,
         "-L", "module-pipe-source file=%s format=s16le rate=48000 channels=2" % mic],
        env=env, stdout=sp.log, stderr=subprocess.STDOUT, preexec_fn=common.demote_fn(uid))
    common._procs.append(pa)
    common.wait_for(lambda: os.path.exists(sock), 10, "PulseAudio's socket")
    return pa, env, sock


def pa_client(argv, env, sock, uid, **kw):
    p = subprocess.Popen([argv[0], "--server=unix:" + sock, "--raw", "--format=s16le",
                          "--rate=48000", "--channels=2"] + argv[1:],
                         env=env, preexec_fn=common.demote_fn(uid), **kw)
    common._procs.append(p)
    return p


def heard(a, env, sock, uid, hz):
    """What the viewer hears of hz played by PulseAudio (pacat), measured
    from where the tone begins (the pipe sink writes silence before)."""
    n = len(a.pcm)
    played = pa_client(["pacat", "--playback"], env, sock, uid, stdin=subprocess.PIPE)
    played.stdin.write(tone(hz, 1.0, 48000, 2))
    played.stdin.close()
    a.wait_until(lambda: len(a.pcm) - n - tone_at(a.pcm[n:]) >= 48000 * 4 * 6 // 10, 15,
                 "PulseAudio's tone")
    check(a.playback_starts[-1] == (FMT_S16, 2, 48000), "playback starts %r" % a.playback_starts)
    begin = n + tone_at(a.pcm[n:]) + 48000 * 4 // 20
    played.wait(timeout=15)
    return pitch(a.pcm[begin:begin + 48000 * 4 // 2], 2, 48000)


def recorded(a, env, sock, uid, hz):
    """What PulseAudio records (parecord) of the viewer's hz (hz * 10 ms a
    whole number of periods: spice-gtk's Opus frames, sent in real
    time)."""
    rec = pa_client(["parecord", "--latency-msec=20"], env, sock, uid, stdout=subprocess.PIPE)
    os.set_blocking(rec.stdout.fileno(), False)
    got = bytearray()
    voice = tone(hz, 0.01, 48000, 2)
    t0 = time.monotonic()
    sent = [0]

    def enough():
        while sent[0] < int((time.monotonic() - t0) * 100) + 5:
            a.send_record(voice)
            sent[0] += 1
        try:
            got.extend(rec.stdout.read() or b"")
        except BlockingIOError:
            pass
        return len(got) - tone_at(got) >= 48000 * 4 * 6 // 10
    a.wait_until(enough, 15, "the viewer's tone recorded from PulseAudio")
    rec.kill()
    rec.wait()
    begin = tone_at(got) + 48000 * 4 // 20
    return pitch(got[begin:begin + 48000 * 4 // 2], 2, 48000)


def main():
    x = xsession.Xvfb(W, H)
    uid = common.producer_uid()
    run = os.path.join(common.tmpdir(), "run")
    os.mkdir(run)
    if uid is not None:
        os.chown(run, uid, uid)
    fifo = os.path.join(run, "sound.fifo")
    mic = os.path.join(run, "mic.fifo")
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)

    plain = os.path.join(run, "plain")
    open(plain, "w").close()
    refused(sp, x, uid, ["--audio-fifo", plain], "not a FIFO")
    refused(sp, x, uid, ["--audio-fifo", fifo, "--audio-format", "7:2"], "not RATE:CHANNELS")
    refused(sp, x, uid, ["--audio-fifo", fifo, "--audio-format", "44100:3"], "not RATE:CHANNELS")
    refused(sp, x, uid, ["--mic-fifo", plain], "not a FIFO")
    os.mkfifo(mic, 0o600)   # the test plays the sound server: its FIFO
    if uid is not None:
        os.chown(mic, uid, uid)
    refused(sp, x, uid, ["--mic-fifo", mic, "--mic-format", "200000:1"], "not RATE:CHANNELS")

    mark = sp.log_mark()
    x11 = xsession.start_spiced_x11(sp, x, uid, "--audio-fifo", fifo, "--audio-format", "44100:2",
                                    "--mic-fifo", mic, "--mic-format", "44100:2")
    sp.wait_log(r"spiced-x11: sound: the session's sound from %s \(S16LE, 44100 Hz, 2 channels\)"
                % fifo, 5, mark)
    check(os.path.exists(fifo) and os.stat(fifo).st_mode & 0o777 == 0o600,
          "the FIFO was not made 0600")
    a = spice_client.connect(port=sp.port, password="pw", audio=True)
    a.wait_channels([spice_client.CHANNEL_PLAYBACK, spice_client.CHANNEL_RECORD])
    sp.wait_log(r"the sound goes to session|playback channel", 10)

    # Byte for byte, at 44.1 kHz (raw to spice-gtk), cut mid-frame.
    pcm = tone(440, 0.3, 44100, 2)
    play(a, fifo, pcm, 44100, 2)
    a.wait_until(lambda: len(a.pcm) >= len(pcm), 10, "the session's sound")
    check(a.playback_starts == [(FMT_S16, 2, 44100)], "playback starts %r" % a.playback_starts)
    check(bytes(a.pcm) == pcm, "the viewer's PCM differs from the FIFO's (%d bytes of %d)"
          % (len(a.pcm), len(pcm)))
    a.wait_until(lambda: a.playback_stops >= 1, 5, "playback to stop after the silence")
    n = len(a.pcm)
    play(a, fifo, pcm[:17640], 44100, 2)
    a.wait_until(lambda: len(a.pcm) - n >= 17640, 10, "the next sound")
    check(bytes(a.pcm[n:]) == pcm[:17640], "the second sound differs")
    check(len(a.playback_starts) == 2, "playback starts %r" % a.playback_starts)

    # The microphone: closed while nothing reads its FIFO, open while the
    # test reads it as a sound server would, its sound byte for byte.
    t = time.monotonic()
    a.wait_until(lambda: a.record_starts or time.monotonic() > t + 1.5, 5, "a second and a half")
    check(a.record_starts == [], "the microphone opened with no reader: %r" % a.record_starts)
    reader = os.open(mic, os.O_RDONLY | os.O_NONBLOCK)
    a.wait_until(lambda: a.record_starts, 5, "RECORD_START once the FIFO has a reader")
    check(a.record_starts == [(FMT_S16, 2, 44100)], "record starts %r" % a.record_starts)
    # spice-gtk sends whole buffers of its own size only: 15360 bytes is
    # a multiple of any it uses.
    voice = tone(550, 0.2, 44100, 2)[:2 * 15360]
    a.send_record(voice)
    in_fifo = bytearray()

    def drain():
        try:
            in_fifo.extend(os.read(reader, 65536))
        except BlockingIOError:
            pass
        return len(in_fifo) >= len(voice)
    a.wait_until(drain, 10, "the viewer's microphone in the FIFO")
    check(bytes(in_fifo) == voice, "the FIFO got %d bytes, not the viewer's %d"
          % (len(in_fifo), len(voice)))
    os.close(reader)
    # The reader gone: the next write finds out, and the viewer's
    # microphone closes.
    a.send_record(voice[:15360])
    a.wait_until(lambda: a.record_stops >= 1, 5, "RECORD_STOP once the reader went")
    os.unlink(mic)          # PulseAudio's pipe source makes its own

    a.disconnect()

    # The default format, from a real PulseAudio.
    x11.terminate()
    check(x11.wait(timeout=15) == 0, "spiced-x11 did not stop on SIGTERM")
    mark = sp.log_mark()
    xsession.start_spiced_x11(sp, x, uid, "--audio-fifo", fifo, "--mic-fifo", mic)
    sp.wait_log(r"sound: the session's sound from %s \(S16LE, 48000 Hz, 2 channels\)"
                % fifo, 5, mark)
    pa, env, sock = start_pulseaudio(sp, uid, fifo, mic)
    a = spice_client.connect(port=sp.port, password="pw", audio=True)
    a.wait_channels([spice_client.CHANNEL_PLAYBACK, spice_client.CHANNEL_RECORD])
    hz = heard(a, env, sock, uid, 440)
    check(abs(hz - 440) < 440 * 0.03, "the viewer heard %.0f Hz of PulseAudio's 440" % hz)
    a.wait_until(lambda: a.record_starts, 10, "RECORD_START from PulseAudio's pipe source")
    check(a.record_starts[-1] == (FMT_S16, 2, 48000), "record starts %r" % a.record_starts)
    mic_hz = recorded(a, env, sock, uid, 600)
    check(abs(mic_hz - 600) < 600 * 0.03, "PulseAudio recorded %.0f Hz of the viewer's 600"
          % mic_hz)

    # PulseAudio stops (its pipe source takes its FIFO away; a pipe sink
    # that made its own does too, as here) and starts again with new
    # FIFOs: both ways work again.
    pa.terminate()
    pa.wait(timeout=10)
    a.wait_until(lambda: a.record_stops >= 1, 10, "RECORD_STOP when PulseAudio stopped")
    os.unlink(fifo)
    starts = len(a.record_starts)
    mark = sp.log_mark()
    pa, env, sock = start_pulseaudio(sp, uid, fifo, mic)
    # spiced-x11 finds the new FIFO within a second of silence (what
    # PulseAudio plays before is the FIFO's to hold, then its own to drop).
    a.wait_until(lambda: re.search(r"sound: %s is another FIFO now" % re.escape(fifo),
                                   sp.log_text()[mark:]), 5, "spiced-x11 to read the new FIFO")
    hz2 = heard(a, env, sock, uid, 500)
    check(abs(hz2 - 500) < 500 * 0.03, "after PulseAudio restarted the viewer heard %.0f Hz of "
          "its 500" % hz2)
    a.wait_until(lambda: len(a.record_starts) > starts, 10,
                 "RECORD_START from the restarted PulseAudio")
    mic_hz2 = recorded(a, env, sock, uid, 700)
    check(abs(mic_hz2 - 700) < 700 * 0.03, "the restarted PulseAudio recorded %.0f Hz of the "
          "viewer's 700" % mic_hz2)
    pa.terminate()
    pa.wait(timeout=10)
    print("sound: the FIFOs' bytes exact at 44.1 kHz both ways; PulseAudio's tone heard "
          "at %.0f Hz, the viewer's recorded at %.0f Hz; after PulseAudio restarted, %.0f "
          "and %.0f Hz" % (hz, mic_hz, hz2, mic_hz2))
    a.disconnect()


common.run(main)
