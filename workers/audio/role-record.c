/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * role-record: a session's record channel, its viewer's microphone to
 * the producer's record port (qxl-shm MSG_RECORD, PROTOCOL.md 2.8) while
 * the supervisor gives this session the microphone (the newest record
 * channel has it).  The viewer is told START when the producer listens
 * (S16, in a format the viewer can send: record-convert.h), STOP when it
 * stops or this session loses the microphone, and the capture volume.
 * Its DATA goes to the producer as it comes, in the producer's format,
 * cut into datagrams: raw S16, or Opus packets (SPICE_RECORD_CAP_OPUS is
 * offered) decoded here, so the producer always gets PCM.  Sound is real
 * time, so what the port cannot take at once is dropped, and so is a
 * packet that does not decode.  The producer's datagrams are checked; a
 * bad one ends this worker's microphone.
 */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "audio-port.h"
#include "chan.h"
#include "ipc.h"
#include "log.h"
#include "qxl-shm.h"
#include "record-convert.h"
#include "sbuf.h"
#include "worker.h"

/* spice-gtk sends 1 KiB at a time; more than this is not a microphone. */
#define RECORD_MAX_MSG		65536
#define RECORD_BATCH		16	/* datagrams read per wakeup */

struct role_record {
	struct worker	*r_w;
	struct chan	*r_chan;
	uint32_t	 r_session;
	uint32_t	 r_conn;
	int		 r_fd;		/* the record port, or -1 */
	struct event	*r_rev;
	uint32_t	 r_channels;	/* the producer's format; */
	uint32_t	 r_rate;	/* 0: it is not listening */
	int		 r_told;	/* the viewer was sent START */
	uint64_t	 r_dropped;
	struct rconv	*r_conv;	/* from the viewer's format, made
					   at the producer's START */
	uint64_t	 r_undecoded;
};

static struct role_record role_record_state;

/* Tell the viewer the microphone is not wanted now. */
static void
record_stop(struct role_record *r)
{
	if (r->r_chan != NULL && r->r_told)
		chan_send(r->r_chan, SPICE_MSG_RECORD_STOP, NULL, 0);
	r->r_told = 0;
}

static void
record_detach(struct role_record *r, const char *why)
{
	if (r->r_fd < 0)
		return;
	if (why != NULL)
		log_warn("session %u: record: %s; the microphone stops",
		    r->r_session, why);
	event_del(r->r_rev);
	close(r->r_fd);
	r->r_fd = -1;
	r->r_rate = r->r_channels = 0;
	rconv_free(r->r_conv);
	r->r_conv = NULL;
	record_stop(r);
}

/* START to a viewer that has the microphone while the producer
 * listens. */
static void
record_start(struct role_record *r)
{
	struct obuf *ob;
	uint32_t rate, channels;

	if (r->r_chan == NULL || r->r_fd < 0 || r->r_rate == 0 ||
	    r->r_conv == NULL)
		return;
	rconv_viewer(r->r_conv, &rate, &channels);
	ob = chan_msg_begin(r->r_chan, SPICE_MSG_RECORD_START);
	obuf_put_u32le(ob, channels);
	obuf_put_u16le(ob, SPICE_AUDIO_FMT_S16);
	obuf_put_u32le(ob, rate);
	chan_msg_end(r->r_chan);
	r->r_told = 1;
}

/* One datagram from the producer; -1 with why when it is bad. */
static int
record_datagram(struct role_record *r, const uint8_t *buf, size_t n,
    const char **why)
{
	struct audio_port_msg m;

	if (audio_port_parse(buf, n, &m, why) != 0)
		return -1;
	switch (m.am_type) {
	case QXLSHM_AUDIO_START:
		if (r->r_told && m.am_data.channels == r->r_channels &&
		    m.am_data.frequency == r->r_rate)
			return 0;
		record_stop(r);
		r->r_channels = m.am_data.channels;
		r->r_rate = m.am_data.frequency;
		rconv_free(r->r_conv);
		if ((r->r_conv = rconv_new(r->r_rate, r->r_channels)) == NULL)
			return *why = "out of memory", -1;
		record_start(r);
		return 0;
	case QXLSHM_AUDIO_STOP:
		r->r_rate = r->r_channels = 0;
		record_stop(r);
		return 0;
	case QXLSHM_AUDIO_VOLUME:
		audio_port_send_volume(r->r_chan, SPICE_RECORD_CAP_VOLUME,
		    &m.am_vol, SPICE_MSG_RECORD_VOLUME, SPICE_MSG_RECORD_MUTE);
		return 0;
	default:
		return *why = "a datagram of an unknown type", -1;
	}
}

