/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ports: a producer's byte streams (qxl-shm MSG_PORT: USB redirection
 * slots, named ports, a smartcard reader) as SPICE usbredir, port, webdav
 * and smartcard channels.  Each stream serves one session's channel at a
 * time, through a vmc worker of its own that holds the stream and the
 * client (workers/role-vmc.c).
 */
#ifndef SPICED_PORTS_H
#define SPICED_PORTS_H

#include <spice/enums.h>

#include "ipc-msg.h"
#include "link.h"
#include "spiced.h"

struct session;

/* Is a channel of this type served from a port?  (Inline: the IPC
 * fuzz target links worker-ipc.c without the rest.) */
static inline int
ports_is_channel(uint8_t type)
{
	return type == SPICE_CHANNEL_USBREDIR || type == SPICE_CHANNEL_PORT ||
	    type == SPICE_CHANNEL_WEBDAV || type == SPICE_CHANNEL_SMARTCARD;
}

/* MSG_PORT: take fd (on success) as the display's next port.  0, or -1
 * with why (the producer is dropped). */
int	ports_add(struct display *, const struct qxlshm_port *, int fd,
	    const char **why);
/* MSG_PORT_STATE: the device end of port n opened or closed. */
int	ports_state(struct display *, const struct qxlshm_port_state *,
	    const char **why);
/* The producer went: every port closes (their channels too). */
void	ports_clear(struct display *);

/* The port serving channel type:id, or NULL. */
struct display_port *ports_find(struct display *, uint8_t type, uint8_t id);
/* Append the display's port channels to a channel list. */
void	ports_channels(const struct display *, struct ipc_channels *);
/* Serve the linked channel fd (taken) of session s (session id sid,
 * connection conn) from port p.  0, or -1 (logged; fd closed). */
int	ports_start(struct display *, struct display_port *, struct session *,
	    uint32_t sid, int fd, const struct link_info *, uint32_t conn);
/* Session s is ending: its port channels close; each port is free once
 * its worker, which closes its client itself, is gone. */
void	ports_release(struct display *, struct session *);
/* A restart (handoff.h): w, the last supervisor's worker of port p, is
 * session s's again, or (s NULL) still draining for a session that went. */
void	ports_adopt(struct display_port *, struct session *, struct wproc *);

#endif
