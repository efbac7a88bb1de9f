/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-diff: what an unscaled copy of a bitmap would change in the
 * primary, as boxes (render-int.h: render_changed_rows).
 *
 * A damage-only producer resends whole areas; what differs in them is
 * usually much less: a line typed, a strip a moved window uncovered once
 * its move is copied.  A row's changes are found block by block with
 * memcmp, and split where RENDER_GAP_BLOCKS blocks in a row are equal, so
 * that the two edges of a moved window are two narrow spans, not the
 * window's whole width.  Spans of consecutive rows that overlap and are
 * alike make one box of their union.
 */
#include <stdlib.h>
#include <string.h>

#include "render-int.h"

/* Pixels compared at once. */
#define RENDER_CMP_BLOCK	64
/* Equal blocks that split a row's changes into two spans. */
#define RENDER_GAP_BLOCKS	2
/* Spans kept apart in a row; the rest join the last. */
#define RENDER_MAX_SPANS	16
/* Unchanged pixels a box may carry to save another box. */
#define RENDER_MERGE_WASTE	256

struct render_span {
	int32_t	rs_first, rs_last;	/* changed pixels [first, last) */
};

/* A box being grown downwards. */
struct render_open {
	pixman_box32_t	ro_box;
	int64_t		ro_changed;	/* changed pixels in it */
	int		ro_used;	/* a span of this row joined it */
};

/* The spans where rows a and b of n pixels differ, into sp (at most
 * RENDER_MAX_SPANS); returns how many.  Only the blocks at a span's ends
 * are walked pixel by pixel. */
static int
render_row_spans(const uint32_t *a, const uint32_t *b, int32_t n,
    struct render_span *sp)
{
	int32_t lo, hi, start = -1, end = 0, equal = 0, i;
	int ns = 0;

	for (lo = 0; lo < n; lo = hi) {
		hi = n - lo < RENDER_CMP_BLOCK ? n : lo + RENDER_CMP_BLOCK;
		if (memcmp(a + lo, b + lo, (size_t)(hi - lo) * 4) != 0) {
			if (start < 0)
				start = lo;
			end = hi;
			equal = 0;
			continue;
		}
		if (start < 0 || ++equal < RENDER_GAP_BLOCKS ||
		    ns == RENDER_MAX_SPANS - 1)
			continue;
		sp[ns++] = (struct render_span){ start, end };
		start = -1;
	}
	if (start >= 0)
		sp[ns++] = (struct render_span){ start, end };
	/* To the pixel: a span's first and last blocks differ. */
	for (i = 0; i < ns; i++) {
		while (a[sp[i].rs_first] == b[sp[i].rs_first])
			sp[i].rs_first++;
		while (a[sp[i].rs_last - 1] == b[sp[i].rs_last - 1])
			sp[i].rs_last--;
	}
	return ns;
}

/* Whether the changed span [f, l) of a row joins the box above it, which
 * holds changed pixels of its area: when each is at least half their
 * union's width, or the box would carry few unchanged pixels (ragged
 * spans of typing join; an L-shaped change stays two boxes). */
static int
render_spans_alike(const struct render_open *o, int32_t f, int32_t l)
{
	const pixman_box32_t *cur = &o->ro_box;
	int32_t x1 = f < cur->x1 ? f : cur->x1, x2 = l > cur->x2 ? l : cur->x2;
	int64_t u = x2 - x1, area = u * (cur->y2 - cur->y1 + 1);

	return f < cur->x2 && l > cur->x1 &&
	    (((l - f) * 2 >= u && (cur->x2 - cur->x1) * 2 >= u) ||
	    area - o->ro_changed - (l - f) <= RENDER_MERGE_WASTE);
}

/* Boxes found so far. */
struct render_boxes {
	pixman_box32_t	*rb_box;
	size_t		 rb_n, rb_cap;
};

static int
render_boxes_add(struct render_boxes *bx, const pixman_box32_t *b)
{
	pixman_box32_t *p;
	size_t cap;

	if (bx->rb_n == bx->rb_cap) {
		cap = bx->rb_cap == 0 ? 64 : bx->rb_cap * 2;
		if ((p = realloc(bx->rb_box, cap * sizeof(*p))) == NULL)
			return -1;
		bx->rb_box = p;
		bx->rb_cap = cap;
	}
	bx->rb_box[bx->rb_n++] = *b;
	return 0;
}

/* Row y's spans (x0: the row's first column) into the open boxes: each
 * span joins the first box it is alike to that no other span of the row
 * joined, or opens one; boxes no span joined are done. */
