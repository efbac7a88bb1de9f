#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-tls: what each data path of a channel costs (not a test).

One display channel streams full-screen updates of incompressible frames
(raw bitmaps, qxl-shm-testsrc --frames at a high rate) to a raw client
that only frames and ACKs messages, for a fixed time, over:
  plain   the display's TCP port
  relay   the TLS port with tls-ktls = no (TLS through the relay process)
  ktls    the TLS port with kernel TLS (only where the kernel has the `tls`
          ULP; TLS 1.2 because OpenSSL 3.0 offloads receiving for 1.2 only)
It prints MB/s received and the CPU seconds per GB (utime+stime from
/proc/PID/stat) of the supervisor, the relay and the display worker.  The
client is Python: on fast machines it, not spiced, may set the ceiling,
which the "client" column shows.

usage: bench-tls.py [--seconds N] [--size WxH]
"""

import argparse
import os
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import common     # noqa: E402
import ppm        # noqa: E402
import rawlink    # noqa: E402
import rawspice   # noqa: E402
import tlsutil    # noqa: E402



def self_cpu():
    t = os.times()
    return t.user + t.system


def run(mode, pki, frames, seconds):
    tport = common.free_port()
    extra = ["tls-ktls = %s" % ("yes" if mode == "ktls" else "no")]
    sp = common.Spiced(password="pw", debug=False,
                       extra=tlsutil.tls_conf(pki, tport, extra))
    common.wait_producer_socket(sp)
    sp.start_producer("--frames", frames, "--fps", "200")
    ctx = None
    if mode != "plain":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(pki["ca"])
        if mode == "ktls":
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    port = sp.port if mode == "plain" else tport
    rawlink.TLS_CONTEXT = ctx
    try:
        m = rawspice.open_session(port, "pw")
        disp = rawspice.display_client(port, "pw", m.session_id, lz4=False)
    finally:
        rawlink.TLS_CONTEXT = None
    disp.wait_mark(15)
    if mode == "relay" and not tlsutil.relays(sp):
        raise SystemExit("bench-tls: no relay in relay mode")
    worker = sp.workers("display")[0]
    procs = {"spiced": sp.pid, "worker": worker}
    relays = tlsutil.relays(sp)
    before = {k: common.cpu_seconds(p) for k, p in procs.items()}
    rbefore = sum(common.cpu_seconds(p) for p in relays)
    cbefore = self_cpu()
    nbytes = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        try:
            _, body = disp.next_message(2)
        except TimeoutError:
            continue
        nbytes += len(body) + 6
    dt = time.monotonic() - t0
    cpu = {k: common.cpu_seconds(p) - before[k] for k, p in procs.items()}
    cpu["relay"] = sum(common.cpu_seconds(p) for p in relays) - rbefore
    cpu["client"] = self_cpu() - cbefore
    disp.close()
    m.close()
    sp.stop()
    gb = nbytes / 1e9
    return nbytes / dt / 1e6, {k: (v / gb if gb else 0.0) for k, v in cpu.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--size", default="1280x720")
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.split("x"))
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    frames = os.path.join(d, "frames")
    os.mkdir(frames)
    for i in range(3):
        ppm.write_ppm(os.path.join(frames, "f%d.ppm" % i), w, h, os.urandom(w * h * 3))
    modes = ["plain", "relay"] + (["ktls"] if tlsutil.ktls_available() else [])
    print("bench-tls: one display channel, %dx%d noise frames, raw bitmaps, %.0f s each"
          % (w, h, a.seconds))
    print("%-6s %9s   %s" % ("path", "MB/s", "CPU s/GB: spiced  relay  worker  client"))
    for mode in modes:
        mbs, cpu = run(mode, pki, frames, a.seconds)
        print("%-6s %9.1f   %16.2f %6.2f %7.2f %7.2f" % (
            mode, mbs, cpu["spiced"], cpu["relay"], cpu["worker"], cpu["client"]))
    if "ktls" not in modes:
        print("ktls   skipped: kernel has no `tls` ULP")
    common._cleanup()


if __name__ == "__main__":
    main()
