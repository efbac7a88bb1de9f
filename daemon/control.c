/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * control: the control socket; contracts in control.h, wire format in
 * shared/control-msg.h.
 *
 * Each connection reads one framed request (the length prefix, then
 * exactly the bytes it announces, capped at CONTROL_MAX_REQUEST), answers
 * it, and reads the next one once the answer is written: no pipelining,
 * so a client can never make the daemon queue more than one answer.
 * Connections are few (CONTROL_MAX_CONNS) and idle ones are closed after
 * CONTROL_IDLE_SEC.  Passwords are never logged; the request buffer and
 * the decoded request are wiped after each request.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "auth-ticket.h"
#include "control-msg.h"
#include "control.h"
#include "display.h"
#include "link.h"
#include "listen.h"
#include "log.h"
#include "producer.h"
#include "session.h"
#include "ticket-keep.h"
#include "worker-proc.h"
#include "tls.h"

#define CONTROL_MAX_CONNS	8
#define CONTROL_IDLE_SEC	30
#define CONTROL_BACKLOG		16
/* More supplementary groups than this in a peer: only its primary group
 * is checked against control-group. */
#define CONTROL_MAX_PEER_GROUPS	1024

_Static_assert(CONTROL_ADDR_MAX + 1 == LISTEN_ADDR_LEN,
    "listen_addrs() fills control_display.listen directly");

struct control_conn {
	TAILQ_ENTRY(control_conn) cc_entry;
	int			 cc_fd;
	uid_t			 cc_uid;
	pid_t			 cc_pid;
	struct event		*cc_rev;	/* EV_READ | EV_PERSIST */
	struct event		*cc_wev;	/* EV_WRITE | EV_PERSIST */
	struct event		*cc_timer;	/* idle deadline */
	/* The current request: prefix, then body; cc_need is the total. */
	uint8_t			 cc_in[CONTROL_LEN_FIELD +
				    CONTROL_MAX_REQUEST];
	size_t			 cc_have;
	size_t			 cc_need;
	struct obuf		 cc_out;
	size_t			 cc_outoff;
	int			 cc_closing;	/* close once cc_out is out */
};

static struct {
	int			 fd;		/* -1: no control socket */
	struct event		*ev;
	char			 path[CONF_PATH_LEN];
	struct display		*displays;
	size_t			 ndisplays;
	int			 group_set;
	gid_t			 group;
	unsigned int		 nconns;
	TAILQ_HEAD(, control_conn) conns;
} control = { .fd = -1, .conns = TAILQ_HEAD_INITIALIZER(control.conns) };

static void	control_read_cb(evutil_socket_t, short, void *);
static void	control_write_cb(evutil_socket_t, short, void *);
static void	control_timer_cb(evutil_socket_t, short, void *);

static void
control_conn_free(struct control_conn *cc)
{
	TAILQ_REMOVE(&control.conns, cc, cc_entry);
	control.nconns--;
	event_free(cc->cc_rev);
	event_free(cc->cc_wev);
	event_free(cc->cc_timer);
	obuf_free(&cc->cc_out);
	close(cc->cc_fd);
	explicit_bzero(cc, sizeof(*cc));
	free(cc);
}

static void
control_touch(struct control_conn *cc)
{
	struct timeval tv = { CONTROL_IDLE_SEC, 0 };

	evtimer_add(cc->cc_timer, &tv);
}

/* Wait for the next request's length prefix. */
static void
control_expect(struct control_conn *cc)
{
	explicit_bzero(cc->cc_in, sizeof(cc->cc_in));
	cc->cc_have = 0;
	cc->cc_need = CONTROL_LEN_FIELD;
	event_del(cc->cc_wev);
	event_add(cc->cc_rev, NULL);
	control_touch(cc);
}

