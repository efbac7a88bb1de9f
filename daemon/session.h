/*
 * session: the registry of SPICE sessions (one per main channel, keyed by
 * connection_id) and the routing of linked channels to workers.
 */
#ifndef SPICED_SESSION_H
#define SPICED_SESSION_H

#include <stdint.h>

#include "link.h"
#include "spiced.h"

struct session {
	LIST_ENTRY(session)	 s_entry;
	uint32_t		 s_id;
	struct display		*s_display;
	struct wproc		*s_main;	/* the session's main worker */
	uint32_t		 s_main_conn;
	int			 s_nconns;	/* live channel connections */
};

/* link_admit_cb for every display: decides the link result. */
uint32_t session_link_admit(const struct link_info *, void *display);
/* link_handoff_cb: routes a linked fd to the right worker (takes fd). */
void	 session_link_handoff(int fd, const struct link_info *, void *display);

struct session *session_find(struct display *, uint32_t id);
/* End a session: tell the display worker, stop its main worker. */
void	 session_end(struct session *, const char *reason);
/* A worker reported that a connection of session id ended. */
void	 session_conn_closed(struct display *, uint32_t id, uint32_t conn);
/* The channel list changed (producer attached/detached): tell every main
 * worker of the display. */
void	 session_channels_changed(struct display *);
/* Send the current channel list to one main worker. */
int	 session_send_channels(struct session *);

#endif
