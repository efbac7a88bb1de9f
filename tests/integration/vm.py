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

# A guest that beeps: the PC speaker at 1193182 / 1193 = 1000 Hz, on
# until the machine stops.
#   mov al, 0xb6; out 0x43, al; mov ax, 1193; out 0x42, al; mov al, ah
#   out 0x42, al; in al, 0x61; or al, 3; out 0x61, al; hlt; jmp hlt
BEEP_BOOT = bytes([0xB0, 0xB6, 0xE6, 0x43, 0xB8, 0xA9, 0x04, 0xE6, 0x42,
                   0x88, 0xE0, 0xE6, 0x42, 0xE4, 0x61, 0x0C, 0x03, 0xE6,
                   0x61, 0xF4, 0xEB, 0xFD])
BEEP_HZ = 1193182 / 1193
# The sound of the PC speaker to QEMU's D-Bus audio.
AUDIO = ["-machine", "pcspk-audiodev=snd0", "-audiodev", "dbus,id=snd0"]


# dbus-daemon wants its user in the password database: the bus, QEMU and
# the bridge run as nobody when the tests run as root.
BUS_UID = 65534 if common.AS_ROOT else None


class Bus:
    """A private D-Bus bus (dbus-daemon, session configuration) run as
    uid (BUS_UID), for QEMU's display in bus mode; address is its D-Bus
    address."""

    def __init__(self, uid):
        d = common.tmpdir()
        os.chmod(d, 0o777)
        self.address = "unix:path=%s" % os.path.join(d, "bus")
        self.proc = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile",
             "--address=" + self.address],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=common.demote_fn(uid))
        common._procs.append(self.proc)
        common.wait_for(lambda: os.path.exists(os.path.join(d, "bus")), 10, "dbus-daemon")

    def display(self, audiodev=None):
        """QEMU's -display arguments for this bus."""
        return ("-display", "dbus,addr=%s%s" % (self.address, ",audiodev=" + audiodev
                                               if audiodev else ""))

# A guest that floods the display: VGA mode 13h (320x200, 256 colours),
# every pixel rewritten over and over, each frame shifted by one colour.
#   mov ax, 0x13; int 0x10; mov ax, 0xa000; mov es, ax; xor bl, bl
#   frame: xor di, di; mov cx, 64000
#   pixel: mov ax, di; add al, bl; stosb; loop pixel
#   inc bl; jmp frame
FLOOD_BOOT = bytes([0xB8, 0x13, 0x00, 0xCD, 0x10, 0xB8, 0x00, 0xA0,
                    0x8E, 0xC0, 0x30, 0xDB,
                    0x31, 0xFF, 0xB9, 0x00, 0xFA,
                    0x89, 0xF8, 0x00, 0xD8, 0xAA, 0xE2, 0xF9,
                    0xFE, 0xC3, 0xEB, 0xF0])


GUEST_DIR = os.environ.get("SPICED_GUEST_DIR", os.path.join(common.SRCDIR, "tests", "guest"))
GUEST_AGENT = os.path.join(common.BUILDDIR, "tests", "tools", "guest-agent")
GUEST_RECORD = os.path.join(common.BUILDDIR, "tests", "tools", "guest-record")
GUEST_INPUT = os.path.join(common.BUILDDIR, "tests", "tools", "guest-input")
GUEST_CURSOR = os.path.join(common.BUILDDIR, "tests", "tools", "guest-cursor")
AGENT_CHARDEV = ["-device", "virtio-serial-pci",
                 "-chardev", "dbus,id=vdagent,name=org.spice-space.vdagent.0",
                 "-device", "virtserialport,chardev=vdagent,name=com.redhat.spice.0"]

ECHO_PORT = "org.spice-space.test.0"
PORT_CHARDEVS = ["-device", "virtio-serial-pci,id=vser1",
                 "-chardev", "dbus,id=echo,name=" + ECHO_PORT,
                 "-device", "virtserialport,bus=vser1.0,chardev=echo,name=" + ECHO_PORT]
USBREDIR_CHARDEV = ["-device", "qemu-xhci",
                    "-chardev", "dbus,id=usbr0,name=org.spice-space.usbredir.0",
                    "-device", "usb-redir,chardev=usbr0,id=usbredir0"]

