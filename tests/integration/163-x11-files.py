#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Files dropped on the viewer's window, saved by spiced-x11's agent: the
real spice-gtk client sends three files at once (one of a megabyte and a
half, an empty one, one whose name is taken, saved as "notes (1).txt"
beside the first); each arrives byte for byte, owned by the session's
user.  A file named with a line break is refused (spice-gtk reports the
name invalid), one larger than the disk's free space too (it reports the
lack of space), neither leaving anything.  A transfer the viewer cancels
midway and one whose viewer goes away midway leave no part behind.  With
--no-file-transfer the agent says so and spice-gtk refuses at once."""

import ctypes
import os
import re
import subprocess
import sys

from gi.repository import Gio, GLib, GObject

import common
import spice_client
import xsession
from common import check
from spice_client import Spice

W, H = 320, 240
CAP_FILE_XFER_DISABLED, CAP_FILE_XFER_DETAILED_ERRORS = 13, 14


# SpiceFileTransferTask::finished carries a GError, which PyGObject 3.42
# cannot hand to Python (the process crashes): connected through GObject's C
# API, reading the error's message as remote-viewer shows it.
class _GError(ctypes.Structure):
    _fields_ = [("domain", ctypes.c_uint32), ("code", ctypes.c_int),
                ("message", ctypes.c_char_p)]


_FINISHED = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(_GError), ctypes.c_void_p)
_gobject = ctypes.CDLL("libgobject-2.0.so.0")
_gobject.g_signal_connect_data.restype = ctypes.c_ulong
_gobject.g_signal_connect_data.argtypes = [ctypes.c_void_p, ctypes.c_char_p, _FINISHED,
                                           ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
ctypes.pythonapi.PyCapsule_GetPointer.restype = ctypes.c_void_p
ctypes.pythonapi.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


class Copy:
    """One spice-gtk file copy: its progress and its outcome."""

    def __init__(self, client, paths, cancel_at=None):
        self.c = client
        self.m = client.channel(spice_client.CHANNEL_MAIN)
        self.done = False
        self.error = None
        self.cancel_at = cancel_at
        self.cancellable = Gio.Cancellable()
        self.file_errors = []   # what remote-viewer shows for each file
        self.tasks = []
        self.callbacks = []
        self.hid = GObject.Object.connect(self.m, "new-file-transfer", self._new_task)
        Spice.MainChannel.file_copy_async(
            self.m, [Gio.File.new_for_path(p) for p in paths], Gio.FileCopyFlags.NONE,
            self.cancellable, None, None, self._finished, None)

    def _new_task(self, ch, task):
        self.tasks.append(task)     # alive while connected
        cb = _FINISHED(self._task_finished)
        self.callbacks.append(cb)
        _gobject.g_signal_connect_data(
            ctypes.pythonapi.PyCapsule_GetPointer(task.__gpointer__, None),
            b"finished", cb, None, None, 0)

    def _task_finished(self, task, error, data):
        if error:
            self.file_errors.append(error.contents.message.decode())

    def sent(self):
        """Bytes sent so far (spice-gtk's progress callback is freed by
        PyGObject once file_copy_async returns: the tasks are read)."""
        return sum(t.get_property("transferred-bytes") for t in self.tasks)

    def _poll(self):
        if self.cancel_at is not None and self.sent() >= self.cancel_at:
            self.cancellable.cancel()
        return self.done

    def _finished(self, ch, result, data):
        try:
            Spice.MainChannel.file_copy_finish(ch, result)
        except GLib.Error as e:
            self.error = e.message
        GObject.Object.handler_disconnect(self.m, self.hid)
        self.done = True

    def wait(self, timeout=30):
        """The copy's error, that of its one file if it failed."""
        self.c.wait_until(self._poll, timeout, "the file copy to end")
        return self.file_errors[0] if self.file_errors else self.error


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def client_waits_log(c, sp, pattern, mark, tolerate_error=False):
    """sp's log says pattern after mark, while the client runs (spice-gtk
    sends what it queued from its main loop)."""
    c.wait_until(lambda: re.search(pattern, sp.log_text()[mark:]), 10,
                 "log line /%s/" % pattern, tolerate_error=tolerate_error)


def close_viewer(c, sp):
    """c leaves, and spiced has seen its session end (spice-gtk closes its
    main channel from its main loop, which runs meanwhile; a channel
    still linking then reports an error)."""
    mark = sp.log_mark()
    c.disconnect()
    client_waits_log(c, sp, r"session \d+ ended", mark, tolerate_error=True)


def viewer(sp):
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_channels([spice_client.CHANNEL_MAIN], timeout=10)
    clip = spice_client.Clip(c)
    c.wait_until(clip.ready, 10, "the agent's capabilities")
    return c, clip.m.get_property("agent-caps-0")


