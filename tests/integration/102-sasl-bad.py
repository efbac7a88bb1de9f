#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile SASL framing, from a raw client: an oversized mechanism name,
a mechanism that was not offered, a name with bad characters, oversized
start and step data, and more steps than sasl-max-steps allows.  Each is
answered with the SASL failure word and a close, logged with its reason,
and spiced goes on serving: a real spice-gtk client links right after."""

import struct

import common
import rawlink
import saslsetup
import spice_client
from common import check

MAX_DATA = 64 * 1024


def good_link(sp):
    c = spice_client.connect(port=sp.port, username="alice", password="pw")
    check(c.wait_link_result(10) is None, "good SASL link after bad input refused")
    c.disconnect()


def refused(sp, what, send, log):
    s, mechs = rawlink.sasl_begin(sp.port)
    check("DIGEST-MD5" in mechs, "mechanism list %r" % mechs)
    mark = sp.log_mark()
    send(s)
    try:
        rawlink.sasl_expect_refusal(s)
    except (ValueError, EOFError) as e:
        raise common.TestFailure("%s: %s" % (what, e))
    s.close()
    sp.wait_log(r"refused: SASL: .*" + log, 5, mark)
    check(sp.alive(), "spiced died after " + what)


def main():
    base = common.tmpdir()
    confdir = saslsetup.make_sasldb(base, {"alice": "pw"}, mechs="DIGEST-MD5")
    sp = common.Spiced(ticket=False, global_extra=saslsetup.global_lines(confdir),
                       extra="sasl = yes\nsasl-realm = %s\nsasl-max-steps = 1"
                       % saslsetup.REALM)

    refused(sp, "oversized mechanism name",
            lambda s: s.sendall(struct.pack("<I", 101) + b"A" * 101),
            r"mechanism name of 101 bytes")
    refused(sp, "unknown mechanism",
            lambda s: rawlink.sasl_start(s, b"PLAIN", b"\0alice\0pw"),
            r'mechanism "PLAIN" was not offered')
    refused(sp, "bad characters",
            lambda s: rawlink.sasl_start(s, b"digest-md5"),
            r"mechanism name has a byte")
    refused(sp, "oversized start data",
            lambda s: s.sendall(struct.pack("<I", 10) + b"DIGEST-MD5" +
                                struct.pack("<I", MAX_DATA + 1)),
            r"start data of %d bytes" % (MAX_DATA + 1))
    good_link(sp)

    def big_step(s):
        rawlink.sasl_start(s, b"DIGEST-MD5")
        data, complete = rawlink.sasl_read_reply(s)
        check(data and complete == 0, "no DIGEST-MD5 challenge")
        s.sendall(struct.pack("<I", MAX_DATA + 1) + b"x" * 1000)
    refused(sp, "oversized step data", big_step,
            r"step data of %d bytes" % (MAX_DATA + 1))

    def garbage_step(s):
        # Within the step cap: cyrus itself refuses the garbage.
        rawlink.sasl_start(s, b"DIGEST-MD5")
        rawlink.sasl_read_reply(s)
        s.sendall(rawlink.sasl_data(b"x"))
    refused(sp, "garbage step", garbage_step, r"DIGEST-MD5 step")
    good_link(sp)
    sp.stop()

    # Too many steps: with sasl-max-steps = 0 the first step after the
    # start is one too many, refused before cyrus sees it.
    sp2 = common.Spiced(ticket=False, global_extra=saslsetup.global_lines(confdir),
                        extra="sasl = yes\nsasl-realm = %s\nsasl-max-steps = 0"
                        % saslsetup.REALM)

    def step_over(s):
        rawlink.sasl_start(s, b"DIGEST-MD5")
        data, complete = rawlink.sasl_read_reply(s)
        check(data and complete == 0, "no DIGEST-MD5 challenge")
        s.sendall(rawlink.sasl_data(b"username=\"alice\""))
    refused(sp2, "too many steps", step_over, r"step 1 exceeds sasl-max-steps 0")
    check(sp2.alive(), "spiced died")


common.run(main)
