#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spicectl list names what carries each channel.  With secure-channels =
main, the real spice-gtk client links its main channel over TLS and its
display channel plain: the session and its main channel show "tls", the
display channel "plain", in `spicectl list` and in --json.  A WebSocket
session shows "ws" on the plain port and "wss" on the tls-port."""

import os
import re
import ssl

import common
import ppm
import rawlink
import spice_client
import tlsutil
import wsclient
from common import check

W, H = 40, 30


def session_by_peer(listing, peer):
    for d in listing["displays"]:
        for s in d["sessions"]:
            if s["peer"] == peer:
                return s
    return None


def main():
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    sp = common.Spiced(password="pw", extra=tlsutil.tls_conf(
        pki, tport, ["secure-channels = main", "tls-ktls = no"]))
    sp.wait_log(r"listening for TLS on 127\.0\.0\.1:%d" % tport, 5)
    picture = common.pattern_rgb(W, H, seed=31)
    img = os.path.join(sp.dir, "p.ppm")
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)

    c = spice_client.connect(port=sp.port, tls_port=tport, ca_file=pki["ca"],
                             password="pw")
    c.wait_primary(timeout=15)
    c.wait_pixels(picture, timeout=10)
    sp.wait_log(r"channel 1:0 linked \(connection id 0, TLS, relay\)", 5)
    sp.wait_log(r"channel 2:0 linked \(connection id \d+, plain\)", 5)

    listing = sp.list_json()
    sessions = listing["displays"][0]["sessions"]
    check(len(sessions) == 1, "one session: %r" % sessions)
    ses = sessions[0]
    check(ses["transport"] == "tls", "session transport %r, want tls" % ses["transport"])
    chans = {(ch["type"], ch["id"]): ch["transport"] for ch in ses["channels"]}
    check(chans.get(("main", 0)) == "tls", "main channel transport %r" % chans)
    check(chans.get(("display", 0)) == "plain", "display channel transport %r" % chans)
    check(all(t == "plain" for k, t in chans.items() if k != ("main", 0)),
          "only main is secure: %r" % chans)

    r = sp.spicectl("list")
    check(r.returncode == 0, "spicectl list: %s" % r.stderr)
    check(re.search(r"session %d from \S+ \(tls\)" % ses["id"], r.stdout),
          "session line lacks (tls):\n%s" % r.stdout)
    check(re.search(r"^\s+main:0\s+conn \d+\s+\S+\s+tls\s", r.stdout, re.M),
          "main:0 not shown as tls:\n%s" % r.stdout)
    check(re.search(r"^\s+display:0\s+conn \d+\s+\S+\s+plain\s", r.stdout, re.M),
          "display:0 not shown as plain:\n%s" % r.stdout)

    # WebSocket inside TLS: a second session, on the tls-port.
    ctx = ssl.create_default_context(cafile=pki["ca"])
    res, wss = wsclient.link(tport, sp.password, ssl_ctx=ctx)
    check(res == 0, "wss main link: %s" % rawlink.ERR.get(res, res))
    wss_peer = "127.0.0.1:%d" % wss.sock.getsockname()[1]
    common.wait_for(lambda: session_by_peer(sp.list_json(), wss_peer), 5, "wss session listed")
    s = session_by_peer(sp.list_json(), wss_peer)
    check(s["transport"] == "wss", "wss session transport %r" % s["transport"])
    check([ch["transport"] for ch in s["channels"]] == ["wss"],
          "wss channels %r" % s["channels"])
    r = sp.spicectl("list")
    check(re.search(r"from %s \(wss\)" % re.escape(wss_peer), r.stdout),
          "wss session line:\n%s" % r.stdout)
    wss.close()
    c.disconnect()
    sp.stop()

    # ws: a display without TLS (the main channel may be plain).
    sp = common.Spiced(password="pw")
    res, ws = wsclient.link(sp.port, sp.password)
    check(res == 0, "ws main link: %s" % rawlink.ERR.get(res, res))
    ws_peer = "127.0.0.1:%d" % ws.sock.getsockname()[1]
    common.wait_for(lambda: session_by_peer(sp.list_json(), ws_peer), 5, "ws session listed")
    s = session_by_peer(sp.list_json(), ws_peer)
    check(s["transport"] == "ws", "ws session transport %r" % s["transport"])
    check([ch["transport"] for ch in s["channels"]] == ["ws"], "ws channels %r" % s["channels"])
    r = sp.spicectl("list")
    check(re.search(r"^\s+main:0\s+conn \d+\s+\S+\s+ws\s", r.stdout, re.M),
          "main:0 not shown as ws:\n%s" % r.stdout)
    ws.close()
    check(sp.alive(), "spiced died")
    sp.stop()


common.run(main)