static void
record_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct role_record *r = arg;
	uint8_t buf[sizeof(struct qxlshm_audio_volume) + 1];
	const char *why;
	ssize_t n;
	int i;

	(void)what;
	for (i = 0; i < RECORD_BATCH && r->r_fd >= 0; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			record_detach(r, NULL);
			return;
		}
		if ((size_t)n == sizeof(buf)) {
			record_detach(r, "a datagram over the size cap");
			return;
		}
		if (record_datagram(r, buf, (size_t)n, &why) != 0) {
			record_detach(r, why);
			return;
		}
	}
}

/* One datagram to the producer; 0 when sent or dropped, -1 when the port
 * is gone. */
static int
record_send(struct role_record *r, const void *buf, size_t len)
{
	if (send(r->r_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)len)
		return 0;
	if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS) {
		if (r->r_dropped++ % 100 == 0)
			log_debug("session %u: record: %llu packets dropped "
			    "for a slow producer", r->r_session,
			    (unsigned long long)r->r_dropped);
		return 0;
	}
	return -1;
}

/* The viewer's samples, in the producer's format, as DATA datagrams. */
static void
record_data(struct role_record *r, const uint8_t *pcm, size_t len)
{
	uint8_t buf[sizeof(struct qxlshm_audio_data) + QXLSHM_AUDIO_MAX_DATA];
	struct qxlshm_audio_data h;
	size_t frame = 2u * r->r_channels, per, n;

	len -= len % frame;
	per = QXLSHM_AUDIO_MAX_DATA - QXLSHM_AUDIO_MAX_DATA % frame;
	h.type = QXLSHM_AUDIO_DATA;
	h.channels = r->r_channels;
	h.frequency = r->r_rate;
	memcpy(buf, &h, sizeof(h));
	for (; len > 0; pcm += n, len -= n) {
		n = len < per ? len : per;
		memcpy(buf + sizeof(h), pcm, n);
		if (record_send(r, buf, sizeof(h) + n) != 0) {
			record_detach(r, strerror(errno));
			return;
		}
	}
}

/* One RECORD_DATA body, in the producer's format, to it. */
static void
record_viewer_data(struct role_record *r, const uint8_t *in, size_t len)
{
	const uint8_t *out;
	const char *why = NULL;
	long n;

	if ((n = rconv_data(r->r_conv, in, len, &out, &why)) < 0) {
		if (r->r_undecoded++ % 100 == 0)
			log_info("session %u: record: %llu Opus packets "
			    "dropped (%s)", r->r_session,
			    (unsigned long long)r->r_undecoded, why);
		return;
	}
	if (n > 0)
		record_data(r, out, (size_t)n);
}

static int
record_msg(struct chan *c, uint16_t type, struct sbuf *body,
    const char **why)
{
	struct role_record *r = chan_arg(c);
	uint32_t time;
	uint16_t mode;

	switch (type) {
	case SPICE_MSGC_RECORD_MODE:
		if (sbuf_get_u32le(body, &time) != 0 ||
		    sbuf_get_u16le(body, &mode) != 0)
			return *why = "protocol error: a short RECORD_MODE", -1;
		if (mode != SPICE_AUDIO_DATA_MODE_RAW &&
		    mode != SPICE_AUDIO_DATA_MODE_OPUS)
			return *why = "protocol error: RECORD_MODE of a mode "
			    "not offered", -1;
		/* A MODE for a START taken back since applies to none. */
		if (r->r_conv != NULL) {
			rconv_mode(r->r_conv, mode ==
			    SPICE_AUDIO_DATA_MODE_OPUS);
			log_info("session %u: record: the viewer sends %s "
			    "for %u Hz, %u channels", r->r_session, mode ==
			    SPICE_AUDIO_DATA_MODE_OPUS ? "Opus" : "raw samples",
			    r->r_rate, r->r_channels);
		}
		return 0;
	case SPICE_MSGC_RECORD_START_MARK:
		if (sbuf_get_u32le(body, &time) != 0 || sbuf_left(body) != 0)
			return *why = "protocol error: RECORD_START_MARK is "
			    "not 4 bytes", -1;
		return 0;
	case SPICE_MSGC_RECORD_DATA:
		if (sbuf_get_u32le(body, &time) != 0)
			return *why = "protocol error: a short RECORD_DATA", -1;
		/* Late data for a START taken back is not an error. */
		if (r->r_told && r->r_fd >= 0 && r->r_conv != NULL)
			record_viewer_data(r, sbuf_ptr(body),
			    sbuf_left(body));
		return 0;
	default:
		return *why = "protocol error: an unknown message on the "
		    "record channel", -1;
	}
}

