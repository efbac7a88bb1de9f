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
(bytearray, B,G,R,X per pixel, rows top first) and applies each drawing
to it as spice-common's canvas would (rawdraw.py).  Anything it cannot decode exactly raises ProtocolError, so a test
fails on a malformed message instead of drawing something approximate.
"""

import select
import socket
import struct
import time

import lz4.block

import rawlink
from rawdraw import CanvasDraw, ProtocolError

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
IMAGE_SURFACE = 104
IMAGE_CACHE_ME = 1
MSG_DISPLAY_INVAL_LIST = 105
BITMAP_FMT_24BIT, BITMAP_FMT_32BIT, BITMAP_FMT_RGBA = 7, 8, 9
BITMAP_TOP_DOWN = 4
SURFACE_FMT_32_xRGB, SURFACE_FMT_32_ARGB = 32, 96
SURFACE_FLAG_PRIMARY = 1


LZ4_HISTORY = 64 * 1024


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


# turbojpeg's TJSAMP_* values, as the chroma sampling they name.
_TJ_CHROMA = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0", 3: "grey", 4: "4:4:0", 5: "4:1:1"}


def _jpeg_decode(data, w, h):
    """A JFIF stream as (h rows of w B,G,R,X pixels, its chroma sampling:
    "4:2:0", "4:4:4", ...), through libjpeg-turbo (ctypes: no image module
    in the test dependencies)."""
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
        return out.raw, _TJ_CHROMA.get(sub.value, str(sub.value))
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


class DisplayChannel(Channel, CanvasDraw):
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
        self.surfaces = {}          # off-screen id -> [width, height, framebuffer]
        self.surface_creates = 0    # SURFACE_CREATEs of off-screen surfaces
        self.surface_destroys = 0   # ... SURFACE_DESTROYs
        self.surface_draws = 0      # drawings on off-screen surfaces
        self.surface_sources = 0    # images that are off-screen surfaces
        self._target = 0            # the surface being drawn on
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
        self.image_chroma = []      # each JPEG image's chroma ("4:2:0", ...)
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
        self.frame_chroma = []      # ... and its chroma ("4:2:0", ...)
        # (multimedia time, our CLOCK_MONOTONIC in ms mod 2^32 as it
        # arrived) of each stream frame: spiced's clock is that one.
        self.frame_stamps = []
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
        sid = struct.unpack_from("<I", body)[0] if len(body) >= 4 else 0
        if sid != 0 and mtype in self._DRAWINGS:
            self._draw_offscreen(sid, mtype, body)
        else:
            self._handle(mtype, body)

    # What may draw on an off-screen surface (DisplayBase first).
    _DRAWINGS = (MSG_DISPLAY_DRAW_COPY, MSG_DISPLAY_DRAW_FILL, MSG_DISPLAY_COPY_BITS)

    def _draw_offscreen(self, sid, mtype, body):
        """A drawing on off-screen surface sid, made into its framebuffer
        as into the primary's."""
        if sid not in self.surfaces:
            raise ProtocolError("drawing %d on surface %d, not created" % (mtype, sid))
        saved = self.width, self.height, self.fb, self._target
        self.width, self.height, self.fb = self.surfaces[sid]
        self._target = sid
        try:
            self._handle(mtype, body)
        finally:
            self.width, self.height, self.fb, self._target = saved
        self.surface_draws += 1

    def _surface_create(self, sid, w, h, fmt, flags):
        if flags != 0 or sid in self.surfaces or sid > 1 << 16:
            raise ProtocolError("SURFACE_CREATE of surface %d, flags %d (it has %r)"
                                % (sid, flags, sorted(self.surfaces)))
        if fmt not in (SURFACE_FMT_32_xRGB, SURFACE_FMT_32_ARGB):
            raise ProtocolError("surface %d format %d" % (sid, fmt))
        if not (0 < w <= 16384 and 0 < h <= 16384):
            raise ProtocolError("surface %d size %dx%d" % (sid, w, h))
        self.surfaces[sid] = [w, h, bytearray(w * h * 4)]
        self.surface_creates += 1

    def _handle(self, mtype, body):
        if mtype == MSG_DISPLAY_SURFACE_CREATE:
            if len(body) != 20:
                raise ProtocolError("SURFACE_CREATE of %d bytes" % len(body))
            sid, w, h, fmt, flags = struct.unpack("<5I", body)
            if sid != 0:
                self._surface_create(sid, w, h, fmt, flags)
                return
            if not flags & SURFACE_FLAG_PRIMARY:
                raise ProtocolError("surface 0 without the PRIMARY flag")
            if fmt not in (SURFACE_FMT_32_xRGB, SURFACE_FMT_32_ARGB):
                raise ProtocolError("surface format %d" % fmt)
            if not (0 < w <= 16384 and 0 < h <= 16384):
                raise ProtocolError("surface size %dx%d" % (w, h))
            self.width, self.height, self.surface_format = w, h, fmt
            self.fb = bytearray(w * h * 4)
        elif mtype == MSG_DISPLAY_SURFACE_DESTROY:
            if len(body) == 4 and struct.unpack("<I", body)[0] in self.surfaces:
                del self.surfaces[struct.unpack("<I", body)[0]]
                self.surface_destroys += 1
                return
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

    def send_stream_report(self, frames, drops, delay, end=0, audio=0):
        """STREAM_REPORT on the stream asked about: end the multimedia
        time of its last frame, audio the audio delay (0xffffffff: no
        audio playing)."""
        sid, uid = self.report_asked[:2]
        self.send(MSGC_DISPLAY_STREAM_REPORT, struct.pack(
            "<6IiI", sid, uid, 0, end, frames, drops, delay, audio))

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
        sid, mm, size = struct.unpack_from("<III", body)
        if sid not in self.streams or 12 + size != len(body):
            raise ProtocolError("STREAM_DATA of stream %d, %d bytes of %d" % (sid, size, len(body)))
        self.frame_stamps.append((mm, time.monotonic_ns() // 1000000 & 0xffffffff))
        top, left, bottom, right = self.streams[sid]
        w, h = right - left, bottom - top
        self.frame_sizes.append(size)
        px, chroma = _jpeg_decode(bytes(body[12:]), w, h)
        self.frame_chroma.append(chroma)
        W = self.width
        for y in range(h):
            self.fb[((top + y) * W + left) * 4:((top + y) * W + right) * 4] = \
                px[y * w * 4:(y + 1) * w * 4]
        self.stream_frames += 1

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
        if itype == IMAGE_SURFACE:
            sid = struct.unpack_from("<I", body, pos)[0]
            if sid not in self.surfaces or sid == self._target:
                raise ProtocolError("image of surface %d (held: %r, drawing on %d)"
                                    % (sid, sorted(self.surfaces), self._target))
            sw, sh, sfb = self.surfaces[sid]
            if (sw, sh) != (w, h):
                raise ProtocolError("image of surface %d as %dx%d, it is %dx%d"
                                    % (sid, w, h, sw, sh))
            self.surface_sources += 1
            self.image_rgba = False
            return w, h, [bytes(sfb[y * w * 4:(y + 1) * w * 4]) for y in range(h)]
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
            (data, chroma), bpp, top_down = _jpeg_decode(bytes(body[pos:end]), w, h), 4, True
            self.image_chroma.append(chroma)
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
            color = bytearray(_jpeg_decode(bytes(body[pos:pos + jsize]), w, h)[0])
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
