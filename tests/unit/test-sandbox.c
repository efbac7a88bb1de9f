/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-sandbox: shared/privdrop.c, sandbox.c and the policies, in forked
 * children.  A child that the filter kills shows up as WIFSIGNALED with
 * SIGSYS; the parent reads /proc/PID/status of a sandboxed child that
 * waits on fd 3 (NoNewPrivs, Seccomp, and Uid when run as root).
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"
#include "sandbox.h"
#include "test-helper.h"

#define NOBODY		65534

static char	chroot_dir[64];

/* Child exit codes for "step failed" (distinct from 0 and a signal). */
#define CHILD_SETUP_FAILED	90
#define CHILD_CALL_SUCCEEDED	91

typedef void (*child_fn)(void);

static void
sandbox_conf_default(struct sandbox_conf *sc, enum sandbox_role role,
    int trap)
{
	memset(sc, 0, sizeof(*sc));
	sc->sc_role = role;
	sc->sc_privileged = geteuid() == 0;
	sc->sc_uid = NOBODY;
	sc->sc_gid = NOBODY;
	sc->sc_chroot = chroot_dir;
	sc->sc_trap = trap;
	sc->sc_nofile = SANDBOX_NOFILE;
}

static void
child_enter(enum sandbox_role role, int trap)
{
	struct sandbox_conf sc;
	struct spd_err err;

	if (privdrop_close_from(4, &err) != 0) {
		fprintf(stderr, "close: %s\n", err.msg);
		_exit(CHILD_SETUP_FAILED);
	}
	sandbox_conf_default(&sc, role, trap);
	if (sandbox_enter(&sc, &err) != 0) {
		fprintf(stderr, "sandbox: %s\n", err.msg);
		_exit(CHILD_SETUP_FAILED);
	}
}

/* Fork, run fn in the child with fd 3 = its end of a socketpair; returns
 * the wait status.  If sync, the parent waits for a byte on the pair,
 * calls check(pid) while the child blocks, then releases it. */
static int
run_child(child_fn fn, void (*check)(pid_t))
{
	int sv[2], status;
	pid_t pid;
	char b;

	ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		if (sv[1] != 3) {
			dup2(sv[1], 3);
			close(sv[1]);
		}
		fn();
		_exit(0);
	}
	close(sv[1]);
	if (check != NULL) {
		ASSERT_INT_EQ(read(sv[0], &b, 1), 1);
		check(pid);
		ASSERT_INT_EQ(write(sv[0], "g", 1), 1);
	}
	ASSERT_INT_EQ(waitpid(pid, &status, 0), pid);
	close(sv[0]);
	return status;
}

static void
assert_sigsys(int status, const char *what)
{
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		TEST_FAIL("%s: expected death by SIGSYS, got %s %d", what,
		    WIFSIGNALED(status) ? "signal" : "exit",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
}

static void
assert_exit0(int status, const char *what)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		TEST_FAIL("%s: expected exit 0, got %s %d", what,
		    WIFSIGNALED(status) ? "signal" : "exit",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
}

/* Children: each makes one call the policy must refuse. */
static void
c_openat(void)
{
	child_enter(SANDBOX_ROLE_MAIN, 0);
	if (openat(AT_FDCWD, "/etc/passwd", O_RDONLY) >= 0)
		_exit(CHILD_CALL_SUCCEEDED);
	_exit(CHILD_CALL_SUCCEEDED);
}

static void
c_socket(void)
{
	child_enter(SANDBOX_ROLE_DISPLAY, 0);
	(void)socket(AF_INET, SOCK_STREAM, 0);
	_exit(CHILD_CALL_SUCCEEDED);
}

static void
c_fork(void)
{
	child_enter(SANDBOX_ROLE_MAIN, 0);
	(void)fork();
	_exit(CHILD_CALL_SUCCEEDED);
}

static void
c_execve(void)
{
	char *argv[] = { "/bin/true", NULL };

	child_enter(SANDBOX_ROLE_DISPLAY, 0);
	(void)execve("/bin/true", argv, argv + 1);
	_exit(CHILD_CALL_SUCCEEDED);
}

static void
c_mmap_exec(void)
{
	child_enter(SANDBOX_ROLE_DISPLAY, 0);
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	_exit(CHILD_CALL_SUCCEEDED);
}

static void
c_fcntl_dupfd(void)
{
	child_enter(SANDBOX_ROLE_MAIN, 0);
	(void)fcntl(3, F_DUPFD, 10);
	_exit(CHILD_CALL_SUCCEEDED);
}

/* What a worker does must all pass: memory of every size, shared
 * read-only and read-write mappings, fd flags, clocks, socket I/O. */
static void
c_allowed(void)
{
	struct timespec ts;
	char *p, *q;
	int fl;

	child_enter(SANDBOX_ROLE_DISPLAY, 0);
	p = malloc(64 << 20);		/* mmap */
	q = malloc(100);		/* brk */
	if (p == NULL || q == NULL)
		_exit(CHILD_SETUP_FAILED);
	memset(p, 1, 64 << 20);
	p = realloc(p, 128 << 20);	/* mremap */
	free(p);
	free(q);
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p, 8192) != 0)
		_exit(CHILD_SETUP_FAILED);
	if ((fl = fcntl(3, F_GETFL)) == -1 ||
	    fcntl(3, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(3, F_SETFD, FD_CLOEXEC) == -1)
		_exit(CHILD_SETUP_FAILED);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	log_info("sandboxed child %ld logging", (long)getpid());
	if (send(3, "x", 1, MSG_NOSIGNAL) != 1)
		_exit(CHILD_SETUP_FAILED);
	_exit(0);
}

