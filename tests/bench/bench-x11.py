#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-x11: spiced with spiced-x11 against Xspice (Debian's
xserver-xspice: Xorg with the spiceqxl driver and libspice-server inside,
with its defaults) on the same X workloads, seen by the same spice-gtk
client on the same machine (not a test; it prints figures and ratios).

Each side gets a 1280x800 X screen with a grey background and an xterm
running cat, the client's pointer over it.  Measured:
- key-to-screen latency: a key press and release sent on the inputs
  channel until the client is told the echoing xterm's area changed,
  40 keys 50 ms apart, p50 and p95; once on a quiet screen, once while
  a second xterm beside it scrolls text without end; and for reference
  the X server's and xterm's own part, from an XTEST key of an X client
  until DAMAGE tells that client the screen changed (no SPICE in it);
- three workloads: text scrolling in a second xterm (seq 1 20000), that
  xterm moved across the screen in 300 steps, and 60 full-screen
  background changes.  For each: the bytes the client's display channel
  read and the CPU seconds of every server process (spiced, its workers,
  spiced-x11 and Xvfb; Xspice's Xorg), until the client's picture equals
  the X server's own screenshot: every update accounted for, or the run
  is an error (Xspice's picture is lossy for video-like areas and holds
  a software cursor: it must stop changing and differ, by more than 48
  in a colour channel, in at most 1% of the pixels; the pixels that
  differ so are printed).

usage: bench-x11.py [--keys N]
"""

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import Xlib.X          # noqa: E402
import Xlib.display    # noqa: E402
import Xlib.ext.damage  # noqa: E402
import Xlib.ext.xtest  # noqa: E402

import common          # noqa: E402
import spice_client    # noqa: E402
import xsession        # noqa: E402
from spice_client import Spice  # noqa: E402

W, H = 1280, 800
KEY_A = 0x1e
LOSSY_MAX = 0.01
LOSSY_TOLERANCE = 48     # per channel, for a lossy side's pixels
MOVES = 300              # enough work for CPU figures well above the
REDRAWS = 60             # kernel's 10 ms accounting granularity
ECHO_AREA = (420, 200)   # the xterm running cat is within it (60x10+20+20)

XSPICE_CONF = """Section "Device"
    Identifier "XSPICE"
    Driver "spiceqxl"
    Option "SpicePort" "%d"
    Option "SpiceAddr" "127.0.0.1"
    Option "SpiceDisableTicketing" "True"
    Option "NumHeads" "1"
    Option "FrameBufferSize" "32"
    Option "SurfaceBufferSize" "64"
    Option "CommandBufferSize" "64"
EndSection
Section "InputDevice"
    Identifier "XSPICE POINTER"
    Driver "xspice pointer"
EndSection
Section "InputDevice"
    Identifier "XSPICE KEYBOARD"
    Driver "xspice keyboard"
EndSection
Section "Monitor"
    Identifier "Configured Monitor"
EndSection
Section "Screen"
    Identifier "XSPICE Screen"
    Monitor "Configured Monitor"
    Device "XSPICE"
    DefaultDepth 24
    SubSection "Display"
        Depth 24
        Virtual %d %d
        Modes "%dx%d"
    EndSubSection
EndSection
Section "ServerLayout"
    Identifier "XSPICE"
    Screen "XSPICE Screen"
    InputDevice "XSPICE KEYBOARD"
    InputDevice "XSPICE POINTER"
EndSection
Section "ServerFlags"
    Option "AutoAddDevices" "False"
EndSection
"""


class BenchError(Exception):
    pass


class Side:
    """An X server served over SPICE: env (DISPLAY), port, pids()."""

    def screenshot(self, c):
        """xwd of the root while the client keeps reading: Xspice's X
        server waits for room in libspice-server's command ring, which
        only the client's reading makes, so a screenshot taken without
        reading waited for libspice-server to give the client up (30 s,
        then its display channel closed: the "lost updates" of earlier
        runs)."""
        with tempfile.TemporaryFile() as f:
            run_bg(c, self, ["xwd", "-root", "-silent"], stdout=f)
            f.seek(0)
            return xsession.parse_xwd(f.read())

    def cpu(self):
        return sum(self.cpu_parts().values())

    def cpu_parts(self):
        """CPU seconds of each kind of process (its command name)."""
        out = {}
        for p in self.pids():
            try:
                with open("/proc/%d/comm" % p) as f:
                    name = f.read().strip()
            except OSError:
                continue
            out[name] = out.get(name, 0.0) + common.cpu_seconds(p)
        return out


class SpicedSide(Side):
    name = "spiced"
    lossy = False

    def __init__(self):
        self.x = xsession.Xvfb(W, H)
        self.env = self.x.env
        uid = common.producer_uid()
        self.sp = common.Spiced(password=None, debug=False,
                                extra=common.producer_conf(uid))
        common.wait_producer_socket(self.sp)
        self.x11 = xsession.start_spiced_x11(self.sp, self.x, uid)
        self.port = self.sp.port

    def pids(self):
        out, todo = [], [self.sp.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(common.children(p))
        return out + [self.x11.pid, self.x.proc.pid]


class XspiceSide(Side):
    name = "Xspice"
    lossy = True

    def __init__(self):
        d = common.tmpdir()
        self.port = common.free_port()
        conf = os.path.join(d, "xspice.conf")
        with open(conf, "w") as f:
            f.write(XSPICE_CONF % (self.port, W, H, W, H))
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xorg", "-displayfd", str(w), "-config", conf, "-noreset", "-nolisten", "tcp",
             "-logfile", os.path.join(d, "xorg.log")], pass_fds=(w,),
            stdout=open(os.path.join(d, "xspice.log"), "w"), stderr=subprocess.STDOUT)
        common._procs.append(self.proc)
        os.close(w)
        with os.fdopen(r) as f:
            num = f.readline().strip()
        if not num.isdigit():
            raise BenchError("Xspice (Xorg with spiceqxl) did not start; see %s" % d)
        self.env = dict(os.environ, DISPLAY=":" + num)

    def pids(self):
        return [self.proc.pid]


def pump(c, secs):
    """Let the client read for secs: a real viewer never stops reading
    (libspice-server disconnects a display channel whose client does not
    read for a while: "flush timeout")."""
    t = time.monotonic()
    c.wait_until(lambda: time.monotonic() - t >= secs, secs + 1, "a pause")


def run_bg(c, side, argv, stdout=None):
    """An X client run to its end while the client keeps reading."""
    p = subprocess.Popen(argv, env=side.env, stdout=stdout)
    while p.poll() is None:
        pump(c, 0.002)
    if p.returncode != 0:
        raise BenchError("%s: %s failed" % (side.name, " ".join(argv)))


def spawn(side, argv):
    p = subprocess.Popen(argv, env=side.env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    common._procs.append(p)
    return p


def settle(c, side, what, timeout=30):
    """Wait until the client shows what the X server shows: exactly for a
    lossless side; for Xspice until its picture is the same twice a second
    apart and differs (by more than LOSSY_TOLERANCE in a channel) in at
    most LOSSY_MAX of the pixels (libspice-server's
    defaults send video-like areas, such as scrolling text, as lossy MJPEG
    streams, and Xspice's Xorg draws a software cursor into the picture
    that the X server's own screenshot leaves out).  Returns the pixels
    that differ."""
    t_end = time.monotonic() + timeout
    last = None
    while time.monotonic() < t_end:
        t = time.monotonic()
        c.wait_until(lambda: time.monotonic() - t > (1.0 if side.lossy else 0.1), 2,
                     "a quiet moment")
        snap = c.snapshot()
        shot = side.screenshot(c).rgb
        n = sum(1 for i in range(0, min(len(snap), len(shot)), 3)
                if snap[i:i + 3] != shot[i:i + 3] and (
                    not side.lossy or max(abs(snap[i + k] - shot[i + k])
                                          for k in range(3)) > LOSSY_TOLERANCE))
        if n == 0 or (side.lossy and snap == last and n <= LOSSY_MAX * W * H):
            return n
        last = snap
    # Both pictures, for a human to look at.
    d = os.environ.get("BENCH_X11_KEEP", common.tmpdir())
    for name, rgb in (("client", snap), ("xserver", shot)):
        with open(os.path.join(d, "%s-%s-%s.ppm" % (side.name, what, name)), "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (W, H) + rgb)
    closed = (spice_client.CHANNEL_DISPLAY, 0, "closed") in c.events
    raise BenchError("%s, %s: the client never caught up with the X screen (%d pixels "
                     "differ; pictures in %s): updates lost%s" % (
                         side.name, what, n, d,
                         "; its display channel was closed" if closed else ""))


def measure(c, side, what, work):
    """One workload's figures, or its error (updates lost: no figures);
    the next workload starts from the X server's picture either way."""
    dch = c.channel(spice_client.CHANNEL_DISPLAY)
    b0, parts0, t0 = dch.get_property("total-read-bytes"), side.cpu_parts(), time.monotonic()
    work()
    try:
        n = settle(c, side, what)
    except BenchError as e:
        return {"error": str(e)}
    parts = {k: v - parts0.get(k, 0.0) for k, v in side.cpu_parts().items()}
    return {"bytes": dch.get_property("total-read-bytes") - b0,
            "cpu": sum(parts.values()), "parts": parts,
            "secs": time.monotonic() - t0, "diff": n}


def key_latency(c, inputs, nkeys):
    """p50 and p95 in ms from a key sent until the client is told that
    the echoing xterm's area (top left) changed."""
    def echoed():
        return any(x < ECHO_AREA[0] and y < ECHO_AREA[1] for (x, y, w, h) in c.invalidates)
    lat = []
    for _ in range(nkeys):
        c.clear_invalidates()
        t0 = time.monotonic()
        Spice.InputsChannel.key_press_and_release(inputs, KEY_A)
        c.wait_until(echoed, 5, "the echo of a key")
        lat.append((time.monotonic() - t0) * 1000)
        pump(c, 0.05)
    return statistics.median(lat), sorted(lat)[int(len(lat) * 0.95) - 1]


def x_echo_latency(side, nkeys):
    """The X server's and xterm's own part of key-to-screen, nothing of
    SPICE (no SPICE client is connected yet): p50 and p95 in ms from an
    XTEST key sent by an X client of ours until DAMAGE tells it the
    screen changed.  The pointer is put over the xterm first; one key
    before the measured ones lets X switch to our keymap."""
    d = Xlib.display.Display(side.env["DISPLAY"])
    try:
        Xlib.ext.xtest.fake_input(d, Xlib.X.MotionNotify, x=100, y=60)
        d.damage_query_version()
        dmg = d.screen().root.damage_create(Xlib.ext.damage.DamageReportNonEmpty)
        kc = d.keysym_to_keycode(ord("a"))
        lat = []
        for i in range(nkeys + 1):
            d.damage_subtract(dmg, 0, 0)
            d.sync()
            time.sleep(0.05)
            while d.pending_events() or select.select([d.fileno()], [], [], 0)[0]:
                d.next_event()      # (pending_events() does not read the socket)
            t0 = time.monotonic()
            Xlib.ext.xtest.fake_input(d, Xlib.X.KeyPress, kc)
            Xlib.ext.xtest.fake_input(d, Xlib.X.KeyRelease, kc)
            d.flush()
            if i == 0:
                time.sleep(0.2)     # X may drop it while switching keymaps
                continue
            while True:
                if not d.pending_events() and not select.select([d.fileno()], [], [], 5)[0]:
                    raise BenchError("%s: no DAMAGE after an XTEST key" % side.name)
                # (python-xlib registers a copy of the event class)
                if type(d.next_event()).__name__ == "DamageNotify":
                    break
            lat.append((time.monotonic() - t0) * 1000)
        d.damage_destroy(dmg)
        return statistics.median(lat), sorted(lat)[int(len(lat) * 0.95) - 1]
    finally:
        d.close()


def run_side(side, nkeys):
    subprocess.run(["xsetroot", "-solid", "#808080"], env=side.env, check=True)
    spawn(side, ["xterm", "-geometry", "60x10+20+20", "-e", "cat"])
    time.sleep(2)
    res = {"x_echo": x_echo_latency(side, nkeys)}
    c = spice_client.connect(port=side.port)
    c.wait_channels([spice_client.CHANNEL_DISPLAY, spice_client.CHANNEL_INPUTS], 15)
    c.wait_primary(15)
    inputs = c.channel(spice_client.CHANNEL_INPUTS)
    Spice.InputsChannel.position(inputs, 100, 60, 0, 0)
    pump(c, 1)
    settle(c, side, "start")

    res["latency"] = key_latency(c, inputs, nkeys)
    # The same while text scrolls without end in another xterm beside it.
    load = spawn(side, ["xterm", "-geometry", "100x40+440+20", "-e", "sh", "-c",
                        "while :; do seq 1 100000; done"])
    pump(c, 1)
    res["latency_load"] = key_latency(c, inputs, nkeys)
    load.kill()
    load.wait()
    settle(c, side, "after the load")

    done = os.path.join(common.tmpdir(), "done")

    def scroll():
        spawn(side, ["xterm", "-geometry", "100x40+300+100", "-e", "sh", "-c",
                     "seq 1 20000; touch %s; exec sleep 600" % done])
        c.wait_until(lambda: os.path.exists(done), 60, "seq to finish")
    res["scroll"] = measure(c, side, "scroll", scroll)

    def move():
        q = subprocess.Popen(["xdotool", "search", "--sync", "--name", "sh"], env=side.env,
                             stdout=subprocess.PIPE, text=True)
        while q.poll() is None:
            pump(c, 0.002)
        wid = q.stdout.read().split()
        if not wid:
            raise BenchError("%s: the scrolling xterm's window was not found" % side.name)
        for i in range(MOVES):
            run_bg(c, side, ["xdotool", "windowmove", wid[-1], str(300 + 4 * (i % 100)),
                             str(100 + 2 * (i % 100))])
    res["move"] = measure(c, side, "move", move)

    def redraw():
        for i in range(REDRAWS):
            run_bg(c, side, ["xsetroot", "-solid",
                             "#%02x%02x%02x" % (i * 4, 255 - i * 4, 90)])
            pump(c, 0.05)
    res["redraw"] = measure(c, side, "redraw", redraw)
    c.disconnect()
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=40)
    args = ap.parse_args()
    for b in ("Xvfb", "Xorg", "xterm", "xdotool", "xsetroot", "xwd"):
        xsession.need(b)
    if not os.path.exists("/usr/lib/xorg/modules/drivers/spiceqxl_drv.so"):
        raise BenchError("Xspice is not installed: apt-get install xserver-xspice "
                         "(tools/deps.sh SPICED_BENCH_DEPS)")
    out = {}
    for cls in (SpicedSide, XspiceSide):
        side = cls()
        out[side.name] = run_side(side, args.keys)
    s, x = out["spiced"], out["Xspice"]
    print("bench-x11: %dx%d, %d keys; spiced = spiced + workers + spiced-x11 + Xvfb, "
          "Xspice = its Xorg" % (W, H, args.keys))
    print("%-28s %14s %14s %8s" % ("", "spiced", "Xspice", "ratio"))
    for key, label in (("latency", "key-to-screen"), ("x_echo", "X+xterm alone"),
                       ("latency_load", "under scrolling")):
        for i, pc in ((0, "p50"), (1, "p95")):
            print("%-28s %14.1f %14.1f %8.2f" % ("%s %s (ms)" % (label, pc), s[key][i],
                                                  x[key][i], s[key][i] / x[key][i]))
    errors = []

    def fig(r, key, fmt):
        return "lost updates" if "error" in r else fmt % r[key]
    for w in ("scroll", "move", "redraw"):
        errors += [r[w]["error"] for r in (s, x) if "error" in r[w]]
        ok = "error" not in s[w] and "error" not in x[w]
        for key, label, fmt in (("bytes", "bytes", "%d"), ("cpu", "server CPU (s)", "%.2f"),
                                ("diff", "pixels off at the end", "%d")):
            ratio = ""
            if ok and key != "diff":
                ratio = "%8.2f" % (s[w][key] / max(1 if key == "bytes" else 0.01, x[w][key]))
            print("%-28s %14s %14s %s" % ("%s: %s" % (w, label), fig(s[w], key, fmt),
                                          fig(x[w], key, fmt), ratio))
    for w in ("scroll", "move", "redraw"):
        for name, r in (("spiced", s[w]), ("Xspice", x[w])):
            if "parts" in r:
                print("%s CPU of %s: %s" % (w, name, ", ".join(
                    "%s %.2f" % kv for kv in sorted(r["parts"].items(), key=lambda kv: -kv[1])
                    if kv[1] > 0)))
    for e in errors:
        print("bench-x11: error: %s" % e)
    return 1 if errors else 0


if __name__ == "__main__":
    try:
        rc = main()
    except BenchError as e:
        print("bench-x11: error: %s" % e)
        rc = 1
    common._cleanup()
    sys.exit(rc)
