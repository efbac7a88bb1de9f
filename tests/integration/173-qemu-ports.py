#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Byte streams of a VM through spiced-qemu: QEMU's D-Bus chardevs become
SPICE channels.  A named virtio port (org.spice-space.test.0) that the
test's Linux guest echoes is a port channel in spice-gtk: its name and
open state arrive, and 256 KiB written by the client come back byte for
byte (flow control both ways).  A usb-redir device's chardev
(org.spice-space.usbredir.0) is a usbredir channel: a raw client gets
QEMU's usbredir hello on it.  A stream serves one session at a time: a
second session is refused the channel (CHANNEL_NOT_AVAILABLE) while the
first has it, and gets it once the first is gone; a view-only session is
refused (PERMISSION_DENIED)."""

import ctypes
import os

import common
import rawlink
import rawspice
import spice_client
import vm
from common import check
from gi.repository import GObject
from spice_client import Spice

CH_USBREDIR, CH_PORT = 9, 10
NOT_AVAILABLE, DENIED = 9, 7
MSG_SPICEVMC_DATA = 101


def usbredir_hello(port, password, sid):
    """Link usbredir channel 0 of session sid; return the first
    SPICEVMC_DATA (QEMU's hello) or the link error."""
    res, s, mini, _ = rawspice.link(port, password, CH_USBREDIR, connection_id=sid)
    if res != 0:
        return res, None
    ch = rawspice.Channel(s, mini=mini)
    mtype, body = ch.next_message(10)
    while mtype != MSG_SPICEVMC_DATA:
        mtype, body = ch.next_message(10)
    return 0, (ch, body)


def main():
    vm.need_linux()
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid) +
                       '\npassword-view-only = "look"')
    common.wait_producer_socket(sp)
    q = vm.Qemu(uid, extra=vm.PORT_CHARDEVS + vm.USBREDIR_CHARDEV, linux=True)
    vm.start_bridge(sp, q, uid)
    sp.wait_log(r'port "org.spice-space.usbredir.0" serves usbredir channel 0', 10)
    sp.wait_log(r'port "%s" serves port channel 0' % vm.ECHO_PORT, 10)

    # usbredir: a raw session gets QEMU's hello.
    m = rawspice.open_session(sp.port, "pw")
    check((CH_USBREDIR, 0) in m.channels and (CH_PORT, 0) in m.channels,
          "CHANNELS_LIST %r lacks usbredir 0 or port 0" % m.channels)
    res, got = usbredir_hello(sp.port, "pw", m.session_id)
    check(res == 0, "usbredir link: %s" % rawlink.ERR.get(res, res))
    uch, hello = got
    check(b"qemu usb-redir guest" in hello, "not QEMU's usbredir hello: %r" % hello[:80])
    # Taken: another session is refused; view-only too.
    m2 = rawspice.open_session(sp.port, "pw")
    res = rawlink.link(sp.port, "pw", CH_USBREDIR, connection_id=m2.session_id)[0]
    check(res == NOT_AVAILABLE, "a second session's usbredir: %s" % rawlink.ERR.get(res, res))
    look = rawspice.open_session(sp.port, "look")
    check((CH_USBREDIR, 0) not in look.channels, "a view-only session was offered usbredir")
    res = rawlink.link(sp.port, "look", CH_PORT, connection_id=look.session_id)[0]
    check(res == DENIED, "a view-only session's port: %s" % rawlink.ERR.get(res, res))
    # Given back when its session goes.
    uch.close()
    m.close()
    common.wait_for(lambda: rawlink.link(sp.port, "pw", CH_USBREDIR,
                                         connection_id=m2.session_id)[0] == 0, 10,
                    "usbredir free again for the second session")
    # The raw sessions end before spice-gtk comes, or it could ask for
    # usbredir while the second one still holds it (and take the refusal
    # as an authentication error).
    for raw in (m2, look):
        mark = sp.log_mark()
        raw.close()
        sp.wait_log(r"session %d ended" % raw.session_id, 10, mark)

    # The echo port in spice-gtk.
    c = spice_client.connect(port=sp.port, password="pw")
    c.wait_until(lambda: (CH_PORT, 0) in c.opened, 20, "the port channel")
    pch = c.channel(CH_PORT)
    c.wait_until(lambda: pch.get_property("port-name") is not None, 10, "PORT_INIT")
    check(pch.get_property("port-name") == vm.ECHO_PORT, "port name %r" % pch.get_property("port-name"))
    # The Linux guest opens it once booted (TCG: slow on a loaded machine).
    c.wait_until(lambda: pch.get_property("port-opened"), 90, "the guest's end open")
    got = bytearray()

    def on_data(ch, data, size):
        got.extend(ctypes.string_at(data, size))
    GObject.Object.connect(pch, "port-data", on_data)
    data = os.urandom(256 * 1024)
    # spice-gtk writes from the buffer later: each stays referenced.
    pieces = [data[off:off + 16384] for off in range(0, len(data), 16384)]
    for piece in pieces:
        Spice.PortChannel.write_async(pch, piece, None, None, None)
    c.wait_until(lambda: len(got) >= len(data), 60, "the echo of 256 KiB")
    check(bytes(got[:len(data)]) == data, "the echo differs")
    check(sp.alive(), "spiced died")


common.run(main)
