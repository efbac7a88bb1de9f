/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * slots: see slots.h.  The checks follow SPICE-NOTES 5.9 with the fixed
 * 8/8 bit split of qxl-shm.h; unlike a QXL device there is no address
 * delta: the offset is a byte offset into the memfd.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "slots.h"

void
slots_init(struct slots *s)
{
	memset(s, 0, sizeof(*s));
}

static int
slots_check_new(const struct slots *s, uint32_t id, uint32_t gen,
    uint64_t size, struct spd_err *err)
{
	if (id >= QXLSHM_MAX_SLOTS)
		return spd_err_set(err, "slot %" PRIu32 ": id out of range "
		    "(max %d)", id, QXLSHM_MAX_SLOTS - 1);
	if (gen > 0xff)
		return spd_err_set(err, "slot %" PRIu32 ": generation %"
		    PRIu32 " does not fit 8 bits", id, gen);
	if (s->s_slot[id].sl_base != NULL)
		return spd_err_set(err, "slot %" PRIu32 ": already present",
		    id);
	if (size == 0 || size > QXLSHM_MAX_SLOT_SIZE)
		return spd_err_set(err, "slot %" PRIu32 ": size %" PRIu64
		    " not in 1..%llu", id, size,
		    (unsigned long long)QXLSHM_MAX_SLOT_SIZE);
	return 0;
}

int
slots_add(struct slots *s, uint32_t id, uint32_t gen, void *base,
    uint64_t size, struct spd_err *err)
{
	struct slots_slot *sl;

	if (slots_check_new(s, id, gen, size, err) == -1)
		return -1;
	if (base == NULL)
		return spd_err_set(err, "slot %" PRIu32 ": no memory", id);
	sl = &s->s_slot[id];
	sl->sl_base = base;
	sl->sl_size = size;
	sl->sl_gen = (uint8_t)gen;
	sl->sl_owned = 0;
	sl->sl_writable = 1;	/* the caller knows; assume it may write */
	return 0;
}

