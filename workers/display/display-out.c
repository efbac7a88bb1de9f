/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-out: display channel clients (their messages, their damage,
 * sending it at their pace, moves as COPY_BITS, the primary and its
 * heads); contracts in display-out.h.  Images are made in
 * display-out-image.c, the video stream sent in display-out-stream.c,
 * forwarded drawings in display-out-forward.c, and what each viewer holds
 * as JPEG made it kept and refreshed in display-out-lossy.c
 * (display-out-int.h).
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

#include "display-draw.h"
#include "display-out-int.h"
#include "log.h"

/* The lossless images a viewer gets, for the log. */
static const char *const dout_lossless_names[] = {
	[DOUT_LL_BITMAP] = "bitmap", [DOUT_LL_LZ4] = "lz4",
	[DOUT_LL_LZ] = "lz", [DOUT_LL_QUIC] = "quic",
	[DOUT_LL_AUTO] = "quic and lz4", [DOUT_LL_AUTO_LZ] = "quic and lz",
	[DOUT_LL_GLZ] = "glz",
};

static int	dout_msg(struct chan *, uint16_t, struct sbuf *,
		    const char **);
static void	dout_writable(struct chan *);
static void	dout_closed(struct chan *, const char *);

static const struct chan_ops dout_chan_ops = {
	.co_msg = dout_msg,
	.co_writable = dout_writable,
	.co_closed = dout_closed,
};

static void
dout_flush_cb(evutil_socket_t fd, short ev, void *arg);

static void
dout_encoders_free(struct dout *d)
{
	enc_lz4_free(d->d_lz4);
	enc_jpeg_free(d->d_jpeg);
	enc_jpeg_pick_free(d->d_jpick);
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
	    (d->d_jpick = enc_jpeg_pick_new()) == NULL ||
	    (d->d_quic = enc_quic_new()) == NULL ||
	    (d->d_lz = enc_lz_new()) == NULL) {
		dout_encoders_free(d);
		free(d);
		spd_err_set(err, "display-out: out of memory");
		return NULL;
	}
	sclock_init(&d->d_clock);
	dstream_init(&d->d_stream, wk->wk_flags & IPC_INIT_STREAM_OFF ?
	    DSTREAM_OFF : wk->wk_flags & IPC_INIT_STREAM_ALL ? DSTREAM_ALL :
	    DSTREAM_FILTER);
	if ((d->d_flush_ev = event_new(wk->wk_base, -1, 0, dout_flush_cb,
	    d)) == NULL || (d->d_stream_ev = event_new(wk->wk_base, -1,
	    EV_PERSIST, dout_stream_idle_cb, d)) == NULL ||
	    (d->d_refine_ev = evtimer_new(wk->wk_base, dout_refine_cb,
	    d)) == NULL) {
		if (d->d_flush_ev != NULL)
			event_free(d->d_flush_ev);
		if (d->d_stream_ev != NULL)
			event_free(d->d_stream_ev);
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
	event_free(d->d_refine_ev);
	dout_frame_bodies_drop(d);
	dout_encoders_free(d);
	dout_cache_clear(d);
	obuf_free(&d->d_enc);
	free(d);
}

void
dout_client_unbusy(struct dout_client *dc)
{
	if (--dc->dc_busy == 0 && dc->dc_dead)
		free(dc);
}

/* Queue a small control message regardless of the ACK window: these are
 * bounded in number by surface changes. */
void
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

