/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-sigfork: a child of sigfork() must not run the supervisor's
 * signal handlers.  The handler here does what libevent's does, write
 * the signal to a pipe the parent reads; the child raises SIGTERM at
 * once.  With the handler inherited the byte would reach the parent (the
 * supervisor once shut down that way); with sigfork() the child dies of
 * SIGTERM and the pipe stays empty.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sigfork.h"
#include "test-helper.h"

static int test_pipe[2];

static void
on_term(int sig)
{
	char b = (char)sig;

	(void)!write(test_pipe[1], &b, 1);
}

int
main(void)
{
	struct sigaction sa;
	int i, status;
	pid_t pid;
	char b;

	ASSERT_INT_EQ(pipe(test_pipe), 0);
	ASSERT_INT_EQ(fcntl(test_pipe[0], F_SETFL, O_NONBLOCK), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	ASSERT_INT_EQ(sigaction(SIGTERM, &sa, NULL), 0);
	ASSERT_INT_EQ(sigaction(SIGHUP, &sa, NULL), 0);
	for (i = 0; i < 2; i++) {
		if ((pid = sigfork()) == 0) {
			raise(i == 0 ? SIGTERM : SIGHUP);
			_exit(0);
		}
		ASSERT_TRUE(pid > 0);
		ASSERT_INT_EQ(waitpid(pid, &status, 0), pid);
		ASSERT_TRUE(WIFSIGNALED(status));
		ASSERT_INT_EQ(WTERMSIG(status), i == 0 ? SIGTERM : SIGHUP);
		ASSERT_INT_EQ(read(test_pipe[0], &b, 1), -1);
		ASSERT_INT_EQ(errno, EAGAIN);
	}
	/* The parent's own handler is untouched. */
	raise(SIGTERM);
	ASSERT_INT_EQ(read(test_pipe[0], &b, 1), 1);
	ASSERT_INT_EQ(b, SIGTERM);
	printf("test-sigfork: ok\n");
	return 0;
}
