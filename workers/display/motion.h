/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * motion: finds a moved rectangle in a damaged area, for producers that
 * only report damage: a window dragged across a VM's desktop, a picture
 * sliding, arrive as the whole area again although the moved part is
 * what was on screen a few pixels away (scroll.h finds the vertical
 * case over whole rows; this one any direction, within the area).
 *
 * Anchors: segments of MOTION_SEG pixels of the old content on a sparse
 * grid (every row, every MOTION_AX pixels), hashed whole; segments that
 * change colour less than four times are skipped (one colour, a
 * gradient: they match anywhere).  Every MOTION_SCAN-th row of the new
 * content is scanned with a rolling hash at every position (any shift
 * brings anchors of some old row there); a position whose hash is a
 * unique anchor's votes for the shift between them.  A shift with enough
 * votes is checked pixel by pixel from where it was found: the rows
 * around it whose segment there matches, and the span each matches over,
 * give the rectangle (the intersection of the spans).  The scan goes on
 * for other moves (and other parts of the same one) until enough are
 * found.
 * Areas of 256 x 256 or more are probed first with a quarter of the
 * work (motion.c: MOTION_PROBE_*), and the search ends there when nothing
 * of at least about 160 x 80 pixels can have moved: a new photograph
 * costs that quarter.
 * Cost: a rolling-hash pass over a quarter of the new rows (but for
 * what moves found already cover), a lookup in a filter of 32 bits an
 * anchor per position (so a position that is no anchor's seldom reaches
 * the table), comparisons over the rectangles found; the scan ends once
 * max moves are found.  Memory the hardware would not fetch ahead (the
 * table's slots, rows MOTION_SCAN apart) is prefetched.
 */
#ifndef SPICED_MOTION_H
#define SPICED_MOTION_H

#include <stddef.h>
#include <stdint.h>

#define MOTION_SEG		16	/* pixels per anchor segment */
#define MOTION_AX		64	/* pixels between anchors in a row */
#define MOTION_SCAN		4	/* new rows between scanned rows */
#define MOTION_MIN_W		32	/* smaller moves are not worth it */
#define MOTION_MIN_H		16
#define MOTION_MAX_DIM		4096	/* larger areas are not searched */

struct motion_rect {
	int32_t	mr_x1, mr_y1, mr_x2, mr_y2;	/* in the new content */
	int32_t	mr_dx, mr_dy;			/* = old at (x-dx, y-dy) */
};

/*
 * old and new are w x h areas of 32-bit pixels, rows stride bytes apart.
 * Fills r[0..n) with up to max rectangles of at least MOTION_MIN_W x
 * MOTION_MIN_H of new, each equal to old moved by a non-zero shift (found
 * in one scan: a terminal scrolling while a window is dragged); returns
 * n, or -1 without memory.  Rectangles found apart may overlap and
 * their sources may overlap other destinations: each holds against old.
 */
int	motion_find(const uint8_t *old, ptrdiff_t ostride, const uint8_t *new,
	    ptrdiff_t nstride, int32_t w, int32_t h, struct motion_rect *r,
	    int max);

/*
 * The same, looking only where new differs from old: row y changed
 * between columns lo[y] and hi[y] (hi[y] <= lo[y]: not at all); lo NULL: everywhere.  Anchors
 * and the scan keep to those spans (and a segment's width around them):
 * a moved thing leaves its old place and covers its new one, both
 * changed; the rest of a large damaged area (a wallpaper between two
 * windows) costs nothing.
 */
int	motion_find_in(const uint8_t *old, ptrdiff_t ostride,
	    const uint8_t *new, ptrdiff_t nstride, int32_t w, int32_t h,
	    const int32_t *lo, const int32_t *hi, struct motion_rect *r,
	    int max);

#endif
