/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc-lz: SPICE LZ images (SPICE_IMAGE_TYPE_LZ_RGB, RGB32) and the alpha
 * planes of JPEG_ALPHA images (XXXA); contract in enc.h.  For clients
 * without LZ4 (spice-html5), for image-compression lz and auto_lz, and
 * for enc-jpeg-alpha.c.
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
 * (X decodes as 0).  An XXXA stream (image type 10) is the same over
 * the pixels' alpha bytes alone: a literal is one byte, and a copy's
 * length is stored less 3 where RGB32's is less 1 (the decoder adds the
 * bias of a one-byte pixel's minimum match), and one from further back
 * than 8192 pixels is at least LZ_ALPHA_FAR_MIN long, so that no copy
 * costs more than the literals it stands for.
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
#define LZ_TYPE_XXXA		10u
#define LZ_HEADER		28	/* seven u32s */
#define LZ_MAX_LITERALS		LZB_MAX_LITERALS
#define LZ_MIN_MATCH		LZB_MIN_MATCH
#define LZ_NEAR			8191	/* distances below 8192 + 1 */
#define LZ_ALPHA_FAR_MIN	5	/* an XXXA copy from further back */
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

/* The stream's bytes at most: header, literals of bpp bytes a pixel and
 * a control byte per 32 of them; 0 for bad dimensions. */
static size_t
enc_lz_stream_bound(uint32_t width, uint32_t height, unsigned bpp)
{
	uint64_t n = (uint64_t)width * height;

	if (width == 0 || height == 0 || width > ENC_MAX_DIM ||
	    height > ENC_MAX_DIM)
		return 0;
	return (size_t)(LZ_HEADER + n * bpp + (n + LZ_MAX_LITERALS - 1) /
	    LZ_MAX_LITERALS);
}

size_t
enc_lz_bound(uint32_t width, uint32_t height)
{
	size_t b = enc_lz_stream_bound(width, height, 3);

	return b == 0 ? 0 : 4 + b;
}

size_t
enc_lz_alpha_bound(uint32_t width, uint32_t height)
{
	return enc_lz_stream_bound(width, height, 1);
}

/* A copy of len (>= LZ_MIN_MATCH) pixels from dist back, at o, its
 * length stored less bias; the bytes used (at most 7 + len / 255). */
static size_t
enc_lz_copy(uint8_t *o, size_t len, size_t dist, size_t bias)
{
	size_t stored = len - bias, d = dist - 1, k = 0, rest;
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

/* The alpha bytes of src, row after row, into px. */
static void
enc_lz_pack_alpha(const struct enc_src *src, uint32_t *px)
{
	const uint8_t *row;
	uint32_t x, y;

	for (y = 0; y < src->es_height; y++) {
		row = src->es_data + (size_t)y * src->es_stride;
		for (x = 0; x < src->es_width; x++)
			*px++ = row[x * 4 + 3];
	}
}

/* n literal alpha bytes (1..LZ_MAX_LITERALS) from p, at o; the bytes
 * used (1 + n). */
static size_t
enc_lz_alpha_literals(uint8_t *o, const uint32_t *p, size_t n)
{
	size_t i;

	o[0] = (uint8_t)(n - 1);
	for (i = 0; i < n; i++)
		o[1 + i] = (uint8_t)p[i];
	return 1 + n;
}

/*
 * Append to out the LZ stream (header, literals and copies) of src's
 * colour (alpha 0) or of its alpha bytes (alpha 1, XXXA), at most bound
 * bytes; *olen its length.  0, or -1 with err set and out unchanged.
 */
static int
enc_lz_stream(struct enc_lz *ez, struct obuf *out, const struct enc_src *src,
    int alpha, size_t bound, size_t *olen, struct spd_err *err)
{
	size_t n, i, lit = 0, len, ref, start, bias = alpha ? 3 : 1;
	size_t (*literals)(uint8_t *, const uint32_t *, size_t) =
	    alpha ? enc_lz_alpha_literals : lzb_literals;
	uint32_t *px, h;
	uint8_t *o, *base;

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
	if (alpha)
		enc_lz_pack_alpha(src, px);
	else
		lzb_pack(src, px);
	start = out->ob_len;
	if ((base = obuf_append_space(out, bound)) == NULL)
		return spd_err_set(err, "lz: output of up to %zu bytes over "
		    "its cap", bound);
	o = base;
	lzb_put32(o, LZ_MAGIC);
	lzb_put32(o + 4, LZ_VERSION);
	lzb_put32(o + 8, alpha ? LZ_TYPE_XXXA : LZ_TYPE_RGB32);
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
		/* A one-byte pixel's far copy takes 4 bytes: shorter than 5
		 * it would cost more than the literals (and the bound). */
		if (len < LZ_MIN_MATCH || (alpha && len < LZ_ALPHA_FAR_MIN &&
		    i - ref - 1 >= LZ_NEAR)) {
			if (++lit == LZ_MAX_LITERALS || i + 1 == n) {
				o += literals(o, px + i + 1 - lit, lit);
				lit = 0;
			}
			i++;
			continue;
		}
		if (lit > 0) {
			o += literals(o, px + i - lit, lit);
			lit = 0;
		}
		o += enc_lz_copy(o, len, i - ref, bias);
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
	/* The rest of the reserve goes. */
	*olen = (size_t)(o - base);
	obuf_truncate(out, start + *olen);
	return 0;
}

int
enc_lz_encode(struct enc_lz *ez, struct obuf *out, const struct enc_src *src,
    struct spd_err *err)
{
	size_t start = out->ob_len, len;

	/* The u32 LE size, then the stream. */
	if (obuf_append_space(out, 4) == NULL)
		return spd_err_set(err, "lz: output over its cap");
	if (enc_lz_stream(ez, out, src, 0, enc_lz_stream_bound(src->es_width,
	    src->es_height, 3), &len, err) != 0) {
		obuf_truncate(out, start);
		return -1;
	}
	obuf_patch_u32le(out, start, (uint32_t)len);
	return 0;
}

int
enc_lz_encode_alpha(struct enc_lz *ez, struct obuf *out,
    const struct enc_src *src, struct spd_err *err)
{
	size_t len;

	return enc_lz_stream(ez, out, src, 1, enc_lz_alpha_bound(
	    src->es_width, src->es_height), &len, err);
}
