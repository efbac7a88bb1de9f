#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Least privilege for the supervisor.  Started the way spiced.service
starts it (User= a service user, AmbientCapabilities= and
CapabilityBoundingSet= CAP_SETUID CAP_SETGID CAP_SYS_CHROOT CAP_KILL, here
through setpriv), spiced still runs each worker under the display's own
uid in the empty chroot, with no capability left, no_new_privs and
seccomp; the chroot it made is its own and not writable; the producer
socket, which it cannot chown without CAP_CHOWN, carries an ACL entry for
producer-user, so the producer (a third uid) attaches and spice-gtk sees
its picture, while another uid cannot connect.  Started as root, spiced
keeps only the capabilities it uses (CapEff and CapBnd), not root's full
set; with user = in spiced.conf it becomes that user once set up, with
the units' four, the run directory its own.  Either way the supervisor runs under its own seccomp allowlist
(Seccomp: 2) once it serves: asked by its test trigger, it cannot
ptrace, mount, become uid 0, make a user namespace or push a key into a
terminal.  Root only."""

import errno
import os
import re
import signal
import socket
import struct
import subprocess

import common
import ppm
import spice_client
from common import check

W, H = 160, 120
SERVICE_CAPS = ["setuid", "setgid", "sys_chroot", "kill"]
CAP = {"chown": 0, "kill": 5, "setgid": 6, "setuid": 7, "net_bind_service": 10,
       "sys_chroot": 18, "sys_admin": 21}


def mask(names):
    return sum(1 << CAP[n] for n in names)


def caps(pid, field):
    return int(common.status_fields(pid)[field], 16)


def acl_users(path):
    """uid -> perm of the ACL_USER entries of path's access ACL."""
    raw = os.getxattr(path, "system.posix_acl_access")
    check(struct.unpack_from("<I", raw)[0] == 2, "ACL xattr version")
    out = {}
    for off in range(4, len(raw), 8):
        tag, perm, uid = struct.unpack_from("<HHI", raw, off)
        if tag == 0x02:
            out[uid] = perm
    return out


def connect_as(uid, path):
    """errno of a connect to path by uid (0: connected)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(path)
        except OSError as e:
            code = e.errno or 255
        os.write(w, bytes([code]))
        os._exit(0)
    os.close(w)
    code = os.read(r, 1)[0]
    os.waitpid(pid, 0)
    os.close(r)
    return code


def check_supervisor_filter(sp):
    """Seccomp 2, and the trigger's attempts all refused."""
    st = common.status_fields(sp.pid)
    check(st["Seccomp"].strip() == "2" and st["NoNewPrivs"].strip() == "1",
          "supervisor Seccomp %s NoNewPrivs %s" % (st["Seccomp"], st["NoNewPrivs"]))
    sp.wait_log(r"seccomp: supervisor allowlist in force", 5)
    mark = sp.log_mark()
    os.kill(sp.pid, signal.SIGUSR2)
    sp.wait_log(r"test trigger: ioctl TIOCSTI", 5, mark)
    text = sp.log_text()[mark:]
    for what, err in (("ptrace", "Function not implemented"),
                      ("mount", "Function not implemented"),
                      ("setresuid 0", "Operation not permitted|Function not implemented"),
                      ("unshare user", "Function not implemented"),
                      ("ioctl TIOCSTI", "Function not implemented")):
        m = re.search(r"test trigger: %s: -1 \((%s)\)" % (what, err), text)
        check(m is not None, "the supervisor's %s was not refused:\n%s" % (what, text))
    check(sp.alive(), "the supervisor died of its own filter")


