/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * keygen: the sandboxed helper (spiced-worker --role=keygen) that makes
 * the ticket key pairs on another core and fills the supervisor's key
 * pool, so that RSA key generation never runs on the event loop that
 * accepts links, moves sessions and answers spicectl.  One helper serves
 * every display; it runs as keygen-user (spiced.conf(5)).  While it is
 * missing (not yet started, crashed and waiting to be restarted) the
 * pool makes keys itself, one per loop turn, so links keep working.
 */
#ifndef SPICED_KEYGEN_H
#define SPICED_KEYGEN_H

#include "auth-ticket.h"
#include "err.h"
#include "ipc-msg.h"

struct wproc;

/* Start the helper for pool kp.  -1 with err if it cannot be spawned
 * (the pool then keeps making keys itself). */
int	 keygen_start(struct auth_keypool *kp, struct spd_err *err);

/* IPC_W2D_KEY from w: into the pool.  -1 with *why if w is not the
 * helper or the key is refused; the caller then stops w. */
int	 keygen_on_key(struct wproc *w, const struct ipc_key *key,
	    const char **why);

/* Shutdown: stop the helper and do not restart it. */
void	 keygen_stop(void);

#endif
