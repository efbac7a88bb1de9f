/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-slots: workers/qxl/slots.c, the QXLPHYSICAL bounds checks and the memfd
 * seal/size checks of slots_map.
 */
#include <sys/mman.h>

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "err.h"
#include "slots.h"
#include "test-helper.h"

static void
test_resolve(void)
{
	struct slots s;
	struct spd_err err;
	static uint8_t mem[4096];
	const uint8_t *p;
	char buf[SLOTS_PHYS_STRLEN];

	slots_init(&s);
	ASSERT_INT_EQ(slots_add(&s, 3, 7, mem, sizeof(mem), &err), 0);
	ASSERT_INT_EQ(slots_add(&s, 3, 7, mem, sizeof(mem), &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "already present");
	ASSERT_INT_EQ(slots_add(&s, QXLSHM_MAX_SLOTS, 0, mem, 16, &err), -1);
	ASSERT_INT_EQ(slots_add(&s, 1, 256, mem, 16, &err), -1);
	ASSERT_INT_EQ(slots_add(&s, 1, 0, mem, 0, &err), -1);
	ASSERT_INT_EQ(slots_add(&s, 1, 0, mem, QXLSHM_MAX_SLOT_SIZE + 1, &err),
	    -1);

	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(3, 7, 0), 4096, &p, &err),
	    0);
	ASSERT_TRUE(p == mem);
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(3, 7, 4000), 96, &p, &err),
	    0);
	ASSERT_TRUE(p == mem + 4000);
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(3, 7, 4096), 0, &p, &err),
	    0);
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(3, 7, 4000), 97, &p, &err),
	    -1);
	ASSERT_STR_CONTAINS(err.msg, "past the end of slot 3");
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(3, 7, 4097), 0, &p, &err),
	    -1);
	/* off + len wrapping 64 bits must not pass. */
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(3, 7, 16), UINT64_MAX - 8,
	    &p, &err), -1);
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(3, 7, QXLSHM_OFFSET_MASK),
	    2, &p, &err), -1);
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(3, 6, 0), 1, &p, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "generation 6, slot 3 is at generation 7");
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(2, 7, 0), 1, &p, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "slot 2 not present");
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(255, 7, 0), 1, &p, &err),
	    -1);
	ASSERT_STR_CONTAINS(err.msg, "out of range");
	ASSERT_STR_EQ(slots_phys_str(QXLSHM_PHYS(3, 7, 0x10), buf,
	    sizeof(buf)), "slot 3 offset 0x10");

	ASSERT_INT_EQ(slots_del(&s, 3, &err), 0);
	ASSERT_INT_EQ(slots_del(&s, 3, &err), -1);
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(3, 7, 0), 1, &p, &err), -1);
}

static int
test_memfd(size_t size, unsigned int seals)
{
	int fd = memfd_create("test-slots", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	ASSERT_TRUE(fd != -1);
	ASSERT_INT_EQ(ftruncate(fd, (off_t)size), 0);
	if (seals != 0)
		ASSERT_INT_EQ(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

static void
test_map(void)
{
	struct slots s;
	struct spd_err err;
	const uint8_t *p;
	uint8_t *w;
	int fd;

	slots_init(&s);
	fd = test_memfd(8192, 0);
	ASSERT_INT_EQ(slots_map(&s, 1, 0, fd, 8192, 0, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "F_SEAL_SHRINK");
	close(fd);

	fd = test_memfd(4096, F_SEAL_SHRINK | F_SEAL_GROW);
	ASSERT_INT_EQ(slots_map(&s, 1, 0, fd, 8192, 0, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "smaller than");
	ASSERT_INT_EQ(slots_map(&s, 1, 0, fd, 4096, 0, &err), 0);
	close(fd);
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(1, 0, 100), 8, &p, &err),
	    0);
	ASSERT_INT_EQ(slots_resolve_rw(&s, QXLSHM_PHYS(1, 0, 100), 8, &w,
	    &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "read-only");

	fd = test_memfd(4096, F_SEAL_SHRINK);
	ASSERT_INT_EQ(slots_map(&s, 2, 1, fd, 4096, 1, &err), 0);
	ASSERT_INT_EQ(slots_resolve_rw(&s, QXLSHM_PHYS(2, 1, 0), 4096, &w,
	    &err), 0);
	w[0] = 42;	/* writable mapping of the shared file */
	{
		uint8_t b = 0;

		ASSERT_INT_EQ(pread(fd, &b, 1, 0), 1);
		ASSERT_INT_EQ(b, 42);
	}
	close(fd);
	slots_clear(&s);
	ASSERT_INT_EQ(slots_resolve(&s, QXLSHM_PHYS(2, 1, 0), 1, &p, &err), -1);
}

int
main(void)
{
	test_resolve();
	test_map();
	printf("test-slots: ok\n");
	return 0;
}
