/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-spice-link: the link codec, good messages and every refusal code. */
#include <stdint.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "sbuf.h"
#include "spice-link.h"
#include "test-helper.h"

static size_t
make_hdr(uint8_t *b, uint32_t magic, uint32_t major, uint32_t size)
{
	test_put32(b, magic);
	test_put32(b + 4, major);
	test_put32(b + 8, 2);
	test_put32(b + 12, size);
	return 16;
}

/* A SpiceLinkMess into b; returns its size. */
static size_t
make_mess(uint8_t *b, uint32_t conn, uint8_t type, uint8_t id,
    uint32_t nco, uint32_t nch, uint32_t off, const uint32_t *caps,
    size_t ncaps)
{
	size_t i;

	memset(b, 0, off);
	test_put32(b, conn);
	b[4] = type;
	b[5] = id;
	test_put32(b + 6, nco);
	test_put32(b + 10, nch);
	test_put32(b + 14, off);
	for (i = 0; i < ncaps; i++)
		test_put32(b + off + 4 * i, caps[i]);
	return off + 4 * ncaps;
}

static void
test_hdr(void)
{
	struct spice_link_hdr h;
	struct spd_err err;
	uint8_t b[16];

	make_hdr(b, SPICE_MAGIC, 2, 26);
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(h.lh_size, 26);
	ASSERT_INT_EQ(h.lh_minor, 2);
	/* "REDQ" as bytes. */
	ASSERT_MEM_EQ(b, "REDQ", 4);

	ASSERT_INT_EQ(spice_link_hdr_parse(b, 15, &h, &err),
	    SPICE_LINK_ERR_INVALID_DATA);

	make_hdr(b, 0x20544547, 2, 26);		/* "GET " */
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_INVALID_MAGIC);
	ASSERT_STR_CONTAINS(err.msg, "magic");

	make_hdr(b, SPICE_MAGIC, 1, 26);
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_VERSION_MISMATCH);
	make_hdr(b, SPICE_MAGIC, 0, 26);
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_VERSION_MISMATCH);
	make_hdr(b, SPICE_MAGIC, 3, 26);
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_VERSION_MISMATCH);

	make_hdr(b, SPICE_MAGIC, 2, 17);
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	make_hdr(b, SPICE_MAGIC, 2, 18);
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_OK);
	make_hdr(b, SPICE_MAGIC, 2, 4096);
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_OK);
	make_hdr(b, SPICE_MAGIC, 2, 4097);
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	make_hdr(b, SPICE_MAGIC, 2, 1048576);
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	ASSERT_STR_EQ(err.msg, "link header: size 1048576 exceeds 4096");
	make_hdr(b, SPICE_MAGIC, 2, 0xffffffff);
	ASSERT_INT_EQ(spice_link_hdr_parse(b, 16, &h, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
}

static void
test_mess_good(void)
{
	/* spice-gtk 0.42's main channel link (SPICE-NOTES 1.10). */
	static const uint32_t caps[] = { 0x0d, 0x0f };
	struct spice_link_mess m;
	struct spd_err err;
	uint8_t b[4096];
	size_t n;

	n = make_mess(b, 0, 1, 0, 1, 1, 18, caps, 2);
	ASSERT_INT_EQ(n, 26);
	ASSERT_INT_EQ(spice_link_mess_parse(b, n, &m, &err),
	    SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(m.lm_connection_id, 0);
	ASSERT_INT_EQ(m.lm_channel_type, 1);
	ASSERT_INT_EQ(m.lm_channel_id, 0);
	ASSERT_INT_EQ(m.lm_n_common, 1);
	ASSERT_INT_EQ(m.lm_n_channel, 1);
	ASSERT_INT_EQ(m.lm_common_caps[0], 0x0d);
	ASSERT_INT_EQ(m.lm_channel_caps[0], 0x0f);
	ASSERT_TRUE(spice_link_cap_test(m.lm_common_caps, m.lm_n_common,
	    SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION));
	ASSERT_TRUE(!spice_link_cap_test(m.lm_common_caps, m.lm_n_common,
	    SPICE_COMMON_CAP_AUTH_SPICE));
	ASSERT_TRUE(spice_link_cap_test(m.lm_common_caps, m.lm_n_common,
	    SPICE_COMMON_CAP_MINI_HEADER));
	ASSERT_TRUE(!spice_link_cap_test(m.lm_common_caps, m.lm_n_common, 32));
	ASSERT_TRUE(!spice_link_cap_test(m.lm_common_caps, 0, 0));

	/* No caps at all, display channel of a session. */
	n = make_mess(b, 0x12345678, 2, 3, 0, 0, 18, NULL, 0);
	ASSERT_INT_EQ(spice_link_mess_parse(b, n, &m, &err),
	    SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(m.lm_connection_id, 0x12345678);
	ASSERT_INT_EQ(m.lm_channel_id, 3);
	ASSERT_INT_EQ(m.lm_n_common, 0);

	/* Caps after a gap, and trailing bytes: allowed. */
	n = make_mess(b, 0, 1, 0, 1, 0, 30, caps, 1);
	ASSERT_INT_EQ(spice_link_mess_parse(b, n + 7, &m, &err),
	    SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(m.lm_common_caps[0], 0x0d);

	/* More words than kept: validated, the extra ignored. */
	{
		uint32_t many[20];
		int i;

		for (i = 0; i < 20; i++)
			many[i] = 0x100u + (uint32_t)i;
		n = make_mess(b, 0, 1, 0, 12, 8, 18, many, 20);
		ASSERT_INT_EQ(spice_link_mess_parse(b, n, &m, &err),
		    SPICE_LINK_ERR_OK);
		ASSERT_INT_EQ(m.lm_num_common_caps, 12);
		ASSERT_INT_EQ(m.lm_n_common, IPC_MAX_CAP_WORDS);
		ASSERT_INT_EQ(m.lm_n_channel, IPC_MAX_CAP_WORDS);
		ASSERT_INT_EQ(m.lm_common_caps[3], 0x103);
		ASSERT_INT_EQ(m.lm_channel_caps[0], 0x100 + 12);
	}

	/* Largest possible message: 4096 bytes, 1019 cap words. */
	memset(b, 0xff, sizeof(b));
	make_mess(b, 0, 1, 0, 1000, 19, 18, NULL, 0);
	ASSERT_INT_EQ(spice_link_mess_parse(b, 4096, &m, &err),
	    SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(m.lm_common_caps[0], 0xffffffff);
}

static void
test_mess_bad(void)
{
	static const uint32_t caps[] = { 0x0d, 0x0f };
	struct spice_link_mess m;
	struct spd_err err;
	uint8_t b[8192];
	size_t n;

	memset(b, 0, sizeof(b));
	/* Too short / too long. */
	ASSERT_INT_EQ(spice_link_mess_parse(b, 17, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	ASSERT_INT_EQ(spice_link_mess_parse(b, 4097, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	ASSERT_INT_EQ(spice_link_mess_parse(NULL, 0, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);

	/* caps_offset inside the fixed part. */
	n = make_mess(b, 0, 1, 0, 1, 1, 18, caps, 2);
	test_put32(b + 14, 17);
	ASSERT_INT_EQ(spice_link_mess_parse(b, n, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	ASSERT_STR_CONTAINS(err.msg, "offset 17");
	test_put32(b + 14, 0);
	ASSERT_INT_EQ(spice_link_mess_parse(b, n, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);

	/* caps_offset beyond the size. */
	test_put32(b + 14, 27);
	ASSERT_INT_EQ(spice_link_mess_parse(b, n, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	test_put32(b + 14, 0xffffffff);
	ASSERT_INT_EQ(spice_link_mess_parse(b, n, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);

	/* Caps overrunning the size by one word, by one byte. */
	n = make_mess(b, 0, 1, 0, 2, 1, 18, caps, 2);
	ASSERT_INT_EQ(spice_link_mess_parse(b, n, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	ASSERT_STR_CONTAINS(err.msg, "overrun");
	n = make_mess(b, 0, 1, 0, 1, 1, 18, caps, 2);
	ASSERT_INT_EQ(spice_link_mess_parse(b, n - 1, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	n = make_mess(b, 0, 1, 0, 1, 1, 19, caps, 2);
	ASSERT_INT_EQ(spice_link_mess_parse(b, n - 1, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);

	/* Counts over the cap, and counts that would wrap 32-bit maths. */
	make_mess(b, 0, 1, 0, 1025, 0, 18, NULL, 0);
	ASSERT_INT_EQ(spice_link_mess_parse(b, 4096, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	ASSERT_STR_CONTAINS(err.msg, "1025 common cap words");
	make_mess(b, 0, 1, 0, 0, 1025, 18, NULL, 0);
	ASSERT_INT_EQ(spice_link_mess_parse(b, 4096, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	make_mess(b, 0, 1, 0, 0x40000000, 0x40000000, 18, NULL, 0);
	ASSERT_INT_EQ(spice_link_mess_parse(b, 4096, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	make_mess(b, 0, 1, 0, 1024, 1024, 18, NULL, 0);
	ASSERT_INT_EQ(spice_link_mess_parse(b, 4096, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	/* In range but more than 4096 bytes can hold. */
	make_mess(b, 0, 1, 0, 1000, 20, 18, NULL, 0);
	ASSERT_INT_EQ(spice_link_mess_parse(b, 4096, &m, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
}

static void
test_build(void)
{
	static const uint8_t key[SPICE_LINK_PUBKEY_LEN] = { 0x30, 0x81 };
	struct spice_link_reply r;
	struct spice_link_hdr h;
	struct spice_link_mess m, m2;
	struct spd_err err;
	struct obuf ob;
	uint32_t caps = 0x0b;

	obuf_init(&ob);
	spice_link_reply_build(&ob, SPICE_LINK_ERR_OK, key, &caps, 1, NULL, 0);
	ASSERT_TRUE(!ob.ob_failed);
	ASSERT_INT_EQ(ob.ob_len, spice_link_reply_bound(1, 0));
	ASSERT_INT_EQ(ob.ob_len, 16 + 182);
	ASSERT_INT_EQ(spice_link_hdr_parse(ob.ob_data, ob.ob_len, &h, &err),
	    SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(h.lh_size, 182);
	ASSERT_INT_EQ(spice_link_reply_parse(ob.ob_data + 16, h.lh_size, &r,
	    &err), SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(r.lr_error, 0);
	ASSERT_MEM_EQ(r.lr_pubkey, key, sizeof(key));
	ASSERT_INT_EQ(r.lr_n_common, 1);
	ASSERT_INT_EQ(r.lr_common_caps[0], 0x0b);
	ASSERT_INT_EQ(r.lr_n_channel, 0);
	ASSERT_INT_EQ(r.lr_caps_offset, 178);
	/* Byte layout: error at 16, key at 20, counts at 182, offset 190. */
	ASSERT_INT_EQ(ob.ob_data[20], 0x30);
	ASSERT_INT_EQ(ob.ob_data[182], 1);
	ASSERT_INT_EQ(ob.ob_data[190], 178);
	ASSERT_INT_EQ(ob.ob_data[194], 0x0b);

	/* Oversized cap lists are refused. */
	obuf_reset(&ob);
	spice_link_reply_build(&ob, 0, key, NULL, 1025, NULL, 0);
	ASSERT_TRUE(ob.ob_failed);
	obuf_reset(&ob);
	spice_link_reply_build(&ob, 0, key, NULL, 1000, NULL, 1000);
	ASSERT_TRUE(ob.ob_failed);

	/* Error reply: exactly header + 178, only error set. */
	obuf_reset(&ob);
	spice_link_error_build(&ob, SPICE_LINK_ERR_INVALID_MAGIC);
	ASSERT_TRUE(!ob.ob_failed);
	ASSERT_INT_EQ(ob.ob_len, SPICE_LINK_ERROR_REPLY_LEN);
	ASSERT_INT_EQ(spice_link_hdr_parse(ob.ob_data, ob.ob_len, &h, &err),
	    SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(h.lh_size, 178);
	ASSERT_INT_EQ(spice_link_reply_parse(ob.ob_data + 16, 178, &r, &err),
	    SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(r.lr_error, SPICE_LINK_ERR_INVALID_MAGIC);
	ASSERT_INT_EQ(r.lr_caps_offset, 0);

	obuf_reset(&ob);
	spice_link_result_build(&ob, SPICE_LINK_ERR_PERMISSION_DENIED);
	ASSERT_INT_EQ(ob.ob_len, 4);
	ASSERT_INT_EQ(ob.ob_data[0], 7);

	/* Message round trip. */
	memset(&m, 0, sizeof(m));
	m.lm_connection_id = 77;
	m.lm_channel_type = SPICE_CHANNEL_DISPLAY;
	m.lm_channel_id = 1;
	m.lm_n_common = 1;
	m.lm_common_caps[0] = 0x0d;
	m.lm_n_channel = 2;
	m.lm_channel_caps[0] = 0xaa;
	m.lm_channel_caps[1] = 0x55;
	obuf_reset(&ob);
	spice_link_mess_build(&ob, &m);
	ASSERT_INT_EQ(spice_link_hdr_parse(ob.ob_data, ob.ob_len, &h, &err),
	    SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(h.lh_size, ob.ob_len - 16);
	ASSERT_INT_EQ(spice_link_mess_parse(ob.ob_data + 16, h.lh_size, &m2,
	    &err), SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(m2.lm_connection_id, 77);
	ASSERT_INT_EQ(m2.lm_channel_type, SPICE_CHANNEL_DISPLAY);
	ASSERT_INT_EQ(m2.lm_n_channel, 2);
	ASSERT_INT_EQ(m2.lm_channel_caps[1], 0x55);
	obuf_free(&ob);

	ASSERT_STR_EQ(spice_link_err_str(SPICE_LINK_ERR_PERMISSION_DENIED),
	    "permission denied");
	ASSERT_STR_EQ(spice_link_err_str(1000), "unknown error");
}

static void
test_reply_bad(void)
{
	struct spice_link_reply r;
	struct spd_err err;
	uint8_t b[300];

	memset(b, 0, sizeof(b));
	ASSERT_INT_EQ(spice_link_reply_parse(b, 177, &r, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	/* OK reply with offset 0: refused; caps past the end: refused. */
	ASSERT_INT_EQ(spice_link_reply_parse(b, 178, &r, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	test_put32(b + 174, 178);
	test_put32(b + 166, 1);
	ASSERT_INT_EQ(spice_link_reply_parse(b, 178, &r, &err),
	    SPICE_LINK_ERR_INVALID_DATA);
	ASSERT_INT_EQ(spice_link_reply_parse(b, 182, &r, &err),
	    SPICE_LINK_ERR_OK);
}

int
main(void)
{
	test_hdr();
	test_mess_good();
	test_mess_bad();
	test_build();
	test_reply_bad();
	printf("test-spice-link: ok\n");
	return 0;
}
