/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* display-draw: drawing messages' bodies; see display-draw.h. */
#include <string.h>

#include <spice/enums.h>

#include "display-draw.h"
#include "enc.h"
#include "qxl-cmd.h"
#include "render.h"

/* A RasterGlyph's fixed part: render_pos, glyph_origin, width, height. */
#define DDRAW_GLYPH_HDR	20

void
ddraw_put_rect(struct obuf *ob, int32_t top, int32_t left, int32_t bottom,
    int32_t right)
{
	obuf_put_i32le(ob, top);
	obuf_put_i32le(ob, left);
	obuf_put_i32le(ob, bottom);
	obuf_put_i32le(ob, right);
}

void
ddraw_put_base(struct obuf *ob, const pixman_region32_t *area)
{
	ddraw_put_base_in(ob, pixman_region32_extents(
	    (pixman_region32_t *)area), area);
}

void
ddraw_put_base_in(struct obuf *ob, const pixman_box32_t *box,
    const pixman_region32_t *area)
{
	ddraw_put_base_on(ob, 0, box, area);
}

void
ddraw_put_base_on(struct obuf *ob, uint32_t surface, const pixman_box32_t *box,
    const pixman_region32_t *area)
{
	pixman_box32_t *rects;
	int i, n;

	rects = pixman_region32_rectangles((pixman_region32_t *)area, &n);
	obuf_put_u32le(ob, surface);
	ddraw_put_rect(ob, box->y1, box->x1, box->y2, box->x2);
	if (n == 1 && memcmp(&rects[0], box, sizeof(*box)) == 0)
		obuf_put_u8(ob, SPICE_CLIP_TYPE_NONE);
	else {
		obuf_put_u8(ob, SPICE_CLIP_TYPE_RECTS);
		obuf_put_u32le(ob, (uint32_t)n);
		for (i = 0; i < n; i++)
			ddraw_put_rect(ob, rects[i].y1, rects[i].x1,
			    rects[i].y2, rects[i].x2);
	}
}

void
ddraw_put_image_desc(struct obuf *ob, uint64_t id, uint8_t type,
    uint8_t flags, uint32_t width, uint32_t height)
{
	obuf_put_u64le(ob, id);
	obuf_put_u8(ob, type);
	obuf_put_u8(ob, flags);
	obuf_put_u32le(ob, width);
	obuf_put_u32le(ob, height);
}

void
ddraw_put_surface_image(struct obuf *ob, uint64_t id, uint32_t surface,
    uint32_t width, uint32_t height)
{
	ddraw_put_image_desc(ob, id, SPICE_IMAGE_TYPE_SURFACE, 0, width,
	    height);
	obuf_put_u32le(ob, surface);
}

void
ddraw_put_no_mask(struct obuf *ob)
{
	obuf_put_u8(ob, 0);
	obuf_put_i32le(ob, 0);
	obuf_put_i32le(ob, 0);
	obuf_put_u32le(ob, 0);
	obuf_put_u32le(ob, 0);
}

void
ddraw_fill(struct obuf *ob, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, uint64_t image_id, uint16_t ropd)
{
	ddraw_put_base(ob, area);
	if (pat == NULL) {
		obuf_put_u8(ob, SPICE_BRUSH_TYPE_SOLID);
		obuf_put_u32le(ob, color);
		obuf_put_u16le(ob, ropd);
		ddraw_put_no_mask(ob);
		return;
	}
	/* Pattern: the image's pointer (after pos, rop and the mask), its
	 * position; then the image: descriptor and bitmap. */
	obuf_put_u8(ob, SPICE_BRUSH_TYPE_PATTERN);
	obuf_put_u32le(ob, (uint32_t)(ob->ob_len + 4 + 8 + 2 + 17));
	obuf_put_i32le(ob, pat->rp_x);
	obuf_put_i32le(ob, pat->rp_y);
	obuf_put_u16le(ob, ropd);
	ddraw_put_no_mask(ob);
	ddraw_put_pattern(ob, pat, image_id);
}

void
ddraw_put_pattern(struct obuf *ob, const struct render_pattern *pat,
    uint64_t image_id)
{
	struct enc_src src;
	struct spd_err err;

	src.es_data = (const uint8_t *)pixman_image_get_data(pat->rp_img);
	src.es_stride = (size_t)pixman_image_get_stride(pat->rp_img);
	src.es_width = (uint32_t)pixman_image_get_width(pat->rp_img);
	src.es_height = (uint32_t)pixman_image_get_height(pat->rp_img);
	ddraw_put_image_desc(ob, image_id, SPICE_IMAGE_TYPE_BITMAP, 0,
	    src.es_width, src.es_height);
	if (enc_bitmap_encode(ob, &src, &err) != 0)
		ob->ob_failed = 1;
}

