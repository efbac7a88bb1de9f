/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * link: pre-authentication state machine; contracts in link.h.
 *
 * Spec: SPICE-NOTES 1.2-1.7.  Deviations from the reference server:
 * major versions other than 2 always get VERSION_MISMATCH; a client that
 * lacks PROTOCOL_AUTH_SELECTION sends its ticket directly (legacy, as the
 * reference server allows).  With SASL on (policy->sasl), SASL is the
 * only mechanism offered, as in the reference server: the reply carries
 * AUTH_SASL and an all-zero key, a client without auth selection gets
 * VERSION_MISMATCH and mechanism 1 gets INVALID_DATA; the exchange itself
 * is auth-sasl.c's, with link.c reading exactly the bytes it asks for.  A channel that secure-channels
 * names gets NEED_SECURED in the reply when linked without TLS, as the
 * reference server does (spice-gtk then reconnects it to the TLS port).
 *
 * Why plain events and read(2) rather than bufferevents: a bufferevent
 * reads ahead, and the bytes after the ticket are the first data messages
 * of the channel, which must stay in the socket for the worker.  Each
 * step here asks the kernel for exactly the bytes it still lacks.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <spice/enums.h>
#include <spice/protocol.h>

#include "auth-sasl.h"
#include "link-int.h"
#include "link-ws.h"
#include "ws.h"
#include "log.h"
#include "mono-time.h"
#include "sbuf.h"
#include "spice-link.h"

#define LINK_TIMEOUT_DEFAULT	10	/* s, when the policy gives none */
/* After an error reply, read and drop what the client still sends for a
 * moment so that close(2) does not turn into a RST that could destroy the
 * reply before the client reads it. */
#define LINK_LINGER_MS		1000
#define LINK_LINGER_MAX_BYTES	(64 * 1024)

/* Common caps we advertise: ticket auth with auth selection, mini header
 * (SPICE-NOTES 1.5: 0x0B). */
#define LINK_SERVER_COMMON_CAPS \
	(1u << SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION | \
	 1u << SPICE_COMMON_CAP_AUTH_SPICE | \
	 1u << SPICE_COMMON_CAP_MINI_HEADER)
/* With SASL on: 0x0D. */
#define LINK_SASL_COMMON_CAPS \
	(1u << SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION | \
	 1u << SPICE_COMMON_CAP_AUTH_SASL | \
	 1u << SPICE_COMMON_CAP_MINI_HEADER)

const char *const link_state_names[] = {
	[LINK_S_LAYER] = "TLS handshake",
	[LINK_S_WS_HTTP] = "WebSocket upgrade request",
	[LINK_S_WS_REPLY] = "WebSocket upgrade reply",
	[LINK_S_HEADER] = "link header",
	[LINK_S_MESS] = "link message",
	[LINK_S_KEYWAIT] = "key wait",
	[LINK_S_REPLY] = "link reply",
	[LINK_S_MECH] = "auth mechanism",
	[LINK_S_TICKET] = "ticket",
	[LINK_S_SASL_OUT] = "SASL reply",
	[LINK_S_SASL_IN] = "SASL message",
	[LINK_S_RESULT] = "link result",
	[LINK_S_ERROR] = "error reply",
	[LINK_S_LINGER] = "linger",
};

struct link_conn_list link_conns = TAILQ_HEAD_INITIALIZER(link_conns);

static void	link_read_cb(evutil_socket_t, short, void *);
static void	link_write_cb(evutil_socket_t, short, void *);
static void	link_timer_cb(evutil_socket_t, short, void *);

static ssize_t
link_plain_read(struct link_layer *l, void *buf, size_t n)
{
	return recv(l->ll_fd, buf, n, 0);
}

static ssize_t
link_plain_write(struct link_layer *l, const void *buf, size_t n)
{
	/* MSG_NOSIGNAL: a vanished client must not SIGPIPE the supervisor. */
	return send(l->ll_fd, buf, n, MSG_NOSIGNAL);
}

static const struct link_layer_ops link_plain = {
	.llo_name = "plain",
	.llo_read = link_plain_read,
	.llo_write = link_plain_write,
};

ssize_t
link_layer_read(struct link_layer *l, void *buf, size_t n)
{
	return l->ll_ops->llo_read(l, buf, n);
}

ssize_t
link_layer_write(struct link_layer *l, const void *buf, size_t n)
{
	return l->ll_ops->llo_write(l, buf, n);
}

/* Does any layer of lc hold decoded input the socket will not signal? */
static int
link_pending(struct link_conn *lc)
{
	struct link_layer *l;

	for (l = lc->lc_top; l != NULL; l = l->ll_below)
		if (l->ll_ops->llo_pending != NULL && l->ll_ops->llo_pending(l))
			return 1;
	return 0;
}

static int
link_secure(const struct link_conn *lc)
{
	const struct link_layer *l;

	for (l = lc->lc_top; l != NULL; l = l->ll_below)
		if (l->ll_ops->llo_secure)
			return 1;
	return 0;
}

/*
 * The external SSF SASL is told: the strongest layer's bits (a TLS layer's
 * cipher), 0 when no layer protects the link.  A secure layer that cannot
 * say counts as 1, so that SASL still knows the link is protected.
 */
