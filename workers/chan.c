/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * chan: one SPICE channel connection inside a worker, after the link:
 * its life, and what it reads (chan-out.c: what it sends).
 *
 * Wire facts (SPICE-NOTES 2.1-2.5, spice-protocol enums.h):
 * - a data message is a header plus `size` body bytes; the mini header is
 *   {u16 type, u32 size}, the full one {u64 serial, u16 type, u32 size,
 *   u32 sub_list}; all little-endian;
 * - server serials in the full header count from 1;
 * - ACK flow control: SET_ACK {u32 generation, u32 window}; the client
 *   answers ACK_SYNC {generation} and then an empty ACK every `window`
 *   messages; an ACK counts only for the current generation.
 * Deviations from the reference server:
 * - a header whose size exceeds the channel's cap closes the connection as
 *   soon as the header is complete: nothing is allocated for the body (the
 *   reference server allocates first, SPICE-NOTES 9);
 * - MIGRATE_FLUSH_MARK and MIGRATE_DATA are protocol errors (no migration);
 * - common messages are checked for a minimum length only, so a client that
 *   appends fields (as newer protocol versions may) is not cut off;
 * - a sub_list in a client's full header is ignored (clients send none).
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include <spice/protocol.h>
#include <spice/enums.h>

#include "chan-int.h"
#include "err.h"
#include "log.h"
#include "mono-time.h"
#include "sbuf.h"

char chan_display[IPC_NAME_LEN] = "?";

static void	chan_read_cb(evutil_socket_t, short, void *);
static void	chan_defer_cb(evutil_socket_t, short, void *);

void
chan_set_display(const char *name)
{
	snprintf(chan_display, sizeof(chan_display), "%s", name);
}

uint32_t
chan_mm_time(void)
{
	/* Truncation to u32 is the protocol's: it wraps after 49 days and
	 * clients compare it modulo 2^32. */
	return (uint32_t)(mono_ns() / 1000000u);
}

/* Every connection of this worker, for its stats. */
static TAILQ_HEAD(, chan) chan_all = TAILQ_HEAD_INITIALIZER(chan_all);

static void
chan_free(struct chan *c)
{
	if (c->c_listed)
		TAILQ_REMOVE(&chan_all, c, c_all);
	if (c->c_rev != NULL)
		event_free(c->c_rev);
	if (c->c_wev != NULL)
		event_free(c->c_wev);
	if (c->c_defer != NULL)
		event_free(c->c_defer);
	if (c->c_in != NULL)
		evbuffer_free(c->c_in);
	if (c->c_out != NULL)
		evbuffer_free(c->c_out);
	if (c->c_recs != NULL)
		evbuffer_free(c->c_recs);
	if (c->c_fd >= 0)
		close(c->c_fd);
	obuf_free(&c->c_body);
	free(c);
}

/*
 * The role may close the chan from inside any callback we make into it.
 * Every such call is bracketed by hold/release: a close inside only marks
 * the chan, and the outermost release frees it.  release returns 1 when the
 * chan is closed and the caller must stop touching it.
 */
void
chan_hold(struct chan *c)
{
	c->c_busy++;
}

int
chan_release(struct chan *c)
{
	int closed = c->c_closed;

	if (--c->c_busy == 0 && closed)
		chan_free(c);
	return closed;
}

void
chan_close(struct chan *c, const char *reason)
{
	if (c->c_closed)
		return;
	c->c_closed = 1;
	if (reason != c->c_reason)
		snprintf(c->c_reason, sizeof(c->c_reason), "%s", reason);
	chan_flush_once(c);
	log_info("display %s session %u conn %u (%s, channel %u:%u): "
	    "closed: %s", chan_display, c->c_session, c->c_conn,
	    c->c_info.peer, c->c_info.channel_type, c->c_info.channel_id,
	    c->c_reason);
	event_del(c->c_rev);
	event_del(c->c_wev);
	event_del(c->c_defer);
	close(c->c_fd);
	c->c_fd = -1;
	chan_hold(c);
	c->c_ops->co_closed(c, c->c_reason);
	chan_release(c);
}

