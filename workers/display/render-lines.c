/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-lines: which of a stroke's lines a viewer can be sent, and
 * through what clip, so that spice-common's canvas, stepping each whole
 * line through it, paints exactly the worker's pixels of it
 * (render_lines_tell; render-stroke.c notes the lines and their dashes'
 * boxes while it draws them).
 *
 * The canvas cuts a zero-width line into spans (a row's run of pixels),
 * sorts them by row and clips them to the clip's bands in place: a span
 * that meets two rectangles of its band comes out as two, the second
 * written over the next span before that one is read, whose row is then
 * lost (X's miZeroLine and its span clipping, in spice-common's
 * lines.c).  A line goes through a clip only where that cannot happen
 * (render_spans_kept); a shallow dashed line, whose gaps fall inside
 * rows, in parts of dashes that share no row; else its pixels are loose,
 * for the caller to send as pixels.
 */
#include <stdlib.h>

#include "render-int.h"

int
render_one_per_band(pixman_region32_t *r)
{
	const pixman_box32_t *b;
	int i, n;

	b = pixman_region32_rectangles(r, &n);
	for (i = 1; i < n; i++)
		if (b[i].y1 == b[i - 1].y1)
			return 0;
	return 1;
}

/*
 * Would the canvas keep line (x0, y0)-(x1, y1) whole through clip?  It
 * steps the line into spans, a row's run of its pixels each, sorts them
 * by row and clips them to the clip's bands in place: a span that meets
 * two rectangles of its band comes out as two, written over the next
 * span before that one is read.  Kept when, row after row, the pieces
 * written never pass the spans read (X's miZeroLine and its span
 * clipping, in spice-common's lines.c).
 */
static int
render_spans_kept(int32_t x0, int32_t y0, int32_t x1, int32_t y1,
    pixman_region32_t *clip)
{
	int64_t dx = (int64_t)x1 - x0, dy = (int64_t)y1 - y0;
	int64_t n = llabs(dx) > llabs(dy) ? llabs(dx) : llabs(dy);
	int bias = llabs(dx) > llabs(dy) ? dx < 0 : dy < 0;
	const pixman_box32_t *b, *band;
	int64_t i, k, step, read = 0, written = 0;
	int32_t x, y, xa, xb;
	int nb, j;

	b = pixman_region32_rectangles(clip, &nb);
	if (nb <= 1 || render_one_per_band(clip))
		return 1;
	/* Rows in increasing order: from the end whose row is the lower. */
	step = dy < 0 ? -1 : 1;
	i = dy < 0 ? n - 1 : 0;
	j = 0;
	while (i >= 0 && i < n) {
		y = (int32_t)(y0 + render_div_round(i * dy, n, bias));
		xa = xb = (int32_t)(x0 + render_div_round(i * dx, n, bias));
		for (k = i + step; k >= 0 && k < n && (int32_t)(y0 +
		    render_div_round(k * dy, n, bias)) == y; k += step) {
			x = (int32_t)(x0 + render_div_round(k * dx, n, bias));
			if (x < xa)
				xa = x;
			if (x > xb)
				xb = x;
		}
		i = k;
		if (written > read)
			return 0;	/* this span was written over */
		read++;
		while (j < nb && b[j].y2 <= y)
			j++;
		for (band = &b[j]; band < b + nb && band->y1 == b[j].y1 &&
		    band->y1 <= y; band++)
			written += band->x1 <= xb && band->x2 > xa;
	}
	return 1;
}

/* Add the pixels drawn in clip (taken) to the loose ones. */
static void
render_told_loose(struct render_told *rt, pixman_region32_t *clip)
{
	if (!rt->rt_has_loose) {
		pixman_region32_init(rt->rt_loose);
		rt->rt_has_loose = 1;
	}
	pixman_region32_intersect(clip, clip, rt->rt_drawn);
	pixman_region32_union(rt->rt_loose, rt->rt_loose, clip);
	pixman_region32_fini(clip);
}

/* Tell line pl through clip (taken), which the canvas keeps whole,
 * with its px pixels there, when there is room; else its pixels are
 * loose. */
static void
render_told_line(struct render_told *rt, const struct render_pen_line *pl,
    pixman_region32_t *clip, uint64_t px)
{
	struct render_line *rl;

	if (rt->rt_n == RENDER_STROKE_MAX_LINES) {
		render_told_loose(rt, clip);
		return;
	}
	rl = &rt->rt_line[rt->rt_n++];
	rl->rl_clip = *clip;	/* moved: a region's storage is its own */
	rl->rl_x0 = pl->pl_x0;
	rl->rl_y0 = pl->pl_y0;
	rl->rl_x1 = pl->pl_x1;
	rl->rl_y1 = pl->pl_y1;
	rl->rl_px = px;
}

/* Tell line pl through clip (taken) when the canvas keeps it whole;
 * else its pixels are loose. */
static void
render_told_kept(struct render_told *rt, const struct render_pen_line *pl,
    pixman_region32_t *clip, uint64_t px)
{
	if (render_spans_kept(pl->pl_x0, pl->pl_y0, pl->pl_x1, pl->pl_y1,
	    clip))
		render_told_line(rt, pl, clip, px);
	else
		render_told_loose(rt, clip);
}

/* Boxes b[0..n) within area into *clip: 0, or -1 (no memory). */
static int
render_boxes_clip(const pixman_box32_t *b, unsigned n,
    pixman_region32_t *area, pixman_region32_t *clip)
{
	if (!pixman_region32_init_rects(clip, b, (int)n))
		return -1;
	pixman_region32_intersect(clip, clip, area);
	return 0;
}

/* Room for one line's dashes sorted into parts. */
#define RENDER_STROKE_DASH_PARTS	8
struct render_parts {
	pixman_box32_t	rp_box[RENDER_STROKE_MAX_BOXES];
	uint8_t		rp_part[RENDER_STROKE_MAX_BOXES];
};

/*
 * Line pl's dashes where the canvas would not keep it whole through all
 * of them at once (a shallow line, whose gaps fall inside rows): told
 * in parts, each of dashes that share no row (each row's span then
 * meets one box of a part), at most RENDER_STROKE_DASH_PARTS, else its
 * pixels are loose; 0, or -1 (no memory).  The boxes come in the line's
 * order, so a dash that shares no row with a part's last shares none
 * with the part.
 */
static int
render_told_parts(struct render_told *rt, const pixman_box32_t *boxes,
    const struct render_pen_line *pl, pixman_region32_t *area,
    struct render_parts *rp)
{
	const pixman_box32_t *b = &boxes[pl->pl_first], *last[
	    RENDER_STROKE_DASH_PARTS];
	pixman_region32_t clip;
	unsigned i, g, ng = 0, k;
	uint64_t px;

	for (i = 0; i < pl->pl_n; i++) {
		for (g = 0; g < ng; g++)
			if (last[g]->y2 <= b[i].y1 || b[i].y2 <= last[g]->y1)
				break;
		if (g == RENDER_STROKE_DASH_PARTS) {
			if (render_boxes_clip(b, pl->pl_n, area, &clip) != 0)
				return -1;
			render_told_loose(rt, &clip);
			return 0;
		}
		if (g == ng)
			ng++;
		last[g] = &b[i];
		rp->rp_part[i] = (uint8_t)g;
	}
	for (g = 0; g < ng; g++) {
		px = 0;
		for (i = 0, k = 0; i < pl->pl_n; i++)
			if (rp->rp_part[i] == g) {
				rp->rp_box[k++] = b[i];
				/* a dash's pixels: its box's longer side */
				px += (uint64_t)(b[i].x2 - b[i].x1 > b[i].y2 -
				    b[i].y1 ? b[i].x2 - b[i].x1 : b[i].y2 -
				    b[i].y1);
			}
		if (render_boxes_clip(rp->rp_box, k, area, &clip) != 0)
			return -1;
		if (pixman_region32_not_empty(&clip))
			render_told_kept(rt, pl, &clip, px);
		else
			pixman_region32_fini(&clip);
	}
	return 0;
}

int
render_lines_tell(const struct render_pen_line *lines, unsigned nlines,
    const pixman_box32_t *boxes, pixman_region32_t *area,
    struct render_told *rt)
{
	const struct render_pen_line *pl;
	struct render_parts *rp = NULL;
	pixman_region32_t clip;
	unsigned i;

	for (i = 0; i < nlines; i++) {
		pl = &lines[i];
		if (render_boxes_clip(&boxes[pl->pl_first], pl->pl_n,
		    area, &clip) != 0)
			goto nomem;
		if (!pixman_region32_not_empty(&clip))
			pixman_region32_fini(&clip);
		else if (pl->pl_loose)
			render_told_loose(rt, &clip);
		else if (render_spans_kept(pl->pl_x0, pl->pl_y0, pl->pl_x1,
		    pl->pl_y1, &clip))
			render_told_line(rt, pl, &clip, pl->pl_px);
		else {
			pixman_region32_fini(&clip);
			if ((rp == NULL && (rp = malloc(sizeof(*rp))) == NULL) ||
			    render_told_parts(rt, boxes, pl, area, rp) != 0)
				goto nomem;
		}
	}
	free(rp);
	return 0;
nomem:
	free(rp);
	return -1;
}

void
render_told_free(struct render_told *rt)
{
	while (rt->rt_n > 0)
		pixman_region32_fini(&rt->rt_line[--rt->rt_n].rl_clip);
	if (rt->rt_has_loose)
		pixman_region32_fini(rt->rt_loose);
	rt->rt_has_loose = 0;
}
