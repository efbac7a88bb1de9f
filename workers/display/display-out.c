/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-out: display channel clients; contracts in display-out.h.
 *
 * Protocol facts from SPICE-NOTES 3.2 (message layouts, start sequence),
 * 4.1/4.2 (images) and 9 (what must not hurt us).  Deviations from the
 * reference server: no INVAL_ALL_PALETTES (we never use palettes), the
 * MONITORS_CONFIG cap is not advertised, so spice-gtk synthesises one
 * monitor covering a new primary, and MONITORS_CONFIG goes out only when
 * the producer tells of its heads (to clients with the cap), and updates are
 * images of the rendered primary (a solid area as DRAW_FILL), not replayed
 * draw commands, except moves, which go out as COPY_BITS, solid fills, which
 * go out as DRAW_FILL (dout_fill), strings, as DRAW_TEXT (dout_text),
 * lines, as DRAW_STROKE (dout_stroke), colour keys and alpha blends, as
 * DRAW_TRANSPARENT and DRAW_ALPHA_BLEND (dout_blend), composites, as
 * DRAW_COMPOSITE (dout_composite), and raster operations of a source, as
 * DRAW_COPY or DRAW_ROP3 (dout_copy); display-draw.c spells those.
 *
 * A client is only ever closed through its chan; chan calls dout_closed()
 * back, possibly from inside a send.  dc_busy keeps the struct alive while
 * one of our own functions is still using it.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "chan.h"
#include "display-cache.h"
#include "display-draw.h"
#include "display-out.h"
#include "display-stream.h"
#include "enc.h"
#include "log.h"
#include "mono-time.h"

/* What an image is sent as (also the cache key with its box). */
enum dout_codec {
	DOUT_BITMAP,		/* plain: every client decodes it */
	DOUT_LZ4,		/* lossless, for clients with the LZ4 cap */
	DOUT_QUIC,		/* lossless, for natural images */
	DOUT_LZ,		/* lossless, drawings to clients without LZ4 */
	DOUT_JPEG,		/* lossy, for photographs when allowed */
	DOUT_GLZ,		/* lossless, encoded for one client (its
				   window): never shared nor cached */
};

/* How a client gets lossless images: image-compression and its caps. */
enum dout_lossless {
	DOUT_LL_BITMAP,		/* off */
	DOUT_LL_LZ4,		/* lz4/glz */
	DOUT_LL_LZ,		/* lz, or lz4/glz without the LZ4 cap */
	DOUT_LL_QUIC,		/* quic */
	DOUT_LL_AUTO,		/* QUIC for natural images, LZ4 for drawings
				   (GLZ on a slow link): auto_glz */
	DOUT_LL_AUTO_LZ,	/* QUIC for natural images, LZ for drawings:
				   auto_lz, or auto without the LZ4 cap */
	DOUT_LL_GLZ,		/* glz, to a client with a GLZ window */
};

static const char *const dout_lossless_names[] = {
	[DOUT_LL_BITMAP] = "bitmap", [DOUT_LL_LZ4] = "lz4",
	[DOUT_LL_LZ] = "lz", [DOUT_LL_QUIC] = "quic",
	[DOUT_LL_AUTO] = "quic and lz4", [DOUT_LL_AUTO_LZ] = "quic and lz",
	[DOUT_LL_GLZ] = "glz",
};

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

enum dout_state {
	DC_WAIT_INIT,		/* linked, DISPLAY_INIT not yet seen */
	DC_ACTIVE,		/* initialised */
};

struct dout_client {
	TAILQ_ENTRY(dout_client) dc_entry;
	struct dout		*dc_dout;
	struct chan		*dc_chan;	/* NULL once closed */
	uint32_t		 dc_session;
	uint32_t		 dc_conn;
	enum dout_state		 dc_state;
	enum dout_lossless	 dc_lossless;	/* the display's, or the
						   client's preference */
	uint32_t		 dc_glz_window;	/* its DISPLAY_INIT's */
	int			 dc_box_only;	/* draws a whole box, OP_PUT:
						   spice-html5 (WebSocket)
						   ignores clips and ROPs */
	uint64_t		 dc_slow_until;	/* auto_glz: GLZ until (mono) */
	int			 dc_surface;	/* SURFACE_CREATE sent */
	int			 dc_need_mark;	/* MARK after the damage */
	uint32_t		 dc_stream;	/* stream id + 1 it was told
						   of, 0: none */
	uint64_t		 dc_frame;	/* the last frame it got */
	int			 dc_stream_low;	/* it gets ENC_STREAM_LOW frames */
	uint32_t		 dc_report_id;	/* STREAM_ACTIVATE_REPORT's */
	struct dcache		 dc_pixmaps;	/* what its cache holds */
	int			 dc_glz_refused; /* told there is none left */
	struct enc_glz		*dc_glz;	/* its GLZ window (DOUT_LL_GLZ,
						   or auto on a slow link) */
	pixman_region32_t	 dc_damage;	/* not yet sent */
	struct event		*dc_init_ev;	/* INIT deadline */
	int			 dc_busy;
	int			 dc_dead;
};

TAILQ_HEAD(dout_clients, dout_client);

struct dout {
	struct worker		*d_wk;
	struct render		*d_render;
	struct dout_clients	 d_clients;
	unsigned		 d_nclients;
	struct event		*d_flush_ev;	/* deferred sending */
	struct enc_lz4		*d_lz4;
	struct enc_jpeg		*d_jpeg;
	struct enc_quic		*d_quic;
	struct enc_lz		*d_lz;
	unsigned		 d_glz_windows;	/* clients' dc_glz made */
	uint64_t		 d_image_id;
	struct dstream		 d_stream;	/* video, as one stream */
	struct event		*d_stream_ev;	/* its idle check */
	/* STREAM_DATA of a frame, at each quality (normal, low), and the
	 * frame each body is of. */
	struct chan_shared	*d_frame_body[2];
	uint64_t		 d_frame_no[2];
	struct obuf		 d_enc;		/* image being encoded */
	/* Images sent since the primary last changed, for other viewers. */
	struct {
		pixman_box32_t		 dce_box;
		enum dout_codec		 dce_codec;
		uint64_t		 dce_cache_id;	/* CACHE_ME as */
		struct chan_shared	*dce_body;
	}			 d_cache[DOUT_CACHE];
	unsigned		 d_ncache;
	/* The producer's monitors on the current primary (0: none told). */
	struct qxlshm_head	 d_heads[QXLSHM_MAX_HEADS];
	uint32_t		 d_nheads;
};

/*
 * DRAW_COPY with clip NONE: spice.proto's fields take 57 bytes (QMask is
 * u8 + Point + u32 pointer = 13).  SPICE-NOTES 3.2 counts QMask as 17 and
 * puts the image at 61, LIVE-verified; we pad with 4 zero bytes and point
 * at 61, which decodes correctly under either count (data reached through
 * a pointer may sit anywhere in the body).
 */
#define DOUT_DRAW_COPY_FIELDS	57
#define DOUT_DRAW_COPY_FIXED	61
_Static_assert(DOUT_DRAW_COPY_FIELDS + 4 == DOUT_DRAW_COPY_FIXED,
    "DRAW_COPY padding");
#define DOUT_IMAGE_DESC		18

static int	dout_msg(struct chan *, uint16_t, struct sbuf *,
		    const char **);
static void	dout_writable(struct chan *);
static void	dout_closed(struct chan *, const char *);
static void	dout_cache_clear(struct dout *);

static const struct chan_ops dout_chan_ops = {
	.co_msg = dout_msg,
	.co_writable = dout_writable,
	.co_closed = dout_closed,
};

static void
dout_flush_cb(evutil_socket_t fd, short ev, void *arg);
static void
dout_stream_idle_cb(evutil_socket_t fd, short ev, void *arg);
static void	dout_schedule(struct dout *);
static void	dout_frame_bodies_drop(struct dout *);
static void	dout_damage_client(struct dout_client *,
		    const pixman_region32_t *);

static void
dout_encoders_free(struct dout *d)
{
	enc_lz4_free(d->d_lz4);
	enc_jpeg_free(d->d_jpeg);
	enc_quic_free(d->d_quic);
	enc_lz_free(d->d_lz);
}

struct dout *
dout_new(struct worker *wk, struct render *r, struct spd_err *err)
{
	struct dout *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->d_wk = wk;
	d->d_render = r;
	TAILQ_INIT(&d->d_clients);
	obuf_init(&d->d_enc);
	if ((d->d_lz4 = enc_lz4_new()) == NULL ||
	    (d->d_jpeg = enc_jpeg_new()) == NULL ||
	    (d->d_quic = enc_quic_new()) == NULL ||
	    (d->d_lz = enc_lz_new()) == NULL) {
		dout_encoders_free(d);
		free(d);
		spd_err_set(err, "display-out: out of memory");
		return NULL;
	}
	dstream_init(&d->d_stream, wk->wk_flags & IPC_INIT_STREAM_OFF ?
	    DSTREAM_OFF : wk->wk_flags & IPC_INIT_STREAM_ALL ? DSTREAM_ALL :
	    DSTREAM_FILTER);
	if ((d->d_flush_ev = event_new(wk->wk_base, -1, 0, dout_flush_cb,
	    d)) == NULL || (d->d_stream_ev = event_new(wk->wk_base, -1,
	    EV_PERSIST, dout_stream_idle_cb, d)) == NULL) {
		if (d->d_flush_ev != NULL)
			event_free(d->d_flush_ev);
		dout_encoders_free(d);
		free(d);
		spd_err_set(err, "display-out: event_new failed");
		return NULL;
	}
	return d;
}

