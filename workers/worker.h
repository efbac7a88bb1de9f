/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * worker: the common frame of every spiced-worker role.
 *
 * worker.c parses argv, sandboxes the process (DESIGN.md section 6) before
 * any untrusted byte is read, then runs a libevent loop on the IPC socket
 * (fd 3) and hands each supervisor message to the role.
 */
#ifndef SPICED_WORKER_H
#define SPICED_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "err.h"
#include "ipc.h"

struct worker;

struct worker_role {
	const char	*wr_name;	/* "main", "display", ... */
	/* Optional, before the sandbox: set-up that needs files or
	 * syscalls the filter forbids.  -1 with err exits the worker. */
	int		(*wr_prepare)(struct spd_err *);
	/* Called once after the sandbox is in force and IPC_D2W_INIT was
	 * accepted.  Return -1 with err set to exit the worker. */
	int		(*wr_start)(struct worker *, struct spd_err *);
	/* A validated supervisor message (exact size already checked).  The
	 * role sets msg->fds[i] = -1 for every fd it keeps; the rest are
	 * closed after the call.  Return -1 with err set for a message the
	 * role does not accept in its state: the worker exits. */
	int		(*wr_ipc)(struct worker *, struct ipc_msg *,
			    struct spd_err *);
};

struct worker {
	struct event_base	*wk_base;
	int			 wk_ipc_fd;
	const struct worker_role *wk_role;
	char			 wk_display[IPC_NAME_LEN];
	uint32_t		 wk_flags;	/* IPC_INIT_* */
	void			*wk_role_data;	/* owned by the role */
};

extern const struct worker_role role_main;
extern const struct worker_role role_display;
extern const struct worker_role role_keygen;
extern const struct worker_role role_inputs;
extern const struct worker_role role_cursor;
extern const struct worker_role role_vmc;
extern const struct worker_role role_playback;
extern const struct worker_role role_record;

/* Send a message to the supervisor; on failure log and exit the worker
 * (a worker without its supervisor has no reason to live). */
void	worker_send(struct worker *, uint32_t type, uint32_t session,
	    uint32_t conn, const void *payload, size_t len, const int *fds,
	    int nfds);
/* Send IPC_W2D_STATS every IPC_STATS_MS from now on, every
 * IPC_STATS_IDLE_MS while there is neither a client nor work
 * (worker-stats.c). */
void	worker_stats_start(struct worker *);
/* Work came (a message from the supervisor or the producer): reports
 * every IPC_STATS_MS again. */
void	worker_stats_poke(void);
/* Tell the supervisor that connection conn of session ended, and why. */
void	worker_conn_closed(struct worker *, uint32_t session, uint32_t conn,
	    const char *reason);
/* Add a client connection (fd taken in every case); -1 with err when
 * refused. */
typedef int (*worker_client_fn)(void *arg, int fd, uint32_t session,
	    uint32_t conn, const struct ipc_client *, struct spd_err *);

/* IPC_D2W_CLIENT for a role that serves many connections of one channel
 * type (display, cursor): checks the type and the peer string, hands the
 * fd to add; a connection add refuses is logged and reported closed, and
 * the worker carries on.  -1 with err for a message the supervisor should
 * not have sent (the worker exits). */
int	worker_client(struct worker *, struct ipc_msg *, uint8_t type,
	    worker_client_fn add, void *arg, struct spd_err *);

/* Leave the event loop and exit with status (after logging reason). */
void	worker_exit(struct worker *, int status, const char *reason);

#endif
