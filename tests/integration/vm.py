# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real QEMU (Debian's qemu-system-x86, TCG) with its D-Bus display, for
the spiced-qemu tests: a tiny guest the test builds (a boot sector), QEMU
started unprivileged with a QMP socket, a QMP client of the test's own,
QEMU's screendump as the reference picture, and its input trace events
as proof of what reached the VM."""

import json
import os
import re
import socket
import subprocess
import time

import common
import ppm

QEMU = "qemu-system-x86_64"
UI_DBUS = "/usr/lib/x86_64-linux-gnu/qemu/ui-dbus.so"
SPICED_QEMU = os.path.join(common.BUILDDIR, "producers", "qemu", "spiced-qemu")

# The guest: a boot sector (real mode, BIOS services) that prints ">" and
# then echoes every key the BIOS gives it, forever.
#   mov ah, 0x0e; mov al, '>'; int 0x10
#   loop: xor ah, ah; int 0x16; mov ah, 0x0e; int 0x10; jmp loop
ECHO_BOOT = bytes([0xB4, 0x0E, 0xB0, 0x3E, 0xCD, 0x10,
                   0x30, 0xE4, 0xCD, 0x16,
                   0xB4, 0x0E, 0xCD, 0x10,
                   0xEB, 0xF6])


def need():
    """Skip unless QEMU and its D-Bus display module are installed."""
    if not os.path.exists("/usr/bin/" + QEMU) or not os.path.exists(UI_DBUS):
        raise common.SkipTest("QEMU with its D-Bus display is not installed "
                              "(apt-get install qemu-system-x86)")


def floppy(path, code=ECHO_BOOT):
    """A 1.44 MB floppy image whose boot sector is code."""
    sector = code + bytes(510 - len(code)) + b"\x55\xaa"
    with open(path, "wb") as f:
        f.write(sector + bytes(1474560 - 512))


class Qemu:
    """QEMU with -display dbus,p2p=yes and a QMP socket, run as uid,
    booting the echo guest; extra arguments (devices) after it.  Its input
    trace events go to trace.log."""

    def __init__(self, uid, extra=()):
        need()
        self.dir = common.tmpdir()
        os.chmod(self.dir, 0o777)
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        self.trace_path = os.path.join(self.dir, "trace.log")
        img = os.path.join(self.dir, "boot.img")
        floppy(img)
        os.chmod(img, 0o666)
        self.log = open(os.path.join(self.dir, "qemu.log"), "w")
        self.proc = subprocess.Popen(
            [QEMU, "-machine", "pc,accel=tcg", "-m", "32", "-nodefaults",
             "-vga", "std", "-display", "dbus,p2p=yes",
             "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
             "-drive", "file=%s,format=raw,if=floppy" % img, "-boot", "a",
             "-trace", "input_event_*", "-D", self.trace_path] + list(extra),
            stdout=self.log, stderr=subprocess.STDOUT,
            preexec_fn=common.demote_fn(uid))
        common._procs.append(self.proc)
        common.wait_for(lambda: os.path.exists(self.qmp_path), 20, "QEMU's QMP socket")

    def qmp(self, command, **args):
        """Run one QMP command on a connection of our own (QEMU takes one
        QMP client at a time); returns its "return" value."""
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(20)
        s.connect(self.qmp_path)
        f = s.makefile("rwb")
        try:
            json.loads(f.readline())
            for cmd in ({"execute": "qmp_capabilities"},
                        dict({"execute": command}, **({"arguments": args} if args else {}))):
                f.write(json.dumps(cmd).encode() + b"\n")
                f.flush()
                while True:
                    ans = json.loads(f.readline())
                    if "return" in ans or "error" in ans:
                        break
                if "error" in ans:
                    raise common.TestFailure("QMP %s: %s" % (command, ans["error"]))
            return ans["return"]
        finally:
            f.close()
            s.close()

    def screendump(self):
        """The console as QEMU shows it: (width, height, rgb)."""
        path = os.path.join(self.dir, "screen.ppm")
        self.qmp("screendump", filename=path)
        return ppm.read_ppm(path)

    def trace(self, event):
        """The fields of each trace line of event so far, as dicts."""
        try:
            with open(self.trace_path, errors="replace") as f:
                text = f.read()
        except OSError:
            return []
        out = []
        # "input_event_key_qcode con 0, key qcode h, down 1": the last word
        # of each comma-separated part is its value.
        for m in re.finditer(r"^%s (.*)$" % re.escape(event), text, re.M):
            out.append(dict(part.strip().rsplit(" ", 1) for part in m.group(1).split(",")
                            if " " in part.strip()))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def start_bridge(sp, vm, uid, *args):
    """spiced-qemu between vm and sp's display, as uid; returns the process
    once spiced logged it attached."""
    mark = sp.log_mark()
    p = subprocess.Popen([SPICED_QEMU, "--socket", sp.producer_socket,
                          "--qmp", vm.qmp_path, "--verbose"] + list(args),
                         stdout=sp.log, stderr=subprocess.STDOUT,
                         preexec_fn=common.demote_fn(uid))
    common._procs.append(p)
    sp.wait_log(r'producer "spiced-qemu" \(pid \d+\) attached', 20, mark)
    return p
