# SPDX-License-Identifier: LGPL-2.1-or-later
"""xsession: a throwaway X server (Xvfb) for tests that run real X
programs (remote-viewer), and screenshots of it with xwd.

    x = xsession.Xvfb(1280, 1024)          # started, DISPLAY in x.env
    p = x.spawn(["remote-viewer", ...])    # killed by pid at the end
    shot = x.screenshot()                  # Shot: width, height, rgb
    shot.find(rows)                        # where a picture shows, or None

Xvfb picks its own free display number (-displayfd); everything it and
its clients run is stopped by pid with the test (common._procs).
"""

import os
import shutil
import struct
import subprocess
import time

import common


def need(*binaries):
    for b in binaries:
        if shutil.which(b) is None:
            raise common.SkipTest("%s not installed" % b)


class Shot:
    """An RGB screenshot: width, height, rgb (3 bytes a pixel, rows top
    first)."""

    def __init__(self, width, height, rgb):
        self.width, self.height, self.rgb = width, height, rgb

    def row(self, y):
        return self.rgb[y * self.width * 3:(y + 1) * self.width * 3]

    def find(self, picture, pw, ph):
        """(x, y) where the pw x ph RGB picture appears whole, or None."""
        first = picture[:pw * 3]
        for y in range(self.height - ph + 1):
            row = self.row(y)
            start = 0
            while True:
                i = row.find(first, start)
                if i < 0:
                    break
                if i % 3 == 0:
                    x = i // 3
                    if all(self.row(y + r)[x * 3:(x + pw) * 3] ==
                           picture[r * pw * 3:(r + 1) * pw * 3]
                           for r in range(1, ph)):
                        return (x, y)
                start = i + 1
        return None


def parse_xwd(data):
    """An X Window Dump (xwd -root) of a 24/32-bit TrueColor screen as a
    Shot.  XWD: a header of big-endian CARD32 fields (header_size first),
    the window name, ncolors XColor entries of 12 bytes, then the
    pixels, in the byte order the header names."""
    f = struct.unpack(">25I", data[:100])
    header_size, version, fmt, width, height = f[0], f[1], f[2], f[4], f[5]
    byte_order, bpp, bpl, ncolors = f[7], f[11], f[12], f[19]
    red_mask, green_mask, blue_mask = f[14], f[15], f[16]
    if version != 7 or fmt != 2 or bpp not in (24, 32):
        raise ValueError("xwd: version %d format %d %d bpp not handled" % (version, fmt, bpp))
    off = header_size + ncolors * 12
    order = "<" if byte_order == 0 else ">"
    out = bytearray(width * height * 3)

    def shift(mask):
        return (mask & -mask).bit_length() - 1
    rs, gs, bs = shift(red_mask), shift(green_mask), shift(blue_mask)
    bpx = bpp // 8
    big = byte_order != 0
    for y in range(height):
        row = data[off + y * bpl:off + y * bpl + width * bpx]
        if bpx == 4:
            px = struct.unpack("%s%dI" % (order, width), row)
        else:
            px = [int.from_bytes(row[i:i + 3], "big" if big else "little")
                  for i in range(0, width * 3, 3)]
        o = y * width * 3
        out[o:o + width * 3:3] = bytes((p >> rs) & 0xff for p in px)
        out[o + 1:o + width * 3:3] = bytes((p >> gs) & 0xff for p in px)
        out[o + 2:o + width * 3:3] = bytes((p >> bs) & 0xff for p in px)
    return Shot(width, height, bytes(out))


