/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-blend: the drawables that blend rather than replace:
 * TRANSPARENT (a colour key), ALPHA_BLEND (OVER with a constant alpha)
 * and COMPOSITE (any pixman operator, transforms, filters, repeats and a
 * mask); contracts in render-int.h.  All but the colour key are pixman's
 * own composites.  A colour key or ALPHA_BLEND on the primary, unscaled or
 * scaled up, is reported with its source (render_blend_fn; from another
 * off-screen surface, with its place there: render_surface_blend_fn), a
 * COMPOSITE with its images (render_composite_fn), which a viewer draws
 * the same:
 * spice-common's canvas keys on the RGB as render_transparent does and
 * composites and stretches with the same pixman calls.
 */
#include <stdlib.h>

#include <spice/enums.h>

#include "qxl-cmd.h"
#include "render-int.h"

/*
 * A colour key (key not NULL) or an ALPHA_BLEND drawn on area of surface
 * dst from the source img: to the blend callback when forwarded (fwd: no
 * destination alpha), else as damage.  Unscaled (bbox NULL), with the
 * extents' part of img, whose pixel (ox, oy) lies on the extents'
 * top-left; scaled from sa of img onto bbox, with sa, when that is fewer
 * pixels than bbox and bbox lies on the primary.
 */
static void
render_blend_report(struct render *r, uint32_t surface, pixman_image_t *dst,
    pixman_region32_t *area, int fwd, pixman_image_t *img, int32_t ox,
    int32_t oy, const pixman_box32_t *bbox, const pixman_box32_t *sa,
    const uint32_t *key, uint8_t alpha)
{
	const pixman_box32_t *ext = pixman_region32_extents(area);
	pixman_box32_t b = *ext;
	pixman_image_t *part;

	if (bbox != NULL) {
		b = *sa;
		ox = sa->x1;
		oy = sa->y1;
		fwd = fwd && render_box_within(bbox, dst) &&
		    (uint64_t)(b.x2 - b.x1) * (uint64_t)(b.y2 - b.y1) <
		    (uint64_t)(bbox->x2 - bbox->x1) *
		    (uint64_t)(bbox->y2 - bbox->y1);
	}
	if (!fwd || !render_forwards(surface, dst, r->r_blend != NULL) ||
	    (uint64_t)(b.x2 - b.x1) * (uint64_t)(b.y2 - b.y1) >
	    RENDER_REPORT_MAX_PX || (part = render_as32(img, ox, oy,
	    b.x2 - b.x1, b.y2 - b.y1)) == NULL) {
		render_report(r, surface, area);
		return;
	}
	r->r_blend(r->r_arg, area, part, bbox, key, alpha);
	pixman_image_unref(part);
}

/*
 * A colour key (key not NULL) or an ALPHA_BLEND (its source's alpha
 * counting when src_alpha) drawn on area of surface dst from sa of src
 * over bbox: when src is another, off-screen surface, a viewer draws the
 * same (fwd; dst the xRGB primary; scaled up, bbox on it) and its canvas
 * blends the surface as the worker did, to the surface blend callback
 * and 1; else 0, for render_blend_report.  The canvas blends through an
 * ARGB surface's alpha whatever the flags say, and through an xRGB one's
 * fourth byte with SRC_SURFACE_HAS_ALPHA: only an xRGB one without it
 * blends the same.
 */
static int
render_surface_blend_report(struct render *r, uint32_t surface,
    pixman_image_t *dst, pixman_region32_t *area, int fwd,
    const struct render_src *src, const pixman_box32_t *bbox,
    const pixman_box32_t *sa, int src_alpha, const uint32_t *key,
    uint8_t alpha)
{
	const pixman_box32_t *ext = pixman_region32_extents(area);
	pixman_box32_t in;
	pixman_image_t *s;

	if (!fwd || (s = render_forwarded_source(r, surface, dst, area, src,
	    r->r_surf_blend != NULL)) == NULL || (key == NULL && (src_alpha ||
	    pixman_image_get_format(s) != PIXMAN_x8r8g8b8)))
		return 0;
	if (!render_scales(bbox, sa)) {
		render_src_under(sa, bbox, ext, &in);
		r->r_surf_blend(r->r_arg, area, NULL, src->rs_surface, &in, key,
		    alpha);
		return 1;
	}
	if (!render_box_within(bbox, dst) ||
	    (uint64_t)(sa->x2 - sa->x1) * (uint64_t)(sa->y2 - sa->y1) >=
	    (uint64_t)(bbox->x2 - bbox->x1) * (uint64_t)(bbox->y2 - bbox->y1))
		return 0;
	r->r_surf_blend(r->r_arg, area, bbox, src->rs_surface, sa, key, alpha);
	return 1;
}

