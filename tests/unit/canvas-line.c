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

struct canvas_span {
	int32_t	x, y, w;
};

static int
canvas_span_cmp(const void *a, const void *b)
{
	const struct canvas_span *p = a, *q = b;

	return p->y < q->y ? -1 : p->y > q->y;
}

int
canvas_line_clipped_whole(int32_t x0, int32_t y0, int32_t x1, int32_t y1,
    pixman_region32_t *clip)
{
	int32_t n = canvas_line_len(x0, y0, x1, y1), i, x, y, a, b;
	struct canvas_span *sp, s;
	const pixman_box32_t *r, *band, *end, *k, *q;
	pixman_region32_t got, want;
	int nr, ns = 0, in, out = 0, whole;

	if (n == 0)
		return 1;
	if ((sp = calloc((size_t)n, sizeof(*sp))) == NULL)
		abort();
	/* The spans: runs of pixels on one row, in the line's order. */
	for (i = 0; i < n; i++) {
		canvas_line_pixel(x0, y0, x1, y1, i, &x, &y);
		if (ns > 0 && sp[ns - 1].y == y) {
			if (x < sp[ns - 1].x) {
				sp[ns - 1].w += sp[ns - 1].x - x;
				sp[ns - 1].x = x;
			} else if (x >= sp[ns - 1].x + sp[ns - 1].w)
				sp[ns - 1].w = x - sp[ns - 1].x + 1;
		} else
			sp[ns++] = (struct canvas_span){ x, y, 1 };
	}
	qsort(sp, (size_t)ns, sizeof(*sp), canvas_span_cmp);
	r = pixman_region32_rectangles(clip, &nr);
	end = r + nr;
	band = r;
	in = 0;
	while (in < ns && band < end) {
		/* A band: the rectangles [band, k), on the same rows. */
		for (k = band; k < end && k->y1 == band->y1; k++)
			;
		while (in < ns && sp[in].y < band->y1)
			in++;
		for (; in < ns && sp[in].y < band->y2; in++) {
			s = sp[in];	/* read before its pieces are written */
			for (q = band; q < k; q++) {
				a = s.x > q->x1 ? s.x : q->x1;
				b = s.x + s.w < q->x2 ? s.x + s.w : q->x2;
				if (a < b)
					sp[out++] = (struct canvas_span){ a, s.y,
					    b - a };
			}
		}
		band = k;
	}
	pixman_region32_init(&got);
	for (i = 0; i < out; i++)
		pixman_region32_union_rect(&got, &got, sp[i].x, sp[i].y,
		    (unsigned)sp[i].w, 1);
	pixman_region32_init(&want);
	for (i = 0; i < n; i++) {
		canvas_line_pixel(x0, y0, x1, y1, i, &x, &y);
		if (pixman_region32_contains_point(clip, x, y, NULL))
			pixman_region32_union_rect(&want, &want, x, y, 1, 1);
	}
	whole = pixman_region32_equal(&got, &want);
	pixman_region32_fini(&got);
	pixman_region32_fini(&want);
	free(sp);
	return whole;
}
