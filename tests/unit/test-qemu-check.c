/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for producers/qemu/qemu-check.c: what spiced-qemu takes from
 * QEMU and what it refuses, with the reasons it logs.
 */
#include <pixman.h>

#include "qemu-check.h"
#include "test-helper.h"

static void
test_pixels(void)
{
	struct spd_err err;

	ASSERT_INT_EQ(qcheck_pixels(720, 400, 2880, PIXMAN_x8r8g8b8,
	    2880 * 400, &err), 32);
	/* The last row need not be padded to the stride. */
	ASSERT_INT_EQ(qcheck_pixels(10, 2, 64, PIXMAN_r5g6b5, 64 + 20, &err),
	    16);
	ASSERT_INT_EQ(qcheck_pixels(10, 2, 64, PIXMAN_r5g6b5, 64 + 19, &err),
	    -1);
	ASSERT_STR_CONTAINS(err.msg, "need 84 bytes, got 83");
	ASSERT_INT_EQ(qcheck_pixels(720, 400, 2876, PIXMAN_x8r8g8b8,
	    1u << 30, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "stride 2876");
	ASSERT_INT_EQ(qcheck_pixels(0, 400, 2880, PIXMAN_x8r8g8b8, 1u << 30,
	    &err), -1);
	ASSERT_INT_EQ(qcheck_pixels(QCHECK_MAX_DIM + 1, 1, UINT32_MAX,
	    PIXMAN_x8r8g8b8, SIZE_MAX, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "not within");
	/* Huge strides do not wrap around. */
	ASSERT_INT_EQ(qcheck_pixels(16, QCHECK_MAX_DIM, UINT32_MAX,
	    PIXMAN_x8r8g8b8, UINT32_MAX, &err), -1);
	ASSERT_INT_EQ(qcheck_pixels(8, 8, 32, 0x12345678, 1024, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "format 0x12345678");
	ASSERT_INT_EQ(qcheck_pixels(8, 8, 8, PIXMAN_a1, 1024, &err), -1);
}

static void
test_rect(void)
{
	struct spd_err err;

	ASSERT_INT_EQ(qcheck_rect(0, 384, 720, 16, 720, 400, &err), 0);
	ASSERT_INT_EQ(qcheck_rect(0, 385, 720, 16, 720, 400, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "720x16+0+385 outside the 720x400");
	ASSERT_INT_EQ(qcheck_rect(-1, 0, 1, 1, 720, 400, &err), -1);
	ASSERT_INT_EQ(qcheck_rect(0, 0, 0, 1, 720, 400, &err), -1);
	/* x + w beyond 2^31 does not wrap into the console. */
	ASSERT_INT_EQ(qcheck_rect(INT32_MAX, 0, INT32_MAX, 1, 1u << 31, 400,
	    &err), -1);
}

static void
test_cursor(void)
{
	struct spd_err err;
	int32_t hx = 40, hy = -3;

	ASSERT_INT_EQ(qcheck_cursor(32, 32, &hx, &hy, 32 * 32 * 4, &err), 0);
	ASSERT_INT_EQ(hx, 31);
	ASSERT_INT_EQ(hy, 0);
	ASSERT_INT_EQ(qcheck_cursor(32, 32, &hx, &hy, 32 * 32 * 4 - 1, &err),
	    -1);
	ASSERT_STR_CONTAINS(err.msg, "32x32 with 4095 bytes");
	ASSERT_INT_EQ(qcheck_cursor(QCHECK_CURSOR_MAX + 1, 1, &hx, &hy,
	    (QCHECK_CURSOR_MAX + 1) * 4, &err), -1);
	ASSERT_INT_EQ(qcheck_cursor(-4, 4, &hx, &hy, 0, &err), -1);
}

static void
test_chunk(void)
{
	uint8_t b[16] = { 1, 0, 0, 0, 5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o' };
	struct spd_err err;
	uint32_t size;

	ASSERT_INT_EQ(qcheck_chunk(b, 7, 1, 4096, &size, &err), 0);
	ASSERT_INT_EQ(qcheck_chunk(b, 12, 1, 4096, &size, &err), 0);
	ASSERT_INT_EQ(qcheck_chunk(b, 13, 1, 4096, &size, &err), 1);
	ASSERT_INT_EQ(size, 5);
	b[0] = 7;
	ASSERT_INT_EQ(qcheck_chunk(b, 8, 1, 4096, &size, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "port 7 of 5 bytes");
	b[0] = 1;
	b[4] = 0;
	ASSERT_INT_EQ(qcheck_chunk(b, 8, 1, 4096, &size, &err), -1);
	b[5] = 0x20;	/* 8192 */
	ASSERT_INT_EQ(qcheck_chunk(b, 8, 1, 4096, &size, &err), -1);
}

int
main(void)
{
	test_pixels();
	test_rect();
	test_cursor();
	test_chunk();
	printf("test-qemu-check: ok\n");
	return 0;
}
