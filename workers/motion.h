/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * motion: finds a moved rectangle in a damaged area, for producers that
 * only report damage: a window dragged across a VM's desktop, a picture
 * sliding, arrive as the whole area again although the moved part is
 * what was on screen a few pixels away (scroll.h finds the vertical
 * case over whole rows; this one any direction, within the area).
 *
 * Anchors: segments of MOTION_SEG pixels of the old content on a sparse
 * grid (every MOTION_AY rows, every MOTION_SEG pixels), hashed whole;
 * segments of one colour are skipped (they match anywhere).  The new
 * content is scanned with a rolling hash at every position; a position
 * whose hash is a unique anchor's votes for the shift between them.  The
 * shift with the most votes is checked pixel by pixel from where it was
 * found: the rows around it whose segment there matches, and the span
 * each matches over, give the rectangle (the intersection of the spans).
 * Cost: one rolling-hash pass over the new content, a table lookup in a
 * 64 KiB bit filter per position, comparisons over the rectangle found.
 */
#ifndef SPICED_MOTION_H
#define SPICED_MOTION_H

#include <stddef.h>
#include <stdint.h>

#define MOTION_SEG		16	/* pixels per anchor segment */
#define MOTION_AY		4	/* rows between anchor rows */
#define MOTION_MIN_W		32	/* smaller moves are not worth it */
#define MOTION_MIN_H		16
#define MOTION_MAX_DIM		4096	/* larger areas are not searched */

struct motion_rect {
	int32_t	mr_x1, mr_y1, mr_x2, mr_y2;	/* in the new content */
	int32_t	mr_dx, mr_dy;			/* = old at (x-dx, y-dy) */
};

/*
 * old and new are w x h areas of 32-bit pixels, rows stride bytes apart.
 * 1 and *r when a rectangle of at least MOTION_MIN_W x MOTION_MIN_H of
 * new equals old moved by a non-zero shift, 0 when none is found, -1
 * without memory.
 */
int	motion_find(const uint8_t *old, ptrdiff_t ostride, const uint8_t *new,
	    ptrdiff_t nstride, int32_t w, int32_t h, struct motion_rect *r);

#endif
