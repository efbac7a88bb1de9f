/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-qxl-cmd-draw: workers/qxl/qxl-cmd.c on the drawables that carry
 * more than a bitmap (palettes, masks and brush sources, glyph strings,
 * paths, composites), good and hostile, built as test-qxl-cmd builds
 * its commands (qxl-cmd-test.h).
 */
#include <stddef.h>
#include <stdint.h>

#include <spice/qxl_dev.h>
#include <spice/enums.h>

#include "err.h"
#include "slots.h"
#include "qxl-cmd.h"
#include "qxl-build.h"
#include "qxl-cmd-test.h"
#include "test-helper.h"

/* A 4 x 2 8-bit bitmap at offset off, with palette pal (0: none). */
static uint64_t
t_bitmap8(uint64_t pal)
{
	static const uint8_t px[8] = { 0, 1, 2, 3, 3, 2, 1, 0 };
	uint64_t data = t_phys(qxl_build_put(&t_b, px, sizeof(px)));
	uint64_t img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_8BIT,
	    QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN, 4, 2, 4, data);
	uint64_t phys = pal == 0 ? 0 : t_phys(pal);

	qxl_build_write(&t_b, img + offsetof(QXLImage, bitmap.palette), &phys,
	    8);
	return img;
}

static void
test_palette(void)
{
	static const uint32_t ents[4] = { 0x000000, 0xff0000, 0x00ff00,
	    0x0000ff };
	uint32_t big[300] = { 0 };
	struct qxl_cmd_draw out;
	struct spd_err err;
	uint64_t img;
	uint8_t flags;

	t_reset();
	img = t_bitmap8(qxl_build_palette(&t_b, 4, ents));
	ASSERT_INT_EQ(t_parse_copy(img, 4, 2, &out, &err), 0);
	ASSERT_INT_EQ(out.src.npalette, 4);
	ASSERT_INT_EQ(out.src.palette[1], 0xff0000);
	ASSERT_INT_EQ(out.src.palette[3], 0x0000ff);
	qxl_cmd_draw_free(&out);

	img = t_bitmap8(qxl_build_palette(&t_b, 300, big));
	ASSERT_INT_EQ(t_parse_copy(img, 4, 2, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "palette of 300 entries for a 8-bit");
	img = t_bitmap8(qxl_build_palette(&t_b, 0, big));
	ASSERT_INT_EQ(t_parse_copy(img, 4, 2, &out, &err), QXL_CMD_EFAULT);
	img = t_bitmap8(T_SIZE - 8);
	ASSERT_INT_EQ(t_parse_copy(img, 4, 2, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "palette");
	/* The palette cache is the client's business, not a producer's. */
	img = t_bitmap8(qxl_build_palette(&t_b, 4, ents));
	flags = QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN |
	    SPICE_BITMAP_FLAGS_PAL_FROM_CACHE;
	qxl_build_write(&t_b, img + offsetof(QXLImage, bitmap.flags), &flags,
	    1);
	ASSERT_INT_EQ(t_parse_copy(img, 4, 2, &out, &err),
	    QXL_CMD_EUNSUPPORTED);
}

/* A 1-bit mask image, w x h, rows of stride bytes (content zero). */
static uint64_t
t_mask_image(uint8_t fmt, uint32_t w, uint32_t h, uint32_t stride)
{
	uint64_t data = t_phys(qxl_build_alloc(&t_b, (size_t)stride * h));

	return qxl_build_bitmap(&t_b, fmt, QXL_BITMAP_DIRECT |
	    QXL_BITMAP_TOP_DOWN, w, h, stride, data);
}

static QXLDrawable
t_draw(uint8_t type)
{
	QXLRect bbox;

	qxl_build_rect(&bbox, 10, 20, 110, 70);
	return qxl_build_drawable(type, 0x99, &bbox);
}

static void
test_masks_sources(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	QXLDrawable d;
	uint64_t img, src;

	t_reset();
	img = t_mask_image(SPICE_BITMAP_FMT_1BIT_BE, 100, 50, 13);
	d = t_draw(QXL_DRAW_BLACKNESS);
	d.u.blackness.mask.bitmap = t_phys(img);
	d.u.blackness.mask.flags = SPICE_MASK_FLAGS_INVERS;
	d.u.blackness.mask.pos.x = 3;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_TRUE(out.mask.present);
	ASSERT_INT_EQ(out.mask.flags, SPICE_MASK_FLAGS_INVERS);
	ASSERT_INT_EQ(out.mask.pos_x, 3);
	ASSERT_INT_EQ(out.mask.bitmap.format, SPICE_BITMAP_FMT_1BIT_BE);
	ASSERT_INT_EQ(out.mask.bitmap.stride, 13);
	qxl_cmd_draw_free(&out);
	/* No bitmap, no mask. */
	d.u.blackness.mask.bitmap = 0;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_TRUE(!out.mask.present);
	qxl_cmd_draw_free(&out);

	d.u.blackness.mask.bitmap = t_phys(img);
	d.u.blackness.mask.pos.y = -1;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "mask position 3,-1 outside");
	d.u.blackness.mask.pos.y = 0;
	d.u.blackness.mask.flags = 2;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	d.u.blackness.mask.flags = 0;
	d.u.blackness.mask.bitmap = t_phys(t_mask_image(SPICE_BITMAP_FMT_8BIT,
	    100, 50, 100));
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "mask bitmap format 5 is not 1-bit");
	d.u.blackness.mask.bitmap = t_phys(qxl_build_surface_image(&t_b, 2,
	    10, 10));
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EUNSUPPORTED);

	/* OPAQUE: a source, a brush, a ROP and a mask. */
	src = t_mask_image(SPICE_BITMAP_FMT_32BIT, 100, 50, 400);
	d = t_draw(QXL_DRAW_OPAQUE);
	d.u.opaque.src_bitmap = t_phys(src);
	qxl_build_rect(&d.u.opaque.src_area, 0, 0, 100, 50);
	d.u.opaque.brush.type = SPICE_BRUSH_TYPE_PATTERN;
	d.u.opaque.brush.u.pattern.pat = t_phys(src);
	d.u.opaque.brush.u.pattern.pos.x = -7;
	d.u.opaque.rop_descriptor = SPICE_ROPD_OP_AND | SPICE_ROPD_INVERS_SRC;
	d.u.opaque.mask.bitmap = t_phys(img);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.brush.type, SPICE_BRUSH_TYPE_PATTERN);
	ASSERT_INT_EQ(out.brush.pos_x, -7);
	ASSERT_INT_EQ(out.brush.pat.width, 100);
	ASSERT_INT_EQ(out.src.width, 100);
	ASSERT_INT_EQ(out.src_area.right, 100);
	ASSERT_TRUE(out.mask.present);
	qxl_cmd_draw_free(&out);
	d.u.opaque.brush.u.pattern.pos.x = QXL_CMD_MAX_COORD + 1;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "pattern position");
	d.u.opaque.brush.u.pattern.pos.x = 0;
	qxl_build_rect(&d.u.opaque.src_area, 0, 0, 101, 50);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "source area");
	qxl_build_rect(&d.u.opaque.src_area, 0, 0, 100, 50);
	d.u.opaque.scale_mode = 9;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);

	/* ROP3, BLEND, TRANSPARENT, ALPHA_BLEND. */
	d = t_draw(QXL_DRAW_ROP3);
	d.u.rop3.src_bitmap = t_phys(src);
	qxl_build_rect(&d.u.rop3.src_area, 0, 0, 50, 25);
	d.u.rop3.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.u.rop3.brush.u.color = 0x123456;
	d.u.rop3.rop3 = 0xb8;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.rop3, 0xb8);
	ASSERT_INT_EQ(out.brush.color, 0x123456);
	qxl_cmd_draw_free(&out);
	d = t_draw(QXL_DRAW_BLEND);
	d.u.blend.src_bitmap = t_phys(src);
	qxl_build_rect(&d.u.blend.src_area, 0, 0, 100, 50);
	d.u.blend.rop_descriptor = SPICE_ROPD_OP_OR;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.rop, SPICE_ROPD_OP_OR);
	qxl_cmd_draw_free(&out);
	d = t_draw(QXL_DRAW_TRANSPARENT);
	d.u.transparent.src_bitmap = t_phys(src);
	qxl_build_rect(&d.u.transparent.src_area, 0, 0, 100, 50);
	d.u.transparent.true_color = 0xff00ff;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.transparent_color, 0xff00ff);
	qxl_cmd_draw_free(&out);
	d = t_draw(QXL_DRAW_ALPHA_BLEND);
	d.u.alpha_blend.src_bitmap = t_phys(src);
	qxl_build_rect(&d.u.alpha_blend.src_area, 0, 0, 100, 50);
	d.u.alpha_blend.alpha = 0x80;
	d.u.alpha_blend.alpha_flags = SPICE_ALPHA_FLAGS_DEST_HAS_ALPHA;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.alpha, 0x80);
	ASSERT_INT_EQ(out.alpha_flags, SPICE_ALPHA_FLAGS_DEST_HAS_ALPHA);
	qxl_cmd_draw_free(&out);
	d.u.alpha_blend.alpha_flags = 4;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "alpha flags 0x4 unknown");
}

