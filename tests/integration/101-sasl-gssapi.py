#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""SASL GSSAPI (Kerberos) with the real spice-gtk client, against a
throwaway MIT Kerberos realm on loopback (krb5realm.py): spiced reads the
service key spice/localhost from a keytab (KRB5_KTNAME); a client with no
credentials is refused; a client holding alice's ticket links, over the
GSSAPI security layer carried by the relay, and gets the picture."""

import os

import common
import krb5realm
import ppm
import saslsetup
import spice_client
from common import check

W, H = 48, 32


def main():
    base = common.tmpdir()
    realm = krb5realm.Realm(base)
    realm.add_user("alice", "alice-pw")
    keytab = realm.add_service("spice/localhost")
    realm.start()
    cc = realm.kinit("alice", "alice-pw")

    confdir = os.path.join(base, "sasl2")
    os.makedirs(confdir)
    with open(os.path.join(confdir, saslsetup.APPNAME + ".conf"), "w") as f:
        f.write("mech_list: GSSAPI\n")
    env = dict(realm.env)
    env["KRB5_KTNAME"] = "FILE:" + keytab
    sp = common.Spiced(ticket=False, env=env,
                       global_extra=saslsetup.global_lines(confdir),
                       extra="sasl = yes\nsasl-server-name = localhost\n"
                             "sasl-mechanisms = GSSAPI")
    rgb = common.pattern_rgb(W, H, seed=3)
    img = os.path.join(base, "p.ppm")
    ppm.write_ppm(img, W, H, rgb)
    sp.start_producer("--image", img)

    # The client library reads these when GSSAPI starts.
    os.environ.update(realm.env)

    # No credentials: an empty ccache.
    os.environ["KRB5CCNAME"] = "FILE:" + os.path.join(base, "no-such-ccache")
    c = spice_client.connect(host="localhost", port=sp.port)
    check(c.wait_link_result(10) in ("auth", "link", "io"),
          "client without Kerberos credentials was not refused")
    c.disconnect()
    check(sp.alive(), "spiced died")

    # alice's TGT: accepted, and the picture comes through the layer.
    os.environ["KRB5CCNAME"] = cc
    mark = sp.log_mark()
    c = spice_client.connect(host="localhost", port=sp.port)
    check(c.wait_link_result(15) is None, "alice with a valid ticket refused")
    c.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_DISPLAY], 10)
    c.wait_primary(10)
    c.wait_pixels(rgb, 10)
    c.disconnect()
    sp.wait_log(r'SASL user "alice(@SPICED.TEST)?" authenticated with GSSAPI \(SSF \d+\)',
                5, mark)
    sp.wait_log(r"channel 2:0 linked .*SASL layer, relay", 5, mark)
    check(sp.alive(), "spiced died")
    realm.stop()


common.run(main)
