/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * worker-stats: every IPC_STATS_MS a worker tells the supervisor its CPU
 * time and the counters of its client connections (IPC_W2D_STATS), which
 * spicectl stats turns into rates.  The counters live in chan.c; this
 * only ships them.
 */
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "chan.h"
#include "log.h"
#include "worker.h"

static struct event *worker_stats_ev;

static void
worker_stats_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct ipc_stats st;
	struct timespec ts;
	size_t first = 0;

	(void)fd;
	(void)what;
	memset(&st, 0, sizeof(st));
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
		st.cpu_ns = (uint64_t)ts.tv_sec * 1000000000u +
		    (uint64_t)ts.tv_nsec;
	/* At least one message, so the CPU time goes without clients too. */
	do {
		st.nconn = (uint32_t)chan_stats(st.conn, first,
		    IPC_STATS_CONNS);
		worker_send(w, IPC_W2D_STATS, 0, 0, &st, sizeof(st), NULL, 0);
		first += st.nconn;
	} while (st.nconn == IPC_STATS_CONNS);
}

void
worker_stats_start(struct worker *w)
{
	struct timeval tv = { IPC_STATS_MS / 1000, (IPC_STATS_MS % 1000) * 1000 };

	if ((worker_stats_ev = event_new(w->wk_base, -1, EV_PERSIST,
	    worker_stats_cb, w)) == NULL || event_add(worker_stats_ev,
	    &tv) != 0)
		log_warn("stats timer: event_new failed; no stats from this "
		    "worker");
}
