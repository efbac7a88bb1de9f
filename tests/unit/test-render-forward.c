/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-render-forward: what workers/display/render*.c tells display-out
 * of a drawing a viewer can draw the same from its operation (the text,
 * fill, stroke, blend, composite, copy, scaled and surface copy
 * callbacks, and what changed on off-screen surfaces): each
 * drawing made on a patterned primary, what the callback was told
 * replayed the way spice-common's canvas draws it onto the picture a
 * viewer had, and the two pictures compared pixel by pixel; what stays
 * damage.
 */
#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "qxl-cmd.h"
#include "render.h"
#include "render-test.h"
#include "test-helper.h"

/* What the text and fill callbacks and the damage callback were told. */
static int ntext, ntfill, ntdamage;
static uint32_t text_fore, text_back;
static int text_has_back;
static pixman_region32_t text_area;

static void
on_text(void *arg, const pixman_region32_t *area,
    const struct qxl_cmd_text *t, uint32_t fore, const uint32_t *back)
{
	(void)t;
	ASSERT_TRUE(arg == &ntext);
	pixman_region32_copy(&text_area, (pixman_region32_t *)area);
	text_fore = fore;
	text_has_back = back != NULL;
	text_back = back != NULL ? *back : 0;
	ntext++;
}

static void
on_tfill(void *arg, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, uint8_t rop3)
{
	ASSERT_TRUE(arg == &ntext);
	ASSERT_TRUE(pat == NULL);
	ASSERT_INT_EQ(rop3, 0xf0);
	pixman_region32_copy(&text_area, (pixman_region32_t *)area);
	text_back = color;
	ntfill++;
}

static void
on_tdamage(void *arg, const pixman_region32_t *area)
{
	(void)area;
	ASSERT_TRUE(arg == &ntext);
	ntdamage++;
}

/* With a text callback, a string of A1 or A4 glyphs in solid brushes is
 * reported to it (the area, the colours without their top byte, the back
 * only where back_area meets the area); A8 glyphs (which spice-common's
 * canvas reads a row off), pattern brushes and text off the primary are
 * damage; a string without a fore brush is the fill of its back. */
static void
test_text_callback(void)
{
	/* Two A1 rows; the rest for the 3-pixel A8 rows the glyph is read
	 * as below (the parser would refuse it short). */
	uint8_t a1[2 * 4] = { 0xc0, 0x80, 0x81, 0x00 };
	struct qxl_cmd_glyph g = { 2, 3, 9, 2, a1 + 2, -2 };
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	pixman_box32_t want = { 0, 0, 12, 10 };

	pixman_region32_init(&text_area);
	render_set_damage(r, on_tdamage, NULL, &ntext);
	render_set_fill(r, on_tfill);
	render_set_text(r, on_text);
	d = t_draw(QXL_DRAW_TEXT, 0, 0, 12, 10);
	d.text.flags = SPICE_STRING_FLAGS_RASTER_A1;
	d.text.nglyphs = 1;
	d.text.glyphs = &g;
	d.text.fore.type = SPICE_BRUSH_TYPE_SOLID;
	d.text.fore.color = 0xff20a0f0;
	t_ok(r, &d);
	ASSERT_INT_EQ(ntext, 1);
	ASSERT_INT_EQ(ntdamage, 0);
	ASSERT_INT_EQ(text_fore, 0x20a0f0);
	ASSERT_INT_EQ(text_has_back, 0);
	ASSERT_TRUE(pixman_region32_equal(&text_area,
	    &(pixman_region32_t){ want, NULL }));

	/* A back area beside the box is none; one across it is. */
	d.text.back.type = SPICE_BRUSH_TYPE_SOLID;
	d.text.back.color = 0x80101010;
	d.text.back_area = (struct qxl_cmd_rect){ 20, 0, 30, 10 };
	t_ok(r, &d);
	ASSERT_INT_EQ(ntext, 2);
	ASSERT_INT_EQ(text_has_back, 0);
	d.text.back_area = (struct qxl_cmd_rect){ 0, 0, 4, 30 };
	t_ok(r, &d);
	ASSERT_INT_EQ(ntext, 3);
	ASSERT_INT_EQ(text_has_back, 1);
	ASSERT_INT_EQ(text_back, 0x101010);
	ASSERT_INT_EQ(RGB(px(r, 0, 9)), 0x101010);

	/* A4 too. */
	d.text.flags = SPICE_STRING_FLAGS_RASTER_A4;
	g.width = 3;
	t_ok(r, &d);
	ASSERT_INT_EQ(ntext, 4);
	ASSERT_INT_EQ(ntdamage, 0);

	/* A8, a pattern brush: damage. */
	d.text.flags = SPICE_STRING_FLAGS_RASTER_A8;
	t_ok(r, &d);
	ASSERT_INT_EQ(ntdamage, 1);
	d.text.flags = SPICE_STRING_FLAGS_RASTER_A1;
	d.text.back.type = SPICE_BRUSH_TYPE_PATTERN;
	d.text.back.pat = t_image(SPICE_BITMAP_FMT_32BIT, a1, 1, 1, 4);
	t_ok(r, &d);
	ASSERT_INT_EQ(ntdamage, 2);
	ASSERT_INT_EQ(ntext, 4);

	/* No fore brush: the back area's part, a fill. */
	d.text.back.type = SPICE_BRUSH_TYPE_SOLID;
	d.text.fore.type = SPICE_BRUSH_TYPE_NONE;
	t_ok(r, &d);
	ASSERT_INT_EQ(ntfill, 1);
	ASSERT_INT_EQ(text_back, 0x101010);
	want = (pixman_box32_t){ 0, 0, 4, 10 };
	ASSERT_TRUE(pixman_region32_equal(&text_area,
	    &(pixman_region32_t){ want, NULL }));
	ASSERT_INT_EQ(ntext, 4);
	ASSERT_INT_EQ(ntdamage, 2);
	render_free(r);
	pixman_region32_fini(&text_area);
}

