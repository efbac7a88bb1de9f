# SPDX-License-Identifier: LGPL-2.1-or-later
"""wsclient: a small RFC 6455 client for tests that speak SPICE inside
WebSocket frames, written from the RFC (opening handshake 4.1, framing 5,
close 7).

WSSocket looks enough like a socket (sendall, recv, pending, fileno,
setblocking, settimeout, close) for rawlink's reply reader and rawspice's
Channel to run over it unchanged; raw_send() writes bytes below the
framing, for malformed frames.

    ws = wsclient.WSSocket(port)              # handshake, 101 checked
    res, ws = wsclient.link(port, password)   # a SPICE link in frames
    ch = rawspice.MainChannel(ws)             # ... and on from there
"""

import base64
import hashlib
import os
import select
import socket
import struct
import time

import rawlink

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class HandshakeRefused(Exception):
    """The server answered the upgrade with something other than 101."""

    def __init__(self, status, head):
        Exception.__init__(self, "upgrade refused: %d" % status)
        self.status = status
        self.head = head


def request(key, protocol="binary", path="/", version="13", host=True,
            extra=""):
    r = "GET %s HTTP/1.1\r\n" % path
    if host:
        r += "Host: 127.0.0.1\r\n"
    r += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    if key is not None:
        r += "Sec-WebSocket-Key: %s\r\n" % key
    if version is not None:
        r += "Sec-WebSocket-Version: %s\r\n" % version
    if protocol is not None:
        r += "Sec-WebSocket-Protocol: %s\r\n" % protocol
    return (r + extra + "\r\n").encode()


