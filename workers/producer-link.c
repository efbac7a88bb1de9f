/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * producer-link: the slots and one ring pair (commands or cursor
 * commands, and their release ring) of a qxl-shm producer; contracts in
 * producer-link.h.
 *
 * Spec: qxl-shm/PROTOCOL.md and SPICE-NOTES section 5.  Deviation from a
 * QXL device: one release id per release-ring slot (no chaining through
 * QXLReleaseInfo.next, which would make us write producer memory we only
 * map read-only).
 *
 * Every shared-memory read goes through ring (indices, one load each) and
 * qxl-cmd (copy, then validate); this file never dereferences producer
 * memory itself, and what a command means is the owner's (plink_ops).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "log.h"
#include "producer-link.h"
#include "qxl-cmd.h"
#include "qxl-shm.h"
#include "ring.h"
#include "slots.h"

struct plink {
	struct worker	*pl_wk;
	const struct plink_ops *pl_ops;
	void		*pl_arg;
	struct slots	 pl_slots;
	/* fds of slots mapped before DEVICE, to remap the RAM slot RW */
	int		 pl_slotfd[QXLSHM_MAX_SLOTS];
	int		 pl_attached;
	int		 pl_dead;	/* fault reported: consume nothing */
	struct ring	 pl_ring;
	int		 pl_doorbell;
	int		 pl_irq;
	struct event	*pl_doorbell_ev;
	struct event	*pl_drain_ev;	/* next batch, next loop turn */
	struct event	*pl_retry_ev;	/* pending releases */
	int		 pl_want_irq;	/* an irq is owed to the producer */
	/* Release ids the full release ring could not take yet (FIFO). */
	uint64_t	 pl_pending[PLINK_MAX_PENDING];
	size_t		 pl_pend_head;
	size_t		 pl_pend_len;
	/* Counters, for logs. */
	uint64_t	 pl_ncmds;
	unsigned	 pl_nbad;
	uint64_t	 pl_nskipped;
};

static void	plink_drain(struct plink *);

struct plink *
plink_new(struct worker *wk, const struct plink_ops *ops, void *arg,
    struct spd_err *err)
{
	struct plink *pl;
	int i;

	if ((pl = calloc(1, sizeof(*pl))) == NULL) {
		spd_err_set(err, "producer-link: out of memory");
		return NULL;
	}
	pl->pl_wk = wk;
	pl->pl_ops = ops;
	pl->pl_arg = arg;
	slots_init(&pl->pl_slots);
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		pl->pl_slotfd[i] = -1;
	pl->pl_doorbell = pl->pl_irq = -1;
	return pl;
}

/*
 * The producer misbehaved beyond tolerance: tell the supervisor, which
 * detaches it (IPC_D2W_PRODUCER_GONE then unmaps everything here).
 * Nothing more is consumed meanwhile; the clients stay, and the worker
 * serves the display's next producer.
 */
void
plink_fault(struct plink *pl, const char *fmt, ...)
{
	struct ipc_producer_fault f;
	va_list ap;

	if (pl->pl_dead)
		return;
	pl->pl_dead = 1;
	memset(&f, 0, sizeof(f));
	va_start(ap, fmt);
	vsnprintf(f.reason, sizeof(f.reason), fmt, ap);
	va_end(ap);
	log_err("display \"%s\": producer fault: %s", pl->pl_wk->wk_display,
	    f.reason);
	if (pl->pl_doorbell_ev != NULL)
		event_del(pl->pl_doorbell_ev);
	if (pl->pl_drain_ev != NULL)
		event_del(pl->pl_drain_ev);
	if (pl->pl_retry_ev != NULL)
		event_del(pl->pl_retry_ev);
	worker_send(pl->pl_wk, IPC_W2D_PRODUCER_FAULT, 0, 0, &f, sizeof(f),
	    NULL, 0);
}

