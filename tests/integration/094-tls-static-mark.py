#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A picture that never changes must complete in the client over every
secured transport: spice-gtk 0.42 reads a channel only while its socket is
readable and never drains plaintext that OpenSSL (or its SASL decoder)
already holds, so a TLS record that carried the end of one message and a
whole next one (surface create, image, DISPLAY_MARK written at once) left
the MARK unread and remote-viewer on "Connected to graphic server"
forever.  Each case waits for what the real client waits for, the
display-mark signal, on a static picture, then checks it pixel-exact:
1920x1080 and 640x480 with every channel over TLS through the relay, the
same over kTLS where the kernel has the `tls` ULP (reported, not skipped,
where it has not), and 1920x1080 over a SASL security layer (DIGEST-MD5
auth-conf on plain TCP)."""

import os

import common
import ppm
import saslsetup
import spice_client
import tlsutil
from common import check


def picture(w, h, seed):
    # A 128x128 noisy tile repeated: incompressible enough that the image
    # spans many TLS records, cheap to build in Python.
    tile = common.pattern_rgb(128, 128, seed)
    rows = []
    for y in range(h):
        t = tile[(y % 128) * 384:(y % 128 + 1) * 384]
        row = (t * (w // 128 + 1))[:w * 3]
        rows.append(row)
    return b"".join(rows)


def show(sp, w, h, seed, **client):
    img = os.path.join(sp.dir, "static-%dx%d.ppm" % (w, h))
    rgb = picture(w, h, seed)
    ppm.write_ppm(img, w, h, rgb)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)
    c = spice_client.connect(**client)
    c.wait_primary(timeout=20)
    # The mark is what ends remote-viewer's "Connected to graphic
    # server": the test fails here if it stays in a record's tail.
    c.wait_mark(timeout=20)
    check(c.snapshot() == rgb, "%dx%d picture differs after the mark" % (w, h))
    return c


def tls_case(w, h, ktls):
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    extra = ["secure-channels = all"]
    if not ktls:
        extra.append("tls-ktls = no")
    sp = common.Spiced(password="pw", extra=tlsutil.tls_conf(pki, tport, extra))
    c = show(sp, w, h, 3, port=sp.port, tls_port=tport, ca_file=pki["ca"],
             password="pw")
    how = "kTLS" if ktls else "relay"
    sp.wait_log(r"channel 2:0 linked \(connection id \d+, TLS, %s\)" % how, 5)
    tlsutil.release_client(c)
    sp.stop()


def sasl_case(w, h):
    base = common.tmpdir()
    confdir = saslsetup.make_sasldb(base, {"alice": "pw"}, mechs="DIGEST-MD5")
    sp = common.Spiced(ticket=False, global_extra=saslsetup.global_lines(confdir),
                       extra="sasl = yes\nsasl-realm = %s" % saslsetup.REALM)
    c = show(sp, w, h, 4, port=sp.port, username="alice", password="pw")
    sp.wait_log(r"channel 2:0 linked .*SASL", 5)
    c.disconnect()
    sp.stop()


def main():
    tls_case(1920, 1080, ktls=False)
    tls_case(640, 480, ktls=False)
    if tlsutil.ktls_available():
        tls_case(1920, 1080, ktls=True)
    else:
        print("kTLS case not run: kernel has no `tls` ULP")
    sasl_case(1920, 1080)


common.run(main)
