#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""TLS 1.2 renegotiation is refused, at both moments a client can ask for
it: during the SPICE link (the supervisor holds the SSL session) and after
the link (the relay process holds it).  The client is OpenSSL itself,
driven through ctypes, since Python's ssl module cannot renegotiate.

What happens on the wire each time: the server answers the client's new
ClientHello with a warning alert no_renegotiation (level 1, code 100) and
no ServerHello; the OpenSSL client then gives up with its own fatal alert,
and the connection ends.  The first link is refused and logged, the
relayed session ends with its relay and main worker, and the daemon keeps
serving new TLS links."""

import ctypes
import socket
import ssl
import struct

import common
import rawlink
import tlsutil
from common import check

SSL_CTRL_SET_MAX_PROTO_VERSION = 124
TLS1_2_VERSION = 0x0303
SSL_VERIFY_PEER = 1
SSL_ERROR_SSL, SSL_ERROR_SYSCALL, SSL_ERROR_ZERO_RETURN = 1, 5, 6
RT_ALERT, RT_HANDSHAKE, RT_APPDATA = 21, 22, 23
HS_SERVER_HELLO, HS_FINISHED = 2, 20
ALERT_WARNING, ALERT_NO_RENEGOTIATION = 1, 100
SPICE_MSG_MAIN_INIT = 103

MSG_CB = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                          ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                          ctypes.c_void_p)


def _lib(name, protos):
    lib = ctypes.CDLL(name)
    for fn, (res, args) in protos.items():
        f = getattr(lib, fn)
        f.restype, f.argtypes = res, args
    return lib


VP, INT, CP = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
ssllib = _lib("libssl.so.3", {
    "TLS_client_method": (VP, []),
    "SSL_CTX_new": (VP, [VP]),
    "SSL_CTX_free": (None, [VP]),
    "SSL_CTX_ctrl": (ctypes.c_long, [VP, INT, ctypes.c_long, VP]),
    "SSL_CTX_load_verify_locations": (INT, [VP, CP, CP]),
    "SSL_CTX_set_verify": (None, [VP, INT, VP]),
    "SSL_new": (VP, [VP]),
    "SSL_free": (None, [VP]),
    "SSL_set_fd": (INT, [VP, INT]),
    "SSL_set_msg_callback": (None, [VP, MSG_CB]),
    "SSL_connect": (INT, [VP]),
    "SSL_read": (INT, [VP, VP, INT]),
    "SSL_write": (INT, [VP, CP, INT]),
    "SSL_get_error": (INT, [VP, INT]),
    "SSL_renegotiate": (INT, [VP]),
    "SSL_get_version": (CP, [VP]),
})
cryptolib = _lib("libcrypto.so.3", {
    "ERR_get_error": (ctypes.c_ulong, []),
    "ERR_error_string_n": (None, [ctypes.c_ulong, CP, ctypes.c_size_t]),
})


def ssl_errors():
    out = []
    while True:
        e = cryptolib.ERR_get_error()
        if e == 0:
            return out
        buf = ctypes.create_string_buffer(256)
        cryptolib.ERR_error_string_n(e, buf, len(buf))
        out.append(buf.value.decode())


class RenegClient:
    """A blocking TLS 1.2 client over libssl that records every alert and
    handshake message it receives; sendall/recv for rawlink's helpers."""

    def __init__(self, port, cafile):
        self.alerts_in, self.alerts_out, self.hs_in = [], [], []
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.settimeout(None)      # blocking fd; SO_RCVTIMEO bounds reads
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                             struct.pack("ll", 10, 0))
        self.ctx = ssllib.SSL_CTX_new(ssllib.TLS_client_method())
        ssllib.SSL_CTX_ctrl(self.ctx, SSL_CTRL_SET_MAX_PROTO_VERSION,
                            TLS1_2_VERSION, None)
        check(ssllib.SSL_CTX_load_verify_locations(self.ctx, cafile.encode(), None) == 1,
              "load CA")
        ssllib.SSL_CTX_set_verify(self.ctx, SSL_VERIFY_PEER, None)
        self.ssl = ssllib.SSL_new(self.ctx)
        self._cb = MSG_CB(self._on_msg)     # keep a reference
        ssllib.SSL_set_msg_callback(self.ssl, self._cb)
        ssllib.SSL_set_fd(self.ssl, self.sock.fileno())
        r = ssllib.SSL_connect(self.ssl)
        check(r == 1, "TLS handshake: %s" % ssl_errors())
        self.version = ssllib.SSL_get_version(self.ssl).decode()

    def _on_msg(self, write_p, version, ctype, buf, n, ssl_p, arg):
        data = ctypes.string_at(buf, n) if n else b""
        if ctype == RT_ALERT and n >= 2:
            (self.alerts_out if write_p else self.alerts_in).append((data[0], data[1]))
        elif ctype == RT_HANDSHAKE and n >= 1 and not write_p:
            self.hs_in.append(data[0])

    def sendall(self, data):
        r = ssllib.SSL_write(self.ssl, data, len(data))
        if r != len(data):
            raise EOFError("SSL_write: %s" % ssl_errors())

    def recv(self, n):
        buf = ctypes.create_string_buffer(n)
        r = ssllib.SSL_read(self.ssl, buf, n)
        if r <= 0:
            return b""
        return buf.raw[:r]

    def renegotiate(self):
        """Ask for a new handshake and drive it with SSL_read (which lets
        application data through while the server has not answered).
        Returns (SSL_get_error code, OpenSSL error strings, bytes read)."""
        check(ssllib.SSL_renegotiate(self.ssl) == 1, "SSL_renegotiate")
        got = 0
        buf = ctypes.create_string_buffer(16384)
        while True:
            r = ssllib.SSL_read(self.ssl, buf, len(buf))
            if r > 0:
                got += r
                continue
            return ssllib.SSL_get_error(self.ssl, r), ssl_errors(), got

    def close(self):
        ssllib.SSL_free(self.ssl)
        ssllib.SSL_CTX_free(self.ctx)
        self.sock.close()


