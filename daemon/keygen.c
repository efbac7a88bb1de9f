/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * keygen: the key-making helper's life in the supervisor; contract in
 * keygen.h.  A helper that dies is restarted after a back-off that
 * doubles up to KEYGEN_BACKOFF_MAX seconds and starts again from one once
 * a helper has lived KEYGEN_STABLE seconds, so a crash loop costs a
 * line a minute, not a spinning supervisor.
 */
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "keygen.h"
#include "rsa-keygen.h"
#include "log.h"
#include "spiced.h"
#include "worker-proc.h"

#define KEYGEN_BACKOFF_MAX	60	/* s */
#define KEYGEN_STABLE		60	/* s alive to reset the back-off */

/* rsa_keygen_from_der() bounds len by this, so never reads past der. */
_Static_assert(RSA_KEYGEN_DER_MAX <= IPC_KEY_DER_MAX,
    "a key must fit struct ipc_key");

static struct auth_keypool	*keygen_pool;
static struct wproc		*keygen_w;
static struct event		*keygen_timer;
static int			 keygen_backoff;	/* s before a restart */
static time_t			 keygen_started;
static int			 keygen_stopping;

static int	keygen_spawn(struct spd_err *);

static int
keygen_want(unsigned int n, void *arg)
{
	struct ipc_keygen req;

	if (keygen_w == NULL || keygen_w->w_fd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.count = n;
	return wproc_send(keygen_w, IPC_D2W_KEYGEN, 0, 0, &req, sizeof(req),
	    NULL, 0);
}

static void
keygen_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct spd_err err;

	if (keygen_stopping || keygen_w != NULL)
		return;
	if (keygen_spawn(&err) != 0)
		log_warn("keygen helper: %s; keys are made in the supervisor "
		    "meanwhile", err.msg);
}

/* wproc's exit callback: the pool makes its own keys until a new
 * helper is up. */
static void
keygen_gone(struct wproc *w, const char *reason, void *arg)
{
	struct timeval tv = { 0, 0 };

	if (w != keygen_w)
		return;
	keygen_w = NULL;
	auth_keypool_set_source(keygen_pool, NULL, NULL);
	if (keygen_stopping)
		return;
	if (time(NULL) - keygen_started >= KEYGEN_STABLE)
		keygen_backoff = 1;
	else if ((keygen_backoff *= 2) > KEYGEN_BACKOFF_MAX)
		keygen_backoff = KEYGEN_BACKOFF_MAX;
	tv.tv_sec = keygen_backoff;
	log_warn("keygen helper ended (%s); restarting it in %d s, keys are "
	    "made in the supervisor meanwhile", reason, keygen_backoff);
	evtimer_add(keygen_timer, &tv);
}

static int
keygen_spawn(struct spd_err *err)
{
	if ((keygen_w = wproc_spawn(WPROC_KEYGEN, NULL, NULL, err)) == NULL)
		return -1;
	keygen_w->w_gone = keygen_gone;
	keygen_started = time(NULL);
	auth_keypool_set_source(keygen_pool, keygen_want, NULL);
	return 0;
}

int
keygen_start(struct auth_keypool *kp, struct spd_err *err)
{
	keygen_pool = kp;
	keygen_backoff = 1;
	if (keygen_timer == NULL &&
	    (keygen_timer = evtimer_new(spiced_base, keygen_restart_cb,
	    NULL)) == NULL)
		return spd_err_set(err, "keygen: evtimer_new failed");
	return keygen_spawn(err);
}

int
keygen_on_key(struct wproc *w, const struct ipc_key *key, const char **why)
{
	static char reason[SPD_ERR_LEN];
	struct spd_err err;

	if (w != keygen_w) {
		*why = "a key from a worker that is not the keygen helper";
		return -1;
	}
	if (auth_keypool_add_der(keygen_pool, key->der, key->len,
	    &err) != 0) {
		snprintf(reason, sizeof(reason), "bad key: %.400s", err.msg);
		*why = reason;
		return -1;
	}
	return 0;
}

void
keygen_stop(void)
{
	keygen_stopping = 1;
	if (keygen_timer != NULL) {
		event_free(keygen_timer);
		keygen_timer = NULL;
	}
	if (keygen_w != NULL)
		wproc_stop(keygen_w, "spiced is shutting down");
}
