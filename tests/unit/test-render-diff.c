/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for workers/display/render-diff.c: the boxes of what a copy
 * changes (changes far apart in a row are separate boxes, near ones one;
 * a row with more separate changes than are kept apart; rows alike
 * joined), and through render_copy() a window moved by a damage-only
 * producer (resent whole, over a busy background): the move is reported
 * as one and the damage is only the strips it uncovered, not the
 * window's width; a scroll after frames that never scrolled (when the
 * scroll search runs only now and then) is still a move; a copy of a
 * bitmap of one colour is a fill.
 */
#include <spice/enums.h>

#include "render-int.h"
#include "test-helper.h"

#define W	1024
#define H	600

static pixman_region32_t damage, moved;
static int32_t moved_dx, moved_dy;

static void
on_damage(void *arg, const pixman_region32_t *area)
{
	pixman_region32_union(&damage, &damage, (pixman_region32_t *)area);
}

static void
on_move(void *arg, const pixman_region32_t *dst, int32_t dx, int32_t dy)
{
	pixman_region32_union(&moved, &moved, (pixman_region32_t *)dst);
	moved_dx = dx;
	moved_dy = dy;
}

/* Noise: every segment busy, every position unique. */
static uint32_t
noise(int x, int y, uint32_t seed)
{
	uint32_t h = (uint32_t)x * 73856093u ^ (uint32_t)y * 19349663u ^
	    seed * 83492791u;

	h ^= h >> 13;
	h *= 0x5bd1e995u;
	return (h ^ h >> 15) & 0xffffff;
}

static pixman_image_t *
image(uint32_t *px, int w, int h)
{
	pixman_image_t *img = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h,
	    px, w * 4);

	ASSERT_TRUE(img != NULL);
	return img;
}

/* render_changed_rows() of b over a (whole w x h images) is exactly
 * want. */
static void
check_changed_wh(uint32_t *a, uint32_t *b, int wd, int ht,
    const pixman_box32_t *want, int n)
{
	pixman_image_t *ia = image(a, wd, ht), *ib = image(b, wd, ht);
	pixman_box32_t all = { 0, 0, wd, ht };
	pixman_region32_t area, out, w;

	pixman_region32_init_rects(&area, &all, 1);
	ASSERT_INT_EQ(render_changed_rows(ia, ib, &all, &all, &area, &out),
	    0);
	pixman_region32_init_rects(&w, want, n);
	ASSERT_TRUE(pixman_region32_equal(&w, &out));
	pixman_region32_fini(&w);
	pixman_region32_fini(&out);
	pixman_region32_fini(&area);
	pixman_image_unref(ia);
	pixman_image_unref(ib);
}

static void
check_changed(uint32_t *a, uint32_t *b, const pixman_box32_t *want, int n)
{
	check_changed_wh(a, b, W, H, want, n);
}

static void
test_spans(void)
{
	uint32_t *a = malloc((size_t)W * H * 4), *b = malloc((size_t)W * H *
	    4);
	pixman_box32_t want[17];
	int x, y, k;

	ASSERT_TRUE(a != NULL && b != NULL);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			a[y * W + x] = noise(x, y, 1);
	memcpy(b, a, (size_t)W * H * 4);
	/* Two columns far apart in rows 5..40: two boxes, not one across;
	 * a change in one row, two blocks from the first column: its own. */
	for (y = 5; y < 41; y++) {
		b[y * W + 10] ^= 1;
		b[y * W + 19] ^= 1;
		b[y * W + 900] ^= 1;
		b[y * W + 909] ^= 1;
	}
	b[50 * W + 300] ^= 1;
	want[0] = (pixman_box32_t){ 10, 5, 20, 41 };
	want[1] = (pixman_box32_t){ 900, 5, 910, 41 };
	want[2] = (pixman_box32_t){ 300, 50, 301, 51 };
	check_changed(a, b, want, 3);
	/* One equal block between two changes does not split them. */
	memcpy(b, a, (size_t)W * H * 4);
	b[60 * W + 10] ^= 1;
	b[60 * W + 130] ^= 1;
	want[0] = (pixman_box32_t){ 10, 60, 131, 61 };
	check_changed(a, b, want, 1);
	/* A change every third block of a row: each its own box. */
	memcpy(b, a, (size_t)W * H * 4);
	for (k = 0; k * 192 < W; k++)
		b[70 * W + k * 192] ^= 1;
	for (k = 0; k < 6; k++)	/* 0, 192, ... 960 */
		want[k] = (pixman_box32_t){ k * 192, 70, k * 192 + 1, 71 };
	check_changed(a, b, want, 6);
	free(a);
	free(b);
}

