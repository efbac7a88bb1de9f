/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-render-draw: workers/display/render-draw.c and the files behind it on
 * every QXL draw type, each drawn onto a patterned primary and checked
 * pixel by pixel against a reference computed here without pixman and
 * without the renderer's own formulations: ROP descriptors through
 * SPICE's table of named raster operations (spice-common's
 * ropd_descriptor_to_rop, read for its semantics), ROP3 codes bit by bit,
 * masks, pattern brushes, palettes, OPAQUE, TRANSPARENT, ALPHA_BLEND and
 * COMPOSITE with pixman's rounding written out, TEXT glyphs, STROKE
 * lines and dashes.  Also: what the renderer refuses.
 */
#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "enc.h"
#include "qxl-cmd.h"
#include "render.h"
#include "sbuf.h"
#include "render-test.h"
#include "test-helper.h"

static int
in_box(int x, int y, const struct qxl_cmd_rect *b)
{
	return x >= b->left && x < b->right && y >= b->top && y < b->bottom;
}

/* --- references ------------------------------------------------------ */

enum ref_op { R_CLEAR, R_AND, R_AND_REVERSE, R_COPY, R_AND_INVERTED,
	R_NOOP, R_XOR, R_OR, R_NOR, R_EQUIV, R_INVERT, R_OR_REVERSE,
	R_COPY_INVERTED, R_OR_INVERTED, R_NAND, R_SET };

static uint32_t
ref_apply(enum ref_op op, uint32_t s, uint32_t d)
{
	switch (op) {
	case R_CLEAR: return 0;
	case R_AND: return s & d;
	case R_AND_REVERSE: return s & ~d;
	case R_COPY: return s;
	case R_AND_INVERTED: return ~s & d;
	case R_NOOP: return d;
	case R_XOR: return s ^ d;
	case R_OR: return s | d;
	case R_NOR: return ~s & ~d;
	case R_EQUIV: return ~s ^ d;
	case R_INVERT: return ~d;
	case R_OR_REVERSE: return s | ~d;
	case R_COPY_INVERTED: return ~s;
	case R_OR_INVERTED: return ~s | d;
	case R_NAND: return ~s | ~d;
	default: return ~0u;
	}
}

/* SPICE's reading of a ROP descriptor as a named operation, by table:
 * index (inverted result, inverted input, inverted destination). */
static enum ref_op
ref_ropd(uint16_t desc, uint16_t inv_in, uint16_t inv_dst)
{
	static const enum ref_op or_t[8] = { R_OR, R_OR_REVERSE,
	    R_OR_INVERTED, R_NAND, R_NOR, R_AND_INVERTED, R_AND_REVERSE,
	    R_AND };
	static const enum ref_op and_t[8] = { R_AND, R_AND_REVERSE,
	    R_AND_INVERTED, R_NOR, R_NAND, R_OR_INVERTED, R_OR_REVERSE,
	    R_OR };
	static const enum ref_op xor_t[8] = { R_XOR, R_EQUIV, R_EQUIV, R_XOR,
	    R_EQUIV, R_XOR, R_XOR, R_EQUIV };
	int i = ((desc & SPICE_ROPD_INVERS_RES) ? 4 : 0) |
	    ((desc & inv_in) ? 2 : 0) | ((desc & inv_dst) ? 1 : 0);

	if (desc & SPICE_ROPD_OP_PUT)
		return ((i >> 2) ^ (i >> 1)) & 1 ? R_COPY_INVERTED : R_COPY;
	if (desc & SPICE_ROPD_OP_OR)
		return or_t[i];
	if (desc & SPICE_ROPD_OP_AND)
		return and_t[i];
	if (desc & SPICE_ROPD_OP_XOR)
		return xor_t[i];
	if (desc & SPICE_ROPD_OP_BLACKNESS)
		return R_CLEAR;
	if (desc & SPICE_ROPD_OP_WHITENESS)
		return R_SET;
	if (desc & SPICE_ROPD_OP_INVERS)
		return R_INVERT;
	return R_COPY;
}

/* ROP3 bit by bit: bit (p << 2 | s << 1 | d) of code. */
static uint32_t
ref_rop3(uint8_t code, uint32_t p, uint32_t s, uint32_t d)
{
	uint32_t r = 0;
	int b, i;

	for (b = 0; b < 32; b++) {
		i = (int)(((p >> b) & 1) << 2 | ((s >> b) & 1) << 1 |
		    ((d >> b) & 1));
		r |= (uint32_t)((code >> i) & 1) << b;
	}
	return r;
}

