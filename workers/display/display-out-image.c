/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-out-image: images of the primary for a display's viewers: the
 * codec for a box and a viewer (its caps, image-compression, its link),
 * each image encoded once for every viewer that gets that codec, the
 * viewers' pixmap caches, and the DRAW_COPY or DRAW_FILL that carries a
 * box.  Image layouts from SPICE-NOTES 4.1/4.2.
 */
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "display-draw.h"
#include "display-out-int.h"
#include "log.h"
#include "mono-time.h"

/* The most of a client's GLZ window spiced fills, in pixels (16 MiB a
 * viewer); less when the client asks for less. */
#define DOUT_GLZ_WINDOW_MAX	(4u << 20)

/* jpeg-wan-compression=auto: a link TCP measured below this (10 Mbit/s,
 * the reference server's line between LAN and WAN) gets JPEG. */
#define DOUT_WAN_RATE		(10u * 1000 * 1000 / 8)

/* auto_glz: a viewer once found on a slow link keeps GLZ this long after
 * the last such finding: a link does not change its class from one image
 * to the next, but one measurement may miss (a burst into a socket buffer
 * the link just emptied), and each switch wastes the window's use. */
#define DOUT_SLOW_HOLD_NS	(10ull * 1000 * 1000 * 1000)

/* Drop the encoded images: the primary changed under them. */
void
dout_cache_clear(struct dout *d)
{
	unsigned i;

	for (i = 0; i < d->d_ncache; i++)
		chan_shared_unref(d->d_cache[i].dce_body);
	d->d_ncache = 0;
}

static struct chan_shared *
dout_cache_find(const struct dout *d, const pixman_box32_t *b,
    enum dout_codec codec, uint64_t cache_id)
{
	unsigned i;

	for (i = 0; i < d->d_ncache; i++)
		if (d->d_cache[i].dce_codec == codec &&
		    d->d_cache[i].dce_cache_id == cache_id &&
		    memcmp(&d->d_cache[i].dce_box, b, sizeof(*b)) == 0)
			return d->d_cache[i].dce_body;
	return NULL;
}

/* Keep body (the cache takes the caller's reference), the oldest entry
 * making room. */
static void
dout_cache_add(struct dout *d, const pixman_box32_t *b, enum dout_codec codec,
    uint64_t cache_id, struct chan_shared *body)
{
	if (d->d_ncache == DOUT_CACHE) {
		chan_shared_unref(d->d_cache[0].dce_body);
		memmove(&d->d_cache[0], &d->d_cache[1],
		    (DOUT_CACHE - 1) * sizeof(d->d_cache[0]));
		d->d_ncache--;
	}
	d->d_cache[d->d_ncache].dce_box = *b;
	d->d_cache[d->d_ncache].dce_codec = codec;
	d->d_cache[d->d_ncache].dce_cache_id = cache_id;
	d->d_cache[d->d_ncache].dce_body = body;
	d->d_ncache++;
}

/* Whether TCP measured client dc's link below DOUT_WAN_RATE. */
int
dout_slow_link(const struct dout_client *dc)
{
	uint64_t rate = chan_link_rate(dc->dc_chan);

	return rate != 0 && rate < DOUT_WAN_RATE;
}

/* Client dc's GLZ window, made the first time it is needed; 0 when it
 * announced none (spice-html5), when the display's DOUT_GLZ_WINDOWS are
 * other viewers' (said once), or there is no memory for it. */
static int
dout_glz_window(struct dout_client *dc)
{
	struct dout *d = dc->dc_dout;
	uint32_t w = dc->dc_glz_window;

	if (dc->dc_glz != NULL || w == 0)
		return dc->dc_glz != NULL;
	if (d->d_glz_windows >= DOUT_GLZ_WINDOWS) {
		if (!dc->dc_glz_refused)
			log_info("display \"%s\": conn %u gets no GLZ window: "
			    "the display's %u are other viewers'",
			    d->d_wk->wk_display, dc->dc_conn,
			    DOUT_GLZ_WINDOWS);
		dc->dc_glz_refused = 1;
		return 0;
	}
	if ((dc->dc_glz = enc_glz_new(w < DOUT_GLZ_WINDOW_MAX ? w :
	    DOUT_GLZ_WINDOW_MAX)) != NULL)
		d->d_glz_windows++;
	return dc->dc_glz != NULL;
}

