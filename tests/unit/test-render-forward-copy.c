/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-render-forward-copy: as test-render-forward, for the drawings
 * render forwards with a source image: COPY and BLEND with a raster
 * operation (the copy callback), stretched (the scaled callback), and
 * from an off-screen surface (the surface copy, surface blend and
 * off-screen callbacks), each replayed on the picture a viewer had and
 * compared with the worker's pixel by pixel.
 */
#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "qxl-cmd.h"
#include "render.h"
#include "render-replay.h"
#include "render-test.h"
#include "test-helper.h"

/* What the copy callback was told, replayed on the picture a viewer had
 * (t_replay_rop3). */
static int ncopy, ncopy_pat;

static void
on_copy(void *arg, const pixman_region32_t *area, pixman_image_t *src,
    uint32_t color, const struct render_pattern *pat, uint8_t rop3)
{
	pixman_region32_t *a = (pixman_region32_t *)area;
	const pixman_box32_t *ext = pixman_region32_extents(a);

	(void)arg;
	ASSERT_TRUE(pixman_region32_not_empty(a));
	ASSERT_INT_EQ(pixman_image_get_width(src), ext->x2 - ext->x1);
	ASSERT_INT_EQ(pixman_image_get_height(src), ext->y2 - ext->y1);
	ASSERT_TRUE(pixman_image_get_stride(src) > 0);
	ASSERT_TRUE(rop3 != 0xaa && color <= 0xffffff);
	ASSERT_TRUE(render_rop3_uses(rop3, 2));
	ncopy++;
	if (pat != NULL)
		ncopy_pat++;
	t_replay_rop3(area, src, color, pat, rop3);
}

/* COPY and BLEND with a raster operation, unscaled, go to the copy
 * callback with the part of their source over the area (a 16-bit source
 * as the 32 bits pixman reads it, a bbox off the corner, a clip), and so
 * do ROP3 and OPAQUE with a solid brush whose code reads the source; one
 * that does not goes to the fill callback; a viewer applying the
 * operation gets the worker's pixels.  OP_PUT of the source as it is, a
 * scaled one and one from the primary itself are damage. */