void
plink_detach(struct plink *pl)
{
	int i;

	pl->pl_ops->po_detach(pl->pl_arg);
	if (pl->pl_doorbell_ev != NULL)
		event_free(pl->pl_doorbell_ev);
	if (pl->pl_drain_ev != NULL)
		event_free(pl->pl_drain_ev);
	if (pl->pl_retry_ev != NULL)
		event_free(pl->pl_retry_ev);
	pl->pl_doorbell_ev = pl->pl_drain_ev = pl->pl_retry_ev = NULL;
	if (pl->pl_doorbell >= 0)
		close(pl->pl_doorbell);
	if (pl->pl_irq >= 0)
		close(pl->pl_irq);
	pl->pl_doorbell = pl->pl_irq = -1;
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		if (pl->pl_slotfd[i] != -1) {
			close(pl->pl_slotfd[i]);
			pl->pl_slotfd[i] = -1;
		}
	/* Releases owed to a producer that is gone are moot. */
	slots_clear(&pl->pl_slots);
	memset(&pl->pl_ring, 0, sizeof(pl->pl_ring));
	pl->pl_attached = pl->pl_dead = pl->pl_want_irq = 0;
	pl->pl_pend_head = pl->pl_pend_len = 0;
	log_info("display \"%s\": producer detached from the %s after %llu "
	    "commands", pl->pl_wk->wk_display, pl->pl_ops->po_ring,
	    (unsigned long long)pl->pl_ncmds);
	pl->pl_ncmds = pl->pl_nskipped = 0;
	pl->pl_nbad = 0;
}

int
plink_memslot(struct plink *pl, const struct ipc_memslot *m, int fd,
    struct spd_err *err)
{
	if (m->slot_id >= QXLSHM_MAX_SLOTS) {
		close(fd);
		return spd_err_set(err, "memslot: slot id %u out of range",
		    m->slot_id);
	}
	if (slots_map(&pl->pl_slots, m->slot_id, m->generation, fd, m->size,
	    0, err) != 0) {
		close(fd);
		return spd_err_prefix(err, "memslot %u", m->slot_id);
	}
	/* Until DEVICE names the RAM slot, any slot may be it. */
	if (!pl->pl_attached)
		pl->pl_slotfd[m->slot_id] = fd;
	else
		close(fd);
	log_debug("display \"%s\": slot %u gen %u mapped, %llu bytes",
	    pl->pl_wk->wk_display, m->slot_id, m->generation,
	    (unsigned long long)m->size);
	return 0;
}

/* Tell the producer about releases or room, if it asked to be told. */
static void
plink_irq(struct plink *pl)
{
	uint64_t one = 1;

	if (!pl->pl_want_irq || pl->pl_dead)
		return;
	pl->pl_want_irq = 0;
	if (ring_irq(&pl->pl_ring, pl->pl_ops->po_irq) &&
	    write(pl->pl_irq, &one, sizeof(one)) != sizeof(one) &&
	    errno != EAGAIN)
		log_warn("display \"%s\": irq eventfd: %s",
		    pl->pl_wk->wk_display, strerror(errno));
}

/*
 * Move pending release ids into the ring while it has room.  Returns 0, or
 * -1 after a fault (corrupt ring).
 */
static int
plink_release_pending(struct plink *pl)
{
	struct spd_err err;
	int rc, notify = 0;

	while (pl->pl_pend_len > 0) {
		rc = ring_push_release(&pl->pl_ring, pl->pl_ops->po_release,
		    pl->pl_pending[pl->pl_pend_head], &notify, &err);
		if (rc < 0) {
			plink_fault(pl, "release ring: %s", err.msg);
			return -1;
		}
		if (rc == 0)
			break;
		pl->pl_pend_head = (pl->pl_pend_head + 1) % PLINK_MAX_PENDING;
		pl->pl_pend_len--;
	}
	if (notify)
		pl->pl_want_irq = 1;
	return 0;
}

/* Return a command's id to the producer, in order after any pending. */
static void
plink_release(struct plink *pl, uint64_t id)
{
	struct timeval tv = { 0, PLINK_RETRY_MS * 1000 };

	/* The caller never pops while the pending list is full. */
	pl->pl_pending[(pl->pl_pend_head + pl->pl_pend_len) %
	    PLINK_MAX_PENDING] = id;
	pl->pl_pend_len++;
	if (plink_release_pending(pl) != 0)
		return;
	if (pl->pl_pend_len > 0 && !evtimer_pending(pl->pl_retry_ev, NULL))
		evtimer_add(pl->pl_retry_ev, &tv);
}

/* Log a dropped command; count it as bad unless it was only outside what
 * we implement.  Unsupported ones are logged sparsely (a producer could
 * send millions). */