static int npfill;
static uint8_t pfill_rop3;
static int pfill_has_pat;
static int32_t pfill_x, pfill_y;

static void
on_pfill(void *arg, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, uint8_t rop3)
{
	(void)arg;
	(void)area;
	(void)color;
	npfill++;
	pfill_rop3 = rop3;
	pfill_has_pat = pat != NULL;
	if (pat != NULL) {
		pfill_x = pat->rp_x;
		pfill_y = pat->rp_y;
		ASSERT_INT_EQ(pixman_image_get_width(pat->rp_img), 2);
		ASSERT_TRUE(pixman_image_get_stride(pat->rp_img) > 0);
		ASSERT_INT_EQ(RGB(pixman_image_get_data(pat->rp_img)[1]),
		    0x00ff00);
	}
}

/* A FILL with a pattern brush is reported to the fill callback with its
 * image and position when the result reads the brush, without when it
 * does not (BLACKNESS spelt as a descriptor). */
static void
test_pattern_callback(void)
{
	static const uint32_t pat[2 * 2] = {
		0xff0000, 0x00ff00, 0x0000ff, 0xffffff,
	}, flipped[2 * 2] = {
		0x0000ff, 0xffffff, 0xff0000, 0x00ff00,
	};
	struct qxl_cmd_draw d;
	struct render *r = t_primary();

	render_set_fill(r, on_pfill);
	d = t_draw(QXL_DRAW_FILL, 3, 4, 20, 9);
	d.brush.type = SPICE_BRUSH_TYPE_PATTERN;
	d.brush.pat = t_image(SPICE_BITMAP_FMT_32BIT, pat, 2, 2, 8);
	d.brush.pos_x = -1;
	d.brush.pos_y = 5;
	d.rop = SPICE_ROPD_OP_XOR;
	t_ok(r, &d);
	ASSERT_INT_EQ(npfill, 1);
	ASSERT_INT_EQ(pfill_rop3, 0x5a);
	ASSERT_INT_EQ(pfill_has_pat, 1);
	ASSERT_INT_EQ(pfill_x, -1);
	ASSERT_INT_EQ(pfill_y, 5);
	/* Pixel (3, 4): pattern pixel ((3 + 1) % 2, (4 - 5) mod 2). */
	ASSERT_INT_EQ(RGB(px(r, 3, 4)), pattern(3, 4) ^ 0x0000ff);
	d.rop = SPICE_ROPD_OP_BLACKNESS;
	t_ok(r, &d);
	ASSERT_INT_EQ(npfill, 2);
	ASSERT_INT_EQ(pfill_rop3, 0x00);
	ASSERT_INT_EQ(pfill_has_pat, 0);
	/* The same pattern bottom-up in memory: the callback gets it
	 * top-down (its pixel 1 of the top row green as before). */
	d.brush.pat = t_image(SPICE_BITMAP_FMT_32BIT, flipped + 2, 2, 2, -8);
	d.rop = SPICE_ROPD_OP_PUT;
	t_ok(r, &d);
	ASSERT_INT_EQ(npfill, 3);
	ASSERT_INT_EQ(pfill_has_pat, 1);
	ASSERT_INT_EQ(RGB(px(r, 4, 5)), 0x00ff00);
	render_free(r);
}

/* What the stroke callback was told. */
static int nstroke, nsdamage, stroke_twice_px;
static uint8_t stroke_rop3;