/* Glyph header + bits appended to buf at *len. */
static void
t_glyph(uint8_t *buf, size_t *len, int32_t x, int32_t y, uint16_t w,
    uint16_t h, size_t bits)
{
	QXLRasterGlyph g;

	memset(&g, 0, sizeof(g));
	g.render_pos.x = x;
	g.render_pos.y = y;
	g.glyph_origin.x = 1;
	g.glyph_origin.y = -h;
	g.width = w;
	g.height = h;
	memcpy(buf + *len, &g, sizeof(g));
	*len += sizeof(g);
	memset(buf + *len, 0xa5, bits);
	*len += bits;
}

static int
t_parse_text(uint16_t flags, uint16_t count, const uint8_t *data,
    size_t len, struct qxl_cmd_draw *out, struct spd_err *err)
{
	QXLDrawable d = t_draw(QXL_DRAW_TEXT);

	d.u.text.str = t_phys(qxl_build_string(&t_b, flags, count, data,
	    (uint32_t)len));
	d.u.text.fore_brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.u.text.fore_brush.u.color = 0xffffff;
	d.u.text.fore_mode = SPICE_ROPD_OP_PUT;
	qxl_build_rect(&d.u.text.back_area, 10, 20, 60, 40);
	return t_parse(&d, out, err);
}