/* Write out whatever the handler put in cc_out. */
static void
control_flush(struct control_conn *cc)
{
	if (cc->cc_out.ob_failed) {
		/* Only a list can outgrow OBUF_MAX; say so instead. */
		obuf_reset(&cc->cc_out);
		cc->cc_out.ob_failed = 0;
		control_rep_put_text(&cc->cc_out, CONTROL_REP_ERROR,
		    "reply too large or out of memory");
	}
	cc->cc_outoff = 0;
	event_del(cc->cc_rev);
	event_add(cc->cc_wev, NULL);
	control_touch(cc);
}

static void __attribute__((format(printf, 3, 4)))
control_reply_text(struct control_conn *cc, uint16_t type, const char *fmt,
    ...)
{
	char text[CONTROL_TEXT_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	control_rep_put_text(&cc->cc_out, type, text);
}

/* A malformed request: log, answer ERROR, close after the answer. */
static void
control_fail(struct control_conn *cc, const char *why)
{
	log_warn("control: client uid %ld pid %ld: bad request: %s",
	    (long)cc->cc_uid, (long)cc->cc_pid, why);
	control_reply_text(cc, CONTROL_REP_ERROR, "bad request: %s", why);
	cc->cc_closing = 1;
	control_flush(cc);
}

static struct display *
control_find_display(const char *name)
{
	return display_find(control.displays, control.ndisplays, name);
}

static void
control_fmt_time(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, len, "%lld", (long long)t);
}

static void
control_set_ticket(struct control_conn *cc, const struct control_req *req)
{
	struct auth_ticket *t;
	struct display *d;
	struct spd_err err;
	char when[64];
	time_t now = time(NULL), expires;
	const char *what;

	if ((d = control_find_display(req->display)) == NULL) {
		control_reply_text(cc, CONTROL_REP_ERROR, "no display \"%s\"",
		    req->display);
		return;
	}
	t = req->kind == CONTROL_KIND_VIEW_ONLY ? d->d_ticket_view :
	    d->d_ticket;
	what = req->kind == CONTROL_KIND_VIEW_ONLY ? "view-only ticket" :
	    "ticket";
	if (auth_ticket_disabled(d->d_ticket)) {
		control_reply_text(cc, CONTROL_REP_ERROR, "display \"%s\" has "
		    "disable-ticketing: it takes no ticket", d->d_name);
		return;
	}
	switch (req->expiry) {
	case CONTROL_EXPIRY_AT:
		expires = (time_t)req->expiry_value;
		break;
	case CONTROL_EXPIRY_IN:
		/* "in 0 s" is now; 0 itself would mean never. */
		expires = now + (time_t)req->expiry_value;
		break;
	default:
		expires = 0;
		break;
	}
	if (auth_ticket_set_password(t, req->password, &err) != 0) {
		control_reply_text(cc, CONTROL_REP_ERROR, "%s", err.msg);
		return;
	}
	auth_ticket_set_expiry(t, expires);
	d->d_ticket_runtime[req->kind == CONTROL_KIND_VIEW_ONLY] = 1;
	tkeep_save(control.displays, control.ndisplays);
	if (expires == 0)
		snprintf(when, sizeof(when), "never expires");
	else {
		control_fmt_time(expires, when + 8, sizeof(when) - 8);
		memcpy(when, "expires ", 8);
	}
	log_info("display \"%s\": %s set by control client uid %ld pid "
	    "%ld (%s%s)", d->d_name, what, (long)cc->cc_uid, (long)cc->cc_pid,
	    req->password[0] == '\0' ? "empty: every ticket refused; " : "",
	    when);
	control_reply_text(cc, CONTROL_REP_OK, "display \"%s\": %s set, "
	    "%s", d->d_name, what, when);
}

