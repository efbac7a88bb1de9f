/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sandbox-policy: the seccomp allowlists of the worker roles, as data.
 *
 * What a worker does after the filter is loaded, and so what is listed:
 * - libevent's epoll loop (epoll_wait/epoll_pwait, epoll_ctl; the epoll fd
 *   and the signal socketpair exist before the filter), its clock reads;
 * - socket I/O on fds it already holds: read/write, readv/writev,
 *   recvmsg/sendmsg (IPC on fd 3 with SCM_RIGHTS, client sockets),
 *   recvfrom/sendto (what recv()/send() become), shutdown;
 * - malloc (brk, mmap, munmap, mremap, madvise, mprotect), never with
 *   PROT_EXEC, so no new code can be mapped; pixman and lz4 need nothing
 *   beyond memory;
 * - fcntl for O_NONBLOCK / FD_CLOEXEC and F_GET_SEALS on memfds; fstat
 *   (glibc 2.33+ issues newfstatat(fd, "", AT_EMPTY_PATH) for it);
 * - signals: rt_sigreturn from the SIGSYS/SIGUSR2 handlers, tgkill on
 *   itself only (abort()), exit_group.
 * Not listed, so fatal: open*, socket, connect, bind, accept, execve,
 * fork, clone (threads included, see below), ptrace, kill, ioctl
 * other than FIONREAD, prctl, mount, setuid family, and everything else.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>

#include <seccomp.h>

#include "sandbox.h"

#define ALLOW(name)	{ SCMP_SYS(name), 0, 0, 0, { { 0 } } }
#define ARG(n, op, a, b) { (n), (op), (a), (b) }
#define ALLOW1(name, a0) { SCMP_SYS(name), 0, 0, 1, { a0 } }
#define ALLOW2(name, a0, a1) { SCMP_SYS(name), 0, 0, 2, { a0, a1 } }
#define NOPROT_EXEC(n)	ARG(n, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)
#define EQ(n, v)	ARG(n, SCMP_CMP_EQ, (v), 0)

/* Every role, the relay included: byte I/O on descriptors already open,
 * memory that is never executable, the clock, and process odds and ends. */
static const struct sandbox_rule sandbox_rules_base[] = {
	ALLOW(read),
	ALLOW(write),
	ALLOW(recvfrom),
	ALLOW(recvmsg),
	ALLOW(sendto),
	ALLOW(sendmsg),
	ALLOW(shutdown),
	ALLOW(close),

	ALLOW(clock_gettime),
	ALLOW(gettimeofday),
	ALLOW(time),
	ALLOW(restart_syscall),

	ALLOW(brk),
	ALLOW1(mmap, NOPROT_EXEC(2)),
	ALLOW1(mprotect, NOPROT_EXEC(2)),
	ALLOW(munmap),
	ALLOW(mremap),
	ALLOW(madvise),

	/* O_NONBLOCK on the sockets. */
	ALLOW1(fcntl, EQ(1, F_GETFL)),
	ALLOW1(fcntl, EQ(1, F_SETFL)),

	/* Log lines carry the pid, abort() signals itself, handlers
	 * return, OpenSSL's DRBG reseeds. */
	ALLOW(getpid),
	ALLOW(gettid),
	{ SCMP_SYS(tgkill), 0, 1, 0, { { 0 } } },
	ALLOW(rt_sigreturn),
	ALLOW(rt_sigprocmask),
	ALLOW(getrandom),
	ALLOW(futex),
	ALLOW(exit),
	ALLOW(exit_group),

	/* clone3 hides its flags in memory the filter cannot read: refuse
	 * it softly so a library probing for it falls back to clone, which
	 * the filter sees (and kills). */
	{ SCMP_SYS(clone3), SCMP_ACT_ERRNO(ENOSYS), 0, 0, { { 0 } } },
};

/* Workers: the libevent loop (epoll, timerfd), bufferevent I/O, and the
 * checks made on the memfds they are given. */
