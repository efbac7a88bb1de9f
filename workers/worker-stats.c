/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * worker-stats: a worker tells the supervisor its CPU time and the
 * counters of its client connections (IPC_W2D_STATS) every IPC_STATS_MS,
 * which spicectl stats turns into rates.  The counters live in chan.c;
 * this only ships them.
 *
 * A worker without clients and with nothing to do (a display nobody
 * watches, its picture still) does not wake every second for it: after
 * a report that found no connection and no work since the one before,
 * the next comes after IPC_STATS_IDLE_MS, or a second after the next
 * message from the supervisor or the producer (worker_stats_poke).  The
 * supervisor reads a worker it has not heard from for two periods as
 * idle.
 */
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "chan.h"
#include "log.h"
#include "worker.h"

static struct event *worker_stats_ev;
static int worker_stats_busy;	/* poked since the last report */
static int worker_stats_slow;	/* the next report is IPC_STATS_IDLE_MS away */

static void
worker_stats_arm(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	worker_stats_slow = ms != IPC_STATS_MS;
	if (event_add(worker_stats_ev, &tv) != 0)
		log_warn("stats timer: event_add failed; no more stats from "
		    "this worker");
}

static void
worker_stats_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct ipc_stats st;
	struct timespec ts;
	size_t first = 0;
	int conns = 0;

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
		conns |= st.nconn > 0;
	} while (st.nconn == IPC_STATS_CONNS);
	worker_stats_arm(conns || worker_stats_busy ? IPC_STATS_MS :
	    IPC_STATS_IDLE_MS);
	worker_stats_busy = 0;
}

void
worker_stats_poke(void)
{
	worker_stats_busy = 1;
	if (worker_stats_ev != NULL && worker_stats_slow) {
		event_del(worker_stats_ev);
		worker_stats_arm(IPC_STATS_MS);
	}
}

void
worker_stats_start(struct worker *w)
{
	if ((worker_stats_ev = evtimer_new(w->wk_base, worker_stats_cb,
	    w)) == NULL) {
		log_warn("stats timer: event_new failed; no stats from this "
		    "worker");
		return;
	}
	worker_stats_arm(IPC_STATS_MS);
}
