/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-scroll: scroll_find() on terminal-like pictures: text lines
 * (rows of distinct pixels) between blank ones, scrolled up and down by
 * whole lines, inside a taller damaged area, with a changed line in the
 * middle; and what it must not take for a scroll: an unchanged area, an
 * area of one colour, new content, an area too short.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scroll.h"
#include "test-helper.h"

#define W	200
#define H	240
#define LINE	16

/* Text line n: 12 rows of "glyphs" (a pattern of n), then 4 blank
 * rows; n < 0 is a blank line. */
static void
draw_line(uint32_t *px, int y, int n)
{
	uint32_t h;
	int j, i;

	for (j = 0; j < LINE; j++)
		for (i = 0; i < W; i++) {
			/* One pixel in eight lit, at random (a mixing hash of
			 * the position and the line). */
			h = (uint32_t)i * 73856093u ^ (uint32_t)j * 19349663u ^
			    (uint32_t)n * 83492791u;
			h ^= h >> 13;
			h *= 0x5bd1e995u;
			h ^= h >> 15;
			px[(y + j) * W + i] = n < 0 || j >= 12 || (h & 7) != 0 ?
			    0x101010 : 0xe0e0e0;
		}
}

/* A screen of lines first.., with blank lines where blank(n). */
static void
draw_screen(uint32_t *px, int first)
{
	int l;

	for (l = 0; l < H / LINE; l++)
		draw_line(px, l * LINE, (first + l) % 5 == 3 ? -1 : first + l);
}

/* Background outside columns [x1, x2) of every row. */
static void
blank_outside(uint32_t *px, int x1, int x2)
{
	int y, x;

	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			if (x < x1 || x >= x2)
				px[y * W + x] = 0x101010;
}

/* rows rows of noise of seed s (photograph-like: every pixel its own). */
static void
draw_noise(uint32_t *px, int rows, uint32_t s)
{
	uint32_t h = s * 2654435761u;
	int i;

	for (i = 0; i < rows * W; i++) {
		h ^= h << 13;
		h ^= h >> 17;
		h ^= h << 5;
		px[i] = h & 0xffffff;
	}
}

int
main(void)
{
	uint32_t *old = malloc(W * H * 4), *new = malloc(W * H * 4);
	struct scroll_band b;

	ASSERT_TRUE(old != NULL && new != NULL);
	/* Scrolled up by two lines: new rows y = old rows y + 32. */
	draw_screen(old, 0);
	draw_screen(new, 2);
	ASSERT_INT_EQ(scroll_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &b), 1);
	ASSERT_INT_EQ(b.sb_dy, -2 * LINE);
	ASSERT_INT_EQ(b.sb_y1, 0);
	ASSERT_INT_EQ(b.sb_y2, H - 2 * LINE);
	/* The same told which rows changed (those whose pixels differ):
	 * the same band; told none did, no scroll. */
	{
		int32_t lo[H], hi[H];
		int y;

		for (y = 0; y < H; y++) {
			lo[y] = 0;
			hi[y] = memcmp(old + y * W, new + y * W, W * 4) != 0 ?
			    W : 0;
		}
		ASSERT_INT_EQ(scroll_find_in((uint8_t *)old, W * 4,
		    (uint8_t *)new, W * 4, W, H, lo, hi, &b), 1);
		ASSERT_INT_EQ(b.sb_dy, -2 * LINE);
		ASSERT_INT_EQ(b.sb_y2, H - 2 * LINE);
		for (y = 0; y < H; y++)
			hi[y] = 0;
		ASSERT_INT_EQ(scroll_find_in((uint8_t *)old, W * 4,
		    (uint8_t *)new, W * 4, W, H, lo, hi, &b), 0);
	}
	/* Down by one line. */
	ASSERT_INT_EQ(scroll_find((uint8_t *)new, W * 4, (uint8_t *)old, W * 4,
	    W, H, &b), 1);
	ASSERT_INT_EQ(b.sb_dy, 2 * LINE);
	ASSERT_INT_EQ(b.sb_y1, 2 * LINE);
	ASSERT_INT_EQ(b.sb_y2, H);
	/* A line changed in the middle of a scroll: the longest band. */
	draw_screen(new, 1);
	draw_line(new, 4 * LINE, 999);
	ASSERT_INT_EQ(scroll_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &b), 1);
	ASSERT_INT_EQ(b.sb_dy, -LINE);
	/* (the changed line's blank rows are the same a line below) */
	ASSERT_INT_EQ(b.sb_y1, 4 * LINE + 12);
	ASSERT_INT_EQ(b.sb_y2, H - LINE);
	/* Strides larger than the area (a window inside a screen). */
	{
		uint32_t *big = calloc((size_t)(W + 40) * H, 4);
		int y;

		ASSERT_TRUE(big != NULL);
		draw_screen(new, 3);
		for (y = 0; y < H; y++)
			memcpy(big + y * (W + 40) + 20, new + y * W, W * 4);
		ASSERT_INT_EQ(scroll_find((uint8_t *)old, W * 4,
		    (uint8_t *)(big + 20), (W + 40) * 4, W, H, &b), 1);
		ASSERT_INT_EQ(b.sb_dy, -3 * LINE);
		free(big);
	}
	/* Text only where the first, quick pass reads no row (its four
	 * words: columns 0-1, 66-67, 132-133 and 198-199 at this width):
	 * every row has the same quick key, which must not rule the scroll
	 * out (the rows are told apart by the full pass). */
	draw_screen(old, 0);
	draw_screen(new, 2);
	blank_outside(old, 2, 60);
	blank_outside(new, 2, 60);
	ASSERT_INT_EQ(scroll_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &b), 1);
	ASSERT_INT_EQ(b.sb_dy, -2 * LINE);
	/* Photograph-like rows (each row's quick key its own): a scroll is
	 * found, a new picture is not. */
	draw_noise(old, H, 1);
	memcpy(new, old + 24 * W, (size_t)(H - 24) * W * 4);
	draw_noise(new + (H - 24) * W, 24, 2);
	ASSERT_INT_EQ(scroll_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &b), 1);
	ASSERT_INT_EQ(b.sb_dy, -24);
	ASSERT_INT_EQ(b.sb_y1, 0);
	ASSERT_INT_EQ(b.sb_y2, H - 24);
	draw_noise(new, H, 3);
	ASSERT_INT_EQ(scroll_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &b), 0);
	draw_screen(old, 0);
	/* Nothing moved: no scroll. */
	draw_screen(new, 0);
	ASSERT_INT_EQ(scroll_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &b), 0);
	/* One colour everywhere: every row matches every row, none is a
	 * unique twin. */
	memset(old, 0x20, W * H * 4);
	memset(new, 0x20, W * H * 4);
	ASSERT_INT_EQ(scroll_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &b), 0);
	/* New content. */
	draw_screen(old, 0);
	draw_screen(new, 100);
	ASSERT_INT_EQ(scroll_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, H, &b), 0);
	/* Too short to bother. */
	draw_screen(new, 1);
	ASSERT_INT_EQ(scroll_find((uint8_t *)old, W * 4, (uint8_t *)new, W * 4,
	    W, 2 * SCROLL_MIN_ROWS - 1, &b), 0);
	free(old);
	free(new);
	printf("test-scroll: ok\n");
	return 0;
}