/* What a GLZ client gets when GLZ cannot serve: LZ4, or LZ without the
 * cap. */
enum dout_codec
dout_codec_no_glz(const struct dout_client *dc)
{
	return chan_has_cap(dc->dc_chan, SPICE_DISPLAY_CAP_LZ4_COMPRESSION) ?
	    DOUT_LZ4 : DOUT_LZ;
}

int
dout_link_lossy(const struct dout_client *dc)
{
	uint32_t flags = dc->dc_dout->d_wk->wk_flags;

	return (flags & IPC_INIT_JPEG_ALWAYS) ||
	    ((flags & IPC_INIT_JPEG_AUTO) && dout_slow_link(dc));
}

/* The codec for box to client dc: JPEG for a photograph where the
 * display allows lossy images for this client's link, else the lossless
 * one that pays: QUIC for natural images, LZ4 for the rest (LZ to a
 * client without LZ4, such as spice-html5), or GLZ for the rest on a
 * slow link, where its window's savings (a scrolled or retyped text
 * refers to what the client has) are worth its encoding time; what
 * image-compression says first. */
enum dout_codec
dout_codec(struct dout_client *dc, pixman_image_t *prim,
    const pixman_box32_t *b, int lossy_ok)
{
	enum enc_kind kind = ENC_DRAWING;
	int lossy;
	struct enc_src src;

	lossy = lossy_ok && dout_link_lossy(dc);
	if (lossy || dc->dc_lossless == DOUT_LL_AUTO ||
	    dc->dc_lossless == DOUT_LL_AUTO_LZ) {
		render_box_src(prim, b, &src);
		kind = enc_classify(&src);
	}
	if (lossy && kind == ENC_PHOTO)
		return DOUT_JPEG;
	switch (dc->dc_lossless) {
	case DOUT_LL_BITMAP:
		return DOUT_BITMAP;
	case DOUT_LL_LZ4:
		return DOUT_LZ4;
	case DOUT_LL_LZ:
		return DOUT_LZ;
	case DOUT_LL_QUIC:
		return DOUT_QUIC;
	case DOUT_LL_GLZ:
		return dout_glz_window(dc) ? DOUT_GLZ : dout_codec_no_glz(dc);
	case DOUT_LL_AUTO_LZ:
		return kind != ENC_DRAWING ? DOUT_QUIC : DOUT_LZ;
	default:
		if (kind != ENC_DRAWING)
			return DOUT_QUIC;
		if (dout_slow_link(dc))
			dc->dc_slow_until = mono_ns() + DOUT_SLOW_HOLD_NS;
		if (mono_ns() >= dc->dc_slow_until)
			return DOUT_LZ4;
		if (dc->dc_glz == NULL && dout_glz_window(dc))
			log_info("display \"%s\": conn %u is on a slow link: GLZ "
			    "for drawings", dc->dc_dout->d_wk->wk_display,
			    dc->dc_conn);
		return dc->dc_glz != NULL ? DOUT_GLZ : DOUT_LZ4;
	}
}

const uint8_t dout_image_type[DOUT_NCODECS] = {
	[DOUT_BITMAP] = SPICE_IMAGE_TYPE_BITMAP,
	[DOUT_LZ4] = SPICE_IMAGE_TYPE_LZ4,
	[DOUT_QUIC] = SPICE_IMAGE_TYPE_QUIC,
	[DOUT_LZ] = SPICE_IMAGE_TYPE_LZ_RGB,
	[DOUT_JPEG] = SPICE_IMAGE_TYPE_JPEG,
	[DOUT_GLZ] = SPICE_IMAGE_TYPE_GLZ_RGB,
	[DOUT_JPEG_ALPHA] = SPICE_IMAGE_TYPE_JPEG_ALPHA,
};

/* The fixed part of a DRAW_COPY of box b, its image's descriptor after
 * it: plain blit, no clip, no mask. */
static void
dout_put_draw_copy(struct obuf *ob, const pixman_box32_t *b)
{
	obuf_put_u32le(ob, 0);			/* DisplayBase.surface_id */
	ddraw_put_rect(ob, b->y1, b->x1, b->y2, b->x2);	/* box */
	obuf_put_u8(ob, SPICE_CLIP_TYPE_NONE);
	obuf_put_u32le(ob, DOUT_DRAW_COPY_FIXED);	/* src_bitmap */
	ddraw_put_rect(ob, 0, 0, b->y2 - b->y1, b->x2 - b->x1);	/* src_area */
	obuf_put_u16le(ob, SPICE_ROPD_OP_PUT);
	obuf_put_u8(ob, SPICE_IMAGE_SCALE_MODE_NEAREST);
	ddraw_put_no_mask(ob);			/* padded to the image */
}

