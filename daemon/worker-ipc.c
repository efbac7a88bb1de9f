/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * worker-ipc: what a worker may tell the supervisor.  Workers handle
 * untrusted input and may be compromised, so each message is checked
 * against a table of {type, roles allowed, before/after READY, once-only}
 * (after OpenSSH's monitor table); anything else ends that worker, never
 * the supervisor.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <spice/enums.h>

#include "ports.h"
#include "log.h"
#include "mono-time.h"
#include "producer.h"
#include "session.h"
#include "keygen.h"
#include "worker-proc.h"

#define WPROC_ROLE_MAIN		(1u << WPROC_MAIN)
#define WPROC_ROLE_DISPLAY	(1u << WPROC_DISPLAY)
#define WPROC_ROLE_KEYGEN	(1u << WPROC_KEYGEN)
#define WPROC_ROLE_INPUTS	(1u << WPROC_INPUTS)
#define WPROC_ROLE_CURSOR	(1u << WPROC_CURSOR)
#define WPROC_ROLE_VMC		(1u << WPROC_VMC)
#define WPROC_ROLE_PLAYBACK	(1u << WPROC_PLAYBACK)
#define WPROC_ROLE_RECORD	(1u << WPROC_RECORD)

struct wproc_permit {
	uint32_t	wp_type;
	unsigned	wp_roles;
	int		wp_needs_ready;	/* 1: only after READY; 0: only before */
	int		(*wp_handle)(struct wproc *, struct ipc_msg *,
			    const char **why);
};

static int
wproc_ipc_ready(struct wproc *w, struct ipc_msg *m, const char **why)
{
	struct ipc_ready r;

	memcpy(&r, m->payload, sizeof(r));
	if (r.version != SPICED_IPC_VERSION) {
		*why = "IPC version mismatch";
		return -1;
	}
	if ((pid_t)r.pid != w->w_pid) {
		*why = "READY names another pid";
		return -1;
	}
	w->w_ready = 1;
	log_debug("%s worker pid %ld sandboxed and ready",
	    wproc_role_name(w->w_role), (long)w->w_pid);
	return 0;
}

static int
wproc_ipc_conn_closed(struct wproc *w, struct ipc_msg *m, const char **why)
{
	struct ipc_conn_closed c;

	memcpy(&c, m->payload, sizeof(c));
	if (!ipc_str_ok(c.reason, sizeof(c.reason))) {
		*why = "unterminated reason";
		return -1;
	}
	if (w->w_released)
		return 0;
	if ((w->w_role == WPROC_MAIN || w->w_role == WPROC_INPUTS ||
	    w->w_role == WPROC_VMC || w->w_role == WPROC_PLAYBACK ||
	    w->w_role == WPROC_RECORD) &&
	    (w->w_session == NULL || m->hdr.ih_session !=
	    w->w_session->s_id)) {
		*why = "a session's worker reported a connection of another "
		    "session";
		return -1;
	}
	if (w->w_display != NULL)
		session_conn_closed(w->w_display, m->hdr.ih_session,
		    m->hdr.ih_conn);
	return 0;
}

static int
wproc_ipc_producer_fault(struct wproc *w, struct ipc_msg *m,
    const char **why)
{
	struct ipc_producer_fault f;

	memcpy(&f, m->payload, sizeof(f));
	if (!ipc_str_ok(f.reason, sizeof(f.reason))) {
		*why = "unterminated reason";
		return -1;
	}
	if (w->w_display != NULL)
		producer_fault(w->w_display, f.reason);
	return 0;
}

static int
wproc_ipc_primary_done(struct wproc *w, struct ipc_msg *m, const char **why)
{
	struct ipc_primary_done pd;

	memcpy(&pd, m->payload, sizeof(pd));
	if (pd.created > 1) {
		*why = "bad primary state";
		return -1;
	}
	if (w->w_display != NULL)
		producer_primary_done(w->w_display, pd.created);
	return 0;
}

static int
wproc_ipc_input_active(struct wproc *w, struct ipc_msg *m, const char **why)
{
	if (w->w_session != NULL)
		session_input_active(w->w_session);
	return 0;
}

static int
wproc_ipc_key(struct wproc *w, struct ipc_msg *m, const char **why)
{
	static struct ipc_key k;

	memcpy(&k, m->payload, sizeof(k));
	return keygen_on_key(w, &k, why);
}

/* Whether a worker of w's kind serves channels of SPICE type t (and, for
 * a session's worker, of its own session). */
static int
wproc_serves(const struct wproc *w, uint8_t t, uint32_t session)
{
	if (w->w_session != NULL && w->w_session->s_id != session)
		return 0;
	switch (w->w_role) {
	case WPROC_DISPLAY:
		return t == SPICE_CHANNEL_DISPLAY;
	case WPROC_CURSOR:
		return t == SPICE_CHANNEL_CURSOR;
	case WPROC_MAIN:
		return t == SPICE_CHANNEL_MAIN;
	case WPROC_INPUTS:
		return t == SPICE_CHANNEL_INPUTS;
	case WPROC_PLAYBACK:
		return t == SPICE_CHANNEL_PLAYBACK;
	case WPROC_RECORD:
		return t == SPICE_CHANNEL_RECORD;
	case WPROC_VMC:
		return ports_is_channel(t);
	default:
		return 0;
	}
}

/*
 * A standby handoff (handoff.h) may be up to 100 ms older than what an
 * adopted worker serves: a connection that closed meanwhile had its
 * CONN_CLOSED read by the supervisor that died.  The worker's stats name
 * every connection it has, in rounds; the second whole round after the
 * adoption (the first may have begun before it) settles which adopted
 * records are still true.  Those it does not name close here.  (A worker
 * left with no client and nothing to do reports every IPC_STATS_IDLE_MS:
 * its records settle within two of those.)
 */
#define WPROC_PRUNE_ROUND	2
#define WPROC_PRUNE_MAX		64

static void
wproc_prune_adopted(struct wproc *w)
{
	struct { uint32_t session, conn; } gone[WPROC_PRUNE_MAX];
	struct display *d = w->w_display;
	struct session_chan *sc;
	struct session *s;
	int n = 0, i;

	if (d == NULL)
		return;
	LIST_FOREACH(s, &d->d_sessions, s_entry)
		TAILQ_FOREACH(sc, &s->s_chans, sc_entry) {
			if (!sc->sc_adopted ||
			    !wproc_serves(w, sc->sc_type, s->s_id))
				continue;
			sc->sc_adopted = 0;
			if (sc->sc_seen != w->w_rounds && n < WPROC_PRUNE_MAX) {
				gone[n].session = s->s_id;
				gone[n++].conn = sc->sc_conn;
			}
		}
	/* Apart: a main connection's close ends its session. */
	for (i = 0; i < n; i++) {
		log_info("display \"%s\": session %u: connection %u closed "
		    "while no supervisor ran", d->d_name, gone[i].session,
		    gone[i].conn);
		session_conn_closed(d, gone[i].session, gone[i].conn);
	}
}

static int
wproc_ipc_stats(struct wproc *w, struct ipc_msg *m, const char **why)
{
	static struct ipc_stats st;
	struct session_chan *sc;
	uint64_t now;
	uint32_t i;

	memcpy(&st, m->payload, sizeof(st));
	if (st.nconn > IPC_STATS_CONNS) {
		*why = "stats of more connections than a message holds";
		return -1;
	}
	now = mono_ns();
	w->w_cpu_ns[0] = w->w_cpu_ns[1];
	w->w_cpu_at[0] = w->w_cpu_at[1];
	w->w_cpu_ns[1] = st.cpu_ns;
	w->w_cpu_at[1] = now;
	if (w->w_display == NULL)
		return 0;
	for (i = 0; i < st.nconn; i++) {
		/* A connection closed meanwhile is no longer known: fine. */
		if ((sc = session_chan_find(w->w_display, st.conn[i].session,
		    st.conn[i].conn)) == NULL)
			continue;
		if (!wproc_serves(w, sc->sc_type, st.conn[i].session)) {
			*why = "stats of a connection it does not serve";
			return -1;
		}
		sc->sc_stats[0] = sc->sc_stats[1];
		sc->sc_stats_at[0] = sc->sc_stats_at[1];
		sc->sc_stats[1] = st.conn[i];
		sc->sc_stats_at[1] = now;
		sc->sc_seen = w->w_rounds + 1;
	}
	if (st.nconn < IPC_STATS_CONNS && ++w->w_rounds ==
	    WPROC_PRUNE_ROUND && w->w_pidfd >= 0)
		wproc_prune_adopted(w);
	return 0;
}

uint32_t
wproc_cpu_load(const struct wproc *w)
{
	uint64_t dt, dc;

	if (w == NULL || w->w_cpu_at[0] == 0 || w->w_cpu_at[1] <=
	    w->w_cpu_at[0] || w->w_cpu_ns[1] < w->w_cpu_ns[0] ||
	    mono_ns() - w->w_cpu_at[1] > 2 * IPC_STATS_MS * 1000000ull)
		return 0;
	dt = w->w_cpu_at[1] - w->w_cpu_at[0];
	dc = w->w_cpu_ns[1] - w->w_cpu_ns[0];
	return dc / dt >= UINT32_MAX / 1000 ? UINT32_MAX :
	    (uint32_t)(dc * 1000 / dt);
}

static const struct wproc_permit wproc_permits[] = {
	{ IPC_W2D_READY, WPROC_ROLE_MAIN | WPROC_ROLE_DISPLAY |
	    WPROC_ROLE_KEYGEN | WPROC_ROLE_INPUTS | WPROC_ROLE_CURSOR |
	    WPROC_ROLE_VMC | WPROC_ROLE_PLAYBACK | WPROC_ROLE_RECORD, 0,
	    wproc_ipc_ready },
	{ IPC_W2D_KEY, WPROC_ROLE_KEYGEN, 1, wproc_ipc_key },
	{ IPC_W2D_INPUT_ACTIVE, WPROC_ROLE_INPUTS, 1, wproc_ipc_input_active },
	{ IPC_W2D_STATS, WPROC_ROLE_MAIN | WPROC_ROLE_DISPLAY |
	    WPROC_ROLE_INPUTS | WPROC_ROLE_CURSOR | WPROC_ROLE_VMC |
	    WPROC_ROLE_PLAYBACK | WPROC_ROLE_RECORD, 1, wproc_ipc_stats },
	{ IPC_W2D_CONN_CLOSED, WPROC_ROLE_MAIN | WPROC_ROLE_DISPLAY |
	    WPROC_ROLE_INPUTS | WPROC_ROLE_CURSOR | WPROC_ROLE_VMC |
	    WPROC_ROLE_PLAYBACK | WPROC_ROLE_RECORD, 1,
	    wproc_ipc_conn_closed },
	{ IPC_W2D_PRODUCER_FAULT, WPROC_ROLE_DISPLAY | WPROC_ROLE_CURSOR, 1,
	    wproc_ipc_producer_fault },
	{ IPC_W2D_PRIMARY_DONE, WPROC_ROLE_DISPLAY, 1,
	    wproc_ipc_primary_done },
};

static const struct wproc_permit *
wproc_permit_find(const struct wproc *w, uint32_t type)
{
	size_t i;

	for (i = 0; i < sizeof(wproc_permits) / sizeof(wproc_permits[0]);
	    i++) {
		const struct wproc_permit *p = &wproc_permits[i];

		if (p->wp_type == type && (p->wp_roles & (1u << w->w_role)) &&
		    p->wp_needs_ready == w->w_ready)
			return p;
	}
	return NULL;
}

void
wproc_ipc_read(evutil_socket_t fd, short what, void *arg)
{
	struct wproc *w = arg;
	const struct wproc_permit *p;
	const char *why = NULL;
	struct ipc_msg m;
	struct spd_err err;
	int rc;

	rc = ipc_recv(w->w_fd, &m, &err);
	if (rc == 0 || (rc < 0 && errno == ECONNRESET)) {
		/* It died (or is about to): its exit status, when reaped,
		 * says how, which is what its owner is told. */
		wproc_lost(w);
		return;
	}
	if (rc < 0) {
		if (errno == EAGAIN)
			return;
		log_warn("%s worker pid %ld: %s; stopping it",
		    wproc_role_name(w->w_role), (long)w->w_pid, err.msg);
		wproc_stop(w, "bad IPC message");
		return;
	}
	if (w->w_ready_unsure) {
		w->w_ready_unsure = 0;
		if (m.hdr.ih_type != IPC_W2D_READY) {
			w->w_ready = 1;
			log_debug("%s worker pid %ld got ready under the "
			    "previous supervisor", wproc_role_name(w->w_role),
			    (long)w->w_pid);
		}
	}
	if ((p = wproc_permit_find(w, m.hdr.ih_type)) == NULL) {
		log_warn("%s worker pid %ld sent message type %u, not allowed "
		    "for its role and state; stopping it",
		    wproc_role_name(w->w_role), (long)w->w_pid,
		    m.hdr.ih_type);
		ipc_msg_close_fds(&m);
		wproc_stop(w, "unpermitted IPC message");
		return;
	}
	if (p->wp_handle(w, &m, &why) != 0) {
		log_warn("%s worker pid %ld: message type %u refused: %s; "
		    "stopping it", wproc_role_name(w->w_role), (long)w->w_pid,
		    m.hdr.ih_type, why);
		wproc_stop(w, "bad IPC message");
	}
	ipc_msg_close_fds(&m);
}
