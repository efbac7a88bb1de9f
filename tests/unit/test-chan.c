/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-chan: workers/chan.c over a socketpair.  The test plays the client
 * on one end, with hand-built SPICE frames, and drives the worker's event
 * loop in non-blocking steps.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <spice/protocol.h>
#include <spice/enums.h>

#include "chan.h"
#include "log.h"
#include "sbuf.h"
#include "test-helper.h"

#define MAX_MSG		4096

/* What the callbacks saw. */
static struct {
	int		nmsg;
	uint16_t	type[64];
	size_t		len[64];
	uint8_t		last_body[MAX_MSG];
	int		writable;
	int		closed;
	char		reason[IPC_REASON_LEN];
	int		close_in_msg;	/* role closes from inside co_msg */
	int		reply_in_msg;	/* role answers each message */
} seen;

static int
t_msg(struct chan *c, uint16_t type, struct sbuf *body, const char **why)
{
	if (seen.nmsg < 64) {
		seen.type[seen.nmsg] = type;
		seen.len[seen.nmsg] = sbuf_left(body);
	}
	seen.nmsg++;
	memcpy(seen.last_body, sbuf_ptr(body), sbuf_left(body));
	if (seen.reply_in_msg)
		chan_send(c, 999, "x", 1);
	if (seen.close_in_msg) {
		chan_close(c, "closed by role");
		/* The chan must still be valid for the rest of this call. */
		ASSERT_INT_EQ(chan_can_send(c), 0);
	}
	if (type == 150) {
		*why = "role refused message 150";
		return -1;
	}
	return 0;
}

static void
t_writable(struct chan *c)
{
	seen.writable++;
}

static void
t_closed(struct chan *c, const char *reason)
{
	seen.closed++;
	snprintf(seen.reason, sizeof(seen.reason), "%s", reason);
}

static const struct chan_ops t_ops = { t_msg, t_writable, t_closed };

struct fixture {
	struct event_base	*base;
	struct chan		*chan;
	int			 client;
	int			 mini;
};

/* A connected pair over TCP on loopback, the client's end reading into a
 * small buffer (so that the kernel holds back what it cannot send), the
 * server's taking 256 kB at once (the cap is twice net.core.wmem_max,
 * 212992 by default). */