/* DRAW_COPY of box b from the viewer's cache: image id, FROM_CACHE. */
static void
dout_send_from_cache(struct dout_client *dc, const pixman_box32_t *b,
    uint64_t id)
{
	struct obuf *ob;

	ob = chan_msg_begin(dc->dc_chan, SPICE_MSG_DISPLAY_DRAW_COPY);
	dout_put_draw_copy(ob, b);
	ddraw_put_image_desc(ob, id, SPICE_IMAGE_TYPE_FROM_CACHE, 0,
	    (uint32_t)(b->x2 - b->x1), (uint32_t)(b->y2 - b->y1));
	chan_msg_end(dc->dc_chan);
}

/* INVAL_LIST: the viewer drops the n pixmaps ids. */
void
dout_send_inval(struct dout_client *dc, const uint64_t *ids, int n)
{
	struct obuf *ob;
	int i;

	ob = chan_msg_begin(dc->dc_chan, SPICE_MSG_DISPLAY_INVAL_LIST);
	obuf_put_u16le(ob, (uint16_t)n);
	for (i = 0; i < n; i++) {
		obuf_put_u8(ob, SPICE_RES_TYPE_PIXMAP);
		obuf_put_u64le(ob, ids[i]);
	}
	chan_msg_end(dc->dc_chan);
}

/* Append src's image data as codec makes it (a GLZ image with window
 * glz) to ob: 0, or -1 with err set (enc.h). */
int
dout_encode(struct dout *d, struct obuf *ob, const struct enc_src *src,
    enum dout_codec codec, struct enc_glz *glz, struct spd_err *err)
{
	struct enc_jpeg_mode m = { ENC_JPEG_QUALITY, ENC_CHROMA_420 };

	switch (codec) {
	case DOUT_JPEG:
		if ((uint64_t)src->es_width * src->es_height >=
		    ENC_PICK_MIN_PIXELS && enc_jpeg_pick(d->d_jpick,
		    d->d_jpeg, src, ENC_JPEG_QUALITY, ENC_VIEW_IMAGE, &m,
		    err) != 0)
			log_warn("display \"%s\": a %ux%u JPEG at 4:2:0: %s",
			    d->d_wk->wk_display, src->es_width,
			    src->es_height, err->msg);
		else if (m.ejm_chroma == ENC_CHROMA_444)
			log_debug("display \"%s\": a %ux%u JPEG at 4:4:4, "
			    "quality %d", d->d_wk->wk_display, src->es_width,
			    src->es_height, m.ejm_quality);
		return enc_jpeg_encode(d->d_jpeg, ob, src, m.ejm_quality,
		    m.ejm_chroma, err);
	case DOUT_JPEG_ALPHA:
		return enc_jpeg_alpha_encode(d->d_jpeg, d->d_lz, ob, src,
		    ENC_JPEG_QUALITY, err);
	case DOUT_LZ4:
		return enc_lz4_encode(d->d_lz4, ob, src, err);
	case DOUT_QUIC:
		return enc_quic_encode(d->d_quic, ob, src, err);
	case DOUT_LZ:
		return enc_lz_encode(d->d_lz, ob, src, err);
	case DOUT_GLZ:
		return enc_glz_encode(glz, ob, src, err);
	default:
		return enc_bitmap_encode(ob, src, err);
	}
}

/*
 * Encode box of the primary as the body of one DRAW_COPY with an image
 * of codec, for the viewers' caches as cache_id when not 0; a GLZ image
 * with window glz, whose client alone may be sent it (and must be).
 * Returns the body, or NULL when it could not be built (logged).
 */
static struct chan_shared *
dout_encode_box(struct dout *d, pixman_image_t *prim, const pixman_box32_t *b,
    enum dout_codec codec, uint64_t cache_id, struct enc_glz *glz)
{
	struct obuf *ob = &d->d_enc;
	struct chan_shared *body;
	struct enc_src src;
	struct spd_err err;
	uint32_t w, h;
	int rc;

