/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main-agent: the session's agent relay; contracts in main-agent.h.
 *
 * The agent port is a SOCK_SEQPACKET socket: one VDI chunk (struct
 * qxlshm_agent_chunk, then at most QXLSHM_AGENT_MAX_CHUNK bytes) per
 * datagram.  A client AGENT_DATA (at most VD_AGENT_MAX_DATA_SIZE bytes)
 * becomes one chunk on the client port; a chunk from the agent becomes
 * one or two AGENT_DATA.  A port that is full keeps the client's chunks
 * here (bounded by its tokens) until it takes them; their tokens go back
 * only then.  A session that gains the port mid-way through a message
 * from the agent skips chunks until one starts with a valid header.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <spice/enums.h>
#include <spice/protocol.h>
#include <spice/vd_agent.h>

#include "log.h"
#include "main-agent.h"
#include "qxl-shm.h"
#include "vdagent-stream.h"

#define MAGENT_CHUNK_MAX	(sizeof(struct qxlshm_agent_chunk) + \
				 QXLSHM_AGENT_MAX_CHUNK)
_Static_assert(QXLSHM_AGENT_MAX_CHUNK <= 2 * VD_AGENT_MAX_DATA_SIZE,
    "a chunk from the agent must fit two AGENT_DATA (magent_client_room)");

struct magent_pending {
	uint32_t	 mp_len;	/* chunk header included */
	uint8_t		 mp_buf[sizeof(struct qxlshm_agent_chunk) +
			    VD_AGENT_MAX_DATA_SIZE];
};

struct magent {
	struct worker		*ma_w;
	struct chan		*ma_chan;
	uint32_t		 ma_session;
	int			 ma_fd;		/* agent port, or -1 */
	struct event		*ma_rev;
	struct event		*ma_wev;
	int			 ma_told;	/* client told it is connected */
	int			 ma_started;	/* AGENT_START seen since */
	int			 ma_resync;	/* skip to a message start */
	uint32_t		 ma_to_client;	/* tokens the client gave us */
	uint32_t		 ma_from_client; /* tokens it still holds */
	struct vds		 ma_in;		/* client -> agent */
	struct vds		 ma_out;	/* agent -> client */
	struct magent_pending	 ma_q[MAGENT_TOKENS];
	unsigned		 ma_qhead;
	unsigned		 ma_qlen;
};

static void	magent_read_cb(evutil_socket_t, short, void *);
static void	magent_write_cb(evutil_socket_t, short, void *);

struct magent *
magent_new(struct worker *w, struct spd_err *err)
{
	struct magent *ma;

	if ((ma = calloc(1, sizeof(*ma))) == NULL) {
		spd_err_set(err, "agent: out of memory");
		return NULL;
	}
	ma->ma_w = w;
	ma->ma_fd = -1;
	ma->ma_from_client = MAGENT_TOKENS;
	vds_init(&ma->ma_in, MAGENT_MAX_MSG, NULL, NULL);
	vds_init(&ma->ma_out, MAGENT_MAX_MSG, NULL, NULL);
	return ma;
}

int
magent_connected(const struct magent *ma)
{
	return ma->ma_fd >= 0;
}

/* The client can take one more chunk from the port: up to two AGENT_DATA
 * (a chunk holds up to twice VD_AGENT_MAX_DATA_SIZE), within its tokens
 * and its channel's queue. */
static int
magent_client_room(const struct magent *ma)
{
	return ma->ma_fd >= 0 && ma->ma_chan != NULL && ma->ma_started &&
	    ma->ma_to_client >= 2 && chan_can_send(ma->ma_chan);
}

/* Read from the port only while the client can take what comes. */
static void
magent_want_read(struct magent *ma)
{
	int want = magent_client_room(ma);

	if (ma->ma_rev == NULL)
		return;
	if (want)
		event_add(ma->ma_rev, NULL);
	else
		event_del(ma->ma_rev);
}

/* Drop the port: the client hears the agent went (error 0: not an
 * error, it moved or left).  The agent hears its client went from the
 * supervisor, which orders that before the next owner's bytes. */
static void
magent_drop(struct magent *ma)
{
	struct obuf *ob;

	if (ma->ma_fd < 0)
		return;
	event_free(ma->ma_rev);
	event_free(ma->ma_wev);
	ma->ma_rev = ma->ma_wev = NULL;
	close(ma->ma_fd);
	ma->ma_fd = -1;
	ma->ma_qlen = ma->ma_qhead = 0;
	ma->ma_started = 0;
	vds_reset(&ma->ma_in);
	vds_reset(&ma->ma_out);
	if (ma->ma_chan != NULL && ma->ma_told) {
		ob = chan_msg_begin(ma->ma_chan,
		    SPICE_MSG_MAIN_AGENT_DISCONNECTED);
		obuf_put_u32le(ob, 0);
		chan_msg_end(ma->ma_chan);
	}
	ma->ma_told = 0;
}