# The Linux guest's init: its modules, then a recorder on the sound card
# (if there is one), a hardware cursor on the GPU (if it has DRM), an echo on the port named ECHO_PORT (if there is
# one) and the test agent on the SPICE agent port (if there is one),
# started again whenever it exits (a guest agent restarting).
GUEST_INIT = """#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in %(modules)s; do insmod /lib/modules/$m.ko || echo "guest: insmod $m failed"; done
[ -e /dev/dsp ] && /record &
[ -x /input ] && /input &
[ -e /dev/dri/card0 ] && [ -x /cursor ] && /cursor &
port() {
    for p in /sys/class/virtio-ports/*; do
        [ -e "$p/name" ] && [ "$(cat "$p/name")" = "$1" ] && echo "/dev/${p##*/}"
    done
}
for i in $(seq 1 100); do
    n=0
    for p in /sys/class/virtio-ports/*; do [ -e "$p/name" ] && n=$((n + 1)); done
    [ "$n" -ge %(nports)d ] && break
    sleep 0.1
done
echo=$(port %(echo)s)
if [ -n "$echo" ]; then
    echo "guest: echo on $echo"
    # One open, read and write: a virtio port opens once at a time.
    (while true; do cat <>"$echo" >&0; sleep 0.2; done) &
fi
dev=$(port com.redhat.spice.0)
echo "guest: agent port ${dev:-none}"
while [ -n "$dev" ]; do
    /agent "$dev"
    echo "guest: agent exited $?"
    sleep 1
done
while true; do sleep 60; done
"""


def _cpio(entries):
    """An uncompressed newc archive of (name, mode, data, rdev) entries."""
    out = bytearray()
    for ino, (name, mode, data, rdev) in enumerate(entries + [("TRAILER!!!", 0, b"", (0, 0))], 1):
        nm = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(nm), 0))
        out += hdr.encode() + nm
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def _module_order(mod_dir):
    """The .ko files of mod_dir, each after the modules it depends on."""
    deps = {}
    for f in os.listdir(mod_dir):
        if f.endswith(".ko"):
            with open(os.path.join(mod_dir, f), "rb") as fh:
                m = re.search(rb"depends=([^\0]*)", fh.read())
            deps[f[:-3]] = [d.decode() for d in m.group(1).split(b",") if d] if m else []
    order = []

    def visit(m):
        if m not in order:
            for d in deps.get(m, []):
                visit(d)
            order.append(m)
    for m in sorted(deps):
        visit(m)
    return order


def guest_initrd(path, nports, groups):
    """The Linux guest's initramfs at path: busybox, the modules of
    groups (tools/guest-fetch.sh: console, sound, gpu), the test agent,
    the recorder and GUEST_INIT, which waits for nports virtio ports."""
    order, where = [], {}
    for g in groups:
        mods = os.path.join(GUEST_DIR, "modules", g)
        for m in _module_order(mods):
            if m not in where:
                where[m] = mods
                order.append(m)
    entries = [(d, 0o40755, b"", (0, 0)) for d in
               ("bin", "dev", "proc", "sys", "lib", "lib/modules")]
    entries.append(("dev/console", 0o20600, b"", (5, 1)))
    with open(os.path.join(GUEST_DIR, "busybox"), "rb") as f:
        entries.append(("bin/busybox", 0o100755, f.read(), (0, 0)))
    for applet in ("sh", "mount", "insmod", "cat", "seq", "sleep", "echo"):
        entries.append(("bin/" + applet, 0o120777, b"busybox", (0, 0)))
    for m in order:
        with open(os.path.join(where[m], m + ".ko"), "rb") as f:
            entries.append(("lib/modules/%s.ko" % m, 0o100644, f.read(), (0, 0)))
    for name, prog in (("agent", GUEST_AGENT), ("record", GUEST_RECORD),
                       ("cursor", GUEST_CURSOR), ("input", GUEST_INPUT)):
        # The input logger only with the input modules: other tests'
        # serial logs stay as they were.
        if not os.path.exists(prog) or (name == "input" and "input" not in groups):
            continue
        with open(prog, "rb") as f:
            entries.append((name, 0o100755, f.read(), (0, 0)))
    entries.append(("init", 0o100755, (GUEST_INIT % {
        "modules": " ".join(order), "echo": ECHO_PORT, "nports": nports}).encode(),
        (0, 0)))
    with open(path, "wb") as f:
        f.write(_cpio(entries))