	render_box_src(prim, b, &src);
	w = src.es_width;
	h = src.es_height;

	chan_body_prepare(ob);
	obuf_reset(ob);
	dout_put_draw_copy(ob, b);
	ddraw_put_image_desc(ob, cache_id != 0 ? cache_id : ++d->d_image_id,
	    dout_image_type[codec],
	    cache_id != 0 ? SPICE_IMAGE_FLAGS_CACHE_ME : 0, w, h);
	if (ob->ob_failed ||
	    ob->ob_len != DOUT_DRAW_COPY_FIXED + DOUT_IMAGE_DESC) {
		log_warn("display \"%s\": building DRAW_COPY failed",
		    d->d_wk->wk_display);
		return NULL;
	}
	if ((rc = dout_encode(d, ob, &src, codec, glz, &err)) != 0) {
		log_warn("display \"%s\": %ux%u image at %d,%d: %s",
		    d->d_wk->wk_display, w, h, b->x1, b->y1, err.msg);
		return NULL;
	}
	if ((body = chan_shared_new(ob)) == NULL)
		log_warn("display \"%s\": out of memory for a %ux%u image",
		    d->d_wk->wk_display, w, h);
	return body;
}

/* DRAW_FILL of area with a solid colour, or pat, and the ROP descriptor
 * ropd. */
void
dout_send_fill(struct dout_client *dc, const pixman_region32_t *area,
    uint32_t color, const struct render_pattern *pat, uint16_t ropd)
{
	struct dout *d = dc->dc_dout;

	ddraw_fill(chan_msg_begin(dc->dc_chan, SPICE_MSG_DISPLAY_DRAW_FILL),
	    area, color, pat, pat != NULL ? ++d->d_image_id : 0, ropd);
	chan_msg_end(dc->dc_chan);
}

/*
 * Where src (px pixels; tag set in its names when it has alpha) stands in
 * client dc's pixmap cache (display-cache.h): 1 when dc holds it (*id its
 * name: send FROM_CACHE); else 0 with *id the name to send it with
 * CACHE_ME (the ids dc must drop first in evicted, *nevicted of them), or
 * 0 for an image sent as it is (seen for the first time, too small, no
 * room, or no cache).
 */
int
dout_cache_lookup(struct dout_client *dc, const struct enc_src *src,
    uint64_t px, uint64_t tag, uint64_t *id, uint64_t *evicted,
    int *nevicted)
{
	uint64_t key;

	*id = 0;
	*nevicted = 0;
	if (px < DCACHE_MIN_PX || dc->dc_pixmaps.dk_cap == 0)
		return 0;
	key = dcache_key(src) ^ tag;
	if (!dcache_seen(&dc->dc_pixmaps, key))
		return 0;
	*id = dcache_hash(src) ^ tag;
	if (dcache_has(&dc->dc_pixmaps, *id))
		return 1;
	if ((*nevicted = dcache_add(&dc->dc_pixmaps, *id, key, px,
	    evicted)) < 0) {
		*nevicted = 0;
		*id = 0;
	}
	return 0;
}

/*
 * Send box of the primary to the client as one DRAW_COPY (DRAW_FILL when
 * it is one colour).  Viewers that
 * keep up ask for the same boxes of the same primary in turn, so the body
 * is encoded once and queued by reference for each of them until the
 * primary changes.  Returns 0, or -1 when nothing could be sent (logged).
 */