static void
on_stroke(void *arg, const pixman_region32_t *area,
    const pixman_region32_t *drawn, const pixman_region32_t *twice,
    const struct qxl_cmd_stroke *st, uint32_t color, uint8_t rop3)
{
	pixman_region32_t out;
	pixman_box32_t *b;
	int i, n;

	(void)arg;
	(void)st;
	stroke_twice_px = 0;
	if (twice != NULL) {
		pixman_region32_init(&out);
		pixman_region32_subtract(&out, (pixman_region32_t *)twice,
		    (pixman_region32_t *)drawn);
		ASSERT_TRUE(!pixman_region32_not_empty(&out));
		pixman_region32_fini(&out);
		b = pixman_region32_rectangles((pixman_region32_t *)twice, &n);
		for (i = 0; i < n; i++)
			stroke_twice_px += (b[i].x2 - b[i].x1) *
			    (b[i].y2 - b[i].y1);
		ASSERT_TRUE(stroke_twice_px > 0);
	}
	ASSERT_TRUE(pixman_region32_not_empty((pixman_region32_t *)drawn));
	ASSERT_TRUE(pixman_region32_contains_rectangle(
	    (pixman_region32_t *)area, pixman_region32_extents(
	    (pixman_region32_t *)drawn)) == PIXMAN_REGION_IN);
	ASSERT_INT_EQ(color, 0x123456);
	stroke_rop3 = rop3;
	nstroke++;
}

static void
on_sdamage(void *arg, const pixman_region32_t *area)
{
	(void)arg;
	(void)area;
	nsdamage++;
}

/* A path that SPICE's canvas would draw the same (lines, not dashed, on
 * the primary) goes to the stroke callback, Bezier curves too; with a
 * raster operation that painted twice is not painted once (XOR) the
 * pixels two lines paint go with it (none at a closed rectangle's
 * corners; where two lines cross, and near where two meet at a sharp
 * angle; none under AND, where painting twice is painting once); a curve the canvas would split without end,
 * dashes or a point off the primary are damage; points before any BEGIN
 * are not drawn (the canvas would start a line there), so not forwarded
 * either. */
static void
test_stroke_callback(void)
{
	struct qxl_cmd_pointfix pts[4] = { { FX(2), FX(3) },
	    { FX(10), FX(3) }, { FX(10), FX(9) }, { FX(3), FX(20) } };
	struct qxl_cmd_pointfix line2[2] = { { FX(2), FX(3) },
	    { FX(10), FX(3) } }, dot3[3] = { { FX(10), FX(3) },
	    { FX(10), FX(3) }, { FX(10), FX(3) } };
	struct qxl_cmd_pathseg two[2] = { { SPICE_PATH_BEGIN, 2, line2 },
	    { SPICE_PATH_BEZIER | SPICE_PATH_END, 3, dot3 } };
	struct qxl_cmd_pathseg seg = { SPICE_PATH_BEGIN | SPICE_PATH_END, 3,
	    pts };
	struct qxl_cmd_draw d = t_draw(QXL_DRAW_STROKE, 0, 0, W, H);
	struct render *r = t_primary();
	int32_t style[2] = { FX(2), FX(1) };

	render_set_damage(r, on_sdamage, NULL, NULL);
	render_set_stroke(r, on_stroke);
	d.stroke.nsegs = 1;
	d.stroke.segs = &seg;
	d.stroke.points = pts;
	d.stroke.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.stroke.brush.color = 0xff123456;
	d.stroke.fore_mode = SPICE_ROPD_OP_PUT;
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 1);
	ASSERT_INT_EQ(stroke_rop3, 0xf0);
	ASSERT_INT_EQ(nsdamage, 0);
	d.stroke.fore_mode = SPICE_ROPD_OP_PUT | SPICE_ROPD_INVERS_BRUSH;
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 2);
	ASSERT_INT_EQ(stroke_rop3, 0x0f);

	d.stroke.fore_mode = SPICE_ROPD_OP_XOR;
	seg.flags |= SPICE_PATH_CLOSE;
	seg.count = 4;
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 3);
	ASSERT_INT_EQ(stroke_rop3, 0x5a);
	ASSERT_INT_EQ(stroke_twice_px, 0);
	ASSERT_INT_EQ(nsdamage, 0);
	pts[2].x = FX(1);	/* the second line crosses the fourth,
				 * which meets the third at a sharp angle */
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 4);
	ASSERT_INT_EQ(stroke_twice_px, 3);
	d.stroke.fore_mode = SPICE_ROPD_OP_AND;
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 5);
	ASSERT_INT_EQ(stroke_twice_px, 0);
	ASSERT_INT_EQ(nsdamage, 0);
	pts[2].x = FX(10);
	seg.flags = SPICE_PATH_BEGIN | SPICE_PATH_END;
	seg.count = 3;
	d.stroke.fore_mode = SPICE_ROPD_OP_PUT;
	seg.flags |= SPICE_PATH_BEZIER;
	seg.count = 4;		/* BEGIN and one curve, flattened as the
				 * canvas flattens it */
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 6);
	ASSERT_INT_EQ(nsdamage, 0);
	/* A line, then a curve of one point, which the canvas would split
	 * without end: cut short here, and damage. */
	d.stroke.segs = two;
	d.stroke.nsegs = 2;
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 6);
	ASSERT_INT_EQ(nsdamage, 1);
	d.stroke.segs = &seg;
	d.stroke.nsegs = 1;
	seg.flags = SPICE_PATH_BEGIN | SPICE_PATH_END;
	seg.count = 3;
	d.stroke.line_flags = SPICE_LINE_FLAGS_STYLED;
	d.stroke.nstyle = 2;
	memcpy(d.stroke.style, style, sizeof(style));
	t_ok(r, &d);
	ASSERT_INT_EQ(nsdamage, 2);
	d.stroke.line_flags = 0;
	d.stroke.nstyle = 0;
	pts[2].x = FX(W);
	t_ok(r, &d);
	ASSERT_INT_EQ(nsdamage, 3);
	pts[2].x = FX(10);
	seg.flags = SPICE_PATH_END;
	t_ok(r, &d);		/* nothing drawn: no BEGIN */
	ASSERT_INT_EQ(nstroke, 6);
	ASSERT_INT_EQ(nsdamage, 3);
	render_free(r);
}