static void
control_expire_ticket(struct control_conn *cc, const struct control_req *req)
{
	struct display *d;

	if ((d = control_find_display(req->display)) == NULL) {
		control_reply_text(cc, CONTROL_REP_ERROR, "no display \"%s\"",
		    req->display);
		return;
	}
	/* From this second on every ticket is refused; sessions already
	 * linked stay, as with the reference server. */
	auth_ticket_set_expiry(req->kind == CONTROL_KIND_VIEW_ONLY ?
	    d->d_ticket_view : d->d_ticket, time(NULL));
	d->d_ticket_runtime[req->kind == CONTROL_KIND_VIEW_ONLY] = 1;
	tkeep_save(control.displays, control.ndisplays);
	log_info("display \"%s\": %sticket expired by control client uid %ld "
	    "pid %ld", d->d_name, req->kind == CONTROL_KIND_VIEW_ONLY ?
	    "view-only " : "", (long)cc->cc_uid, (long)cc->cc_pid);
	control_reply_text(cc, CONTROL_REP_OK, "display \"%s\": %sticket "
	    "expired", d->d_name, req->kind == CONTROL_KIND_VIEW_ONLY ?
	    "view-only " : "");
}

/*
 * What carries a channel, for humans and scripts: "plain" or "tls" for a
 * SPICE stream on TCP/UNIX or in TLS, "ws" or "wss" when it is framed as
 * WebSocket, "sasl" for plain TCP under a SASL security layer.  Whether
 * TLS runs in the kernel or in a relay is not part of it (the link's log
 * line says).  Every name fits CONTROL_TRANSPORT_MAX.
 */
static const char *
control_transport_name(int secure, uint8_t transport, uint8_t framing)
{
	if (framing == IPC_FRAMING_WEBSOCKET)
		return secure ? "wss" : "ws";
	if (secure)
		return "tls";
	return transport == IPC_TRANSPORT_RELAYED ? "sasl" : "plain";
}

static void
control_list_display(struct obuf *ob, struct display *d)
{
	struct control_display cd;
	struct control_session cs;
	struct control_channel ch;
	struct session *s;
	struct session_chan *sc;

	memset(&cd, 0, sizeof(cd));
	snprintf(cd.name, sizeof(cd.name), "%s", d->d_name);
	cd.nlisten = (uint8_t)listen_addrs(d, cd.listen, CONTROL_MAX_LISTEN);
	cd.producer = producer_running(d);
	cd.producer_pid = (uint32_t)producer_pid(d);
	cd.sessions = (uint32_t)d->d_nsessions;
	cd.preauth = link_count(&d->d_policy);
	cd.max_preauth = d->d_policy.max_preauth;
	cd.ticket = auth_ticket_disabled(d->d_ticket) ?
	    CONTROL_TICKET_DISABLED : auth_ticket_has_password(d->d_ticket) ?
	    CONTROL_TICKET_SET : CONTROL_TICKET_NONE;
	cd.expires = (uint64_t)auth_ticket_expiry(d->d_ticket);
	control_rep_put_display(ob, &cd);

	LIST_FOREACH(s, &d->d_sessions, s_entry) {
		memset(&cs, 0, sizeof(cs));
		snprintf(cs.display, sizeof(cs.display), "%s", d->d_name);
		cs.id = s->s_id;
		snprintf(cs.transport, sizeof(cs.transport), "-");
		TAILQ_FOREACH(sc, &s->s_chans, sc_entry) {
			if (sc->sc_conn == s->s_main_conn) {
				snprintf(cs.peer, sizeof(cs.peer), "%s",
				    sc->sc_peer);
				snprintf(cs.transport, sizeof(cs.transport),
				    "%s", control_transport_name(
				    sc->sc_secure, sc->sc_transport,
				    sc->sc_framing));
			}
			cs.channels++;
		}
		cs.since = (uint64_t)s->s_since;
		control_rep_put_session(ob, &cs);
		TAILQ_FOREACH(sc, &s->s_chans, sc_entry) {
			memset(&ch, 0, sizeof(ch));
			ch.session = s->s_id;
			ch.conn = sc->sc_conn;
			ch.type = sc->sc_type;
			ch.id = sc->sc_id;
			snprintf(ch.peer, sizeof(ch.peer), "%s", sc->sc_peer);
			snprintf(ch.transport, sizeof(ch.transport), "%s",
			    control_transport_name(sc->sc_secure,
			    sc->sc_transport, sc->sc_framing));
			ch.since = (uint64_t)sc->sc_since;
			control_rep_put_channel(ob, &ch);
		}
	}
}