int
dout_send_box(struct dout_client *dc, pixman_image_t *prim,
    const pixman_box32_t *b, int lossy_ok)
{
	struct dout *d = dc->dc_dout;
	struct chan_shared *body;
	enum dout_codec codec;
	struct enc_src src;
	pixman_region32_t one;
	uint64_t id = 0, evicted[DCACHE_MAX], px;
	uint32_t color;
	int n = -1;

	if (dc->dc_chan == NULL)
		return -1;
	if (render_box_uniform(prim, b, &color)) {
		pixman_region32_init_rect(&one, b->x1, b->y1,
		    (unsigned)(b->x2 - b->x1), (unsigned)(b->y2 - b->y1));
		dout_send_fill(dc, &one, color & 0xffffff, NULL,
		    SPICE_ROPD_OP_PUT);
		pixman_region32_fini(&one);
		dout_lossy_sent(dc, b, 0);
		return 0;
	}
	codec = dout_codec(dc, prim, b, lossy_ok);
	/* A lossless image of some size sent a second time goes to the
	 * viewer's cache (display-cache.h), and once there is sent again
	 * by name. */
	px = (uint64_t)(b->x2 - b->x1) * (uint64_t)(b->y2 - b->y1);
	render_box_src(prim, b, &src);
	if (codec != DOUT_JPEG && dout_cache_lookup(dc, &src, px, 0, &id,
	    evicted, &n)) {
		dout_send_from_cache(dc, b, id);
		dout_lossy_sent(dc, b, 0);
		return 0;
	}
	if (codec == DOUT_GLZ) {
		/* This client's window: its own image, sent now.  One too
		 * large for the window goes as what the others get. */
		if ((body = dout_encode_box(d, prim, b, codec, id,
		    dc->dc_glz)) != NULL) {
			if (n > 0)
				dout_send_inval(dc, evicted, n);
			chan_shared_send(dc->dc_chan,
			    SPICE_MSG_DISPLAY_DRAW_COPY, body);
			chan_shared_unref(body);
			dout_lossy_sent(dc, b, 0);
			return 0;
		}
		codec = dout_codec_no_glz(dc);
	}
	if ((body = dout_cache_find(d, b, codec, id)) == NULL &&
	    (body = dout_encode_box(d, prim, b, codec, id, NULL)) == NULL) {
		/* Its name forgotten, and what left for it dropped. */
		if (id != 0)
			dcache_forget(&dc->dc_pixmaps, id);
		if (n > 0)
			dout_send_inval(dc, evicted, n);
		return -1;
	}
	if (n > 0)
		dout_send_inval(dc, evicted, n);
	chan_shared_send(dc->dc_chan, SPICE_MSG_DISPLAY_DRAW_COPY, body);
	dout_lossy_sent(dc, b, codec == DOUT_JPEG);
	if (dout_cache_find(d, b, codec, id) == body)
		return 0;
	if (d->d_nclients > 1)
		dout_cache_add(d, b, codec, id, body);
	else
		chan_shared_unref(body);
	return 0;
}

void
dout_img_init(struct dout_img *di, pixman_image_t *img, int alpha)
{
	unsigned i;

	memset(di, 0, sizeof(*di));
	di->di_img = img;
	di->di_alpha = alpha;
	for (i = 0; i < DOUT_NCODECS; i++)
		obuf_init(&di->di_data[i]);
}

void
dout_img_fini(struct dout_img *di)
{
	unsigned i;

	for (i = 0; i < DOUT_NCODECS; i++)
		obuf_free(&di->di_data[i]);
}

/*
 * Append di for client dc to ob: its descriptor, and its data as the
 * codec dc gets for a box of the primary (never lossy nor GLZ: the result
 * must be the worker's, and a GLZ window wants every image in order; with
 * alpha, LZ4 RGBA or without the cap a plain RGBA bitmap), or FROM_CACHE
 * (1 is returned) when dc holds it.  *id is its name in dc's cache (0:
 * none), the ids dc must drop first go to evicted (*n of them).  -1 when
 * it cannot be encoded (logged; dout_abort_images() undoes the rest).
 * With lossy_ok (the drawing mixes its source linearly), a photograph
 * goes as JPEG, or JPEG_ALPHA with alpha, where dc's link takes JPEG
 * (*lossy set): never with CACHE_ME, since a name stands for exact
 * pixels.
 */
