/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * producer-link: the display worker's side of a qxl-shm producer
 * (DESIGN.md section 4): its memory slots, its command ring, its primary.
 *
 * Commands are popped from the QXLRam command ring in shared memory,
 * copied and validated by qxl-cmd, drawn by render, and released through
 * the release ring.  The producer is untrusted: a bad command is logged,
 * counted and released when its id is readable; PLINK_MAX_BAD of them, or
 * a corrupt ring, end in IPC_W2D_PRODUCER_FAULT and the worker's exit (the
 * supervisor detaches the producer).
 */
#ifndef SPICED_PRODUCER_LINK_H
#define SPICED_PRODUCER_LINK_H

#include <stdint.h>

#include "display-out.h"
#include "err.h"
#include "ipc-msg.h"
#include "render.h"
#include "worker.h"

/* Commands handled per event-loop turn before clients get their turn. */
#define PLINK_BATCH		64
/* Bad commands tolerated before the producer is reported and dropped. */
#define PLINK_MAX_BAD		16
/* Release ids kept while the release ring is full; past this, command
 * popping pauses until the producer makes room. */
#define PLINK_MAX_PENDING	1024
/* Commands after a takeover during which those that name a lost surface
 * are skipped: the ring's worth left from before, and what the producer
 * pushes until it has seen REDRAW. */
#define PLINK_TAKEOVER_GRACE	1024
/* Milliseconds between retries of pending releases. */
#define PLINK_RETRY_MS		10

struct plink;

/* Create the link of a display whose surfaces live in render and whose
 * clients are dout (told about primary changes).  NULL with err set. */
struct plink *plink_new(struct worker *, struct render *, struct dout *,
	    struct spd_err *);

/* IPC_D2W_MEMSLOT: map fd (taken in every case) as a slot.  Slots added
 * before IPC_D2W_DEVICE keep their fd until then, because the one that
 * turns out to hold QXLRam is mapped again writable.  Returns 0, or -1
 * with err set for a message the supervisor should not have sent (slot in
 * use, bad id or size, mmap failure): the worker exits. */
int	 plink_memslot(struct plink *, const struct ipc_memslot *, int fd,
	    struct spd_err *);

/* IPC_D2W_DEVICE (once): adopt QXLRam at ram_slot/ram_offset, watch the
 * doorbell eventfd, write the irq eventfd (both taken).  A QXLRam that
 * fails its checks is a producer fault (reported, worker exits; returns
 * 0).  Returns -1 with err set for a second DEVICE or an absent slot. */
int	 plink_device(struct plink *, const struct ipc_device *, int doorbell,
	    int irq, struct spd_err *);

/* IPC_D2W_PRIMARY_CREATE: validate (format, size, stride, memory inside
 * a slot), copy the picture into a new primary and announce it to the
 * clients.  An existing primary is replaced.  A bad primary is a producer
 * fault (reported, worker exits).  Returns 0. */
int	 plink_primary_create(struct plink *, const struct ipc_primary *,
	    struct spd_err *);

/* IPC_D2W_PRIMARY_DESTROY: drop the primary (clients get
 * SURFACE_DESTROY).  Without a primary it does nothing.  Returns 0. */
int	 plink_primary_destroy(struct plink *, struct spd_err *);

/* IPC_D2W_PRODUCER_GONE: the producer detached (or was dropped): drop
 * every surface (clients get the primary destroyed), unmap every slot,
 * close the doorbells; the link then takes the next producer's MEMSLOT,
 * DEVICE and PRIMARY_CREATE as at the start.  Harmless when nothing is
 * attached. */
void	 plink_detach(struct plink *);

#endif
