/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spiced: the supervisor's shared state.  One struct display per configured
 * display, holding its listeners, producer attachment, display worker and
 * sessions.  Everything runs on one libevent base in one thread.
 */
#ifndef SPICED_SPICED_H
#define SPICED_SPICED_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "auth-sasl.h"
#include "conf.h"
#include "link.h"
#include "park.h"
#include "qxl-shm.h"
#include "relay.h"

struct session;
struct wproc;
struct producer;
struct listener;
struct tls_server;

/* A worker a display keeps for as long as it exists, restarted with
 * back-off when it dies (display.c's). */
#define DISPLAY_NWORKERS	2	/* display, cursor */

/* The ways sound goes (audio.c): to the viewer, from its microphone. */
enum { AUDIO_PLAYBACK, AUDIO_RECORD, AUDIO_WAYS };
struct display_keep {
	struct display		*dk_display;
	int			 dk_role;	/* enum wproc_role */
	struct wproc		**dk_proc;	/* &d_worker or &d_cursor */
	time_t			 dk_started;
	struct event		*dk_respawn;
	int			 dk_backoff_ms;
	int			 dk_crashes;	/* early deaths in a row */
};

/* A producer's byte stream (qxl-shm MSG_PORT) and the one session whose
 * channel uses it (session.c). */
struct display_port {
	int			 dp_fd;		/* the stream */
	uint32_t		 dp_kind;	/* QXLSHM_PORT_* */
	char			 dp_name[64];
	int			 dp_opened;	/* the device end is open */
	uint8_t			 dp_type;	/* SPICE channel type */
	uint8_t			 dp_id;		/* and id */
	struct session		*dp_owner;
	struct wproc		*dp_worker;	/* its vmc worker */
};

struct display {
	const struct conf_display *d_conf;
	const char		*d_name;
	struct link_policy	 d_policy;
	struct tls_server	*d_tls;		/* NULL: no tls-port */
	struct auth_ticket	*d_ticket;
	struct auth_ticket	*d_ticket_view;	/* view-only password */
	/* spicectl vv's one-time ticket: it opens one session, whose
	 * channels it then admits (session.c), until it expires. */
	struct auth_ticket	*d_ticket_once;
	int			 d_once_used;	/* a session was opened */
	uint32_t		 d_once_session; /* that session's id */
	/* The connection that said HELLO (setting up or running), or
	 * NULL: producer.c's. */
	struct producer		*d_producer;
	/* The display and cursor workers, NULL only while restarted:
	 * display.c's, which keeps their restarts in d_keep. */
	struct wproc		*d_worker;
	struct wproc		*d_cursor;
	struct display_keep	 d_keep[DISPLAY_NWORKERS];
	int			 d_stopping;
	/* The running producer's input socket (qxl-shm MSG_INPUT), -1 if
	 * none: producer.c sets it, session.c hands dups to inputs
	 * workers. */
	int			 d_input_fd;
	uint32_t		 d_input_flags;	/* QXLSHM_INPUT_* */
	uint32_t		 d_leds;	/* QXLSHM_LED_* */
	/* The running producer's agent port (qxl-shm MSG_AGENT), -1 if
	 * none: producer.c sets it; session.c hands it to the owner. */
	int			 d_agent_fd;
	struct event		*d_agent_ev;	/* its peer closed it */
	/* The producer's audio ports (qxl-shm MSG_AUDIO, MSG_RECORD), -1
	 * if none, and the session that has each (audio.c). */
	struct display_audio {
		int		 da_fd;
		struct session	*da_owner;
	}			 d_audio[AUDIO_WAYS];
	struct display_port	 d_ports[QXLSHM_MAX_PORTS];
	int			 d_nports;
	struct session		*d_agent_owner;
	uint64_t		 d_input_seq;	/* input reports so far */
	uint64_t		 d_session_seq;	/* sessions made so far */
	struct auth_sasl_policy	 d_sasl;	/* d_policy.sasl points here */
	struct relay_conf	 d_sasl_relay;
	LIST_HEAD(, session)	 d_sessions;
	int			 d_nsessions;
	LIST_HEAD(, listener)	 d_listeners;
	/* Display and cursor links waiting for their restarting worker. */
	struct park		 d_park;
	/* d_ticket (0) and d_ticket_view (1) were set at run time, not by
	 * spiced.conf: ticket-keep.h carries them over a restart. */
	int			 d_ticket_runtime[2];
};

/* Process-wide settings from the command line. */
struct spiced_opts {
	const char	*so_worker_path;
	int		 so_debug_flag;	/* --debug */
	int		 so_debug;	/* --debug or log-level = debug */
	int		 so_test_triggers;
	int		 so_privileged;
	char		 so_chroot[CONF_PATH_LEN];	/* empty: none */
	struct conf_ids	 so_keygen_ids;	/* the keygen helper's uid/gid */
};

extern struct event_base	*spiced_base;
extern struct spiced_opts	 spiced_opts;

/* Allocate a connection id, unique for the life of the supervisor. */
uint32_t spiced_next_conn_id(void);

#endif
