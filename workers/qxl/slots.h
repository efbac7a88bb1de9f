/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * slots: the table of producer memory slots (memfds) and the resolution of
 * QXLPHYSICAL addresses into them, with bounds checks.
 *
 * A QXLPHYSICAL is slot<<56 | generation<<48 | offset (qxl-shm.h).  An
 * address is valid for len bytes iff the slot id is < QXLSHM_MAX_SLOTS and
 * present, the generation matches the slot's, and [offset, offset+len) lies
 * inside the slot without overflow.  Resolution never reads the memory: the
 * caller copies what it resolved into private memory before looking at it
 * (the producer may change shared memory at any time).
 */
#ifndef QXLSHM_SLOTS_H
#define QXLSHM_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "qxl-shm.h"

struct slots_slot {
	uint8_t		*sl_base;	/* NULL: slot absent */
	uint64_t	 sl_size;
	uint8_t		 sl_gen;
	int		 sl_owned;	/* mapped by slots_map: unmap on del */
	int		 sl_writable;	/* mapping allows writes */
};

struct slots {
	struct slots_slot	s_slot[QXLSHM_MAX_SLOTS];
};

/* Mark every slot absent.  Does not unmap anything (see slots_clear). */
void	slots_init(struct slots *);

/* Register memory the caller mapped (and keeps mapped until slots_del) as
 * slot id with generation gen (0..255), size bytes.  Fails if id or gen is
 * out of range, the slot is present, size is 0 or > QXLSHM_MAX_SLOT_SIZE. */
int	slots_add(struct slots *, uint32_t id, uint32_t gen, void *base,
	    uint64_t size, struct spd_err *);

/* mmap fd (MAP_SHARED, read-only unless writable) as slot id.  Checks
 * before mapping that the memfd carries F_SEAL_SHRINK and is at least size
 * bytes long (a shrinkable file could SIGBUS us).  The table owns the
 * mapping; fd may be closed afterwards. */
int	slots_map(struct slots *, uint32_t id, uint32_t gen, int fd,
	    uint64_t size, int writable, struct spd_err *);

/* Remove slot id (unmapping it if slots_map mapped it).  Returns -1 if
 * the id is out of range or absent. */
int	slots_del(struct slots *, uint32_t id, struct spd_err *);

/* Remove every slot (unmapping owned mappings). */
void	slots_clear(struct slots *);

/* Resolve phys for len bytes (len 0 is allowed and checks the offset is
 * <= size).  On success *out points at the first byte in the mapping and 0
 * is returned; on failure -1, *out untouched, err says which check failed
 * ("QXLPHYSICAL 0x...: slot 9 out of range", "...generation 3, slot 1 is
 * at generation 2", "...offset 0x... + 64 past the end of slot 1 (size
 * 0x...)"). */
int	slots_resolve(const struct slots *, uint64_t phys, uint64_t len,
	    const uint8_t **out, struct spd_err *);

/* As slots_resolve for a slot that was mapped writable (the RAM region:
 * the consumer writes cons, notify_on_prod and the release ring). */
int	slots_resolve_rw(const struct slots *, uint64_t phys, uint64_t len,
	    uint8_t **out, struct spd_err *);

/* Resolve then memcpy len bytes to dst: the copy-then-validate primitive.
 * dst is untouched on failure. */
int	slots_copy(const struct slots *, uint64_t phys, void *dst, size_t len,
	    struct spd_err *);

/* Describe phys as "slot S offset 0xO" (or "QXLPHYSICAL 0x..." if it does
 * not even name a valid slot id) into buf for error messages; returns buf. */
const char *slots_phys_str(uint64_t phys, char *buf, size_t len);

#define SLOTS_PHYS_STRLEN	48

#endif