int
slots_map(struct slots *s, uint32_t id, uint32_t gen, int fd, uint64_t size,
    int writable, struct spd_err *err)
{
	struct slots_slot *sl;
	struct stat st;
	void *p;
	int seals;

	if (slots_check_new(s, id, gen, size, err) == -1)
		return -1;
	/*
	 * The supervisor checked these already; check again because this is
	 * the process that would take the SIGBUS if the file could shrink.
	 */
	if ((seals = fcntl(fd, F_GET_SEALS)) == -1)
		return spd_err_errno(err, "slot %" PRIu32 ": F_GET_SEALS", id);
	if ((seals & F_SEAL_SHRINK) == 0)
		return spd_err_set(err, "slot %" PRIu32 ": memfd is not "
		    "sealed with F_SEAL_SHRINK", id);
	if (fstat(fd, &st) == -1)
		return spd_err_errno(err, "slot %" PRIu32 ": fstat", id);
	if (st.st_size < 0 || (uint64_t)st.st_size < size)
		return spd_err_set(err, "slot %" PRIu32 ": memfd is %lld "
		    "bytes, smaller than the announced %" PRIu64, id,
		    (long long)st.st_size, size);
	if (size > SIZE_MAX)
		return spd_err_set(err, "slot %" PRIu32 ": too large to map",
		    id);
	p = mmap(NULL, (size_t)size, PROT_READ | (writable ? PROT_WRITE : 0),
	    MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return spd_err_errno(err, "slot %" PRIu32 ": mmap %" PRIu64
		    " bytes", id, size);
	sl = &s->s_slot[id];
	sl->sl_base = p;
	sl->sl_size = size;
	sl->sl_gen = (uint8_t)gen;
	sl->sl_owned = 1;
	sl->sl_writable = writable != 0;
	return 0;
}

int
slots_del(struct slots *s, uint32_t id, struct spd_err *err)
{
	struct slots_slot *sl;

	if (id >= QXLSHM_MAX_SLOTS || s->s_slot[id].sl_base == NULL)
		return spd_err_set(err, "slot %" PRIu32 ": not present", id);
	sl = &s->s_slot[id];
	if (sl->sl_owned)
		munmap(sl->sl_base, (size_t)sl->sl_size);
	memset(sl, 0, sizeof(*sl));
	return 0;
}

void
slots_clear(struct slots *s)
{
	uint32_t i;

	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		if (s->s_slot[i].sl_base != NULL)
			(void)slots_del(s, i, NULL);
}

const char *
slots_phys_str(uint64_t phys, char *buf, size_t len)
{
	uint64_t id = phys >> QXLSHM_SLOT_SHIFT;

	if (id >= QXLSHM_MAX_SLOTS)
		snprintf(buf, len, "QXLPHYSICAL 0x%" PRIx64, phys);
	else
		snprintf(buf, len, "slot %" PRIu64 " offset 0x%" PRIx64, id,
		    (uint64_t)(phys & QXLSHM_OFFSET_MASK));
	return buf;
}

/* The one place every address check happens. */
static int
slots_lookup(const struct slots *s, uint64_t phys, uint64_t len,
    const struct slots_slot **slp, uint64_t *offp, struct spd_err *err)
{
	const struct slots_slot *sl;
	uint64_t id, gen, off;

	id = phys >> QXLSHM_SLOT_SHIFT;
	gen = (phys >> QXLSHM_GEN_SHIFT) & 0xff;
	off = (uint64_t)(phys & QXLSHM_OFFSET_MASK);
	if (id >= QXLSHM_MAX_SLOTS)
		return spd_err_set(err, "QXLPHYSICAL 0x%" PRIx64 ": slot %"
		    PRIu64 " out of range (max %d)", phys, id,
		    QXLSHM_MAX_SLOTS - 1);
	sl = &s->s_slot[id];
	if (sl->sl_base == NULL)
		return spd_err_set(err, "QXLPHYSICAL 0x%" PRIx64 ": slot %"
		    PRIu64 " not present", phys, id);
	if (gen != sl->sl_gen)
		return spd_err_set(err, "QXLPHYSICAL 0x%" PRIx64 ": generation "
		    "%" PRIu64 ", slot %" PRIu64 " is at generation %u", phys,
		    gen, id, sl->sl_gen);
	/* Compare against what remains so that off + len cannot wrap. */
	if (off > sl->sl_size || len > sl->sl_size - off)
		return spd_err_set(err, "QXLPHYSICAL 0x%" PRIx64 ": offset 0x%"
		    PRIx64 " + %" PRIu64 " bytes past the end of slot %" PRIu64
		    " (size 0x%" PRIx64 ")", phys, off, len, id, sl->sl_size);
	*slp = sl;
	*offp = off;
	return 0;
}

int
slots_resolve(const struct slots *s, uint64_t phys, uint64_t len,
    const uint8_t **out, struct spd_err *err)
{
	const struct slots_slot *sl;
	uint64_t off;

	if (slots_lookup(s, phys, len, &sl, &off, err) == -1)
		return -1;
	*out = sl->sl_base + off;
	return 0;
}

int
slots_resolve_rw(const struct slots *s, uint64_t phys, uint64_t len,
    uint8_t **out, struct spd_err *err)
{
	const struct slots_slot *sl;
	uint64_t off;

	if (slots_lookup(s, phys, len, &sl, &off, err) == -1)
		return -1;
	if (!sl->sl_writable)
		return spd_err_set(err, "QXLPHYSICAL 0x%" PRIx64 ": slot %"
		    PRIu64 " is mapped read-only", phys,
		    phys >> QXLSHM_SLOT_SHIFT);
	*out = sl->sl_base + off;
	return 0;
}

int
slots_copy(const struct slots *s, uint64_t phys, void *dst, size_t len,
    struct spd_err *err)
{
	const uint8_t *p;

	if (slots_resolve(s, phys, len, &p, err) == -1)
		return -1;
	memcpy(dst, p, len);
	return 0;
}