static void *
c_thread_fn(void *arg)
{
	return arg;
}

/* No role may start a thread: RLIMIT_NPROC 0 and no clone in the
 * policy (glibc falls back from the refused clone3 to clone: killed). */
static void
c_thread(void)
{
	static int token;
	pthread_t t;
	void *r;

	child_enter(SANDBOX_ROLE_DISPLAY, 0);
	if (pthread_create(&t, NULL, c_thread_fn, &token) != 0 ||
	    pthread_join(t, &r) != 0 || r != &token)
		_exit(CHILD_SETUP_FAILED);
	_exit(CHILD_CALL_SUCCEEDED);
}

/* Trap mode: the refused call fails with ENOSYS and the child lives. */
static void
c_trap(void)
{
	child_enter(SANDBOX_ROLE_MAIN, 1);
	if (openat(AT_FDCWD, "/etc/passwd", O_RDONLY) != -1 ||
	    errno != ENOSYS)
		_exit(CHILD_CALL_SUCCEEDED);
	_exit(0);
}

/* Sandboxed child that waits on fd 3 so the parent can inspect it. */
static void
c_wait(void)
{
	char b;

	child_enter(SANDBOX_ROLE_MAIN, 0);
	if (write(3, "r", 1) != 1 || read(3, &b, 1) != 1)
		_exit(CHILD_SETUP_FAILED);
	_exit(0);
}

static const char *
status_field(const char *status, const char *name, char *out, size_t n)
{
	const char *p = strstr(status, name);
	size_t i = 0;

	if (p == NULL)
		TEST_FAIL("no %s in /proc status", name);
	p += strlen(name);
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p != '\n' && *p != '\0' && i + 1 < n)
		out[i++] = *p++;
	out[i] = '\0';
	return out;
}