/* pixman's x * a / 255, rounded. */
static uint32_t
ref_mul(uint32_t x, uint32_t a)
{
	uint32_t t = x * a + 0x80;

	return (t + (t >> 8)) >> 8;
}

/* OVER of an opaque colour s through coverage m onto d (RGB). */
static uint32_t
ref_over(uint32_t s, uint32_t m, uint32_t d)
{
	uint32_t r = 0, c, v;
	int sh;

	for (sh = 0; sh < 24; sh += 8) {
		c = ref_mul((s >> sh) & 0xff, m) + ref_mul((d >> sh) & 0xff,
		    255 - m);
		v = c > 255 ? 255 : c;
		r |= v << sh;
	}
	return r;
}

/* --- tests ------------------------------------------------------------ */

static const uint16_t ropds[] = {
	SPICE_ROPD_OP_PUT, SPICE_ROPD_OP_OR, SPICE_ROPD_OP_AND,
	SPICE_ROPD_OP_XOR, SPICE_ROPD_OP_BLACKNESS, SPICE_ROPD_OP_WHITENESS,
	SPICE_ROPD_OP_INVERS, 0,
};

/* Every operator with every combination of the four inversion flags, on
 * FILL (the brush is the input) and on COPY (the source is). */
static void
test_ropd(void)
{
	static const struct qxl_cmd_rect bb = { 3, 2, 33, 21 };
	uint32_t src[W * H];
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	uint32_t want, s;
	unsigned i, f;
	uint16_t desc;
	int x, y;

	for (i = 0; i < W * H; i++)
		src[i] = 0xff000000u | ((i * 2654435761u) >> 8);
	for (i = 0; i < sizeof(ropds) / sizeof(ropds[0]); i++)
		for (f = 0; f < 16; f++) {
			desc = ropds[i] | (f & 7) |
			    ((f & 8) ? SPICE_ROPD_INVERS_RES : 0);
			t_reset(r);
			d = t_draw(QXL_DRAW_FILL, bb.left, bb.top, bb.right,
			    bb.bottom);
			d.brush.type = SPICE_BRUSH_TYPE_SOLID;
			d.brush.color = 0x3c5aa5;
			d.rop = desc;
			t_ok(r, &d);
			for (y = 0; y < H; y++)
				for (x = 0; x < W; x++) {
					want = in_box(x, y, &bb) ? ref_apply(
					    ref_ropd(desc,
					    SPICE_ROPD_INVERS_BRUSH,
					    SPICE_ROPD_INVERS_DEST), 0x3c5aa5,
					    pattern(x, y)) : pattern(x, y);
					ASSERT_INT_EQ(RGB(px(r, x, y)),
					    RGB(want));
				}

			t_reset(r);
			d = t_draw(QXL_DRAW_COPY, bb.left, bb.top, bb.right,
			    bb.bottom);
			d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, W, H,
			    W * 4);
			d.src_area = (struct qxl_cmd_rect){ 1, 1,
			    1 + bb.right - bb.left, 1 + bb.bottom - bb.top };
			d.rop = desc;
			t_ok(r, &d);
			for (y = bb.top; y < bb.bottom; y++)
				for (x = bb.left; x < bb.right; x++) {
					s = src[(y - bb.top + 1) * W + x -
					    bb.left + 1];
					want = ref_apply(ref_ropd(desc,
					    SPICE_ROPD_INVERS_SRC,
					    SPICE_ROPD_INVERS_DEST), s,
					    pattern(x, y));
					ASSERT_INT_EQ(RGB(px(r, x, y)),
					    RGB(want));
				}
		}
	render_free(r);
}

/* All 256 ROP3 codes with a pattern brush (3 x 2, placed at -1,5), a
 * source scaled 2x (nearest), and the destination. */