void
dout_free(struct dout *d)
{
	struct dout_client *dc;

	if (d == NULL)
		return;
	while ((dc = TAILQ_FIRST(&d->d_clients)) != NULL)
		chan_close(dc->dc_chan, "display worker stopping");
	event_free(d->d_flush_ev);
	event_free(d->d_stream_ev);
	dout_frame_bodies_drop(d);
	dout_encoders_free(d);
	dout_cache_clear(d);
	obuf_free(&d->d_enc);
	free(d);
}

static void
dout_client_unbusy(struct dout_client *dc)
{
	if (--dc->dc_busy == 0 && dc->dc_dead)
		free(dc);
}

/* Queue a small control message regardless of the ACK window: these are
 * bounded in number by surface changes. */
static void
dout_send_small(struct dout_client *dc, uint16_t type, const void *body,
    size_t len)
{
	if (dc->dc_chan != NULL)
		chan_send(dc->dc_chan, type, body, len);
}

static void
dout_send_surface_create(struct dout_client *dc, pixman_image_t *prim)
{
	struct obuf *ob;

	if (dc->dc_chan == NULL)
		return;
	ob = chan_msg_begin(dc->dc_chan, SPICE_MSG_DISPLAY_SURFACE_CREATE);
	obuf_put_u32le(ob, 0);			/* surface id */
	obuf_put_u32le(ob, (uint32_t)pixman_image_get_width(prim));
	obuf_put_u32le(ob, (uint32_t)pixman_image_get_height(prim));
	/* Always xRGB: clients show the primary opaque anyway. */
	obuf_put_u32le(ob, SPICE_SURFACE_FMT_32_xRGB);
	obuf_put_u32le(ob, SPICE_SURFACE_FLAGS_PRIMARY);
	chan_msg_end(dc->dc_chan);
}

/* The heads as monitors of the primary, to a client that takes them
 * (spice.proto Head: id, surface, width, height, x, y, flags). */
static void
dout_send_heads(struct dout_client *dc)
{
	const struct dout *d = dc->dc_dout;
	struct obuf *ob;
	uint32_t i;

	if (dc->dc_chan == NULL || d->d_nheads == 0 ||
	    !chan_has_cap(dc->dc_chan, SPICE_DISPLAY_CAP_MONITORS_CONFIG))
		return;
	ob = chan_msg_begin(dc->dc_chan, SPICE_MSG_DISPLAY_MONITORS_CONFIG);
	obuf_put_u16le(ob, (uint16_t)d->d_nheads);
	/* No more than it has: our producers resize one screen, they do
	 * not add monitors. */
	obuf_put_u16le(ob, (uint16_t)d->d_nheads);
	for (i = 0; i < d->d_nheads; i++) {
		obuf_put_u32le(ob, i);
		obuf_put_u32le(ob, 0);
		obuf_put_u32le(ob, d->d_heads[i].width);
		obuf_put_u32le(ob, d->d_heads[i].height);
		obuf_put_u32le(ob, d->d_heads[i].x);
		obuf_put_u32le(ob, d->d_heads[i].y);
		obuf_put_u32le(ob, 0);
	}
	chan_msg_end(dc->dc_chan);
}

/* Drop the encoded images: the primary changed under them. */
static void
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
static int
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
static enum dout_codec
dout_codec_no_glz(const struct dout_client *dc)
{
	return chan_has_cap(dc->dc_chan, SPICE_DISPLAY_CAP_LZ4_COMPRESSION) ?
	    DOUT_LZ4 : DOUT_LZ;
}

/* The codec for box to client dc: JPEG for a photograph where the
 * display allows lossy images for this client's link, else the lossless
 * one that pays: QUIC for natural images, LZ4 for the rest (LZ to a
 * client without LZ4, such as spice-html5), or GLZ for the rest on a
 * slow link, where its window's savings (a scrolled or retyped text
 * refers to what the client has) are worth its encoding time; what
 * image-compression says first. */
