# SPDX-License-Identifier: LGPL-2.1-or-later
"""Integration-test harness: start spiced and producers on loopback, find
their workers, stop everything by pid.

Every test runs its own spiced with its own temporary directory, config,
ports and sockets, so tests run in parallel under automake's harness.
Nothing listens beyond 127.0.0.1 and UNIX sockets, and every process a test
starts is killed by pid when the test ends, pass or fail.

Exit codes follow automake: 0 pass, 1 fail, 77 skip.
"""

import atexit
import fcntl
import glob
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

BUILDDIR = os.environ.get("SPICED_BUILDDIR",
                          os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
SRCDIR = os.environ.get("SPICED_SRCDIR",
                        os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
SPICED = os.path.join(BUILDDIR, "daemon", "spiced")
WORKER = os.path.join(BUILDDIR, "workers", "spiced-worker")
TESTSRC = os.path.join(BUILDDIR, "producers", "testsrc", "qxl-shm-testsrc")
SPICED_X11 = os.path.join(BUILDDIR, "producers", "x11", "spiced-x11")
BAD_PRODUCER = os.path.join(BUILDDIR, "tests", "tools", "bad-producer")
SCRIPT_PRODUCER = os.path.join(BUILDDIR, "tests", "tools", "script-producer")
IMAGE_DEC = os.path.join(BUILDDIR, "tests", "tools", "image-dec")
SPICECTL = os.path.join(BUILDDIR, "ctl", "spicectl")

AS_ROOT = os.geteuid() == 0

_procs = []
_dirs = []
_hooks = []


def atexit_first(fn):
    """Call fn at exit before processes are stopped and directories
    removed (a container must stop before its root goes)."""
    _hooks.append(fn)


def _cleanup():
    for fn in reversed(_hooks):
        try:
            fn()
        except Exception as e:      # the rest of the cleanup still runs
            print("cleanup: %r" % e, file=sys.stderr)
    for p in reversed(_procs):
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    for d in _dirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


class TestFailure(Exception):
    pass


def check(cond, what):
    """Assert with a message that says what was expected."""
    if not cond:
        raise TestFailure(what)


def wait_for(pred, timeout, what, interval=0.05):
    """Poll pred() until it returns a true value; fail with `what`."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise TestFailure("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


_ports_given = set()


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(v) for v in f.read().split())
        return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


# Ports given to this test, reserved against the other tests running at
# the same time (make check -j): a file each, naming our pid, in a
# directory they share; a reservation whose test is gone is taken over.
_PORTS_DIR = "/tmp/spiced-test-ports"


def _reserve_port(port):
    try:
        os.makedirs(_PORTS_DIR, exist_ok=True)
        os.chmod(_PORTS_DIR, 0o1777)
    except OSError:
        pass
    path = os.path.join(_PORTS_DIR, str(port))
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                with open(path) as f:
                    owner = int(f.read() or 0)
                os.kill(owner, 0)
                return False        # another test's, alive
            except (OSError, ValueError):
                try:                # its test is gone: take it over
                    os.unlink(path)
                except OSError:
                    return False
                continue
        except OSError:
            return True             # no shared directory: as before
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        return True
    return False


@atexit.register
def _release_ports():
    for port in _ports_given:
        try:
            with open(os.path.join(_PORTS_DIR, str(port))) as f:
                if int(f.read() or 0) == os.getpid():
                    os.unlink(os.path.join(_PORTS_DIR, str(port)))
        except (OSError, ValueError):
            pass


def free_port():
    """A loopback TCP port free now, below the kernel's ephemeral range (a
    port bind(0) hands out is one every outgoing connection of a parallel
    test may take before the server binds it), and given to no other test
    running (two tests picking the same free port would race to bind it)."""
    lo, _hi = _ephemeral_range()
    for _ in range(200):
        port = random.SystemRandom().randrange(max(1024, lo - 20000), lo)
        if port in _ports_given:
            continue        # given already: not bound yet, maybe
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            s.close()
        if _reserve_port(port):
            _ports_given.add(port)
            return port
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tmpdir():
    d = tempfile.mkdtemp(prefix="spiced-test.")
    os.chmod(d, 0o755)
    _dirs.append(d)
    return d


def status_fields(pid):
    """/proc/PID/status as a dict (None if the process is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except FileNotFoundError:
        return None


def children(pid):
    """Direct children of pid, from /proc/*/stat."""
    out = []
    for ent in os.listdir("/proc"):
        if not ent.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % ent) as f:
                stat = f.read()
        except OSError:
            continue
        # Field 4 (ppid) follows the parenthesised command name.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(ent))
    return out


def cpu_seconds(pid, tid=None):
    """CPU time of process pid (the sum of its threads), or of its thread
    tid, in seconds (0 if it is gone), from the scheduler's nanosecond
    counts (/proc/PID/task/TID/schedstat): utime + stime come in 10 ms
    ticks, too coarse for what benchmarks measure.  A kernel without
    schedstat gets utime + stime."""
    try:
        tids = [tid] if tid is not None else [int(t) for t in os.listdir("/proc/%d/task" % pid)]
        with open("/proc/%d/task/%d/schedstat" % (pid, tids[0])):
            pass
    except (OSError, IndexError):
        tids = None
    if tids is not None:
        ns = 0
        for t in tids:
            try:
                with open("/proc/%d/task/%d/schedstat" % (pid, t)) as f:
                    ns += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass        # a thread that ended meanwhile
        return ns / 1e9
    path = "/proc/%d/stat" % pid if tid is None else "/proc/%d/task/%d/stat" % (pid, tid)
    try:
        with open(path) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def environ(pid):
    """The non-empty entries of /proc/PID/environ (bytes)."""
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            return [e for e in f.read().split(b"\0") if e.strip(b"\0")]
    except OSError:
        return []


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def wakeups(pid):
    """How many times the process has slept and been woken so far
    (voluntary context switches)."""
    with open("/proc/%d/status" % pid) as f:
        return int(next(l.split()[1] for l in f if l.startswith("voluntary_ctxt_switches")))


class Spiced:
    """A spiced supervisor with one display, on a free loopback port."""

    def __init__(self, name="t", password="secret", extra="", worker_uid=None,
                 link_timeout=None, max_preauth=None, debug=True, run_as=None,
                 global_extra="", ticket=True, env=None, worker=None, activate=None,
                 child_setup=None, wait_ready=True, service_user=None):
        """run_as: a uid to run spiced (and its producers) as, from root:
        the unprivileged mode, with no worker-user.  global_extra: lines
        for the global part, before the display section.  ticket=False:
        no password/disable-ticketing line (SASL displays).  env: extra
        environment variables for spiced (KRB5_KTNAME, ...).  worker: another
        worker program (tests/tools/evil-worker.py).  activate: [(socket,
        name)] handed over as systemd's socket activation does.  child_setup:
        a function run in spiced's process before exec (after its stdio is
        in place).  wait_ready=False: do not wait for the "ready" line in
        the log (it goes elsewhere).  service_user=(uid, caps): run spiced
        as uid holding only caps (names as setpriv(1) spells them) as
        ambient capabilities and bounding set, the way spiced.service's
        User= and AmbientCapabilities= start it; worker-user is set."""
        self.dir = tmpdir()
        self.run_as = run_as
        if run_as is not None:
            os.chown(self.dir, run_as, run_as)
        if service_user is not None:
            os.chown(self.dir, service_user[0], service_user[0])
        self.name = name
        self.port = free_port()
        self.password = password
        self.producer_socket = os.path.join(self.dir, name + ".qxl")
        self.unix_socket = os.path.join(self.dir, name + ".sock")
        self.log_path = os.path.join(self.dir, "spiced.log")
        privileged = AS_ROOT and run_as is None
        if worker_uid is None and privileged:
            # A numeric id with no passwd entry, distinct per test run.
            worker_uid = 61000 + os.getpid() % 3000
        self.worker_uid = worker_uid if privileged else (
            run_as if run_as is not None else os.geteuid())
        lines = ["run-dir = %s" % self.dir] + (
            [global_extra] if global_extra else []) + [
                 '[display "%s"]' % name,
                 "listen = 127.0.0.1:%d" % self.port,
                 "unix-socket = %s" % self.unix_socket,
                 "producer-socket = %s" % self.producer_socket]
        if privileged:
            lines.append("worker-user = %d:%d" % (worker_uid, worker_uid))
        if not ticket:
            pass
        elif password is None:
            lines.append("disable-ticketing = yes")
        else:
            lines.append('password = "%s"' % password)
        if link_timeout is not None:
            lines.append("link-timeout = %d" % link_timeout)
        if max_preauth is not None:
            lines.append("max-preauth = %d" % max_preauth)
        if extra:
            lines.append(extra)
        self.conf_path = os.path.join(self.dir, "spiced.conf")
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log = open(self.log_path, "w+")
        args = []
        if service_user is not None:
            uid, caps = service_user
            caps = ",".join("+" + c for c in caps)
            args = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups",
                    "--inh-caps=-all," + caps, "--ambient-caps=-all," + caps,
                    "--bounding-set=-all," + caps, "--"]
        args += [SPICED, "--foreground", "--config", self.conf_path,
                "--worker", worker or WORKER, "--test-triggers"]
        if debug:
            args.append("--debug")
        self._env = env or {}
        self._child_setup = child_setup
        self._activate(activate)
        self.proc = self._popen(args)
        _procs.append(self.proc)
        if wait_ready:
            self.wait_log(r"\bready$", 10)

    def _activate(self, activate):
        setup = systemd_child_setup(activate or [], self._env)

        def child():
            setup()
            if self._child_setup is not None:
                self._child_setup()
            self._demote()
        self._child = child
        self._pass_fds = range(3, 3 + len(activate or []))

    def _popen(self, args):
        """Popen spiced.  subprocess makes each of pass_fds inheritable in
        the child before preexec_fn runs (which moves the sockets to
        them), so each must be open here: a number no longer open gets
        /dev/null meanwhile."""
        held = []
        for fd in self._pass_fds:
            try:
                os.fstat(fd)
            except OSError:
                null = os.open(os.devnull, os.O_RDONLY)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)
                held.append(fd)
        try:
            return subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                    preexec_fn=self._child, pass_fds=self._pass_fds)
        finally:
            for fd in held:
                os.close(fd)

    def restart(self, activate=None):
        """Start spiced again with the same configuration (and the same
        sockets, if systemd's were passed), as systemd's Restart= would
        after it died; activate: other [(fd holder, name)] to pass, as
        systemd passes what its fd store kept."""
        if activate is not None:
            self._activate(activate)
        mark = self.log_mark()
        self.proc = self._popen(self.proc.args)
        _procs.append(self.proc)
        self.wait_log(r"\bready$", 10, mark)

    def _demote(self):
        if self.run_as is not None:
            os.setgroups([])
            os.setgid(self.run_as)
            os.setuid(self.run_as)

    @property
    def pid(self):
        return self.proc.pid

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, pattern, timeout=10, start=0, client=None):
        """Wait until a log line matches pattern; returns the match.  With
        a spice_client client, its GLib loop runs meanwhile (for waits
        during which the client must act)."""
        rx = re.compile(pattern, re.M)
        found = [None]

        def find():
            check(self.proc.poll() is None,
                  "spiced exited with status %s" % self.proc.returncode)
            found[0] = rx.search(self.log_text(), start)
            return found[0]
        if client is not None:
            client.wait_until(find, timeout, "log line /%s/" % pattern)
            return found[0]
        return wait_for(find, timeout, "log line /%s/" % pattern)

    def log_mark(self):
        return len(self.log_text())

    def alive(self):
        return self.proc.poll() is None

    def uri(self):
        return "spice://127.0.0.1:%d" % self.port

    def workers(self, role, display=None):
        """pids of this spiced's workers of a role (main, display), of
        one display's only when display is given."""
        want = ("--role=%s" % role).encode()
        return [p for p in children(self.pid) if want in cmdline(p) and
                (display is None or ("--display=%s" % display).encode() in cmdline(p))]

    def start_producer(self, *args, wait_attached=True):
        mark = self.log_mark()
        p = subprocess.Popen([TESTSRC, "--socket", self.producer_socket] + list(args),
                             stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=self._demote)
        _procs.append(p)
        if wait_attached:
            self.wait_log(r'producer .* attached', 10, mark)
        return p

    def start_bad_producer(self, *args):
        p = subprocess.Popen([BAD_PRODUCER, "--socket", self.producer_socket] + list(args),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        _procs.append(p)
        return p

    @property
    def control_socket(self):
        """The default control socket: RUN-DIR/control."""
        return os.path.join(self.dir, "control")

    def spicectl(self, *args, input=None, run_as=None, timeout=15):
        """Run spicectl against this spiced's control socket; returns the
        CompletedProcess (text mode)."""
        def demote():
            if run_as is not None:
                os.setgroups([])
                os.setgid(run_as)
                os.setuid(run_as)
        return subprocess.run([SPICECTL, "-s", self.control_socket] + list(args),
                              input=input, capture_output=True, text=True,
                              timeout=timeout, preexec_fn=demote)

    def list_json(self):
        """`spicectl --json list`, parsed."""
        import json
        r = self.spicectl("--json", "list")
        check(r.returncode == 0, "spicectl list failed: %s" % r.stderr)
        return json.loads(r.stdout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)


def systemd_child_setup(activate, env):
    """A preexec_fn that sets env in the child and, as systemd does, puts
    the sockets of activate ([(socket, name or None)]) on fds 3..,
    with LISTEN_FDS, LISTEN_PID (the child's pid) and LISTEN_FDNAMES (left
    out if any name is None, which systemd reads as "unknown").  A
    WATCHDOG_USEC in env gets WATCHDOG_PID beside it."""
    def setup():
        os.environ.update(env)
        pid = str(os.getpid())
        if "WATCHDOG_USEC" in env:
            os.environ["WATCHDOG_PID"] = pid
        if not activate:
            return
        # Out of the way first: a source may sit on a target number.
        high = [fcntl.fcntl(sock.fileno(), fcntl.F_DUPFD, 100) for sock, _ in activate]
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)
            os.close(fd)
        os.environ["LISTEN_FDS"] = str(len(activate))
        os.environ["LISTEN_PID"] = pid
        names = [name for _, name in activate]
        if None not in names:
            os.environ["LISTEN_FDNAMES"] = ":".join(names)
    return setup


