/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display: one configured display's life in the supervisor; contracts in
 * display.h.
 *
 * The display worker, and the cursor worker with it, live as long as the
 * display, not as long as one producer (a deliberate step from DESIGN.md 1): the viewers' display
 * channels then outlive a producer that detaches, restarts or is
 * replaced, and see its next primary; the channel list a client got
 * (display 0) stays true, so spice-gtk never gets the same channel
 * announced twice.  When the worker dies, the producer stays attached:
 * its memory slots, doorbells and primary are handed to a new worker
 * (producer_handover()), and a producer that granted QXLSHM_F_REDRAW is
 * asked to draw everything again; one that did not shows what its
 * primary's memory holds (current for producers that draw into it, as an
 * X server does through MIT-SHM).  Keeping the producer in the
 * supervisor, rather than having it reconnect, means a producer needs no
 * code for a worker crash, and the memfds it sealed are checked once.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spice/enums.h>

#include "auth-ticket.h"
#include "display.h"
#include "listen.h"
#include "log.h"
#include "producer.h"
#include "service.h"
#include "session.h"
#include "tls.h"
#include "worker-proc.h"

/* Restart back-off: from DISPLAY_RESPAWN_MIN_MS, doubling to
 * DISPLAY_RESPAWN_MAX_MS while workers keep dying, back to the minimum
 * once one lived DISPLAY_STABLE_SEC. */
#define DISPLAY_RESPAWN_MIN_MS	250
#define DISPLAY_RESPAWN_MAX_MS	30000
#define DISPLAY_STABLE_SEC	60
/* Workers dead within DISPLAY_STABLE_SEC of their start with the same
 * producer before that producer is taken for the cause and dropped. */
#define DISPLAY_MAX_CRASHES	3

static void	display_worker_gone(struct wproc *, const char *, void *);

static const char *
display_keep_name(const struct display_keep *k)
{
	return wproc_role_name((enum wproc_role)k->dk_role);
}

static int
display_worker_start(struct display_keep *k, struct spd_err *err)
{
	struct display *d = k->dk_display;
	struct wproc *w;

	if ((w = wproc_spawn((enum wproc_role)k->dk_role, d, NULL, err)) ==
	    NULL)
		return -1;
	w->w_gone = display_worker_gone;
	w->w_gone_arg = k;
	*k->dk_proc = w;
	k->dk_started = time(NULL);
	if (producer_handover(d, w, 1) != 0)
		return spd_err_set(err, "the new %s worker failed",
		    display_keep_name(k));
	if (producer_running(d) && k->dk_role == WPROC_DISPLAY)
		log_info("display \"%s\": producer handed to the new display "
		    "worker%s", d->d_name, producer_redraw(d) ?
		    "; asked it to redraw" : " (it cannot redraw: the "
		    "primary's memory is shown)");
	else if (producer_running(d))
		log_info("display \"%s\": producer handed to the new %s "
		    "worker", d->d_name, display_keep_name(k));
	session_unpark(d, k->dk_role == WPROC_DISPLAY ?
	    SPICE_CHANNEL_DISPLAY : SPICE_CHANNEL_CURSOR);
	svc_status();
	return 0;
}

/* Start a worker again in dk_backoff_ms. */
static void
display_respawn_later(struct display_keep *k)
{
	struct timeval tv = { k->dk_backoff_ms / 1000,
	    (k->dk_backoff_ms % 1000) * 1000 };

	evtimer_add(k->dk_respawn, &tv);
}

static void
display_respawn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct display_keep *k = arg;
	struct spd_err err;

	if (k->dk_display->d_stopping || *k->dk_proc != NULL)
		return;
	if (display_worker_start(k, &err) == 0)
		return;
	log_warn("display \"%s\": cannot restart the %s worker: %s; trying "
	    "again in %d ms", k->dk_display->d_name, display_keep_name(k),
	    err.msg, k->dk_backoff_ms);
	display_respawn_later(k);
}