void
plink_drop(struct plink *pl, uint64_t phys, int bad, const char *why)
{
	char where[SLOTS_PHYS_STRLEN];

	slots_phys_str(phys, where, sizeof(where));
	if (!bad) {
		pl->pl_nskipped++;
		if (pl->pl_nskipped <= 16 ||
		    (pl->pl_nskipped & (pl->pl_nskipped - 1)) == 0)
			log_info("display \"%s\": skipped %s at %s (%llu so "
			    "far): %s", pl->pl_wk->wk_display,
			    pl->pl_ops->po_cmd, where,
			    (unsigned long long)pl->pl_nskipped, why);
		return;
	}
	pl->pl_nbad++;
	log_warn("display \"%s\": dropped %s at %s: %s",
	    pl->pl_wk->wk_display, pl->pl_ops->po_cmd, where, why);
	if (pl->pl_nbad >= PLINK_MAX_BAD)
		plink_fault(pl, "%u bad %ss, the last at %s: %s",
		    pl->pl_nbad, pl->pl_ops->po_cmd, where, why);
}

/*
 * Act on one command copied from the ring (the owner's job), then release
 * it.  Parsing copies every structure out of shared memory first; only
 * bitmap pixels are read in place, and only before the release.
 */
static void
plink_command(struct plink *pl, const QXLCommand *cmd)
{
	struct spd_err err;
	uint64_t id;
	int rc;

	pl->pl_ncmds++;
	rc = pl->pl_ops->po_command(pl->pl_arg, cmd, &id);
	if (pl->pl_dead || rc < 0)
		return;
	if (rc == 0 &&
	    qxl_cmd_release_id(&pl->pl_slots, cmd->data, &id, &err) != 0) {
		/* Nothing to give back; the producer leaks it. */
		log_debug("display \"%s\": no release id: %s",
		    pl->pl_wk->wk_display, err.msg);
		return;
	}
	plink_release(pl, id);
}

int
plink_ipc(struct plink *pl, struct ipc_msg *msg, struct spd_err *err)
{
	struct ipc_memslot ms;
	struct ipc_device dv;
	int fd, irq;

	switch (msg->hdr.ih_type) {
	case IPC_D2W_MEMSLOT:
		memcpy(&ms, msg->payload, sizeof(ms));
		fd = msg->fds[0];
		msg->fds[0] = -1;
		return plink_memslot(pl, &ms, fd, err);
	case IPC_D2W_DEVICE:
		memcpy(&dv, msg->payload, sizeof(dv));
		fd = msg->fds[0];
		irq = msg->fds[1];
		msg->fds[0] = msg->fds[1] = -1;
		return plink_device(pl, &dv, fd, irq, err);
	case IPC_D2W_PRODUCER_GONE:
		plink_detach(pl);
		return 0;
	default:
		return 1;
	}
}

const struct slots *
plink_slots(const struct plink *pl)
{
	return &pl->pl_slots;
}

int
plink_dead(const struct plink *pl)
{
	return pl->pl_dead;
}

/*
 * Handle up to PLINK_BATCH commands, then yield to the event loop.
 * ring_pop_cmd arms notify_on_prod when it finds the ring empty, so an
 * empty ring means the doorbell will ring for the next command.
 */
static void
plink_drain(struct plink *pl)
{
	struct timeval tv = { 0, PLINK_RETRY_MS * 1000 };
	struct spd_err err;
	QXLCommand cmd;
	int n, rc, notify = 0;

	if (pl->pl_dead || !pl->pl_attached)
		return;
	if (plink_release_pending(pl) != 0)
		return;
	for (n = 0; n < PLINK_BATCH; n++) {
		if (pl->pl_pend_len >= PLINK_MAX_PENDING) {
			/* The producer is not taking releases back: wait
			 * for it rather than hold ever more ids. */
			if (!evtimer_pending(pl->pl_retry_ev, NULL))
				evtimer_add(pl->pl_retry_ev, &tv);
			break;
		}
		rc = pl->pl_ops->po_pop(&pl->pl_ring, &cmd, &notify, &err);
		if (rc < 0) {
			plink_fault(pl, "%s: %s", pl->pl_ops->po_ring, err.msg);
			return;
		}
		if (rc == 0)
			break;
		plink_command(pl, &cmd);
		if (pl->pl_dead)
			return;
	}
	if (notify)
		pl->pl_want_irq = 1;
	if (n == PLINK_BATCH)
		event_active(pl->pl_drain_ev, EV_TIMEOUT, 0);
	plink_irq(pl);
}

static void
plink_drain_cb(evutil_socket_t fd, short ev, void *arg)
{
	plink_drain(arg);
}

