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

#include <event2/event.h>

#include "conf.h"
#include "link.h"

struct session;
struct wproc;
struct producer;
struct listener;
struct tls_server;

struct display {
	const struct conf_display *d_conf;
	const char		*d_name;
	struct link_policy	 d_policy;
	struct tls_server	*d_tls;		/* NULL: no tls-port */
	struct auth_ticket	*d_ticket;
	struct producer		*d_producer;	/* attached producer or NULL */
	struct wproc		*d_worker;	/* display worker or NULL */
	int			 d_primary;	/* producer created a primary */
	LIST_HEAD(, session)	 d_sessions;
	int			 d_nsessions;
	LIST_HEAD(, listener)	 d_listeners;
};

/* Process-wide settings from the command line. */
struct spiced_opts {
	const char	*so_worker_path;
	int		 so_debug;
	int		 so_test_triggers;
	int		 so_as_root;
	char		 so_chroot[CONF_PATH_LEN];	/* empty: none */
	struct conf_ids	 so_keygen_ids;	/* the keygen helper's uid/gid */
};

extern struct event_base	*spiced_base;
extern struct spiced_opts	 spiced_opts;

/* Allocate a connection id, unique for the life of the supervisor. */
uint32_t spiced_next_conn_id(void);

#endif
