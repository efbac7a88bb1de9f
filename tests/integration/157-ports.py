#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Byte-stream ports (qxl-shm MSG_PORT) from a scripted producer that
echoes what it gets, seen by raw clients: a named port is port channel 0
with PORT_INIT (its name, open), bytes go to the device and come back as
SPICEVMC_DATA, also after spiced restarted (the port and its channel's
worker handed to the next supervisor), a PORT_STATE becomes PORT_EVENT, a port added while a
session runs reaches it in a CHANNELS_LIST of its own; a client message
of another type ends only that channel.  Hostile ports (a second of one
name, a control character in the name, an unknown kind, a ninth one)
drop that producer with the reason while spiced and its sessions stay."""

import os
import signal
import struct

import common
import fdstore
import rawlink
import rawspice
from common import check

CH_USBREDIR, CH_PORT = 9, 10
MSG_SPICEVMC_DATA, MSG_PORT_INIT, MSG_PORT_EVENT = 101, 201, 202
MSG_MAIN_CHANNELS_LIST = 104


def port_link(sp, sid, cid=0):
    res, s, mini, _ = rawspice.link(sp.port, "pw", CH_PORT, connection_id=sid,
                                    channel_id=cid)
    check(res == 0, "port link: %s" % rawlink.ERR.get(res, res))
    return rawspice.Channel(s, mini=mini)


def expect(ch, want):
    while True:
        mtype, body = ch.next_message(10)
        if mtype == want:
            return body


def main():
    fdstore.become_subreaper()
    store = fdstore.FdStore(os.path.join(common.tmpdir(), "notify"))
    sp = common.Spiced(password="pw", env={"NOTIFY_SOCKET": store.path})
    common.wait_producer_socket(sp)
    prod = common.ScriptProducer(sp)
    prod.say("port named org.test.echo")
    sp.wait_log(r'port "org.test.echo" serves port channel 0 \(device open\)', 5)

    m = rawspice.open_session(sp.port, "pw")
    check((CH_PORT, 0) in m.channels, "CHANNELS_LIST %r lacks port 0" % m.channels)
    ch = port_link(sp, m.session_id)
    body = expect(ch, MSG_PORT_INIT)
    size, ptr, opened = struct.unpack_from("<IIB", body)
    check(body[ptr:ptr + size] == b"org.test.echo\0" and opened == 1,
          "PORT_INIT %r" % body)
    ch.send(MSG_SPICEVMC_DATA, b"hello, device")
    check(expect(ch, MSG_SPICEVMC_DATA) == b"hello, device", "no echo")
    big = bytes(range(256)) * 1024
    for off in range(0, len(big), 32768):
        ch.send(MSG_SPICEVMC_DATA, big[off:off + 32768])
    got = b""
    while len(got) < len(big):
        got += expect(ch, MSG_SPICEVMC_DATA)
    check(got == big, "256 KiB echo differs")

    # spiced restarts (the test playing systemd's fd store): the port,
    # its channel's worker and the session are handed over; the channel
    # still echoes and hears the producer's next PORT_STATE, which the
    # new supervisor reads.
    mark = sp.log_mark()
    sp.proc.send_signal(signal.SIGTERM)
    check(sp.proc.wait(timeout=15) == 0, "spiced exited %s" % sp.proc.returncode)
    sp.restart(activate=store.activate())
    sp.wait_log(r'display "t": 1 session kept from the previous run', 5, mark)
    ch.send(MSG_SPICEVMC_DATA, b"after the restart")
    check(expect(ch, MSG_SPICEVMC_DATA) == b"after the restart", "no echo after the restart")
    prod.say("port-state 0 0")
    check(expect(ch, MSG_PORT_EVENT) == b"\x01", "PORT_EVENT closed")

    # A port that comes later: a list of its own, with it alone.
    prod.say("port usbredir usb0")
    body = expect(m, MSG_MAIN_CHANNELS_LIST)
    check(body == struct.pack("<IBB", 1, CH_USBREDIR, 0), "later CHANNELS_LIST %r" % body)

    # A message that is not a byte-stream channel's: that channel only.
    mark = sp.log_mark()
    ch.send(104, b"x")
    sp.wait_log(r"unexpected message on a byte-stream channel", 5, mark)
    check(m.is_open(0.2), "the session went with its port channel")
    ch2 = port_link(sp, m.session_id)
    expect(ch2, MSG_PORT_INIT)

    # Hostile ports: the producer goes, spiced stays.
    prod.proc.stdin.write("port named org.test.echo\n")
    prod.proc.stdin.flush()
    check(prod.proc.wait(timeout=10) == 4, "a second port of one name was accepted")
    check("a second PORT of the same name" in prod.proc.stdout.read(), "no reason")
    for line, reason in (("port-raw 2 \\x01", "bad name"),
                         ("port-raw 9 odd", "unknown kind")):
        common.wait_producer_socket(sp)
        p = common.ScriptProducer(sp)
        p.proc.stdin.write(line + "\n")
        p.proc.stdin.flush()
        check(p.proc.wait(timeout=10) == 4, "%r was accepted" % line)
        check(reason in p.proc.stdout.read(), "%r: no reason" % line)
    p = common.ScriptProducer(sp)
    for i in range(8):
        p.say("port named org.test.%d" % i)
    p.proc.stdin.write("port-raw 2 org.test.8\n")
    p.proc.stdin.flush()
    check(p.proc.wait(timeout=10) == 4, "a ninth port was accepted")
    check("more than" in p.proc.stdout.read(), "ninth port: no reason")
    check(sp.alive() and m.is_open(0.2), "spiced or the session went")
    fdstore.finish(sp, store)


common.run(main)