static void
test_rop3(void)
{
	static const struct qxl_cmd_rect bb = { 4, 6, 20, 14 };
	uint32_t pat[6], src[8 * 4];
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	uint32_t p, s, got;
	int code, x, y, i;

	for (i = 0; i < 6; i++)
		pat[i] = 0xff000000u | (0x9a3f17u * (uint32_t)(i + 1));
	for (i = 0; i < 32; i++)
		src[i] = 0xff000000u | (0x2b7e15u * (uint32_t)(i + 3));
	for (code = 0; code < 256; code++) {
		t_reset(r);
		d = t_draw(QXL_DRAW_ROP3, bb.left, bb.top, bb.right,
		    bb.bottom);
		d.rop3 = (uint8_t)code;
		d.brush.type = SPICE_BRUSH_TYPE_PATTERN;
		d.brush.pat = t_image(SPICE_BITMAP_FMT_32BIT, pat, 3, 2, 12);
		d.brush.pos_x = -1;
		d.brush.pos_y = 5;
		d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 8, 4, 32);
		d.src_area = (struct qxl_cmd_rect){ 0, 0, 8, 4 };
		d.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
		t_ok(r, &d);
		for (y = 0; y < H; y++)
			for (x = 0; x < W; x++) {
				got = RGB(px(r, x, y));
				if (!in_box(x, y, &bb)) {
					ASSERT_INT_EQ(got, pattern(x, y));
					continue;
				}
				p = pat[((y - 5) % 2) * 3 + (x + 1) % 3];
				s = src[((y - bb.top) / 2) * 8 +
				    (x - bb.left) / 2];
				ASSERT_INT_EQ(got, RGB(ref_rop3((uint8_t)code,
				    p, s, pattern(x, y))));
			}
	}
	render_free(r);
}

/* A mask bit, MSB first for _BE. */
static int
mask_bit(const uint8_t *m, int stride, int x, int y, int be)
{
	return (m[y * stride + x / 8] >> (be ? 7 - x % 8 : x % 8)) & 1;
}

/* Masks of both bit orders, inverted or not, placed with an offset,
 * smaller than the bbox; with a clip; on WHITENESS, INVERS and a
 * pattern FILL (a tile from 2,1). */
static void
test_masks(void)
{
	static const struct qxl_cmd_rect bb = { 5, 4, 30, 20 };
	uint8_t m[4 * 12];
	uint32_t tile[4] = { 0xff112233, 0xff445566, 0xff778899,
	    0xffaabbcc };
	struct qxl_cmd_rect clip = { 0, 0, 25, 30 };
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	int be, inv, type, x, y, mx, my, in;
	uint32_t want;
	unsigned i;

	for (i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 37 + 11);
	for (type = 0; type < 3; type++)
		for (be = 0; be < 2; be++)
			for (inv = 0; inv < 2; inv++) {
				t_reset(r);
				d = t_draw(type == 0 ? QXL_DRAW_WHITENESS :
				    type == 1 ? QXL_DRAW_INVERS : QXL_DRAW_FILL,
				    bb.left, bb.top, bb.right, bb.bottom);
				d.clip_type = SPICE_CLIP_TYPE_RECTS;
				d.nclip = 1;
				d.clip = &clip;
				d.mask.present = 1;
				d.mask.flags = inv ? SPICE_MASK_FLAGS_INVERS : 0;
				d.mask.pos_x = 3;
				d.mask.pos_y = 2;
				d.mask.bitmap = t_image(be ?
				    SPICE_BITMAP_FMT_1BIT_BE :
				    SPICE_BITMAP_FMT_1BIT_LE, m, 30, 12, 4);
				d.brush.type = SPICE_BRUSH_TYPE_PATTERN;
				d.brush.pat = t_image(SPICE_BITMAP_FMT_32BIT,
				    tile, 2, 2, 8);
				d.brush.pos_x = 2;
				d.brush.pos_y = 1;
				d.rop = SPICE_ROPD_OP_PUT;
				t_ok(r, &d);
				for (y = 0; y < H; y++)
					for (x = 0; x < W; x++) {
						mx = x - bb.left + 3;
						my = y - bb.top + 2;
						/* Nothing outside the mask,
						 * inverted or not. */
						in = in_box(x, y, &bb) &&
						    x < clip.right && mx < 30 &&
						    my < 12 && (mask_bit(m, 4,
						    mx, my, be) ^ inv);
						want = !in ? pattern(x, y) :
						    type == 0 ? 0xffffff :
						    type == 1 ?
						    ~pattern(x, y) :
						    tile[((y - 1) % 2) * 2 +
						    (x - 2) % 2];
						ASSERT_INT_EQ(RGB(px(r, x, y)),
						    RGB(want));
					}
			}
	render_free(r);
}

/* OPAQUE: the source, then the brush over it (INVERS_SRC inverting the
 * source as the brush's destination).  Palette sources: 8-bit, 4-bit LE, 1-bit BE. */