/* Close with a formatted reason. */
void
chan_closef(struct chan *c, const char *fmt, ...)
{
	va_list ap;

	if (c->c_closed)
		return;
	va_start(ap, fmt);
	vsnprintf(c->c_reason, sizeof(c->c_reason), fmt, ap);
	va_end(ap);
	chan_close(c, c->c_reason);
}

/* A failure noticed while the role is calling us (it still holds the
 * pointer): close from the event loop instead of under its feet. */
void
chan_fail(struct chan *c, const char *reason)
{
	if (c->c_closed || c->c_failed)
		return;
	c->c_failed = 1;
	snprintf(c->c_reason, sizeof(c->c_reason), "%s", reason);
	event_active(c->c_defer, EV_TIMEOUT, 1);
}

static void
chan_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chan *c = arg;

	chan_close(c, c->c_reason);
}

struct chan *
chan_new(struct event_base *base, int fd, uint32_t session, uint32_t conn,
    const struct ipc_client *info, size_t max_msg,
    const struct chan_ops *ops, void *arg, struct spd_err *err)
{
	struct chan *c;
	int fl, one = 1;

	if (info->n_common_caps > IPC_MAX_CAP_WORDS ||
	    info->n_channel_caps > IPC_MAX_CAP_WORDS) {
		close(fd);
		return spd_err_set(err, "chan: %u/%u cap words, at most %d",
		    info->n_common_caps, info->n_channel_caps,
		    IPC_MAX_CAP_WORDS), NULL;
	}
	/* kTLS and relayed streams read and write like plain TCP. */
	if (info->transport != IPC_TRANSPORT_PLAIN &&
	    info->transport != IPC_TRANSPORT_KTLS &&
	    info->transport != IPC_TRANSPORT_RELAYED) {
		close(fd);
		return spd_err_set(err, "chan: transport %u not supported",
		    info->transport), NULL;
	}
	if (info->framing != IPC_FRAMING_NONE &&
	    info->framing != IPC_FRAMING_WEBSOCKET) {
		close(fd);
		return spd_err_set(err, "chan: framing %u not supported",
		    info->framing), NULL;
	}
	if (!ipc_str_ok(info->peer, sizeof(info->peer))) {
		close(fd);
		return spd_err_set(err, "chan: peer name not terminated"),
		    NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return spd_err_errno(err, "chan: calloc"), NULL;
	}
	c->c_base = base;
	c->c_fd = fd;
	c->c_session = session;
	c->c_conn = conn;
	c->c_info = *info;
	c->c_max_msg = max_msg < CHAN_MAX_MSG_LIMIT ? max_msg :
	    CHAN_MAX_MSG_LIMIT;
	c->c_hdr_len = info->mini_header ? CHAN_MINI_HDR_LEN :
	    CHAN_FULL_HDR_LEN;
	c->c_ops = ops;
	c->c_arg = arg;
	obuf_init(&c->c_body);
	if (info->framing == IPC_FRAMING_WEBSOCKET) {
		/* Continue the frame the supervisor stopped in. */
		c->c_ws_on = 1;
		if (ws_dec_import(&c->c_ws, &info->ws, WS_FRAME_MAX,
		    err) != 0)
			goto fail;
	}

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		spd_err_errno(err, "chan: fcntl O_NONBLOCK");
		goto fail;
	}
	/* Small control messages must not wait for Nagle; a UNIX socket (a
	 * relay or a test) refuses this, which is fine. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	c->c_rev = event_new(base, fd, EV_READ | EV_PERSIST, chan_read_cb, c);
	c->c_wev = event_new(base, fd, EV_WRITE | EV_PERSIST, chan_write_cb,
	    c);
	c->c_defer = event_new(base, -1, 0, chan_defer_cb, c);
	c->c_in = evbuffer_new();
	c->c_out = evbuffer_new();
	if (info->transport == IPC_TRANSPORT_KTLS ||
	    info->transport == IPC_TRANSPORT_RELAYED) {
		c->c_rec_bound = 1;
		c->c_recs = evbuffer_new();
		/* A relay datagram must fit its buffer; the kernel's kTLS
		 * records have no such bound. */
		c->c_rec_max = info->transport == IPC_TRANSPORT_RELAYED ?
		    IPC_RELAY_DGRAM_MAX : SIZE_MAX;
	}
	if (c->c_rev == NULL || c->c_wev == NULL || c->c_defer == NULL ||
	    c->c_in == NULL || c->c_out == NULL ||
	    (c->c_rec_bound && c->c_recs == NULL)) {
		spd_err_set(err, "chan: out of memory for events");
		goto fail;
	}
	if (event_add(c->c_rev, NULL) != 0) {
		spd_err_set(err, "chan: event_add failed");
		goto fail;
	}
	log_debug("display %s session %u conn %u (%s): channel %u:%u, %s "
	    "header, body cap %zu%s", chan_display, session, conn, info->peer,
	    info->channel_type, info->channel_id,
	    info->mini_header ? "mini" : "full", c->c_max_msg,
	    c->c_ws_on ? ", WebSocket" : "");
	TAILQ_INSERT_TAIL(&chan_all, c, c_all);
	c->c_listed = 1;
	return c;
