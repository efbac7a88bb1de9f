/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sigfork: fork(2) for the supervisor's children (workers before their
 * exec, relays for good).  The supervisor's signal handlers are
 * libevent's, which write the signal's number to a socketpair the child
 * shares: a SIGTERM that reached a child between fork and exec (or before
 * a relay reset its handlers) told the *supervisor* to shut down.  So all
 * signals are blocked across the fork, and the child sets every signal
 * the supervisor handles back to its default before it unblocks them.
 */
#ifndef SPICED_SIGFORK_H
#define SPICED_SIGFORK_H

#include <sys/types.h>

/* fork(2): the child returns 0 with default signal handlers and no
 * signal blocked; the parent returns the pid (or -1 with errno) with its
 * mask as before. */
pid_t	sigfork(void);

#endif
