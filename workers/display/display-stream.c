/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-stream: see display-stream.h.
 */
#include <string.h>

#include "display-stream.h"
#include "enc.h"
#include "render.h"

void
dstream_init(struct dstream *ds, enum dstream_mode mode)
{
	memset(ds, 0, sizeof(*ds));
	ds->ds_mode = mode;
}

static int64_t
dstream_area(const pixman_box32_t *b)
{
	return b->x2 <= b->x1 || b->y2 <= b->y1 ? 0 :
	    (int64_t)(b->x2 - b->x1) * (b->y2 - b->y1);
}

/* Whether a and b are mostly the same box: their overlap covers at least
 * three quarters of each (a video's damage differs a little from frame to
 * frame when only part of it changed). */
static int
dstream_same(const pixman_box32_t *a, const pixman_box32_t *b)
{
	pixman_box32_t o;
	int64_t ov;

	o.x1 = a->x1 > b->x1 ? a->x1 : b->x1;
	o.y1 = a->y1 > b->y1 ? a->y1 : b->y1;
	o.x2 = a->x2 < b->x2 ? a->x2 : b->x2;
	o.y2 = a->y2 < b->y2 ? a->y2 : b->y2;
	ov = dstream_area(&o);
	return ov * 4 >= dstream_area(a) * 3 && ov * 4 >= dstream_area(b) * 3;
}

/* Whether a box this large could be video. */
static int
dstream_big(const pixman_box32_t *b)
{
	return b->x2 - b->x1 >= DSTREAM_MIN_W &&
	    b->y2 - b->y1 >= DSTREAM_MIN_H && dstream_area(b) >= DSTREAM_MIN_AREA;
}

/* Whether box of prim may become a stream. */
static int
dstream_worth(const struct dstream *ds, const pixman_box32_t *b,
    pixman_image_t *prim)
{
	struct enc_src src;

	if (!dstream_big(b))
		return 0;
	if (ds->ds_mode == DSTREAM_ALL)
		return 1;
	render_box_src(prim, b, &src);
	return enc_classify(&src) == ENC_PHOTO;
}

enum dstream_event
dstream_damage(struct dstream *ds, const pixman_region32_t *area,
    pixman_image_t *prim, uint64_t now_ms, pixman_region32_t *rest)
{
	const pixman_box32_t *e = pixman_region32_extents(
	    (pixman_region32_t *)area);
	pixman_region32_t box;
	struct dstream_cand *c = NULL, *lapsed = NULL, *oldest = NULL;
	unsigned i;
	int live;

	pixman_region32_init(rest);
	pixman_region32_copy(rest, (pixman_region32_t *)area);
	if (ds->ds_mode == DSTREAM_OFF)
		return DSTREAM_NONE;
	if (ds->ds_on) {
		pixman_region32_init_rect(&box, ds->ds_box.x1, ds->ds_box.y1,
		    (unsigned)(ds->ds_box.x2 - ds->ds_box.x1),
		    (unsigned)(ds->ds_box.y2 - ds->ds_box.y1));
		pixman_region32_subtract(rest, rest, &box);
		pixman_region32_fini(&box);
		if (pixman_region32_equal(rest, (pixman_region32_t *)area))
			return DSTREAM_NONE;
		ds->ds_frame++;
		ds->ds_last_ms = now_ms;
		return DSTREAM_FRAME;
	}
	if (!dstream_big(e))
		return DSTREAM_NONE;
	/* The box e continues, else a free or lapsed slot, else the one
	 * drawn longest ago. */
	for (i = 0; i < DSTREAM_CANDS && c == NULL; i++) {
		live = ds->ds_cand[i].dc_n > 0 &&
		    now_ms - ds->ds_cand[i].dc_ms <= DSTREAM_GAP_MS;
		if (live && dstream_same(&ds->ds_cand[i].dc_box, e))
			c = &ds->ds_cand[i];
		else if (!live && lapsed == NULL)
			lapsed = &ds->ds_cand[i];
		else if (live && (oldest == NULL ||
		    ds->ds_cand[i].dc_ms < oldest->dc_ms))
			oldest = &ds->ds_cand[i];
	}
	if (c != NULL) {
		c->dc_n++;
		/* The stream covers everything its frames touched. */
		c->dc_box.x1 = e->x1 < c->dc_box.x1 ? e->x1 : c->dc_box.x1;
		c->dc_box.y1 = e->y1 < c->dc_box.y1 ? e->y1 : c->dc_box.y1;
		c->dc_box.x2 = e->x2 > c->dc_box.x2 ? e->x2 : c->dc_box.x2;
		c->dc_box.y2 = e->y2 > c->dc_box.y2 ? e->y2 : c->dc_box.y2;
	} else {
		c = lapsed != NULL ? lapsed : oldest;
		c->dc_box = *e;
		c->dc_n = 1;
	}
	c->dc_ms = now_ms;
	if (c->dc_n < DSTREAM_FRAMES || !dstream_worth(ds, &c->dc_box, prim))
		return DSTREAM_NONE;
	ds->ds_on = 1;
	ds->ds_box = c->dc_box;
	ds->ds_id = ds->ds_next_id++ % DSTREAM_MAX_ID;
	ds->ds_frame++;
	ds->ds_last_ms = now_ms;
	memset(ds->ds_cand, 0, sizeof(ds->ds_cand));
	pixman_region32_init_rect(&box, ds->ds_box.x1, ds->ds_box.y1,
	    (unsigned)(ds->ds_box.x2 - ds->ds_box.x1),
	    (unsigned)(ds->ds_box.y2 - ds->ds_box.y1));
	pixman_region32_subtract(rest, rest, &box);
	pixman_region32_fini(&box);
	return DSTREAM_STARTED;
}

enum dstream_move
dstream_moved(struct dstream *ds, const pixman_region32_t *dst, int32_t dx,
    int32_t dy, pixman_box32_t *old, uint32_t *old_id)
{
	pixman_box32_t b = ds->ds_box, to;

	if (!ds->ds_on)
		return DSTREAM_MOVE_NONE;
	to = (pixman_box32_t){ b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy };
	if (pixman_region32_contains_rectangle((pixman_region32_t *)dst,
	    &to) != PIXMAN_REGION_IN)
		return pixman_region32_contains_rectangle(
		    (pixman_region32_t *)dst, &b) == PIXMAN_REGION_OUT ?
		    DSTREAM_MOVE_NONE : DSTREAM_MOVE_END;
	*old = b;
	*old_id = ds->ds_id;
	ds->ds_box = to;
	ds->ds_id = ds->ds_next_id++ % DSTREAM_MAX_ID;
	ds->ds_frame++;
	return DSTREAM_MOVE_FOLLOW;
}

int
dstream_idle(const struct dstream *ds, uint64_t now_ms)
{
	return ds->ds_on && now_ms - ds->ds_last_ms >= DSTREAM_IDLE_MS;
}

void
dstream_end(struct dstream *ds)
{
	ds->ds_on = 0;
	memset(ds->ds_cand, 0, sizeof(ds->ds_cand));
}
