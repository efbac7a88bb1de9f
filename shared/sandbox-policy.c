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

#include <linux/sockios.h>
#include <net/if.h>
#include <termios.h>

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
#define ALLOW3(name, a0, a1, a2) { SCMP_SYS(name), 0, 0, 3, { a0, a1, a2 } }
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

/*
 * The supervisor (daemon/spiced.c, once it serves): wider than any
 * worker's, and inherited by every process it starts, so it also covers
 * what a worker does between exec and its own filter (the dynamic loader,
 * rlimits, chroot, the uid change, capset, loading its filter) and what
 * the relays do after their fork.  Not listed: ptrace and reading other
 * processes' memory, mount and its relatives, module loading, bpf,
 * perf_event_open, userfaultfd, keyctl, kexec, reboot, swap, clock
 * setting, io_uring, personality, setns and any namespace but the three
 * the workers enter and the user namespace they enter those in when the
 * supervisor is unprivileged; ioctl beyond what terminals and sockets answer;
 * no uid or gid change to 0 (a service user holding CAP_SETUID would
 * otherwise become root).  A refused call fails with ENOSYS rather than
 * ending the supervisor and every session with it.
 */
#define NONZERO(n)	ARG(n, SCMP_CMP_NE, 0, 0)
#define NS_WORKERS	(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

static const struct sandbox_rule sandbox_rules_supervisor[] = {
	/* Files: spiced.conf, keys, sasldb, keytab and replay cache, the
	 * run-dir's sockets and chroot, the ACL of a producer socket. */
	ALLOW(open), ALLOW(openat), ALLOW(close), ALLOW(close_range),
	ALLOW(read), ALLOW(write), ALLOW(pread64), ALLOW(pwrite64),
	ALLOW(readv), ALLOW(writev), ALLOW(lseek), ALLOW(fstat),
	ALLOW(stat), ALLOW(lstat), ALLOW(newfstatat), ALLOW(statx),
	ALLOW(statfs), ALLOW(fstatfs), ALLOW(access), ALLOW(faccessat),
	ALLOW(faccessat2), ALLOW(readlink), ALLOW(readlinkat),
	ALLOW(getdents64), ALLOW(getcwd), ALLOW(chdir), ALLOW(fchdir),
	ALLOW(mkdir), ALLOW(mkdirat), ALLOW(unlink), ALLOW(unlinkat),
	ALLOW(rename), ALLOW(renameat), ALLOW(renameat2), ALLOW(chmod),
	ALLOW(fchmod), ALLOW(fchmodat), ALLOW(chown), ALLOW(fchown),
	ALLOW(fchownat), ALLOW(lchown), ALLOW(setxattr), ALLOW(fsetxattr),
	ALLOW(umask), ALLOW(fsync), ALLOW(fdatasync), ALLOW(ftruncate),
	ALLOW(flock), ALLOW(fcntl), ALLOW(dup), ALLOW(dup2), ALLOW(dup3),
	ALLOW(pipe), ALLOW(pipe2), ALLOW(memfd_create), ALLOW(fadvise64),
	ALLOW1(ioctl, EQ(1, FIONREAD)), ALLOW1(ioctl, EQ(1, FIONBIO)),
	ALLOW1(ioctl, EQ(1, FIOCLEX)), ALLOW1(ioctl, EQ(1, FIONCLEX)),
	ALLOW1(ioctl, EQ(1, TCGETS)), ALLOW1(ioctl, EQ(1, TIOCGWINSZ)),
	ALLOW1(ioctl, EQ(1, SIOCGIFINDEX)), ALLOW1(ioctl, EQ(1, SIOCGIFNAME)),
	ALLOW1(ioctl, EQ(1, SIOCGIFCONF)),

	/* Memory, the loader's executable mappings included. */
	ALLOW(brk), ALLOW(mmap), ALLOW(munmap), ALLOW(mprotect),
	ALLOW(mremap), ALLOW(madvise),

	/* Sockets: listeners, links, the control socket, sd_notify and
	 * the journal, a KDC or DNS for cyrus-sasl's GSSAPI. */
	ALLOW(socket), ALLOW(socketpair), ALLOW(bind), ALLOW(listen),
	ALLOW(accept), ALLOW(accept4), ALLOW(connect), ALLOW(getsockname),
	ALLOW(getpeername), ALLOW(getsockopt), ALLOW(setsockopt),
	ALLOW(sendto), ALLOW(recvfrom), ALLOW(sendmsg), ALLOW(recvmsg),
	ALLOW(sendmmsg), ALLOW(recvmmsg), ALLOW(shutdown),

	/* The event loops: libevent's epoll, the relays' poll. */
	ALLOW(epoll_create), ALLOW(epoll_create1), ALLOW(epoll_ctl),
	ALLOW(epoll_wait), ALLOW(epoll_pwait), ALLOW(epoll_pwait2),
	ALLOW(poll), ALLOW(ppoll), ALLOW(select), ALLOW(pselect6),
	ALLOW(eventfd2), ALLOW(timerfd_create), ALLOW(timerfd_settime),
	ALLOW(timerfd_gettime),

	/* Time. */
	ALLOW(clock_gettime), ALLOW(clock_getres), ALLOW(gettimeofday),
	ALLOW(time), ALLOW(nanosleep), ALLOW(clock_nanosleep),

	/* Signals: its own handlers, stopping its workers. */
	ALLOW(rt_sigaction), ALLOW(rt_sigprocmask), ALLOW(rt_sigreturn),
	ALLOW(rt_sigtimedwait), ALLOW(sigaltstack), ALLOW(kill),
	ALLOW(tgkill), ALLOW(tkill), ALLOW(restart_syscall),

	/* Processes: workers and relays forked and exec'd, reaped; those
	 * of the last supervisor's run (handoff.h) watched and signalled
	 * through pidfds. */
	ALLOW(clone), ALLOW(fork), ALLOW(vfork), ALLOW(execve),
	ALLOW(wait4), ALLOW(waitid), ALLOW(exit), ALLOW(exit_group),
	ALLOW(pidfd_open), ALLOW(pidfd_send_signal),
	ALLOW(getpid), ALLOW(getppid), ALLOW(gettid), ALLOW(getpgrp),
	ALLOW(setsid), ALLOW(setpgid), ALLOW(prctl), ALLOW(arch_prctl),
	ALLOW(set_tid_address), ALLOW(set_robust_list), ALLOW(rseq),
	ALLOW(futex), ALLOW(sched_yield), ALLOW(sched_getaffinity),
	ALLOW(getrlimit), ALLOW(prlimit64), ALLOW(setrlimit),
	ALLOW(getrusage), ALLOW(uname), ALLOW(sysinfo),
	ALLOW(getpriority), ALLOW(setpriority), ALLOW(getrandom),
	/* clone3 stays unlisted: the default ENOSYS sends libraries back
	 * to clone, as in the workers. */

	/* A worker's demotion: never to uid or gid 0.  setuid(0) is the
	 * worker's own proof that it cannot go back: it must fail, not
	 * end the worker. */
	ALLOW(getuid), ALLOW(geteuid), ALLOW(getgid), ALLOW(getegid),
	ALLOW(getresuid), ALLOW(getresgid), ALLOW(getgroups),
	ALLOW(setgroups), ALLOW(capget), ALLOW(capset), ALLOW(chroot),
	ALLOW(seccomp),
	ALLOW3(setresuid, NONZERO(0), NONZERO(1), NONZERO(2)),
	ALLOW3(setresgid, NONZERO(0), NONZERO(1), NONZERO(2)),
	ALLOW1(setuid, NONZERO(0)),
	{ SCMP_SYS(setuid), SCMP_ACT_ERRNO(EPERM), 0, 1, { EQ(0, 0) } },
	ALLOW1(setgid, NONZERO(0)),
	ALLOW1(unshare, ARG(0, SCMP_CMP_MASKED_EQ, ~(uint64_t)NS_WORKERS, 0)),
};

