#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A compromised worker, for tests/integration/085-evil-worker.py: spiced
runs it in place of spiced-worker (--worker).  Display workers, and main
workers whose plan says "real", become the real spiced-worker (exec).
Otherwise a main worker takes the next line of the plan file named by
$SPICED_EVIL_PLAN in the supervisor's environment (workers get an empty
one, so it is read from /proc/PPID/environ) and sends the supervisor what that line says over its
IPC socket (fd 3), then waits to be stopped:

  ready-pid      READY naming another pid
  ready-version  READY with another IPC version
  ready-short    READY with a 4-byte payload
  ready-fd       READY carrying an fd
  ready-twice    READY, then READY again
  unknown        READY, then a message type nobody defined
  fault          READY, then PRODUCER_FAULT (a display worker's message)
  closed S C     READY, then CONN_CLOSED for session S, connection C
  stats-many     READY, then STATS of more connections than it holds
  stats-foreign S C  READY, then STATS of session S's connection C
  silent         READY, then nothing (the control case: it stays up)

It does not sandbox itself: it stands for a worker whose sandbox was
already beaten, so only the IPC checks are left."""

import fcntl
import os
import socket
import struct
import sys
import time



def supervisor_env():
    """spiced starts workers with an empty environment: what the test set
    for it (the plan, the build and source folders) is read from its
    /proc/PPID/environ."""
    out = {}
    with open("/proc/%d/environ" % os.getppid(), "rb") as f:
        for e in f.read().split(b"\0"):
            k, sep, v = e.partition(b"=")
            if sep and k.startswith(b"SPICED_"):
                out[k.decode()] = v.decode()
    return out


SUPERVISOR_ENV = supervisor_env()
os.environ.update(SUPERVISOR_ENV)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "integration"))
import ipcdrive  # noqa: E402

HDR = struct.Struct("<IIII")


def plan_path():
    if "SPICED_EVIL_PLAN" not in SUPERVISOR_ENV:
        raise SystemExit("evil-worker: no SPICED_EVIL_PLAN in the supervisor's environment")
    return SUPERVISOR_ENV["SPICED_EVIL_PLAN"]


def take_plan_line():
    with open(plan_path(), "r+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        lines = f.read().splitlines()
        f.seek(0)
        f.truncate()
        f.write("".join(line + "\n" for line in lines[1:]))
    return lines[0].split() if lines else ["real"]


def payload(struct_name, **fields):
    """An IPC payload laid out as ipc-layout says; fields are bytes."""
    lay = ipcdrive.LAYOUT[struct_name]
    buf = bytearray(lay["size"])
    for name, data in fields.items():
        off, size = lay["fields"][name]
        buf[off:off + len(data[:size])] = data[:size]
    return bytes(buf)


def ready(version, pid):
    return payload("ipc_ready", version=struct.pack("<I", version),
                   pid=struct.pack("<I", pid))


def send(sock, typ, body=b"", fds=(), session=0, conn=0):
    msg = HDR.pack(typ, len(body), session, conn) + body
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("%di" % len(fds), *fds))] \
        if fds else []
    sock.sendmsg([msg], anc)


def main():
    role = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--role=")), "")
    plan = take_plan_line() if role == "main" else ["real"]
    if plan[0] == "real":
        os.execv(ipcdrive.common.WORKER, [ipcdrive.common.WORKER] + sys.argv[1:])
    sock = socket.socket(fileno=3)
    sock.recv(65536)                    # IPC_D2W_INIT
    T = ipcdrive.TYPES
    good = ready(ipcdrive.VERSION, os.getpid())
    what = plan[0]
    if what == "ready-pid":
        send(sock, T["IPC_W2D_READY"], ready(ipcdrive.VERSION, os.getpid() + 1))
    elif what == "ready-version":
        send(sock, T["IPC_W2D_READY"], ready(ipcdrive.VERSION + 1, os.getpid()))
    elif what == "ready-short":
        send(sock, T["IPC_W2D_READY"], good[:4])
    elif what == "ready-fd":
        send(sock, T["IPC_W2D_READY"], good, fds=[sock.fileno()])
    else:
        send(sock, T["IPC_W2D_READY"], good)
        if what == "ready-twice":
            send(sock, T["IPC_W2D_READY"], good)
        elif what == "unknown":
            send(sock, 299, b"")
        elif what == "fault":
            send(sock, T["IPC_W2D_PRODUCER_FAULT"],
                 payload("ipc_producer_fault", reason=b"forged\0"))
        elif what in ("stats-many", "stats-foreign"):
            one = payload("ipc_conn_stats",
                          session=struct.pack("<I", int(plan[1]) if len(plan) > 1 else 0),
                          conn=struct.pack("<I", int(plan[2]) if len(plan) > 2 else 0),
                          bytes_out=struct.pack("<Q", 1 << 40))
            send(sock, T["IPC_W2D_STATS"],
                 payload("ipc_stats", nconn=struct.pack("<I", 17 if what == "stats-many" else 1),
                         conn=one))
        elif what == "closed":
            send(sock, T["IPC_W2D_CONN_CLOSED"],
                 payload("ipc_conn_closed", reason=b"forged\0"),
                 session=int(plan[1]), conn=int(plan[2]))
    # Wait for the supervisor to stop us (or to close our socket),
    # holding on to the client fds it hands over as a worker would.
    sock.settimeout(30)
    kept = []
    try:
        while True:
            data, anc, _, _ = sock.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
            if not data:
                break
            for level, kind, fds in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    kept += struct.unpack("%di" % (len(fds) // 4), fds[:len(fds) // 4 * 4])
    except OSError:
        pass
    time.sleep(0.1)


main()
