# SPDX-License-Identifier: LGPL-2.1-or-later
"""A minimal SPICE link client for tests that must see exact bytes and
link error codes (spice-gtk only reports "authentication failed").

Written from the protocol facts (SpiceLinkHeader, SpiceLinkMess,
SpiceLinkReply, RSA-OAEP SHA-1 ticket); see SPICE-NOTES section 1.
"""

import socket
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

MAGIC = b"REDQ"
CHANNEL_MAIN, CHANNEL_DISPLAY, CHANNEL_INPUTS, CHANNEL_CURSOR = 1, 2, 3, 4

ERR = {0: "OK", 1: "ERROR", 2: "INVALID_MAGIC", 3: "INVALID_DATA",
       4: "VERSION_MISMATCH", 5: "NEED_SECURED", 6: "NEED_UNSECURED",
       7: "PERMISSION_DENIED", 8: "BAD_CONNECTION_ID", 9: "CHANNEL_NOT_AVAILABLE"}

# Common caps as spice-gtk 0.42 sends them: AUTH_SELECTION, AUTH_SASL,
# MINI_HEADER; main channel caps 0x0f.
COMMON_CAPS = 0x0D


def link_mess(connection_id=0, channel_type=CHANNEL_MAIN, channel_id=0,
              common_caps=(COMMON_CAPS,), channel_caps=(0x0F,)):
    body = struct.pack("<IBBIII", connection_id, channel_type, channel_id,
                       len(common_caps), len(channel_caps), 18)
    body += b"".join(struct.pack("<I", c) for c in common_caps)
    body += b"".join(struct.pack("<I", c) for c in channel_caps)
    return body


def link_header(size, magic=MAGIC, major=2, minor=2):
    return magic + struct.pack("<III", major, minor, size)


# An ssl.SSLContext: when set, connect() links over TLS (the TLS tests and
# the benchmark set it around their raw clients).
TLS_CONTEXT = None


def connect(port, host="127.0.0.1", timeout=10):
    s = socket.create_connection((host, port), timeout=timeout)
    if TLS_CONTEXT is not None:
        s = TLS_CONTEXT.wrap_socket(s, server_hostname=host)
    return s


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_reply(s):
    """Read SpiceLinkHeader + SpiceLinkReply; returns (error, pubkey_der, caps)."""
    hdr = recv_exact(s, 16)
    if hdr[:4] != MAGIC:
        raise ValueError("bad reply magic %r" % hdr[:4])
    major, minor, size = struct.unpack("<III", hdr[4:])
    if size < 178 or size > 4096:
        raise ValueError("bad reply size %d" % size)
    body = recv_exact(s, size)
    error = struct.unpack("<I", body[:4])[0]
    key = body[4:166]
    ncommon, nchannel, off = struct.unpack("<III", body[166:178])
    caps = []
    if error == 0:
        for i in range(ncommon + nchannel):
            caps.append(struct.unpack("<I", body[off + 4 * i:off + 4 * i + 4])[0])
    return error, key, caps


def encrypt_ticket(pubkey_der, password):
    key = serialization.load_der_public_key(pubkey_der)
    data = password.encode() + b"\0"
    return key.encrypt(data, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()),
                                          algorithm=hashes.SHA1(), label=None))


def link(port, password, channel_type=CHANNEL_MAIN, connection_id=0, channel_id=0,
         keep=False, timeout=10):
    """Run a whole link; returns (result_code, socket or None).
    result_code is the reply error if non-zero, else the u32 link result.
    timeout bounds each socket operation."""
    s = connect(port, timeout=timeout)
    mess = link_mess(connection_id, channel_type, channel_id)
    s.sendall(link_header(len(mess)) + mess)
    error, key, caps = read_reply(s)
    if error != 0:
        s.close()
        return error, None
    # AUTH_SPICE and the ticket in one write, as spice-gtk's buffered
    # writes leave: two small ones wait out Nagle and delayed ACK.
    s.sendall(struct.pack("<I", 1) + encrypt_ticket(key, password))
    result = struct.unpack("<I", recv_exact(s, 4))[0]
    if keep and result == 0:
        return result, s
    s.close()
    return result, None


def read_until_closed(s, limit=65536):
    """Read until EOF; returns the bytes. Raises on timeout."""
    out = b""
    while len(out) < limit:
        chunk = s.recv(4096)
        if not chunk:
            return out
        out += chunk
    return out


def expect_error_reply(s):
    """After a bad link message: expect a SpiceLinkReply carrying an
    error, then EOF. Returns the error code."""
    error, _, _ = read_reply(s)
    rest = read_until_closed(s)
    if rest:
        raise ValueError("bytes after the error reply: %r" % rest[:32])
    return error


# --- SASL (SPICE-NOTES 1.9): the client side of the framing -----------------

AUTH_SASL = 2
CAP_AUTH_SASL = 1 << 2
SASL_FAILED = b"Authentication failed\0"


def sasl_begin(port, channel_type=CHANNEL_MAIN):
    """Link, select SASL and read the mechanism list.  Returns (socket,
    list of mechanism names)."""
    s = connect(port)
    mess = link_mess(0, channel_type, 0)
    s.sendall(link_header(len(mess)) + mess)
    error, key, caps = read_reply(s)
    if error != 0:
        raise ValueError("link reply error %s" % ERR.get(error, error))
    if not caps or not caps[0] & CAP_AUTH_SASL:
        raise ValueError("server does not offer SASL (caps %r)" % caps)
    s.sendall(struct.pack("<I", AUTH_SASL))
    n = struct.unpack("<I", recv_exact(s, 4))[0]
    mechlist = recv_exact(s, n).decode()
    return s, [m for m in mechlist.split(",") if m]


def sasl_data(data):
    """A length-prefixed SASL data field: None = no data (length 0); else
    the bytes plus the counted trailing NUL."""
    if data is None:
        return struct.pack("<I", 0)
    return struct.pack("<I", len(data) + 1) + data + b"\0"


def sasl_start(s, mech, data=None):
    s.sendall(struct.pack("<I", len(mech)) + mech + sasl_data(data))


def sasl_read_reply(s):
    """A start/step reply: (data or None, complete)."""
    n = struct.unpack("<I", recv_exact(s, 4))[0]
    data = recv_exact(s, n)[:-1] if n else None
    complete = recv_exact(s, 1)[0]
    return data, complete


def sasl_expect_refusal(s):
    """spiced answers every SASL refusal as a finished exchange plus the
    failure word, then closes: check exactly that."""
    data, complete = sasl_read_reply(s)
    if data is not None or complete != 1:
        raise ValueError("refusal: reply data %r complete %d" % (data, complete))
    word, n = struct.unpack("<II", recv_exact(s, 8))
    msg = recv_exact(s, n)
    if word != 1 or msg != SASL_FAILED:
        raise ValueError("refusal: word %d message %r" % (word, msg))
    rest = read_until_closed(s)
    if rest:
        raise ValueError("bytes after the SASL refusal: %r" % rest[:32])