def main():
    x = xsession.Xvfb(W, H)
    uid = common.producer_uid()
    src = os.path.join(common.tmpdir(), "client-side")
    dest = os.path.join(common.tmpdir(), "Downloads")
    os.mkdir(src)
    os.mkdir(dest)
    write(os.path.join(dest, "notes.txt"), b"already here\n")
    if uid is not None:
        os.chown(dest, uid, uid)
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    mark = sp.log_mark()
    x11 = xsession.start_spiced_x11(sp, x, uid, "--file-dir", dest)
    sp.wait_log(r"spiced-x11: file transfer: files from viewers are saved in %s" % dest,
                5, mark)

    c, caps = viewer(sp)
    check(caps & (1 << CAP_FILE_XFER_DETAILED_ERRORS) and
          not caps & (1 << CAP_FILE_XFER_DISABLED), "agent caps 0x%x" % caps)

    # Three files at once.
    photo = os.urandom(1536 * 1024 + 7)
    files = {"photo.jpg": photo, "empty": b"", "notes.txt": b"from the viewer\n"}
    for name, data in files.items():
        write(os.path.join(src, name), data)
    err = Copy(c, [os.path.join(src, n) for n in files]).wait()
    check(err is None, "the copy failed: %s" % err)
    check(read(os.path.join(dest, "photo.jpg")) == photo, "photo.jpg differs")
    check(read(os.path.join(dest, "empty")) == b"", "empty is not empty")
    check(read(os.path.join(dest, "notes (1).txt")) == files["notes.txt"],
          "notes (1).txt differs")
    check(read(os.path.join(dest, "notes.txt")) == b"already here\n",
          "the file already there was touched")
    if uid is not None:
        owner = os.stat(os.path.join(dest, "photo.jpg")).st_uid
        check(owner == uid, "photo.jpg is owned by %d, not the session's %d" % (owner, uid))
    sp.wait_log(r'spiced-x11: file transfer \d+: "photo.jpg" \(%d bytes\) saved in' % len(photo), 5)
    before = sorted(os.listdir(dest))

    # Refused: a name with a line break, a file larger than the free space.
    bad = os.path.join(src, "line\nbreak.txt")
    write(bad, b"x")
    err = Copy(c, [bad]).wait()
    check(err is not None and "Invalid filename" in err, "line break in a name: %s" % err)
    st = os.statvfs(dest)
    huge = os.path.join(src, "huge.img")
    with open(huge, "wb") as f:
        f.truncate(st.f_bavail * st.f_frsize + (1 << 30))
    err = Copy(c, [huge]).wait()
    check(err is not None and "lack of free space" in err, "a file over the free space: %s" % err)
    check(sorted(os.listdir(dest)) == before, "refused files left %s" % os.listdir(dest))

    # Cancelled by the viewer midway: no part left.
    big = os.path.join(src, "big.bin")
    write(big, os.urandom(1 << 20) * 48)
    mark = sp.log_mark()
    cp = Copy(c, [big], cancel_at=4 << 20)
    err = cp.wait(60)
    check(err is not None and cp.sent() < 48 << 20, "cancelled copy: %s after %d bytes"
          % (err, cp.sent()))
    # spice-gtk queues its CANCELLED without waking its main channel: it
    # goes with the channel's next message, spiced's ping within 10 s or,
    # sooner, a message of the client's own (a mouse mode request).
    Spice.MainChannel.request_mouse_mode(cp.m, 2)
    client_waits_log(c, sp, r'"big.bin" \(\d+ of %d bytes\) cancelled by the client; '
                     r'removed' % (48 << 20), mark)
    check(sorted(os.listdir(dest)) == before, "a cancelled copy left %s" % os.listdir(dest))

    # The viewer goes away midway (killed, as a remote-viewer whose
    # machine stopped; spice-gtk keeps its main channel open while a
    # transfer runs, so a disconnect from this process would not do).
    close_viewer(c, sp)
    mark = sp.log_mark()
    p = subprocess.Popen(["/usr/bin/python3", os.path.abspath(__file__), "--viewer",
                          str(sp.port), big], stdout=subprocess.PIPE, text=True)
    common._procs.append(p)
    line = p.stdout.readline()
    check(line.startswith("sending"), "the killed viewer said %r" % line)
    p.kill()
    p.wait()
    sp.wait_log(r'"big.bin" \(\d+ of %d bytes\) ended: the client went away; removed'
                % (48 << 20), 10, mark)
    check(sorted(os.listdir(dest)) == before, "a viewer gone left %s" % os.listdir(dest))

    # Turned off.
    x11.terminate()
    check(x11.wait(timeout=15) == 0, "spiced-x11 did not stop on SIGTERM")
    xsession.start_spiced_x11(sp, x, uid, "--no-file-transfer")
    c, caps = viewer(sp)
    check(caps & (1 << CAP_FILE_XFER_DISABLED), "agent caps 0x%x without file transfer" % caps)
    err = Copy(c, [os.path.join(src, "empty")]).wait()
    check(err is not None and "disabled" in err, "copy with file transfer off: %s" % err)
    close_viewer(c, sp)
    check(sorted(os.listdir(dest)) == before, "file transfer off wrote %s" % os.listdir(dest))
    print("files: 3 saved, 2 refused, a cancelled and an abandoned transfer removed, "
          "off when asked")


def viewer_process(port, path):
    """--viewer PORT PATH: a viewer that sends path and says "sending"
    once 4 MiB went, then waits to be killed."""
    sp = type("Spiced", (), {"port": port})
    c, _ = viewer(sp)
    cp = Copy(c, [path])
    c.wait_until(lambda: cp.sent() >= 4 << 20, 30, "the transfer under way")
    print("sending", flush=True)
    c.wait_until(lambda: False, 60, "the end")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--viewer":
        viewer_process(int(sys.argv[2]), sys.argv[3])
    else:
        common.run(main)