static void
test_copy_callback(void)
{
	uint32_t src[6 * 4];
	uint16_t s16[6 * 4];
	struct qxl_cmd_rect clip[2] = { { 0, 0, 3, 30 }, { 4, 0, 40, 2 } };
	struct qxl_cmd_rect pclip[2] = { { 0, 7, 8, 8 }, { 9, 6, 10, 10 } };
	static uint32_t big[1025 * 1024];
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	int i, nb;

	ASSERT_TRUE((replay = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H,
	    NULL, W * 4)) != NULL);
	render_set_damage(r, on_bdamage, NULL, NULL);
	render_set_copy(r, on_copy);
	render_set_fill(r, on_rfill);
	for (i = 0; i < 24; i++) {
		src[i] = 0x9e3779b9u * (uint32_t)(i + 1);
		s16[i] = (uint16_t)(0x1357 * (i + 1));
	}
	d = t_draw(QXL_DRAW_COPY, 10, 10, 16, 14);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 6, 4, 24);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 6, 4 };
	d.rop = SPICE_ROPD_OP_XOR;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy, 1);
	d.type = QXL_DRAW_BLEND;
	d.rop = SPICE_ROPD_OP_AND | SPICE_ROPD_INVERS_SRC;
	d.bbox = (struct qxl_cmd_rect){ -2, -1, 4, 3 };
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.clip = clip;
	d.nclip = 2;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy, 2);
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	d.rop = SPICE_ROPD_OP_PUT | SPICE_ROPD_INVERS_SRC;
	d.src = t_image(SPICE_BITMAP_FMT_16BIT, s16, 6, 4, 12);
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy, 3);

	/* ROP3 0xb8 (PSDPxax), 0x66 (DSx, a copy), 0x3c (PSx: no
	 * destination) and an OPAQUE XOR (P and S) with a solid brush go to
	 * the copy callback; 0x5a (PDx: no source) and an OPAQUE that puts
	 * the brush to the fill callback. */
	d = t_draw(QXL_DRAW_ROP3, 5, 6, 11, 10);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 6, 4, 24);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 6, 4 };
	d.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.brush.color = 0xff5a3c96u;
	d.rop3 = 0xb8;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy, 4);
	d.rop3 = 0x66;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy, 5);
	/* Clipped to nothing: nothing drawn, nothing reported. */
	d.rop3 = 0xb8;
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.nclip = 0;
	t_ok(r, &d);
	ASSERT_INT_EQ(ncopy, 5);
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	nb = nbdamage;
	d.rop3 = 0x5a;
	t_blend(r, &d);
	ASSERT_INT_EQ(nrfill, 1);
	d.rop3 = 0x3c;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy, 6);
	d.type = QXL_DRAW_OPAQUE;
	d.rop = SPICE_ROPD_OP_XOR;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy, 7);
	d.rop = SPICE_ROPD_OP_PUT | SPICE_ROPD_INVERS_BRUSH;
	t_blend(r, &d);
	ASSERT_INT_EQ(nrfill, 2);
	ASSERT_INT_EQ(nbdamage, nb);

	/* The same with a 3x2 pattern brush placed off the corner, bottom-up
	 * in memory: with its image, which the viewer tiles from the
	 * brush's position; clipped too. */
	d = t_draw(QXL_DRAW_ROP3, 5, 6, 11, 10);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 6, 4, 24);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 6, 4 };
	d.brush.type = SPICE_BRUSH_TYPE_PATTERN;
	d.brush.pat = t_image(SPICE_BITMAP_FMT_32BIT, src + 3, 3, 2, -12);
	d.brush.pos_x = 7;
	d.brush.pos_y = -3;
	d.rop3 = 0xb8;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy_pat, 1);
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.clip = pclip;
	d.nclip = 2;
	d.rop3 = 0x3c;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy_pat, 2);
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	d.rop3 = 0x5a;
	t_blend(r, &d);
	ASSERT_INT_EQ(nrfill, 3);
	d.type = QXL_DRAW_OPAQUE;
	d.rop = SPICE_ROPD_OP_AND | SPICE_ROPD_INVERS_RES;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy_pat, 3);
	/* 0x66 reads no brush: a copy without its image. */
	d.type = QXL_DRAW_ROP3;
	d.rop3 = 0x66;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncopy, 11);
	ASSERT_INT_EQ(ncopy_pat, 3);
	ASSERT_INT_EQ(nbdamage, nb);
	/* A pattern over RENDER_REPORT_MAX_PX is not copied for the
	 * viewers: damage. */
	d.rop3 = 0xb8;
	d.brush.pat = t_image(SPICE_BITMAP_FMT_32BIT, big, 1025, 1024,
	    1025 * 4);
	t_ok(r, &d);
	ASSERT_INT_EQ(ncopy, 11);
	ASSERT_INT_EQ(nbdamage, nb + 1);
	nb = nbdamage;

	d = t_draw(QXL_DRAW_BLEND, -2, -1, 4, 3);
	d.src = t_image(SPICE_BITMAP_FMT_16BIT, s16, 6, 4, 12);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 6, 4 };
	nb = nbdamage;
	d.rop = SPICE_ROPD_OP_PUT;
	t_ok(r, &d);
	d.rop = SPICE_ROPD_OP_OR;
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 3, 2 };	/* 2x */
	t_ok(r, &d);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 6, 4 };
	d.src.kind = QXL_CMD_SRC_SURFACE;
	d.src.surface_id = 0;
	d.src.width = W;
	d.src.height = H;
	t_ok(r, &d);
	ASSERT_INT_EQ(ncopy, 11);
	ASSERT_TRUE(nbdamage >= nb + 3);
	pixman_image_unref(replay);
	render_free(r);
}

/* What the scaled copy callback was told, replayed the way SPICE's canvas
 * stretches (pixman, the scale factor truncated, translated by the source
 * area's corner, no repeat, NEAREST or FILTER_GOOD). */
static int nscaled, nscaled_smooth;

