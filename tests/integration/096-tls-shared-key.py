#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ticket keys: every plain link gets an RSA key of its own (its
encrypted ticket crosses the network and must not be replayable on
another link), while links over TLS, whose ticket only TLS carries,
share one, so a TLS login costs no key generation.  Both kinds log in
with the password; a wrong one is still refused over TLS."""

import ssl
import struct

import common
import rawlink
import tlsutil
from common import check


def reply_key(port):
    s = rawlink.connect(port)
    mess = rawlink.link_mess()
    s.sendall(rawlink.link_header(len(mess)) + mess)
    err, key, _ = rawlink.read_reply(s)
    check(err == 0, "link reply error %d" % err)
    return s, key


def login(s, key, password):
    s.sendall(struct.pack("<I", 1) + rawlink.encrypt_ticket(key, password))
    res = struct.unpack("<I", rawlink.recv_exact(s, 4))[0]
    s.close()
    return res


def main():
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    sp = common.Spiced(password="pw", extra=tlsutil.tls_conf(pki, tport, ["tls-ktls = no"]))
    sp.wait_log(r"listening for TLS", 5)

    plain = [reply_key(sp.port) for _ in range(3)]
    check(len({k for _, k in plain}) == 3, "plain links shared a key")
    for s, k in plain:
        check(login(s, k, "pw") == 0, "plain login refused")

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki["ca"])
    rawlink.TLS_CONTEXT = ctx
    try:
        tls = [reply_key(tport) for _ in range(3)]
        check(len({k for _, k in tls}) == 1, "TLS links got %d keys, want one shared"
              % len({k for _, k in tls}))
        check(tls[0][1] not in {k for _, k in plain}, "a plain link's key went to TLS")
        check(login(tls[0][0], tls[0][1], "pw") == 0, "TLS login refused")
        check(login(tls[1][0], tls[1][1], "wrong") != 0, "a wrong password linked over TLS")
        check(login(tls[2][0], tls[2][1], "pw") == 0, "TLS login with the shared key refused")
    finally:
        rawlink.TLS_CONTEXT = None
    check(sp.alive(), "spiced died")


common.run(main)
