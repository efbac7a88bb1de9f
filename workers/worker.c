/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * worker: main() of spiced-worker, common to every role.
 *
 * Started only by spiced (fork + exec) with its IPC socket on fd 3.  The
 * order below is the point of this file (DESIGN.md section 6):
 *   parse argv -> close every other fd -> create what needs syscalls the
 *   filter forbids (event base, signal handlers) -> sandbox_enter() ->
 *   only then read the first IPC byte.
 * The first message must be IPC_D2W_INIT; the worker answers
 * IPC_W2D_READY and from then on hands every message to its role.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "err.h"
#include "ipc.h"
#include "log.h"
#include "privdrop.h"
#include "sandbox.h"
#include "worker.h"

#define WORKER_IPC_FD	3
/* --memory below this cannot be meant (spiced's own minimum is 64 MiB). */
#define WORKER_MIN_MEMORY	(16u * 1024 * 1024)

/* The roles table: argv name, callbacks, seccomp policy. */
static const struct worker_role_entry {
	const char			*wre_name;
	const struct worker_role	*wre_role;
	enum sandbox_role		 wre_sandbox;
} worker_roles[] = {
	{ "main",	&role_main,	SANDBOX_ROLE_MAIN },
	{ "display",	&role_display,	SANDBOX_ROLE_DISPLAY },
	{ "keygen",	&role_keygen,	SANDBOX_ROLE_KEYGEN },
	{ "inputs",	&role_inputs,	SANDBOX_ROLE_INPUTS },
	{ "cursor",	&role_cursor,	SANDBOX_ROLE_CURSOR },
	{ "vmc",	&role_vmc,	SANDBOX_ROLE_VMC },
	{ "playback",	&role_playback,	SANDBOX_ROLE_PLAYBACK },
	{ "record",	&role_record,	SANDBOX_ROLE_RECORD },
};

struct worker_opts {
	const struct worker_role_entry	*wo_role;
	const char			*wo_display;
	const char			*wo_chroot;
	uid_t				 wo_uid;
	gid_t				 wo_gid;
	int				 wo_have_uid;
	int				 wo_have_gid;
	int				 wo_debug;
	int				 wo_trap;
	int				 wo_triggers;
	uint64_t			 wo_data_max;	/* bytes, 0: none */
};

static struct worker	 worker;
static struct event	*worker_ipc_ev;
static int		 worker_inited;
static char		 worker_ident[32];
/* Static: struct ipc_msg carries a 4 KiB payload. */
static struct ipc_msg	 worker_msg;

static void __attribute__((noreturn))
worker_usage(const char *why)
{
	log_err("%s", why);
	fprintf(stderr, "usage: spiced-worker --role=main|display|cursor|inputs|keygen "
	    "--display=NAME [--uid=N --gid=N --chroot=DIR] [--debug] "
	    "[--seccomp-trap] [--test-triggers]\n"
	    "spiced-worker is started by spiced(8) only; its IPC socket "
	    "is fd 3.\n");
	exit(1);
}

static unsigned long
worker_parse_id(const char *s, const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v >= UINT_MAX) {
		log_err("--%s=%s: not a valid id", what, s);
		worker_usage("bad argument");
	}
	return v;
}

