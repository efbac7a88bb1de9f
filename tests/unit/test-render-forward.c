/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-render-forward: what workers/display/render*.c tells display-out
 * of a drawing a viewer can draw the same from its operation (the text,
 * fill, stroke, blend and composite callbacks; test-render-forward-copy
 * has the copy, scaled and surface ones): each drawing made on a
 * patterned primary, what the callback was told
 * replayed the way spice-common's canvas draws it onto the picture a
 * viewer had, and the two pictures compared pixel by pixel; what stays
 * damage.
 */
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "canvas-line.h"
#include "qxl-cmd.h"
#include "render.h"
#include "render-replay.h"
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

/* What the stroke callback was told: calls, the pixels two lines paint,
 * the lines (0: a path), the pixels of drawn that no line paints within
 * its clip. */
static int nstroke, nsdamage, stroke_twice_px, stroke_nlines, stroke_unlined,
    stroke_loose;
static uint8_t stroke_rop3;

/* Each line stepped as the canvas steps it paints within its clip only
 * pixels drawn; the pixels of drawn none paints and not loose:
 * stroke_unlined (loose within drawn). */
static void
check_lines(const pixman_region32_t *drawn,
    const struct render_stroke_lines *sl)
{
	const struct render_line *l = sl->sl_line;
	unsigned nlines = sl->sl_n;
	pixman_image_t *cov = pixman_image_create_bits(PIXMAN_a8, W, H, NULL,
	    0);
	uint8_t *p = (uint8_t *)pixman_image_get_data(cov);
	int stride = pixman_image_get_stride(cov);
	int32_t i, n, x, y;
	unsigned k;

	for (k = 0; k < nlines; k++) {
		ASSERT_TRUE(pixman_region32_not_empty(
		    (pixman_region32_t *)&l[k].rl_clip));
		ASSERT_TRUE(canvas_line_clipped_whole(l[k].rl_x0, l[k].rl_y0,
		    l[k].rl_x1, l[k].rl_y1, (pixman_region32_t *)
		    &l[k].rl_clip));
		n = canvas_line_len(l[k].rl_x0, l[k].rl_y0, l[k].rl_x1,
		    l[k].rl_y1);
		for (i = 0; i < n; i++) {
			canvas_line_pixel(l[k].rl_x0, l[k].rl_y0, l[k].rl_x1,
			    l[k].rl_y1, i, &x, &y);
			if (!pixman_region32_contains_point(
			    (pixman_region32_t *)&l[k].rl_clip, x, y, NULL))
				continue;
			ASSERT_TRUE(pixman_region32_contains_point(
			    (pixman_region32_t *)drawn, x, y, NULL));
			p[y * stride + x] = 1;
		}
	}
	stroke_unlined = 0;
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++) {
			if (sl->sl_loose != NULL &&
			    pixman_region32_contains_point((pixman_region32_t *)
			    sl->sl_loose, x, y, NULL)) {
				ASSERT_TRUE(pixman_region32_contains_point(
				    (pixman_region32_t *)drawn, x, y, NULL));
				continue;
			}
			stroke_unlined += pixman_region32_contains_point(
			    (pixman_region32_t *)drawn, x, y, NULL) &&
			    !p[y * stride + x];
		}
	pixman_image_unref(cov);
}