/*
 * A COMPOSITE drawn on area of surface dst from s (through m when not
 * NULL): to the composite callback with both whole when a viewer draws
 * the same (bbox inside the primary: spice-common's canvas composites into
 * a copy of the bbox, with the same transforms, filters and repeats);
 * with a transform, only when the images have no more pixels than bbox
 * (a thumbnail of a large picture costs less as the result); else as
 * damage.
 */
static void
render_composite_report(struct render *r, uint32_t surface,
    pixman_image_t *dst, pixman_region32_t *area, const pixman_box32_t *bbox,
    pixman_image_t *s, pixman_image_t *m, const struct qxl_cmd_composite *cp)
{
	pixman_image_t *s32 = NULL, *m32 = NULL;
	uint64_t px = (uint64_t)pixman_image_get_width(s) *
	    (uint64_t)pixman_image_get_height(s);

	if (m != NULL)
		px += (uint64_t)pixman_image_get_width(m) *
		    (uint64_t)pixman_image_get_height(m);
	/* The viewers get the images as they are: a copy through the
	 * transform the drawing used would be transformed twice. */
	pixman_image_set_transform(s, NULL);
	if (m != NULL)
		pixman_image_set_transform(m, NULL);
	if (render_forwards(surface, dst, r->r_composite != NULL) &&
	    px <= RENDER_REPORT_MAX_PX &&
	    render_box_within(bbox, dst) &&
	    ((!cp->has_src_transform && !cp->has_mask_transform) ||
	    px <= (uint64_t)(bbox->x2 - bbox->x1) *
	    (uint64_t)(bbox->y2 - bbox->y1)) &&
	    (s32 = render_as32(s, 0, 0, pixman_image_get_width(s),
	    pixman_image_get_height(s))) != NULL && (m == NULL ||
	    (m32 = render_as32(m, 0, 0, pixman_image_get_width(m),
	    pixman_image_get_height(m))) != NULL))
		r->r_composite(r->r_arg, area, bbox, s32, m32, cp);
	else
		render_report(r, surface, area);
	if (s32 != NULL)
		pixman_image_unref(s32);
	if (m32 != NULL)
		pixman_image_unref(m32);
}

int
render_transparent(struct render *r, uint32_t surface,
    pixman_region32_t *area, const struct render_src *src,
    const pixman_box32_t *bbox, const pixman_box32_t *src_area, uint32_t key,
    struct spd_err *err)
{
	pixman_image_t *dst, *img, *ss;
	pixman_box32_t ext, sa = *src_area, *box;
	uint32_t *drow, *srow;
	uint8_t *copy;
	int32_t sx, sy;
	int n, i, x, y, skip, dstride, sstride, scaled;

	if ((dst = render_surface(r, surface)) == NULL)
		return spd_err_set(err, "surface %u does not exist", surface);
	if (!pixman_region32_not_empty(area))
		return 0;
	if ((img = render_src_image(r, surface, src, &sa, &copy, &skip,
	    err)) == NULL)
		return skip ? RENDER_SKIP : -1;
	ext = *pixman_region32_extents(area);
	render_src_place(img, bbox, &sa, SPICE_IMAGE_SCALE_MODE_NEAREST, &sx,
	    &sy);
	ss = render_scratch(img, sx + ext.x1 - bbox->x1, sy + ext.y1 - bbox->y1,
	    &ext, err);
	if (ss == NULL) {
		pixman_image_unref(img);
		free(copy);
		return -1;
	}
	scaled = render_scales(bbox, &sa);
	dstride = pixman_image_get_stride(dst) / 4;
	sstride = pixman_image_get_stride(ss) / 4;
	box = pixman_region32_rectangles(area, &n);
	for (i = 0; i < n; i++, box++)
		for (y = box->y1; y < box->y2; y++) {
			drow = pixman_image_get_data(dst) + (size_t)y * dstride;
			srow = pixman_image_get_data(ss) +
			    (size_t)(y - ext.y1) * sstride - ext.x1;
			for (x = box->x1; x < box->x2; x++)
				if ((srow[x] ^ key) & 0xffffff)
					drow[x] = srow[x];
		}
	key &= 0xffffff;
	/* Scaled, the viewer stretches the source itself (the part of img
	 * at sa: the transform on img does not apply to a copy of it). */
	pixman_image_set_transform(img, NULL);
	if (!render_surface_blend_report(r, surface, dst, area, 1, src, bbox,
	    &sa, 0, &key, 0))
		render_blend_report(r, surface, dst, area, 1, scaled ? img :
		    ss, 0, 0, scaled ? bbox : NULL, &sa, &key, 0);
	pixman_image_unref(ss);
	pixman_image_unref(img);
	free(copy);
	return 0;
}

