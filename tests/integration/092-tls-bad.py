#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad TLS input and bad TLS configuration.

Configuration: a missing certificate, a key that does not match the
certificate, and a client CA file with no certificate each stop spiced
(and --check-config) with a message naming the file.

Input, each leaving the daemon serving (a TLS link still succeeds after):
plain SPICE bytes on the TLS port; a TLS handshake stalled past the link
deadline; with tls-require-client-cert, no client certificate and one from
another CA; a TLS 1.1-only client.  Each refusal is logged."""

import os
import socket
import ssl
import subprocess
import time

import common
import rawlink
import tlsutil
from common import check


def check_config_fails(pki, lines, needle):
    d = common.tmpdir()
    conf = os.path.join(d, "spiced.conf")
    with open(conf, "w") as f:
        f.write("\n".join(['[display "t"]', "listen = 127.0.0.1:0",
                           "producer-socket = %s/t.qxl" % d, "password = x",
                           "worker-user = 61999:61999"] + lines) + "\n")
    for extra in (["--check-config"], ["--foreground"]):
        r = subprocess.run([common.SPICED, "--config", conf, "--worker", common.WORKER]
                           + extra, capture_output=True, text=True, timeout=20)
        out = r.stdout + r.stderr
        check(r.returncode != 0, "%s accepted %s:\n%s" % (extra, lines, out))
        check(needle in out, "%s: want %r in:\n%s" % (extra, needle, out))


def tls_context(pki, cert=None, key=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki["ca"])
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def tls_link_ok(port, ctx):
    rawlink.TLS_CONTEXT = ctx
    try:
        res, s = rawlink.link(port, "pw", keep=True)
    finally:
        rawlink.TLS_CONTEXT = None
    check(res == 0, "TLS link result %s" % rawlink.ERR.get(res, res))
    s.close()


def refused(port, ctx):
    """A TLS link attempt that must not get through; returns the error."""
    rawlink.TLS_CONTEXT = ctx
    try:
        res, s = rawlink.link(port, "pw", keep=True)
    except (ssl.SSLError, OSError, EOFError) as e:
        return e
    finally:
        rawlink.TLS_CONTEXT = None
    if s:
        s.close()
    raise common.TestFailure("link went through (result %s)" % res)


def main():
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)

    # --- configuration -------------------------------------------------
    missing = os.path.join(d, "nosuch.pem")
    check_config_fails(pki, ["tls-port = 127.0.0.1:0", "tls-cert = " + missing,
                             "tls-key = " + pki["key"]], "tls-cert %s: cannot read" % missing)
    check_config_fails(pki, ["tls-port = 127.0.0.1:0", "tls-cert = " + pki["cert"],
                             "tls-key = " + pki["other_key"]],
                       "tls-key %s" % pki["other_key"])
    check_config_fails(pki, ["tls-port = 127.0.0.1:0", "tls-cert = " + pki["cert"],
                             "tls-key = " + pki["key"], "tls-ca = " + pki["key"]],
                       "tls-ca %s" % pki["key"])
    check_config_fails(pki, ["tls-port = 127.0.0.1:0", "tls-cert = " + pki["cert"],
                             "tls-key = " + pki["key"], "tls-ciphers = NOSUCHCIPHER"],
                       "tls-ciphers \"NOSUCHCIPHER\"")

    # --- input ---------------------------------------------------------
    tport = common.free_port()
    sp = common.Spiced(password="pw", link_timeout=2, extra=tlsutil.tls_conf(
        pki, tport, ["tls-ca = " + pki["ca"], "tls-require-client-cert = yes"]))
    good = tls_context(pki, pki["client_cert"], pki["client_key"])
    tls_link_ok(tport, good)

    # Plain SPICE bytes on the TLS port.
    mark = sp.log_mark()
    s = rawlink.connect(tport)
    mess = rawlink.link_mess()
    s.sendall(rawlink.link_header(len(mess)) + mess)
    s.settimeout(5)
    try:
        rest = rawlink.read_until_closed(s)
        check(not rest.startswith(b"REDQ"), "a SPICE reply on the TLS port")
    except ConnectionResetError:
        pass
    s.close()
    sp.wait_log(r"refused: TLS handshake: .*(wrong version number|unknown protocol|"
                r"http request|record layer failure|packet length too long)", 5, mark)

    # A handshake that stalls: half a ClientHello, then nothing.
    mark = sp.log_mark()
    s = socket.create_connection(("127.0.0.1", tport))
    s.sendall(bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]))
    t0 = time.monotonic()
    s.settimeout(10)
    check(s.recv(100) == b"", "server wrote to a stalled handshake")
    took = time.monotonic() - t0
    check(1.5 < took < 6, "stalled handshake closed after %.1fs, want ~2s" % took)
    s.close()
    sp.wait_log(r"no complete handshake within 2 s \(in TLS handshake\)", 5, mark)

    # No client certificate, then one from another CA.
    mark = sp.log_mark()
    refused(tport, tls_context(pki))
    sp.wait_log(r"refused: TLS handshake: .*(peer did not return a certificate|"
                r"certificate required|client certificate refused)", 5, mark)
    mark = sp.log_mark()
    refused(tport, tls_context(pki, pki["other_cert"], pki["other_key"]))
    sp.wait_log(r"refused: TLS handshake: client certificate refused: "
                r"unable to get local issuer certificate", 5, mark)

    # A TLS 1.1-only client (allowed down to security level 0 on its side
    # so that it really offers TLS 1.1).
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    old.minimum_version = ssl.TLSVersion.TLSv1_1
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    mark = sp.log_mark()
    e = refused(tport, old)
    check(isinstance(e, (ssl.SSLError, OSError)), "TLS 1.1 client: %r" % e)
    sp.wait_log(r"refused: TLS handshake: .*(unsupported protocol|no protocols available|"
                r"version too low)", 5, mark)

    check(sp.alive(), "spiced died")
    tls_link_ok(tport, good)
    # The plain port is unaffected.
    res, _ = rawlink.link(sp.port, "pw")
    check(res == 0, "plain link after the TLS abuse: %s" % rawlink.ERR.get(res, res))
    sp.stop()


common.run(main)