static void
test_opaque_palette(void)
{
	static const struct qxl_cmd_rect bb = { 2, 3, 10, 7 };
	static const uint32_t pal[16] = { 0x000000, 0xff0000, 0x00ff00,
	    0x0000ff, 0x123456, 0x654321, 0xabcdef, 0xfedcba };
	uint8_t p8[8 * 4], p4[4 * 4], p1[4];
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	uint32_t s, want;
	int x, y, k, idx;
	static const uint16_t descs[3] = {
		SPICE_ROPD_OP_XOR | SPICE_ROPD_INVERS_SRC, SPICE_ROPD_OP_AND,
		SPICE_ROPD_OP_OR | SPICE_ROPD_INVERS_RES |
		    SPICE_ROPD_INVERS_BRUSH,
	};

	for (k = 0; k < 32; k++)
		p8[k] = (uint8_t)((k * 5) % 9);	/* 8 = past the palette */
	for (k = 0; k < 3; k++) {
		t_reset(r);
		d = t_draw(QXL_DRAW_OPAQUE, bb.left, bb.top, bb.right,
		    bb.bottom);
		d.src = t_image(SPICE_BITMAP_FMT_8BIT, p8, 8, 4, 8);
		d.src.palette = (uint32_t *)(uintptr_t)pal;
		d.src.npalette = 8;
		d.src_area = (struct qxl_cmd_rect){ 0, 0, 8, 4 };
		d.brush.type = SPICE_BRUSH_TYPE_SOLID;
		d.brush.color = 0x0f0ff0;
		d.rop = descs[k];
		t_ok(r, &d);
		for (y = bb.top; y < bb.bottom; y++)
			for (x = bb.left; x < bb.right; x++) {
				idx = p8[(y - bb.top) * 8 + x - bb.left];
				s = idx < 8 ? pal[idx] : 0;
				want = ref_apply(ref_ropd(descs[k],
				    SPICE_ROPD_INVERS_BRUSH,
				    SPICE_ROPD_INVERS_SRC), 0x0f0ff0, s);
				ASSERT_INT_EQ(RGB(px(r, x, y)), RGB(want));
			}
	}
	/* 4-bit LE (low nibble first) and 1-bit BE copies. */
	for (k = 0; k < 16; k++)
		p4[k] = (uint8_t)(k * 0x31);
	p1[0] = 0xa5;
	p1[1] = 0x3c;
	p1[2] = 0x0f;
	p1[3] = 0xf0;
	t_reset(r);
	d = t_draw(QXL_DRAW_COPY, 0, 0, 8, 4);
	d.src = t_image(SPICE_BITMAP_FMT_4BIT_LE, p4, 8, 4, 4);
	d.src.palette = (uint32_t *)(uintptr_t)pal;
	d.src.npalette = 16;
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 8, 4 };
	d.rop = SPICE_ROPD_OP_PUT;
	t_ok(r, &d);
	for (y = 0; y < 4; y++)
		for (x = 0; x < 8; x++)
			ASSERT_INT_EQ(RGB(px(r, x, y)), pal[(p4[y * 4 + x / 2] >>
			    (x % 2 * 4)) & 0xf]);
	d.src = t_image(SPICE_BITMAP_FMT_1BIT_BE, p1, 8, 4, 1);
	d.src.palette = (uint32_t *)(uintptr_t)pal + 2;
	d.src.npalette = 2;
	t_ok(r, &d);
	for (y = 0; y < 4; y++)
		for (x = 0; x < 8; x++)
			ASSERT_INT_EQ(RGB(px(r, x, y)),
			    pal[2 + ((p1[y] >> (7 - x)) & 1)]);
	render_free(r);
}

/* TRANSPARENT (a colour key, its alpha byte ignored), ALPHA_BLEND
 * (constant alpha; then an RGBA source's own), and COMPOSITE (SRC
 * through a 2x scaling transform; OVER through an a8 mask). */
