/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spiced: the privileged supervisor.  Reads the configuration, binds every
 * display's sockets, runs the link handshake and authentication, and hands
 * authenticated connections to sandboxed spiced-worker processes.
 */
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "activation.h"
#include "auth-sasl.h"
#include "auth-ticket.h"
#include "caps.h"
#include "conf.h"
#include "control.h"
#include "display.h"
#include "handoff.h"
#include "keygen.h"
#include "listen.h"
#include "log.h"
#include "log-journal.h"
#include "privdrop.h"
#include "reload.h"
#include "sandbox.h"
#include "relay.h"
#include "service.h"
#include "session.h"
#include "ticket-keep.h"
#include "spiced.h"
#include "tls.h"
#include "worker-proc.h"

struct event_base	*spiced_base;
struct spiced_opts	 spiced_opts;

static struct conf		 spiced_conf;
static const char		*spiced_conf_path;
static struct display		 spiced_displays[CONF_MAX_DISPLAYS];
static struct auth_keypool	*spiced_keys;
/* At shutdown, SIGTERMed children get this long before SIGKILL. */
#define SPICED_REAP_MS		2000
static uint32_t			 spiced_conn_counter;

uint32_t
spiced_next_conn_id(void)
{
	if (++spiced_conn_counter == 0)
		spiced_conn_counter = 1;
	return spiced_conn_counter;
}

static void __attribute__((noreturn))
spiced_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: spiced [-dfn] [-c FILE] [--worker PATH]\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "  -f, --foreground    stay in the foreground\n"
	    "  -d, --debug         log debug lines (implies -f)\n"
	    "  -n, --check-config  check the configuration and exit\n"
	    "      --worker PATH   spiced-worker binary (default %s)\n",
	    SPICED_CONF_PATH, SPICED_WORKER_PATH);
	exit(status);
}

/* The empty directory workers chroot into, owned by root or by spiced's
 * uid and writable by nobody. */
static int
spiced_make_chroot(const char *run_dir, struct spd_err *err)
{
	struct stat st;

	if (mkdir(run_dir, 0755) != 0 && errno != EEXIST)
		return spd_err_errno(err, "cannot create run-dir %s", run_dir);
	if ((size_t)snprintf(spiced_opts.so_chroot,
	    sizeof(spiced_opts.so_chroot), "%s/empty", run_dir) >=
	    sizeof(spiced_opts.so_chroot))
		return spd_err_set(err, "run-dir %s: path too long", run_dir);
	if (mkdir(spiced_opts.so_chroot, 0555) != 0 && errno != EEXIST)
		return spd_err_errno(err, "cannot create %s",
		    spiced_opts.so_chroot);
	if (lstat(spiced_opts.so_chroot, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & 0222) != 0)
		return spd_err_set(err, "%s must be a directory owned by root "
		    "or spiced's uid %ld, and not writable",
		    spiced_opts.so_chroot, (long)geteuid());
	return 0;
}

/*
 * Unprivileged: whether this kernel (and container) lets a worker build
 * its walls in a user namespace (privdrop_userns()), tried once in a child
 * exactly as a worker will.  0, or -1 with why in err: then workers keep
 * the host's root and network.
 */
static int
spiced_userns_works(struct spd_err *err)
{
	struct spd_err child_err;
	ssize_t n;
	pid_t pid;
	int pfd[2], status;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return spd_err_errno(err, "pipe");
	if ((pid = fork()) < 0) {
		(void)close(pfd[0]);
		(void)close(pfd[1]);
		return spd_err_errno(err, "fork");
	}
	if (pid == 0) {
		(void)close(pfd[0]);
		memset(&child_err, 0, sizeof(child_err));
		if (privdrop_userns(spiced_opts.so_chroot, &child_err) >= 0)
			_exit(0);
		(void)!write(pfd[1], child_err.msg, strlen(child_err.msg));
		_exit(1);
	}
	(void)close(pfd[1]);
	memset(err, 0, sizeof(*err));
	n = read(pfd[0], err->msg, sizeof(err->msg) - 1);
	(void)close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return spd_err_errno(err, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (n <= 0)
		spd_err_set(err, "the trial ended with status %d", status);
	return -1;
}

/* What the supervisor uses once it runs: starting workers and relays under
 * their uids (SETUID, SETGID) in an empty root (SYS_CHROOT) and their own
 * namespaces (SYS_ADMIN, only where held: the hardened units leave it
 * out), stopping them (KILL), giving producer sockets to their users
 * (CHOWN, else an ACL does it), listeners a reload adds below port 1024
 * (NET_BIND_SERVICE).  Whatever else it was started with goes, bounding
 * set included when it can. */
#define SPICED_CAPS_PRIVILEGED \
	(CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_SETGID) | CAPS_BIT(CAP_SYS_CHROOT))