int
dout_put_image(struct dout_client *dc, struct obuf *ob, struct dout_img *di,
    int lossy_ok, int *lossy, uint64_t *id, uint64_t *evicted, int *n)
{
	struct dout *d = dc->dc_dout;
	struct enc_src src;
	struct spd_err err;
	struct obuf *m;
	pixman_box32_t all;
	enum dout_codec codec;
	uint64_t tag = di->di_alpha ? DOUT_ID_RGBA : 0;

	all.x1 = all.y1 = 0;
	all.x2 = pixman_image_get_width(di->di_img);
	all.y2 = pixman_image_get_height(di->di_img);
	render_box_src(di->di_img, &all, &src);
	/* One codec decision: JPEG where allowed, else the lossless codec
	 * (an image with alpha has its own, LZ4 RGBA or a plain bitmap). */
	codec = lossy_ok || !di->di_alpha ?
	    dout_codec(dc, di->di_img, &all, lossy_ok) : DOUT_BITMAP;
	*lossy = codec == DOUT_JPEG;
	if (*lossy) {
		codec = di->di_alpha ? DOUT_JPEG_ALPHA : DOUT_JPEG;
		*n = 0;
		*id = dcache_hash(&src) ^ tag;
		if (dcache_has(&dc->dc_pixmaps, *id)) {
			*lossy = 0;
			ddraw_put_image_desc(ob, *id,
			    SPICE_IMAGE_TYPE_FROM_CACHE, 0, src.es_width,
			    src.es_height);
			return 1;
		}
		*id = 0;
	} else if (di->di_alpha)
		codec = chan_has_cap(dc->dc_chan,
		    SPICE_DISPLAY_CAP_LZ4_COMPRESSION) ? DOUT_LZ4 :
		    DOUT_BITMAP;
	else if (codec == DOUT_GLZ)
		codec = dout_codec_no_glz(dc);
	if (!*lossy && dout_cache_lookup(dc, &src, (uint64_t)all.x2 *
	    (uint64_t)all.y2, tag, id, evicted, n)) {
		ddraw_put_image_desc(ob, *id, SPICE_IMAGE_TYPE_FROM_CACHE, 0,
		    src.es_width, src.es_height);
		return 1;
	}
	m = &di->di_data[codec];
	if (di->di_state[codec] == 0) {
		if (dout_encode(d, m, &src, codec, NULL, &err) != 0 ||
		    (di->di_alpha && codec != DOUT_JPEG_ALPHA &&
		    enc_label_rgba(m, 0, dout_image_type[codec], &err) != 0)) {
			log_warn("display \"%s\": %ux%u image of a drawing: %s",
			    d->d_wk->wk_display, src.es_width, src.es_height,
			    err.msg);
			di->di_state[codec] = -1;
		} else
			di->di_state[codec] = 1;
	}
	if (di->di_state[codec] < 0)
		return -1;
	ddraw_put_image_desc(ob, *id != 0 ? *id : ++d->d_image_id,
	    dout_image_type[codec], *id != 0 ? SPICE_IMAGE_FLAGS_CACHE_ME : 0,
	    src.es_width, src.es_height);
	obuf_put_bytes(ob, m->ob_data, m->ob_len);
	return 0;
}

/*
 * A forwarded drawing's nimg images put with dout_put_image (rc[i] what
 * that returned, id[i] their names, evicted[i] and n[i] what dc was to
 * drop first) will not be sent: the names given with CACHE_ME are
 * forgotten, and dc is told to drop what left the books for them
 * (INVAL_LIST), but for those names, which it never got.
 */
void
dout_abort_images(struct dout_client *dc, unsigned nimg, const int *rc,
    const uint64_t *id, uint64_t **evicted, const int *n)
{
	uint64_t keep[DCACHE_MAX];
	unsigned i, j;
	int k, nk;

	for (i = 0; i < nimg; i++)
		if (rc[i] != 1 && id[i] != 0)
			dcache_forget(&dc->dc_pixmaps, id[i]);
	for (i = 0; i < nimg; i++) {
		for (k = nk = 0; k < n[i]; k++) {
			for (j = 0; j < nimg; j++)
				if (rc[j] != 1 && evicted[i][k] == id[j])
					break;
			if (j == nimg)
				keep[nk++] = evicted[i][k];
		}
		if (nk > 0)
			dout_send_inval(dc, keep, nk);
	}
}

/*
 * Send a forwarded drawing built in ob (its images put with
 * dout_put_image, as dout_abort_images says) to dc as a message of type:
 * 0, or -1 when no body could be made (logged, the images aborted).
 */
int
dout_send_images(struct dout_client *dc, struct obuf *ob, uint16_t type,
    unsigned nimg, const int *rc, const uint64_t *id, uint64_t **evicted,
    const int *n)
{
	struct chan_shared *body;
	unsigned i;

	if ((body = chan_shared_new(ob)) == NULL) {
		log_warn("display \"%s\": building a drawing failed",
		    dc->dc_dout->d_wk->wk_display);
		dout_abort_images(dc, nimg, rc, id, evicted, n);
		return -1;
	}
	for (i = 0; i < nimg; i++)
		if (n[i] > 0)
			dout_send_inval(dc, evicted[i], n[i]);
	chan_shared_send(dc->dc_chan, type, body);
	chan_shared_unref(body);
	return 0;
}