static void
control_list(struct control_conn *cc)
{
	size_t i;

	for (i = 0; i < control.ndisplays; i++)
		if (control.displays[i].d_conf != NULL)
			control_list_display(&cc->cc_out,
			    &control.displays[i]);
	control_rep_put_end(&cc->cc_out);
}

/* A counter's rate per second between a connection's last two reports. */
static uint64_t
control_rate(const struct session_chan *sc, uint64_t now, uint64_t then)
{
	uint64_t dt = sc->sc_stats_at[1] - sc->sc_stats_at[0];

	if (sc->sc_stats_at[0] == 0 || dt == 0 || now < then)
		return 0;
	return (uint64_t)((double)(now - then) * 1e9 / (double)dt);
}

static void
control_stats(struct control_conn *cc)
{
	struct control_display_stats ds;
	struct control_channel_stats cs;
	const struct ipc_conn_stats *a, *b;
	struct session_chan *sc;
	struct display *d;
	struct session *s;
	uint64_t r;
	size_t i;

	for (i = 0; i < control.ndisplays; i++) {
		d = &control.displays[i];
		if (d->d_conf == NULL)
			continue;
		memset(&ds, 0, sizeof(ds));
		snprintf(ds.name, sizeof(ds.name), "%s", d->d_name);
		ds.producer = producer_running(d);
		ds.sessions = (uint32_t)d->d_nsessions;
		ds.display_cpu = wproc_cpu_load(d->d_worker);
		ds.cursor_cpu = wproc_cpu_load(d->d_cursor);
		control_rep_put_display_stats(&cc->cc_out, &ds);
		LIST_FOREACH(s, &d->d_sessions, s_entry)
			TAILQ_FOREACH(sc, &s->s_chans, sc_entry) {
				memset(&cs, 0, sizeof(cs));
				cs.session = s->s_id;
				cs.conn = sc->sc_conn;
				cs.type = sc->sc_type;
				cs.id = sc->sc_id;
				a = &sc->sc_stats[0];
				b = &sc->sc_stats[1];
				cs.bytes_out = control_rate(sc, b->bytes_out,
				    a->bytes_out);
				cs.bytes_in = control_rate(sc, b->bytes_in,
				    a->bytes_in);
				r = control_rate(sc, b->msgs_out, a->msgs_out);
				cs.msgs_out = r > UINT32_MAX ? UINT32_MAX :
				    (uint32_t)r;
				cs.outq = b->outq;
				cs.rtt_us = b->rtt_us;
				control_rep_put_channel_stats(&cc->cc_out, &cs);
			}
	}
	control_rep_put_end(&cc->cc_out);
}

static void
control_disconnect(struct control_conn *cc, const struct control_req *req)
{
	struct session *found = NULL, *s;
	char reason[128];
	size_t i;
	int nfound = 0;

	for (i = 0; i < control.ndisplays; i++) {
		if (control.displays[i].d_conf == NULL ||
		    (req->display[0] != '\0' &&
		    strcmp(control.displays[i].d_name, req->display) != 0))
			continue;
		if ((s = session_find(&control.displays[i], req->session)) !=
		    NULL) {
			found = s;
			nfound++;
		}
	}
	if (req->display[0] != '\0' && control_find_display(req->display) ==
	    NULL) {
		control_reply_text(cc, CONTROL_REP_ERROR, "no display \"%s\"",
		    req->display);
		return;
	}
	if (nfound == 0) {
		control_reply_text(cc, CONTROL_REP_ERROR, "no session %u",
		    req->session);
		return;
	}
	/* Ids are random per display, so two displays may share one. */
	if (nfound > 1) {
		control_reply_text(cc, CONTROL_REP_ERROR, "session %u exists "
		    "on %d displays: name the display", req->session, nfound);
		return;
	}
	snprintf(reason, sizeof(reason), "disconnected by control client uid "
	    "%ld pid %ld", (long)cc->cc_uid, (long)cc->cc_pid);
	control_reply_text(cc, CONTROL_REP_OK, "display \"%s\": session %u "
	    "disconnected", found->s_display->d_name, found->s_id);
	session_end(found, reason);
}

