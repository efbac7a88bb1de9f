/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-out-lossy: what each viewer holds as JPEG made it (dc_lossy),
 * so that a forwarded drawing never works on those pixels in a way that
 * magnifies JPEG's error, and so that they are sent again losslessly
 * once the display has been quiet for that viewer a while.
 *
 * A raster operation that reads the destination (an XOR, an AND with a
 * mask) turns a level off by one into one off by up to 255 (127 and 128
 * differ in every bit), so the lossy pixels under it go again as an
 * image of the result, as the reference server sends a drawing's lossy
 * dependencies losslessly before it.  Glyphs, blends and composites mix
 * what was there linearly: the error stays as small, and the pixels stay
 * lossy.  A copy within the primary moves the lossy pixels with it.
 *
 * The reference server leaves a lossy picture as it is until it is drawn
 * over.  Under jpeg-wan-compression=auto, where JPEG is for a viewer
 * whose link is slow, spiced sends it again in the codec the viewer gets
 * for lossless images a second after its last JPEG, once it is owed
 * nothing else, a band at a time, each once its link has delivered all
 * it had (TCP saw it acknowledged: sent is not enough, since a queue on
 * the way may hold it), so that an update made meanwhile waits behind
 * one band at most: a photograph goes small first and sharp when the
 * link is free, as VNC's lossless refresh does.  Under "always" lossy is
 * what the operator asked for, and it stays.
 */
#include <spice/protocol.h>

#include "display-out-int.h"
#include "mono-time.h"

/* Quiet time after a viewer's last JPEG before its lossy pixels go again
 * losslessly (jpeg-wan-compression=auto), */
#define DOUT_REFINE_NS		(1000ull * 1000 * 1000)
/* ... in bands of about this much of the link's time, */
#define DOUT_REFINE_BAND_NS	(100ull * 1000 * 1000)
/* ... and at least this many bytes of pixels, */
#define DOUT_REFINE_BAND_MIN	(64u * 1024)
/* ... each when the link has delivered the one before: checked this
 * often. */
#define DOUT_REFINE_POLL_NS	(20ull * 1000 * 1000)

static void
dout_refine_arm(struct dout *d, uint64_t ns)
{
	struct timeval tv = { (time_t)(ns / 1000000000),
	    (suseconds_t)(ns % 1000000000 / 1000) };

	evtimer_add(d->d_refine_ev, &tv);
}

/* r without box b. */
static void
dout_cut(pixman_region32_t *r, const pixman_box32_t *b)
{
	pixman_region32_t box;

	pixman_region32_init_rect(&box, b->x1, b->y1,
	    (unsigned)(b->x2 - b->x1), (unsigned)(b->y2 - b->y1));
	pixman_region32_subtract(r, r, &box);
	pixman_region32_fini(&box);
}

void
dout_lossy_sent(struct dout_client *dc, const pixman_box32_t *b, int lossy)
{
	struct dout *d = dc->dc_dout;

	if (dc->dc_dead)
		return;
	if (!lossy) {
		dout_cut(&dc->dc_lossy, b);
		return;
	}
	/* Grown, not cut, to a bounded shape: a pixel taken for lossy
	 * costs a refresh, one missed a wrong picture. */
	pixman_region32_union_rect(&dc->dc_lossy, &dc->dc_lossy, b->x1,
	    b->y1, (unsigned)(b->x2 - b->x1), (unsigned)(b->y2 - b->y1));
	dout_region_bound(&dc->dc_lossy);
	/* jpeg-wan-compression=always: lossy is what was asked for, as the
	 * reference server keeps it. */
	if (!(d->d_wk->wk_flags & IPC_INIT_JPEG_AUTO))
		return;
	dc->dc_lossy_at = mono_ns();
	dc->dc_refine = 0;
	if (!evtimer_pending(d->d_refine_ev, NULL))
		dout_refine_arm(d, DOUT_REFINE_NS);
}

void
dout_lossy_add(struct dout_client *dc, const pixman_region32_t *area)
{
	pixman_box32_t b = *pixman_region32_extents((pixman_region32_t *)area);

	dout_lossy_sent(dc, &b, 1);
}