static void
test_blend(void)
{
	uint32_t src[6 * 4], rgba[4], a[4 * 4];
	uint8_t m8[4 * 4];
	int32_t xf[6] = { 0x8000, 0, 0, 0, 0x8000, 0 };
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	uint32_t s, want;
	int x, y, i;

	for (i = 0; i < 24; i++)
		src[i] = i % 3 == 0 ? 0x00ff00ff : 0xff000000u |
		    (0x1f2e3du * (uint32_t)i);
	d = t_draw(QXL_DRAW_TRANSPARENT, 10, 10, 16, 14);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 6, 4, 24);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 6, 4 };
	d.transparent_color = 0xffff00ff;
	t_ok(r, &d);
	for (y = 10; y < 14; y++)
		for (x = 10; x < 16; x++) {
			i = (y - 10) * 6 + x - 10;
			ASSERT_INT_EQ(RGB(px(r, x, y)), i % 3 == 0 ?
			    pattern(x, y) : RGB(src[i]));
		}

	t_reset(r);
	d = t_draw(QXL_DRAW_ALPHA_BLEND, 10, 10, 16, 14);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, src, 6, 4, 24);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 6, 4 };
	d.alpha = 0x60;
	t_ok(r, &d);
	for (y = 10; y < 14; y++)
		for (x = 10; x < 16; x++)
			ASSERT_INT_EQ(RGB(px(r, x, y)), ref_over(
			    src[(y - 10) * 6 + x - 10], 0x60, pattern(x, y)));
	/* Premultiplied RGBA: d = s + d * (255 - sa) / 255. */
	rgba[0] = 0x80402000;
	rgba[1] = 0xff102030;
	rgba[2] = 0x00000000;
	rgba[3] = 0x40101010;
	t_reset(r);
	d.src = t_image(SPICE_BITMAP_FMT_RGBA, rgba, 2, 2, 8);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 2, 2 };
	d.bbox = (struct qxl_cmd_rect){ 0, 0, 2, 2 };
	d.alpha = 0xff;
	t_ok(r, &d);
	for (i = 0; i < 4; i++) {
		s = rgba[i];
		want = 0;
		for (x = 0; x < 24; x += 8)
			want |= (((s >> x) & 0xff) + ref_mul((pattern(i % 2,
			    i / 2) >> x) & 0xff, 255 - (s >> 24))) << x;
		ASSERT_INT_EQ(RGB(px(r, i % 2, i / 2)), want);
	}

	/* COMPOSITE SRC, 2x through the transform, nearest. */
	for (i = 0; i < 16; i++)
		a[i] = 0xff000000u | (0x3a5c7eu * (uint32_t)(i + 1));
	t_reset(r);
	d = t_draw(QXL_DRAW_COMPOSITE, 20, 5, 28, 13);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, a, 4, 4, 16);
	d.composite.flags = PIXMAN_OP_SRC;
	d.composite.has_src_transform = 1;
	memcpy(d.composite.src_transform, xf, sizeof(xf));
	t_ok(r, &d);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(RGB(px(r, x, y)), x >= 20 && x < 28 &&
			    y >= 5 && y < 13 ? RGB(a[((y - 5) / 2) * 4 +
			    (x - 20) / 2]) : pattern(x, y));
	/* OVER through an a8 mask from origin 1,1. */
	for (i = 0; i < 16; i++)
		m8[i] = (uint8_t)(i * 17);
	t_reset(r);
	d = t_draw(QXL_DRAW_COMPOSITE, 20, 5, 23, 8);
	d.src = t_image(SPICE_BITMAP_FMT_32BIT, a, 4, 4, 16);
	d.composite.flags = PIXMAN_OP_OVER | SPICE_COMPOSITE_HAS_MASK;
	d.composite.has_mask = 1;
	d.composite.mask = t_image(SPICE_BITMAP_FMT_8BIT_A, m8, 4, 4, 4);
	d.composite.mask_x = 1;
	d.composite.mask_y = 1;
	t_ok(r, &d);
	for (y = 5; y < 8; y++)
		for (x = 20; x < 23; x++)
			ASSERT_INT_EQ(RGB(px(r, x, y)), ref_over(a[(y - 5) * 4 +
			    x - 20], m8[(y - 4) * 4 + x - 19], pattern(x, y)));
	render_free(r);
}

/* TEXT: an A1 glyph (rows bottom-up, MSB first), an A4 one overlapping
 * it (coverage is the larger; v * 16, as SPICE's canvas reads A4), an A8
 * one; the back brush over back_area first. */
