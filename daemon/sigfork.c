/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sigfork: see sigfork.h. */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "sigfork.h"

/* Every signal the supervisor catches (spiced.c), and SIGUSR2 of the
 * test triggers. */
static const int sigfork_caught[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD,
    SIGUSR1, SIGUSR2 };

pid_t
sigfork(void)
{
	sigset_t all, old;
	size_t i;
	pid_t pid;
	int saved;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < sizeof(sigfork_caught) /
		    sizeof(sigfork_caught[0]); i++)
			signal(sigfork_caught[i], SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		return 0;
	}
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}
