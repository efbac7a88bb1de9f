/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc-bitmap: uncompressed SPICE_IMAGE_TYPE_BITMAP data; contracts in
 * enc.h.  Layout from SPICE-NOTES 4.1: we always send 32BIT top-down rows
 * with a packed stride and no palette.  It is the fallback for clients
 * without the LZ4 cap (spice-html5).  enc_label_rgba() makes this or an
 * LZ4 image of pixels with alpha an RGBA one.
 */
#include <stdint.h>
#include <string.h>

#include <spice/enums.h>

#include "enc.h"

/* format, flags, x, y, stride, palette pointer */
#define ENC_BITMAP_HDR		(1 + 1 + 4 + 4 + 4 + 4)

size_t
enc_bitmap_bound(uint32_t width, uint32_t height)
{
	if (width == 0 || height == 0 || width > ENC_MAX_DIM ||
	    height > ENC_MAX_DIM)
		return 0;
	return ENC_BITMAP_HDR + (size_t)width * height * 4;
}

int
enc_bitmap_encode(struct obuf *out, const struct enc_src *src,
    struct spd_err *err)
{
	size_t bound, start, rowlen, row;
	uint8_t *dst;

	if ((bound = enc_bitmap_bound(src->es_width, src->es_height)) == 0)
		return spd_err_set(err, "bitmap: bad image size %ux%u",
		    src->es_width, src->es_height);
	rowlen = (size_t)src->es_width * 4;
	if (src->es_stride < rowlen)
		return spd_err_set(err, "bitmap: stride %zu below row %zu",
		    src->es_stride, rowlen);
	start = out->ob_len;
	obuf_put_u8(out, SPICE_BITMAP_FMT_32BIT);
	obuf_put_u8(out, SPICE_BITMAP_FLAGS_TOP_DOWN);
	obuf_put_u32le(out, src->es_width);
	obuf_put_u32le(out, src->es_height);
	obuf_put_u32le(out, (uint32_t)rowlen);
	obuf_put_u32le(out, 0);		/* no palette */
	if ((dst = obuf_append_space(out, rowlen * src->es_height)) == NULL) {
		obuf_truncate(out, start);
		return spd_err_set(err, "bitmap: %zu bytes exceed the output "
		    "buffer", bound);
	}
	if (src->es_stride == rowlen)
		memcpy(dst, src->es_data, rowlen * src->es_height);
	else
		for (row = 0; row < src->es_height; row++)
			memcpy(dst + row * rowlen,
			    src->es_data + row * src->es_stride, rowlen);
	return 0;
}

int
enc_label_rgba(struct obuf *out, size_t start, uint8_t type,
    struct spd_err *err)
{
	/* The format byte: first of a bitmap's header; after an LZ4
	 * image's u32 size and u8 top_down (enc-lz4.c). */
	size_t at = type == SPICE_IMAGE_TYPE_BITMAP ? start :
	    type == SPICE_IMAGE_TYPE_LZ4 ? start + 5 : SIZE_MAX;

	if (at == SIZE_MAX)
		return spd_err_set(err, "image type %u has no RGBA label",
		    type);
	if (out->ob_failed || at >= out->ob_len ||
	    out->ob_data[at] != SPICE_BITMAP_FMT_32BIT)
		return spd_err_set(err, "no 32-bit image at offset %zu", start);
	out->ob_data[at] = SPICE_BITMAP_FMT_RGBA;
	return 0;
}