/* What the blend callback was told, replayed on the picture a viewer
 * had (the pattern) as spice-common's canvas draws it. */
static int nblend, nblend_scaled, nbdamage, blend_keyed;
static pixman_format_code_t blend_format;
static pixman_image_t *replay;

/* Area sa of src (all of it when NULL) stretched over bbox as the canvas
 * stretches (the scale factor truncated, translated by sa's corner, no
 * repeat, filter), made the size of ext (a new image, pixel 0,0 on ext's
 * top-left). */
static pixman_image_t *
t_stretch(pixman_image_t *src, const pixman_box32_t *sa,
    pixman_filter_t filter, const pixman_box32_t *bbox,
    const pixman_box32_t *ext)
{
	pixman_box32_t all = { 0, 0, pixman_image_get_width(src),
	    pixman_image_get_height(src) };
	pixman_transform_t xf;
	pixman_image_t *big;

	if (sa == NULL)
		sa = &all;
	pixman_transform_init_scale(&xf,
	    (pixman_fixed_t)(((int64_t)(sa->x2 - sa->x1) << 16) /
	    (bbox->x2 - bbox->x1)),
	    (pixman_fixed_t)(((int64_t)(sa->y2 - sa->y1) << 16) /
	    (bbox->y2 - bbox->y1)));
	pixman_transform_translate(&xf, NULL, pixman_int_to_fixed(sa->x1),
	    pixman_int_to_fixed(sa->y1));
	pixman_image_set_transform(src, &xf);
	pixman_image_set_repeat(src, PIXMAN_REPEAT_NONE);
	pixman_image_set_filter(src, filter, NULL, 0);
	ASSERT_TRUE((big = pixman_image_create_bits(pixman_image_get_format(
	    src), ext->x2 - ext->x1, ext->y2 - ext->y1, NULL, 0)) != NULL);
	pixman_image_composite32(PIXMAN_OP_SRC, src, NULL, big,
	    ext->x1 - bbox->x1, ext->y1 - bbox->y1, 0, 0, 0, 0,
	    ext->x2 - ext->x1, ext->y2 - ext->y1);
	pixman_image_set_transform(src, NULL);
	return big;
}

static void
on_blend(void *arg, const pixman_region32_t *area, pixman_image_t *src,
    const pixman_box32_t *bbox, const uint32_t *key, uint8_t alpha)
{
	pixman_region32_t *a = (pixman_region32_t *)area;
	const pixman_box32_t *ext = pixman_region32_extents(a);
	pixman_box32_t *rects;
	pixman_image_t *mask = NULL;
	pixman_color_t c = { 0, 0, 0, 0 };
	uint32_t s, *row;
	int n, i, x, y, w = ext->x2 - ext->x1, h = ext->y2 - ext->y1;

	(void)arg;
	ASSERT_TRUE(pixman_region32_not_empty(a));
	if (bbox == NULL) {
		ASSERT_INT_EQ(pixman_image_get_width(src), w);
		ASSERT_INT_EQ(pixman_image_get_height(src), h);
		src = pixman_image_ref(src);
	} else {
		ASSERT_TRUE((int64_t)pixman_image_get_width(src) *
		    pixman_image_get_height(src) < (int64_t)(bbox->x2 -
		    bbox->x1) * (bbox->y2 - bbox->y1));
		ASSERT_TRUE(bbox->x1 >= 0 && bbox->y1 >= 0 &&
		    bbox->x2 <= W && bbox->y2 <= H);
		nblend_scaled++;
		src = t_stretch(src, NULL, PIXMAN_FILTER_NEAREST, bbox, ext);
	}
	ASSERT_TRUE(pixman_image_get_stride(src) > 0);
	nblend++;
	blend_keyed = key != NULL;
	blend_format = pixman_image_get_format(src);
	if (key != NULL) {
		rects = pixman_region32_rectangles(a, &n);
		for (i = 0; i < n; i++)
			for (y = rects[i].y1; y < rects[i].y2; y++) {
				row = pixman_image_get_data(src) + (size_t)(y -
				    ext->y1) * (pixman_image_get_stride(src) /
				    4);
				for (x = rects[i].x1; x < rects[i].x2; x++) {
					s = row[x - ext->x1];
					if ((s ^ *key) & 0xffffff)
						pixman_image_get_data(replay)[
						    y * W + x] = s;
				}
			}
		pixman_image_unref(src);
		return;
	}
	if (alpha != 0xff) {
		c.alpha = (uint16_t)(alpha * 0x101);
		mask = pixman_image_create_solid_fill(&c);
	}
	pixman_image_set_clip_region32(replay, a);
	pixman_image_composite32(PIXMAN_OP_OVER, src, mask, replay, 0, 0, 0,
	    0, ext->x1, ext->y1, w, h);
	pixman_image_set_clip_region32(replay, NULL);
	if (mask != NULL)
		pixman_image_unref(mask);
	pixman_image_unref(src);
}

