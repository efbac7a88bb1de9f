/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-stroke: STROKE drawables, the cosmetic (one-pixel) lines of
 * Windows drivers; contract in render-int.h.
 *
 * As SPICE's canvas: points are rounded to pixels (28.4 fixed point,
 * a half rounds down), a subpath's lines are drawn without their last
 * pixel (X's CapNotLast), dashes (STYLED, optionally starting with the
 * gap) run on along a subpath, the brush is applied with fore_mode as a
 * FILL would, and back_mode, width, joins and caps are not read.  Lines
 * are stepped along their longer axis with the other coordinate rounded,
 * a half away from the start unless the longer axis decreases, where it
 * rounds towards it (X's zero-width lines with their default bias, which
 * the canvas draws), each pixel touched once per stroke (the canvas
 * paints each line on its own, so a pixel two lines cross twice: those
 * pixels are noted);
 * Bezier curves are flattened as the canvas flattens them
 * (render_bezier_split).  Only the part of a line inside the area is
 * stepped, so a huge line costs what it draws.
 *
 * What a viewer would draw the same from the path (render_stroke_fn) is
 * reported as a stroke.  Else (dashes, points off the primary), each
 * line with both ends on the primary is reported with the boxes of its
 * dashes: on a line's longer axis each pixel has a coordinate of its
 * own, so the box of a run of its steps holds no other pixel of that
 * line, and a viewer stepping the whole line through those boxes paints
 * the dashes' pixels and no other, where the canvas's clipping keeps
 * its spans whole (render-lines.c).  The rest is damage.  With a raster
 * operation that painted twice is not painted once (an XOR rubber band,
 * lines crossing at a crosshair), the pixels two lines paint go with
 * it, which a viewer then gets as pixels.
 */
#include <math.h>
#include <stdlib.h>

#include <spice/enums.h>

#include "qxl-cmd.h"
#include "render-int.h"

#define RENDER_BEZIER_DEPTH	16
#define RENDER_BEZIER_PIECES	(1 << 16)

struct render_pen {
	const struct qxl_cmd_stroke *pn_st;
	int32_t		 pn_w;		/* the surface's size */
	int32_t		 pn_h;
	int		 pn_collect;	/* note lines (render_pen_line) */
	int		 pn_lost;	/* ... more than the caps, or no
					 * memory for them */
	struct render_pen_line *pn_lines;	/* RENDER_STROKE_MAX_LINES */
	unsigned	 pn_nlines;
	pixman_box32_t	*pn_boxes;		/* RENDER_STROKE_MAX_BOXES */
	unsigned	 pn_nboxes;
	pixman_box32_t	 pn_ext;	/* the area's extents */
	pixman_image_t	*pn_cov;	/* a1 over pn_ext: pixels drawn */
	pixman_image_t	*pn_dup;	/* ... drawn again, or NULL */
	int64_t		 pn_dashpos;	/* steps so far in the subpath */
	int64_t		 pn_cycle;	/* a dash pattern's length, or 0 */
	int32_t		 pn_x;		/* the current point */
	int32_t		 pn_y;
	int32_t		 pn_sx;		/* the subpath's first point */
	int32_t		 pn_sy;
	int		 pn_open;	/* a subpath has begun */
	int		 pn_nomem;	/* pn_dup could not be made */
	int		 pn_deep;	/* a curve cut short */
	uint32_t	 pn_pieces;	/* lines of curves so far */
};

static int32_t
render_fix_to_int(int32_t v)
{
	return (v + 7) >> 4;
}

/* Is step pos of a subpath inside a dash (or the line unstyled)? */
static int
render_dash_on(const struct render_pen *pn, int64_t pos)
{
	const struct qxl_cmd_stroke *st = pn->pn_st;
	int64_t at;
	unsigned i, k;

	if (pn->pn_cycle == 0)
		return 1;
	at = pos % pn->pn_cycle;
	/* An odd list runs twice per cycle, on and off swapping. */
	for (k = 0;; k++) {
		i = k % st->nstyle;
		if (at < st->style[i] >> 4)
			break;
		at -= st->style[i] >> 4;
	}
	return ((k & 1) == 0) != ((st->line_flags &
	    SPICE_LINE_FLAGS_START_WITH_GAP) != 0);
}

