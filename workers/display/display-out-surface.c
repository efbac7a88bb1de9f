/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-out-surface: off-screen surfaces made at the viewers when a
 * producer copies from them, as libspice-server keeps them at its
 * clients.  A viewer is sent a surface only once a copy from it reaches
 * the primary (or a colour key or an alpha blend from one), and then only
 * the parts that copy reads and its own copy
 * lacks (losslessly: they are sources), so a window's backing surface
 * copied again, or a sheet of icons copied from piece by piece, costs
 * a DRAW_COPY from the viewer's surface rather than the pixels.  What a
 * viewer holds of each surface is the region where its pixels are the
 * worker's: drawing on the surface takes the drawing's area out of it
 * (render_offscreen_fn), destroying the surface destroys the viewer's.
 */
#include <string.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "display-draw.h"
#include "display-out-int.h"
#include "log.h"

/* Rectangles of what a viewer lacks sent one by one; more go as their
 * extents (what it already holds there is sent again). */
#define DSURF_MAX_RECTS	8
/* Rectangles of what a viewer holds of a surface kept at most: a
 * producer drawing a checkerboard of changes would make it any number,
 * so beyond this the viewer is taken to hold nothing (it is sent what a
 * copy reads again). */
#define DSURF_MAX_VALID_RECTS	256

int
dout_surf_copy_init(struct dout_surf_copy *sc, struct dout *d,
    const pixman_region32_t *area, uint32_t id, const pixman_box32_t *bbox,
    const pixman_box32_t *src_area, uint8_t scale_mode)
{
	pixman_box32_t g = *src_area;
	int sw, sh;

	memset(sc, 0, sizeof(*sc));
	if ((sc->dsc_img = render_surface(d->d_render, id)) == NULL)
		return -1;
	sc->dsc_id = id;
	sc->dsc_px = dout_region_px((pixman_region32_t *)area);
	sw = pixman_image_get_width(sc->dsc_img);
	sh = pixman_image_get_height(sc->dsc_img);
	if (bbox->x2 - bbox->x1 == src_area->x2 - src_area->x1 &&
	    bbox->y2 - bbox->y1 == src_area->y2 - src_area->y1) {
		/* Unscaled: the pixels under the result's own. */
		pixman_region32_init(&sc->dsc_reads);
		pixman_region32_copy(&sc->dsc_reads,
		    (pixman_region32_t *)area);
		pixman_region32_translate(&sc->dsc_reads,
		    src_area->x1 - bbox->x1, src_area->y1 - bbox->y1);
		return 0;
	}
	/* Stretched: the whole source area, and interpolation reads the
	 * pixel around it (render_scaled_fn). */
	if (scale_mode == SPICE_IMAGE_SCALE_MODE_INTERPOLATE) {
		g.x1 = g.x1 > 0 ? g.x1 - 1 : 0;
		g.y1 = g.y1 > 0 ? g.y1 - 1 : 0;
		g.x2 = g.x2 < sw ? g.x2 + 1 : sw;
		g.y2 = g.y2 < sh ? g.y2 + 1 : sh;
	}
	pixman_region32_init_rect(&sc->dsc_reads, g.x1, g.y1,
	    (unsigned)(g.x2 - g.x1), (unsigned)(g.y2 - g.y1));
	return 0;
}

void
dout_surf_copy_fini(struct dout_surf_copy *sc)
{
	unsigned i;

	for (i = 0; i < sc->dsc_nparts; i++) {
		dout_img_fini(&sc->dsc_parts[i].img);
		pixman_image_unref(sc->dsc_parts[i].view);
	}
	pixman_region32_fini(&sc->dsc_reads);
}

/* What dc holds of surface id, or NULL. */
static struct dout_offscreen *
dsurf_find(struct dout_client *dc, uint32_t id)
{
	unsigned i;

	for (i = 0; i < dc->dc_noffs; i++)
		if (dc->dc_offs[i].do_id == id)
			return &dc->dc_offs[i];
	return NULL;
}

/* dc no longer holds o: SURFACE_DESTROY (tell set) and forget it. */
static void
dsurf_drop(struct dout_client *dc, struct dout_offscreen *o, int tell)
{
	unsigned i = (unsigned)(o - dc->dc_offs);

	if (tell && dc->dc_chan != NULL) {
		obuf_put_u32le(chan_msg_begin(dc->dc_chan,
		    SPICE_MSG_DISPLAY_SURFACE_DESTROY), o->do_id);
		chan_msg_end(dc->dc_chan);
	}
	pixman_region32_fini(&o->do_valid);
	dc->dc_offs_bytes -= o->do_bytes;
	memmove(o, o + 1, (dc->dc_noffs - i - 1) * sizeof(*o));
	dc->dc_noffs--;
}