static void
on_scaled(void *arg, const pixman_region32_t *area, const pixman_box32_t *bbox,
    pixman_image_t *src, const pixman_box32_t *sa, uint8_t scale_mode,
    uint8_t rop3)
{
	int sw = pixman_image_get_width(src), sh = pixman_image_get_height(src);
	int dw = bbox->x2 - bbox->x1, dh = bbox->y2 - bbox->y1;
	pixman_image_t *big;

	(void)arg;
	ASSERT_TRUE(pixman_region32_not_empty((pixman_region32_t *)area));
	ASSERT_TRUE((int64_t)sw * sh < (int64_t)dw * dh);
	ASSERT_TRUE(pixman_image_get_stride(src) > 0);
	ASSERT_TRUE(bbox->x1 >= 0 && bbox->y1 >= 0 && bbox->x2 <= W &&
	    bbox->y2 <= H);
	ASSERT_TRUE(sa->x1 >= 0 && sa->y1 >= 0 && sa->x2 <= sw &&
	    sa->y2 <= sh && sa->x1 < sa->x2 && sa->y1 < sa->y2);
	nscaled++;
	if (scale_mode == SPICE_IMAGE_SCALE_MODE_INTERPOLATE)
		nscaled_smooth++;
	/* Stretched over the area's extents, then combined. */
	big = t_stretch(src, sa, scale_mode == SPICE_IMAGE_SCALE_MODE_NEAREST ?
	    PIXMAN_FILTER_NEAREST : PIXMAN_FILTER_GOOD, bbox,
	    pixman_region32_extents((pixman_region32_t *)area));
	t_replay_rop3(area, big, 0, NULL, rop3);
	pixman_image_unref(big);
}

/* A COPY stretched larger, its bbox on the primary, goes to the scaled
 * callback with the source area's pixels (a 16-bit source as 32 bits,
 * the part of a larger bitmap, clipped; ratios the truncated factor
 * rounds; a raster operation), and, interpolated, with the pixel around
 * the area that bilinear sampling reads where the bitmap has it (an
 * RGBA source with its alpha, whose edges fade as they do in the
 * canvas); a viewer stretching it as the canvas does gets the worker's
 * pixels.  Made smaller, a bbox off the primary or a source on the
 * primary itself are damage. */