fail:
	chan_free(c);
	return NULL;
}

size_t
chan_stats(struct ipc_conn_stats *out, size_t first, size_t max)
{
	struct chan *c;
	size_t i = 0, n = 0;

	TAILQ_FOREACH(c, &chan_all, c_all) {
		if (n == max)
			break;
		if (i++ < first)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].session = c->c_session;
		out[n].conn = c->c_conn;
		out[n].bytes_out = c->c_bytes_out;
		out[n].bytes_in = c->c_bytes_in;
		out[n].msgs_out = c->c_msgs_out;
		out[n].outq = (uint32_t)(chan_outq(c) > UINT32_MAX ?
		    UINT32_MAX : chan_outq(c));
		out[n].rtt_us = c->c_rtt_us;
		n++;
	}
	return n;
}

void *
chan_arg(const struct chan *c)
{
	return c->c_arg;
}

/* words is a packed (unaligned) array: copied, not pointed into. */
static int
chan_caps_has(const void *words, uint32_t nwords, unsigned n)
{
	uint32_t w[IPC_MAX_CAP_WORDS];

	if (n / 32 >= nwords || n / 32 >= IPC_MAX_CAP_WORDS)
		return 0;
	memcpy(w, words, sizeof(w));
	return (w[n / 32] >> (n % 32)) & 1;
}

int
chan_has_cap(const struct chan *c, unsigned n)
{
	return chan_caps_has((const uint8_t *)&c->c_info +
	    offsetof(struct ipc_client, channel_caps),
	    c->c_info.n_channel_caps, n);
}

int
chan_has_common_cap(const struct chan *c, unsigned n)
{
	return chan_caps_has((const uint8_t *)&c->c_info +
	    offsetof(struct ipc_client, common_caps),
	    c->c_info.n_common_caps, n);
}


/*
 * Messages every channel shares (type < 101).  Returns -1 with *why set
 * for a protocol error.
 */