static void
on_stroke(void *arg, const pixman_region32_t *area,
    const pixman_region32_t *drawn, const pixman_region32_t *twice,
    const struct qxl_cmd_stroke *st, const struct render_stroke_lines *lines,
    uint32_t color, uint8_t rop3)
{
	pixman_region32_t out;
	pixman_box32_t *b;
	int i, n;

	(void)arg;
	ASSERT_TRUE((st == NULL) != (lines == NULL));
	stroke_nlines = lines != NULL ? (int)lines->sl_n : 0;
	stroke_loose = lines != NULL && lines->sl_loose != NULL;
	stroke_unlined = -1;
	if (st == NULL) {
		ASSERT_TRUE(lines->sl_n > 0);
		check_lines(drawn, lines);
	}
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
	pixman_region32_init(&out);
	pixman_region32_subtract(&out, (pixman_region32_t *)drawn,
	    (pixman_region32_t *)area);
	ASSERT_TRUE(!pixman_region32_not_empty(&out));
	pixman_region32_fini(&out);
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
	ASSERT_INT_EQ(stroke_nlines, 0);
	/* Dashed: the lines, whose pixels within their clips are the
	 * dashes' (and in XOR with the pixels two dashes paint). */
	d.stroke.line_flags = SPICE_LINE_FLAGS_STYLED;
	d.stroke.nstyle = 2;
	memcpy(d.stroke.style, style, sizeof(style));
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 7);
	ASSERT_INT_EQ(nsdamage, 1);
	ASSERT_INT_EQ(stroke_nlines, 2);
	ASSERT_INT_EQ(stroke_unlined, 0);
	seg.flags |= SPICE_PATH_CLOSE;
	seg.count = 4;
	pts[2].x = FX(1);
	d.stroke.fore_mode = SPICE_ROPD_OP_XOR;
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 8);
	ASSERT_INT_EQ(stroke_nlines, 4);
	ASSERT_INT_EQ(stroke_unlined, 0);
	pts[2].x = FX(10);
	seg.flags = SPICE_PATH_BEGIN | SPICE_PATH_END;
	seg.count = 3;
	d.stroke.fore_mode = SPICE_ROPD_OP_PUT;
	d.stroke.line_flags = 0;
	d.stroke.nstyle = 0;
	/* A line leaving the primary: the one that does not, the other's
	 * pixels loose. */
	pts[2].x = FX(W);
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 9);
	ASSERT_INT_EQ(nsdamage, 1);
	ASSERT_INT_EQ(stroke_nlines, 1);
	ASSERT_INT_EQ(stroke_unlined, 0);
	ASSERT_INT_EQ(stroke_loose, 1);
	pts[2].x = FX(10);
	seg.flags = SPICE_PATH_END;
	t_ok(r, &d);		/* nothing drawn: no BEGIN */
	ASSERT_INT_EQ(nstroke, 9);
	ASSERT_INT_EQ(nsdamage, 1);
	render_free(r);
}

/* Lines the canvas would clip wrong: it clips a line's spans (a row's
 * run of pixels) to a clip in place, and a span cut in two is written
 * over the next before that is read.  A dashed shallow line, whose gaps
 * fall inside its rows, goes in parts of dashes that share no row
 * (beside a horizontal one, whose one span is cut however often), and
 * is loose when that takes more than 8 parts (dots); a solid path
 * through a clip of two rectangles side by side goes as lines, loose
 * where a row crosses from one to the other, and a steep line (spans of
 * a pixel) is kept through both. */
static void
test_stroke_lines_kept(void)
{
	struct qxl_cmd_pointfix pts[4] = { { FX(0), FX(2) }, { FX(39), FX(2) },
	    { FX(0), FX(10) }, { FX(39), FX(14) } };
	struct qxl_cmd_pathseg segs[2] = {
	    { SPICE_PATH_BEGIN | SPICE_PATH_END, 2, pts },
	    { SPICE_PATH_BEGIN | SPICE_PATH_END, 2, pts + 2 } };
	struct qxl_cmd_rect clip[2] = { { 0, 0, 20, 30 }, { 21, 0, 40, 30 } };
	struct qxl_cmd_draw d = t_draw(QXL_DRAW_STROKE, 0, 0, W, H);
	struct render *r = t_primary();
	int32_t style[2] = { FX(2), FX(1) };

	pixman_region32_t two;
	pixman_box32_t side[2] = { { 0, 0, 20, 30 }, { 21, 0, 40, 30 } };

	/* The model of the canvas's clipping (canvas-line.c) loses the
	 * shallow line's rows after the one cut in two, not the steep
	 * line's nor a horizontal one's. */
	pixman_region32_init_rects(&two, side, 2);
	ASSERT_TRUE(!canvas_line_clipped_whole(0, 10, 39, 14, &two));
	ASSERT_TRUE(canvas_line_clipped_whole(15, 0, 25, 29, &two));
	ASSERT_TRUE(canvas_line_clipped_whole(0, 10, 39, 10, &two));
	pixman_region32_fini(&two);
	render_set_damage(r, on_sdamage, NULL, NULL);
	render_set_stroke(r, on_stroke);
	nstroke = nsdamage = 0;
	d.stroke.nsegs = 2;
	d.stroke.segs = segs;
	d.stroke.points = pts;
	d.stroke.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.stroke.brush.color = 0xff123456;
	d.stroke.fore_mode = SPICE_ROPD_OP_PUT;
	d.stroke.line_flags = SPICE_LINE_FLAGS_STYLED;
	d.stroke.nstyle = 2;
	memcpy(d.stroke.style, style, sizeof(style));
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 1);
	ASSERT_TRUE(stroke_nlines > 2);
	ASSERT_INT_EQ(stroke_loose, 0);
	ASSERT_INT_EQ(stroke_unlined, 0);
	/* Dots, 20 to a row of the shallow line. */
	pts[3].y = FX(11);
	d.stroke.style[0] = FX(1);
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 2);
	ASSERT_INT_EQ(stroke_nlines, 1);
	ASSERT_INT_EQ(stroke_loose, 1);
	ASSERT_INT_EQ(stroke_unlined, 0);
	pts[3].y = FX(14);
	/* Solid through two rectangles side by side. */
	d.stroke.line_flags = 0;
	d.stroke.nstyle = 0;
	d.clip_type = SPICE_CLIP_TYPE_RECTS;
	d.clip = clip;
	d.nclip = 2;
	d.stroke.nsegs = 1;
	d.stroke.segs = &segs[1];
	t_ok(r, &d);		/* loose only: damage */
	ASSERT_INT_EQ(nstroke, 2);
	ASSERT_INT_EQ(nsdamage, 1);
	pts[2] = (struct qxl_cmd_pointfix){ FX(15), FX(0) };
	pts[3] = (struct qxl_cmd_pointfix){ FX(25), FX(29) };
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 3);
	ASSERT_INT_EQ(stroke_nlines, 1);
	ASSERT_INT_EQ(stroke_loose, 0);
	ASSERT_INT_EQ(stroke_unlined, 0);
	render_free(r);
}