#define SPICED_CAPS_USED (SPICED_CAPS_PRIVILEGED | CAPS_BIT(CAP_KILL) | \
	CAPS_BIT(CAP_CHOWN) | CAPS_BIT(CAP_SYS_ADMIN) | \
	CAPS_BIT(CAP_NET_BIND_SERVICE))

/* What it keeps with user = in spiced.conf (become once set up, or
 * already, as under the installed units): what the units give it.  Producer sockets then go to their
 * users by ACL, workers get no namespaces of their own, a reload cannot
 * add a port below 1024. */
#define SPICED_CAPS_SERVICE (SPICED_CAPS_PRIVILEGED | CAPS_BIT(CAP_KILL))

/*
 * Started as root with user = in spiced.conf: once everything root is
 * needed for is done (listeners bound, TLS keys and SASL read, the run
 * directory, its chroot and the sockets made, the first workers
 * started), become that user, keeping the capabilities that start and
 * stop workers, as under spiced.service.  The run directory becomes the
 * user's, so that a reload can make sockets in it.
 */
static void
spiced_become_user(void)
{
	const struct conf_ids *u = &spiced_conf.c_user;
	struct spd_err err;
	struct stat st;

	if (!u->set || geteuid() != 0)
		return;
	if (stat(spiced_conf.c_run_dir, &st) == 0 && st.st_uid == 0 &&
	    chown(spiced_conf.c_run_dir, u->uid, u->gid) != 0)
		log_fatal("user %u: cannot give it the run directory %s: %s",
		    (unsigned)u->uid, spiced_conf.c_run_dir, strerror(errno));
	if (caps_become(u->uid, u->gid, &err) != 0)
		log_fatal("%s", err.msg);
	log_info("running as user %u:%u from here on", (unsigned)u->uid,
	    (unsigned)u->gid);
}

static void
spiced_narrow_caps(void)
{
	struct spd_err err;
	uint64_t held = caps_effective(), keep;
	char names[512];

	keep = !spiced_opts.so_privileged ?
	    held & CAPS_BIT(CAP_NET_BIND_SERVICE) : spiced_conf.c_user.set ?
	    held & SPICED_CAPS_SERVICE : held & SPICED_CAPS_USED;
	if (held == keep)
		return;
	if (caps_keep(keep, &err) != 0)
		log_fatal("capabilities: %s", err.msg);
	log_info("capabilities: uid %ld keeps %s", (long)geteuid(),
	    caps_names(keep, names, sizeof(names)));
}

/* From here on the supervisor serves: its own allowlist, which every
 * worker and relay it starts inherits beneath theirs. */
static void
spiced_seccomp(void)
{
	struct spd_err err;

	if (sandbox_seccomp_load(!spiced_opts.so_privileged &&
	    spiced_opts.so_chroot[0] != '\0' ?
	    SANDBOX_ROLE_SUPERVISOR_USERNS : SANDBOX_ROLE_SUPERVISOR, 0,
	    &err) != 0)
		log_fatal("supervisor seccomp filter: %s", err.msg);
	log_info("seccomp: supervisor allowlist in force (a refused call "
	    "fails with ENOSYS)");
}

/* --test-triggers: SIGUSR2 makes the supervisor try what its filter
 * refuses, and log each answer. */