static void
tcp_pair(int sv[2])
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int l, small = 4096, big = 1 << 20;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_TRUE((l = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	ASSERT_INT_EQ(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ASSERT_INT_EQ(listen(l, 1), 0);
	ASSERT_INT_EQ(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	ASSERT_TRUE((sv[1] = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	ASSERT_INT_EQ(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)), 0);
	ASSERT_INT_EQ(connect(sv[1], (struct sockaddr *)&sin, sizeof(sin)), 0);
	ASSERT_TRUE((sv[0] = accept(l, NULL, NULL)) >= 0);
	ASSERT_INT_EQ(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big,
	    sizeof(big)), 0);
	ASSERT_TRUE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	close(l);
}

static void
fx_open_on(struct fixture *fx, int mini, int tcp)
{
	struct ipc_client ic;
	struct spd_err err;
	int sv[2];

	memset(&seen, 0, sizeof(seen));
	memset(&ic, 0, sizeof(ic));
	ic.channel_type = SPICE_CHANNEL_DISPLAY;
	ic.mini_header = (uint8_t)mini;
	ic.n_channel_caps = 1;
	memcpy(ic.channel_caps, &(uint32_t){ 0x5 }, 4);
	snprintf(ic.peer, sizeof(ic.peer), "test");
	if (tcp)
		tcp_pair(sv);
	else
		ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fx->base = event_base_new();
	ASSERT_TRUE(fx->base != NULL);
	fx->chan = chan_new(fx->base, sv[0], 7, 9, &ic, MAX_MSG, &t_ops,
	    fx, &err);
	ASSERT_TRUE(fx->chan != NULL);
	fx->client = sv[1];
	fx->mini = mini;
	ASSERT_TRUE(fcntl(fx->client, F_SETFL, O_NONBLOCK) == 0);
}

static void
fx_open(struct fixture *fx, int mini)
{
	fx_open_on(fx, mini, 0);
}

static void
fx_close(struct fixture *fx)
{
	if (!seen.closed)
		chan_close(fx->chan, "test over");
	close(fx->client);
	event_base_free(fx->base);
}

/* Run the loop until nothing is left to do right now. */
static void
pump(struct fixture *fx)
{
	int i;

	for (i = 0; i < 8; i++)
		event_base_loop(fx->base, EVLOOP_NONBLOCK);
}

/* Client -> server frame. */
static size_t
frame(int mini, uint16_t type, const void *body, uint32_t len, uint8_t *out)
{
	struct obuf ob;
	size_t n;

	obuf_init(&ob);
	if (!mini)
		obuf_put_u64le(&ob, 1);
	obuf_put_u16le(&ob, type);
	obuf_put_u32le(&ob, len);
	if (!mini)
		obuf_put_u32le(&ob, 0);
	obuf_put_bytes(&ob, body, len);
	n = ob.ob_len;
	memcpy(out, ob.ob_data, n);
	obuf_free(&ob);
	return n;
}

static void
client_send(struct fixture *fx, uint16_t type, const void *body,
    uint32_t len)
{
	uint8_t buf[MAX_MSG + 64];
	size_t n;

	n = frame(fx->mini, type, body, len, buf);
	ASSERT_INT_EQ(write(fx->client, buf, n), n);
}

/* The client ends its side of the connection. */
static void
client_eof(struct fixture *fx)
{
	close(fx->client);
	fx->client = open("/dev/null", O_RDONLY);
}

/* ACK_SYNC of generation gen, then one ACK. */
static void
client_ack_sync(struct fixture *fx, uint32_t gen)
{
	uint8_t b[4];

	memcpy(b, &gen, 4);
	client_send(fx, SPICE_MSGC_ACK_SYNC, b, 4);
	client_send(fx, SPICE_MSGC_ACK, NULL, 0);
	pump(fx);
}

/* Run what was sent; the chan must have closed for reason (a part of the
 * message).  Ends the fixture. */
static void
fx_expect_closed(struct fixture *fx, const char *reason)
{
	pump(fx);
	ASSERT_INT_EQ(seen.closed, 1);
	ASSERT_STR_CONTAINS(seen.reason, reason);
	fx_close(fx);
}

/* Read one server -> client frame; returns 0, or -1 if none is there. */
static int
client_recv(struct fixture *fx, uint64_t *serial, uint16_t *type,
    uint8_t *body, uint32_t *len)
{
	uint8_t hdr[18];
	struct sbuf sb;
	size_t hl = fx->mini ? 6 : 18;
	uint32_t sub;
	ssize_t n;

	n = recv(fx->client, hdr, hl, MSG_DONTWAIT);
	if (n <= 0)
		return -1;
	ASSERT_INT_EQ(n, hl);
	sbuf_init(&sb, hdr, hl);
	*serial = 0;
	if (!fx->mini)
		ASSERT_INT_EQ(sbuf_get_u64le(&sb, serial), 0);
	ASSERT_INT_EQ(sbuf_get_u16le(&sb, type), 0);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, len), 0);
	if (!fx->mini) {
		ASSERT_INT_EQ(sbuf_get_u32le(&sb, &sub), 0);
		ASSERT_INT_EQ(sub, 0);
	}
	ASSERT_TRUE(*len <= MAX_MSG);
	if (*len > 0)
		ASSERT_INT_EQ(recv(fx->client, body, *len, MSG_WAITALL), *len);
	return 0;
}

