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


def connect(port, host="127.0.0.1", timeout=10):
    s = socket.create_connection((host, port), timeout=timeout)
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
         keep=False):
    """Run a whole link; returns (result_code, socket or None).
    result_code is the reply error if non-zero, else the u32 link result."""
    s = connect(port)
    mess = link_mess(connection_id, channel_type, channel_id)
    s.sendall(link_header(len(mess)) + mess)
    error, key, caps = read_reply(s)
    if error != 0:
        s.close()
        return error, None
    s.sendall(struct.pack("<I", 1))  # AUTH_SPICE
    s.sendall(encrypt_ticket(key, password))
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
