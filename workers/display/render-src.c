/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-src: a drawable's source (a producer's bitmap of any SPICE
 * format, palettes and 1-bit ones expanded, images the producer
 * compressed decoded, or another surface) as a pixman image, and where
 * it is sampled for a copy onto a bbox, scaled or not; contracts in
 * render-int.h.  Every size, stride and palette is checked against what
 * the command's chunks hold before a byte of the bitmap is read.
 */
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>

#include "dec-image.h"
#include "render-int.h"

/* SPICE bitmaps are B, G, R[, A] bytes in memory, which pixman's 32-bit
 * formats only read that way on a little-endian host. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
    "SPICE pixel formats map onto pixman's on little-endian hosts only");

/* Bytes per pixel and pixman format of a SPICE bitmap format that pixman
 * reads as it is, or 0 (palette formats, 1-bit). */
static int
render_bitmap_format(uint32_t fmt, pixman_format_code_t *pf)
{
	switch (fmt) {
	case SPICE_BITMAP_FMT_32BIT:
		*pf = PIXMAN_x8r8g8b8;
		return 4;
	case SPICE_BITMAP_FMT_RGBA:
		*pf = PIXMAN_a8r8g8b8;
		return 4;
	case SPICE_BITMAP_FMT_24BIT:
		*pf = PIXMAN_r8g8b8;	/* B,G,R bytes in memory */
		return 3;
	case SPICE_BITMAP_FMT_16BIT:
		*pf = PIXMAN_x1r5g5b5;
		return 2;
	case SPICE_BITMAP_FMT_8BIT_A:
		*pf = PIXMAN_a8;
		return 1;
	default:
		return 0;
	}
}

/* Bits per pixel of a palette format, or 0. */
static unsigned
render_palette_bpp(uint32_t fmt)
{
	switch (fmt) {
	case SPICE_BITMAP_FMT_1BIT_LE:
	case SPICE_BITMAP_FMT_1BIT_BE:
		return 1;
	case SPICE_BITMAP_FMT_4BIT_LE:
	case SPICE_BITMAP_FMT_4BIT_BE:
		return 4;
	case SPICE_BITMAP_FMT_8BIT:
		return 8;
	default:
		return 0;
	}
}

/* The palette index of pixel x of a row: MSB-first bits and high nibble
 * first for the _BE formats, the other way round for _LE. */
static unsigned
render_palette_index(uint32_t fmt, const uint8_t *row, uint32_t x)
{
	switch (fmt) {
	case SPICE_BITMAP_FMT_1BIT_LE:
		return (row[x >> 3] >> (x & 7)) & 1;
	case SPICE_BITMAP_FMT_1BIT_BE:
		return (row[x >> 3] >> (7 - (x & 7))) & 1;
	case SPICE_BITMAP_FMT_4BIT_LE:
		return (row[x >> 1] >> ((x & 1) * 4)) & 0xf;
	case SPICE_BITMAP_FMT_4BIT_BE:
		return (row[x >> 1] >> ((~x & 1) * 4)) & 0xf;
	default:
		return row[x];
	}
}

/*
 * A palette bitmap expanded to x8r8g8b8 in *copy (caller frees).  An
 * index past the palette is black.  NULL on error (err set).
 */
static pixman_image_t *
render_palette_image(const struct render_bitmap *bm, uint8_t **copy,
    struct spd_err *err)
{
	pixman_image_t *img;
	const uint8_t *row;
	uint32_t *out, x, y, i;

	if (bm->rb_palette == NULL || bm->rb_npalette == 0) {
		spd_err_set(err, "%u-bit bitmap without a palette",
		    render_palette_bpp(bm->rb_format));
		return NULL;
	}
	if ((*copy = malloc((size_t)bm->rb_width * bm->rb_height * 4)) ==
	    NULL) {
		spd_err_set(err, "out of memory expanding a %ux%u bitmap",
		    bm->rb_width, bm->rb_height);
		return NULL;
	}
	out = (uint32_t *)(void *)*copy;
	for (y = 0; y < bm->rb_height; y++) {
		row = bm->rb_data + (ptrdiff_t)y * bm->rb_stride;
		for (x = 0; x < bm->rb_width; x++) {
			i = render_palette_index(bm->rb_format, row, x);
			*out++ = i < bm->rb_npalette ? bm->rb_palette[i] : 0;
		}
	}
	img = pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)bm->rb_width,
	    (int)bm->rb_height, (uint32_t *)(void *)*copy,
	    (int)bm->rb_width * 4);
	if (img == NULL) {
		free(*copy);
		*copy = NULL;
		spd_err_set(err, "out of memory");
	}
	return img;
}

/*
 * Wrap a bitmap in a pixman image.  pixman wants 4-aligned rows; a bitmap
 * whose stride or start is not gets its rows copied into *copy (freed by
 * the caller), and so does a palette bitmap, expanded.  Returns the image,
 * NULL on error (err set; *skip set when the format is merely
 * unsupported).
 */
