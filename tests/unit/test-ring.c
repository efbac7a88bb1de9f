/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ring: workers/qxl/ring.c against a QXLRam region initialised the way a
 * producer does it, including a producer that corrupts the indexes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <spice/qxl_dev.h>

#include "err.h"
#include "qxl-shm.h"
#include "ring.h"
#include "test-helper.h"

static uint8_t *ram;

static QXLRam *
R(void)
{
	return (QXLRam *)(void *)ram;
}

static QXLReleaseRing *
CREL(void)
{
	return (QXLReleaseRing *)(void *)(ram +
	    QXLSHM_RAM_CURSOR_RELEASE_OFFSET);
}

static void
t_init_region(void)
{
	memset(ram, 0, QXLSHM_RAM_REGION_SIZE);
	R()->magic = QXL_RAM_MAGIC;
	R()->int_mask = QXL_INTERRUPT_DISPLAY;
	SPICE_RING_INIT(&R()->cmd_ring);
	SPICE_RING_INIT(&R()->cursor_ring);
	SPICE_RING_INIT(&R()->release_ring);
	SPICE_RING_INIT(CREL());
}

/* Producer side push, as libqxlshm does it. */
static int
t_push(QXLCommandRing *r, uint64_t data, uint32_t type)
{
	if (r->prod - r->cons == QXL_COMMAND_RING_SIZE)
		return 0;
	r->items[r->prod & (QXL_COMMAND_RING_SIZE - 1)].el.data = data;
	r->items[r->prod & (QXL_COMMAND_RING_SIZE - 1)].el.type = type;
	r->prod++;
	return r->prod == r->notify_on_prod ? 2 : 1;
}

