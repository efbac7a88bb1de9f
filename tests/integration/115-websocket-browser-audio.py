#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A browser hears the producer's sound: headless chromium with spice-html5
(tests/integration/browser.py) on spiced's WebSocket, a scripted producer
playing 48 kHz stereo in real time.  spice-html5 plays only Opus (in
WebM through the browser's MediaSource), so what spiced sends must be
Opus that spice-html5 can wrap and the browser decode: the page's audio
element is routed through a WebAudio analyser, and its strongest
frequency is the producer's tone, 440 Hz, then 660 Hz.  Skips (77) when
chromium or spice-html5 is missing."""

import array
import json
import math
import time

import browser
import common
from common import check

AUDIO_DATA = 1
RATE = 48000
CHUNK = 3840            # 20 ms of 48 kHz stereo S16

# The page's audio element through an analyser: every 100 ms the
# strongest frequency and its level go to window.peaks.
ANALYSE_JS = """(() => {
    const a = document.querySelector('#spice-screen audio');
    const ctx = new AudioContext();
    const an = ctx.createAnalyser();
    an.fftSize = 16384;
    ctx.createMediaElementSource(a).connect(an);
    an.connect(ctx.destination);
    window.peaks = [];
    setInterval(() => {
        const f = new Float32Array(an.frequencyBinCount);
        an.getFloatFrequencyData(f);
        let m = 1;
        for (let i = 2; i < f.length; i++)
            if (f[i] > f[m]) m = i;
        window.peaks.push([m * ctx.sampleRate / an.fftSize, f[m]]);
    }, 100);
    return ctx.sampleRate / an.fftSize;
})()"""


def play(prod, hz, seconds):
    """seconds of a sine at hz, paced as a sound card would send it."""
    a = array.array("h")
    for i in range(int(RATE * seconds)):
        v = int(12000 * math.sin(2 * math.pi * hz * i / RATE))
        a.extend((v, v))
    raw = a.tobytes()
    t0 = time.monotonic()
    for off in range(0, len(raw), CHUNK):
        prod.say("audio-raw 2 %d 2 %d %s" % (AUDIO_DATA, RATE, raw[off:off + CHUNK].hex()))
        ahead = t0 + (off + CHUNK) / (RATE * 4) - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)


def main():
    browser.need()
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    prod.say("audio-open")
    br = browser.Browser(sp.dir, sp.port, "pw", ["--autoplay-policy=no-user-gesture-required"])
    try:
        sp.wait_log(r"channel 5:0 linked", 20)
        # The first data makes spice-html5 create its audio element.
        prod.say("audio-raw 2 %d 2 %d %s" % (AUDIO_DATA, RATE, (b"\0" * CHUNK).hex()))
        common.wait_for(lambda: br.dt.eval("!!document.querySelector('#spice-screen audio')"),
                        10, "spice-html5's audio element")
        step = br.dt.eval(ANALYSE_JS)
        before = None
        for hz in (440, 660):
            br.dt.eval("window.peaks = []")
            play(prod, hz, 1.5)
            time.sleep(0.5)     # what the browser still buffers
            peaks = json.loads(br.dt.eval("JSON.stringify(window.peaks)"))
            # Loud readings of this tone, and nothing else but the end
            # of the one before (the browser plays a few hundred
            # milliseconds behind, and the analyser looks back 0.37 s).
            heard = [f for f, level in peaks if level is not None and level > -40]
            near = [f for f in heard if abs(f - hz) <= 2 * step]
            other = [f for f in heard if abs(f - hz) > 2 * step and
                     (before is None or abs(f - before) > 2 * step)]
            check(len(near) >= 8 and not other,
                  "the page heard %s for a %d Hz tone (bins of %.1f Hz)"
                  % (sorted(set(round(f) for f in heard)), hz, step))
            print("# %d Hz: the page heard %.1f Hz in %d of %d readings"
                  % (hz, near[0], len(near), len(peaks)))
            before = hz
    finally:
        br.close()
    sp.stop()


common.run(main)