static void
on_bdamage(void *arg, const pixman_region32_t *area)
{
	(void)arg;
	(void)area;
	nbdamage++;
}

/* Draw d on the pattern; when it went to the blend callback, the
 * viewer's replay must equal the worker's picture. */
static void
t_blend(struct render *r, const struct qxl_cmd_draw *d)
{
	int x, y;

	t_reset(r);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			pixman_image_get_data(replay)[y * W + x] =
			    pattern(x, y);
	t_ok(r, d);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(RGB(pixman_image_get_data(replay)[y * W +
			    x]), RGB(px(r, x, y)));
}

/* A colour key or ALPHA_BLEND on the primary goes to the blend callback:
 * unscaled with the part of its source over the area (an opaque source
 * as x8r8g8b8, one with alpha as a8r8g8b8), stretched larger with its
 * source area, and a viewer drawing that the canvas's way gets the
 * worker's pixels, a bbox partly off the primary (unscaled) and a clip
 * included; one made smaller, one stretched with a bbox off the primary,
 * or one that reads the destination's alpha, is damage. */
static void
test_blend_callback(void)
{
	uint32_t src[6 * 4], rgba[6 * 4];
	uint8_t a8[8 * 4];
	struct qxl_cmd_rect clip[2] = { { 0, 0, 3, 30 }, { 4, 0, 40, 2 } };
	struct qxl_cmd_rect clip2[2] = { { 0, 0, 9, 30 }, { 12, 3, 40, 11 } };
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	int i, nb;

	ASSERT_TRUE((replay = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H,
	    NULL, W * 4)) != NULL);
	render_set_damage(r, on_bdamage, NULL, NULL);
	render_set_blend(r, on_blend);
	for (i = 0; i < 24; i++) {
		src[i] = i % 3 == 0 ? 0x00ff00ff : 0xff000000u |
		    (0x1f2e3du * (uint32_t)i);
		rgba[i] = (uint32_t)(i * 11) << 24 | (uint32_t)(i * 5) << 16 |
		    (uint32_t)(i * 3) << 8 | (uint32_t)i;
	}
	for (i = 0; i < 32; i++)
		a8[i] = (uint8_t)(i * 9);
	d = t_draw(QXL_DRAW_TRANSPARENT, 10, 10, 16, 14);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 6, 4, 24);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 6, 4 };
	d.transparent_color = 0xffff00ff;
	t_blend(r, &d);
	ASSERT_INT_EQ(nblend, 1);
	ASSERT_INT_EQ(blend_keyed, 1);
	/* Off the primary's top-left corner: the source from (2, 1). */
	d.bbox = (struct qxl_cmd_rect){ -2, -1, 4, 3 };
	t_blend(r, &d);
	ASSERT_INT_EQ(nblend, 2);

	d = t_draw(QXL_DRAW_ALPHA_BLEND, -2, -1, 4, 3);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 6, 4, 24);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 6, 4 };
	d.alpha = 0x60;
	t_blend(r, &d);
	ASSERT_INT_EQ(nblend, 3);
	ASSERT_INT_EQ(blend_keyed, 0);
	ASSERT_INT_EQ(blend_format, PIXMAN_x8r8g8b8);
	d.src = t_image(SPICE_BITMAP_FMT_RGBA, rgba, 6, 4, 24);
	d.alpha = 0xc0;
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.clip = clip;
	d.nclip = 2;
	t_blend(r, &d);
	ASSERT_INT_EQ(nblend, 4);
	ASSERT_INT_EQ(blend_format, PIXMAN_a8r8g8b8);
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	/* An alpha-only source: black through its alpha, not opaque. */
	d.src = t_image(SPICE_BITMAP_FMT_8BIT_A, a8, 6, 4, 8);
	t_blend(r, &d);
	ASSERT_INT_EQ(nblend, 5);
	ASSERT_INT_EQ(blend_format, PIXMAN_a8r8g8b8);

	/* Stretched larger, nearest as the canvas stretches blends: the
	 * source area's pixels (part of the source, clipped, with alpha;
	 * a colour key; ratios the truncated factor rounds). */
	d = t_draw(QXL_DRAW_ALPHA_BLEND, 3, 2, 20, 13);
	d.src = t_image(SPICE_BITMAP_FMT_RGBA, rgba, 6, 4, 24);
	d.src_area = (struct qxl_cmd_rect){ 1, 1, 4, 3 };	/* 3x2 */
	d.alpha = 0xb0;
	t_blend(r, &d);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 6, 4, 24);
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.clip = clip2;
	d.nclip = 2;
	t_blend(r, &d);
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	d.type = QXL_DRAW_TRANSPARENT;
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 6, 4 };
	d.bbox = (struct qxl_cmd_rect){ 5, 7, 22, 30 };	/* 17x23 */
	t_blend(r, &d);
	ASSERT_INT_EQ(nblend, 8);
	ASSERT_INT_EQ(nblend_scaled, 3);

	nb = nbdamage;
	d.bbox = (struct qxl_cmd_rect){ 5, 7, 9, 10 };	/* smaller */
	t_ok(r, &d);
	d.bbox = (struct qxl_cmd_rect){ -5, 7, 22, 30 };	/* off the primary */
	t_ok(r, &d);
	d.type = QXL_DRAW_ALPHA_BLEND;
	d.bbox = (struct qxl_cmd_rect){ 5, 7, 22, 30 };
	d.alpha_flags = SPICE_ALPHA_FLAGS_DEST_HAS_ALPHA;
	t_ok(r, &d);
	ASSERT_INT_EQ(nblend, 8);
	ASSERT_INT_EQ(nbdamage, nb + 3);
	pixman_image_unref(replay);
	render_free(r);
}

