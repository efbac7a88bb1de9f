#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Two tenants on one spiced: displays "t" and "u", each with its own port,
password, producer and (as root) worker uid.  Each tenant's spice-gtk
client sees exactly its own producer's picture, and one tenant's password
does not open the other's display.  Every worker runs under its display's
uid, and a process with tenant u's uid can neither signal nor read the
memory of tenant t's workers.  When u's display worker is killed (the
seccomp test trigger: a compromised worker), only u's clients lose their
display: t's client keeps its channels and picture, and a new t client
still gets t's picture."""

import os
import signal
import subprocess

import common
import ppm
import spice_client
from common import check

W, H = 96, 64


def uid_of(pid):
    st = common.status_fields(pid)
    check(st is not None, "worker %d vanished" % pid)
    return int(st["Uid"].split()[0])


def probe_as(uid, pid):
    """From a child running as uid: what kill(pid, 0) and opening
    /proc/pid/mem give ("ok" or the errno name)."""
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(r)
        out = []
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for attempt in (lambda: os.kill(pid, 0),
                            lambda: os.close(os.open("/proc/%d/mem" % pid, os.O_RDONLY))):
                try:
                    attempt()
                    out.append("ok")
                except OSError as e:
                    out.append(e.__class__.__name__)
        finally:
            os.write(w, ",".join(out).encode())
            os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 256)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(child, 0)
    return data.decode().split(",")


def main():
    port_u = common.free_port()
    d_tmp = common.tmpdir()
    sock_u = os.path.join(d_tmp, "u.qxl")
    uid_u = None
    extra = ['[display "u"]', "listen = 127.0.0.1:%d" % port_u,
             "producer-socket = %s" % sock_u, 'password = "pw-of-u"']
    if common.AS_ROOT:
        # A second numeric uid, distinct from the harness's for "t".
        uid_u = 61000 + (os.getpid() + 1500) % 3000
        extra.append("worker-user = %d:%d" % (uid_u, uid_u))
    sp = common.Spiced(password="pw-of-t", extra="\n".join(extra))
    check(uid_u is None or uid_u != sp.worker_uid, "tenants share a uid")

    pic_t = common.pattern_rgb(W, H, seed=21)
    pic_u = common.pattern_rgb(W, H, seed=22)
    img_t, img_u = os.path.join(d_tmp, "t.ppm"), os.path.join(d_tmp, "u.ppm")
    ppm.write_ppm(img_t, W, H, pic_t)
    ppm.write_ppm(img_u, W, H, pic_u)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img_t)
    common.wait_for(lambda: os.path.exists(sock_u), 5, "u's producer socket")
    mark = sp.log_mark()
    prod_u = subprocess.Popen([common.TESTSRC, "--socket", sock_u, "--image", img_u],
                              stdout=sp.log, stderr=subprocess.STDOUT)
    common._procs.append(prod_u)
    sp.wait_log(r'display "u": producer .* attached', 10, mark)

    # Each client sees its own tenant's picture; passwords do not cross.
    ct = spice_client.connect(port=sp.port, password="pw-of-t")
    ct.wait_primary(timeout=15)
    ct.wait_pixels(pic_t, timeout=10)
    cu = spice_client.connect(port=port_u, password="pw-of-u")
    cu.wait_primary(timeout=15)
    cu.wait_pixels(pic_u, timeout=10)
    x = spice_client.connect(port=port_u, password="pw-of-t")
    check(x.wait_link_result(10) == "auth", "t's password opened u's display")
    x.disconnect()

    # Workers per tenant, each under its display's uid.
    wt = sp.workers("display", "t") + sp.workers("main", "t")
    wu = sp.workers("display", "u") + sp.workers("main", "u")
    check(len(wt) == 2 and len(wu) == 2, "workers t %s, u %s; want a display and a main "
          "worker each" % (wt, wu))
    for p in wt:
        check(uid_of(p) == sp.worker_uid, "t worker %d has uid %d" % (p, uid_of(p)))
    if uid_u is not None:
        for p in wu:
            check(uid_of(p) == uid_u, "u worker %d has uid %d, want %d" % (p, uid_of(p), uid_u))
        # What a compromised u worker that got past its sandbox would
        # face: the kernel keeps it away from t's workers.
        for p in wt:
            got = probe_as(uid_u, p)
            check(got == ["PermissionError", "PermissionError"],
                  "as u's uid, kill/open of t worker %d's memory gave %s" % (p, got))
            print("# as uid %d: t worker %d (uid %d): kill and /proc/%d/mem refused"
                  % (uid_u, p, uid_of(p), p))

    # u's display worker dies (the seccomp trigger).
    victim = sp.workers("display", "u")[0]
    mark = sp.log_mark()
    os.kill(victim, signal.SIGUSR2)
    sp.wait_log(r"display worker pid %d killed by seccomp" % victim, 5, mark)
    cu.wait_until(lambda: (spice_client.CHANNEL_DISPLAY, 0) in cu.closed_channels(), 10,
                  "u's display channel to close", tolerate_error=True)
    # Tenant t is untouched.
    check(not ct.closed_channels(), "t's client lost channels: %s" % ct.closed_channels())
    check(ct.snapshot() == pic_t, "t's picture changed")
    check(all(common.status_fields(p) is not None for p in wt), "a t worker died")
    ct2 = spice_client.connect(port=sp.port, password="pw-of-t")
    ct2.wait_primary(timeout=15)
    ct2.wait_pixels(pic_t, timeout=10)
    check(sp.alive(), "spiced died")
    for c in (ct, ct2, cu):
        c.disconnect()
    prod_u.terminate()
    sp.stop()


common.run(main)
