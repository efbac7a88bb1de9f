/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-sasl: the framing of a client's SASL messages
 * (daemon/auth-sasl-frame.c) on arbitrary bytes, without cyrus.
 *
 * Input: the client's side of an exchange as it arrives on the wire, a
 * start message then step messages, fed in exactly the pieces
 * auth_sasl_frame_want() asks for, as link.c reads them.  The offered
 * list is fixed (",DIGEST-MD5,GSSAPI,SCRAM-SHA-256,").  Invariants: every
 * request is 1..AUTH_SASL_DATA_MAX bytes and lies inside the frame; a
 * finished start names an offered mechanism of 1..AUTH_SASL_MECHNAME_MAX
 * characters; data is NULL exactly when its length was 0, otherwise one
 * byte shorter than the length sent and never past the data buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth-sasl.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)
#define FUZZ_MECHLIST	",DIGEST-MD5,GSSAPI,SCRAM-SHA-256,"
#define FUZZ_MAX_MSGS	(AUTH_SASL_STEPS_MAX + 1)

static uint8_t fuzz_data[AUTH_SASL_DATA_MAX];

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	struct auth_sasl_frame fr;
	struct spd_err err;
	const char *data;
	unsigned dlen;
	uint8_t *buf;
	size_t off = 0, n;
	int kind = AUTH_SASL_FRAME_START, msgs = 0, rc;

	auth_sasl_frame_init(&fr, kind, fuzz_data);
	while (msgs < FUZZ_MAX_MSGS) {
		auth_sasl_frame_want(&fr, &buf, &n);
		FUZZ_CHECK(n >= 1 && n <= AUTH_SASL_DATA_MAX);
		FUZZ_CHECK((buf >= fuzz_data && buf + n <= fuzz_data +
		    sizeof(fuzz_data)) || (buf >= (uint8_t *)&fr &&
		    buf + n <= (uint8_t *)(&fr + 1)));
		if (len - off < n)
			return 0;	/* the client stalls: nothing to check */
		memcpy(buf, in + off, n);
		off += n;
		rc = auth_sasl_frame_got(&fr, FUZZ_MECHLIST, &err);
		if (rc < 0) {
			FUZZ_CHECK(err.msg[0] != '\0');
			return 0;
		}
		if (rc == AUTH_SASL_FRAME_MORE)
			continue;
		FUZZ_CHECK(rc == AUTH_SASL_FRAME_DONE);
		if (kind == AUTH_SASL_FRAME_START) {
			n = strlen(fr.af_mech);
			FUZZ_CHECK(n >= 1 && n <= AUTH_SASL_MECHNAME_MAX);
			FUZZ_CHECK(auth_sasl_mech_listed(FUZZ_MECHLIST,
			    fr.af_mech));
		}
		data = auth_sasl_frame_data(&fr, &dlen);
		FUZZ_CHECK((data == NULL) == (fr.af_datalen == 0));
		if (data != NULL) {
			FUZZ_CHECK(dlen + 1 == fr.af_datalen);
			FUZZ_CHECK(dlen < AUTH_SASL_DATA_MAX);
			FUZZ_CHECK((const uint8_t *)data == fuzz_data);
		} else
			FUZZ_CHECK(dlen == 0);
		kind = AUTH_SASL_FRAME_STEP;
		auth_sasl_frame_init(&fr, kind, fuzz_data);
		msgs++;
	}
	return 0;
}