void
ddraw_copy_bits(struct obuf *ob, const pixman_region32_t *dst, int32_t dx,
    int32_t dy)
{
	const pixman_box32_t *ext;

	ext = pixman_region32_extents((pixman_region32_t *)dst);
	ddraw_put_base(ob, dst);
	obuf_put_i32le(ob, ext->x1 - dx);	/* src_pos */
	obuf_put_i32le(ob, ext->y1 - dy);
}

size_t
ddraw_stroke_size(const struct qxl_cmd_stroke *st)
{
	size_t n = 4;		/* num_segments */
	uint32_t i;

	for (i = 0; i < st->nsegs; i++)
		n += 1 + 4 + (size_t)st->segs[i].count * 8;
	return n;
}

void
ddraw_stroke(struct obuf *ob, const pixman_region32_t *area,
    const struct qxl_cmd_stroke *st, uint32_t color, uint16_t ropd)
{
	const struct qxl_cmd_pathseg *seg;
	uint32_t i, k;

	ddraw_put_base(ob, area);
	/* Stroke: the Path's pointer (after the line attributes' flags, the
	 * solid brush and two modes), then those; then the Path. */
	obuf_put_u32le(ob, (uint32_t)(ob->ob_len + 4 + 1 + 5 + 4));
	obuf_put_u8(ob, 0);			/* not STYLED */
	obuf_put_u8(ob, SPICE_BRUSH_TYPE_SOLID);
	obuf_put_u32le(ob, color);
	obuf_put_u16le(ob, ropd);
	obuf_put_u16le(ob, SPICE_ROPD_OP_PUT);	/* back_mode: unused */
	obuf_put_u32le(ob, st->nsegs);
	for (i = 0; i < st->nsegs; i++) {
		seg = &st->segs[i];
		obuf_put_u8(ob, (uint8_t)seg->flags);
		obuf_put_u32le(ob, seg->count);
		for (k = 0; k < seg->count; k++) {
			obuf_put_i32le(ob, seg->pts[k].x);
			obuf_put_i32le(ob, seg->pts[k].y);
		}
	}
}

size_t
ddraw_text_size(const struct qxl_cmd_text *t)
{
	size_t n = 3;		/* length, flags */
	uint32_t i;

	for (i = 0; i < t->nglyphs; i++)
		n += DDRAW_GLYPH_HDR + (size_t)qxl_cmd_glyph_row(t->flags,
		    t->glyphs[i].width) * t->glyphs[i].height;
	return n;
}

void
ddraw_text(struct obuf *ob, const pixman_region32_t *area,
    const struct qxl_cmd_text *t, uint32_t fore, const uint32_t *back)
{
	const struct qxl_cmd_glyph *g;
	size_t row;
	uint32_t i;
	int y;

	ddraw_put_base(ob, area);
	/* Text: the String's pointer (it follows the fixed part: back_area,
	 * two brushes, two modes), back_area, brushes, modes. */
	obuf_put_u32le(ob, (uint32_t)(ob->ob_len + 4 + 16 + 5 +
	    (back != NULL ? 5 : 1) + 4));
	if (back != NULL)
		ddraw_put_rect(ob, t->back_area.top, t->back_area.left,
		    t->back_area.bottom, t->back_area.right);
	else
		ddraw_put_rect(ob, 0, 0, 0, 0);
	obuf_put_u8(ob, SPICE_BRUSH_TYPE_SOLID);
	obuf_put_u32le(ob, fore);
	if (back != NULL) {
		obuf_put_u8(ob, SPICE_BRUSH_TYPE_SOLID);
		obuf_put_u32le(ob, *back);
	} else
		obuf_put_u8(ob, SPICE_BRUSH_TYPE_NONE);
	/* The canvas draws nothing at all when a back area comes with any
	 * fore mode but PUT. */
	obuf_put_u16le(ob, SPICE_ROPD_OP_PUT);
	obuf_put_u16le(ob, SPICE_ROPD_OP_PUT);
	obuf_put_u16le(ob, (uint16_t)t->nglyphs);
	obuf_put_u8(ob, (uint8_t)(t->flags & (SPICE_STRING_FLAGS_RASTER_A1 |
	    SPICE_STRING_FLAGS_RASTER_A4)));
	for (i = 0; i < t->nglyphs; i++) {
		g = &t->glyphs[i];
		obuf_put_i32le(ob, g->left);		/* render_pos */
		obuf_put_i32le(ob, g->top);
		obuf_put_i32le(ob, 0);			/* glyph_origin */
		obuf_put_i32le(ob, 0);
		obuf_put_u16le(ob, g->width);
		obuf_put_u16le(ob, g->height);
		row = qxl_cmd_glyph_row(t->flags, g->width);
		for (y = (int)g->height - 1; y >= 0; y--)
			obuf_put_bytes(ob, g->bits + (ptrdiff_t)y * g->stride,
			    row);
	}
}