/* --memory: decimal bytes, at least WORKER_MIN_MEMORY. */
static int
worker_parse_bytes(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < WORKER_MIN_MEMORY)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static void
worker_parse_args(int argc, char **argv, struct worker_opts *wo)
{
	enum { O_ROLE = 1, O_DISPLAY, O_UID, O_GID, O_CHROOT, O_DEBUG,
	    O_TRAP, O_TRIGGERS, O_MEMORY };
	static const struct option longopts[] = {
		{ "role",		required_argument, NULL, O_ROLE },
		{ "display",		required_argument, NULL, O_DISPLAY },
		{ "uid",		required_argument, NULL, O_UID },
		{ "gid",		required_argument, NULL, O_GID },
		{ "chroot",		required_argument, NULL, O_CHROOT },
		{ "debug",		no_argument,	   NULL, O_DEBUG },
		{ "seccomp-trap",	no_argument,	   NULL, O_TRAP },
		{ "test-triggers",	no_argument,	   NULL, O_TRIGGERS },
		{ "memory",		required_argument, NULL, O_MEMORY },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int ch;

	memset(wo, 0, sizeof(*wo));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_ROLE:
			for (i = 0; i < sizeof(worker_roles) /
			    sizeof(worker_roles[0]); i++)
				if (strcmp(optarg, worker_roles[i].wre_name)
				    == 0)
					wo->wo_role = &worker_roles[i];
			if (wo->wo_role == NULL)
				worker_usage("unknown role");
			break;
		case O_DISPLAY:
			if (strlen(optarg) >= IPC_NAME_LEN)
				worker_usage("display name too long");
			wo->wo_display = optarg;
			break;
		case O_UID:
			wo->wo_uid = (uid_t)worker_parse_id(optarg, "uid");
			wo->wo_have_uid = 1;
			break;
		case O_GID:
			wo->wo_gid = (gid_t)worker_parse_id(optarg, "gid");
			wo->wo_have_gid = 1;
			break;
		case O_CHROOT:
			wo->wo_chroot = optarg;
			break;
		case O_MEMORY:
			if (worker_parse_bytes(optarg, &wo->wo_data_max) != 0)
				log_fatal("--memory=%s: not a byte count of "
				    "at least %u", optarg,
				    WORKER_MIN_MEMORY);
			break;
		case O_DEBUG:
			wo->wo_debug = 1;
			break;
		case O_TRAP:
			wo->wo_trap = 1;
			break;
		case O_TRIGGERS:
#ifdef SPICED_TEST_TRIGGERS
			wo->wo_triggers = 1;
#else
			worker_usage("--test-triggers: built without "
			    "test triggers");
#endif
			break;
		default:
			worker_usage("unknown option");
		}
	}
	if (optind != argc)
		worker_usage("unexpected argument");
	if (wo->wo_role == NULL)
		worker_usage("--role is required");
	if (wo->wo_display == NULL)
		worker_usage("--display is required");
}

#ifdef SPICED_TEST_TRIGGERS
/*
 * Test trigger: SIGUSR2 makes the worker attempt a syscall its filter
 * forbids.  The filter kills it with SIGSYS; reaching the code after the
 * call means the sandbox is missing, which must fail the test loudly.
 */
static void
worker_trigger(int sig)
{
	static const char leak[] = "spiced-worker: TEST TRIGGER: openat was "
	    "NOT refused by the sandbox\n";
	static const char trap[] = "spiced-worker: test trigger: openat "
	    "refused\n";
	int fd;

	fd = openat(AT_FDCWD, "/etc/passwd", O_RDONLY);
	if (fd >= 0) {
		(void)!write(STDERR_FILENO, leak, sizeof(leak) - 1);
		_exit(70);
	}
	/* Only in --seccomp-trap mode, where the call fails instead. */
	(void)!write(STDERR_FILENO, trap, sizeof(trap) - 1);
}
#endif

/* The IPC socket must be what spiced hands over, not a stray fd 3. */
static void
worker_check_ipc_fd(void)
{
	socklen_t len;
	int type;

	len = sizeof(type);
	if (getsockopt(WORKER_IPC_FD, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
		log_fatal("fd %d is not the IPC socket: %s (spiced-worker is "
		    "started by spiced only)", WORKER_IPC_FD, strerror(errno));
	if (type != SOCK_SEQPACKET)
		log_fatal("fd %d is not a SOCK_SEQPACKET socket",
		    WORKER_IPC_FD);
}

/* The event base, created before the filter; only epoll is allowlisted,
 * so the environment must not switch libevent to poll or select. */
static struct event_base *
worker_event_base(void)
{
	struct event_config *cfg;
	struct event_base *base;

	if ((cfg = event_config_new()) == NULL)
		log_fatal("event_config_new failed");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV |
	    EVENT_BASE_FLAG_NOLOCK);
	event_config_avoid_method(cfg, "select");
	event_config_avoid_method(cfg, "poll");
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL)
		log_fatal("event base: no usable backend");
	if (strcmp(event_base_get_method(base), "epoll") != 0)
		log_fatal("event base: backend %s, the sandbox allows epoll "
		    "only", event_base_get_method(base));
	/* Two priorities: the supervisor's messages first (see main). */
	if (event_base_priority_init(base, 2) != 0)
		log_fatal("event base: no priorities");
	return base;
}

void
worker_send(struct worker *w, uint32_t type, uint32_t session,
    uint32_t conn, const void *payload, size_t len, const int *fds,
    int nfds)
{
	struct spd_err err;

	if (ipc_send(w->wk_ipc_fd, type, session, conn, payload, len, fds,
	    nfds, &err) != 0)
		log_fatal("supervisor unreachable: %s", err.msg);
}