static int
chan_common(struct chan *c, uint16_t type, struct sbuf *body,
    const char **why)
{
	uint32_t u32, reason;
	uint64_t u64;
	size_t prev;

	switch (type) {
	case SPICE_MSGC_ACK_SYNC:
		if (sbuf_get_u32le(body, &u32) != 0) {
			*why = "protocol error: short ACK_SYNC";
			return -1;
		}
		c->c_ack_client_gen = u32;
		return 0;
	case SPICE_MSGC_ACK:
		/* An ACK for an older generation is a late one from before
		 * the last SET_ACK: ignore it, as the reference does. */
		if (!c->c_ack_on || c->c_ack_client_gen != c->c_ack_gen)
			return 0;
		prev = chan_outq(c);
		c->c_unacked = c->c_unacked > c->c_ack_window ?
		    c->c_unacked - c->c_ack_window : 0;
		chan_check_writable(c, prev);
		return 0;
	case SPICE_MSGC_PONG:
		if (sbuf_get_u32le(body, &u32) != 0 ||
		    sbuf_get_u64le(body, &u64) != 0) {
			*why = "protocol error: short PONG";
			return -1;
		}
		if (u32 == c->c_ping_id && u64 == c->c_ping_ns) {
			u64 = (mono_ns() - c->c_ping_ns) / 1000u;
			c->c_rtt_us = u64 > UINT32_MAX ? UINT32_MAX :
			    (uint32_t)u64;
			log_debug("display %s conn %u: round trip %llu us",
			    chan_display, c->c_conn, (unsigned long long)u64);
		}
		return 0;
	case SPICE_MSGC_DISCONNECTING:
		/* The client is leaving; its EOF follows and closes us. */
		if (sbuf_get_u64le(body, &u64) == 0 &&
		    sbuf_get_u32le(body, &reason) == 0)
			log_debug("display %s conn %u: client disconnecting, "
			    "reason %u", chan_display, c->c_conn, reason);
		return 0;
	case SPICE_MSGC_MIGRATE_FLUSH_MARK:
		*why = "protocol error: MIGRATE_FLUSH_MARK outside a migration";
		return -1;
	case SPICE_MSGC_MIGRATE_DATA:
		*why = "protocol error: MIGRATE_DATA outside a migration";
		return -1;
	default:
		/* Unknown common types are dropped, as spice-gtk does for
		 * the server's: harmless and forward compatible. */
		log_debug("display %s conn %u: dropped unknown common "
		    "message %u", chan_display, c->c_conn, type);
		return 0;
	}
}

/*
 * Parse and dispatch every complete message in the input buffer.  The body
 * cap is checked as soon as the header is complete, before a single body
 * byte is buffered on its behalf.
 */
static void
chan_parse(struct chan *c)
{
	uint8_t hdrb[CHAN_FULL_HDR_LEN];
	struct sbuf hs, body;
	const uint8_t *p;
	const char *why;
	uint64_t serial;
	uint32_t size, sub_list;
	uint16_t type;
	size_t total;
	int rc;

	while (!c->c_closed && evbuffer_get_length(c->c_in) >= c->c_hdr_len) {
		if (evbuffer_copyout(c->c_in, hdrb, c->c_hdr_len) !=
		    (ev_ssize_t)c->c_hdr_len) {
			chan_close(c, "input buffer error");
			return;
		}
		sbuf_init(&hs, hdrb, c->c_hdr_len);
		serial = 0;
		sub_list = 0;
		if (!c->c_info.mini_header)
			(void)sbuf_get_u64le(&hs, &serial);
		(void)sbuf_get_u16le(&hs, &type);
		(void)sbuf_get_u32le(&hs, &size);
		if (!c->c_info.mini_header)
			(void)sbuf_get_u32le(&hs, &sub_list);
		if (size > c->c_max_msg) {
			chan_closef(c, "protocol error: message type %u "
			    "claims %u body bytes, over the cap of %zu", type,
			    size, c->c_max_msg);
			return;
		}
		total = c->c_hdr_len + size;
		if (evbuffer_get_length(c->c_in) < total)
			return;
		if (sub_list != 0)
			log_debug("display %s conn %u: ignored sub_list %u "
			    "of message %u", chan_display, c->c_conn,
			    sub_list, type);
		if ((p = evbuffer_pullup(c->c_in, (ev_ssize_t)total)) ==
		    NULL) {
			chan_close(c, "out of memory reading a message");
			return;
		}
		sbuf_init(&body, p + c->c_hdr_len, size);
		why = NULL;
		chan_hold(c);
		if (type < CHAN_FIRST_CHANNEL_MSG)
			rc = chan_common(c, type, &body, &why);
		else
			rc = c->c_ops->co_msg(c, type, &body, &why);
		if (chan_release(c))
			return;
		if (rc != 0) {
			chan_closef(c, "%s", why != NULL ? why :
			    "protocol error");
			return;
		}
		evbuffer_drain(c->c_in, total);
	}
}

/* Queue a whole control frame behind the frames already queued (c_out
 * always ends at a frame boundary).  Best effort: if memory runs out, a
 * pong is lost or a close goes without its frame. */