static void
test_text(void)
{
	struct qxl_cmd_glyph g[3];
	uint8_t a1[3 * 2], a4[2 * 3], a8[2 * 2];
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	uint32_t want, cov, v;
	int x, y, row, gx, gy;

	a1[0] = 0xc0; a1[1] = 0x80;	/* bottom row: x 0, 1, 8 */
	a1[2] = 0x00; a1[3] = 0x00;
	a1[4] = 0x81; a1[5] = 0x00;	/* top row: x 0, 7 */
	a4[0] = 0xf8; a4[1] = 0x10; a4[2] = 0x0f;	/* top-down */
	a4[3] = 0x00; a4[4] = 0xff; a4[5] = 0xf0;
	a8[0] = 0xff; a8[1] = 0x80; a8[2] = 0x00; a8[3] = 0x40;
	g[0] = (struct qxl_cmd_glyph){ 2, 3, 9, 3, a1 + 4, -2 };
	g[1] = (struct qxl_cmd_glyph){ 9, 4, 6, 2, a4, 3 };
	g[2] = (struct qxl_cmd_glyph){ 20, 10, 2, 2, a8 + 2, -2 };
	d = t_draw(QXL_DRAW_TEXT, 0, 0, W, H);
	d.text.flags = SPICE_STRING_FLAGS_RASTER_A1;
	d.text.nglyphs = 1;
	d.text.glyphs = g;
	d.text.fore.type = SPICE_BRUSH_TYPE_SOLID;
	d.text.fore.color = 0x20a0f0;
	d.text.back.type = SPICE_BRUSH_TYPE_SOLID;
	d.text.back.color = 0x101010;
	d.text.back_area = (struct qxl_cmd_rect){ 0, 0, 4, 30 };
	t_ok(r, &d);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++) {
			gx = x - 2;
			gy = y - 3;
			cov = gx >= 0 && gx < 9 && gy >= 0 && gy < 3 &&
			    ((a1[(2 - gy) * 2 + gx / 8] >> (7 - gx % 8)) & 1);
			want = cov ? 0x20a0f0 : x < 4 ? 0x101010 :
			    pattern(x, y);
			ASSERT_INT_EQ(RGB(px(r, x, y)), want);
		}

	t_reset(r);
	d.text.flags = SPICE_STRING_FLAGS_RASTER_A4 |
	    SPICE_STRING_FLAGS_RASTER_TOP_DOWN;
	d.text.glyphs = g + 1;
	d.text.back_area = (struct qxl_cmd_rect){ 0, 0, 0, 0 };
	t_ok(r, &d);
	for (y = 4; y < 6; y++)
		for (x = 9; x < 15; x++) {
			row = y - 4;
			v = (a4[row * 3 + (x - 9) / 2] >> ((x - 9) % 2 ? 0 : 4)) &
			    0xf;
			ASSERT_INT_EQ(RGB(px(r, x, y)), ref_over(0x20a0f0,
			    v * 16, pattern(x, y)));
		}
	t_reset(r);
	d.text.flags = SPICE_STRING_FLAGS_RASTER_A8;
	d.text.glyphs = g + 2;
	t_ok(r, &d);
	for (y = 10; y < 12; y++)
		for (x = 20; x < 22; x++)
			ASSERT_INT_EQ(RGB(px(r, x, y)), ref_over(0x20a0f0,
			    a8[(1 - (y - 10)) * 2 + x - 20], pattern(x, y)));
	render_free(r);
}

/* A list of the pixels a stroke drew (those that differ from the
 * pattern after an XOR with 0xffffff). */
static int
stroked(struct render *r, int x, int y)
{
	return RGB(px(r, x, y)) == RGB(~pattern(x, y));
}

static void
t_stroke(struct render *r, const struct qxl_cmd_pathseg *segs, uint32_t n,
    struct qxl_cmd_pointfix *pts, uint8_t nstyle, const int32_t *style,
    uint8_t lflags)
{
	struct qxl_cmd_draw d = t_draw(QXL_DRAW_STROKE, 0, 0, W, H);

	t_reset(r);
	d.stroke.nsegs = n;
	d.stroke.segs = (struct qxl_cmd_pathseg *)(uintptr_t)segs;
	d.stroke.points = pts;
	d.stroke.nstyle = nstyle;
	d.stroke.line_flags = lflags;
	if (nstyle > 0)
		memcpy(d.stroke.style, style, (size_t)nstyle * 4);
	d.stroke.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.stroke.brush.color = 0xffffff;
	d.stroke.fore_mode = SPICE_ROPD_OP_XOR;
	t_ok(r, &d);
}

/* STROKE: a polyline without its last pixel, a closed triangle whose
 * start pixel is XORed once, a dashed line (2 on, 1 off; then starting
 * with the gap), a line far outside the surface that crosses it. */
