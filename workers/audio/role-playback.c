/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * role-playback: a session's playback channel, fed from the producer's
 * audio port (qxl-shm MSG_AUDIO) while the supervisor gives this session
 * the sound (the newest playback channel has it, as with the reference
 * server).  Raw S16LE, or Opus (playback-opus.h) for clients that decode
 * it when the producer plays at 48 kHz: MODE whenever the mode changes,
 * START whenever the format changes, DATA stamped with the multimedia
 * clock, STOP, VOLUME and MUTE for clients with the volume cap.  Sound is real time: what the client
 * cannot take now (its ACK window full) is dropped, not queued.  The
 * producer's datagrams are checked; a bad one ends this worker's audio.
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
#include "playback-opus.h"
#include "ipc.h"
#include "log.h"
#include "qxl-shm.h"
#include "sbuf.h"
#include "worker.h"

#define PLAYBACK_MAX_MSG	256	/* the client sends nothing of size */
#define PLAYBACK_BATCH		16	/* datagrams read per wakeup */
/* spice-html5 (WebSocket viewers) plays stamps less than a second apart
 * as one stream, but starts a new stretch where they jump by a second or
 * more, and chromium never plays across the hole that leaves in its
 * buffer: after such a pause without STOP (a guest that stopped feeding
 * its sound card, a producer that fell behind) such a viewer is told
 * STOP and START, which gives it a new audio element. */
#define PLAYBACK_WS_GAP_MS	1000

struct role_playback {
	struct worker	*p_w;
	struct chan	*p_chan;
	uint32_t	 p_session;
	uint32_t	 p_conn;
	int		 p_fd;		/* the audio port, or -1 */
	struct event	*p_rev;
	uint16_t	 p_mode;	/* SPICE_AUDIO_DATA_MODE_* sent, or 0 */
	uint32_t	 p_channels;	/* the format the client was told, */
	uint32_t	 p_rate;	/* 0: stopped */
	struct popus	*p_opus;	/* in Opus mode */
	uint64_t	 p_dropped;
	int		 p_ws;		/* a WebSocket viewer (spice-html5) */
	uint32_t	 p_last_ms;	/* the last DATA's stamp, 0: none
					   since START */
};

static struct role_playback role_playback_state;

static void
playback_stop(struct role_playback *p)
{
	if (p->p_chan != NULL && p->p_rate != 0)
		chan_send(p->p_chan, SPICE_MSG_PLAYBACK_STOP, NULL, 0);
	p->p_rate = p->p_channels = 0;
	p->p_last_ms = 0;
	popus_free(p->p_opus);
	p->p_opus = NULL;
}

static void
playback_detach(struct role_playback *p, const char *why)
{
	if (p->p_fd < 0)
		return;
	if (why != NULL)
		log_warn("session %u: audio: %s; the sound stops",
		    p->p_session, why);
	event_del(p->p_rev);
	close(p->p_fd);
	p->p_fd = -1;
	playback_stop(p);
}

/* START of the format the client was told. */
static void
playback_send_start(struct role_playback *p)
{
	struct obuf *ob;

	ob = chan_msg_begin(p->p_chan, SPICE_MSG_PLAYBACK_START);
	obuf_put_u32le(ob, p->p_channels);
	obuf_put_u16le(ob, SPICE_AUDIO_FMT_S16);
	obuf_put_u32le(ob, p->p_rate);
	obuf_put_u32le(ob, chan_mm_time());
	chan_msg_end(p->p_chan);
}

/* MODE (when it changes) and START for a format the client was not
 * told: Opus where the client decodes it and the rate is Opus's. */
static void
playback_start(struct role_playback *p, uint32_t channels, uint32_t rate)
{
	struct obuf *ob;
	uint16_t mode = SPICE_AUDIO_DATA_MODE_RAW;

	playback_stop(p);
	if (rate == POPUS_RATE &&
	    chan_has_cap(p->p_chan, SPICE_PLAYBACK_CAP_OPUS)) {
		if ((p->p_opus = popus_new(channels)) != NULL)
			mode = SPICE_AUDIO_DATA_MODE_OPUS;
		else
			log_warn("session %u: audio: no Opus encoder; raw PCM",
			    p->p_session);
	}
	if (p->p_mode != mode) {
		ob = chan_msg_begin(p->p_chan, SPICE_MSG_PLAYBACK_MODE);
		obuf_put_u32le(ob, chan_mm_time());
		obuf_put_u16le(ob, mode);
		chan_msg_end(p->p_chan);
		p->p_mode = mode;
	}
	p->p_channels = channels;
	p->p_rate = rate;
	playback_send_start(p);
}

