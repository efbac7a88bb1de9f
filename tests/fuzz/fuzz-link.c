/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-link: the SPICE link codec (shared/spice-link.c) on arbitrary bytes.
 *
 * Input: a 16-byte SpiceLinkHeader, then the message.  The header and the
 * message are parsed independently (the message with the length that is
 * present, not the header's size) so that the fuzzer reaches the message
 * checks without having to guess a matching size first.  Invariants:
 * an accepted header has the magic, major 2 and a size in range; an
 * accepted message keeps its caps inside its length, keeps at most
 * IPC_MAX_CAP_WORDS words, and re-parses identically after a rebuild;
 * replies built from it parse back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spice/protocol.h>

#include "spice-link.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

static void
fuzz_link_roundtrip(const struct spice_link_mess *m)
{
	struct spice_link_mess m2;
	struct spice_link_hdr h;
	struct spice_link_reply r;
	struct spd_err err;
	struct obuf ob;
	static const uint8_t key[SPICE_LINK_PUBKEY_LEN];

	obuf_init(&ob);
	spice_link_mess_build(&ob, m);
	FUZZ_CHECK(!ob.ob_failed);
	FUZZ_CHECK(spice_link_hdr_parse(ob.ob_data, ob.ob_len, &h, &err) ==
	    SPICE_LINK_ERR_OK);
	FUZZ_CHECK(h.lh_size == ob.ob_len - SPICE_LINK_HDR_LEN);
	FUZZ_CHECK(spice_link_mess_parse(ob.ob_data + SPICE_LINK_HDR_LEN,
	    h.lh_size, &m2, &err) == SPICE_LINK_ERR_OK);
	FUZZ_CHECK(m2.lm_connection_id == m->lm_connection_id);
	FUZZ_CHECK(m2.lm_channel_type == m->lm_channel_type);
	FUZZ_CHECK(m2.lm_channel_id == m->lm_channel_id);
	FUZZ_CHECK(m2.lm_n_common == m->lm_n_common);
	FUZZ_CHECK(m2.lm_n_channel == m->lm_n_channel);
	FUZZ_CHECK(memcmp(m2.lm_common_caps, m->lm_common_caps,
	    m->lm_n_common * 4) == 0);
	FUZZ_CHECK(memcmp(m2.lm_channel_caps, m->lm_channel_caps,
	    m->lm_n_channel * 4) == 0);

	/* Echo the kept caps back in a reply, as a server might. */
	obuf_reset(&ob);
	spice_link_reply_build(&ob, SPICE_LINK_ERR_OK, key, m->lm_common_caps,
	    m->lm_n_common, m->lm_channel_caps, m->lm_n_channel);
	FUZZ_CHECK(!ob.ob_failed);
	FUZZ_CHECK(ob.ob_len == spice_link_reply_bound(m->lm_n_common,
	    m->lm_n_channel));
	FUZZ_CHECK(spice_link_reply_parse(ob.ob_data + SPICE_LINK_HDR_LEN,
	    ob.ob_len - SPICE_LINK_HDR_LEN, &r, &err) == SPICE_LINK_ERR_OK);
	FUZZ_CHECK(r.lr_n_common == m->lm_n_common);
	obuf_free(&ob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spice_link_hdr h;
	struct spice_link_mess m;
	struct spice_link_reply r;
	struct spd_err err;
	const uint8_t *body;
	size_t blen;
	uint32_t rc;
	unsigned int bit;

	rc = spice_link_hdr_parse(data, size, &h, &err);
	if (rc == SPICE_LINK_ERR_OK) {
		FUZZ_CHECK(size >= SPICE_LINK_HDR_LEN);
		FUZZ_CHECK(h.lh_magic == SPICE_MAGIC);
		FUZZ_CHECK(h.lh_major == SPICE_VERSION_MAJOR);
		FUZZ_CHECK(h.lh_size >= SPICE_LINK_MIN_SIZE &&
		    h.lh_size <= SPICE_LINK_MAX_SIZE);
	} else
		FUZZ_CHECK(rc == SPICE_LINK_ERR_INVALID_MAGIC ||
		    rc == SPICE_LINK_ERR_VERSION_MISMATCH ||
		    rc == SPICE_LINK_ERR_INVALID_DATA);

	body = size > SPICE_LINK_HDR_LEN ? data + SPICE_LINK_HDR_LEN : NULL;
	blen = size > SPICE_LINK_HDR_LEN ? size - SPICE_LINK_HDR_LEN : 0;

	/* Copy so that ASan sees any read past the exact length. */
	{
		uint8_t *copy = blen > 0 ? malloc(blen) : NULL;

		if (blen > 0 && copy == NULL)
			return 0;
		if (blen > 0)
			memcpy(copy, body, blen);
		rc = spice_link_mess_parse(copy, blen, &m, &err);
		if (rc == SPICE_LINK_ERR_OK) {
			FUZZ_CHECK(blen >= SPICE_LINK_MESS_LEN &&
			    blen <= SPICE_LINK_MAX_SIZE);
			FUZZ_CHECK(m.lm_caps_offset >= SPICE_LINK_MESS_LEN);
			FUZZ_CHECK(m.lm_caps_offset <= blen);
			FUZZ_CHECK(((uint64_t)m.lm_num_common_caps +
			    m.lm_num_channel_caps) * 4 <=
			    blen - m.lm_caps_offset);
			FUZZ_CHECK(m.lm_n_common <= IPC_MAX_CAP_WORDS);
			FUZZ_CHECK(m.lm_n_channel <= IPC_MAX_CAP_WORDS);
			FUZZ_CHECK(m.lm_n_common <= m.lm_num_common_caps);
			FUZZ_CHECK(m.lm_n_channel <= m.lm_num_channel_caps);
			/* Accepted bytes re-validate. */
			{
				struct spice_link_mess again;

				FUZZ_CHECK(spice_link_mess_parse(copy, blen,
				    &again, &err) == SPICE_LINK_ERR_OK);
				FUZZ_CHECK(memcmp(&again, &m, sizeof(m)) == 0);
			}
			for (bit = 0; bit < 40 * 4; bit++)
				(void)spice_link_cap_test(m.lm_common_caps,
				    m.lm_n_common, bit);
			fuzz_link_roundtrip(&m);
		} else
			FUZZ_CHECK(rc == SPICE_LINK_ERR_INVALID_DATA);

		/* The client-side reply parser on the same bytes. */
		rc = spice_link_reply_parse(copy, blen, &r, &err);
		if (rc == SPICE_LINK_ERR_OK && r.lr_error == 0) {
			FUZZ_CHECK(r.lr_caps_offset >= SPICE_LINK_REPLY_LEN);
			FUZZ_CHECK(r.lr_caps_offset <= blen);
			FUZZ_CHECK(r.lr_n_common <= IPC_MAX_CAP_WORDS);
		}
		free(copy);
	}
	return 0;
}