def wait_producer_socket(sp, timeout=5):
    wait_for(lambda: os.path.exists(sp.producer_socket), timeout, "producer socket")


def producer_uid():
    """A numeric uid for producers (spiced-x11 and spiced-qemu refuse
    root) when the tests run as root, distinct per test run; None
    otherwise (they run as us)."""
    return 62000 + os.getpid() % 3000 if AS_ROOT else None


def producer_conf(uid):
    """spiced.conf lines that let uid attach as the display's producer."""
    return "producer-user = %d:%d" % (uid, uid) if uid is not None else ""


def demote_fn(uid):
    """A preexec_fn that runs the child as uid (None: as we are)."""
    def demote():
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
    return demote


class ScriptProducer:
    """tests/tools/script-producer attached to sp's producer socket, run as
    the producer user; say() sends one line of commands and waits for its
    "ok"."""

    def __init__(self, sp):
        self.proc = subprocess.Popen([SCRIPT_PRODUCER, "--socket", sp.producer_socket],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=sp.log, text=True, bufsize=1,
                                     preexec_fn=sp._demote)
        _procs.append(self.proc)
        check(self.proc.stdout.readline().strip() == "ready", "script-producer did not attach")

    def say(self, line):
        check(self.ask(line) == [], "script-producer: %r printed more than ok" % line)

    def ask(self, line):
        """Send line; the lines it printed before its "ok"."""
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = []
        while True:
            got = self.proc.stdout.readline().strip()
            if got == "ok":
                return out
            check(got != "" and not got.startswith(("dropped", "unknown")),
                  "script-producer: %r answered %r" % (line, got))
            out.append(got)