/*
 * Make surface sc at dc (SURFACE_CREATE, holding nothing yet), first
 * dropping those it copied from least recently while it holds
 * DOUT_MAX_OFFSCREEN or too many bytes for this one: the new entry, or
 * NULL when the surface alone passes DOUT_OFFSCREEN_BYTES.
 */
static struct dout_offscreen *
dsurf_hold(struct dout_client *dc, const struct dout_surf_copy *sc)
{
	struct dout_offscreen *o, *old;
	struct obuf *ob;
	uint64_t bytes = (uint64_t)pixman_image_get_stride(sc->dsc_img) *
	    (uint64_t)pixman_image_get_height(sc->dsc_img);
	unsigned i;

	if (bytes > DOUT_OFFSCREEN_BYTES)
		return NULL;
	while (dc->dc_noffs == DOUT_MAX_OFFSCREEN ||
	    dc->dc_offs_bytes + bytes > DOUT_OFFSCREEN_BYTES) {
		old = &dc->dc_offs[0];
		for (i = 1; i < dc->dc_noffs; i++)
			if (dc->dc_offs[i].do_used < old->do_used)
				old = &dc->dc_offs[i];
		dsurf_drop(dc, old, 1);
	}
	o = &dc->dc_offs[dc->dc_noffs++];
	o->do_id = sc->dsc_id;
	o->do_bytes = bytes;
	o->do_used = 0;
	pixman_region32_init(&o->do_valid);
	dc->dc_offs_bytes += bytes;
	ob = chan_msg_begin(dc->dc_chan, SPICE_MSG_DISPLAY_SURFACE_CREATE);
	obuf_put_u32le(ob, sc->dsc_id);
	obuf_put_u32le(ob, (uint32_t)pixman_image_get_width(sc->dsc_img));
	obuf_put_u32le(ob, (uint32_t)pixman_image_get_height(sc->dsc_img));
	obuf_put_u32le(ob, pixman_image_get_format(sc->dsc_img) ==
	    PIXMAN_a8r8g8b8 ? SPICE_SURFACE_FMT_32_ARGB :
	    SPICE_SURFACE_FMT_32_xRGB);
	obuf_put_u32le(ob, 0);			/* flags: not the primary */
	chan_msg_end(dc->dc_chan);
	return o;
}

/* Box b of the surface encoded for the viewers: the one part already
 * made for another viewer, or a new one; NULL when the table is full
 * (then tmp, a part of the caller's, is made). */
static struct dout_img *
dsurf_part(struct dout_surf_copy *sc, const pixman_box32_t *b,
    struct dout_img *tmp, pixman_image_t **tmp_view)
{
	pixman_image_t *view;
	unsigned i;
	uint8_t *bits = (uint8_t *)pixman_image_get_data(sc->dsc_img);
	int stride = pixman_image_get_stride(sc->dsc_img);

	for (i = 0; i < sc->dsc_nparts; i++)
		if (memcmp(&sc->dsc_parts[i].box, b, sizeof(*b)) == 0)
			return &sc->dsc_parts[i].img;
	/* RGB only: a viewer's ARGB surface is copied from as the worker's,
	 * unscaled or by nearest sampling, onto the xRGB primary. */
	if ((view = pixman_image_create_bits(PIXMAN_x8r8g8b8, b->x2 - b->x1,
	    b->y2 - b->y1, (uint32_t *)(bits + (ptrdiff_t)b->y1 * stride +
	    (ptrdiff_t)b->x1 * 4), stride)) == NULL)
		return NULL;
	if (sc->dsc_nparts == DOUT_SURF_PARTS) {
		*tmp_view = view;
		dout_img_init(tmp, view, 0);
		return tmp;
	}
	i = sc->dsc_nparts++;
	sc->dsc_parts[i].box = *b;
	sc->dsc_parts[i].view = view;
	dout_img_init(&sc->dsc_parts[i].img, view, 0);
	return &sc->dsc_parts[i].img;
}

/* Box b of the surface to dc, onto its own copy (DRAW_COPY, OP_PUT,
 * lossless, into its pixmap cache as any image): 0, or -1 (logged). */
