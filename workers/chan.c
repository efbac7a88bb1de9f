/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * chan: one SPICE channel connection inside a worker, after the link.
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

#include "chan.h"
#include "err.h"
#include "ipc.h"
#include "log.h"
#include "mono-time.h"
#include "sbuf.h"
#include "tcp-rate.h"
#include "ws.h"

#define CHAN_MINI_HDR_LEN	6
#define CHAN_FULL_HDR_LEN	18
#define CHAN_READ_CHUNK		(64u * 1024)
/* Bodies at least this large are handed to the output queue without a
 * copy; smaller ones are copied so the builder keeps its allocation. */
#define CHAN_BODY_HANDOVER	(16u * 1024)
/* Written bodies kept for the next large message: a display sends a
 * stream of megabyte images, and glibc hands every freed one back to the
 * kernel, so each new one would fault in (and zero) fresh pages. */
#define CHAN_SPARES		4
#define CHAN_SPARE_MAX		(4u * 1024 * 1024)
/* iovecs per sendmsg(); more only costs another loop round. */
#define CHAN_WRITE_IOV		64
/* sendmsg() calls per write wakeup: a record-bounded channel makes one
 * per message, and small messages must not cost a loop round each. */
#define CHAN_WRITE_ROUNDS	64
/* First channel-specific message type; below are the common ones. */
#define CHAN_FIRST_CHANNEL_MSG	101
/* One read takes a whole relay datagram: a shorter one would truncate
 * it (SOCK_SEQPACKET). */
_Static_assert(CHAN_READ_CHUNK >= IPC_RELAY_DGRAM_MAX,
    "relay datagrams must fit one read");
/* The wire size field is u32. */
#define CHAN_MAX_MSG_LIMIT	UINT32_MAX

struct chan {
	struct event_base	*c_base;
	int			 c_fd;
	TAILQ_ENTRY(chan)	 c_all;		/* chan_all, once set up */
	int			 c_listed;
	/* For spicectl stats (chan_stats()). */
	uint64_t		 c_bytes_out;
	uint64_t		 c_bytes_in;
	uint32_t		 c_rtt_us;	/* last PING's, 0: none yet */
	uint64_t		 c_msgs_out;	/* messages queued so far */
	uint32_t		 c_session;
	uint32_t		 c_conn;
	struct ipc_client	 c_info;
	size_t			 c_max_msg;
	size_t			 c_hdr_len;
	const struct chan_ops	*c_ops;
	void			*c_arg;

	struct event		*c_rev;
	struct event		*c_wev;
	struct event		*c_defer;	/* deferred close */
	struct evbuffer		*c_in;
	struct evbuffer		*c_out;

	struct obuf		 c_body;	/* message being built */
	uint16_t		 c_body_type;
	int			 c_building;
	uint64_t		 c_serial;	/* last serial sent */

	int			 c_ack_on;
	uint32_t		 c_ack_gen;
	uint32_t		 c_ack_window;
	uint32_t		 c_ack_client_gen;
	uint32_t		 c_unacked;

	uint32_t		 c_ping_id;
	uint64_t		 c_ping_ns;

	uint64_t		 c_rate;	/* chan_link_rate(): TCP's, */
	uint64_t		 c_rate_ns;	/* when last read */
	uint64_t		 c_drain_rate;	/* ... and as the queue drained */
	uint64_t		 c_acked;	/* TCP's bytes acked at c_rate_ns */
	int			 c_waiting;	/* TCP held bytes back then */
	uint64_t		 c_backlog_ns;	/* queue full since, or 0 */
	uint64_t		 c_backlog_bytes; /* written since then */

	int			 c_blocked;	/* can_send was seen false */
	int			 c_outq_full;	/* hit OUTQ_MAX, not yet LOWAT */
	int			 c_busy;	/* nesting of role callbacks */
	int			 c_closed;	/* co_closed was called */
	int			 c_failed;	/* deferred close pending */
	char			 c_reason[IPC_REASON_LEN];

	/* IPC_FRAMING_WEBSOCKET: every read is decoded in place before it
	 * reaches c_in; every queued message is one binary frame, so c_out
	 * always ends at a frame boundary and a pong or close frame can be
	 * appended at any time. */
	int			 c_ws_on;
	struct ws_dec		 c_ws;