static enum dout_codec
dout_codec(struct dout_client *dc, pixman_image_t *prim,
    const pixman_box32_t *b)
{
	uint32_t flags = dc->dc_dout->d_wk->wk_flags;
	enum enc_kind kind = ENC_DRAWING;
	int lossy;
	struct enc_src src;

	lossy = (flags & IPC_INIT_JPEG_ALWAYS) ||
	    ((flags & IPC_INIT_JPEG_AUTO) && dout_slow_link(dc));
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

/* The lossless images client dc gets, from the display's setting and its
 * caps. */
static enum dout_lossless
dout_lossless(uint32_t flags, int lz4_cap)
{
	if (flags & IPC_INIT_IMAGES_RAW)
		return DOUT_LL_BITMAP;
	if (flags & IPC_INIT_IMAGES_QUIC)
		return DOUT_LL_QUIC;
	if (flags & IPC_INIT_IMAGES_LZ)
		return DOUT_LL_LZ;
	if (flags & IPC_INIT_IMAGES_GLZ)
		return DOUT_LL_GLZ;	/* LZ4 or LZ without a window */
	if (flags & IPC_INIT_IMAGES_LZ4)
		return lz4_cap ? DOUT_LL_LZ4 : DOUT_LL_LZ;
	if (!lz4_cap || (flags & IPC_INIT_IMAGES_AUTO_LZ))
		return DOUT_LL_AUTO_LZ;
	return DOUT_LL_AUTO;
}

/* A client's PREFERRED_COMPRESSION (SpiceImageCompression) as the
 * image-compression setting of the same name would say it; 0 is
 * auto_glz, spiced's default. */
static const uint32_t dout_pref_flags[] = {
	[SPICE_IMAGE_COMPRESSION_OFF] = IPC_INIT_IMAGES_RAW,
	[SPICE_IMAGE_COMPRESSION_AUTO_GLZ] = 0,
	[SPICE_IMAGE_COMPRESSION_AUTO_LZ] = IPC_INIT_IMAGES_AUTO_LZ,
	[SPICE_IMAGE_COMPRESSION_QUIC] = IPC_INIT_IMAGES_QUIC,
	[SPICE_IMAGE_COMPRESSION_GLZ] = IPC_INIT_IMAGES_GLZ,
	[SPICE_IMAGE_COMPRESSION_LZ] = IPC_INIT_IMAGES_LZ,
	[SPICE_IMAGE_COMPRESSION_LZ4] = IPC_INIT_IMAGES_LZ4,
};

static const uint8_t dout_image_type[] = {
	[DOUT_BITMAP] = SPICE_IMAGE_TYPE_BITMAP,
	[DOUT_LZ4] = SPICE_IMAGE_TYPE_LZ4,
	[DOUT_QUIC] = SPICE_IMAGE_TYPE_QUIC,
	[DOUT_LZ] = SPICE_IMAGE_TYPE_LZ_RGB,
	[DOUT_JPEG] = SPICE_IMAGE_TYPE_JPEG,
	[DOUT_GLZ] = SPICE_IMAGE_TYPE_GLZ_RGB,
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
static void
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
static int
dout_encode(struct dout *d, struct obuf *ob, const struct enc_src *src,
    enum dout_codec codec, struct enc_glz *glz, struct spd_err *err)
{
	switch (codec) {
	case DOUT_JPEG:
		return enc_jpeg_encode(d->d_jpeg, ob, src, ENC_JPEG_QUALITY,
		    err);
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
static void
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
static int
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
static int
dout_send_box(struct dout_client *dc, pixman_image_t *prim,
    const pixman_box32_t *b)
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
		return 0;
	}
	codec = dout_codec(dc, prim, b);
	/* A lossless image of some size sent a second time goes to the
	 * viewer's cache (display-cache.h), and once there is sent again
	 * by name. */
	px = (uint64_t)(b->x2 - b->x1) * (uint64_t)(b->y2 - b->y1);
	render_box_src(prim, b, &src);
	if (codec != DOUT_JPEG && dout_cache_lookup(dc, &src, px, 0, &id,
	    evicted, &n)) {
		dout_send_from_cache(dc, b, id);
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
	if (dout_cache_find(d, b, codec, id) == body)
		return 0;
	if (d->d_nclients > 1)
		dout_cache_add(d, b, codec, id, body);
	else
		chan_shared_unref(body);
	return 0;
}

/* STREAM_CREATE of the display's stream: MJPEG, top-down frames of the
 * box's size drawn at the box, clip NONE. */
static void
dout_send_stream_create(struct dout_client *dc, const struct dstream *ds)
{
	const pixman_box32_t *b = &ds->ds_box;
	uint32_t w = (uint32_t)(b->x2 - b->x1), h = (uint32_t)(b->y2 - b->y1);
	struct obuf *ob;

	ob = chan_msg_begin(dc->dc_chan, SPICE_MSG_DISPLAY_STREAM_CREATE);
	obuf_put_u32le(ob, 0);			/* surface id */
	obuf_put_u32le(ob, ds->ds_id);
	obuf_put_u8(ob, SPICE_STREAM_FLAGS_TOP_DOWN);
	obuf_put_u8(ob, SPICE_VIDEO_CODEC_TYPE_MJPEG);
	obuf_put_u64le(ob, ds->ds_frame);	/* stamp */
	obuf_put_u32le(ob, w);			/* stream size */
	obuf_put_u32le(ob, h);
	obuf_put_u32le(ob, w);			/* source size */
	obuf_put_u32le(ob, h);
	ddraw_put_rect(ob, b->y1, b->x1, b->y2, b->x2);
	obuf_put_u8(ob, SPICE_CLIP_TYPE_NONE);
	chan_msg_end(dc->dc_chan);
}

static void
dout_frame_bodies_drop(struct dout *d)
{
	int q;

	for (q = 0; q < 2; q++) {
		if (d->d_frame_body[q] != NULL)
			chan_shared_unref(d->d_frame_body[q]);
		d->d_frame_body[q] = NULL;
	}
}

/* The current frame's STREAM_DATA body at quality low (0 or 1), encoded
 * once for every viewer that takes that quality: u32 id, u32 mm time,
 * u32 size, one JPEG. */
static struct chan_shared *
dout_frame_body(struct dout *d, pixman_image_t *prim, int low)
{
	struct obuf *ob = &d->d_enc;
	struct enc_src src;
	struct spd_err err;

	if (d->d_frame_body[low] != NULL &&
	    d->d_frame_no[low] == d->d_stream.ds_frame)
		return d->d_frame_body[low];
	if (d->d_frame_body[low] != NULL)
		chan_shared_unref(d->d_frame_body[low]);
	d->d_frame_body[low] = NULL;
	render_box_src(prim, &d->d_stream.ds_box, &src);
	chan_body_prepare(ob);
	obuf_reset(ob);
	obuf_put_u32le(ob, d->d_stream.ds_id);
	obuf_put_u32le(ob, chan_mm_time());
	if (enc_jpeg_encode(d->d_jpeg, ob, &src, low ? ENC_STREAM_LOW :
	    ENC_STREAM_QUALITY, &err) != 0) {
		log_warn("display \"%s\": stream frame: %s",
		    d->d_wk->wk_display, err.msg);
		return NULL;
	}
	d->d_frame_body[low] = chan_shared_new(ob);
	d->d_frame_no[low] = d->d_stream.ds_frame;
	return d->d_frame_body[low];
}

/* STREAM_ACTIVATE_REPORT: the viewer reports on the stream every
 * DOUT_REPORT_FRAMES frames or second. */
static void
dout_send_activate_report(struct dout_client *dc, const struct dstream *ds)
{
	struct obuf *ob;

	ob = chan_msg_begin(dc->dc_chan,
	    SPICE_MSG_DISPLAY_STREAM_ACTIVATE_REPORT);
	obuf_put_u32le(ob, ds->ds_id);
	obuf_put_u32le(ob, ++dc->dc_report_id);
	obuf_put_u32le(ob, DOUT_REPORT_FRAMES);
	obuf_put_u32le(ob, 1000);		/* timeout, ms */
	chan_msg_end(dc->dc_chan);
}

/*
 * STREAM_REPORT {u32 stream id, u32 unique id, u32 start and end mm time,
 * u32 frames, u32 drops, i32 last frame delay, u32 audio delay}: a viewer
 * that drops a tenth of its frames, or shows them late, gets the low
 * quality; one that drops none with time to spare, the normal one again.
 */
static int
dout_msg_report(struct dout_client *dc, struct sbuf *body, const char **why)
{
	uint32_t sid, uid, start, end, frames, drops, audio;
	int32_t delay;

	if (sbuf_get_u32le(body, &sid) != 0 || sbuf_get_u32le(body, &uid) != 0 ||
	    sbuf_get_u32le(body, &start) != 0 ||
	    sbuf_get_u32le(body, &end) != 0 ||
	    sbuf_get_u32le(body, &frames) != 0 ||
	    sbuf_get_u32le(body, &drops) != 0 ||
	    sbuf_get_i32le(body, &delay) != 0 ||
	    sbuf_get_u32le(body, &audio) != 0 || sbuf_left(body) != 0)
		return *why = "STREAM_REPORT is not 32 bytes", -1;
	/* A report on an earlier stream, or after a change of ours. */
	if (uid != dc->dc_report_id || !dc->dc_dout->d_stream.ds_on ||
	    sid != dc->dc_dout->d_stream.ds_id)
		return 0;
	if (frames == 0 && drops == UINT32_MAX) {
		log_info("display \"%s\": conn %u cannot decode the stream",
		    dc->dc_dout->d_wk->wk_display, dc->dc_conn);
		return 0;
	}
	if (!dc->dc_stream_low && ((uint64_t)drops * 10 >
	    (uint64_t)frames + drops || delay < 0)) {
		dc->dc_stream_low = 1;
		log_debug("display \"%s\": conn %u drops %u of %u frames "
		    "(delay %d ms): lower quality", dc->dc_dout->d_wk->wk_display,
		    dc->dc_conn, drops, frames + drops, delay);
	} else if (dc->dc_stream_low && drops == 0 && delay > 100)
		dc->dc_stream_low = 0;
	return 0;
}

/* The stream to one viewer: announced once, then the newest frame
 * whenever it can take one (frames it could not take are skipped). */
static void
dout_client_stream(struct dout_client *dc, pixman_image_t *prim)
{
	struct dout *d = dc->dc_dout;
	struct dstream *ds = &d->d_stream;
	struct chan_shared *body;
	pixman_region32_t box;
	int low;

	if (!ds->ds_on)
		return;
	if (dc->dc_stream != ds->ds_id + 1) {
		dout_send_stream_create(dc, ds);
		if (chan_has_cap(dc->dc_chan, SPICE_DISPLAY_CAP_STREAM_REPORT))
			dout_send_activate_report(dc, ds);
		dc->dc_stream = ds->ds_id + 1;
		dc->dc_frame = 0;
		/* The frames paint the box: its damage is theirs. */
		pixman_region32_init_rect(&box, ds->ds_box.x1, ds->ds_box.y1,
		    (unsigned)(ds->ds_box.x2 - ds->ds_box.x1),
		    (unsigned)(ds->ds_box.y2 - ds->ds_box.y1));
		pixman_region32_subtract(&dc->dc_damage, &dc->dc_damage, &box);
		pixman_region32_fini(&box);
	}
	/* A slow link gets the low quality too. */
	low = dc->dc_stream_low || dout_slow_link(dc);
	if (dc->dc_dead || dc->dc_frame == ds->ds_frame ||
	    !chan_can_send(dc->dc_chan) ||
	    (body = dout_frame_body(d, prim, low)) == NULL)
		return;
	chan_shared_send(dc->dc_chan, SPICE_MSG_DISPLAY_STREAM_DATA, body);
	dc->dc_frame = ds->ds_frame;
}

/* Stream id is gone: each viewer that had it is told, and owed the
 * region owed losslessly (its last frame there was JPEG); the frames
 * encoded for it go. */
static void
dout_stream_destroy(struct dout *d, uint32_t id,
    const pixman_region32_t *owed)
{
	struct dout_client *dc, *next;
	uint8_t body[4];

	memcpy(body, &id, 4);
	for (dc = TAILQ_FIRST(&d->d_clients); dc != NULL; dc = next) {
		next = TAILQ_NEXT(dc, dc_entry);
		if (dc->dc_stream != id + 1)
			continue;
		dc->dc_stream = 0;
		dout_send_small(dc, SPICE_MSG_DISPLAY_STREAM_DESTROY, body,
		    sizeof(body));
		if (!dc->dc_dead && dc->dc_surface &&
		    pixman_region32_not_empty((pixman_region32_t *)owed))
			dout_damage_client(dc, owed);
	}
	dout_frame_bodies_drop(d);
	dout_schedule(d);
}

/* End the stream: its viewers are owed the box. */
static void
dout_stream_end(struct dout *d, const char *why)
{
	struct dstream *ds = &d->d_stream;
	pixman_region32_t box;

	if (!ds->ds_on)
		return;
	log_debug("display \"%s\": stream %u ends (%s) after %llu frames",
	    d->d_wk->wk_display, ds->ds_id, why,
	    (unsigned long long)ds->ds_frame);
	pixman_region32_init_rect(&box, ds->ds_box.x1, ds->ds_box.y1,
	    (unsigned)(ds->ds_box.x2 - ds->ds_box.x1),
	    (unsigned)(ds->ds_box.y2 - ds->ds_box.y1));
	dout_stream_destroy(d, ds->ds_id, &box);
	pixman_region32_fini(&box);
	dstream_end(ds);
	event_del(d->d_stream_ev);
}

/* The stream moved with its window from box old, where it was old_id
 * (dstream_moved): that one ends, its viewers owed what it left and the
 * new box does not cover; the new one reaches them with its next
 * frame. */
static void
dout_stream_follow(struct dout *d, const pixman_box32_t *old, uint32_t old_id)
{
	struct dstream *ds = &d->d_stream;
	pixman_region32_t left, now;

	log_debug("display \"%s\": stream %u follows its box by %d,%d to "
	    "%d,%d as stream %u", d->d_wk->wk_display, old_id,
	    ds->ds_box.x1 - old->x1, ds->ds_box.y1 - old->y1, ds->ds_box.x1,
	    ds->ds_box.y1, ds->ds_id);
	pixman_region32_init_rect(&left, old->x1, old->y1,
	    (unsigned)(old->x2 - old->x1), (unsigned)(old->y2 - old->y1));
	pixman_region32_init_rect(&now, ds->ds_box.x1, ds->ds_box.y1,
	    (unsigned)(ds->ds_box.x2 - ds->ds_box.x1),
	    (unsigned)(ds->ds_box.y2 - ds->ds_box.y1));
	pixman_region32_subtract(&left, &left, &now);
	pixman_region32_fini(&now);
	dout_stream_destroy(d, old_id, &left);
	pixman_region32_fini(&left);
}

static void
dout_stream_idle_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct dout *d = arg;

	(void)fd;
	(void)ev;
	if (dstream_idle(&d->d_stream, chan_mm_time()))
		dout_stream_end(d, "idle");
}

/*
 * Send the next band of the first rectangle of the client's damage and
 * remove it from the damage.  Returns the uncompressed bytes covered.
 */
static size_t
dout_send_band(struct dout_client *dc, pixman_image_t *prim, size_t maxbytes)
{
	pixman_region32_t sent;
	pixman_box32_t *rects, band;
	size_t rowbytes, rows;
	int n;

	rects = pixman_region32_rectangles(&dc->dc_damage, &n);
	if (n == 0)
		return 0;
	band = rects[0];
	rowbytes = (size_t)(band.x2 - band.x1) * 4;
	/* A photograph is sent in fewer bytes than its pixels take, so its
	 * bands may cover more (see DOUT_QUIC_BAND_FACTOR). */
	switch (dout_codec(dc, prim, &band)) {
	case DOUT_JPEG:
		maxbytes *= DOUT_JPEG_BAND_FACTOR;
		break;
	case DOUT_QUIC:
		maxbytes *= DOUT_QUIC_BAND_FACTOR;
		break;
	default:
		break;
	}
	/* maxbytes rounded up to whole 16-row blocks, the height of a JPEG
	 * block row at 4:2:0: a picture sent in bands is then cut into the
	 * same blocks as if it went whole, and a JPEG band's last blocks
	 * are not padded (which lost detail along each band's bottom). */
	rows = (maxbytes / rowbytes + DOUT_BAND_ALIGN - 1) &
	    ~(size_t)(DOUT_BAND_ALIGN - 1);
	if ((size_t)(band.y2 - band.y1) > rows)
		band.y2 = band.y1 + (int32_t)rows;
	/* A band that cannot be encoded is dropped, not retried forever. */
	(void)dout_send_box(dc, prim, &band);
	pixman_region32_init_rect(&sent, band.x1, band.y1,
	    (unsigned)(band.x2 - band.x1), (unsigned)(band.y2 - band.y1));
	pixman_region32_subtract(&dc->dc_damage, &dc->dc_damage, &sent);
	pixman_region32_fini(&sent);
	return rowbytes * (size_t)(band.y2 - band.y1);
}

/*
 * Send what the window allows of the client's damage, at most
 * DOUT_ROUND_BYTES of pixels.  Returns 1 if the client still has damage it
 * could send now (the round budget ran out).
 */
static int
dout_client_flush(struct dout_client *dc)
{
	pixman_image_t *prim;
	size_t budget = DOUT_ROUND_BYTES, done;
	int more = 0;

	if (dc->dc_state != DC_ACTIVE || !dc->dc_surface)
		return 0;
	if ((prim = render_surface(dc->dc_dout->d_render, 0)) == NULL)
		return 0;
	dc->dc_busy++;
	dout_client_stream(dc, prim);
	while (!dc->dc_dead && pixman_region32_not_empty(&dc->dc_damage) &&
	    chan_can_send(dc->dc_chan)) {
		if (budget == 0) {
			more = 1;
			break;
		}
		done = dout_send_band(dc, prim, DOUT_BAND_BYTES);
		budget = done >= budget ? 0 : budget - done;
	}
	if (!dc->dc_dead && dc->dc_need_mark &&
	    !pixman_region32_not_empty(&dc->dc_damage)) {
		dc->dc_need_mark = 0;
		dout_send_small(dc, SPICE_MSG_DISPLAY_MARK, NULL, 0);
	}
	dout_client_unbusy(dc);
	return more;
}

static void
dout_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct dout *d = arg;
	struct dout_client *dc, *next;
	int more = 0;

	for (dc = TAILQ_FIRST(&d->d_clients); dc != NULL; dc = next) {
		/* dc may be closed by its own sends; next is not. */
		next = TAILQ_NEXT(dc, dc_entry);
		more |= dout_client_flush(dc);
	}
	if (more)
		event_active(d->d_flush_ev, EV_TIMEOUT, 0);
}

static void
dout_schedule(struct dout *d)
{
	if (!event_pending(d->d_flush_ev, EV_TIMEOUT, NULL))
		event_active(d->d_flush_ev, EV_TIMEOUT, 0);
}

/*
 * Announce the primary to an initialised client and send it whole: one
 * DRAW_COPY and MARK when it is small enough, else band by band at the
 * client's pace with MARK after the last band.
 */
static void
dout_client_start_surface(struct dout_client *dc)
{
	pixman_image_t *prim;
	pixman_box32_t all;

	if ((prim = render_surface(dc->dc_dout->d_render, 0)) == NULL)
		return;
	all.x1 = all.y1 = 0;
	all.x2 = pixman_image_get_width(prim);
	all.y2 = pixman_image_get_height(prim);
	dc->dc_busy++;
	dout_send_surface_create(dc, prim);
	dout_send_heads(dc);
	dc->dc_surface = 1;
	pixman_region32_reset(&dc->dc_damage, &all);
	if ((size_t)all.x2 * (size_t)all.y2 * 4 <= DOUT_INIT_MAX) {
		(void)dout_send_box(dc, prim, &all);
		pixman_region32_clear(&dc->dc_damage);
		dout_send_small(dc, SPICE_MSG_DISPLAY_MARK, NULL, 0);
	} else {
		dc->dc_need_mark = 1;
		dout_schedule(dc->dc_dout);
	}
	dout_client_unbusy(dc);
}

/* GLZ needs the client's window: one that announced none (spice-html5)
 * gets LZ4 (LZ without the cap) instead, for good. */
static void
dout_glz_setup(struct dout_client *dc)
{
	if (dc->dc_lossless == DOUT_LL_GLZ && dc->dc_glz_window == 0)
		dc->dc_lossless = dout_codec_no_glz(dc) == DOUT_LZ4 ?
		    DOUT_LL_LZ4 : DOUT_LL_LZ;
}

/* PREFERRED_COMPRESSION (u8 SpiceImageCompression), what remote-viewer's
 * --spice-preferred-compression sends: the client's lossless images
 * from now on, as image-compression would make them for it. */
static int
dout_msg_pref(struct dout_client *dc, struct sbuf *body, const char **why)
{
	uint8_t c;

	if (sbuf_get_u8(body, &c) != 0 || sbuf_left(body) != 0) {
		*why = "PREFERRED_COMPRESSION is not 1 byte";
		return -1;
	}
	if (c == SPICE_IMAGE_COMPRESSION_INVALID ||
	    c >= sizeof(dout_pref_flags) / sizeof(dout_pref_flags[0])) {
		*why = "PREFERRED_COMPRESSION of an unknown kind";
		return -1;
	}
	dc->dc_lossless = dout_lossless(dout_pref_flags[c],
	    chan_has_cap(dc->dc_chan, SPICE_DISPLAY_CAP_LZ4_COMPRESSION));
	dout_glz_setup(dc);
	log_info("display \"%s\": conn %u prefers %s images",
	    dc->dc_dout->d_wk->wk_display, dc->dc_conn,
	    dout_lossless_names[dc->dc_lossless]);
	return 0;
}

static void
dout_init_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct dout_client *dc = arg;

	chan_close(dc->dc_chan, "no DISPLAY_INIT in time");
}

