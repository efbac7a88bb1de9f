/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ring: the consumer side of the QXL rings in a QXLRam that lives in shared
 * memory the producer can rewrite at any moment.
 *
 * Rules kept here: the consumer's own indexes (cons of the rings it pops,
 * prod of the release ring it pushes) are private copies, written to shared
 * memory but never read back from it; the producer's index is loaded once
 * per operation with acquire ordering; an item is copied out before the
 * caller looks at it; num_items is checked once at init and the compile-time
 * ring sizes are used afterwards.  A producer index that claims more items
 * than the ring holds is corruption (-1): the caller detaches.
 *
 * One struct ring per consuming process: the display worker uses the
 * command ring and the main release ring, the cursor worker the cursor ring
 * and the cursor release ring (qxl-shm.h QXLSHM_RAM_CURSOR_RELEASE_OFFSET),
 * so every shared index has exactly one writer.
 */
#ifndef QXLSHM_RING_H
#define QXLSHM_RING_H

#include <stddef.h>
#include <stdint.h>

#include <spice/qxl_dev.h>

#include "err.h"

enum ring_release_kind {
	RING_RELEASE_DISPLAY,		/* QXLRam.release_ring */
	RING_RELEASE_CURSOR,		/* the ring after QXLRam */
};

struct ring {
	uint8_t		*rg_base;	/* QXLRam in shared memory */
	uint32_t	 rg_cmd_cons;	/* private consumer indexes */
	uint32_t	 rg_cursor_cons;
	uint32_t	 rg_rel_prod[2];	/* private release producer indexes */
};

/* Adopt the RAM region at ram (len bytes, writable, 8-aligned): checks
 * len >= QXLSHM_RAM_REGION_SIZE, magic "QXRA", num_items of the command and
 * cursor rings == 32 and of both release rings == 8, and that no ring's
 * prod-cons exceeds its size.  Takes the current cons/prod values as the
 * private starting points (a restarted worker continues where the last
 * stopped).  Nothing is written. */
int	ring_init(struct ring *, void *ram, size_t len, struct spd_err *);

/* Pop one command from the command ring into *out (a private copy).
 * Returns 1 popped, 0 empty, -1 corruption (prod - cons > 32; err says so).
 * When empty it arms notify_on_prod = prod + 1 and checks prod again, so a
 * push racing with going to sleep is either seen now or rings the doorbell.
 * *notify is set to 1 (never cleared) when the pop made cons reach the
 * producer's notify_on_cons: the producer waits for room and must get an
 * irq (ring_irq with QXL_INTERRUPT_DISPLAY). */
int	ring_pop_cmd(struct ring *, QXLCommand *out, int *notify,
	    struct spd_err *);

/* The same for the cursor ring (irq bit QXL_INTERRUPT_CURSOR). */
int	ring_pop_cursor(struct ring *, QXLCommand *out, int *notify,
	    struct spd_err *);

/* Push one release id (one id per ring slot, never chained).  Returns 1
 * pushed, 0 full: keep it pending; the ring is then armed with
 * notify_on_cons = cons + 1 so the producer rings the doorbell (command
 * doorbell for the display ring, cursor doorbell for the cursor ring) once
 * it has taken an id, and the caller retries then.  -1 corruption (the
 * producer's cons is ahead of our prod or more than 8 behind).
 * *notify is set to 1 when prod reached the producer's notify_on_prod
 * (then call ring_irq with QXL_INTERRUPT_DISPLAY or _CURSOR). */
int	ring_push_release(struct ring *, enum ring_release_kind, uint64_t id,
	    int *notify, struct spd_err *);

/* Set bits in int_pending (atomically: two workers share it).  Returns 1
 * if the producer wants an irq for any of them (int_mask & bits): write 1
 * to the irq eventfd. */
int	ring_irq(struct ring *, uint32_t bits);

/* Items waiting in the command ring, from one snapshot of prod; -1 on
 * corruption.  For statistics and tests. */
int	ring_cmd_pending(struct ring *);

#endif