	/* KTLS and RELAYED: no TLS record (or SASL packet) may hold bytes
	 * of two queued units (a message with its headers, or a WebSocket
	 * control frame), since spice-gtk never drains plaintext OpenSSL
	 * has buffered once its socket is no longer readable (DESIGN 5).
	 * A unit's bytes leave in sendmsg() calls of their own: the kernel
	 * ends a kTLS record with each call, the relay an SSL_write() with
	 * each datagram.  c_rec_left counts what is left of the unit at the
	 * head of c_out, c_recs holds the lengths (size_t) of the next. */
	int			 c_rec_bound;
	size_t			 c_rec_max;	/* bytes per sendmsg() */
	size_t			 c_rec_left;
	struct evbuffer		*c_recs;
};

static char chan_display[IPC_NAME_LEN] = "?";

static void	chan_read_cb(evutil_socket_t, short, void *);
static void	chan_write_cb(evutil_socket_t, short, void *);
static void	chan_defer_cb(evutil_socket_t, short, void *);
static void	chan_fail(struct chan *, const char *);

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
static void
chan_hold(struct chan *c)
{
	c->c_busy++;
}

static int
chan_release(struct chan *c)
{
	int closed = c->c_closed;

	if (--c->c_busy == 0 && closed)
		chan_free(c);
	return closed;
}

uint64_t
chan_link_rate(struct chan *c)
{
	uint64_t now = mono_ns(), r, acked, dt = now - c->c_rate_ns;
	uint32_t notsent;

	if (c->c_fd >= 0 && c->c_info.transport != IPC_TRANSPORT_RELAYED &&
	    dt >= CHAN_RATE_MS * 1000000ull &&
	    tcp_progress(c->c_fd, &acked, &notsent) == 0) {
		/* Samples where spiced was the limit are skipped: the last
		 * one where the link was stands.  TCP's own (per ACK), or
		 * what got acknowledged over a span that began and ended
		 * with bytes held back for the window. */
		if ((r = tcp_rate(c->c_fd)) != 0)
			c->c_rate = r;
		if (c->c_waiting && notsent > 0 && c->c_rate_ns != 0 &&
		    (r = (acked - c->c_acked) * 1000000000ull / dt) != 0 &&
		    (c->c_rate == 0 || r < c->c_rate))
			c->c_rate = r;
		c->c_rate_ns = now;
		c->c_acked = acked;
		c->c_waiting = notsent > 0;
	}
	/* The lower of what TCP saw and what the socket drained at. */
	if (c->c_drain_rate != 0 && (c->c_rate == 0 ||
	    c->c_drain_rate < c->c_rate))
		return c->c_drain_rate;
	return c->c_rate;
}

/* After a write wakeup that wrote n bytes: while the kernel keeps
 * refusing some of the queue, the queue drains at the link's pace; each
 * CHAN_RATE_MS of that is a sample of it. */
static void
chan_drain_sample(struct chan *c, size_t n)
{
	uint64_t now = mono_ns(), dt;

	if (chan_outq(c) == 0) {
		c->c_backlog_ns = 0;
		return;
	}
	if (c->c_backlog_ns == 0) {
		c->c_backlog_ns = now;
		c->c_backlog_bytes = 0;
		return;
	}
	c->c_backlog_bytes += n;
	if ((dt = now - c->c_backlog_ns) >= CHAN_RATE_MS * 1000000ull) {
		c->c_drain_rate = c->c_backlog_bytes * 1000000000ull / dt;
		c->c_backlog_ns = now;
		c->c_backlog_bytes = 0;
	}
}

/*
 * One non-blocking sendmsg() of the head of c_out: everything a stream
 * takes, or, on a record-bounded channel, at most the rest of the head
 * unit (and c_rec_max).  Returns the bytes written, 0 if nothing was
 * queued, or -1 with errno (EAGAIN: the socket is full).
 */
