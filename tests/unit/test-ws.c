/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ws: the WebSocket codec (shared/ws.c, shared/ws-http.c): the
 * upgrade request (every refusal and its HTTP status, the RFC 6455 sample
 * accept key, requests read in pieces), and the frame decoder (every
 * refusal and its close code, fragmentation, control frames between
 * fragments, random splits of the input, decoding in place, the handoff
 * export/import).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-helper.h"
#include "ws.h"

#define KEY	"dGhlIHNhbXBsZSBub25jZQ=="	/* RFC 6455 1.3 sample */

/* ---- client frames ------------------------------------------------------ */

/* Append a masked client frame (b0 given whole: FIN, RSV, opcode). */
static void
put_frame(struct obuf *ob, uint8_t b0, const void *payload, uint64_t len,
    int masked, int lenform)
{
	static const uint8_t mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
	const uint8_t *p = payload;
	uint64_t i;
	int j;

	obuf_put_u8(ob, b0);
	if (lenform == 0)
		lenform = len < 126 ? 7 : len <= 0xffff ? 16 : 64;
	if (lenform == 7)
		obuf_put_u8(ob, (uint8_t)len | (masked ? 0x80 : 0));
	else if (lenform == 16) {
		obuf_put_u8(ob, 126 | (masked ? 0x80 : 0));
		obuf_put_u8(ob, (uint8_t)(len >> 8));
		obuf_put_u8(ob, (uint8_t)len);
	} else {
		obuf_put_u8(ob, 127 | (masked ? 0x80 : 0));
		for (j = 7; j >= 0; j--)
			obuf_put_u8(ob, (uint8_t)(len >> (8 * j)));
	}
	if (masked)
		obuf_put_bytes(ob, mask, 4);
	for (i = 0; p != NULL && i < len; i++)
		obuf_put_u8(ob, p[i] ^ (masked ? mask[i & 3] : 0));
}

struct result {
	uint8_t		out[256 * 1024];
	size_t		len;
	int		ev[16];
	int		nev;
	size_t		used;
};

/* Feed all of [in, in+len) in chunks of at most step bytes (0: at once),
 * collecting payload and events until the decoder stops consuming. */
static void
feed(struct ws_dec *wd, const uint8_t *in, size_t len, size_t step,
    struct result *r, struct spd_err *err)
{
	size_t off = 0, used, prod, n;
	int ev;

	memset(r, 0, sizeof(*r));
	while (off < len) {
		n = len - off;
		if (step != 0 && n > step)
			n = step;
		ev = ws_dec_feed(wd, in + off, n, &used, r->out + r->len,
		    sizeof(r->out) - r->len, &prod, err);
		ASSERT_TRUE(prod <= used);
		off += used;
		r->len += prod;
		if (ev != WS_EV_NONE) {
			ASSERT_TRUE(r->nev < 16);
			r->ev[r->nev++] = ev;
			if (ev != WS_EV_PING)
				break;
		} else if (used == 0)
			break;
	}
	r->used = off;
}

/* One frame, expected refused with code and a message containing why. */
static void
expect_refused(const uint8_t *in, size_t len, uint16_t code, const char *why)
{
	struct ws_dec wd;
	struct result *r = malloc(sizeof(*r));
	struct spd_err err;
	size_t used, prod;

	ASSERT_TRUE(r != NULL);
	ws_dec_init(&wd, 0);
	feed(&wd, in, len, 0, r, &err);
	ASSERT_INT_EQ(r->nev, 1);
	ASSERT_INT_EQ(r->ev[0], WS_EV_ERROR);
	ASSERT_INT_EQ(ws_dec_code(&wd), code);
	ASSERT_STR_CONTAINS(err.msg, why);
	ASSERT_INT_EQ(r->len, 0);
	/* Dead: nothing more is taken. */
	ASSERT_INT_EQ(ws_dec_feed(&wd, in, len, &used, r->out, 10, &prod,
	    &err), WS_EV_NONE);
	ASSERT_INT_EQ(used, 0);
	ASSERT_INT_EQ(ws_dec_want(&wd, 10), 0);
	free(r);
}

