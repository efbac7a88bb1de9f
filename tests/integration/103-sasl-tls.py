#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""SASL over TLS: TLS protects the session, so SASL needs no security
layer there.  With secure-channels = all and sasl-mechanisms limited to
SCRAM-SHA-256 (no security layer), the real spice-gtk client links every
channel on the tls-port, authenticates with SCRAM and gets the exact
picture; a wrong password is refused.  SASL is told the TLS cipher's real
strength as its external SSF (the debug log shows the value, which must
equal the negotiated cipher's bits).  The same mechanism on a plain port
is refused: it is not even offered without TLS."""

import os
import re
import ssl

import common
import ppm
import rawlink
import saslsetup
import spice_client
import tlsutil
from common import check

W, H = 72, 40
MECH = "SCRAM-SHA-256"


def sasl_spiced(confdir, extra):
    return common.Spiced(ticket=False, global_extra=saslsetup.global_lines(confdir),
                         extra="\n".join(["sasl = yes",
                                          "sasl-realm = %s" % saslsetup.REALM,
                                          "sasl-mechanisms = %s" % MECH] + extra))


def main():
    base = common.tmpdir()
    confdir = saslsetup.make_sasldb(base, {"alice": "tls pw"})
    pki = tlsutil.make_pki(base)
    rgb = common.pattern_rgb(W, H, seed=23)
    img = os.path.join(base, "pattern.ppm")
    ppm.write_ppm(img, W, H, rgb)

    # Over TLS: SCRAM (SSF 0) is enough.
    tport = common.free_port()
    sp = sasl_spiced(confdir, [tlsutil.tls_conf(
        pki, tport, ["secure-channels = all", "tls-ktls = no"])])
    sp.wait_log(r"SASL: cyrus-sasl ready", 5)
    sp.start_producer("--image", img)

    c = spice_client.connect(port=sp.port, tls_port=tport, ca_file=pki["ca"],
                             username="alice", password="wrong")
    check(c.wait_link_result(10) == "auth", "wrong password over TLS not refused")
    c.disconnect()

    mark = sp.log_mark()
    c = spice_client.connect(port=sp.port, tls_port=tport, ca_file=pki["ca"],
                             username="alice", password="tls pw")
    check(c.wait_link_result(10) is None, "SCRAM over TLS refused")
    c.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_DISPLAY], 10)
    prim = c.wait_primary(10)
    check((prim["width"], prim["height"]) == (W, H),
          "primary %dx%d" % (prim["width"], prim["height"]))
    c.wait_pixels(rgb, 10)
    sp.wait_log(r'SASL user "alice@%s" authenticated with %s' % (saslsetup.REALM, MECH),
                5, mark)
    sp.wait_log(r"channel 2:0 linked \(connection id \d+, TLS, relay\)", 5, mark)
    log = sp.log_text()[mark:]
    check(not re.search(r"channel \d+:\d+ linked \(connection id \d+, plain", log),
          "a channel linked plain with secure-channels = all")
    # The external SSF of each SASL link is its TLS cipher's bits.
    bits = dict(re.findall(r"TLS from (\S+): TLSv[\d.]+, \S+ \((\d+) bits\)", log))
    ext = re.findall(r"link from (\S+): SASL external SSF (\d+)", log)
    check(ext, "no external SSF logged")
    for peer, ssf in ext:
        check(peer in bits, "SASL link %s without a TLS handshake line" % peer)
        check(ssf == bits[peer] and int(ssf) >= 128,
              "external SSF %s for %s, its cipher has %s bits" % (ssf, peer, bits[peer]))
    c.disconnect()

    # The value follows the cipher: a raw TLS 1.2 client picks one.
    for cipher, want in (("ECDHE-ECDSA-AES128-GCM-SHA256", 128),
                         ("ECDHE-ECDSA-CHACHA20-POLY1305", 256)):
        ctx = ssl.create_default_context(cafile=pki["ca"])
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(cipher)
        rawlink.TLS_CONTEXT = ctx
        try:
            mark = sp.log_mark()
            s, mechs = rawlink.sasl_begin(tport)
            peer = "127.0.0.1:%d" % s.getsockname()[1]
            check(s.cipher()[0] == cipher, "negotiated %r" % (s.cipher(),))
            s.close()
        finally:
            rawlink.TLS_CONTEXT = None
        check(mechs == [MECH], "mechanisms over TLS: %r" % mechs)
        sp.wait_log(r"link from %s: SASL external SSF %d$" % (re.escape(peer), want),
                    5, mark)
    check(sp.alive(), "spiced died")
    sp.stop()

    # Without TLS: the same mechanism is refused (not offered).
    sp = sasl_spiced(confdir, [])
    sp.wait_log(r"SASL: cyrus-sasl ready", 5)
    mark = sp.log_mark()
    c = spice_client.connect(port=sp.port, username="alice", password="tls pw")
    check(c.wait_link_result(10) is not None, "SCRAM accepted on plain TCP")
    c.disconnect()
    sp.wait_log(r"refused: SASL: .*(no mechanism available with a security layer|"
                r"no usable mechanism)", 5, mark)
    check(not re.search(r"authenticated with", sp.log_text()[mark:]),
          "a SASL user authenticated on plain TCP")
    check(sp.alive(), "spiced died")
    sp.stop()


common.run(main)
