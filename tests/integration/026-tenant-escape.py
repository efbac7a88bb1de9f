#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A compromised worker of one tenant cannot reach another tenant.  Two
displays with their own worker uids ("t" and "u"), each with a producer
and a viewer; then tests/tools/sandbox-probe runs code of the test's
choosing inside the sandbox of tenant t's display worker (the role, uid,
gid and chroot read from that worker's own command line; seccomp in its
trap mode so that every attempt runs and fails instead of killing it) and
tries, against tenant u: to signal, ptrace, read the memory of, open
/proc of, or take an fd (a producer memfd) from u's display worker; to
connect to u's producer socket, u's UNIX client socket, spiced's control
socket and u's TCP port; to read spiced.conf (u's password).  Every
attempt is refused.  The same probes without the sandbox, as root, are
allowed: they would see an escape.  And the sandbox's other layers hold
on their own: with t's uid, chroot and namespaces but no seccomp filter
the kernel refuses every attempt too.  Root only (worker uids need
it)."""

import os
import subprocess

import common
import rawspice
from common import check

PROBE = os.path.join(common.BUILDDIR, "tests", "tools", "sandbox-probe")


def args_of(pid):
    """--uid, --gid and --chroot of a worker, from its command line."""
    out = {}
    for a in common.cmdline(pid):
        for key in (b"--uid=", b"--gid=", b"--chroot="):
            if a.startswith(key):
                out[key[2:-1].decode()] = a[len(key):].decode()
    check(set(out) == {"uid", "gid", "chroot"}, "worker %d's sandbox arguments %r" % (pid, out))
    return out


def probe(argv):
    r = subprocess.run([PROBE] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    lines = dict(l.split(": ", 1) for l in r.stdout.splitlines() if ": " in l)
    return r.returncode, lines, r.stdout + r.stderr


def main():
    if not common.AS_ROOT:
        raise common.SkipTest("worker uids of their own need root")
    port_u = common.free_port()
    d_tmp = common.tmpdir()
    sock_u = os.path.join(d_tmp, "u.qxl")
    unix_u = os.path.join(d_tmp, "u.sock")
    uid_u = 61000 + (os.getpid() + 1500) % 3000
    sp = common.Spiced(password="pw", extra="\n".join([
        '[display "u"]', "listen = 127.0.0.1:%d" % port_u, "unix-socket = %s" % unix_u,
        "producer-socket = %s" % sock_u, 'password = "pw-of-u"',
        "worker-user = %d:%d" % (uid_u, uid_u)]))
    common.wait_producer_socket(sp)
    sp.start_producer()
    common.wait_for(lambda: os.path.exists(sock_u), 10, "u's producer socket")
    sp.start_producer("--socket", sock_u, wait_attached=False)
    common.wait_for(lambda: sp.workers("display", "t") and sp.workers("display", "u"), 10,
                    "both display workers")
    sessions = []
    for port, pw in ((sp.port, "pw"), (port_u, "pw-of-u")):
        m = rawspice.open_session(port, pw)
        d = rawspice.display_client(port, pw, m.session_id)
        d.wait_mark(10)
        sessions.append((m, d))
    a = sp.workers("display", "t")[0]
    b = sp.workers("display", "u")[0]
    sb = args_of(a)
    check(int(sb["uid"]) != uid_u, "both tenants run as uid %s" % sb["uid"])
    control = os.path.join(sp.dir, "control")
    targets = ["--pid", str(b), "--unix", sock_u, "--unix", unix_u, "--unix", control,
               "--file", sp.conf_path, "--tcp", str(port_u)]

    # The control: as root, outside any sandbox, the probes get through.
    rc, lines, out = probe(["--no-sandbox"] + targets)
    check(rc == 1, "unsandboxed probes: exit %d\n%s" % (rc, out))
    for name in ("signal", "proc-status", "unix:" + control, "file:" + sp.conf_path,
                 "tcp:%d" % port_u):
        check(lines.get(name) == "ALLOWED", "unsandboxed %s: %r\n%s" % (name, lines.get(name), out))

    # Inside tenant t's display worker's sandbox: nothing of u's.
    rc, lines, out = probe(["--role", "display", "--uid", sb["uid"], "--gid", sb["gid"],
                            "--chroot", sb["chroot"]] + targets)
    check(lines.get("sandbox") == "uid %s gid %s chroot %s" % (sb["uid"], sb["gid"], sb["chroot"]),
          "the probe did not run in t's worker's sandbox: %r\n%s" % (lines.get("sandbox"), out))
    want = ["signal", "ptrace", "vm-read", "proc-status", "proc-fd", "pidfd", "unix:" + sock_u,
            "unix:" + unix_u, "unix:" + control, "file:" + sp.conf_path, "tcp:%d" % port_u]
    for name in want:
        check(lines.get(name, "").startswith("refused"), "inside t's sandbox, %s: %r\n%s"
              % (name, lines.get(name), out))
    check(rc == 0, "sandboxed probes: exit %d\n%s" % (rc, out))
    print("tenant escape probes from t's display worker sandbox:\n" + out.strip())

    # Its other layers hold on their own: without the seccomp filter,
    # t's uid, the empty chroot and the new network namespace refuse
    # the same (as the kernel's permission checks, not seccomp).
    rc, lines, out = probe(["--role", "display", "--uid", sb["uid"], "--gid", sb["gid"],
                            "--chroot", sb["chroot"], "--no-seccomp"] + targets)
    check(lines.get("sandbox") == "no seccomp, uid %s gid %s chroot %s"
          % (sb["uid"], sb["gid"], sb["chroot"]), "layers-only probe: %r\n%s"
          % (lines.get("sandbox"), out))
    for name in want:
        got = lines.get(name, "")
        check(got.startswith("refused") and "Function not implemented" not in got,
              "t's uid, chroot and namespaces alone, %s: %r\n%s" % (name, got, out))
    check(rc == 0, "layers-only probes: exit %d\n%s" % (rc, out))
    print("the same without the seccomp filter:\n" + out.strip())

    # u's display worker and viewer are untouched.
    check(sp.workers("display", "u") == [b], "u's display worker changed")
    sessions[1][1].pump(0.5)
    check(sp.alive(), "spiced died")


common.run(main)