class Xvfb:
    """Xvfb on a free display number; env is os.environ with DISPLAY."""

    def __init__(self, width=1280, height=1024, depth=24):
        need("Xvfb", "xwd")
        self.dir = common.tmpdir()
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0",
             "%dx%dx%d" % (width, height, depth), "-nolisten", "tcp",
             "-noreset"], pass_fds=(w,),
            stdout=open(os.path.join(self.dir, "xvfb.log"), "w"),
            stderr=subprocess.STDOUT)
        common._procs.append(self.proc)
        os.close(w)
        with os.fdopen(r) as f:
            num = f.readline().strip()
        if not num.isdigit():
            raise common.TestFailure("Xvfb did not report a display number")
        self.display = ":" + num
        self.env = dict(os.environ, DISPLAY=self.display)

    def spawn(self, argv, log_name=None, env=None):
        """Start an X client; stopped by pid when the test ends."""
        log = open(os.path.join(self.dir, (log_name or os.path.basename(argv[0])) + ".log"), "w")
        e = dict(self.env)
        if env:
            e.update(env)
        p = subprocess.Popen(argv, env=e, stdout=log, stderr=subprocess.STDOUT)
        common._procs.append(p)
        return p

    def windows_of(self, pid):
        """The visible top-level windows of client pid (by _NET_WM_PID)."""
        need("xdotool")
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
                             env=self.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True).stdout
        return [int(w) for w in out.split()]

    def screenshot(self):
        # xwd's GetImage of the root can fail with BadMatch while a
        # client's window is being mapped or reconfigured (seen once in a
        # loaded run as remote-viewer opened): asked again, not failed.
        for attempt in range(3):
            r = subprocess.run(["xwd", "-root", "-silent", "-display", self.display],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if r.returncode == 0:
                return parse_xwd(r.stdout)
            time.sleep(0.2)
        raise RuntimeError("xwd -root of %s failed %d times: %s"
                           % (self.display, attempt + 1, r.stderr.decode(errors="replace").strip()))


XORG_DUMMY_CONF = """Section "ServerFlags"
  Option "AutoAddDevices" "false"
  Option "AutoEnableDevices" "false"
EndSection
Section "Device"
  Identifier "dummy"
  Driver "dummy"
  VideoRam 256000
EndSection
Section "Monitor"
  Identifier "monitor"
  HorizSync 5.0-1000.0
  VertRefresh 5.0-200.0
EndSection
Section "Screen"
  Identifier "screen"
  Device "dummy"
  Monitor "monitor"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Virtual %d %d
    Modes "%dx%d"
  EndSubSection
EndSection
"""


class XorgDummy(Xvfb):
    """Xorg with the dummy video driver (RANDR can resize it), on a free
    display number, as root; its keyboard gets the evdev rules (with no
    input devices Xorg would use xfree86 keycodes)."""

    def __init__(self, width=1024, height=768, max_width=1920, max_height=1200):
        need("Xorg", "xwd", "setxkbmap")
        if not common.AS_ROOT:
            raise common.SkipTest("Xorg with the dummy driver needs root here")
        if not os.path.exists("/usr/lib/xorg/modules/drivers/dummy_drv.so"):
            raise common.SkipTest("xserver-xorg-video-dummy is not installed")
        self.dir = common.tmpdir()
        conf = os.path.join(self.dir, "xorg.conf")
        with open(conf, "w") as f:
            f.write(XORG_DUMMY_CONF % (max_width, max_height, width, height))
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xorg", "-displayfd", str(w), "-config", conf, "-noreset",
             "-nolisten", "tcp", "-logfile", os.path.join(self.dir, "xorg-server.log")],
            pass_fds=(w,), stdout=open(os.path.join(self.dir, "xorg.log"), "w"),
            stderr=subprocess.STDOUT)
        common._procs.append(self.proc)
        os.close(w)
        with os.fdopen(r) as f:
            num = f.readline().strip()
        if not num.isdigit():
            raise common.TestFailure("Xorg did not report a display number")
        self.display = ":" + num
        self.env = dict(os.environ, DISPLAY=self.display)
        subprocess.run(["setxkbmap", "-rules", "evdev", "-model", "pc105",
                        "-layout", "us"], env=self.env, check=True, timeout=10)


def start_spiced_x11(sp, x, uid, *args):
    """spiced-x11 on X server x feeding sp's display, as uid; returns the
    process once spiced logged it attached."""
    demote = common.demote_fn(uid)
    mark = sp.log_mark()
    p = subprocess.Popen([common.SPICED_X11, "--socket", sp.producer_socket,
                          "--display", x.display, "--verbose"] + list(args),
                         env=x.env, stdout=sp.log, stderr=subprocess.STDOUT,
                         preexec_fn=demote)
    common._procs.append(p)
    sp.wait_log(r'producer "spiced-x11" \(pid \d+\) attached', 10, mark)
    return p
