#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""TLS with the real client: spice-gtk connects to a display whose
secure-channels = main.  Its main channel first tries the plain port, gets
NEED_SECURED and moves to the TLS port by itself; the display channel
stays plain; the picture is exact.  The TLS connection is carried by a
relay process (no kTLS here, or kTLS switched off): its /proc status shows
the display's worker uid (root runs), NoNewPrivs 1 and Seccomp 2, and it
exits when the client leaves.  Then secure-channels = all: every channel
(main, display, inputs) over TLS, each with its own relay, same
picture."""

import os
import re

import common
import ppm
import spice_client
import tlsutil
from common import check

W, H = 211, 97


def sandbox_ok(sp, pid):
    st = common.status_fields(pid)
    check(st is not None, "relay %d vanished" % pid)
    if common.AS_ROOT:
        check(st["Uid"].split() == [str(sp.worker_uid)] * 4,
              "relay Uid %s, want the worker uid %d" % (st["Uid"], sp.worker_uid))
        check(st["Gid"].split()[0] == str(sp.worker_uid), "relay Gid %s" % st["Gid"])
    check(st["NoNewPrivs"] == "1", "relay NoNewPrivs %s" % st["NoNewPrivs"])
    check(st["Seccomp"] == "2", "relay Seccomp %s" % st["Seccomp"])
    check(common.environ(pid) == [], "relay has an environment: %r" % common.environ(pid))
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        check(f.read(), "relay has a cmdline")


def session(secure, tls_off_ktls=True):
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    extra = ["secure-channels = %s" % secure]
    if tls_off_ktls:
        extra.append("tls-ktls = no")
    sp = common.Spiced(password="pw", extra=tlsutil.tls_conf(pki, tport, extra))
    sp.wait_log(r"listening for TLS on 127\.0\.0\.1:%d" % tport, 5)
    img = os.path.join(sp.dir, "pattern.ppm")
    picture = common.pattern_rgb(W, H, seed=5)
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)
    c = spice_client.connect(port=sp.port, tls_port=tport, ca_file=pki["ca"],
                             password="pw")
    c.wait_primary(timeout=15)
    c.wait_pixels(picture, timeout=10)
    return sp, c, picture


def main():
    # secure-channels = main: main moves to TLS after NEED_SECURED.
    sp, c, picture = session("main")
    log = sp.log_text()
    check(re.search(r"channel 1:0 must be linked over TLS", log),
          "no NEED_SECURED for the plain main link")
    check(re.search(r"channel 1:0 linked \(connection id 0, TLS, relay\)", log),
          "main channel not linked over TLS through a relay")
    check(re.search(r"channel 2:0 linked \(connection id \d+, plain\)", log),
          "display channel not linked plain")
    relays = tlsutil.relays(sp)
    check(len(relays) == 1, "want one relay (main), have %s" % relays)
    sandbox_ok(sp, relays[0])
    check(len(sp.workers("main")) == 1, "one main worker")
    # Renegotiation is off: nothing to test from spice-gtk, but the
    # session must still be alive after a pause (relay idles in poll).
    check(c.snapshot() == picture, "picture changed")
    pid = relays[0]
    tlsutil.release_client(c)
    common.wait_for(lambda: not tlsutil.relays(sp), 10, "relay to exit after the client left")
    sp.wait_log(r"relay pid %d for .* exited" % pid, 5)
    common.wait_for(lambda: not sp.workers("main"), 10, "main worker to exit")
    check(sp.alive(), "spiced died")
    sp.stop()

    # secure-channels = all: both channels over TLS, one relay each.
    sp, c, picture = session("all")
    log = sp.log_text()
    check(re.search(r"channel 2:0 linked \(connection id \d+, TLS, relay\)", log),
          "display channel not linked over TLS")
    # c.wait_until runs spice-gtk's main loop, which links the inputs
    # channel meanwhile.
    relays = c.wait_until(lambda: len(tlsutil.relays(sp)) == 4 and tlsutil.relays(sp), 10,
                          "four relays (main, display, cursor, inputs)")
    for p in relays:
        sandbox_ok(sp, p)
    tlsutil.release_client(c)
    common.wait_for(lambda: not tlsutil.relays(sp), 10, "relays to exit")
    check(not re.search(r"relay pid \d+ .*(killed|exited with status)", sp.log_text()),
          "a relay died badly:\n" + sp.log_text()[-3000:])
    sp.stop()


common.run(main)