def check_refused(c, what):
    """The wire facts of a refused renegotiation, seen by client c."""
    code, errs, _ = c.renegotiate()
    check(c.version == "TLSv1.2", "%s: negotiated %s, want TLSv1.2" % (what, c.version))
    check((ALERT_WARNING, ALERT_NO_RENEGOTIATION) in c.alerts_in,
          "%s: no warning alert no_renegotiation from the server (alerts %r)"
          % (what, c.alerts_in))
    check(c.hs_in.count(HS_SERVER_HELLO) == 1 and c.hs_in.count(HS_FINISHED) == 1,
          "%s: a second handshake ran (server handshake messages %r)" % (what, c.hs_in))
    check(code == SSL_ERROR_SSL and any("no renegotiation" in e for e in errs),
          "%s: client did not fail with no renegotiation: %d %r" % (what, code, errs))
    # The client ended it with a fatal alert; the server's side closes.
    check(c.alerts_out and c.alerts_out[-1][0] == 2,
          "%s: client sent no fatal alert (%r)" % (what, c.alerts_out))
    # Records the server wrote before it read that alert may still be in
    # flight (a main-channel ping, say): application data is fine, any
    # further handshake is not, and the connection must then end.
    c.sock.settimeout(5)
    rest = b""
    try:
        while len(rest) < 65536:
            chunk = c.sock.recv(4096)
            if not chunk:
                break
            rest += chunk
    except ConnectionResetError:
        pass
    pos = 0
    while pos + 5 <= len(rest):
        ctype, _, n = struct.unpack_from(">BHH", rest, pos)
        check(ctype in (RT_ALERT, RT_APPDATA),
              "%s: record type %d from the server after the refusal" % (what, ctype))
        pos += 5 + n
    c.close()


def tls_link_works(sp, tport, pki):
    rawlink.TLS_CONTEXT = ssl.create_default_context(cafile=pki["ca"])
    try:
        res, s = rawlink.link(tport, sp.password, keep=True)
        check(res == 0, "fresh TLS link refused: %s" % rawlink.ERR.get(res, res))
        s.close()
        # Its relay and main worker end on their own; the next step
        # counts relays and workers, so wait until these are gone.
        common.wait_for(lambda: not tlsutil.relays(sp), 10, "the check link's relay to exit")
        common.wait_for(lambda: not sp.workers("main"), 10,
                        "the check link's main worker to exit")
    finally:
        rawlink.TLS_CONTEXT = None


def main():
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    sp = common.Spiced(password="pw", extra=tlsutil.tls_conf(
        pki, tport, ["tls-ktls = no"]))
    sp.wait_log(r"listening for TLS on 127\.0\.0\.1:%d" % tport, 5)

    # 1. During the link: the supervisor's SSL session gets the request
    # before any SPICE byte.
    mark = sp.log_mark()
    c = RenegClient(tport, pki["ca"])
    check_refused(c, "during the link")
    sp.wait_log(r"link from 127\.0\.0\.1:\d+ refused: read during link header", 5, mark)
    check(not tlsutil.relays(sp), "a relay started for a refused link")
    check(sp.alive(), "spiced died")
    tls_link_works(sp, tport, pki)

    # 2. After the link: the relay process holds the SSL session.
    mark = sp.log_mark()
    c = RenegClient(tport, pki["ca"])
    mess = rawlink.link_mess(0, rawlink.CHANNEL_MAIN, 0)
    c.sendall(rawlink.link_header(len(mess)) + mess)
    error, key, _ = rawlink.read_reply(c)
    check(error == 0, "link reply %s" % rawlink.ERR.get(error, error))
    c.sendall(struct.pack("<I", 1))
    c.sendall(rawlink.encrypt_ticket(key, "pw"))
    res = struct.unpack("<I", rawlink.recv_exact(c, 4))[0]
    check(res == 0, "TLS main link: %s" % rawlink.ERR.get(res, res))
    # The main worker is up once its MAIN_INIT (mini header) arrives.
    mtype, size = struct.unpack("<HI", rawlink.recv_exact(c, 6))
    check(mtype == SPICE_MSG_MAIN_INIT, "first main message is type %d" % mtype)
    rawlink.recv_exact(c, size)
    sp.wait_log(r"channel 1:0 linked \(connection id 0, TLS, relay\)", 5, mark)
    relays = tlsutil.relays(sp)
    check(len(relays) == 1, "want one relay, have %s" % relays)
    check_refused(c, "in the relay")
    sp.wait_log(r"relay pid %d for .* exited" % relays[0], 10, mark)
    common.wait_for(lambda: not sp.workers("main"), 10, "main worker to exit")
    check(sp.alive(), "spiced died")
    tls_link_works(sp, tport, pki)
    sp.stop()


common.run(main)
