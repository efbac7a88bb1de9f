# SPDX-License-Identifier: LGPL-2.1-or-later
"""ppm: binary PPM (P6, maxval 255) files and RGB picture comparison for
the integration tests.  Pictures are (width, height, rgb) with rgb the
width*height*3 bytes of the rows, top row first, as spice_client's
snapshot() returns them."""

import math


def write_ppm(path, width, height, rgb):
    """Write rgb (width*height*3 bytes) as a P6 file."""
    if len(rgb) != width * height * 3:
        raise ValueError("%d bytes for a %dx%d picture" % (len(rgb), width, height))
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (width, height))
        f.write(rgb)


def _tokens(data, count):
    """The first count header tokens of a PNM file and the offset just
    past the single whitespace byte that ends the last one.  Comments run
    from '#' to the end of the line."""
    toks = []
    i = 0
    n = len(data)
    while len(toks) < count:
        while i < n and data[i:i + 1].isspace():
            i += 1
        if i < n and data[i:i + 1] == b"#":
            while i < n and data[i:i + 1] not in (b"\n", b"\r"):
                i += 1
            continue
        j = i
        while j < n and not data[j:j + 1].isspace() and data[j:j + 1] != b"#":
            j += 1
        if j == i:
            raise ValueError("truncated PPM header")
        toks.append(data[i:j])
        i = j
    if i >= n or not data[i:i + 1].isspace():
        raise ValueError("PPM header not followed by whitespace")
    return toks, i + 1


def read_ppm(path):
    """Read a P6 file with maxval 255; returns (width, height, rgb)."""
    with open(path, "rb") as f:
        data = f.read()
    toks, off = _tokens(data, 4)
    if toks[0] != b"P6":
        raise ValueError("%s: not a binary PPM (P6)" % path)
    width, height, maxval = int(toks[1]), int(toks[2]), int(toks[3])
    if maxval != 255:
        raise ValueError("%s: maxval %d, only 255 is supported" % (path, maxval))
    size = width * height * 3
    rgb = data[off:off + size]
    if len(rgb) != size:
        raise ValueError("%s: %d pixel bytes, expected %d" % (path, len(rgb), size))
    return width, height, rgb


def diff(a, b, width, height):
    """Compare two RGB pictures of the same size.  Returns None if equal,
    else a dict: count (pixels that differ), first (x, y), bbox (x0, y0,
    x1, y1 inclusive) and the first pair of differing pixels."""
    if len(a) != width * height * 3 or len(b) != width * height * 3:
        raise ValueError("sizes differ: %d and %d bytes for %dx%d"
                         % (len(a), len(b), width, height))
    if a == b:
        return None
    count = 0
    first = None
    x0, y0, x1, y1 = width, height, -1, -1
    row = width * 3
    for y in range(height):
        ra = a[y * row:(y + 1) * row]
        rb = b[y * row:(y + 1) * row]
        if ra == rb:
            continue
        for x in range(width):
            pa = ra[x * 3:x * 3 + 3]
            pb = rb[x * 3:x * 3 + 3]
            if pa != pb:
                count += 1
                if first is None:
                    first = (x, y, tuple(pa), tuple(pb))
                x0, y0 = min(x0, x), min(y0, y)
                x1, y1 = max(x1, x), max(y1, y)
    return {"count": count, "first": first[:2], "pixels": first[2:],
            "bbox": (x0, y0, x1, y1)}


def describe_diff(d):
    """One line for a test failure message."""
    if d is None:
        return "pictures are equal"
    return ("%d pixels differ, first at %s (%s vs %s), within %s"
            % (d["count"], d["first"], d["pixels"][0], d["pixels"][1], d["bbox"]))


def psnr(a, b):
    """Peak signal-to-noise ratio of two equal-sized pictures in dB (99 for
    identical ones): how close a lossy picture came."""
    se = sum((x - y) * (x - y) for x, y in zip(a, b))
    return 99.0 if se == 0 else 10 * math.log10(255 * 255 * len(a) / se)
