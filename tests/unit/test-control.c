/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-control: the control protocol codec (shared/control-msg.c).  Round
 * trips of every request and reply, then every rejection of the request
 * parser and the reply parser, each checked for its message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control-msg.h"
#include "test-helper.h"

/* Build a request frame's body by hand: version, type, then raw bytes. */
static size_t
raw_req(uint8_t *out, uint16_t version, uint16_t type, const void *body,
    size_t len)
{
	out[0] = (uint8_t)version;
	out[1] = (uint8_t)(version >> 8);
	out[2] = (uint8_t)type;
	out[3] = (uint8_t)(type >> 8);
	if (len > 0)
		memcpy(out + 4, body, len);
	return 4 + len;
}

/* Parse a request body; expect failure whose message contains want. */
static void
expect_req_fail(const uint8_t *body, size_t len, const char *want)
{
	struct control_req req;
	struct spd_err err;

	memset(&err, 0, sizeof(err));
	ASSERT_INT_EQ(control_req_parse(body, len, &req, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, want);
}

static void
expect_raw_fail(uint16_t version, uint16_t type, const void *b, size_t n,
    const char *want)
{
	uint8_t buf[1024];

	expect_req_fail(buf, raw_req(buf, version, type, b, n), want);
}

/* Encode req, check the prefix, parse the body back. */
static void
roundtrip_req(const struct control_req *in, struct control_req *out)
{
	struct spd_err err;
	struct obuf ob;
	size_t len;

	obuf_init(&ob);
	control_req_put(&ob, in);
	ASSERT_TRUE(!ob.ob_failed);
	ASSERT_INT_EQ(control_frame_len(ob.ob_data, CONTROL_MAX_REQUEST, &len,
	    &err), 0);
	ASSERT_INT_EQ(len + CONTROL_LEN_FIELD, ob.ob_len);
	if (control_req_parse(ob.ob_data + CONTROL_LEN_FIELD, len, out,
	    &err) != 0)
		TEST_FAIL("round trip: %s", err.msg);
	obuf_free(&ob);
}

static void
test_req_roundtrip(void)
{
	struct control_req in, out;

	memset(&in, 0, sizeof(in));
	in.type = CONTROL_REQ_SET_TICKET;
	strcpy(in.display, "vm1");
	memset(in.password, 'p', CONTROL_PASSWORD_MAX);
	in.expiry = CONTROL_EXPIRY_IN;
	in.expiry_value = 60;
	roundtrip_req(&in, &out);
	ASSERT_INT_EQ(out.type, CONTROL_REQ_SET_TICKET);
	ASSERT_STR_EQ(out.display, "vm1");
	ASSERT_STR_EQ(out.password, in.password);
	ASSERT_INT_EQ(out.expiry, CONTROL_EXPIRY_IN);
	ASSERT_U64_EQ(out.expiry_value, 60);

	in.expiry = CONTROL_EXPIRY_AT;
	in.expiry_value = CONTROL_MAX_EPOCH;
	in.password[0] = '\0';		/* empty: allowed, refuses all */
	roundtrip_req(&in, &out);
	ASSERT_U64_EQ(out.expiry_value, CONTROL_MAX_EPOCH);
	ASSERT_STR_EQ(out.password, "");

	in.kind = CONTROL_KIND_VIEW_ONLY;
	roundtrip_req(&in, &out);
	ASSERT_INT_EQ(out.kind, CONTROL_KIND_VIEW_ONLY);

	memset(&in, 0, sizeof(in));
	in.type = CONTROL_REQ_EXPIRE_TICKET;
	memset(in.display, 'd', CONTROL_NAME_MAX);
	in.kind = CONTROL_KIND_VIEW_ONLY;
	roundtrip_req(&in, &out);
	ASSERT_STR_EQ(out.display, in.display);
	ASSERT_INT_EQ(out.kind, CONTROL_KIND_VIEW_ONLY);

	memset(&in, 0, sizeof(in));
	in.type = CONTROL_REQ_LIST;
	roundtrip_req(&in, &out);
	ASSERT_INT_EQ(out.type, CONTROL_REQ_LIST);

	memset(&in, 0, sizeof(in));
	in.type = CONTROL_REQ_DISCONNECT;
	in.session = 0xdeadbeef;
	roundtrip_req(&in, &out);
	ASSERT_INT_EQ(out.session, 0xdeadbeef);
	ASSERT_STR_EQ(out.display, "");
}

static void
test_req_build_refuses(void)
{
	struct control_req in;
	struct obuf ob;

	/* Only known request types are built. */
	memset(&in, 0, sizeof(in));
	in.type = CONTROL_REP_OK;
	obuf_init(&ob);
	control_req_put(&ob, &in);
	ASSERT_TRUE(ob.ob_failed);
	obuf_free(&ob);
}

static void
test_frame_len(void)
{
	struct spd_err err;
	uint8_t p[4];
	size_t len;

	test_put32(p, 3);
	ASSERT_INT_EQ(control_frame_len(p, CONTROL_MAX_REQUEST, &len, &err),
	    -1);
	ASSERT_STR_CONTAINS(err.msg, "frame length 3");
	test_put32(p, CONTROL_MAX_REQUEST + 1);
	ASSERT_INT_EQ(control_frame_len(p, CONTROL_MAX_REQUEST, &len, &err),
	    -1);
	test_put32(p, 0xffffffffu);
	ASSERT_INT_EQ(control_frame_len(p, CONTROL_MAX_REPLY, &len, &err), -1);
	test_put32(p, CONTROL_MAX_REQUEST);
	ASSERT_INT_EQ(control_frame_len(p, CONTROL_MAX_REQUEST, &len, &err),
	    0);
	ASSERT_INT_EQ(len, CONTROL_MAX_REQUEST);
	test_put32(p, 4);
	ASSERT_INT_EQ(control_frame_len(p, CONTROL_MAX_REQUEST, &len, &err),
	    0);
}

static void
test_req_rejects(void)
{
	uint8_t b[600], name64[65];
	size_t n;

	memset(b, 0, sizeof(b));
	/* Header. */
	expect_req_fail(b, 0, "truncated frame header");
	expect_req_fail((const uint8_t *)"\1\0\3", 3, "truncated frame header");
	expect_raw_fail(CONTROL_VERSION + 1, CONTROL_REQ_LIST, NULL, 0,
	    "protocol version 4");
	expect_raw_fail(1, CONTROL_REQ_LIST, NULL, 0, "protocol version 1");
	expect_raw_fail(0, CONTROL_REQ_LIST, NULL, 0, "protocol version 0");
	expect_raw_fail(CONTROL_VERSION, 0, NULL, 0, "unknown request type 0");
	expect_raw_fail(CONTROL_VERSION, 7, NULL, 0, "unknown request type 7");
	/* STATS: nothing after the header. */
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_STATS, "x", 1,
	    "request");
	/* VV: display, lifetime 1..CONTROL_MAX_LIFETIME, kind. */
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_VV, "\2vm\0\0\0\0\0", 8,
	    "lifetime 0 s");
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_VV, "\2vm\x81\x51\1\0\0",
	    8, "lifetime 86401 s");
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_VV, "\2vm\x78\0\0\0\2", 8,
	    "ticket kind 2");
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_VV, "\0\x78\0\0\0\0", 6,
	    "empty name");
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_VV, "\2vm\x78\0\0", 6,
	    "lifetime: truncated");
	expect_raw_fail(CONTROL_VERSION, CONTROL_REP_OK, "\0\0", 2, "unknown request type");
	expect_req_fail(b, CONTROL_MAX_REQUEST + 1, "at most");

	/* Trailing bytes. */
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_LIST, "x", 1, "1 bytes after");
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_EXPIRE_TICKET, "\1t\0z", 4,
	    "1 bytes after");
	/* A ticket kind that does not exist. */
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_EXPIRE_TICKET, "\1t\2", 3,
	    "ticket kind 2 unknown");

	/* Strings: missing length, over the cap, past the end, NUL, empty
	 * display. */
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_EXPIRE_TICKET, NULL, 0,
	    "display: truncated length");
	name64[0] = 64;
	memset(name64 + 1, 'n', 64);
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_EXPIRE_TICKET, name64, 65,
	    "display: 64 bytes, at most 63");
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_EXPIRE_TICKET, "\5ab", 3,
	    "5 bytes announced, 2 present");
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_EXPIRE_TICKET, "\3a\0b", 4,
	    "contains a NUL");
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_EXPIRE_TICKET, "\0\0", 2,
	    "display: empty name");

	/* SET_TICKET fields. */
	n = 0;
	b[n++] = 1; b[n++] = 't';
	b[n++] = 61; memset(b + n, 'p', 61); n += 61;
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_SET_TICKET, b, n,
	    "password: 61 bytes, at most 60");
	n = 0;
	b[n++] = 1; b[n++] = 't';
	b[n++] = 2; b[n++] = 'p'; b[n++] = 'w';
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_SET_TICKET, b, n,
	    "expiry kind: truncated");
	b[n++] = CONTROL_EXPIRY_NEVER;
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_SET_TICKET, b, n, "expiry: truncated");
	memset(b + n, 0, 8);
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_SET_TICKET, b, n + 8,
	    "ticket kind: truncated");
	b[n + 8] = 0;	/* CONTROL_KIND_FULL */
	memset(b + n, 0, 8);
	b[n + 0] = 1;
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_SET_TICKET, b, n + 9,
	    "a value with \"never\"");
	b[n - 1] = CONTROL_EXPIRY_AT;
	memset(b + n, 0, 8);
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_SET_TICKET, b, n + 9,
	    "expires-at 0 outside");
	memset(b + n, 0xff, 8);
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_SET_TICKET, b, n + 9,
	    "expires-at 18446744073709551615 outside");
	b[n - 1] = CONTROL_EXPIRY_IN;
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_SET_TICKET, b, n + 9, "expires-in");
	b[n - 1] = 3;
	memset(b + n, 0, 8);
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_SET_TICKET, b, n + 9,
	    "unknown expiry kind 3");
	b[n - 1] = CONTROL_EXPIRY_IN;
	b[n + 9] = 0;
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_SET_TICKET, b, n + 10, "1 bytes after");
	{
		/* And the same bytes without the extra one are fine. */
		struct control_req req;
		struct spd_err err;
		uint8_t buf[128];
		size_t len = raw_req(buf, CONTROL_VERSION, CONTROL_REQ_SET_TICKET,
		    b, n + 9);

		ASSERT_INT_EQ(control_req_parse(buf, len, &req, &err), 0);
		ASSERT_STR_EQ(req.password, "pw");
		ASSERT_U64_EQ(req.expiry_value, 0);
	}

	/* DISCONNECT fields. */
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_DISCONNECT, "\0\1\0", 3,
	    "session: truncated");
	expect_raw_fail(CONTROL_VERSION, CONTROL_REQ_DISCONNECT, "\0\0\0\0\0", 5,
	    "session 0");
}

