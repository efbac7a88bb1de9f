/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for workers/display/render.c: surfaces created from both memory
 * orders, FILL, COPY (bitmap, surface, self-overlapping, scaled,
 * clipped, resent unchanged) and COPY_BITS checked pixel by pixel
 * against expectations computed here without pixman, the damage, moves
 * and fills reported for the primary, and refusals.
 */
#include <spice/enums.h>

#include "render.h"
#include "test-helper.h"

#define W	64
#define H	48

static pixman_region32_t damage;
static int ndamage;

static void
on_damage(void *arg, const pixman_region32_t *area)
{
	ASSERT_TRUE(arg == &damage);
	pixman_region32_union(&damage, &damage, (pixman_region32_t *)area);
	ndamage++;
}

static void
damage_reset(void)
{
	pixman_region32_clear(&damage);
	ndamage = 0;
}

static uint32_t
px(struct render *r, uint32_t id, int x, int y)
{
	pixman_image_t *img = render_surface(r, id);
	const uint8_t *p = (const uint8_t *)pixman_image_get_data(img);
	uint32_t v;

	memcpy(&v, p + (size_t)y * pixman_image_get_stride(img) +
	    (size_t)x * 4, 4);
	return v;
}

/* xRGB surfaces: the x byte carries no meaning. */
#define RGB(v)	((v) & 0x00ffffffu)

static int
in_box(int x, int y, int x1, int y1, int x2, int y2)
{
	return x >= x1 && x < x2 && y >= y1 && y < y2;
}

/* Damage must be exactly the listed boxes' union. */
static void
check_damage(const pixman_box32_t *boxes, int n)
{
	pixman_region32_t want;

	pixman_region32_init_rects(&want, boxes, n);
	ASSERT_TRUE(pixman_region32_equal(&want, &damage));
	pixman_region32_fini(&want);
}

static uint32_t
pattern(int x, int y)
{
	return (uint32_t)(x * 0x010203 + y * 0x030100) & 0xffffff;
}

static struct render *
make_primary(int bottom_up)
{
	struct render *r;
	struct spd_err err;
	uint32_t *mem;
	int x, y, row;

	ASSERT_TRUE((r = render_new(on_damage, &damage)) != NULL);
	damage_reset();
	/* Rows padded to 70 pixels; bottom-up memory stores the top row
	 * last and is walked with a negative stride. */
	ASSERT_TRUE((mem = calloc((size_t)70 * H, 4)) != NULL);
	for (y = 0; y < H; y++) {
		row = bottom_up ? H - 1 - y : y;
		for (x = 0; x < W; x++)
			mem[row * 70 + x] = pattern(x, y);
	}
	ASSERT_INT_EQ(render_surface_create(r, 0, W, H,
	    SPICE_SURFACE_FMT_32_xRGB,
	    (const uint8_t *)(bottom_up ? mem + (H - 1) * 70 : mem),
	    bottom_up ? -70 * 4 : 70 * 4, &err), 0);
	free(mem);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(RGB(px(r, 0, x, y)), pattern(x, y));
	ASSERT_INT_EQ(ndamage, 0);
	return r;
}