/* What the composite callback was told, replayed on the picture a
 * viewer had as spice-common's canvas draws it: the operation into a copy
 * of the bbox, which then goes onto the area. */
static int ncomposite, ncomposite_xf;
static pixman_format_code_t comp_src_format;

/* A composite image's transform (t: six 16.16 values, or NULL), filter
 * and repeat set as the canvas sets them: the matrix as it comes, the
 * filter and repeat as pixman's numbers. */
static void
t_canvas_sampling(pixman_image_t *img, const int32_t *t, unsigned filter,
    unsigned repeat)
{
	pixman_transform_t xf;

	if (t != NULL) {
		pixman_transform_init_identity(&xf);
		xf.matrix[0][0] = t[0];
		xf.matrix[0][1] = t[1];
		xf.matrix[0][2] = t[2];
		xf.matrix[1][0] = t[3];
		xf.matrix[1][1] = t[4];
		xf.matrix[1][2] = t[5];
		pixman_image_set_transform(img, &xf);
	}
	pixman_image_set_filter(img, (pixman_filter_t)filter, NULL, 0);
	pixman_image_set_repeat(img, (pixman_repeat_t)repeat);
}

static void
on_composite(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, pixman_image_t *src, pixman_image_t *mask,
    const struct qxl_cmd_composite *c)
{
	int w = bbox->x2 - bbox->x1, h = bbox->y2 - bbox->y1;
	pixman_image_t *d;

	(void)arg;
	ASSERT_TRUE(pixman_region32_not_empty((pixman_region32_t *)area));
	ASSERT_TRUE(pixman_image_get_stride(src) > 0);
	ASSERT_TRUE(mask == NULL || pixman_image_get_stride(mask) > 0);
	ncomposite++;
	comp_src_format = pixman_image_get_format(src);
	ASSERT_TRUE((d = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, NULL,
	    0)) != NULL);
	pixman_image_composite32(PIXMAN_OP_SRC, replay, NULL, d, bbox->x1,
	    bbox->y1, 0, 0, 0, 0, w, h);
	if (c->has_src_transform)
		ncomposite_xf++;
	t_canvas_sampling(src, c->has_src_transform ? c->src_transform : NULL,
	    (c->flags >> 8) & 7, (c->flags >> 14) & 3);
	if (mask != NULL) {
		t_canvas_sampling(mask, c->has_mask_transform ?
		    c->mask_transform : NULL, (c->flags >> 11) & 7,
		    (c->flags >> 16) & 3);
		pixman_image_set_component_alpha(mask,
		    (c->flags & SPICE_COMPOSITE_COMPONENT_ALPHA) != 0);
	}
	pixman_image_composite32((pixman_op_t)(c->flags & 0xff), src, mask, d,
	    c->src_x, c->src_y, c->mask_x, c->mask_y, 0, 0, w, h);
	pixman_image_set_transform(src, NULL);
	if (mask != NULL)
		pixman_image_set_transform(mask, NULL);
	pixman_image_set_clip_region32(replay, (pixman_region32_t *)area);
	pixman_image_composite32(PIXMAN_OP_SRC, d, NULL, replay, 0, 0, 0, 0,
	    bbox->x1, bbox->y1, w, h);
	pixman_image_set_clip_region32(replay, NULL);
	pixman_image_unref(d);
}