static void
test_mini_framing(void)
{
	struct fixture fx;
	uint8_t body[MAX_MSG];
	uint64_t serial;
	uint32_t len;
	uint16_t type;

	fx_open(&fx, 1);
	client_send(&fx, 101, "abc", 3);
	client_send(&fx, 102, NULL, 0);
	pump(&fx);
	ASSERT_INT_EQ(seen.nmsg, 2);
	ASSERT_INT_EQ(seen.type[0], 101);
	ASSERT_INT_EQ(seen.len[0], 3);
	ASSERT_INT_EQ(seen.type[1], 102);
	ASSERT_INT_EQ(seen.len[1], 0);

	chan_send(fx.chan, 120, "hello", 5);
	pump(&fx);
	ASSERT_INT_EQ(chan_outq(fx.chan), 0);
	ASSERT_INT_EQ(client_recv(&fx, &serial, &type, body, &len), 0);
	ASSERT_INT_EQ(type, 120);
	ASSERT_INT_EQ(len, 5);
	ASSERT_MEM_EQ(body, "hello", 5);
	ASSERT_TRUE(chan_has_cap(fx.chan, 0));
	ASSERT_TRUE(!chan_has_cap(fx.chan, 1));
	ASSERT_TRUE(chan_has_cap(fx.chan, 2));
	ASSERT_TRUE(!chan_has_cap(fx.chan, 40));
	ASSERT_TRUE(!chan_has_common_cap(fx.chan, 0));
	fx_close(&fx);
	ASSERT_INT_EQ(seen.closed, 1);
}

static void
test_full_framing(void)
{
	struct fixture fx;
	uint8_t body[MAX_MSG];
	struct obuf *ob;
	uint64_t serial;
	uint32_t len;
	uint16_t type;
	int i;

	fx_open(&fx, 0);
	client_send(&fx, 130, "xyz", 3);
	pump(&fx);
	ASSERT_INT_EQ(seen.nmsg, 1);
	ASSERT_INT_EQ(seen.type[0], 130);
	ASSERT_MEM_EQ(seen.last_body, "xyz", 3);

	/* Server serials count from 1. */
	for (i = 0; i < 3; i++) {
		ob = chan_msg_begin(fx.chan, (uint16_t)(200 + i));
		obuf_put_u32le(ob, (uint32_t)i);
		chan_msg_end(fx.chan);
	}
	/* A large body is handed over rather than copied: same bytes. */
	ob = chan_msg_begin(fx.chan, 210);
	memset(obuf_append_space(ob, MAX_MSG), 0xab, MAX_MSG);
	chan_msg_end(fx.chan);
	pump(&fx);
	for (i = 0; i < 3; i++) {
		ASSERT_INT_EQ(client_recv(&fx, &serial, &type, body, &len), 0);
		ASSERT_U64_EQ(serial, i + 1);
		ASSERT_INT_EQ(type, 200 + i);
		ASSERT_INT_EQ(len, 4);
		ASSERT_INT_EQ(body[0], i);
	}
	ASSERT_INT_EQ(client_recv(&fx, &serial, &type, body, &len), 0);
	ASSERT_U64_EQ(serial, 4);
	ASSERT_INT_EQ(len, MAX_MSG);
	ASSERT_INT_EQ(body[MAX_MSG - 1], 0xab);
	fx_close(&fx);
}

/* A header claiming more than the cap closes at once, with no body sent:
 * nothing can have been allocated for it. */