/* Row y of an a1 image. */
static uint8_t *
render_a1_row(pixman_image_t *img, int32_t y)
{
	return (uint8_t *)pixman_image_get_data(img) +
	    (size_t)y * (size_t)pixman_image_get_stride(img);
}

/* Plot a pixel of a line: 1, or 0 when it is outside the area's extents
 * or in a gap between dashes. */
static int
render_plot(struct render_pen *pn, int32_t x, int32_t y, int64_t pos)
{
	uint8_t *line, bit;

	if (x < pn->pn_ext.x1 || x >= pn->pn_ext.x2 || y < pn->pn_ext.y1 ||
	    y >= pn->pn_ext.y2 || !render_dash_on(pn, pos))
		return 0;
	x -= pn->pn_ext.x1;
	y -= pn->pn_ext.y1;
	line = render_a1_row(pn->pn_cov, y);
	/* pixman's a1 is LSB first on little-endian hosts.  A line's own
	 * pixels are distinct (one a step along its longer axis), so a
	 * pixel met again is another line's. */
	bit = (uint8_t)(1u << (x & 7));
	if (line[x >> 3] & bit) {
		if (pn->pn_dup == NULL && !pn->pn_nomem &&
		    (pn->pn_dup = pixman_image_create_bits(PIXMAN_a1,
		    pn->pn_ext.x2 - pn->pn_ext.x1, pn->pn_ext.y2 -
		    pn->pn_ext.y1, NULL, 0)) == NULL)
			pn->pn_nomem = 1;
		if (pn->pn_dup != NULL)
			render_a1_row(pn->pn_dup, y)[x >> 3] |= bit;
	}
	line[x >> 3] |= bit;
	return 1;
}

/* The line about to be stepped from the current point to (x, y), to be
 * noted, or NULL. */
static struct render_pen_line *
render_note_line(struct render_pen *pn, int32_t x, int32_t y)
{
	struct render_pen_line *pl;

	if (!pn->pn_collect || pn->pn_lost)
		return NULL;
	if (pn->pn_lines == NULL && ((pn->pn_lines = calloc(
	    RENDER_STROKE_MAX_LINES, sizeof(*pn->pn_lines))) == NULL ||
	    (pn->pn_boxes = calloc(RENDER_STROKE_MAX_BOXES,
	    sizeof(*pn->pn_boxes))) == NULL)) {
		pn->pn_lost = 1;
		return NULL;
	}
	if (pn->pn_nlines == RENDER_STROKE_MAX_LINES) {
		pn->pn_lost = 1;
		return NULL;
	}
	pl = &pn->pn_lines[pn->pn_nlines];
	*pl = (struct render_pen_line){ .pl_x0 = pn->pn_x, .pl_y0 = pn->pn_y,
	    .pl_x1 = x, .pl_y1 = y, .pl_first = pn->pn_nboxes,
	    .pl_loose = pn->pn_x < 0 || pn->pn_y < 0 || pn->pn_x >= pn->pn_w ||
	    pn->pn_y >= pn->pn_h || x < 0 || y < 0 || x >= pn->pn_w ||
	    y >= pn->pn_h };
	return pl;
}

/* Pixel (x, y) of line pl, plotted (on) or not: a run of plotted steps
 * is one box; *open says whether the last box is still growing. */
static void
render_note_pixel(struct render_pen *pn, struct render_pen_line *pl,
    int32_t x, int32_t y, int on, int *open)
{
	pixman_box32_t *b;

	if (!on) {
		*open = 0;
		return;
	}
	if (*open) {
		b = &pn->pn_boxes[pn->pn_nboxes - 1];
		if (x < b->x1)
			b->x1 = x;
		if (x >= b->x2)
			b->x2 = x + 1;
		if (y < b->y1)
			b->y1 = y;
		if (y >= b->y2)
			b->y2 = y + 1;
	} else if (pn->pn_nboxes == RENDER_STROKE_MAX_BOXES) {
		pn->pn_lost = 1;
		return;
	} else {
		pn->pn_boxes[pn->pn_nboxes++] = (pixman_box32_t){ x, y,
		    x + 1, y + 1 };
		pl->pl_n++;
		*open = 1;
	}
	pl->pl_px++;
}