/* COMPOSITE, its bbox on the primary, goes to the composite callback
 * with whole 32-bit images (an 8BIT_A mask as alpha, a SOURCE_OPAQUE
 * source as x8r8g8b8), and a viewer compositing them the canvas's way
 * gets the worker's pixels (a repeated 1x1 source through a mask, as text
 * is drawn; an RGBA source with the operator ADD, clipped; component
 * alpha; transforms and bilinear filters); with a transform and images
 * larger than the bbox, or with a bbox off the primary, it is damage. */
static void
test_composite_callback(void)
{
	static uint32_t big[1025 * 1024];
	uint32_t one = 0xff3060c0u, rgba[5 * 4];
	uint8_t m8[8 * 4];
	int32_t xf[6] = { 0x10000, 0, 0, 0, 0x10000, 0x10000 };
	int32_t xturn[6] = { 0x8000, -0x4000, 0x20000, 0x4000, 0x8000, -0x8000 };
	struct qxl_cmd_rect clip[2] = { { 0, 0, 12, 30 }, { 14, 0, 40, 9 } };
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	int i, nb;

	ASSERT_TRUE((replay = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H,
	    NULL, W * 4)) != NULL);
	render_set_damage(r, on_bdamage, NULL, NULL);
	render_set_composite(r, on_composite);
	for (i = 0; i < 32; i++)
		m8[i] = (uint8_t)(i * 8);
	for (i = 0; i < 20; i++)
		rgba[i] = (uint32_t)(i * 12) << 24 | (uint32_t)(i * 7) << 16 |
		    (uint32_t)(i * 3) << 8 | (uint32_t)(i * 2);
	d = t_draw(QXL_DRAW_COMPOSITE, 4, 3, 12, 7);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, &one, 1, 1, 4);
	d.composite.flags = PIXMAN_OP_OVER | SPICE_COMPOSITE_HAS_MASK |
	    PIXMAN_REPEAT_NORMAL << 14;
	d.composite.has_mask = 1;
	d.composite.mask = t_image(SPICE_BITMAP_FMT_8BIT_A, m8, 8, 4, 8);
	t_blend(r, &d);
	ASSERT_INT_EQ(ncomposite, 1);
	ASSERT_INT_EQ(comp_src_format, PIXMAN_x8r8g8b8);

	d = t_draw(QXL_DRAW_COMPOSITE, 8, 5, 18, 11);
	d.src = t_image(SPICE_BITMAP_FMT_RGBA, rgba, 5, 4, 20);
	d.composite.flags = PIXMAN_OP_ADD | PIXMAN_REPEAT_REFLECT << 14;
	d.composite.src_x = 2;
	d.composite.src_y = 1;
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.clip = clip;
	d.nclip = 2;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncomposite, 2);
	ASSERT_INT_EQ(comp_src_format, PIXMAN_a8r8g8b8);
	d.composite.flags |= SPICE_COMPOSITE_SOURCE_OPAQUE |
	    SPICE_COMPOSITE_HAS_MASK | SPICE_COMPOSITE_COMPONENT_ALPHA;
	d.composite.has_mask = 1;
	d.composite.mask = t_image(SPICE_BITMAP_FMT_RGBA, rgba, 5, 4, 20);
	d.composite.mask_x = -1;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncomposite, 3);
	ASSERT_INT_EQ(comp_src_format, PIXMAN_x8r8g8b8);

	/* Transformed: moved a row; turned and enlarged, bilinear, the
	 * source's edges fading, the mask's padded. */
	d.composite.has_src_transform = 1;
	memcpy(d.composite.src_transform, xf, sizeof(xf));
	t_blend(r, &d);
	d.composite.flags = PIXMAN_OP_OVER | SPICE_COMPOSITE_HAS_MASK |
	    1u << 8 | 1u << 11 | PIXMAN_REPEAT_PAD << 16;
	d.composite.mask = t_image(SPICE_BITMAP_FMT_8BIT_A, m8, 8, 4, 8);
	d.composite.has_mask_transform = 1;
	memcpy(d.composite.src_transform, xturn, sizeof(xturn));
	memcpy(d.composite.mask_transform, xturn, sizeof(xturn));
	t_blend(r, &d);
	ASSERT_INT_EQ(ncomposite, 5);
	ASSERT_INT_EQ(ncomposite_xf, 2);

	nb = nbdamage;
	d.bbox = (struct qxl_cmd_rect){ 8, 5, 12, 8 };	/* images larger */
	t_ok(r, &d);
	d.composite.has_src_transform = 0;
	d.composite.has_mask_transform = 0;
	d.bbox = (struct qxl_cmd_rect){ -3, 5, 7, 11 };
	t_ok(r, &d);
	/* Images over RENDER_REPORT_MAX_PX together: not copied for the
	 * viewers. */
	d = t_draw(QXL_DRAW_COMPOSITE, 0, 0, 4, 4);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, big, 1025, 1024, 1025 * 4);
	d.composite.flags = PIXMAN_OP_OVER;
	t_ok(r, &d);
	ASSERT_INT_EQ(ncomposite, 5);
	ASSERT_INT_EQ(nbdamage, nb + 3);
	pixman_image_unref(replay);
	render_free(r);
}

