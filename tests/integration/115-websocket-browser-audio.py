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
CHUNK = 15360           # 80 ms of 48 kHz stereo S16
LEAD = 0.3

# The page's audio element through an analyser, hooked as soon as
# spice-html5 adds the element (at the first sound): every 100 ms the
# strongest frequency and its level go to window.peaks.
ANALYSE_JS = """(() => {
    window.peaks = [];
    const hook = (a) => {
        const ctx = new AudioContext();
        const an = ctx.createAnalyser();
        an.fftSize = 16384;
        ctx.createMediaElementSource(a).connect(an);
        an.connect(ctx.destination);
        setInterval(() => {
            const f = new Float32Array(an.frequencyBinCount);
            an.getFloatFrequencyData(f);
            let m = 1;
            for (let i = 2; i < f.length; i++)
                if (f[i] > f[m])
                    m = i;
            window.peaks.push([m * ctx.sampleRate / an.fftSize, f[m]]);
        }, 100);
    };
    new MutationObserver((changes, obs) => {
        const a = document.querySelector('#spice-screen audio');
        if (a) {
            obs.disconnect();
            hook(a);
        }
    }).observe(document.getElementById('spice-screen'), {childList: true});
    return 48000 / 16384;
})()"""

# Whether the page's audio element played what it has (but the last few
# hundred milliseconds, which a browser keeps until more comes), and
# where it is.  (spice-html5 drops what arrives before its MediaSource
# opens: the start of the first tone.)
PLAYED_JS = """(() => {
    const a = document.querySelector('#spice-screen audio');
    const b = a.buffered;
    return b.length > 0 && a.currentTime >= b.end(b.length - 1) - 0.4;
})()"""
WHERE_JS = """(() => {
    const a = document.querySelector('#spice-screen audio');
    const b = a.buffered;
    const r = [];
    for (let i = 0; i < b.length; i++)
        r.push(b.start(i).toFixed(2) + '-' + b.end(i).toFixed(2));
    return 'at ' + a.currentTime.toFixed(2) + ' s of ' + r.join(', ');
})()"""


def play(prod, hz, seconds):
    """seconds of a sine at hz, paced as a sound card would send it, but
    LEAD seconds ahead (a loaded machine that stalls this test for a
    second must not leave a gap: spiced stamps each packet as it goes,
    and spice-html5 starts a new stretch of audio after a second
    without any)."""
    a = array.array("h")
    for i in range(int(RATE * seconds)):
        v = int(12000 * math.sin(2 * math.pi * hz * i / RATE))
        a.extend((v, v))
    raw = a.tobytes()
    t0 = time.monotonic()
    for off in range(0, len(raw), CHUNK):
        prod.say("audio-raw 2 %d 2 %d %s" % (AUDIO_DATA, RATE, raw[off:off + CHUNK].hex()))
        ahead = t0 + (off + CHUNK) / (RATE * 4) - LEAD - time.monotonic()
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
        step = br.dt.eval(ANALYSE_JS)
        # The two tones back to back, as a sound card sends them (a pause
        # of a second in the stream is a gap in spice-html5's buffered
        # audio, where the browser stops).
        play(prod, 440, 1.5)
        play(prod, 660, 1.5)
        # A loaded browser plays behind: until it played what it has.
        common.wait_for(lambda: br.dt.eval(PLAYED_JS), 20,
                        "the page to play what it was sent (%s)" % br.dt.eval(WHERE_JS),
                        interval=0.2)
        time.sleep(0.2)
        peaks = json.loads(br.dt.eval("JSON.stringify(window.peaks)"))
        # Loud readings: the first tone, then the second, nothing else
        # (the analyser looks back 0.37 s: at the change either may be
        # the stronger).
        heard = [f for f, level in peaks if level is not None and level > -40]
        tone = [440 if abs(f - 440) <= 2 * step else 660 if abs(f - 660) <= 2 * step
                else None for f in heard]
        at = {hz: [i for i, t in enumerate(tone) if t == hz] for hz in (440, 660)}
        check(None not in tone and len(at[440]) >= 3 and len(at[660]) >= 3 and
              at[440][0] < at[660][0] and at[440][-1] < at[660][-1],
              "the page heard %s for 440 Hz then 660 Hz (bins of %.1f Hz)"
              % ([round(f) for f in heard], step))
        print("# the page heard 440 Hz in %d readings, then 660 Hz in %d, of %d"
              % (tone.count(440), tone.count(660), len(peaks)))
    finally:
        br.close()
    sp.stop()


common.run(main)
