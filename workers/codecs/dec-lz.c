/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dec-lz: LZ decoding; see dec-lz.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec-lz.h"

static uint32_t
lzd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* lz_decode, of an RGB32 stream (alpha 0) or an XXXA one (alpha 1: a
 * literal is one byte, the alpha; a copy's length is stored less 3). */
static int
lzd_decode(const uint8_t *data, size_t len, uint64_t max_px, int alpha,
    uint32_t *width, uint32_t *height, uint8_t **pixels, char *why)
{
	const uint8_t *p = data, *end = data + len;
	uint32_t *out, w, h, c, run, dist, b, i, bpp = alpha ? 1 : 3;
	uint64_t n, at = 0;

	*pixels = NULL;
	if (len < 28) {
		snprintf(why, 128, "lz: %zu bytes, no header", len);
		return -1;
	}
	w = lzd_be32(p + 12);
	h = lzd_be32(p + 16);
	if (lzd_be32(p) != 0x20205a4cu || lzd_be32(p + 4) != 0x00010001u ||
	    lzd_be32(p + 8) != (alpha ? 10u : 8u) || w == 0 || h == 0 ||
	    (uint64_t)w * h > LZ_DECODE_MAX_PX || (uint64_t)w * h > max_px ||
	    lzd_be32(p + 20) != w * 4 || lzd_be32(p + 24) > 1) {
		snprintf(why, 128, "lz: bad header (type %u, %ux%u, stride %u)",
		    lzd_be32(p + 8), w, h, lzd_be32(p + 20));
		return -1;
	}
	n = (uint64_t)w * h;
	if ((out = calloc(n, 4)) == NULL) {
		snprintf(why, 128, "lz: out of memory");
		return -1;
	}
	p += 28;
	while (at < n) {
		if (p >= end)
			goto cut;
		c = *p++;
		if (c < 32) {
			run = c + 1;
			if (at + run > n || (size_t)(end - p) < (size_t)run * bpp)
				goto bad;
			for (i = 0; i < run; i++, p += bpp)
				out[at++] = alpha ? (uint32_t)p[0] << 24 :
				    p[0] | (uint32_t)p[1] << 8 |
				    (uint32_t)p[2] << 16;
			continue;
		}
		run = (c >> 5) - 1;
		if (run == 6)
			do {
				if (p >= end)
					goto cut;
				b = *p++;
				run += b;
			} while (b == 255);
		if (p >= end)
			goto cut;
		b = *p++;
		dist = (c & 31) << 8 | b;
		if ((c & 31) == 31 && b == 255) {
			if (end - p < 2)
				goto cut;
			dist = ((uint32_t)p[0] << 8 | p[1]) + 8191;
			p += 2;
		}
		run += alpha ? 3 : 1;
		dist += 1;
		if (dist > at || at + run > n)
			goto bad;
		for (i = 0; i < run; i++, at++)
			out[at] = out[at - dist];
	}
	if (p != end) {
		snprintf(why, 128, "lz: %zu bytes after the image",
		    (size_t)(end - p));
		free(out);
		return -1;
	}
	/* Bottom-up streams decode to reversed rows: we only get top-down. */
	if (lzd_be32(data + 24) != 1) {
		snprintf(why, 128, "lz: not top-down");
		free(out);
		return -1;
	}
	*width = w;
	*height = h;
	*pixels = (uint8_t *)out;
	return 0;
cut:
	snprintf(why, 128, "lz: stream cut at pixel %llu of %llu",
	    (unsigned long long)at, (unsigned long long)n);
	free(out);
	return -1;
bad:
	snprintf(why, 128, "lz: item at pixel %llu reaches outside the image",
	    (unsigned long long)at);
	free(out);
	return -1;
}

int
lz_decode(const uint8_t *data, size_t len, uint64_t max_px,
    uint32_t *width, uint32_t *height, uint8_t **pixels, char *why)
{
	return lzd_decode(data, len, max_px, 0, width, height, pixels, why);
}

int
lz_decode_alpha(const uint8_t *data, size_t len, uint64_t max_px,
    uint32_t *width, uint32_t *height, uint8_t **pixels, char *why)
{
	return lzd_decode(data, len, max_px, 1, width, height, pixels, why);
}