static void
test_create(void)
{
	struct render *r;
	struct spd_err err;

	render_free(make_primary(0));
	r = make_primary(1);
	ASSERT_INT_EQ(render_surface_create(r, 0, 8, 8,
	    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "already exists");
	ASSERT_INT_EQ(render_surface_create(r, RENDER_MAX_SURFACES, 8, 8,
	    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err), -1);
	ASSERT_INT_EQ(render_surface_create(r, 3, 8, 8,
	    SPICE_SURFACE_FMT_16_565, NULL, 0, &err), -1);
	ASSERT_INT_EQ(render_surface_create(r, 3, 0, 8,
	    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err), -1);
	ASSERT_INT_EQ(render_surface_create(r, 3, RENDER_MAX_DIM + 1, 8,
	    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err), -1);
	/* stride shorter than a row */
	ASSERT_INT_EQ(render_surface_create(r, 3, 8, 8,
	    SPICE_SURFACE_FMT_32_xRGB, (const uint8_t *)"", 28, &err), -1);
	/* The off-screen cap: one maximal surface fits, nothing more.
	 * pixman's zeroed allocation is not touched, so this is cheap. */
	ASSERT_INT_EQ(render_surface_create(r, 1, RENDER_MAX_DIM,
	    RENDER_MAX_DIM, SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err), 0);
	ASSERT_INT_EQ(render_surface_create(r, 2, 1, 1,
	    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "cap");
	ASSERT_INT_EQ(render_surface_destroy(r, 1, &err), 0);
	ASSERT_INT_EQ(render_surface_create(r, 2, 1, 1,
	    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err), 0);
	ASSERT_INT_EQ(render_surface_destroy(r, 1, &err), -1);
	ASSERT_INT_EQ(render_surface_destroy(r, 0, &err), 0);
	ASSERT_TRUE(render_surface(r, 0) == NULL);
	render_free(r);
}

static void
test_fill(void)
{
	static const pixman_box32_t cl[] = {
		{ 0, 0, 15, 15 }, { 20, 10, 40, 12 },
	};
	pixman_box32_t bbox = { 10, 5, 30, 20 }, want[2];
	pixman_region32_t clip;
	struct render *r;
	struct spd_err err;
	int x, y, in;

	r = make_primary(0);
	damage_reset();
	ASSERT_INT_EQ(render_fill(r, 0, &bbox, NULL, 0x123456,
	    SPICE_ROPD_OP_PUT, &err), 0);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
			    in_box(x, y, 10, 5, 30, 20) ? 0x123456 :
			    pattern(x, y));
	check_damage(&bbox, 1);

	/* Clipped, and partly outside the surface. */
	damage_reset();
	bbox = (pixman_box32_t){ 5, 8, 100, 14 };
	pixman_region32_init_rects(&clip, cl, 2);
	ASSERT_INT_EQ(render_fill(r, 0, &bbox, &clip, 0xabcdef,
	    SPICE_ROPD_OP_PUT | SPICE_ROPD_INVERS_BRUSH, &err), 0);
	for (y = 8; y < 14; y++)
		for (x = 0; x < W; x++) {
			in = in_box(x, y, 5, 8, 100, 14) &&
			    (in_box(x, y, 0, 0, 15, 15) ||
			    in_box(x, y, 20, 10, 40, 12));
			if (in)
				ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
				    RGB(~0xabcdefu));
			else
				ASSERT_TRUE(RGB(px(r, 0, x, y)) !=
				    RGB(~0xabcdefu));
		}
	want[0] = (pixman_box32_t){ 5, 8, 15, 14 };
	want[1] = (pixman_box32_t){ 20, 10, 40, 12 };
	check_damage(want, 2);
	pixman_region32_fini(&clip);

	/* An empty clip draws nothing and reports nothing. */
	damage_reset();
	pixman_region32_init(&clip);
	ASSERT_INT_EQ(render_fill(r, 0, &bbox, &clip, 0, SPICE_ROPD_OP_PUT,
	    &err), 0);
	ASSERT_INT_EQ(ndamage, 0);
	pixman_region32_fini(&clip);

	/* A bitwise ROP combines with what is there (test-render-draw
	 * checks every one). */
	damage_reset();
	bbox = (pixman_box32_t){ 40, 30, 50, 40 };
	ASSERT_INT_EQ(render_fill(r, 0, &bbox, NULL, 0x0f0f0f,
	    SPICE_ROPD_OP_XOR, &err), 0);
	ASSERT_INT_EQ(RGB(px(r, 0, 45, 33)), pattern(45, 33) ^ 0x0f0f0f);
	ASSERT_INT_EQ(RGB(px(r, 0, 50, 33)), pattern(50, 33));
	check_damage(&bbox, 1);
	bbox = (pixman_box32_t){ 5, 8, 100, 14 };
	ASSERT_INT_EQ(render_fill(r, 7, &bbox, NULL, 0, SPICE_ROPD_OP_PUT,
	    &err), -1);
	bbox.x2 = 0x7fffffff;
	ASSERT_INT_EQ(render_fill(r, 0, &bbox, NULL, 0, SPICE_ROPD_OP_PUT,
	    &err), -1);

	/* BLACKNESS, and an off-screen ARGB surface: keeps the alpha byte,
	 * reports no primary damage. */
	bbox = (pixman_box32_t){ 0, 0, 2, 2 };
	ASSERT_INT_EQ(render_fill(r, 0, &bbox, NULL, 0x777777,
	    SPICE_ROPD_OP_BLACKNESS, &err), 0);
	ASSERT_INT_EQ(RGB(px(r, 0, 1, 1)), 0);
	ASSERT_INT_EQ(render_surface_create(r, 4, 8, 8,
	    SPICE_SURFACE_FMT_32_ARGB, NULL, 0, &err), 0);
	damage_reset();
	ASSERT_INT_EQ(render_fill(r, 4, &bbox, NULL, 0x80112233,
	    SPICE_ROPD_OP_PUT, &err), 0);
	ASSERT_INT_EQ(px(r, 4, 1, 1), 0x80112233);
	ASSERT_INT_EQ(px(r, 4, 2, 2), 0);
	ASSERT_INT_EQ(ndamage, 0);
	render_free(r);
}

