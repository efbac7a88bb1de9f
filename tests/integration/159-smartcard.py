#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The smartcard channel: a producer's smartcard port (qxl-shm PORT kind
3) whose device end this test plays as QEMU's ccid-card-passthru does
(VSCard, headers in network order), and spice-gtk with its software
smartcard (libcacard, three certificates in an NSS database made here).
The viewer's reader reaches the device as ReaderAdd (reader 0, no name),
its card as an ATR once the device answered; an APDU from the device
is answered by the card (SELECT of the CAC applet 90 00 or 61 xx, of an
unknown applet 6A 82); the viewer leaving removes its reader.  Raw
clients: the device's answer to the viewer's reader removal is not the
next client's, a second ReaderAdd is answered by spiced (no more readers), a
VSCard length that is not the message's size and a message for another
reader end that channel only, with a log line; a device announcing a
message over 64 KiB ends the channel, spiced and the session stay.
spiced restarted (the test playing systemd's fd store) while the worker
of a session that ended still waits for the device's answer to its
reader's removal: the next supervisor keeps the port from another
session until that worker has the answer and ends."""

import os
import signal
import socket
import struct
import subprocess
import time

import common
import fdstore
import rawlink
import rawspice
import spice_client
from common import check

CH_SMARTCARD = 8
MSG_DATA = 101
(VSC_INIT, VSC_ERROR, VSC_READER_ADD, VSC_READER_REMOVE, VSC_ATR,
 VSC_CARD_REMOVE, VSC_APDU) = range(1, 8)
NO_READER = 0xffffffff
NOT_AVAILABLE = 9
NAME = "org.spice-space.smartcard.0"
# SELECT by name of the CAC PKI applet libcacard emulates, and of none.
SELECT_CAC = bytes.fromhex("00a4040007a0000000790100")
SELECT_NONE = bytes.fromhex("00a4040005f0f1f2f3f4")


class Device:
    """The device end of the port: ccid-card-passthru's side of VSCard."""

    def __init__(self, d):
        self.path = os.path.join(d, "ccid.sock")
        self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.lsock.bind(self.path)
        os.chmod(self.path, 0o777)      # the producer runs as another user
        self.lsock.listen(1)
        self.sock = None
        self.buf = b""

    def accept(self):
        self.lsock.settimeout(10)
        self.sock, _ = self.lsock.accept()

    def send(self, vtype, data=b"", reader=0):
        self.sock.sendall(struct.pack(">III", vtype, reader, len(data)) + data)

    def recv(self, timeout=10, pump=None):
        """The next message (type, reader, data); pump() runs a client's
        loop meanwhile."""
        self.sock.settimeout(0.05 if pump else timeout)
        end = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 12:
                t, r, n = struct.unpack(">III", self.buf[:12])
                if len(self.buf) >= 12 + n:
                    data, self.buf = self.buf[12:12 + n], self.buf[12 + n:]
                    return t, r, data
            check(time.monotonic() < end, "the device got no whole message")
            if pump:
                pump()
            try:
                got = self.sock.recv(65536)
            except socket.timeout:
                continue
            check(got != b"", "the device's stream closed")
            self.buf += got

    def answer_until(self, want, timeout=10, pump=None):
        """The next message of type want; an ATR before it (spice-gtk's
        software card may announce itself again under load) is answered
        as ccid-card-passthru does."""
        while True:
            t, r, data = self.recv(timeout, pump)
            if t == want or t != VSC_ATR:
                return t, r, data
            self.send(VSC_ERROR, struct.pack(">I", 0))

    def quiet(self, seconds):
        self.sock.settimeout(seconds)
        try:
            return self.sock.recv(65536)
        except socket.timeout:
            return b""


def nss_db(d):
    """An NSS database with the three certificates libcacard's soft card
    wants."""
    db = os.path.join(d, "nssdb")
    os.mkdir(db)
    subprocess.run(["certutil", "-N", "-d", "sql:" + db, "--empty-password"],
                   check=True, capture_output=True)
    for i in (1, 2, 3):
        noise = os.path.join(d, "noise")
        with open(noise, "wb") as f:
            f.write(os.urandom(64))
        subprocess.run(["certutil", "-S", "-d", "sql:" + db, "-n", "cert%d" % i,
                        "-s", "CN=spiced smartcard test %d" % i, "-x", "-t", "CT,CT,CT",
                        "-k", "rsa", "-g", "2048", "-v", "12", "-z", noise],
                       check=True, capture_output=True)
    return db


def sc_link(sp, sid):
    """Link the smartcard channel; while the last client's worker still
    ends (it waits for the device's answer to its reader's removal) the
    channel is not available yet."""
    end = time.monotonic() + 5
    while True:
        res, s, mini, _ = rawspice.link(sp.port, "pw", CH_SMARTCARD, connection_id=sid)
        if res != NOT_AVAILABLE or time.monotonic() > end:
            break
        time.sleep(0.05)
    check(res == 0, "smartcard link: %s" % rawlink.ERR.get(res, res))
    return rawspice.Channel(s, mini=mini)


def vsc_le(vtype, reader=0, data=b"", length=None):
    return struct.pack("<III", vtype, reader, len(data) if length is None else length) + data


def answer(ch):
    while True:
        mtype, body = ch.next_message(10)
        if mtype == MSG_DATA:
            return struct.unpack_from("<III", body) + (body[12:],)


def viewer(sp, dev, db):
    """spice-gtk with its software card, end to end."""
    c = spice_client.Client(port=sp.port, password="pw")
    c.session.set_property("enable-smartcard", True)
    c.session.set_property("smartcard-db", "sql:" + db)
    c.session.set_property("smartcard-certificates", ["cert1", "cert2", "cert3"])
    c.start()
    def pump():
        spice_client._iterate(0.05)

    t, r, data = dev.recv(20, pump)
    check((t, r, data) == (VSC_READER_ADD, 0, b""),
          "the device's first message %r, not ReaderAdd for reader 0 without a name" % ((t, r, data),))
    dev.send(VSC_ERROR, struct.pack(">I", 0))
    t, r, atr = dev.recv(10, pump)
    check(t == VSC_ATR and r == 0 and 2 <= len(atr) <= 33 and atr[0] in (0x3b, 0x3f),
          "after the reader, %r is not the card's ATR" % ((t, r, atr),))
    dev.send(VSC_ERROR, struct.pack(">I", 0))
    dev.send(VSC_APDU, SELECT_CAC)
    t, r, resp = dev.answer_until(VSC_APDU, 10, pump)
    check(t == VSC_APDU and r == 0 and len(resp) >= 2, "SELECT answered %r" % ((t, r, resp),))
    check(resp[-2:] == b"\x90\x00" or resp[-2] == 0x61,
          "the card answered SELECT of the CAC applet with %s" % resp[-2:].hex())
    dev.send(VSC_APDU, SELECT_NONE)
    t, r, resp = dev.answer_until(VSC_APDU, 10, pump)
    check(t == VSC_APDU and resp[-2:] == b"\x6a\x82",
          "the card answered SELECT of no applet with %r" % ((t, r, resp),))
    c.disconnect()
    # spice-gtk may still send card events as it goes (its card taken
    # out, even an ATR under load); the reader goes last either way, and
    # the device answers each, as QEMU does: answers to nobody, read by
    # the leaving client's worker, not passed on by the next client's as
    # answers to what it asks (checked below: that client's first answer
    # is spiced's own).
    while True:
        t, r, _ = dev.recv(10)
        check(t in (VSC_ATR, VSC_CARD_REMOVE, VSC_READER_REMOVE) and r == 0,
              "the viewer left: the device got %r" % ((t, r),))
        dev.send(VSC_ERROR, struct.pack(">I", 0))
        if t == VSC_READER_REMOVE:
            break


def main():
    fdstore.become_subreaper()
    store = fdstore.FdStore(os.path.join(common.tmpdir(), "notify"))
    d = common.tmpdir()
    db = nss_db(d)
    sp = common.Spiced(password="pw", env={"NOTIFY_SOCKET": store.path})
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    dev = Device(d)
    prod.say("port-sock smartcard %s %s" % (NAME, dev.path))
    dev.accept()
    # What ccid-card-passthru says first; clients never see it.
    dev.send(VSC_INIT, struct.pack(">III", 0x56534344, 2, 0))
    sp.wait_log(r'port "%s" serves smartcard channel 0' % NAME, 5)

    viewer(sp, dev, db)

    m = rawspice.open_session(sp.port, "pw")
    check((CH_SMARTCARD, 0) in m.channels, "CHANNELS_LIST %r lacks smartcard 0" % m.channels)
    ch = sc_link(sp, m.session_id)
    ch.send(MSG_DATA, vsc_le(VSC_READER_ADD, NO_READER, b"reader name"))
    check(dev.recv()[:3] == (VSC_READER_ADD, 0, b""), "ReaderAdd not passed on")
    ch.send(MSG_DATA, vsc_le(VSC_READER_ADD, NO_READER, b"another"))
    check(answer(ch) == (VSC_ERROR, NO_READER, 4, struct.pack("<I", 2)),
          "a second reader was not refused by spiced")
    check(dev.quiet(0.3) == b"", "the second ReaderAdd reached the device")
    ch.send(MSG_DATA, vsc_le(VSC_INIT))     # ignored, as the reference does
    ch.send(MSG_DATA, vsc_le(VSC_APDU, 0, b"\x90\x00"))
    check(dev.recv()[:3] == (VSC_APDU, 0, b"\x90\x00"), "an APDU answer not passed on")
    dev.send(VSC_APDU, b"\x00\xb0\x00\x00\x10", reader=7)
    check(answer(ch) == (VSC_APDU, 0, 5, b"\x00\xb0\x00\x00\x10"),
          "the device's APDU is not the client's reader 0's")

    mark = sp.log_mark()
    ch.send(MSG_DATA, vsc_le(VSC_APDU, 3, b"\x90\x00"))
    sp.wait_log(r"a VSCard message for a reader that does not exist", 5, mark)
    ch.expect_closed()
    check(dev.recv()[:2] == (VSC_READER_REMOVE, 0), "the reader outlived its channel")

    ch = sc_link(sp, m.session_id)
    mark = sp.log_mark()
    ch.send(MSG_DATA, vsc_le(VSC_APDU, 0, b"\x90\x00", length=100))
    sp.wait_log(r"SMARTCARD_DATA whose VSCard length is not its size", 5, mark)
    ch.expect_closed()
    check(dev.quiet(0.3) == b"", "a bad message reached the device")

    # spiced restarts (the test playing systemd's fd store) while the
    # worker of a session that ended still waits for the device's answer
    # to its reader's removal: the next supervisor keeps the port from
    # other sessions until that worker ends, and the answer is not theirs.
    m2 = rawspice.open_session(sp.port, "pw")
    ch = sc_link(sp, m2.session_id)
    ch.send(MSG_DATA, vsc_le(VSC_READER_ADD, NO_READER, b"r"))
    check(dev.recv()[:3] == (VSC_READER_ADD, 0, b""), "ReaderAdd not passed on")
    mark = sp.log_mark()
    t0 = time.monotonic()
    m2.close()
    ch.close()
    check(dev.recv()[:2] == (VSC_READER_REMOVE, 0), "no ReaderRemove")
    sp.wait_log(r"session %d ended" % m2.session_id, 5, mark)
    mark = sp.log_mark()
    sp.proc.send_signal(signal.SIGTERM)
    check(sp.proc.wait(timeout=15) == 0, "spiced exited %s" % sp.proc.returncode)
    sp.restart(activate=store.activate())
    sp.wait_log(r'display "t": \d+ sessions? kept from the previous run', 5, mark)
    res, s, _, _ = rawspice.link(sp.port, "pw", CH_SMARTCARD, connection_id=m.session_id)
    if s is not None:
        s.close()
    # The worker gives the device 2 s (role-vmc.c): a machine too loaded
    # to restart spiced well within them cannot tell.
    took = time.monotonic() - t0
    print("# restarted and linked %.2f s after the session ended" % took)
    if took < 1.5:
        check(res == NOT_AVAILABLE, "another session got the port while the ended "
              "one's worker still ended (link %s)" % rawlink.ERR.get(res, res))
        sp.wait_log(r"whose last session's channel is still closing", 1, mark)
        dev.send(VSC_ERROR, struct.pack(">I", 0))
    else:
        sp.wait_log(r"did not take the closed client's last", 5, mark)
    ch = sc_link(sp, m.session_id)
    ch.send(MSG_DATA, vsc_le(VSC_READER_ADD, NO_READER, b"r"))
    check(dev.recv()[:3] == (VSC_READER_ADD, 0, b""), "ReaderAdd after the restart")
    try:
        got = ch.next_message(0.3)
    except TimeoutError:
        got = None
    check(got is None, "the new client got %r, meant for the last one" % (got,))
    ch.close()
    check(dev.recv()[:2] == (VSC_READER_REMOVE, 0), "no ReaderRemove after the restart")
    dev.send(VSC_ERROR, struct.pack(">I", 0))

    ch = sc_link(sp, m.session_id)
    mark = sp.log_mark()
    dev.sock.sendall(struct.pack(">III", VSC_APDU, 0, 1 << 20))
    sp.wait_log(r"the smartcard device sent a VSCard message over 64 KiB", 5, mark)
    ch.expect_closed()
    check(sp.alive() and m.is_open(0.2), "spiced or the session went with the channel")

    # A producer with two readers is refused: one device per display.
    prod.proc.stdin.write("port-sock smartcard %s.1 %s\n" % (NAME, dev.path))
    prod.proc.stdin.flush()
    check(prod.proc.wait(timeout=10) == 4, "a second smartcard port was accepted")
    check("a second smartcard PORT" in prod.proc.stdout.read(), "no reason")
    check(sp.alive(), "spiced went with the producer")
    fdstore.finish(sp, store)


common.run(main)
