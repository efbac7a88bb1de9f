# SPDX-License-Identifier: LGPL-2.1-or-later
"""rawdraw: how spice-common's canvas draws each display message that
rawspice's display client decodes (DRAW_FILL, COPY_BITS, DRAW_COPY,
DRAW_TRANSPARENT, DRAW_ALPHA_BLEND, DRAW_ROP3, DRAW_OPAQUE, DRAW_COMPOSITE,
DRAW_TEXT, DRAW_STROKE), as models of its arithmetic and of pixman's
written here, not pixman called: a test that compares such a client's
picture with spice-gtk's and with the worker's images checks all three.
CanvasDraw is mixed into rawspice.DisplayChannel, whose framebuffer and
image decoding it uses."""

import struct

# Brushes, clips, strings, paths, composites, scale modes as the
# display channel spells them.
# SpiceComposite flags (pixman's operators, repeats; what this client draws).
COMPOSITE_OP_SRC, COMPOSITE_OP_OVER = 1, 3
COMPOSITE_HAS_MASK = 1 << 19
COMPOSITE_HAS_SRC_TRANSFORM, COMPOSITE_HAS_MASK_TRANSFORM = 1 << 20, 1 << 21
COMPOSITE_HAS_TRANSFORMS = COMPOSITE_HAS_SRC_TRANSFORM | COMPOSITE_HAS_MASK_TRANSFORM
PATH_BEGIN, PATH_END, PATH_CLOSE, PATH_BEZIER = 1, 2, 8, 16
IMAGE_SCALE_INTERPOLATE = 0
IMAGE_SCALE_NEAREST = 1
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

class ProtocolError(Exception):
    """The server sent something this client cannot take as valid."""


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



class CanvasDraw:
    """The DRAW_* messages drawn into self.fb (rawspice.DisplayChannel)."""

    def _base(self, what, body):
        """DisplayBase: u32 surface, Rect box (top, left, bottom, right),
        Clip.  Returns (box, clip rects or None, offset after it), the box
        checked against the surface drawn on (rawspice's _target: 0, or
        the off-screen surface whose framebuffer self.fb is meanwhile)."""
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
        if sid != self._target or self.fb is None:
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