static void
test_scaled_callback(void)
{
	uint32_t src[7 * 5], rgba[7 * 5];
	uint16_t s16[7 * 5];
	struct qxl_cmd_rect clip[2] = { { 0, 0, 9, 30 }, { 12, 3, 40, 11 } };
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	int i, nb;

	ASSERT_TRUE((replay = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H,
	    NULL, W * 4)) != NULL);
	render_set_damage(r, on_bdamage, NULL, NULL);
	render_set_scaled(r, on_scaled);
	for (i = 0; i < 35; i++) {
		src[i] = 0x9e3779b9u * (uint32_t)(i + 1);
		s16[i] = (uint16_t)(0x1357 * (i + 1));
	}
	d = t_draw(QXL_DRAW_COPY, 2, 3, 16, 13);	/* 7x5 to 14x10 */
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 7, 5, 28);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 7, 5 };
	d.rop = SPICE_ROPD_OP_PUT;
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
	t_blend(r, &d);
	ASSERT_INT_EQ(nscaled, 1);
	d.bbox = (struct qxl_cmd_rect){ 5, 1, 38, 29 };	/* 5x4 to 33x28 */
	d.src_area = (struct qxl_cmd_rect){ 1, 1, 6, 5 };
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.clip = clip;
	d.nclip = 2;
	t_blend(r, &d);
	ASSERT_INT_EQ(nscaled, 2);
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	d.type = QXL_DRAW_BLEND;
	d.src = t_image(SPICE_BITMAP_FMT_16BIT, s16, 7, 5, 14);
	d.bbox = (struct qxl_cmd_rect){ 0, 0, 11, 17 };	/* 5x4 to 11x17 */
	t_blend(r, &d);
	ASSERT_INT_EQ(nscaled, 3);
	/* With a raster operation (the source inverted, XOR), clipped. */
	d.rop = SPICE_ROPD_OP_XOR | SPICE_ROPD_INVERS_SRC;
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	t_blend(r, &d);
	ASSERT_INT_EQ(nscaled, 4);
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	d.rop = SPICE_ROPD_OP_PUT;

	/* Interpolated: inside a larger bitmap (a pixel around on every
	 * side), at its edges (none beyond), 16-bit, with alpha, with a
	 * raster operation, clipped. */
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_INTERPOLATE;
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 7, 5, 28);
	d.src_area = (struct qxl_cmd_rect){ 2, 1, 5, 4 };	/* 3x3 */
	d.bbox = (struct qxl_cmd_rect){ 3, 4, 33, 29 };
	t_blend(r, &d);
	ASSERT_INT_EQ(nscaled_smooth, 1);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 7, 5 };
	d.bbox = (struct qxl_cmd_rect){ 1, 2, 39, 27 };
	t_blend(r, &d);
	d.src = t_image(SPICE_BITMAP_FMT_16BIT, s16, 7, 5, 14);
	d.src_area = (struct qxl_cmd_rect){ 1, 1, 6, 5 };
	d.bbox = (struct qxl_cmd_rect){ 0, 0, 23, 17 };
	t_blend(r, &d);
	for (i = 0; i < 35; i++)	/* premultiplied, alpha 0 to 238 */
		rgba[i] = (uint32_t)(i * 7) << 24 | (src[i] & 0xffffff &
		    (0x010101u * (uint32_t)(i * 7)));
	d.src = t_image(SPICE_BITMAP_FMT_RGBA, rgba, 7, 5, 28);
	d.src_area = (struct qxl_cmd_rect){ 0, 1, 5, 4 };
	d.bbox = (struct qxl_cmd_rect){ 2, 2, 31, 25 };
	t_blend(r, &d);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 7, 5, 28);
	d.rop = SPICE_ROPD_OP_XOR;
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	t_blend(r, &d);
	ASSERT_INT_EQ(nscaled_smooth, 5);
	ASSERT_INT_EQ(nscaled, 9);
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	d.rop = SPICE_ROPD_OP_PUT;
	d.src = t_image(SPICE_BITMAP_FMT_16BIT, s16, 7, 5, 14);
	d.src_area = (struct qxl_cmd_rect){ 1, 1, 6, 5 };

	nb = nbdamage;
	d.bbox = (struct qxl_cmd_rect){ 0, 0, 5, 3 };	/* smaller */
	t_ok(r, &d);
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
	d.bbox = (struct qxl_cmd_rect){ 0, 0, 4, 3 };
	t_ok(r, &d);
	d.bbox = (struct qxl_cmd_rect){ -2, 0, 11, 17 };	/* off the primary */
	t_ok(r, &d);
	d.bbox = (struct qxl_cmd_rect){ 0, 0, 11, 17 };
	d.src.kind = QXL_CMD_SRC_SURFACE;
	d.src.surface_id = 0;
	d.src.width = W;
	d.src.height = H;
	t_ok(r, &d);
	ASSERT_INT_EQ(nscaled, 9);
	ASSERT_INT_EQ(nbdamage, nb + 4);
	pixman_image_unref(replay);
	render_free(r);
}

/* What the surface copy and off-screen callbacks were told. */
static int nsurf, nsurf_scaled, noff, noff_gone;
static struct render *surf_r;
static pixman_region32_t off_changed;

/* A copy from the worker's off-screen surface (not drawn on by the
 * copy), replayed as the canvas copies from the viewer's. */
