#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The ticket keys are made by a sandboxed helper, not on the supervisor's
event loop: spiced starts one `spiced-worker --role=keygen` that runs as
keygen-user (65534 by default as root), with NoNewPrivs and seccomp, and
links get their keys from it.  Killed with SIGKILL it is logged, links
keep working meanwhile (the supervisor makes keys itself), and a new
helper is started within the back-off; the supervisor's own CPU for a
burst of links stays far below what making the keys costs."""

import os
import signal

import common
import rawlink
from common import check


def helper(sp):
    pids = sp.workers("keygen")
    check(len(pids) <= 1, "more than one keygen helper: %s" % pids)
    return pids[0] if pids else None


def links(sp, n):
    for _ in range(n):
        res, _ = rawlink.link(sp.port, sp.password)
        check(res == 0, "link refused: %s" % rawlink.ERR.get(res, res))


def main():
    sp = common.Spiced()
    pid = common.wait_for(lambda: helper(sp), 5, "the keygen helper")
    sp.wait_log(r"keygen worker pid %d sandboxed and ready" % pid, 10)
    st = common.status_fields(pid)
    if common.AS_ROOT:
        check(st["Uid"].split() == ["65534"] * 4, "keygen Uid %s, want 65534" % st["Uid"])
        check(st["CapEff"] == "0000000000000000", "keygen CapEff %s" % st["CapEff"])
    check(st["NoNewPrivs"].strip() == "1", "keygen NoNewPrivs %s" % st["NoNewPrivs"])
    check(st["Seccomp"].strip() == "2", "keygen Seccomp %s" % st["Seccomp"])
    check(common.environ(pid) == [], "keygen has an environment")

    # 60 links, each with its own fresh key: the helper pays for them.
    sup0, help0 = common.cpu_seconds(sp.pid), common.cpu_seconds(pid)
    links(sp, 60)
    sup, hlp = common.cpu_seconds(sp.pid) - sup0, common.cpu_seconds(pid) - help0
    print("60 links: supervisor %.2f s CPU, keygen helper %.2f s" % (sup, hlp))
    check(hlp > sup, "the helper (%.2f s) did not do the key work "
          "(supervisor %.2f s)" % (hlp, sup))

    # SIGKILL: logged, links keep working, a new helper comes back.
    mark = sp.log_mark()
    os.kill(pid, signal.SIGKILL)
    sp.wait_log(r"keygen helper ended .*; restarting it in \d+ s", 5, mark)
    links(sp, 5)
    new = common.wait_for(lambda: helper(sp) not in (None, pid) and helper(sp), 10,
                          "a new keygen helper")
    sp.wait_log(r"keygen worker pid %d sandboxed and ready" % new, 10, mark)
    links(sp, 5)
    check(sp.alive(), "spiced died")
    sp.stop()


common.run(main)