static void
plink_doorbell_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct plink *pl = arg;
	uint64_t v;

	/* Reset the eventfd counter; the ring, not the count, says how much
	 * work there is. */
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("display \"%s\": doorbell eventfd: %s",
		    pl->pl_wk->wk_display, strerror(errno));
	worker_stats_poke();
	plink_drain(pl);
}

int
plink_device(struct plink *pl, const struct ipc_device *dv, int doorbell,
    int irq, struct spd_err *err)
{
	const struct slots_slot *sl;
	struct spd_err perr;
	uint8_t *ram;
	uint64_t phys;
	int i, fd;

	if (pl->pl_attached) {
		close(doorbell);
		close(irq);
		return spd_err_set(err, "second DEVICE message");
	}
	pl->pl_doorbell = doorbell;
	pl->pl_irq = irq;
	if ((dv->flags & IPC_DEVICE_TAKEOVER) && pl->pl_ops->po_takeover != NULL)
		pl->pl_ops->po_takeover(pl->pl_arg);
	if (dv->ram_slot >= QXLSHM_MAX_SLOTS ||
	    pl->pl_slots.s_slot[dv->ram_slot].sl_base == NULL)
		return spd_err_set(err, "DEVICE: RAM slot %u not mapped",
		    dv->ram_slot);
	pl->pl_attached = 1;

	/* Map the RAM slot again, writable: we write cons, notify_on_prod
	 * and the release ring there.  Every other slot stays read-only. */
	sl = &pl->pl_slots.s_slot[dv->ram_slot];
	fd = pl->pl_slotfd[dv->ram_slot];
	if (fd != -1 && !sl->sl_writable) {
		struct ipc_memslot m;

		m.slot_id = dv->ram_slot;
		m.generation = sl->sl_gen;
		m.size = sl->sl_size;
		if (slots_del(&pl->pl_slots, m.slot_id, err) != 0 ||
		    slots_map(&pl->pl_slots, m.slot_id, m.generation, fd,
		    m.size, 1, err) != 0)
			return spd_err_prefix(err, "remapping RAM slot %u "
			    "writable", m.slot_id);
	}
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		if (pl->pl_slotfd[i] != -1) {
			close(pl->pl_slotfd[i]);
			pl->pl_slotfd[i] = -1;
		}

	if ((pl->pl_doorbell_ev = event_new(pl->pl_wk->wk_base, doorbell,
	    EV_READ | EV_PERSIST, plink_doorbell_cb, pl)) == NULL ||
	    (pl->pl_drain_ev = event_new(pl->pl_wk->wk_base, -1, 0,
	    plink_drain_cb, pl)) == NULL ||
	    (pl->pl_retry_ev = evtimer_new(pl->pl_wk->wk_base,
	    plink_drain_cb, pl)) == NULL)
		return spd_err_set(err, "DEVICE: event_new failed");

	/* From here on, what fails is the producer's memory. */
	if (dv->ram_offset % QXLSHM_RAM_ALIGN != 0 ||
	    dv->ram_offset > QXLSHM_OFFSET_MASK) {
		plink_fault(pl, "QXLRam offset 0x%llx is not %u-aligned "
		    "or too large", (unsigned long long)dv->ram_offset,
		    QXLSHM_RAM_ALIGN);
		return 0;
	}
	phys = QXLSHM_PHYS(dv->ram_slot, sl->sl_gen, dv->ram_offset);
	if (slots_resolve_rw(&pl->pl_slots, phys, QXLSHM_RAM_REGION_SIZE,
	    &ram, &perr) != 0) {
		plink_fault(pl, "QXLRam region: %s", perr.msg);
		return 0;
	}
	if (ring_init(&pl->pl_ring, ram, QXLSHM_RAM_REGION_SIZE, &perr) !=
	    0) {
		plink_fault(pl, "QXLRam: %s", perr.msg);
		return 0;
	}
	if (event_add(pl->pl_doorbell_ev, NULL) != 0)
		return spd_err_set(err, "DEVICE: event_add failed");
	log_info("display \"%s\": producer attached to the %s (QXLRam in "
	    "slot %u at 0x%llx)", pl->pl_wk->wk_display, pl->pl_ops->po_ring,
	    dv->ram_slot, (unsigned long long)dv->ram_offset);
	/* Commands may already be waiting, with no doorbell to come. */
	plink_drain(pl);
	return 0;
}