/*
 * Where the client came to, for a later SWITCH_HOST: the name it gave
 * TLS (SNI, so that its certificate check still holds), else the numeric
 * address of our end of its socket.  Nothing for a UNIX socket.
 */
static void
link_local(const struct link_conn *lc, struct ipc_client *c)
{
	const struct link_layer *l;
	const char *name = NULL;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *addr;

	c->local[0] = '\0';
	c->local_port = 0;
	if (getsockname(lc->lc_fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		addr = &((struct sockaddr_in *)&ss)->sin_addr;
		c->local_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		addr = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		c->local_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else
		return;
	for (l = lc->lc_top; l != NULL && name == NULL; l = l->ll_below)
		if (l->ll_ops->llo_server_name != NULL)
			name = l->ll_ops->llo_server_name(l);
	if (name != NULL && strlen(name) < sizeof(c->local))
		snprintf(c->local, sizeof(c->local), "%s", name);
	else if (inet_ntop(ss.ss_family, addr, c->local,
	    sizeof(c->local)) == NULL)
		c->local[0] = '\0';
}

static unsigned
link_ssf(const struct link_conn *lc)
{
	const struct link_layer *l;
	unsigned ssf = 0, bits;

	for (l = lc->lc_top; l != NULL; l = l->ll_below) {
		if (!l->ll_ops->llo_secure)
			continue;
		bits = l->ll_ops->llo_ssf != NULL ? l->ll_ops->llo_ssf(l) : 0;
		if (bits == 0)
			bits = 1;
		if (bits > ssf)
			ssf = bits;
	}
	return ssf;
}

static void
link_layers_free(struct link_conn *lc)
{
	struct link_layer *l, *below;

	for (l = lc->lc_top; l != NULL; l = below) {
		below = l->ll_below;
		if (l->ll_ops->llo_free != NULL)
			l->ll_ops->llo_free(l);
		if (l != &lc->lc_bottom)
			free(l);
	}
	lc->lc_top = NULL;
}

void
link_log_refused(struct link_conn *lc, const char *fmt, ...)
{
	char why[SPD_ERR_LEN];
	va_list ap;

	char host[IPC_ADDR_LEN], kind[64];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* Counted per reason (its text up to the first number, so "bad
	 * magic 0x..." is one kind) and per client address, so a flood of
	 * one kind does not hide another refusal. */
	snprintf(kind, sizeof(kind), "%.63s", why);
	kind[strcspn(kind, "0123456789")] = '\0';
	snprintf(host, sizeof(host), "%.*s", (int)link_addr_len(lc->lc_peer),
	    lc->lc_peer);
	log_msg_as(LOG_LVL_WARN, kind, host, "display \"%s\": link from %s "
	    "refused: %s", lc->lc_policy->display, lc->lc_peer, why);
}

/* Tear down all state; the caller returns at once. */
void
link_free(struct link_conn *lc, int close_fd)
{
	TAILQ_REMOVE(&link_conns, lc, lc_entry);
	if (lc->lc_policy->keys != NULL)
		auth_keypool_cancel(lc->lc_policy->keys, &lc->lc_waiter);
	auth_key_free(lc->lc_key);
	event_free(lc->lc_rev);
	event_free(lc->lc_wev);
	event_free(lc->lc_timer);
	obuf_free(&lc->lc_out);
	auth_sasl_free(lc->lc_sasl);
	link_layers_free(lc);
	if (close_fd)
		close(lc->lc_fd);
	/* The ticket never sat in lc_in unencrypted, but the buffer held the
	 * client's bytes; a wipe costs little. */
	explicit_bzero(lc, sizeof(*lc));
	free(lc);
}

static void
link_expect(struct link_conn *lc, enum link_state state, size_t need)
{
	lc->lc_state = state;
	lc->lc_have = 0;
	lc->lc_need = need;
	lc->lc_rbuf = NULL;
	lc->lc_quiet_since = mono_ns();
	event_del(lc->lc_wev);
	event_add(lc->lc_rev, NULL);
	/* A TLS record may have carried this step's bytes along with the
	 * last one's: they wait in the layer, not in the socket. */
	if (link_pending(lc))
		event_active(lc->lc_rev, EV_READ, 0);
}

/* Start writing lc_out; when done, continue with next. */
static void
link_send(struct link_conn *lc, enum link_state state, enum link_state next)
{
	lc->lc_state = state;
	lc->lc_next = next;
	lc->lc_outoff = 0;
	event_del(lc->lc_rev);
	/* The socket is almost always writable; let the loop say so rather
	 * than special-casing a direct write here. */
	event_add(lc->lc_wev, NULL);
}

/* Milliseconds left until the deadline (0 if past). */
static long
link_ms_left(const struct link_conn *lc)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (lc->lc_deadline.tv_sec - now.tv_sec) * 1000 +
	    (lc->lc_deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}


/* The deadline: ms from now, when link_timer_cb() ends the link. */
static void
link_arm(struct link_conn *lc, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &lc->lc_deadline);
	lc->lc_deadline.tv_sec += tv.tv_sec;
	lc->lc_deadline.tv_nsec += tv.tv_usec * 1000;
	if (lc->lc_deadline.tv_nsec >= 1000000000L) {
		lc->lc_deadline.tv_sec++;
		lc->lc_deadline.tv_nsec -= 1000000000L;
	}
	evtimer_add(lc->lc_timer, &tv);
}

/*
 * Our link reply went out and the ticket (or mechanism) is the client's
 * to send: a real client answers at once, so the rest of the handshake
 * gets auth_timeout_sec at most, not what is left of link-timeout.  A
 * connection that holds a key and stays silent frees its place soon.
 */
static void
link_auth_deadline(struct link_conn *lc)
{
	long ms = lc->lc_policy->auth_timeout_sec * 1000L;

	if (lc->lc_auth_timer || ms <= 0)
		return;
	lc->lc_auth_timer = 1;
	if (link_ms_left(lc) > ms)
		link_arm(lc, ms);
}

/* Refused and answered: stop writing, drop input for a short while. */
static void
link_linger(struct link_conn *lc)
{
	long ms;

	if (shutdown(lc->lc_fd, SHUT_WR) == -1) {
		link_free(lc, 1);
		return;
	}
	ms = link_ms_left(lc);
	link_arm(lc, ms < LINK_LINGER_MS ? ms : LINK_LINGER_MS);
	lc->lc_state = LINK_S_LINGER;
	event_del(lc->lc_wev);
	event_add(lc->lc_rev, NULL);
}

/* Before our reply: answer with an error reply carrying code. */
static void
link_fail_reply(struct link_conn *lc, uint32_t code)
{
	obuf_reset(&lc->lc_out);
	spice_link_error_build(&lc->lc_out, code);
	link_send(lc, LINK_S_ERROR, LINK_S_LINGER);
}

/* After our reply: answer with a failed u32 link result. */
static void
link_fail_result(struct link_conn *lc, uint32_t code)
{
	obuf_reset(&lc->lc_out);
	spice_link_result_build(&lc->lc_out, code);
	link_send(lc, LINK_S_ERROR, LINK_S_LINGER);
}

/* The channel caps spiced offers a channel of this type: those a client
 * decides by (the record channel's Opus: spice-gtk sends Opus only to a
 * server that has it; the display channel's preferred compression and
 * the inputs channel's KEY_SCANCODE, which it sends only to a server
 * that takes them).  Caps the client announces
 * for the server to follow need none. */
static uint32_t
link_channel_caps(uint8_t type)
{
	switch (type) {
	case SPICE_CHANNEL_RECORD:
		return 1u << SPICE_RECORD_CAP_OPUS;
	case SPICE_CHANNEL_DISPLAY:
		return 1u << SPICE_DISPLAY_CAP_PREF_COMPRESSION;
	case SPICE_CHANNEL_INPUTS:
		/* A key pressed and released in one message (spice-gtk's
		 * key_press_and_release: its "send key" menu). */
		return 1u << SPICE_INPUTS_CAP_KEY_SCANCODE;
	default:
		return 0;
	}
}

static void
link_send_reply(struct link_conn *lc)
{
	const uint32_t common = lc->lc_policy->sasl != NULL ?
	    LINK_SASL_COMMON_CAPS : LINK_SERVER_COMMON_CAPS;
	const uint32_t channel = link_channel_caps(
	    lc->lc_mess.lm_channel_type);

	obuf_reset(&lc->lc_out);
	/* SASL needs no key: zeros, as the reference server sends. */
	spice_link_reply_build(&lc->lc_out, SPICE_LINK_ERR_OK,
	    lc->lc_key != NULL ? auth_key_pubkey(lc->lc_key) : NULL, &common,
	    1, &channel, channel != 0 ? 1 : 0);
	if (lc->lc_out.ob_failed) {
		link_log_refused(lc, "cannot build link reply");
		link_free(lc, 1);
		return;
	}
	/* A client without auth selection sends the ticket straight away. */
	link_send(lc, LINK_S_REPLY, spice_link_cap_test(
	    lc->lc_mess.lm_common_caps, lc->lc_mess.lm_n_common,
	    SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION) ?
	    LINK_S_MECH : LINK_S_TICKET);
}

static void
link_key_ready(struct auth_key *key, void *arg)
{
	struct link_conn *lc = arg;

	lc->lc_key = key;
	if (link_secure(lc))
		auth_keypool_share(lc->lc_policy->keys, key);
	link_send_reply(lc);
}

static void
link_fill_info(struct link_conn *lc)
{
	const struct spice_link_mess *m = &lc->lc_mess;
	struct link_info *li = &lc->lc_info;
	struct ipc_client *c = &li->client;

	memset(li, 0, sizeof(*li));
	li->connection_id = m->lm_connection_id;
	li->channel_type = m->lm_channel_type;
	li->channel_id = m->lm_channel_id;
	/* We always advertise MINI_HEADER, so the client's offer decides. */
	li->mini_header = spice_link_cap_test(m->lm_common_caps,
	    m->lm_n_common, SPICE_COMMON_CAP_MINI_HEADER);
	c->channel_type = li->channel_type;
	c->channel_id = li->channel_id;
	c->mini_header = (uint8_t)li->mini_header;
	c->transport = IPC_TRANSPORT_PLAIN;	/* layers' handoff may change */
	li->secure = link_secure(lc);
	c->n_common_caps = m->lm_n_common;
	c->n_channel_caps = m->lm_n_channel;
	memcpy(c->common_caps, m->lm_common_caps, sizeof(c->common_caps));
	memcpy(c->channel_caps, m->lm_channel_caps, sizeof(c->channel_caps));
	snprintf(c->peer, sizeof(c->peer), "%s", lc->lc_peer);
	link_local(lc, c);
}

/*
 * WebSocket (RFC 6455; DESIGN 3): a connection whose first bytes are
 * "GET " sends an HTTP upgrade request.  The 16 bytes read as a link
 * header are its start (no valid request is shorter); the rest is read
 * at most 4 bytes at a time, as ws_http_want() allows, so not one frame
 * byte is read before the 101 reply is out.  lc_in holds the whole
 * request (WS_HTTP_MAX).  Then a framing layer goes on top of the stack
 * and the ordinary link runs inside frames.
 */
_Static_assert(SPICE_LINK_MAX_SIZE >= WS_HTTP_MAX, "lc_in holds a request");

static void
link_on_ws_http(struct link_conn *lc)
{
	struct ws_http wh;
	struct spd_err err;
	int want, rc;

	lc->lc_state = LINK_S_WS_HTTP;
	if ((want = ws_http_want(lc->lc_in, lc->lc_have)) > 0) {
		lc->lc_need = lc->lc_have + (size_t)want;
		/* Under TLS the rest may already sit in the layer. */
		if (link_pending(lc))
			event_active(lc->lc_rev, EV_READ, 0);
		return;
	}
	memset(&wh, 0, sizeof(wh));
	if (want < 0)
		rc = spd_err_set(&err, "WebSocket upgrade: no end of the "
		    "request within %d bytes", WS_HTTP_MAX);
	else
		rc = ws_http_parse(lc->lc_in, lc->lc_have, &wh, &err);
	obuf_reset(&lc->lc_out);
	if (rc == 0 && ws_http_reply_build(&lc->lc_out, &wh, &err) == 0) {
		link_send(lc, LINK_S_WS_REPLY, LINK_S_WS_REPLY);
		return;
	}
	link_log_refused(lc, "%s", err.msg);
	obuf_reset(&lc->lc_out);
	ws_http_refuse_build(&lc->lc_out, &wh);
	link_send(lc, LINK_S_ERROR, LINK_S_LINGER);
}

/* The 101 reply is out: frames from here on. */
static void
link_ws_up(struct link_conn *lc)
{
	struct link_layer *l;

	if ((l = link_ws_new(lc->lc_top)) == NULL) {
		link_log_refused(lc, "WebSocket: out of memory");
		link_free(lc, 1);
		return;
	}
	lc->lc_top = l;
	link_expect(lc, LINK_S_HEADER, SPICE_LINK_HDR_LEN);
}

/*
 * A read failed: if the WebSocket layer ended (a refused frame, or the
 * client's close), answer with a close frame written below that layer,
 * then linger.  0 if the top layer is no WebSocket that ended.
 */
static int
link_ws_fail(struct link_conn *lc)
{
	struct link_layer *ws = lc->lc_top;
	const char *why;

	obuf_reset(&lc->lc_out);
	if ((why = link_ws_ended(ws, &lc->lc_out)) == NULL)
		return 0;
	link_log_refused(lc, "during %s: %s", link_state_names[lc->lc_state],
	    why);
	lc->lc_top = ws->ll_below;
	ws->ll_ops->llo_free(ws);
	free(ws);
	link_send(lc, LINK_S_ERROR, LINK_S_LINGER);
	return 1;
}

static void
link_on_header(struct link_conn *lc)
{
	struct spice_link_hdr hdr;
	struct spd_err err;
	uint32_t rc;

	/* "GET " instead of "REDQ": a WebSocket upgrade, once. */
	if (memcmp(lc->lc_in, "GET ", 4) == 0 && !link_ws_is(lc->lc_top)) {
		link_on_ws_http(lc);
		return;
	}
	if ((rc = spice_link_hdr_parse(lc->lc_in, lc->lc_have, &hdr, &err)) !=
	    SPICE_LINK_ERR_OK) {
		link_log_refused(lc, "%s", err.msg);
		link_fail_reply(lc, rc);
		return;
	}
	link_expect(lc, LINK_S_MESS, hdr.lh_size);
}

static void
link_on_mess(struct link_conn *lc)
{
	struct spd_err err;
	uint32_t rc;

	if ((rc = spice_link_mess_parse(lc->lc_in, lc->lc_have, &lc->lc_mess,
	    &err)) != SPICE_LINK_ERR_OK) {
		link_log_refused(lc, "%s", err.msg);
		link_fail_reply(lc, rc);
		return;
	}
	link_fill_info(lc);
	if (!lc->lc_info.secure && lc->lc_mess.lm_channel_type < 32 &&
	    (lc->lc_policy->secure_channels &
	    (1u << lc->lc_mess.lm_channel_type)) != 0) {
		link_log_refused(lc, "channel %u:%u must be linked over TLS "
		    "(secure-channels)", lc->lc_mess.lm_channel_type,
		    lc->lc_mess.lm_channel_id);
		link_fail_reply(lc, SPICE_LINK_ERR_NEED_SECURED);
		return;
	}
	if (lc->lc_policy->sasl != NULL) {
		if (!spice_link_cap_test(lc->lc_mess.lm_common_caps,
		    lc->lc_mess.lm_n_common,
		    SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION)) {
			link_log_refused(lc, "SASL required, and the client "
			    "cannot select an auth mechanism");
			link_fail_reply(lc, SPICE_LINK_ERR_VERSION_MISMATCH);
			return;
		}
		link_send_reply(lc);
		return;
	}
	if (lc->lc_policy->keys == NULL) {
		link_log_refused(lc, "no key pool");
		link_fail_reply(lc, SPICE_LINK_ERR_ERROR);
		return;
	}
	/* Over TLS the ticket is never seen by anyone else, so its key may
	 * be shared (auth-ticket.h); a plain link gets a fresh one. */
	if (link_secure(lc) && (lc->lc_key = auth_keypool_take_shared(
	    lc->lc_policy->keys)) != NULL) {
		link_send_reply(lc);
		return;
	}
	/* No I/O while waiting: the deadline still runs. */
	lc->lc_state = LINK_S_KEYWAIT;
	event_del(lc->lc_rev);
	lc->lc_key = auth_keypool_take(lc->lc_policy->keys, &lc->lc_waiter,
	    link_key_ready, lc);
	if (lc->lc_key != NULL)
		link_key_ready(lc->lc_key, lc);
}

/* Read the next part of a SASL message, where auth-sasl.c wants it. */
static void
link_sasl_expect(struct link_conn *lc)
{
	uint8_t *buf;
	size_t n;

	auth_sasl_want(lc->lc_sasl, &buf, &n);
	link_expect(lc, LINK_S_SASL_IN, n);
	lc->lc_rbuf = buf;
}

/* Mechanism 2: offer the mechanism list. */
static void
link_sasl_start(struct link_conn *lc)
{
	struct spd_err err;
	unsigned ssf;

	obuf_reset(&lc->lc_out);
	ssf = link_ssf(lc);
	log_debug("display \"%s\": link from %s: SASL external SSF %u",
	    lc->lc_policy->display, lc->lc_peer, ssf);
	lc->lc_sasl = auth_sasl_new(lc->lc_policy->sasl, lc->lc_fd, ssf,
	    &lc->lc_out, &err);
	if (lc->lc_sasl == NULL) {
		link_log_refused(lc, "SASL: %s", err.msg);
		link_fail_result(lc, SPICE_LINK_ERR_ERROR);
		return;
	}
	link_send(lc, LINK_S_SASL_OUT, LINK_S_SASL_IN);
}

/* A SASL message part arrived. */
static void
link_on_sasl(struct link_conn *lc)
{
	struct spd_err err;
	uint32_t rc;

	switch (auth_sasl_input(lc->lc_sasl, &lc->lc_out, &err)) {
	case AUTH_SASL_MORE:
		link_sasl_expect(lc);
		return;
	case AUTH_SASL_REPLY:
		link_send(lc, LINK_S_SASL_OUT, LINK_S_SASL_IN);
		return;
	case AUTH_SASL_OK:
		break;
	default:
		link_log_refused(lc, "SASL: %s", err.msg);
		link_send(lc, LINK_S_ERROR, LINK_S_LINGER);
		return;
	}
	log_info("display \"%s\": link from %s: SASL user \"%s\" "
	    "authenticated with %s (SSF %u)", lc->lc_policy->display,
	    lc->lc_peer, auth_sasl_username(lc->lc_sasl),
	    auth_sasl_mech(lc->lc_sasl), auth_sasl_ssf(lc->lc_sasl));
	rc = lc->lc_admit(&lc->lc_info, lc->lc_arg);
	if (rc != SPICE_LINK_ERR_OK)
		link_log_refused(lc, "channel %u:%u connection id %u: %s",
		    lc->lc_info.channel_type, lc->lc_info.channel_id,
		    lc->lc_info.connection_id, spice_link_err_str(rc));
	/* The SASL success word, then the link result (through the
	 * security layer, if one was negotiated). */
	if (auth_sasl_result(lc->lc_sasl, rc, &lc->lc_out, &err) != 0) {
		link_log_refused(lc, "SASL: %s", err.msg);
		link_free(lc, 1);
		return;
	}
	if (rc != SPICE_LINK_ERR_OK)
		link_send(lc, LINK_S_ERROR, LINK_S_LINGER);
	else
		link_send(lc, LINK_S_RESULT, LINK_S_RESULT);
}

static void
link_on_mech(struct link_conn *lc)
{
	struct sbuf sb;
	uint32_t mech = 0;

	sbuf_init(&sb, lc->lc_in, lc->lc_have);
	if (sbuf_get_u32le(&sb, &mech) == 0 && lc->lc_policy->sasl != NULL &&
	    mech == SPICE_LINK_AUTH_SASL) {
		link_sasl_start(lc);
		return;
	}
	if (mech != SPICE_LINK_AUTH_SPICE || lc->lc_policy->sasl != NULL) {
		link_log_refused(lc, "auth mechanism %u not offered", mech);
		link_fail_result(lc, SPICE_LINK_ERR_INVALID_DATA);
		return;
	}
	link_expect(lc, LINK_S_TICKET, SPICE_LINK_TICKET_LEN);
}

static void
link_on_ticket(struct link_conn *lc)
{
	struct spd_err err, verr;
	uint32_t rc;

	if (lc->lc_policy->ticket == NULL) {
		rc = SPICE_LINK_ERR_PERMISSION_DENIED;
		spd_err_set(&err, "display has no ticket policy");
	} else {
		rc = auth_ticket_check(lc->lc_policy->ticket, lc->lc_key,
		    lc->lc_in, &err);
		/* Not the password: perhaps the view-only one (its own
		 * refusal reason is not logged; the first one says it). */
		if (rc != SPICE_LINK_ERR_OK &&
		    lc->lc_policy->ticket_view != NULL &&
		    auth_ticket_has_password(lc->lc_policy->ticket_view) &&
		    auth_ticket_check(lc->lc_policy->ticket_view, lc->lc_key,
		    lc->lc_in, &verr) == SPICE_LINK_ERR_OK) {
			rc = SPICE_LINK_ERR_OK;
			lc->lc_info.view_only = 1;
		}
		/* Or the one-time ticket (whether it may still open a
		 * session or join one is the admit callback's call). */
		if (rc != SPICE_LINK_ERR_OK &&
		    lc->lc_policy->ticket_once != NULL &&
		    auth_ticket_has_password(lc->lc_policy->ticket_once) &&
		    auth_ticket_check(lc->lc_policy->ticket_once, lc->lc_key,
		    lc->lc_in, &verr) == SPICE_LINK_ERR_OK) {
			rc = SPICE_LINK_ERR_OK;
			lc->lc_info.once = 1;
			lc->lc_info.view_only = lc->lc_policy->once_view_only;
		}
	}
	/* This link is done with its key (a shared one lives on). */
	auth_key_free(lc->lc_key);
	lc->lc_key = NULL;
	explicit_bzero(lc->lc_in, SPICE_LINK_TICKET_LEN);
	if (rc != SPICE_LINK_ERR_OK) {
		link_log_refused(lc, "%s", err.msg);
		link_fail_result(lc, rc);
		return;
	}
	rc = lc->lc_admit(&lc->lc_info, lc->lc_arg);
	if (rc != SPICE_LINK_ERR_OK) {
		link_log_refused(lc, "channel %u:%u connection id %u: %s",
		    lc->lc_info.channel_type, lc->lc_info.channel_id,
		    lc->lc_info.connection_id, spice_link_err_str(rc));
		link_fail_result(lc, rc);
		return;
	}
	obuf_reset(&lc->lc_out);
	spice_link_result_build(&lc->lc_out, SPICE_LINK_ERR_OK);
	link_send(lc, LINK_S_RESULT, LINK_S_RESULT);
}

/* The OK result is out: let each layer, bottom up, turn the socket into
 * what the worker gets (kTLS socket, relay pair), then give the fd away
 * with no event state left. */
static void
link_handoff(struct link_conn *lc)
{
	struct link_info info = lc->lc_info;
	link_handoff_cb handoff = lc->lc_handoff;
	void *arg = lc->lc_arg;
	struct link_layer *stack[8], *l;
	struct spd_err err;
	int fd = lc->lc_fd, n = 0;

	for (l = lc->lc_top; l != NULL && n < 8; l = l->ll_below)
		stack[n++] = l;
	while (n-- > 0) {
		l = stack[n];
		if (l->ll_ops->llo_handoff == NULL)
			continue;
		if (l->ll_ops->llo_handoff(l, &fd, &info.client.transport,
		    &err) != 0) {
			link_log_refused(lc, "after link: %s", err.msg);
			if (fd != lc->lc_fd)
				close(fd);
			link_free(lc, 1);
			return;
		}
	}
	/* Framed: the worker continues the frame the ticket ended in.  A
	 * SASL security layer would have to sit inside the frames, which
	 * the relay cannot do (no WebSocket client asks for one). */
	if (link_ws_is(lc->lc_top) && (auth_sasl_has_layer(lc->lc_sasl) ?
	    spd_err_set(&err, "SASL security layer over WebSocket") :
	    link_ws_handoff(lc->lc_top, &info.client, &err)) != 0) {
		link_log_refused(lc, "after link: %s", err.msg);
		if (fd != lc->lc_fd)
			close(fd);
		link_free(lc, 1);
		return;
	}
	/* A SASL security layer (never together with TLS) goes on in a
	 * relay, which holds the cyrus context from here on. */
	if (auth_sasl_has_layer(lc->lc_sasl)) {
		if (auth_sasl_relay_spawn(lc->lc_sasl, fd, lc->lc_peer, &fd,
		    &err) != 0) {
			link_log_refused(lc, "after link: %s", err.msg);
			link_free(lc, 1);
			return;
		}
		info.client.transport = IPC_TRANSPORT_RELAYED;
	}
	log_info("display \"%s\": link from %s: channel %u:%u linked "
	    "(connection id %u, %s%s)", lc->lc_policy->display, lc->lc_peer,
	    info.channel_type, info.channel_id, info.connection_id,
	    info.client.transport == IPC_TRANSPORT_KTLS ? "TLS, kTLS" :
	    auth_sasl_has_layer(lc->lc_sasl) ? "SASL layer, relay" :
	    info.client.transport == IPC_TRANSPORT_RELAYED ? "TLS, relay" :
	    "plain", info.view_only ? ", view-only" : "");
	/* A layer that replaced the socket keeps its own copy (the relay
	 * holds it); ours goes. */
	link_free(lc, fd != lc->lc_fd);
	handoff(fd, &info, arg);
}

/* Run the bottom layer's handshake as far as the socket allows. */
static void
link_layer_step(struct link_conn *lc)
{
	struct link_layer *l = &lc->lc_bottom;
	struct spd_err err;
	int rc;

	rc = l->ll_ops->llo_handshake(l, &err);
	switch (rc) {
	case LINK_LAYER_DONE:
		link_expect(lc, LINK_S_HEADER, SPICE_LINK_HDR_LEN);
		break;
	case LINK_LAYER_WANT_READ:
		event_del(lc->lc_wev);
		event_add(lc->lc_rev, NULL);
		break;
	case LINK_LAYER_WANT_WRITE:
		event_del(lc->lc_rev);
		event_add(lc->lc_wev, NULL);
		break;
	default:
		link_log_refused(lc, "%s", err.msg);
		link_free(lc, 1);
		break;
	}
}

static void
link_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct link_conn *lc = arg;
	uint8_t drop[512];
	ssize_t n;

	if (lc->lc_state == LINK_S_LAYER) {
		link_layer_step(lc);
		return;
	}
	if (lc->lc_state == LINK_S_LINGER) {
		n = link_layer_read(lc->lc_top, drop, sizeof(drop));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n > 0 && (lc->lc_drained += (size_t)n) <
		    LINK_LINGER_MAX_BYTES)
			return;
		link_free(lc, 1);
		return;
	}

	/* Exactly the missing bytes of this step, never more. */
	n = link_layer_read(lc->lc_top, (lc->lc_rbuf != NULL ? lc->lc_rbuf :
	    lc->lc_in) + lc->lc_have, lc->lc_need - lc->lc_have);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (link_ws_fail(lc))
			return;
		link_log_refused(lc, "read during %s: %s",
		    link_state_names[lc->lc_state], strerror(errno));
		link_free(lc, 1);
		return;
	}
	if (n == 0) {
		link_log_refused(lc, "peer closed during %s (%zu of %zu "
		    "bytes)", link_state_names[lc->lc_state], lc->lc_have,
		    lc->lc_need);
		link_free(lc, 1);
		return;
	}
	lc->lc_have += (size_t)n;
	lc->lc_quiet_since = mono_ns();
	if (lc->lc_have < lc->lc_need) {
		if (link_pending(lc))
			event_active(lc->lc_rev, EV_READ, 0);
		return;
	}

	switch (lc->lc_state) {
	case LINK_S_HEADER:
		link_on_header(lc);
		break;
	case LINK_S_WS_HTTP:
		link_on_ws_http(lc);
		break;
	case LINK_S_MESS:
		link_on_mess(lc);
		break;
	case LINK_S_MECH:
		link_on_mech(lc);
		break;
	case LINK_S_TICKET:
		link_on_ticket(lc);
		break;
	case LINK_S_SASL_IN:
		link_on_sasl(lc);
		break;
	default:
		/* Reading is only enabled in the states above. */
		link_log_refused(lc, "internal: read in %s",
		    link_state_names[lc->lc_state]);
		link_free(lc, 1);
		break;
	}
}

