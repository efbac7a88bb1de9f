/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-draw: a parsed QXL drawable (qxl-cmd.h) to the renderer's calls:
 * its clip and mask made into the area it may touch, its images and
 * brushes into render's terms, then the call its type needs; contract in
 * render.h (render_draw).
 */
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "qxl-cmd.h"
#include "render-int.h"

static void
render_draw_box(const struct qxl_cmd_rect *r, pixman_box32_t *b)
{
	b->x1 = r->left;
	b->y1 = r->top;
	b->x2 = r->right;
	b->y2 = r->bottom;
}

/* A parsed image as a render source (pixels and palette borrowed). */
static void
render_draw_src(const struct qxl_cmd_image *img, struct render_src *src)
{
	memset(src, 0, sizeof(*src));
	if (img->kind == QXL_CMD_SRC_SURFACE) {
		src->rs_is_surface = 1;
		src->rs_surface = img->surface_id;
		return;
	}
	src->rs_bitmap.rb_format = img->format;
	src->rs_bitmap.rb_width = img->width;
	src->rs_bitmap.rb_height = img->height;
	src->rs_bitmap.rb_stride = img->stride;
	src->rs_bitmap.rb_data = img->pixels;
	src->rs_bitmap.rb_size = img->size;
	src->rs_bitmap.rb_palette = img->palette;
	src->rs_bitmap.rb_npalette = img->npalette;
	if (img->kind == QXL_CMD_SRC_COMPRESSED)
		src->rs_bitmap.rb_codec = img->codec;
}

static void
render_draw_brush(const struct qxl_cmd_brush *qb, struct render_brush *b)
{
	memset(b, 0, sizeof(*b));
	b->rb_type = qb->type;
	b->rb_color = qb->color;
	if (qb->type == SPICE_BRUSH_TYPE_PATTERN) {
		render_draw_src(&qb->pat, &b->rb_pat);
		b->rb_x = qb->pos_x;
		b->rb_y = qb->pos_y;
	}
}

/* The drawable's clip rects and mask as one region into *clip; 0 with
 * *has set when there is either, or -1 (err set). */
static int
render_draw_clip(const struct qxl_cmd_draw *dr, const pixman_box32_t *bbox,
    pixman_region32_t *clip, int *has, struct spd_err *err)
{
	struct render_mask m;
	struct render_src ms;
	pixman_region32_t mr;
	pixman_box32_t *boxes = NULL;
	uint32_t i;

	*has = 0;
	if (dr->clip_type == SPICE_CLIP_TYPE_RECTS) {
		if (dr->nclip > 0) {
			if ((boxes = calloc(dr->nclip, sizeof(*boxes))) ==
			    NULL)
				return spd_err_set(err, "out of memory");
			for (i = 0; i < dr->nclip; i++)
				render_draw_box(&dr->clip[i], &boxes[i]);
		}
		/* Zero rects is a clip that hides everything. */
		pixman_region32_init_rects(clip, boxes, (int)dr->nclip);
		free(boxes);
		*has = 1;
	}
	if (!dr->mask.present)
		return 0;
	render_draw_src(&dr->mask.bitmap, &ms);
	m.rm_bits = ms.rs_bitmap;
	m.rm_invert = (dr->mask.flags & SPICE_MASK_FLAGS_INVERS) != 0;
	m.rm_x = dr->mask.pos_x;
	m.rm_y = dr->mask.pos_y;
	if (render_mask_region(&m, bbox, &mr, err) != 0) {
		pixman_region32_fini(&mr);
		if (*has)
			pixman_region32_fini(clip);
		*has = 0;
		return -1;
	}
	if (*has) {
		pixman_region32_intersect(clip, clip, &mr);
		pixman_region32_fini(&mr);
	} else
		*clip = mr;
	*has = 1;
	return 0;
}

/*
 * OPAQUE draws the source, then the brush over it with the ROP
 * descriptor, the source being the brush's destination (INVERS_SRC
 * inverts it).  As one ROP3 of the brush and the source: the descriptor's
 * code with the source's bit where the destination's was.
 */
static uint8_t
render_draw_opaque_rop3(uint16_t ropd)
{
	uint8_t pd = render_ropd_to_rop3(ropd, 1, SPICE_ROPD_INVERS_BRUSH,
	    SPICE_ROPD_INVERS_SRC), code = 0;
	int i;

	for (i = 0; i < 8; i++)
		if ((pd >> ((i & 4) | ((i >> 1) & 1))) & 1)
			code |= (uint8_t)(1u << i);
	return code;
}

/* The types drawn over an area of their own surface. */
static int
render_draw_area(struct render *r, const struct qxl_cmd_draw *dr,
    const pixman_box32_t *bbox, const pixman_region32_t *clip,
    const struct render_src *src, const pixman_box32_t *sa,
    struct spd_err *err)
{
	struct render_brush b1, b2;
	struct render_src msrc;
	pixman_region32_t area;
	pixman_image_t *dst;
	uint8_t rop3;
	int rc;