static void
test_oversize(void)
{
	struct fixture fx;
	uint8_t hdr[6];
	struct obuf ob;
	int mini;

	for (mini = 0; mini <= 1; mini++) {
		fx_open(&fx, mini);
		obuf_init(&ob);
		if (!mini)
			obuf_put_u64le(&ob, 1);
		obuf_put_u16le(&ob, 107);
		obuf_put_u32le(&ob, 0xffffffffu);
		if (!mini)
			obuf_put_u32le(&ob, 0);
		ASSERT_INT_EQ(write(fx.client, ob.ob_data, ob.ob_len),
		    ob.ob_len);
		obuf_free(&ob);
		pump(&fx);
		ASSERT_INT_EQ(seen.closed, 1);
		ASSERT_INT_EQ(seen.nmsg, 0);
		ASSERT_STR_CONTAINS(seen.reason, "4294967295");
		ASSERT_STR_CONTAINS(seen.reason, "over the cap");
		/* The server end is closed: the client sees EOF. */
		ASSERT_INT_EQ(read(fx.client, hdr, sizeof(hdr)), 0);
		fx_close(&fx);
	}

	/* Exactly the cap is fine; one more is not. */
	fx_open(&fx, 1);
	{
		static uint8_t big[MAX_MSG + 1];

		client_send(&fx, 140, big, MAX_MSG);
		pump(&fx);
		ASSERT_INT_EQ(seen.nmsg, 1);
		ASSERT_INT_EQ(seen.len[0], MAX_MSG);
		ASSERT_INT_EQ(seen.closed, 0);
		client_send(&fx, 140, big, MAX_MSG + 1);
		pump(&fx);
		ASSERT_INT_EQ(seen.closed, 1);
		ASSERT_INT_EQ(seen.nmsg, 1);
	}
	fx_close(&fx);
}

static void
test_ack_window(void)
{
	struct fixture fx;
	uint8_t body[MAX_MSG];
	struct sbuf sb;
	uint64_t serial;
	uint32_t len, g, w;
	uint16_t type;
	int i;

	fx_open(&fx, 1);
	chan_set_ack(fx.chan, 2);
	pump(&fx);
	ASSERT_INT_EQ(client_recv(&fx, &serial, &type, body, &len), 0);
	ASSERT_INT_EQ(type, SPICE_MSG_SET_ACK);
	sbuf_init(&sb, body, len);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, &g), 0);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, &w), 0);
	ASSERT_INT_EQ(g, 1);
	ASSERT_INT_EQ(w, 2);

	/* Up to 2 * window unacked messages may be out; then it stops. */
	for (i = 0; i < 5; i++) {
		ASSERT_INT_EQ(chan_can_send(fx.chan), 1);
		chan_send(fx.chan, 150, "m", 1);
	}
	ASSERT_INT_EQ(chan_can_send(fx.chan), 0);
	pump(&fx);
	ASSERT_INT_EQ(chan_can_send(fx.chan), 0);
	ASSERT_INT_EQ(seen.writable, 0);

	/* An ACK before ACK_SYNC belongs to no generation: ignored. */
	client_send(&fx, SPICE_MSGC_ACK, NULL, 0);
	pump(&fx);
	ASSERT_INT_EQ(chan_can_send(fx.chan), 0);

	client_ack_sync(&fx, 1);
	ASSERT_INT_EQ(chan_can_send(fx.chan), 1);
	ASSERT_INT_EQ(seen.writable, 1);
	ASSERT_INT_EQ(seen.closed, 0);

	/* A new SET_ACK starts a new generation: the old ACK_SYNC no
	 * longer counts. */
	chan_set_ack(fx.chan, 1);
	for (i = 0; i < 3; i++)
		chan_send(fx.chan, 150, "m", 1);
	ASSERT_INT_EQ(chan_can_send(fx.chan), 0);
	client_send(&fx, SPICE_MSGC_ACK, NULL, 0);
	pump(&fx);
	ASSERT_INT_EQ(chan_can_send(fx.chan), 0);
	client_ack_sync(&fx, 2);
	ASSERT_INT_EQ(chan_can_send(fx.chan), 1);
	ASSERT_INT_EQ(seen.writable, 2);
	fx_close(&fx);
}

/* Read exactly n bytes the server wrote, running its loop meanwhile. */
static void
client_read_all(struct fixture *fx, uint8_t *dst, size_t n)
{
	size_t got = 0;
	ssize_t r;
	int i;

	for (i = 0; got < n && i < 100000; i++) {
		pump(fx);
		r = recv(fx->client, dst + got, n - got, MSG_DONTWAIT);
		if (r > 0)
			got += (size_t)r;
	}
	ASSERT_INT_EQ(got, n);
}

