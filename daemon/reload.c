/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reload: SIGHUP reads the configuration again and applies what can
 * change while spiced runs; contract in reload.h.
 *
 * The new file is parsed in full first: one that does not parse changes
 * nothing.  Then, display by display (matched by name):
 * - removed: taken down (its sessions end, its producer is told why);
 * - added: set up as at start;
 * - kept: ticket (password, expiry, disable-ticketing) when the file's
 *   values changed, so a ticket set with spicectl survives a reload that
 *   does not touch it; limits, deadlines and secure-channels (new links);
 *   the TLS certificate, key and settings, read again whether or not
 *   their paths changed, so a renewed certificate is picked up (new
 *   handshakes only; a TLS setup that fails to load keeps the old one);
 *   sessions already running are untouched.  Keys that name sockets,
 *   users or the SASL setup are the display's identity: a change to one
 *   is logged and ignored until the display is removed and added again
 *   (or spiced restarts).
 * Globally: log-level and control-group apply; run-dir, control-socket,
 * keygen-user and the SASL application settings need a restart.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth-sasl.h"
#include "auth-ticket.h"
#include "control.h"
#include "display.h"
#include "listen.h"
#include "log.h"
#include "reload.h"
#include "service.h"
#include "ticket-keep.h"
#include "tls.h"

/* A kept display's keys that only a restart of the display can change.
 * conf.c zero-fills a display before parsing it, so whole fields compare
 * with memcmp, strings included. */
#define RELOAD_FIELD(name, f) { name, offsetof(struct conf_display, f), \
	sizeof(((struct conf_display *)0)->f) }
static const struct {
	const char	*rf_name;
	size_t		 rf_off;
	size_t		 rf_size;
} reload_identity[] = {
	RELOAD_FIELD("listen", cd_listen_host),
	RELOAD_FIELD("listen", cd_listen_port),
	RELOAD_FIELD("tls-port", cd_tls_host),
	RELOAD_FIELD("tls-port", cd_tls_port),
	RELOAD_FIELD("unix-socket", cd_unix_path),
	RELOAD_FIELD("producer-socket", cd_producer_path),
	RELOAD_FIELD("producer-user", cd_producer),
	RELOAD_FIELD("worker-user", cd_worker),
	RELOAD_FIELD("worker-memory", cd_worker_memory_mib),
	RELOAD_FIELD("sasl", cd_sasl),
	RELOAD_FIELD("sasl-realm", cd_sasl_realm),
	RELOAD_FIELD("sasl-server-name", cd_sasl_server_name),
	RELOAD_FIELD("sasl-mechanisms", cd_sasl_mechs),
	RELOAD_FIELD("sasl-max-steps", cd_sasl_max_steps),
	/* The display worker is started with them. */
	RELOAD_FIELD("image-compression", cd_image_compression),
	RELOAD_FIELD("jpeg-wan-compression", cd_jpeg_wan),
	RELOAD_FIELD("streaming-video", cd_streaming),
};

/* Those keep their old values in nw, and the change is logged. */
static void
reload_keep_identity(const struct conf_display *old, struct conf_display *nw)
{
	const char *last = NULL;
	char what[256] = "";
	size_t i, n = 0;

	for (i = 0; i < sizeof(reload_identity) / sizeof(reload_identity[0]);
	    i++) {
		const uint8_t *o = (const uint8_t *)old +
		    reload_identity[i].rf_off;
		uint8_t *w = (uint8_t *)nw + reload_identity[i].rf_off;

		if (memcmp(o, w, reload_identity[i].rf_size) == 0)
			continue;
		memcpy(w, o, reload_identity[i].rf_size);
		if ((last == NULL || strcmp(last, reload_identity[i].rf_name)
		    != 0) && n < sizeof(what))
			n += (size_t)snprintf(what + n, sizeof(what) - n,
			    "%s%s", n ? ", " : "", reload_identity[i].rf_name);
		last = reload_identity[i].rf_name;
	}
	if (n > 0)
		log_warn("reload: display \"%s\": %s changed; kept as it was "
		    "until the display is removed and added again, or spiced "
		    "restarts", old->cd_name, what);
}

/* Apply nw to the kept display d (whose configuration is *live). */
static void
reload_display(struct display *d, struct conf_display *live,
    struct conf_display *nw, struct auth_keypool *keys)
{
	struct tls_server *ts;
	struct spd_err err;
	int ticket = 0;

	reload_keep_identity(live, nw);
	if (strcmp(live->cd_password, nw->cd_password) != 0 ||
	    live->cd_password_set != nw->cd_password_set) {
		if (auth_ticket_set_password(d->d_ticket, nw->cd_password_set ?
		    nw->cd_password : "", &err) != 0)
			log_warn("reload: display \"%s\": %s", d->d_name,
			    err.msg);
		d->d_ticket_runtime[0] = 0;	/* the file wins now */
		ticket = 1;
	}
	if (strcmp(live->cd_password_view, nw->cd_password_view) != 0) {
		if (auth_ticket_set_password(d->d_ticket_view,
		    nw->cd_password_view, &err) != 0)
			log_warn("reload: display \"%s\": %s", d->d_name,
			    err.msg);
		d->d_ticket_runtime[1] = 0;
		ticket = 1;
	}
	if (live->cd_password_expires != nw->cd_password_expires) {
		auth_ticket_set_expiry(d->d_ticket,
		    (time_t)nw->cd_password_expires);
		ticket = 1;
	}
	if (live->cd_disable_ticketing != nw->cd_disable_ticketing) {
		auth_ticket_set_disabled(d->d_ticket,
		    nw->cd_disable_ticketing);
		ticket = 1;
	}
	/* The line numbers are the new file's. */
	*live = *nw;
	display_policy(d, live, keys);
	if (ticket)
		log_info("reload: display \"%s\": ticket settings changed",
		    d->d_name);
	if (live->cd_tls_host[0] == '\0')
		return;
	if ((ts = display_tls_load(live, &err)) == NULL) {
		log_warn("reload: display \"%s\": TLS: %s; the running TLS "
		    "setup stays", d->d_name, err.msg);
		return;
	}
	tls_server_free(d->d_tls);
	d->d_tls = ts;
	log_info("reload: display \"%s\": TLS certificate and settings "
	    "loaded again", d->d_name);
}

