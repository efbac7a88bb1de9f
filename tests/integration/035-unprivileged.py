#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spiced run by an ordinary user (here uid 65534 when the suite runs as
root): it serves the picture, over TCP and through a TLS relay; its
workers and relays keep that uid (no per-display uid: the isolation the
README says is lost) but run with NoNewPrivs: 1 and Seccomp: 2, and the
test trigger still kills them.  Where the kernel lets an ordinary user
make a user namespace (the test tries it as that uid), each of them is in
one of its own, chrooted to spiced's empty directory, in network, IPC and
UTS namespaces of its own, with no capability; where it does not, spiced
says why and they keep the host's."""

import ctypes
import os
import signal

import common
import ppm
import spice_client
import tlsutil
from common import check

USER = 65534
CLONE_NEWUSER = 0x10000000


def reachable_by_others(path):
    """True if every folder above path lets other users through."""
    path = os.path.abspath(path)
    while path != "/":
        path = os.path.dirname(path)
        if not os.stat(path).st_mode & 0o001:
            return False
    return True


def userns_allowed(uid):
    """Whether uid may make a user namespace here (tried in a child)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            libc = ctypes.CDLL(None, use_errno=True)
            code = 0 if libc.unshare(CLONE_NEWUSER) == 0 else 1
        finally:
            os._exit(code)
    return os.waitpid(pid, 0)[1] == 0


def ns(pid, kind):
    return os.stat("/proc/%d/ns/%s" % (pid, kind)).st_ino


def walls(sp, what, pid, userns):
    st = common.status_fields(pid)
    check(st["Uid"].split() == [str(sp.worker_uid)] * 4, "%s Uid %s" % (what, st["Uid"]))
    check(st["NoNewPrivs"].strip() == "1", "%s NoNewPrivs %s" % (what, st["NoNewPrivs"]))
    check(st["Seccomp"].strip() == "2", "%s Seccomp %s" % (what, st["Seccomp"]))
    check(int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0,
          "%s keeps capabilities: CapEff %s CapPrm %s" % (what, st["CapEff"], st["CapPrm"]))
    root = os.readlink("/proc/%d/root" % pid)
    apart = [k for k in ("user", "net", "ipc", "uts") if ns(pid, k) != ns(sp.pid, k)]
    if userns:
        check(root == os.path.join(sp.dir, "empty"), "%s has %s as its root" % (what, root))
        check(apart == ["user", "net", "ipc", "uts"],
              "%s shares namespaces with spiced: apart only in %s" % (what, apart))
    else:
        check(root == "/" and apart == [], "%s: root %s, namespaces apart %s" % (what, root, apart))


def main():
    if common.AS_ROOT and not reachable_by_others(common.SPICED):
        raise common.SkipTest("the build tree %s is not reachable by uid %d" % (common.BUILDDIR, USER))
    userns = userns_allowed(USER if common.AS_ROOT else os.geteuid())
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    os.chmod(d, 0o755)
    tport = common.free_port()
    conf = tlsutil.tls_conf(pki, tport, ["tls-ktls = no", "secure-channels = main"])
    if not common.AS_ROOT:
        sp = common.Spiced(password=None, extra=conf)       # already unprivileged
    else:
        sp = common.Spiced(password=None, run_as=USER, extra=conf)
    st = common.status_fields(sp.pid)
    check(st["Uid"].split()[0] == str(sp.worker_uid), "spiced runs as %s" % st["Uid"])
    if userns:
        sp.wait_log(r"without CAP_SETUID, CAP_SETGID and CAP_SYS_CHROOT: workers keep this "
                    r"uid \(no per-display uid\), each in a user namespace of its own", 5)
    else:
        sp.wait_log(r"without CAP_SETUID, CAP_SETGID and CAP_SYS_CHROOT: workers keep this "
                    r"uid, the host's root and network \(no user namespace: .+\)", 5)
    img = os.path.join(sp.dir, "p.ppm")
    pic = common.pattern_rgb(160, 120, seed=9)
    ppm.write_ppm(img, 160, 120, pic)
    os.chmod(img, 0o644)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)
    c = spice_client.connect(port=sp.port, tls_port=tport, ca_file=pki["ca"])
    c.wait_pixels(pic, timeout=15)
    for role in ("main", "display"):
        pids = sp.workers(role)
        check(len(pids) == 1, "want one %s worker, have %s" % (role, pids))
        walls(sp, "%s worker" % role, pids[0], userns)
    relays = tlsutil.relays(sp)
    check(len(relays) == 1, "want the main channel's relay, have %s" % relays)
    walls(sp, "relay", relays[0], userns)
    victim = sp.workers("main")[0]
    mark = sp.log_mark()
    os.kill(victim, signal.SIGUSR2)
    sp.wait_log(r"main worker pid %d killed by seccomp" % victim, 5, mark)
    check(sp.alive(), "spiced died")
    print("# workers and relay %s" % ("each in a user namespace, chrooted" if userns else
                                      "in the host's namespaces (no user namespace here)"))
    tlsutil.release_client(c)


common.run(main)