/* Large bodies go to the queue by reference and come back as the next
 * message's builder once written: the next large message reuses the
 * allocation, and no message is overwritten while still queued. */
static void
test_body_recycling(void)
{
	enum { BIG = 256 * 1024, N = 7 };
	static uint8_t got[N][6 + BIG];
	struct fixture fx;
	struct obuf *ob;
	uint8_t *first;
	uint32_t len;
	uint16_t type;
	int i;
	size_t j;

	fx_open(&fx, 1);
	ob = chan_msg_begin(fx.chan, 170);
	memset(obuf_append_space(ob, BIG), 0xee, BIG);
	first = ob->ob_data;
	chan_msg_end(fx.chan);
	client_read_all(&fx, got[0], 6 + BIG);
	ASSERT_INT_EQ(got[0][6 + BIG - 1], 0xee);
	/* Written: the next builder is that same block. */
	ob = chan_msg_begin(fx.chan, 171);
	ASSERT_TRUE(ob->ob_data == first);
	obuf_put_u8(ob, 1);
	chan_msg_end(fx.chan);
	client_read_all(&fx, got[0], 6 + 1);

	/* Several queued at once (more than are kept spare), each its own
	 * bytes when they arrive. */
	for (i = 0; i < N; i++) {
		ob = chan_msg_begin(fx.chan, (uint16_t)(180 + i));
		memset(obuf_append_space(ob, BIG), i + 1, BIG);
		chan_msg_end(fx.chan);
	}
	for (i = 0; i < N; i++)
		client_read_all(&fx, got[i], 6 + BIG);
	for (i = 0; i < N; i++) {
		memcpy(&type, got[i], 2);
		memcpy(&len, got[i] + 2, 4);
		ASSERT_INT_EQ(type, 180 + i);
		ASSERT_INT_EQ(len, BIG);
		for (j = 6; j < 6 + BIG; j++)
			if (got[i][j] != i + 1)
				ASSERT_INT_EQ(got[i][j], i + 1);
	}
	fx_close(&fx);
}

/* One body sent on two channels (two viewers of a display): both get the
 * same bytes, with their own headers, and its memory is recycled only
 * after the creator and both channels are done with it. */
static void
test_shared_body(void)
{
	enum { BIG = 128 * 1024 };
	static uint8_t got[2][18 + BIG];
	struct fixture a, b;
	struct chan_shared *sh;
	struct obuf ob, *nb;
	uint8_t *data;
	uint64_t serial;
	uint32_t len;
	uint16_t type;
	size_t j;

	fx_open(&a, 1);
	fx_open(&b, 0);
	obuf_init(&ob);
	chan_body_prepare(&ob);
	memset(obuf_append_space(&ob, BIG), 0x5a, BIG);
	data = ob.ob_data;
	ASSERT_TRUE((sh = chan_shared_new(&ob)) != NULL);
	ASSERT_TRUE(ob.ob_data == NULL && ob.ob_len == 0);
	chan_shared_send(a.chan, 190, sh);
	chan_shared_send(b.chan, 191, sh);
	chan_shared_unref(sh);
	/* a has written it, b not yet: not recycled. */
	client_read_all(&a, got[0], 6 + BIG);
	nb = chan_msg_begin(a.chan, 192);
	ASSERT_TRUE(nb->ob_data != data);
	obuf_put_u8(nb, 0);
	chan_msg_end(a.chan);
	client_read_all(&a, got[1], 6 + 1);
	/* b writes it with its full header: then it is recycled. */
	client_read_all(&b, got[1], 18 + BIG);
	memcpy(&serial, got[1], 8);
	memcpy(&type, got[1] + 8, 2);
	memcpy(&len, got[1] + 10, 4);
	ASSERT_U64_EQ(serial, 1);
	ASSERT_INT_EQ(type, 191);
	ASSERT_INT_EQ(len, BIG);
	memcpy(&type, got[0], 2);
	ASSERT_INT_EQ(type, 190);
	for (j = 0; j < BIG; j++)
		if (got[0][6 + j] != 0x5a || got[1][18 + j] != 0x5a)
			ASSERT_INT_EQ(got[0][6 + j] ^ got[1][18 + j], 0x5a);
	obuf_init(&ob);
	chan_body_prepare(&ob);
	ASSERT_TRUE(ob.ob_data == data);
	obuf_free(&ob);

	/* A channel that closes with the body still queued lets go of it. */
	obuf_init(&ob);
	chan_body_prepare(&ob);
	memset(obuf_append_space(&ob, BIG), 0x77, BIG);
	data = ob.ob_data;
	ASSERT_TRUE((sh = chan_shared_new(&ob)) != NULL);
	chan_shared_send(b.chan, 193, sh);
	chan_shared_unref(sh);
	fx_close(&b);
	chan_body_prepare(&ob);
	ASSERT_TRUE(ob.ob_data == data);
	obuf_free(&ob);
	seen.closed = 0;	/* that was b's close; a is still open */
	fx_close(&a);
}

