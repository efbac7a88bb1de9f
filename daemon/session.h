/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * session: the registry of SPICE sessions (one per main channel, keyed by
 * connection_id) and the routing of linked channels to workers.
 */
#ifndef SPICED_SESSION_H
#define SPICED_SESSION_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "link.h"
#include "spiced.h"

/* Most channel connections one session may hold at once (each one is an
 * fd in a worker and a record here); past it a link gets ERROR. */
#define SESSION_MAX_CHANNELS	32

/* One linked channel connection of a session, for `spicectl list`. */
struct session_chan {
	TAILQ_ENTRY(session_chan) sc_entry;
	uint32_t		 sc_conn;	/* supervisor's connection id */
	uint8_t			 sc_type;	/* SPICE_CHANNEL_* */
	uint8_t			 sc_id;
	uint8_t			 sc_transport;	/* enum ipc_transport */
	int			 sc_secure;	/* linked over TLS */
	uint8_t			 sc_framing;	/* enum ipc_framing */
	char			 sc_peer[IPC_ADDR_LEN];
	time_t			 sc_since;	/* wall clock, for humans */
	/* Its worker's last two IPC_W2D_STATS of it ([1] the newest), and
	 * when they came (CLOCK_MONOTONIC ns, 0: not yet). */
	struct ipc_conn_stats	 sc_stats[2];
	uint64_t		 sc_stats_at[2];
	/* From a handoff, not yet confirmed by its worker's stats (a
	 * standby may name connections that closed since), and the stats
	 * round of its worker that last named it (worker-ipc.c). */
	int			 sc_adopted;
	uint32_t		 sc_seen;
};

struct session {
	LIST_ENTRY(session)	 s_entry;
	uint32_t		 s_id;
	struct display		*s_display;
	struct wproc		*s_main;	/* the session's main worker */
	uint32_t		 s_main_conn;
	struct wproc		*s_inputs;	/* its inputs worker, or NULL */
	/* Its playback and record workers (AUDIO_*), or NULL, and when
	 * each linked (audio.c). */
	struct wproc		*s_audio[AUDIO_WAYS];
	uint64_t		 s_audio_seq[AUDIO_WAYS];
	int			 s_view_only;	/* main linked view-only: no
						   input at all */
	int			 s_nconns;	/* live channel connections */
	uint64_t		 s_order;	/* creation order in the display */
	uint64_t		 s_input_seq;	/* the display's d_input_seq when
						   it last typed or clicked */
	time_t			 s_since;	/* wall clock */
	TAILQ_HEAD(, session_chan) s_chans;	/* s_nconns entries at most */
};

/* link_admit_cb for every display: decides the link result. */
uint32_t session_link_admit(const struct link_info *, void *display);
/* link_handoff_cb: routes a linked fd to the right worker (takes fd). */
void	 session_link_handoff(int fd, const struct link_info *, void *display);

struct session *session_find(struct display *, uint32_t id);
/* The producer's channels changed (a port added): sessions' clients are
 * told of the new ones. */
void	 session_channels_changed(struct display *);
/* End a session: tell the display worker, stop its main worker (so every
 * channel connection of the session closes). */
void	 session_end(struct session *, const char *reason);
/* Connection conn of session id of display d, or NULL. */
struct session_chan *session_chan_find(struct display *d, uint32_t id,
	    uint32_t conn);
/* A worker reported that a connection of session id ended. */
void	 session_conn_closed(struct display *, uint32_t id, uint32_t conn);
/* The display's producer started or stopped taking input (d_input_fd,
 * d_input_flags): every inputs worker gets the new socket (or loses
 * it), every main worker the mouse modes that follow. */
void	 session_input_changed(struct display *);
/* The producer's lock state changed (d_leds): tell the inputs workers. */
void	 session_leds_changed(struct display *);
/*
 * Who owns the display's agent (d_agent_fd): one session at a time, the
 * one whose viewer last typed or clicked, else the oldest; never a
 * view-only one (it may not write the clipboard).  The owner's main
 * worker holds the agent port; the others tell their clients the agent
 * is not connected.  Call when the agent port, the sessions or their
 * input changed; it moves the port when the owner changes.
 */
void	 session_agent_update(struct display *);
/* s's viewer typed or clicked (IPC_W2D_INPUT_ACTIVE). */
void	 session_input_active(struct session *);
/* The display (or cursor) worker died, and the channels of type
 * (SPICE_CHANNEL_DISPLAY or _CURSOR) it served with it: every session
 * that had one ends with reason (its viewer reconnects). */
/* spiced restarts under systemd: ask each session's viewer to link again
 * to the address it came to (IPC_D2W_SWITCH_HOST); returns how many main
 * workers were told. */
unsigned session_switch_host(struct display *);
/* A display or cursor worker (channel type) was started again: hand it
 * the links that waited for it (park.h). */
void	 session_unpark(struct display *, uint8_t type);
void	 session_display_lost(struct display *, uint8_t type,
	    const char *reason);

/*
 * A restart (handoff.h).  session_export and session_export_chan fill the
 * records of a session and of one of its connections; session_adopt
 * makes a session of the last supervisor's again (no worker yet: NULL
 * if out of memory), session_adopt_chan one of its connections,
 * session_adopt_worker gives it its main or inputs worker (w's role).
 */
struct ho_session;
struct ho_chan;
void	 session_export(const struct session *, struct ho_session *);
void	 session_export_chan(const struct session *,
	    const struct session_chan *, struct ho_chan *);
struct session *session_adopt(struct display *, const struct ho_session *);
void	 session_adopt_chan(struct session *, const struct ho_chan *);
void	 session_adopt_worker(struct session *, struct wproc *);

#endif