static void
chan_ws_ctrl(struct chan *c, const struct obuf *ob)
{
	if (ob->ob_failed ||
	    evbuffer_add(c->c_out, ob->ob_data, ob->ob_len) != 0)
		return;
	if (chan_rec_mark(c, ob->ob_len) != 0)
		return;
	if (!event_pending(c->c_wev, EV_WRITE, NULL))
		event_add(c->c_wev, NULL);
}

/*
 * Decode the n raw bytes at buf in place, answering pings; *plen gets the
 * payload bytes now at the start of buf.  Returns WS_EV_NONE, or
 * WS_EV_CLOSE / WS_EV_ERROR (err set) after which the rest of buf is
 * ignored: the payload before it still counts.
 */
static int
chan_ws_decode(struct chan *c, uint8_t *buf, size_t n, size_t *plen,
    struct spd_err *err)
{
	struct obuf ob;
	size_t off = 0, out = 0, used, prod;
	int ev = WS_EV_NONE;

	while (off < n) {
		ev = ws_dec_feed(&c->c_ws, buf + off, n - off, &used,
		    buf + out, n - out, &prod, err);
		off += used;
		out += prod;
		if (ev == WS_EV_PING) {
			obuf_init(&ob);
			ws_dec_pong(&c->c_ws, &ob);
			chan_ws_ctrl(c, &ob);
			obuf_free(&ob);
			ev = WS_EV_NONE;
			continue;
		}
		if (ev != WS_EV_NONE || used == 0)
			break;
	}
	*plen = out;
	return ev;
}

/* The client's close frame, or a frame we refuse: answer with a close
 * frame (its code echoed, or ours) and end the connection. */
static void
chan_ws_end(struct chan *c, int ev, const struct spd_err *err)
{
	struct obuf ob;
	uint16_t code = ws_dec_code(&c->c_ws);

	obuf_init(&ob);
	ws_frame_close(&ob, code);
	chan_ws_ctrl(c, &ob);
	obuf_free(&ob);
	if (ev == WS_EV_CLOSE)
		chan_closef(c, "client closed the WebSocket (code %u)", code);
	else
		chan_closef(c, "protocol error: %s (sent close %u)", err->msg,
		    code);
}

void
chan_pause_read(struct chan *c, int pause)
{
	if (c->c_closed)
		return;
	if (pause)
		event_del(c->c_rev);
	else
		event_add(c->c_rev, NULL);
}

static void
chan_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chan *c = arg;
	struct evbuffer_iovec vec;
	struct spd_err err;
	size_t plen;
	ssize_t n;
	int ev = WS_EV_NONE;

	/* One bounded read per wakeup: parsing consumes every complete
	 * message, so the buffer never holds more than one capped message
	 * plus one chunk. */
	if (evbuffer_reserve_space(c->c_in, CHAN_READ_CHUNK, &vec, 1) < 1) {
		chan_close(c, "out of memory reading");
		return;
	}
	if (vec.iov_len > CHAN_READ_CHUNK)
		vec.iov_len = CHAN_READ_CHUNK;
	n = read(c->c_fd, vec.iov_base, vec.iov_len);
	if (n < 0) {
		evbuffer_commit_space(c->c_in, NULL, 0);
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		chan_closef(c, "read error: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		evbuffer_commit_space(c->c_in, NULL, 0);
		if (c->c_ws_on && !ws_dec_idle(&c->c_ws))
			chan_close(c, "client closed the connection inside "
			    "a WebSocket frame");
		else if (evbuffer_get_length(c->c_in) != 0)
			chan_closef(c, "client closed the connection inside "
			    "a message (%zu bytes pending)",
			    evbuffer_get_length(c->c_in));
		else
			chan_close(c, "client closed the connection");
		return;
	}
	c->c_bytes_in += (uint64_t)n;
	plen = (size_t)n;
	if (c->c_ws_on)
		ev = chan_ws_decode(c, vec.iov_base, (size_t)n, &plen, &err);
	vec.iov_len = plen;
	if (plen > 0)
		evbuffer_commit_space(c->c_in, &vec, 1);
	else
		evbuffer_commit_space(c->c_in, NULL, 0);
	chan_hold(c);
	chan_parse(c);
	if (ev != WS_EV_NONE && !c->c_closed)
		chan_ws_end(c, ev, &err);
	chan_release(c);
}