/* What the copy callback was told, replayed on the picture a viewer had:
 * bit P << 2 | S << 1 | D of rop3 for each bit of each pixel of the area;
 * the fill callback's the same without a source. */
static int ncopy, ncopy_pat, nrfill;

static void
t_replay_rop3(const pixman_region32_t *area, pixman_image_t *src,
    uint32_t color, const struct render_pattern *pat, uint8_t rop3)
{
	pixman_region32_t *a = (pixman_region32_t *)area;
	const pixman_box32_t *ext = pixman_region32_extents(a);
	pixman_box32_t *rects;
	uint32_t s, d, v, *p;
	int n, i, x, y, b, pw, ph;

	rects = pixman_region32_rectangles(a, &n);
	for (i = 0; i < n; i++)
		for (y = rects[i].y1; y < rects[i].y2; y++)
			for (x = rects[i].x1; x < rects[i].x2; x++) {
				s = src == NULL ? 0 :
				    pixman_image_get_data(src)[(y - ext->y1) *
				    (pixman_image_get_stride(src) / 4) + x -
				    ext->x1];
				p = &pixman_image_get_data(replay)[y * W + x];
				if (pat != NULL) {
					pw = pixman_image_get_width(pat->rp_img);
					ph = pixman_image_get_height(
					    pat->rp_img);
					color = pixman_image_get_data(
					    pat->rp_img)[(((y - pat->rp_y) %
					    ph + ph) % ph) * (pixman_image_get_stride(
					    pat->rp_img) / 4) + ((x - pat->rp_x) %
					    pw + pw) % pw];
				}
				d = *p;
				for (v = 0, b = 0; b < 24; b++)
					v |= (uint32_t)(rop3 >> ((color >> b & 1) <<
					    2 | (s >> b & 1) << 1 | (d >> b & 1)) &
					    1) << b;
				*p = v;
			}
}

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

static void
on_rfill(void *arg, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, uint8_t rop3)
{
	(void)arg;
	ASSERT_TRUE(!render_rop3_uses(rop3, 2));
	nrfill++;
	t_replay_rop3(area, NULL, color, pat, rop3);
}

/* A8 glyphs in a solid colour go to the composite callback (the colour
 * OVER the surface through their coverage), a back area first to the
 * fill callback; a viewer drawing both the canvas's way gets the worker's
 * pixels (two overlapping glyphs, a clip, a back area across them). */
static void
test_text_composite(void)
{
	uint8_t a8[2][6 * 5];
	struct qxl_cmd_glyph g[2] = { { 3, 2, 6, 5, a8[0], 6 },
	    { 6, 4, 6, 5, a8[1], 6 } };
	struct qxl_cmd_rect clip[2] = { { 0, 0, 7, 30 }, { 8, 5, 40, 8 } };
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	int i, n0, f0;

	ASSERT_TRUE((replay = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H,
	    NULL, W * 4)) != NULL);
	render_set_damage(r, on_bdamage, NULL, NULL);
	render_set_composite(r, on_composite);
	render_set_fill(r, on_rfill);
	for (i = 0; i < 6 * 5; i++) {
		a8[0][i] = (uint8_t)(i * 9);
		a8[1][i] = (uint8_t)(255 - i * 7);
	}
	d = t_draw(QXL_DRAW_TEXT, 0, 0, 16, 12);
	d.text.flags = SPICE_STRING_FLAGS_RASTER_A8;
	d.text.nglyphs = 2;
	d.text.glyphs = g;
	d.text.fore.type = SPICE_BRUSH_TYPE_SOLID;
	d.text.fore.color = 0xff20a0f0;
	n0 = ncomposite;
	f0 = nrfill;
	t_blend(r, &d);
	ASSERT_INT_EQ(ncomposite, n0 + 1);
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.clip = clip;
	d.nclip = 2;
	d.text.back.type = SPICE_BRUSH_TYPE_SOLID;
	d.text.back.color = 0x80305070;
	d.text.back_area = (struct qxl_cmd_rect){ 2, 3, 12, 9 };
	t_blend(r, &d);
	ASSERT_INT_EQ(ncomposite, n0 + 2);
	ASSERT_INT_EQ(nrfill, f0 + 1);
	pixman_image_unref(replay);
	render_free(r);
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
	test_text_callback();
	test_pattern_callback();
	test_stroke_callback();
	test_blend_callback();
	test_composite_callback();
	test_copy_callback();
	test_scaled_callback();
	test_text_composite();
	test_surface_callback();
	printf("test-render-forward: ok\n");
	return 0;
}
