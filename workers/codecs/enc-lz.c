/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc-lz: SPICE LZ images (SPICE_IMAGE_TYPE_LZ_RGB, RGB32); contract in
 * enc.h.  For clients without LZ4 (spice-html5) and for image-compression
 * lz and auto_lz.
 *
 * Format (spice-common's lz_common.h and lz_decompress_tmpl.c, read for
 * their meaning): seven big-endian u32s, magic "LZ  " (0x20205a4c),
 * version 1.1, image type RGB32 (8), width, height, stride (width * 4),
 * top_down (1); then, over the width * height pixels in row order, a
 * stream of items that starts with a control byte c:
 *   c < 32   c + 1 literal pixels follow, each as B, G, R bytes;
 *   c >= 32  a copy of an earlier run of pixels: length field c >> 5
 *            (1..6: a length of the field; 7: 7 plus the bytes that
 *            follow, added up while they are 255), then the distance:
 *            1 + ((c & 31) << 8 | next byte) when that is below 8192,
 *            else c & 31 == 31, a byte 255 and a big-endian u16 that
 *            adds 8192.  A copy may overlap what it writes (distance 1
 *            is a run of one pixel).
 * Copies are at least LZ_MIN_MATCH pixels; only R, G and B are compared
 * (X decodes as 0).
 *
 * Method (fastlz's, in pixels): a hash of the next three pixels names the
 * last position that had the same hash; a candidate that really matches
 * is extended as far as it goes.  Rows are first packed into a private
 * buffer of 24-bit values (the source is a box of the primary, its rows
 * not contiguous), so that matches run across rows.
 */
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>

#include "enc.h"
#include "lz-base.h"

#define LZ_MAGIC		0x20205a4cu
#define LZ_VERSION		0x00010001u
#define LZ_TYPE_RGB32		8u
#define LZ_HEADER		28	/* seven u32s */
#define LZ_MAX_LITERALS		LZB_MAX_LITERALS
#define LZ_MIN_MATCH		LZB_MIN_MATCH
#define LZ_NEAR			8191	/* distances below 8192 + 1 */
#define LZ_MAX_DISTANCE		(65535 + LZ_NEAR + 1)
#define LZ_HASH_LOG		16
#define LZ_HASH_SIZE		(1u << LZ_HASH_LOG)

struct enc_lz {
	uint32_t	*ez_px;		/* the packed pixels, 24 bits each */
	size_t		 ez_cap;	/* pixels ez_px holds */
	uint32_t	 ez_hash[LZ_HASH_SIZE];	/* position + 1, 0: none */
};

struct enc_lz *
enc_lz_new(void)
{
	return calloc(1, sizeof(struct enc_lz));
}

void
enc_lz_free(struct enc_lz *ez)
{
	if (ez == NULL)
		return;
	free(ez->ez_px);
	free(ez);
}

size_t
enc_lz_bound(uint32_t width, uint32_t height)
{
	uint64_t n = (uint64_t)width * height;

	if (width == 0 || height == 0 || width > ENC_MAX_DIM ||
	    height > ENC_MAX_DIM)
		return 0;
	/* Literals: 3 bytes a pixel and a control byte per 32 of them. */
	return (size_t)(4 + LZ_HEADER + n * 3 + (n + LZ_MAX_LITERALS - 1) /
	    LZ_MAX_LITERALS);
}

/* A copy of len (>= LZ_MIN_MATCH) pixels from dist back, at o; the bytes
 * used (at most 7 + len / 255). */
static size_t
enc_lz_copy(uint8_t *o, size_t len, size_t dist)
{
	size_t stored = len - 1, d = dist - 1, k = 0, rest;
	uint8_t far = d >= LZ_NEAR;

	if (stored < 6)
		o[k++] = (uint8_t)((stored + 1) << 5 | (far ? 31 : d >> 8));
	else {
		o[k++] = (uint8_t)(7 << 5 | (far ? 31 : d >> 8));
		for (rest = stored - 6; rest >= 255; rest -= 255)
			o[k++] = 255;
		o[k++] = (uint8_t)rest;
	}
	if (!far)
		o[k++] = (uint8_t)d;
	else {
		d -= LZ_NEAR;
		o[k++] = 255;
		o[k++] = (uint8_t)(d >> 8);
		o[k++] = (uint8_t)d;
	}
	return k;
}

int
enc_lz_encode(struct enc_lz *ez, struct obuf *out, const struct enc_src *src,
    struct spd_err *err)
{
	size_t bound, n, i, lit = 0, len, ref, start;
	uint32_t *px, h;
	uint8_t *o, *base;

	bound = enc_lz_bound(src->es_width, src->es_height);
	if (bound == 0 || src->es_stride < (size_t)src->es_width * 4)
		return spd_err_set(err, "lz: %ux%u image with stride %zu",
		    src->es_width, src->es_height, src->es_stride);
	n = (size_t)src->es_width * src->es_height;
	if (n > ez->ez_cap) {
		if ((px = realloc(ez->ez_px, n * sizeof(*px))) == NULL)
			return spd_err_set(err, "lz: out of memory for %zu "
			    "pixels", n);
		ez->ez_px = px;
		ez->ez_cap = n;
	}
	px = ez->ez_px;
	lzb_pack(src, px);
	start = out->ob_len;
	if ((base = obuf_append_space(out, bound)) == NULL)
		return spd_err_set(err, "lz: output of up to %zu bytes over "
		    "its cap", bound);
	o = base + 4;
	lzb_put32(o, LZ_MAGIC);
	lzb_put32(o + 4, LZ_VERSION);
	lzb_put32(o + 8, LZ_TYPE_RGB32);
	lzb_put32(o + 12, src->es_width);
	lzb_put32(o + 16, src->es_height);
	lzb_put32(o + 20, src->es_width * 4);
	lzb_put32(o + 24, 1);
	o += LZ_HEADER;
	memset(ez->ez_hash, 0, sizeof(ez->ez_hash));
	for (i = 0; i < n;) {
		len = 0;
		ref = 0;
		if (n - i >= LZ_MIN_MATCH) {
			/* A run first: it costs no hash look-up. */
			if (i > 0 && px[i] == px[i - 1] &&
			    px[i + 1] == px[i - 1] && px[i + 2] == px[i - 1])
				ref = i - 1;
			else {
				h = lzb_hash(px + i, LZ_HASH_LOG);
				if (ez->ez_hash[h] != 0 &&
				    i - (ez->ez_hash[h] - 1) <= LZ_MAX_DISTANCE)
					ref = ez->ez_hash[h] - 1;
				else
					ref = i;
				ez->ez_hash[h] = (uint32_t)i + 1;
			}
			if (ref < i)
				while (i + len < n && px[ref + len] ==
				    px[i + len])
					len++;
		}
		if (len < LZ_MIN_MATCH) {
			if (++lit == LZ_MAX_LITERALS || i + 1 == n) {
				o += lzb_literals(o, px + i + 1 - lit, lit);
				lit = 0;
			}
			i++;
			continue;
		}
		if (lit > 0) {
			o += lzb_literals(o, px + i - lit, lit);
			lit = 0;
		}
		o += enc_lz_copy(o, len, i - ref);
		/* Positions inside the copy join the table only at its end:
		 * fastlz's trade of ratio for speed. */
		i += len;
		if (i + LZ_MIN_MATCH <= n && i >= 2) {
			ez->ez_hash[lzb_hash(px + i - 2, LZ_HASH_LOG)] = (uint32_t)(i - 2) +
			    1;
			ez->ez_hash[lzb_hash(px + i - 1, LZ_HASH_LOG)] = (uint32_t)(i - 1) +
			    1;
		}
	}
	/* The u32 LE size, then the stream; the rest of the reserve goes. */
	len = (size_t)(o - (base + 4));
	base[0] = (uint8_t)len;
	base[1] = (uint8_t)(len >> 8);
	base[2] = (uint8_t)(len >> 16);
	base[3] = (uint8_t)(len >> 24);
	obuf_truncate(out, start + 4 + len);
	return 0;
}
