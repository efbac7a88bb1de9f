# SPDX-License-Identifier: LGPL-2.1-or-later
"""The client end of a main channel handed straight to a main worker
(tests that drive a worker as the supervisor would)."""

import select
import socket
import struct

import ipcdrive
from common import check

SESSION, CONN = 4242, 7
MSG_PING, MSGC_PONG, MSG_MAIN_NAME = 4, 3, 113


class MainClient:
    """The client end of a main channel handed to the worker."""

    def __init__(self, ipc, mini=True):
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.mini = mini
        self.names = []     # MAIN_NAME bodies, taken aside as they come
        payload = ipcdrive.client_payload(1, mini_header=mini, common_caps=[0xf],
                                          channel_caps=[0xf], peer=b"127.0.0.1:5555")
        ipcdrive.send(ipc, "IPC_D2W_CLIENT", payload, [theirs.fileno()], SESSION, CONN)
        theirs.close()

    def send(self, typ, body=b""):
        if self.mini:
            self.sock.sendall(struct.pack("<HI", typ, len(body)) + body)
        else:
            self.sock.sendall(struct.pack("<QHII", 1, typ, len(body), 0) + body)

    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            x = self.sock.recv(n - len(b))
            if not x:
                raise EOFError("server closed after %d of %d bytes" % (len(b), n))
            b += x
        return b

    def recv_any(self):
        if self.mini:
            typ, size = struct.unpack("<HI", self.recv_exact(6))
        else:
            _, typ, size, _ = struct.unpack("<QHII", self.recv_exact(18))
        return typ, self.recv_exact(size)

    def _aside(self, typ, body):
        """PINGs are answered as a client does (the worker pings once at
        the start, then every 10 s) and MAIN_NAME kept in self.names:
        True for those, which the tests' sequences leave out."""
        if typ == MSG_PING:
            self.send(MSGC_PONG, body[:12])
        elif typ == MSG_MAIN_NAME:
            self.names.append(body)
        else:
            return False
        return True

    def recv(self):
        """The next message but those _aside() takes."""
        while True:
            typ, body = self.recv_any()
            if not self._aside(typ, body):
                return typ, body

    def expect(self, typ):
        t, body = self.recv()
        check(t == typ, "expected message %d, got %d" % (typ, t))
        return body

    def closed(self):
        """True when the server closed the connection with nothing but
        what _aside() takes before its end."""
        try:
            while True:
                typ, _ = self.recv_any()
                if typ not in (MSG_PING, MSG_MAIN_NAME):
                    return False
        except (EOFError, ConnectionResetError):
            return True

    def nothing_pending(self, wait=0.3):
        """No message but those _aside() takes within wait seconds."""
        hdr = 6 if self.mini else 18
        while True:
            r, _, _ = select.select([self.sock], [], [], wait)
            if not r:
                return True
            head = self.sock.recv(hdr, socket.MSG_PEEK)
            if len(head) < hdr:
                return False
            typ = struct.unpack_from("<H", head, 0 if self.mini else 8)[0]
            if typ not in (MSG_PING, MSG_MAIN_NAME):
                return False
            self._aside(*self.recv_any())




def expect_session_end(p, ipc, reason_part):
    typ, body, session, conn = ipcdrive.recv(ipc)
    check(typ == "IPC_W2D_CONN_CLOSED", "CONN_CLOSED, got %r" % typ)
    reason = body.split(b"\0", 1)[0].decode()
    check(session == SESSION and conn == CONN, "CONN_CLOSED for %d/%d" % (session, conn))
    check(reason_part in reason, "close reason %r lacks %r" % (reason, reason_part))
    check(p.wait(timeout=5) == 0, "worker exit status %s" % p.returncode)
