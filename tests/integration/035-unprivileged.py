#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spiced run by an ordinary user (here uid 65534 when the suite runs as
root): it serves the picture; its workers keep that uid (no per-display
uid, no chroot: the isolation the README says is lost) but still run with
NoNewPrivs: 1 and Seccomp: 2, and the test trigger still kills them."""

import os
import signal

import common
import ppm
import spice_client
from common import check

USER = 65534


def reachable_by_others(path):
    """True if every folder above path lets other users through."""
    path = os.path.abspath(path)
    while path != "/":
        path = os.path.dirname(path)
        if not os.stat(path).st_mode & 0o001:
            return False
    return True


def main():
    if common.AS_ROOT and not reachable_by_others(common.SPICED):
        raise common.SkipTest("the build tree %s is not reachable by uid %d" % (common.BUILDDIR, USER))
    if not common.AS_ROOT:
        sp = common.Spiced(password=None)       # already unprivileged
    else:
        sp = common.Spiced(password=None, run_as=USER)
    st = common.status_fields(sp.pid)
    check(st["Uid"].split()[0] == str(sp.worker_uid), "spiced runs as %s" % st["Uid"])
    sp.wait_log(r"without CAP_SETUID, CAP_SETGID and CAP_SYS_CHROOT: workers keep this uid", 5)
    img = os.path.join(sp.dir, "p.ppm")
    pic = common.pattern_rgb(160, 120, seed=9)
    ppm.write_ppm(img, 160, 120, pic)
    os.chmod(img, 0o644)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)
    c = spice_client.connect(port=sp.port)
    c.wait_pixels(pic, timeout=15)
    for role in ("main", "display"):
        pids = sp.workers(role)
        check(len(pids) == 1, "want one %s worker, have %s" % (role, pids))
        st = common.status_fields(pids[0])
        check(st["Uid"].split() == [str(sp.worker_uid)] * 4, "%s worker Uid %s" % (role, st["Uid"]))
        check(st["NoNewPrivs"].strip() == "1", "%s worker NoNewPrivs %s" % (role, st["NoNewPrivs"]))
        check(st["Seccomp"].strip() == "2", "%s worker Seccomp %s" % (role, st["Seccomp"]))
    victim = sp.workers("main")[0]
    mark = sp.log_mark()
    os.kill(victim, signal.SIGUSR2)
    sp.wait_log(r"main worker pid %d killed by seccomp" % victim, 5, mark)
    check(sp.alive(), "spiced died")


common.run(main)
