/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-scroll: scroll_find() (workers/display/scroll.c) and motion_find()
 * (workers/display/motion.c) on producer-controlled pixels: the input's
 * first two bytes give the width (1..64, or 256..319 for a first byte of
 * 192 on) and height (1..200, or 256..311 for a second byte of 200 on:
 * areas the move search probes first) of two areas, filled
 * from the rest of the input (repeated, and the second area also as the
 * first shifted by the third byte's rows and pixels, so that real moves
 * are found too).  With the first byte odd, the searches are also run
 * kept to the rows' changed spans (scroll_find_in, motion_find_in), as
 * the display worker runs them.
 *
 * Invariants (both ways): a band found lies within the area, is at least
 * SCROLL_MIN_ROWS tall, and its rows are the old rows dy away, exactly;
 * a rectangle found lies within the area, is at least MOTION_MIN_W x
 * MOTION_MIN_H, and equals the old content (dx, dy) away, exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "motion.h"
#include "scroll.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scroll_band b;
	struct motion_rect m[4];
	uint8_t *old, *new;
	int32_t w, h, shift, dx, y, x, *lo, *hi;
	int nm, k;
	size_t n, i;

	if (size < 4)
		return 0;
	w = data[0] < 192 ? data[0] % 64 + 1 : 256 + data[0] % 64;
	h = data[1] < 200 ? data[1] + 1 : 256 + (data[1] - 200);
	shift = data[2] % 64;
	dx = data[2] / 64;
	data += 3;
	size -= 3;
	n = (size_t)w * (size_t)h * 4;
	if ((old = malloc(n)) == NULL || (new = malloc(n)) == NULL) {
		free(old);
		return 0;
	}
	for (i = 0; i < n; i++)
		old[i] = data[i % size];
	/* The new area: the old one scrolled up by shift rows, the rest
	 * from the input read backwards. */
	for (y = 0; y < h; y++)
		if (y + shift < h && dx < w)
			memcpy(new + (size_t)y * w * 4, old + (size_t)(y + shift) *
			    w * 4 + (size_t)dx * 4, (size_t)(w - dx) * 4);
		else
			for (i = 0; i < (size_t)w * 4; i++)
				new[(size_t)y * w * 4 + i] =
				    data[(size - 1) - (i + (size_t)y) % size];
	if (scroll_find(old, w * 4, new, w * 4, w, h, &b) == 1) {
		FUZZ_CHECK(b.sb_y1 >= 0 && b.sb_y2 <= h &&
		    b.sb_y2 - b.sb_y1 >= SCROLL_MIN_ROWS && b.sb_dy != 0);
		for (y = b.sb_y1; y < b.sb_y2; y++) {
			FUZZ_CHECK(y - b.sb_dy >= 0 && y - b.sb_dy < h);
			FUZZ_CHECK(memcmp(new + (size_t)y * w * 4,
			    old + (size_t)(y - b.sb_dy) * w * 4,
			    (size_t)w * 4) == 0);
		}
	}
	/* Every other input: kept to the changed spans, as the display
	 * worker calls them (rows that did not change have none). */
	lo = hi = NULL;
	if (data[0] & 1) {
		FUZZ_CHECK((lo = malloc((size_t)h * 2 * sizeof(*lo))) != NULL);
		hi = lo + h;
		for (y = 0; y < h; y++) {
			lo[y] = w;
			hi[y] = 0;
			for (x = 0; x < w; x++)
				if (memcmp(new + ((size_t)y * w + x) * 4, old +
				    ((size_t)y * w + x) * 4, 4) != 0) {
					lo[y] = x < lo[y] ? x : lo[y];
					hi[y] = x + 1;
				}
		}
		if (scroll_find_in(old, w * 4, new, w * 4, w, h, lo, hi,
		    &b) == 1)
			for (y = b.sb_y1; y < b.sb_y2; y++)
				FUZZ_CHECK(y - b.sb_dy >= 0 && y - b.sb_dy < h &&
				    memcmp(new + (size_t)y * w * 4, old +
				    (size_t)(y - b.sb_dy) * w * 4,
				    (size_t)w * 4) == 0);
	}
	nm = motion_find_in(old, w * 4, new, w * 4, w, h, lo, hi, m, 4);
	free(lo);
	FUZZ_CHECK(nm >= -1 && nm <= 4);
	for (k = 0; k < nm; k++) {
		FUZZ_CHECK(m[k].mr_x1 >= 0 && m[k].mr_y1 >= 0 &&
		    m[k].mr_x2 <= w && m[k].mr_y2 <= h &&
		    m[k].mr_x2 - m[k].mr_x1 >= MOTION_MIN_W &&
		    m[k].mr_y2 - m[k].mr_y1 >= MOTION_MIN_H &&
		    (m[k].mr_dx != 0 || m[k].mr_dy != 0));
		for (y = m[k].mr_y1; y < m[k].mr_y2; y++)
			for (x = m[k].mr_x1; x < m[k].mr_x2; x++) {
				FUZZ_CHECK(x - m[k].mr_dx >= 0 &&
				    x - m[k].mr_dx < w &&
				    y - m[k].mr_dy >= 0 && y - m[k].mr_dy < h);
				FUZZ_CHECK(memcmp(new + ((size_t)y * w + x) * 4,
				    old + ((size_t)(y - m[k].mr_dy) * w + x -
				    m[k].mr_dx) * 4, 4) == 0);
			}
	}
	free(old);
	free(new);
	return 0;
}