static void
test_outq_bound(void)
{
	struct fixture fx;
	struct obuf *ob;
	static uint8_t sink[1 << 16];
	int i;

	fx_open(&fx, 1);
	/* The client reads nothing: the queue fills to the bound. */
	for (i = 0; i < 64 && chan_can_send(fx.chan); i++) {
		ob = chan_msg_begin(fx.chan, 160);
		memset(obuf_append_space(ob, 512 * 1024), 1, 512 * 1024);
		chan_msg_end(fx.chan);
		pump(&fx);
	}
	ASSERT_INT_EQ(chan_can_send(fx.chan), 0);
	ASSERT_TRUE(chan_outq(fx.chan) >= CHAN_OUTQ_MAX);
	ASSERT_INT_EQ(chan_idle(fx.chan), 0);
	ASSERT_INT_EQ(seen.writable, 0);
	/* Draining reopens it and says so once. */
	for (i = 0; i < 10000 && chan_outq(fx.chan) > 0; i++) {
		while (read(fx.client, sink, sizeof(sink)) > 0)
			;
		pump(&fx);
	}
	ASSERT_INT_EQ(chan_outq(fx.chan), 0);
	ASSERT_INT_EQ(chan_can_send(fx.chan), 1);
	ASSERT_INT_EQ(chan_idle(fx.chan), 1);
	ASSERT_INT_EQ(seen.writable, 1);
	fx_close(&fx);
}

/* On TCP a connection is idle only once what it was given is delivered
 * (acknowledged): not while the bytes wait in the kernel's buffer, the
 * queue empty. */
static void
test_idle_tcp(void)
{
	struct fixture fx;
	struct obuf *ob;
	static uint8_t sink[1 << 16];
	int i, held = 0;

	fx_open_on(&fx, 1, 1);
	ASSERT_INT_EQ(chan_idle(fx.chan), 1);
	ob = chan_msg_begin(fx.chan, 160);
	memset(obuf_append_space(ob, 256 * 1024), 1, 256 * 1024);
	chan_msg_end(fx.chan);
	ASSERT_INT_EQ(chan_idle(fx.chan), 0);
	for (i = 0; i < 100 && !held; i++) {
		pump(&fx);
		held = chan_outq(fx.chan) == 0;
	}
	/* The client's 4 kB window holds most of it back in the kernel (its
	 * first window lets some 64 kB go). */
	ASSERT_INT_EQ(held, 1);
	ASSERT_INT_EQ(chan_idle(fx.chan), 0);
	for (i = 0; i < 10000 && !chan_idle(fx.chan); i++) {
		while (read(fx.client, sink, sizeof(sink)) > 0)
			;
		pump(&fx);
		usleep(1000);
	}
	ASSERT_INT_EQ(chan_idle(fx.chan), 1);
	fx_close(&fx);
}