static void
test_frame_refusals(void)
{
	struct obuf ob;
	uint8_t big[200];
	int op;

	memset(big, 'x', sizeof(big));
	obuf_init(&ob);
#define ONE(b0, p, n, masked, lf, code, why) do {			\
	obuf_reset(&ob);						\
	put_frame(&ob, b0, p, n, masked, lf);				\
	expect_refused(ob.ob_data, ob.ob_len, code, why);		\
} while (0)
	ONE(0x82, "abc", 3, 0, 0, 1002, "unmasked");
	ONE(0xc2, "abc", 3, 1, 0, 1002, "reserved bits");
	ONE(0xa2, "abc", 3, 1, 0, 1002, "reserved bits");
	ONE(0x92, "abc", 3, 1, 0, 1002, "reserved bits");
	for (op = 3; op <= 0xf; op++) {
		if (op >= 8 && op <= 0xa)
			continue;
		ONE(0x80 | op, "abc", 3, 1, 0, 1002, "unknown opcode");
	}
	ONE(0x09, "abc", 3, 1, 0, 1002, "fragmented control");
	ONE(0x08, NULL, 0, 1, 0, 1002, "fragmented control");
	ONE(0x89, big, 126, 1, 0, 1002, "over 125");
	ONE(0x80, "abc", 3, 1, 0, 1002, "continuation frame outside");
	ONE(0x82, big, 5, 1, 16, 1002, "not minimal");
	ONE(0x82, big, 125, 1, 16, 1002, "not minimal");
	ONE(0x82, big, 200, 1, 64, 1002, "not minimal");
	ONE(0x82, NULL, 0x8000000000000000ull, 1, 64, 1002, "top bit");
	ONE(0x82, NULL, WS_FRAME_MAX + 1, 1, 0, 1009, "over the cap");
	ONE(0x82, NULL, 0x7fffffffffffffffull, 1, 64, 1009, "over the cap");
	ONE(0x88, "\x03", 1, 1, 0, 1002, "1-byte");
	ONE(0x88, "\x03\xed", 2, 1, 0, 1002, "close code 1005");
	ONE(0x88, "\x03\xee", 2, 1, 0, 1002, "close code 1006");
	ONE(0x88, "\x03\xe7", 2, 1, 0, 1002, "close code 999");
	ONE(0x88, "\x07\xd0", 2, 1, 0, 1002, "close code 2000");
	ONE(0x88, "\x13\x88", 2, 1, 0, 1002, "close code 5000");
	/* A new message while a fragmented one is open. */
	obuf_reset(&ob);
	put_frame(&ob, 0x02, "ab", 2, 1, 0);
	put_frame(&ob, 0x82, "cd", 2, 1, 0);
	{
		struct ws_dec wd;
		struct result *r = malloc(sizeof(*r));
		struct spd_err err;

		ws_dec_init(&wd, 0);
		feed(&wd, ob.ob_data, ob.ob_len, 0, r, &err);
		ASSERT_INT_EQ(r->len, 2);
		ASSERT_INT_EQ(r->nev, 1);
		ASSERT_INT_EQ(r->ev[0], WS_EV_ERROR);
		ASSERT_INT_EQ(ws_dec_code(&wd), 1002);
		ASSERT_STR_CONTAINS(err.msg, "inside a fragmented message");
		free(r);
	}
	/* A smaller cap is the caller's. */
	obuf_reset(&ob);
	put_frame(&ob, 0x82, big, 101, 1, 0);
	{
		struct ws_dec wd;
		struct spd_err err;
		size_t used, prod;
		uint8_t out[8];

		ws_dec_init(&wd, 100);
		ASSERT_INT_EQ(ws_dec_feed(&wd, ob.ob_data, ob.ob_len, &used,
		    out, sizeof(out), &prod, &err), WS_EV_ERROR);
		ASSERT_INT_EQ(ws_dec_code(&wd), 1009);
		/* Refused after the header, before any payload. */
		ASSERT_INT_EQ(used, 6);
	}
