/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for shared/sbuf.c: every getter at and past the end, and
 * that a failed get consumes nothing; obuf growth, cap, patching and
 * adopting a block. */
#include <stdlib.h>

#include "sbuf.h"
#include "test-helper.h"

static void
test_getters(void)
{
	static const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	struct sbuf sb, sub;
	uint64_t u64;
	uint32_t u32;
	uint16_t u16;
	uint8_t u8, out[4];
	const uint8_t *p;

	sbuf_init(&sb, b, sizeof(b));
	ASSERT_INT_EQ(sbuf_get_u8(&sb, &u8), 0);
	ASSERT_INT_EQ(u8, 1);
	ASSERT_INT_EQ(sbuf_get_u16le(&sb, &u16), 0);
	ASSERT_INT_EQ(u16, 0x0302);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, &u32), 0);
	ASSERT_INT_EQ(u32, 0x07060504);
	ASSERT_INT_EQ(sbuf_left(&sb), 4);
	/* 8 bytes wanted, 4 left: fails and consumes nothing. */
	ASSERT_INT_EQ(sbuf_get_u64le(&sb, &u64), -1);
	ASSERT_INT_EQ(sbuf_left(&sb), 4);
	ASSERT_INT_EQ(sbuf_get_u32be(&sb, &u32), 0);
	ASSERT_INT_EQ(u32, 0x08090a0b);
	ASSERT_INT_EQ(sbuf_get_u8(&sb, &u8), -1);
	ASSERT_INT_EQ(sbuf_get_bytes(&sb, out, 1), -1);
	ASSERT_INT_EQ(sbuf_get_bytes(&sb, out, 0), 0);
	ASSERT_INT_EQ(sbuf_skip(&sb, 1), -1);

	sbuf_init(&sb, b, sizeof(b));
	ASSERT_INT_EQ(sbuf_get_u64le(&sb, &u64), 0);
	ASSERT_U64_EQ(u64, 0x0807060504030201ull);
	ASSERT_INT_EQ(sbuf_seek(&sb, 12), -1);
	ASSERT_INT_EQ(sbuf_seek(&sb, 11), 0);
	ASSERT_INT_EQ(sbuf_left(&sb), 0);
	ASSERT_INT_EQ(sbuf_seek(&sb, 1), 0);
	ASSERT_INT_EQ(sbuf_get_sub(&sb, &sub, 11), -1);
	ASSERT_INT_EQ(sbuf_get_sub(&sb, &sub, 3), 0);
	ASSERT_INT_EQ(sbuf_left(&sub), 3);
	ASSERT_INT_EQ(sbuf_get_direct(&sub, &p, 3), 0);
	ASSERT_INT_EQ(p[0], 2);
	ASSERT_INT_EQ(sbuf_left(&sb), 7);
	/* A huge length must not wrap around. */
	ASSERT_INT_EQ(sbuf_skip(&sb, (size_t)-1), -1);
	ASSERT_INT_EQ(sbuf_left(&sb), 7);

	sbuf_init(&sb, NULL, 100);
	ASSERT_INT_EQ(sbuf_left(&sb), 0);
}

static void
test_obuf(void)
{
	struct obuf ob;
	struct sbuf sb;
	uint64_t u64;
	uint32_t u32;
	uint16_t u16;
	int32_t i32;
	size_t i;

	obuf_init(&ob);
	obuf_put_u8(&ob, 0xaa);
	obuf_put_u16le(&ob, 0x1234);
	obuf_put_u32le(&ob, 0);
	obuf_put_u64le(&ob, 0x1122334455667788ull);
	obuf_put_i32le(&ob, -5);
	obuf_put_u32be(&ob, 0x01020304);
	obuf_patch_u32le(&ob, 3, 0xdeadbeef);
	obuf_patch_u32le(&ob, ob.ob_len - 2, 1);	/* out of range: ignored */
	ASSERT_INT_EQ(ob.ob_failed, 0);
	ASSERT_INT_EQ(ob.ob_len, 1 + 2 + 4 + 8 + 4 + 4);
	sbuf_init(&sb, ob.ob_data, ob.ob_len);
	ASSERT_INT_EQ(sbuf_skip(&sb, 1), 0);
	ASSERT_INT_EQ(sbuf_get_u16le(&sb, &u16), 0);
	ASSERT_INT_EQ(u16, 0x1234);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, &u32), 0);
	ASSERT_U64_EQ(u32, 0xdeadbeef);
	ASSERT_INT_EQ(sbuf_get_u64le(&sb, &u64), 0);
	ASSERT_U64_EQ(u64, 0x1122334455667788ull);
	ASSERT_INT_EQ(sbuf_get_i32le(&sb, &i32), 0);
	ASSERT_INT_EQ(i32, -5);
	ASSERT_INT_EQ(sbuf_get_u32be(&sb, &u32), 0);
	ASSERT_INT_EQ(u32, 0x01020304);

	/* Growth keeps content. */
	obuf_reset(&ob);
	for (i = 0; i < 100000; i++)
		obuf_put_u8(&ob, (uint8_t)i);
	ASSERT_INT_EQ(ob.ob_len, 100000);
	for (i = 0; i < 100000; i += 997)
		ASSERT_INT_EQ(ob.ob_data[i], (uint8_t)i);
	/* Past the cap: fails, sticks, and the length stays. */
	ASSERT_TRUE(obuf_append_space(&ob, OBUF_MAX) == NULL);
	ASSERT_INT_EQ(ob.ob_failed, 1);
	obuf_put_u8(&ob, 1);
	ASSERT_INT_EQ(ob.ob_len, 100000);
	obuf_truncate(&ob, 10);
	ASSERT_INT_EQ(ob.ob_len, 10);

	/* Adopting a block: empty, not failed, its capacity used before
	 * any growth. */
	{
		uint8_t *blk = malloc(4096);

		ASSERT_TRUE(blk != NULL);
		obuf_adopt(&ob, blk, 4096);
		ASSERT_INT_EQ(ob.ob_len, 0);
		ASSERT_INT_EQ(ob.ob_failed, 0);
		ASSERT_TRUE(obuf_append_space(&ob, 4096) == blk);
		obuf_put_u8(&ob, 7);
		ASSERT_INT_EQ(ob.ob_len, 4097);
		ASSERT_INT_EQ(ob.ob_data[4096], 7);
	}
	obuf_free(&ob);
}

int
main(void)
{
	test_getters();
	test_obuf();
	printf("test-sbuf: all passed\n");
	return 0;
}