static void
test_stroke(void)
{
	struct qxl_cmd_pointfix poly[3] = { { FX(2), FX(3) },
	    { FX(10), FX(3) }, { FX(10), FX(9) } };
	struct qxl_cmd_pointfix tri[3] = { { FX(5), FX(20) },
	    { FX(9), FX(20) }, { FX(5), FX(24) } };
	struct qxl_cmd_pointfix dash[2] = { { FX(2), FX(1) },
	    { FX(12) + 3, FX(1) - 7 } };
	struct qxl_cmd_pointfix far[2] = { { FX(-100000), FX(15) },
	    { FX(100000), FX(15) } };
	struct qxl_cmd_pointfix back[2] = { { FX(4), FX(1) }, { FX(0), FX(0) } };
	struct qxl_cmd_pathseg seg = { SPICE_PATH_BEGIN | SPICE_PATH_END, 3,
	    NULL };
	struct render *r = t_primary();
	int32_t style[2] = { FX(2), FX(1) };
	int x, y, want;

	seg.pts = poly;
	t_stroke(r, &seg, 1, poly, 0, NULL, 0);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++) {
			want = (y == 3 && x >= 2 && x <= 10) ||
			    (x == 10 && y > 3 && y < 9);
			ASSERT_INT_EQ(stroked(r, x, y), want);
		}

	seg.flags = SPICE_PATH_BEGIN | SPICE_PATH_END | SPICE_PATH_CLOSE;
	seg.pts = tri;
	t_stroke(r, &seg, 1, tri, 0, NULL, 0);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++) {
			/* Along the top, down the diagonal (9,20)-(5,24),
			 * up the left side; (5,20) once. */
			want = (y == 20 && x >= 5 && x < 9) ||
			    (x + y == 29 && x > 5 && x <= 9) ||
			    (x == 5 && y > 20 && y <= 24);
			ASSERT_INT_EQ(stroked(r, x, y), want);
		}

	/* 12.19 rounds to 12, 0.56 to 1. */
	seg.flags = SPICE_PATH_BEGIN | SPICE_PATH_END;
	seg.count = 2;
	seg.pts = dash;
	t_stroke(r, &seg, 1, dash, 2, style, SPICE_LINE_FLAGS_STYLED);
	for (x = 0; x < W; x++)
		ASSERT_INT_EQ(stroked(r, x, 1), x >= 2 && x < 12 &&
		    (x - 2) % 3 != 2);
	t_stroke(r, &seg, 1, dash, 2, style, SPICE_LINE_FLAGS_STYLED |
	    SPICE_LINE_FLAGS_START_WITH_GAP);
	for (x = 0; x < W; x++)
		ASSERT_INT_EQ(stroked(r, x, 1), x >= 2 && x < 12 &&
		    (x - 2) % 3 == 2);

	seg.pts = far;
	t_stroke(r, &seg, 1, far, 0, NULL, 0);
	for (x = 0; x < W; x++)
		ASSERT_INT_EQ(stroked(r, x, 15), 1);
	ASSERT_INT_EQ(stroked(r, 0, 14), 0);

	/* Halves: (0, 0) to (4, 1) takes (2, 1); so does (4, 1) to
	 * (0, 0), x decreasing (X's bias), where rounding away from the
	 * start would take (2, 0). */
	seg.pts = back;
	t_stroke(r, &seg, 1, back, 0, NULL, 0);
	for (y = 0; y < 3; y++)
		for (x = 0; x < 6; x++)
			ASSERT_INT_EQ(stroked(r, x, y), (y == 1 && x >= 2 &&
			    x <= 4) || (y == 0 && x == 1));
	render_free(r);
}

/* A COPY of an image the producer compressed, after the u32 size an
 * encoder wrote first; the stream stays in ob. */
static struct qxl_cmd_draw
t_compressed(struct obuf *ob, uint8_t codec, int32_t x, int32_t y,
    uint32_t w, uint32_t h)
{
	struct qxl_cmd_draw d = t_draw(QXL_DRAW_COPY, x, y, x + (int32_t)w,
	    y + (int32_t)h);

	d.src.kind = QXL_CMD_SRC_COMPRESSED;
	d.src.codec = codec;
	d.src.width = w;
	d.src.height = h;
	d.src.pixels = ob->ob_data + 4;
	d.src.size = ob->ob_len - 4;
	d.src_area = (struct qxl_cmd_rect){ 0, 0, (int32_t)w, (int32_t)h };
	d.rop = SPICE_ROPD_OP_PUT;
	return d;
}

/* Images a producer sends compressed: QUIC and LZ exact, JPEG close; a
 * stream that does not decode, or decodes to another size, is refused
 * with why. */