static ssize_t
chan_write_some(struct chan *c)
{
	struct evbuffer_iovec vec[CHAN_WRITE_IOV];
	struct msghdr mh;
	ssize_t limit = -1, n;
	size_t total = 0;
	int niov, i;

	if (chan_outq(c) == 0)
		return 0;
	if (c->c_rec_bound) {
		if (c->c_rec_left == 0 &&
		    evbuffer_remove(c->c_recs, &c->c_rec_left,
		    sizeof(c->c_rec_left)) != sizeof(c->c_rec_left))
			c->c_rec_left = chan_outq(c);	/* not reached */
		limit = (ssize_t)(c->c_rec_left < c->c_rec_max ?
		    c->c_rec_left : c->c_rec_max);
	}
	niov = evbuffer_peek(c->c_out, limit, NULL, vec, CHAN_WRITE_IOV);
	if (niov > CHAN_WRITE_IOV)
		niov = CHAN_WRITE_IOV;
	/* peek returns whole chains: cut the last at the limit. */
	for (i = 0; i < niov; i++) {
		if (limit >= 0 && total + vec[i].iov_len > (size_t)limit) {
			vec[i].iov_len = (size_t)limit - total;
			niov = i + 1;
		}
		total += vec[i].iov_len;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = (struct iovec *)vec;
	mh.msg_iovlen = (size_t)niov;
	/* MSG_NOSIGNAL: a peer that vanished is an error return here,
	 * never a SIGPIPE.  No MSG_MORE: under kTLS its absence is what
	 * ends the record with this call. */
	n = sendmsg(c->c_fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n <= 0)
		return n < 0 ? -1 : 0;
	evbuffer_drain(c->c_out, (size_t)n);
	c->c_bytes_out += (uint64_t)n;
	if (c->c_rec_bound)
		c->c_rec_left -= (size_t)n;
	return n;
}

/* After a unit of len bytes went to the end of c_out.  0, or -1 with the
 * channel failed. */
static int
chan_rec_mark(struct chan *c, size_t len)
{
	if (!c->c_rec_bound || len == 0)
		return 0;
	if (evbuffer_add(c->c_recs, &len, sizeof(len)) != 0) {
		chan_fail(c, "out of memory queueing a message");
		return -1;
	}
	return 0;
}

/* Best effort: one non-blocking write of what is queued, so a message
 * queued just before a close (e.g. DISCONNECTING) has a chance to leave. */
static void
chan_flush_once(struct chan *c)
{
	(void)chan_write_some(c);
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
static void
chan_closef(struct chan *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
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
static void
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

size_t
chan_outq(const struct chan *c)
{
	return evbuffer_get_length(c->c_out);
}

int
chan_can_send(const struct chan *c)
{
	if (c->c_closed || c->c_failed)
		return 0;
	/* The reference server pauses past twice the window: the client
	 * acknowledges only every `window` messages, so one window is
	 * always in flight. */
	if (c->c_ack_on && c->c_unacked > 2 * (uint64_t)c->c_ack_window)
		return 0;
	/* Hysteresis: once full, closed until under the low mark, so a
	 * producer refills in large steps rather than one message at a
	 * time at the edge of the bound. */
	return !c->c_outq_full;
}

/*
 * Tell the role it may produce again if it was held back, or if the queue
 * just drained under the low mark.  prev_outq is the queue length before
 * the event that may have opened it.
 */
static void
chan_check_writable(struct chan *c, size_t prev_outq)
{
	size_t q = chan_outq(c);

	/* Never while the role is building a message (it is on the stack);
	 * the callers are event callbacks and ACK handling, not the role. */
	if (c->c_closed || c->c_building)
		return;
	if (!chan_can_send(c)) {
		c->c_blocked = 1;
		return;
	}
	if (!c->c_blocked && !(prev_outq >= CHAN_OUTQ_LOWAT &&
	    q < CHAN_OUTQ_LOWAT))
		return;
	c->c_blocked = 0;
	if (c->c_ops->co_writable == NULL)
		return;
	chan_hold(c);
	c->c_ops->co_writable(c);
	chan_release(c);
}

/* The worker is one thread: the spares are shared by all its channels. */
static struct {
	void	*data;
	size_t	 cap;
} chan_spare[CHAN_SPARES];
static unsigned chan_nspare;

/* Keep a written body for the next large message, or free it. */
static void
chan_spare_put(void *data, size_t cap)
{
	if (chan_nspare < CHAN_SPARES && cap <= CHAN_SPARE_MAX) {
		chan_spare[chan_nspare].data = data;
		chan_spare[chan_nspare].cap = cap;
		chan_nspare++;
	} else
		free(data);
}

void
chan_body_prepare(struct obuf *ob)
{
	if (ob->ob_data == NULL && chan_nspare > 0) {
		chan_nspare--;
		obuf_adopt(ob, chan_spare[chan_nspare].data,
		    chan_spare[chan_nspare].cap);
	}
}

/* A queued body has been written; extra carries its capacity. */
static void
chan_body_cleanup(const void *data, size_t len, void *extra)
{
	chan_spare_put((void *)(uintptr_t)data, (size_t)(uintptr_t)extra);
}

/*
 * Queue the headers of a message with a body of len bytes: the WebSocket
 * frame header if the channel has one, then the SPICE data header.  0, or
 * -1 with the channel failed.
 */
static int
chan_put_header(struct chan *c, uint16_t type, size_t len)
{
	uint8_t hdr[CHAN_FULL_HDR_LEN];
	struct obuf h;
	int rc = 0;

	/* Build the header with obuf putters into a fixed array so the
	 * byte order logic lives in one place. */
	obuf_init(&h);
	c->c_msgs_out++;
	if (!c->c_info.mini_header)
		obuf_put_u64le(&h, ++c->c_serial);
	obuf_put_u16le(&h, type);
	obuf_put_u32le(&h, (uint32_t)len);
	if (!c->c_info.mini_header)
		obuf_put_u32le(&h, 0);
	if (h.ob_failed || h.ob_len > sizeof(hdr)) {
		obuf_free(&h);
		chan_fail(c, "out of memory framing a message");
		return -1;
	}
	memcpy(hdr, h.ob_data, h.ob_len);
	if (c->c_ws_on) {
		uint8_t wsh[WS_OUT_HDR_MAX];

		/* One SPICE message, one binary frame. */
		rc = evbuffer_add(c->c_out, wsh, ws_frame_hdr(wsh,
		    WS_OP_BINARY, (uint64_t)h.ob_len + len));
	}
	if (rc == 0)
		rc = evbuffer_add(c->c_out, hdr, h.ob_len);
	obuf_free(&h);
	if (rc != 0) {
		chan_fail(c, "out of memory queueing a message");
		return -1;
	}
	return 0;
}

/* After a whole message went to c_out: flow control and the writer. */
static void
chan_queued(struct chan *c)
{
	if (c->c_ack_on)
		c->c_unacked++;
	if (chan_outq(c) >= CHAN_OUTQ_MAX)
		c->c_outq_full = 1;
	if (chan_outq(c) > CHAN_OUTQ_HARD) {
		chan_fail(c, "output queue overflow (client not reading)");
		return;
	}
	if (!chan_can_send(c))
		c->c_blocked = 1;
	/* Written at the end of this turn of the loop, with whatever else
	 * the turn queues, not a turn later once epoll has said that the
	 * socket is writable (it nearly always is): a round through the
	 * kernel and two epoll_ctl() fewer per burst, and the bytes leave
	 * sooner.  The writer waits for EV_WRITE only when the socket is
	 * full. */
	if (!event_pending(c->c_wev, EV_WRITE, NULL))
		event_active(c->c_wev, EV_WRITE, 1);
}

/* Frame and queue one message whose body is in c_body. */
static void
chan_queue(struct chan *c, uint16_t type)
{
	size_t len = c->c_body.ob_len, start;
	int rc = 0;

	if (c->c_body.ob_failed) {
		log_warn("display %s session %u conn %u: message type %u "
		    "could not be built (over %u bytes or out of memory)",
		    chan_display, c->c_session, c->c_conn, type, OBUF_MAX);
		chan_fail(c, "server message too large");
		obuf_reset(&c->c_body);
		return;
	}
	start = chan_outq(c);
	if (chan_put_header(c, type, len) != 0) {
		obuf_reset(&c->c_body);
		return;
	}
	if (len >= CHAN_BODY_HANDOVER) {
		/* Hand the allocation to the queue; the next message starts
		 * on a spare body, or a fresh builder. */
		rc = evbuffer_add_reference(c->c_out, c->c_body.ob_data, len,
		    chan_body_cleanup, (void *)(uintptr_t)c->c_body.ob_cap);
		if (rc == 0)
			obuf_init(&c->c_body);
	} else if (len > 0)
		rc = evbuffer_add(c->c_out, c->c_body.ob_data, len);
	obuf_reset(&c->c_body);
	if (rc != 0) {
		chan_fail(c, "out of memory queueing a message");
		return;
	}
	if (chan_rec_mark(c, chan_outq(c) - start) != 0)
		return;
	chan_queued(c);
}

struct chan_shared {
	unsigned	 cs_refs;
	uint8_t		*cs_data;
	size_t		 cs_len;
	size_t		 cs_cap;
};

struct chan_shared *
chan_shared_new(struct obuf *ob)
{
	struct chan_shared *sh;

	if (ob->ob_failed || ob->ob_data == NULL ||
	    (sh = malloc(sizeof(*sh))) == NULL)
		return NULL;
	sh->cs_refs = 1;
	sh->cs_data = ob->ob_data;
	sh->cs_len = ob->ob_len;
	sh->cs_cap = ob->ob_cap;
	obuf_init(ob);
	return sh;
}

void
chan_shared_unref(struct chan_shared *sh)
{
	if (sh == NULL || --sh->cs_refs > 0)
		return;
	chan_spare_put(sh->cs_data, sh->cs_cap);
	free(sh);
}

static void
chan_shared_cleanup(const void *data, size_t len, void *extra)
{
	chan_shared_unref(extra);
}

void
chan_shared_send(struct chan *c, uint16_t type, struct chan_shared *sh)
{
	size_t start;

	if (c->c_closed || c->c_failed)
		return;
	start = chan_outq(c);
	if (chan_put_header(c, type, sh->cs_len) != 0)
		return;
	sh->cs_refs++;
	if (evbuffer_add_reference(c->c_out, sh->cs_data, sh->cs_len,
	    chan_shared_cleanup, sh) != 0) {
		sh->cs_refs--;
		chan_fail(c, "out of memory queueing a message");
		return;
	}
	if (chan_rec_mark(c, chan_outq(c) - start) != 0)
		return;
	chan_queued(c);
}

struct obuf *
chan_msg_begin(struct chan *c, uint16_t type)
{
	if (c->c_building) {
		/* A role bug: two messages interleaved.  Drop the first
		 * rather than send a corrupt stream. */
		log_warn("display %s conn %u: message %u begun while %u is "
		    "open", chan_display, c->c_conn, type, c->c_body_type);
	}
	c->c_building = 1;
	c->c_body_type = type;
	chan_body_prepare(&c->c_body);
	obuf_reset(&c->c_body);
	return &c->c_body;
}

void
chan_msg_end(struct chan *c)
{
	if (!c->c_building)
		return;
	c->c_building = 0;
	if (c->c_closed || c->c_failed) {
		obuf_reset(&c->c_body);
		return;
	}
	chan_queue(c, c->c_body_type);
}

void
chan_send(struct chan *c, uint16_t type, const void *body, size_t len)
{
	struct obuf *ob;

	ob = chan_msg_begin(c, type);
	obuf_put_bytes(ob, body, len);
	chan_msg_end(c);
}

void
chan_set_ack(struct chan *c, uint32_t window)
{
	struct obuf *ob;

	c->c_ack_gen++;
	ob = chan_msg_begin(c, SPICE_MSG_SET_ACK);
	obuf_put_u32le(ob, c->c_ack_gen);
	obuf_put_u32le(ob, window);
	/* Counting restarts with the new generation, as the client's does. */
	c->c_ack_on = 0;
	chan_msg_end(c);
	c->c_ack_window = window;
	c->c_ack_on = window != 0;
	c->c_unacked = 0;
}

void
chan_ping(struct chan *c)
{
	struct obuf *ob;

	c->c_ping_id++;
	c->c_ping_ns = mono_ns();
	ob = chan_msg_begin(c, SPICE_MSG_PING);
	obuf_put_u32le(ob, c->c_ping_id);
	obuf_put_u64le(ob, c->c_ping_ns);
	chan_msg_end(c);
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

static void
chan_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chan *c = arg;
	size_t prev, written = 0;
	ssize_t n;
	int round;

	prev = chan_outq(c);
	if (prev == 0) {
		event_del(c->c_wev);
		return;
	}
	for (round = 0; round < CHAN_WRITE_ROUNDS && chan_outq(c) > 0;
	    round++) {
		n = chan_write_some(c);
		if (n > 0)
			written += (size_t)n;
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			chan_closef(c, "write error: %s", strerror(errno));
			return;
		}
		/* A stream that took less than offered is full; a
		 * record-bounded channel goes on with the next unit. */
		if (!c->c_rec_bound)
			break;
	}
	chan_drain_sample(c, written);
	if (chan_outq(c) < CHAN_OUTQ_LOWAT)
		c->c_outq_full = 0;
	if (chan_outq(c) == 0)
		event_del(c->c_wev);
	else if (!event_pending(c->c_wev, EV_WRITE, NULL))
		event_add(c->c_wev, NULL);	/* run as active: now wait */
	chan_check_writable(c, prev);
}
