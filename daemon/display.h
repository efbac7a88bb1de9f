/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display: the owner of one configured display in the supervisor.  It
 * sets the display up from its configuration (ticket, link policy, TLS,
 * listeners, producer socket), starts its display worker and restarts it
 * when it dies (with back-off; the attached producer is handed to the new
 * worker, and dropped if workers keep dying with it), and takes it all
 * down.  Lower modules report to it only through callbacks (wproc's
 * w_gone); it calls producer, session, listen and wproc, never the other
 * way round.
 */
#ifndef SPICED_DISPLAY_H
#define SPICED_DISPLAY_H

#include "err.h"
#include "relay.h"
#include "spiced.h"

struct auth_keypool;
struct tls_server;

/* A pre-auth client quiet for less than this is not evicted: about a
 * WAN round trip, so a real client answering each step is never taken
 * for a held connection (link.c link_evict_rank()). */
#define DISPLAY_QUIET_GRACE_MS	200

/* Set d up from cd (which must outlive d) with the shared key pool:
 * listeners, producer socket; no worker yet.  -1 with err. */
int	display_setup(struct display *d, const struct conf_display *cd,
	    struct auth_keypool *keys, struct spd_err *err);
/* Start d's display and cursor workers, those it has not adopted from
 * the last supervisor (handoff.h).  -1 with err. */
int	display_start(struct display *d, struct spd_err *err);
/* w (display or cursor role), a worker of the last supervisor's, is d's
 * from now on, restarted like one of its own when it dies. */
struct wproc;
void	display_adopt_worker(struct display *d, struct wproc *w);

/* (Re)build d's link policy from cd: limits, deadlines, secure channels,
 * SASL.  Connections already linking keep the policy they started with
 * only as far as its pointer: call between handshakes (reload). */
void	display_policy(struct display *d, const struct conf_display *cd,
	    struct auth_keypool *keys);

/* The configured display of that name among the n of ds, or NULL. */
struct display *display_find(struct display *ds, size_t n,
	    const char *name);

/* d's one-time ticket (its password and expiry set) opens one session
 * from now on, view-only or not. */
void	display_once_arm(struct display *d, int view_only);

/* Who a relay of display cd runs as, and what it logs. */
void	display_relay_conf(const struct conf_display *cd,
	    struct relay_conf *rc);

/* Load cd's TLS certificate, key and settings.  NULL with err. */
struct tls_server *display_tls_load(const struct conf_display *cd,
	    struct spd_err *err);

/* Take d down: listeners closed, handshakes aborted, producers told
 * reason (ERROR SHUTDOWN) and closed, sessions ended, worker stopped and
 * not restarted. */
void	display_shutdown(struct display *d, const char *reason);

/* After display_shutdown(): free what d holds and clear it (d_conf
 * NULL: a free slot). */
void	display_free(struct display *d);

#endif