def accept_for(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def frame(payload, opcode=OP_BINARY, fin=True, masked=True, rsv=0,
          length=None, mask=None):
    """One client frame; length overrides the length field (lies)."""
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    m = 0x80 if masked else 0
    if n < 126:
        hdr = struct.pack("!BB", b0, m | n)
    elif n <= 0xFFFF:
        hdr = struct.pack("!BBH", b0, m | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, m | 127, n)
    if not masked:
        return hdr + payload
    mask = os.urandom(4) if mask is None else mask
    return hdr + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


def read_head(s, limit=8192):
    """Read an HTTP response head byte by byte (nothing after it)."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        c = s.recv(1)
        if not c:
            raise EOFError("closed after %d bytes of the HTTP reply: %r"
                           % (len(head), head[:80]))
        head += c
        if len(head) > limit:
            raise ValueError("HTTP reply head over %d bytes" % limit)
    return head


def parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    fields = {}
    for line in lines[1:]:
        if line:
            k, v = line.split(":", 1)
            fields[k.strip().lower()] = v.strip()
    return status, fields


class WSSocket:
    """A client WebSocket over TCP carrying one byte stream."""

    def __init__(self, port, protocol="binary", timeout=10, req=None,
                 pieces=1, host="127.0.0.1", path="/", ssl_ctx=None):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if ssl_ctx is not None:     # wss://
            self.sock = ssl_ctx.wrap_socket(self.sock, server_hostname=host)
        self.key = base64.b64encode(os.urandom(16)).decode()
        data = req if req is not None else request(self.key, protocol, path)
        step = max(1, -(-len(data) // pieces))
        for i in range(0, len(data), step):
            self.sock.sendall(data[i:i + step])
            if pieces > 1:
                time.sleep(0.05)
        head = read_head(self.sock)
        status, fields = parse_head(head)
        if status != 101:
            raise HandshakeRefused(status, head)
        if fields.get("sec-websocket-accept") != accept_for(self.key):
            raise ValueError("bad Sec-WebSocket-Accept %r"
                             % fields.get("sec-websocket-accept"))
        if fields.get("upgrade", "").lower() != "websocket":
            raise ValueError("bad Upgrade %r" % fields.get("upgrade"))
        want_proto = "binary" if protocol is not None else None
        if fields.get("sec-websocket-protocol") != want_proto:
            raise ValueError("Sec-WebSocket-Protocol %r, want %r"
                             % (fields.get("sec-websocket-protocol"), want_proto))
        self.fields = fields
        self.raw = b""          # received, not yet decoded
        self.data = bytearray()  # decoded payload, not yet read
        self.close_code = None  # the server's close frame, once seen
        self.eof = False
        self.pongs = []
        self.frames = []        # (opcode, length) of every server frame
        self.texts = []         # whole text messages (DevTools speaks text)
        self.partial = None     # a text message still in fragments
        self.max_frame = 1 << 20  # split sendall() into frames this big

    # -- socket look-alike ----------------------------------------------
    def fileno(self):
        return self.sock.fileno()

    def setblocking(self, flag):
        self.sock.setblocking(flag)

    def settimeout(self, t):
        self.sock.settimeout(t)

    def pending(self):
        # Control frames already here are handled first, so that a caller
        # told "pending" finds payload, not a pong, and recv() does not
        # block.  A TLS socket may hold decrypted bytes select() cannot see.
        while self._decode_one():
            pass
        return len(self.data) or getattr(self.sock, "pending", lambda: 0)()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def sendall(self, data):
        for i in range(0, max(1, len(data)), self.max_frame):
            self.sock.sendall(frame(data[i:i + self.max_frame]))

    def raw_send(self, data):
        self.sock.sendall(data)

    def send_text(self, text):
        self.sock.sendall(frame(text.encode(), OP_TEXT))

    def next_text(self, timeout=10):
        """The next whole text message."""
        end = time.monotonic() + timeout
        while not self.texts:
            if self._decode_one():
                continue
            if self.eof or self.close_code is not None:
                raise EOFError("WebSocket closed")
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no text message within %.1fs" % timeout)
            rr, _, _ = select.select([self.sock], [], [], left)
            if rr:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    self.eof = True
                self.raw += chunk
        return self.texts.pop(0)

    def recv(self, n):
        """Up to n payload bytes; b"" once the server closed (by a close
        frame or EOF)."""
        while not self.data:
            if self.close_code is not None or self.eof:
                return b""
            if not self._decode_one():
                chunk = self.sock.recv(65536)
                if not chunk:
                    self.eof = True
                    continue
                self.raw += chunk
        out = bytes(self.data[:n])
        del self.data[:n]
        return out

    # -- framing --------------------------------------------------------
    def _frame_ready(self):
        r = self.raw
        if len(r) < 2:
            return False
        n = r[1] & 0x7F
        hl = 2 + (2 if n == 126 else 8 if n == 127 else 0)
        if len(r) < hl:
            return False
        if n == 126:
            n = struct.unpack_from("!H", r, 2)[0]
        elif n == 127:
            n = struct.unpack_from("!Q", r, 2)[0]
        return len(r) >= hl + n

    def _decode_one(self):
        """Decode one whole server frame from self.raw; False if none."""
        if not self._frame_ready():
            return False
        r = self.raw
        b0, b1 = r[0], r[1]
        if b1 & 0x80:
            raise ValueError("server sent a masked frame")
        if b0 & 0x70:
            raise ValueError("server set reserved bits")
        n = b1 & 0x7F
        hl = 2
        if n == 126:
            n = struct.unpack_from("!H", r, 2)[0]
            hl = 4
        elif n == 127:
            n = struct.unpack_from("!Q", r, 2)[0]
            hl = 10
        payload = r[hl:hl + n]
        self.raw = r[hl + n:]
        op = b0 & 0x0F
        self.frames.append((op, n))
        if op == OP_TEXT or (op == OP_CONT and self.partial is not None):
            self.partial = (self.partial or b"") + payload
            if b0 & 0x80:
                self.texts.append(self.partial.decode())
                self.partial = None
        elif op in (OP_BINARY, OP_CONT):
            self.data += payload
        elif op == OP_CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        elif op == OP_PONG:
            self.pongs.append(payload)
        elif op == OP_PING:
            self.sock.sendall(frame(payload, OP_PONG))
        else:
            raise ValueError("server frame opcode %d" % op)
        return True

    def wait_pong(self, timeout=5):
        """Read frames until a pong arrives (payload is kept for recv());
        returns it."""
        end = time.monotonic() + timeout
        seen = len(self.pongs)
        while len(self.pongs) == seen:
            if self._decode_one():
                continue
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no pong within %.1fs" % timeout)
            pend = getattr(self.sock, "pending", lambda: 0)()
            rr, _, _ = select.select([self.sock], [], [], 0 if pend else left)
            if rr or pend:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError("closed while waiting for a pong")
                self.raw += chunk
        return self.pongs[-1]

    def wait_close(self, timeout=5):
        """Read until the server's close frame and then EOF; returns the
        close code (None if the server only closed the socket)."""
        end = time.monotonic() + timeout
        while not self.eof:
            while self._decode_one():
                pass
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("connection still open after %.1fs" % timeout)
            rr, _, _ = select.select([self.sock], [], [], left)
            if not rr:
                continue
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.eof = True
            self.raw += chunk
        while self._decode_one():
            pass
        return self.close_code


def link(port, password, channel_type=rawlink.CHANNEL_MAIN, connection_id=0,
         channel_id=0, channel_caps=(0x0F,), after_ticket=b"", split=False,
         ssl_ctx=None):
    """A SPICE link inside frames.  The mechanism, the ticket and
    after_ticket go in one frame (so the supervisor must stop inside it and
    hand the rest to the worker), or, if split, the ticket's frame is cut
    at byte 77 and a ping is sent between the pieces.  Returns
    (result, WSSocket or None)."""
    ws = WSSocket(port, ssl_ctx=ssl_ctx)
    mess = rawlink.link_mess(connection_id, channel_type, channel_id,
                             channel_caps=channel_caps)
    ws.sendall(rawlink.link_header(len(mess)) + mess)
    error, key, _ = rawlink.read_reply(ws)
    if error != 0:
        ws.close()
        return error, None
    data = struct.pack("<I", 1) + rawlink.encrypt_ticket(key, password) + after_ticket
    if split:
        ws.raw_send(frame(data[:77]))
        ws.raw_send(frame(b"link-ping", OP_PING))
        ws.raw_send(frame(data[77:]))
    else:
        ws.sendall(data)
    result = struct.unpack("<I", rawlink.recv_exact(ws, 4))[0]
    if result != 0:
        ws.close()
        return result, None
    return 0, ws
