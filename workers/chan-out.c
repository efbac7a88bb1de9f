/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * chan-out: what a channel connection sends (contracts in chan.h): the
 * output queue with its bounds and the ACK window (SPICE-NOTES 2.3),
 * message bodies built in place or shared between viewers, PING, the
 * bounds of TLS records and relay datagrams (a queued unit per sendmsg),
 * and the link's rate as TCP and the queue's draining measure it.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include <spice/protocol.h>
#include <spice/enums.h>

#include "chan-int.h"
#include "log.h"
#include "mono-time.h"
#include "tcp-rate.h"

uint64_t
chan_link_rate(struct chan *c)
{
	uint64_t now = mono_ns(), r, acked, dt = now - c->c_rate_ns;
	uint32_t notsent;

	if (c->c_fd >= 0 && c->c_info.transport != IPC_TRANSPORT_RELAYED &&
	    dt >= CHAN_RATE_MS * 1000000ull &&
	    tcp_progress(c->c_fd, &acked, &notsent, &r) == 0) {
		/* Samples where spiced was the limit are skipped: the last
		 * one where the link was stands.  TCP's own (per ACK), or
		 * what got acknowledged over a span that began and ended
		 * with bytes held back for the window. */
		if (r != 0)
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

int
chan_idle(const struct chan *c)
{
	int delivered;

	if (chan_outq(c) != 0)
		return 0;
	/* Not TCP (a UNIX socket, a relay's): the queue is all we see. */
	if (c->c_fd < 0 || c->c_info.transport == IPC_TRANSPORT_RELAYED ||
	    (delivered = tcp_delivered(c->c_fd)) < 0)
		return 1;
	return delivered;
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
int
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
void
chan_flush_once(struct chan *c)
{
	(void)chan_write_some(c);
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
void
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

void
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