def main():
    if not common.AS_ROOT:
        raise common.SkipTest("needs root to start spiced as another uid with capabilities")
    base = 52000 + os.getpid() % 3000
    svc, worker, producer, stranger = base, base + 3000, base + 6000, base + 9000
    sp = common.Spiced(password="pw", service_user=(svc, SERVICE_CAPS), worker_uid=worker,
                       extra="worker-user = %d:%d\nproducer-user = %d:%d"
                       % (worker, worker, producer, producer))
    st = common.status_fields(sp.pid)
    check(st["Uid"].split() == [str(svc)] * 4, "supervisor Uid %s" % st["Uid"])
    check(caps(sp.pid, "CapEff") == mask(SERVICE_CAPS), "supervisor CapEff %s" % st["CapEff"])
    check(caps(sp.pid, "CapBnd") == mask(SERVICE_CAPS), "supervisor CapBnd %s" % st["CapBnd"])

    # Its chroot: made by the service user, mode 0555.
    empty = os.path.join(sp.dir, "empty")
    est = os.stat(empty)
    check(est.st_uid == svc and est.st_mode & 0o777 == 0o555,
          "run-dir/empty is uid %d mode %o" % (est.st_uid, est.st_mode & 0o777))

    # The producer socket: spiced's, 0660, and an ACL for producer-user.
    common.wait_producer_socket(sp)
    pst = os.stat(sp.producer_socket)
    check(pst.st_uid == svc and pst.st_mode & 0o777 == 0o660,
          "producer socket uid %d mode %o" % (pst.st_uid, pst.st_mode & 0o777))
    check(acl_users(sp.producer_socket) == {producer: 6},
          "producer socket ACL users %r" % acl_users(sp.producer_socket))
    check(connect_as(stranger, sp.producer_socket) == errno.EACCES,
          "a uid without the ACL entry reached the producer socket")

    img = os.path.join(sp.dir, "pattern.ppm")
    picture = common.pattern_rgb(W, H, seed=3)
    ppm.write_ppm(img, W, H, picture)
    os.chmod(img, 0o644)
    mark = sp.log_mark()

    def as_producer():
        os.setgroups([])
        os.setgid(producer)
        os.setuid(producer)
    p = subprocess.Popen([common.TESTSRC, "--socket", sp.producer_socket, "--image", img],
                         stdout=sp.log, stderr=subprocess.STDOUT, preexec_fn=as_producer)
    common._procs.append(p)
    sp.wait_log(r"producer .* attached", 10, mark)

    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(timeout=15)
    c.wait_mark(timeout=10)
    c.wait_pixels(picture, timeout=10)

    # Every worker: the display's uid, nothing held, in the chroot.
    pids = [w for role in ("main", "display") for w in sp.workers(role)]
    check(len(pids) >= 2, "workers %r" % pids)
    for pid in pids:
        st = common.status_fields(pid)
        check(st["Uid"].split() == [str(worker)] * 4, "worker %d Uid %s" % (pid, st["Uid"]))
        for f in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
            check(caps(pid, f) == 0, "worker %d %s %s" % (pid, f, st[f]))
        check(os.readlink("/proc/%d/root" % pid) == empty, "worker %d not chrooted" % pid)
        check(st["Seccomp"].strip() == "2" and st["NoNewPrivs"].strip() == "1",
              "worker %d Seccomp %s NoNewPrivs %s" % (pid, st["Seccomp"], st["NoNewPrivs"]))
    check_supervisor_filter(sp)
    print("service user %d with %s: workers as %d with no capability, producer %d by ACL"
          % (svc, " ".join(SERVICE_CAPS), worker, producer))
    c.disconnect()
    sp.stop()

    # Started as root: only what it uses stays, bounding set included.
    sp = common.Spiced(password="pw")
    sp.wait_log(r"capabilities: uid 0 keeps cap_chown cap_kill cap_setgid cap_setuid "
                r"cap_net_bind_service cap_sys_chroot cap_sys_admin$", 5)
    want = mask(["chown", "kill", "setgid", "setuid", "net_bind_service", "sys_chroot",
                 "sys_admin"])
    check(caps(sp.pid, "CapEff") == want, "root supervisor CapEff %x"
          % caps(sp.pid, "CapEff"))
    check(caps(sp.pid, "CapBnd") == want, "root supervisor CapBnd %x"
          % caps(sp.pid, "CapBnd"))
    common.wait_producer_socket(sp)
    sp.start_producer()
    check(sp.workers("display"), "no display worker under the narrowed root supervisor")
    check_supervisor_filter(sp)
    # Workers started after the filter still start and serve.
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(timeout=15)
    c.disconnect()
    sp.stop()

    # Started as root with user = in spiced.conf: once set up it becomes
    # that user with the units' four capabilities; the run directory is
    # the user's; producer sockets made later (a display a reload adds)
    # go to their producer by ACL; every worker still starts and serves.
    sp = common.Spiced(password="pw", global_extra="user = %d:%d" % (svc, svc),
                       extra="producer-user = %d:%d" % (producer, producer))
    sp.wait_log(r"running as user %d:%d from here on" % (svc, svc), 5)
    st = common.status_fields(sp.pid)
    check(st["Uid"].split() == [str(svc)] * 4 and st["Gid"].split() == [str(svc)] * 4,
          "supervisor after user =: Uid %s Gid %s" % (st["Uid"], st["Gid"]))
    check(caps(sp.pid, "CapEff") == mask(SERVICE_CAPS) and
          caps(sp.pid, "CapPrm") == mask(SERVICE_CAPS) and
          caps(sp.pid, "CapBnd") == mask(SERVICE_CAPS),
          "supervisor after user =: CapEff %s CapPrm %s CapBnd %s"
          % (st["CapEff"], st["CapPrm"], st["CapBnd"]))
    check(os.stat(sp.dir).st_uid == svc, "the run directory is not the user's")
    check_supervisor_filter(sp)
    p = subprocess.Popen([common.TESTSRC, "--socket", sp.producer_socket, "--image", img],
                         stdout=sp.log, stderr=subprocess.STDOUT, preexec_fn=as_producer)
    common._procs.append(p)
    sp.wait_log(r"producer .* attached", 10)
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_pixels(picture, timeout=15)
    c.disconnect()
    # A display a reload adds: the user reads the configuration, makes
    # the producer socket in its run directory, gives it by ACL.
    usock = os.path.join(sp.dir, "u.qxl")
    with open(sp.conf_path) as f:
        conf = f.read()
    with open(sp.conf_path, "w") as f:
        f.write(conf + '\n[display "u"]\nlisten = 127.0.0.1:%d\nproducer-socket = %s\n'
                'password = "uu"\nproducer-user = %d:%d\nworker-user = %d:%d\n'
                % (common.free_port(), usock, producer, producer, worker, worker))
    mark = sp.log_mark()
    os.kill(sp.pid, signal.SIGHUP)
    sp.wait_log(r"reload: configuration .* applied: 1 display kept, 1 added, 0 removed",
                5, mark)
    check(os.stat(usock).st_uid == svc and acl_users(usock) == {producer: 6},
          "the reload's producer socket: uid %d, ACL users %r"
          % (os.stat(usock).st_uid, acl_users(usock)))
    print("root with user = %d: became it, keeping %s; a reload adds a display"
          % (svc, " ".join(SERVICE_CAPS)))
    sp.stop()


common.run(main)
