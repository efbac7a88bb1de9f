#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spicectl stats: what an operator looks at before a user complains.
Every worker with a client or work to do reports its CPU time and its
connections' counters to the supervisor once a second; `spicectl stats` (and `--json stats`) turns the
last two reports into rates.

With a producer drawing a new screen of noise 20 times a second and the
real spice-gtk client watching: one
display with its producer and one session, the display worker's CPU above
nothing; the display channel sending tens of kilobytes and at least ten
messages a second; the main channel's round trip measured (a PING at the
session's start), no other channel's; the cursor and inputs channels
listed.  A second viewer that stops reading but keeps acknowledging, as
one behind a slow link does, shows a queue of its display channel.  Once the viewers leave, the display
has no session and no channel.  Nobody watching, a producer drawing
still shows as the display worker's CPU; nothing drawn, the display and
cursor workers sleep (a report every 30 s instead of every second) and
the display reads as idle."""

import json
import subprocess
import time

import common
import rawspice
import spice_client
from common import check


W, H = 320, 240


def stats(sp, *opts):
    r = subprocess.run([common.SPICECTL, "-s", sp.control_socket] + list(opts) + ["stats"],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 0, "spicectl stats: exit %d: %s" % (r.returncode, r.stderr))
    return r.stdout


def pump(c, prod, seconds):
    """Let the client run for seconds while the producer draws a new
    screen of noise every 50 ms: megabytes a second that no codec, and
    no cache, shrinks."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pump.seed += 1
        prod.say("bitmap 0 0 %d %d %d" % (W, H, pump.seed))
        t = time.monotonic() + 0.05
        c.wait_until(lambda: time.monotonic() > t, 1)


pump.seed = 0


def main():
    sp = common.Spiced(password="pw")
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_DISPLAY, spice_client.CHANNEL_CURSOR,
                     spice_client.CHANNEL_INPUTS], 10)
    pump(c, prod, 3.5)

    j = json.loads(stats(sp, "--json"))
    check(len(j["displays"]) == 1, "displays: %r" % j)
    d = j["displays"][0]
    check(d["name"] == "t" and d["producer"] is True and d["sessions"] == 1,
          "display record: %r" % d)
    check(0 < d["display_cpu"] < 2, "display worker CPU %r" % d["display_cpu"])
    by_type = {ch["type"]: ch for ch in d["channels"]}
    check(set(by_type) == {"main", "display", "cursor", "inputs"},
          "channels: %r" % sorted(by_type))
    disp = by_type["display"]
    check(disp["bytes_out_per_s"] > 20000 and disp["msgs_out_per_s"] >= 10,
          "display channel: %r" % disp)
    check(0 < by_type["main"]["rtt_us"] < 1000000, "main channel round trip: %r" % by_type["main"])
    check(all(ch["rtt_us"] == 0 for t, ch in by_type.items() if t != "main"),
          "round trips outside main: %r" % by_type)

    text = stats(sp)
    check("display t: producer attached, 1 session; CPU: display worker" in text and
          "display:0:" in text and "round trip" in text, "text stats:\n%s" % text)

    # A second viewer (a raw client in its own session) that stops reading
    # but keeps acknowledging, as one behind a slow link does: spiced
    # keeps sending, the kernel's buffers fill, and its display channel's
    # queue grows.
    m = rawspice.open_session(sp.port, sp.password)
    slow = rawspice.display_client(sp.port, sp.password, m.session_id, lz4=True)
    slow.wait_mark(10)
    for _ in range(2000):
        slow.send(rawspice.MSGC_ACK)

    def queued():
        j = json.loads(stats(sp, "--json"))
        q = [ch["queue_bytes"] for ch in j["displays"][0]["channels"]
             if ch["session"] == m.session_id and ch["type"] == "display"]
        return q and q[0] > 0 and q[0]
    end = time.monotonic() + 20
    while not queued() and time.monotonic() < end:
        pump(c, prod, 0.5)
    q = queued()
    check(q, "no queue for the viewer that stopped reading")
    print("the stalled viewer's queue: %d bytes" % q)
    slow.close()
    m.close()

    c.disconnect()
    c.wait_until(lambda: json.loads(stats(sp, "--json"))["displays"][0]["sessions"] == 0,
                 10, "no session left")
    check(json.loads(stats(sp, "--json"))["displays"][0]["channels"] == [],
          "channels left: %r" % stats(sp, "--json"))

    # Nobody watching, the producer drawing: the display worker still
    # reports its work every second.
    end = time.monotonic() + 2.5
    while time.monotonic() < end:
        pump.seed += 1
        prod.say("bitmap 0 0 %d %d %d" % (W, H, pump.seed))
        time.sleep(0.05)
    d = json.loads(stats(sp, "--json"))["displays"][0]
    check(d["display_cpu"] > 0, "an unwatched display's drawing shows no CPU: %r" % d)

    # Nobody watching, nothing drawn: after a last report the workers
    # sleep (once a second before: five wakeups each in these 5 s), and
    # the display reads as idle.
    time.sleep(3.5)
    workers = sp.workers("display", "t") + sp.workers("cursor", "t")
    check(len(workers) == 2, "display and cursor workers: %r" % workers)
    before = [common.wakeups(p) for p in workers]
    time.sleep(5)
    woke = [common.wakeups(p) - b for p, b in zip(workers, before)]
    print("wakeups of the idle display and cursor workers in 5 s: %s" % woke)
    check(all(n <= 1 for n in woke), "idle workers woke %s times in 5 s" % woke)
    d = json.loads(stats(sp, "--json"))["displays"][0]
    check(d["display_cpu"] == 0 and d["cursor_cpu"] == 0, "an idle display's CPU: %r" % d)
    check(sp.alive(), "spiced died")


common.run(main)