void
ddraw_copy(struct obuf *ob, const pixman_region32_t *area, uint16_t ropd)
{
	ddraw_copy_on(ob, 0, area, ropd);
}

void
ddraw_copy_on(struct obuf *ob, uint32_t surface, const pixman_region32_t *area,
    uint16_t ropd)
{
	const pixman_box32_t *ext;

	ext = pixman_region32_extents((pixman_region32_t *)area);
	ddraw_put_base_on(ob, surface, ext, area);
	/* src_bitmap: after itself, src_area, the descriptor, the scale
	 * mode and the mask. */
	obuf_put_u32le(ob, (uint32_t)(ob->ob_len + 4 + 16 + 2 + 1 + 17));
	ddraw_put_rect(ob, 0, 0, ext->y2 - ext->y1, ext->x2 - ext->x1);
	obuf_put_u16le(ob, ropd);
	obuf_put_u8(ob, SPICE_IMAGE_SCALE_MODE_NEAREST);
	ddraw_put_no_mask(ob);
}

/* p (a pattern's position) moved by whole tiles of size n to the first
 * at or left of (above) at. */
static int32_t
ddraw_tile_origin(int32_t p, int32_t n, int32_t at)
{
	int64_t k = ((int64_t)at - p) % n;

	return (int32_t)(at - (k < 0 ? k + n : k));
}

/* DRAW_ROP3's and DRAW_OPAQUE's fixed part, op_len (1: a ROP3 code, 2: a
 * ROP descriptor) bytes of op after the brush: the colour, or the
 * pattern pat (its image's pointer's offset to *pat_at). */
static void
ddraw_brush_op(struct obuf *ob, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, size_t *pat_at, unsigned op_len,
    uint16_t op)
{
	const pixman_box32_t *ext;
	unsigned brush_len = pat != NULL ? 1 + 4 + 8 : 1 + 4;

	ext = pixman_region32_extents((pixman_region32_t *)area);
	ddraw_put_base(ob, area);
	/* src_bitmap: after itself, src_area, the Brush, the operation,
	 * the scale mode and the mask. */
	obuf_put_u32le(ob, (uint32_t)(ob->ob_len + 4 + 16 + brush_len +
	    op_len + 1 + 17));
	ddraw_put_rect(ob, 0, 0, ext->y2 - ext->y1, ext->x2 - ext->x1);
	if (pat != NULL) {
		/* The pattern's origin at or before the box's corner: the
		 * canvas's rop3.c starts a row's tile at (left - x) % width,
		 * a C remainder, wrong when negative. */
		obuf_put_u8(ob, SPICE_BRUSH_TYPE_PATTERN);
		*pat_at = ob->ob_len;
		obuf_put_u32le(ob, 0);
		obuf_put_i32le(ob, ddraw_tile_origin(pat->rp_x,
		    pixman_image_get_width(pat->rp_img), ext->x1));
		obuf_put_i32le(ob, ddraw_tile_origin(pat->rp_y,
		    pixman_image_get_height(pat->rp_img), ext->y1));
	} else {
		obuf_put_u8(ob, SPICE_BRUSH_TYPE_SOLID);
		obuf_put_u32le(ob, color);
	}
	if (op_len == 1)
		obuf_put_u8(ob, (uint8_t)op);
	else
		obuf_put_u16le(ob, op);
	obuf_put_u8(ob, SPICE_IMAGE_SCALE_MODE_NEAREST);
	ddraw_put_no_mask(ob);
}

void
ddraw_copy_scaled(struct obuf *ob, const pixman_region32_t *area,
    const pixman_box32_t *bbox, const pixman_box32_t *src_area,
    uint8_t scale_mode, uint16_t ropd)
{
	ddraw_put_base_in(ob, bbox, area);
	/* src_bitmap: after itself, src_area, the descriptor, the scale
	 * mode and the mask. */
	obuf_put_u32le(ob, (uint32_t)(ob->ob_len + 4 + 16 + 2 + 1 + 17));
	ddraw_put_rect(ob, src_area->y1, src_area->x1, src_area->y2,
	    src_area->x2);
	obuf_put_u16le(ob, ropd);
	obuf_put_u8(ob, scale_mode);
	ddraw_put_no_mask(ob);
}

