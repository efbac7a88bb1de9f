/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-motion: motion_find() on a picture moved over a noisy background
 * (down-right and up-left, by odd amounts), partly off the area, next to
 * what must not count: nothing moved, new content, one colour; and
 * motion_find_in() kept to the changed spans finding the same.  Areas
 * large enough to be probed first (motion.c): a window dragged over new
 * content, and the smallest thing the probe is sure to see, are found
 * as without the probe; all new content ends at the probe.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "motion.h"
#include "test-helper.h"

/* The area: 300 x 200, then one the search probes first. */
static int	W = 300, H = 200;

static uint32_t
noise(int x, int y, uint32_t seed)
{
	uint32_t h = (uint32_t)x * 73856093u ^ (uint32_t)y * 19349663u ^
	    seed * 83492791u;

	h ^= h >> 13;
	h *= 0x5bd1e995u;
	return (h ^ h >> 15) & 0xffffff;
}

/* Background seed bg, with a pw x ph picture (seed 99) at px, py. */
static void
draw(uint32_t *a, uint32_t bg, int px, int py, int pw, int ph)
{
	int x, y;

	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			a[y * W + x] = x >= px && x < px + pw && y >= py &&
			    y < py + ph ? noise(x - px, y - py, 99) :
			    noise(x, y, bg);
}

/* A pw x ph picture at (px, py) moved by (dx, dy) over a background that
 * is new everywhere else, in a 1280 x 720 area: found whole. */
static void
big_move(int px, int py, int pw, int ph, int dx, int dy)
{
	uint32_t *old = malloc((size_t)W * H * 4), *new = malloc((size_t)W *
	    H * 4);
	struct motion_rect m;

	ASSERT_TRUE(old != NULL && new != NULL);
	draw(old, 11, px, py, pw, ph);
	draw(new, 12, px + dx, py + dy, pw, ph);
	ASSERT_INT_EQ(motion_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &m, 1), 1);
	ASSERT_INT_EQ(m.mr_dx, dx);
	ASSERT_INT_EQ(m.mr_dy, dy);
	ASSERT_INT_EQ(m.mr_x1, px + dx);
	ASSERT_INT_EQ(m.mr_y1, py + dy);
	ASSERT_INT_EQ(m.mr_x2, px + dx + pw);
	ASSERT_INT_EQ(m.mr_y2, py + dy + ph);
	free(old);
	free(new);
}

static void
big_area(void)
{
	uint32_t *old, *new;
	struct motion_rect m;
	int dy;

	W = 1280;
	H = 720;
	/* A window dragged by (9, 3), as the desktop benchmark does. */
	big_move(400, 200, 300, 200, 9, 3);
	/* The smallest sure to pass the probe (two anchors in a row, a run
	 * of scanned rows inside), at every vertical shift modulo the
	 * probe's anchor rows, placed across a run's start. */
	for (dy = -5; dy <= 5; dy++)
		big_move(611, 100 + 3 * dy, 160, 80, 7, dy);
	/* All new: the probe finds nothing, and that is the answer. */
	old = malloc((size_t)W * H * 4);
	new = malloc((size_t)W * H * 4);
	ASSERT_TRUE(old != NULL && new != NULL);
	draw(old, 13, 0, 0, 0, 0);
	draw(new, 14, 0, 0, 0, 0);
	ASSERT_INT_EQ(motion_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &m, 1), 0);
	free(old);
	free(new);
}

