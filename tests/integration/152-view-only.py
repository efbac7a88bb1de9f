#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""View-only tickets (libspice-server has none).  A display with
`password-view-only`: spice-gtk logged in with it sees the picture, but
its session is offered no inputs channel, and an inputs link into it is
refused with PERMISSION_DENIED, as is an inputs link made with the
view-only password into a full session; the full password still gets
inputs.  `spicectl set-ticket --view-only` replaces the view-only
password at run time (the old one is refused, the full one untouched),
and `expire-ticket --view-only` ends it."""

import os

import common
import ppm
import rawlink
import rawspice
import spice_client
from common import check

W, H = 64, 48
INPUTS = 3


def inputs_link(sp, password, session):
    return rawlink.link(sp.port, password, channel_type=INPUTS, connection_id=session)[0]


def main():
    sp = common.Spiced(password="full", extra='password-view-only = "look"')
    img = os.path.join(sp.dir, "p.ppm")
    picture = common.pattern_rgb(W, H, seed=12)
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)

    # spice-gtk, view-only: the picture, no inputs channel.
    c = spice_client.connect(port=sp.port, password="look")
    c.wait_pixels(picture, timeout=10)
    sp.wait_log(r"channel 1:0 linked \(connection id 0, plain, view-only\)", 5)
    check((spice_client.CHANNEL_INPUTS, 0) not in c.created,
          "a view-only session was offered the inputs channel")
    check(not sp.workers("inputs"), "an inputs worker for a view-only session")

    # Raw links: view-only session, and the view-only password.
    view = rawspice.open_session(sp.port, "look")
    full = rawspice.open_session(sp.port, "full")
    res = inputs_link(sp, "look", view.session_id)
    check(res == 7, "inputs in a view-only session: %s" % rawlink.ERR.get(res, res))
    sp.wait_log(r"inputs channel refused: view-only session", 5)
    res = inputs_link(sp, "full", view.session_id)
    check(res == 7, "inputs with the full password in a view-only session: %s"
          % rawlink.ERR.get(res, res))
    res = inputs_link(sp, "look", full.session_id)
    check(res == 7, "inputs with the view-only password: %s" % rawlink.ERR.get(res, res))
    sp.wait_log(r"inputs channel refused: view-only ticket", 5)
    res = inputs_link(sp, "full", full.session_id)
    check(res == 0, "inputs with the full password: %s" % rawlink.ERR.get(res, res))

    # At run time.
    out = sp.spicectl("set-ticket", "t", "--view-only", input="look2\n")
    check(out.returncode == 0 and "view-only ticket set" in out.stdout,
          "spicectl set-ticket --view-only: %r %r" % (out.stdout, out.stderr))
    check(rawlink.link(sp.port, "look")[0] != 0, "the old view-only password links")
    check(rawlink.link(sp.port, "look2")[0] == 0, "the new view-only password is refused")
    check(rawlink.link(sp.port, "full")[0] == 0, "the full password stopped working")
    out = sp.spicectl("expire-ticket", "t", "--view-only")
    check(out.returncode == 0, "expire-ticket --view-only failed: %r" % out.stderr)
    check(rawlink.link(sp.port, "look2")[0] != 0, "an expired view-only password links")
    check(rawlink.link(sp.port, "full")[0] == 0, "expiring view-only expired the full one")
    c.disconnect()


common.run(main)
