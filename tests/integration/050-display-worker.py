#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Display worker on its own, driven as the supervisor would drive it: a
producer's memslot, QXLRam and primary; two display clients (one with
the LZ4 cap, one without, which gets QUIC) that must get SURFACE_CREATE, the exact primary as DRAW_COPY and
MARK; a FILL command through the ring that must reach both clients as a
DRAW_FILL of exactly the damaged area in its colour (a solid area is sent
as one) and come back on the release ring; a
second DISPLAY_INIT that closes only its own connection; a producer
that sends garbage, which must end in PRODUCER_FAULT; then, as the
supervisor detaches that producer (PRODUCER_GONE), the client keeps its
connection and sees the primary go, and a new producer's primary reaches
the same client: the worker outlives its producers."""

import ctypes
import fcntl
import mmap
import os
import select
import socket
import struct
import time

import common
import ipcdrive
import rawspice
from common import check


SLOT_SIZE = 16 << 20
PRIM_OFF = 1 << 20
CMD_OFF = 8 << 20
W, H = 320, 200
CMD_RING, RELEASE_RING = 4108, 5172

lz4 = ctypes.CDLL("liblz4.so.1")


def phys(off, slot=0, gen=0):
    return (slot << 56) | (gen << 48) | off


class Client:
    def __init__(self, ipc, conn, lz4cap):
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        info = ipcdrive.client_payload(2, common_caps=[1 << 3],
                                       channel_caps=[(1 << 5) if lz4cap else 0])
        ipcdrive.send(ipc, "IPC_D2W_CLIENT", info, [theirs.fileno()], session=7, conn=conn)
        theirs.close()
        self.buf = b""

    def send(self, typ, body=b""):
        self.sock.sendall(struct.pack("<HI", typ, len(body)) + body)

    def recv(self, timeout=5):
        end = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 6:
                typ, ln = struct.unpack_from("<HI", self.buf)
                if len(self.buf) >= 6 + ln:
                    body = self.buf[6:6 + ln]
                    self.buf = self.buf[6 + ln:]
                    if typ == 3:        # SET_ACK: answer ACK_SYNC
                        self.send(1, body[:4])
                        continue
                    return typ, body
            left = end - time.monotonic()
            check(left > 0, "a display message")
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                d = self.sock.recv(1 << 20)
                if not d:
                    return None, b""
                self.buf += d

    def init(self):
        self.send(101, struct.pack("<BqBi", 1, 20971520, 1, 3145728))


def decode_draw_copy(body, cache=None):
    """Return (box as (left, top, right, bottom), packed xRGB bytes).
    Images sent with CACHE_ME are kept in cache (a dict, when given) and
    FROM_CACHE taken from it."""
    surface, top, left, bottom, right, clip, bmp = struct.unpack_from("<IiiiiBI", body)
    check(surface == 0 and clip == 0 and bmp == 61, "DRAW_COPY fixed part")
    rop, = struct.unpack_from("<H", body, 41)
    check(rop == 8, "DRAW_COPY rop OP_PUT")
    _id, typ, flags, w, h = struct.unpack_from("<QBBII", body, 61)
    check((w, h) == (right - left, bottom - top), "image size = box size")
    data = body[79:]
    if typ == 103:
        check(cache is not None and _id in cache, "FROM_CACHE of an image sent before")
        return (left, top, right, bottom), cache[_id]
    if typ == 109:
        size, = struct.unpack_from("<I", data)
        check(size == len(data) - 4, "LZ4 size field")
        check(data[4] == 1 and data[5] == 8, "LZ4 top_down and format")
        out = ctypes.create_string_buffer(w * h * 4)
        lz4.LZ4_createStreamDecode.restype = ctypes.c_void_p
        ds = lz4.LZ4_createStreamDecode()
        pos, done = 6, 0
        while pos < len(data):
            blen, = struct.unpack_from(">I", data, pos)
            pos += 4
            n = lz4.LZ4_decompress_safe_continue(
                ctypes.c_void_p(ds), data[pos:pos + blen],
                ctypes.byref(out, done), blen, w * h * 4 - done)
            check(n > 0, "LZ4 block decodes")
            done += n
            pos += blen
        check(done == w * h * 4, "LZ4 output size")
        pix = out.raw
    elif typ == 1:
        size, = struct.unpack_from("<I", data)
        check(size == len(data) - 4, "QUIC size field")
        pix = rawspice.quic_decode(data[4:], w, h)
    else:
        check(typ == 0, "image type BITMAP")
        fmt, bflags, bw, bh, stride, pal = struct.unpack_from("<BBIIII", data)
        check((fmt, bflags, bw, bh, stride, pal) == (8, 4, w, h, w * 4, 0), "bitmap header")
        pix = data[18:]
        check(len(pix) == w * h * 4, "bitmap size")
    if flags & 1 and cache is not None:
        cache[_id] = pix
    return (left, top, right, bottom), pix


def prim_pixel(x, y):
    return ((x * 7) & 0xff) << 16 | ((y * 3) & 0xff) << 8 | ((x ^ y) & 0xff)


def rgb_rows(pix, w, h):
    return [[struct.unpack_from("<I", pix, (y * w + x) * 4)[0] & 0xffffff
             for x in range(w)] for y in range(h)]


def attach_producer(ipc):
    mfd = os.memfd_create("slot0", os.MFD_ALLOW_SEALING)
    os.ftruncate(mfd, SLOT_SIZE)
    fcntl.fcntl(mfd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
    mem = mmap.mmap(mfd, SLOT_SIZE)
    mem[0:4] = b"QXRA"
    for off, n in ((CMD_RING, 32), (4640, 32), (RELEASE_RING, 8), (5348, 8)):
        struct.pack_into("<IIIII", mem, off, n, 0, 1, 0, 0)
    for y in range(H):
        mem[PRIM_OFF + y * W * 4:PRIM_OFF + (y + 1) * W * 4] = b"".join(
            struct.pack("<I", prim_pixel(x, y)) for x in range(W))
    ipcdrive.send(ipc, "IPC_D2W_MEMSLOT", struct.pack("<IIQ", 0, 0, SLOT_SIZE), [mfd])
    bell, irq = os.eventfd(0, os.EFD_NONBLOCK), os.eventfd(0, os.EFD_NONBLOCK)
    ipcdrive.send(ipc, "IPC_D2W_DEVICE", struct.pack("<IIQ", 0, 0, 0), [bell, irq])
    ipcdrive.send(ipc, "IPC_D2W_PRIMARY_CREATE", struct.pack("<IIiIQ", W, H, W * 4, 32, phys(PRIM_OFF)))
    return mem, bell


def push_cmd(mem, bell, data, typ=1):
    num, prod, nprod, cons, ncons = struct.unpack_from("<IIIII", mem, CMD_RING)
    struct.pack_into("<QII", mem, CMD_RING + 20 + (prod & 31) * 16, data, typ, 0)
    # prod must change in one aligned 32-bit store, as a real producer's
    # does: struct.pack_into zero-fills its target first, so the worker
    # could read prod 0 in between and rightly call the ring corrupt.
    ctypes.c_uint32.from_buffer(mem, CMD_RING + 4).value = prod + 1
    if prod + 1 == struct.unpack_from("<I", mem, CMD_RING + 8)[0]:
        os.eventfd_write(bell, 1)


def fill_drawable(mem, off, rid, bbox, color):
    left, top, right, bottom = bbox
    body = struct.pack("<Q", rid)               # QXLReleaseInfo (a union)
    body += struct.pack("<IBBB", 0, 0, 1, 0)    # surface_id, effect, type FILL, self_bitmap
    body += struct.pack("<iiii", 0, 0, 0, 0)    # self_bitmap_area
    body += struct.pack("<iiii", top, left, bottom, right)
    body += struct.pack("<IQ", 0, 0)            # clip NONE
    body += struct.pack("<I", 0)                # mm_time
    body += struct.pack("<iii", -1, -1, -1)     # surfaces_dest
    body += b"\0" * 48                          # surfaces_rects
    body += struct.pack("<IIQii", 1, color, 0, 0, 0)[:20]  # brush SOLID
    body += struct.pack("<H", 8)                # rop OP_PUT
    body += struct.pack("<BiiQ", 0, 0, 0, 0)    # mask
    mem[off:off + len(body)] = body
    return len(body)


def main():
    tmp = common.tmpdir()
    p, ipc = ipcdrive.start_worker("display", tmp)
    mem, bell = attach_producer(ipc)

    a = Client(ipc, 1, True)
    b = Client(ipc, 2, False)
    want = [[prim_pixel(x, y) for x in range(W)] for y in range(H)]
    a_cache = {}		# a's pixmap cache, as spice-gtk keeps it
    for c in (a, b):
        c.init()
        typ, body = c.recv()
        check(typ == 314, "SURFACE_CREATE first, got %r" % typ)
        check(struct.unpack("<5I", body) == (0, W, H, 32, 1), "SURFACE_CREATE body")
        typ, body = c.recv()
        check(typ == 304, "DRAW_COPY of the primary")
        box, pix = decode_draw_copy(body, a_cache if c is a else None)
        check(box == (0, 0, W, H), "whole primary")
        check(rgb_rows(pix, W, H) == want, "primary pixels exact")
        typ, body = c.recv()
        check(typ == 102, "MARK")

    # A FILL through the ring reaches both clients as exactly its bbox.
    fill_drawable(mem, CMD_OFF, 0x1234, (10, 20, 50, 30), 0x00ff8000)
    push_cmd(mem, bell, phys(CMD_OFF))
    for c in (a, b):
        typ, body = c.recv()
        check(typ == 302, "DRAW_FILL of the damage, got %r" % typ)
        # DisplayBase: surface, box (top, left, bottom, right), clip NONE;
        # then a SOLID brush and its colour, OP_PUT.
        sid, top, left, bottom, right, clip, brush, color, rop = struct.unpack_from(
            "<IiiiiBBIH", body)
        check((sid, clip, brush, rop) == (0, 0, 1, 8), "DRAW_FILL header %r"
              % ((sid, clip, brush, rop),))
        check((left, top, right, bottom) == (10, 20, 50, 30), "damage box %r"
              % ((left, top, right, bottom),))
        check(color == 0xff8000, "fill colour %06x" % color)
    common.wait_for(lambda: struct.unpack_from("<I", mem, RELEASE_RING + 4)[0] == 1,
                    5, "the release ring's prod to advance")
    check(struct.unpack_from("<Q", mem, RELEASE_RING + 20)[0] == 0x1234, "released id")

    # A second DISPLAY_INIT closes that connection only.
    b.init()
    typ, _ = b.recv()
    check(typ is None, "connection closed after a second INIT")
    typ, payload, _, conn = ipcdrive.recv(ipc, skip=("IPC_W2D_PRIMARY_DONE",))
    check(typ == "IPC_W2D_CONN_CLOSED" and conn == 2, "CONN_CLOSED for conn 2")
    fill_drawable(mem, CMD_OFF + 4096, 0x1235, (0, 0, 1, 1), 0)
    push_cmd(mem, bell, phys(CMD_OFF + 4096))
    typ, body = a.recv()
    check(typ == 302, "client a still served")

    # Primary destroyed and created again: the client follows.
    ipcdrive.send(ipc, "IPC_D2W_PRIMARY_DESTROY")
    typ, body = a.recv()
    check((typ, body) == (315, b"\0\0\0\0"), "SURFACE_DESTROY, got %r" % typ)
    ipcdrive.send(ipc, "IPC_D2W_PRIMARY_CREATE", struct.pack("<IIiIQ", W, H, W * 4, 32, phys(PRIM_OFF)))
    typ, body = a.recv()
    check(typ == 314, "SURFACE_CREATE again")
    typ, body = a.recv()
    # The same picture again: from a's cache.
    check(typ == 304 and decode_draw_copy(body, a_cache)[0] == (0, 0, W, H),
          "whole primary again")
    typ, body = a.recv()
    check(typ == 102, "MARK again")

    # Garbage commands: the producer is reported and the worker leaves.
    for i in range(16):
        push_cmd(mem, bell, phys(SLOT_SIZE + 4096 * i))
    while True:
        typ, payload, _, _ = ipcdrive.recv(ipc, skip=("IPC_W2D_PRIMARY_DONE",))
        check(typ is not None, "PRODUCER_FAULT before EOF")
        if typ == "IPC_W2D_PRODUCER_FAULT":
            break
    check(b"bad QXL commands" in payload, "fault reason: %r" % payload[:80])
    ipcdrive.send(ipc, "IPC_D2W_PRODUCER_GONE")
    typ, body = a.recv()
    check((typ, body) == (315, b"\0\0\0\0"), "SURFACE_DESTROY at detach, got %r" % typ)
    check(p.poll() is None, "the worker left with its producer")
    mem, bell = attach_producer(ipc)
    typ, body = a.recv()
    check(typ == 314, "SURFACE_CREATE of the next producer's primary")
    typ, body = a.recv()
    check(typ == 304 and decode_draw_copy(body, a_cache)[0] == (0, 0, W, H),
          "the next producer's whole primary")
    typ, body = a.recv()
    check(typ == 102, "MARK after the next producer's primary")
    fill_drawable(mem, CMD_OFF, 0x4321, (1, 1, 5, 5), 0x00ff00)
    push_cmd(mem, bell, phys(CMD_OFF))
    typ, body = a.recv()
    check(typ == 302, "the next producer's commands are consumed")
    with open(os.path.join(tmp, "spiced.log")) as f:
        log = f.read()
    check('display "vm1": dropped QXL command at' in log, "drop log line")


common.run(main)
