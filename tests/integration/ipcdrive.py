# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drive a spiced-worker directly over its IPC socket, as the supervisor
would, for tests of one worker in isolation.

The message numbers and the IPC version are read from shared/ipc-msg.h at
import time, so the one definition of the IPC stays in C; payloads are
packed by the tests that use them.
"""

import json
import os
import re
import select
import socket
import struct
import subprocess

import common
from common import check

_HDR = struct.Struct("<IIII")  # struct ipc_hdr: type, len, session, conn


def _read_definitions():
    path = os.path.join(common.SRCDIR, "shared", "ipc-msg.h")
    with open(path) as f:
        text = f.read()
    version = int(re.search(r"#define\s+SPICED_IPC_VERSION\s+(\d+)", text).group(1))
    types = {m.group(1): int(m.group(2))
             for m in re.finditer(r"\b(IPC_[DW]2[WD]_[A-Z_]+)\s*=\s*(\d+)", text)}
    return version, types


VERSION, TYPES = _read_definitions()
NAMES = {v: k for k, v in TYPES.items()}


def _layout():
    """Struct layouts printed by tests/tools/ipc-layout, built from
    shared/ipc-msg.h by the compiler."""
    out = subprocess.run([os.path.join(common.BUILDDIR, "tests", "tools", "ipc-layout")],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


LAYOUT = _layout()


def client_payload(channel_type, channel_id=0, mini_header=True, common_caps=(),
                   channel_caps=(), peer=b"test-client", transport=0):
    """struct ipc_client for IPC_D2W_CLIENT; unnamed fields stay zero."""
    lay = LAYOUT["ipc_client"]
    buf = bytearray(lay["size"])

    def put(name, data):
        off, size = lay["fields"][name]
        check(len(data) <= size, "%s: %d bytes do not fit in %d" % (name, len(data), size))
        buf[off:off + len(data)] = data
    put("channel_type", bytes([channel_type]))
    put("channel_id", bytes([channel_id]))
    put("mini_header", bytes([1 if mini_header else 0]))
    put("transport", bytes([transport]))
    put("n_common_caps", struct.pack("<I", len(common_caps)))
    put("n_channel_caps", struct.pack("<I", len(channel_caps)))
    put("common_caps", b"".join(struct.pack("<I", c) for c in common_caps))
    put("channel_caps", b"".join(struct.pack("<I", c) for c in channel_caps))
    put("peer", peer + b"\0")
    return bytes(buf)


def send(sock, name, payload=b"", fds=(), session=0, conn=0):
    msg = _HDR.pack(TYPES[name], len(payload), session, conn) + payload
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("%di" % len(fds), *fds))] if fds else []
    sock.sendmsg([msg], anc)


def recv(sock, timeout=5, skip=()):
    """Next message as (name, payload, session, conn); (None, ...) at EOF.
    Messages whose names are in skip are passed over, and so are the
    STATS every worker sends each second."""
    skip = tuple(skip) + ("IPC_W2D_STATS",)
    while True:
        r, _, _ = select.select([sock], [], [], timeout)
        check(r, "an IPC message from the worker within %ds" % timeout)
        data = sock.recv(65536)
        if not data:
            return None, b"", 0, 0
        typ, ln, session, conn = _HDR.unpack_from(data)
        name = NAMES.get(typ, typ)
        if name not in skip:
            return name, data[_HDR.size:_HDR.size + ln], session, conn


def init_payload(version=None, display=b"vm1", flags=1):
    return struct.pack("<II", VERSION if version is None else version, flags) + display.ljust(64, b"\0")


def start_worker(role, tmp, extra_args=(), send_init=True):
    """Start spiced-worker --role=ROLE with fd 3 on a fresh SEQPACKET pair
    (demoted to 65534 in an empty chroot when root); returns (proc, sock)."""
    ipc, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    args = [common.WORKER, "--role=" + role, "--display=vm1", "--debug"] + list(extra_args)
    if common.AS_ROOT:
        empty = os.path.join(tmp, "empty")
        if not os.path.isdir(empty):
            os.mkdir(empty)
        args += ["--uid=65534", "--gid=65534", "--chroot=" + empty]
    fd = theirs.fileno()
    # The worker closes every fd above 3 itself.
    p = subprocess.Popen(args, close_fds=False, preexec_fn=lambda: os.dup2(fd, 3),
                         stderr=open(os.path.join(tmp, "spiced.log"), "a"))
    common._procs.append(p)
    theirs.close()
    if send_init:
        send(ipc, "IPC_D2W_INIT", init_payload())
        name, body, _, _ = recv(ipc)
        check(name == "IPC_W2D_READY", "READY, got %r" % (name,))
        version, pid = struct.unpack("<II", body)
        check(version == VERSION and pid == p.pid, "READY says version %d pid %d" % (version, pid))
    return p, ipc