#undef ONE
	obuf_free(&ob);
}

static void
test_frames_good(void)
{
	struct ws_dec wd;
	struct result *r = malloc(sizeof(*r));
	struct spd_err err;
	struct obuf ob, pong;
	uint8_t *big = malloc(70000);
	size_t i;

	ASSERT_TRUE(r != NULL && big != NULL);
	for (i = 0; i < 70000; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	obuf_init(&ob);
	obuf_init(&pong);
	/* Text and binary, 7/16/64-bit lengths, an empty frame, a message
	 * in three fragments with a ping and a pong between them. */
	put_frame(&ob, 0x81, "hi", 2, 1, 0);
	put_frame(&ob, 0x82, big, 300, 1, 0);
	put_frame(&ob, 0x82, NULL, 0, 1, 0);
	put_frame(&ob, 0x02, big + 300, 10, 1, 0);
	put_frame(&ob, 0x89, "ping!", 5, 1, 0);
	put_frame(&ob, 0x00, big + 310, 20, 1, 0);
	put_frame(&ob, 0x8a, "pong", 4, 1, 0);
	put_frame(&ob, 0x80, big + 330, 69670, 1, 0);
	put_frame(&ob, 0x88, "\x03\xe8" "bye", 5, 1, 0);
	ws_dec_init(&wd, 0);
	feed(&wd, ob.ob_data, ob.ob_len, 0, r, &err);
	ASSERT_INT_EQ(r->used, ob.ob_len);
	ASSERT_INT_EQ(r->nev, 2);
	ASSERT_INT_EQ(r->ev[0], WS_EV_PING);
	ASSERT_INT_EQ(r->ev[1], WS_EV_CLOSE);
	ASSERT_INT_EQ(ws_dec_code(&wd), 1000);
	ASSERT_INT_EQ(r->len, 2 + 70000);
	ASSERT_MEM_EQ(r->out, "hi", 2);
	ASSERT_MEM_EQ(r->out + 2, big, 70000);

	/* The pong echoes the ping. */
	ws_dec_init(&wd, 0);
	obuf_reset(&ob);
	put_frame(&ob, 0x89, "ping!", 5, 1, 0);
	feed(&wd, ob.ob_data, ob.ob_len, 0, r, &err);
	ASSERT_INT_EQ(r->ev[0], WS_EV_PING);
	ASSERT_TRUE(ws_dec_idle(&wd));
	ws_dec_pong(&wd, &pong);
	ASSERT_INT_EQ(pong.ob_len, 7);
	ASSERT_MEM_EQ(pong.ob_data, "\x8a\x05ping!", 7);

	/* An empty close means 1000; 4000 (private) is accepted. */
	ws_dec_init(&wd, 0);
	obuf_reset(&ob);
	put_frame(&ob, 0x88, NULL, 0, 1, 0);
	feed(&wd, ob.ob_data, ob.ob_len, 0, r, &err);
	ASSERT_INT_EQ(r->ev[0], WS_EV_CLOSE);
	ASSERT_INT_EQ(ws_dec_code(&wd), 1000);
	ws_dec_init(&wd, 0);
	obuf_reset(&ob);
	put_frame(&ob, 0x88, "\x0f\xa0", 2, 1, 0);
	feed(&wd, ob.ob_data, ob.ob_len, 0, r, &err);
	ASSERT_INT_EQ(r->ev[0], WS_EV_CLOSE);
	ASSERT_INT_EQ(ws_dec_code(&wd), 4000);

	obuf_free(&ob);
	obuf_free(&pong);
	free(big);
	free(r);
}

/* Random splits, a small output buffer and decoding in place all give
 * the same payload. */
static void
test_frames_split(void)
{
	struct ws_dec wd;
	struct spd_err err;
	struct obuf ob, all;
	uint8_t buf[64], *copy;
	unsigned int round;
	size_t off, used, prod, n, i, plen;

	(void)test_seed();
	obuf_init(&ob);
	obuf_init(&all);
	for (round = 0; round < 200; round++) {
		obuf_reset(&ob);
		obuf_reset(&all);
		for (i = 0; i < 20; i++) {
			plen = (size_t)rand() % 300;
			for (n = 0; n < plen && n < sizeof(buf); n++)
				buf[n] = (uint8_t)rand();
			plen = n;
			if (rand() % 5 == 0)
				put_frame(&ob, 0x89, buf, plen % 126, 1, 0);
			else {
				put_frame(&ob, 0x82, buf, plen, 1, 0);
				obuf_put_bytes(&all, buf, plen);
			}
		}
		/* In place, arbitrary chunks of input. */
		copy = malloc(ob.ob_len + 1);
		ASSERT_TRUE(copy != NULL);
		memcpy(copy, ob.ob_data, ob.ob_len);
		ws_dec_init(&wd, 0);
		{
			size_t outpos = 0;

			off = 0;
			while (off < ob.ob_len) {
				n = 1 + (size_t)rand() % 40;
				if (n > ob.ob_len - off)
					n = ob.ob_len - off;
				/* Output lands at outpos <= off. */
				ASSERT_TRUE(ws_dec_feed(&wd, copy + off, n,
				    &used, copy + outpos, off + n - outpos,
				    &prod, &err) >= 0);
				off += used;
				outpos += prod;
				ASSERT_TRUE(outpos <= off);
			}
			ASSERT_INT_EQ(outpos, all.ob_len);
			ASSERT_MEM_EQ(copy, all.ob_data, all.ob_len);
		}
		free(copy);
		/* Byte by byte through a 3-byte output window, reading only
		 * what ws_dec_want() allows for a need of 5. */
		ws_dec_init(&wd, 0);
		off = 0;
		{
			uint8_t out[3];
			size_t got = 0, w;

			while (off < ob.ob_len) {
				w = ws_dec_want(&wd, 5);
				ASSERT_TRUE(w > 0);
				n = 1 + (size_t)rand() % 4;
				if (n > w)
					n = w;
				if (n > ob.ob_len - off)
					n = ob.ob_len - off;
				if (ws_dec_feed(&wd, ob.ob_data + off, n,
				    &used, out, sizeof(out), &prod, &err) < 0)
					TEST_FAIL("round %u: off %zu n %zu w %zu "
					    "len %zu: %s", round, off, n, w,
					    ob.ob_len, err.msg);
				ASSERT_TRUE(got + prod <= all.ob_len);
				ASSERT_MEM_EQ(out, all.ob_data + got, prod);
				got += prod;
				off += used;
			}
			ASSERT_INT_EQ(got, all.ob_len);
		}
	}
	obuf_free(&ob);
	obuf_free(&all);
}

/* want() never lets a reader pass its need: a frame with 10 payload bytes,
 * a need of 4, stops after header + 4; the export/import carries on. */
static void
test_want_and_handoff(void)
{
	struct ws_dec a, b;
	struct ipc_ws iw;
	struct spd_err err;
	struct obuf ob;
	uint8_t out[32];
	size_t off = 0, used, prod, got = 0, w;

	obuf_init(&ob);
	put_frame(&ob, 0x02, "0123456789", 10, 1, 0);
	put_frame(&ob, 0x80, "abc", 3, 1, 0);
	ws_dec_init(&a, 0);
	while ((w = ws_dec_want(&a, 4 - got)) > 0) {
		ASSERT_INT_EQ(ws_dec_feed(&a, ob.ob_data + off, w, &used,
		    out + got, sizeof(out) - got, &prod, &err), WS_EV_NONE);
		ASSERT_INT_EQ(used, w);
		off += used;
		got += prod;
	}
	ASSERT_INT_EQ(got, 4);
	ASSERT_INT_EQ(off, 6 + 4);
	ASSERT_INT_EQ(ws_dec_export(&a, &iw, &err), 0);
	ASSERT_INT_EQ(iw.flags, IPC_WS_IN_FRAME | IPC_WS_IN_MSG);
	ASSERT_U64_EQ(iw.left, 6);
	ASSERT_INT_EQ(iw.mask_off, 0);
	ASSERT_INT_EQ(ws_dec_import(&b, &iw, 0, &err), 0);
	ASSERT_INT_EQ(ws_dec_feed(&b, ob.ob_data + off, ob.ob_len - off,
	    &used, out + got, sizeof(out) - got, &prod, &err), WS_EV_NONE);
	ASSERT_INT_EQ(used, ob.ob_len - off);
	got += prod;
	ASSERT_INT_EQ(got, 13);
	ASSERT_MEM_EQ(out, "0123456789abc", 13);

	/* Mid-header and mid-control positions cannot be handed over. */
	ws_dec_init(&a, 0);
	ASSERT_INT_EQ(ws_dec_feed(&a, ob.ob_data, 1, &used, out, 1, &prod,
	    &err), WS_EV_NONE);
	ASSERT_INT_EQ(ws_dec_export(&a, &iw, &err), -1);
	/* Idle exports as nothing. */
	ws_dec_init(&a, 0);
	ASSERT_INT_EQ(ws_dec_export(&a, &iw, &err), 0);
	ASSERT_INT_EQ(iw.flags, 0);

	/* Import refuses impossible states. */
#define BAD(field, value, why) do {					\
	memset(&iw, 0, sizeof(iw));					\
	iw.flags = IPC_WS_IN_FRAME;					\
	iw.left = 5;							\
	iw.opcode = WS_OP_BINARY;					\
	field = value;							\
	ASSERT_INT_EQ(ws_dec_import(&b, &iw, 0, &err), -1);		\
	ASSERT_STR_CONTAINS(err.msg, why);				\
} while (0)
	BAD(iw.flags, 0x80, "unknown flags");
	BAD(iw.left, 0, "impossible frame");
	BAD(iw.left, WS_FRAME_MAX + 1, "impossible frame");
	BAD(iw.mask_off, 4, "impossible frame");
	BAD(iw.opcode, WS_OP_PING, "impossible frame");
	BAD(iw.flags, 0, "without IN_FRAME");
#undef BAD
	obuf_free(&ob);
}

