#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spiced-x11 --reconnect through a supervisor restart: spiced stops
(its producers are told "spiced is shutting down"), spiced-x11 stays up
and keeps trying the producer socket, attaches to the next spiced on its
own (the same process), and a viewer sees the X screen, pixel-exact,
then a change made after the restart.  Without --reconnect it exits
non-zero when spiced goes away, as before."""

import subprocess
import time

import common
import spice_client
import xsession
from common import check

W, H = 640, 480


def viewer_sees(sp, x):
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_primary(15)
    c.wait_pixels(x.screenshot().rgb, 15)
    return c


def main():
    xsession.need("xsetroot")
    x = xsession.Xvfb(W, H)
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    subprocess.run(["xsetroot", "-solid", "#3366cc"], env=x.env, check=True)
    x11 = xsession.start_spiced_x11(sp, x, uid, "--reconnect", "30")
    viewer_sees(sp, x).disconnect()

    mark = sp.log_mark()
    sp.stop()
    common.wait_for(lambda: "spiced-x11: agent port: closed by spiced" in sp.log_text()[mark:]
                    or "spiced-x11: spiced: server error 8" in sp.log_text()[mark:], 5,
                    "spiced-x11 to see spiced stop")
    time.sleep(1)
    check(x11.poll() is None, "spiced-x11 --reconnect exited (%s) when spiced stopped"
          % x11.returncode)
    mark = sp.log_mark()
    sp.restart()
    sp.wait_log(r'producer "spiced-x11" \(pid %d\) attached' % x11.pid, 15, mark)
    c = viewer_sees(sp, x)
    subprocess.run(["xsetroot", "-solid", "#cc6633"], env=x.env, check=True)
    c.wait_pixels(x.screenshot().rgb, 15)
    c.disconnect()
    print("spiced-x11 (pid %d) attached again to the restarted spiced" % x11.pid)

    x11.terminate()
    check(x11.wait(timeout=15) == 0, "spiced-x11 --reconnect did not stop on SIGTERM")

    # Without --reconnect: gone with spiced.
    plain = xsession.start_spiced_x11(sp, x, uid)
    sp.stop()
    check(plain.wait(timeout=15) != 0, "spiced-x11 without --reconnect exited 0")


common.run(main)