/* A fresh password of n characters (no look-alikes: it may be read out
 * or typed from a .vv file shown on screen).  0, or -1 without entropy. */
#define CONTROL_VV_PASSWORD_LEN	20
static int
control_vv_password(char *out, size_t n)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz"
	    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";	/* 56 */
	uint8_t rnd[64];
	size_t i, have = 0;

	for (i = 0; i < n; ) {
		if (have == 0) {
			if (getrandom(rnd, sizeof(rnd), 0) !=
			    (ssize_t)sizeof(rnd))
				return -1;
			have = sizeof(rnd);
		}
		/* 224 = 4 * 56: rejection keeps every letter as likely. */
		if (rnd[--have] < 224)
			out[i++] = alphabet[rnd[have] % 56];
	}
	out[n] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	return 0;
}

/* The host a client should dial: the configured address, or this
 * machine's name when the display listens on every address. */
static void
control_vv_host(const struct conf_display *cd, char *out, size_t len)
{
	const char *h = cd->cd_tls_host[0] != '\0' ? cd->cd_tls_host :
	    cd->cd_listen_host;

	if (h[0] == '\0' || strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") ==
	    0 || strcmp(h, "*") == 0) {
		if (gethostname(out, len) != 0)
			snprintf(out, len, "localhost");
		out[len - 1] = '\0';
		return;
	}
	snprintf(out, len, "%s", h);
}

/*
 * VV: a one-time ticket living lifetime seconds, and what a client needs
 * to reach and trust the display; spicectl writes the .vv file.  A new
 * one replaces the last, used or not.
 */
static void
control_vv(struct control_conn *cc, const struct control_req *req)
{
	const struct conf_display *cd;
	struct control_vv vv;
	struct display *d;
	struct spd_err err;
	int port, tls_port;

	if ((d = control_find_display(req->display)) == NULL) {
		control_reply_text(cc, CONTROL_REP_ERROR, "no display \"%s\"",
		    req->display);
		return;
	}
	cd = d->d_conf;
	if (cd->cd_sasl) {
		control_reply_text(cc, CONTROL_REP_ERROR, "display \"%s\" "
		    "uses SASL: tickets do not open it", d->d_name);
		return;
	}
	if (auth_ticket_disabled(d->d_ticket)) {
		control_reply_text(cc, CONTROL_REP_ERROR, "display \"%s\" has "
		    "disable-ticketing: it takes no ticket", d->d_name);
		return;
	}
	listen_ports(d, &port, &tls_port);
	if (port == 0 && tls_port == 0) {
		control_reply_text(cc, CONTROL_REP_ERROR, "display \"%s\" has "
		    "no TCP listener (a UNIX socket only)", d->d_name);
		return;
	}
	memset(&vv, 0, sizeof(vv));
	if (tls_port != 0 && tls_cert_identity(cd->cd_tls_cert,
	    vv.host_subject, sizeof(vv.host_subject), vv.ca, sizeof(vv.ca),
	    &err) != 0) {
		control_reply_text(cc, CONTROL_REP_ERROR, "display \"%s\": %s",
		    d->d_name, err.msg);
		return;
	}
	if (control_vv_password(vv.password, CONTROL_VV_PASSWORD_LEN) != 0 ||
	    auth_ticket_set_password(d->d_ticket_once, vv.password,
	    &err) != 0) {
		explicit_bzero(&vv, sizeof(vv));
		control_reply_text(cc, CONTROL_REP_ERROR, "display \"%s\": no "
		    "ticket could be made", d->d_name);
		return;
	}
	vv.expires = (uint64_t)time(NULL) + req->lifetime;
	auth_ticket_set_expiry(d->d_ticket_once, (time_t)vv.expires);
	display_once_arm(d, req->kind == CONTROL_KIND_VIEW_ONLY);
	control_vv_host(cd, vv.host, sizeof(vv.host));
	vv.port = (uint16_t)port;
	vv.tls_port = (uint16_t)tls_port;
	/* Channels that must be secure: all of them without a plain port. */
	vv.secure = port == 0 || (cd->cd_secure_channels &
	    conf_all_channels()) == conf_all_channels() ? UINT32_MAX :
	    cd->cd_secure_channels;
	log_info("display \"%s\": one-time %sticket for %u s made by control "
	    "client uid %ld pid %ld", d->d_name, req->kind ==
	    CONTROL_KIND_VIEW_ONLY ? "view-only " : "", req->lifetime,
	    (long)cc->cc_uid, (long)cc->cc_pid);
	control_rep_put_vv(&cc->cc_out, &vv);
	explicit_bzero(&vv, sizeof(vv));
	tkeep_save(control.displays, control.ndisplays);
}