static void
on_surface_copy(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, uint32_t id, const pixman_box32_t *sa,
    uint8_t scale_mode, uint8_t rop3)
{
	pixman_region32_t *a = (pixman_region32_t *)area;
	const pixman_box32_t *ext = pixman_region32_extents(a);
	pixman_image_t *s, *copy, *big;
	int sw, sh;

	(void)arg;
	ASSERT_TRUE(id != 0 && (s = render_surface(surf_r, id)) != NULL);
	sw = pixman_image_get_width(s);
	sh = pixman_image_get_height(s);
	ASSERT_TRUE(pixman_region32_not_empty(a));
	ASSERT_TRUE(bbox->x1 >= 0 && bbox->y1 >= 0 && bbox->x2 <= W &&
	    bbox->y2 <= H);
	ASSERT_TRUE(ext->x1 >= bbox->x1 && ext->y1 >= bbox->y1 &&
	    ext->x2 <= bbox->x2 && ext->y2 <= bbox->y2);
	ASSERT_TRUE(sa->x1 >= 0 && sa->y1 >= 0 && sa->x2 <= sw &&
	    sa->y2 <= sh && sa->x1 < sa->x2 && sa->y1 < sa->y2);
	ASSERT_TRUE(render_rop3_uses(rop3, 2) && !render_rop3_uses(rop3, 4));
	ASSERT_TRUE((copy = pixman_image_create_bits(pixman_image_get_format(
	    s), sw, sh, NULL, 0)) != NULL);
	pixman_image_composite32(PIXMAN_OP_SRC, s, NULL, copy, 0, 0, 0, 0, 0,
	    0, sw, sh);
	if (bbox->x2 - bbox->x1 == sa->x2 - sa->x1 &&
	    bbox->y2 - bbox->y1 == sa->y2 - sa->y1) {
		ASSERT_INT_EQ(scale_mode, SPICE_IMAGE_SCALE_MODE_NEAREST);
		ASSERT_TRUE((big = pixman_image_create_bits(PIXMAN_x8r8g8b8,
		    ext->x2 - ext->x1, ext->y2 - ext->y1, NULL, 0)) != NULL);
		pixman_image_composite32(PIXMAN_OP_SRC, copy, NULL, big,
		    sa->x1 + ext->x1 - bbox->x1, sa->y1 + ext->y1 - bbox->y1,
		    0, 0, 0, 0, ext->x2 - ext->x1, ext->y2 - ext->y1);
	} else {
		ASSERT_TRUE(scale_mode == SPICE_IMAGE_SCALE_MODE_NEAREST ||
		    (scale_mode == SPICE_IMAGE_SCALE_MODE_INTERPOLATE &&
		    pixman_image_get_format(s) == PIXMAN_x8r8g8b8));
		nsurf_scaled++;
		big = t_stretch(copy, sa, scale_mode ==
		    SPICE_IMAGE_SCALE_MODE_NEAREST ? PIXMAN_FILTER_NEAREST :
		    PIXMAN_FILTER_GOOD, bbox, ext);
	}
	nsurf++;
	t_replay_rop3(area, big, 0, NULL, rop3);
	pixman_image_unref(big);
	pixman_image_unref(copy);
}

/* A colour key or an alpha blend from the worker's off-screen surface,
 * its alpha not counted, replayed as on_blend replays one. */
static int nsurf_blend;

static void
on_surface_blend(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, uint32_t id, const pixman_box32_t *sa,
    const uint32_t *key, uint8_t alpha)
{
	const pixman_box32_t *ext = pixman_region32_extents(
	    (pixman_region32_t *)area);
	pixman_image_t *s, *copy, *big;
	int sw, sh;

	ASSERT_TRUE(id != 0 && (s = render_surface(surf_r, id)) != NULL);
	sw = pixman_image_get_width(s);
	sh = pixman_image_get_height(s);
	ASSERT_TRUE(sa->x1 >= 0 && sa->y1 >= 0 && sa->x2 <= sw &&
	    sa->y2 <= sh && sa->x1 < sa->x2 && sa->y1 < sa->y2);
	ASSERT_TRUE((copy = pixman_image_create_bits(PIXMAN_x8r8g8b8, sw, sh,
	    NULL, 0)) != NULL);
	pixman_image_composite32(PIXMAN_OP_SRC, s, NULL, copy, 0, 0, 0, 0, 0,
	    0, sw, sh);
	if (bbox == NULL) {
		ASSERT_INT_EQ(sa->x2 - sa->x1, ext->x2 - ext->x1);
		ASSERT_INT_EQ(sa->y2 - sa->y1, ext->y2 - ext->y1);
		ASSERT_TRUE((big = pixman_image_create_bits(PIXMAN_x8r8g8b8,
		    ext->x2 - ext->x1, ext->y2 - ext->y1, NULL, 0)) != NULL);
		pixman_image_composite32(PIXMAN_OP_SRC, copy, NULL, big,
		    sa->x1, sa->y1, 0, 0, 0, 0, ext->x2 - ext->x1,
		    ext->y2 - ext->y1);
	} else {
		ASSERT_TRUE(bbox->x1 >= 0 && bbox->y1 >= 0 && bbox->x2 <= W &&
		    bbox->y2 <= H);
		ASSERT_TRUE((int64_t)(sa->x2 - sa->x1) * (sa->y2 - sa->y1) <
		    (int64_t)(bbox->x2 - bbox->x1) * (bbox->y2 - bbox->y1));
		big = t_stretch(copy, sa, PIXMAN_FILTER_NEAREST, bbox, ext);
	}
	nsurf_blend++;
	on_blend(arg, area, big, NULL, key, alpha);
	pixman_image_unref(big);
	pixman_image_unref(copy);
}