def need_linux():
    """Skip unless the Linux guest (tools/guest-fetch.sh) is there."""
    need()
    if not os.path.exists(os.path.join(GUEST_DIR, "vmlinuz")) or \
            not os.path.exists(os.path.join(GUEST_DIR, "busybox")) or \
            not os.path.isdir(os.path.join(GUEST_DIR, "modules", "input")):
        raise common.SkipTest("no Linux guest in %s (sh tools/guest-fetch.sh)" % GUEST_DIR)


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
    """QEMU with -display dbus,p2p=yes (or display's arguments) and a QMP
    socket, run as uid,
    booting a boot sector guest (code, the echo guest by default), or
    with linux=True the Linux guest (its serial console in serial.log)
    with the module groups of modules; vga: QEMU's -vga; extra arguments
    (devices) after it; qmp_path: where its QMP socket goes (in a
    directory of its own by default).  Its input trace events go to trace.log."""

    def __init__(self, uid, extra=(), linux=False, code=ECHO_BOOT,
                 display=("-display", "dbus,p2p=yes"), modules=("console",),
                 vga="std", qmp_path=None):
        need_linux() if linux else need()
        self.dir = common.tmpdir()
        os.chmod(self.dir, 0o777)
        self.qmp_path = qmp_path or os.path.join(self.dir, "qmp.sock")
        self.trace_path = os.path.join(self.dir, "trace.log")
        self.serial_path = os.path.join(self.dir, "serial.log")
        if linux:
            initrd = os.path.join(self.dir, "initrd.cpio")
            guest_initrd(initrd, sum(1 for a in extra if a.startswith("virtserialport")),
                         modules)
            os.chmod(initrd, 0o644)
            boot = ["-m", "256", "-kernel", os.path.join(GUEST_DIR, "vmlinuz"),
                    "-initrd", initrd, "-append", "console=ttyS0 panic=-1 quiet",
                    "-serial", "file:" + self.serial_path]
        else:
            img = os.path.join(self.dir, "boot.img")
            floppy(img, code)
            os.chmod(img, 0o666)
            boot = ["-m", "32", "-drive", "file=%s,format=raw,if=floppy" % img,
                    "-boot", "a"]
        self.log = open(os.path.join(self.dir, "qemu.log"), "w")
        self.proc = subprocess.Popen(
            [QEMU, "-machine", "pc,accel=tcg", "-nodefaults",
             "-vga", vga] + list(display) + [
             "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
             "-trace", "input_event_*", "-D", self.trace_path] + boot + list(extra),
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

    def display_client(self):
        """A D-Bus display connection QEMU serves (QMP getfd + add_client,
        what libvirt's virDomainOpenGraphicsFD does): our end, a socket
        the caller owns."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(20)
        s.connect(self.qmp_path)
        f = s.makefile("rwb")
        try:
            json.loads(f.readline())
            for cmd, fds in (({"execute": "qmp_capabilities"}, None),
                             ({"execute": "getfd", "arguments": {"fdname": "t"}},
                              [theirs.fileno()]),
                             ({"execute": "add_client", "arguments": {
                                 "protocol": "@dbus-display", "fdname": "t"}}, None)):
                data = json.dumps(cmd).encode() + b"\n"
                if fds:
                    f.flush()
                    socket.send_fds(s, [data], fds)
                else:
                    f.write(data)
                    f.flush()
                while True:
                    ans = json.loads(f.readline())
                    if "return" in ans or "error" in ans:
                        break
                if "error" in ans:
                    raise common.TestFailure("QMP %s: %s" % (cmd["execute"], ans["error"]))
        finally:
            f.close()
            s.close()
            theirs.close()
        return ours

    def screendump(self, device=None):
        """The console as QEMU shows it: (width, height, rgb); that of the
        display device with id device if given."""
        path = os.path.join(self.dir, "screen.ppm")
        self.qmp("screendump", filename=path, **({"device": device} if device else {}))
        return ppm.read_ppm(path)

    def text_screen(self):
        """The rows of the VGA text screen (characters only, trailing
        blanks cut), read from the guest's text memory at 0xb8000."""
        path = os.path.join(self.dir, "text.bin")
        self.qmp("pmemsave", val=0xb8000, size=80 * 25 * 2, filename=path)
        with open(path, "rb") as f:
            cells = f.read()
        return [cells[r * 160:(r + 1) * 160:2].decode("latin-1").rstrip(" \0")
                for r in range(25)]

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

    def serial(self):
        """The guest's serial console so far."""
        try:
            with open(self.serial_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_serial(self, pattern, timeout=60, client=None):
        """Wait until the serial console matches pattern (pumping client's
        GLib loop meanwhile, if given); returns the match."""
        found = [None]

        def seen():
            found[0] = re.search(pattern, self.serial())
            return found[0] is not None
        if client is not None:
            client.wait_until(seen, timeout, "guest serial /%s/" % pattern)
        else:
            common.wait_for(seen, timeout, "guest serial /%s/" % pattern, interval=0.1)
        return found[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def start_bridge(sp, vm, uid, *args, fd=None, bus=None):
    """spiced-qemu between vm and sp's display, as uid; returns the process
    once spiced logged it attached.  With fd, the bridge gets that
    display connection (--fd, as libvirt hands one out), with bus (a Bus)
    it finds QEMU there (--dbus), instead of QMP."""
    mark = sp.log_mark()
    how = ["--fd", str(fd)] if fd is not None else ["--dbus", bus.address] \
        if bus is not None else ["--qmp", vm.qmp_path]
    p = subprocess.Popen([SPICED_QEMU, "--socket", sp.producer_socket] + how +
                         ["--verbose"] + list(args),
                         stdout=sp.log, stderr=subprocess.STDOUT,
                         preexec_fn=common.demote_fn(uid),
                         pass_fds=() if fd is None else (fd,))
    common._procs.append(p)
    sp.wait_log(r'producer "spiced-qemu" \(pid \d+\) attached', 20, mark)
    return p