static void
test_spans_cap(void)
{
	enum { WW = 64 * 64 };
	uint32_t *a = calloc((size_t)WW * 2, 4), *b = calloc((size_t)WW * 2,
	    4);
	pixman_box32_t want[16];
	int k;

	ASSERT_TRUE(a != NULL && b != NULL);
	/* 22 changes three blocks apart in row 1: 16 spans kept apart, the
	 * last of which takes the rest of the row's changes. */
	for (k = 0; k * 192 < WW; k++)
		b[WW + k * 192] = 1;
	for (k = 0; k < 15; k++)
		want[k] = (pixman_box32_t){ k * 192, 1, k * 192 + 1, 2 };
	want[15] = (pixman_box32_t){ 15 * 192, 1, 21 * 192 + 1, 2 };
	check_changed_wh(a, b, WW, 2, want, 16);
	free(a);
	free(b);
}

/* Background seed bg with a ww x wh window (seed 99) at wx, wy. */
static void
desktop(uint32_t *px, int wx, int wy, int ww, int wh)
{
	int x, y;

	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			px[y * W + x] = x >= wx && x < wx + ww && y >= wy &&
			    y < wy + wh ? noise(x - wx, y - wy, 99) :
			    noise(x, y, 7);
}

static void
test_moved_window(void)
{
	uint32_t *old = malloc((size_t)W * H * 4), *new = malloc((size_t)W *
	    H * 4);
	/* What the window uncovered: its old left strip and top rows. */
	pixman_box32_t want[2] = { { 300, 100, 309, 400 },
	    { 309, 100, 700, 103 } };
	pixman_box32_t bbox = { 0, 0, W, H }, sa = { 0, 0, W, H };
	pixman_box32_t mv = { 309, 103, 709, 403 };
	pixman_region32_t w;
	struct render_src src;
	struct render *r;
	struct spd_err err;

	ASSERT_TRUE(old != NULL && new != NULL);
	desktop(old, 300, 100, 400, 300);
	desktop(new, 309, 103, 400, 300);
	ASSERT_TRUE((r = render_new(NULL, NULL)) != NULL);
	ASSERT_INT_EQ(render_surface_create(r, 0, W, H,
	    SPICE_SURFACE_FMT_32_xRGB, (const uint8_t *)old, W * 4, &err), 0);
	render_set_damage(r, on_damage, on_move, NULL);
	pixman_region32_init(&damage);
	pixman_region32_init(&moved);
	/* The whole screen resent, as a damage-only producer does. */
	memset(&src, 0, sizeof(src));
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_32BIT;
	src.rs_bitmap.rb_width = W;
	src.rs_bitmap.rb_height = H;
	src.rs_bitmap.rb_stride = W * 4;
	src.rs_bitmap.rb_data = (const uint8_t *)new;
	src.rs_bitmap.rb_size = (size_t)W * H * 4;
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
	ASSERT_INT_EQ(moved_dx, 9);
	ASSERT_INT_EQ(moved_dy, 3);
	pixman_region32_init_rects(&w, &mv, 1);
	ASSERT_TRUE(pixman_region32_equal(&w, &moved));
	pixman_region32_fini(&w);
	pixman_region32_init_rects(&w, want, 2);
	ASSERT_TRUE(pixman_region32_equal(&w, &damage));
	pixman_region32_fini(&w);
	/* And the primary is the new picture. */
	ASSERT_TRUE(memcmp(pixman_image_get_data(render_surface(r, 0)), new,
	    (size_t)W * H * 4) == 0);
	pixman_region32_fini(&damage);
	pixman_region32_fini(&moved);
	render_free(r);
	free(old);
	free(new);
}