static void
link_write_cb(evutil_socket_t fd, short events, void *arg)
{
	struct link_conn *lc = arg;
	ssize_t n;

	if (lc->lc_state == LINK_S_LAYER) {
		link_layer_step(lc);
		return;
	}
	n = link_layer_write(lc->lc_top, lc->lc_out.ob_data + lc->lc_outoff,
	    lc->lc_out.ob_len - lc->lc_outoff);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		/* An error reply that cannot be delivered was logged when the
		 * refusal was decided; only new failures get a line. */
		if (lc->lc_state != LINK_S_ERROR)
			link_log_refused(lc, "write during %s: %s",
			    link_state_names[lc->lc_state], strerror(errno));
		link_free(lc, 1);
		return;
	}
	lc->lc_outoff += (size_t)n;
	if (lc->lc_outoff < lc->lc_out.ob_len)
		return;

	switch (lc->lc_next) {
	case LINK_S_MECH:
		link_auth_deadline(lc);
		link_expect(lc, LINK_S_MECH, SPICE_LINK_AUTH_MECH_LEN);
		break;
	case LINK_S_TICKET:
		link_auth_deadline(lc);
		link_expect(lc, LINK_S_TICKET, SPICE_LINK_TICKET_LEN);
		break;
	case LINK_S_SASL_IN:
		link_sasl_expect(lc);
		break;
	case LINK_S_RESULT:
		link_handoff(lc);
		break;
	case LINK_S_WS_REPLY:
		link_ws_up(lc);
		break;
	default:
		link_linger(lc);
		break;
	}
}