static int
render_row_boxes(struct render_boxes *bx, struct render_open *open,
    int *nopen, const struct render_span *sp, int ns, int32_t x0, int32_t y)
{
	struct render_span left[RENDER_MAX_SPANS];
	int32_t f, l;
	int i, j, nleft = 0, n = 0;

	for (j = 0; j < *nopen; j++)
		open[j].ro_used = 0;
	for (i = 0; i < ns; i++) {
		f = x0 + sp[i].rs_first;
		l = x0 + sp[i].rs_last;
		for (j = 0; j < *nopen && (open[j].ro_used ||
		    !render_spans_alike(&open[j], f, l)); j++)
			;
		if (j == *nopen) {
			left[nleft++] = (struct render_span){ f, l };
			continue;
		}
		open[j].ro_box.x1 = f < open[j].ro_box.x1 ? f :
		    open[j].ro_box.x1;
		open[j].ro_box.x2 = l > open[j].ro_box.x2 ? l :
		    open[j].ro_box.x2;
		open[j].ro_box.y2 = y + 1;
		open[j].ro_changed += l - f;
		open[j].ro_used = 1;
	}
	for (j = 0; j < *nopen; j++)
		if (open[j].ro_used)
			open[n++] = open[j];
		else if (render_boxes_add(bx, &open[j].ro_box) != 0)
			return -1;
	for (i = 0; i < nleft; i++)
		open[n++] = (struct render_open){ { left[i].rs_first, y,
		    left[i].rs_last, y + 1 }, left[i].rs_last -
		    left[i].rs_first, 1 };
	*nopen = n;
	return 0;
}

int
render_changed_rows(pixman_image_t *dst, pixman_image_t *img,
    const pixman_box32_t *bbox, const pixman_box32_t *sa,
    pixman_region32_t *area, pixman_region32_t *out)
{
	const uint8_t *dbase = (const uint8_t *)pixman_image_get_data(dst);
	const uint8_t *sbase = (const uint8_t *)pixman_image_get_data(img);
	ptrdiff_t dstride = pixman_image_get_stride(dst);
	ptrdiff_t sstride = pixman_image_get_stride(img);
	struct render_open open[RENDER_MAX_SPANS];
	struct render_span sp[RENDER_MAX_SPANS];
	struct render_boxes bx = { NULL, 0, 0 };
	const uint32_t *drow, *srow;
	pixman_box32_t *rects;
	int i, j, n, ns, nopen;
	int32_t y;

	rects = pixman_region32_rectangles(area, &n);
	for (i = 0; i < n; i++) {
		nopen = 0;
		for (y = rects[i].y1; y < rects[i].y2; y++) {
			drow = (const uint32_t *)(dbase + (ptrdiff_t)y *
			    dstride) + rects[i].x1;
			srow = (const uint32_t *)(sbase + (ptrdiff_t)(sa->y1 +
			    y - bbox->y1) * sstride) + (sa->x1 + rects[i].x1 -
			    bbox->x1);
			ns = render_row_spans(drow, srow, rects[i].x2 -
			    rects[i].x1, sp);
			if (render_row_boxes(&bx, open, &nopen, sp, ns,
			    rects[i].x1, y) != 0)
				goto fail;
		}
		for (j = 0; j < nopen; j++)
			if (render_boxes_add(&bx, &open[j].ro_box) != 0)
				goto fail;
	}
	/* Boxes need not be in pixman's band order: init_rects sorts them
	 * (in one pass, not a union per box). */
	if (bx.rb_n == 0)
		pixman_region32_init(out);
	else
		pixman_region32_init_rects(out, bx.rb_box, (int)bx.rb_n);
	free(bx.rb_box);
	return 0;

fail:
	free(bx.rb_box);
	return -1;
}

int
render_uniform_copy(pixman_image_t *dst, pixman_image_t *img,
    const pixman_box32_t *sa, pixman_region32_t *area, uint32_t *pixel,
    int *changed)
{
	const uint8_t *dbase = (const uint8_t *)pixman_image_get_data(dst);
	const uint8_t *srow = (const uint8_t *)pixman_image_get_data(img) +
	    (ptrdiff_t)sa->y1 * pixman_image_get_stride(img) +
	    (ptrdiff_t)sa->x1 * 4;
	ptrdiff_t dstride = pixman_image_get_stride(dst);
	pixman_box32_t *rects;
	int32_t y;
	int i, n;

	if (!render_box_uniform(img, sa, pixel))
		return 0;
	/* Against a row of the source, which is as wide as any of the
	 * area's rectangles: the copy is unscaled, the area inside it. */
	*changed = 0;
	rects = pixman_region32_rectangles(area, &n);
	for (i = 0; i < n && !*changed; i++)
		for (y = rects[i].y1; y < rects[i].y2 && !*changed; y++)
			*changed = memcmp(dbase + (ptrdiff_t)y * dstride +
			    (ptrdiff_t)rects[i].x1 * 4, srow,
			    (size_t)(rects[i].x2 - rects[i].x1) * 4) != 0;
	return 1;
}