static void
test_rep_roundtrip_and_rejects(void)
{
	struct control_display d;
	struct control_session s;
	struct control_channel c;
	struct control_vv v;
	struct control_display_stats ds;
	struct control_channel_stats cs;
	struct control_rep rep;
	struct spd_err err;
	struct obuf ob;
	size_t len, off;
	char longtext[CONTROL_TEXT_MAX + 100];
	int i;

	memset(&d, 0, sizeof(d));
	strcpy(d.name, "vm1");
	d.nlisten = 2;
	strcpy(d.listen[0], "127.0.0.1:5900");
	strcpy(d.listen[1], "unix:/run/spiced/vm1.sock");
	d.producer = 1;
	d.producer_pid = 42;
	d.sessions = 3;
	d.preauth = 7;
	d.max_preauth = 8;
	d.ticket = CONTROL_TICKET_SET;
	d.expires = 1234567890;
	memset(&s, 0, sizeof(s));
	strcpy(s.display, "vm1");
	s.id = 99;
	strcpy(s.peer, "[::1]:4000");
	strcpy(s.transport, "tls (relay)");
	s.since = 5;
	s.channels = 2;
	memset(&c, 0, sizeof(c));
	c.session = 99;
	c.conn = 12;
	c.type = 2;
	c.id = 0;
	strcpy(c.peer, "[::1]:4001");
	strcpy(c.transport, "plain");
	c.since = 6;
	memset(longtext, 'e', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	memset(&v, 0, sizeof(v));
	strcpy(v.password, "abcdefghijkmnpqrstuvw");
	v.expires = 1800000000;
	strcpy(v.host, "spiced.example");
	v.port = 5900;
	v.tls_port = 5901;
	v.secure = 0x6;
	strcpy(v.host_subject, "C=XX,O=spiced,CN=spiced.example");
	memset(v.ca, 'c', CONTROL_CA_MAX);	/* at its cap */
	memset(&ds, 0, sizeof(ds));
	strcpy(ds.name, "vm1");
	ds.producer = 1;
	ds.sessions = 2;
	ds.display_cpu = 123;
	ds.cursor_cpu = 4;
	memset(&cs, 0, sizeof(cs));
	cs.session = 99;
	cs.conn = 12;
	cs.type = 2;
	cs.bytes_out = 1ull << 40;
	cs.bytes_in = 77;
	cs.msgs_out = 30;
	cs.outq = 4096;
	cs.rtt_us = 250;

	obuf_init(&ob);
	control_rep_put_display(&ob, &d);
	control_rep_put_session(&ob, &s);
	control_rep_put_channel(&ob, &c);
	control_rep_put_text(&ob, CONTROL_REP_ERROR, longtext);
	control_rep_put_text(&ob, CONTROL_REP_OK, "");
	control_rep_put_end(&ob);
	control_rep_put_vv(&ob, &v);
	control_rep_put_display_stats(&ob, &ds);
	control_rep_put_channel_stats(&ob, &cs);
	ASSERT_TRUE(!ob.ob_failed);
	for (off = 0, i = 0; off < ob.ob_len; i++) {
		ASSERT_INT_EQ(control_frame_len(ob.ob_data + off,
		    CONTROL_MAX_REPLY, &len, &err), 0);
		off += CONTROL_LEN_FIELD;
		if (control_rep_parse(ob.ob_data + off, len, &rep, &err) != 0)
			TEST_FAIL("reply %d: %s", i, err.msg);
		off += len;
		switch (i) {
		case 0:
			ASSERT_INT_EQ(rep.type, CONTROL_REP_DISPLAY);
			ASSERT_TRUE(memcmp(&rep.display, &d, sizeof(d)) == 0);
			break;
		case 1:
			ASSERT_INT_EQ(rep.type, CONTROL_REP_SESSION);
			ASSERT_TRUE(memcmp(&rep.session, &s, sizeof(s)) == 0);
			break;
		case 2:
			ASSERT_INT_EQ(rep.type, CONTROL_REP_CHANNEL);
			ASSERT_TRUE(memcmp(&rep.channel, &c, sizeof(c)) == 0);
			break;
		case 3:
			/* Texts are cut at the cap, not refused. */
			ASSERT_INT_EQ(rep.type, CONTROL_REP_ERROR);
			ASSERT_INT_EQ(strlen(rep.text), CONTROL_TEXT_MAX);
			break;
		case 4:
			ASSERT_INT_EQ(rep.type, CONTROL_REP_OK);
			ASSERT_STR_EQ(rep.text, "");
			break;
		case 5:
			ASSERT_INT_EQ(rep.type, CONTROL_REP_END);
			break;
		case 6:
			ASSERT_INT_EQ(rep.type, CONTROL_REP_VV);
			ASSERT_TRUE(memcmp(&rep.vv, &v, sizeof(v)) == 0);
			break;
		case 7:
			ASSERT_INT_EQ(rep.type, CONTROL_REP_DISPLAY_STATS);
			ASSERT_TRUE(memcmp(&rep.dstats, &ds, sizeof(ds)) == 0);
			break;
		case 8:
			ASSERT_INT_EQ(rep.type, CONTROL_REP_CHANNEL_STATS);
			ASSERT_TRUE(memcmp(&rep.cstats, &cs, sizeof(cs)) == 0);
			break;
		}
	}
	ASSERT_INT_EQ(i, 9);

	/* Rejections: each prefix of the display record is truncated. */
	obuf_reset(&ob);
	control_rep_put_display(&ob, &d);
	for (len = 0; len < ob.ob_len - CONTROL_LEN_FIELD; len++)
		ASSERT_INT_EQ(control_rep_parse(ob.ob_data + CONTROL_LEN_FIELD,
		    len, &rep, &err), -1);
	/* Too many listen addresses; a bad flag; an unknown type; a
	 * request type; over the reply cap. */
	ob.ob_data[CONTROL_LEN_FIELD + 4 + 1 + 3] = CONTROL_MAX_LISTEN + 1;
	ASSERT_INT_EQ(control_rep_parse(ob.ob_data + CONTROL_LEN_FIELD,
	    ob.ob_len - CONTROL_LEN_FIELD, &rep, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "listen addresses");
	obuf_reset(&ob);
	d.producer = 2;
	control_rep_put_display(&ob, &d);
	ASSERT_INT_EQ(control_rep_parse(ob.ob_data + CONTROL_LEN_FIELD,
	    ob.ob_len - CONTROL_LEN_FIELD, &rep, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "bad flag");
	{
		uint8_t b[8];

		ASSERT_INT_EQ(control_rep_parse(b, raw_req(b, CONTROL_VERSION,
		    109, NULL, 0), &rep, &err), -1);
		ASSERT_STR_CONTAINS(err.msg, "unknown reply type 109");
		ASSERT_INT_EQ(control_rep_parse(b, raw_req(b, CONTROL_VERSION,
		    CONTROL_REQ_LIST, NULL, 0), &rep, &err), -1);
		ASSERT_INT_EQ(control_rep_parse(b, raw_req(b, CONTROL_VERSION,
		    CONTROL_REP_END, "z", 1), &rep, &err), -1);
		ASSERT_STR_CONTAINS(err.msg, "after the last field");
	}
	ASSERT_INT_EQ(control_rep_parse(ob.ob_data, CONTROL_MAX_REPLY + 1,
	    &rep, &err), -1);
	obuf_free(&ob);
}

/* Random bytes never crash the parsers and never yield an unterminated
 * string. */
static void
test_random(void)
{
	struct control_req req;
	struct control_rep rep;
	struct spd_err err;
	uint8_t b[CONTROL_MAX_REQUEST];
	size_t len, i;
	int round;

	test_seed();
	for (round = 0; round < 20000; round++) {
		len = (size_t)rand() % sizeof(b);
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)rand();
		if (len >= 4) {
			b[0] = 1;
			b[1] = 0;
			b[2] = (uint8_t)(rand() % 6);
			if (round & 1)
				b[2] += 100;
			b[3] = 0;
		}
		if (control_req_parse(b, len, &req, &err) == 0) {
			ASSERT_TRUE(strlen(req.display) <= CONTROL_NAME_MAX);
			ASSERT_TRUE(strlen(req.password) <=
			    CONTROL_PASSWORD_MAX);
		}
		if (control_rep_parse(b, len, &rep, &err) == 0)
			ASSERT_TRUE(strlen(rep.text) <= CONTROL_TEXT_MAX);
	}
}

int
main(void)
{
	test_frame_len();
	test_req_roundtrip();
	test_req_build_refuses();
	test_req_rejects();
	test_rep_roundtrip_and_rejects();
	test_random();
	printf("test-control: ok\n");
	return 0;
}