static void
check_status(pid_t pid)
{
	char path[64], buf[8192], v[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	ASSERT_TRUE((fd = open(path, O_RDONLY)) >= 0);
	ASSERT_TRUE((n = read(fd, buf, sizeof(buf) - 1)) > 0);
	close(fd);
	buf[n] = '\0';
	ASSERT_STR_EQ(status_field(buf, "\nNoNewPrivs:", v, sizeof(v)), "1");
	ASSERT_STR_EQ(status_field(buf, "\nSeccomp:", v, sizeof(v)), "2");
	if (geteuid() == 0) {
		ASSERT_STR_EQ(status_field(buf, "\nUid:", v, sizeof(v)),
		    "65534\t65534\t65534\t65534");
		ASSERT_STR_EQ(status_field(buf, "\nGid:", v, sizeof(v)),
		    "65534\t65534\t65534\t65534");
		ASSERT_STR_EQ(status_field(buf, "\nGroups:", v, sizeof(v)),
		    "");
	}
	/* The root of a privileged child is the empty directory. */
	if (geteuid() == 0) {
		char link[256];

		snprintf(path, sizeof(path), "/proc/%ld/root", (long)pid);
		n = readlink(path, link, sizeof(link) - 1);
		ASSERT_TRUE(n > 0);
		link[n] = '\0';
		ASSERT_STR_EQ(link, chroot_dir);
	}
}

static void
test_close_and_rlimits(void)
{
	struct spd_err err;
	struct rlimit rl;
	int fd, status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		fd = open("/dev/null", O_RDONLY);
		if (fd < 4 && (fd = fcntl(fd, F_DUPFD, 20)) < 0)
			_exit(CHILD_SETUP_FAILED);
		if (privdrop_close_from(4, &err) != 0)
			_exit(CHILD_SETUP_FAILED);
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			_exit(CHILD_CALL_SUCCEEDED);
		if (privdrop_rlimits(SANDBOX_NOFILE, (uint64_t)256 << 20,
		    &err) != 0)
			_exit(CHILD_SETUP_FAILED);
		/* RLIMIT_DATA holds: a bigger private allocation fails. */
		if (getrlimit(RLIMIT_DATA, &rl) != 0 ||
		    rl.rlim_cur != (rlim_t)256 << 20 ||
		    rl.rlim_max != (rlim_t)256 << 20 ||
		    malloc((size_t)512 << 20) != NULL)
			_exit(CHILD_CALL_SUCCEEDED);
		if (getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
		    rl.rlim_cur != SANDBOX_NOFILE ||
		    rl.rlim_max != SANDBOX_NOFILE)
			_exit(CHILD_CALL_SUCCEEDED);
		if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_max != 0)
			_exit(CHILD_CALL_SUCCEEDED);
		if (getrlimit(RLIMIT_NPROC, &rl) != 0 || rl.rlim_max != 0)
			_exit(CHILD_CALL_SUCCEEDED);
		_exit(0);
	}
	ASSERT_INT_EQ(waitpid(pid, &status, 0), pid);
	assert_exit0(status, "close_from and rlimits");
}

/* The step name leads the error message. */
static void
test_step_names(void)
{
	struct sandbox_conf sc;
	struct spd_err err;
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		printf("# skipped step-name checks: not root\n");
		return;
	}
	fflush(stdout);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		sandbox_conf_default(&sc, SANDBOX_ROLE_MAIN, 0);
		sc.sc_chroot = "/tmp";	/* world-writable: refused */
		if (sandbox_enter(&sc, &err) == 0)
			_exit(CHILD_CALL_SUCCEEDED);
		_exit(strncmp(err.msg, "chroot: ", 8) == 0 ? 0 :
		    CHILD_SETUP_FAILED);
	}
	ASSERT_INT_EQ(waitpid(pid, &status, 0), pid);
	assert_exit0(status, "chroot step name");

	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		sandbox_conf_default(&sc, SANDBOX_ROLE_MAIN, 0);
		sc.sc_uid = 0;
		if (sandbox_enter(&sc, &err) == 0)
			_exit(CHILD_CALL_SUCCEEDED);
		_exit(strncmp(err.msg, "ids: ", 5) == 0 ? 0 :
		    CHILD_SETUP_FAILED);
	}
	ASSERT_INT_EQ(waitpid(pid, &status, 0), pid);
	assert_exit0(status, "ids step name");
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";

	log_init("test-sandbox", getenv("TEST_DEBUG") != NULL);
	snprintf(chroot_dir, sizeof(chroot_dir), "%s/spiced-empty.XXXXXX",
	    tmp);
	ASSERT_TRUE(mkdtemp(chroot_dir) != NULL);
	ASSERT_INT_EQ(chmod(chroot_dir, 0755), 0);
	printf("# running as %s\n", geteuid() == 0 ? "root: full demotion" :
	    "a user: no chroot or id change");

	test_close_and_rlimits();
	test_step_names();
	assert_sigsys(run_child(c_openat, NULL), "openat");
	assert_sigsys(run_child(c_socket, NULL), "socket");
	assert_sigsys(run_child(c_fork, NULL), "fork");
	assert_sigsys(run_child(c_execve, NULL), "execve");
	assert_sigsys(run_child(c_mmap_exec, NULL), "mmap PROT_EXEC");
	assert_sigsys(run_child(c_fcntl_dupfd, NULL), "fcntl F_DUPFD");
	assert_exit0(run_child(c_allowed, NULL), "allowed calls");
	assert_sigsys(run_child(c_thread, NULL), "thread");
	assert_exit0(run_child(c_trap, NULL), "trap mode");
	assert_exit0(run_child(c_wait, check_status), "/proc status");

	rmdir(chroot_dir);
	printf("test-sandbox: ok\n");
	return 0;
}