static void
test_copy_bitmap(void)
{
	uint32_t bm[20 * 10], before[W * H];
	uint8_t bm24[3 * 15];
	struct render_src src;
	pixman_box32_t bbox = { 30, 30, 40, 35 }, sa = { 2, 3, 12, 8 };
	pixman_box32_t cb = { 0, 0, 35, 33 };
	pixman_region32_t clip;
	struct render *r;
	struct spd_err err;
	int x, y, i;

	for (i = 0; i < 20 * 10; i++)
		bm[i] = (uint32_t)rand() & 0xffffff;
	r = make_primary(0);
	memset(&src, 0, sizeof(src));
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_32BIT;
	src.rs_bitmap.rb_width = 20;
	src.rs_bitmap.rb_height = 10;
	src.rs_bitmap.rb_stride = 80;
	src.rs_bitmap.rb_data = (const uint8_t *)bm;
	src.rs_bitmap.rb_size = sizeof(bm);

	damage_reset();
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
			    in_box(x, y, 30, 30, 40, 35) ?
			    bm[(y - 30 + 3) * 20 + (x - 30 + 2)] :
			    pattern(x, y));
	check_damage(&bbox, 1);

	/* Clipped copy over the same spot with another area. */
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			before[y * W + x] = RGB(px(r, 0, x, y));
	damage_reset();
	sa = (pixman_box32_t){ 10, 5, 20, 10 };
	pixman_region32_init_rects(&clip, &cb, 1);
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, &clip, &src, &sa,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
	pixman_region32_fini(&clip);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
			    in_box(x, y, 30, 30, 35, 33) ?
			    bm[(y - 30 + 5) * 20 + (x - 30 + 10)] :
			    before[y * W + x]);
	cb = (pixman_box32_t){ 30, 30, 35, 33 };
	check_damage(&cb, 1);

	/* Source area outside the bitmap, short data, odd format. */
	sa = (pixman_box32_t){ 15, 0, 25, 5 };
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), -1);
	sa = (pixman_box32_t){ 0, 0, 10, 5 };
	src.rs_bitmap.rb_size = sizeof(bm) - 1;
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), -1);
	src.rs_bitmap.rb_size = sizeof(bm);
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_8BIT;
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "8-bit bitmap without a palette");
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_32BIT;

	/* 24-bit B,G,R with a stride that is not a multiple of 4. */
	for (i = 0; i < (int)sizeof(bm24); i++)
		bm24[i] = (uint8_t)(i * 17 + 1);
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_24BIT;
	src.rs_bitmap.rb_width = 5;
	src.rs_bitmap.rb_height = 3;
	src.rs_bitmap.rb_stride = 15;
	src.rs_bitmap.rb_data = bm24;
	src.rs_bitmap.rb_size = sizeof(bm24);
	bbox = (pixman_box32_t){ 0, 0, 5, 3 };
	sa = bbox;
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), 0);
	for (y = 0; y < 3; y++)
		for (x = 0; x < 5; x++) {
			const uint8_t *p = bm24 + y * 15 + x * 3;

			ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
			    (uint32_t)p[2] << 16 | p[1] << 8 | p[0]);
		}

	/* The same bytes bottom-up (negative stride, repacked since 15 is
	 * not a multiple of 4): picture row y is memory row 2 - y. */
	src.rs_bitmap.rb_stride = -15;
	src.rs_bitmap.rb_data = bm24 + 2 * 15;
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), 0);
	for (y = 0; y < 3; y++)
		for (x = 0; x < 5; x++) {
			const uint8_t *p = bm24 + (2 - y) * 15 + x * 3;

			ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
			    (uint32_t)p[2] << 16 | p[1] << 8 | p[0]);
		}

	/* A 32-bit bottom-up bitmap, composited in place by pixman. */
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_32BIT;
	src.rs_bitmap.rb_width = 20;
	src.rs_bitmap.rb_height = 10;
	src.rs_bitmap.rb_stride = -80;
	src.rs_bitmap.rb_data = (const uint8_t *)(bm + 9 * 20);
	src.rs_bitmap.rb_size = sizeof(bm);
	bbox = (pixman_box32_t){ 1, 2, 21, 12 };
	sa = (pixman_box32_t){ 0, 0, 20, 10 };
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), 0);
	for (y = 0; y < 10; y++)
		for (x = 0; x < 20; x++)
			ASSERT_INT_EQ(RGB(px(r, 0, x + 1, y + 2)),
			    bm[(9 - y) * 20 + x]);
	/* One byte short of the rows below the top one. */
	src.rs_bitmap.rb_size = sizeof(bm) - 1;
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "needs 800 bytes");
	render_free(r);
}