/*
 * DISPLAY_INIT: u8 pixmap_cache_id, i64 pixmap_cache_size, u8
 * glz_dictionary_id, i32 glz_window (14 bytes).  We use neither cache nor
 * GLZ, but the message must be well-formed and come exactly once.
 */
static int
dout_msg_init(struct dout_client *dc, struct sbuf *body, const char **why)
{
	uint64_t cache_size;
	uint32_t glz_window;
	uint8_t cache_id, glz_id;

	if (dc->dc_state != DC_WAIT_INIT) {
		*why = "second DISPLAY_INIT";
		return -1;
	}
	if (sbuf_get_u8(body, &cache_id) != 0 ||
	    sbuf_get_u64le(body, &cache_size) != 0 ||
	    sbuf_get_u8(body, &glz_id) != 0 ||
	    sbuf_get_u32le(body, &glz_window) != 0 || sbuf_left(body) != 0) {
		*why = "DISPLAY_INIT is not 14 bytes";
		return -1;
	}
	evtimer_del(dc->dc_init_ev);
	dc->dc_state = DC_ACTIVE;
	dc->dc_glz_window = glz_window;
	dout_glz_setup(dc);
	/* Its pixmap cache, in pixels (as spice-gtk counts them). */
	dcache_init(&dc->dc_pixmaps, (int64_t)cache_size > 0 ? cache_size : 0);
	log_debug("display \"%s\": conn %u initialised (%s images%s)",
	    dc->dc_dout->d_wk->wk_display, dc->dc_conn,
	    dout_lossless_names[dc->dc_lossless],
	    dc->dc_dout->d_wk->wk_flags & IPC_INIT_JPEG_ALWAYS ?
	    ", jpeg for photographs" : dc->dc_dout->d_wk->wk_flags &
	    IPC_INIT_JPEG_AUTO ? ", jpeg for photographs on slow links" : "");
	dout_client_start_surface(dc);
	return 0;
}

