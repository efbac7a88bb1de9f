/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-out-stream: the display's video stream (display-stream.c finds
 * it) to its viewers: STREAM_CREATE, one MJPEG frame encoded once per
 * quality for all of them, each viewer's STREAM_REPORTs choosing its
 * quality and how early frames are stamped (stream-clock.h), and the
 * stream's end or move, after which the viewers are owed its box
 * losslessly.
 */
#include <string.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "display-draw.h"
#include "display-out-int.h"
#include "log.h"

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

void
dout_frame_bodies_drop(struct dout *d)
{
	int q;

	for (q = 0; q < 2; q++) {
		if (d->d_frame_body[q] != NULL)
			chan_shared_unref(d->d_frame_body[q]);
		d->d_frame_body[q] = NULL;
	}
}

/* How the stream's frames are encoded at quality low (0 or 1): chosen on
 * its first frame at that quality and every DOUT_PICK_FRAMES frames. */
static void
dout_frame_mode(struct dout *d, const struct enc_src *src, int low)
{
	const struct dstream *ds = &d->d_stream;
	struct enc_jpeg_mode *m = &d->d_frame_mode[low];
	struct spd_err err;

	if (m->ejm_quality != 0 && d->d_mode_stream[low] == ds->ds_id &&
	    ds->ds_frame - d->d_mode_frame[low] < DOUT_PICK_FRAMES)
		return;
	d->d_mode_stream[low] = ds->ds_id;
	d->d_mode_frame[low] = ds->ds_frame;
	if (enc_jpeg_pick(d->d_jpick, d->d_jpeg, src, low ? ENC_STREAM_LOW :
	    ENC_STREAM_QUALITY, ENC_VIEW_STREAM, m, &err) != 0)
		log_warn("display \"%s\": stream frames at 4:2:0: %s",
		    d->d_wk->wk_display, err.msg);
	log_debug("display \"%s\": stream %u frames as JPEG %s quality %d",
	    d->d_wk->wk_display, ds->ds_id,
	    m->ejm_chroma == ENC_CHROMA_444 ? "4:4:4" : "4:2:0",
	    m->ejm_quality);
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
	dout_frame_mode(d, &src, low);
	chan_body_prepare(ob);
	obuf_reset(ob);
	obuf_put_u32le(ob, d->d_stream.ds_id);
	obuf_put_u32le(ob, sclock_stamp(&d->d_clock, chan_mm_time()));
	if (enc_jpeg_encode(d->d_jpeg, ob, &src,
	    d->d_frame_mode[low].ejm_quality, d->d_frame_mode[low].ejm_chroma,
	    &err) != 0) {
		log_warn("display \"%s\": stream frame: %s",
		    d->d_wk->wk_display, err.msg);
		return NULL;
	}
	d->d_frame_body[low] = chan_shared_new(ob);
	d->d_frame_no[low] = d->d_stream.ds_frame;
	return d->d_frame_body[low];
}

/* STREAM_ACTIVATE_REPORT: the viewer reports on the stream after
 * DOUT_REPORT_FIRST frames (first) or every DOUT_REPORT_FRAMES frames or
 * second. */
static void
dout_send_activate_report(struct dout_client *dc, const struct dstream *ds,
    int first)
{
	struct obuf *ob;

	ob = chan_msg_begin(dc->dc_chan,
	    SPICE_MSG_DISPLAY_STREAM_ACTIVATE_REPORT);
	obuf_put_u32le(ob, ds->ds_id);
	obuf_put_u32le(ob, ++dc->dc_report_id);
	obuf_put_u32le(ob, first ? DOUT_REPORT_FIRST : DOUT_REPORT_FRAMES);
	obuf_put_u32le(ob, first ? 250 : 1000);	/* timeout, ms */
	chan_msg_end(dc->dc_chan);
	dc->dc_report_first = first;
}

void
dout_stream_lead(struct dout *d)
{
	struct dout_client *dc;
	uint32_t lead = CHAN_MM_DELAY_MS;
	int any = 0;

	TAILQ_FOREACH(dc, &d->d_clients, dc_entry)
		if (!dc->dc_dead && dc->dc_state == DC_ACTIVE) {
			any = 1;
			if (dc->dc_clock.sv_lead < lead)
				lead = dc->dc_clock.sv_lead;
		}
	if (!any || lead == d->d_clock.sc_lead)
		return;
	log_debug("display \"%s\": stream frames stamped %u ms early "
	    "(were %u)", d->d_wk->wk_display, lead, d->d_clock.sc_lead);
	d->d_clock.sc_lead = lead;
}

/*
 * STREAM_REPORT {u32 stream id, u32 unique id, u32 start and end mm time,
 * u32 frames, u32 drops, i32 last frame delay, u32 audio delay}: a viewer
 * that drops a tenth of its frames gets the low quality, and the normal
 * one again once a report shows none dropped and none late.  Its frames'
 * stamps follow how early the last one arrived (stream-clock.h).
 */
int
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
	if (!dc->dc_stream_low && (uint64_t)drops * 10 >
	    (uint64_t)frames + drops) {
		dc->dc_stream_low = 1;
		log_debug("display \"%s\": conn %u drops %u of %u frames "
		    "(delay %d ms): lower quality", dc->dc_dout->d_wk->wk_display,
		    dc->dc_conn, drops, frames + drops, delay);
	} else if (dc->dc_stream_low && drops == 0 && delay >= 0)
		dc->dc_stream_low = 0;
	if (sclock_report(&dc->dc_dout->d_clock, &dc->dc_clock, end, delay,
	    drops, audio))
		dout_stream_lead(dc->dc_dout);
	if (dc->dc_report_first)
		dout_send_activate_report(dc, &dc->dc_dout->d_stream, 0);
	return 0;
}

/* The stream to one viewer: announced once, then the newest frame
 * whenever it can take one (frames it could not take are skipped). */
void
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
			dout_send_activate_report(dc, ds, 1);
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
void
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
void
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

void
dout_stream_idle_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct dout *d = arg;

	(void)fd;
	(void)ev;
	if (dstream_idle(&d->d_stream, chan_mm_time()))
		dout_stream_end(d, "idle");
}