static void
test_init(void)
{
	struct ring r;
	struct spd_err err;

	t_init_region();
	ASSERT_INT_EQ(ring_init(&r, ram, QXLSHM_RAM_REGION_SIZE, &err), 0);
	ASSERT_INT_EQ(ring_init(&r, ram, QXLSHM_RAM_REGION_SIZE - 1, &err), -1);
	ASSERT_INT_EQ(ring_init(&r, ram + 4, QXLSHM_RAM_REGION_SIZE, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "aligned");
	R()->magic = 0;
	ASSERT_INT_EQ(ring_init(&r, ram, QXLSHM_RAM_REGION_SIZE, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "magic");
	t_init_region();
	R()->cmd_ring.num_items = 64;
	ASSERT_INT_EQ(ring_init(&r, ram, QXLSHM_RAM_REGION_SIZE, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "num_items");
	t_init_region();
	CREL()->num_items = 0;
	ASSERT_INT_EQ(ring_init(&r, ram, QXLSHM_RAM_REGION_SIZE, &err), -1);
	t_init_region();
	R()->cursor_ring.prod = 33;
	ASSERT_INT_EQ(ring_init(&r, ram, QXLSHM_RAM_REGION_SIZE, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "cursor ring");
	ASSERT_INT_EQ(ring_pop_cmd(&r, &(QXLCommand){ 0 }, NULL, &err), -1);
}

static void
test_pop(void)
{
	struct ring r;
	struct spd_err err;
	QXLCommand c;
	int notify = 0, i;

	t_init_region();
	ASSERT_INT_EQ(ring_init(&r, ram, QXLSHM_RAM_REGION_SIZE, &err), 0);
	/* Empty: arms notify_on_prod = prod + 1. */
	R()->cmd_ring.notify_on_prod = 0;
	ASSERT_INT_EQ(ring_pop_cmd(&r, &c, &notify, &err), 0);
	ASSERT_INT_EQ(R()->cmd_ring.notify_on_prod, 1);
	ASSERT_INT_EQ(t_push(&R()->cmd_ring, 0x100, QXL_CMD_DRAW), 2);
	ASSERT_INT_EQ(ring_cmd_pending(&r), 1);
	ASSERT_INT_EQ(ring_pop_cmd(&r, &c, &notify, &err), 1);
	ASSERT_U64_EQ(c.data, 0x100);
	ASSERT_INT_EQ(c.type, QXL_CMD_DRAW);
	ASSERT_INT_EQ(R()->cmd_ring.cons, 1);
	ASSERT_INT_EQ(notify, 0);

	/* Fill the ring; the producer waits for room (notify_on_cons). */
	for (i = 0; i < QXL_COMMAND_RING_SIZE; i++)
		ASSERT_TRUE(t_push(&R()->cmd_ring, (uint64_t)i, 1) > 0);
	ASSERT_INT_EQ(t_push(&R()->cmd_ring, 99, 1), 0);
	R()->cmd_ring.notify_on_cons = R()->cmd_ring.cons + 1;
	ASSERT_INT_EQ(ring_pop_cmd(&r, &c, &notify, &err), 1);
	ASSERT_INT_EQ(notify, 1);
	ASSERT_U64_EQ(c.data, 0);
	for (i = 1; i < QXL_COMMAND_RING_SIZE; i++) {
		ASSERT_INT_EQ(ring_pop_cmd(&r, &c, NULL, &err), 1);
		ASSERT_U64_EQ(c.data, (uint64_t)i);
	}
	ASSERT_INT_EQ(ring_pop_cmd(&r, &c, NULL, &err), 0);
	ASSERT_INT_EQ(R()->cmd_ring.notify_on_prod, R()->cmd_ring.prod + 1);

	/* Corruption: prod far ahead; cons rewritten by the producer is
	 * ignored (the private copy rules). */
	R()->cmd_ring.prod += QXL_COMMAND_RING_SIZE + 1;
	ASSERT_INT_EQ(ring_pop_cmd(&r, &c, NULL, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "corrupt");
	R()->cmd_ring.prod -= QXL_COMMAND_RING_SIZE + 1;
	R()->cmd_ring.cons = 12345;
	ASSERT_INT_EQ(ring_pop_cmd(&r, &c, NULL, &err), 0);
	/* prod behind our cons is corruption too (wraps to a huge count). */
	R()->cmd_ring.prod -= 1;
	ASSERT_INT_EQ(ring_pop_cmd(&r, &c, NULL, &err), -1);
	ASSERT_INT_EQ(ring_cmd_pending(&r), -1);

	/* Cursor ring, free-running indexes across the 2^32 wrap. */
	t_init_region();
	R()->cursor_ring.prod = R()->cursor_ring.cons = UINT32_MAX - 1;
	ASSERT_INT_EQ(ring_init(&r, ram, QXLSHM_RAM_REGION_SIZE, &err), 0);
	for (i = 0; i < 4; i++)
		ASSERT_TRUE(t_push((QXLCommandRing *)(void *)&R()->cursor_ring,
		    (uint64_t)i + 7, QXL_CMD_CURSOR) > 0);
	for (i = 0; i < 4; i++) {
		ASSERT_INT_EQ(ring_pop_cursor(&r, &c, NULL, &err), 1);
		ASSERT_U64_EQ(c.data, (uint64_t)i + 7);
	}
	ASSERT_INT_EQ(ring_pop_cursor(&r, &c, NULL, &err), 0);
	ASSERT_INT_EQ(R()->cursor_ring.cons, 2);
}

static void
test_release(void)
{
	struct ring r;
	struct spd_err err;
	int notify = 0, i;

	t_init_region();
	ASSERT_INT_EQ(ring_init(&r, ram, QXLSHM_RAM_REGION_SIZE, &err), 0);
	/* notify_on_prod starts at 1: the first push notifies. */
	ASSERT_INT_EQ(ring_push_release(&r, RING_RELEASE_DISPLAY, 0xa0, &notify,
	    &err), 1);
	ASSERT_INT_EQ(notify, 1);
	ASSERT_U64_EQ(R()->release_ring.items[0].el, 0xa0);
	ASSERT_INT_EQ(R()->release_ring.prod, 1);
	for (i = 1; i < QXL_RELEASE_RING_SIZE; i++)
		ASSERT_INT_EQ(ring_push_release(&r, RING_RELEASE_DISPLAY,
		    0xa0 + (uint64_t)i, NULL, &err), 1);
	/* Full: 0, and the producer is asked to ring when it takes one. */
	ASSERT_INT_EQ(ring_push_release(&r, RING_RELEASE_DISPLAY, 0xff, NULL,
	    &err), 0);
	ASSERT_INT_EQ(R()->release_ring.notify_on_cons, 1);
	R()->release_ring.cons = 3;
	ASSERT_INT_EQ(ring_push_release(&r, RING_RELEASE_DISPLAY, 0xff, NULL,
	    &err), 1);
	ASSERT_U64_EQ(R()->release_ring.items[0].el, 0xff);
	/* The producer's cons ahead of our prod: corruption. */
	R()->release_ring.cons = 100;
	ASSERT_INT_EQ(ring_push_release(&r, RING_RELEASE_DISPLAY, 1, NULL,
	    &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "corrupt");
	/* The producer rewriting prod does not move ours. */
	R()->release_ring.cons = 9;
	R()->release_ring.prod = 5000;
	ASSERT_INT_EQ(ring_push_release(&r, RING_RELEASE_DISPLAY, 2, NULL,
	    &err), 1);
	ASSERT_INT_EQ(R()->release_ring.prod, 10);

	/* The cursor release ring is separate. */
	ASSERT_INT_EQ(ring_push_release(&r, RING_RELEASE_CURSOR, 0xc0, &notify,
	    &err), 1);
	ASSERT_U64_EQ(CREL()->items[0].el, 0xc0);
	ASSERT_INT_EQ(CREL()->prod, 1);

	/* Interrupts honour int_mask. */
	R()->int_pending = 0;
	ASSERT_INT_EQ(ring_irq(&r, QXL_INTERRUPT_DISPLAY), 1);
	ASSERT_INT_EQ(ring_irq(&r, QXL_INTERRUPT_CURSOR), 0);
	ASSERT_INT_EQ(R()->int_pending, QXL_INTERRUPT_DISPLAY |
	    QXL_INTERRUPT_CURSOR);
}

int
main(void)
{
	if ((ram = aligned_alloc(64, 8192)) == NULL)
		TEST_FAIL("aligned_alloc");
	test_init();
	test_pop();
	test_release();
	free(ram);
	printf("test-ring: ok\n");
	return 0;
}