/* More dashed lines than RENDER_STROKE_MAX_LINES, or more dashes than
 * RENDER_STROKE_MAX_BOXES: damage. */
static void
test_stroke_lines_caps(void)
{
	enum { N = RENDER_STROKE_MAX_LINES + 1 };
	struct qxl_cmd_pointfix *pts = calloc(2 * N, sizeof(*pts));
	struct qxl_cmd_pathseg *segs = calloc(N, sizeof(*segs));
	struct qxl_cmd_draw d = t_draw(QXL_DRAW_STROKE, 0, 0, W, H);
	struct render *r = t_primary();
	int32_t style[2] = { FX(8), FX(1) };
	int i;

	/* Subpaths of a horizontal line each (one span each: kept). */
	ASSERT_TRUE(pts != NULL && segs != NULL);
	for (i = 0; i < N; i++) {
		pts[2 * i] = (struct qxl_cmd_pointfix){ 0, FX(i % H) };
		pts[2 * i + 1] = (struct qxl_cmd_pointfix){ FX(W - 1),
		    FX(i % H) };
		segs[i] = (struct qxl_cmd_pathseg){ SPICE_PATH_BEGIN |
		    SPICE_PATH_END, 2, &pts[2 * i] };
	}
	render_set_damage(r, on_sdamage, NULL, NULL);
	render_set_stroke(r, on_stroke);
	nstroke = nsdamage = 0;
	d.stroke.segs = segs;
	d.stroke.points = pts;
	d.stroke.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.stroke.brush.color = 0xff123456;
	d.stroke.fore_mode = SPICE_ROPD_OP_PUT;
	d.stroke.line_flags = SPICE_LINE_FLAGS_STYLED;
	d.stroke.nstyle = 2;
	memcpy(d.stroke.style, style, sizeof(style));
	d.stroke.nsegs = RENDER_STROKE_MAX_LINES;	/* 5 dashes a line */
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 1);
	ASSERT_INT_EQ(stroke_nlines, RENDER_STROKE_MAX_LINES);
	d.stroke.nsegs = N;
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 1);
	ASSERT_INT_EQ(nsdamage, 1);
	/* 20 dashes a line: 150 lines' are within the boxes' cap, 220
	 * lines' past it. */
	d.stroke.style[0] = FX(1);
	d.stroke.nsegs = 150;
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 2);
	ASSERT_INT_EQ(stroke_nlines, 150);
	d.stroke.nsegs = 220;
	t_ok(r, &d);
	ASSERT_INT_EQ(nstroke, 2);
	ASSERT_INT_EQ(nsdamage, 2);
	render_free(r);
	free(segs);
	free(pts);
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

int
main(void)
{
	test_seed();
	test_text_callback();
	test_pattern_callback();
	test_stroke_callback();
	test_stroke_lines_caps();
	test_stroke_lines_kept();
	test_blend_callback();
	test_composite_callback();
	test_text_composite();
	printf("test-render-forward: ok\n");
	return 0;
}