/* a / b for b > 0 rounded to the nearest, a half away from zero unless
 * bias, then towards it: the offset along the shorter axis of step i of
 * a line as X's zero-width Bresenham lines take it (the bias is set for
 * lines whose longer axis decreases). */
int64_t
render_div_round(int64_t a, int64_t b, int bias)
{
	return a >= 0 ? (2 * a + b - bias) / (2 * b) :
	    -((-2 * a + b - bias) / (2 * b));
}

/* Steps i in [0, n) with lo <= c0 + i * s * step... : the range of i
 * where c0 + i * d / n (the coordinate along one axis) may lie within
 * [lo, hi), widened by one step, clipped to [*i0, *i1). */
static void
render_clip_steps(int64_t c0, int64_t d, int64_t n, int64_t lo, int64_t hi,
    int64_t *i0, int64_t *i1)
{
	double a, b, t;

	if (d == 0) {
		if (c0 < lo || c0 >= hi)
			*i1 = *i0;
		return;
	}
	a = (double)(lo - 1 - c0) * (double)n / (double)d;
	b = (double)(hi + 1 - c0) * (double)n / (double)d;
	if (a > b) {
		t = a;
		a = b;
		b = t;
	}
	if (a > (double)*i0)
		*i0 = a > (double)*i1 ? *i1 : (int64_t)floor(a);
	if (b < (double)*i1)
		*i1 = b < (double)*i0 ? *i0 : (int64_t)ceil(b) + 1;
	if (*i1 < *i0)
		*i1 = *i0;
}

/* The line from the current point to (x, y), its last pixel left out. */
static void
render_line_to(struct render_pen *pn, int32_t x, int32_t y)
{
	int64_t dx = (int64_t)x - pn->pn_x, dy = (int64_t)y - pn->pn_y;
	int64_t n = llabs(dx) > llabs(dy) ? llabs(dx) : llabs(dy);
	int64_t i, i0 = 0, i1 = n;
	/* X's octants with the bias: x major and decreasing, or y major
	 * (equal counts as y) and decreasing. */
	int bias = llabs(dx) > llabs(dy) ? dx < 0 : dy < 0;
	struct render_pen_line *pl = render_note_line(pn, x, y);
	int32_t px, py;
	int on, open = 0;

	render_clip_steps(pn->pn_x, dx, n, pn->pn_ext.x1, pn->pn_ext.x2, &i0,
	    &i1);
	render_clip_steps(pn->pn_y, dy, n, pn->pn_ext.y1, pn->pn_ext.y2, &i0,
	    &i1);
	for (i = i0; i < i1; i++) {
		px = (int32_t)(pn->pn_x + render_div_round(i * dx, n, bias));
		py = (int32_t)(pn->pn_y + render_div_round(i * dy, n, bias));
		on = render_plot(pn, px, py, pn->pn_dashpos + i);
		if (pl != NULL)
			render_note_pixel(pn, pl, px, py, on, &open);
	}
	if (pl != NULL && pl->pl_n > 0 && !pn->pn_lost)
		pn->pn_nlines++;
	pn->pn_dashpos += n;
	pn->pn_x = x;
	pn->pn_y = y;
}

/* a / 2 as C divides: towards zero. */
static int64_t
render_half(int64_t a)
{
	return a / 2;
}

/* (x1 y1) . (x2 y2) of 28.4 vectors, in 28.4 (>> 4, as the canvas). */
static int64_t
render_dot(int64_t x1, int64_t y1, int64_t x2, int64_t y2)
{
	return (x1 * x2 + y1 * y2) >> 4;
}