static void
test_copy_surface(void)
{
	uint32_t before[W * H];
	struct render_src src;
	pixman_box32_t bbox, sa;
	struct render *r;
	struct spd_err err;
	int x, y;

	r = make_primary(0);
	/* Off-screen surface 5: its own pattern via two fills. */
	ASSERT_INT_EQ(render_surface_create(r, 5, 16, 16,
	    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err), 0);
	bbox = (pixman_box32_t){ 0, 0, 8, 16 };
	ASSERT_INT_EQ(render_fill(r, 5, &bbox, NULL, 0x0000ff,
	    SPICE_ROPD_OP_PUT, &err), 0);
	bbox = (pixman_box32_t){ 8, 0, 16, 16 };
	ASSERT_INT_EQ(render_fill(r, 5, &bbox, NULL, 0x00ff00,
	    SPICE_ROPD_OP_PUT, &err), 0);
	memset(&src, 0, sizeof(src));
	src.rs_is_surface = 1;
	src.rs_surface = 5;
	damage_reset();
	bbox = (pixman_box32_t){ 50, 40, 62, 44 };
	sa = (pixman_box32_t){ 2, 6, 14, 10 };
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), 0);
	for (y = 40; y < 44; y++)
		for (x = 50; x < 62; x++)
			ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
			    x - 50 + 2 < 8 ? 0x0000ff : 0x00ff00);
	check_damage(&bbox, 1);

	/* Scroll: the primary onto itself, overlapping, one row down and
	 * three right. */
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			before[y * W + x] = RGB(px(r, 0, x, y));
	src.rs_surface = 0;
	bbox = (pixman_box32_t){ 3, 1, W, H };
	sa = (pixman_box32_t){ 0, 0, W - 3, H - 1 };
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), 0);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
			    in_box(x, y, 3, 1, W, H) ?
			    before[(y - 1) * W + x - 3] : before[y * W + x]);

	/* Nearest scaling 2x: each source pixel becomes a 2x2 block. */
	bbox = (pixman_box32_t){ 0, 0, 8, 8 };
	sa = (pixman_box32_t){ 4, 4, 8, 8 };
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			before[y * W + x] = RGB(px(r, 0, x, y));
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
	for (y = 0; y < 8; y++)
		for (x = 0; x < 8; x++)
			ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
			    before[(4 + y / 2) * W + 4 + x / 2]);

	/* Missing source surface; source area beyond the surface. */
	src.rs_surface = 9;
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), -1);
	src.rs_surface = 5;
	sa = (pixman_box32_t){ 10, 10, 20, 12 };
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, 0, &err), -1);
	render_free(r);
}