static void
test_compressed(void)
{
	uint32_t pic[24 * 16], got, want;
	struct enc_quic *eq = enc_quic_new();
	struct enc_jpeg *ej = enc_jpeg_new();
	struct enc_lz *ez = enc_lz_new();
	struct render *r = t_primary();
	struct qxl_cmd_draw d;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	int i, x, y, k, dmax = 0, e, sh;

	for (i = 0; i < 24 * 16; i++)
		pic[i] = (i % 24 < 12) ? 0x00204080u + (uint32_t)(i / 24) * 0x030201u :
		    0x00f0e0d0u;
	src.es_data = (const uint8_t *)pic;
	src.es_stride = 24 * 4;
	src.es_width = 24;
	src.es_height = 16;
	for (k = 0; k < 3; k++) {
		obuf_init(&ob);
		ASSERT_INT_EQ(k == 0 ? enc_quic_encode(eq, &ob, &src, &err) :
		    k == 1 ? enc_lz_encode(ez, &ob, &src, &err) :
		    enc_jpeg_encode(ej, &ob, &src, 95, ENC_CHROMA_420, &err), 0);
		t_reset(r);
		d = t_compressed(&ob, k == 0 ? SPICE_IMAGE_TYPE_QUIC : k == 1 ?
		    SPICE_IMAGE_TYPE_LZ_RGB : SPICE_IMAGE_TYPE_JPEG, 5, 7, 24, 16);
		t_ok(r, &d);
		for (y = 0; y < 16; y++)
			for (x = 0; x < 24; x++) {
				got = RGB(px(r, 5 + x, 7 + y));
				want = pic[y * 24 + x] & 0xffffff;
				if (k < 2) {
					ASSERT_INT_EQ(got, want);
					continue;
				}
				for (sh = 0; sh < 24; sh += 8) {
					e = abs((int)((got >> sh) & 255) -
					    (int)((want >> sh) & 255));
					if (e > dmax)
						dmax = e;
				}
			}
		ASSERT_INT_EQ(RGB(px(r, 4, 7)), pattern(4, 7));
		/* Another size than the descriptor's; a byte broken. */
		d.src.width = 23;
		d.src_area.right = 23;
		d.bbox.right = 5 + 23;
		ASSERT_INT_EQ(render_draw(r, &d, &err), -1);
		ASSERT_STR_CONTAINS(err.msg, "24x16");
		d = t_compressed(&ob, d.src.codec, 5, 7, 24, 16);
		d.src.size = 20;
		ASSERT_INT_EQ(render_draw(r, &d, &err), -1);
		obuf_free(&ob);
	}
	/* JPEG at quality 95: flat areas and one hard edge (its ringing
	 * and 4:2:0 chroma), within 40 levels; a wrong decode is far off. */
	ASSERT_TRUE(dmax <= 40);
	enc_quic_free(eq);
	enc_lz_free(ez);
	enc_jpeg_free(ej);
	render_free(r);
}

/* Refused: a source area outside a surface source, a palette bitmap
 * without its palette, a mask whose bytes do not hold it. */
static void
test_refusals(void)
{
	uint8_t m[4] = { 0 };
	struct qxl_cmd_draw d;
	struct render *r = t_primary();
	struct spd_err err;

	d = t_draw(QXL_DRAW_ROP3, 0, 0, 10, 10);
	d.src.kind = QXL_CMD_SRC_SURFACE;
	d.src.surface_id = 0;
	d.src_area = (struct qxl_cmd_rect){ 35, 0, 45, 10 };
	d.rop3 = 0xcc;
	ASSERT_INT_EQ(render_draw(r, &d, &err), -1);
	d = t_draw(QXL_DRAW_ROP3, 0, 0, 10, 10);
	d.src.kind = QXL_CMD_SRC_SURFACE;
	d.src.surface_id = 5;
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 10, 10 };
	d.rop3 = 0x66;
	ASSERT_INT_EQ(render_draw(r, &d, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "rop3: source surface 5 does not exist");
	d = t_draw(QXL_DRAW_COPY, 0, 0, 4, 4);
	d.src = t_image(SPICE_BITMAP_FMT_8BIT, m, 2, 2, 2);
	d.src_area = (struct qxl_cmd_rect){ 0, 0, 2, 2 };
	d.rop = SPICE_ROPD_OP_PUT;
	ASSERT_INT_EQ(render_draw(r, &d, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "without a palette");
	d = t_draw(QXL_DRAW_BLACKNESS, 0, 0, 4, 4);
	d.mask.present = 1;
	d.mask.bitmap = t_image(SPICE_BITMAP_FMT_1BIT_LE, m, 64, 2, 8);
	d.mask.bitmap.size = 4;
	ASSERT_INT_EQ(render_draw(r, &d, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "mask: 64x2 bitmap does not fit");
	render_free(r);
}

int
main(void)
{
	test_seed();
	test_ropd();
	test_rop3();
	test_masks();
	test_opaque_palette();
	test_blend();
	test_text();
	test_stroke();
	test_compressed();
	test_refusals();
	printf("test-render-draw: ok\n");
	return 0;
}
