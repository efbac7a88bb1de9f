#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A pause of a second or more in the producer's sound without STOP: a
WebSocket viewer (spice-html5, which starts a new stretch of sound where
the stamps jump by a second, and chromium then plays no more) is told
STOP and START before the sound goes on, its DATA stamped after the
pause; a viewer over plain TCP (spice-gtk plays across a pause) gets
the sound on without either.  Pauses shorter than a second change
nothing for either."""

import struct
import time

import common
import rawlink
import rawspice
import wsclient
from common import check

AUDIO_DATA = 1
MSG_PLAYBACK_DATA, MSG_PLAYBACK_MODE, MSG_PLAYBACK_START, MSG_PLAYBACK_STOP = 101, 102, 103, 104
CHANNEL_PLAYBACK = 5
NAMES = {MSG_PLAYBACK_DATA: "DATA", MSG_PLAYBACK_MODE: "MODE", MSG_PLAYBACK_START: "START",
         MSG_PLAYBACK_STOP: "STOP"}


def sound(prod, seconds):
    """seconds of a quiet ramp, 48 kHz stereo, as DATA datagrams."""
    raw = bytes(range(256)) * int(48000 * 4 * seconds / 256)
    for off in range(0, len(raw), 16384):
        prod.say("audio-raw 2 %d 2 48000 %s" % (AUDIO_DATA, raw[off:off + 16384].hex()))


def heard(ch, quiet=0.4):
    """(message name, stamp or None) of what ch gets until it is quiet."""
    out = []
    while True:
        try:
            mtype, body = ch.next_message(quiet)
        except TimeoutError:
            return out
        stamp = None
        if mtype == MSG_PLAYBACK_DATA:
            stamp = struct.unpack_from("<I", body)[0]
        elif mtype == MSG_PLAYBACK_START:
            stamp = struct.unpack_from("<IHII", body)[3]
        out.append((NAMES.get(mtype, str(mtype)), stamp))


def names(msgs):
    """The message names, runs of DATA as one."""
    out = []
    for n, _ in msgs:
        if not (n == "DATA" and out and out[-1] == "DATA"):
            out.append(n)
    return out


def run(sp, prod, ch, session, what, want_restart):
    """Sound, a short pause, sound, a long pause, sound on ch, once its
    worker has the channel and the producer's sound (what is played
    before goes to the viewer before)."""
    sp.wait_log(r"session %d conn \d+: playback channel from" % session, 5)
    sp.wait_log(r"the sound goes to session %d" % session, 5)
    sound(prod, 0.2)
    first = heard(ch)
    check(names(first)[-2:] == ["START", "DATA"], "%s: first sound came as %s" % (what, names(first)))
    time.sleep(0.5)
    sound(prod, 0.2)
    short = heard(ch)
    check(names(short) == ["DATA"], "%s: after half a second: %s" % (what, names(short)))
    time.sleep(1.3)
    sound(prod, 0.2)
    long = heard(ch)
    want = ["STOP", "START", "DATA"] if want_restart else ["DATA"]
    check(names(long) == want, "%s: after 1.3 s: %s, want %s" % (what, names(long), want))
    gap = long[-1][1] - short[-1][1]
    check(gap >= 1300, "%s: DATA stamped %d ms after the last before the pause" % (what, gap))


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    prod.say("audio-open")
    sp.wait_log(r"the producer has sound to play", 5)

    m = rawspice.open_session(sp.port, "pw")
    res, ws = wsclient.link(sp.port, "pw", channel_type=CHANNEL_PLAYBACK,
                            connection_id=m.session_id, channel_caps=(0,))
    check(res == 0, "WebSocket playback link: %s" % rawlink.ERR.get(res, res))
    run(sp, prod, rawspice.Channel(ws, mini=True), m.session_id, "WebSocket viewer", True)
    sp.wait_log(r"audio: \d+ ms without sound: STOP and START for a WebSocket viewer", 5)

    # The newest playback channel has the sound: a plain TCP one now.
    m2 = rawspice.open_session(sp.port, "pw")
    res, s, mini, _ = rawspice.link(sp.port, "pw", CHANNEL_PLAYBACK,
                                    connection_id=m2.session_id, channel_caps=(0,))
    check(res == 0, "playback link: %s" % rawlink.ERR.get(res, res))
    run(sp, prod, rawspice.Channel(s, mini=mini), m2.session_id, "TCP viewer", False)
    check(sp.alive(), "spiced died")


common.run(main)