int
main(void)
{
	uint32_t *old = malloc(W * H * 4), *new = malloc(W * H * 4);
	struct motion_rect m;

	ASSERT_TRUE(old != NULL && new != NULL);
	/* Down and right by 17, 15. */
	draw(old, 1, 20, 30, 120, 80);
	draw(new, 1, 37, 45, 120, 80);
	ASSERT_INT_EQ(motion_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &m, 1), 1);
	ASSERT_INT_EQ(m.mr_dx, 17);
	ASSERT_INT_EQ(m.mr_dy, 15);
	ASSERT_INT_EQ(m.mr_x1, 37);
	ASSERT_INT_EQ(m.mr_y1, 45);
	ASSERT_INT_EQ(m.mr_x2, 157);
	ASSERT_INT_EQ(m.mr_y2, 125);
	/* The same, told where the rows changed (computed here as the
	 * display worker does from the changed region): the same move; told
	 * that nothing changed, none. */
	{
		int32_t lo[H], hi[H];
		int x, y;

		for (y = 0; y < H; y++) {
			lo[y] = W;
			hi[y] = 0;
			for (x = 0; x < W; x++)
				if (old[y * W + x] != new[y * W + x]) {
					lo[y] = x < lo[y] ? x : lo[y];
					hi[y] = x + 1;
				}
		}
		ASSERT_INT_EQ(motion_find_in((uint8_t *)old, W * 4,
		    (uint8_t *)new, W * 4, W, H, lo, hi, &m, 1), 1);
		ASSERT_INT_EQ(m.mr_dx, 17);
		ASSERT_INT_EQ(m.mr_dy, 15);
		ASSERT_INT_EQ(m.mr_x1, 37);
		ASSERT_INT_EQ(m.mr_y2, 125);
		for (y = 0; y < H; y++)
			hi[y] = lo[y];
		ASSERT_INT_EQ(motion_find_in((uint8_t *)old, W * 4,
		    (uint8_t *)new, W * 4, W, H, lo, hi, &m, 1), 0);
	}
	/* Up and left by 33, 7, part of it past the left edge. */
	draw(old, 2, 40, 100, 150, 60);
	draw(new, 2, 7, 93, 150, 60);
	ASSERT_INT_EQ(motion_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &m, 1), 1);
	ASSERT_INT_EQ(m.mr_dx, -33);
	ASSERT_INT_EQ(m.mr_dy, -7);
	ASSERT_INT_EQ(m.mr_x1, 7);
	ASSERT_INT_EQ(m.mr_y1, 93);
	ASSERT_INT_EQ(m.mr_x2, 157);
	ASSERT_INT_EQ(m.mr_y2, 153);
	/* A stride wider than the area. */
	{
		uint32_t *big = calloc((size_t)(W + 10) * H, 4);
		int y;

		ASSERT_TRUE(big != NULL);
		for (y = 0; y < H; y++)
			memcpy(big + y * (W + 10) + 5, new + y * W, W * 4);
		ASSERT_INT_EQ(motion_find((uint8_t *)old, W * 4,
		    (uint8_t *)(big + 5), (W + 10) * 4, W, H, &m, 1), 1);
		ASSERT_INT_EQ(m.mr_dx, -33);
		free(big);
	}
	/* Two things moved at once, one scan: both found. */
	{
		struct motion_rect two[4];
		int n, y;

		draw(old, 5, 10, 10, 100, 60);
		for (y = 100; y < 180; y++)	/* a second picture, seed 98 */
			for (int x = 150; x < 280; x++)
				old[y * W + x] = noise(x - 150, y - 100, 98);
		draw(new, 5, 25, 20, 100, 60);
		for (y = 90; y < 170; y++)
			for (int x = 140; x < 270; x++)
				new[y * W + x] = noise(x - 140, y - 90, 98);
		n = motion_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
		    W, H, two, 4);
		ASSERT_INT_EQ(n, 2);
		ASSERT_TRUE((two[0].mr_dx == 15 && two[1].mr_dx == -10) ||
		    (two[0].mr_dx == -10 && two[1].mr_dx == 15));
	}
	/* Nothing moved. */
	ASSERT_INT_EQ(motion_find((uint8_t *)new, W * 4, (uint8_t *)new, W * 4,
	    W, H, &m, 1), 0);
	/* New content everywhere. */
	draw(old, 3, 0, 0, 0, 0);
	draw(new, 4, 0, 0, 0, 0);
	ASSERT_INT_EQ(motion_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &m, 1), 0);
	/* One colour: nothing to anchor. */
	memset(old, 0x40, W * H * 4);
	memset(new, 0x40, W * H * 4);
	ASSERT_INT_EQ(motion_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &m, 1), 0);
	free(old);
	free(new);
	big_area();
	printf("test-motion: ok\n");
	return 0;
}