/*
 * The cubic Bezier curve p[0..3] (28.4 points) as SPICE's canvas
 * flattens it: straight to p[3] when neither control point lies further
 * from the chord than the canvas's bound (h1, h2 < B2), else split at
 * t = 1/2 (midpoints halved towards zero) and each half done the same.
 * Its recursion has no end for a curve of one point; here it stops
 * RENDER_BEZIER_DEPTH deep, or after RENDER_BEZIER_PIECES lines in the
 * stroke, with a straight line, and the stroke is then not one a viewer
 * would draw the same (pn_deep).  The products are taken in 128 bits:
 * the canvas's 64 suffice for points on a surface, which are the only
 * ones forwarded.
 */
static void
render_bezier_split(struct render_pen *pn, const int64_t *p, int depth)
{
	int64_t a2, b2, c2, ab, cb, q[14];
	__int128 h1, h2;
	int k, flat;

	a2 = render_dot(p[2] - p[0], p[3] - p[1], p[2] - p[0], p[3] - p[1]);
	b2 = render_dot(p[6] - p[0], p[7] - p[1], p[6] - p[0], p[7] - p[1]);
	c2 = render_dot(p[4] - p[6], p[5] - p[7], p[4] - p[6], p[5] - p[7]);
	ab = render_dot(p[2] - p[0], p[3] - p[1], p[6] - p[0], p[7] - p[1]);
	cb = render_dot(p[4] - p[6], p[5] - p[7], p[0] - p[6], p[1] - p[7]);
	h1 = ((__int128)a2 * b2 - (__int128)ab * ab) >> 3;
	h2 = ((__int128)c2 * b2 - (__int128)cb * cb) >> 3;
	flat = h1 < b2 && h2 < b2;
	if (flat || depth >= RENDER_BEZIER_DEPTH ||
	    pn->pn_pieces >= RENDER_BEZIER_PIECES) {
		if (!flat)
			pn->pn_deep = 1;
		pn->pn_pieces++;
		render_line_to(pn, render_fix_to_int((int32_t)p[6]),
		    render_fix_to_int((int32_t)p[7]));
		return;
	}
	/* q: p0, p01, p012, p0123, p123, p23, p3 (x, y each). */
	for (k = 0; k < 2; k++) {
		int64_t p01 = render_half(p[k] + p[2 + k]);
		int64_t p12 = render_half(p[2 + k] + p[4 + k]);
		int64_t p23 = render_half(p[4 + k] + p[6 + k]);
		int64_t p012 = render_half(p01 + p12);
		int64_t p123 = render_half(p12 + p23);

		q[k] = p[k];
		q[2 + k] = p01;
		q[4 + k] = p012;
		q[6 + k] = render_half(p012 + p123);
		q[8 + k] = p123;
		q[10 + k] = p23;
		q[12 + k] = p[6 + k];
	}
	render_bezier_split(pn, q, depth + 1);
	render_bezier_split(pn, q + 6, depth + 1);
}

/* A cubic Bezier curve from the current point through the control
 * points c[0], c[1] to c[2]; the canvas starts it at the current point
 * rounded to a pixel. */
static void
render_bezier_to(struct render_pen *pn, const struct qxl_cmd_pointfix *c)
{
	int64_t p[8] = { (int64_t)pn->pn_x * 16, (int64_t)pn->pn_y * 16,
	    c[0].x, c[0].y, c[1].x, c[1].y, c[2].x, c[2].y };

	render_bezier_split(pn, p, 0);
}

