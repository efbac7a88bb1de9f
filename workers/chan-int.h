/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * chan-int.h: what the two halves of chan share: struct chan and its
 * limits.  chan.c keeps a connection's life and what it reads (common
 * messages, WebSocket frames), chan-out.c what it sends (the output
 * queue, ACK window, record bounds, the link's measured rate).  Not for
 * other modules: chan.h is their contract.
 */
#ifndef SPICED_CHAN_INT_H
#define SPICED_CHAN_INT_H

#include <sys/queue.h>

#include <event2/event.h>

#include "chan.h"
#include "ipc.h"
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

/* chan.c */

/* The worker's display, for log lines (chan_set_display). */
extern char chan_display[IPC_NAME_LEN];

/* Close c with a formatted reason (chan_close). */
void	chan_closef(struct chan *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Close c after the current callback returns (a failure found while
 * sending, from inside a role's call). */
void	chan_fail(struct chan *c, const char *reason);
/* Keep c alive across a role callback; chan_release() returns 1 when it
 * closed meanwhile (and frees it once the last hold goes). */
void	chan_hold(struct chan *c);
int	chan_release(struct chan *c);

/* chan-out.c */

/* One non-blocking write of what is queued (best effort before a
 * close). */
void	chan_flush_once(struct chan *c);
/* After a unit of len bytes went to the end of c_out (record-bounded
 * channels): 0, or -1 with the channel failed. */
int	chan_rec_mark(struct chan *c, size_t len);
/* Tell the role it may produce again when it was held back or the queue
 * drained under the low mark; prev_outq: the queue before. */
void	chan_check_writable(struct chan *c, size_t prev_outq);
/* The output queue's event: write what the socket takes. */
void	chan_write_cb(evutil_socket_t fd, short what, void *arg);

#endif /* SPICED_CHAN_INT_H */
