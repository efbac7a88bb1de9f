/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc-lz4: SPICE LZ4 image payloads; contracts in enc.h.
 *
 * Format (SPICE-NOTES 4.2): u8 top_down, u8 bitmap format, then blocks of
 * a u32 big-endian length and an LZ4 block, decoded by the client with one
 * streaming decoder into a packed width*4 stride buffer.  We always send
 * top-down 32BIT images.  No deviations from what spice-gtk 0.42 decodes.
 *
 * The compressor runs as one LZ4 stream over contiguous memory, lz4's
 * fast "prefix" mode, in which a block may refer to the 64 KiB before it.
 * When the source rows are contiguous the source memory itself is fed;
 * when they are not (a sub-rectangle, or a stride with padding) whole rows
 * are packed into a staging buffer a piece at a time and each piece is
 * compressed as its own stream.  The client decodes the image with one
 * stream decoder, so pieces that do not refer to each other are valid;
 * display bands fit one piece, so they lose nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <spice/enums.h>

#include "enc.h"

/* lz4's speed/ratio knob; 1 is its default and already far faster than a
 * network link. */
#define ENC_LZ4_ACCEL		1
/* Staging buffer for rows that are not contiguous in the source: a
 * display band (1 MiB) fits in one piece. */
#define ENC_LZ4_STAGE		(1024u * 1024)

struct enc_lz4 {
	LZ4_stream_t	 el_stream;
	uint8_t		*el_stage;	/* ENC_LZ4_STAGE bytes */
};

_Static_assert(ENC_LZ4_STAGE >= (size_t)ENC_MAX_DIM * 4,
    "a staging piece must hold at least one row");

struct enc_lz4 *
enc_lz4_new(void)
{
	struct enc_lz4 *el;

	if ((el = calloc(1, sizeof(*el))) == NULL)
		return NULL;
	if ((el->el_stage = malloc(ENC_LZ4_STAGE)) == NULL) {
		free(el);
		return NULL;
	}
	if (LZ4_initStream(&el->el_stream, sizeof(el->el_stream)) == NULL) {
		free(el->el_stage);
		free(el);
		return NULL;
	}
	return el;
}

void
enc_lz4_free(struct enc_lz4 *el)
{
	if (el == NULL)
		return;
	free(el->el_stage);
	free(el);
}

static int
enc_dims_ok(uint32_t width, uint32_t height)
{
	return width != 0 && height != 0 && width <= ENC_MAX_DIM &&
	    height <= ENC_MAX_DIM;
}

size_t
enc_lz4_bound(uint32_t width, uint32_t height)
{
	size_t total, nblocks;

	if (!enc_dims_ok(width, height))
		return 0;
	total = (size_t)width * height * 4;
	/* One block per ENC_LZ4_BLOCK, and one more partial block per
	 * staging piece (every piece but the last is over half the stage). */
	nblocks = (total + ENC_LZ4_BLOCK - 1) / ENC_LZ4_BLOCK +
	    (total + ENC_LZ4_STAGE / 2 - 1) / (ENC_LZ4_STAGE / 2);
	/* Size field and two header bytes; per block its length word and
	 * lz4's worst case of n + n/255 + 16 (LZ4_COMPRESSBOUND). */
	return 4 + 2 + total + total / 255 + nblocks * (4 + 16);
}

static void
enc_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * Compress the n contiguous bytes at in as a fresh LZ4 stream of
 * ENC_LZ4_BLOCK blocks, each written as a big-endian length and the block,
 * at dst + *used; dst has room for the worst case of every block.  Returns
 * 0, or -1 if lz4 fails.
 */
static int
enc_lz4_stream(struct enc_lz4 *el, const uint8_t *in, size_t n, uint8_t *dst,
    size_t *used)
{
	size_t pos, len;
	int clen;

	LZ4_resetStream_fast(&el->el_stream);
	for (pos = 0; pos < n; pos += len) {
		len = n - pos < ENC_LZ4_BLOCK ? n - pos : ENC_LZ4_BLOCK;
		clen = LZ4_compress_fast_continue(&el->el_stream,
		    (const char *)in + pos, (char *)dst + *used + 4, (int)len,
		    LZ4_COMPRESSBOUND((int)len), ENC_LZ4_ACCEL);
		if (clen <= 0)
			return -1;
		enc_put_be32(dst + *used, (uint32_t)clen);
		*used += 4 + (size_t)clen;
	}
	return 0;
}

int
enc_lz4_encode(struct enc_lz4 *el, struct obuf *out,
    const struct enc_src *src, struct spd_err *err)
{
	size_t bound, start, rowlen, total, used, row, rows, per, i;
	uint8_t *dst;

	if (!enc_dims_ok(src->es_width, src->es_height))
		return spd_err_set(err, "lz4: bad image size %ux%u",
		    src->es_width, src->es_height);
	rowlen = (size_t)src->es_width * 4;
	if (src->es_stride < rowlen)
		return spd_err_set(err, "lz4: stride %zu below row %zu",
		    src->es_stride, rowlen);
	bound = enc_lz4_bound(src->es_width, src->es_height);
	start = out->ob_len;
	/* Reserve the worst case once, so the output never moves while lz4
	 * writes into it; the unused tail is cut off at the end. */
	if ((dst = obuf_append_space(out, bound)) == NULL)
		return spd_err_set(err, "lz4: %zu bytes exceed the output "
		    "buffer", bound);

	total = rowlen * src->es_height;
	dst[4] = 1;			/* top_down */
	dst[5] = SPICE_BITMAP_FMT_32BIT;
	used = 6;

	if (src->es_stride == rowlen) {
		/* Contiguous rows: the source is its own history. */
		if (enc_lz4_stream(el, src->es_data, total, dst, &used) != 0)
			goto fail;
	} else {
		/* Whole rows into the stage, one piece at a time. */
		per = ENC_LZ4_STAGE / rowlen;
		for (row = 0; row < src->es_height; row += rows) {
			rows = src->es_height - row < per ?
			    src->es_height - row : per;
			for (i = 0; i < rows; i++)
				memcpy(el->el_stage + i * rowlen, src->es_data +
				    (row + i) * src->es_stride, rowlen);
			if (enc_lz4_stream(el, el->el_stage, rows * rowlen, dst,
			    &used) != 0)
				goto fail;
		}
	}
	/* The size field counts the payload after itself. */
	obuf_patch_u32le(out, start, (uint32_t)(used - 4));
	obuf_truncate(out, start + used);
	return 0;

fail:
	obuf_truncate(out, start);
	return spd_err_set(err, "lz4: compression of a %ux%u image failed",
	    src->es_width, src->es_height);
}
