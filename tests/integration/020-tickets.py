#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tickets: the right password links and the main worker speaks; wrong,
empty and expired passwords get SPICE_LINK_ERR_PERMISSION_DENIED (which
spice-gtk reports as needing a password); the daemon goes on serving
after each refusal."""

import struct
import time

import common
import rawlink
import spice_client
from common import check
from spice_client import Spice


def main_init_after_ok(sp, password):
    res, s = rawlink.link(sp.port, password, keep=True)
    check(res == 0, "right password: link result %s, want OK" % rawlink.ERR.get(res, res))
    # The main worker's first message: mini header type 103 (MAIN_INIT).
    hdr = rawlink.recv_exact(s, 6)
    mtype, size = struct.unpack("<HI", hdr)
    check(mtype == 103 and size == 32, "first message type %d size %d, want MAIN_INIT" % (mtype, size))
    body = rawlink.recv_exact(s, size)
    session_id = struct.unpack("<I", body[:4])[0]
    check(session_id != 0, "MAIN_INIT session id is 0")
    s.close()


def main():
    sp = common.Spiced(password="s3cret pass")
    for wrong in ("wrong", "", "s3cret pas", "s3cret pass "):
        res, _ = rawlink.link(sp.port, wrong)
        check(res == 7, "password %r: result %s, want PERMISSION_DENIED" % (wrong, rawlink.ERR.get(res, res)))
    sp.wait_log(r"refused.*(wrong|password)", 5)
    # spice-gtk turns the refusal into "needs a password", which is what
    # makes remote-viewer ask for it again.
    c = spice_client.connect(port=sp.port, password="wrong")
    check(c.wait_link_result(10) == "auth", "spice-gtk: wrong password not an auth error")
    check(c.error.code == int(Spice.ClientError.AUTH_NEEDS_PASSWORD),
          "spice-gtk error code %s, want AUTH_NEEDS_PASSWORD" % c.error.code)
    c.disconnect()
    main_init_after_ok(sp, "s3cret pass")
    check(sp.alive(), "spiced died")
    sp.stop()

    # Expired: the same password after its expiry time.
    past = int(time.time()) - 60
    sp2 = common.Spiced(password="pw", extra="password-expires = %d" % past)
    res, _ = rawlink.link(sp2.port, "pw")
    check(res == 7, "expired ticket: result %s, want PERMISSION_DENIED" % rawlink.ERR.get(res, res))
    sp2.wait_log(r"expired", 5)
    check(sp2.alive(), "spiced died")
    sp2.stop()

    # Not yet expired: accepted.
    future = int(time.time()) + 3600
    sp3 = common.Spiced(password="pw", extra="password-expires = %d" % future)
    main_init_after_ok(sp3, "pw")


common.run(main)