/* An unprivileged supervisor's workers and relays make their walls in a
 * user namespace of their own (privdrop_userns()): the user namespace
 * alone, then the three above inside it.  Only that supervisor's filter
 * has it: a privileged one's workers need none, and a user namespace
 * opens much of the kernel to whoever holds one. */
static const struct sandbox_rule sandbox_rules_supervisor_userns[] = {
	ALLOW1(unshare, EQ(0, CLONE_NEWUSER)),
};

static const struct sandbox_rules sandbox_policy_supervisor[] = {
	GROUP("supervisor", sandbox_rules_supervisor),
	{ NULL, NULL, 0 },
};

static const struct sandbox_rules sandbox_policy_supervisor_userns[] = {
	GROUP("supervisor", sandbox_rules_supervisor),
	GROUP("supervisor-userns", sandbox_rules_supervisor_userns),
	{ NULL, NULL, 0 },
};

uint32_t
sandbox_policy_default(enum sandbox_role role)
{
	return role == SANDBOX_ROLE_SUPERVISOR ||
	    role == SANDBOX_ROLE_SUPERVISOR_USERNS ? SCMP_ACT_ERRNO(ENOSYS) :
	    SCMP_ACT_KILL_PROCESS;
}

const struct sandbox_rules *
sandbox_policy(enum sandbox_role role)
{
	switch (role) {
	case SANDBOX_ROLE_SUPERVISOR:
		return sandbox_policy_supervisor;
	case SANDBOX_ROLE_SUPERVISOR_USERNS:
		return sandbox_policy_supervisor_userns;
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
