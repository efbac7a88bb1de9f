/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-text: TEXT drawables: the back brush over back_area, then the
 * fore brush OVER the surface through the glyphs' coverage; contract in
 * render-int.h.
 *
 * As SPICE's canvas: glyphs may overlap (the coverage is the maximum),
 * A1 rows are MSB first, A4 pixels high nibble first, an A4 value v
 * covers v * 16 / 255 (never quite opaque: what every SPICE client draws,
 * so a string forwarded to viewers ends as the worker drew it); the back
 * brush is put, the fore brush blended (fore_mode and back_mode are not
 * read: the canvas only knows OP_PUT for text).  Deviations: rows are
 * top-down when the string says RASTER_TOP_DOWN (qxl-draw.c; the canvas
 * ignores the flag), and a pattern brush is tiled from its position on
 * the surface, as for every other drawable.
 *
 * What changed is reported to the text callback when a viewer could
 * draw the same from the string (render_text_fn); else, in a solid
 * colour, to the composite callback as the colour OVER the surface
 * through the coverage (what the canvas would draw of A8 glyphs, which
 * it reads a row off), the back area to the fill callback; else as
 * damage.
 */
#include <stdlib.h>

#include <spice/enums.h>

#include "qxl-cmd.h"
#include "render-int.h"

/* Coverage 0..255 of glyph pixel x of a row. */
static uint8_t
render_glyph_px(uint16_t flags, const uint8_t *row, int32_t x)
{
	if (flags & SPICE_STRING_FLAGS_RASTER_A1)
		return (row[x >> 3] >> (7 - (x & 7))) & 1 ? 0xff : 0;
	if (flags & SPICE_STRING_FLAGS_RASTER_A4)
		return (uint8_t)(((row[x >> 1] >> ((~x & 1) * 4)) & 0xf) << 4);
	return row[x];
}

/* Every glyph's coverage into a8, an image over ext. */
static void
render_glyphs(const struct qxl_cmd_text *t, const pixman_box32_t *ext,
    pixman_image_t *a8)
{
	const struct qxl_cmd_glyph *g;
	const uint8_t *row;
	uint8_t *line, v;
	int32_t x0, x1, y0, y1, x, y;
	int stride = pixman_image_get_stride(a8);
	uint32_t i;

	for (i = 0; i < t->nglyphs; i++) {
		g = &t->glyphs[i];
		/* The glyph's box within ext (all within +-2^21: no
		 * overflow). */
		x0 = g->left > ext->x1 ? g->left : ext->x1;
		y0 = g->top > ext->y1 ? g->top : ext->y1;
		x1 = g->left + g->width < ext->x2 ? g->left + g->width :
		    ext->x2;
		y1 = g->top + g->height < ext->y2 ? g->top + g->height :
		    ext->y2;
		for (y = y0; y < y1; y++) {
			row = g->bits + (ptrdiff_t)(y - g->top) * g->stride;
			line = (uint8_t *)pixman_image_get_data(a8) +
			    (size_t)(y - ext->y1) * stride - ext->x1;
			for (x = x0; x < x1; x++) {
				v = render_glyph_px(t->flags, row, x - g->left);
				if (v > line[x])
					line[x] = v;
			}
		}
	}
}

/*
 * The solid colour fc put OVER area through the coverage a8 (over ext)
 * to the composite callback, as the canvas composites: a 1x1 source
 * repeated through the coverage as an alpha mask on ext.  0, or -1 when
 * the images cannot be had.
 */
static int
render_text_composite(struct render *r, pixman_region32_t *area,
    const pixman_box32_t *ext, pixman_image_t *a8, uint32_t fc)
{
	struct qxl_cmd_composite c = { .flags = PIXMAN_OP_OVER |
	    SPICE_COMPOSITE_HAS_MASK | PIXMAN_REPEAT_NORMAL << 14,
	    .has_mask = 1 };
	pixman_image_t *src, *mask;
	uint32_t px = fc | 0xff000000u;

	if ((src = pixman_image_create_bits(PIXMAN_x8r8g8b8, 1, 1, NULL,
	    0)) == NULL)
		return -1;
	*pixman_image_get_data(src) = px;
	if ((mask = render_as32(a8, 0, 0, ext->x2 - ext->x1,
	    ext->y2 - ext->y1)) == NULL) {
		pixman_image_unref(src);
		return -1;
	}
	r->r_composite(r->r_arg, area, ext, src, mask, &c);
	pixman_image_unref(src);
	pixman_image_unref(mask);
	return 0;
}