static void
link_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct link_conn *lc = arg;

	/* A lingering one had its refusal logged already. */
	if (lc->lc_state != LINK_S_LINGER && lc->lc_state != LINK_S_ERROR) {
		if (lc->lc_auth_timer)
			link_log_refused(lc, "no authentication within %d s "
			    "of the link reply (in %s; auth-timeout)",
			    lc->lc_policy->auth_timeout_sec,
			    link_state_names[lc->lc_state]);
		else
			link_log_refused(lc, "no complete handshake within "
			    "%d s (in %s)", lc->lc_policy->timeout_sec > 0 ?
			    lc->lc_policy->timeout_sec : LINK_TIMEOUT_DEFAULT,
			    link_state_names[lc->lc_state]);
	}
	link_free(lc, 1);
}

struct link_conn *
link_start(struct event_base *base, int fd, const char *peer,
    const struct link_policy *policy, link_admit_cb admit,
    link_handoff_cb handoff, void *arg)
{
	return link_start_layer(base, fd, peer, policy, NULL, NULL, admit,
	    handoff, arg);
}

struct link_conn *
link_start_layer(struct event_base *base, int fd, const char *peer,
    const struct link_policy *policy, const struct link_layer_ops *ops,
    void *ctx, link_admit_cb admit, link_handoff_cb handoff, void *arg)
{
	struct link_layer dropped;
	struct link_conn *lc;
	int flags, timeout;

	dropped.ll_ops = ops;
	dropped.ll_ctx = ctx;
	dropped.ll_fd = fd;
	dropped.ll_below = NULL;

	/* Counting walks the list; it holds at most the sum of all
	 * max_preauth values, so the walk stays short. */
	if (link_admit_preauth(policy, peer) != 0)
		goto drop;
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		log_warn("display \"%s\": link from %s refused: O_NONBLOCK: %s",
		    policy->display, peer, strerror(errno));
		goto drop;
	}
	if ((lc = calloc(1, sizeof(*lc))) == NULL)
		goto fail;
	lc->lc_fd = fd;
	lc->lc_policy = policy;
	lc->lc_bottom.ll_ops = ops != NULL ? ops : &link_plain;
	lc->lc_bottom.ll_ctx = ctx;
	lc->lc_bottom.ll_fd = fd;
	lc->lc_top = &lc->lc_bottom;
	lc->lc_admit = admit;
	lc->lc_handoff = handoff;
	lc->lc_arg = arg;
	snprintf(lc->lc_peer, sizeof(lc->lc_peer), "%s", peer);
	obuf_init(&lc->lc_out);
	lc->lc_rev = event_new(base, fd, EV_READ | EV_PERSIST, link_read_cb,
	    lc);
	lc->lc_wev = event_new(base, fd, EV_WRITE | EV_PERSIST, link_write_cb,
	    lc);
	lc->lc_timer = evtimer_new(base, link_timer_cb, lc);
	if (lc->lc_rev == NULL || lc->lc_wev == NULL || lc->lc_timer == NULL) {
		if (lc->lc_rev != NULL)
			event_free(lc->lc_rev);
		if (lc->lc_wev != NULL)
			event_free(lc->lc_wev);
		if (lc->lc_timer != NULL)
			event_free(lc->lc_timer);
		free(lc);
		goto fail;
	}
	timeout = policy->timeout_sec > 0 ? policy->timeout_sec :
	    LINK_TIMEOUT_DEFAULT;
	link_arm(lc, timeout * 1000L);
	lc->lc_quiet_since = mono_ns();
	TAILQ_INSERT_TAIL(&link_conns, lc, lc_entry);
	if (lc->lc_bottom.ll_ops->llo_handshake != NULL) {
		/* Servers speak second: wait for the client's first bytes
		 * (and so never free lc before returning it). */
		lc->lc_state = LINK_S_LAYER;
		event_add(lc->lc_rev, NULL);
	} else
		link_expect(lc, LINK_S_HEADER, SPICE_LINK_HDR_LEN);
	return lc;

 fail:
	log_warn("display \"%s\": link from %s refused: out of memory",
	    policy->display, peer);
 drop:
	if (ops != NULL && ops->llo_free != NULL)
		ops->llo_free(&dropped);
	close(fd);
	return NULL;
}

static void
link_abort_matching(const struct link_policy *policy, const char *why)
{
	struct link_conn *lc, *next;

	for (lc = TAILQ_FIRST(&link_conns); lc != NULL; lc = next) {
		next = TAILQ_NEXT(lc, lc_entry);
		if (policy != NULL && lc->lc_policy != policy)
			continue;
		if (lc->lc_state != LINK_S_LINGER &&
		    lc->lc_state != LINK_S_ERROR)
			link_log_refused(lc, "%s", why);
		link_free(lc, 1);
	}
}

void
link_abort_all(void)
{
	link_abort_matching(NULL, "server shutting down");
}

void
link_abort_policy(const struct link_policy *policy)
{
	link_abort_matching(policy, "display removed");
}