/* DATA's stamp, after STOP and START to a WebSocket viewer whose last
 * DATA is PLAYBACK_WS_GAP_MS old or more. */
static uint32_t
playback_stamp(struct role_playback *p)
{
	uint32_t now = chan_mm_time();

	if (p->p_ws && p->p_last_ms != 0 &&
	    now - p->p_last_ms >= PLAYBACK_WS_GAP_MS) {
		log_debug("session %u: audio: %u ms without sound: STOP and "
		    "START for a WebSocket viewer", p->p_session,
		    now - p->p_last_ms);
		chan_send(p->p_chan, SPICE_MSG_PLAYBACK_STOP, NULL, 0);
		playback_send_start(p);
	}
	/* 0 means none: a clock at 0 is taken for 1 ms later. */
	p->p_last_ms = now != 0 ? now : 1;
	return now;
}

/* Whether the client can take a packet now; counts (and now and then
 * logs) the packets dropped because it cannot. */
static int
playback_can_send(struct role_playback *p)
{
	if (chan_can_send(p->p_chan))
		return 1;
	if (p->p_dropped++ % 100 == 0)
		log_debug("session %u: audio: %llu packets dropped for a slow "
		    "client", p->p_session,
		    (unsigned long long)p->p_dropped);
	return 0;
}

/* One Opus packet to the client, or dropped if it cannot take it now. */
static void
playback_packet(const uint8_t *packet, size_t len, void *arg)
{
	struct role_playback *p = arg;
	struct obuf *ob;
	uint32_t stamp;

	if (!playback_can_send(p))
		return;
	stamp = playback_stamp(p);
	ob = chan_msg_begin(p->p_chan, SPICE_MSG_PLAYBACK_DATA);
	obuf_put_u32le(ob, stamp);
	obuf_put_bytes(ob, packet, len);
	chan_msg_end(p->p_chan);
}

/* One datagram from the producer; -1 with why when it is bad. */
static int
playback_datagram(struct role_playback *p, const uint8_t *buf, size_t n,
    const char **why)
{
	struct audio_port_msg m;
	struct obuf *ob;
	uint32_t stamp;
	size_t frames;

	if (audio_port_parse(buf, n, &m, why) != 0)
		return -1;
	switch (m.am_type) {
	case QXLSHM_AUDIO_DATA:
		if (p->p_chan == NULL || m.am_pcm_len == 0)
			return 0;
		if (m.am_data.channels != p->p_channels ||
		    m.am_data.frequency != p->p_rate)
			playback_start(p, m.am_data.channels,
			    m.am_data.frequency);
		frames = m.am_pcm_len / (2 * m.am_data.channels);
		if (p->p_opus != NULL) {
			if (popus_feed(p->p_opus, m.am_pcm, frames,
			    playback_packet, p) != 0)
				return *why = "the Opus encoder failed", -1;
			return 0;
		}
		if (!playback_can_send(p))
			return 0;
		stamp = playback_stamp(p);
		ob = chan_msg_begin(p->p_chan, SPICE_MSG_PLAYBACK_DATA);
		obuf_put_u32le(ob, stamp);
		obuf_put_bytes(ob, m.am_pcm, m.am_pcm_len);
		chan_msg_end(p->p_chan);
		return 0;
	case QXLSHM_AUDIO_STOP:
		playback_stop(p);
		return 0;
	case QXLSHM_AUDIO_VOLUME:
		audio_port_send_volume(p->p_chan, SPICE_PLAYBACK_CAP_VOLUME,
		    &m.am_vol, SPICE_MSG_PLAYBACK_VOLUME,
		    SPICE_MSG_PLAYBACK_MUTE);
		return 0;
	default:
		return *why = "a datagram of an unknown type", -1;
	}
}

static void
playback_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct role_playback *p = arg;
	uint8_t buf[sizeof(struct qxlshm_audio_data) +
	    QXLSHM_AUDIO_MAX_DATA + 1];
	const char *why;
	ssize_t n;
	int i;

	(void)what;
	for (i = 0; i < PLAYBACK_BATCH && p->p_fd >= 0; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			playback_detach(p, NULL);
			return;
		}
		if ((size_t)n == sizeof(buf)) {
			playback_detach(p, "a datagram over the size cap");
			return;
		}
		if (playback_datagram(p, buf, (size_t)n, &why) != 0) {
			playback_detach(p, why);
			return;
		}
	}
}

