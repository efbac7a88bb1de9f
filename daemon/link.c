/*
 * link: pre-authentication state machine; contracts in link.h.
 *
 * Spec: SPICE-NOTES 1.2-1.7.  Deviations from the reference server:
 * major versions other than 2 always get VERSION_MISMATCH; a client that
 * lacks PROTOCOL_AUTH_SELECTION sends its ticket directly (legacy, as the
 * reference server allows) and SASL is not offered yet, so mechanism 2
 * gets INVALID_DATA like any unknown one.
 *
 * Why plain events and read(2) rather than bufferevents: a bufferevent
 * reads ahead, and the bytes after the ticket are the first data messages
 * of the channel, which must stay in the socket for the worker.  Each
 * step here asks the kernel for exactly the bytes it still lacks.
 */
#include <sys/queue.h>
#include <sys/socket.h>

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

#include "link.h"
#include "log.h"
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

enum link_state {
	LINK_S_HEADER,		/* reading SpiceLinkHeader */
	LINK_S_MESS,		/* reading SpiceLinkMess + caps */
	LINK_S_KEYWAIT,		/* waiting for a key pair from the pool */
	LINK_S_REPLY,		/* writing SpiceLinkReply */
	LINK_S_MECH,		/* reading the auth mechanism u32 */
	LINK_S_TICKET,		/* reading the encrypted ticket */
	LINK_S_RESULT,		/* writing the link result */
	LINK_S_ERROR,		/* writing an error reply or failed result */
	LINK_S_LINGER,		/* refused; draining input until close */
};

static const char *link_state_names[] = {
	[LINK_S_HEADER] = "link header",
	[LINK_S_MESS] = "link message",
	[LINK_S_KEYWAIT] = "key wait",
	[LINK_S_REPLY] = "link reply",
	[LINK_S_MECH] = "auth mechanism",
	[LINK_S_TICKET] = "ticket",
	[LINK_S_RESULT] = "link result",
	[LINK_S_ERROR] = "error reply",
	[LINK_S_LINGER] = "linger",
};

struct link_conn;

/* How bytes move; one table per transport (plain now; TLS, SASL layer and
 * WebSocket framing later).  Both return what read(2)/write(2) would. */
struct link_transport {
	const char	*lt_name;
	uint8_t		 lt_ipc;	/* enum ipc_transport */
	ssize_t		(*lt_read)(struct link_conn *, void *, size_t);
	ssize_t		(*lt_write)(struct link_conn *, const void *, size_t);
};

struct link_conn {
	TAILQ_ENTRY(link_conn)	 lc_entry;
	const struct link_policy *lc_policy;
	const struct link_transport *lc_tp;
	int			 lc_fd;
	char			 lc_peer[IPC_ADDR_LEN];
	enum link_state		 lc_state;
	struct event		*lc_rev;	/* EV_READ | EV_PERSIST */
	struct event		*lc_wev;	/* EV_WRITE | EV_PERSIST */
	struct event		*lc_timer;	/* the deadline */
	struct timespec		 lc_deadline;	/* CLOCK_MONOTONIC */

	/* Input: the current step wants exactly lc_need bytes. */
	uint8_t			 lc_in[SPICE_LINK_MAX_SIZE];
	size_t			 lc_have;
	size_t			 lc_need;
	size_t			 lc_drained;	/* bytes dropped in linger */

	/* Output, and where to go once it is written. */
	struct obuf		 lc_out;
	size_t			 lc_outoff;
	enum link_state		 lc_next;

	struct spice_link_mess	 lc_mess;
	struct auth_key		*lc_key;
	struct auth_key_waiter	 lc_waiter;
	uint32_t		 lc_result;
	struct link_info	 lc_info;

	link_admit_cb		 lc_admit;
	link_handoff_cb		 lc_handoff;
	void			*lc_arg;
};

static TAILQ_HEAD(, link_conn) link_conns = TAILQ_HEAD_INITIALIZER(link_conns);

static void	link_read_cb(evutil_socket_t, short, void *);
static void	link_write_cb(evutil_socket_t, short, void *);
static void	link_timer_cb(evutil_socket_t, short, void *);