static pixman_region32_t filled;
static uint32_t fill_color;
static int fills;

static void
on_fill(void *arg, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, uint8_t rop3)
{
	ASSERT_TRUE(pat == NULL);
	ASSERT_INT_EQ(rop3, 0xf0);
	pixman_region32_union(&filled, &filled, (pixman_region32_t *)area);
	fill_color = color;
	fills++;
}

/* A COPY of a bitmap of one colour (a damage-only producer's new
 * background) is told as a fill of its area, clipped, and stores the
 * source's pixels as they are; sent again over what it drew, it is
 * nothing; one pixel of another colour makes it a copy again. */
static void
test_uniform_copy(void)
{
	uint32_t *old = malloc((size_t)W * H * 4), *bg = malloc(200 * 100 * 4);
	pixman_box32_t bbox = { 50, 40, 250, 140 }, sa = { 0, 0, 200, 100 };
	pixman_box32_t clip_box = { 60, 40, 250, 130 };
	pixman_region32_t clip, w;
	struct render_src src;
	struct render *r;
	struct spd_err err;
	const uint32_t *prim;
	int x, y;

	ASSERT_TRUE(old != NULL && bg != NULL);
	desktop(old, 300, 100, 400, 300);
	for (x = 0; x < 200 * 100; x++)
		bg[x] = 0x12345678;	/* the X byte kept as it is */
	ASSERT_TRUE((r = render_new(NULL, NULL)) != NULL);
	ASSERT_INT_EQ(render_surface_create(r, 0, W, H,
	    SPICE_SURFACE_FMT_32_xRGB, (const uint8_t *)old, W * 4, &err), 0);
	render_set_damage(r, on_damage, on_move, NULL);
	render_set_fill(r, on_fill);
	pixman_region32_init(&damage);
	pixman_region32_init(&moved);
	pixman_region32_init(&filled);
	pixman_region32_init_rects(&clip, &clip_box, 1);
	memset(&src, 0, sizeof(src));
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_32BIT;
	src.rs_bitmap.rb_width = 200;
	src.rs_bitmap.rb_height = 100;
	src.rs_bitmap.rb_stride = 200 * 4;
	src.rs_bitmap.rb_data = (const uint8_t *)bg;
	src.rs_bitmap.rb_size = 200 * 100 * 4;
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, &clip, &src, &sa,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
	ASSERT_INT_EQ(fills, 1);
	ASSERT_INT_EQ(fill_color, 0x345678);
	ASSERT_TRUE(pixman_region32_equal(&clip, &filled));
	ASSERT_TRUE(!pixman_region32_not_empty(&damage));
	prim = pixman_image_get_data(render_surface(r, 0));
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(prim[y * W + x], x >= 60 && x < 250 &&
			    y >= 40 && y < 130 ? 0x12345678u : old[y * W + x]);
	/* Again over itself: no news. */
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, &clip, &src, &sa,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
	ASSERT_INT_EQ(fills, 1);
	ASSERT_TRUE(!pixman_region32_not_empty(&damage));
	/* Not one colour: a copy, whose change is damage. */
	bg[99 * 200 + 150] = 0x12345679;
	ASSERT_INT_EQ(render_copy(r, 0, &bbox, NULL, &src, &sa,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
	ASSERT_INT_EQ(fills, 1);
	pixman_region32_init_rect(&w, 50, 40, 200, 100);
	pixman_region32_subtract(&w, &w, &clip);
	pixman_region32_union_rect(&w, &w, 200, 139, 1, 1);
	ASSERT_TRUE(pixman_region32_equal(&w, &damage));
	pixman_region32_fini(&w);
	pixman_region32_fini(&clip);
	pixman_region32_fini(&filled);
	pixman_region32_fini(&damage);
	pixman_region32_fini(&moved);
	render_free(r);
	free(old);
	free(bg);
}

/* The whole primary resent from px through render_copy(). */
static void
resend(struct render *r, const uint32_t *px)
{
	pixman_box32_t all = { 0, 0, W, H };
	struct render_src src;
	struct spd_err err;

	memset(&src, 0, sizeof(src));
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_32BIT;
	src.rs_bitmap.rb_width = W;
	src.rs_bitmap.rb_height = H;
	src.rs_bitmap.rb_stride = W * 4;
	src.rs_bitmap.rb_data = (const uint8_t *)px;
	src.rs_bitmap.rb_size = (size_t)W * H * 4;
	ASSERT_INT_EQ(render_copy(r, 0, &all, NULL, &src, &all,
	    SPICE_ROPD_OP_PUT, SPICE_IMAGE_SCALE_MODE_NEAREST, &err), 0);
}

/* After frames whose damage never scrolls (the scroll search then runs
 * only now and then), a scroll is still sent as a move: the motion
 * search finds it, and the damage is the new rows alone. */
static void
test_scroll_after_misses(void)
{
	uint32_t *px = malloc((size_t)W * H * 4);
	pixman_box32_t band = { 0, 0, W, H - 16 }, strip = { 0, H - 16, W, H };
	pixman_region32_t w;
	struct render *r;
	struct spd_err err;
	int i, x, y;

	ASSERT_TRUE(px != NULL);
	desktop(px, 300, 100, 400, 300);
	ASSERT_TRUE((r = render_new(NULL, NULL)) != NULL);
	ASSERT_INT_EQ(render_surface_create(r, 0, W, H,
	    SPICE_SURFACE_FMT_32_xRGB, (const uint8_t *)px, W * 4, &err), 0);
	render_set_damage(r, on_damage, on_move, NULL);
	pixman_region32_init(&moved);
	pixman_region32_init(&damage);
	/* Eight frames of a box of new noise: nothing scrolls. */
	for (i = 0; i < 8; i++) {
		for (y = 200; y < 300; y++)
			for (x = 100; x < 300; x++)
				px[y * W + x] = noise(x, y, 200 + (uint32_t)i);
		resend(r, px);
	}
	ASSERT_TRUE(!pixman_region32_not_empty(&moved));
	/* Everything up 16 rows, new rows at the bottom. */
	memmove(px, px + 16 * W, (size_t)W * (H - 16) * 4);
	for (y = H - 16; y < H; y++)
		for (x = 0; x < W; x++)
			px[y * W + x] = noise(x, y, 300);
	pixman_region32_fini(&damage);
	pixman_region32_init(&damage);
	resend(r, px);
	ASSERT_INT_EQ(moved_dx, 0);
	ASSERT_INT_EQ(moved_dy, -16);
	pixman_region32_init_rects(&w, &band, 1);
	ASSERT_TRUE(pixman_region32_equal(&w, &moved));
	pixman_region32_fini(&w);
	pixman_region32_init_rects(&w, &strip, 1);
	ASSERT_TRUE(pixman_region32_equal(&w, &damage));
	pixman_region32_fini(&w);
	ASSERT_TRUE(memcmp(pixman_image_get_data(render_surface(r, 0)), px,
	    (size_t)W * H * 4) == 0);
	pixman_region32_fini(&damage);
	pixman_region32_fini(&moved);
	render_free(r);
	free(px);
}

int
main(void)
{
	test_spans();
	test_spans_cap();
	test_moved_window();
	test_scroll_after_misses();
	test_uniform_copy();
	printf("test-render-diff: ok\n");
	return 0;
}