static void
control_handle(struct control_conn *cc)
{
	struct control_req req;
	struct spd_err err;
	size_t len;

	if (cc->cc_need == CONTROL_LEN_FIELD) {
		if (control_frame_len(cc->cc_in, CONTROL_MAX_REQUEST, &len,
		    &err) != 0) {
			control_fail(cc, err.msg);
			return;
		}
		cc->cc_need = CONTROL_LEN_FIELD + len;
		return;
	}
	if (control_req_parse(cc->cc_in + CONTROL_LEN_FIELD,
	    cc->cc_need - CONTROL_LEN_FIELD, &req, &err) != 0) {
		explicit_bzero(&req, sizeof(req));
		control_fail(cc, err.msg);
		return;
	}
	switch (req.type) {
	case CONTROL_REQ_SET_TICKET:
		control_set_ticket(cc, &req);
		break;
	case CONTROL_REQ_EXPIRE_TICKET:
		control_expire_ticket(cc, &req);
		break;
	case CONTROL_REQ_LIST:
		control_list(cc);
		break;
	case CONTROL_REQ_STATS:
		control_stats(cc);
		break;
	case CONTROL_REQ_DISCONNECT:
		control_disconnect(cc, &req);
		break;
	case CONTROL_REQ_VV:
		control_vv(cc, &req);
		break;
	}
	explicit_bzero(&req, sizeof(req));
	control_flush(cc);
}

static void
control_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct control_conn *cc = arg;
	ssize_t n;

	/* Exactly the missing bytes of the current request. */
	n = recv(cc->cc_fd, cc->cc_in + cc->cc_have,
	    cc->cc_need - cc->cc_have, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == -1 || cc->cc_have != 0)
			log_warn("control: client uid %ld pid %ld: %s",
			    (long)cc->cc_uid, (long)cc->cc_pid, n == -1 ?
			    strerror(errno) : "closed in mid-request");
		control_conn_free(cc);
		return;
	}
	cc->cc_have += (size_t)n;
	if (cc->cc_have < cc->cc_need)
		return;
	control_handle(cc);
}

