/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ring: see ring.h.  Ring layout and the notify_on_prod/notify_on_cons
 * handshake are those of spice/ipc_ring.h (SPICE-NOTES 5.2); deviations:
 * release ids are pushed one per slot, never chained through
 * QXLReleaseInfo.next, and a second release ring follows QXLRam for the
 * cursor worker (qxl-shm.h).
 *
 * Fields are addressed by byte offset from the region base rather than as
 * members of the packed QXLRam: that keeps every access a plain aligned
 * 32- or 64-bit atomic (ring_init requires an 8-aligned base) and avoids
 * taking addresses of packed members.
 *
 * Ordering: the producer's index is read with acquire so the item it
 * published is visible; our index is written with release so our copy of
 * an item is complete before the producer may reuse the slot.  Arming a
 * notify field and re-reading the other side's index is a Dekker pattern
 * and needs a full fence between the store and the load, on both sides.
 */
#include <stddef.h>
#include <inttypes.h>
#include <string.h>

#include "qxl-shm.h"
#include "ring.h"

/* The layout qxl-shm.h promises, checked against the installed headers. */
_Static_assert(sizeof(QXLRam) == QXLSHM_RAM_QXLRAM_SIZE,
    "QXLRam size differs from qxl-shm.h");
_Static_assert(sizeof(QXLReleaseRing) == QXLSHM_RAM_REGION_SIZE -
    QXLSHM_RAM_CURSOR_RELEASE_OFFSET, "QXLReleaseRing size");
_Static_assert(sizeof(QXLCommand) == 16, "QXLCommand size");
_Static_assert(offsetof(QXLRam, release_ring) % 8 == 4 &&
    QXLSHM_RAM_CURSOR_RELEASE_OFFSET % 8 == 4,
    "release items must be 8-aligned (header is 20 bytes)");

/* Offsets inside a ring header (SPICE_RING_DECLARE). */
#define RING_OFF_NUM_ITEMS	0
#define RING_OFF_PROD		4
#define RING_OFF_NOTIFY_PROD	8
#define RING_OFF_CONS		12
#define RING_OFF_NOTIFY_CONS	16
#define RING_OFF_ITEMS		20

#define RING_CMD_OFF		offsetof(QXLRam, cmd_ring)
#define RING_CURSOR_OFF		offsetof(QXLRam, cursor_ring)
#define RING_REL_OFF		offsetof(QXLRam, release_ring)
#define RING_CREL_OFF		QXLSHM_RAM_CURSOR_RELEASE_OFFSET

#define RING_CMD_ITEMS		QXL_COMMAND_RING_SIZE
#define RING_CURSOR_ITEMS	QXL_CURSOR_RING_SIZE
#define RING_REL_ITEMS		QXL_RELEASE_RING_SIZE
#define RING_CMD_ITEM_SIZE	sizeof(QXLCommandRing_ring_el)
#define RING_REL_ITEM_SIZE	sizeof(QXLReleaseRing_ring_el)

static uint32_t *
ring_u32(struct ring *r, size_t off)
{
	return (uint32_t *)(void *)(r->rg_base + off);
}

static uint32_t
ring_load(struct ring *r, size_t off)
{
	return __atomic_load_n(ring_u32(r, off), __ATOMIC_ACQUIRE);
}

static void
ring_store(struct ring *r, size_t off, uint32_t v)
{
	__atomic_store_n(ring_u32(r, off), v, __ATOMIC_RELEASE);
}

static int
ring_check_header(struct ring *r, size_t off, uint32_t want,
    const char *name, struct spd_err *err)
{
	uint32_t n, prod, cons;

	n = ring_load(r, off + RING_OFF_NUM_ITEMS);
	if (n != want)
		return spd_err_set(err, "%s ring: num_items %" PRIu32
		    ", expected %" PRIu32, name, n, want);
	prod = ring_load(r, off + RING_OFF_PROD);
	cons = ring_load(r, off + RING_OFF_CONS);
	if (prod - cons > want)
		return spd_err_set(err, "%s ring: prod %" PRIu32 " is %" PRIu32
		    " ahead of cons %" PRIu32 ", more than its %" PRIu32
		    " items", name, prod, prod - cons, cons, want);
	return 0;
}

int
ring_init(struct ring *r, void *ram, size_t len, struct spd_err *err)
{
	uint32_t magic;

	memset(r, 0, sizeof(*r));
	if (ram == NULL || len < QXLSHM_RAM_REGION_SIZE)
		return spd_err_set(err, "RAM region of %zu bytes is smaller "
		    "than %d", len, QXLSHM_RAM_REGION_SIZE);
	if (((uintptr_t)ram % QXLSHM_RAM_ALIGN) != 0)
		return spd_err_set(err, "RAM region is not %d-byte aligned",
		    QXLSHM_RAM_ALIGN);
	r->rg_base = ram;
	magic = ring_load(r, offsetof(QXLRam, magic));
	if (magic != QXL_RAM_MAGIC) {
		r->rg_base = NULL;
		return spd_err_set(err, "RAM region: magic 0x%08" PRIx32
		    ", expected 0x%08x (\"QXRA\")", magic, QXL_RAM_MAGIC);
	}
	if (ring_check_header(r, RING_CMD_OFF, RING_CMD_ITEMS, "command",
	    err) == -1 ||
	    ring_check_header(r, RING_CURSOR_OFF, RING_CURSOR_ITEMS, "cursor",
	    err) == -1 ||
	    ring_check_header(r, RING_REL_OFF, RING_REL_ITEMS, "release",
	    err) == -1 ||
	    ring_check_header(r, RING_CREL_OFF, RING_REL_ITEMS,
	    "cursor release", err) == -1) {
		r->rg_base = NULL;
		return -1;
	}
	r->rg_cmd_cons = ring_load(r, RING_CMD_OFF + RING_OFF_CONS);
	r->rg_cursor_cons = ring_load(r, RING_CURSOR_OFF + RING_OFF_CONS);
	r->rg_rel_prod[RING_RELEASE_DISPLAY] =
	    ring_load(r, RING_REL_OFF + RING_OFF_PROD);
	r->rg_rel_prod[RING_RELEASE_CURSOR] =
	    ring_load(r, RING_CREL_OFF + RING_OFF_PROD);
	return 0;
}

