# SPDX-License-Identifier: LGPL-2.1-or-later
"""systemd's fd store played by a test ($NOTIFY_SOCKET with FDSTORE=1), and
what a test needs around processes that outlive their supervisor."""

import array
import ctypes
import os
import select
import socket
import threading

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Processes orphaned below the test come to it (as they go to PID 1
    under systemd), so that it can reap them (reap_orphans())."""
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


class FdStore:
    """$NOTIFY_SOCKET's receiving end with systemd's fd store: FDSTORE=1
    (with FDNAME) keeps the descriptors sent along, FDSTOREREMOVE=1
    forgets a name."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.05)
        self.path = path
        self.fds = []               # [(fd, name)]
        self.polled = set()         # fds dropped once they hang up
        self.lines = []
        # Called on BARRIER=1 before its fd is closed (the answer), to
        # play what may happen meanwhile.
        self.on_barrier = None
        # Read all the time, as systemd does: a full socket (ten
        # datagrams) would block spiced in sd_notify.
        self.lock = threading.Lock()
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped:
            with self.lock:
                self._recv()
                self._hung_up()

    def drain(self):
        with self.lock:
            while self._recv():
                pass

    def _recv(self):
        """One datagram, if one comes within 50 ms; whether one came."""
        try:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(253 * 4))
        except (socket.timeout, BlockingIOError):
            return False
        got = array.array("i")
        for level, typ, raw in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                got.frombytes(raw[:len(raw) - len(raw) % 4])
        fields = dict(ln.split("=", 1) for ln in data.decode().splitlines() if "=" in ln)
        self.lines += data.decode().splitlines()
        name = fields.get("FDNAME", "stored")
        if fields.get("FDSTOREREMOVE") == "1":
            for fd, n in [x for x in self.fds if x[1] == name]:
                os.close(fd)
                self.fds.remove((fd, n))
                self.polled.discard(fd)
        if fields.get("BARRIER") == "1" and self.on_barrier is not None:
            self.on_barrier()
        if fields.get("FDSTORE") == "1":
            self.fds += [(fd, name) for fd in got]
            if fields.get("FDPOLL") != "0":
                self.polled |= set(got)
        else:
            for fd in got:
                os.close(fd)
        return True

    def _hung_up(self):
        """As systemd does without FDPOLL=0: a stored fd that hangs up
        (its peer closed) or fails is dropped from the store."""
        p = select.poll()
        for fd in self.polled:
            p.register(fd, 0)
        for fd, ev in p.poll(0):
            if ev & (select.POLLHUP | select.POLLERR):
                self.polled.discard(fd)
                self.fds = [x for x in self.fds if x[0] != fd]
                os.close(fd)

    def names(self):
        self.drain()
        return [n for _, n in self.fds]

    def activate(self):
        """What systemd passes the next start: [(holder, name)]."""
        self.drain()

        class Fd:
            def __init__(self, fd):
                self.fd = fd

            def fileno(self):
                return self.fd
        return [(Fd(fd), name) for fd, name in self.fds]

    def take(self, name):
        """Remove the fds stored under name from the store; returns them."""
        self.drain()
        with self.lock:
            fds = [fd for fd, n in self.fds if n == name]
            self.fds = [x for x in self.fds if x[1] != name]
            self.polled -= set(fds)
        return fds

    def put(self, fd, name):
        """Store fd under name (taken), as FDSTORE=1 with FDPOLL=0."""
        with self.lock:
            self.fds.append((fd, name))

    def drop(self):
        """systemctl stop: the store is closed unread."""
        self.drain()
        with self.lock:
            for fd, _ in self.fds:
                os.close(fd)
            self.fds = []
            self.polled = set()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # An orphan we reaped as subreaper is gone; a zombie is not alive.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def reap_orphans():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def workers_left():
    """pids of spiced workers and relays orphaned to the test (its
    subreaper) still running, after reaping those that ended."""
    import common
    reap_orphans()
    return [p for p in common.children(os.getpid())
            if comm(p) in ("spiced-worker", "spiced-relay")]


def finish(sp, store, kept=True):
    """Stop spiced as `systemctl stop` does: SIGTERM (it hands over its
    workers, which go on: kept), then the fd store goes; wait until every
    worker it left has ended."""
    import common
    sp.stop()
    left = workers_left()
    common.check(bool(left) == kept, "workers left to the fd store at SIGTERM: %r" % left)
    store.drop()
    common.wait_for(lambda: not workers_left(), 10, "the kept workers to end")