void
ddraw_rop3(struct obuf *ob, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, size_t *pat_at, uint8_t rop3)
{
	ddraw_brush_op(ob, area, color, pat, pat_at, 1, rop3);
}

void
ddraw_opaque(struct obuf *ob, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, size_t *pat_at, uint16_t ropd)
{
	ddraw_brush_op(ob, area, color, pat, pat_at, 2, ropd);
}

void
ddraw_blend(struct obuf *ob, const pixman_region32_t *area,
    const pixman_box32_t *bbox, const pixman_box32_t *src_area,
    const uint32_t *key, uint8_t alpha)
{
	if (bbox != NULL)
		ddraw_put_base_in(ob, bbox, area);
	else
		ddraw_put_base(ob, area);
	if (key == NULL) {
		obuf_put_u8(ob, 0);		/* alpha_flags */
		obuf_put_u8(ob, alpha);
	}
	/* src_bitmap: after itself, src_area and a key's two colours. */
	obuf_put_u32le(ob, (uint32_t)(ob->ob_len + 4 + 16 +
	    (key != NULL ? 8 : 0)));
	ddraw_put_rect(ob, src_area->y1, src_area->x1, src_area->y2,
	    src_area->x2);
	if (key != NULL) {
		obuf_put_u32le(ob, *key);	/* src_color */
		obuf_put_u32le(ob, *key);	/* true_color: the canvas's */
	}
}

void
ddraw_point_here(struct obuf *ob, size_t at)
{
	uint32_t v = (uint32_t)ob->ob_len;

	if (ob->ob_failed || at + 4 > ob->ob_len)
		return;
	ob->ob_data[at] = (uint8_t)v;
	ob->ob_data[at + 1] = (uint8_t)(v >> 8);
	ob->ob_data[at + 2] = (uint8_t)(v >> 16);
	ob->ob_data[at + 3] = (uint8_t)(v >> 24);
}

void
ddraw_composite(struct obuf *ob, const pixman_region32_t *area,
    const pixman_box32_t *bbox, const struct qxl_cmd_composite *c,
    int has_mask, size_t *mask_at)
{
	uint32_t flags = c->flags & ~(uint32_t)(SPICE_COMPOSITE_HAS_MASK |
	    SPICE_COMPOSITE_HAS_SRC_TRANSFORM |
	    SPICE_COMPOSITE_HAS_MASK_TRANSFORM |
	    SPICE_COMPOSITE_SOURCE_OPAQUE | SPICE_COMPOSITE_MASK_OPAQUE |
	    SPICE_COMPOSITE_DEST_OPAQUE);
	int mask_xf = has_mask && c->has_mask_transform, i;

	if (has_mask)
		flags |= SPICE_COMPOSITE_HAS_MASK;
	if (c->has_src_transform)
		flags |= SPICE_COMPOSITE_HAS_SRC_TRANSFORM;
	if (mask_xf)
		flags |= SPICE_COMPOSITE_HAS_MASK_TRANSFORM;
	ddraw_put_base_in(ob, bbox, area);
	obuf_put_u32le(ob, flags);
	/* src_bitmap: after itself, the mask's pointer, the transforms
	 * (six 16.16 values each) and two Point16s. */
	obuf_put_u32le(ob, (uint32_t)(ob->ob_len + 4 + (has_mask ? 4 : 0) +
	    (c->has_src_transform ? 24 : 0) + (mask_xf ? 24 : 0) + 8));
	if (has_mask) {
		*mask_at = ob->ob_len;
		obuf_put_u32le(ob, 0);
	}
	for (i = 0; c->has_src_transform && i < 6; i++)
		obuf_put_u32le(ob, (uint32_t)c->src_transform[i]);
	for (i = 0; mask_xf && i < 6; i++)
		obuf_put_u32le(ob, (uint32_t)c->mask_transform[i]);
	obuf_put_u16le(ob, (uint16_t)c->src_x);
	obuf_put_u16le(ob, (uint16_t)c->src_y);
	obuf_put_u16le(ob, (uint16_t)c->mask_x);
	obuf_put_u16le(ob, (uint16_t)c->mask_y);
}
