/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-control: the control protocol codec (shared/control-msg.c) on
 * arbitrary bytes, as spiced (requests) and spicectl (replies) see them.
 *
 * Input: the bytes of one frame after its length prefix.  Invariants: an
 * accepted request or reply holds only terminated strings within their
 * caps, and re-encodes to exactly the input bytes (the format has one
 * encoding per value), which then parse to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control-msg.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

/* ob holds one frame: check its prefix and that its body equals data. */
static void
fuzz_control_same(const struct obuf *ob, const uint8_t *data, size_t size,
    size_t max)
{
	struct spd_err err;
	size_t len;

	FUZZ_CHECK(!ob->ob_failed);
	FUZZ_CHECK(control_frame_len(ob->ob_data, max, &len, &err) == 0);
	FUZZ_CHECK(len == size && len + CONTROL_LEN_FIELD == ob->ob_len);
	FUZZ_CHECK(memcmp(ob->ob_data + CONTROL_LEN_FIELD, data, size) == 0);
}

static void
fuzz_control_req(const uint8_t *data, size_t size)
{
	struct control_req req, again;
	struct spd_err err;
	struct obuf ob;

	if (control_req_parse(data, size, &req, &err) != 0)
		return;
	FUZZ_CHECK(strlen(req.display) <= CONTROL_NAME_MAX);
	FUZZ_CHECK(strlen(req.password) <= CONTROL_PASSWORD_MAX);
	obuf_init(&ob);
	control_req_put(&ob, &req);
	fuzz_control_same(&ob, data, size, CONTROL_MAX_REQUEST);
	FUZZ_CHECK(control_req_parse(ob.ob_data + CONTROL_LEN_FIELD,
	    ob.ob_len - CONTROL_LEN_FIELD, &again, &err) == 0);
	FUZZ_CHECK(memcmp(&req, &again, sizeof(req)) == 0);
	obuf_free(&ob);
}

static void
fuzz_control_rep(const uint8_t *data, size_t size)
{
	struct control_rep rep;
	struct spd_err err;
	struct obuf ob;
	uint8_t i;

	if (control_rep_parse(data, size, &rep, &err) != 0)
		return;
	FUZZ_CHECK(strlen(rep.text) <= CONTROL_TEXT_MAX);
	FUZZ_CHECK(rep.display.nlisten <= CONTROL_MAX_LISTEN);
	for (i = 0; i < rep.display.nlisten; i++)
		FUZZ_CHECK(strlen(rep.display.listen[i]) <= CONTROL_ADDR_MAX);
	obuf_init(&ob);
	switch (rep.type) {
	case CONTROL_REP_OK:
	case CONTROL_REP_ERROR:
		control_rep_put_text(&ob, rep.type, rep.text);
		break;
	case CONTROL_REP_DISPLAY:
		control_rep_put_display(&ob, &rep.display);
		break;
	case CONTROL_REP_SESSION:
		control_rep_put_session(&ob, &rep.session);
		break;
	case CONTROL_REP_CHANNEL:
		control_rep_put_channel(&ob, &rep.channel);
		break;
	case CONTROL_REP_END:
		control_rep_put_end(&ob);
		break;
	case CONTROL_REP_VV:
		FUZZ_CHECK(strlen(rep.vv.password) <= CONTROL_PASSWORD_MAX &&
		    strlen(rep.vv.host) <= CONTROL_HOST_MAX &&
		    strlen(rep.vv.host_subject) <= CONTROL_SUBJECT_MAX &&
		    strlen(rep.vv.ca) <= CONTROL_CA_MAX);
		control_rep_put_vv(&ob, &rep.vv);
		break;
	case CONTROL_REP_DISPLAY_STATS:
		FUZZ_CHECK(strlen(rep.dstats.name) <= CONTROL_NAME_MAX &&
		    rep.dstats.producer <= 1);
		control_rep_put_display_stats(&ob, &rep.dstats);
		break;
	case CONTROL_REP_CHANNEL_STATS:
		control_rep_put_channel_stats(&ob, &rep.cstats);
		break;
	default:
		abort();
	}
	fuzz_control_same(&ob, data, size, CONTROL_MAX_REPLY);
	obuf_free(&ob);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_control_req(data, size);
	fuzz_control_rep(data, size);
	return 0;
}
