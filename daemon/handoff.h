/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * handoff: running sessions outlive a restart of the supervisor.
 *
 * At SIGTERM under systemd, the supervisor writes what it runs (each
 * display's workers, its producer connection with the memory and
 * doorbells it handed over, the producer's input, agent, audio and port
 * sockets, the sessions and their channel connections; handoff-fmt.h) to
 * a sealed memfd and sends it, with every descriptor the records name and
 * a pidfd per worker, into one end of a socket pair; the other end goes
 * to systemd's fd store as "handoff", and the supervisor exits without
 * stopping anything.  The workers go on serving their viewers meanwhile
 * (the unit's KillMode=process leaves them be); what they report waits in
 * their IPC sockets.  The next supervisor takes the socket, reads it all
 * and adopts the workers (watched through their pidfds: they are not its
 * children), the producer and the sessions, for the displays its
 * configuration still has.  Records of a display it no longer has, or a
 * handoff it cannot read, are closed: those workers see their IPC socket
 * close and end, and so do their sessions.  When the unit is stopped
 * instead, systemd closes the stored socket, with the same effect.
 *
 * Trust: only the unit's main process can put a descriptor in its fd
 * store (NotifyAccess=main, the default of Type=notify), so a handoff
 * comes from a supervisor of the same unit; its reader still checks its
 * whole structure (handoff-fmt.c, fuzzed) before adopting anything, and
 * what adopted workers send is checked as from any worker.
 */
#ifndef SPICED_HANDOFF_H
#define SPICED_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

#include "spiced.h"

/* Hand the n displays' running state to the next supervisor through
 * systemd's fd store.  Returns how many sessions went (0 or more), or -1
 * when nothing was handed over (not under systemd, or a failure, logged):
 * the caller then shuts down as before. */
int	handoff_save(struct display *ds, size_t n, uint32_t conn_counter);

/*
 * The standby: while the supervisor runs under systemd with
 * keep-sessions, the same handoff is kept current in the fd store,
 * written again at the next turn of the loop after any change of what
 * runs (svc_changed()), or HO_STANDBY_MS after the last write within a
 * burst of changes, but at the next turn whatever the burst after a
 * session began or a channel linked (svc_changed_now()).  A supervisor
 * that dies (a crash, kill -9, the watchdog) is restarted by systemd and
 * adopts it as after a restart: the sessions whose workers it names go
 * on; one begun, or a channel linked, in the turn of the loop that
 * crashed is not in it (the channel serves on unrecorded).  Its in-flight copies keep the sockets it names open
 * meanwhile, so what the supervisor drops is also signalled (workers get
 * SIGTERM) rather than left to notice a close.  conn_counter and keep
 * (keep-sessions) are read at each write.  -1 if out of memory.
 */
int	handoff_standby_start(struct display *ds, size_t n,
	    const uint32_t *conn_counter, const int *keep);

/* At start, after display_setup() and before display_start(): adopt
 * what the last supervisor handed over, if anything.  Returns the
 * connection id for spiced_next_conn_id() to go on from: well past the
 * last one the handoff names (0 if none). */
uint32_t handoff_adopt(struct display *ds, size_t n);

#endif