int
worker_client(struct worker *wk, struct ipc_msg *msg, uint8_t type,
    worker_client_fn add, void *arg, struct spd_err *err)
{
	struct ipc_client ci;
	struct spd_err cerr;
	int fd;

	memcpy(&ci, msg->payload, sizeof(ci));
	if (ci.channel_type != type)
		return spd_err_set(err, "%s worker got a channel of type %u",
		    wk->wk_role->wr_name, ci.channel_type);
	if (!ipc_str_ok(ci.peer, sizeof(ci.peer)))
		return spd_err_set(err, "CLIENT: peer not terminated");
	fd = msg->fds[0];
	msg->fds[0] = -1;
	if (add(arg, fd, msg->hdr.ih_session, msg->hdr.ih_conn, &ci,
	    &cerr) != 0) {
		/* This connection only: the worker carries on. */
		log_warn("display \"%s\": %s client %s (conn %u) refused: %s",
		    wk->wk_display, wk->wk_role->wr_name, ci.peer,
		    msg->hdr.ih_conn, cerr.msg);
		worker_conn_closed(wk, msg->hdr.ih_session, msg->hdr.ih_conn,
		    cerr.msg);
	}
	return 0;
}

void
worker_conn_closed(struct worker *w, uint32_t session, uint32_t conn,
    const char *reason)
{
	struct ipc_conn_closed cc;

	memset(&cc, 0, sizeof(cc));
	snprintf(cc.reason, sizeof(cc.reason), "%s", reason);
	worker_send(w, IPC_W2D_CONN_CLOSED, session, conn, &cc, sizeof(cc),
	    NULL, 0);
}

void
worker_exit(struct worker *w, int status, const char *reason)
{
	/* exit() right here rather than breaking the loop: callers sit deep
	 * in callbacks and must not run on into freed state. */
	if (status == 0)
		log_info("exiting: %s", reason);
	else
		log_err("exiting: %s", reason);
	exit(status);
}

/* IPC_D2W_INIT: identity check, then READY and the role's start. */
static void
worker_init(struct worker *w, const struct ipc_msg *msg)
{
	struct ipc_ready ready;
	struct ipc_init init;
	struct spd_err err;

	if (msg->hdr.ih_type != IPC_D2W_INIT) {
		log_err("first message is type %u, expected INIT",
		    msg->hdr.ih_type);
		worker_exit(w, 1, "protocol error on IPC");
	}
	/* ipc_recv() checked the exact size; copy out of the byte buffer
	 * rather than cast it (alignment). */
	memcpy(&init, msg->payload, sizeof(init));
	if (init.version != SPICED_IPC_VERSION) {
		log_err("IPC version %u, this worker speaks %u (spiced and "
		    "spiced-worker from different builds?)", init.version,
		    SPICED_IPC_VERSION);
		worker_exit(w, 1, "IPC version mismatch");
	}
	if (!ipc_str_ok(init.display, sizeof(init.display)))
		worker_exit(w, 1, "INIT: display name not terminated");
	if (strcmp(init.display, w->wk_display) != 0) {
		log_err("INIT for display \"%s\", started for \"%s\"",
		    init.display, w->wk_display);
		worker_exit(w, 1, "INIT: wrong display");
	}
	w->wk_flags = init.flags;
	if (init.flags & IPC_INIT_DEBUG)
		log_init(worker_ident, 1);
	worker_inited = 1;

	memset(&ready, 0, sizeof(ready));
	ready.version = SPICED_IPC_VERSION;
	ready.pid = (uint32_t)getpid();
	worker_send(w, IPC_W2D_READY, 0, 0, &ready, sizeof(ready), NULL, 0);
	log_debug("ready: role %s, display %s", w->wk_role->wr_name,
	    w->wk_display);
	if (w->wk_role->wr_start != NULL && w->wk_role->wr_start(w, &err) != 0)
		worker_exit(w, 1, err.msg);
	/* The keygen helper serves no client: nothing to count. */
	if (w->wk_role != &role_keygen)
		worker_stats_start(w);
}

static void
worker_ipc_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct ipc_msg *msg = &worker_msg;
	struct spd_err err;
	int rc;

	rc = ipc_recv(fd, msg, &err);
	/* A reset is a close with our reports still unread: a supervisor
	 * gone, or its fd store dropped at a stop (handoff.h). */
	if (rc == 0 || (rc < 0 && errno == ECONNRESET))
		worker_exit(w, 0, "supervisor closed the IPC socket");
	if (rc < 0) {
		log_err("bad IPC message: %s", err.msg);
		worker_exit(w, 1, "protocol error on IPC");
	}
	if (!worker_inited) {
		worker_init(w, msg);
		ipc_msg_close_fds(msg);
		return;
	}
	if (msg->hdr.ih_type == IPC_D2W_INIT) {
		ipc_msg_close_fds(msg);
		worker_exit(w, 1, "second INIT on IPC");
	}
	worker_stats_poke();
	/* The role keeps the fds it takes (set to -1); any left are
	 * closed below so a refused or ignored message leaks nothing. */
	if (w->wk_role->wr_ipc(w, msg, &err) != 0) {
		ipc_msg_close_fds(msg);
		log_err("IPC message type %u refused: %s", msg->hdr.ih_type,
		    err.msg);
		worker_exit(w, 1, "protocol error on IPC");
	}
	ipc_msg_close_fds(msg);
}

