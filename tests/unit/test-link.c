/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-link: the link state machine over real sockets.  The server side is
 * link.c on a libevent loop in the main thread; each client is a thread
 * doing blocking I/O on the other end of a socketpair, encrypting its
 * ticket with OpenSSL as spice-gtk does.  Log lines are captured and
 * checked, so every refusal is shown to produce its one line.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <spice/enums.h>
#include <spice/protocol.h>

#include "auth-ticket.h"
#include "link.h"
#include "log.h"
#include "spice-link.h"
#include "test-helper.h"
#include "test-ticket-enc.h"

#define EXTRA		"EXTRA-DATA for the worker"
#define MAX_CLIENTS	16

enum script { SCRIPT_FULL, SCRIPT_RAW };

struct client {
	/* What to do. */
	enum script	 script;
	const char	*password;	/* ticket plaintext, NUL added */
	int		 garbage_ticket;
	uint32_t	 mech;		/* auth mechanism to send */
	int		 legacy;	/* no AUTH_SELECTION cap */
	uint32_t	 common_cap;
	uint8_t		 channel_type;
	const uint8_t	*raw;		/* SCRIPT_RAW: bytes to send */
	size_t		 rawlen;
	int		 raw_shut;	/* then shutdown(SHUT_WR) */
	uint32_t	 admit_rc;	/* what admit returns */

	/* What happened, client side. */
	int		 fd;
	uint8_t		 rx[512];
	size_t		 rxlen;		/* SCRIPT_RAW: bytes until EOF */
	int		 got_reply;
	struct spice_link_reply reply;
	int		 got_result;
	uint32_t	 result;
	int		 eof_after;	/* EOF seen after the result */
	double		 elapsed;
	atomic_int	 done;

	/* What happened, server side. */
	int		 admitted;
	int		 handoff_fd;
	struct link_info info;
};