/* A bitmap that repeats what the primary holds except in three pixels
 * reports only those pixels' spans; the same bitmap again reports
 * nothing; changed spans that overlap from row to row are one box. */
static void
test_copy_unchanged(void)
{
	uint32_t bm[16 * 12];
	struct render_src src;
	pixman_box32_t bbox = { 10, 20, 26, 32 }, sa = { 0, 0, 16, 12 };
	pixman_box32_t want[3] = { { 25, 23, 26, 24 }, { 10, 28, 11, 29 },
	    { 17, 29, 18, 30 } };
	pixman_box32_t band = { 12, 21, 20, 25 };
	struct render *r;
	struct spd_err err;
	int x, y;

	r = make_primary(0);
	for (y = 0; y < 12; y++)
		for (x = 0; x < 16; x++)
			bm[y * 16 + x] = pattern(x + 10, y + 20);
	bm[3 * 16 + 15] ^= 0x10;	/* row 23, its last pixel */
	bm[8 * 16] ^= 0x10;		/* rows 28 and 29 */
	bm[9 * 16 + 7] ^= 0x10;
	memset(&src, 0, sizeof(src));
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_32BIT;
	src.rs_bitmap.rb_width = 16;
	src.rs_bitmap.rb_height = 12;
	src.rs_bitmap.rb_stride = 64;
	src.rs_bitmap.rb_data = (const uint8_t *)bm;
	src.rs_bitmap.rb_size = sizeof(bm);
	damage_reset();
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
	check_damage(want, 3);
	ASSERT_INT_EQ(RGB(px(r, 0, 25, 23)), pattern(25, 23) ^ 0x10);
	ASSERT_INT_EQ(RGB(px(r, 0, 17, 29)), pattern(17, 29) ^ 0x10);
	damage_reset();
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
	ASSERT_INT_EQ(ndamage, 0);
	/* Rows 21..24 changed at x 12..14, 14..19, 15..25 and 18: one box. */
	bm[1 * 16 + 2] ^= 1;
	bm[1 * 16 + 4] ^= 1;
	bm[2 * 16 + 4] ^= 1;
	bm[2 * 16 + 9] ^= 1;
	bm[3 * 16 + 5] ^= 1;
	bm[3 * 16 + 15] ^= 1;	/* with row 23's own change, 15..25 */
	bm[4 * 16 + 8] ^= 1;
	damage_reset();
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
	band.x2 = 26;
	check_damage(&band, 1);
	render_free(r);
}

static pixman_region32_t moved;
static int32_t moved_dx, moved_dy;
static int nmoved;

static void
on_move(void *arg, const pixman_region32_t *dst, int32_t dx, int32_t dy)
{
	ASSERT_TRUE(arg == &damage);
	pixman_region32_copy(&moved, (pixman_region32_t *)dst);
	moved_dx = dx;
	moved_dy = dy;
	nmoved++;
}

/* COPY_BITS: overlapping moves both ways, reported as moves with their
 * offset, clipped to the clip and to where the source lies; refusals. */