static const struct sandbox_rule sandbox_rules_worker[] = {
	ALLOW(readv),
	ALLOW(writev),
	ALLOW1(ioctl, EQ(1, FIONREAD)),
	ALLOW2(setsockopt, EQ(1, IPPROTO_TCP), EQ(2, TCP_NODELAY)),

	ALLOW(epoll_wait),
	ALLOW(epoll_pwait),
	ALLOW(epoll_ctl),
	ALLOW(timerfd_settime),
	ALLOW(timerfd_gettime),
	ALLOW(clock_getres),
	ALLOW(sched_yield),

	ALLOW1(fcntl, EQ(1, F_GETFD)),
	ALLOW1(fcntl, EQ(1, F_SETFD)),
	ALLOW1(fcntl, EQ(1, F_GET_SEALS)),
	ALLOW(fstat),
	ALLOW1(newfstatat, ARG(3, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
	    AT_EMPTY_PATH)),
};

/*
 * No threads in any role: RLIMIT_NPROC 0 (the "no fork" rlimit) counts
 * threads too, so clone is not listed at all.  An encoder thread pool
 * would need a per-role NPROC limit above 0 and a group allowing clone
 * with CLONE_THREAD, set_robust_list, rseq and rt_sigaction (glibc's
 * first pthread_create installs handlers).
 */

#define GROUP(name, t)	{ (name), (t), sizeof(t) / sizeof((t)[0]) }

static const struct sandbox_rules sandbox_policy_main[] = {
	GROUP("base", sandbox_rules_base),
	GROUP("worker", sandbox_rules_worker),
	{ NULL, NULL, 0 },
};

/* The display worker reads what TCP measured of a viewer's link (its
 * delivery rate decides JPEG under jpeg-wan-compression=auto). */
static const struct sandbox_rule sandbox_rules_display[] = {
	ALLOW2(getsockopt, EQ(1, IPPROTO_TCP), EQ(2, TCP_INFO)),
};

static const struct sandbox_rules sandbox_policy_display[] = {
	GROUP("base", sandbox_rules_base),
	GROUP("worker", sandbox_rules_worker),
	GROUP("display", sandbox_rules_display),
	{ NULL, NULL, 0 },
};

static const struct sandbox_rules sandbox_policy_keygen[] = {
	GROUP("base", sandbox_rules_base),
	GROUP("worker", sandbox_rules_worker),
	{ NULL, NULL, 0 },
};

/*
 * The relay (daemon/relay.c): a forked copy of the supervisor that pumps
 * bytes between a TLS session and the worker's socketpair with poll(2).
 * The base group plus poll(2): no epoll, no fd-flag changes beyond
 * O_NONBLOCK, no ioctl, no setsockopt, no fstat.  OpenSSL in it needs only
 * socket I/O (read/write, or sendmsg/recvmsg under kTLS), memory, the
 * clock, and getrandom when its DRBG reseeds after the fork.
 */
static const struct sandbox_rule sandbox_rules_relay[] = {
	ALLOW(poll),
	ALLOW(ppoll),
};

static const struct sandbox_rules sandbox_policy_relay[] = {
	GROUP("base", sandbox_rules_base),
	GROUP("relay", sandbox_rules_relay),
	{ NULL, NULL, 0 },
};

const struct sandbox_rules *
sandbox_policy(enum sandbox_role role)
{
	switch (role) {
	case SANDBOX_ROLE_MAIN:
		return sandbox_policy_main;
	case SANDBOX_ROLE_DISPLAY:
		return sandbox_policy_display;
	case SANDBOX_ROLE_RELAY:
		return sandbox_policy_relay;
	case SANDBOX_ROLE_CURSOR:
		/* Slots mapped, a ring consumed, channels served: a display
		 * worker's. */
		return sandbox_policy_display;
	case SANDBOX_ROLE_INPUTS:
	case SANDBOX_ROLE_VMC:
	case SANDBOX_ROLE_PLAYBACK:
	case SANDBOX_ROLE_RECORD:
		/* A channel and the producer's socket: a main worker's. */
		return sandbox_policy_main;
	case SANDBOX_ROLE_KEYGEN:
		/* OpenSSL's key generation needs memory, getrandom and
		 * the clock, all in the base group; the loop is a worker's. */
		return sandbox_policy_keygen;
	}
	return NULL;
}