static void
render_path(struct render_pen *pn)
{
	const struct qxl_cmd_stroke *st = pn->pn_st;
	const struct qxl_cmd_pathseg *seg;
	const struct qxl_cmd_pointfix *p, *end;
	uint32_t i;

	for (i = 0; i < st->nsegs; i++) {
		seg = &st->segs[i];
		p = seg->pts;
		/* A segment without points has no array (NULL). */
		end = seg->count > 0 ? p + seg->count : p;
		if (seg->flags & SPICE_PATH_BEGIN) {
			pn->pn_x = pn->pn_sx = render_fix_to_int(p->x);
			pn->pn_y = pn->pn_sy = render_fix_to_int(p->y);
			pn->pn_dashpos = 0;
			pn->pn_open = 1;
			p++;
		}
		if (!pn->pn_open)
			continue;	/* points before any BEGIN */
		if (seg->flags & SPICE_PATH_BEZIER)
			for (; p + 2 < end; p += 3)
				render_bezier_to(pn, p);
		else
			for (; p < end; p++)
				render_line_to(pn, render_fix_to_int(p->x),
				    render_fix_to_int(p->y));
		if (seg->flags & SPICE_PATH_END) {
			if (seg->flags & SPICE_PATH_CLOSE)
				render_line_to(pn, pn->pn_sx, pn->pn_sy);
			pn->pn_open = 0;
		}
	}
}

/*
 * Would SPICE's canvas draw the same pixels from the path (but where two
 * lines paint a pixel, which it paints once per line)?  Its lines
 * are X's zero-width lines, which the stepping above follows; its
 * curves are flattened as above unless one was cut short (render_pen's
 * pn_deep, known once stepped); not its dashes (X's wide dash code);
 * points before a BEGIN start a polyline there, where they are left out
 * here; and its int arithmetic is only safe for points on the surface.
 */
static int
render_stroke_path_ok(pixman_image_t *dst, const struct qxl_cmd_stroke *st)
{
	int32_t w = pixman_image_get_width(dst), h = pixman_image_get_height(dst);
	const struct qxl_cmd_pathseg *seg;
	uint32_t i, k;
	int open = 0, x, y;

	if (st->line_flags & SPICE_LINE_FLAGS_STYLED)
		return 0;
	for (i = 0; i < st->nsegs; i++) {
		seg = &st->segs[i];
		if (seg->count == 0 ||
		    (!open && !(seg->flags & SPICE_PATH_BEGIN)))
			return 0;
		open = !(seg->flags & SPICE_PATH_END);
		for (k = 0; k < seg->count; k++) {
			x = render_fix_to_int(seg->pts[k].x);
			y = render_fix_to_int(seg->pts[k].y);
			if (x < 0 || y < 0 || x >= w || y >= h)
				return 0;
		}
	}
	return 1;
}

/* Is rop3, a function of the brush and the destination, the same
 * painted twice as once (bit P << 2 | D of it the result)? */
static int
render_rop3_idempotent(uint8_t rop3)
{
	int p, d, once;

	for (p = 0; p < 2; p++)
		for (d = 0; d < 2; d++) {
			once = rop3 >> (p << 2 | d) & 1;
			if ((rop3 >> (p << 2 | once) & 1) != once)
				return 0;
		}
	return 1;
}

/* The pixels of lines that pn met twice, where that changes them
 * (not rop3 idempotent), into *twice: 1, or 0 (none; *twice not made). */
static int
render_stroke_twice(const struct render_pen *pn, pixman_region32_t *lines,
    uint8_t rop3, pixman_region32_t *twice)
{
	if (pn->pn_dup == NULL || render_rop3_idempotent(rop3))
		return 0;
	pixman_region32_init_from_image(twice, pn->pn_dup);
	pixman_region32_translate(twice, pn->pn_ext.x1, pn->pn_ext.y1);
	pixman_region32_intersect(twice, twice, lines);
	if (pixman_region32_not_empty(twice))
		return 1;
	pixman_region32_fini(twice);
	return 0;
}

/* Tell r's stroke callback of what pn drew (lines, within area), as a
 * path or as lines: 1, or 0 when it is to be damage. */
