/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * service: systemd's notification protocol (sd_notify).  READY once the
 * displays listen, STATUS with what is being served whenever that changes,
 * STOPPING at shutdown, and the watchdog keep-alive sent from the event
 * loop itself, so that a wedged loop gets the service restarted.  Without
 * $NOTIFY_SOCKET every call does nothing.
 */
#ifndef SPICED_SERVICE_H
#define SPICED_SERVICE_H

#include <stddef.h>

#include "err.h"
#include "spiced.h"

/* Start the watchdog timer if systemd asked for one ($WATCHDOG_USEC; the
 * variables are removed so workers do not see them), then send READY and
 * the first STATUS.  -1 with err set. */
int	svc_ready(struct display *displays, size_t n, struct spd_err *);
/* Send STATUS: displays, attached producers, sessions (and call the
 * change hook: each is a change of what runs). */
void	svc_status(void);
/* What the supervisor runs changed (a worker, a session, something a
 * producer handed over): call the hook set with svc_on_change(), which
 * is how the modules that make the changes tell handoff-save.c without
 * calling it (it calls them).  svc_changed_now() for a change that must
 * not wait for the end of a burst of them (a session begun, a channel
 * linked): the hook gets at_once set. */
void	svc_changed(void);
void	svc_changed_now(void);
void	svc_on_change(void (*hook)(int at_once));
/* A reload begins (RELOADING=1) or ends (READY=1 and a new STATUS). */
void	svc_reloading(int begin);
/* Send STOPPING and stop the watchdog. */
void	svc_stopping(void);

/* systemd's file descriptor store (FileDescriptorStoreMax= in the units):
 * put fd there under name (a copy: the caller keeps its own), or forget
 * every fd stored under name.  Listeners are kept this way, under
 * "DISPLAY/kept" and "DISPLAY/tls/kept" (activation.h), and come back at
 * the next start.  poll: systemd drops the fd once it hangs up (for a
 * socket whose peer is closed on purpose, 0).  0, or -1 (logged). */
int	svc_fdstore_put(int fd, const char *name, int poll);
void	svc_fdstore_forget(const char *name);
/* Wait until systemd has read every notification sent so far: one sent
 * just before exiting is otherwise dropped, since systemd takes a
 * notification only from the live main process.  0, or -1 (logged). */
int	svc_barrier(void);

#endif
