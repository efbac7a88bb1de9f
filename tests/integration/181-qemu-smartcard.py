#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A VM's smartcard reader through spiced-qemu: QEMU's ccid-card-passthru
on a usb-ccid, its chardev on QEMU's D-Bus display named
org.spice-space.smartcard.0, is the smartcard channel.  A raw client's
reader and card reach QEMU, which answers them itself (VSC_Error with
code 0: the reader attached to the CCID device, the card's ATR taken,
as usb-ccid's own log says); the client leaving detaches the reader
from the VM (spiced's ReaderRemove), whether its smartcard channel
closes or its whole session ends first, and the next session's reader
and card are taken again, their answers the first this client gets
(QEMU's answer to the removal went to nobody)."""

import os
import re
import struct
import time

import common
import rawlink
import rawspice
import vm
from common import check

CH_SMARTCARD = 8
MSG_DATA = 101
VSC_ERROR, VSC_READER_ADD, VSC_ATR = 2, 3, 5
NOT_AVAILABLE = 9
CCID = ["-device", "qemu-xhci", "-device", "usb-ccid,debug=1",
        "-chardev", "dbus,id=ccid0,name=org.spice-space.smartcard.0",
        "-device", "ccid-card-passthru,chardev=ccid0"]
# A card's answer to reset (libcacard's emulated CAC card's).
ATR = bytes.fromhex("3b7a18000073667465206364313434")


def vsc(vtype, data=b"", reader=0):
    return struct.pack("<III", vtype, reader, len(data)) + data


def answer(ch):
    while True:
        mtype, body = ch.next_message(10)
        if mtype == MSG_DATA:
            return struct.unpack_from("<III", body) + (body[12:],)


def link(sp):
    """A new session's smartcard channel (the last one's worker may still
    be ending)."""
    m = rawspice.open_session(sp.port, "pw")
    check((CH_SMARTCARD, 0) in m.channels, "CHANNELS_LIST %r lacks smartcard 0" % m.channels)
    end = time.monotonic() + 5
    while True:
        res, s, mini, _ = rawspice.link(sp.port, "pw", CH_SMARTCARD, connection_id=m.session_id)
        if res != NOT_AVAILABLE or time.monotonic() > end:
            break
        time.sleep(0.05)
    check(res == 0, "smartcard link: %s" % rawlink.ERR.get(res, res))
    return m, rawspice.Channel(s, mini=mini)


def reader_and_card(ch, what):
    ch.send(MSG_DATA, vsc(VSC_READER_ADD, b"spiced test reader", reader=0xffffffff))
    t, r, n, data = answer(ch)
    check((t, r, n) == (VSC_ERROR, 0, 4) and struct.unpack(">I", data)[0] == 0,
          "%s: QEMU answered the reader with %r" % (what, (t, r, n, data)))
    ch.send(MSG_DATA, vsc(VSC_ATR, ATR))
    t, r, n, data = answer(ch)
    check((t, r, n) == (VSC_ERROR, 0, 4) and struct.unpack(">I", data)[0] == 0,
          "%s: QEMU answered the card with %r" % (what, (t, r, n, data)))


def ccid_log(q):
    """What usb-ccid (debug=1) said on QEMU's stderr: its reader's
    attaches and detaches."""
    with open(os.path.join(q.dir, "qemu.log")) as f:
        return re.findall(r"CCID (Attach|Detach)", f.read())


def main():
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    q = vm.Qemu(uid, extra=CCID)
    vm.start_bridge(sp, q, uid)
    sp.wait_log(r'port "org.spice-space.smartcard.0" serves smartcard channel 0', 10)

    m, ch = link(sp)
    reader_and_card(ch, "first session")
    check(ccid_log(q) == ["Attach"], "QEMU's CCID reader: %r" % ccid_log(q))
    # The viewer goes, its main channel first (the session ends while
    # its smartcard channel is open): its reader is unplugged from the
    # VM all the same.
    m.close()
    common.wait_for(lambda: ccid_log(q) == ["Attach", "Detach"], 10,
                    "QEMU detaching the reader of the session that ended")
    ch.close()
    m, ch = link(sp)
    reader_and_card(ch, "second session")
    check(ccid_log(q) == ["Attach", "Detach", "Attach"], "QEMU's CCID reader: %r" % ccid_log(q))
    # This one closes its smartcard channel first.
    ch.close()
    common.wait_for(lambda: ccid_log(q) == ["Attach", "Detach", "Attach", "Detach"], 10,
                    "QEMU detaching the reader of the channel that closed")
    m.close()
    check(sp.alive(), "spiced went")


common.run(main)