size_t
dout_send_band(struct dout_client *dc, pixman_image_t *prim,
    pixman_region32_t *from, size_t maxbytes, int refresh)
{
	pixman_region32_t sent;
	pixman_box32_t *rects, band;
	size_t rowbytes, rows;
	int n;

	rects = pixman_region32_rectangles(from, &n);
	if (n == 0)
		return 0;
	band = rects[0];
	rowbytes = (size_t)(band.x2 - band.x1) * 4;
	/* A photograph is sent in fewer bytes than its pixels take, so its
	 * bands may cover more (see DOUT_QUIC_BAND_FACTOR); a refresh's are
	 * sized for the link's time already. */
	if (!refresh)
		switch (dout_codec(dc, prim, &band, 1)) {
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
	(void)dout_send_box(dc, prim, &band, !refresh);
	if (dc->dc_dead)
		return rowbytes * (size_t)(band.y2 - band.y1);
	pixman_region32_init_rect(&sent, band.x1, band.y1,
	    (unsigned)(band.x2 - band.x1), (unsigned)(band.y2 - band.y1));
	pixman_region32_subtract(from, from, &sent);
	pixman_region32_fini(&sent);
	return rowbytes * (size_t)(band.y2 - band.y1);
}

/*
 * Send what the window allows of the client's damage, at most
 * DOUT_ROUND_BYTES of pixels, then what is due of its lossy pixels again
 * (dout_refine_step).  Returns 1 if the client still has damage it could
 * send now (the round budget ran out).
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
		done = dout_send_band(dc, prim, &dc->dc_damage,
		    DOUT_BAND_BYTES, 0);
		budget = done >= budget ? 0 : budget - done;
	}
	if (!dc->dc_dead && dc->dc_need_mark &&
	    !pixman_region32_not_empty(&dc->dc_damage)) {
		dc->dc_need_mark = 0;
		dout_send_small(dc, SPICE_MSG_DISPLAY_MARK, NULL, 0);
	}
	if (!dc->dc_dead && !more)
		dout_refine_step(dc, prim);
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

void
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
	pixman_region32_clear(&dc->dc_lossy);
	dc->dc_refine = 0;
	if ((size_t)all.x2 * (size_t)all.y2 * 4 <= DOUT_INIT_MAX) {
		(void)dout_send_box(dc, prim, &all, 1);
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
	/* Until it reports, its frames are stamped with our time. */
	dout_stream_lead(dc->dc_dout);
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
	pixman_region32_fini(&dc->dc_lossy);
	dout_offscreen_forget(dc);
	if (dc->dc_glz != NULL)
		d->d_glz_windows--;
	enc_glz_free(dc->dc_glz);
	dc->dc_glz = NULL;
	dc->dc_chan = NULL;
	dc->dc_dead = 1;
	/* Its share of the frames' lead goes with it. */
	dout_stream_lead(d);
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
	pixman_region32_init(&dc->dc_lossy);
	if ((dc->dc_init_ev = evtimer_new(d->d_wk->wk_base, dout_init_timeout,
	    dc)) == NULL) {
		close(fd);
		pixman_region32_fini(&dc->dc_damage);
		pixman_region32_fini(&dc->dc_lossy);
		free(dc);
		return spd_err_set(err, "evtimer_new failed");
	}
	if ((dc->dc_chan = chan_new(d->d_wk->wk_base, fd, session, conn, info,
	    DOUT_MAX_CLIENT_MSG, &dout_chan_ops, dc, err)) == NULL) {
		/* chan_new took the fd either way. */
		event_free(dc->dc_init_ev);
		pixman_region32_fini(&dc->dc_damage);
		pixman_region32_fini(&dc->dc_lossy);
		free(dc);
		return -1;
	}
	dc->dc_lossless = dout_lossless(d->d_wk->wk_flags, chan_has_cap(
	    dc->dc_chan, SPICE_DISPLAY_CAP_LZ4_COMPRESSION));
	dc->dc_box_only = info->framing == IPC_FRAMING_WEBSOCKET;
	sclock_viewer_init(&dc->dc_clock, chan_has_cap(dc->dc_chan,
	    SPICE_DISPLAY_CAP_STREAM_REPORT));
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

/* r grown until it has at most DOUT_MAX_RECTS rectangles: too many are
 * grown to a grid of DOUT_TILE pixels (then twice, four times that), and
 * at last to their extents. */
uint64_t
dout_region_px(const pixman_region32_t *r)
{
	const pixman_box32_t *boxes;
	uint64_t px = 0;
	int i, n;

	boxes = pixman_region32_rectangles((pixman_region32_t *)r, &n);
	for (i = 0; i < n; i++)
		px += (uint64_t)(boxes[i].x2 - boxes[i].x1) *
		    (uint64_t)(boxes[i].y2 - boxes[i].y1);
	return px;
}

void
dout_region_bound(pixman_region32_t *r)
{
	pixman_box32_t ext;
	int32_t tile;

	for (tile = DOUT_TILE; tile <= 4 * DOUT_TILE &&
	    pixman_region32_n_rects(r) > DOUT_MAX_RECTS; tile *= 2)
		if (dout_coarsen(r, tile) != 0)
			break;
	if (pixman_region32_n_rects(r) > DOUT_MAX_RECTS) {
		ext = *pixman_region32_extents(r);
		pixman_region32_reset(r, &ext);
	}
}

/* Add area to the client's damage, bounded by construction
 * (dout_region_bound). */
void
dout_damage_client(struct dout_client *dc, const pixman_region32_t *area)
{
	pixman_region32_union(&dc->dc_damage, &dc->dc_damage,
	    (pixman_region32_t *)area);
	dout_region_bound(&dc->dc_damage);
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
		dout_lossy_moved(dc, area, dx, dy);
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
		pixman_region32_clear(&dc->dc_lossy);
		dc->dc_surface = 0;
		dc->dc_need_mark = 0;
		dout_send_small(dc, SPICE_MSG_DISPLAY_SURFACE_DESTROY, body,
		    sizeof(body));
	}
}