static void
test_frame_out(void)
{
	uint8_t h[WS_OUT_HDR_MAX];
	struct obuf ob;

	ASSERT_INT_EQ(ws_frame_hdr(h, WS_OP_BINARY, 125), 2);
	ASSERT_MEM_EQ(h, "\x82\x7d", 2);
	ASSERT_INT_EQ(ws_frame_hdr(h, WS_OP_BINARY, 126), 4);
	ASSERT_MEM_EQ(h, "\x82\x7e\x00\x7e", 4);
	ASSERT_INT_EQ(ws_frame_hdr(h, WS_OP_BINARY, 65535), 4);
	ASSERT_INT_EQ(ws_frame_hdr(h, WS_OP_BINARY, 65536), 10);
	ASSERT_MEM_EQ(h, "\x82\x7f\0\0\0\0\0\x01\0\0", 10);
	obuf_init(&ob);
	ws_frame_close(&ob, 1009);
	ASSERT_INT_EQ(ob.ob_len, 4);
	ASSERT_MEM_EQ(ob.ob_data, "\x88\x02\x03\xf1", 4);
	obuf_free(&ob);
}

/* ---- the upgrade request ------------------------------------------------ */

static const char good_req[] =
    "GET /spice?x=1 HTTP/1.1\r\n"
    "Host: 127.0.0.1:5900\r\n"
    "Upgrade: websocket\r\n"
    "Connection: keep-alive, Upgrade\r\n"
    "Sec-WebSocket-Key: " KEY "\r\n"
    "Origin: http://example\r\n"
    "Sec-WebSocket-Protocol: chat, binary\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