static int
dsurf_send_part(struct dout_client *dc, struct dout_surf_copy *sc,
    const pixman_box32_t *b)
{
	struct obuf *ob = &dc->dc_dout->d_enc;
	struct dout_img tmp, *di;
	pixman_image_t *tmp_view = NULL;
	pixman_region32_t one;
	uint64_t id, ev[DCACHE_MAX], *evp = ev;
	int rc, n, lossy;

	if ((di = dsurf_part(sc, b, &tmp, &tmp_view)) == NULL) {
		log_warn("display \"%s\": out of memory for a part of "
		    "surface %u", dc->dc_dout->d_wk->wk_display, sc->dsc_id);
		return -1;
	}
	chan_body_prepare(ob);
	obuf_reset(ob);
	pixman_region32_init_rect(&one, b->x1, b->y1,
	    (unsigned)(b->x2 - b->x1), (unsigned)(b->y2 - b->y1));
	ddraw_copy_on(ob, sc->dsc_id, &one, SPICE_ROPD_OP_PUT);
	pixman_region32_fini(&one);
	if ((rc = dout_put_image(dc, ob, di, 0, &lossy, &id, ev, &n)) < 0)
		dout_abort_images(dc, 1, &rc, &id, &evp, &n);
	else
		rc = dout_send_images(dc, ob, SPICE_MSG_DISPLAY_DRAW_COPY, 1,
		    &rc, &id, &evp, &n);
	if (tmp_view != NULL) {
		dout_img_fini(&tmp);
		pixman_image_unref(tmp_view);
	}
	return rc < 0 ? -1 : 0;
}

/* What o holds, forgotten when it has grown too fragmented to keep. */
static void
dsurf_bound(struct dout_offscreen *o)
{
	if (pixman_region32_n_rects(&o->do_valid) > DSURF_MAX_VALID_RECTS)
		pixman_region32_clear(&o->do_valid);
}

/* need (of the surface, what dc lacks) to dc, in bands of at most
 * DOUT_BAND_BYTES, each added to what o holds once sent: 0, or -1. */
static int
dsurf_sync(struct dout_client *dc, struct dout_surf_copy *sc,
    struct dout_offscreen *o, pixman_region32_t *need)
{
	const pixman_box32_t *rects;
	pixman_box32_t band;
	int i, n, rows;

	rects = pixman_region32_rectangles(need, &n);
	for (i = 0; i < n; i++) {
		rows = (int)(DOUT_BAND_BYTES / 4 /
		    (uint32_t)(rects[i].x2 - rects[i].x1));
		if (rows < 1)
			rows = 1;
		band = rects[i];
		for (band.y1 = rects[i].y1; band.y1 < rects[i].y2;
		    band.y1 = band.y2) {
			band.y2 = band.y1 + rows < rects[i].y2 ?
			    band.y1 + rows : rects[i].y2;
			if (dsurf_send_part(dc, sc, &band) != 0)
				return -1;
			pixman_region32_union_rect(&o->do_valid, &o->do_valid,
			    band.x1, band.y1, (unsigned)(band.x2 - band.x1),
			    (unsigned)(band.y2 - band.y1));
		}
	}
	return 0;
}

int
dout_surf_ready(struct dout_client *dc, struct dout_surf_copy *sc)
{
	struct dout_offscreen *o = dsurf_find(dc, sc->dsc_id);
	struct enc_src src;
	pixman_region32_t need;
	pixman_box32_t ext;
	uint64_t px;
	int rc = 1;

	pixman_region32_init(&need);
	if (o != NULL)
		pixman_region32_subtract(&need, &sc->dsc_reads, &o->do_valid);
	else
		pixman_region32_copy(&need, &sc->dsc_reads);
	if (pixman_region32_n_rects(&need) > DSURF_MAX_RECTS) {
		ext = *pixman_region32_extents(&need);
		pixman_region32_reset(&need, &ext);
	}
	px = dout_region_px(&need);
	/* What it lacks must cost no more than the result, and go as it
	 * would: where the result would go as JPEG, it does. */
	if (px > sc->dsc_px || px > DOUT_MAX_SYNC_PX)
		goto out;
	if (px > 0 && dout_link_lossy(dc)) {
		render_box_src(sc->dsc_img, pixman_region32_extents(&need),
		    &src);
		if (enc_classify(&src) == ENC_PHOTO)
			goto out;
	}
	if (o == NULL && (o = dsurf_hold(dc, sc)) == NULL)
		goto out;
	if (px > 0 && dsurf_sync(dc, sc, o, &need) != 0) {
		rc = -1;
		goto out;
	}
	dsurf_bound(o);
	o->do_used = ++dc->dc_dout->d_offs_clock;
	rc = 0;
out:
	pixman_region32_fini(&need);
	return rc;
}

void
dout_offscreen(void *arg, uint32_t id, const pixman_region32_t *changed)
{
	struct dout *d = arg;
	struct dout_client *dc;
	struct dout_offscreen *o;

	TAILQ_FOREACH(dc, &d->d_clients, dc_entry) {
		if ((o = dsurf_find(dc, id)) == NULL)
			continue;
		if (changed != NULL) {
			pixman_region32_subtract(&o->do_valid, &o->do_valid,
			    (pixman_region32_t *)changed);
			dsurf_bound(o);
		} else
			dsurf_drop(dc, o, 1);
	}
}

void
dout_offscreen_forget(struct dout_client *dc)
{
	while (dc->dc_noffs > 0)
		dsurf_drop(dc, &dc->dc_offs[0], 0);
}