static int
dout_msg(struct chan *ch, uint16_t type, struct sbuf *body, const char **why)
{
	struct dout_client *dc = chan_arg(ch);

	if (type == SPICE_MSGC_DISPLAY_INIT)
		return dout_msg_init(dc, body, why);
	if (dc->dc_state == DC_WAIT_INIT) {
		*why = "display message before DISPLAY_INIT";
		return -1;
	}
	switch (type) {
	case SPICE_MSGC_DISPLAY_STREAM_REPORT:
		return dout_msg_report(dc, body, why);
	case SPICE_MSGC_DISPLAY_PREFERRED_COMPRESSION:
		return dout_msg_pref(dc, body, why);
	case SPICE_MSGC_DISPLAY_GL_DRAW_DONE:
	case SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE:
		/* Known, and their caps are not advertised (MJPEG is the one
		 * video codec). */
		return 0;
	default:
		*why = "unknown display message type";
		return -1;
	}
}

static void
dout_writable(struct chan *ch)
{
	struct dout_client *dc = chan_arg(ch);

	if (dout_client_flush(dc))
		dout_schedule(dc->dc_dout);
}

static void
dout_closed(struct chan *ch, const char *reason)
{
	struct dout_client *dc = chan_arg(ch);
	struct dout *d = dc->dc_dout;

	TAILQ_REMOVE(&d->d_clients, dc, dc_entry);
	d->d_nclients--;
	event_free(dc->dc_init_ev);
	pixman_region32_fini(&dc->dc_damage);
	if (dc->dc_glz != NULL)
		d->d_glz_windows--;
	enc_glz_free(dc->dc_glz);
	dc->dc_glz = NULL;
	dc->dc_chan = NULL;
	dc->dc_dead = 1;
	worker_conn_closed(d->d_wk, dc->dc_session, dc->dc_conn,
	    reason != NULL ? reason : "closed");
	if (dc->dc_busy == 0)
		free(dc);
}

int
dout_client_add(struct dout *d, int fd, uint32_t session, uint32_t conn,
    const struct ipc_client *info, struct spd_err *err)
{
	struct dout_client *dc;
	struct timeval tv = { DOUT_INIT_TIMEOUT, 0 };

	if (d->d_nclients >= DOUT_MAX_CLIENTS) {
		close(fd);
		return spd_err_set(err, "display already has %u clients",
		    d->d_nclients);
	}
	if ((dc = calloc(1, sizeof(*dc))) == NULL) {
		close(fd);
		return spd_err_set(err, "out of memory");
	}
	dc->dc_dout = d;
	dc->dc_session = session;
	dc->dc_conn = conn;
	dc->dc_state = DC_WAIT_INIT;
	pixman_region32_init(&dc->dc_damage);
	if ((dc->dc_init_ev = evtimer_new(d->d_wk->wk_base, dout_init_timeout,
	    dc)) == NULL) {
		close(fd);
		pixman_region32_fini(&dc->dc_damage);
		free(dc);
		return spd_err_set(err, "evtimer_new failed");
	}
	if ((dc->dc_chan = chan_new(d->d_wk->wk_base, fd, session, conn, info,
	    DOUT_MAX_CLIENT_MSG, &dout_chan_ops, dc, err)) == NULL) {
		/* chan_new took the fd either way. */
		event_free(dc->dc_init_ev);
		pixman_region32_fini(&dc->dc_damage);
		free(dc);
		return -1;
	}
	dc->dc_lossless = dout_lossless(d->d_wk->wk_flags, chan_has_cap(
	    dc->dc_chan, SPICE_DISPLAY_CAP_LZ4_COMPRESSION));
	dc->dc_box_only = info->framing == IPC_FRAMING_WEBSOCKET;
	TAILQ_INSERT_TAIL(&d->d_clients, dc, dc_entry);
	d->d_nclients++;
	evtimer_add(dc->dc_init_ev, &tv);
	/* The reference server's window; the client ACKs every 20. */
	chan_set_ack(dc->dc_chan, 20);
	return 0;
}

void
dout_close_session(struct dout *d, uint32_t session, const char *reason)
{
	struct dout_client *dc, *next;

	for (dc = TAILQ_FIRST(&d->d_clients); dc != NULL; dc = next) {
		next = TAILQ_NEXT(dc, dc_entry);
		if (dc->dc_session == session)
			chan_close(dc->dc_chan, reason);
	}
}

int
dout_close_conn(struct dout *d, uint32_t conn, const char *reason)
{
	struct dout_client *dc;

	TAILQ_FOREACH(dc, &d->d_clients, dc_entry)
		if (dc->dc_conn == conn) {
			chan_close(dc->dc_chan, reason);
			return 0;
		}
	return -1;
}

/* r with every rectangle grown to the grid of tile pixels: neighbours
 * merge, far-apart changes stay apart.  0, or -1 without memory (r
 * unchanged). */