/* Say the agent is here (after MAIN_INIT), with fresh tokens. */
static void
magent_tell_connected(struct magent *ma)
{
	struct obuf *ob;

	if (ma->ma_chan == NULL || ma->ma_fd < 0 || ma->ma_told)
		return;
	ma->ma_told = 1;
	ma->ma_from_client = MAGENT_TOKENS;
	if (chan_has_cap(ma->ma_chan, SPICE_MAIN_CAP_AGENT_CONNECTED_TOKENS)) {
		ob = chan_msg_begin(ma->ma_chan,
		    SPICE_MSG_MAIN_AGENT_CONNECTED_TOKENS);
		obuf_put_u32le(ob, MAGENT_TOKENS);
		chan_msg_end(ma->ma_chan);
	} else
		chan_send(ma->ma_chan, SPICE_MSG_MAIN_AGENT_CONNECTED, NULL,
		    0);
}

void
magent_set_chan(struct magent *ma, struct chan *c, uint32_t session)
{
	ma->ma_chan = c;
	ma->ma_session = session;
	if (c == NULL) {
		magent_drop(ma);
		return;
	}
	/* MAIN_INIT said whether the agent is here. */
	ma->ma_told = ma->ma_fd >= 0;
}

void
magent_attach(struct magent *ma, int fd)
{
	if (ma->ma_fd >= 0)
		magent_drop(ma);
	ma->ma_fd = fd;
	ma->ma_resync = 1;
	if ((ma->ma_rev = event_new(ma->ma_w->wk_base, fd,
	    EV_READ | EV_PERSIST, magent_read_cb, ma)) == NULL ||
	    (ma->ma_wev = event_new(ma->ma_w->wk_base, fd, EV_WRITE,
	    magent_write_cb, ma)) == NULL) {
		log_warn("session %u: agent: event_new failed",
		    ma->ma_session);
		magent_drop(ma);
		return;
	}
	log_info("session %u: the agent is ours", ma->ma_session);
	magent_tell_connected(ma);
}

void
magent_detach(struct magent *ma)
{
	if (ma->ma_fd >= 0)
		log_info("session %u: the agent goes to another session",
		    ma->ma_session);
	magent_drop(ma);
}

/* Give the client back n tokens. */
static void
magent_return_tokens(struct magent *ma, uint32_t n)
{
	struct obuf *ob;

	ma->ma_from_client += n;
	if (ma->ma_chan == NULL)
		return;
	ob = chan_msg_begin(ma->ma_chan, SPICE_MSG_MAIN_AGENT_TOKEN);
	obuf_put_u32le(ob, n);
	chan_msg_end(ma->ma_chan);
}

/* Put waiting chunks on the port; their tokens go back. */
static void
magent_flush(struct magent *ma)
{
	struct magent_pending *mp;
	uint32_t sent = 0;
	ssize_t n;

	while (ma->ma_qlen > 0 && ma->ma_fd >= 0) {
		mp = &ma->ma_q[ma->ma_qhead];
		n = send(ma->ma_fd, mp->mp_buf, mp->mp_len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			event_add(ma->ma_wev, NULL);
			break;
		}
		if (n < 0) {
			log_info("session %u: agent port: %s", ma->ma_session,
			    strerror(errno));
			magent_drop(ma);
			break;
		}
		ma->ma_qhead = (ma->ma_qhead + 1) % MAGENT_TOKENS;
		ma->ma_qlen--;
		sent++;
	}
	if (sent > 0)
		magent_return_tokens(ma, sent);
}

static void
magent_write_cb(evutil_socket_t fd, short what, void *arg)
{
	magent_flush(arg);
}

static int
magent_client_data(struct magent *ma, struct sbuf *body, const char **why)
{
	static char reason[sizeof(((struct spd_err *)0)->msg) + 32];
	struct qxlshm_agent_chunk ch;
	struct magent_pending *mp;
	struct spd_err err;
	size_t len = sbuf_left(body);

	if (ma->ma_from_client == 0) {
		*why = "protocol error: AGENT_DATA beyond the granted tokens";
		return -1;
	}
	ma->ma_from_client--;
	if (len == 0 || len > VD_AGENT_MAX_DATA_SIZE) {
		*why = "protocol error: AGENT_DATA of a bad size";
		return -1;
	}
	if (ma->ma_fd < 0) {
		/* No agent (or data in flight when it left or moved):
		 * dropped unparsed (it may be the rest of a message begun
		 * before), its token not returned: the client gets fresh
		 * ones with the next AGENT_CONNECTED, and one that sends on
		 * regardless runs out of them. */
		return 0;
	}
	if (vds_feed(&ma->ma_in, sbuf_ptr(body), len, &err) != 0) {
		snprintf(reason, sizeof(reason), "protocol error: %s",
		    err.msg);
		*why = reason;
		return -1;
	}
	/* The tokens bound the queue: at most MAGENT_TOKENS wait. */
	mp = &ma->ma_q[(ma->ma_qhead + ma->ma_qlen) % MAGENT_TOKENS];
	ch.port = QXLSHM_AGENT_PORT_CLIENT;
	ch.size = (uint32_t)len;
	memcpy(mp->mp_buf, &ch, sizeof(ch));
	memcpy(mp->mp_buf + sizeof(ch), sbuf_ptr(body), len);
	mp->mp_len = (uint32_t)(sizeof(ch) + len);
	ma->ma_qlen++;
	if (ma->ma_qlen == 1)
		magent_flush(ma);
	return 0;
}