static void
test_ping_pong(void)
{
	struct fixture fx;
	uint8_t body[MAX_MSG];
	uint64_t serial;
	uint32_t len;
	uint16_t type;

	fx_open(&fx, 1);
	chan_ping(fx.chan);
	pump(&fx);
	ASSERT_INT_EQ(client_recv(&fx, &serial, &type, body, &len), 0);
	ASSERT_INT_EQ(type, SPICE_MSG_PING);
	ASSERT_INT_EQ(len, 12);
	/* PONG echoes id and timestamp. */
	client_send(&fx, SPICE_MSGC_PONG, body, 12);
	pump(&fx);
	ASSERT_INT_EQ(seen.closed, 0);
	ASSERT_INT_EQ(seen.nmsg, 0);
	/* A short PONG is a protocol error. */
	client_send(&fx, SPICE_MSGC_PONG, body, 8);
	fx_expect_closed(&fx, "PONG");
}

/* Frames 101 "one", 102 "" and 103 "three" into buf; their length. */
static size_t
t_three_frames(int mini, uint8_t *buf)
{
	size_t n = 0;

	n += frame(mini, 101, "one", 3, buf + n);
	n += frame(mini, 102, "", 0, buf + n);
	n += frame(mini, 103, "three", 5, buf + n);
	return n;
}

/* Frames arriving a byte at a time, and several in one write. */
static void
test_split_reads(void)
{
	struct fixture fx;
	uint8_t buf[3 * 64];
	size_t n, i;
	unsigned seed = test_seed();

	fx_open(&fx, 0);
	n = t_three_frames(0, buf);
	for (i = 0; i < n; i++) {
		ASSERT_INT_EQ(write(fx.client, buf + i, 1), 1);
		pump(&fx);
	}
	ASSERT_INT_EQ(seen.nmsg, 3);
	ASSERT_INT_EQ(seen.type[2], 103);
	ASSERT_MEM_EQ(seen.last_body, "three", 5);
	fx_close(&fx);

	/* Random cut points, replayable from the printed seed. */
	fx_open(&fx, 1);
	n = t_three_frames(1, buf);
	for (i = 0; i < n;) {
		size_t k = 1 + (size_t)rand_r(&seed) % 7;

		if (k > n - i)
			k = n - i;
		ASSERT_INT_EQ(write(fx.client, buf + i, k), k);
		pump(&fx);
		i += k;
	}
	ASSERT_INT_EQ(seen.nmsg, 3);
	ASSERT_INT_EQ(seen.len[2], 5);
	fx_close(&fx);
}

static void
test_protocol_errors(void)
{
	struct fixture fx;
	uint8_t b[16] = { 0 };

	fx_open(&fx, 1);
	client_send(&fx, SPICE_MSGC_MIGRATE_FLUSH_MARK, NULL, 0);
	fx_expect_closed(&fx, "MIGRATE_FLUSH_MARK");

	fx_open(&fx, 1);
	client_send(&fx, SPICE_MSGC_MIGRATE_DATA, b, 16);
	fx_expect_closed(&fx, "MIGRATE_DATA");

	/* DISCONNECTING and unknown common types are no error; the role
	 * refusing a message is, with its reason. */
	fx_open(&fx, 1);
	client_send(&fx, SPICE_MSGC_DISCONNECTING, b, 12);
	client_send(&fx, 50, NULL, 0);
	pump(&fx);
	ASSERT_INT_EQ(seen.closed, 0);
	client_send(&fx, 150, NULL, 0);
	client_send(&fx, 151, NULL, 0);
	pump(&fx);
	ASSERT_INT_EQ(seen.closed, 1);
	ASSERT_INT_EQ(seen.nmsg, 1);
	ASSERT_STR_EQ(seen.reason, "role refused message 150");
	fx_close(&fx);

	/* EOF, clean and inside a message. */
	fx_open(&fx, 1);
	client_eof(&fx);
	pump(&fx);
	ASSERT_INT_EQ(seen.closed, 1);
	ASSERT_STR_EQ(seen.reason, "client closed the connection");
	fx_close(&fx);
	fx_open(&fx, 1);
	ASSERT_INT_EQ(write(fx.client, "\x65\x00\x05\x00", 4), 4);
	client_eof(&fx);
	fx_expect_closed(&fx, "inside a message");
}