static int
dout_coarsen(pixman_region32_t *r, int32_t tile)
{
	pixman_box32_t *rects, *boxes;
	pixman_region32_t out;
	int i, n;

	rects = pixman_region32_rectangles(r, &n);
	if ((boxes = malloc((size_t)n * sizeof(*boxes))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		boxes[i].x1 = rects[i].x1 / tile * tile;
		boxes[i].y1 = rects[i].y1 / tile * tile;
		boxes[i].x2 = (rects[i].x2 + tile - 1) / tile * tile;
		boxes[i].y2 = (rects[i].y2 + tile - 1) / tile * tile;
	}
	pixman_region32_init_rects(&out, boxes, n);
	free(boxes);
	/* Within what the damage spanned (the primary's edge is no tile's). */
	pixman_region32_intersect_rect(&out, &out,
	    pixman_region32_extents(r)->x1, pixman_region32_extents(r)->y1,
	    (unsigned)(pixman_region32_extents(r)->x2 -
	    pixman_region32_extents(r)->x1),
	    (unsigned)(pixman_region32_extents(r)->y2 -
	    pixman_region32_extents(r)->y1));
	pixman_region32_fini(r);
	*r = out;
	return 0;
}

/* Add area to the client's damage, bounded by construction: too many
 * rectangles are grown to a grid of DOUT_TILE pixels (then twice, four
 * times that), and at last to their extents. */
static void
dout_damage_client(struct dout_client *dc, const pixman_region32_t *area)
{
	pixman_box32_t ext;
	int32_t tile;

	pixman_region32_union(&dc->dc_damage, &dc->dc_damage,
	    (pixman_region32_t *)area);
	for (tile = DOUT_TILE; tile <= 4 * DOUT_TILE &&
	    pixman_region32_n_rects(&dc->dc_damage) > DOUT_MAX_RECTS;
	    tile *= 2)
		if (dout_coarsen(&dc->dc_damage, tile) != 0)
			break;
	if (pixman_region32_n_rects(&dc->dc_damage) > DOUT_MAX_RECTS) {
		ext = *pixman_region32_extents(&dc->dc_damage);
		pixman_region32_reset(&dc->dc_damage, &ext);
	}
}

void
dout_damage(void *arg, const pixman_region32_t *area)
{
	struct timeval tv = { 0, DSTREAM_IDLE_MS * 1000 / 4 };
	struct dout *d = arg;
	struct dout_client *dc;
	pixman_image_t *prim;
	pixman_region32_t rest;
	enum dstream_event ev = DSTREAM_NONE;
	int any = 0;

	dout_cache_clear(d);
	/* Drawing inside the video makes a frame, not damage. */
	if ((prim = render_surface(d->d_render, 0)) != NULL)
		ev = dstream_damage(&d->d_stream, area, prim, chan_mm_time(),
		    &rest);
	else {
		pixman_region32_init(&rest);
		pixman_region32_copy(&rest, (pixman_region32_t *)area);
	}
	if (ev == DSTREAM_STARTED) {
		log_debug("display \"%s\": stream %u of %dx%d at %d,%d",
		    d->d_wk->wk_display, d->d_stream.ds_id,
		    d->d_stream.ds_box.x2 - d->d_stream.ds_box.x1,
		    d->d_stream.ds_box.y2 - d->d_stream.ds_box.y1,
		    d->d_stream.ds_box.x1, d->d_stream.ds_box.y1);
		evtimer_add(d->d_stream_ev, &tv);
	}
	TAILQ_FOREACH(dc, &d->d_clients, dc_entry) {
		if (dc->dc_state != DC_ACTIVE || !dc->dc_surface)
			continue;
		if (pixman_region32_not_empty(&rest))
			dout_damage_client(dc, &rest);
		any = 1;
	}
	pixman_region32_fini(&rest);
	if (any)
		dout_schedule(d);
}

/* COPY_BITS of dst from dst - (dx, dy). */
static void
dout_send_copy_bits(struct dout_client *dc, const pixman_region32_t *dst,
    int32_t dx, int32_t dy)
{
	ddraw_copy_bits(chan_msg_begin(dc->dc_chan,
	    SPICE_MSG_DISPLAY_COPY_BITS), dst, dx, dy);
	chan_msg_end(dc->dc_chan);
}

/*
 * The client's picture is the primary except for its damage D.  After a
 * copy of dst from dst - (dx, dy) on both sides, the client is wrong
 * outside dst where it was (D - dst) and inside dst where its source was
 * ((D + (dx, dy)) & dst).  When that covers all of dst the copy would
 * bring nothing and is not sent.
 */
void
dout_move(void *arg, const pixman_region32_t *dst, int32_t dx, int32_t dy)
{
	struct dout *d = arg;
	struct dout_client *dc, *next;
	pixman_region32_t *area = (pixman_region32_t *)dst, stale;
	pixman_box32_t old;
	uint32_t old_id;

	dout_cache_clear(d);
	/* The video moved whole: the stream follows it.  Pixels moved
	 * across part of it: it is not one any more. */
	switch (dstream_moved(&d->d_stream, dst, dx, dy, &old, &old_id)) {
	case DSTREAM_MOVE_FOLLOW:
		dout_stream_follow(d, &old, old_id);
		break;
	case DSTREAM_MOVE_END:
		dout_stream_end(d, "pixels moved across it");
		break;
	default:
		break;
	}
	for (dc = TAILQ_FIRST(&d->d_clients); dc != NULL; dc = next) {
		next = TAILQ_NEXT(dc, dc_entry);
		if (dc->dc_state != DC_ACTIVE || !dc->dc_surface)
			continue;
		pixman_region32_init(&stale);
		pixman_region32_copy(&stale, &dc->dc_damage);
		pixman_region32_translate(&stale, dx, dy);
		pixman_region32_intersect(&stale, &stale, area);
		if (!chan_can_send(dc->dc_chan) ||
		    pixman_region32_n_rects(area) > (dc->dc_box_only ? 1 :
		    DOUT_MAX_MOVE_RECTS) ||
		    pixman_region32_equal(&stale, area)) {
			pixman_region32_fini(&stale);
			dout_damage_client(dc, area);
			continue;
		}
		dc->dc_busy++;
		dout_send_copy_bits(dc, area, dx, dy);
		if (!dc->dc_dead) {
			pixman_region32_subtract(&dc->dc_damage,
			    &dc->dc_damage, area);
			dout_damage_client(dc, &stale);
		}
		pixman_region32_fini(&stale);
		dout_client_unbusy(dc);
	}
	dout_schedule(d);
}

/*
 * The ROP descriptor whose meaning in a FILL is rop3 (a function of the
 * brush and the destination alone, render_fill_fn), as spice-common's
 * canvas reads descriptors; indexed by the function's four results
 * (brush, destination) = (0,0), (0,1), (1,0), (1,1) as bits 0 to 3.  The
 * producer's own descriptor is not passed on: this is one plain spelling
 * per function, whatever flags it combined.  None for 0xa (the
 * destination as it is), which render never reports.
 */
static const uint16_t dout_fill_ropd[16] = {
	[0x0] = SPICE_ROPD_OP_BLACKNESS,
	[0xf] = SPICE_ROPD_OP_WHITENESS,
	[0x5] = SPICE_ROPD_OP_INVERS,
	[0xc] = SPICE_ROPD_OP_PUT,
	[0x3] = SPICE_ROPD_OP_PUT | SPICE_ROPD_INVERS_BRUSH,
	[0x8] = SPICE_ROPD_OP_AND,
	[0x4] = SPICE_ROPD_OP_AND | SPICE_ROPD_INVERS_DEST,
	[0x2] = SPICE_ROPD_OP_AND | SPICE_ROPD_INVERS_BRUSH,
	[0x7] = SPICE_ROPD_OP_AND | SPICE_ROPD_INVERS_RES,
	[0xe] = SPICE_ROPD_OP_OR,
	[0xd] = SPICE_ROPD_OP_OR | SPICE_ROPD_INVERS_DEST,
	[0xb] = SPICE_ROPD_OP_OR | SPICE_ROPD_INVERS_BRUSH,
	[0x1] = SPICE_ROPD_OP_OR | SPICE_ROPD_INVERS_RES,
	[0x6] = SPICE_ROPD_OP_XOR,
	[0x9] = SPICE_ROPD_OP_XOR | SPICE_ROPD_INVERS_RES,
};

/* The plain descriptor of rop3, a function of the brush and the
 * destination (dout_fill_ropd). */
static uint16_t
dout_ropd(uint8_t rop3)
{
	return dout_fill_ropd[(rop3 & 3) | ((rop3 >> 2) & 0xc)];
}

/* Does r touch the video stream?  Drawing there is damage like any. */
static int
dout_on_stream(const struct dout *d, pixman_region32_t *r)
{
	pixman_box32_t sb = d->d_stream.ds_box;

	return d->d_stream.ds_on &&
	    pixman_region32_contains_rectangle(r, &sb) != PIXMAN_REGION_OUT;
}

/* Pixels in the extents of r. */
static uint64_t
dout_extent_px(pixman_region32_t *r)
{
	const pixman_box32_t *e = pixman_region32_extents(r);

	return (uint64_t)(e->x2 - e->x1) * (uint64_t)(e->y2 - e->y1);
}

/* An image a forwarded drawing carries (a blend's source, a composite's
 * source or mask): its pixels, whether their alpha counts, and what each
 * codec made of them, made once for all the viewers that get that codec
 * (0 not yet, 1 made, -1 failed). */
struct dout_img {
	pixman_image_t	*di_img;
	int		 di_alpha;
	struct obuf	 di_data[DOUT_GLZ + 1];
	int		 di_state[DOUT_GLZ + 1];
};

/* A drawing forwarded to viewers: a fill (dd_pat may be NULL), a string
 * (dd_text, with dd_back), a path (dd_stroke), a blend (dd_img[0], with
 * dd_key or dd_alpha), a composite (dd_comp, its source dd_img[0] and
 * mask dd_img[1] or NULL, on dd_bbox) or a raster operation (dd_copy:
 * dd_img[0] with the descriptor dd_ropd, or when it is 0 the code dd_rop3
 * and the brush colour dd_color) on dd_area. */
struct dout_draw {
	const pixman_region32_t		*dd_area;
	uint32_t			 dd_color;
	uint16_t			 dd_ropd;
	const struct render_pattern	*dd_pat;
	const struct qxl_cmd_text	*dd_text;
	const uint32_t			*dd_back;
	const struct qxl_cmd_stroke	*dd_stroke;
	struct dout_img			*dd_img[2];
	const uint32_t			*dd_key;
	uint8_t				 dd_alpha;
	const struct qxl_cmd_composite	*dd_comp;
	const pixman_box32_t		*dd_bbox;
	int				 dd_copy;
	uint8_t				 dd_rop3;
};

static void
dout_img_init(struct dout_img *di, pixman_image_t *img, int alpha)
{
	unsigned i;

	memset(di, 0, sizeof(*di));
	di->di_img = img;
	di->di_alpha = alpha;
	for (i = 0; i <= DOUT_GLZ; i++)
		obuf_init(&di->di_data[i]);
}

static void
dout_img_fini(struct dout_img *di)
{
	unsigned i;

	for (i = 0; i <= DOUT_GLZ; i++)
		obuf_free(&di->di_data[i]);
}

/* Set in a pixmap id (and key) of an image with alpha, which must not
 * stand in for an opaque one of the same bytes. */
#define DOUT_ID_RGBA	(1ull << 63)

/*
 * Append di for client dc to ob: its descriptor, and its data as the
 * codec dc gets for a box of the primary (never lossy nor GLZ: the result
 * must be the worker's, and a GLZ window wants every image in order; with
 * alpha, LZ4 RGBA or without the cap a plain RGBA bitmap), or FROM_CACHE
 * (1 is returned) when dc holds it.  *id is its name in dc's cache (0:
 * none), the ids dc must drop first go to evicted (*n of them).  -1 when
 * it cannot be encoded (logged; dout_abort_images() undoes the rest).
 */
static int
dout_put_image(struct dout_client *dc, struct obuf *ob, struct dout_img *di,
    uint64_t *id, uint64_t *evicted, int *n)
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
	if (di->di_alpha)
		codec = chan_has_cap(dc->dc_chan,
		    SPICE_DISPLAY_CAP_LZ4_COMPRESSION) ? DOUT_LZ4 :
		    DOUT_BITMAP;
	else if ((codec = dout_codec(dc, di->di_img, &all)) == DOUT_JPEG)
		codec = DOUT_QUIC;
	else if (codec == DOUT_GLZ)
		codec = dout_codec_no_glz(dc);
	if (dout_cache_lookup(dc, &src, (uint64_t)all.x2 * (uint64_t)all.y2,
	    tag, id, evicted, n)) {
		ddraw_put_image_desc(ob, *id, SPICE_IMAGE_TYPE_FROM_CACHE, 0,
		    src.es_width, src.es_height);
		return 1;
	}
	m = &di->di_data[codec];
	if (di->di_state[codec] == 0) {
		if (dout_encode(d, m, &src, codec, NULL, &err) != 0 ||
		    (di->di_alpha && enc_label_rgba(m, 0,
		    dout_image_type[codec], &err) != 0)) {
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
static void
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
static int
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

/*
 * A drawing of one image for client dc: DRAW_TRANSPARENT or
 * DRAW_ALPHA_BLEND (a blend), DRAW_COPY with a raster operation or
 * DRAW_ROP3 (dd_copy), its image from dout_put_image.  0, or -1 when it
 * could not be built (logged): then dc gets the area as damage.
 */
static int
dout_send_one_image(struct dout_client *dc, const struct dout_draw *dd)
{
	struct obuf *ob = &dc->dc_dout->d_enc;
	uint64_t id, ev[DCACHE_MAX], *evp = ev;
	uint16_t type;
	int rc, n;

	chan_body_prepare(ob);
	obuf_reset(ob);
	if (!dd->dd_copy) {
		ddraw_blend(ob, dd->dd_area, dd->dd_key, dd->dd_alpha);
		type = dd->dd_key != NULL ? SPICE_MSG_DISPLAY_DRAW_TRANSPARENT :
		    SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND;
	} else if (dd->dd_ropd != 0) {
		ddraw_copy(ob, dd->dd_area, dd->dd_ropd);
		type = SPICE_MSG_DISPLAY_DRAW_COPY;
	} else {
		ddraw_rop3(ob, dd->dd_area, dd->dd_color, dd->dd_rop3);
		type = SPICE_MSG_DISPLAY_DRAW_ROP3;
	}
	if ((rc = dout_put_image(dc, ob, dd->dd_img[0], &id, ev, &n)) < 0) {
		dout_abort_images(dc, 1, &rc, &id, &evp, &n);
		return -1;
	}
	return dout_send_images(dc, ob, type, 1, &rc, &id, &evp, &n);
}

/* DRAW_COMPOSITE of dd for client dc (one that announced the cap), its
 * source and mask from dout_put_image.  0, or -1 as dout_send_one_image. */
static int
dout_send_composite(struct dout_client *dc, const struct dout_draw *dd)
{
	struct obuf *ob = &dc->dc_dout->d_enc;
	uint64_t id[2] = { 0, 0 }, ev0[DCACHE_MAX], ev1[DCACHE_MAX];
	uint64_t *evp[2] = { ev0, ev1 };
	int rc[2] = { -1, -1 }, n[2] = { 0, 0 }, i;
	size_t mask_at = 0;

	chan_body_prepare(ob);
	obuf_reset(ob);
	ddraw_composite(ob, dd->dd_area, dd->dd_bbox, dd->dd_comp,
	    dd->dd_img[1] != NULL, &mask_at);
	if ((rc[0] = dout_put_image(dc, ob, dd->dd_img[0], &id[0], ev0,
	    &n[0])) < 0) {
		dout_abort_images(dc, 1, rc, id, evp, n);
		return -1;
	}
	if (dd->dd_img[1] != NULL) {
		ddraw_point_here(ob, mask_at);
		rc[1] = dout_put_image(dc, ob, dd->dd_img[1], &id[1], ev1,
		    &n[1]);
		/* The mask's room in the cache must not have cost the
		 * source's name (a cache too small for both). */
		for (i = 0; rc[1] >= 0 && i < n[1]; i++)
			if (ev1[i] == id[0])
				rc[1] = -1;
		if (rc[1] < 0) {
			dout_abort_images(dc, 2, rc, id, evp, n);
			return -1;
		}
	}
	return dout_send_images(dc, ob, SPICE_MSG_DISPLAY_DRAW_COMPOSITE,
	    dd->dd_img[1] != NULL ? 2 : 1, rc, id, evp, n);
}

/* Send dd to dc: 0, or -1 when it could not be built. */
static int
dout_send_draw(struct dout_client *dc, const struct dout_draw *dd)
{
	if (dd->dd_comp != NULL)
		return dout_send_composite(dc, dd);
	if (dd->dd_img[0] != NULL)
		return dout_send_one_image(dc, dd);
	if (dd->dd_text != NULL) {
		ddraw_text(chan_msg_begin(dc->dc_chan,
		    SPICE_MSG_DISPLAY_DRAW_TEXT), dd->dd_area, dd->dd_text,
		    dd->dd_color, dd->dd_back);
		chan_msg_end(dc->dc_chan);
	} else if (dd->dd_stroke != NULL) {
		ddraw_stroke(chan_msg_begin(dc->dc_chan,
		    SPICE_MSG_DISPLAY_DRAW_STROKE), dd->dd_area, dd->dd_stroke,
		    dd->dd_color, dd->dd_ropd);
		chan_msg_end(dc->dc_chan);
	} else
		dout_send_fill(dc, dd->dd_area, dd->dd_color, dd->dd_pat,
		    dd->dd_ropd);
	return 0;
}

/*
 * Send dd to each viewer with room in its window (a WebSocket viewer only
 * when box_ok: spice-html5 draws nothing but boxes put in one colour,
 * unclipped; a composite to those that announced the cap); the others get
 * damage as damage.  A viewer sent it keeps
 * its own damage as it was, but for exact when not NULL (where the
 * result does not depend on what was there): a bitwise function of each
 * old pixel, or glyphs blended over it, leave a pixel it had right right
 * and one it had wrong wrong.
 */
static void
dout_forward(struct dout *d, const pixman_region32_t *damage,
    const pixman_region32_t *exact, int box_ok, const struct dout_draw *dd)
{
	struct dout_client *dc, *next;

	dout_cache_clear(d);
	for (dc = TAILQ_FIRST(&d->d_clients); dc != NULL; dc = next) {
		next = TAILQ_NEXT(dc, dc_entry);
		if (dc->dc_state != DC_ACTIVE || !dc->dc_surface)
			continue;
		if (!chan_can_send(dc->dc_chan) ||
		    (dc->dc_box_only && !box_ok) || (dd->dd_comp != NULL &&
		    !chan_has_cap(dc->dc_chan, SPICE_DISPLAY_CAP_COMPOSITE))) {
			dout_damage_client(dc, damage);
			continue;
		}
		dc->dc_busy++;
		if (dout_send_draw(dc, dd) != 0)
			dout_damage_client(dc, damage);
		else if (!dc->dc_dead && exact != NULL)
			pixman_region32_subtract(&dc->dc_damage,
			    &dc->dc_damage, (pixman_region32_t *)exact);
		dout_client_unbusy(dc);
	}
	dout_schedule(d);
}

/*
 * The render fill callback: area now holds rop3 of the brush (color, or
 * pat) and what it held.  Viewers are sent the fill itself (60 bytes and
 * 16 a rectangle, where its pixels would cost an image; a text selection
 * inverted, a box cleared; a pattern's image too, when that is at most
 * DOUT_MAX_PATTERN_BYTES and a quarter of the area's pixels raw).
 */
void
dout_fill(void *arg, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, uint8_t rop3)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_draw dd = { .dd_area = area, .dd_color = color,
	    .dd_ropd = dout_ropd(rop3), .dd_pat = pat };
	int n = pixman_region32_n_rects(a);
	uint64_t pat_bytes = 0;

	if (pat != NULL)
		pat_bytes = (uint64_t)pixman_image_get_width(pat->rp_img) *
		    (uint64_t)pixman_image_get_height(pat->rp_img) * 4;
	if (dout_on_stream(d, a) || n > DOUT_MAX_FILL_RECTS ||
	    pat_bytes > DOUT_MAX_PATTERN_BYTES ||
	    pat_bytes > dout_extent_px(a)) {
		dout_damage(d, area);
		return;
	}
	dout_forward(d, area, render_rop3_uses(rop3, 1) ? NULL : area,
	    n == 1 && dd.dd_ropd == SPICE_ROPD_OP_PUT && pat == NULL, &dd);
}

/*
 * The render text callback: a string was drawn on area.  Viewers are
 * sent the string (DRAW_TEXT) when that costs less than its pixels: the
 * String at most a quarter of what they are raw (an A1 glyph is a bit a
 * pixel, an A4 one half a byte, 20 bytes of place and size each; an LZ4
 * image of text over a background a byte a pixel or more), and at most
 * DOUT_MAX_DRAW_BYTES.  The glyphs blend over what was there.
 */
void
dout_text(void *arg, const pixman_region32_t *area,
    const struct qxl_cmd_text *t, uint32_t fore, const uint32_t *back)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_draw dd = { .dd_area = area, .dd_color = fore,
	    .dd_text = t, .dd_back = back };
	size_t bytes = ddraw_text_size(t);

	if (dout_on_stream(d, a) || bytes > DOUT_MAX_DRAW_BYTES ||
	    bytes > dout_extent_px(a) ||
	    pixman_region32_n_rects(a) > DOUT_MAX_FILL_RECTS) {
		dout_damage(d, area);
		return;
	}
	dout_forward(d, area, NULL, 0, &dd);
}

/*
 * The render stroke callback: drawn (where the path crossed area) holds
 * rop3 of color, whatever was there.  Viewers are sent the path
 * (DRAW_STROKE) when the Path costs no more than the pixels drawn raw
 * and a DRAW_FILL (the least pixels cost), and at most
 * DOUT_MAX_DRAW_BYTES: a line's two points against each of its pixels.
 */
void
dout_stroke(void *arg, const pixman_region32_t *area,
    const pixman_region32_t *drawn, const struct qxl_cmd_stroke *st,
    uint32_t color, uint8_t rop3)
{
	struct dout *d = arg;
	pixman_region32_t *dr = (pixman_region32_t *)drawn;
	struct dout_draw dd = { .dd_area = area, .dd_color = color,
	    .dd_ropd = dout_ropd(rop3), .dd_stroke = st };
	size_t bytes = ddraw_stroke_size(st);
	uint64_t px = 0;
	pixman_box32_t *boxes;
	int i, n;

	boxes = pixman_region32_rectangles(dr, &n);
	for (i = 0; i < n; i++)
		px += (uint64_t)(boxes[i].x2 - boxes[i].x1) *
		    (uint64_t)(boxes[i].y2 - boxes[i].y1);
	if (dout_on_stream(d, dr) || bytes > DOUT_MAX_DRAW_BYTES ||
	    bytes > 64 + px * 4 || pixman_region32_n_rects(
	    (pixman_region32_t *)area) > DOUT_MAX_FILL_RECTS) {
		dout_damage(d, drawn);
		return;
	}
	dout_forward(d, drawn, drawn, 0, &dd);
}

/* Whether a drawing of images of px pixels on a can be forwarded at all:
 * not across the video stream, within the clip's rectangles and the
 * images' cap; else it is damage. */
static int
dout_images_fit(const struct dout *d, pixman_region32_t *a, uint64_t px)
{
	return !dout_on_stream(d, a) &&
	    pixman_region32_n_rects(a) <= DOUT_MAX_FILL_RECTS &&
	    px <= DOUT_MAX_BLEND_PX;
}

/*
 * The render blend callback: src was put over area with a colour key or
 * an alpha.  Viewers are sent the source and the operation: an image as
 * large as the result the first time (often smaller: a sprite's keyed
 * pixels are one colour, an icon's are not mixed with a photograph
 * under it), and a name from their pixmap cache when the same source
 * is drawn again, wherever it lands.
 */
void
dout_blend(void *arg, const pixman_region32_t *area, pixman_image_t *src,
    const uint32_t *key, uint8_t alpha)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_img img;
	struct dout_draw dd = { .dd_area = area, .dd_img = { &img, NULL },
	    .dd_key = key, .dd_alpha = alpha };

	if (!dout_images_fit(d, a, dout_extent_px(a))) {
		dout_damage(d, area);
		return;
	}
	dout_img_init(&img, src, key == NULL &&
	    pixman_image_get_format(src) == PIXMAN_a8r8g8b8);
	dout_forward(d, area, NULL, 0, &dd);
	dout_img_fini(&img);
}