static pixman_image_t *
render_bitmap_image(const struct render_bitmap *bm, uint8_t **copy,
    int *skip, struct spd_err *err)
{
	pixman_format_code_t pf = PIXMAN_x8r8g8b8;
	pixman_image_t *img;
	size_t bpp, rowlen, need, astride, row, absstride;
	const uint8_t *data, *lowest;
	unsigned pbits;
	int stride;

	*copy = NULL;
	*skip = 0;
	if (bm->rb_codec != 0) {
		if (bm->rb_width == 0 || bm->rb_height == 0 ||
		    bm->rb_width > RENDER_MAX_DIM ||
		    bm->rb_height > RENDER_MAX_DIM || bm->rb_data == NULL) {
			spd_err_set(err, "compressed image %ux%u invalid",
			    bm->rb_width, bm->rb_height);
			return NULL;
		}
		if (dec_image(bm->rb_codec, bm->rb_data, bm->rb_size,
		    bm->rb_width, bm->rb_height, copy, err) != 0)
			return NULL;
		pf = PIXMAN_x8r8g8b8;
		if ((img = pixman_image_create_bits(pf, (int)bm->rb_width,
		    (int)bm->rb_height, (uint32_t *)(void *)*copy,
		    (int)bm->rb_width * 4)) == NULL) {
			free(*copy);
			*copy = NULL;
			spd_err_set(err, "out of memory");
		}
		return img;
	}
	bpp = (size_t)render_bitmap_format(bm->rb_format, &pf);
	pbits = render_palette_bpp(bm->rb_format);
	if (bpp == 0 && pbits == 0) {
		*skip = 1;
		spd_err_set(err, "bitmap format %u not implemented",
		    bm->rb_format);
		return NULL;
	}
	if (bm->rb_width == 0 || bm->rb_height == 0 ||
	    bm->rb_width > RENDER_MAX_DIM || bm->rb_height > RENDER_MAX_DIM ||
	    bm->rb_stride == 0 || bm->rb_stride == INT32_MIN) {
		spd_err_set(err, "bitmap %ux%u stride %d invalid",
		    bm->rb_width, bm->rb_height, bm->rb_stride);
		return NULL;
	}
	rowlen = bpp != 0 ? bm->rb_width * bpp :
	    ((size_t)bm->rb_width * pbits + 7) / 8;
	absstride = bm->rb_stride < 0 ? (size_t)-(int64_t)bm->rb_stride :
	    (size_t)bm->rb_stride;
	if (absstride < rowlen) {
		spd_err_set(err, "bitmap stride %d below row %zu",
		    bm->rb_stride, rowlen);
		return NULL;
	}
	need = absstride * (bm->rb_height - 1) + rowlen;
	if (bm->rb_data == NULL || bm->rb_size < need) {
		spd_err_set(err, "bitmap needs %zu bytes, has %zu",
		    need, bm->rb_size);
		return NULL;
	}
	if (pbits != 0)
		return render_palette_image(bm, copy, err);
	data = bm->rb_data;
	stride = bm->rb_stride;
	/* pixman needs 4-aligned rows; a bitmap without them (24-bit with
	 * an unpadded stride, say) is repacked top-down. */
	if (stride % 4 != 0 || ((uintptr_t)data & 3) != 0) {
		lowest = stride < 0 ? data - absstride * (bm->rb_height - 1) :
		    data;
		astride = (rowlen + 3) & ~(size_t)3;
		if ((*copy = malloc(astride * bm->rb_height)) == NULL) {
			spd_err_set(err, "out of memory");
			return NULL;
		}
		for (row = 0; row < bm->rb_height; row++)
			memcpy(*copy + row * astride, lowest + absstride *
			    (stride < 0 ? bm->rb_height - 1 - row : row),
			    rowlen);
		data = *copy;
		stride = (int)astride;
	}
	/* pixman only reads a source; the cast drops const for its API. */
	img = pixman_image_create_bits(pf, (int)bm->rb_width,
	    (int)bm->rb_height, (uint32_t *)(uintptr_t)data, stride);
	if (img == NULL) {
		free(*copy);
		*copy = NULL;
		spd_err_set(err, "out of memory");
	}
	return img;
}

/*
 * A private image over a surface's pixels.  For a copy within one surface
 * it is a snapshot of src_area and the pixel around it that interpolation
 * reads, where the surface has it (pixman does not define overlapping
 * composites); *area is then rebased to the snapshot.
 */
pixman_image_t *
render_surface_source(pixman_image_t *s, int same, pixman_box32_t *area,
    struct spd_err *err)
{
	pixman_image_t *img;
	pixman_box32_t g;
	int w, h;