/* wproc's exit callback for a display or cursor worker. */
static void
display_worker_gone(struct wproc *w, const char *reason, void *arg)
{
	struct display_keep *k = arg;
	struct display *d = k->dk_display;
	char why[256];
	int early;

	if (*k->dk_proc != w)
		return;
	*k->dk_proc = NULL;
	svc_status();
	if (d->d_stopping)
		return;
	/* Its client connections died with it: those sessions end, so
	 * that their viewers reconnect (spice-gtk does not relink a
	 * channel on its own). */
	snprintf(why, sizeof(why), "%s worker ended (%s)",
	    display_keep_name(k), reason);
	session_display_lost(d, k->dk_role == WPROC_DISPLAY ?
	    SPICE_CHANNEL_DISPLAY : SPICE_CHANNEL_CURSOR, why);
	early = time(NULL) - k->dk_started < DISPLAY_STABLE_SEC;
	if (!early) {
		k->dk_backoff_ms = DISPLAY_RESPAWN_MIN_MS;
		k->dk_crashes = 0;
	} else if (k->dk_crashes > 0 &&
	    (k->dk_backoff_ms *= 2) > DISPLAY_RESPAWN_MAX_MS)
		k->dk_backoff_ms = DISPLAY_RESPAWN_MAX_MS;
	if (producer_running(d) && early &&
	    ++k->dk_crashes >= DISPLAY_MAX_CRASHES) {
		snprintf(why, sizeof(why), "the %s worker died %d times "
		    "within %d s with this producer (last: %s)",
		    display_keep_name(k), k->dk_crashes, DISPLAY_STABLE_SEC,
		    reason);
		producer_fault(d, why);
		k->dk_crashes = 0;
	}
	log_warn("display \"%s\": %s worker ended (%s); restarting it in "
	    "%d ms", d->d_name, display_keep_name(k), reason,
	    k->dk_backoff_ms);
	display_respawn_later(k);
}

int
display_setup(struct display *d, const struct conf_display *cd,
    struct auth_keypool *keys, struct spd_err *err)
{
	int i;

	d->d_conf = cd;
	d->d_name = cd->cd_name;
	LIST_INIT(&d->d_sessions);
	LIST_INIT(&d->d_listeners);
	d->d_input_fd = -1;
	d->d_agent_fd = -1;
	d->d_audio[AUDIO_PLAYBACK].da_fd = -1;
	d->d_audio[AUDIO_RECORD].da_fd = -1;
	for (i = 0; i < DISPLAY_NWORKERS; i++) {
		struct display_keep *k = &d->d_keep[i];

		k->dk_display = d;
		k->dk_role = i == 0 ? WPROC_DISPLAY : WPROC_CURSOR;
		k->dk_proc = i == 0 ? &d->d_worker : &d->d_cursor;
		k->dk_backoff_ms = DISPLAY_RESPAWN_MIN_MS;
		if ((k->dk_respawn = evtimer_new(spiced_base,
		    display_respawn_cb, k)) == NULL)
			return spd_err_set(err, "out of memory");
	}
	if ((d->d_ticket = auth_ticket_new()) == NULL)
		return spd_err_set(err, "out of memory");
	auth_ticket_set_disabled(d->d_ticket, cd->cd_disable_ticketing);
	if (cd->cd_password_set && auth_ticket_set_password(d->d_ticket,
	    cd->cd_password, err) != 0)
		return spd_err_prefix(err, "display \"%s\"", cd->cd_name);
	auth_ticket_set_expiry(d->d_ticket, (time_t)cd->cd_password_expires);
	if ((d->d_ticket_view = auth_ticket_new()) == NULL)
		return spd_err_set(err, "out of memory");
	if (cd->cd_password_view[0] != '\0' && auth_ticket_set_password(
	    d->d_ticket_view, cd->cd_password_view, err) != 0)
		return spd_err_prefix(err, "display \"%s\": password-view-only",
		    cd->cd_name);
	/* No password until spicectl vv sets one. */
	if ((d->d_ticket_once = auth_ticket_new()) == NULL)
		return spd_err_set(err, "out of memory");
	display_policy(d, cd, keys);
	if (cd->cd_tls_host[0] != '\0' &&
	    (d->d_tls = display_tls_load(cd, err)) == NULL)
		return -1;
	if (listen_display(d, err) != 0 || producer_listen(d, err) != 0)
		return -1;
	log_info("display \"%s\": producer socket %s", d->d_name,
	    cd->cd_producer_path);
	return 0;
}

int
display_start(struct display *d, struct spd_err *err)
{
	int i;

	for (i = 0; i < DISPLAY_NWORKERS; i++)
		if (*d->d_keep[i].dk_proc == NULL &&
		    display_worker_start(&d->d_keep[i], err) != 0)
			return spd_err_prefix(err, "display \"%s\": %s worker",
			    d->d_name, display_keep_name(&d->d_keep[i]));
	return 0;
}