def script_photo(model, width, x0, y0, w, h, s):
    """What script-producer's `photo X0 Y0 W H S` draws, into model (the
    RGB bytes of a picture width pixels wide)."""
    for y in range(h):
        cy, sy = math.cos(y / 11.0), math.sin(y / 7.0)
        for x in range(w):
            o = ((y0 + y) * width + x0 + x) * 3
            model[o:o + 3] = bytes((int(128 + 100 * math.sin(x / 9.0 + s) * cy),
                                    int(128 + 100 * sy * math.cos(x / 13.0 + s)),
                                    int(128 + 100 * math.sin((x + y) / 10.0))))


def script_vivid(model, width, x0, y0, w, h, s):
    """What script-producer's `vivid X0 Y0 W H S` draws, into model."""
    for y in range(h):
        o = ((y0 + y) * width + x0) * 3
        model[o:o + 3 * w] = b"".join(
            bytes((28 + (3 * x + 7 * s) % 200, 60 + (x + 2 * y + 29 * s) % 256 // 2,
                   28 + (x * y // 64 + 13 * s) % 200)) for x in range(w))


def script_noise(model, width, x0, y0, w, h, seed):
    """What script-producer's `bitmap X0 Y0 W H SEED` draws, into model."""
    m = 0xffffffff
    for y in range(h):
        for x in range(w):
            v = ((x * 73856093) & m ^ (y * 19349663) & m ^ (seed * 83492791) & m) & 0xffffff
            o = ((y0 + y) * width + x0 + x) * 3
            model[o:o + 3] = bytes((v >> 16, (v >> 8) & 255, v & 255))


def pattern_rgb(width, height, seed=1):
    """A deterministic test picture with edges, gradients and noise, so
    that an off-by-one in rows, columns or channels shows."""
    import random
    rnd = random.Random(seed)
    out = bytearray(width * height * 3)
    for y in range(height):
        for x in range(width):
            i = (y * width + x) * 3
            if (x // 16 + y // 16) % 2:
                out[i:i + 3] = bytes((x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), 128))
            else:
                out[i:i + 3] = bytes((rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    return bytes(out)


def run(main):
    """Run a test's main(); print PASS/FAIL with the time, keep the spiced
    logs on failure, and exit with automake's codes."""
    t0 = time.monotonic()
    name = os.path.basename(sys.argv[0])
    try:
        rc = main()
    except SkipTest as e:
        print("SKIP: %s: %s" % (name, e))
        _cleanup()
        sys.exit(77)
    except Exception:
        traceback.print_exc()
        # spiced.log, and whatever else a test logged beside it (the
        # browser's, the KDC's).
        for d in _dirs:
            for log in sorted(glob.glob(os.path.join(d, "*.log"))):
                print("---- %s ----" % log)
                with open(log, errors="replace") as f:
                    print(f.read()[-20000:])
        print("FAIL: %s (%.1fs)" % (name, time.monotonic() - t0))
        _cleanup()
        sys.exit(1)
    print("PASS: %s (%.1fs)" % (name, time.monotonic() - t0))
    _cleanup()
    sys.exit(rc or 0)


class SkipTest(Exception):
    pass