/*
 * The render copy callback: area holds rop3 of the brush colour, src and
 * what was there.  Viewers are sent the source and the operation: a plain
 * descriptor of it in a DRAW_COPY when it does not read the brush (the
 * same table as fills', the source in the brush's place: the canvas reads
 * INVERS_SRC for a copy's first input), else DRAW_ROP3 with the colour;
 * the source from or into their pixmap cache: a masked icon drawn again
 * with its two copies costs two names.
 */
void
dout_copy(void *arg, const pixman_region32_t *area, pixman_image_t *src,
    uint32_t color, uint8_t rop3)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_img img;
	uint16_t ropd = dout_fill_ropd[rop3 & 0xf];
	struct dout_draw dd = { .dd_area = area, .dd_img = { &img, NULL },
	    .dd_copy = 1, .dd_color = color, .dd_rop3 = rop3 };

	if (ropd & SPICE_ROPD_INVERS_BRUSH)
		ropd = (uint16_t)((ropd & ~SPICE_ROPD_INVERS_BRUSH) |
		    SPICE_ROPD_INVERS_SRC);
	/* One that reads the brush goes as DRAW_ROP3, its code as it is
	 * (the canvas numbers them as render does); the others as copies. */
	dd.dd_ropd = render_rop3_uses(rop3, 4) ? 0 : ropd;
	if ((ropd == 0 && !render_rop3_uses(rop3, 4)) ||
	    !dout_images_fit(d, a, dout_extent_px(a))) {
		dout_damage(d, area);
		return;
	}
	/* Bitwise on each pixel's bits: its RGB does not depend on the
	 * fourth byte, so the source goes as 32-bit whatever its format. */
	dout_img_init(&img, src, 0);
	dout_forward(d, area, render_rop3_uses(rop3, 1) ? NULL : area, 0, &dd);
	dout_img_fini(&img);
}

