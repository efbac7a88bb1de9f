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
 * logs each address. */
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
/* Close the display's listeners and remove its UNIX socket file. */
void	listen_shutdown(struct display *);

#endif