static void
spiced_test_probe(void)
{
	pid_t self = getpid();
	long rc;

	errno = 0;
	rc = syscall(SYS_ptrace, PTRACE_ATTACH, (long)getppid(), 0L, 0L);
	log_info("test trigger: ptrace: %ld (%s)", rc, strerror(errno));
	errno = 0;
	rc = syscall(SYS_mount, "none", "/", "tmpfs", 0L, NULL);
	log_info("test trigger: mount: %ld (%s)", rc, strerror(errno));
	errno = 0;
	rc = syscall(SYS_setresuid, 0L, 0L, 0L);
	log_info("test trigger: setresuid 0: %ld (%s)", rc, strerror(errno));
	errno = 0;
	rc = syscall(SYS_unshare, (long)CLONE_NEWUSER);
	log_info("test trigger: unshare user: %ld (%s)", rc, strerror(errno));
	errno = 0;
	rc = syscall(SYS_ioctl, 0L, (long)TIOCSTI, "x");
	log_info("test trigger: ioctl TIOCSTI: %ld (%s) pid %ld", rc,
	    strerror(errno), (long)self);
}

static void
spiced_log_tick(evutil_socket_t fd, short what, void *arg)
{
	log_flush_suppressed();
}

/* SIGHUP: the configuration again (reload.c says what applies). */
static void
spiced_reload(void)
{
	struct spd_err err;

	log_info("signal 1: reloading %s", spiced_conf_path);
	svc_reloading(1);
	if (reload_apply(spiced_conf_path, &spiced_conf, spiced_displays,
	    spiced_keys, &err) != 0)
		log_warn("%s", err.msg);
	spiced_opts.so_debug = spiced_opts.so_debug_flag ||
	    spiced_conf.c_log_debug;
	log_set_debug(spiced_opts.so_debug);
	svc_reloading(0);
}

/* How long viewers asked to reconnect get before their sessions end. */
#define SPICED_SWITCH_MS	300

static struct event	*spiced_switch_ev;

static int	spiced_handed;

/* A handoff first lets the handshakes under way finish (their sessions
 * are then handed over too), polling every SPICED_DRAIN_TICK_MS for as
 * long as the longest link-timeout, so that no login is cut by a restart:
 * it ends, or times out as it would have anyway (a SASL password being
 * typed takes seconds).  New links wait in the listeners meanwhile. */
#define SPICED_DRAIN_TICK_MS	10

static struct event	*spiced_drain_ev;
static int		 spiced_drain_left_ms;

static unsigned	spiced_ask_reconnect(void);
static void	spiced_shutdown(evutil_socket_t, short, void *);

/* Shut down, after giving the viewers asked to link again elsewhere
 * SPICED_SWITCH_MS to hear it (if any were). */
static void
spiced_relink_and_stop(void)
{
	struct timeval switch_wait = { 0, SPICED_SWITCH_MS * 1000 };

	if (spiced_ask_reconnect() > 0 && (spiced_switch_ev = evtimer_new(
	    spiced_base, spiced_shutdown, NULL)) != NULL &&
	    evtimer_add(spiced_switch_ev, &switch_wait) == 0)
		return;
	spiced_shutdown(-1, 0, NULL);
}

/* Leave every running session to the next supervisor (handoff.h) and
 * exit without stopping anything it holds; if that fails, shut down as
 * without keep-sessions. */
static void
spiced_hand_over(void)
{
	unsigned left = link_count(NULL);

	if (left > 0)
		log_info("handoff: %u handshake%s still under way at the "
		    "link-timeout cut", left, left == 1 ? "" : "s");
	link_abort_all();
	if (handoff_save(spiced_displays, CONF_MAX_DISPLAYS,
	    spiced_conn_counter) >= 0) {
		spiced_handed = 1;
		keygen_stop();
		event_base_loopexit(spiced_base, NULL);
		return;
	}
	spiced_relink_and_stop();
}

static void
spiced_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tick = { 0, SPICED_DRAIN_TICK_MS * 1000 };

	if (link_count(NULL) > 0 && spiced_drain_left_ms > 0 &&
	    evtimer_add(spiced_drain_ev, &tick) == 0) {
		spiced_drain_left_ms -= SPICED_DRAIN_TICK_MS;
		return;
	}
	spiced_hand_over();
}