static void
control_write_cb(evutil_socket_t fd, short events, void *arg)
{
	struct control_conn *cc = arg;
	ssize_t n;

	n = send(cc->cc_fd, cc->cc_out.ob_data + cc->cc_outoff,
	    cc->cc_out.ob_len - cc->cc_outoff, MSG_NOSIGNAL);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		log_debug("control: client uid %ld: %s", (long)cc->cc_uid,
		    strerror(errno));
		control_conn_free(cc);
		return;
	}
	cc->cc_outoff += (size_t)n;
	control_touch(cc);
	if (cc->cc_outoff < cc->cc_out.ob_len)
		return;
	obuf_reset(&cc->cc_out);
	if (cc->cc_closing) {
		control_conn_free(cc);
		return;
	}
	control_expect(cc);
}

static void
control_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct control_conn *cc = arg;

	log_debug("control: client uid %ld idle for %d s, closed",
	    (long)cc->cc_uid, CONTROL_IDLE_SEC);
	control_conn_free(cc);
}

/* Is peer group-allowed: primary gid or a supplementary group? */
static int
control_peer_in_group(int fd, gid_t primary)
{
	gid_t groups[CONTROL_MAX_PEER_GROUPS];
	socklen_t len = sizeof(groups);
	size_t i;

	if (primary == control.group)
		return 1;
#ifdef SO_PEERGROUPS
	/* Linux 4.13: the peer's supplementary groups at connect time. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return 0;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == control.group)
			return 1;
#endif
	return 0;
}

/* 0 if the peer may use the socket, else -1 with err saying why not. */
static int
control_peer_check(int fd, struct ucred *uc, struct spd_err *err)
{
	socklen_t len = sizeof(*uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len) != 0 ||
	    len != sizeof(*uc))
		return spd_err_errno(err, "SO_PEERCRED");
	if (uc->uid == 0 || uc->uid == geteuid())
		return 0;
	if (control.group_set && control_peer_in_group(fd, uc->gid))
		return 0;
	return spd_err_set(err, "uid %ld is not root, nor spiced's own "
	    "uid%s", (long)uc->uid,
	    control.group_set ? ", nor in control-group" : "");
}

static void
control_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct control_conn *cc;
	struct spd_err err;
	struct ucred uc;
	struct obuf ob;
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept: %s", strerror(errno));
		return;
	}
	if (control_peer_check(fd, &uc, &err) != 0) {
		log_warn("control: connection refused: %s", err.msg);
		/* One best-effort answer, so the client can say why. */
		obuf_init(&ob);
		control_rep_put_text(&ob, CONTROL_REP_ERROR,
		    "permission denied");
		if (!ob.ob_failed)
			(void)send(fd, ob.ob_data, ob.ob_len, MSG_NOSIGNAL |
			    MSG_DONTWAIT);
		obuf_free(&ob);
		close(fd);
		return;
	}
	if (control.nconns >= CONTROL_MAX_CONNS) {
		log_warn("control: connection from uid %ld pid %ld refused: "
		    "%d control connections already", (long)uc.uid,
		    (long)uc.pid, CONTROL_MAX_CONNS);
		close(fd);
		return;
	}
	if ((cc = calloc(1, sizeof(*cc))) == NULL) {
		log_warn("control: out of memory");
		close(fd);
		return;
	}
	cc->cc_fd = fd;
	cc->cc_uid = uc.uid;
	cc->cc_pid = uc.pid;
	obuf_init(&cc->cc_out);
	cc->cc_rev = event_new(spiced_base, fd, EV_READ | EV_PERSIST,
	    control_read_cb, cc);
	cc->cc_wev = event_new(spiced_base, fd, EV_WRITE | EV_PERSIST,
	    control_write_cb, cc);
	cc->cc_timer = evtimer_new(spiced_base, control_timer_cb, cc);
	if (cc->cc_rev == NULL || cc->cc_wev == NULL || cc->cc_timer == NULL) {
		log_warn("control: out of memory");
		if (cc->cc_rev != NULL)
			event_free(cc->cc_rev);
		if (cc->cc_wev != NULL)
			event_free(cc->cc_wev);
		if (cc->cc_timer != NULL)
			event_free(cc->cc_timer);
		close(fd);
		free(cc);
		return;
	}
	TAILQ_INSERT_TAIL(&control.conns, cc, cc_entry);
	control.nconns++;
	log_debug("control: client uid %ld pid %ld connected", (long)uc.uid,
	    (long)uc.pid);
	control_expect(cc);
}