static void
on_offscreen(void *arg, uint32_t id, const pixman_region32_t *changed)
{
	(void)arg;
	ASSERT_INT_EQ(id, 1);
	if (changed == NULL) {
		noff_gone++;
		return;
	}
	pixman_region32_union(&off_changed, &off_changed,
	    (pixman_region32_t *)changed);
	noff++;
}

/* A COPY or BLEND from an off-screen surface onto the primary goes to
 * the surface copy callback with the surface's id and the source area, a
 * TRANSPARENT or an ALPHA_BLEND (from an xRGB surface without the flag
 * that makes its fourth byte alpha) to the surface blend callback:
 * unscaled (a box cut to the area when clipped or partly off the
 * primary, with a raster operation), stretched by nearest sampling or
 * interpolated, larger or smaller, and a viewer copying from its own copy of the surface
 * the canvas's way gets the worker's pixels; interpolated from an ARGB
 * surface, or stretched with a bbox off the primary, it is not.  A
 * drawing on the surface reports all it could touch to the off-screen
 * callback, even one that failed; its destruction reports NULL. */
static void
test_surface_callback(void)
{
	uint32_t pix[12 * 10];
	struct qxl_cmd_rect clip[2] = { { 0, 0, 9, 30 }, { 12, 3, 40, 11 } };
	struct qxl_cmd_draw d;
	struct spd_err err;
	pixman_box32_t e;
	int i, nb, nc;

	surf_r = t_primary();
	ASSERT_TRUE((replay = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H,
	    NULL, W * 4)) != NULL);
	render_set_damage(surf_r, on_bdamage, NULL, NULL);
	render_set_surfaces(surf_r, on_surface_copy, on_surface_blend,
	    on_offscreen);
	render_set_blend(surf_r, on_blend);
	pixman_region32_init(&off_changed);
	for (i = 0; i < 12 * 10; i++)
		pix[i] = 0x9e3779b9u * (uint32_t)(i + 1);
	ASSERT_INT_EQ(render_surface_create(surf_r, 1, 12, 10,
	    SPICE_SURFACE_FMT_32_xRGB, (const uint8_t *)pix, 48, &err), 0);
	d = t_draw(QXL_DRAW_COPY, 3, 4, 13, 12);
	d.src.kind = QXL_CMD_SRC_SURFACE;
	d.src.surface_id = 1;
	d.src.width = 12;
	d.src.height = 10;
	d.src_area = (struct qxl_cmd_rect){ 1, 2, 11, 10 };
	d.rop = SPICE_ROPD_OP_PUT;
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_INTERPOLATE;
	t_blend(surf_r, &d);
	ASSERT_INT_EQ(nsurf, 1);
	/* Clipped, partly off the primary, with XOR of the inverted
	 * source: the box cut to the area, the source area with it. */
	d.bbox = (struct qxl_cmd_rect){ 33, 25, 43, 33 };
	t_blend(surf_r, &d);
	d.bbox = (struct qxl_cmd_rect){ -3, -2, 7, 6 };
	t_blend(surf_r, &d);
	d.bbox = (struct qxl_cmd_rect){ 5, 2, 15, 10 };
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.clip = clip;
	d.nclip = 2;
	d.type = QXL_DRAW_BLEND;
	d.rop = SPICE_ROPD_OP_XOR | SPICE_ROPD_INVERS_SRC;
	t_blend(surf_r, &d);
	ASSERT_INT_EQ(nsurf, 4);
	ASSERT_INT_EQ(nsurf_scaled, 0);
	/* Stretched: nearest, interpolated (the pixel around the source
	 * area read where the surface has it), clipped, with a ROP. */
	d.type = QXL_DRAW_COPY;
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	d.rop = SPICE_ROPD_OP_PUT;
	d.bbox = (struct qxl_cmd_rect){ 2, 1, 37, 29 };
	d.src_area = (struct qxl_cmd_rect){ 2, 3, 9, 8 };
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
	t_blend(surf_r, &d);
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_INTERPOLATE;
	t_blend(surf_r, &d);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 12, 10 };
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.rop = SPICE_ROPD_OP_AND;
	t_blend(surf_r, &d);
	/* Made smaller, nearest and interpolated: a viewer that holds the
	 * surface copies from it as well. */
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	d.rop = SPICE_ROPD_OP_PUT;
	d.bbox = (struct qxl_cmd_rect){ 20, 10, 27, 15 };
	t_blend(surf_r, &d);
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
	t_blend(surf_r, &d);
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_INTERPOLATE;
	ASSERT_INT_EQ(nsurf, 9);
	ASSERT_INT_EQ(nsurf_scaled, 5);
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	d.rop = SPICE_ROPD_OP_PUT;

	/* Colour keys and alpha blends from the surface: unscaled (the
	 * box cut to a clipped area), stretched. */
	d.type = QXL_DRAW_TRANSPARENT;
	d.transparent_color = pix[3 * 12 + 4] & 0xffffff;
	d.bbox = (struct qxl_cmd_rect){ 3, 4, 13, 12 };
	d.src_area = (struct qxl_cmd_rect){ 1, 2, 11, 10 };
	t_blend(surf_r, &d);
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.bbox = (struct qxl_cmd_rect){ 5, 2, 15, 10 };
	t_blend(surf_r, &d);
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	d.bbox = (struct qxl_cmd_rect){ -2, -3, 8, 5 };
	t_blend(surf_r, &d);
	d.bbox = (struct qxl_cmd_rect){ 2, 1, 37, 29 };
	d.src_area = (struct qxl_cmd_rect){ 2, 3, 9, 8 };
	t_blend(surf_r, &d);
	d.type = QXL_DRAW_ALPHA_BLEND;
	d.alpha = 0x80;
	t_blend(surf_r, &d);
	d.bbox = (struct qxl_cmd_rect){ -3, 6, 4, 11 };
	d.alpha = 0xff;
	t_blend(surf_r, &d);
	ASSERT_INT_EQ(nsurf_blend, 6);
	nc = nblend;
	d.alpha_flags = SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA;
	t_blend(surf_r, &d);	/* its fourth byte as alpha at the viewer */
	ASSERT_INT_EQ(nsurf_blend, 6);
	ASSERT_INT_EQ(nblend, nc + 1);
	d.alpha_flags = 0;
	d.type = QXL_DRAW_COPY;
	d.alpha = 0;
	d.bbox = (struct qxl_cmd_rect){ 2, 1, 37, 29 };
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 12, 10 };

	/* Stretched with a bbox off the primary: damage. */
	nb = nbdamage;
	d.bbox = (struct qxl_cmd_rect){ -3, 1, 37, 29 };
	t_ok(surf_r, &d);
	ASSERT_INT_EQ(nsurf, 9);
	ASSERT_INT_EQ(nbdamage, nb + 1);

	/* Drawings on the surface: all they could touch, the surface's
	 * part of their bbox (a fill, a copy from the primary, one that
	 * fails: a source area outside its source). */
	ASSERT_INT_EQ(noff, 0);
	d = t_draw(QXL_DRAW_FILL, 8, 6, 20, 20);
	d.surface_id = 1;
	d.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.brush.color = 0x123456;
	d.rop = SPICE_ROPD_OP_PUT;
	t_ok(surf_r, &d);
	ASSERT_INT_EQ(noff, 1);
	e = *pixman_region32_extents(&off_changed);
	ASSERT_TRUE(e.x1 == 8 && e.y1 == 6 && e.x2 == 12 && e.y2 == 10);
	pixman_region32_clear(&off_changed);
	d = t_draw(QXL_DRAW_COPY, 0, 0, 4, 3);
	d.surface_id = 1;
	d.src.kind = QXL_CMD_SRC_SURFACE;
	d.src.surface_id = 0;
	d.src.width = W;
	d.src.height = H;
	d.src_area = (struct qxl_cmd_rect){ W - 4, 0, W, 3 };
	d.rop = SPICE_ROPD_OP_PUT;
	t_ok(surf_r, &d);
	ASSERT_INT_EQ(noff, 2);
	d.src_area = (struct qxl_cmd_rect){ W - 3, 0, W + 1, 3 };
	ASSERT_INT_EQ(render_draw(surf_r, &d, &err), -1);
	ASSERT_INT_EQ(noff, 3);
	e = *pixman_region32_extents(&off_changed);
	ASSERT_TRUE(e.x1 == 0 && e.y1 == 0 && e.x2 == 4 && e.y2 == 3);

	/* ARGB: unscaled and nearest from the viewer's; interpolated, the
	 * result (alpha weighs). */
	nc = nsurf;
	ASSERT_INT_EQ(render_surface_destroy(surf_r, 1, &err), 0);
	ASSERT_INT_EQ(noff_gone, 1);
	ASSERT_INT_EQ(render_surface_create(surf_r, 1, 12, 10,
	    SPICE_SURFACE_FMT_32_ARGB, (const uint8_t *)pix, 48, &err), 0);
	d = t_draw(QXL_DRAW_COPY, 3, 4, 13, 12);
	d.src.kind = QXL_CMD_SRC_SURFACE;
	d.src.surface_id = 1;
	d.src.width = 12;
	d.src.height = 10;
	d.src_area = (struct qxl_cmd_rect){ 1, 2, 11, 10 };
	d.rop = SPICE_ROPD_OP_PUT;
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_INTERPOLATE;
	t_blend(surf_r, &d);
	d.bbox = (struct qxl_cmd_rect){ 2, 1, 37, 29 };
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
	t_blend(surf_r, &d);
	ASSERT_INT_EQ(nsurf, nc + 2);
	nb = nbdamage;
	d.scale_mode = SPICE_IMAGE_SCALE_MODE_INTERPOLATE;
	t_ok(surf_r, &d);
	ASSERT_INT_EQ(nsurf, nc + 2);
	ASSERT_INT_EQ(nbdamage, nb + 1);
	/* ... a colour key from it, from the viewer's; an alpha blend, with
	 * the pixels (the canvas blends through an ARGB surface's alpha
	 * whatever the flags say), with the flag or without. */
	nc = nblend;
	d.type = QXL_DRAW_TRANSPARENT;
	d.bbox = (struct qxl_cmd_rect){ 3, 4, 13, 12 };
	d.src_area = (struct qxl_cmd_rect){ 1, 2, 11, 10 };
	t_blend(surf_r, &d);
	ASSERT_INT_EQ(nsurf_blend, 7);
	d.type = QXL_DRAW_ALPHA_BLEND;
	d.alpha = 0xc0;
	t_blend(surf_r, &d);
	d.alpha_flags = SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA;
	t_blend(surf_r, &d);
	ASSERT_INT_EQ(nsurf_blend, 7);
	ASSERT_INT_EQ(nblend, nc + 3);

	pixman_region32_fini(&off_changed);
	pixman_image_unref(replay);
	render_free(surf_r);
	ASSERT_INT_EQ(noff_gone, 1);	/* its owner is gone: not told */
}

int
main(void)
{
	test_seed();
	test_copy_callback();
	test_scaled_callback();
	test_surface_callback();
	printf("test-render-forward-copy: ok\n");
	return 0;
}