/* One snapshot of prod, checked against our private cons. */
static int
ring_avail(struct ring *r, size_t off, uint32_t cons, uint32_t n,
    const char *name, struct spd_err *err)
{
	uint32_t prod = ring_load(r, off + RING_OFF_PROD);

	if (prod - cons > n)
		return spd_err_set(err, "%s ring corrupt: prod %" PRIu32
		    " is %" PRIu32 " ahead of cons %" PRIu32 " (ring holds %"
		    PRIu32 ")", name, prod, prod - cons, cons, n);
	return (int)(prod - cons);
}

static int
ring_pop(struct ring *r, size_t off, uint32_t *consp, uint32_t n,
    const char *name, QXLCommand *out, int *notify, struct spd_err *err)
{
	uint32_t cons = *consp;
	int avail;

	if (r->rg_base == NULL)
		return spd_err_set(err, "%s ring: not initialised", name);
	if ((avail = ring_avail(r, off, cons, n, name, err)) == -1)
		return -1;
	if (avail == 0) {
		/*
		 * Ask for a doorbell on the next push, then look again: a
		 * push that landed between the two reads did not see the
		 * armed value and will not ring.
		 */
		ring_store(r, off + RING_OFF_NOTIFY_PROD, cons + 1);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if ((avail = ring_avail(r, off, cons, n, name, err)) == -1)
			return -1;
		if (avail == 0)
			return 0;
	}
	memcpy(out, r->rg_base + off + RING_OFF_ITEMS +
	    (size_t)(cons & (n - 1)) * RING_CMD_ITEM_SIZE, sizeof(*out));
	cons++;
	*consp = cons;
	ring_store(r, off + RING_OFF_CONS, cons);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (ring_load(r, off + RING_OFF_NOTIFY_CONS) == cons && notify != NULL)
		*notify = 1;
	return 1;
}

int
ring_pop_cmd(struct ring *r, QXLCommand *out, int *notify,
    struct spd_err *err)
{
	return ring_pop(r, RING_CMD_OFF, &r->rg_cmd_cons, RING_CMD_ITEMS,
	    "command", out, notify, err);
}

int
ring_pop_cursor(struct ring *r, QXLCommand *out, int *notify,
    struct spd_err *err)
{
	return ring_pop(r, RING_CURSOR_OFF, &r->rg_cursor_cons,
	    RING_CURSOR_ITEMS, "cursor", out, notify, err);
}

int
ring_push_release(struct ring *r, enum ring_release_kind kind, uint64_t id,
    int *notify, struct spd_err *err)
{
	const char *name;
	uint32_t prod, cons;
	size_t off;

	if (r->rg_base == NULL)
		return spd_err_set(err, "release ring: not initialised");
	if (kind == RING_RELEASE_CURSOR) {
		off = RING_CREL_OFF;
		name = "cursor release";
	} else {
		kind = RING_RELEASE_DISPLAY;
		off = RING_REL_OFF;
		name = "release";
	}
	prod = r->rg_rel_prod[kind];
	cons = ring_load(r, off + RING_OFF_CONS);
	if (prod - cons > RING_REL_ITEMS)
		return spd_err_set(err, "%s ring corrupt: cons %" PRIu32
		    " is not within %d behind prod %" PRIu32, name, cons,
		    RING_REL_ITEMS, prod);
	if (prod - cons == RING_REL_ITEMS) {
		/* Full: ask for a doorbell when the producer takes one, then
		 * look again in case it did so meanwhile. */
		ring_store(r, off + RING_OFF_NOTIFY_CONS, cons + 1);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		cons = ring_load(r, off + RING_OFF_CONS);
		if (prod - cons > RING_REL_ITEMS)
			return spd_err_set(err, "%s ring corrupt: cons %"
			    PRIu32 " is not within %d behind prod %" PRIu32,
			    name, cons, RING_REL_ITEMS, prod);
		if (prod - cons == RING_REL_ITEMS)
			return 0;
	}
	/* Items are 8-aligned (static asserts + ring_init); a relaxed
	 * atomic store keeps the write single-copy. */
	__atomic_store_n((uint64_t *)(void *)(r->rg_base + off +
	    RING_OFF_ITEMS + (size_t)(prod & (RING_REL_ITEMS - 1)) *
	    RING_REL_ITEM_SIZE), id, __ATOMIC_RELAXED);
	prod++;
	r->rg_rel_prod[kind] = prod;
	ring_store(r, off + RING_OFF_PROD, prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (ring_load(r, off + RING_OFF_NOTIFY_PROD) == prod && notify != NULL)
		*notify = 1;
	return 1;
}

int
ring_irq(struct ring *r, uint32_t bits)
{
	uint32_t mask;

	if (r->rg_base == NULL)
		return 0;
	__atomic_fetch_or(ring_u32(r, offsetof(QXLRam, int_pending)), bits,
	    __ATOMIC_SEQ_CST);
	mask = ring_load(r, offsetof(QXLRam, int_mask));
	return (mask & bits) != 0;
}

int
ring_cmd_pending(struct ring *r)
{
	if (r->rg_base == NULL)
		return -1;
	return ring_avail(r, RING_CMD_OFF, r->rg_cmd_cons, RING_CMD_ITEMS,
	    "command", NULL);
}
