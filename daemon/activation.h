/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * activation: listening sockets passed by systemd (socket activation,
 * $LISTEN_FDS with $LISTEN_FDNAMES), claimed by name per display.
 *
 * A socket named "DISPLAY" is that display's plain listener: a TCP one
 * stands in for its `listen`, a UNIX one for its `unix-socket`; one named
 * "DISPLAY/tls" stands in for its `tls-port`.  The configuration still
 * says which of these a display has: systemd only owns the binding.
 *
 * The same names with "/kept" appended are sockets spiced bound itself in
 * an earlier run and left in systemd's file descriptor store (FDSTORE, see
 * service.h), so that a restart refuses no connection: they wait in the
 * backlog for the new supervisor.  listen.c takes them back only while the
 * configuration still asks for the same address.
 */
#ifndef SPICED_ACTIVATION_H
#define SPICED_ACTIVATION_H

#include "err.h"

#define ACT_MAX_FDS	64	/* sockets systemd may pass */
#define ACT_NAME_LEN	112	/* "DISPLAY/tls/kept" and the NUL */

enum act_role {
	ACT_TCP,		/* "DISPLAY", an AF_INET or AF_INET6 socket */
	ACT_UNIX,		/* "DISPLAY", an AF_UNIX socket */
	ACT_TLS,		/* "DISPLAY/tls" */
};

/* Take the sockets systemd passed, if any (the environment variables are
 * removed so that workers do not see them), and check that each is a
 * listening stream socket with a usable name.  -1 with err set. */
int	act_init(struct spd_err *);
/* Store up to max sockets of display's role in fds (now the caller's),
 * with kept[i] set for those from the fd store; returns how many. */
int	act_claim(const char *display, enum act_role role, int *fds,
	    int *kept, int max);
/* -1 with err naming the first socket no display claimed (a name that is
 * no display, or a role the display does not configure). */
int	act_check_claimed(struct spd_err *);
/* The fd store's one non-socket entry, the tickets set at run time
 * (ticket-keep.h), now the caller's; -1 if none was passed. */
int	act_take_tickets(void);

#define ACT_TICKETS_NAME	"tickets"
/* The fd store's "handoff" socket: what the last supervisor ran
 * (handoff.h), now the caller's; -1 if none was passed. */
int	act_take_handoff(void);

#define ACT_HANDOFF_NAME	"handoff"

#endif
