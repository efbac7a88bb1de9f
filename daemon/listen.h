/*
 * listen: the client-facing sockets of each display (TCP and UNIX); every
 * accepted connection goes to the link state machine (link.c).
 */
#ifndef SPICED_LISTEN_H
#define SPICED_LISTEN_H

#include "err.h"
#include "spiced.h"

/* Bind and listen on the display's configured addresses. */
int	listen_display(struct display *, struct spd_err *);
/* The TCP port actually bound (for "listen = host:0"), or 0. */
int	listen_tcp_port(const struct display *);
/* Close the display's listeners and remove its UNIX socket file. */
void	listen_shutdown(struct display *);

#endif