void
display_adopt_worker(struct display *d, struct wproc *w)
{
	struct display_keep *k = &d->d_keep[w->w_role == WPROC_DISPLAY ?
	    0 : 1];

	w->w_gone = display_worker_gone;
	w->w_gone_arg = k;
	*k->dk_proc = w;
	k->dk_started = time(NULL);
}

void
display_policy(struct display *d, const struct conf_display *cd,
    struct auth_keypool *keys)
{
	d->d_policy.display = cd->cd_name;
	d->d_policy.ticket = d->d_ticket;
	d->d_policy.ticket_view = d->d_ticket_view;
	d->d_policy.ticket_once = d->d_ticket_once;
	d->d_policy.keys = keys;
	d->d_policy.timeout_sec = cd->cd_link_timeout;
	d->d_policy.max_preauth = (unsigned)cd->cd_max_preauth;
	d->d_policy.max_preauth_per_addr = (unsigned)cd->cd_max_preauth_per_addr;
	d->d_policy.auth_timeout_sec = cd->cd_auth_timeout;
	d->d_policy.quiet_grace_ms = DISPLAY_QUIET_GRACE_MS;
	d->d_policy.secure_channels = cd->cd_secure_channels;
	d->d_policy.sasl = NULL;
	if (cd->cd_sasl) {
		struct auth_sasl_policy *p = &d->d_sasl;

		memset(p, 0, sizeof(*p));
		snprintf(p->asp_realm, sizeof(p->asp_realm), "%s",
		    cd->cd_sasl_realm);
		snprintf(p->asp_server_name, sizeof(p->asp_server_name), "%s",
		    cd->cd_sasl_server_name);
		snprintf(p->asp_mechs, sizeof(p->asp_mechs), "%s",
		    cd->cd_sasl_mechs);
		p->asp_max_steps = (unsigned)cd->cd_sasl_max_steps;
		display_relay_conf(cd, &d->d_sasl_relay);
		p->asp_relay = &d->d_sasl_relay;
		d->d_policy.sasl = p;
	}
}

struct display *
display_find(struct display *ds, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ds[i].d_conf != NULL && strcmp(ds[i].d_name, name) == 0)
			return &ds[i];
	return NULL;
}

void
display_once_arm(struct display *d, int view_only)
{
	d->d_policy.once_view_only = view_only;
	d->d_once_used = 0;
	d->d_once_session = 0;
}

void
display_relay_conf(const struct conf_display *cd, struct relay_conf *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->rc_display = cd->cd_name;
	rc->rc_privileged = spiced_opts.so_privileged;
	rc->rc_uid = cd->cd_worker.uid;
	rc->rc_gid = cd->cd_worker.gid;
	rc->rc_chroot = spiced_opts.so_chroot;
	rc->rc_debug = spiced_opts.so_debug;
}

struct tls_server *
display_tls_load(const struct conf_display *cd, struct spd_err *err)
{
	struct relay_conf rc;

	display_relay_conf(cd, &rc);
	return tls_server_new(cd, &rc, err);
}

void
display_free(struct display *d)
{
	int i;

	for (i = 0; i < DISPLAY_NWORKERS; i++)
		if (d->d_keep[i].dk_respawn != NULL)
			event_free(d->d_keep[i].dk_respawn);
	auth_ticket_free(d->d_ticket);
	auth_ticket_free(d->d_ticket_view);
	auth_ticket_free(d->d_ticket_once);
	tls_server_free(d->d_tls);
	memset(d, 0, sizeof(*d));
}

void
display_shutdown(struct display *d, const char *reason)
{
	struct session *s;
	int i;

	d->d_stopping = 1;
	for (i = 0; i < DISPLAY_NWORKERS; i++)
		if (d->d_keep[i].dk_respawn != NULL)
			evtimer_del(d->d_keep[i].dk_respawn);
	listen_shutdown(d);
	link_abort_policy(&d->d_policy);
	park_drop(&d->d_park, 0);
	producer_shutdown(d, reason);
	while ((s = LIST_FIRST(&d->d_sessions)) != NULL)
		session_end(s, reason);
	if (d->d_worker != NULL)
		wproc_stop(d->d_worker, reason);
	if (d->d_cursor != NULL)
		wproc_stop(d->d_cursor, reason);
}