/* The string drawn on area of surface dst (its coverage a8 over ext),
 * back_area's part br in brush back first: to the text callback when a
 * viewer can draw it from the string (render_text_fn), else in a solid
 * colour to the fill and composite callbacks, else as damage. */
static void
render_text_report(struct render *r, uint32_t surface, pixman_image_t *dst,
    pixman_region32_t *area, const struct qxl_cmd_text *t,
    const struct render_brush *fore, const struct render_brush *back,
    pixman_region32_t *br, const pixman_box32_t *ext, pixman_image_t *a8)
{
	uint32_t bc = back->rb_type == SPICE_BRUSH_TYPE_SOLID ?
	    back->rb_color & 0xffffff : 0;	/* NONE draws black */
	int has_back = pixman_region32_not_empty(br);

	if (!render_forwards(surface, dst, 1) ||
	    fore->rb_type != SPICE_BRUSH_TYPE_SOLID ||
	    (has_back && back->rb_type == SPICE_BRUSH_TYPE_PATTERN))
		render_report(r, surface, area);
	else if (r->r_text != NULL && (t->flags &
	    (SPICE_STRING_FLAGS_RASTER_A1 | SPICE_STRING_FLAGS_RASTER_A4)))
		r->r_text(r->r_arg, area, t, fore->rb_color & 0xffffff,
		    has_back ? &bc : NULL);
	else if (r->r_composite != NULL && (!has_back || r->r_fill != NULL) &&
	    (uint64_t)(ext->x2 - ext->x1) * (uint64_t)(ext->y2 - ext->y1) <=
	    RENDER_REPORT_MAX_PX) {
		if (has_back)
			r->r_fill(r->r_arg, br, bc, NULL, 0xf0);
		if (render_text_composite(r, area, ext, a8,
		    fore->rb_color & 0xffffff) != 0)
			render_report(r, surface, area);
	} else
		render_report(r, surface, area);
}

int
render_text(struct render *r, uint32_t surface, pixman_region32_t *area,
    const struct qxl_cmd_text *t, const struct render_brush *fore,
    const struct render_brush *back, struct spd_err *err)
{
	pixman_image_t *dst, *a8, *brush;
	pixman_region32_t br;
	pixman_box32_t ext;
	uint8_t *copy;
	int w, h, rc = 0;

	if ((dst = render_surface(r, surface)) == NULL)
		return spd_err_set(err, "surface %u does not exist", surface);
	if (!pixman_region32_not_empty(area))
		return 0;
	pixman_region32_init(&br);
	if (t->back_area.left < t->back_area.right &&
	    t->back_area.top < t->back_area.bottom) {
		pixman_region32_union_rect(&br, &br, t->back_area.left,
		    t->back_area.top,
		    (unsigned)(t->back_area.right - t->back_area.left),
		    (unsigned)(t->back_area.bottom - t->back_area.top));
		pixman_region32_intersect(&br, &br, area);
	}
	if (fore->rb_type == SPICE_BRUSH_TYPE_NONE) {
		/* The back area alone: a fill. */
		rc = render_fill_brush(r, surface, &br, back,
		    SPICE_ROPD_OP_PUT, err);
		goto out;
	}
	if (pixman_region32_not_empty(&br) &&
	    (rc = render_rop3_draw(r, surface, &br, back, NULL, NULL, NULL,
	    0, 0xf0, err)) != 0)
		goto out;
	ext = *pixman_region32_extents(area);
	w = ext.x2 - ext.x1;
	h = ext.y2 - ext.y1;
	if ((a8 = pixman_image_create_bits(PIXMAN_a8, w, h, NULL, 0)) ==
	    NULL) {
		rc = spd_err_set(err, "out of memory for a %dx%d coverage", w,
		    h);
		goto out;
	}
	render_glyphs(t, &ext, a8);
	if ((brush = render_brush_image(r, surface, fore, &copy, err)) ==
	    NULL) {
		pixman_image_unref(a8);
		rc = -1;
		goto out;
	}
	pixman_image_set_clip_region32(dst, area);
	pixman_image_composite32(PIXMAN_OP_OVER, brush, a8, dst,
	    ext.x1 - fore->rb_x, ext.y1 - fore->rb_y, 0, 0, ext.x1, ext.y1, w,
	    h);
	pixman_image_set_clip_region32(dst, NULL);
	pixman_image_unref(brush);
	free(copy);
	render_text_report(r, surface, dst, area, t, fore, back, &br, &ext,
	    a8);
	pixman_image_unref(a8);
out:
	pixman_region32_fini(&br);
	return rc;
}