	if ((dst = render_surface(r, dr->surface_id)) == NULL)
		return spd_err_set(err, "surface %u does not exist",
		    dr->surface_id);
	render_target_region(dst, bbox, clip, &area);
	switch (dr->type) {
	case QXL_DRAW_FILL:
		render_draw_brush(&dr->brush, &b1);
		rc = render_fill_brush(r, dr->surface_id, &area, &b1, dr->rop,
		    err);
		break;
	case QXL_DRAW_OPAQUE:
	case QXL_DRAW_ROP3:
		render_draw_brush(&dr->brush, &b1);
		rop3 = dr->type == QXL_DRAW_ROP3 ? dr->rop3 :
		    render_draw_opaque_rop3(dr->rop);
		if ((rc = render_rop3_draw(r, dr->surface_id, &area, &b1,
		    src, bbox, sa, dr->scale_mode, rop3, err)) == 0)
			render_copy_report(r, dr->surface_id, &area, src, bbox,
			    sa, &b1, rop3);
		break;
	case QXL_DRAW_TRANSPARENT:
		rc = render_transparent(r, dr->surface_id, &area, src, bbox,
		    sa, dr->transparent_color, err);
		break;
	case QXL_DRAW_ALPHA_BLEND:
		rc = render_alpha_blend(r, dr->surface_id, &area, src, bbox,
		    sa, dr->alpha, dr->alpha_flags, err);
		break;
	case QXL_DRAW_COMPOSITE:
		if (dr->composite.has_mask)
			render_draw_src(&dr->composite.mask, &msrc);
		rc = render_composite(r, dr->surface_id, &area, bbox, src,
		    dr->composite.has_mask ? &msrc : NULL, &dr->composite,
		    err);
		break;
	case QXL_DRAW_TEXT:
		render_draw_brush(&dr->text.fore, &b1);
		render_draw_brush(&dr->text.back, &b2);
		rc = render_text(r, dr->surface_id, &area, &dr->text, &b1, &b2,
		    err);
		break;
	case QXL_DRAW_STROKE:
		render_draw_brush(&dr->stroke.brush, &b1);
		rc = render_stroke(r, dr->surface_id, &area, &dr->stroke, &b1,
		    err);
		break;
	default:
		rc = spd_err_set(err, "draw type %u unknown", dr->type);
		break;
	}
	pixman_region32_fini(&area);
	return rc;
}

/* A drawing on off-screen surface id may have changed all it could
 * touch: told to the off-screen callback, whatever the drawing did (a
 * viewer's copy of the surface is then not trusted there). */
static void
render_draw_offscreen(struct render *r, uint32_t id,
    const pixman_box32_t *bbox, const pixman_region32_t *clip)
{
	pixman_image_t *dst;
	pixman_region32_t area;

	if (id == 0 || r->r_offscreen_cb == NULL ||
	    (dst = render_surface(r, id)) == NULL)
		return;
	render_target_region(dst, bbox, clip, &area);
	if (pixman_region32_not_empty(&area))
		r->r_offscreen_cb(r->r_arg, id, &area);
	pixman_region32_fini(&area);
}

int
render_draw(struct render *r, const struct qxl_cmd_draw *dr,
    struct spd_err *err)
{
	pixman_region32_t clip;
	pixman_box32_t bbox, sa;
	struct render_src src;
	int has, rc;

	render_draw_box(&dr->bbox, &bbox);
	render_draw_box(&dr->src_area, &sa);
	render_draw_src(&dr->src, &src);
	if (render_box_sane(&bbox, "bbox", err) != 0 ||
	    render_draw_clip(dr, &bbox, &clip, &has, err) != 0)
		return -1;
	switch (dr->type) {
	case QXL_DRAW_FILL:
		if (dr->brush.type != SPICE_BRUSH_TYPE_SOLID)
			goto area;
		rc = render_fill(r, dr->surface_id, &bbox, has ? &clip : NULL,
		    dr->brush.color, dr->rop, err);
		break;
	case QXL_DRAW_BLACKNESS:
	case QXL_DRAW_WHITENESS:
	case QXL_DRAW_INVERS:
		rc = render_fill(r, dr->surface_id, &bbox, has ? &clip : NULL,
		    0, dr->type == QXL_DRAW_BLACKNESS ?
		    SPICE_ROPD_OP_BLACKNESS : dr->type == QXL_DRAW_WHITENESS ?
		    SPICE_ROPD_OP_WHITENESS : SPICE_ROPD_OP_INVERS, err);
		break;
	case QXL_DRAW_COPY:
	case QXL_DRAW_BLEND:
		/* BLEND is COPY (spice-common draws both alike). */
		rc = render_copy(r, dr->surface_id, &bbox, has ? &clip : NULL,
		    &src, &sa, dr->rop, dr->scale_mode, err);
		break;
	case QXL_COPY_BITS:
		rc = render_copy_bits(r, dr->surface_id, &bbox,
		    has ? &clip : NULL, dr->src_pos_x, dr->src_pos_y, err);
		break;
	default:
	area:
		rc = render_draw_area(r, dr, &bbox, has ? &clip : NULL, &src,
		    &sa, err);
		break;
	}
	render_draw_offscreen(r, dr->surface_id, &bbox, has ? &clip : NULL);
	if (has)
		pixman_region32_fini(&clip);
	if (rc != 0)
		spd_err_prefix(err, "%s", qxl_cmd_draw_type_name(dr->type));
	return rc;
}