static int
parse_str(const char *s, struct ws_http *wh, struct spd_err *err)
{
	return ws_http_parse((const uint8_t *)s, strlen(s), wh, err);
}

/* good_req with line `from` replaced by `to` (to "" deletes it). */
static void
expect_http_refused(const char *from, const char *to, int status,
    const char *why)
{
	char req[WS_HTTP_MAX + 512];
	struct ws_http wh;
	struct spd_err err;
	const char *p = strstr(good_req, from);

	ASSERT_TRUE(p != NULL);
	snprintf(req, sizeof(req), "%.*s%s%s", (int)(p - good_req), good_req,
	    to, p + strlen(from));
	ASSERT_INT_EQ(parse_str(req, &wh, &err), -1);
	ASSERT_INT_EQ(wh.wh_status, status);
	ASSERT_STR_CONTAINS(err.msg, why);
}

static void
test_http(void)
{
	struct ws_http wh;
	struct spd_err err;
	struct obuf ob;
	char acc[64], req[WS_HTTP_MAX + 512];
	size_t len, i;
	int w;

	ASSERT_INT_EQ(ws_http_accept(KEY, acc, sizeof(acc), &err), 0);
	ASSERT_STR_EQ(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ASSERT_INT_EQ(parse_str(good_req, &wh, &err), 0);
	ASSERT_STR_EQ(wh.wh_key, KEY);
	ASSERT_INT_EQ(wh.wh_binary, 1);
	obuf_init(&ob);
	ASSERT_INT_EQ(ws_http_reply_build(&ob, &wh, &err), 0);
	obuf_put_u8(&ob, 0);
	ASSERT_STR_EQ((char *)ob.ob_data,
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	    "Sec-WebSocket-Protocol: binary\r\n\r\n");
	obuf_reset(&ob);

	/* Without a protocol header: no protocol in the reply. */
	expect_http_refused("chat, binary", "chat", 400, "\"binary\"");
	{
		const char *p = strstr(good_req, "Sec-WebSocket-Protocol");
		const char *e = strstr(p, "\r\n") + 2;

		snprintf(req, sizeof(req), "%.*s%s", (int)(p - good_req),
		    good_req, e);
		ASSERT_INT_EQ(parse_str(req, &wh, &err), 0);
		ASSERT_INT_EQ(wh.wh_binary, 0);
		ASSERT_INT_EQ(ws_http_reply_build(&ob, &wh, &err), 0);
		obuf_put_u8(&ob, 0);
		ASSERT_TRUE(strstr((char *)ob.ob_data,
		    "Sec-WebSocket-Protocol") == NULL);
		obuf_reset(&ob);
	}

	/* Read by ws_http_want(): never a byte past the blank line, even
	 * with frame bytes right behind it. */
	snprintf(req, sizeof(req), "%s\x82\x85", good_req);
	len = 0;
	while ((w = ws_http_want((const uint8_t *)req, len)) > 0) {
		ASSERT_TRUE(w <= 4);
		len += (size_t)w;
		ASSERT_TRUE(len <= strlen(good_req));
	}
	ASSERT_INT_EQ(w, 0);
	ASSERT_INT_EQ(len, strlen(good_req));
	ASSERT_INT_EQ(ws_http_parse((const uint8_t *)req, len - 1, &wh,
	    &err), WS_HTTP_INCOMPLETE);
	/* Over the cap. */
	memset(req, 'a', sizeof(req));
	ASSERT_INT_EQ(ws_http_want((const uint8_t *)req, WS_HTTP_MAX), -1);
	ASSERT_INT_EQ(ws_http_want((const uint8_t *)req, WS_HTTP_MAX - 2), 2);

	/* Every refusal. */
	expect_http_refused("Sec-WebSocket-Key: " KEY "\r\n", "", 400,
	    "no Sec-WebSocket-Key");
	expect_http_refused(KEY, "dGhlIHNhbXBsZSBub25jZQ", 400, "base64");
	expect_http_refused(KEY, "dGhlIHNhbXBsZSBub25jZR==", 400, "base64");
	expect_http_refused(KEY, "dGhlIHNhbXBsZSBub2*jZQ==", 400, "base64");
	expect_http_refused(KEY, "dGhlIHNhbXBsZSBub25jZQ==x", 400, "base64");
	expect_http_refused("Origin", "Sec-WebSocket-Key: " KEY "\r\nOrigin",
	    400, "twice");
	expect_http_refused("Version: 13", "Version: 8", 426, "not 13");
	expect_http_refused("Version: 13", "Version: 13, 8", 426, "not 13");
	expect_http_refused("Sec-WebSocket-Version: 13\r\n", "", 426,
	    "no Sec-WebSocket-Version");
	expect_http_refused("Upgrade: websocket", "Upgrade: h2c", 400,
	    "Upgrade: websocket");
	expect_http_refused("keep-alive, Upgrade", "keep-alive", 400,
	    "Connection: Upgrade");
	expect_http_refused("Host: 127.0.0.1:5900\r\n", "", 400, "Host");
	expect_http_refused("Host: 127.0.0.1:5900\r\n",
	    "Host: a\r\nHost: b\r\n", 400, "Host");
	expect_http_refused("GET ", "POST ", 400, "request line");
	expect_http_refused("HTTP/1.1\r\nHost", "HTTP/1.0\r\nHost", 400,
	    "request line");
	expect_http_refused("/spice?x=1", "/a b", 400, "request line");
	expect_http_refused("Origin: http://example\r\n",
	    "Origin: http://example\n", 400, "bare CR or LF");
	expect_http_refused("Origin: http://example\r\n",
	    "Origin: http://\rexample\r\n", 400, "bare CR or LF");
	expect_http_refused("Origin: http://example\r\n",
	    "Origin: http://example\r\n folded\r\n", 400, "folding");
	expect_http_refused("Origin: http://example",
	    "Origin: http://ex\x01mple", 400, "control character");
	expect_http_refused("Origin: http://example", "Origin http", 400,
	    "malformed header");
	expect_http_refused("Origin: http://example", "Ori gin: x", 400,
	    "malformed header");
	/* Too many headers, and bytes after the blank line. */
	len = (size_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n");
	for (i = 0; i <= WS_HTTP_MAX_HEADERS; i++)
		len += (size_t)snprintf(req + len, sizeof(req) - len,
		    "X-%zu: y\r\n", i);
	snprintf(req + len, sizeof(req) - len, "\r\n");
	ASSERT_INT_EQ(parse_str(req, &wh, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "too many headers");
	snprintf(req, sizeof(req), "%sxy", good_req);
	ASSERT_INT_EQ(parse_str(req, &wh, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "bytes after the request");
	ASSERT_INT_EQ(ws_http_parse((const uint8_t *)good_req, WS_HTTP_MAX + 1,
	    &wh, &err), -1);

	/* Refusal replies. */
	wh.wh_status = 426;
	ws_http_refuse_build(&ob, &wh);
	obuf_put_u8(&ob, 0);
	ASSERT_STR_CONTAINS((char *)ob.ob_data, "426 Upgrade Required");
	ASSERT_STR_CONTAINS((char *)ob.ob_data, "Sec-WebSocket-Version: 13");
	obuf_reset(&ob);
	ws_http_refuse_build(&ob, NULL);
	obuf_put_u8(&ob, 0);
	ASSERT_STR_CONTAINS((char *)ob.ob_data, "400 Bad Request");
	obuf_free(&ob);
}

int
main(void)
{
	test_frame_refusals();
	test_frames_good();
	test_frames_split();
	test_want_and_handoff();
	test_frame_out();
	test_http();
	printf("test-ws: ok\n");
	return 0;
}