	if (!same)
		return pixman_image_create_bits(pixman_image_get_format(s),
		    pixman_image_get_width(s), pixman_image_get_height(s),
		    pixman_image_get_data(s), pixman_image_get_stride(s));
	render_box_grow1(area, pixman_image_get_width(s),
	    pixman_image_get_height(s), &g);
	w = g.x2 - g.x1;
	h = g.y2 - g.y1;
	if ((img = pixman_image_create_bits(pixman_image_get_format(s), w, h,
	    NULL, 0)) == NULL) {
		spd_err_set(err, "out of memory for a %dx%d snapshot",
		    w, h);
		return NULL;
	}
	pixman_image_composite32(PIXMAN_OP_SRC, s, NULL, img, g.x1, g.y1, 0,
	    0, 0, 0, w, h);
	area->x1 -= g.x1;
	area->y1 -= g.y1;
	area->x2 -= g.x1;
	area->y2 -= g.y1;
	return img;
}

void
render_box_grow1(const pixman_box32_t *b, int w, int h, pixman_box32_t *out)
{
	out->x1 = b->x1 > 0 ? b->x1 - 1 : 0;
	out->y1 = b->y1 > 0 ? b->y1 - 1 : 0;
	out->x2 = b->x2 < w ? b->x2 + 1 : w;
	out->y2 = b->y2 < h ? b->y2 + 1 : h;
}

/* Does area lie within the source (a surface's size is known here
 * only)?  0 or -1 (err set). */
static int
render_src_area_ok(struct render *r, const struct render_src *src,
    const pixman_box32_t *a, struct spd_err *err)
{
	pixman_image_t *s;
	int w, h;

	if (src->rs_is_surface) {
		if ((s = render_surface(r, src->rs_surface)) == NULL)
			return spd_err_set(err, "source surface %u does not "
			    "exist", src->rs_surface);
		w = pixman_image_get_width(s);
		h = pixman_image_get_height(s);
	} else {
		w = (int)src->rs_bitmap.rb_width;
		h = (int)src->rs_bitmap.rb_height;
	}
	if (a->x1 < 0 || a->y1 < 0 || a->x1 >= a->x2 || a->y1 >= a->y2 ||
	    a->x2 > w || a->y2 > h)
		return spd_err_set(err, "source area (%d,%d)-(%d,%d) outside "
		    "the %dx%d source", a->x1, a->y1, a->x2, a->y2, w, h);
	return 0;
}

pixman_image_t *
render_src_image(struct render *r, uint32_t dst_surface,
    const struct render_src *src, pixman_box32_t *area, uint8_t **copy,
    int *skip, struct spd_err *err)
{
	pixman_image_t *s, *img;
	pixman_box32_t all;

	*copy = NULL;
	*skip = 0;
	if (area != NULL && render_src_area_ok(r, src, area, err) != 0)
		return NULL;
	if (!src->rs_is_surface) {
		img = render_bitmap_image(&src->rs_bitmap, copy, skip, err);
		if (img == NULL)
			spd_err_prefix(err, "source");
		return img;
	}
	if ((s = render_surface(r, src->rs_surface)) == NULL) {
		spd_err_set(err, "source surface %u does not exist",
		    src->rs_surface);
		return NULL;
	}
	if (area == NULL) {
		all.x1 = all.y1 = 0;
		all.x2 = pixman_image_get_width(s);
		all.y2 = pixman_image_get_height(s);
		area = &all;
	}
	return render_surface_source(s, src->rs_surface == dst_surface, area,
	    err);
}

void
render_src_place(pixman_image_t *img, const pixman_box32_t *bbox,
    const pixman_box32_t *sa, uint8_t scale_mode, int32_t *sx, int32_t *sy)
{
	pixman_transform_t xf;
	int dw = bbox->x2 - bbox->x1, dh = bbox->y2 - bbox->y1;
	int sw = sa->x2 - sa->x1, sh = sa->y2 - sa->y1;

	if (dw == sw && dh == sh) {
		*sx = sa->x1;
		*sy = sa->y1;
		return;
	}
	/* As SPICE's canvas stretches (the reference's rendering and the
	 * viewers'): x_src = sa.x1 + x * sw / dw with the factor truncated
	 * to 16.16 (pixman_double_to_fixed truncates, and the exact
	 * quotient is never within a double's error of the next step),
	 * likewise for y; nothing beyond the source (REPEAT_NONE: an
	 * interpolated edge fades), FILTER_GOOD for interpolation. */
	pixman_transform_init_identity(&xf);
	xf.matrix[0][0] = pixman_double_to_fixed((double)sw / dw);
	xf.matrix[0][2] = pixman_int_to_fixed(sa->x1);
	xf.matrix[1][1] = pixman_double_to_fixed((double)sh / dh);
	xf.matrix[1][2] = pixman_int_to_fixed(sa->y1);
	pixman_image_set_transform(img, &xf);
	pixman_image_set_filter(img, scale_mode ==
	    SPICE_IMAGE_SCALE_MODE_NEAREST ? PIXMAN_FILTER_NEAREST :
	    PIXMAN_FILTER_GOOD, NULL, 0);
	pixman_image_set_repeat(img, PIXMAN_REPEAT_NONE);
	*sx = 0;
	*sy = 0;
}
