/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * scroll: finds a vertical scroll in a damaged area, for producers that
 * only report damage (an X server's DAMAGE, a VM's Update): a terminal
 * or a web page that scrolled sends the whole area again, though most of
 * it is what was on screen a few rows away.  The old and the new content
 * of the area are hashed row by row (a sample of each row); every other
 * row of the new content whose hash matches exactly one old row votes
 * for a shift; the shift with the most votes is checked row by row with
 * memcmp, and its longest run of equal rows is the band that a COPY_BITS
 * can move, leaving only the rest to be sent as pixels.  A first pass
 * does the same with four words of each row: when even counting every
 * row it could not tell apart no shift gets enough votes (a new
 * photograph, a video's next frame), the search ends there.  Cost: a
 * sampled hash pass over the old rows and half the new ones (or four
 * words of each), and one comparison pass over the band; no per-row
 * allocation.  The caller searches only where the content changed.
 */
#ifndef SPICED_SCROLL_H
#define SPICED_SCROLL_H

#include <stddef.h>
#include <stdint.h>

/* Fewer rows than this are not worth a COPY_BITS of their own. */
#define SCROLL_MIN_ROWS		8
/* Taller areas are not searched: bounded work and memory. */
#define SCROLL_MAX_ROWS		8192

struct scroll_band {
	int32_t	sb_y1;		/* rows [y1, y2) of the new content */
	int32_t	sb_y2;
	int32_t	sb_dy;		/* equal rows y - dy of the old one */
};

/*
 * old and new are w x h areas of 32-bit pixels, rows stride bytes apart.
 * 1 and *band when a shift of at least SCROLL_MIN_ROWS rows that are not
 * already in place is found, 0 when none is, -1 without memory.
 */
int	scroll_find(const uint8_t *old, ptrdiff_t ostride, const uint8_t *new,
	    ptrdiff_t nstride, int32_t w, int32_t h, struct scroll_band *band);

/* The same, told which rows changed: row y did when hi[y] > lo[y] (as
 * for motion_find_in).  Rows that did not are neither hashed nor vote:
 * a scrolled row leaves its old place and lands on a changed one.
 * lo NULL: every row. */
int	scroll_find_in(const uint8_t *old, ptrdiff_t ostride,
	    const uint8_t *new, ptrdiff_t nstride, int32_t w, int32_t h,
	    const int32_t *lo, const int32_t *hi, struct scroll_band *band);

#endif
