#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The command line and the configuration file as an administrator meets
them: --check-config accepts a good file and names the file and line of a
bad one; spiced refuses to start on a bad file, and refuses a missing
worker binary with a clear message."""

import os
import subprocess

import common
from common import check


def run(*args):
    p = subprocess.run([common.SPICED] + list(args), capture_output=True, text=True, timeout=20)
    return p.returncode, p.stdout + p.stderr


def main():
    d = common.tmpdir()
    good = os.path.join(d, "good.conf")
    with open(good, "w") as f:
        f.write('[display "vm1"]\nlisten = 127.0.0.1:0\nproducer-socket = %s/p\n'
                'worker-user = 61234:61234\npassword = x\n' % d)
    rc, out = run("--check-config", "--config", good)
    check(rc == 0 and "configuration OK (1 display)" in out, "good file: rc %d: %s" % (rc, out))

    bad = os.path.join(d, "bad.conf")
    with open(bad, "w") as f:
        f.write('# a comment\n[display "vm1"]\nlisten = 127.0.0.1:0\nlisen = x\n')
    rc, out = run("-n", "-c", bad)
    check(rc == 1, "bad file accepted: %s" % out)
    check("%s:4: unknown key \"lisen\"" % bad in out, "error does not name file and line: %s" % out)
    rc, out = run("--foreground", "--config", bad, "--worker", common.WORKER)
    check(rc == 1 and ":4:" in out, "spiced started on a bad file: %s" % out)

    rc, out = run("-n", "-c", os.path.join(d, "missing.conf"))
    check(rc == 1 and "missing.conf" in out and "No such file" in out, "missing file: %s" % out)

    rc, out = run("--foreground", "--config", good, "--worker", os.path.join(d, "no-worker"))
    check(rc == 1 and "no-worker" in out, "missing worker binary: %s" % out)

    rc, out = run("--bogus")
    check(rc == 1 and "usage" in out, "unknown option: %s" % out)
    rc, out = run("--help")
    check(rc == 0 and "--check-config" in out, "--help: %s" % out)


common.run(main)