static void
test_copy_bits(void)
{
	uint32_t before[W * H];
	pixman_box32_t bbox = { 4, 10, 44, 30 }, want = { 4, 10, 44, 30 };
	pixman_box32_t cb[2] = { { 0, 0, 64, 12 }, { 0, 20, 20, 48 } };
	pixman_region32_t clip, wantr;
	struct render *r;
	struct spd_err err;
	int x, y;

	r = make_primary(0);
	render_set_damage(r, on_damage, on_move, &damage);
	pixman_region32_init(&moved);
	/* Down and right by (3, 5): the source overlaps the destination. */
	nmoved = 0;
	ASSERT_INT_EQ(render_copy_bits(r, 0, &bbox, NULL, 1, 5, &err), 0);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
			    in_box(x, y, 4, 10, 44, 30) ?
			    pattern(x - 3, y - 5) : pattern(x, y));
	ASSERT_INT_EQ(nmoved, 1);
	ASSERT_INT_EQ(moved_dx, 3);
	ASSERT_INT_EQ(moved_dy, 5);
	pixman_region32_init_rects(&wantr, &want, 1);
	ASSERT_TRUE(pixman_region32_equal(&wantr, &moved));
	pixman_region32_fini(&wantr);
	ASSERT_INT_EQ(ndamage, 0);

	/* Up by 4 through a clip of two rectangles. */
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			before[y * W + x] = RGB(px(r, 0, x, y));
	pixman_region32_init_rects(&clip, cb, 2);
	bbox = (pixman_box32_t){ 0, 0, 64, 40 };
	ASSERT_INT_EQ(render_copy_bits(r, 0, &bbox, &clip, 0, 4, &err), 0);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
			    pixman_region32_contains_point(&clip, x, y,
			    NULL) && y < 40 ? before[(y + 4) * W + x] :
			    before[y * W + x]);
	ASSERT_INT_EQ(moved_dy, -4);
	pixman_region32_init_rects(&wantr, cb, 2);
	pixman_region32_intersect_rect(&wantr, &wantr, 0, 0, 64, 40);
	ASSERT_TRUE(pixman_region32_equal(&wantr, &moved));
	pixman_region32_fini(&wantr);
	pixman_region32_fini(&clip);

	/* A source partly below the surface: only the rows it has move. */
	bbox = (pixman_box32_t){ 0, 0, 10, 20 };
	ASSERT_INT_EQ(render_copy_bits(r, 0, &bbox, NULL, 0, 40, &err), 0);
	want = (pixman_box32_t){ 0, 0, 10, 8 };
	pixman_region32_init_rects(&wantr, &want, 1);
	ASSERT_TRUE(pixman_region32_equal(&wantr, &moved));
	pixman_region32_fini(&wantr);

	/* Without a move callback, a move is damage. */
	render_set_damage(r, on_damage, NULL, &damage);
	damage_reset();
	bbox = (pixman_box32_t){ 8, 8, 16, 16 };
	ASSERT_INT_EQ(render_copy_bits(r, 0, &bbox, NULL, 0, 0, &err), 0);
	check_damage(&bbox, 1);

	ASSERT_INT_EQ(render_copy_bits(r, 0, &bbox, NULL, -1, 0, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "out of range");
	ASSERT_INT_EQ(render_copy_bits(r, 7, &bbox, NULL, 0, 0, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "does not exist");
	pixman_region32_fini(&moved);
	render_free(r);
}

/* COPY_BITS in place in every direction through a clip of several
 * rectangles in several bands, each one's source overlapping others'
 * destinations: every pixel is the one that was dx, dy away before. */
static void
test_copy_bits_overlap(void)
{
	static uint32_t before[W * H];
	pixman_box32_t cb[6] = {
		{ 2, 2, 14, 9 }, { 17, 2, 30, 9 }, { 33, 2, 60, 9 },
		{ 5, 9, 40, 21 }, { 8, 24, 20, 40 }, { 26, 24, 58, 40 },
	};
	pixman_box32_t bbox = { 0, 0, 64, 48 };
	pixman_region32_t clip;
	struct render *r;
	struct spd_err err;
	int dx, dy, x, y, inside;

	pixman_region32_init_rects(&clip, cb, 6);
	for (dy = -3; dy <= 3; dy += 3)
		for (dx = -5; dx <= 5; dx += 5) {
			if (dx == 0 && dy == 0)
				continue;
			r = make_primary(0);
			for (y = 0; y < H; y++)
				for (x = 0; x < W; x++)
					before[y * W + x] = RGB(px(r, 0, x, y));
			/* The source: bbox moved back by dx, dy, inside. */
			bbox = (pixman_box32_t){ 6, 4, 58, 44 };
			ASSERT_INT_EQ(render_copy_bits(r, 0, &bbox, &clip,
			    6 - dx, 4 - dy, &err), 0);
			for (y = 0; y < H; y++)
				for (x = 0; x < W; x++) {
					inside = pixman_region32_contains_point(
					    &clip, x, y, NULL) && x >= 6 &&
					    x < 58 && y >= 4 && y < 44;
					ASSERT_INT_EQ(RGB(px(r, 0, x, y)),
					    inside ? before[(y - dy) * W + x -
					    dx] : before[y * W + x]);
				}
			render_free(r);
		}
	pixman_region32_fini(&clip);
}

static pixman_region32_t filled;
static uint32_t fill_color;
static uint8_t fill_rop3;
static int nfill;

static void
on_fill(void *arg, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, uint8_t rop3)
{
	ASSERT_TRUE(arg == &damage);
	ASSERT_TRUE(pat == NULL);
	pixman_region32_copy(&filled, (pixman_region32_t *)area);
	fill_color = color;
	fill_rop3 = rop3;
	nfill++;
}

/* With a fill callback, solid fills of the xRGB primary go to it (area,
 * colour without its top byte, the ROP as a function of brush and
 * destination) instead of being damage; other drawing stays damage. */
static void
test_fill_callback(void)
{
	static const pixman_box32_t cl[] = {
		{ 0, 0, 15, 15 }, { 20, 10, 40, 12 },
	};
	pixman_box32_t bbox = { 5, 8, 100, 14 }, want[2] = {
		{ 5, 8, 15, 14 }, { 20, 10, 40, 12 } };
	pixman_region32_t clip, w;
	struct render *r;
	struct spd_err err;

	pixman_region32_init(&filled);
	r = make_primary(0);
	render_set_damage(r, on_damage, NULL, &damage);
	render_set_fill(r, on_fill);
	damage_reset();
	pixman_region32_init_rects(&clip, cl, 2);
	ASSERT_INT_EQ(render_fill(r, 0, &bbox, &clip, 0xff0f0f0f,
	    SPICE_ROPD_OP_XOR, &err), 0);
	ASSERT_INT_EQ(nfill, 1);
	ASSERT_INT_EQ(ndamage, 0);
	ASSERT_INT_EQ(fill_color, 0x0f0f0f);
	ASSERT_INT_EQ(fill_rop3, 0x5a);		/* P ^ D */
	pixman_region32_init_rects(&w, want, 2);
	ASSERT_TRUE(pixman_region32_equal(&w, &filled));
	ASSERT_INT_EQ(RGB(px(r, 0, 6, 9)), pattern(6, 9) ^ 0x0f0f0f);
	pixman_region32_fini(&w);
	pixman_region32_fini(&clip);

	/* INVERS and a PUT of the inverted brush. */
	bbox = (pixman_box32_t){ 1, 1, 3, 3 };
	ASSERT_INT_EQ(render_fill(r, 0, &bbox, NULL, 0, SPICE_ROPD_OP_INVERS,
	    &err), 0);
	ASSERT_INT_EQ(fill_rop3, 0x55);
	ASSERT_INT_EQ(render_fill(r, 0, &bbox, NULL, 0x123456,
	    SPICE_ROPD_OP_PUT | SPICE_ROPD_INVERS_BRUSH, &err), 0);
	ASSERT_INT_EQ(fill_rop3, 0x0f);
	ASSERT_INT_EQ(nfill, 3);
	ASSERT_INT_EQ(ndamage, 0);
	/* A copy is damage as before. */
	ASSERT_INT_EQ(render_copy_bits(r, 0, &bbox, NULL, 10, 10, &err), 0);
	ASSERT_INT_EQ(ndamage, 1);
	ASSERT_INT_EQ(nfill, 3);
	render_free(r);

	/* An ARGB primary: damage, its alpha byte being the colour's. */
	ASSERT_TRUE((r = render_new(on_damage, &damage)) != NULL);
	render_set_fill(r, on_fill);
	ASSERT_INT_EQ(render_surface_create(r, 0, 8, 8,
	    SPICE_SURFACE_FMT_32_ARGB, NULL, 0, &err), 0);
	damage_reset();
	ASSERT_INT_EQ(render_fill(r, 0, &bbox, NULL, 0x80112233,
	    SPICE_ROPD_OP_PUT, &err), 0);
	ASSERT_INT_EQ(ndamage, 1);
	ASSERT_INT_EQ(nfill, 3);
	render_free(r);
	pixman_region32_fini(&filled);
}

int
main(void)
{
	test_seed();
	pixman_region32_init(&damage);
	test_create();
	test_fill();
	test_fill_callback();
	test_copy_bitmap();
	test_copy_surface();
	test_copy_unchanged();
	test_copy_bits();
	test_copy_bits_overlap();
	pixman_region32_fini(&damage);
	printf("test-render: ok\n");
	return 0;
}
