/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * producer: the supervisor's end of qxl-shm (qxl-shm/PROTOCOL.md).  It
 * accepts producers on the display's SOCK_SEQPACKET socket, checks their
 * SO_PEERCRED, HELLO (within 5 s of connecting; only then does a
 * connection claim the display), each memfd (sealed against shrinking,
 * long enough) and the doorbells (within 10 s of HELLO), and forwards the
 * memory and doorbells to the display worker.  It keeps what it forwarded
 * so that a new display worker can be given the same producer.  It never
 * maps producer memory or reads a QXL command.  A refused or dropped
 * producer is sent ERROR with the reason before the close, and its input
 * is drained so that it reads the reason, not a reset.
 */
#ifndef SPICED_PRODUCER_H
#define SPICED_PRODUCER_H

#include "err.h"
#include "spiced.h"

/* Bind and listen on the display's producer socket (mode 0660, owned by
 * the configured producer ids when root). */
int	producer_listen(struct display *, struct spd_err *);
/* Send the running producer's memory slots and doorbells to w, the
 * display's display worker (d_worker: with the primary, the command
 * doorbell and the irq) or cursor worker (d_cursor: the cursor doorbell
 * and the irq): at ATTACH, and to a new worker after the last one died
 * (takeover: the ring may name surfaces lost with it).  0 (also when no
 * producer runs), -1 if the worker failed (it is then stopped). */
int	producer_handover(struct display *, struct wproc *w, int takeover);
/* Ask the running producer to draw the whole primary again (REDRAW), if
 * it granted QXLSHM_F_REDRAW.  1 if asked, 0 if it cannot be. */
int	producer_redraw(struct display *);
/* The display worker reports a misbehaving producer (or keeps dying with
 * it): drop it with a FAULT error saying reason. */
void	producer_fault(struct display *, const char *reason);
/* The display worker applied a primary create (1) or destroy (0): tell
 * the producer if it waits for it. */
void	producer_primary_done(struct display *, uint32_t created);
/* The running producer's pid (from SO_PEERCRED), or 0 if none. */
pid_t	producer_pid(const struct display *);
/* A producer is attached and running. */
int	producer_running(const struct display *);
/* A restart (handoff.h): the running producer's connection and what it
 * handed over, as fds (still d's), into out; -1 if none runs. */
struct ho_producer;
int	producer_export(const struct display *, struct ho_producer *out);
/* Take the running producer the last supervisor had (its fds now d's):
 * 0, or -1 (out of memory; the connection's fd was closed). */
int	producer_adopt(struct display *, const struct ho_producer *);
/* Watch d_agent_fd for the producer's hang-up.  -1: out of memory. */
int	producer_watch_agent(struct display *);
/* Shutdown or display removal: every producer connection of d gets
 * ERROR (SHUTDOWN, reason) and is closed; the socket file is removed. */
void	producer_shutdown(struct display *, const char *reason);

#endif