static void
test_text(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	uint8_t buf[512];
	size_t len = 0;

	t_reset();
	/* A1: 9 pixels wide is 2 bytes a row; A4 5 wide is 3; A8 3. */
	t_glyph(buf, &len, 20, 30, 9, 4, 2 * 4);
	t_glyph(buf, &len, 30, 30, 0, 0, 0);
	ASSERT_INT_EQ(t_parse_text(SPICE_STRING_FLAGS_RASTER_A1, 2, buf, len,
	    &out, &err), 0);
	ASSERT_INT_EQ(out.text.nglyphs, 2);
	ASSERT_INT_EQ(out.text.glyphs[0].left, 21);
	ASSERT_INT_EQ(out.text.glyphs[0].top, 26);
	ASSERT_INT_EQ(out.text.glyphs[0].width, 9);
	/* Bottom-up rows: the top row is the last in memory. */
	ASSERT_INT_EQ(out.text.glyphs[0].stride, -2);
	ASSERT_TRUE(out.text.glyphs[0].bits == out.text.data +
	    sizeof(QXLRasterGlyph) + 6);
	ASSERT_INT_EQ(out.text.back_area.right, 60);
	ASSERT_INT_EQ(out.text.fore.color, 0xffffff);
	qxl_cmd_draw_free(&out);
	ASSERT_INT_EQ(t_parse_text(SPICE_STRING_FLAGS_RASTER_A1 |
	    SPICE_STRING_FLAGS_RASTER_TOP_DOWN, 2, buf, len, &out, &err), 0);
	ASSERT_INT_EQ(out.text.glyphs[0].stride, 2);
	qxl_cmd_draw_free(&out);

	len = 0;
	t_glyph(buf, &len, 20, 30, 5, 2, 3 * 2);
	ASSERT_INT_EQ(t_parse_text(SPICE_STRING_FLAGS_RASTER_A4, 1, buf, len,
	    &out, &err), 0);
	qxl_cmd_draw_free(&out);
	/* The same bytes are short for A8 and long for A1. */
	ASSERT_INT_EQ(t_parse_text(SPICE_STRING_FLAGS_RASTER_A8, 1, buf, len,
	    &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "glyph 0 needs 10 bytes, 6 left");
	ASSERT_INT_EQ(t_parse_text(SPICE_STRING_FLAGS_RASTER_A1, 1, buf, len,
	    &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "4 bytes after its 1 glyphs");
	/* More glyphs than bytes, vector glyphs, two depths, no glyph. */
	ASSERT_INT_EQ(t_parse_text(SPICE_STRING_FLAGS_RASTER_A4, 2, buf, len,
	    &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "glyph 1 of 2 starts past");
	ASSERT_INT_EQ(t_parse_text(0, 1, buf, len, &out, &err),
	    QXL_CMD_EUNSUPPORTED);
	ASSERT_INT_EQ(t_parse_text(SPICE_STRING_FLAGS_RASTER_A4 |
	    SPICE_STRING_FLAGS_RASTER_A8, 1, buf, len, &out, &err),
	    QXL_CMD_EFAULT);
	ASSERT_INT_EQ(t_parse_text(SPICE_STRING_FLAGS_RASTER_A4, 0, buf, len,
	    &out, &err), QXL_CMD_EFAULT);
	ASSERT_INT_EQ(t_parse_text(0x40 | SPICE_STRING_FLAGS_RASTER_A4, 1,
	    buf, len, &out, &err), QXL_CMD_EFAULT);
	/* A glyph far off every surface, a giant glyph. */
	len = 0;
	t_glyph(buf, &len, QXL_CMD_MAX_COORD, 0, 1, 1, 1);
	ASSERT_INT_EQ(t_parse_text(SPICE_STRING_FLAGS_RASTER_A8, 1, buf, len,
	    &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "out of range");
	len = 0;
	t_glyph(buf, &len, 0, 0, QXL_CMD_MAX_GLYPH_DIM + 1, 0, 0);
	ASSERT_INT_EQ(t_parse_text(SPICE_STRING_FLAGS_RASTER_A8, 1, buf, len,
	    &out, &err), QXL_CMD_EFAULT);
}

/* A path segment with its points (28.4) appended to buf at *len. */
static void
t_seg(uint8_t *buf, size_t *len, uint32_t flags, uint32_t count,
    const int32_t *xy)
{
	memcpy(buf + *len, &flags, 4);
	memcpy(buf + *len + 4, &count, 4);
	memcpy(buf + *len + 8, xy, (size_t)count * 8);
	*len += 8 + (size_t)count * 8;
}

static int
t_parse_stroke(const uint8_t *path, size_t len, uint8_t lflags,
    uint8_t nstyle, const int32_t *style, struct qxl_cmd_draw *out,
    struct spd_err *err)
{
	QXLDrawable d = t_draw(QXL_DRAW_STROKE);

	d.u.stroke.path = t_phys(qxl_build_path(&t_b, path, (uint32_t)len));
	d.u.stroke.attr.flags = lflags;
	d.u.stroke.attr.style_nseg = nstyle;
	if (nstyle > 0)
		d.u.stroke.attr.style = t_phys(qxl_build_put(&t_b, style,
		    (size_t)nstyle * 4));
	d.u.stroke.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.u.stroke.fore_mode = SPICE_ROPD_OP_PUT;
	return t_parse(&d, out, err);
}

static void
test_stroke(void)
{
	static const int32_t line[] = { 16, 16, 160, 16, 160, 320 };
	static const int32_t curve[] = { 0, 0, 100, 0, 100, 100, 200, 100 };
	static const int32_t style[] = { 48, 32, 16 };
	struct qxl_cmd_draw out;
	struct spd_err err;
	uint8_t buf[256];
	size_t len = 0;

	t_reset();
	t_seg(buf, &len, SPICE_PATH_BEGIN, 3, line);
	t_seg(buf, &len, SPICE_PATH_BEZIER | SPICE_PATH_END |
	    SPICE_PATH_CLOSE, 3, curve + 2);
	ASSERT_INT_EQ(t_parse_stroke(buf, len, SPICE_LINE_FLAGS_STYLED, 3,
	    style, &out, &err), 0);
	ASSERT_INT_EQ(out.stroke.nsegs, 2);
	ASSERT_INT_EQ(out.stroke.segs[0].count, 3);
	ASSERT_INT_EQ(out.stroke.segs[0].pts[2].y, 320);
	ASSERT_INT_EQ(out.stroke.segs[1].pts[0].x, 100);
	ASSERT_INT_EQ(out.stroke.nstyle, 3);
	ASSERT_INT_EQ(out.stroke.style[2], 16);
	qxl_cmd_draw_free(&out);
	/* An empty path draws nothing but is no fault. */
	ASSERT_INT_EQ(t_parse_stroke(buf, 0, 0, 0, NULL, &out, &err), 0);
	ASSERT_INT_EQ(out.stroke.nsegs, 0);
	qxl_cmd_draw_free(&out);

	/* A style step under a pixel, a styled line without a style. */
	ASSERT_INT_EQ(t_parse_stroke(buf, len, SPICE_LINE_FLAGS_STYLED, 2,
	    (const int32_t[]){ 16, 15 }, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "line style 1 of 15/16 pixels");
	ASSERT_INT_EQ(t_parse_stroke(buf, len, SPICE_LINE_FLAGS_STYLED, 0,
	    NULL, &out, &err), QXL_CMD_EFAULT);
	/* Bezier points not in threes, unknown flags, a count past the
	 * data, a segment cut short, a BEGIN without a point. */
	len = 0;
	t_seg(buf, &len, SPICE_PATH_BEGIN | SPICE_PATH_BEZIER, 3, curve);
	ASSERT_INT_EQ(t_parse_stroke(buf, len, 0, 0, NULL, &out, &err),
	    QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "2 Bezier points, not a multiple of 3");
	len = 0;
	t_seg(buf, &len, 0x40, 1, curve);
	ASSERT_INT_EQ(t_parse_stroke(buf, len, 0, 0, NULL, &out, &err),
	    QXL_CMD_EFAULT);
	len = 0;
	t_seg(buf, &len, SPICE_PATH_BEGIN, 2, curve);
	memcpy(buf + 4, &(uint32_t){ 0x40000000 }, 4);
	ASSERT_INT_EQ(t_parse_stroke(buf, len, 0, 0, NULL, &out, &err),
	    QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "points do not fit");
	ASSERT_INT_EQ(t_parse_stroke(buf, 5, 0, 0, NULL, &out, &err),
	    QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "segment 0 cut short");
	len = 0;
	t_seg(buf, &len, SPICE_PATH_BEGIN, 0, curve);
	ASSERT_INT_EQ(t_parse_stroke(buf, len, 0, 0, NULL, &out, &err),
	    QXL_CMD_EFAULT);
	/* A point beyond the coordinate range. */
	len = 0;
	t_seg(buf, &len, SPICE_PATH_BEGIN, 1,
	    (const int32_t[]){ 16 * (QXL_CMD_MAX_COORD + 2), 0 });
	ASSERT_INT_EQ(t_parse_stroke(buf, len, 0, 0, NULL, &out, &err),
	    QXL_CMD_EFAULT);
}

static void
test_composite(void)
{
	static const int32_t xf[6] = { 2 << 16, 0, 0, 0, 2 << 16, 0 };
	struct qxl_cmd_draw out;
	struct spd_err err;
	QXLDrawable d;
	uint64_t src, mask;

	t_reset();
	src = t_mask_image(SPICE_BITMAP_FMT_RGBA, 20, 20, 80);
	mask = t_mask_image(SPICE_BITMAP_FMT_8BIT_A, 20, 20, 20);
	d = t_draw(QXL_DRAW_COMPOSITE);
	d.u.composite.flags = 0x03 | (1 << 8) | (1 << 14) |
	    SPICE_COMPOSITE_HAS_MASK | SPICE_COMPOSITE_HAS_SRC_TRANSFORM;
	d.u.composite.src = t_phys(src);
	d.u.composite.mask = t_phys(mask);
	d.u.composite.src_transform = t_phys(qxl_build_put(&t_b, xf,
	    sizeof(xf)));
	d.u.composite.src_origin.x = -3;
	d.u.composite.mask_origin.y = 5;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_TRUE(out.composite.has_mask);
	ASSERT_TRUE(out.composite.has_src_transform);
	ASSERT_TRUE(!out.composite.has_mask_transform);
	ASSERT_INT_EQ(out.composite.src_transform[4], 2 << 16);
	ASSERT_INT_EQ(out.composite.src_x, -3);
	ASSERT_INT_EQ(out.composite.mask_y, 5);
	ASSERT_INT_EQ(out.composite.mask.format, SPICE_BITMAP_FMT_8BIT_A);
	ASSERT_INT_EQ(out.src.format, SPICE_BITMAP_FMT_RGBA);
	qxl_cmd_draw_free(&out);
	/* Operator 0x20 (a disjoint one QXL does not name), filter 2, a
	 * reserved flag bit, a transform outside the slot. */
	d.u.composite.flags = (d.u.composite.flags & ~0xffu) | 0x20;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "composite operator 0x20 unknown");
	d.u.composite.flags = 0x03 | (2 << 8);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	d.u.composite.flags = 0x03 | (1u << 25);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	d.u.composite.flags = 0x03 | SPICE_COMPOSITE_HAS_SRC_TRANSFORM;
	d.u.composite.src_transform = t_phys(T_SIZE - 4);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "composite source transform");
}

int
main(void)
{
	t_setup();
	test_palette();
	test_masks_sources();
	test_text();
	test_stroke();
	test_composite();
	printf("test-qxl-cmd-draw: ok\n");
	return 0;
}