/* img as format pf when it is a8r8g8b8 (a view on the same bits, img
 * kept alive by *keep), else img itself. */
static pixman_image_t *
render_view(pixman_image_t *img, pixman_format_code_t from,
    pixman_format_code_t pf, pixman_image_t **keep)
{
	pixman_image_t *v;

	*keep = NULL;
	if (pixman_image_get_format(img) != from)
		return img;
	v = pixman_image_create_bits(pf, pixman_image_get_width(img),
	    pixman_image_get_height(img), pixman_image_get_data(img),
	    pixman_image_get_stride(img));
	if (v == NULL)
		return img;
	*keep = img;
	return v;
}

static void
render_unview(pixman_image_t *img, pixman_image_t *keep)
{
	pixman_image_unref(img);
	if (keep != NULL)
		pixman_image_unref(keep);
}

int
render_alpha_blend(struct render *r, uint32_t surface,
    pixman_region32_t *area, const struct render_src *src,
    const pixman_box32_t *bbox, const pixman_box32_t *src_area,
    uint8_t alpha, uint16_t flags, struct spd_err *err)
{
	pixman_image_t *dst, *img, *mask = NULL, *dview, *keep, *dkeep;
	pixman_box32_t sa = *src_area;
	const pixman_box32_t *ext;
	pixman_color_t c = { 0, 0, 0, 0 };
	uint8_t *copy;
	int32_t sx, sy;
	int skip, scaled;

	if ((dst = render_surface(r, surface)) == NULL)
		return spd_err_set(err, "surface %u does not exist", surface);
	if (!pixman_region32_not_empty(area) || alpha == 0)
		return 0;
	if ((img = render_src_image(r, surface, src, &sa, &copy, &skip,
	    err)) == NULL)
		return skip ? RENDER_SKIP : -1;
	/* A surface's alpha counts only when the flags say so; a bitmap's
	 * is in its format (RGBA has one). */
	if (src->rs_is_surface && !(flags &
	    SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA))
		img = render_view(img, PIXMAN_a8r8g8b8, PIXMAN_x8r8g8b8, &keep);
	else
		keep = NULL;
	pixman_image_ref(dst);
	dview = (flags & SPICE_ALPHA_FLAGS_DEST_HAS_ALPHA) ?
	    render_view(dst, PIXMAN_x8r8g8b8, PIXMAN_a8r8g8b8, &dkeep) : dst;
	if (dview == dst)
		dkeep = NULL;
	if (alpha != 0xff) {
		c.alpha = (uint16_t)(alpha * 257);
		mask = pixman_image_create_solid_fill(&c);
	}
	render_src_place(img, bbox, &sa, SPICE_IMAGE_SCALE_MODE_NEAREST, &sx,
	    &sy);
	pixman_image_set_clip_region32(dview, area);
	pixman_image_composite32(PIXMAN_OP_OVER, img, mask, dview, sx, sy, 0,
	    0, bbox->x1, bbox->y1, bbox->x2 - bbox->x1, bbox->y2 - bbox->y1);
	pixman_image_set_clip_region32(dview, NULL);
	if (mask != NULL)
		pixman_image_unref(mask);
	render_unview(dview, dkeep);
	ext = pixman_region32_extents(area);
	scaled = render_scales(bbox, &sa);
	pixman_image_set_transform(img, NULL);
	if (!render_surface_blend_report(r, surface, dst, area,
	    !(flags & SPICE_ALPHA_FLAGS_DEST_HAS_ALPHA), src, bbox, &sa,
	    (flags & SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA) != 0, NULL,
	    alpha))
		render_blend_report(r, surface, dst, area,
		    !(flags & SPICE_ALPHA_FLAGS_DEST_HAS_ALPHA), img,
		    sx + ext->x1 - bbox->x1, sy + ext->y1 - bbox->y1,
		    scaled ? bbox : NULL, &sa, NULL, alpha);
	render_unview(img, keep);
	free(copy);
	return 0;
}

