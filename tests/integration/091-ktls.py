#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Kernel TLS: where the kernel offers the `tls` ULP, a TLS 1.2 link gets
its socket handed to the worker with kTLS on both directions (no relay
process), and the channel works: MAIN_INIT, channel list, and a display
channel's picture over kTLS.  Skipped visibly (exit 77) where the kernel
has no `tls` ULP, as on the reference CI machines, which exercise the
relay instead (090-tls.py)."""

import os
import re
import ssl

import common
import ppm
import rawlink
import rawspice
import tlsutil
from common import check

W, H = 64, 40


def main():
    if not tlsutil.ktls_available():
        raise common.SkipTest("kernel has no `tls` ULP "
                              "(/proc/sys/net/ipv4/tcp_available_ulp); kTLS path not testable here")
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    sp = common.Spiced(password="pw", extra=tlsutil.tls_conf(
        pki, tport, ["secure-channels = all"]))
    sp.wait_log(r"listening for TLS .*kTLS available", 5)
    img = os.path.join(sp.dir, "p.ppm")
    picture = common.pattern_rgb(W, H, seed=9)
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)

    # OpenSSL 3.0 offloads receiving for TLS 1.2 only.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki["ca"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    rawlink.TLS_CONTEXT = ctx
    try:
        m = rawspice.open_session(tport, "pw")
        disp = rawspice.display_client(tport, "pw", m.session_id, lz4=False)
        disp.pump(10, until=lambda c: c.rgb() == picture)
    finally:
        rawlink.TLS_CONTEXT = None
    log = sp.log_text()
    check(re.search(r"channel 1:0 linked \(connection id 0, TLS, kTLS\)", log),
          "main channel not handed over with kTLS")
    check(re.search(r"channel 2:0 linked \(connection id \d+, TLS, kTLS\)", log),
          "display channel not handed over with kTLS")
    check(not tlsutil.relays(sp), "a relay runs although kTLS was used")
    m.close()
    disp.close()
    sp.stop()


common.run(main)
