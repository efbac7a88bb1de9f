/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libqxlshm-slot: memory slots (sealed memfds announced with MEMSLOT_ADD)
 * and the allocator that hands out their memory; see libqxlshm.h.
 *
 * Each slot has a private, offset-sorted list of blocks (first fit,
 * coalescing on free).  The bookkeeping stays out of shared memory so the
 * server, which maps the slots, never sees it and nothing it could write
 * would confuse us.  A command block heads a group of linked blocks freed
 * together when its release id (the command's QXLPHYSICAL) comes back.
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libqxlshm.h"
#include "libqxlshm-int.h"

void
qxlshm_slot_free(struct qxlshm_slot *sl)
{
	struct qxlshm_blk *b, *next;

	for (b = sl->sl_blocks; b != NULL; b = next) {
		next = b->b_next;
		free(b);
	}
	if (sl->sl_base != NULL)
		munmap(sl->sl_base, (size_t)sl->sl_size);
	if (sl->sl_fd != -1)
		close(sl->sl_fd);
	memset(sl, 0, sizeof(*sl));
	sl->sl_fd = -1;
}

int
qxlshm_slot_create(struct qxlshm *q, uint32_t id, uint64_t size)
{
	struct qxlshm_memslot_add add;
	struct qxlshm_slot *sl;
	char name[32];
	void *p;
	int fd;

	if (id >= QXLSHM_MAX_SLOTS || q->q_slot[id].sl_base != NULL)
		return qxlshm_seterr(q, "slot %" PRIu32 ": id out of range or "
		    "in use", id);
	if (size == 0 || size > QXLSHM_MAX_SLOT_SIZE || size > SIZE_MAX)
		return qxlshm_seterr(q, "slot %" PRIu32 ": size %" PRIu64
		    " out of range", id, size);
	snprintf(name, sizeof(name), "qxlshm-slot%" PRIu32, id);
	if ((fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING)) == -1)
		return qxlshm_seterr(q, "memfd_create: %s", strerror(errno));
	if (ftruncate(fd, (off_t)size) == -1) {
		qxlshm_seterr(q, "slot %" PRIu32 ": ftruncate %" PRIu64 ": %s",
		    id, size, strerror(errno));
		close(fd);
		return -1;
	}
	/* The server refuses a file that could shrink under its mapping. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
	    F_SEAL_SEAL) == -1) {
		qxlshm_seterr(q, "slot %" PRIu32 ": F_ADD_SEALS: %s", id,
		    strerror(errno));
		close(fd);
		return -1;
	}
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		qxlshm_seterr(q, "slot %" PRIu32 ": mmap: %s", id,
		    strerror(errno));
		close(fd);
		return -1;
	}
	memset(&add, 0, sizeof(add));
	add.slot_id = id;
	add.generation = 0;
	add.size = size;
	if (qxlshm_send_msg(q, QXLSHM_MSG_MEMSLOT_ADD, &add, sizeof(add), &fd,
	    1) == -1) {
		munmap(p, (size_t)size);
		close(fd);
		return -1;
	}
	sl = &q->q_slot[id];
	sl->sl_base = p;
	sl->sl_size = size;
	sl->sl_gen = 0;
	sl->sl_fd = fd;
	sl->sl_used = 0;
	if ((sl->sl_blocks = calloc(1, sizeof(*sl->sl_blocks))) == NULL) {
		qxlshm_slot_free(sl);
		return qxlshm_seterr(q, "out of memory");
	}
	sl->sl_blocks->b_size = size;
	sl->sl_blocks->b_slot = id;
	return 0;
}

void *
qxlshm_slot_base(struct qxlshm *q, uint32_t id, uint64_t *size)
{
	if (id >= QXLSHM_MAX_SLOTS || q->q_slot[id].sl_base == NULL)
		return NULL;
	if (size != NULL)
		*size = q->q_slot[id].sl_size;
	return q->q_slot[id].sl_base;
}

int
qxlshm_slot_fd(const struct qxlshm *q, uint32_t id)
{
	if (id >= QXLSHM_MAX_SLOTS || q->q_slot[id].sl_base == NULL)
		return -1;
	return q->q_slot[id].sl_fd;
}

uint64_t
qxlshm_slot_used(struct qxlshm *q, uint32_t id)
{
	return id < QXLSHM_MAX_SLOTS ? q->q_slot[id].sl_used : 0;
}

/* The slot holding ptr, or -1. */
static int
qxlshm_slot_of(struct qxlshm *q, const void *ptr, uint64_t *off)
{
	const uint8_t *p = ptr;
	uint32_t i;

	for (i = 0; i < QXLSHM_MAX_SLOTS; i++) {
		struct qxlshm_slot *sl = &q->q_slot[i];

		if (sl->sl_base != NULL && p >= sl->sl_base &&
		    (uint64_t)(p - sl->sl_base) < sl->sl_size) {
			*off = (uint64_t)(p - sl->sl_base);
			return (int)i;
		}
	}
	return -1;
}

uint64_t
qxlshm_phys(struct qxlshm *q, const void *ptr)
{
	uint64_t off;
	int id;

	if ((id = qxlshm_slot_of(q, ptr, &off)) == -1)
		return 0;
	return QXLSHM_PHYS(id, q->q_slot[id].sl_gen, off);
}

static struct qxlshm_blk *
qxlshm_blk_find(struct qxlshm_slot *sl, uint64_t off)
{
	struct qxlshm_blk *b;

	for (b = sl->sl_blocks; b != NULL; b = b->b_next)
		if (b->b_off == off)
			return b->b_used ? b : NULL;
	return NULL;
}

void *
qxlshm_alloc(struct qxlshm *q, uint32_t slot, size_t size, uint64_t *phys)
{
	struct qxlshm_slot *sl;
	struct qxlshm_blk *b, *rest;
	uint64_t need;

	if (slot >= QXLSHM_MAX_SLOTS || q->q_slot[slot].sl_base == NULL) {
		errno = EINVAL;
		qxlshm_seterr(q, "alloc: slot %" PRIu32 " absent", slot);
		return NULL;
	}
	sl = &q->q_slot[slot];
	if (size == 0 || size > sl->sl_size) {
		errno = size == 0 ? EINVAL : ENOMEM;
		qxlshm_seterr(q, "alloc: %zu bytes do not fit slot %" PRIu32,
		    size, slot);
		return NULL;
	}
	need = ((uint64_t)size + QXLSHM_ALLOC_ALIGN - 1) &
	    ~(uint64_t)(QXLSHM_ALLOC_ALIGN - 1);
	for (b = sl->sl_blocks; b != NULL; b = b->b_next)
		if (!b->b_used && b->b_size >= need)
			break;
	if (b == NULL) {
		errno = ENOMEM;
		qxlshm_seterr(q, "alloc: no %zu free bytes in slot %" PRIu32
		    " (%" PRIu64 " of %" PRIu64 " in use)", size, slot,
		    sl->sl_used, sl->sl_size);
		return NULL;
	}
	if (b->b_size > need) {
		if ((rest = calloc(1, sizeof(*rest))) == NULL) {
			qxlshm_seterr(q, "out of memory");
			return NULL;
		}
		rest->b_off = b->b_off + need;
		rest->b_slot = slot;
		rest->b_size = b->b_size - need;
		rest->b_prev = b;
		rest->b_next = b->b_next;
		if (b->b_next != NULL)
			b->b_next->b_prev = rest;
		b->b_next = rest;
		b->b_size = need;
	}
	b->b_used = 1;
	b->b_cmd = 0;
	b->b_group = NULL;
	sl->sl_used += b->b_size;
	memset(sl->sl_base + b->b_off, 0, size);
	if (phys != NULL)
		*phys = QXLSHM_PHYS(slot, sl->sl_gen, b->b_off);
	return sl->sl_base + b->b_off;
}

void *
qxlshm_alloc_cmd(struct qxlshm *q, uint32_t slot, size_t size,
    uint64_t *phys)
{
	QXLReleaseInfo ri;
	uint64_t p, off = 0;
	void *ptr;
	int id;

	if (size < sizeof(ri)) {
		errno = EINVAL;
		qxlshm_seterr(q, "alloc_cmd: %zu bytes cannot hold a "
		    "QXLReleaseInfo", size);
		return NULL;
	}
	if ((ptr = qxlshm_alloc(q, slot, size, &p)) == NULL)
		return NULL;
	id = qxlshm_slot_of(q, ptr, &off);
	qxlshm_blk_find(&q->q_slot[id], off)->b_cmd = 1;
	/* The release id is the command's own address: unique while the
	 * command lives and found again in O(blocks). */
	ri.id = p;
	memcpy(ptr, &ri, sizeof(ri));
	if (phys != NULL)
		*phys = p;
	return ptr;
}

static struct qxlshm_blk *
qxlshm_blk_of(struct qxlshm *q, const void *ptr, struct qxlshm_slot **slp)
{
	uint64_t off;
	int id;

	if ((id = qxlshm_slot_of(q, ptr, &off)) == -1)
		return NULL;
	*slp = &q->q_slot[id];
	return qxlshm_blk_find(*slp, off);
}

int
qxlshm_link(struct qxlshm *q, void *cmd, void *child)
{
	struct qxlshm_slot *csl, *chsl;
	struct qxlshm_blk *c, *ch, *b;

	if ((c = qxlshm_blk_of(q, cmd, &csl)) == NULL || !c->b_cmd ||
	    (ch = qxlshm_blk_of(q, child, &chsl)) == NULL || ch->b_cmd) {
		errno = EINVAL;
		return qxlshm_seterr(q, "link: not a command and a plain "
		    "allocation");
	}
	for (b = c; b->b_group != NULL; b = b->b_group)
		if (b->b_group == ch)
			return 0;
	b->b_group = ch;
	ch->b_group = NULL;
	return 0;
}

/* Mark b free and merge it with free neighbours. */
static void
qxlshm_blk_release(struct qxlshm_slot *sl, struct qxlshm_blk *b)
{
	struct qxlshm_blk *n;

	sl->sl_used -= b->b_size;
	b->b_used = 0;
	b->b_cmd = 0;
	b->b_group = NULL;
	if ((n = b->b_next) != NULL && !n->b_used) {
		b->b_size += n->b_size;
		b->b_next = n->b_next;
		if (n->b_next != NULL)
			n->b_next->b_prev = b;
		free(n);
	}
	if ((n = b->b_prev) != NULL && !n->b_used) {
		n->b_size += b->b_size;
		n->b_next = b->b_next;
		if (b->b_next != NULL)
			b->b_next->b_prev = n;
		free(b);
	}
}

/*
 * Free a block and, for a command, its group.  The next group member is
 * in use, so merging frees never touch it and the saved pointer stays
 * valid; each block records its slot because a group may span slots.
 */
static void
qxlshm_free_group(struct qxlshm *q, struct qxlshm_blk *b)
{
	struct qxlshm_blk *next;

	for (; b != NULL; b = next) {
		next = b->b_group;
		qxlshm_blk_release(&q->q_slot[b->b_slot], b);
	}
}

void
qxlshm_free(struct qxlshm *q, void *ptr)
{
	struct qxlshm_slot *sl;
	struct qxlshm_blk *b;

	if (ptr == NULL || (b = qxlshm_blk_of(q, ptr, &sl)) == NULL)
		return;
	qxlshm_free_group(q, b);
}

int
qxlshm_release(struct qxlshm *q, uint64_t id)
{
	struct qxlshm_slot *sl;
	struct qxlshm_blk *b;
	uint64_t slot = id >> QXLSHM_SLOT_SHIFT;

	if (slot >= QXLSHM_MAX_SLOTS || (sl = &q->q_slot[slot])->sl_base ==
	    NULL || ((id >> QXLSHM_GEN_SHIFT) & 0xff) != sl->sl_gen ||
	    (b = qxlshm_blk_find(sl, id & QXLSHM_OFFSET_MASK)) == NULL ||
	    !b->b_cmd)
		return qxlshm_seterr(q, "release id 0x%016" PRIx64 " names no "
		    "live command", id);
	qxlshm_free_group(q, b);
	return 0;
}
