/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * producer-link: a worker's side of a qxl-shm producer (DESIGN.md section
 * 4): its memory slots and one of its two ring pairs, the command ring
 * (display worker, display-cmd.c) or the cursor ring (cursor worker,
 * cursor-cmd.c), each with its release ring.
 *
 * Commands are popped from the ring in shared memory and handed to the
 * owner (plink_ops), which copies and validates them with qxl-cmd, acts
 * on them and says how to release them; the link returns their ids
 * through the release ring.  The producer is untrusted: a bad command is
 * logged, counted (plink_drop) and released when its id is readable;
 * PLINK_MAX_BAD of them, or a corrupt ring, end in IPC_W2D_PRODUCER_FAULT
 * (the supervisor detaches the producer).
 */
#ifndef SPICED_PRODUCER_LINK_H
#define SPICED_PRODUCER_LINK_H

#include <stdint.h>

#include <spice/qxl_dev.h>

#include "err.h"
#include "ipc-msg.h"
#include "ring.h"
#include "slots.h"
#include "worker.h"

/* Commands handled per event-loop turn before clients get their turn. */
#define PLINK_BATCH		64
/* Bad commands tolerated before the producer is reported and dropped. */
#define PLINK_MAX_BAD		16
/* Release ids kept while the release ring is full; past this, command
 * popping pauses until the producer makes room. */
#define PLINK_MAX_PENDING	1024
/* Milliseconds between retries of pending releases. */
#define PLINK_RETRY_MS		10

struct plink;

/* What a ring is to its owner. */
struct plink_ops {
	const char	*po_ring;	/* "command ring", for logs */
	const char	*po_cmd;	/* "QXL command", for logs */
	int		(*po_pop)(struct ring *, QXLCommand *, int *notify,
			    struct spd_err *);
	enum ring_release_kind po_release;
	uint32_t	 po_irq;	/* QXL_INTERRUPT_* it raises */
	/* Act on one command.  Returns 1 with *id set to release it, 0 to
	 * release the id read from the command, -1 when there is nothing
	 * to release (NOP).  Bad commands are reported with plink_drop(). */
	int		(*po_command)(void *arg, const QXLCommand *,
			    uint64_t *id);
	/* The producer is gone: drop everything that came from it. */
	void		(*po_detach)(void *arg);
	/* Optional: the ring comes from a worker that died
	 * (IPC_DEVICE_TAKEOVER), before its first command is popped. */
	void		(*po_takeover)(void *arg);
};

/* A link whose commands go to ops with arg.  NULL with err set. */
struct plink *plink_new(struct worker *, const struct plink_ops *,
	    void *arg, struct spd_err *);

/* IPC_D2W_MEMSLOT: map fd (taken in every case) as a slot.  Slots added
 * before IPC_D2W_DEVICE keep their fd until then, because the one that
 * turns out to hold QXLRam is mapped again writable.  Returns 0, or -1
 * with err set for a message the supervisor should not have sent (slot in
 * use, bad id or size, mmap failure): the worker exits. */
int	 plink_memslot(struct plink *, const struct ipc_memslot *, int fd,
	    struct spd_err *);

/* IPC_D2W_DEVICE (once): adopt QXLRam at ram_slot/ram_offset, watch the
 * doorbell eventfd, write the irq eventfd (both taken).  A QXLRam that
 * fails its checks is a producer fault (reported; returns 0).  Returns -1
 * with err set for a second DEVICE or an absent slot. */
int	 plink_device(struct plink *, const struct ipc_device *, int doorbell,
	    int irq, struct spd_err *);

/* IPC_D2W_PRODUCER_GONE: the producer detached (or was dropped): the
 * owner drops what came from it (po_detach), every slot is unmapped and
 * the doorbells closed; the link then takes the next producer's MEMSLOT
 * and DEVICE as at the start.  Harmless when nothing is attached. */
void	 plink_detach(struct plink *);

/* The supervisor's messages about the producer (MEMSLOT, DEVICE,
 * PRODUCER_GONE), as plink_memslot, plink_device and plink_detach take
 * them: 0 handled, -1 with err (the worker exits), 1 not one of them. */
int	 plink_ipc(struct plink *, struct ipc_msg *, struct spd_err *);

/* The producer's slots, for the owner's parsing. */
const struct slots *plink_slots(const struct plink *);

/* A command the owner could not take: bad (counted towards PLINK_MAX_BAD)
 * or only unsupported (logged sparsely). */
void	 plink_drop(struct plink *, uint64_t phys, int bad, const char *why);

/* The producer misbehaved beyond tolerance: report it (the supervisor
 * detaches it); nothing more is consumed until plink_detach(). */
void	 plink_fault(struct plink *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* 1 after a fault. */
int	 plink_dead(const struct plink *);

#endif
