# SPDX-License-Identifier: LGPL-2.1-or-later
"""rawspice: a small SPICE client for tests that must see the bytes of the
main and display channels (spice-gtk hides them).

Built on rawlink.py's link primitives and written from the protocol facts
in SPICE-NOTES: 1 (link), 2 (data headers, SET_ACK/ACK, PING/PONG), 3.1
(MAIN_INIT, ATTACH_CHANNELS, CHANNELS_LIST), 3.2 (DISPLAY_INIT,
SURFACE_CREATE, DRAW_COPY, MARK) and 4.1/4.2 (BITMAP and LZ4 images).

Typical use:

    m = rawspice.MainChannel.connect(sp.port, sp.password)
    m.attach()                               # ATTACH_CHANNELS, CHANNELS_LIST
    d = rawspice.DisplayChannel.connect(sp.port, sp.password, m.session_id,
                                        lz4=True)
    d.send_init()
    d.wait_mark(timeout=10)
    assert d.rgb() == expected_rgb

The display client keeps a 32bpp framebuffer of the primary surface
(bytearray, B,G,R,X per pixel, rows top first) and applies each DRAW_COPY
to it.  Anything it cannot decode exactly raises ProtocolError, so a test
fails on a malformed message instead of drawing something approximate.
"""

import select
import socket
import struct
import time

import lz4.block

import rawlink

# Common messages (SPICE-NOTES 2.2).
MSG_MIGRATE, MSG_MIGRATE_DATA, MSG_SET_ACK, MSG_PING = 1, 2, 3, 4
MSG_WAIT_FOR_CHANNELS, MSG_DISCONNECTING, MSG_NOTIFY, MSG_LIST = 5, 6, 7, 8
MSGC_ACK_SYNC, MSGC_ACK, MSGC_PONG = 1, 2, 3
MSGC_MIGRATE_FLUSH_MARK, MSGC_MIGRATE_DATA, MSGC_DISCONNECTING = 4, 5, 6

# Main channel (3.1).
MSG_MAIN_INIT, MSG_MAIN_CHANNELS_LIST = 103, 104
MSGC_MAIN_ATTACH_CHANNELS = 104

# Display channel (3.2).
MSG_DISPLAY_MARK, MSG_DISPLAY_RESET = 102, 103
MSG_DISPLAY_INVAL_ALL_PALETTES = 108
MSG_DISPLAY_COPY_BITS = 104
MSG_DISPLAY_DRAW_FILL, MSG_DISPLAY_DRAW_COPY = 302, 304
MSG_DISPLAY_DRAW_STROKE, MSG_DISPLAY_DRAW_TEXT = 310, 311
MSG_DISPLAY_DRAW_TRANSPARENT, MSG_DISPLAY_DRAW_ALPHA_BLEND = 312, 313
MSG_DISPLAY_DRAW_COMPOSITE = 318
MSG_DISPLAY_DRAW_OPAQUE = 303
MSG_DISPLAY_DRAW_ROP3 = 309
BRUSH_SOLID = 1
# SpiceComposite flags (pixman's operators, repeats; what this client draws).
COMPOSITE_OP_SRC, COMPOSITE_OP_OVER = 1, 3
COMPOSITE_HAS_MASK = 1 << 19
COMPOSITE_HAS_SRC_TRANSFORM, COMPOSITE_HAS_MASK_TRANSFORM = 1 << 20, 1 << 21
COMPOSITE_HAS_TRANSFORMS = COMPOSITE_HAS_SRC_TRANSFORM | COMPOSITE_HAS_MASK_TRANSFORM
PATH_BEGIN, PATH_END, PATH_CLOSE, PATH_BEZIER = 1, 2, 8, 16
MSG_DISPLAY_SURFACE_CREATE, MSG_DISPLAY_SURFACE_DESTROY = 314, 315
MSG_DISPLAY_MONITORS_CONFIG = 317
MSG_DISPLAY_STREAM_CREATE, MSG_DISPLAY_STREAM_DATA = 122, 123
MSG_DISPLAY_STREAM_DESTROY = 125
MSG_DISPLAY_STREAM_ACTIVATE_REPORT = 319
MSGC_DISPLAY_STREAM_REPORT = 102
DISPLAY_CAP_STREAM_REPORT = 4
DISPLAY_CAP_MONITORS_CONFIG = 1
MSGC_DISPLAY_INIT = 101

# Caps.
COMMON_CAP_MINI_HEADER = 3
DISPLAY_CAP_LZ4_COMPRESSION = 5
DISPLAY_CAP_COMPOSITE = 2

# Images (4.1).
IMAGE_BITMAP, IMAGE_QUIC, IMAGE_FROM_CACHE, IMAGE_JPEG, IMAGE_LZ4 = 0, 1, 103, 105, 109
IMAGE_JPEG_ALPHA = 108
IMAGE_LZ_RGB = 101
IMAGE_CACHE_ME = 1
IMAGE_SCALE_INTERPOLATE = 0
IMAGE_SCALE_NEAREST = 1
MSG_DISPLAY_INVAL_LIST = 105
BITMAP_FMT_24BIT, BITMAP_FMT_32BIT, BITMAP_FMT_RGBA = 7, 8, 9
BITMAP_TOP_DOWN = 4
SURFACE_FMT_32_xRGB, SURFACE_FMT_32_ARGB = 32, 96
SURFACE_FLAG_PRIMARY = 1
ROPD_OP_PUT = 8
CLIP_NONE, CLIP_RECTS = 0, 1
BRUSH_NONE, BRUSH_SOLID, BRUSH_PATTERN = 0, 1, 2
STRING_A1, STRING_A4 = 1, 2


def mul(x, a):
    """pixman's x * a / 255 of two 8-bit values, rounded its way."""
    t = x * a + 0x80
    return (t + (t >> 8)) >> 8


def round_div(a, b, bias):
    """a / b (b > 0) rounded to the nearest, a half away from zero, or
    towards it with bias."""
    return (2 * a + b - bias) // (2 * b) if a >= 0 else -((-2 * a + b - bias) // (2 * b))


def over(s, m, d, sa=255):
    """pixman's OVER of colour s (premultiplied by its alpha sa; an
    opaque one by default) through coverage m onto d (24-bit colours)."""
    r, a = 0, mul(sa, m)
    for sh in (0, 8, 16):
        r |= min(255, mul(s >> sh & 255, m) + mul(d >> sh & 255, 255 - a)) << sh
    return r

# ROP descriptors (SpiceROPDescriptor) and what each one spiced sends in a
# DRAW_FILL means for the brush b and the destination d (spice-common's
# canvas reads them so; 066-display-draw-types checks spice-gtk does):
# one plain spelling per function.  Any other is a protocol error here.
# In a DRAW_COPY the source takes the brush's place, its inversion
# spelled INVERS_SRC.
ROPD_INVERS_SRC, ROPD_INVERS_BRUSH, ROPD_INVERS_DEST = 1, 2, 4
ROPD_OP_OR, ROPD_OP_AND, ROPD_OP_XOR = 16, 32, 64
ROPD_OP_BLACKNESS, ROPD_OP_WHITENESS, ROPD_OP_INVERS = 128, 256, 512
ROPD_INVERS_RES = 1024
FILL_ROPS = {
    ROPD_OP_BLACKNESS: lambda b, d: 0,
    ROPD_OP_WHITENESS: lambda b, d: 0xffffffff,
    ROPD_OP_INVERS: lambda b, d: ~d,
    ROPD_OP_PUT: lambda b, d: b,
    ROPD_OP_PUT | ROPD_INVERS_BRUSH: lambda b, d: ~b,
    ROPD_OP_AND: lambda b, d: b & d,
    ROPD_OP_AND | ROPD_INVERS_DEST: lambda b, d: b & ~d,
    ROPD_OP_AND | ROPD_INVERS_BRUSH: lambda b, d: ~b & d,
    ROPD_OP_AND | ROPD_INVERS_RES: lambda b, d: ~(b & d),
    ROPD_OP_OR: lambda b, d: b | d,
    ROPD_OP_OR | ROPD_INVERS_DEST: lambda b, d: b | ~d,
    ROPD_OP_OR | ROPD_INVERS_BRUSH: lambda b, d: ~b | d,
    ROPD_OP_OR | ROPD_INVERS_RES: lambda b, d: ~(b | d),
    ROPD_OP_XOR: lambda b, d: b ^ d,
    ROPD_OP_XOR | ROPD_INVERS_RES: lambda b, d: ~(b ^ d),
}

LZ4_HISTORY = 64 * 1024


class ProtocolError(Exception):
    """The server sent something this client cannot take as valid."""


class Closed(Exception):
    """The server closed the connection."""


