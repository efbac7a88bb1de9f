#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""SASL with a password mechanism, against a sasldb the test creates, with
the real spice-gtk client: the right password links, gets the picture
through the SASL security layer (DIGEST-MD5 auth-conf on plain TCP, so
every byte after authentication passes the relay); a wrong password and
an unknown user are refused; SCRAM, which has no security layer, is not
even offered on plain TCP; the daemon keeps serving."""

import os

import common
import ppm
import saslsetup
import spice_client
from common import check
from spice_client import Spice

W, H = 64, 48


def main():
    base = common.tmpdir()
    confdir = saslsetup.make_sasldb(base, {"alice": "s3cret pw"})
    sp = common.Spiced(ticket=False, global_extra=saslsetup.global_lines(confdir),
                       extra="sasl = yes\nsasl-realm = %s" % saslsetup.REALM)
    sp.wait_log(r"SASL: cyrus-sasl ready", 5)
    rgb = common.pattern_rgb(W, H, seed=7)
    img = os.path.join(base, "pattern.ppm")
    ppm.write_ppm(img, W, H, rgb)
    sp.start_producer("--image", img)

    # Wrong password, then an unknown user: authentication errors.
    c = spice_client.connect(port=sp.port, username="alice", password="wrong")
    check(c.wait_link_result(10) == "auth", "wrong password not refused as auth error")
    c.disconnect()
    sp.wait_log(r"refused: SASL: DIGEST-MD5 step: .*authentication failure", 5)
    c = spice_client.connect(port=sp.port, username="mallory", password="s3cret pw")
    check(c.wait_link_result(10) == "auth", "unknown user not refused as auth error")
    c.disconnect()
    # No user name given: spice-gtk reports that it needs a user name and
    # a password, which remote-viewer turns into its login dialog.
    c = spice_client.connect(port=sp.port, password="s3cret pw")
    check(c.wait_link_result(10) == "auth", "a client without a user name was not refused")
    check(c.error.code == int(Spice.ClientError.AUTH_NEEDS_PASSWORD_AND_USERNAME),
          "spice-gtk error code %s, want AUTH_NEEDS_PASSWORD_AND_USERNAME" % c.error.code)
    c.disconnect()

    # Right password: linked over the SASL layer, picture arrives.
    mark = sp.log_mark()
    c = spice_client.connect(port=sp.port, username="alice", password="s3cret pw")
    check(c.wait_link_result(10) is None, "right password refused")
    c.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_DISPLAY], 10)
    prim = c.wait_primary(10)
    c.wait_mark(10)
    check((prim["width"], prim["height"]) == (W, H),
          "primary %dx%d" % (prim["width"], prim["height"]))
    c.wait_pixels(rgb, 10)
    c.disconnect()
    sp.wait_log(r'SASL user "alice@SPICETEST" authenticated with DIGEST-MD5 \(SSF (\d+)\)', 5, mark)
    sp.wait_log(r"channel 2:0 linked .*SASL layer, relay", 5, mark)
    check("offering ,DIGEST-MD5," in sp.log_text() and
          "SCRAM" not in sp.log_text().split("offering ")[1].split("\n")[0],
          "SCRAM offered on plain TCP (it has no security layer)")
    check(sp.alive(), "spiced died")


common.run(main)