/* Is a live server listening at path?  (Then it is not ours to take.) */
static int
control_path_in_use(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	/* EAGAIN: a listener whose backlog is full, still alive. */
	rc = rc == 0 || errno == EAGAIN;
	close(fd);
	return rc;
}

void
control_set_group(int set, gid_t group)
{
	if (set == control.group_set && (!set || group == control.group))
		return;
	control.group_set = set;
	control.group = group;
	if (control.fd < 0 || control.path[0] == '\0')
		return;
	/* Narrow first, so no moment has the old group with the new mode. */
	if (!set) {
		if (chmod(control.path, 0600) != 0)
			log_warn("control socket %s: chmod: %s", control.path,
			    strerror(errno));
	} else if (chown(control.path, (uid_t)-1, group) != 0 ||
	    chmod(control.path, 0660) != 0)
		log_warn("control socket %s: group %ld: %s", control.path,
		    (long)group, strerror(errno));
	log_info("control socket %s: mode %s", control.path,
	    set ? "0660, control-group" : "0600");
}

int
control_listen(const struct conf *c, struct display *d, size_t n,
    struct spd_err *err)
{
	const char *path = c->c_control_path;
	struct sockaddr_un sun;
	struct stat st;
	mode_t omask;
	int fd, rc;

	control.displays = d;
	control.ndisplays = n;
	control.group_set = c->c_control_group_set;
	control.group = c->c_control_group;
	if (path[0] == '\0')
		return 0;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return spd_err_set(err, "control socket %s: exists and "
			    "is not a socket", path);
		if (control_path_in_use(path))
			return spd_err_set(err, "control socket %s: in use by "
			    "another process (another spiced?)", path);
		if (unlink(path) != 0)
			return spd_err_errno(err, "control socket %s: cannot "
			    "remove the stale socket", path);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return spd_err_errno(err, "control socket %s", path);
	/* Created 0600 at once, so there is no moment with a wider mode. */
	omask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(omask);
	if (rc != 0) {
		spd_err_errno(err, "control socket %s: bind", path);
		close(fd);
		return -1;
	}
	if (control.group_set &&
	    (chown(path, (uid_t)-1, control.group) != 0 ||
	    chmod(path, 0660) != 0)) {
		spd_err_errno(err, "control socket %s: group %ld", path,
		    (long)control.group);
		goto fail;
	}
	if (listen(fd, CONTROL_BACKLOG) != 0) {
		spd_err_errno(err, "control socket %s: listen", path);
		goto fail;
	}
	if ((control.ev = event_new(spiced_base, fd, EV_READ | EV_PERSIST,
	    control_accept, NULL)) == NULL ||
	    event_add(control.ev, NULL) != 0) {
		spd_err_set(err, "control socket %s: cannot watch it", path);
		goto fail;
	}
	control.fd = fd;
	snprintf(control.path, sizeof(control.path), "%s", path);
	log_info("control socket %s (mode %s)", path,
	    control.group_set ? "0660, control-group" : "0600");
	return 0;

 fail:
	if (control.ev != NULL) {
		event_free(control.ev);
		control.ev = NULL;
	}
	close(fd);
	(void)unlink(path);
	return -1;
}

void
control_shutdown(void)
{
	struct control_conn *cc;

	while ((cc = TAILQ_FIRST(&control.conns)) != NULL)
		control_conn_free(cc);
	if (control.fd < 0)
		return;
	event_free(control.ev);
	control.ev = NULL;
	close(control.fd);
	control.fd = -1;
	(void)unlink(control.path);
}
