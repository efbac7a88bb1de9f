/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * listen: the client-facing sockets of each display (TCP and UNIX); every
 * accepted connection goes to the link state machine (link.c).
 */
#ifndef SPICED_LISTEN_H
#define SPICED_LISTEN_H

#include "err.h"
#include "spiced.h"

/* Listen on the display's configured addresses, taking the sockets
 * systemd passed for them (activation.h) instead of binding where it did;
 * logs each address.  Under systemd, the sockets it bound or kept go to
 * the fd store (service.h) so that a restart refuses no connection. */
int	listen_display(struct display *, struct spd_err *);
/* Write up to max bound addresses of the display's listeners into out
 * ("127.0.0.1:5900", "[::1]:5900", "unix:/path"), each cut to len - 1
 * bytes; returns how many were written. */
#define LISTEN_ADDR_LEN	128
size_t	listen_addrs(const struct display *, char (*out)[LISTEN_ADDR_LEN],
	    size_t max);
/* The bound TCP port of the display's first plain and first TLS
 * listener (0: none). */
void	listen_ports(const struct display *, int *port, int *tls_port);
/* Close the display's listeners and remove its UNIX socket file, unless
 * systemd keeps the socket for the next run (see listen_forget()). */
void	listen_shutdown(struct display *);
/* Stop accepting on d's listeners, which stay open (a handoff: links
 * wait in their backlog for the next supervisor). */
void	listen_pause(struct display *);
/* Tell systemd to keep none of the display's listeners: the display is
 * gone from the configuration. */
void	listen_forget(const struct display *);

#endif