int
magent_client_msg(struct magent *ma, uint16_t type, struct sbuf *body,
    const char **why)
{
	uint32_t n;

	switch (type) {
	case SPICE_MSGC_MAIN_AGENT_START:
	case SPICE_MSGC_MAIN_AGENT_TOKEN:
		if (sbuf_get_u32le(body, &n) != 0) {
			*why = "protocol error: short agent token message";
			return -1;
		}
		if (type == SPICE_MSGC_MAIN_AGENT_START) {
			ma->ma_started = 1;
			ma->ma_to_client = n;
			log_debug("session %u: AGENT_START with %u tokens",
			    ma->ma_session, n);
		} else
			ma->ma_to_client = n > UINT32_MAX - ma->ma_to_client ?
			    UINT32_MAX : ma->ma_to_client + n;
		magent_want_read(ma);
		return 0;
	case SPICE_MSGC_MAIN_AGENT_DATA:
		return magent_client_data(ma, body, why);
	default:
		*why = "internal: not an agent message";
		return -1;
	}
}

/* One chunk from the agent, to the client as AGENT_DATA. */
static void
magent_agent_chunk(struct magent *ma, const uint8_t *buf, size_t n)
{
	struct sbuf sb, peek;
	struct spd_err err;
	const uint8_t *data;
	uint32_t port, size, proto;
	size_t len, off, piece;

	sbuf_init(&sb, buf, n);
	if (sbuf_get_u32le(&sb, &port) != 0 ||
	    sbuf_get_u32le(&sb, &size) != 0) {
		log_warn("session %u: agent sent a %zu-byte chunk; agent "
		    "disconnected", ma->ma_session, n);
		magent_drop(ma);
		return;
	}
	len = sbuf_left(&sb);
	data = sbuf_ptr(&sb);
	if (port != QXLSHM_AGENT_PORT_CLIENT || size != len || len == 0 ||
	    len > QXLSHM_AGENT_MAX_CHUNK) {
		log_warn("session %u: agent chunk for port %u of %u bytes in "
		    "a %zu-byte datagram; agent disconnected", ma->ma_session,
		    port, size, n);
		magent_drop(ma);
		return;
	}
	/* Gained mid-message: wait for one that starts here. */
	if (ma->ma_resync) {
		peek = sb;
		if (len < VDS_HDR_LEN || sbuf_get_u32le(&peek, &proto) != 0 ||
		    proto != VD_AGENT_PROTOCOL)
			return;
		ma->ma_resync = 0;
	}
	if (vds_feed(&ma->ma_out, data, len, &err) != 0) {
		log_warn("session %u: agent stream: %s; agent disconnected",
		    ma->ma_session, err.msg);
		magent_drop(ma);
		return;
	}
	for (off = 0; off < len; off += piece) {
		piece = len - off < VD_AGENT_MAX_DATA_SIZE ? len - off :
		    VD_AGENT_MAX_DATA_SIZE;
		chan_send(ma->ma_chan, SPICE_MSG_MAIN_AGENT_DATA, data + off,
		    piece);
		ma->ma_to_client--;
		if (ma->ma_chan == NULL)
			return;
	}
}

static void
magent_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct magent *ma = arg;
	uint8_t buf[MAGENT_CHUNK_MAX + 1];
	ssize_t n;
	int i;

	/* A bounded batch, each within the client's tokens. */
	for (i = 0; i < 16 && magent_client_room(ma); i++) {
		n = recv(ma->ma_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			log_info("session %u: agent port closed",
			    ma->ma_session);
			magent_drop(ma);
			return;
		}
		if ((size_t)n > MAGENT_CHUNK_MAX) {
			log_warn("session %u: agent sent a datagram over %zu "
			    "bytes; agent disconnected", ma->ma_session,
			    MAGENT_CHUNK_MAX);
			magent_drop(ma);
			return;
		}
		magent_agent_chunk(ma, buf, (size_t)n);
	}
	magent_want_read(ma);
}

void
magent_writable(struct magent *ma)
{
	magent_want_read(ma);
}