static void
record_closed(struct chan *c, const char *reason)
{
	struct role_record *r = chan_arg(c);

	r->r_chan = NULL;
	worker_conn_closed(r->r_w, r->r_session, r->r_conn, reason);
	worker_exit(r->r_w, 0, "record channel closed");
}

static const struct chan_ops record_chan_ops = {
	.co_msg = record_msg,
	.co_writable = NULL,	/* START, STOP and volume only */
	.co_closed = record_closed,
};

static int
record_client(struct role_record *r, struct ipc_msg *msg,
    struct spd_err *err)
{
	struct ipc_client ic;
	int fd = msg->fds[0];

	msg->fds[0] = -1;
	memcpy(&ic, msg->payload, sizeof(ic));
	if (r->r_chan != NULL || ic.channel_type != SPICE_CHANNEL_RECORD ||
	    msg->hdr.ih_session == 0) {
		close(fd);
		return spd_err_set(err, "record: unexpected connection "
		    "(channel type %u, session %u)", ic.channel_type,
		    msg->hdr.ih_session);
	}
	r->r_session = msg->hdr.ih_session;
	r->r_conn = msg->hdr.ih_conn;
	if ((r->r_chan = chan_new(r->r_w->wk_base, fd, r->r_session,
	    r->r_conn, &ic, RECORD_MAX_MSG, &record_chan_ops, r,
	    err)) == NULL)
		return -1;
	log_info("session %u conn %u: record channel from %s",
	    r->r_session, r->r_conn, ic.peer);
	record_start(r);
	return 0;
}

/* This session has the microphone: ask the producer where it stands. */
static int
record_attach(struct role_record *r, struct ipc_msg *msg,
    struct spd_err *err)
{
	uint32_t sync = QXLSHM_AUDIO_SYNC;

	record_detach(r, NULL);
	r->r_fd = msg->fds[0];
	msg->fds[0] = -1;
	if (event_assign(r->r_rev, r->r_w->wk_base, r->r_fd,
	    EV_READ | EV_PERSIST, record_read_cb, r) != 0 ||
	    event_add(r->r_rev, NULL) != 0)
		return spd_err_set(err, "record: event_assign failed");
	if (record_send(r, &sync, sizeof(sync)) != 0)
		record_detach(r, strerror(errno));
	return 0;
}

static int
record_ipc(struct worker *w, struct ipc_msg *msg, struct spd_err *err)
{
	struct role_record *r = w->wk_role_data;

	switch (msg->hdr.ih_type) {
	case IPC_D2W_CLIENT:
		return record_client(r, msg, err);
	case IPC_D2W_AUDIO_ATTACH:
		return record_attach(r, msg, err);
	case IPC_D2W_AUDIO_DETACH:
		record_detach(r, NULL);
		return 0;
	case IPC_D2W_CONN_CLOSE:
	case IPC_D2W_SESSION_CLOSE:
		if (r->r_chan != NULL)
			chan_close(r->r_chan, "closed by the supervisor");
		else
			worker_exit(w, 0, "session closed by the supervisor");
		return 0;
	default:
		return spd_err_set(err, "message type %u is not for the "
		    "record role", msg->hdr.ih_type);
	}
}

static int
record_start_role(struct worker *w, struct spd_err *err)
{
	struct role_record *r = &role_record_state;

	memset(r, 0, sizeof(*r));
	r->r_w = w;
	r->r_fd = -1;
	if ((r->r_rev = event_new(w->wk_base, -1, 0, record_read_cb,
	    r)) == NULL)
		return spd_err_set(err, "record: event_new failed");
	w->wk_role_data = r;
	return 0;
}

const struct worker_role role_record = {
	.wr_name = "record",
	.wr_start = record_start_role,
	.wr_ipc = record_ipc,
};
