#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A browser hears the producer's sound: headless chromium with spice-html5
(tests/integration/browser.py) on spiced's WebSocket, a scripted producer
playing 48 kHz stereo in real time.  spice-html5 plays only Opus (in
WebM through the browser's MediaSource), so what spiced sends must be
Opus that spice-html5 can wrap and the browser decode: the page's audio
element is routed through a WebAudio analyser, and its strongest
frequency is the producer's tone, 440 Hz, then 660 Hz.  Between the
two the producer sends nothing for 1.5 s (no STOP: a guest that stopped
feeding its sound card): spice-html5 would start a new stretch of
sound after the hole and chromium never play it, so spiced tells such a
viewer STOP and START, and the page plays the second tone in a new
audio element.  Skips (77) when chromium or spice-html5 is missing."""

import array
import json
import math
import threading
import time

import browser
import common
from common import check

AUDIO_DATA = 1
RATE = 48000
CHUNK = 15360           # 80 ms of 48 kHz stereo S16
LEAD = 0.3
PAUSE = 1.5             # no sound at all, after the first tone

# The page's audio elements through an analyser, each hooked as soon as
# spice-html5 adds it (at the first sound, and at each START after a
# STOP): every 100 ms the strongest frequency, its level and where the
# newest element is go to window.peaks.
ANALYSE_JS = """(() => {
    window.peaks = [];
    let timer = null;
    const hook = (a) => {
        const ctx = new AudioContext();
        const an = ctx.createAnalyser();
        an.fftSize = 16384;
        ctx.createMediaElementSource(a).connect(an);
        an.connect(ctx.destination);
        clearInterval(timer);
        timer = setInterval(() => {
            const f = new Float32Array(an.frequencyBinCount);
            an.getFloatFrequencyData(f);
            let m = 1;
            for (let i = 2; i < f.length; i++)
                if (f[i] > f[m])
                    m = i;
            window.peaks.push([m * ctx.sampleRate / an.fftSize, f[m], a.currentTime]);
        }, 100);
    };
    const hooked = new Set();
    new MutationObserver(() => {
        for (const a of document.querySelectorAll('#spice-screen audio'))
            if (!hooked.has(a)) {
                hooked.add(a);
                hook(a);
            }
    }).observe(document.getElementById('spice-screen'), {childList: true});
    return 48000 / 16384;
})()"""

# Where the page's last audio element is in what it has.
WHERE_JS = """(() => {
    const all = document.querySelectorAll('#spice-screen audio');
    const a = all[all.length - 1];
    const b = a.buffered;
    const r = [];
    for (let i = 0; i < b.length; i++)
        r.push(b.start(i).toFixed(2) + '-' + b.end(i).toFixed(2));
    return "at " + a.currentTime.toFixed(2) + " s of " + r.join(", ") +
        " (readyState " + a.readyState + (a.paused ? ", paused)" : ")");
})()"""


class Sound(threading.Thread):
    """The producer's sound card: what it is given, then silence until
    stopped, as 48 kHz stereo S16 in 80 ms chunks paced as a sound card
    sends them, but LEAD seconds ahead (a loaded machine that stalls
    this test for a moment must not leave a gap: spiced stamps each
    packet as it goes, and spice-html5 starts a new stretch of audio
    after a second without any), except for PAUSE seconds of nothing at
    byte pause_at.  A thread of its own, so that waiting on the browser
    never holds the sound back."""

    def __init__(self, prod, raw, pause_at):
        super().__init__(daemon=True)
        self.prod = prod
        self.raw = raw
        self.pause_at = pause_at
        self.done = threading.Event()
        self.error = None
        self.late = 0.0         # the most a chunk was sent after its time

    def run(self):
        t0 = time.monotonic()
        off = 0
        try:
            while not self.done.is_set():
                if self.pause_at is not None and off >= self.pause_at:
                    self.pause_at = None
                    self.done.wait(LEAD + PAUSE)
                    t0 += PAUSE
                chunk = self.raw[off:off + CHUNK] or bytes(CHUNK)
                self.prod.say("audio-raw 2 %d 2 %d %s"
                              % (AUDIO_DATA, RATE, chunk.hex()))
                off += CHUNK
                ahead = t0 + off / (RATE * 4) - LEAD - time.monotonic()
                self.late = max(self.late, -ahead - LEAD - CHUNK / (RATE * 4))
                if ahead > 0:
                    self.done.wait(ahead)
        except Exception as e:          # noqa: BLE001 (told to the test)
            self.error = e

    def stop(self):
        self.done.set()
        self.join()
        if self.error is not None:
            raise self.error


def tone(hz, seconds):
    a = array.array("h")
    for i in range(int(RATE * seconds)):
        v = int(12000 * math.sin(2 * math.pi * hz * i / RATE))
        a.extend((v, v))
    return a.tobytes()


def which(f, level, step):
    """The tone a reading of the analyser is (440, 660), None for another
    loud sound, 0 for a quiet one."""
    if level is None or level <= -40:
        return 0
    for hz in (440, 660):
        if abs(f - hz) <= 2 * step:
            return hz
    return None


def main():
    browser.need()
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    prod.say("audio-open")
    br = browser.Browser(sp.dir, sp.port, "pw", ["--autoplay-policy=no-user-gesture-required"])
    try:
        sp.wait_log(r"channel 5:0 linked", 20)
        step = br.dt.eval(ANALYSE_JS)
        # Silence (spice-html5 drops what comes before its MediaSource
        # opens, which a loaded browser takes a second or more to do), the
        # first tone, nothing for PAUSE seconds, the second tone (longer:
        # its start is lost while the new element's MediaSource opens),
        # then silence, as a sound card sends them, until the page heard
        # the second tone end: a browser that ran dry waits for more than
        # a few hundred milliseconds of sound before it plays again, and
        # only spice-html5's next packet moves it over a gap in its
        # buffered audio.
        first = bytes(RATE * 4 * 8 // 5) + tone(440, 1.6)     # 40 chunks
        sound = Sound(prod, first + tone(660, 3), len(first))
        sound.start()
        try:
            end = time.monotonic() + 25
            while True:
                peaks = json.loads(br.dt.eval("JSON.stringify(window.peaks)"))
                read = [which(f, level, step) for f, level, _ in peaks]
                # Silence played (the element moving on, not stalled)
                # after the second tone.
                after = [i for i in range(1, len(read)) if 660 in read[:i] and
                         read[i] == 0 and peaks[i][2] > peaks[i - 1][2]]
                if len(after) >= 3:
                    break
                if time.monotonic() > end:
                    raise common.TestFailure(
                        "the page did not play what it was sent (%s; heard %s) ; "
                        "the sound was up to %.2f s late)" % (br.dt.eval(WHERE_JS), read, sound.late))
                time.sleep(0.3)
        finally:
            sound.stop()
        # Loud readings: the first tone, then the second, nothing else
        # (the analyser looks back 0.37 s: at the change either may be
        # the stronger).
        heard = [f for (f, _, _), r in zip(peaks, read) if r != 0]
        tones = [r for r in read if r != 0]
        at = {hz: [i for i, t in enumerate(tones) if t == hz] for hz in (440, 660)}
        check(None not in tones and len(at[440]) >= 3 and len(at[660]) >= 3 and
              at[440][0] < at[660][0] and at[440][-1] < at[660][-1],
              "the page heard %s for 440 Hz then 660 Hz (bins of %.1f Hz)"
              % ([round(f) for f in heard], step))
        print("# the page heard 440 Hz in %d readings, then 660 Hz in %d, of %d "
              "(the sound was up to %.2f s late)"
              % (tones.count(440), tones.count(660), len(peaks), sound.late))
    finally:
        br.close()
    sp.stop()


common.run(main)