void
dout_lossy_drawn(struct dout_client *dc, const pixman_region32_t *area,
    const pixman_region32_t *exact, int linear)
{
	pixman_region32_t dep;

	if (dc->dc_dead || !pixman_region32_not_empty(&dc->dc_lossy))
		return;
	if (exact != NULL)
		pixman_region32_subtract(&dc->dc_lossy, &dc->dc_lossy,
		    (pixman_region32_t *)exact);
	if (linear)
		return;
	pixman_region32_init(&dep);
	pixman_region32_intersect(&dep, &dc->dc_lossy,
	    (pixman_region32_t *)area);
	if (exact != NULL)
		pixman_region32_subtract(&dep, &dep,
		    (pixman_region32_t *)exact);
	if (pixman_region32_not_empty(&dep))
		dout_damage_client(dc, &dep);
	pixman_region32_fini(&dep);
}

void
dout_lossy_moved(struct dout_client *dc, const pixman_region32_t *dst,
    int32_t dx, int32_t dy)
{
	pixman_region32_t moved;

	if (dc->dc_dead || !pixman_region32_not_empty(&dc->dc_lossy))
		return;
	pixman_region32_init(&moved);
	pixman_region32_copy(&moved, &dc->dc_lossy);
	pixman_region32_translate(&moved, dx, dy);
	pixman_region32_intersect(&moved, &moved, (pixman_region32_t *)dst);
	pixman_region32_subtract(&dc->dc_lossy, &dc->dc_lossy,
	    (pixman_region32_t *)dst);
	pixman_region32_union(&dc->dc_lossy, &dc->dc_lossy, &moved);
	pixman_region32_fini(&moved);
	dout_region_bound(&dc->dc_lossy);
}

void
dout_refine_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct dout *d = arg;
	struct dout_client *dc;
	uint64_t now = mono_ns(), wait = 0, left;
	int any = 0;

	TAILQ_FOREACH(dc, &d->d_clients, dc_entry) {
		if (!pixman_region32_not_empty(&dc->dc_lossy))
			dc->dc_refine = 0;
		else if (dc->dc_refine)
			any = 1;	/* dout_refine_step looks again */
		else if (now - dc->dc_lossy_at >= DOUT_REFINE_NS) {
			dc->dc_refine = 1;
			any = 1;
		} else {
			left = DOUT_REFINE_NS - (now - dc->dc_lossy_at);
			if (wait == 0 || left < wait)
				wait = left;
		}
	}
	if (wait != 0)
		dout_refine_arm(d, wait);
	if (any)
		dout_schedule(d);
}

/* The pixels of one band again: what the link carries in about
 * DOUT_REFINE_BAND_NS as QUIC makes them (half their bytes), so that an
 * update made meanwhile waits no longer behind it; within
 * DOUT_REFINE_BAND_MIN (a QUIC model learns over so many) and
 * DOUT_BAND_BYTES. */
static size_t
dout_refine_bytes(struct dout_client *dc)
{
	uint64_t b = chan_link_rate(dc->dc_chan) * 2 * DOUT_REFINE_BAND_NS /
	    1000000000u;

	return b < DOUT_REFINE_BAND_MIN ? DOUT_REFINE_BAND_MIN :
	    b > DOUT_BAND_BYTES ? DOUT_BAND_BYTES : (size_t)b;
}

void
dout_refine_step(struct dout_client *dc, pixman_image_t *prim)
{
	struct dout *d = dc->dc_dout;
	const struct dstream *ds = &d->d_stream;

	if (!dc->dc_refine || pixman_region32_not_empty(&dc->dc_damage))
		return;
	/* The video's frames are lossy anyway; its box is owed when it
	 * ends. */
	if (ds->ds_on)
		dout_cut(&dc->dc_lossy, &ds->ds_box);
	if (pixman_region32_not_empty(&dc->dc_lossy) &&
	    chan_can_send(dc->dc_chan) && chan_idle(dc->dc_chan))
		(void)dout_send_band(dc, prim, &dc->dc_lossy,
		    dout_refine_bytes(dc), 1);
	if (dc->dc_dead)
		return;
	if (!pixman_region32_not_empty(&dc->dc_lossy)) {
		dc->dc_refine = 0;
		return;
	}
	/* Nothing says when the link has delivered what it had: look again. */
	dout_refine_arm(d, DOUT_REFINE_POLL_NS);
}