static int
playback_msg(struct chan *c, uint16_t type, struct sbuf *body,
    const char **why)
{
	(void)c;
	(void)body;
	(void)type;
	*why = "protocol error: a message on the playback channel";
	return -1;
}

static void
playback_closed(struct chan *c, const char *reason)
{
	struct role_playback *p = chan_arg(c);

	p->p_chan = NULL;
	if (p->p_dropped != 0)
		log_info("session %u: audio: %llu packets were dropped for a "
		    "slow client", p->p_session,
		    (unsigned long long)p->p_dropped);
	worker_conn_closed(p->p_w, p->p_session, p->p_conn, reason);
	worker_exit(p->p_w, 0, "playback channel closed");
}

static const struct chan_ops playback_chan_ops = {
	.co_msg = playback_msg,
	.co_writable = NULL,	/* nothing waits: sound is dropped */
	.co_closed = playback_closed,
};

static int
playback_client(struct role_playback *p, struct ipc_msg *msg,
    struct spd_err *err)
{
	struct ipc_client ic;
	int fd = msg->fds[0];

	msg->fds[0] = -1;
	memcpy(&ic, msg->payload, sizeof(ic));
	if (p->p_chan != NULL || ic.channel_type != SPICE_CHANNEL_PLAYBACK ||
	    msg->hdr.ih_session == 0) {
		close(fd);
		return spd_err_set(err, "playback: unexpected connection "
		    "(channel type %u, session %u)", ic.channel_type,
		    msg->hdr.ih_session);
	}
	p->p_session = msg->hdr.ih_session;
	p->p_conn = msg->hdr.ih_conn;
	if ((p->p_chan = chan_new(p->p_w->wk_base, fd, p->p_session,
	    p->p_conn, &ic, PLAYBACK_MAX_MSG, &playback_chan_ops, p,
	    err)) == NULL)
		return -1;
	/* A second of 10 ms packets unacknowledged before sound drops. */
	chan_set_ack(p->p_chan, 100);
	p->p_ws = ic.framing == IPC_FRAMING_WEBSOCKET;
	log_info("session %u conn %u: playback channel from %s",
	    p->p_session, p->p_conn, ic.peer);
	return 0;
}

static int
playback_ipc(struct worker *w, struct ipc_msg *msg, struct spd_err *err)
{
	struct role_playback *p = w->wk_role_data;

	switch (msg->hdr.ih_type) {
	case IPC_D2W_CLIENT:
		return playback_client(p, msg, err);
	case IPC_D2W_AUDIO_ATTACH:
		playback_detach(p, NULL);
		p->p_fd = msg->fds[0];
		msg->fds[0] = -1;
		if (event_assign(p->p_rev, w->wk_base, p->p_fd,
		    EV_READ | EV_PERSIST, playback_read_cb, p) != 0 ||
		    event_add(p->p_rev, NULL) != 0)
			return spd_err_set(err, "playback: event_assign failed");
		return 0;
	case IPC_D2W_AUDIO_DETACH:
		playback_detach(p, NULL);
		return 0;
	case IPC_D2W_CONN_CLOSE:
	case IPC_D2W_SESSION_CLOSE:
		if (p->p_chan != NULL)
			chan_close(p->p_chan, "closed by the supervisor");
		else
			worker_exit(w, 0, "session closed by the supervisor");
		return 0;
	default:
		return spd_err_set(err, "message type %u is not for the "
		    "playback role", msg->hdr.ih_type);
	}
}

static int
playback_start_role(struct worker *w, struct spd_err *err)
{
	struct role_playback *p = &role_playback_state;

	memset(p, 0, sizeof(*p));
	p->p_w = w;
	p->p_fd = -1;
	if ((p->p_rev = event_new(w->wk_base, -1, 0, playback_read_cb,
	    p)) == NULL)
		return spd_err_set(err, "playback: event_new failed");
	w->wk_role_data = p;
	return 0;
}

const struct worker_role role_playback = {
	.wr_name = "playback",
	.wr_start = playback_start_role,
	.wr_ipc = playback_ipc,
};
