# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real systemd for the tests, booted in a root of its own
(shared/DESIGN.md section 9: never on the machine's own root): a Debian
minbase made by mmdebstrap with systemd and spiced's runtime libraries,
spiced installed into it by `make install`, booted by systemd-nspawn on
the host's network, driven with nsenter into the container's systemd.

Container(...) builds and boots; run() runs a command inside; stop()
(also at exit) stops the container and removes the cgroups it leaves."""

import os
import shutil
import signal
import subprocess
import time

import common

# What the root gets besides spiced's own libraries.
BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus"]
# The programs whose libraries the root must have.
PROGRAMS = ["daemon/spiced", "workers/spiced-worker", "producers/qemu/spiced-qemu",
            "ctl/spicectl"]


def configured(var):
    """A variable of the build's Makefile (prefix, ...)."""
    with open(os.path.join(common.BUILDDIR, "Makefile")) as f:
        for line in f:
            if line.startswith(var + " = "):
                return line.split("=", 1)[1].strip()
    raise common.TestFailure("no %s in the Makefile" % var)


def need():
    """Skip unless this machine can boot a container: root, mmdebstrap,
    systemd-nspawn; and unless the build's prefix can run there."""
    if not common.AS_ROOT:
        raise common.SkipTest("a container needs root")
    prefix = configured("prefix")
    for top, why in (("/tmp/", "the container and the units' PrivateTmp=yes hide /tmp"),
                     ("/home/", "the units' ProtectHome=yes hides /home"),
                     ("/root/", "the units' ProtectHome=yes hides /root"),
                     ("/run/", "the container has a /run of its own")):
        # make distcheck's prefix lies in its build tree, wherever that is.
        if prefix.startswith(top):
            raise common.SkipTest("prefix %s: %s" % (prefix, why))
    for tool in ("mmdebstrap", "systemd-nspawn", "nsenter"):
        if shutil.which(tool) is None:
            raise common.SkipTest("%s is not installed (apt-get install mmdebstrap "
                                  "systemd-container)" % tool)


def runtime_packages():
    """The Debian packages of the shared libraries spiced's programs
    load, from ldd and dpkg -S."""
    libs = set()
    for prog in PROGRAMS:
        # libtool keeps the real program of a wrapper script in .libs.
        path = os.path.join(common.BUILDDIR, os.path.dirname(prog), ".libs",
                            os.path.basename(prog))
        if not os.path.exists(path):
            path = os.path.join(common.BUILDDIR, prog)
        out = subprocess.run(["ldd", path], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            parts = line.split("=>")
            if len(parts) == 2 and parts[1].split():
                path = parts[1].split()[0]
                if path.startswith("/") and "/.libs/" not in path:
                    libs.add(os.path.realpath(path))
    pkgs = set()
    for lib in sorted(libs):
        r = subprocess.run(["dpkg", "-S", lib], capture_output=True, text=True)
        if r.returncode == 0:
            pkgs.add(r.stdout.split(":")[0])
    return sorted(pkgs)


class Container:
    """A booted Debian root with spiced installed (PREFIX as configured);
    binds: {host_dir: container_dir}; users: {name: uid} made in it."""

    def __init__(self, binds=None, users=None):
        self.root = os.path.join(common.tmpdir(), "root")
        r = subprocess.run(["mmdebstrap", "--variant=minbase", "--include=" +
                            ",".join(BASE_PACKAGES + runtime_packages()),
                            "bookworm", self.root], capture_output=True, text=True)
        if r.returncode != 0:
            raise common.TestFailure("mmdebstrap failed: %s" % r.stderr[-2000:])
        r = subprocess.run(["make", "-C", common.BUILDDIR, "install", "DESTDIR=" + self.root],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise common.TestFailure("make install failed: %s" % r.stderr[-2000:])
        self.prefix = configured("prefix")
        self.prefix_dir = self.path(self.prefix)
        for name, uid in (users or {}).items():
            with open(os.path.join(self.root, "etc/passwd"), "a") as f:
                f.write("%s:x:%d:%d::/nonexistent:/usr/sbin/nologin\n" % (name, uid, uid))
            with open(os.path.join(self.root, "etc/group"), "a") as f:
                f.write("%s:x:%d:\n" % (name, uid))
        # Units under a prefix systemd does not search are linked into
        # /etc/systemd/system, as `systemctl link` does.
        unitdir = os.path.join(self.prefix, "lib/systemd/system")
        if self.prefix not in ("/usr", "/usr/local"):
            for unit in os.listdir(os.path.join(self.prefix_dir, "lib/systemd/system")):
                os.symlink(os.path.join(unitdir, unit),
                           self.path(os.path.join("/etc/systemd/system", unit)))
            # So are sysusers.d and tmpfiles.d files, into /etc's.
            for kind in ("sysusers.d", "tmpfiles.d"):
                d = os.path.join(self.prefix_dir, "lib", kind)
                os.makedirs(self.path("/etc/" + kind), exist_ok=True)
                for f in os.listdir(d) if os.path.isdir(d) else []:
                    os.symlink(os.path.join(self.prefix, "lib", kind, f),
                               self.path(os.path.join("/etc", kind, f)))
        # Libraries installed under the prefix need the cache, as after
        # any make install (and the prefix's libdir in ld.so.conf when it
        # is not /usr/local/lib).
        libdirs = {self.prefix + d[len(self.prefix_dir):]
                   for d, _, files in os.walk(self.prefix_dir)
                   for f in files if f.startswith("libqxlshm.so")}
        self.write("/etc/ld.so.conf.d/spiced.conf", "".join(d + "\n" for d in sorted(libdirs)))
        subprocess.run(["chroot", self.root, "ldconfig"], check=True)
        self.binds = binds or {}
        self.proc = None
        self.leader = None

    def path(self, p):
        """A path inside the container, seen from the host."""
        return os.path.join(self.root, p.lstrip("/"))

    def write(self, p, text):
        os.makedirs(os.path.dirname(self.path(p)), exist_ok=True)
        with open(self.path(p), "w") as f:
            f.write(text)

    def enable(self, unit, target="multi-user.target"):
        """Enable an installed unit, as systemctl enable would."""
        wants = self.path("/etc/systemd/system/%s.wants" % target)
        os.makedirs(wants, exist_ok=True)
        os.symlink(os.path.join(self.prefix, "lib/systemd/system", unit),
                   os.path.join(wants, unit))

    def boot(self, timeout=60):
        cmd = ["systemd-nspawn", "-q", "-D", self.root, "--boot", "--console=passive",
               "--register=no", "--keep-unit"]
        cmd += ["--bind=%s:%s" % (h, c) for h, c in self.binds.items()]
        self.log = open(os.path.join(os.path.dirname(self.root), "nspawn.log"), "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        common.atexit_first(self.stop)
        # The container's systemd: the child of systemd-nspawn named so.
        self.leader = common.wait_for(self._find_leader, 20, "the container's systemd")
        state = common.wait_for(lambda: self.run(["systemctl", "is-system-running"],
                                                 check=False).stdout.strip()
                                in ("running", "degraded") and self.state(),
                                timeout, "the container's systemd to finish booting")
        return state

    def state(self):
        return self.run(["systemctl", "is-system-running"], check=False).stdout.strip()

    def _find_leader(self):
        out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(self.proc.pid)],
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            pid, comm = line.split(None, 1)
            if comm.strip() == "systemd":
                return int(pid)
        return None

    def run(self, cmd, check=True, timeout=60):
        """Run cmd inside the container (all its namespaces)."""
        r = subprocess.run(["nsenter", "-t", str(self.leader), "-a"] + cmd,
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise common.TestFailure("in the container, %s: exit %d: %s"
                                     % (" ".join(cmd), r.returncode, r.stderr.strip()))
        return r

    def systemctl(self, *args, check=True):
        return self.run(["systemctl"] + list(args), check=check)

    def show(self, unit, prop):
        return self.systemctl("show", "-p", prop, "--value", unit).stdout.strip()

    def journal(self, unit):
        return self.run(["journalctl", "--no-pager", "-o", "cat", "-u", unit],
                        check=False).stdout

    def status(self, pid):
        """/proc/PID/status inside the container, as a dict."""
        out = self.run(["cat", "/proc/%d/status" % pid]).stdout
        return dict(line.split(":\t", 1) for line in out.splitlines() if ":\t" in line)

    def child_uids(self, pid):
        """The real uids of pid's children inside the container (no ps in
        a minimal root: /proc read with the shell)."""
        out = self.run(["sh", "-c", 'for s in /proc/[0-9]*/status; do '
                        'grep -q "^PPid:[[:space:]]*%d$" "$s" 2>/dev/null && '
                        'grep "^Uid:" "$s"; done' % pid], check=False).stdout
        return [int(line.split()[1]) for line in out.splitlines()]

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        # systemd-nspawn leaves its empty cgroups behind.
        for top in os.listdir("/sys/fs/cgroup"):
            for name in ("payload", "supervisor"):
                d = os.path.join("/sys/fs/cgroup", top, name)
                for sub, _, _ in sorted(os.walk(d), key=lambda w: -len(w[0])):
                    try:
                        os.rmdir(sub)
                    except OSError:
                        pass
        time.sleep(0.1)