static struct conf_display *
reload_find(struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->c_ndisplays; i++)
		if (c->c_displays[i].cd_name[0] != '\0' &&
		    !strcmp(c->c_displays[i].cd_name, name))
			return &c->c_displays[i];
	return NULL;
}

static void
reload_globals(struct conf *live, const struct conf *nw)
{
	if (strcmp(live->c_run_dir, nw->c_run_dir) != 0 ||
	    strcmp(live->c_control_path, nw->c_control_path) != 0 ||
	    strcmp(live->c_sasl_appname, nw->c_sasl_appname) != 0 ||
	    strcmp(live->c_sasl_config_dir, nw->c_sasl_config_dir) != 0 ||
	    memcmp(&live->c_keygen, &nw->c_keygen, sizeof(nw->c_keygen)) != 0 ||
	    memcmp(&live->c_user, &nw->c_user, sizeof(nw->c_user)) != 0)
		log_warn("reload: run-dir, control-socket, user, keygen-user, "
		    "sasl-appname and sasl-config-dir apply at the next start "
		    "only; kept as they were");
	live->c_control_group_set = nw->c_control_group_set;
	live->c_control_group = nw->c_control_group;
	control_set_group(nw->c_control_group_set, nw->c_control_group);
	if (live->c_log_debug != nw->c_log_debug)
		log_info("reload: log-level %s", nw->c_log_debug ? "debug" :
		    "info");
	live->c_log_debug = nw->c_log_debug;
	live->c_keep_sessions = nw->c_keep_sessions;
}

int
reload_apply(const char *path, struct conf *live, struct display *displays,
    struct auth_keypool *keys, struct spd_err *err)
{
	struct conf *nw;
	struct conf_display *cd, *ncd;
	size_t i, slot;
	int added = 0, removed = 0, kept = 0;

	if ((nw = calloc(1, sizeof(*nw))) == NULL)
		return spd_err_set(err, "reload: out of memory");
	if (conf_load(nw, path, spiced_opts.so_privileged, err) != 0) {
		free(nw);
		return spd_err_prefix(err, "reload refused, the running "
		    "configuration stays");
	}
	reload_globals(live, nw);

	/* Removed displays go first, so their slots and sockets are free
	 * for added ones. */
	for (i = 0; i < live->c_ndisplays; i++) {
		cd = &live->c_displays[i];
		if (cd->cd_name[0] == '\0' || reload_find(nw, cd->cd_name))
			continue;
		log_info("reload: display \"%s\" removed", cd->cd_name);
		display_shutdown(&displays[i], "display removed from the "
		    "configuration");
		listen_forget(&displays[i]);
		display_free(&displays[i]);
		memset(cd, 0, sizeof(*cd));
		removed++;
	}
	for (i = 0; i < nw->c_ndisplays; i++) {
		ncd = &nw->c_displays[i];
		if ((cd = reload_find(live, ncd->cd_name)) != NULL) {
			reload_display(&displays[cd - live->c_displays], cd,
			    ncd, keys);
			kept++;
			continue;
		}
		for (slot = 0; slot < CONF_MAX_DISPLAYS; slot++)
			if (live->c_displays[slot].cd_name[0] == '\0')
				break;
		if (slot == CONF_MAX_DISPLAYS) {
			log_warn("reload: display \"%s\" not added: %d "
			    "displays at most", ncd->cd_name,
			    CONF_MAX_DISPLAYS);
			continue;
		}
		if (ncd->cd_sasl && auth_sasl_init(live->c_sasl_appname,
		    live->c_sasl_config_dir, err) != 0) {
			log_warn("reload: display \"%s\" not added: %s",
			    ncd->cd_name, err->msg);
			continue;
		}
		live->c_displays[slot] = *ncd;
		if (slot >= live->c_ndisplays)
			live->c_ndisplays = slot + 1;
		if (display_setup(&displays[slot], &live->c_displays[slot],
		    keys, err) != 0 || display_start(&displays[slot], err) != 0) {
			log_warn("reload: display \"%s\" not added: %s",
			    ncd->cd_name, err->msg);
			display_shutdown(&displays[slot], "setup failed");
			listen_forget(&displays[slot]);
			display_free(&displays[slot]);
			memset(&live->c_displays[slot], 0,
			    sizeof(live->c_displays[slot]));
			continue;
		}
		log_info("reload: display \"%s\" added", ncd->cd_name);
		added++;
	}
	free(nw);
	tkeep_save(displays, CONF_MAX_DISPLAYS);
	log_info("reload: configuration %s applied: %d display%s kept, %d "
	    "added, %d removed", path, kept, kept == 1 ? "" : "s", added,
	    removed);
	svc_status();
	return 0;
}