/* The role closes the chan from inside its message callback, with more
 * messages queued behind: one co_closed, no later dispatch. */
/*
 * IPC_TRANSPORT_RELAYED: each datagram the relay gets holds the bytes of
 * one message only (so no TLS record holds two), at most
 * IPC_RELAY_DGRAM_MAX of them; a large message leaves in several.
 */
static void
test_relay_datagrams(void)
{
	static uint8_t big[3 * IPC_RELAY_DGRAM_MAX + 100], dg[IPC_RELAY_DGRAM_MAX + 1];
	size_t sizes[4] = { 3, 0, sizeof(big), 10 }, want, got;
	struct ipc_client ic;
	struct event_base *base;
	struct spd_err err;
	struct chan *c;
	struct obuf *ob;
	int sv[2], i;
	ssize_t n;

	memset(&seen, 0, sizeof(seen));
	memset(&ic, 0, sizeof(ic));
	ic.channel_type = SPICE_CHANNEL_DISPLAY;
	ic.mini_header = 1;
	ic.transport = IPC_TRANSPORT_RELAYED;
	snprintf(ic.peer, sizeof(ic.peer), "test");
	ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	/* Room for everything at once, so one pump writes it all. */
	ASSERT_INT_EQ(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF,
	    &(int){ 4 << 20 }, sizeof(int)), 0);
	base = event_base_new();
	c = chan_new(base, sv[0], 7, 9, &ic, MAX_MSG, &t_ops, NULL, &err);
	ASSERT_TRUE(c != NULL);
	memset(big, 0xab, sizeof(big));
	for (i = 0; i < 4; i++) {
		ob = chan_msg_begin(c, (uint16_t)(200 + i));
		obuf_put_bytes(ob, big, sizes[i]);
		chan_msg_end(c);
	}
	for (i = 0; i < 64 && chan_outq(c) > 0; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	ASSERT_INT_EQ(chan_outq(c), 0);
	/* Message i is 6 header bytes plus its body: its datagrams must
	 * add up to exactly that, none larger than the cap. */
	for (i = 0; i < 4; i++) {
		want = 6 + sizes[i];
		for (got = 0; got < want; got += (size_t)n) {
			n = recv(sv[1], dg, sizeof(dg), MSG_DONTWAIT | MSG_TRUNC);
			ASSERT_TRUE(n > 0);
			ASSERT_TRUE((size_t)n <= IPC_RELAY_DGRAM_MAX);
			ASSERT_TRUE(got + (size_t)n <= want);
		}
	}
	ASSERT_INT_EQ(recv(sv[1], dg, sizeof(dg), MSG_DONTWAIT), -1);
	chan_close(c, "test over");
	close(sv[1]);
	event_base_free(base);
}

static void
test_close_in_callback(void)
{
	struct fixture fx;

	fx_open(&fx, 1);
	seen.close_in_msg = 1;
	seen.reply_in_msg = 1;
	client_send(&fx, 101, "a", 1);
	client_send(&fx, 102, "b", 1);
	pump(&fx);
	ASSERT_INT_EQ(seen.nmsg, 1);
	ASSERT_INT_EQ(seen.closed, 1);
	ASSERT_STR_EQ(seen.reason, "closed by role");
	fx_close(&fx);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	log_init("test-chan", getenv("TEST_DEBUG") != NULL);
	chan_set_display("test");
	test_mini_framing();
	test_full_framing();
	test_oversize();
	test_ack_window();
	test_outq_bound();
	test_idle_tcp();
	test_body_recycling();
	test_shared_body();
	test_ping_pong();
	test_split_reads();
	test_protocol_errors();
	test_close_in_callback();
	test_relay_datagrams();
	printf("test-chan: ok\n");
	return 0;
}