/* SIGTERM under systemd with keep-sessions: stop taking links (the
 * listeners stay open in systemd's fd store for the next supervisor) and
 * control connections, then hand over once the handshakes under way are
 * done. */
static void
spiced_drain(void)
{
	size_t i;

	control_shutdown();
	for (i = 0; i < spiced_conf.c_ndisplays; i++)
		if (spiced_displays[i].d_conf != NULL)
			listen_pause(&spiced_displays[i]);
	spiced_drain_left_ms = 0;
	for (i = 0; i < spiced_conf.c_ndisplays; i++)
		if (spiced_conf.c_displays[i].cd_link_timeout * 1000 >
		    spiced_drain_left_ms)
			spiced_drain_left_ms =
			    spiced_conf.c_displays[i].cd_link_timeout * 1000;
	if ((spiced_drain_ev = evtimer_new(spiced_base, spiced_drain_cb,
	    NULL)) == NULL) {
		spiced_hand_over();
		return;
	}
	spiced_drain_cb(-1, 0, NULL);
}

static void
spiced_on_signal(evutil_socket_t sig, short what, void *arg)
{
	if (sig == SIGCHLD) {
		wproc_reap();
		return;
	}
	if (sig == SIGHUP) {
		spiced_reload();
		return;
	}
	if (sig == SIGUSR2) {
		spiced_test_probe();
		return;
	}
	if (spiced_switch_ev != NULL) {
		/* A second signal while the viewers switch: at once. */
		spiced_shutdown(-1, 0, NULL);
		return;
	}
	if (spiced_drain_ev != NULL) {
		/* A second signal while handshakes finish: hand over at the
		 * next tick. */
		spiced_drain_left_ms = 0;
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	svc_stopping();
	if (spiced_conf.c_keep_sessions && getenv("NOTIFY_SOCKET") != NULL)
		spiced_drain();
	else
		spiced_relink_and_stop();
}

/* Under systemd the listeners wait in its fd store for the next run
 * (listen.h): stop taking links here, and ask every viewer that can to
 * link again there (SWITCH_HOST) before the sessions end.  Returns how
 * many were asked. */
static unsigned
spiced_ask_reconnect(void)
{
	unsigned n = 0;
	size_t i;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return 0;
	for (i = 0; i < spiced_conf.c_ndisplays; i++)
		if (spiced_displays[i].d_conf != NULL) {
			listen_shutdown(&spiced_displays[i]);
			n += session_switch_host(&spiced_displays[i]);
		}
	if (n > 0)
		log_info("asked %u viewer%s to link again to the next spiced",
		    n, n == 1 ? "" : "s");
	return n;
}

static void
spiced_shutdown(evutil_socket_t fd, short what, void *arg)
{
	static int done;
	size_t i;

	if (done++)
		return;
	if (spiced_switch_ev != NULL)
		evtimer_del(spiced_switch_ev);
	control_shutdown();
	link_abort_all();
	relay_stop_all(SIGTERM);
	keygen_stop();
	for (i = 0; i < spiced_conf.c_ndisplays; i++)
		if (spiced_displays[i].d_conf != NULL)
			display_shutdown(&spiced_displays[i],
			    "spiced is shutting down");
	wproc_stop_all();
	event_base_loopexit(spiced_base, NULL);
}

/* Every session holds descriptors here (its workers' IPC sockets, the
 * producers' memory), and a handoff (handoff.h) keeps a copy of each in
 * flight, which the kernel counts against this limit: raise the soft
 * limit to the hard one (systemd's default soft limit is 1024), as far as
 * SPICED_NOFILE_MAX.  Every fd is watched through epoll or poll, never
 * select(). */
#define SPICED_NOFILE_MAX	65536

static void
spiced_raise_nofile(void)
{
	struct rlimit rl;
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	want = rl.rlim_max < SPICED_NOFILE_MAX ? rl.rlim_max :
	    SPICED_NOFILE_MAX;
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_warn("cannot raise the open file limit to %llu: %s",
		    (unsigned long long)want, strerror(errno));
}

/* Detach from the terminal; stderr stays, so logs still go where the
 * caller sent them. */
static void
spiced_daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		log_fatal("fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	(void)setsid();
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",		required_argument, NULL, 'c' },
		{ "foreground",		no_argument,	   NULL, 'f' },
		{ "debug",		no_argument,	   NULL, 'd' },
		{ "check-config",	no_argument,	   NULL, 'n' },
		{ "worker",		required_argument, NULL, 'W' },
		{ "test-triggers",	no_argument,	   NULL, 'T' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf_path = SPICED_CONF_PATH;
	struct event *sigs[5], *logtick;
	/* SIGUSR2 only with --test-triggers. */
	int sig[5] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR2 };
	int ch, foreground = 0, check = 0;
	struct spd_err err;
	size_t i, nsig;

	spiced_opts.so_worker_path = SPICED_WORKER_PATH;
	while ((ch = getopt_long(argc, argv, "c:fdnh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 'f': foreground = 1; break;
		case 'd': spiced_opts.so_debug_flag = foreground = 1; break;
		case 'n': check = 1; break;
		case 'W': spiced_opts.so_worker_path = optarg; break;
		case 'T': spiced_opts.so_test_triggers = 1; break;
		case 'h': spiced_usage(0);
		default: spiced_usage(1);
		}
	}
	if (optind != argc)
		spiced_usage(1);
	log_init("spiced", spiced_opts.so_debug_flag);
	(void)log_journal_start();
	/* Privileged: able to start workers under other uids, as root or
	 * as a service user given these capabilities by systemd. */
	spiced_opts.so_privileged = (caps_effective() &
	    SPICED_CAPS_PRIVILEGED) == SPICED_CAPS_PRIVILEGED;
	if (!spiced_opts.so_privileged && (caps_effective() &
	    SPICED_CAPS_PRIVILEGED) != 0)
		log_warn("capabilities: CAP_SETUID, CAP_SETGID and "
		    "CAP_SYS_CHROOT are needed together to start workers "
		    "under their own uids; without all three they keep "
		    "spiced's");
	if (conf_load(&spiced_conf, conf_path, spiced_opts.so_privileged,
	    &err) != 0)
		log_fatal("%s", err.msg);
	spiced_conf_path = conf_path;
	spiced_opts.so_debug = spiced_opts.so_debug_flag ||
	    spiced_conf.c_log_debug;
	log_set_debug(spiced_opts.so_debug);
	if (check) {
		struct tls_server *ts;

		for (i = 0; i < spiced_conf.c_ndisplays; i++) {
			if (spiced_conf.c_displays[i].cd_tls_host[0] == '\0')
				continue;
			if ((ts = display_tls_load(&spiced_conf.c_displays[i],
			    &err)) == NULL)
				log_fatal("%s", err.msg);
			tls_server_free(ts);
		}
		printf("%s: configuration OK (%zu display%s)\n", conf_path,
		    spiced_conf.c_ndisplays,
		    spiced_conf.c_ndisplays == 1 ? "" : "s");
		return 0;
	}
	if (access(spiced_opts.so_worker_path, X_OK) != 0)
		log_fatal("worker binary %s: %s", spiced_opts.so_worker_path,
		    strerror(errno));
	if (spiced_make_chroot(spiced_conf.c_run_dir, &err) != 0)
		log_fatal("%s", err.msg);
	if (!spiced_opts.so_privileged && spiced_userns_works(&err) == 0)
		log_info("running as uid %ld without CAP_SETUID, CAP_SETGID "
		    "and CAP_SYS_CHROOT: workers keep this uid (no "
		    "per-display uid), each in a user namespace of its own "
		    "with an empty root and no network, and sandboxed with "
		    "no_new_privs and seccomp", (long)geteuid());
	else if (!spiced_opts.so_privileged) {
		log_info("running as uid %ld without CAP_SETUID, CAP_SETGID "
		    "and CAP_SYS_CHROOT: workers keep this uid, the host's "
		    "root and network (no user namespace: %s); they are "
		    "still sandboxed with no_new_privs and seccomp",
		    (long)geteuid(), err.msg);
		spiced_opts.so_chroot[0] = '\0';
	}
	signal(SIGPIPE, SIG_IGN);
	spiced_raise_nofile();
	/* Before daemonizing: systemd's sockets are for this pid. */
	if (act_init(&err) != 0)
		log_fatal("%s", err.msg);
	if (!foreground)
		spiced_daemonize();
	if ((spiced_base = event_base_new()) == NULL)
		log_fatal("cannot create the event loop");
	if ((spiced_keys = auth_keypool_new(spiced_base, AUTH_KEYPOOL_DEFAULT,
	    &err)) == NULL)
		log_fatal("%s", err.msg);
	spiced_opts.so_keygen_ids = spiced_conf.c_keygen;
	if (keygen_start(spiced_keys, &err) != 0)
		log_warn("keygen helper: %s; keys are made in the supervisor",
		    err.msg);
	/* cyrus loads its plugins and APP.conf once, here, while every
	 * file is still reachable. */
	for (i = 0; i < spiced_conf.c_ndisplays; i++)
		if (spiced_conf.c_displays[i].cd_sasl) {
			if (auth_sasl_init(spiced_conf.c_sasl_appname,
			    spiced_conf.c_sasl_config_dir, &err) != 0)
				log_fatal("%s", err.msg);
			log_info("SASL: cyrus-sasl ready (app \"%s\", config "
			    "%s)", spiced_conf.c_sasl_appname,
			    spiced_conf.c_sasl_config_dir[0] != '\0' ?
			    spiced_conf.c_sasl_config_dir : "cyrus default");
			break;
		}
	for (i = 0; i < spiced_conf.c_ndisplays; i++)
		if (display_setup(&spiced_displays[i],
		    &spiced_conf.c_displays[i], spiced_keys, &err) != 0)
			log_fatal("%s", err.msg);
	tkeep_restore(spiced_displays, CONF_MAX_DISPLAYS);
	spiced_conn_counter = handoff_adopt(spiced_displays,
	    CONF_MAX_DISPLAYS);
	for (i = 0; i < spiced_conf.c_ndisplays; i++)
		if (display_start(&spiced_displays[i], &err) != 0)
			log_fatal("%s", err.msg);
	if (act_check_claimed(&err) != 0 ||
	    control_listen(&spiced_conf, spiced_displays, CONF_MAX_DISPLAYS,
	    &err) != 0)
		log_fatal("%s", err.msg);
	spiced_become_user();
	spiced_narrow_caps();
	spiced_seccomp();
	nsig = spiced_opts.so_test_triggers ? 5 : 4;
	for (i = 0; i < nsig; i++)
		if ((sigs[i] = evsignal_new(spiced_base, sig[i],
		    spiced_on_signal, NULL)) == NULL ||
		    event_add(sigs[i], NULL) != 0)
			log_fatal("cannot handle signal %d", sig[i]);
	/* Rate-limited log lines are counted per window: say how many were
	 * dropped even when no line of their kind follows. */
	if ((logtick = event_new(spiced_base, -1, EV_PERSIST,
	    spiced_log_tick, NULL)) == NULL ||
	    event_add(logtick, &(struct timeval){ 5, 0 }) != 0)
		log_fatal("cannot start the log timer");
	if (svc_ready(spiced_displays, CONF_MAX_DISPLAYS, &err) != 0)
		log_fatal("%s", err.msg);
	if (handoff_standby_start(spiced_displays, CONF_MAX_DISPLAYS,
	    &spiced_conn_counter, &spiced_conf.c_keep_sessions) != 0)
		log_fatal("cannot start the handoff standby timer");
	log_info("ready");
	event_base_dispatch(spiced_base);
	for (i = 0; i < nsig; i++)
		event_free(sigs[i]);
	if (spiced_switch_ev != NULL)
		event_free(spiced_switch_ev);
	if (spiced_drain_ev != NULL)
		event_free(spiced_drain_ev);
	event_free(logtick);
	/* Every worker and relay was told to stop; none outlives us, and
	 * none stays a zombie until init takes it.  Unless they were
	 * handed to the next supervisor: they go on. */
	if (!spiced_handed)
		wproc_reap_all(SPICED_REAP_MS);
	link_abort_all();
	auth_keypool_free(spiced_keys);
	auth_sasl_done();
	event_base_free(spiced_base);
	return 0;
}