def _caps_words(bits):
    """Cap bit numbers -> list of u32 words (at least one)."""
    words = [0]
    for b in bits:
        while len(words) <= b // 32:
            words.append(0)
        words[b // 32] |= 1 << (b % 32)
    return words


def link(port, password, channel_type, connection_id=0, channel_id=0,
         channel_caps=(0,), common_caps=(rawlink.COMMON_CAPS,), timeout=10):
    """Link one channel with the given cap words.  Returns (result, sock,
    mini, server_channel_caps): sock is None unless the result is OK (0);
    mini tells whether data messages use the mini header (both sides
    announced MINI_HEADER, SPICE-NOTES 1.5)."""
    s = rawlink.connect(port, timeout=timeout)
    mess = rawlink.link_mess(connection_id, channel_type, channel_id,
                             common_caps=tuple(common_caps),
                             channel_caps=tuple(channel_caps))
    s.sendall(rawlink.link_header(len(mess)) + mess)
    # read_reply gives the common then the channel words in one list; we
    # only need the first common word (MINI_HEADER lives there).
    hdr = rawlink.recv_exact(s, 16)
    if hdr[:4] != rawlink.MAGIC:
        s.close()
        raise ProtocolError("bad link reply magic %r" % hdr[:4])
    size = struct.unpack_from("<I", hdr, 12)[0]
    if size < 178 or size > 4096:
        s.close()
        raise ProtocolError("bad link reply size %d" % size)
    body = rawlink.recv_exact(s, size)
    error = struct.unpack_from("<I", body)[0]
    if error != 0:
        s.close()
        return error, None, False, []
    key = body[4:166]
    ncommon, nchannel, off = struct.unpack_from("<III", body, 166)
    if off < 178 or off + 4 * (ncommon + nchannel) > size:
        s.close()
        raise ProtocolError("link reply caps outside the reply")
    words = [struct.unpack_from("<I", body, off + 4 * i)[0]
             for i in range(ncommon + nchannel)]
    mini_bit = 1 << COMMON_CAP_MINI_HEADER
    mini = bool(ncommon and words[0] & mini_bit and common_caps and common_caps[0] & mini_bit)
    s.sendall(struct.pack("<I", 1))     # AUTH_SPICE
    s.sendall(rawlink.encrypt_ticket(key, password))
    result = struct.unpack("<I", rawlink.recv_exact(s, 4))[0]
    if result != 0:
        s.close()
        return result, None, mini, words[ncommon:]
    return 0, s, mini, words[ncommon:]


class Channel:
    """One linked channel: framing (mini or full header), the common
    messages (SET_ACK -> ACK_SYNC and ACKs, PING -> PONG), and a log of
    what arrived."""

    def __init__(self, sock, mini=True):
        self.sock = sock
        self.sock.setblocking(True)
        self.recv_size = 1 << 20    # bytes per read; 0: read nothing
        self.mini = mini
        self.buf = bytearray()
        self.out_serial = 0
        self.ack_window = 0
        self.ack_count = 0
        self.acks_sent = 0
        self.pings = 0
        self.closed = False
        self.received = []          # (type, size) of every message

    # -- sending --------------------------------------------------------
    def header(self, mtype, size):
        if self.mini:
            return struct.pack("<HI", mtype, size)
        self.out_serial += 1
        return struct.pack("<QHII", self.out_serial, mtype, size, 0)

    def send(self, mtype, body=b""):
        self.sock.sendall(self.header(mtype, len(body)) + body)

    def send_raw(self, data):
        self.sock.sendall(data)

    def _reply(self, mtype, body=b""):
        """An automatic answer (ACK_SYNC, ACK, PONG).  If the server has
        already closed, the answer is lost and the EOF that follows
        reports the close."""
        try:
            self.send(mtype, body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- receiving ------------------------------------------------------
    def _hdr_len(self):
        return 6 if self.mini else 18

    def _parse_one(self):
        hl = self._hdr_len()
        if len(self.buf) < hl:
            return None
        if self.mini:
            mtype, size = struct.unpack_from("<HI", self.buf)
        else:
            _, mtype, size, _ = struct.unpack_from("<QHII", self.buf)
        if size > 256 * 1024 * 1024:
            raise ProtocolError("message type %d claims %d bytes" % (mtype, size))
        if len(self.buf) < hl + size:
            return None
        body = bytes(self.buf[hl:hl + size])
        del self.buf[:hl + size]
        return mtype, body

    def _fill(self, timeout):
        """Read what is there within timeout.  False on timeout; raises
        Closed on EOF or reset."""
        if self.closed:
            raise Closed("connection already closed")
        if self.recv_size == 0:
            return False
        # A TLS socket may hold decoded bytes select() cannot see.
        pending = getattr(self.sock, "pending", lambda: 0)()
        r, _, _ = select.select([self.sock], [], [], 0 if pending else max(0.0, timeout))
        if not r and not pending:
            return False
        try:
            data = self.sock.recv(self.recv_size)
        except (ConnectionResetError, BrokenPipeError) as e:
            self.closed = True
            raise Closed("connection reset: %s" % e)
        if not data:
            self.closed = True
            raise Closed("connection closed by the server")
        self.buf += data
        return True

    def _common(self, mtype, body):
        """Handle a common message; True if it was one."""
        if mtype == MSG_SET_ACK:
            if len(body) != 8:
                raise ProtocolError("SET_ACK of %d bytes" % len(body))
            gen, window = struct.unpack("<II", body)
            self._reply(MSGC_ACK_SYNC, struct.pack("<I", gen))
            self.ack_window = self.ack_count = window
            return True
        if mtype == MSG_PING:
            if len(body) < 12:
                raise ProtocolError("PING of %d bytes" % len(body))
            self._reply(MSGC_PONG, body[:12])
            self.pings += 1
            return True
        return mtype in (MSG_NOTIFY, MSG_DISCONNECTING, MSG_WAIT_FOR_CHANNELS)

    def _count_for_ack(self):
        # As spice-gtk: every message after SET_ACK counts; an ACK goes
        # out each time `window` of them have arrived.
        if self.ack_count:
            self.ack_count -= 1
            if self.ack_count == 0:
                self._reply(MSGC_ACK)
                self.acks_sent += 1
                self.ack_count = self.ack_window

    def next_message(self, timeout=5):
        """The next non-common message as (type, body).  Raises Closed on
        EOF and TimeoutError when nothing arrives in time."""
        end = time.monotonic() + timeout
        while True:
            m = self._parse_one()
            if m is not None:
                mtype, body = m
                self.received.append((mtype, len(body)))
                self._count_for_ack()
                if self._common(mtype, body):
                    continue
                return mtype, body
            if not self._fill(end - time.monotonic()) and time.monotonic() >= end:
                raise TimeoutError("no message within %.1fs" % timeout)

    def read_slowly(self, seconds, rate, until=None):
        """Read at most rate bytes/s for seconds, as a viewer on a slow
        link does, handling each whole message; stops early once until()
        holds.  The socket's receive buffer shrinks so that TCP, not this
        buffer, feels the pace."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        step, end = 0.02, time.monotonic() + seconds
        try:
            while time.monotonic() < end and not (until is not None and until(self)):
                t = time.monotonic()
                self.recv_size = max(1, int(rate * step))
                self._fill(step)
                self.recv_size = 0
                while True:
                    try:
                        mtype, body = self.next_message(0)
                    except TimeoutError:
                        break
                    self.handle(mtype, body)
                time.sleep(max(0.0, step - (time.monotonic() - t)))
        finally:
            self.recv_size = 1 << 20

    def expect_closed(self, timeout=5):
        """Read (and handle) messages until the server closes; returns the
        seconds it took.  Raises TimeoutError if it stays open."""
        t0 = time.monotonic()
        end = t0 + timeout
        try:
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("connection still open after %.1fs" % timeout)
                try:
                    mtype, body = self.next_message(left)
                except TimeoutError:
                    raise TimeoutError("connection still open after %.1fs" % timeout)
                self.handle(mtype, body)
        except Closed:
            return time.monotonic() - t0

    def is_open(self, wait=0.3):
        """Pump messages for `wait` seconds; False if the server closed."""
        end = time.monotonic() + wait
        try:
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    return True
                try:
                    mtype, body = self.next_message(left)
                except TimeoutError:
                    return True
                self.handle(mtype, body)
        except Closed:
            return False

    def handle(self, mtype, body):
        """Channel-specific handling; the base class only records."""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True


class MainChannel(Channel):
    """The main channel: MAIN_INIT (session id), ATTACH_CHANNELS,
    CHANNELS_LIST."""

    @classmethod
    def connect(cls, port, password, timeout=10):
        res, s, mini, _ = link(port, password, rawlink.CHANNEL_MAIN,
                               channel_caps=(0x0F,), timeout=timeout)
        if res != 0:
            raise ProtocolError("main link refused: %s" % rawlink.ERR.get(res, res))
        ch = cls(s, mini=mini)
        mtype, body = ch.next_message(timeout)
        if mtype != MSG_MAIN_INIT or len(body) != 32:
            raise ProtocolError("first main message type %d size %d, want MAIN_INIT"
                                % (mtype, len(body)))
        ch.init = struct.unpack("<8I", body)
        ch.session_id = ch.init[0]
        ch.channels = None
        return ch

    def attach(self, timeout=5):
        """ATTACH_CHANNELS; returns the CHANNELS_LIST as [(type, id)]."""
        self.send(MSGC_MAIN_ATTACH_CHANNELS)
        end = time.monotonic() + timeout
        while True:
            mtype, body = self.next_message(max(0.0, end - time.monotonic()))
            if mtype != MSG_MAIN_CHANNELS_LIST:
                continue
            n = struct.unpack_from("<I", body)[0]
            if len(body) != 4 + 2 * n:
                raise ProtocolError("CHANNELS_LIST of %d bytes for %d channels"
                                    % (len(body), n))
            self.channels = [tuple(body[4 + 2 * i:6 + 2 * i]) for i in range(n)]
            return self.channels


def _jpeg_decode(data, w, h):
    """A JFIF stream as h rows of w B,G,R,X pixels, through libjpeg-turbo
    (ctypes: no image module in the test dependencies)."""
    import ctypes
    tj = ctypes.CDLL("libturbojpeg.so.0")
    tj.tjInitDecompress.restype = ctypes.c_void_p
    handle = tj.tjInitDecompress()
    try:
        jw, jh, sub, cs = (ctypes.c_int() for _ in range(4))
        if tj.tjDecompressHeader3(ctypes.c_void_p(handle), data, ctypes.c_ulong(len(data)),
                                  ctypes.byref(jw), ctypes.byref(jh), ctypes.byref(sub),
                                  ctypes.byref(cs)) != 0:
            raise ProtocolError("JPEG header does not decode")
        if (jw.value, jh.value) != (w, h):
            raise ProtocolError("JPEG of %dx%d in a %dx%d descriptor" % (jw.value, jh.value, w, h))
        out = ctypes.create_string_buffer(w * h * 4)
        TJPF_BGRX = 3
        if tj.tjDecompress2(ctypes.c_void_p(handle), data, ctypes.c_ulong(len(data)), out, w,
                            w * 4, h, TJPF_BGRX, 0) != 0:
            raise ProtocolError("JPEG does not decode")
        return out.raw
    finally:
        tj.tjDestroy(ctypes.c_void_p(handle))


def _image_decode(kind, data, w, h):
    """A QUIC or LZ stream as h rows of w B,G,R,0 pixels, through the
    tests' own decoders (tests/tools/image-dec: a QUIC decoder on spiced's
    model, checked against the format's reference when it was written,
    and an LZ decoder written from the format's description; spice-gtk
    and spice-html5 decode the same images in other tests)."""
    import subprocess
    import common
    r = subprocess.run([common.IMAGE_DEC, kind], input=bytes(data), capture_output=True,
                       timeout=60)
    if r.returncode != 0:
        raise ProtocolError("%s does not decode: %s" % (kind.upper(),
                                                        r.stderr.decode(errors="replace").strip()))
    head, _, px = r.stdout.partition(b"\n")
    if tuple(int(v) for v in head.split()) != (w, h):
        raise ProtocolError("%s of %s in a %dx%d descriptor" % (kind.upper(), head.decode(), w, h))
    return px


def quic_decode(data, w, h):
    return _image_decode("quic", data, w, h)


def lz_decode(data, w, h):
    return _image_decode("lz", data, w, h)


def lz_alpha_decode(data, w, h):
    """An LZ XXXA stream as 0,0,0,A pixels."""
    return _image_decode("lzalpha", data, w, h)


def _nearest(n_src, n_dst, origin):
    """The source pixel each of n_dst pixels reads when n_src pixels from
    origin are stretched over them as spice-common's canvas has pixman do
    it (a model of that arithmetic): the scale factor truncated to 16.16,
    a destination pixel's centre mapped through it and the translation
    (the half pixel rounded as pixman's transform rounds it), the pixel
    just left of the point."""
    f = (n_src << 16) // n_dst
    half = (f * 0x8000 + 0x8000) >> 16
    return [origin + ((f * i + half - 1) >> 16) for i in range(n_dst)]


def _transformed(t, u, v):
    """The point pixman samples for pixel (u, v) of an image under the
    16.16 transform t (a model of that arithmetic): the pixel's centre
    through the matrix, each coordinate's half-pixel products rounded as
    pixman's transform rounds them; 16.16 results."""
    if t is None:
        t = (0x10000, 0, 0, 0, 0x10000, 0)
    return (t[0] * u + t[1] * v + t[2] + ((t[0] * 0x8000 + t[1] * 0x8000 + 0x8000) >> 16),
            t[3] * u + t[4] * v + t[5] + ((t[3] * 0x8000 + t[4] * 0x8000 + 0x8000) >> 16))


def _sample(rows, w, h, alpha, rep, filt, t, u, v):
    """Pixel (u, v) of a composite's image (rows of B,G,R,X or A bytes)
    as pixman samples it under the transform t: filter 0 the nearest
    pixel (the one just left of and above the point), 1 bilinear (the
    four pixels around the point less half a pixel, 7-bit weights, each
    channel's weighted sum shifted right by 14), repeat 0 none (beyond
    the image transparent black) or 1 normal; (B, G, R, A), premultiplied
    as stored, an image without alpha opaque."""
    def px(x, y):
        if rep:
            x, y = x % w, y % h
        elif not (0 <= x < w and 0 <= y < h):
            return (0, 0, 0, 0)
        k = x * 4
        return (rows[y][k], rows[y][k + 1], rows[y][k + 2], rows[y][k + 3] if alpha else 255)

    fx, fy = _transformed(t, u, v)
    if filt == 0:
        return px((fx - 1) >> 16, (fy - 1) >> 16)
    fx, fy = fx - 0x8000, fy - 0x8000
    wx, wy = fx >> 9 & 127, fy >> 9 & 127
    x, y = fx >> 16, fy >> 16
    tl, tr, bl, br = px(x, y), px(x + 1, y), px(x, y + 1), px(x + 1, y + 1)
    return tuple((tl[c] * (128 - wx) * (128 - wy) + tr[c] * wx * (128 - wy) +
                  bl[c] * (128 - wx) * wy + br[c] * wx * wy) >> 14 for c in range(4))


def _bezier(out, p, depth):
    """Append to out the pixels that end the lines of the cubic Bezier
    curve p (x0, y0, ..., x3, y3 in 28.4) as spice-common's canvas
    flattens it (a model of its arithmetic): a line to the end when both
    control points are near enough the chord (h1, h2 < B2, products of
    28.4 dot products shifted right by 4, then 3), else split at t = 1/2
    with C's halving (towards zero) and each half done the same."""
    def dot(ax, ay, bx, by):
        return (ax * bx + ay * by) >> 4

    def half(a):
        return -(-a // 2) if a < 0 else a // 2

    x0, y0, x1, y1, x2, y2, x3, y3 = p
    a2 = dot(x1 - x0, y1 - y0, x1 - x0, y1 - y0)
    b2 = dot(x3 - x0, y3 - y0, x3 - x0, y3 - y0)
    c2 = dot(x2 - x3, y2 - y3, x2 - x3, y2 - y3)
    ab = dot(x1 - x0, y1 - y0, x3 - x0, y3 - y0)
    cb = dot(x2 - x3, y2 - y3, x0 - x3, y0 - y3)
    if ((a2 * b2 - ab * ab) >> 3) < b2 and ((c2 * b2 - cb * cb) >> 3) < b2:
        out.append(((x3 + 7) >> 4, (y3 + 7) >> 4))
        return
    if depth > 64:
        raise ProtocolError("a curve the canvas would split without end: %r" % (p,))
    q = [0] * 14
    for k in (0, 1):
        p01, p12, p23 = half(p[k] + p[2 + k]), half(p[2 + k] + p[4 + k]), half(p[4 + k] + p[6 + k])
        p012, p123 = half(p01 + p12), half(p12 + p23)
        q[k], q[2 + k], q[4 + k], q[6 + k] = p[k], p01, p012, half(p012 + p123)
        q[8 + k], q[10 + k], q[12 + k] = p123, p23, p[6 + k]
    _bezier(out, tuple(q[:8]), depth + 1)
    _bezier(out, tuple(q[6:]), depth + 1)


def _lz4_decode(payload, width, height):
    """LZ4 image payload (after the u32 size): u8 top_down, u8 format,
    then blocks of u32 big-endian size + LZ4 block, one stream.  Returns
    (top_down, format, bytes per pixel, packed pixel bytes)."""
    if len(payload) < 2:
        raise ProtocolError("LZ4 payload of %d bytes" % len(payload))
    top_down, fmt = payload[0], payload[1]
    bpp = {BITMAP_FMT_24BIT: 3, BITMAP_FMT_32BIT: 4, BITMAP_FMT_RGBA: 4}.get(fmt)
    if bpp is None:
        raise ProtocolError("LZ4 image format %d" % fmt)
    total = width * height * bpp
    out = bytearray()
    pos = 2
    blocks = 0
    while pos < len(payload):
        if pos + 4 > len(payload):
            raise ProtocolError("LZ4 block size cut at byte %d" % pos)
        blen = struct.unpack_from(">I", payload, pos)[0]
        pos += 4
        if blen == 0 or pos + blen > len(payload):
            raise ProtocolError("LZ4 block of %d bytes at %d of %d" % (blen, pos, len(payload)))
        left = total - len(out)
        if left <= 0:
            raise ProtocolError("LZ4 data beyond the image size")
        try:
            chunk = lz4.block.decompress(payload[pos:pos + blen], uncompressed_size=left,
                                         dict=bytes(out[-LZ4_HISTORY:]))
        except lz4.block.LZ4BlockError as e:
            raise ProtocolError("LZ4 block %d does not decode: %s" % (blocks, e))
        if not chunk:
            raise ProtocolError("LZ4 block %d is empty" % blocks)
        out += chunk
        pos += blen
        blocks += 1
    if len(out) != total:
        raise ProtocolError("LZ4 image decodes to %d bytes, want %d" % (len(out), total))
    return top_down, fmt, bpp, bytes(out)


class DisplayChannel(Channel):
    """A display channel client with a framebuffer of surface 0."""

    @classmethod
    def connect(cls, port, password, session_id, lz4=True, channel_id=0,
                extra_caps=(), common_caps=(rawlink.COMMON_CAPS,), timeout=10):
        """Link a display channel announcing LZ4 (if lz4) and the cap bits
        in extra_caps.  Raises ProtocolError if the link is refused."""
        bits = list(extra_caps) + ([DISPLAY_CAP_LZ4_COMPRESSION] if lz4 else [])
        res, s, mini, caps = link(port, password, rawlink.CHANNEL_DISPLAY,
                                  connection_id=session_id, channel_id=channel_id,
                                  channel_caps=_caps_words(bits),
                                  common_caps=common_caps, timeout=timeout)
        if res != 0:
            raise ProtocolError("display link refused: %s" % rawlink.ERR.get(res, res))
        ch = cls(s, mini=mini)
        ch.server_caps = caps
        return ch

    def __init__(self, sock, mini=True):
        super().__init__(sock, mini)
        self.width = self.height = 0
        self.fb = None
        self.surface_format = None
        self.marks = 0
        self.monitors = None        # the last MONITORS_CONFIG's heads
        self.monitors_max = 0
        self.draws = 0              # DRAW_COPYs
        self.copies = []            # each one's (top, left, bottom, right, image type)
        self.drawn = 0              # their pixels
        self.fills = 0              # DRAW_FILLs
        self.fill_rops = {}         # their ROP descriptors -> count
        self.fill_clipped = 0       # ... with clip rectangles
        self.fill_patterns = 0      # ... with a pattern brush
        self.texts = 0              # DRAW_TEXTs
        self.blends = 0             # DRAW_ALPHA_BLENDs
        self.keyed = 0              # DRAW_TRANSPARENTs
        self.composites = 0         # DRAW_COMPOSITEs
        self.rop_copies = 0         # DRAW_COPYs with a raster operation
        self.rop3s = 0              # DRAW_ROP3s
        self.opaques = 0            # DRAW_OPAQUEs
        self.scaled = 0             # DRAW_COPYs that stretch their image
        self.scaled_smooth = 0      # of them, interpolated
        self.scaled_blends = 0      # DRAW_TRANSPARENT and DRAW_ALPHA_BLEND that stretch
        self.rop_patterns = 0       # DRAW_ROP3s and DRAW_OPAQUEs with a pattern
        self.image_rgba = False     # the last image decoded has alpha
        self.pixmap_rgba = set()    # cached ids of images with alpha
        self.strokes = 0            # DRAW_STROKEs
        self.copy_bits = 0          # COPY_BITS
        self.copy_bits_clipped = 0  # ... with clip rectangles
        self.images = {}            # image type -> count
        self.unknown = []           # message types not understood
        self.lz4_formats = set()    # (top_down, format) of LZ4 images
        self.streams = {}           # stream id -> (top, left, bottom, right)
        self.stream_creates = 0
        self.stream_frames = 0
        self.stream_destroys = 0
        self.frame_sizes = []       # bytes of each stream frame
        self.report_asked = None    # (stream id, unique id, window, timeout)
        self.pixmaps = {}           # id -> (w, h, rows): its pixmap cache
        self.from_cache = 0
        self.invals = 0

    def send_init(self, cache_id=1, cache_size=20971520, glz_id=1, glz_window=0):
        """DISPLAY_INIT; no GLZ window unless asked: this client decodes
        no GLZ, and spiced sends it GLZ wherever it has a window (glz, or
        auto_glz once its link measures slow)."""
        self.send(MSGC_DISPLAY_INIT, struct.pack("<BqBi", cache_id, cache_size,
                                                 glz_id, glz_window))

    # -- decoding -------------------------------------------------------
    def handle(self, mtype, body):
        if mtype == MSG_DISPLAY_SURFACE_CREATE:
            if len(body) != 20:
                raise ProtocolError("SURFACE_CREATE of %d bytes" % len(body))
            sid, w, h, fmt, flags = struct.unpack("<5I", body)
            if sid != 0:
                raise ProtocolError("SURFACE_CREATE of surface %d" % sid)
            if not flags & SURFACE_FLAG_PRIMARY:
                raise ProtocolError("surface 0 without the PRIMARY flag")
            if fmt not in (SURFACE_FMT_32_xRGB, SURFACE_FMT_32_ARGB):
                raise ProtocolError("surface format %d" % fmt)
            if not (0 < w <= 16384 and 0 < h <= 16384):
                raise ProtocolError("surface size %dx%d" % (w, h))
            self.width, self.height, self.surface_format = w, h, fmt
            self.fb = bytearray(w * h * 4)
        elif mtype == MSG_DISPLAY_SURFACE_DESTROY:
            if body != b"\0\0\0\0":
                raise ProtocolError("SURFACE_DESTROY %r" % body)
            self.fb = None
            self.width = self.height = 0
        elif mtype == MSG_DISPLAY_DRAW_COPY:
            self._draw_copy(body)
            self.draws += 1
        elif mtype == MSG_DISPLAY_DRAW_FILL:
            self._draw_fill(body)
            self.fills += 1
        elif mtype == MSG_DISPLAY_DRAW_STROKE:
            self._draw_stroke(body)
            self.strokes += 1
        elif mtype == MSG_DISPLAY_DRAW_TEXT:
            self._draw_text(body)
            self.texts += 1
        elif mtype == MSG_DISPLAY_DRAW_ALPHA_BLEND:
            self._draw_blend(body, False)
            self.blends += 1
        elif mtype == MSG_DISPLAY_DRAW_TRANSPARENT:
            self._draw_blend(body, True)
            self.keyed += 1
        elif mtype == MSG_DISPLAY_DRAW_ROP3:
            self._draw_rop3(body)
            self.rop3s += 1
        elif mtype == MSG_DISPLAY_DRAW_OPAQUE:
            self._draw_rop3(body, True)
            self.opaques += 1
        elif mtype == MSG_DISPLAY_DRAW_COMPOSITE:
            self._draw_composite(body)
            self.composites += 1
        elif mtype == MSG_DISPLAY_COPY_BITS:
            self._copy_bits(body)
            self.copy_bits += 1
        elif mtype == MSG_DISPLAY_MARK:
            if body:
                raise ProtocolError("MARK with a %d byte body" % len(body))
            self.marks += 1
        elif mtype == MSG_DISPLAY_MONITORS_CONFIG:
            count, max_allowed = struct.unpack_from("<HH", body)
            if len(body) != 4 + 28 * count:
                raise ProtocolError("MONITORS_CONFIG of %d bytes for %d heads" % (len(body), count))
            # (id, surface, width, height, x, y, flags) per head.
            self.monitors = [struct.unpack_from("<7I", body, 4 + 28 * i) for i in range(count)]
            self.monitors_max = max_allowed
        elif mtype == MSG_DISPLAY_INVAL_ALL_PALETTES:
            pass
        elif mtype == MSG_DISPLAY_INVAL_LIST:
            n = struct.unpack_from("<H", body)[0]
            if len(body) != 2 + 9 * n:
                raise ProtocolError("INVAL_LIST of %d bytes for %d ids" % (len(body), n))
            for i in range(n):
                rtype, rid = struct.unpack_from("<BQ", body, 2 + 9 * i)
                if rtype != 1 or rid not in self.pixmaps:
                    raise ProtocolError("INVAL_LIST of %d:%#x, not cached" % (rtype, rid))
                del self.pixmaps[rid]
            self.invals += n
        elif mtype == MSG_DISPLAY_STREAM_CREATE:
            self._stream_create(body)
        elif mtype == MSG_DISPLAY_STREAM_ACTIVATE_REPORT:
            if len(body) != 16:
                raise ProtocolError("STREAM_ACTIVATE_REPORT of %d bytes" % len(body))
            self.report_asked = struct.unpack("<4I", body)
        elif mtype == MSG_DISPLAY_STREAM_DATA:
            self._stream_data(body)
        elif mtype == MSG_DISPLAY_STREAM_DESTROY:
            sid = struct.unpack("<I", body)[0]
            if len(body) != 4 or sid not in self.streams:
                raise ProtocolError("STREAM_DESTROY %r of no stream" % body)
            del self.streams[sid]
            self.stream_destroys += 1
        else:
            self.unknown.append(mtype)

    def send_stream_report(self, frames, drops, delay):
        """STREAM_REPORT on the stream asked about."""
        sid, uid = self.report_asked[:2]
        self.send(MSGC_DISPLAY_STREAM_REPORT, struct.pack(
            "<6IiI", sid, uid, 0, 0, frames, drops, delay, 0))

    def _stream_create(self, body):
        """STREAM_CREATE: u32 surface, u32 id, u8 flags, u8 codec, u64
        stamp, u32 stream w, h, u32 src w, h, Rect dest, Clip."""
        if len(body) < 50:
            raise ProtocolError("STREAM_CREATE of %d bytes" % len(body))
        surface, sid, flags, codec, _stamp, sw, sh, srw, srh = struct.unpack_from(
            "<IIBBQIIII", body)
        top, left, bottom, right = struct.unpack_from("<4i", body, 34)
        if surface != 0 or codec != 1 or flags != 1 or sid >= 64 or sid in self.streams:
            raise ProtocolError("STREAM_CREATE surface %d id %d flags %d codec %d"
                                % (surface, sid, flags, codec))
        if (sw, sh) != (right - left, bottom - top) or (srw, srh) != (sw, sh) or body[50] != 0:
            raise ProtocolError("STREAM_CREATE of %dx%d (%dx%d) at %r, clip %d"
                                % (sw, sh, srw, srh, (top, left, bottom, right), body[50]))
        self.streams[sid] = (top, left, bottom, right)
        self.stream_creates += 1

    def _stream_data(self, body):
        """STREAM_DATA: u32 id, u32 mm time, u32 size, one JPEG painted at
        the stream's box."""
        sid, _mm, size = struct.unpack_from("<III", body)
        if sid not in self.streams or 12 + size != len(body):
            raise ProtocolError("STREAM_DATA of stream %d, %d bytes of %d" % (sid, size, len(body)))
        top, left, bottom, right = self.streams[sid]
        w, h = right - left, bottom - top
        self.frame_sizes.append(size)
        px = _jpeg_decode(bytes(body[12:]), w, h)
        W = self.width
        for y in range(h):
            self.fb[((top + y) * W + left) * 4:((top + y) * W + right) * 4] = \
                px[y * w * 4:(y + 1) * w * 4]
        self.stream_frames += 1

    def _base(self, what, body):
        """DisplayBase: u32 surface, Rect box (top, left, bottom, right),
        Clip.  Returns (box, clip rects or None, offset after it), the box
        checked against surface 0."""
        if len(body) < 21:
            raise ProtocolError("%s of %d bytes" % (what, len(body)))
        sid, top, left, bottom, right, clip = struct.unpack_from("<IiiiiB", body)
        pos = 21
        clip_rects = None
        if clip == CLIP_RECTS:
            n = struct.unpack_from("<I", body, pos)[0]
            pos += 4
            if pos + 16 * n > len(body):
                raise ProtocolError("%s clip rects beyond the body" % what)
            clip_rects = [struct.unpack_from("<iiii", body, pos + 16 * i) for i in range(n)]
            pos += 16 * n
        elif clip != CLIP_NONE:
            raise ProtocolError("%s clip type %d" % (what, clip))
        if sid != 0 or self.fb is None:
            raise ProtocolError("%s to surface %d before SURFACE_CREATE" % (what, sid))
        if not (0 <= left < right <= self.width and 0 <= top < bottom <= self.height):
            raise ProtocolError("%s box %r outside %dx%d"
                                % (what, (top, left, bottom, right), self.width, self.height))
        return (top, left, bottom, right), clip_rects, pos

    @staticmethod
    def _spans(box, clip_rects, y):
        """The x ranges of row y that box and its clip let through."""
        top, left, bottom, right = box
        if clip_rects is None:
            return [(left, right)]
        out = []
        for ct, cl, cb, cr in clip_rects:
            if ct <= y < cb and max(left, cl) < min(right, cr):
                out.append((max(left, cl), min(right, cr)))
        return out

    def _pattern(self, body, ptr):
        """A pattern brush's image: a plain 32-bit bitmap, as (w, h, rows
        of 24-bit pixels)."""
        if ptr + 18 + 18 > len(body):
            raise ProtocolError("pattern image beyond the body")
        _id, itype, _fl, w, h = struct.unpack_from("<QBBII", body, ptr)
        fmt, bflags, bw, bh, stride, pal = struct.unpack_from("<BBIIII", body, ptr + 18)
        if (itype != IMAGE_BITMAP or fmt != BITMAP_FMT_32BIT or not bflags & BITMAP_TOP_DOWN or
                (bw, bh) != (w, h) or pal != 0 or stride != 4 * w or
                ptr + 36 + stride * h != len(body)):
            raise ProtocolError("pattern image type %d format %d flags %#x %dx%d stride %d: only "
                                "plain top-down 32-bit bitmaps ending the body are decoded"
                                % (itype, fmt, bflags, w, h, stride))
        px = struct.unpack_from("<%dI" % (w * h), body, ptr + 36)
        return w, h, [[v & 0xffffff for v in px[y * w:(y + 1) * w]] for y in range(h)]

    def _draw_fill(self, body):
        box, clip_rects, pos = self._base("DRAW_FILL", body)
        # Brush: SOLID u32 colour, or PATTERN u32 image, i32 x, y; u16
        # rop, QMask (13 bytes or more).
        if pos + 1 + 4 + 2 + 13 > len(body):
            raise ProtocolError("DRAW_FILL fixed part cut")
        btype, color = struct.unpack_from("<BI", body, pos)
        tile = None
        if btype == BRUSH_PATTERN:
            px, py = struct.unpack_from("<ii", body, pos + 5)
            tile = self._pattern(body, color)
            pos += 8
        rop = struct.unpack_from("<H", body, pos + 5)[0]
        mptr = struct.unpack_from("<I", body, pos + 7 + 9)[0]
        if btype not in (BRUSH_SOLID, BRUSH_PATTERN) or rop not in FILL_ROPS or mptr != 0:
            raise ProtocolError("DRAW_FILL brush %d rop %#x mask %d: only solid and "
                                "pattern brushes, a plain descriptor and no mask are decoded"
                                % (btype, rop, mptr))
        self.fill_rops[rop] = self.fill_rops.get(rop, 0) + 1
        self.fill_clipped += clip_rects is not None
        top, left, bottom, right = box
        if tile is not None:
            self.fill_patterns += 1
            f, W, (tw, th, rows) = FILL_ROPS[rop], self.width, tile
            for y in range(top, bottom):
                row = rows[(y - py) % th]
                for x0, x1 in self._spans(box, clip_rects, y):
                    n = x1 - x0
                    old = struct.unpack_from("<%dI" % n, self.fb, (y * W + x0) * 4)
                    struct.pack_into("<%dI" % n, self.fb, (y * W + x0) * 4,
                                     *[f(row[(x0 + i - px) % tw], d) & 0xffffffff
                                       for i, d in enumerate(old)])
            return
        if rop == ROPD_OP_PUT:
            px = struct.pack("<I", color & 0xffffff)
            for y in range(top, bottom):
                for x0, x1 in self._spans(box, clip_rects, y):
                    self.fb[(y * self.width + x0) * 4:(y * self.width + x1) * 4] = px * (x1 - x0)
            return
        f, W = FILL_ROPS[rop], self.width
        for y in range(top, bottom):
            for x0, x1 in self._spans(box, clip_rects, y):
                n = x1 - x0
                old = struct.unpack_from("<%dI" % n, self.fb, (y * W + x0) * 4)
                struct.pack_into("<%dI" % n, self.fb, (y * W + x0) * 4,
                                 *[f(color, d) & 0xffffffff for d in old])

    def _draw_stroke(self, body):
        """DRAW_STROKE as spice-common's canvas draws what spiced sends: a
        polyline a subpath, each line without its last pixel, stepped
        along its longer axis with the other coordinate rounded, a half
        away from the start unless the longer axis decreases (X's
        zero-width lines), painted with the colour and descriptor within
        the box and its clip."""
        box, clip_rects, pos = self._base("DRAW_STROKE", body)
        if pos + 4 + 1 + 5 + 4 > len(body):
            raise ProtocolError("DRAW_STROKE fixed part cut")
        pptr, lflags, btype, color, rop, _back = struct.unpack_from("<IBBIHH", body, pos)
        if lflags != 0 or btype != BRUSH_SOLID or rop not in FILL_ROPS or pptr != pos + 14:
            raise ProtocolError("DRAW_STROKE line flags %#x brush %d rop %#x path at %d: only "
                                "plain lines, a solid brush, a plain descriptor and the path "
                                "after them are decoded" % (lflags, btype, rop, pptr))
        nsegs = struct.unpack_from("<I", body, pptr)[0]
        at, polylines, cur = pptr + 4, [], []
        for _ in range(nsegs):
            flags, count = struct.unpack_from("<BI", body, at)
            at += 5
            if at + 8 * count > len(body):
                raise ProtocolError("DRAW_STROKE segment flags %#x of %d points" % (flags, count))
            fix = list(struct.iter_unpack("<ii", body[at:at + 8 * count]))
            at += 8 * count
            if flags & PATH_BEGIN:
                if cur:
                    polylines.append(cur)
                cur = [((fix[0][0] + 7) >> 4, (fix[0][1] + 7) >> 4)]
                fix = fix[1:]
            if flags & PATH_BEZIER:
                if len(fix) % 3 or not cur:
                    raise ProtocolError("DRAW_STROKE curve of %d points" % len(fix))
                for k in range(0, len(fix), 3):
                    _bezier(cur, (cur[-1][0] * 16, cur[-1][1] * 16) + fix[k] + fix[k + 1] +
                            fix[k + 2], 0)
            else:
                cur.extend(((x + 7) >> 4, (y + 7) >> 4) for x, y in fix)
            if flags & PATH_END:
                if flags & PATH_CLOSE and cur:
                    cur.append(cur[0])
                polylines.append(cur)
                cur = []
        if cur:
            polylines.append(cur)
        if at != len(body):
            raise ProtocolError("DRAW_STROKE of %d bytes, its path ends at %d" % (len(body), at))
        f, W = FILL_ROPS[rop], self.width
        inside = set()
        top, left, bottom, right = box
        for y in range(top, bottom):
            for x0, x1 in self._spans(box, clip_rects, y):
                inside.update((x, y) for x in range(x0, x1))
        for line in polylines:
            for (x0, y0), (x1, y1) in zip(line, line[1:]):
                dx, dy = x1 - x0, y1 - y0
                n = max(abs(dx), abs(dy))
                bias = int(dx < 0) if abs(dx) > abs(dy) else int(dy < 0)
                for i in range(n):
                    x = x0 + round_div(i * dx, n, bias)
                    y = y0 + round_div(i * dy, n, bias)
                    if (x, y) in inside:
                        k = (y * W + x) * 4
                        d = struct.unpack_from("<I", self.fb, k)[0]
                        struct.pack_into("<I", self.fb, k, f(color, d) & 0xffffffff)

    def _draw_text(self, body):
        """DRAW_TEXT as spice-common's canvas draws what spiced sends: the
        back area put in the back colour, then the fore colour OVER what
        is there through the glyphs' coverage (the larger where they
        overlap; A1 bits MSB first, A4 values high nibble first as v *
        16, rows bottom-up), all within the box and its clip."""
        box, clip_rects, pos = self._base("DRAW_TEXT", body)
        if pos + 4 + 16 + 1 > len(body):
            raise ProtocolError("DRAW_TEXT fixed part cut")
        sptr = struct.unpack_from("<I", body, pos)[0]
        bt, bl, bb, br = struct.unpack_from("<iiii", body, pos + 4)
        pos += 20
        brushes = []
        for _ in range(2):
            btype = body[pos]
            if btype == BRUSH_SOLID:
                brushes.append(struct.unpack_from("<I", body, pos + 1)[0] & 0xffffff)
                pos += 5
            elif btype == BRUSH_NONE:
                brushes.append(None)
                pos += 1
            else:
                raise ProtocolError("DRAW_TEXT brush type %d" % btype)
        fore, back = brushes
        fmode, bmode = struct.unpack_from("<HH", body, pos)
        if fore is None or fmode != ROPD_OP_PUT or bmode != ROPD_OP_PUT or sptr != pos + 4:
            raise ProtocolError("DRAW_TEXT fore %r modes %#x %#x string at %d: only a solid "
                                "fore brush, OP_PUT and the string after them are decoded"
                                % (fore, fmode, bmode, sptr))
        n, flags = struct.unpack_from("<HB", body, sptr)
        if flags not in (STRING_A1, STRING_A4) or n == 0:
            raise ProtocolError("DRAW_TEXT string of %d glyphs, flags %#x" % (n, flags))
        at, cov = sptr + 3, {}
        for _ in range(n):
            gx, gy, ox, oy, w, h = struct.unpack_from("<iiiiHH", body, at)
            at += 20
            row = (w + 7) // 8 if flags == STRING_A1 else (w + 1) // 2
            if at + row * h > len(body):
                raise ProtocolError("DRAW_TEXT glyph beyond the body")
            for j in range(h):
                bits = body[at + (h - 1 - j) * row:at + (h - j) * row]
                for i in range(w):
                    if flags == STRING_A1:
                        v = 255 if bits[i >> 3] >> (7 - (i & 7)) & 1 else 0
                    else:
                        v = (bits[i >> 1] >> (0 if i & 1 else 4) & 15) << 4
                    key = (gx + ox + i, gy + oy + j)
                    if v > cov.get(key, 0):
                        cov[key] = v
            at += row * h
        if at != len(body):
            raise ProtocolError("DRAW_TEXT of %d bytes, its string ends at %d" % (len(body), at))
        top, left, bottom, right = box
        W = self.width
        for y in range(top, bottom):
            for x0, x1 in self._spans(box, clip_rects, y):
                for x in range(x0, x1):
                    k = (y * W + x) * 4
                    d = struct.unpack_from("<I", self.fb, k)[0] & 0xffffff
                    if back is not None and bl <= x < br and bt <= y < bb:
                        d = back
                    m = cov.get((x, y), 0)
                    if m:
                        d = over(fore, m, d)
                    struct.pack_into("<I", self.fb, k, d)

    def _copy_bits(self, body):
        box, clip_rects, pos = self._base("COPY_BITS", body)
        self.copy_bits_clipped += clip_rects is not None
        if pos + 8 != len(body):
            raise ProtocolError("COPY_BITS of %d bytes, want %d" % (len(body), pos + 8))
        sx, sy = struct.unpack_from("<ii", body, pos)
        top, left, bottom, right = box
        if not (0 <= sx and sx + right - left <= self.width and
                0 <= sy and sy + bottom - top <= self.height):
            raise ProtocolError("COPY_BITS source %d,%d outside %dx%d" % (sx, sy, self.width, self.height))
        old, W = bytes(self.fb), self.width
        for y in range(top, bottom):
            srow = sy + y - top
            for x0, x1 in self._spans(box, clip_rects, y):
                s0 = sx + x0 - left
                self.fb[(y * W + x0) * 4:(y * W + x1) * 4] = \
                    old[(srow * W + s0) * 4:(srow * W + s0 + x1 - x0) * 4]

    def _draw_copy(self, body):
        (top, left, bottom, right), clip_rects, pos = self._base("DRAW_COPY", body)
        # Copy: u32 image ptr, Rect src_area, u16 rop, u8 scale, QMask.
        if pos + 4 + 16 + 2 + 1 + 13 > len(body):
            raise ProtocolError("DRAW_COPY fixed part cut")
        ptr, st, sl, sb, sr, rop, scale = struct.unpack_from("<IiiiiHB", body, pos)
        pos += 23
        mflags, mx, my, mptr = struct.unpack_from("<BiiI", body, pos)
        op = FILL_ROPS.get(rop & ~ROPD_INVERS_SRC | (ROPD_INVERS_BRUSH if rop & ROPD_INVERS_SRC
                                                     else 0))
        if op is None or rop & ROPD_INVERS_BRUSH:
            raise ProtocolError("DRAW_COPY rop %#x" % rop)
        if mptr != 0:
            raise ProtocolError("DRAW_COPY with a mask")
        bw, bh = right - left, bottom - top
        self.drawn += bw * bh
        scaled = (sr - sl, sb - st) != (bw, bh)
        if scaled and scale not in (IMAGE_SCALE_NEAREST, IMAGE_SCALE_INTERPOLATE):
            raise ProtocolError("DRAW_COPY scales %r to %r in mode %d" % (
                (st, sl, sb, sr), (top, left, bottom, right), scale))
        if ptr == 0 or ptr + 18 > len(body):
            raise ProtocolError("DRAW_COPY image pointer %d in a %d byte body" % (ptr, len(body)))
        iw, ih, rows = self._image(body, ptr)
        self.copies.append((top, left, bottom, right, body[ptr + 8]))
        if not (0 <= sl < sr <= iw and 0 <= st < sb <= ih):
            raise ProtocolError("src_area %r outside the %dx%d image" % ((st, sl, sb, sr), iw, ih))
        fb, W = self.fb, self.width
        if scaled and scale == IMAGE_SCALE_INTERPOLATE:
            self.scaled += 1
            self.scaled_smooth += 1
            self._copy_bilinear(rows, iw, ih, (st, sl, sb, sr), (top, left, bottom, right),
                                clip_rects, op if rop != ROPD_OP_PUT else None)
            return
        if scaled:
            self.scaled += 1
            xs = _nearest(sr - sl, bw, sl)
            ys = _nearest(sb - st, bh, st)
            for y in range(top, bottom):
                row = rows[ys[y - top]]
                for x0, x1 in self._spans((top, left, bottom, right), clip_rects, y):
                    for x in range(x0, x1):
                        k, o = xs[x - left] * 4, (y * W + x) * 4
                        if rop == ROPD_OP_PUT:
                            fb[o:o + 3] = row[k:k + 3]
                            continue
                        v = op(row[k] | row[k + 1] << 8 | row[k + 2] << 16,
                               fb[o] | fb[o + 1] << 8 | fb[o + 2] << 16)
                        fb[o:o + 3] = bytes((v & 255, v >> 8 & 255, v >> 16 & 255))
            return
        if rop != ROPD_OP_PUT:
            self.rop_copies += 1
            for y in range(top, bottom):
                row = rows[st + y - top]
                for x0, x1 in self._spans((top, left, bottom, right), clip_rects, y):
                    for x in range(x0, x1):
                        k, o = (sl + x - left) * 4, (y * W + x) * 4
                        v = op(row[k] | row[k + 1] << 8 | row[k + 2] << 16,
                               fb[o] | fb[o + 1] << 8 | fb[o + 2] << 16)
                        fb[o:o + 3] = bytes((v & 255, v >> 8 & 255, v >> 16 & 255))
            return
        for y in range(bh):
            row = rows[st + y]
            dy = top + y
            if clip_rects is None:
                fb[(dy * W + left) * 4:(dy * W + right) * 4] = row[sl * 4:sr * 4]
                continue
            for ct, cl, cb, cr in clip_rects:
                if ct <= dy < cb:
                    x0, x1 = max(left, cl), min(right, cr)
                    if x0 < x1:
                        fb[(dy * W + x0) * 4:(dy * W + x1) * 4] = \
                            row[(sl + x0 - left) * 4:(sl + x1 - left) * 4]

    def _copy_bilinear(self, rows, iw, ih, src, box, clip_rects, op):
        """src (top, left, bottom, right) of an iw x ih image stretched
        over box interpolated, as spice-common's canvas has pixman do it
        (this is a model of that arithmetic, not pixman): the scale
        factor truncated to 16.16 and the translation by src's corner;
        a destination pixel's centre mapped through it (the half pixel
        rounded as pixman's transform rounds it), less half a pixel, gives
        the top-left of the four pixels read and 7-bit weights; each
        channel is the weighted sum shifted right by 14; pixels beyond
        the image are transparent black (REPEAT_NONE), so edges fade;
        the pixels' own bytes are used, premultiplied when they have
        alpha.  op: a raster operation on the result, or None."""
        st, sl, sb, sr = src
        top, left, bottom, right = box
        bw, bh = right - left, bottom - top

        def taps(n_src, n_dst, origin, size):
            f = (n_src << 16) // n_dst
            half = (f * 0x8000 + 0x8000) >> 16
            out = []
            for i in range(n_dst):
                v = f * i + half + (origin << 16) - 0x8000
                p, w = v >> 16, (v >> 9) & 127
                out.append((p if 0 <= p < size else None, 128 - w,
                            p + 1 if 0 <= p + 1 < size else None, w))
            return out

        xt = taps(sr - sl, bw, sl, iw)
        yt = taps(sb - st, bh, st, ih)
        fb, W = self.fb, self.width
        zero = bytes(4 * iw)
        for y in range(top, bottom):
            y0, wy0, y1, wy1 = yt[y - top]
            r0 = rows[y0] if y0 is not None else zero
            r1 = rows[y1] if y1 is not None else zero
            for x0, x1 in self._spans(box, clip_rects, y):
                for x in range(x0, x1):
                    a, wx0, b, wx1 = xt[x - left]
                    px = []
                    for c in range(3):
                        tl = r0[a * 4 + c] if a is not None else 0
                        tr = r0[b * 4 + c] if b is not None else 0
                        bl = r1[a * 4 + c] if a is not None else 0
                        br = r1[b * 4 + c] if b is not None else 0
                        px.append((tl * wx0 * wy0 + tr * wx1 * wy0 + bl * wx0 * wy1 +
                                   br * wx1 * wy1) >> 14)
                    o = (y * W + x) * 4
                    if op is not None:
                        v = op(px[0] | px[1] << 8 | px[2] << 16,
                               fb[o] | fb[o + 1] << 8 | fb[o + 2] << 16)
                        px = [v & 255, v >> 8 & 255, v >> 16 & 255]
                    fb[o:o + 3] = bytes(px)

    def _draw_blend(self, body, keyed):
        """DRAW_TRANSPARENT (u32 image ptr, Rect src_area, u32 src_color,
        u32 true_color: pixels whose RGB is true_color's are not drawn)
        or DRAW_ALPHA_BLEND (u8 flags, u8 alpha, u32 image ptr, Rect
        src_area: OVER through alpha, the image's own alpha premultiplied
        when it has one), unscaled or stretched by nearest sampling, as
        spice-common's canvas draws them."""
        what = "DRAW_TRANSPARENT" if keyed else "DRAW_ALPHA_BLEND"
        box, clip_rects, pos = self._base(what, body)
        if keyed:
            if pos + 28 > len(body):
                raise ProtocolError("%s fixed part cut" % what)
            ptr, st, sl, sb, sr, _src_color, key = struct.unpack_from("<IiiiiII", body, pos)
            key &= 0xffffff
        else:
            if pos + 22 > len(body):
                raise ProtocolError("%s fixed part cut" % what)
            flags, alpha, ptr, st, sl, sb, sr = struct.unpack_from("<BBIiiii", body, pos)
            if flags:
                raise ProtocolError("%s flags %#x" % (what, flags))
        top, left, bottom, right = box
        xs = _nearest(sr - sl, right - left, sl)
        ys = _nearest(sb - st, bottom - top, st)
        if (sr - sl, sb - st) != (right - left, bottom - top):
            self.scaled_blends += 1
        if ptr == 0 or ptr + 18 > len(body):
            raise ProtocolError("%s image pointer %d in a %d byte body" % (what, ptr, len(body)))
        iw, ih, rows = self._image(body, ptr)
        rgba = self.image_rgba
        if keyed and rgba:
            raise ProtocolError("%s of an image with alpha" % what)
        if not (0 <= sl < sr <= iw and 0 <= st < sb <= ih):
            raise ProtocolError("%s src_area %r outside the %dx%d image" % (what, (st, sl, sb, sr), iw, ih))
        fb, W = self.fb, self.width
        for y in range(top, bottom):
            row = rows[ys[y - top]]
            for x0, x1 in self._spans(box, clip_rects, y):
                for x in range(x0, x1):
                    k = xs[x - left] * 4
                    s = row[k] | row[k + 1] << 8 | row[k + 2] << 16
                    o = (y * W + x) * 4
                    if keyed:
                        if s != key:
                            fb[o:o + 3] = row[k:k + 3]
                        continue
                    d = fb[o] | fb[o + 1] << 8 | fb[o + 2] << 16
                    v = over(s, alpha, d, row[k + 3] if rgba else 255)
                    fb[o:o + 3] = bytes((v & 255, v >> 8 & 255, v >> 16))

    def _draw_rop3(self, body, opaque=False):
        """DRAW_ROP3: u32 image ptr, Rect src_area, Brush (u8 type, then
        a u32 colour, or a PATTERN's u32 image ptr and Point), u8 code, u8
        scale mode, QMask (none); unscaled; bit P << 2 | S << 1 | D of the
        code is each result bit, the pattern tiled from its Point as in a
        fill.  DRAW_OPAQUE (opaque): the same with a u16 ROP descriptor
        for the code, read as a fill's with the source for the
        destination."""
        what = "DRAW_OPAQUE" if opaque else "DRAW_ROP3"
        box, clip_rects, pos = self._base(what, body)
        if pos + 21 > len(body):
            raise ProtocolError("%s fixed part cut" % what)
        ptr, st, sl, sb, sr, btype, color = struct.unpack_from("<IiiiiBI", body, pos)
        tile, pos = None, pos + 25
        if btype == BRUSH_PATTERN:
            pptr = color
            px, py = struct.unpack_from("<ii", body, pos)
            pos += 8
        fixed = 3 if opaque else 2
        if pos + fixed + 13 > len(body):
            raise ProtocolError("%s fixed part cut" % what)
        code = struct.unpack_from("<H" if opaque else "<B", body, pos)[0]
        mflags, mx, my, mptr = struct.unpack_from("<BiiI", body, pos + fixed)
        top, left, bottom, right = box
        if btype not in (BRUSH_SOLID, BRUSH_PATTERN) or mptr != 0 or \
                (sr - sl, sb - st) != (right - left, bottom - top):
            raise ProtocolError("%s brush %d, mask %d, src_area %r: not drawn here"
                                % (what, btype, mptr, (st, sl, sb, sr)))
        if btype == BRUSH_PATTERN:
            if not ptr < pptr <= len(body):
                raise ProtocolError("%s pattern pointer %d, source at %d" % (what, pptr, ptr))
            tile = self._pattern(body, pptr)
            self.rop_patterns += 1
        if opaque:
            if code not in FILL_ROPS:
                raise ProtocolError("DRAW_OPAQUE rop %#x" % code)
            f = FILL_ROPS[code]
            # As a code: bit P << 2 | S << 1 | D of the result, D unread.
            code = sum(1 << i for i in range(8) if f(-(i >> 2 & 1), -(i >> 1 & 1)) & 1)
        iw, ih, rows = self._image(body, ptr, pptr if tile is not None else None)
        if not (0 <= sl < sr <= iw and 0 <= st < sb <= ih):
            raise ProtocolError("%s src_area outside the %dx%d image" % (what, iw, ih))
        fb, W = self.fb, self.width
        for y in range(top, bottom):
            row = rows[st + y - top]
            for x0, x1 in self._spans(box, clip_rects, y):
                for x in range(x0, x1):
                    k, o = (sl + x - left) * 4, (y * W + x) * 4
                    s = row[k] | row[k + 1] << 8 | row[k + 2] << 16
                    d = fb[o] | fb[o + 1] << 8 | fb[o + 2] << 16
                    if tile is not None:
                        tw, th, trows = tile
                        color = trows[(y - py) % th][(x - px) % tw]
                    v = 0
                    for b in range(24):
                        if code >> ((color >> b & 1) << 2 | (s >> b & 1) << 1 | (d >> b & 1)) & 1:
                            v |= 1 << b
                    fb[o:o + 3] = bytes((v & 255, v >> 8 & 255, v >> 16))

    def _draw_composite(self, body):
        """DRAW_COMPOSITE: u32 flags, u32 src image ptr, [u32 mask ptr],
        [src transform], [mask transform] (six 16.16 values each), Point16
        src_origin, mask_origin; drawn here for OVER and SRC through an
        optional mask's alpha, filters nearest or bilinear, repeats none
        or normal, no component alpha (else a protocol error here), as
        pixman composites."""
        what = "DRAW_COMPOSITE"
        box, clip_rects, pos = self._base(what, body)
        if pos + 8 > len(body):
            raise ProtocolError("%s fixed part cut" % what)
        flags, sptr = struct.unpack_from("<II", body, pos)
        pos += 8
        mptr = None
        if flags & COMPOSITE_HAS_MASK:
            mptr = struct.unpack_from("<I", body, pos)[0]
            pos += 4
        op, srep, mrep = flags & 0xff, flags >> 14 & 3, flags >> 16 & 3
        sfilt, mfilt = flags >> 8 & 7, flags >> 11 & 7
        if op not in (COMPOSITE_OP_SRC, COMPOSITE_OP_OVER) or srep > 1 or mrep > 1 or \
                sfilt > 1 or mfilt > 1 or flags & ~(0xff | 0x3f << 8 | 0xf << 14 |
                                                    COMPOSITE_HAS_MASK | COMPOSITE_HAS_TRANSFORMS):
            raise ProtocolError("%s flags %#x are not drawn here" % (what, flags))
        sxf = mxf = None
        for has in (COMPOSITE_HAS_SRC_TRANSFORM, COMPOSITE_HAS_MASK_TRANSFORM):
            if flags & has:
                if pos + 24 > len(body):
                    raise ProtocolError("%s transform cut" % what)
                t = struct.unpack_from("<6i", body, pos)
                pos += 24
                if has == COMPOSITE_HAS_SRC_TRANSFORM:
                    sxf = t
                else:
                    mxf = t
        if pos + 8 > len(body):
            raise ProtocolError("%s origins cut" % what)
        sx, sy, mx, my = struct.unpack_from("<hhhh", body, pos)
        if mptr is not None and not sptr < mptr <= len(body):
            raise ProtocolError("%s mask pointer %d, source at %d" % (what, mptr, sptr))
        sw, sh, srows = self._image(body, sptr, mptr)
        salpha = self.image_rgba
        if mptr is not None:
            mw, mh, mrows = self._image(body, mptr)
            malpha = self.image_rgba

        top, left, bottom, right = box
        fb, W = self.fb, self.width
        for y in range(top, bottom):
            for x0, x1 in self._spans(box, clip_rects, y):
                for x in range(x0, x1):
                    p = _sample(srows, sw, sh, salpha, srep, sfilt, sxf,
                                sx + x - left, sy + y - top)
                    s, sa = p[0] | p[1] << 8 | p[2] << 16, p[3]
                    m = 255
                    if mptr is not None:
                        m = _sample(mrows, mw, mh, malpha, mrep, mfilt, mxf,
                                    mx + x - left, my + y - top)[3]
                    o = (y * W + x) * 4
                    if op == COMPOSITE_OP_SRC:
                        v = over(s, m, 0, sa)
                    else:
                        v = over(s, m, fb[o] | fb[o + 1] << 8 | fb[o + 2] << 16, sa)
                    fb[o:o + 3] = bytes((v & 255, v >> 8 & 255, v >> 16))

    def _image(self, body, ptr, end=None):
        """Decode the image at ptr, whose bytes end at end (the body's end
        by default); returns (width, height, rows) with rows top first,
        each width*4 bytes B,G,R,X."""
        end = len(body) if end is None else end
        _id, itype, iflags, w, h = struct.unpack_from("<QBBII", body, ptr)
        pos = ptr + 18
        self.images[itype] = self.images.get(itype, 0) + 1
        if w == 0 or h == 0 or w > 16384 or h > 16384:
            raise ProtocolError("image size %dx%d" % (w, h))
        if itype == IMAGE_FROM_CACHE:
            if _id not in self.pixmaps:
                raise ProtocolError("FROM_CACHE of %#x, not cached" % _id)
            if self.pixmaps[_id][:2] != (w, h):
                raise ProtocolError("FROM_CACHE %dx%d of a %dx%d pixmap" % ((w, h) + self.pixmaps[_id][:2]))
            self.from_cache += 1
            self.image_rgba = _id in self.pixmap_rgba
            return self.pixmaps[_id]
        if itype == IMAGE_BITMAP:
            if pos + 18 > end:
                raise ProtocolError("BITMAP header cut")
            fmt, bflags, x, y, stride, pal = struct.unpack_from("<BBIIII", body, pos)
            pos += 18
            if (x, y) != (w, h):
                raise ProtocolError("BITMAP %dx%d in a %dx%d descriptor" % (x, y, w, h))
            bpp = {BITMAP_FMT_24BIT: 3, BITMAP_FMT_32BIT: 4, BITMAP_FMT_RGBA: 4}.get(fmt)
            if bpp is None:
                raise ProtocolError("BITMAP format %d" % fmt)
            if bflags & 2 or pal != 0:
                raise ProtocolError("BITMAP with a palette")
            if stride < w * bpp:
                raise ProtocolError("BITMAP stride %d for width %d" % (stride, w))
            # The pixels are inline; spice.proto puts them at the end.
            if end - pos != stride * h:
                raise ProtocolError("BITMAP has %d pixel bytes, want stride*h = %d"
                                    % (end - pos, stride * h))
            data = body[pos:end]
            top_down = bool(bflags & BITMAP_TOP_DOWN)
            self.image_rgba = fmt == BITMAP_FMT_RGBA
        elif itype == IMAGE_LZ4:
            size = struct.unpack_from("<I", body, pos)[0]
            pos += 4
            if pos + size != end:
                raise ProtocolError("LZ4 size %d, %d bytes left in the body" % (size, end - pos))
            top_down, fmt, bpp, data = _lz4_decode(body[pos:end], w, h)
            self.lz4_formats.add((top_down, fmt))
            self.image_rgba = fmt == BITMAP_FMT_RGBA
            stride = w * bpp
        elif itype == IMAGE_QUIC:
            size = struct.unpack_from("<I", body, pos)[0]
            pos += 4
            if pos + size != end:
                raise ProtocolError("QUIC size %d, %d bytes left in the body" % (size, end - pos))
            data, bpp, top_down = quic_decode(body[pos:end], w, h), 4, True
            stride = w * 4
        elif itype == IMAGE_LZ_RGB:
            size = struct.unpack_from("<I", body, pos)[0]
            pos += 4
            if pos + size != end:
                raise ProtocolError("LZ size %d, %d bytes left in the body" % (size, end - pos))
            data, bpp, top_down = lz_decode(body[pos:end], w, h), 4, True
            stride = w * 4
        elif itype == IMAGE_JPEG:
            size = struct.unpack_from("<I", body, pos)[0]
            pos += 4
            if pos + size != end:
                raise ProtocolError("JPEG size %d, %d bytes left in the body" % (size, end - pos))
            data, bpp, top_down = _jpeg_decode(bytes(body[pos:end]), w, h), 4, True
            stride = w * 4
        elif itype == IMAGE_JPEG_ALPHA:
            # u8 flags, u32 jpeg_size, u32 data_size: the JPEG of the
            # colour, then the LZ XXXA stream of the alpha (spice-gtk
            # refuses a plane of another orientation than the flags say).
            aflags, jsize, size = struct.unpack_from("<BII", body, pos)
            pos += 9
            if pos + size != end or jsize > size:
                raise ProtocolError("JPEG_ALPHA sizes %d/%d, %d bytes left in the body"
                                    % (jsize, size, end - pos))
            if not aflags & 1:
                raise ProtocolError("JPEG_ALPHA not top-down")
            color = bytearray(_jpeg_decode(bytes(body[pos:pos + jsize]), w, h))
            color[3::4] = lz_alpha_decode(bytes(body[pos + jsize:end]), w, h)[3::4]
            data, bpp, top_down = bytes(color), 4, True
            stride = w * 4
            self.image_rgba = True
        else:
            raise ProtocolError("image type %d is not decoded here" % itype)
        if itype not in (IMAGE_BITMAP, IMAGE_LZ4, IMAGE_JPEG_ALPHA):
            self.image_rgba = False
        rows = []
        for r in range(h):
            src = data[r * stride:r * stride + w * bpp]
            if bpp == 3:
                px = bytearray(w * 4)
                px[0::4], px[1::4], px[2::4] = src[0::3], src[1::3], src[2::3]
                src = bytes(px)
            rows.append(src)
        if not top_down:
            rows.reverse()
        if iflags & IMAGE_CACHE_ME:
            self.pixmaps[_id] = (w, h, rows)
            self.pixmap_rgba.discard(_id)
            if self.image_rgba:
                self.pixmap_rgba.add(_id)
        return w, h, rows

    # -- waiting ----------------------------------------------------------
    def pump(self, timeout=5, until=None):
        """Handle messages until until(self) is true (checked after every
        message) or, without until, until nothing arrives for timeout.
        Raises TimeoutError if until() does not hold within timeout."""
        end = time.monotonic() + timeout
        while True:
            if until is not None and until(self):
                return
            left = end - time.monotonic()
            if left <= 0:
                if until is None:
                    return
                raise TimeoutError("display condition not met within %.1fs" % timeout)
            try:
                mtype, body = self.next_message(left)
            except TimeoutError:
                if until is None:
                    return
                raise TimeoutError("display condition not met within %.1fs" % timeout)
            self.handle(mtype, body)

    def wait_mark(self, timeout=10, count=1):
        """Handle messages until `count` MARKs in all have arrived."""
        self.pump(timeout, until=lambda d: d.marks >= count)

    def wait_draws(self, n, timeout=10):
        """Handle messages until n more DRAW_COPYs have been applied."""
        want = self.draws + n
        self.pump(timeout, until=lambda d: d.draws >= want)

    def settle(self, quiet=0.3, timeout=5):
        """Handle messages until none arrives for `quiet` seconds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                mtype, body = self.next_message(quiet)
            except TimeoutError:
                return
            self.handle(mtype, body)
        raise TimeoutError("display never went quiet within %.1fs" % timeout)

    def rgb(self):
        """The framebuffer as width*height*3 bytes R,G,B, rows top first."""
        if self.fb is None:
            return None
        n = self.width * self.height
        out = bytearray(n * 3)
        out[0::3] = self.fb[2::4]
        out[1::3] = self.fb[1::4]
        out[2::3] = self.fb[0::4]
        return bytes(out)


def open_session(port, password, timeout=10):
    """A main channel that has done ATTACH_CHANNELS."""
    m = MainChannel.connect(port, password, timeout)
    m.attach(timeout)
    return m


def display_client(port, password, session_id, lz4=True, init=True, **kw):
    """A linked display channel, with DISPLAY_INIT sent if init; kw go to
    DisplayChannel.connect."""
    d = DisplayChannel.connect(port, password, session_id, lz4=lz4, **kw)
    if init:
        d.send_init()
    return d
