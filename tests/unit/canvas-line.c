/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* canvas-line: a line as spice-common's canvas steps it; see the header. */
#include <stdlib.h>

#include "canvas-line.h"

int32_t
canvas_line_len(int32_t x0, int32_t y0, int32_t x1, int32_t y1)
{
	int32_t ax = abs(x1 - x0), ay = abs(y1 - y0);

	return ax > ay ? ax : ay;
}

/* t / len (len > 0) rounded to the nearest, a half away from zero, or
 * towards it with bias. */
static int32_t
canvas_line_round(int64_t t, int64_t len, int bias)
{
	int64_t m = t < 0 ? -t : t, q = (2 * m + len - bias) / (2 * len);

	return (int32_t)(t < 0 ? -q : q);
}

void
canvas_line_pixel(int32_t x0, int32_t y0, int32_t x1, int32_t y1, int32_t i,
    int32_t *x, int32_t *y)
{
	int32_t dx = x1 - x0, dy = y1 - y0;
	int32_t len = canvas_line_len(x0, y0, x1, y1);
	int bias = abs(dx) > abs(dy) ? dx < 0 : dy < 0;

	*x = x0 + canvas_line_round((int64_t)i * dx, len, bias);
	*y = y0 + canvas_line_round((int64_t)i * dy, len, bias);
}
