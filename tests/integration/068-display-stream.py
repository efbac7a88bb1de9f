#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Video as an MJPEG stream (streaming-video, as libvirt names it), seen
by spice-gtk and by raw clients that decode what they get: a box that a
producer redraws with photographs 25 times a second becomes a stream
within a few frames (STREAM_CREATE, then STREAM_DATA frames instead of
images); when the drawing stops the stream ends (STREAM_DESTROY) and the
box is sent losslessly, so every viewer ends with the exact picture.  A
viewer on a slow link gets fewer frames (merged, not queued) and the
same final picture.  A viewer with the stream-report cap is asked for
reports, and once it reports dropping half its frames gets smaller
(lower quality) ones.  Pixels moved across the video end its stream at
once; the whole video moved (its window dragged) takes its stream along
at once.  A clock and a panel redrawn between its frames do not keep a
video from becoming a stream.  A drawing redrawn as often (sharp edges) is no stream under the
default filter; with streaming-video = off a photograph is none
either."""

import time

import common
import rawspice
import spice_client
from common import check

W, H = 320, 240


def play(prod, viewers, cmd, frames, slow=None):
    """frames of cmd % k at 25 fps, the raw viewers read meanwhile (slow at
    110 KB/s)."""
    for k in range(frames):
        t = time.monotonic()
        prod.say(cmd % (k + 1))
        for v in viewers:
            v.pump(0.005)
        if slow is not None:
            slow.read_slowly(0.03, 150000)
        time.sleep(max(0.0, 0.04 - (time.monotonic() - t)))


def main():
    # Lossless images, so that the pictures after a stream are exact on
    # the slow link too (067-display-jpeg has its JPEG).
    sp = common.Spiced(password="pw", extra="jpeg-wan-compression = never")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    model = bytearray(W * H * 3)
    prod.say("bitmap 0 0 320 240 7")
    common.script_noise(model, W, 0, 0, 320, 240, 7)
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    d.wait_mark(10)
    slow = rawspice.display_client(sp.port, "pw", m.session_id)
    slow.wait_mark(10)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_pixels(bytes(model), 10)
    # All its channels linked before the test stops pumping its loop for
    # seconds (a link left half done meets the auth timeout).
    c.wait_channels([spice_client.CHANNEL_CURSOR, spice_client.CHANNEL_INPUTS])

    # Video: a stream within a few frames, frames instead of images.
    draws0 = d.draws
    play(prod, [d], "photo 40 40 200 150 %d", 40, slow=slow)
    common.script_photo(model, W, 40, 40, 200, 150, 40)
    check(d.stream_creates == 1, "%d streams for one video" % d.stream_creates)
    check(d.stream_frames >= 20 and d.draws - draws0 <= 8,
          "the video went as %d frames and %d images" % (d.stream_frames, d.draws - draws0))
    # The end: destroyed, then the box exact.
    d.pump(5, until=lambda d: d.stream_destroys == 1)
    try:
        d.pump(5, until=lambda d: d.rgb() == bytes(model))
    except TimeoutError:
        raise AssertionError("the fast viewer's picture is not exact after the stream")
    slow.read_slowly(20, 150000, until=lambda s: s.stream_destroys == 1)
    check(slow.stream_destroys == 1, "the slow viewer's stream did not end")
    try:
        slow.pump(10, until=lambda s: s.rgb() == bytes(model))
    except TimeoutError:
        raise AssertionError("the slow viewer's picture is not exact after the stream")
    print("video: fast viewer %d frames, slow viewer %d frames, %d images before the stream"
          % (d.stream_frames, slow.stream_frames, d.draws - draws0))
    check(slow.stream_frames < d.stream_frames,
          "the slow viewer got %d frames, the fast one %d" % (slow.stream_frames, d.stream_frames))
    c.wait_pixels(bytes(model), 10)

    # A viewer that reports dropping half its frames gets them in the
    # lower quality (smaller); the stream reports are asked for.
    r = rawspice.display_client(sp.port, "pw", m.session_id,
                                extra_caps=[rawspice.DISPLAY_CAP_STREAM_REPORT])
    r.wait_mark(10)
    play(prod, [d, r], "photo 40 40 200 150 %d", 12)
    check(r.report_asked is not None and r.report_asked[0] in r.streams,
          "no STREAM_ACTIVATE_REPORT: %r" % (r.report_asked,))
    before = list(r.frame_sizes)
    r.send_stream_report(10, 10, 20)
    n = len(r.frame_sizes)
    play(prod, [d, r], "photo 40 40 200 150 %d", 12)
    after = r.frame_sizes[n + 1:]
    check(len(before) >= 4 and len(after) >= 4 and
          sum(after) / len(after) < 0.8 * sum(before) / len(before),
          "frames of %s bytes before the report of drops, %s after" % (before, after))
    print("reported drops: frames of %d bytes on average, then %d"
          % (sum(before) / len(before), sum(after) / len(after)))
    d.pump(5, until=lambda d: d.stream_destroys == 2)
    r.pump(5, until=lambda r: r.stream_destroys == 1)
    common.script_photo(model, W, 40, 40, 200, 150, 12)
    c.wait_pixels(bytes(model), 10)
    r.close()

    # Pixels moved across a video end its stream at once.
    play(prod, [d], "photo 40 40 200 150 %d", 8)
    check(d.stream_creates == 3, "no third stream")
    prod.say("copybits 0 0 100 100 60 60")
    d.pump(2, until=lambda d: d.stream_destroys == 3)
    common.script_photo(model, W, 40, 40, 200, 150, 8)
    old = bytes(model)
    for y in range(60):
        o = ((100 + y) * W + 100) * 3
        model[o:o + 60 * 3] = old[(y * W) * 3:(y * W + 60) * 3]
    d.settle(0.5)
    check(d.rgb() == bytes(model), "the picture after a move across the video is not exact")
    c.wait_pixels(bytes(model), 10)

    # A video whose window is dragged (the whole box moved): the stream
    # follows at once, under a new id; frames at the new place are
    # frames, not images, and the final picture is exact.
    play(prod, [d], "photo 40 40 200 150 %d", 8)
    check(d.stream_creates == 4, "no fourth stream")
    draws0 = d.draws
    prod.say("copybits 40 40 70 60 200 150")
    d.pump(2, until=lambda d: d.stream_creates == 5)
    check(d.stream_destroys == 4, "the old stream was not destroyed when it moved")
    play(prod, [d], "photo 70 60 200 150 %d", 6)
    check(d.draws - draws0 <= 2, "after the move the video went as %d images"
          % (d.draws - draws0))
    d.pump(5, until=lambda d: d.stream_destroys == 5)
    common.script_photo(model, W, 40, 40, 200, 150, 8)
    old = bytes(model)
    for y in range(150):
        o = ((60 + y) * W + 70) * 3
        i = ((40 + y) * W + 40) * 3
        model[o:o + 200 * 3] = old[i:i + 200 * 3]
    common.script_photo(model, W, 70, 60, 200, 150, 6)
    try:
        d.pump(5, until=lambda d: d.rgb() == bytes(model))
    except TimeoutError:
        raise AssertionError("the picture after the stream followed its window is not exact")
    c.wait_pixels(bytes(model), 10)
    print("a dragged video: its stream followed (%d images meanwhile)" % (d.draws - draws0))

    # A drawing redrawn as often is no stream.
    n = d.stream_creates
    play(prod, [d], "bitmap 40 40 200 150 %d", 12)
    d.settle(0.5)
    check(d.stream_creates == n, "a redrawn drawing became a stream")

    # Drawings elsewhere between the video's frames, a clock ticking and
    # a panel beside it redrawn as often (in two places in turn), do not
    # keep it from being found: each broke the count of frames in a row.
    for k in range(8):
        t = time.monotonic()
        draws = [("photo", 40, 40, 200, 150, 200 + k), ("bitmap", 250, 200, 40, 20, 300 + k),
                 ("bitmap", 240, 80 * (k % 2), 80, 160, 400 + k)]
        for kind, x, y, w, h, seed in draws:
            prod.say("%s %d %d %d %d %d" % (kind, x, y, w, h, seed))
            (common.script_photo if kind == "photo" else common.script_noise)(
                model, W, x, y, w, h, seed)
        d.pump(0.005)
        time.sleep(max(0.0, 0.04 - (time.monotonic() - t)))
    d.pump(0.3)
    check(d.stream_creates == n + 1, "a video with a clock and a panel beside it: %d streams"
          % (d.stream_creates - n))
    box = list(d.streams.values())[-1] if d.streams else None
    check(box == (40, 40, 190, 240), "the stream's box is %r, not the video's" % (box,))
    d.pump(5, until=lambda d: d.stream_destroys == n + 1)
    try:
        d.pump(5, until=lambda d: d.rgb() == bytes(model))
    except TimeoutError:
        raise AssertionError("the picture after a video with a clock beside it is not exact")
    c.wait_pixels(bytes(model), 10)
    check(d.unknown == [] and slow.unknown == [], "unknown messages %r" % d.unknown)
    check(sp.alive(), "spiced died")
    sp.stop()

    # streaming-video = off.
    sp = common.Spiced(password="pw", extra="streaming-video = off")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    m = rawspice.open_session(sp.port, "pw")
    d = rawspice.display_client(sp.port, "pw", m.session_id)
    d.wait_mark(10)
    play(prod, [d], "photo 40 40 200 150 %d", 12)
    d.settle(0.5)
    check(d.stream_creates == 0 and d.draws >= 12, "off: %d streams, %d images"
          % (d.stream_creates, d.draws))


common.run(main)
