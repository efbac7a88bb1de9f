/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * producer: the supervisor's end of qxl-shm (qxl-shm/PROTOCOL.md).  It
 * accepts a producer on the display's SOCK_SEQPACKET socket, checks its
 * SO_PEERCRED, HELLO, and each memfd (sealed against shrinking, long
 * enough), then starts the display worker and forwards the memory and
 * doorbells to it.  It never maps producer memory or reads a QXL command.
 */
#ifndef SPICED_PRODUCER_H
#define SPICED_PRODUCER_H

#include "err.h"
#include "spiced.h"

/* Bind and listen on the display's producer socket (mode 0660, owned by
 * the configured producer ids when root). */
int	producer_listen(struct display *, struct spd_err *);
/* The display worker ended: detach the producer with reason. */
void	producer_worker_gone(struct display *, const char *reason);
/* The display worker reports a misbehaving producer: detach it. */
void	producer_fault(struct display *, const char *reason);
/* The display worker applied a primary create (1) or destroy (0): tell
 * the producer, which waits for it. */
void	producer_primary_done(struct display *, uint32_t created);
/* The attached producer's pid (from SO_PEERCRED), or 0 if none. */
pid_t	producer_pid(const struct display *);
/* Shutdown: detach the producer and remove the socket file. */
void	producer_shutdown(struct display *);

#endif
