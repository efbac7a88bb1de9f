#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""How early a video stream's frames are stamped (stream-clock.h): a
viewer shows a frame when its clock, which MAIN_INIT set 400 ms behind
spiced's, reaches the frame's multimedia time, so frames stamped with
spiced's time show 0.4 s late.  Seen on the wire by a raw viewer with the
stream-report cap, whose CLOCK_MONOTONIC is spiced's multimedia clock:
its first frames are stamped 375 ms early (due 25 ms after they are
made, time to encode and send them), and it is asked for a first report
after 4 frames; once it reports frames arriving 390 ms early (as spice-gtk
does) they come stamped about 390 ms early, and its later reports are
asked for every 30 frames; a report of audio playing stamps them "now"
again (in step with the sound); late frames move the stamps back; a
viewer that cannot report (no cap) keeps the stamps at "now" while it
watches.  spice-gtk's own reports set the stamps the same way, and it
ends with the exact picture."""

import time

import common
import rawspice
import spice_client
from common import check

W, H = 320, 240
NO_AUDIO = 0xffffffff


def run_gtk(c, seconds):
    """Let spice-gtk run (it does only inside a wait) for seconds."""
    end = time.monotonic() + seconds
    c.wait_until(lambda: time.monotonic() >= end, seconds + 5)


def play(prod, viewers, first, frames, gtk=None):
    """frames photographs at 25 fps, the raw viewers (and spice-gtk)
    reading meanwhile."""
    for k in range(first, first + frames):
        t = time.monotonic()
        prod.say("photo 40 40 200 150 %d" % k)
        for v in viewers:
            v.pump(0.005)
        left = max(0.0, 0.04 - (time.monotonic() - t))
        if gtk is not None:
            run_gtk(gtk, left)
        else:
            time.sleep(left)
    for v in viewers:
        v.pump(0.1)


def early(v, n):
    """How many ms before it arrived each of v's last n frames was
    stamped (its lead and its time on the way)."""
    return [(arrived - mm) & 0xffffffff for mm, arrived in v.frame_stamps[-n:]]


def report(v, delay, drops=0, audio=NO_AUDIO):
    """A STREAM_REPORT on v's last frame."""
    v.send_stream_report(4, drops, delay, end=v.frame_stamps[-1][0], audio=audio)
    v.pump(0.2)


def main():
    sp = common.Spiced(password="pw", extra="jpeg-wan-compression = never")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    model = bytearray(W * H * 3)
    prod.say("bitmap 0 0 320 240 7")
    common.script_noise(model, W, 0, 0, 320, 240, 7)
    m = rawspice.open_session(sp.port, "pw")
    r = rawspice.display_client(sp.port, "pw", m.session_id,
                                extra_caps=[rawspice.DISPLAY_CAP_STREAM_REPORT])
    r.wait_mark(10)

    # Before any report: stamped 375 ms early; the first report is asked
    # for after 4 frames.
    play(prod, [r], 1, 10)
    check(r.stream_creates == 1 and r.report_asked is not None,
          "no stream or no STREAM_ACTIVATE_REPORT: %d, %r" % (r.stream_creates, r.report_asked))
    check(r.report_asked[2] == 4, "first report asked after %d frames" % r.report_asked[2])
    first_uid = r.report_asked[1]
    e = early(r, 5)
    check(375 <= min(e) and max(e) < 395,
          "frames before any report stamped %s ms before they arrived" % e)

    # A report of frames arriving 390 ms early: stamped about that early;
    # the next reports asked for every 30 frames.
    report(r, 390)
    check(r.report_asked[1] != first_uid and r.report_asked[2] == 30,
          "after the first report: %r" % (r.report_asked,))
    play(prod, [r], 11, 8)
    e = early(r, 4)
    check(350 <= min(e) and max(e) < 1000, "after a report of 390 ms to spare: %s" % e)
    print("stamped before arrival: %s ms before the report, %s after" % (early(r, 12)[:4], e))

    # Audio playing: frames in step with it, stamped "now" again.
    report(r, 390, audio=80)
    play(prod, [r], 19, 8)
    e = early(r, 4)
    check(min(e) < 200, "with audio playing: %s" % e)

    # Late frames (dropped, 100 ms late) move the stamps back.
    report(r, 390)
    play(prod, [r], 27, 8)
    before = min(early(r, 4))
    report(r, -100, drops=3)
    play(prod, [r], 35, 8)
    after = min(early(r, 4))
    check(after + 50 <= before and after >= 200,
          "late frames: stamped %d ms early before, %d after" % (before, after))

    # A viewer without the report cap, which cannot say how it plays
    # frames, keeps them stamped "now" while it watches.
    n = rawspice.display_client(sp.port, "pw", m.session_id)
    n.wait_mark(10)
    play(prod, [r, n], 43, 8)
    e = early(r, 4)
    check(min(e) < 200, "with a viewer that cannot report: %s" % e)
    n.close()
    r.pump(0.3)
    report(r, 390)
    play(prod, [r], 51, 8)
    e = early(r, 4)
    check(350 <= min(e) and max(e) < 1000, "once it left: %s" % e)
    r.close()

    # spice-gtk's reports set the stamps: a raw viewer that reports all
    # the room it could take shows the stamps spice-gtk's reports allow.
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_DISPLAY])
    w = rawspice.display_client(sp.port, "pw", m.session_id,
                                extra_caps=[rawspice.DISPLAY_CAP_STREAM_REPORT])
    w.wait_mark(10)
    k = 59
    for _ in range(4):
        play(prod, [w], k, 8, gtk=c)
        k += 8
        report(w, 2000)
    play(prod, [w], k, 8, gtk=c)
    k += 8
    e = early(w, 4)
    check(200 <= min(e) and max(e) < 1000, "after spice-gtk's reports: %s" % e)
    print("after spice-gtk's reports: stamped %s ms before they reached a raw viewer" % e)
    # The stream ends; spice-gtk and the raw viewer show the last
    # photograph exactly.
    common.script_photo(model, W, 40, 40, 200, 150, k - 1)
    w.pump(5, until=lambda w: w.stream_destroys == 1)
    c.wait_pixels(bytes(model), 10)
    w.pump(5, until=lambda w: w.rgb() == bytes(model))
    check(w.rgb() == bytes(model), "the raw viewer's picture after the stream")
    check(sp.alive(), "spiced died")


common.run(main)
