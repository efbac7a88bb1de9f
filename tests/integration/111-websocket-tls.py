#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""WebSocket inside TLS (wss://) on a display's tls-port: the upgrade and
the SPICE link run over the supervisor's TLS session; after the link the
relay process carries the decrypted bytes, which are still frames, and
the workers decode them.  A main channel gets MAIN_INIT and CHANNELS_LIST,
a display channel the producer's picture as bitmaps, the worker answers
a ping, and a bad frame gets close 1002 through the relay."""

import os
import ssl
import struct

import common
import ppm
import rawlink
import rawspice
import tlsutil
import wsclient
from common import check

W, H = 48, 40


def main():
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    sp = common.Spiced(extra=tlsutil.tls_conf(pki, tport, ["tls-ktls = no"]))
    picture = common.pattern_rgb(W, H, seed=13)
    path = os.path.join(sp.dir, "p.ppm")
    ppm.write_ppm(path, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", path)
    ctx = ssl.create_default_context(cafile=pki["ca"])

    res, ws = wsclient.link(tport, sp.password, ssl_ctx=ctx)
    check(res == 0, "wss main link: %s" % rawlink.ERR.get(res, res))
    m = rawspice.MainChannel(ws, mini=True)
    mtype, body = m.next_message(10)
    check(mtype == rawspice.MSG_MAIN_INIT, "first wss main message %d" % mtype)
    session = struct.unpack("<8I", body)[0]
    check((rawlink.CHANNEL_DISPLAY, 0) in m.attach(), "CHANNELS_LIST over wss")
    check(tlsutil.relays(sp), "no relay process for the wss link")
    sp.wait_log(r"channel 1:0 linked \(connection id 0, TLS, relay\)", 5)

    res, dws = wsclient.link(tport, sp.password, channel_type=rawlink.CHANNEL_DISPLAY,
                             connection_id=session, channel_caps=(0,), ssl_ctx=ctx)
    check(res == 0, "wss display link: %s" % rawlink.ERR.get(res, res))
    dc = rawspice.DisplayChannel(dws, mini=True)
    dc.send_init()
    dc.wait_mark(10)
    check(dc.rgb() == picture, "picture over wss: %s"
          % ppm.describe_diff(ppm.diff(dc.rgb(), picture, W, H)))

    ws.raw_send(wsclient.frame(b"tls-ping", wsclient.OP_PING))
    check(ws.wait_pong(5) == b"tls-ping", "pong over wss: %r" % ws.pongs)
    dws.raw_send(wsclient.frame(b"abc", masked=False))
    check(dws.wait_close(5) == 1002, "unmasked over wss: close %r" % dws.close_code)
    check(m.is_open(0.2), "main channel closed with the display one")
    m.close()
    check(sp.alive(), "spiced died")


common.run(main)
