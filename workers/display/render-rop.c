/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-rop: the bitwise raster operations of QXL drawables (ROP
 * descriptors of FILL, OPAQUE, COPY, BLEND, STROKE; ROP3 codes; 1-bit
 * masks) and brushes; contracts in render-int.h.
 *
 * Every ROP is evaluated as a ROP3 over the 32 bits of each pixel, alpha
 * byte included (as SPICE's canvas does): pixman has no bitwise
 * operators, so this is the one per-pixel loop of the renderer.  The
 * brush and the source are first composited by pixman into scratch
 * images over the area's extents (tiling, scaling and format conversion
 * are pixman's), so the loop only reads 32-bit words.
 *
 * A ROP descriptor is read as SPICE's canvas reads it
 * (ropd_descriptor_to_rop in spice-common): the first input and the
 * destination are inverted as their INVERS_ flags say, then OP_PUT, OR,
 * AND or XOR combines them (OP_PUT ignores the destination's inversion),
 * then INVERS_RES inverts the result; BLACKNESS, WHITENESS and INVERS
 * ignore the inversions; no operator at all copies the input.
 */
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>

#include "render-int.h"

static int
render_ropd_eval(uint16_t ropd, int x, int d, uint16_t inv_first,
    uint16_t inv_dest)
{
	int xs = x ^ ((ropd & inv_first) != 0);
	int ds = d ^ ((ropd & inv_dest) != 0);
	int r;

	if (ropd & SPICE_ROPD_OP_PUT)
		r = xs;
	else if (ropd & SPICE_ROPD_OP_OR)
		r = xs | ds;
	else if (ropd & SPICE_ROPD_OP_AND)
		r = xs & ds;
	else if (ropd & SPICE_ROPD_OP_XOR)
		r = xs ^ ds;
	else if (ropd & SPICE_ROPD_OP_BLACKNESS)
		return 0;
	else if (ropd & SPICE_ROPD_OP_WHITENESS)
		return 1;
	else if (ropd & SPICE_ROPD_OP_INVERS)
		return !d;
	else
		return x;
	return r ^ ((ropd & SPICE_ROPD_INVERS_RES) != 0);
}

uint8_t
render_ropd_to_rop3(uint16_t ropd, int src_is_brush, uint16_t inv_first,
    uint16_t inv_dest)
{
	uint8_t code = 0;
	int i, x;

	for (i = 0; i < 8; i++) {
		x = src_is_brush ? (i >> 2) & 1 : (i >> 1) & 1;
		if (render_ropd_eval(ropd & SPICE_ROPD_MASK, x, i & 1,
		    inv_first, inv_dest))
			code |= (uint8_t)(1u << i);
	}
	return code;
}

/* Bit (P << 2 | S << 1 | D) of code, for all 32 bits at once: the OR of
 * the minterms the code selects. */
static inline uint32_t
render_rop3_px(uint8_t code, uint32_t p, uint32_t s, uint32_t d)
{
	uint32_t r = 0;

	if (code & 0x01)
		r |= ~p & ~s & ~d;
	if (code & 0x02)
		r |= ~p & ~s & d;
	if (code & 0x04)
		r |= ~p & s & ~d;
	if (code & 0x08)
		r |= ~p & s & d;
	if (code & 0x10)
		r |= p & ~s & ~d;
	if (code & 0x20)
		r |= p & ~s & d;
	if (code & 0x40)
		r |= p & s & ~d;
	if (code & 0x80)
		r |= p & s & d;
	return r;
}

int
render_rop3_uses(uint8_t code, int bit)
{
	int i;

	for (i = 0; i < 8; i++)
		if (((code >> i) & 1) != ((code >> (i ^ bit)) & 1))
			return 1;
	return 0;
}

int
render_fill_brush(struct render *r, uint32_t surface, pixman_region32_t *area,
    const struct render_brush *brush, uint16_t ropd, struct spd_err *err)
{
	uint8_t rop3 = render_ropd_to_rop3(ropd, 1, SPICE_ROPD_INVERS_BRUSH,
	    SPICE_ROPD_INVERS_DEST);
	pixman_image_t *dst;
	int rc;

	if ((rc = render_rop3_draw(r, surface, area, brush, NULL, NULL, NULL,
	    0, rop3, err)) != 0 || rop3 == 0xaa ||
	    (dst = render_surface(r, surface)) == NULL)
		return rc;
	render_brush_report(r, surface, dst, area, brush, rop3);
	return 0;
}

void
render_brush_report(struct render *r, uint32_t surface, pixman_image_t *dst,
    pixman_region32_t *area, const struct render_brush *brush, uint8_t rop3)
{
	struct render_pattern pat;
	uint8_t *copy;

	/* A pattern brush goes as its image; one the result does not
	 * read is as good as any colour. */
	if (brush == NULL || brush->rb_type != SPICE_BRUSH_TYPE_PATTERN ||
	    !render_rop3_uses(rop3, 4)) {
		render_fill_report(r, surface, dst, area, brush != NULL &&
		    brush->rb_type == SPICE_BRUSH_TYPE_SOLID ? brush->rb_color :
		    0, NULL, rop3);
		return;
	}
	if (surface != 0 || r->r_fill == NULL ||
	    render_pattern_get(r, surface, brush, &pat, &copy) != 0) {
		render_report(r, surface, area);
		return;
	}
	render_fill_report(r, surface, dst, area, 0, &pat, rop3);
	render_pattern_put(&pat, copy);
}

int
render_pattern_get(struct render *r, uint32_t surface,
    const struct render_brush *brush, struct render_pattern *pat,
    uint8_t **copy)
{
	const struct render_src *ps = &brush->rb_pat;
	pixman_format_code_t f;
	pixman_image_t *flip, *s;
	struct spd_err err;
	uint64_t px;

	/* Not a huge one a second time (its drawing expanded it once). */
	*copy = NULL;
	if (ps->rs_is_surface)
		px = (s = render_surface(r, ps->rs_surface)) == NULL ? 0 :
		    (uint64_t)pixman_image_get_width(s) *
		    (uint64_t)pixman_image_get_height(s);
	else
		px = (uint64_t)ps->rs_bitmap.rb_width *
		    ps->rs_bitmap.rb_height;
	if (px > RENDER_REPORT_MAX_PX ||
	    (pat->rp_img = render_brush_image(r, surface, brush, copy,
	    &err)) == NULL)
		return -1;
	f = pixman_image_get_format(pat->rp_img);
	pat->rp_x = brush->rb_x;
	pat->rp_y = brush->rb_y;
	/* A bottom-up bitmap is wrapped with a negative stride: the
	 * callback gets its rows top-down, in memory of their own. */
	if ((f == PIXMAN_x8r8g8b8 || f == PIXMAN_a8r8g8b8) &&
	    pixman_image_get_stride(pat->rp_img) < 0 &&
	    (flip = pixman_image_create_bits(f,
	    pixman_image_get_width(pat->rp_img),
	    pixman_image_get_height(pat->rp_img), NULL, 0)) != NULL) {
		pixman_image_composite32(PIXMAN_OP_SRC, pat->rp_img, NULL, flip,
		    0, 0, 0, 0, 0, 0, pixman_image_get_width(flip),
		    pixman_image_get_height(flip));
		pixman_image_unref(pat->rp_img);
		pat->rp_img = flip;
	}
	if ((f == PIXMAN_x8r8g8b8 || f == PIXMAN_a8r8g8b8) &&
	    pixman_image_get_stride(pat->rp_img) > 0)
		return 0;
	render_pattern_put(pat, *copy);
	*copy = NULL;
	return -1;
}

void
render_pattern_put(struct render_pattern *pat, uint8_t *copy)
{
	pixman_image_unref(pat->rp_img);
	pat->rp_img = NULL;
	free(copy);
}

pixman_image_t *
render_brush_image(struct render *r, uint32_t dst_surface,
    const struct render_brush *b, uint8_t **copy, struct spd_err *err)
{
	pixman_image_t *img;
	pixman_color_t c;
	int skip;

	*copy = NULL;
	switch (b->rb_type) {
	case SPICE_BRUSH_TYPE_SOLID:
		c.red = ((b->rb_color >> 16) & 0xff) * 257;
		c.green = ((b->rb_color >> 8) & 0xff) * 257;
		c.blue = (b->rb_color & 0xff) * 257;
		c.alpha = 0xffff;
		if ((img = pixman_image_create_solid_fill(&c)) == NULL)
			spd_err_set(err, "brush: out of memory");
		return img;
	case SPICE_BRUSH_TYPE_PATTERN:
		img = render_src_image(r, dst_surface, &b->rb_pat, NULL, copy,
		    &skip, err);
		if (img == NULL) {
			spd_err_prefix(err, "pattern brush");
			return NULL;
		}
		pixman_image_set_repeat(img, PIXMAN_REPEAT_NORMAL);
		return img;
	default:
		return NULL;
	}
}

pixman_image_t *
render_scratch(pixman_image_t *img, int32_t sx, int32_t sy,
    const pixman_box32_t *ext, struct spd_err *err)
{
	pixman_image_t *t;
	int w = ext->x2 - ext->x1, h = ext->y2 - ext->y1;

	if ((t = pixman_image_create_bits(PIXMAN_a8r8g8b8, w, h, NULL,
	    0)) == NULL) {
		spd_err_set(err, "out of memory for a %dx%d scratch image", w,
		    h);
		return NULL;
	}
	pixman_image_composite32(PIXMAN_OP_SRC, img, NULL, t, sx, sy, 0, 0,
	    0, 0, w, h);
	return t;
}

int
render_rop3_draw(struct render *r, uint32_t surface, pixman_region32_t *area,
    const struct render_brush *brush, const struct render_src *src,
    const pixman_box32_t *bbox, const pixman_box32_t *src_area,
    uint8_t scale_mode, uint8_t rop3, struct spd_err *err)
{
	pixman_image_t *dst, *img, *ps = NULL, *ss = NULL;
	pixman_box32_t ext, sa, *box;
	uint8_t *copy = NULL;
	uint32_t pconst = 0, *drow, *prow, *srow, p, s;
	int32_t sx, sy;
	int n, i, x, y, skip, dstride, pstride = 0, sstride = 0, rc = -1;

	if ((dst = render_surface(r, surface)) == NULL)
		return spd_err_set(err, "surface %u does not exist", surface);
	if (!pixman_region32_not_empty(area) || rop3 == 0xaa)
		return 0;	/* nothing, or the destination as it is */
	ext = *pixman_region32_extents(area);
	if (render_rop3_uses(rop3, 4) && brush != NULL) {
		if (brush->rb_type == SPICE_BRUSH_TYPE_SOLID)
			pconst = brush->rb_color;
		else if (brush->rb_type == SPICE_BRUSH_TYPE_PATTERN) {
			if ((img = render_brush_image(r, surface, brush, &copy,
			    err)) == NULL)
				return -1;
			ps = render_scratch(img, ext.x1 - brush->rb_x,
			    ext.y1 - brush->rb_y, &ext, err);
			pixman_image_unref(img);
			free(copy);
			copy = NULL;
			if (ps == NULL)
				return -1;
		}
	}
	if (render_rop3_uses(rop3, 2) && src != NULL) {
		sa = *src_area;
		if ((img = render_src_image(r, surface, src, &sa, &copy, &skip,
		    err)) == NULL) {
			rc = skip ? RENDER_SKIP : -1;
			goto out;
		}
		render_src_place(img, bbox, &sa, scale_mode, &sx, &sy);
		ss = render_scratch(img, sx + ext.x1 - bbox->x1,
		    sy + ext.y1 - bbox->y1, &ext, err);
		pixman_image_unref(img);
		if (ss == NULL)
			goto out;
	}
	dstride = pixman_image_get_stride(dst) / 4;
	if (ps != NULL)
		pstride = pixman_image_get_stride(ps) / 4;
	if (ss != NULL)
		sstride = pixman_image_get_stride(ss) / 4;
	box = pixman_region32_rectangles(area, &n);
	for (i = 0; i < n; i++, box++) {
		for (y = box->y1; y < box->y2; y++) {
			drow = pixman_image_get_data(dst) + (size_t)y * dstride;
			prow = ps == NULL ? NULL : pixman_image_get_data(ps) +
			    (size_t)(y - ext.y1) * pstride - ext.x1;
			srow = ss == NULL ? NULL : pixman_image_get_data(ss) +
			    (size_t)(y - ext.y1) * sstride - ext.x1;
			for (x = box->x1; x < box->x2; x++) {
				p = prow != NULL ? prow[x] : pconst;
				s = srow != NULL ? srow[x] : 0;
				drow[x] = render_rop3_px(rop3, p, s, drow[x]);
			}
		}
	}
	rc = 0;
out:
	if (ps != NULL)
		pixman_image_unref(ps);
	if (ss != NULL)
		pixman_image_unref(ss);
	free(copy);
	return rc;
}

/* Bit x of a 1-bit row, MSB first when msb. */
static int
render_mask_bit(const uint8_t *row, uint32_t x, int msb)
{
	return (row[x >> 3] >> (msb ? 7 - (x & 7) : x & 7)) & 1;
}

int
render_mask_region(const struct render_mask *m, const pixman_box32_t *bbox,
    pixman_region32_t *out, struct spd_err *err)
{
	const struct render_bitmap *bm = &m->rm_bits;
	pixman_image_t *a1;
	const uint8_t *row;
	uint8_t *line;
	int64_t w, h, need, astride;
	int32_t x, y, stride;
	int msb = bm->rb_format == SPICE_BITMAP_FMT_1BIT_BE, bit;

	pixman_region32_init(out);
	if (bm->rb_format != SPICE_BITMAP_FMT_1BIT_LE && !msb)
		return spd_err_set(err, "mask: bitmap format %u is not 1-bit",
		    bm->rb_format);
	astride = bm->rb_stride < 0 ? -(int64_t)bm->rb_stride : bm->rb_stride;
	need = astride * ((int64_t)bm->rb_height - 1) +
	    ((int64_t)bm->rb_width + 7) / 8;
	if (bm->rb_data == NULL || bm->rb_height == 0 ||
	    astride < ((int64_t)bm->rb_width + 7) / 8 ||
	    (int64_t)bm->rb_size < need)
		return spd_err_set(err, "mask: %ux%u bitmap does not fit its "
		    "%zu bytes", bm->rb_width, bm->rb_height, bm->rb_size);
	if (m->rm_x < 0 || m->rm_y < 0)
		return spd_err_set(err, "mask: position %d,%d negative",
		    m->rm_x, m->rm_y);
	/* Only the part of the mask over the bbox matters. */
	w = (int64_t)bm->rb_width - m->rm_x;
	h = (int64_t)bm->rb_height - m->rm_y;
	if (w > bbox->x2 - bbox->x1)
		w = bbox->x2 - bbox->x1;
	if (h > bbox->y2 - bbox->y1)
		h = bbox->y2 - bbox->y1;
	if (w <= 0 || h <= 0)
		return 0;	/* the mask lies beside the bbox: nothing */
	if ((a1 = pixman_image_create_bits(PIXMAN_a1, (int)w, (int)h, NULL,
	    0)) == NULL)
		return spd_err_set(err, "mask: out of memory for %dx%d",
		    (int)w, (int)h);
	stride = pixman_image_get_stride(a1);
	for (y = 0; y < h; y++) {
		row = bm->rb_data + (ptrdiff_t)(m->rm_y + y) * bm->rb_stride;
		line = (uint8_t *)pixman_image_get_data(a1) +
		    (size_t)y * stride;
		/* pixman's a1 is LSB first on little-endian hosts. */
		for (x = 0; x < w; x++) {
			bit = render_mask_bit(row, (uint32_t)(m->rm_x + x),
			    msb) ^ (m->rm_invert != 0);
			line[x >> 3] |= (uint8_t)(bit << (x & 7));
		}
	}
	pixman_region32_fini(out);
	pixman_region32_init_from_image(out, a1);
	pixman_image_unref(a1);
	pixman_region32_translate(out, bbox->x1, bbox->y1);
	return 0;
}
