/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-ws: the WebSocket codec (shared/ws.c, shared/ws-http.c) on
 * arbitrary bytes.
 *
 * Input byte 0 picks the mode, the rest is data:
 * - even: an upgrade request.  It is read as a server would, through
 *   ws_http_want() (which must never allow a read past the end of the
 *   request or the 4 KiB cap), then parsed; an accepted request must
 *   have a key that gives a 28-character accept and a reply that ends
 *   with a blank line; a refused one a 400 or 426.
 * - odd: client frames.  Decoded once whole and once in chunks whose sizes
 *   come from byte 0, through a small output window, reading only what
 *   ws_dec_want() allows; both runs must produce the same payload and the
 *   same final event, produced <= used every time, and an export/import
 *   round trip between chunks must not change the result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)
#define FUZZ_MAX_FRAME	4096	/* small, so the cap is reachable */

static void
fuzz_ws_http(const uint8_t *data, size_t size)
{
	struct ws_http wh;
	struct spd_err err;
	struct obuf ob;
	char acc[64];
	size_t len = 0;
	int w, rc;

	while ((w = ws_http_want(data, len)) > 0) {
		FUZZ_CHECK(w <= 4 && len + (size_t)w <= WS_HTTP_MAX);
		if (len + (size_t)w > size)
			break;
		len += (size_t)w;
	}
	rc = ws_http_parse(data, len, &wh, &err);
	if (w != 0) {
		FUZZ_CHECK(rc != 0);
		return;
	}
	if (rc != 0) {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(wh.wh_status == 400 || wh.wh_status == 426);
		obuf_init(&ob);
		ws_http_refuse_build(&ob, &wh);
		FUZZ_CHECK(!ob.ob_failed && ob.ob_len > 4);
		obuf_free(&ob);
		return;
	}
	FUZZ_CHECK(len >= 4 && memcmp(data + len - 4, "\r\n\r\n", 4) == 0);
	FUZZ_CHECK(strlen(wh.wh_key) == 24);
	FUZZ_CHECK(ws_http_accept(wh.wh_key, acc, sizeof(acc), &err) == 0);
	FUZZ_CHECK(strlen(acc) == 28);
	obuf_init(&ob);
	FUZZ_CHECK(ws_http_reply_build(&ob, &wh, &err) == 0);
	FUZZ_CHECK(ob.ob_len > 4 &&
	    memcmp(ob.ob_data + ob.ob_len - 4, "\r\n\r\n", 4) == 0);
	obuf_free(&ob);
}

struct fuzz_run {
	uint8_t		out[FUZZ_MAX_FRAME * 4];
	size_t		len;
	int		last;		/* last non-ping event */
	size_t		used;
	uint16_t	code;
};

/* Decode reading at most what ws_dec_want(step) allows, through a 7-byte
 * output window, with an export/import after each call if hop. */
static void
fuzz_ws_decode(const uint8_t *in, size_t size, size_t step, int hop,
    struct fuzz_run *r)
{
	struct ws_dec wd, again;
	struct ipc_ws iw;
	struct spd_err err;
	struct obuf pong;
	uint8_t win[7];
	size_t off = 0, used, prod, n, want;
	int ev;

	memset(r, 0, sizeof(*r));
	ws_dec_init(&wd, FUZZ_MAX_FRAME);
	obuf_init(&pong);
	while (off < size) {
		n = size - off;
		want = ws_dec_want(&wd, step);
		if (want == 0)
			break;
		if (n > want)
			n = want;
		ev = ws_dec_feed(&wd, in + off, n, &used, win, sizeof(win),
		    &prod, &err);
		FUZZ_CHECK(prod <= used && used <= n);
		FUZZ_CHECK(r->len + prod <= sizeof(r->out));
		memcpy(r->out + r->len, win, prod);
		r->len += prod;
		off += used;
		if (ev == WS_EV_PING) {
			obuf_reset(&pong);
			ws_dec_pong(&wd, &pong);
			FUZZ_CHECK(!pong.ob_failed && pong.ob_len <= 2 +
			    WS_CTRL_MAX);
		} else if (ev != WS_EV_NONE) {
			r->last = ev;
			r->code = ws_dec_code(&wd);
			break;
		} else if (used == 0 && prod == 0)
			break;
		if (hop && ws_dec_export(&wd, &iw, &err) == 0) {
			FUZZ_CHECK(ws_dec_import(&again, &iw, FUZZ_MAX_FRAME,
			    &err) == 0);
			wd = again;
		}
	}
	obuf_free(&pong);
	r->used = off;
}

/* The whole-buffer decode, with an output as big as the input. */
static void
fuzz_ws_whole(const uint8_t *in, size_t size, struct fuzz_run *r)
{
	struct ws_dec wd;
	struct spd_err err;
	size_t off = 0, used, prod;
	int ev;

	memset(r, 0, sizeof(*r));
	ws_dec_init(&wd, FUZZ_MAX_FRAME);
	while (off < size) {
		ev = ws_dec_feed(&wd, in + off, size - off, &used,
		    r->out + r->len, sizeof(r->out) - r->len, &prod, &err);
		FUZZ_CHECK(prod <= used && used <= size - off);
		r->len += prod;
		off += used;
		if (ev == WS_EV_PING)
			continue;
		if (ev != WS_EV_NONE) {
			r->last = ev;
			r->code = ws_dec_code(&wd);
			if (ev == WS_EV_ERROR)
				FUZZ_CHECK(r->code == WS_CLOSE_PROTOCOL ||
				    r->code == WS_CLOSE_TOO_BIG);
			break;
		}
		if (used == 0)
			break;
	}
	r->used = off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_run a, b;
	uint8_t *copy;
	size_t step;

	if (size < 1 || size > sizeof(a.out))
		return 0;
	/* Copy so that ASan sees any read past the exact length. */
	if ((copy = malloc(size - 1 + 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if ((data[0] & 1) == 0) {
		fuzz_ws_http(copy, size - 1);
		free(copy);
		return 0;
	}
	step = 1 + (data[0] >> 1) % 16;
	fuzz_ws_whole(copy, size - 1, &a);
	fuzz_ws_decode(copy, size - 1, step, (data[0] >> 5) & 1, &b);
	FUZZ_CHECK(a.last == b.last && a.code == b.code);
	FUZZ_CHECK(a.len == b.len && memcmp(a.out, b.out, a.len) == 0);
	FUZZ_CHECK(a.used == b.used);
	free(copy);
	return 0;
}