/* A QXLTransform's six 16.16 values as a pixman transform. */
static void
render_transform(pixman_image_t *img, const int32_t *t)
{
	pixman_transform_t xf;

	pixman_transform_init_identity(&xf);
	xf.matrix[0][0] = t[0];
	xf.matrix[0][1] = t[1];
	xf.matrix[0][2] = t[2];
	xf.matrix[1][0] = t[3];
	xf.matrix[1][1] = t[4];
	xf.matrix[1][2] = t[5];
	pixman_image_set_transform(img, &xf);
}

/* Filter and repeat of a composite image, from the flags at shift: both
 * pixman's numbers, as SPICE's canvas reads them (filter 0 FAST, which
 * samples the nearest pixel, or 1 GOOD, bilinear: qxl-cmd allows no
 * other). */
static void
render_sampling(pixman_image_t *img, uint32_t flags, int fshift,
    int rshift)
{
	pixman_image_set_filter(img, (pixman_filter_t)((flags >> fshift) & 7),
	    NULL, 0);
	pixman_image_set_repeat(img, (pixman_repeat_t)((flags >> rshift) & 3));
}

int
render_composite(struct render *r, uint32_t surface, pixman_region32_t *area,
    const pixman_box32_t *bbox, const struct render_src *src,
    const struct render_src *msrc, const struct qxl_cmd_composite *cp,
    struct spd_err *err)
{
	pixman_image_t *dst, *s, *m = NULL, *dview, *skeep = NULL, *dkeep;
	uint8_t *scopy = NULL, *mcopy = NULL;
	int skip, rc = -1;

	if ((dst = render_surface(r, surface)) == NULL)
		return spd_err_set(err, "surface %u does not exist", surface);
	if (!pixman_region32_not_empty(area))
		return 0;
	if ((s = render_src_image(r, surface, src, NULL, &scopy, &skip,
	    err)) == NULL)
		return skip ? RENDER_SKIP : -1;
	if (cp->flags & SPICE_COMPOSITE_SOURCE_OPAQUE)
		s = render_view(s, PIXMAN_a8r8g8b8, PIXMAN_x8r8g8b8, &skeep);
	if (cp->has_src_transform)
		render_transform(s, cp->src_transform);
	render_sampling(s, cp->flags, 8, 14);
	if (msrc != NULL) {
		if ((m = render_src_image(r, surface, msrc, NULL, &mcopy,
		    &skip, err)) == NULL) {
			spd_err_prefix(err, "mask");
			if (skip)
				rc = RENDER_SKIP;
			goto out;
		}
		if (cp->has_mask_transform)
			render_transform(m, cp->mask_transform);
		render_sampling(m, cp->flags, 11, 16);
		pixman_image_set_component_alpha(m, (cp->flags &
		    SPICE_COMPOSITE_COMPONENT_ALPHA) != 0);
	}
	pixman_image_ref(dst);
	dview = (cp->flags & SPICE_COMPOSITE_DEST_OPAQUE) ?
	    render_view(dst, PIXMAN_a8r8g8b8, PIXMAN_x8r8g8b8, &dkeep) : dst;
	if (dview == dst)
		dkeep = NULL;
	pixman_image_set_clip_region32(dview, area);
	pixman_image_composite32((pixman_op_t)(cp->flags & 0xff), s, m, dview,
	    cp->src_x, cp->src_y, cp->mask_x, cp->mask_y, bbox->x1, bbox->y1,
	    bbox->x2 - bbox->x1, bbox->y2 - bbox->y1);
	pixman_image_set_clip_region32(dview, NULL);
	render_unview(dview, dkeep);
	render_composite_report(r, surface, dst, area, bbox, s, m, cp);
	rc = 0;
out:
	if (m != NULL)
		pixman_image_unref(m);
	render_unview(s, skeep);
	free(scopy);
	free(mcopy);
	return rc;
}
