/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * chan: one client channel connection inside a worker, after the link.
 *
 * Reads SPICE data messages (mini or full header, as negotiated) from a
 * non-blocking socket with a per-channel cap on the body size, answers the
 * common messages itself (ACK_SYNC, ACK, PONG, DISCONNECTING, and refuses
 * MIGRATE_* outside a migration) and hands channel messages to the role.
 * Writes are buffered; the role asks chan_can_send() before producing more
 * (ACK window and output-queue bound), so a slow client never makes a
 * worker buffer without limit.  With IPC_FRAMING_WEBSOCKET the stream is
 * RFC 6455 frames (shared/ws.h): reads are decoded in place, pings
 * answered, a bad frame or the client's close answered with a close
 * frame; each message goes out as one binary frame.
 */
#ifndef SPICED_CHAN_H
#define SPICED_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "err.h"
#include "ipc-msg.h"
#include "sbuf.h"

struct chan;

/* Output-queue bounds (bytes queued for the client, not yet written).
 * Once the queue reaches CHAN_OUTQ_MAX, chan_can_send() is 0 until it
 * drains below CHAN_OUTQ_LOWAT, and co_writable fires then.  A queue
 * beyond CHAN_OUTQ_HARD means the role ignored chan_can_send() while the
 * client stopped reading: the connection is closed rather than letting
 * the worker grow. */
#define CHAN_OUTQ_MAX		(4u * 1024 * 1024)
#define CHAN_OUTQ_LOWAT		(1u * 1024 * 1024)
#define CHAN_OUTQ_HARD		(96u * 1024 * 1024)

struct chan_ops {
	/* A channel message (type >= 101) with its body.  Return -1 with a
	 * reason in *why to close the connection (protocol error). */
	int	(*co_msg)(struct chan *, uint16_t type, struct sbuf *body,
		    const char **why);
	/* The channel may send again (window opened, queue drained). */
	void	(*co_writable)(struct chan *);
	/* The connection is gone; called once, then the chan is freed. */
	void	(*co_closed)(struct chan *, const char *reason);
};

/* Create a channel over fd (taken) as described by the handoff message.
 * max_msg caps the body size accepted from the client.  Returns NULL with
 * err set. */
struct chan *chan_new(struct event_base *, int fd, uint32_t session,
	    uint32_t conn, const struct ipc_client *, size_t max_msg,
	    const struct chan_ops *, void *arg, struct spd_err *err);
/* Close now (reason logged, co_closed called, chan freed). */
void	chan_close(struct chan *, const char *reason);

void	*chan_arg(const struct chan *);
/* The counters of this worker's connections (every chan alive), from the
 * first-th on, at most max of them into out; returns how many. */
size_t	 chan_stats(struct ipc_conn_stats *out, size_t first, size_t max);
/* 1 if the client announced channel cap bit n (resp. common cap). */
int	 chan_has_cap(const struct chan *, unsigned n);
int	 chan_has_common_cap(const struct chan *, unsigned n);

/* Start ACK flow control: send SET_ACK(generation, window). */
void	 chan_set_ack(struct chan *, uint32_t window);
/* 1 if the ACK window is open and the output queue is under its bound. */
int	 chan_can_send(const struct chan *);
/* Bytes queued for the client and not yet written. */
size_t	 chan_outq(const struct chan *);
/* 1 if nothing is on its way to the client: the queue empty and, on
 * TCP, every byte written acknowledged (none held back by the kernel,
 * none in a queue on the way: a byte TCP has sent may still wait in a
 * router's, or a local qdisc's, queue in front of the next one). */
int	 chan_idle(const struct chan *);
/* The client link's bandwidth in bytes/s: the lower of what TCP last
 * measured while the link, not spiced, was the limit (TCP_INFO's delivery
 * rate, not app-limited) and the pace at which the kernel last took a
 * queue it kept refusing part of (each CHAN_RATE_MS of that a sample:
 * this one sees relayed TLS and SASL channels too); 0 while unknown. */
#define CHAN_RATE_MS	250
uint64_t chan_link_rate(struct chan *);

/* Build one message: chan_msg_begin() returns an obuf to append the body
 * to; chan_msg_end() frames and queues it.  Only one message at a time. */
struct obuf *chan_msg_begin(struct chan *, uint16_t type);
void	 chan_msg_end(struct chan *);
/* Shorthand for a message whose body is already built. */
void	 chan_send(struct chan *, uint16_t type, const void *body, size_t len);

/* A body built once and sent on several channels (a display's image for
 * each of its viewers), queued by reference.  chan_body_prepare() starts
 * an empty builder on a recycled allocation; chan_shared_new() takes ob's
 * allocation (ob is left empty) with one reference for the caller, NULL
 * if ob failed or is empty or on ENOMEM; each chan_shared_send() holds
 * another until that channel has written it or closed; the memory is
 * recycled when the last reference goes. */
struct chan_shared;
void	 chan_body_prepare(struct obuf *);
struct chan_shared *chan_shared_new(struct obuf *);
void	 chan_shared_send(struct chan *, uint16_t type, struct chan_shared *);
void	 chan_shared_unref(struct chan_shared *);

/* Stop (pause != 0) or resume reading from the client: a role whose
 * outlet is full holds the client back (TCP back-pressure).  Messages
 * already read are still delivered. */
void	 chan_pause_read(struct chan *, int pause);

/* Send PING now (the role schedules it). */
void	 chan_ping(struct chan *);

/* Name of this worker's display, used in every close/log line of chan.c
 * (copied; call once after IPC_D2W_INIT). */
void	 chan_set_display(const char *name);

/* The SPICE multimedia clock in ms: CLOCK_MONOTONIC, so every worker of
 * a host agrees on it without IPC (MAIN_INIT and stream timestamps). */
uint32_t chan_mm_time(void);
/* How far behind it MAIN_INIT starts a viewer's clock, as the reference
 * server does: the playout slack of frames stamped with chan_mm_time(). */
#define CHAN_MM_DELAY_MS	400

#endif