/*
 * The render composite callback: src (through mask) was composited onto
 * bbox within area.  Viewers that announced the cap are sent the images
 * and the operation (a glyph run's mask, an icon: often in their cache);
 * the others, composites across the video stream and those whose images
 * together pass DOUT_MAX_BLEND_PX get area as damage.
 */
void
dout_composite(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, pixman_image_t *src, pixman_image_t *mask,
    const struct qxl_cmd_composite *c)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_img img[2];
	struct dout_draw dd = { .dd_area = area, .dd_comp = c,
	    .dd_bbox = bbox, .dd_img = { &img[0], mask != NULL ? &img[1] :
	    NULL } };
	uint64_t px = (uint64_t)pixman_image_get_width(src) *
	    (uint64_t)pixman_image_get_height(src);

	if (mask != NULL)
		px += (uint64_t)pixman_image_get_width(mask) *
		    (uint64_t)pixman_image_get_height(mask);
	if (!dout_images_fit(d, a, px)) {
		dout_damage(d, area);
		return;
	}
	dout_img_init(&img[0], src,
	    pixman_image_get_format(src) == PIXMAN_a8r8g8b8);
	if (mask != NULL)
		dout_img_init(&img[1], mask,
		    pixman_image_get_format(mask) == PIXMAN_a8r8g8b8);
	dout_forward(d, area, NULL, 0, &dd);
	dout_img_fini(&img[0]);
	if (mask != NULL)
		dout_img_fini(&img[1]);
}

void
dout_heads(struct dout *d, const struct qxlshm_head *heads, uint32_t n)
{
	struct dout_client *dc;

	d->d_nheads = n;
	memcpy(d->d_heads, heads, (size_t)n * sizeof(*heads));
	log_debug("display \"%s\": %u heads on the primary", d->d_wk->wk_display,
	    n);
	TAILQ_FOREACH(dc, &d->d_clients, dc_entry)
		if (dc->dc_surface)
			dout_send_heads(dc);
}

void
dout_primary_created(struct dout *d)
{
	struct dout_client *dc, *next;

	d->d_nheads = 0;
	dout_cache_clear(d);
	for (dc = TAILQ_FIRST(&d->d_clients); dc != NULL; dc = next) {
		next = TAILQ_NEXT(dc, dc_entry);
		if (dc->dc_state == DC_ACTIVE && !dc->dc_surface)
			dout_client_start_surface(dc);
	}
}

void
dout_primary_destroyed(struct dout *d)
{
	struct dout_client *dc, *next;
	uint8_t body[4] = { 0, 0, 0, 0 };	/* u32 surface id 0 */

	d->d_nheads = 0;
	dout_cache_clear(d);
	dout_stream_end(d, "the primary went");
	for (dc = TAILQ_FIRST(&d->d_clients); dc != NULL; dc = next) {
		next = TAILQ_NEXT(dc, dc_entry);
		if (!dc->dc_surface)
			continue;
		pixman_region32_clear(&dc->dc_damage);
		dc->dc_surface = 0;
		dc->dc_need_mark = 0;
		dout_send_small(dc, SPICE_MSG_DISPLAY_SURFACE_DESTROY, body,
		    sizeof(body));
	}
}
