/*
 * enc-lz4: SPICE LZ4 image payloads; contracts in enc.h.
 *
 * Format (SPICE-NOTES 4.2): u8 top_down, u8 bitmap format, then blocks of
 * a u32 big-endian length and an LZ4 block, decoded by the client with one
 * streaming decoder into a packed width*4 stride buffer.  We always send
 * top-down 32BIT images.  No deviations from what spice-gtk 0.42 decodes.
 *
 * The compressor runs as one LZ4 stream per image, so a block may refer to
 * the 64 KiB before it.  lz4 requires that history to stay in place: when
 * the source rows are contiguous we feed the source memory itself; when
 * they are not (a sub-rectangle, or a stride with padding) rows are packed
 * into two alternating staging buffers, which lz4 documents as safe at any
 * buffer size.
 */
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <spice/enums.h>

#include "enc.h"

/* lz4's speed/ratio knob; 1 is its default and already far faster than a
 * network link. */
#define ENC_LZ4_ACCEL		1
/* Gap between the two staging buffers: lz4 must not see them as one
 * contiguous region. */
#define ENC_LZ4_GAP		64

struct enc_lz4 {
	LZ4_stream_t	 el_stream;
	uint8_t		*el_stage;	/* 2 * ENC_LZ4_BLOCK + ENC_LZ4_GAP */
};

struct enc_lz4 *
enc_lz4_new(void)
{
	struct enc_lz4 *el;

	if ((el = calloc(1, sizeof(*el))) == NULL)
		return NULL;
	if ((el->el_stage = malloc(2 * ENC_LZ4_BLOCK + ENC_LZ4_GAP)) == NULL) {
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
	nblocks = (total + ENC_LZ4_BLOCK - 1) / ENC_LZ4_BLOCK;
	/* size field, two header bytes, and per block its length word and
	 * lz4's own worst case for a full block. */
	return 4 + 2 + nblocks * (4 + (size_t)LZ4_COMPRESSBOUND(ENC_LZ4_BLOCK));
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
 * Compress one block of n input bytes at in into dst, which has room for
 * 4 + LZ4_COMPRESSBOUND(n) bytes.  Returns the bytes written, or 0.
 */
static size_t
enc_lz4_block(struct enc_lz4 *el, const uint8_t *in, size_t n, uint8_t *dst)
{
	int clen;

	clen = LZ4_compress_fast_continue(&el->el_stream, (const char *)in,
	    (char *)dst + 4, (int)n, LZ4_COMPRESSBOUND((int)n),
	    ENC_LZ4_ACCEL);
	if (clen <= 0)
		return 0;
	enc_put_be32(dst, (uint32_t)clen);
	return 4 + (size_t)clen;
}

int
enc_lz4_encode(struct enc_lz4 *el, struct obuf *out,
    const struct enc_src *src, struct spd_err *err)
{
	size_t bound, start, rowlen, total, pos, used, n, row, col, take;
	uint8_t *dst, *stage;
	int which;

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

	LZ4_resetStream_fast(&el->el_stream);
	total = rowlen * src->es_height;
	dst[4] = 1;			/* top_down */
	dst[5] = SPICE_BITMAP_FMT_32BIT;
	used = 6;

	if (src->es_stride == rowlen) {
		/* Contiguous rows: the source is its own history. */
		for (pos = 0; pos < total; pos += n) {
			n = total - pos < ENC_LZ4_BLOCK ? total - pos :
			    ENC_LZ4_BLOCK;
			if ((take = enc_lz4_block(el, src->es_data + pos, n,
			    dst + used)) == 0)
				goto fail;
			used += take;
		}
	} else {
		/* Pack rows into alternating staging buffers; a row may span
		 * two blocks, which the format allows. */
		row = col = 0;
		which = 0;
		for (pos = 0; pos < total; pos += n) {
			stage = el->el_stage + which * (ENC_LZ4_BLOCK +
			    ENC_LZ4_GAP);
			n = 0;
			while (n < ENC_LZ4_BLOCK && row < src->es_height) {
				take = rowlen - col;
				if (take > ENC_LZ4_BLOCK - n)
					take = ENC_LZ4_BLOCK - n;
				memcpy(stage + n, src->es_data +
				    row * src->es_stride + col, take);
				n += take;
				col += take;
				if (col == rowlen) {
					col = 0;
					row++;
				}
			}
			if ((take = enc_lz4_block(el, stage, n,
			    dst + used)) == 0)
				goto fail;
			used += take;
			which ^= 1;
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