static ssize_t
link_plain_read(struct link_conn *lc, void *buf, size_t n)
{
	return recv(lc->lc_fd, buf, n, 0);
}

static ssize_t
link_plain_write(struct link_conn *lc, const void *buf, size_t n)
{
	/* MSG_NOSIGNAL: a vanished client must not SIGPIPE the supervisor. */
	return send(lc->lc_fd, buf, n, MSG_NOSIGNAL);
}

static const struct link_transport link_plain = {
	"plain", IPC_TRANSPORT_PLAIN, link_plain_read, link_plain_write
};

static void __attribute__((format(printf, 2, 3)))
link_log_refused(struct link_conn *lc, const char *fmt, ...)
{
	char why[SPD_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warn("display \"%s\": link from %s refused: %s",
	    lc->lc_policy->display, lc->lc_peer, why);
}

/* Tear down all state; the caller returns at once. */
static void
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
	event_del(lc->lc_wev);
	event_add(lc->lc_rev, NULL);
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

/* Refused and answered: stop writing, drop input for a short while. */
static void
link_linger(struct link_conn *lc)
{
	struct timeval tv;
	long ms;

	if (shutdown(lc->lc_fd, SHUT_WR) == -1) {
		link_free(lc, 1);
		return;
	}
	ms = link_ms_left(lc);
	if (ms > LINK_LINGER_MS)
		ms = LINK_LINGER_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(lc->lc_timer, &tv);
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

static void
link_send_reply(struct link_conn *lc)
{
	const uint32_t common = LINK_SERVER_COMMON_CAPS;

	obuf_reset(&lc->lc_out);
	spice_link_reply_build(&lc->lc_out, SPICE_LINK_ERR_OK,
	    auth_key_pubkey(lc->lc_key), &common, 1, NULL, 0);
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
	c->transport = lc->lc_tp->lt_ipc;
	c->n_common_caps = m->lm_n_common;
	c->n_channel_caps = m->lm_n_channel;
	memcpy(c->common_caps, m->lm_common_caps, sizeof(c->common_caps));
	memcpy(c->channel_caps, m->lm_channel_caps, sizeof(c->channel_caps));
	snprintf(c->peer, sizeof(c->peer), "%s", lc->lc_peer);
}

static void
link_on_header(struct link_conn *lc)
{
	struct spice_link_hdr hdr;
	struct spd_err err;
	uint32_t rc;

	/* A later WebSocket check goes here: "GET " instead of "REDQ". */
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
	if (lc->lc_policy->keys == NULL) {
		link_log_refused(lc, "no key pool");
		link_fail_reply(lc, SPICE_LINK_ERR_ERROR);
		return;
	}
	/* No I/O while waiting: the deadline still runs. */
	lc->lc_state = LINK_S_KEYWAIT;
	event_del(lc->lc_rev);
	lc->lc_key = auth_keypool_take(lc->lc_policy->keys, &lc->lc_waiter,
	    link_key_ready, lc);
	if (lc->lc_key != NULL)
		link_send_reply(lc);
}

static void
link_on_mech(struct link_conn *lc)
{
	struct sbuf sb;
	uint32_t mech;

	sbuf_init(&sb, lc->lc_in, lc->lc_have);
	if (sbuf_get_u32le(&sb, &mech) != 0 || mech != SPICE_LINK_AUTH_SPICE) {
		link_log_refused(lc, "auth mechanism %u not offered", mech);
		link_fail_result(lc, SPICE_LINK_ERR_INVALID_DATA);
		return;
	}
	link_expect(lc, LINK_S_TICKET, SPICE_LINK_TICKET_LEN);
}

static void
link_on_ticket(struct link_conn *lc)
{
	struct spd_err err;
	uint32_t rc;

	if (lc->lc_policy->ticket == NULL) {
		rc = SPICE_LINK_ERR_PERMISSION_DENIED;
		spd_err_set(&err, "display has no ticket policy");
	} else
		rc = auth_ticket_check(lc->lc_policy->ticket, lc->lc_key,
		    lc->lc_in, &err);
	/* One key pair, one link: it is of no further use. */
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

/* The OK result is out: give the fd away with no event state left. */
static void
link_handoff(struct link_conn *lc)
{
	struct link_info info = lc->lc_info;
	link_handoff_cb handoff = lc->lc_handoff;
	void *arg = lc->lc_arg;
	int fd = lc->lc_fd;

	log_info("display \"%s\": link from %s: channel %u:%u linked "
	    "(connection id %u)", lc->lc_policy->display, lc->lc_peer,
	    info.channel_type, info.channel_id, info.connection_id);
	link_free(lc, 0);
	handoff(fd, &info, arg);
}

static void
link_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct link_conn *lc = arg;
	uint8_t drop[512];
	ssize_t n;

	if (lc->lc_state == LINK_S_LINGER) {
		n = lc->lc_tp->lt_read(lc, drop, sizeof(drop));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n > 0 && (lc->lc_drained += (size_t)n) <
		    LINK_LINGER_MAX_BYTES)
			return;
		link_free(lc, 1);
		return;
	}

	/* Exactly the missing bytes of this step, never more. */
	n = lc->lc_tp->lt_read(lc, lc->lc_in + lc->lc_have,
	    lc->lc_need - lc->lc_have);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
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
	if (lc->lc_have < lc->lc_need)
		return;

	switch (lc->lc_state) {
	case LINK_S_HEADER:
		link_on_header(lc);
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

	n = lc->lc_tp->lt_write(lc, lc->lc_out.ob_data + lc->lc_outoff,
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
		link_expect(lc, LINK_S_MECH, SPICE_LINK_AUTH_MECH_LEN);
		break;
	case LINK_S_TICKET:
		link_expect(lc, LINK_S_TICKET, SPICE_LINK_TICKET_LEN);
		break;
	case LINK_S_RESULT:
		link_handoff(lc);
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

	if (lc->lc_state != LINK_S_LINGER && lc->lc_state != LINK_S_ERROR)
		link_log_refused(lc, "no complete handshake within %d s "
		    "(in %s)", lc->lc_policy->timeout_sec > 0 ?
		    lc->lc_policy->timeout_sec : LINK_TIMEOUT_DEFAULT,
		    link_state_names[lc->lc_state]);
	link_free(lc, 1);
}

unsigned int
link_count(const struct link_policy *policy)
{
	struct link_conn *lc;
	unsigned int n = 0;

	TAILQ_FOREACH(lc, &link_conns, lc_entry)
		if (policy == NULL || lc->lc_policy == policy)
			n++;
	return n;
}

struct link_conn *
link_start(struct event_base *base, int fd, const char *peer,
    const struct link_policy *policy, link_admit_cb admit,
    link_handoff_cb handoff, void *arg)
{
	struct link_conn *lc;
	struct timeval tv;
	unsigned int n;
	int flags, timeout;

	/* Counting walks the list; it holds at most the sum of all
	 * max_preauth values, so the walk stays short. */
	if ((n = link_count(policy)) >= policy->max_preauth) {
		log_warn("display \"%s\": link from %s refused: %u pre-auth "
		    "connections already (max-preauth %u)", policy->display,
		    peer, n, policy->max_preauth);
		close(fd);
		return NULL;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		log_warn("display \"%s\": link from %s refused: O_NONBLOCK: %s",
		    policy->display, peer, strerror(errno));
		close(fd);
		return NULL;
	}
	if ((lc = calloc(1, sizeof(*lc))) == NULL)
		goto fail;
	lc->lc_fd = fd;
	lc->lc_policy = policy;
	lc->lc_tp = &link_plain;
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
	clock_gettime(CLOCK_MONOTONIC, &lc->lc_deadline);
	lc->lc_deadline.tv_sec += timeout;
	tv.tv_sec = timeout;
	tv.tv_usec = 0;
	evtimer_add(lc->lc_timer, &tv);
	TAILQ_INSERT_TAIL(&link_conns, lc, lc_entry);
	link_expect(lc, LINK_S_HEADER, SPICE_LINK_HDR_LEN);
	return lc;

 fail:
	log_warn("display \"%s\": link from %s refused: out of memory",
	    policy->display, peer);
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
