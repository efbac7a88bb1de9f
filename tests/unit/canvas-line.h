/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * canvas-line: a line as spice-common's canvas steps it, for the tests
 * of what the worker sends as lines (test-render-forward, fuzz-draw):
 * X's zero-width line from (x0, y0) to (x1, y1) without its last pixel,
 * stepped along its longer axis, the other coordinate's offset rounded,
 * a half away from zero unless the longer axis decreases, then towards
 * it (X's default bias).  Written from that description, not from the
 * worker's stepper (render-stroke.c), which it checks.
 */
#ifndef SPICED_CANVAS_LINE_H
#define SPICED_CANVAS_LINE_H

#include <stdint.h>

#include <pixman.h>

/* Pixel i (0 <= i < canvas_line_len) of the line. */
int32_t	canvas_line_len(int32_t x0, int32_t y0, int32_t x1, int32_t y1);
void	canvas_line_pixel(int32_t x0, int32_t y0, int32_t x1, int32_t y1,
	    int32_t i, int32_t *x, int32_t *y);

/*
 * Does the canvas paint exactly the line's pixels in clip?  It cuts the
 * line into spans (a row's run of pixels), sorts them by row and clips
 * them to the clip's bands in place, each span into one piece a
 * rectangle of its band that it meets, the pieces written over the
 * spans from the first on, so that a span cut in two overwrites the next
 * before it is read (spice-common's lines.c, X's span clipping); played
 * here on the line's spans, its result compared with line and clip.
 */
int	canvas_line_clipped_whole(int32_t x0, int32_t y0, int32_t x1,
	    int32_t y1, pixman_region32_t *clip);

#endif