static struct event_base	*base;
static struct auth_keypool	*keys;
static struct auth_ticket	*ticket;
static struct link_policy	 policy;

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
writen(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly n bytes; returns how many arrived before EOF/error. */
static size_t
readn(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if ((r = read(fd, p + got, n - got)) <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void
client_full(struct client *c)
{
	struct spice_link_mess m;
	struct spice_link_hdr h;
	struct spd_err err;
	struct obuf ob;
	uint8_t buf[SPICE_LINK_MAX_SIZE], t[SPICE_LINK_TICKET_LEN], r[4], x;

	memset(&m, 0, sizeof(m));
	m.lm_channel_type = c->channel_type ? c->channel_type :
	    SPICE_CHANNEL_MAIN;
	m.lm_n_common = 1;
	m.lm_common_caps[0] = c->common_cap ? c->common_cap :
	    (c->legacy ? 0x08 : 0x0d);
	m.lm_n_channel = 1;
	m.lm_channel_caps[0] = 0x0f;
	obuf_init(&ob);
	spice_link_mess_build(&ob, &m);
	ASSERT_TRUE(!ob.ob_failed);
	ASSERT_INT_EQ(writen(c->fd, ob.ob_data, ob.ob_len), 0);

	if (readn(c->fd, buf, 16) != 16)
		goto out;
	ASSERT_INT_EQ(spice_link_hdr_parse(buf, 16, &h, &err), 0);
	if (readn(c->fd, buf, h.lh_size) != h.lh_size)
		goto out;
	ASSERT_INT_EQ(spice_link_reply_parse(buf, h.lh_size, &c->reply, &err),
	    0);
	c->got_reply = 1;
	if (c->reply.lr_error != 0)
		goto out;

	obuf_reset(&ob);
	if (!c->legacy)
		obuf_put_u32le(&ob, c->mech ? c->mech : SPICE_LINK_AUTH_SPICE);
	if (c->garbage_ticket)
		memset(t, 0x5a, sizeof(t));
	else
		ASSERT_INT_EQ(test_ticket_encrypt(c->reply.lr_pubkey,
		    c->password, t), 0);
	obuf_put_bytes(&ob, t, sizeof(t));
	/* Pipelined data the worker must find in the socket. */
	obuf_put_bytes(&ob, EXTRA, strlen(EXTRA));
	/* The server may close before reading all of it: ignore errors. */
	(void)writen(c->fd, ob.ob_data, ob.ob_len);

	if (readn(c->fd, r, 4) != 4)
		goto out;
	c->got_result = 1;
	c->result = (uint32_t)r[0] | (uint32_t)r[1] << 8 |
	    (uint32_t)r[2] << 16 | (uint32_t)r[3] << 24;
	if (c->result != SPICE_LINK_ERR_OK)
		c->eof_after = readn(c->fd, &x, 1) == 0;
 out:
	obuf_free(&ob);
}

static void
client_raw(struct client *c)
{
	if (c->rawlen > 0)
		ASSERT_INT_EQ(writen(c->fd, c->raw, c->rawlen), 0);
	if (c->raw_shut)
		shutdown(c->fd, SHUT_WR);
	c->rxlen = readn(c->fd, c->rx, sizeof(c->rx));
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	struct timeval tv = { 5, 0 };
	double t0 = now_sec();

	/* A hung server must fail the test, not hang it. */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (c->script == SCRIPT_FULL)
		client_full(c);
	else
		client_raw(c);
	c->elapsed = now_sec() - t0;
	/* Close here: a refused link lingers until it sees our EOF. */
	close(c->fd);
	atomic_store(&c->done, 1);
	return NULL;
}

static uint32_t
on_admit(const struct link_info *li, void *arg)
{
	struct client *c = arg;

	c->admitted++;
	c->info = *li;
	return c->admit_rc;
}

static void
on_handoff(int fd, const struct link_info *li, void *arg)
{
	struct client *c = arg;

	ASSERT_INT_EQ(c->handoff_fd, -1);
	c->handoff_fd = fd;
	ASSERT_INT_EQ(li->channel_type, c->info.channel_type);
}

static void
tick(evutil_socket_t fd, short ev, void *arg)
{
}

/* stderr capture, so log lines can be checked. */
static int	saved_stderr = -1;
static FILE	*capture;

static void
capture_begin(void)
{
	fflush(stderr);
	capture = tmpfile();
	ASSERT_TRUE(capture != NULL);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(capture), STDERR_FILENO);
}

static void
capture_end(char *out, size_t outlen)
{
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(capture);
	n = fread(out, 1, outlen - 1, capture);
	out[n] = '\0';
	fclose(capture);
	/* Keep the lines in the test log too. */
	fputs(out, stderr);
}

static int
count_lines(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* Run n clients against pol until all are done and no link is left. */
static void
run_clients(struct client *cs, int n, const struct link_policy *pol,
    char *log, size_t loglen)
{
	pthread_t th[MAX_CLIENTS];
	struct timeval tv = { 0, 10000 };
	struct event *ticker;
	double t0;
	int i, sp[2], alldone;
	char peer[32];

	ASSERT_TRUE(n <= MAX_CLIENTS);
	capture_begin();
	ticker = event_new(base, -1, EV_PERSIST, tick, NULL);
	event_add(ticker, &tv);
	for (i = 0; i < n; i++) {
		ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
		cs[i].fd = sp[0];
		cs[i].handoff_fd = -1;
		snprintf(peer, sizeof(peer), "client-%d", i);
		(void)link_start(base, sp[1], peer, pol, on_admit, on_handoff,
		    &cs[i]);
		ASSERT_INT_EQ(pthread_create(&th[i], NULL, client_main, &cs[i]),
		    0);
	}
	t0 = now_sec();
	for (;;) {
		alldone = 1;
		for (i = 0; i < n; i++)
			if (!atomic_load(&cs[i].done))
				alldone = 0;
		if (alldone && link_count(pol) == 0)
			break;
		if (now_sec() - t0 > 15) {
			capture_end(log, loglen);
			TEST_FAIL("clients did not finish");
		}
		event_base_loop(base, EVLOOP_ONCE);
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	event_free(ticker);
	capture_end(log, loglen);
}

static void
client_init(struct client *c, const char *password)
{
	memset(c, 0, sizeof(*c));
	c->script = SCRIPT_FULL;
	c->password = password;
	c->admit_rc = SPICE_LINK_ERR_OK;
}

static void
test_ok(void)
{
	struct client c;
	char log[4096], got[64];
	ssize_t n;
	int flags;

	client_init(&c, "s3cret");
	run_clients(&c, 1, &policy, log, sizeof(log));
	ASSERT_TRUE(c.got_reply);
	ASSERT_INT_EQ(c.reply.lr_error, 0);
	ASSERT_INT_EQ(c.reply.lr_n_common, 1);
	ASSERT_INT_EQ(c.reply.lr_common_caps[0], 0x0b);
	ASSERT_INT_EQ(c.reply.lr_n_channel, 0);
	ASSERT_INT_EQ(c.reply.lr_caps_offset, 178);
	ASSERT_TRUE(c.got_result);
	ASSERT_INT_EQ(c.result, SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(c.admitted, 1);
	ASSERT_INT_EQ(c.info.channel_type, SPICE_CHANNEL_MAIN);
	ASSERT_INT_EQ(c.info.mini_header, 1);
	ASSERT_INT_EQ(c.info.client.mini_header, 1);
	ASSERT_INT_EQ(c.info.client.n_common_caps, 1);
	ASSERT_INT_EQ(c.info.client.common_caps[0], 0x0d);
	ASSERT_INT_EQ(c.info.client.n_channel_caps, 1);
	ASSERT_INT_EQ(c.info.client.channel_caps[0], 0x0f);
	ASSERT_INT_EQ(c.info.client.transport, IPC_TRANSPORT_PLAIN);
	ASSERT_STR_EQ(c.info.client.peer, "client-0");
	ASSERT_TRUE(c.handoff_fd >= 0);
	ASSERT_STR_CONTAINS(log, "linked");

	/* The bytes after the ticket are still in the socket. */
	flags = fcntl(c.handoff_fd, F_GETFL);
	ASSERT_TRUE(flags & O_NONBLOCK);
	n = recv(c.handoff_fd, got, sizeof(got), MSG_DONTWAIT);
	ASSERT_INT_EQ(n, strlen(EXTRA));
	ASSERT_MEM_EQ(got, EXTRA, strlen(EXTRA));
	close(c.handoff_fd);
}

static void
test_ticket_refused(const char *password, const char *why)
{
	struct client c;
	char log[4096];

	client_init(&c, password);
	run_clients(&c, 1, &policy, log, sizeof(log));
	ASSERT_TRUE(c.got_result);
	ASSERT_INT_EQ(c.result, SPICE_LINK_ERR_PERMISSION_DENIED);
	ASSERT_TRUE(c.eof_after);
	ASSERT_INT_EQ(c.admitted, 0);
	ASSERT_INT_EQ(c.handoff_fd, -1);
	ASSERT_INT_EQ(count_lines(log, "refused"), 1);
	ASSERT_STR_CONTAINS(log,
	    "display \"vm1\": link from client-0 refused: ");
	ASSERT_STR_CONTAINS(log, why);
}

static void
test_tickets(void)
{
	struct spd_err err;

	test_ticket_refused("wrong", "refused: wrong password");
	test_ticket_refused("", "refused: wrong password");

	auth_ticket_set_expiry(ticket, time(NULL) - 5);
	test_ticket_refused("s3cret", "refused: ticket expired");
	auth_ticket_set_expiry(ticket, 0);

	/* No password configured: the empty ticket does not get in. */
	ASSERT_INT_EQ(auth_ticket_set_password(ticket, "", &err), 0);
	test_ticket_refused("", "refused: no password set");
	ASSERT_INT_EQ(auth_ticket_set_password(ticket, "s3cret", &err), 0);
}

static void
test_disabled_and_legacy(void)
{
	struct client c;
	char log[4096];

	/* Ticketing off: garbage goes through, the 128 bytes still read. */
	auth_ticket_set_disabled(ticket, 1);
	client_init(&c, NULL);
	c.garbage_ticket = 1;
	run_clients(&c, 1, &policy, log, sizeof(log));
	ASSERT_INT_EQ(c.result, SPICE_LINK_ERR_OK);
	ASSERT_TRUE(c.handoff_fd >= 0);
	close(c.handoff_fd);
	auth_ticket_set_disabled(ticket, 0);

	/* A client without auth selection sends the ticket directly. */
	client_init(&c, "s3cret");
	c.legacy = 1;
	run_clients(&c, 1, &policy, log, sizeof(log));
	ASSERT_INT_EQ(c.result, SPICE_LINK_ERR_OK);
	ASSERT_TRUE(c.handoff_fd >= 0);
	ASSERT_INT_EQ(c.info.mini_header, 1);
	close(c.handoff_fd);

	/* Without MINI_HEADER the worker must use full headers. */
	client_init(&c, "s3cret");
	c.common_cap = 0x03;
	run_clients(&c, 1, &policy, log, sizeof(log));
	ASSERT_INT_EQ(c.result, SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(c.info.mini_header, 0);
	close(c.handoff_fd);
}

static void
test_mech_and_admit(void)
{
	struct client c;
	char log[4096];
	/* SASL is not offered yet; 0 cannot be tested (the script's
	 * default). */
	uint32_t mechs[] = { SPICE_LINK_AUTH_SASL, 5, 0xffffffff };
	size_t i;

	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		client_init(&c, "s3cret");
		c.mech = mechs[i];
		run_clients(&c, 1, &policy, log, sizeof(log));
		ASSERT_INT_EQ(c.result, SPICE_LINK_ERR_INVALID_DATA);
		ASSERT_TRUE(c.eof_after);
		ASSERT_INT_EQ(c.admitted, 0);
		ASSERT_STR_CONTAINS(log, "auth mechanism");
		ASSERT_INT_EQ(count_lines(log, "refused"), 1);
	}

	client_init(&c, "s3cret");
	c.channel_type = SPICE_CHANNEL_DISPLAY;
	c.admit_rc = SPICE_LINK_ERR_BAD_CONNECTION_ID;
	run_clients(&c, 1, &policy, log, sizeof(log));
	ASSERT_INT_EQ(c.admitted, 1);
	ASSERT_INT_EQ(c.result, SPICE_LINK_ERR_BAD_CONNECTION_ID);
	ASSERT_INT_EQ(c.handoff_fd, -1);
	ASSERT_STR_CONTAINS(log, "refused: channel 2:0 connection id 0: "
	    "bad connection id");
}

/* A raw byte sequence; the server answers with an error reply. */
static void
test_raw_error(const uint8_t *raw, size_t len, uint32_t want,
    const char *why)
{
	struct spice_link_reply r;
	struct spice_link_hdr h;
	struct spd_err err;
	struct client c;
	char log[4096];

	client_init(&c, NULL);
	c.script = SCRIPT_RAW;
	c.raw = raw;
	c.rawlen = len;
	run_clients(&c, 1, &policy, log, sizeof(log));
	/* Exactly one error reply, then EOF. */
	ASSERT_INT_EQ(c.rxlen, SPICE_LINK_ERROR_REPLY_LEN);
	ASSERT_INT_EQ(spice_link_hdr_parse(c.rx, 16, &h, &err), 0);
	ASSERT_INT_EQ(h.lh_size, SPICE_LINK_REPLY_LEN);
	ASSERT_INT_EQ(spice_link_reply_parse(c.rx + 16, 178, &r, &err), 0);
	ASSERT_INT_EQ(r.lr_error, want);
	ASSERT_INT_EQ(c.admitted, 0);
	ASSERT_INT_EQ(count_lines(log, "refused"), 1);
	ASSERT_STR_CONTAINS(log, why);
}

static void
test_bad_input(void)
{
	uint8_t b[64];
	struct client c;
	char log[4096];

	/* Header + a full message behind it, which the server never reads:
	 * the reply must still arrive (no RST from unread data). */
	memset(b, 0, sizeof(b));
	memcpy(b, "RFB 003.008\n\0\0\0\0", 16);
	test_raw_error(b, 42, SPICE_LINK_ERR_INVALID_MAGIC,
	    "refused: link header: bad magic");

	memcpy(b, "REDQ", 4);
	test_put32(b + 4, 1);
	test_put32(b + 8, 2);
	test_put32(b + 12, 26);
	test_raw_error(b, 16, SPICE_LINK_ERR_VERSION_MISMATCH,
	    "major version 1");

	test_put32(b + 4, 2);
	test_put32(b + 12, 1048576);
	test_raw_error(b, 16, SPICE_LINK_ERR_INVALID_DATA,
	    "refused: link header: size 1048576 exceeds 4096");

	/* Caps offset inside the fixed part. */
	test_put32(b + 12, 26);
	memset(b + 16, 0, 26);
	b[20] = 1;
	test_put32(b + 22, 1);
	test_put32(b + 26, 1);
	test_put32(b + 30, 17);
	test_raw_error(b, 42, SPICE_LINK_ERR_INVALID_DATA, "caps offset 17");

	/* Truncated message, then the client closes. */
	client_init(&c, NULL);
	c.script = SCRIPT_RAW;
	c.raw = b;
	c.rawlen = 26;
	c.raw_shut = 1;
	run_clients(&c, 1, &policy, log, sizeof(log));
	ASSERT_INT_EQ(c.rxlen, 0);
	ASSERT_STR_CONTAINS(log, "refused: peer closed during link message "
	    "(10 of 26 bytes)");
	ASSERT_INT_EQ(count_lines(log, "refused"), 1);
}

static void
test_deadline(void)
{
	struct link_policy quick = policy;
	struct client c[2];
	char log[4096];

	/* Nothing sent, and a half header: both closed at 1 s. */
	quick.timeout_sec = 1;
	client_init(&c[0], NULL);
	c[0].script = SCRIPT_RAW;
	client_init(&c[1], NULL);
	c[1].script = SCRIPT_RAW;
	c[1].raw = (const uint8_t *)"REDQ\2\0";
	c[1].rawlen = 6;
	run_clients(c, 2, &quick, log, sizeof(log));
	ASSERT_INT_EQ(c[0].rxlen, 0);
	ASSERT_TRUE(c[0].elapsed > 0.9 && c[0].elapsed < 3);
	ASSERT_TRUE(c[1].elapsed > 0.9 && c[1].elapsed < 3);
	ASSERT_INT_EQ(count_lines(log, "no complete handshake within 1 s"),
	    2);
}

static void
test_burst(void)
{
	struct client c[12];
	struct auth_keypool *small, *saved = policy.keys;
	struct spd_err err;
	char log[16384];
	int i;

	/* A pool of 2 and 12 simultaneous links: all must get through,
	 * waiting for keys made one per loop turn. */
	small = auth_keypool_new(base, 2, &err);
	ASSERT_TRUE(small != NULL);
	policy.keys = small;
	for (i = 0; i < 12; i++)
		client_init(&c[i], "s3cret");
	run_clients(c, 12, &policy, log, sizeof(log));
	for (i = 0; i < 12; i++) {
		ASSERT_INT_EQ(c[i].result, SPICE_LINK_ERR_OK);
		ASSERT_TRUE(c[i].handoff_fd >= 0);
		close(c[i].handoff_fd);
	}
	ASSERT_INT_EQ(count_lines(log, "linked"), 12);
	ASSERT_INT_EQ(auth_keypool_waiting(small), 0);
	policy.keys = saved;
	auth_keypool_free(small);
}

static void
test_max_preauth(void)
{
	struct link_policy capped = policy;
	int sp[3][2], i;
	struct link_conn *lc[3];
	char log[4096], peer[16], x;

	capped.max_preauth = 2;
	capture_begin();
	for (i = 0; i < 3; i++) {
		ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]), 0);
		snprintf(peer, sizeof(peer), "idle-%d", i);
		lc[i] = link_start(base, sp[i][1], peer, &capped, on_admit,
		    on_handoff, NULL);
	}
	/* The cap is full of idle links: the third evicts the oldest. */
	ASSERT_TRUE(lc[0] != NULL && lc[1] != NULL && lc[2] != NULL);
	ASSERT_INT_EQ(link_count(&capped), 2);
	ASSERT_INT_EQ(read(sp[0][0], &x, 1), 0);
	/* Another display is not affected by this one's cap. */
	ASSERT_INT_EQ(link_count(&policy), 0);

	link_abort_policy(&capped);
	ASSERT_INT_EQ(link_count(NULL), 0);
	for (i = 0; i < 3; i++) {
		ASSERT_INT_EQ(read(sp[i][0], &x, 1), 0);
		close(sp[i][0]);
	}
	capture_end(log, sizeof(log));
	ASSERT_STR_CONTAINS(log, "link from idle-0 refused: evicted in link "
	    "header after ");
	ASSERT_STR_CONTAINS(log, " ms quiet to make room for idle-2: "
	    "max-preauth 2 reached");
	ASSERT_INT_EQ(count_lines(log, "display removed"), 2);

	/* A cap of 0 refuses everything: nothing to evict. */
	capped.max_preauth = 0;
	capture_begin();
	ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[0]), 0);
	ASSERT_TRUE(link_start(base, sp[0][1], "idle", &capped, on_admit,
	    on_handoff, NULL) == NULL);
	ASSERT_INT_EQ(read(sp[0][0], &x, 1), 0);
	close(sp[0][0]);
	capture_end(log, sizeof(log));
	ASSERT_STR_CONTAINS(log, "max-preauth 0 reached and none to evict");

	/* Per address: a third link from 10.0.0.1 evicts that address's
	 * quietest, and 10.0.0.2's link stays. */
	capped.max_preauth = 8;
	capped.max_preauth_per_addr = 2;
	capture_begin();
	{
		const char *peers[4] = { "10.0.0.1:1", "10.0.0.2:1",
		    "10.0.0.1:2", "10.0.0.1:3" };
		int pp[4][2];

		for (i = 0; i < 4; i++) {
			ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0,
			    pp[i]), 0);
			ASSERT_TRUE(link_start(base, pp[i][1], peers[i],
			    &capped, on_admit, on_handoff, NULL) != NULL);
		}
		ASSERT_INT_EQ(link_count(&capped), 3);
		ASSERT_INT_EQ(read(pp[0][0], &x, 1), 0);
		ASSERT_INT_EQ(recv(pp[1][0], &x, 1, MSG_DONTWAIT), -1);
		link_abort_policy(&capped);
		for (i = 0; i < 4; i++)
			close(pp[i][0]);
	}
	capture_end(log, sizeof(log));
	ASSERT_STR_CONTAINS(log, "link from 10.0.0.1:1 refused: evicted in "
	    "link header after ");
	ASSERT_STR_CONTAINS(log, "to make room for 10.0.0.1:3: "
	    "max-preauth-per-address 2 reached");
	capped.max_preauth_per_addr = 0;

	/* link_abort_all empties everything. */
	ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[0]), 0);
	ASSERT_TRUE(link_start(base, sp[0][1], "idle", &policy, on_admit,
	    on_handoff, NULL) != NULL);
	capture_begin();
	link_abort_all();
	capture_end(log, sizeof(log));
	ASSERT_INT_EQ(link_count(NULL), 0);
	ASSERT_INT_EQ(read(sp[0][0], &x, 1), 0);
	close(sp[0][0]);
}

int
main(void)
{
	struct spd_err err;

	log_init("test-link", 0);
	base = event_base_new();
	ASSERT_TRUE(base != NULL);
	keys = auth_keypool_new(base, 4, &err);
	ASSERT_TRUE(keys != NULL);
	ticket = auth_ticket_new();
	ASSERT_TRUE(ticket != NULL);
	ASSERT_INT_EQ(auth_ticket_set_password(ticket, "s3cret", &err), 0);
	policy.display = "vm1";
	policy.ticket = ticket;
	policy.keys = keys;
	policy.timeout_sec = 5;
	policy.max_preauth = MAX_CLIENTS;

	test_ok();
	test_tickets();
	test_disabled_and_legacy();
	test_mech_and_admit();
	test_bad_input();
	test_deadline();
	test_burst();
	test_max_preauth();

	ASSERT_INT_EQ(link_count(NULL), 0);
	auth_ticket_free(ticket);
	auth_keypool_free(keys);
	event_base_free(base);
	printf("test-link: ok\n");
	return 0;
}