static int
render_stroke_tell(struct render *r, const struct render_pen *pn,
    pixman_region32_t *area, pixman_region32_t *lines, int path,
    const struct render_brush *brush, uint8_t rop3)
{
	struct render_stroke_lines sl = { NULL, 0, NULL };
	pixman_region32_t twice, loose;
	struct render_told rt = { .rt_loose = &loose, .rt_drawn = lines };
	int dup;

	if (pn->pn_nomem || (path && pn->pn_deep))
		return 0;
	if (!path) {
		if (pn->pn_lost || pn->pn_nlines == 0 ||
		    (rt.rt_line = calloc(RENDER_STROKE_MAX_LINES,
		    sizeof(*rt.rt_line))) == NULL)
			return 0;
		if (render_lines_tell(pn->pn_lines, pn->pn_nlines, pn->pn_boxes,
		    area, &rt) != 0 || rt.rt_n == 0) {
			render_told_free(&rt);
			free(rt.rt_line);
			return 0;
		}
		sl.sl_line = rt.rt_line;
		sl.sl_n = rt.rt_n;
		sl.sl_loose = rt.rt_has_loose ? &loose : NULL;
	}
	dup = render_stroke_twice(pn, lines, rop3, &twice);
	r->r_stroke(r->r_arg, area, lines, dup ? &twice : NULL,
	    path ? pn->pn_st : NULL, path ? NULL : &sl, brush->rb_type ==
	    SPICE_BRUSH_TYPE_SOLID ? brush->rb_color & 0xffffff : 0, rop3);
	if (dup)
		pixman_region32_fini(&twice);
	render_told_free(&rt);
	free(rt.rt_line);
	return 1;
}

int
render_stroke(struct render *r, uint32_t surface, pixman_region32_t *area,
    const struct qxl_cmd_stroke *st, const struct render_brush *brush,
    struct spd_err *err)
{
	struct render_pen pn = { .pn_st = st };
	pixman_region32_t lines;
	pixman_image_t *dst;
	unsigned i;
	uint8_t rop3;
	int rc, tell, path = 0;

	if ((dst = render_surface(r, surface)) == NULL)
		return spd_err_set(err, "surface %u does not exist", surface);
	if (!pixman_region32_not_empty(area))
		return 0;
	/* A viewer is told of strokes on an xRGB primary in a solid
	 * colour: of the path when it would draw the same, else of the
	 * lines noted while they are stepped. */
	tell = surface == 0 && r->r_stroke != NULL &&
	    pixman_image_get_format(dst) == PIXMAN_x8r8g8b8 &&
	    brush->rb_type != SPICE_BRUSH_TYPE_PATTERN;
	if (tell) {
		path = render_stroke_path_ok(dst, st) &&
		    render_one_per_band(area);
		pn.pn_collect = !path;
		pn.pn_w = pixman_image_get_width(dst);
		pn.pn_h = pixman_image_get_height(dst);
	}
	pn.pn_ext = *pixman_region32_extents(area);
	if ((pn.pn_cov = pixman_image_create_bits(PIXMAN_a1,
	    pn.pn_ext.x2 - pn.pn_ext.x1, pn.pn_ext.y2 - pn.pn_ext.y1, NULL,
	    0)) == NULL)
		return spd_err_set(err, "out of memory for the lines' pixels");
	for (i = 0; i < st->nstyle; i++)
		pn.pn_cycle += st->style[i] >> 4;
	if (st->nstyle % 2 == 1)
		pn.pn_cycle *= 2;
	render_path(&pn);
	pixman_region32_init_from_image(&lines, pn.pn_cov);
	pixman_image_unref(pn.pn_cov);
	pixman_region32_translate(&lines, pn.pn_ext.x1, pn.pn_ext.y1);
	pixman_region32_intersect(&lines, &lines, area);
	rop3 = render_ropd_to_rop3(st->fore_mode, 1, SPICE_ROPD_INVERS_BRUSH,
	    SPICE_ROPD_INVERS_DEST);
	if ((rc = render_rop3_draw(r, surface, &lines, brush, NULL, NULL,
	    NULL, 0, rop3, err)) == 0 && pixman_region32_not_empty(&lines) &&
	    !(tell && render_stroke_tell(r, &pn, area, &lines, path, brush,
	    rop3)))
		render_report(r, surface, &lines);
	if (pn.pn_dup != NULL)
		pixman_image_unref(pn.pn_dup);
	free(pn.pn_lines);
	free(pn.pn_boxes);
	pixman_region32_fini(&lines);
	return rc;
}