int
main(int argc, char **argv)
{
	struct worker_opts wo;
	struct sandbox_conf sc;
	struct spd_err err;
	struct sigaction sa;

	log_init("spiced-worker", 0);
	worker_parse_args(argc, argv, &wo);
	snprintf(worker_ident, sizeof(worker_ident), "spiced-worker/%s",
	    wo.wo_role->wre_name);
	log_init(worker_ident, wo.wo_debug);

	/* Step 1 of the demotion: nothing but stdio and the IPC socket
	 * survives, before any library opens an fd of its own. */
	if (privdrop_close_from(WORKER_IPC_FD + 1, &err) != 0)
		log_fatal("close fds: %s", err.msg);
	worker_check_ipc_fd();

	/* Everything that needs a syscall the filter forbids. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0)
		log_fatal("sigaction SIGPIPE: %s", strerror(errno));
#ifdef SPICED_TEST_TRIGGERS
	if (wo.wo_triggers) {
		sa.sa_handler = worker_trigger;
		if (sigaction(SIGUSR2, &sa, NULL) != 0)
			log_fatal("sigaction SIGUSR2: %s", strerror(errno));
	}
#endif
	memset(&worker, 0, sizeof(worker));
	worker.wk_base = worker_event_base();
	worker.wk_ipc_fd = WORKER_IPC_FD;
	worker.wk_role = wo.wo_role->wre_role;
	snprintf(worker.wk_display, sizeof(worker.wk_display), "%s",
	    wo.wo_display);
	chan_set_display(worker.wk_display);
	worker_ipc_ev = event_new(worker.wk_base, WORKER_IPC_FD,
	    EV_READ | EV_PERSIST, worker_ipc_cb, &worker);
	if (worker_ipc_ev == NULL)
		log_fatal("event_new for IPC failed");
	/* What the supervisor said before a client acted on it is taken
	 * first: an inputs worker given a producer that now takes positions
	 * (a VM's tablet came) while the main channel tells the client to
	 * send them must not read the client's first one before that. */
	if (event_priority_set(worker_ipc_ev, 0) != 0)
		log_fatal("event_priority_set for IPC failed");

	if (worker.wk_role->wr_prepare != NULL &&
	    worker.wk_role->wr_prepare(&err) != 0)
		log_fatal("%s: %s", worker.wk_role->wr_name, err.msg);

	memset(&sc, 0, sizeof(sc));
	sc.sc_role = wo.wo_role->wre_sandbox;
	/* A root worker that keeps root is never acceptable: refuse to run
	 * rather than fall back to an unprivileged-style sandbox. */
	sc.sc_privileged = geteuid() == 0 || wo.wo_have_uid ||
	    wo.wo_have_gid;
	if (sc.sc_privileged && (!wo.wo_have_uid || !wo.wo_have_gid ||
	    wo.wo_chroot == NULL))
		log_fatal("sandbox: running as root (or with ids) needs "
		    "--uid, --gid and --chroot");
	sc.sc_uid = wo.wo_uid;
	sc.sc_gid = wo.wo_gid;
	sc.sc_chroot = wo.wo_chroot;
	sc.sc_trap = wo.wo_trap;
	sc.sc_nofile = SANDBOX_NOFILE;
	sc.sc_data_max = wo.wo_data_max;
	if (sandbox_enter(&sc, &err) != 0)
		log_fatal("sandbox: %s", err.msg);
	log_debug("sandbox in force (%s, %s)", sc.sc_privileged ?
	    "privileged: chroot and ids changed" : sc.sc_chroot != NULL ?
	    "unprivileged: chroot in a user namespace" : "unprivileged",
	    wo.wo_trap ? "seccomp trap" : "seccomp kill");

	/* Only now: the first byte from the supervisor. */
	if (event_add(worker_ipc_ev, NULL) != 0)
		log_fatal("event_add for IPC failed");
	event_base_dispatch(worker.wk_base);
	log_err("event loop ended unexpectedly");
	return 1;
}
