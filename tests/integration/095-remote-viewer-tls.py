#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""remote-viewer itself, as a user runs it: under Xvfb, against a display
whose every channel must be secured, given only the TLS port (a
virt-viewer .vv file with the password and the CA).  The picture never
changes, so it shows only if the whole first screen, DISPLAY_MARK
included, completes over TLS; the test finds it pixel-exact in an xwd
screenshot of the X screen.  The window is titled with the display's
name (MAIN_NAME; the .vv file gives no title)."""

import os
import subprocess
import time

import common
import ppm
import tlsutil
import xsession
from common import check

W, H = 320, 200


def vv_file(path, tport, pki, password):
    with open(pki["ca"]) as f:
        ca = f.read().strip().replace("\n", "\\n")
    with open(path, "w") as f:
        f.write("[virt-viewer]\ntype=spice\nhost=127.0.0.1\n"
                "tls-port=%d\npassword=%s\nca=%s\n"
                "secure-channels=all\ndelete-this-file=0\n" % (tport, password, ca))


def main():
    xsession.need("remote-viewer", "xdotool")
    x = xsession.Xvfb(1280, 1024)
    d = common.tmpdir()
    pki = tlsutil.make_pki(d)
    tport = common.free_port()
    sp = common.Spiced(name="console", password="pw", extra=tlsutil.tls_conf(
        pki, tport, ["secure-channels = all", "tls-ktls = no"]))
    img = os.path.join(sp.dir, "static.ppm")
    picture = common.pattern_rgb(W, H, seed=11)
    ppm.write_ppm(img, W, H, picture)
    common.wait_producer_socket(sp)
    sp.start_producer("--image", img)
    vv = os.path.join(d, "console.vv")
    vv_file(vv, tport, pki, "pw")
    viewer = x.spawn(["remote-viewer", "--zoom=100", vv],
                     env={"GDK_BACKEND": "x11", "NO_AT_BRIDGE": "1"})
    where = [None]

    def shown():
        check(viewer.poll() is None, "remote-viewer exited (status %s)" % viewer.returncode)
        where[0] = x.screenshot().find(picture, W, H)
        return where[0]
    try:
        common.wait_for(shown, 30, "the picture in remote-viewer's window", interval=0.5)
    except common.TestFailure:
        # Leave the last screenshot beside the logs for a human.
        with open(os.path.join(x.dir, "last-screen.log"), "w") as f:
            f.write("remote-viewer did not show the picture; see xwd of %s\n" % x.display)
        raise
    sp.wait_log(r"channel 2:0 linked \(connection id \d+, TLS, relay\)", 5)
    # Still there a moment later: no error dialog replaced it.
    time.sleep(1)
    check(x.screenshot().find(picture, W, H) is not None, "the picture went away")
    # The window is titled with the display's name (MAIN_NAME), as with
    # a VM's name from libspice-server.
    titles = [subprocess.run(["xdotool", "getwindowname", str(w)], env=x.env,
                             capture_output=True, text=True).stdout.strip()
              for w in x.windows_of(viewer.pid)]
    check(any(t.startswith("console") for t in titles), "remote-viewer's windows are "
          "titled %r" % titles)
    viewer.terminate()
    viewer.wait(5)
    sp.stop()


common.run(main)
