/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wproc: the supervisor's view of a spiced-worker process: spawning
 * (worker-spawn.c) and the dispatch of what it sends (worker-ipc.c).
 * A worker is a hostile peer: its messages are checked against a table of
 * what its role may send, and a bad one ends that worker.
 */
#ifndef SPICED_WORKER_PROC_H
#define SPICED_WORKER_PROC_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "err.h"
#include "ipc.h"
#include "spiced.h"

enum wproc_role {
	WPROC_MAIN,
	WPROC_DISPLAY,
	WPROC_KEYGEN,		/* no display: daemon/keygen.c */
	WPROC_INPUTS,		/* one per session with an inputs channel */
	WPROC_CURSOR,		/* one per display: the cursor ring */
	WPROC_VMC,		/* one per byte-stream channel in use */
	WPROC_PLAYBACK,		/* one per session with a playback channel */
	WPROC_RECORD,		/* one per session with a record channel */
};

struct wproc;
/* Told once when a worker is stopped or has exited, before it is
 * forgotten; reason says why. */
typedef void (*wproc_gone_cb)(struct wproc *, const char *reason,
	    void *arg);

struct wproc {
	LIST_ENTRY(wproc)	 w_entry;
	enum wproc_role		 w_role;
	pid_t			 w_pid;		/* 0 once reaped */
	int			 w_fd;		/* IPC socket, -1 once closed */
	struct event		*w_ev;
	int			 w_ready;
	/* Adopted as not ready: the previous supervisor may have taken its
	 * READY after the record was written, so a message only a ready
	 * worker sends says it is. */
	int			 w_ready_unsure;
	/* Started by an earlier supervisor (handoff.h): not our child, so
	 * its end is seen on w_pidfd, and signals go through it. */
	int			 w_pidfd;	/* -1 for our own children */
	struct event		*w_pidev;
	struct display		*w_display;
	struct session		*w_session;	/* main and inputs workers */
	/* Its session ended and it was asked to close its channel
	 * (IPC_D2W_SESSION_CLOSE): it ends by itself, and what it reports
	 * of that channel is news to no one (ports_release). */
	int			 w_released;
	wproc_gone_cb		 w_gone;	/* or NULL */
	void			*w_gone_arg;
	/* Its CPU time from its last two IPC_W2D_STATS, and when (CLOCK_-
	 * MONOTONIC ns), for spicectl stats. */
	uint64_t		 w_cpu_ns[2];
	uint64_t		 w_cpu_at[2];
	/* Whole IPC_W2D_STATS rounds received (a round: messages until one
	 * that is not full). */
	uint32_t		 w_rounds;
};

/* fork+exec a worker for display d (NULL for WPROC_KEYGEN) with the IPC
 * socket on fd 3 and send IPC_D2W_INIT.  Returns NULL with err set. */
struct wproc *wproc_spawn(enum wproc_role, struct display *,
	    struct session *, struct spd_err *);
/* A worker an earlier supervisor started (handoff.h), with its IPC
 * socket and a pidfd (both taken, closed on failure).  NULL if out of
 * memory. */
struct wproc *wproc_adopt(enum wproc_role, struct display *,
	    struct session *, pid_t pid, int fd, int pidfd, int ready);
/* A pidfd of w for the next supervisor (its own, or a new one); -1 with
 * errno. */
int	 wproc_pidfd(const struct wproc *);
/* Send a message; a failure ends the worker (logged) and returns -1. */
int	 wproc_send(struct wproc *, uint32_t type, uint32_t session,
	    uint32_t conn, const void *payload, size_t len, const int *fds,
	    int nfds);
/* Stop a worker: close its IPC socket and SIGTERM it; it is freed when
 * reaped.  Detaches it from its display/session. */
void	 wproc_stop(struct wproc *, const char *reason);
/* Its IPC socket closed: close ours and SIGTERM it, but leave it
 * attached until it is reaped, so that its owner hears how it ended. */
void	 wproc_lost(struct wproc *);
/* Reap exited children and log why each one ended (SIGCHLD handler). */
void	 wproc_reap(void);
/* Shutdown, after every worker and relay was told to stop: reap them
 * all, SIGKILL those still alive after timeout_ms, and return once none
 * is left (or 2 * timeout_ms passed). */
void	 wproc_reap_all(int timeout_ms);
/* Stop every worker (shutdown). */
void	 wproc_stop_all(void);
const char *wproc_role_name(enum wproc_role);
/* Its CPU over its last two IPC_W2D_STATS, in thousandths of a core (0
 * for NULL, before two reports, or when the last is more than two
 * IPC_STATS_MS old: a worker with nothing to do reports seldom). */
uint32_t wproc_cpu_load(const struct wproc *);

/* worker-ipc.c: readable IPC socket. */
void	 wproc_ipc_read(evutil_socket_t, short, void *);

#endif
