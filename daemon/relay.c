/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * relay: fork, sandbox and byte pump of the security-layer relay; the
 * contract is in relay.h.
 *
 * The pump is a poll(2) loop with one buffer per direction.  Each turn
 * tries every transfer that has room, and only when none made progress
 * does it sleep in poll() on what the stalled transfers asked for: the
 * layer says which direction it needs on the client socket (a TLS read
 * may need to write, and a write to read), so the loop never guesses.
 * No libevent: the child must not touch the supervisor's event base.
 */
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc-msg.h"
#include "log.h"
#include "privdrop.h"
#include "relay.h"
#include "sandbox.h"
#include "sigfork.h"

/* Up: one TLS record's worth of plaintext; down: one worker datagram,
 * which the layer gets in one write (ipc-msg.h IPC_TRANSPORT_RELAYED). */
#define RELAY_UP_BUF	16384
#define RELAY_DOWN_BUF	IPC_RELAY_DGRAM_MAX
_Static_assert(RELAY_UP_BUF <= IPC_RELAY_DGRAM_MAX, "worker reads");
/* fds: stdio for logs, the two sockets, nothing more. */
#define RELAY_NOFILE	16

struct relay {
	LIST_ENTRY(relay)	 r_entry;
	pid_t			 r_pid;
	char			 r_display[64];
	char			 r_peer[64];
};

static LIST_HEAD(, relay) relay_all = LIST_HEAD_INITIALIZER(relay_all);

/* Close every fd >= 3 except a and b. */
static int
relay_close_others(int a, int b, struct spd_err *err)
{
	int lo = a < b ? a : b, hi = a < b ? b : a, fd;

	for (fd = 3; fd < lo; fd++)
		(void)close(fd);
	for (fd = lo + 1; fd < hi; fd++)
		(void)close(fd);
	return privdrop_close_from(hi + 1, err);
}

/* The child's demotion, in the order of DESIGN.md 6. */
static int
relay_demote(int client_fd, int pair_fd, const struct relay_conf *rc,
    struct spd_err *err)
{
	if (relay_close_others(client_fd, pair_fd, err) != 0)
		return spd_err_prefix(err, "close fds");
	if (privdrop_rlimits(RELAY_NOFILE, 0, err) != 0)
		return spd_err_prefix(err, "rlimits");
	if (rc->rc_privileged) {
		(void)privdrop_namespaces();
		if (rc->rc_chroot != NULL && rc->rc_chroot[0] != '\0' &&
		    privdrop_chroot(rc->rc_chroot, rc->rc_uid, err) != 0)
			return spd_err_prefix(err, "chroot");
		if (privdrop_ids(rc->rc_uid, rc->rc_gid, err) != 0)
			return spd_err_prefix(err, "ids");
	} else if (rc->rc_chroot != NULL && rc->rc_chroot[0] != '\0' &&
	    privdrop_userns(rc->rc_chroot, err) < 0)
		return spd_err_prefix(err, "user namespace");
	/* No parent-death signal: a relay lives as long as its two
	 * sockets, so that it outlives a supervisor restart with its
	 * worker (handoff.h); a supervisor that dies without handing its
	 * workers over takes them, and so their relays' ends, with it. */
	if (privdrop_nnp(err) != 0)
		return spd_err_prefix(err, "no_new_privs");
	if (sandbox_seccomp_load(SANDBOX_ROLE_RELAY, 0, err) != 0)
		return spd_err_prefix(err, "seccomp");
	return 0;
}

/* Pump until either side ends; returns a reason for the log. */
static const char *
relay_pump(const struct relay_layer_ops *ops, void *ctx, int cfd, int wfd)
{
	static uint8_t up[RELAY_UP_BUF], down[RELAY_DOWN_BUF];
	size_t up_len = 0, up_off = 0, down_len = 0, down_off = 0;
	int client_eof = 0, worker_eof = 0, progress;
	struct pollfd pfd[2];
	short want, cwant, wwant;
	ssize_t n;

	for (;;) {
		progress = 0;
		cwant = wwant = 0;

		/* client -> worker */
		if (!client_eof && up_len == 0) {
			n = ops->rlo_read(ctx, up, sizeof(up), &want);
			if (n > 0) {
				up_len = (size_t)n;
				up_off = 0;
				progress = 1;
			} else if (n == -1 && errno == EAGAIN)
				cwant |= want;
			else
				client_eof = 1;
		}
		if (up_off < up_len) {
			n = send(wfd, up + up_off, up_len - up_off,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0) {
				up_off += (size_t)n;
				if (up_off == up_len)
					up_len = up_off = 0;
				progress = 1;
			} else if (n == -1 && (errno == EAGAIN ||
			    errno == EINTR))
				wwant |= POLLOUT;
			else
				return "worker closed";
		}

		/* worker -> client: a datagram at a time, so that no
		 * record holds bytes of two messages. */
		if (!worker_eof && down_len == 0) {
			n = recv(wfd, down, sizeof(down),
			    MSG_DONTWAIT | MSG_TRUNC);
			if (n > (ssize_t)sizeof(down))
				return "worker sent an oversized datagram";
			if (n > 0) {
				down_len = (size_t)n;
				down_off = 0;
				progress = 1;
			} else if (n == -1 && (errno == EAGAIN ||
			    errno == EINTR))
				wwant |= POLLIN;
			else
				worker_eof = 1;
		}
		if (down_off < down_len) {
			n = ops->rlo_write(ctx, down + down_off,
			    down_len - down_off, &want);
			if (n > 0) {
				down_off += (size_t)n;
				if (down_off == down_len)
					down_len = down_off = 0;
				progress = 1;
			} else if (n == -1 && errno == EAGAIN)
				cwant |= want;
			else
				return "client write failed";
		}

		if (client_eof && up_len == 0)
			return "client closed";
		if (worker_eof && down_len == 0) {
			ops->rlo_close(ctx);
			return "worker closed";
		}
		if (progress || (!client_eof && up_len == 0 &&
		    ops->rlo_pending(ctx)))
			continue;

		pfd[0].fd = cfd;
		pfd[0].events = cwant;
		pfd[1].fd = wfd;
		pfd[1].events = wwant;
		if (poll(pfd, 2, -1) == -1 && errno != EINTR)
			return "poll failed";
		if (pfd[1].revents & (POLLERR | POLLNVAL))
			return "worker socket error";
	}
}

/* A relay is forked, not executed: its copy of the supervisor's
 * environment is none of its business, and /proc/PID/environ shows the
 * original strings' memory, so they are wiped, not only forgotten. */
static void
relay_wipe_env(void)
{
	char **e;

	for (e = environ; e != NULL && *e != NULL; e++)
		explicit_bzero(*e, strlen(*e));
	(void)clearenv();
}

static void __attribute__((noreturn))
relay_child(const struct relay_layer_ops *ops, void *ctx, int client_fd,
    int pair_fd, const char *peer, const struct relay_conf *rc)
{
	struct spd_err err;
	const char *why;

	/* sigfork() set the supervisor's handlers (libevent's, which
	 * write to a pipe the supervisor reads) back to their defaults. */
	signal(SIGPIPE, SIG_IGN);
	(void)prctl(PR_SET_NAME, "spiced-relay");
	relay_wipe_env();
	log_init("spiced-relay", rc->rc_debug);
	if (relay_demote(client_fd, pair_fd, rc, &err) != 0) {
		log_warn("display \"%s\": relay for %s: %s", rc->rc_display,
		    peer, err.msg);
		_exit(1);
	}
	log_debug("display \"%s\": relay for %s: %s layer, sandboxed",
	    rc->rc_display, peer, ops->rlo_name);
	why = relay_pump(ops, ctx, client_fd, pair_fd);
	log_debug("display \"%s\": relay for %s ends: %s", rc->rc_display,
	    peer, why);
	/* _exit: the supervisor's atexit handlers (OpenSSL's among them)
	 * are not ours to run. */
	_exit(0);
}

int
relay_spawn(const struct relay_layer_ops *ops, void *ctx, int client_fd,
    const char *peer, const struct relay_conf *rc, int *worker_fd,
    struct spd_err *err)
{
	struct relay *r;
	int sv[2];
	pid_t pid;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return spd_err_set(err, "relay: out of memory");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) != 0) {
		free(r);
		return spd_err_errno(err, "relay: socketpair");
	}
	if ((pid = sigfork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		free(r);
		return spd_err_errno(err, "relay: fork");
	}
	if (pid == 0) {
		close(sv[0]);
		relay_child(ops, ctx, client_fd, sv[1], peer, rc);
	}
	close(sv[1]);
	r->r_pid = pid;
	snprintf(r->r_display, sizeof(r->r_display), "%s", rc->rc_display);
	snprintf(r->r_peer, sizeof(r->r_peer), "%s", peer);
	LIST_INSERT_HEAD(&relay_all, r, r_entry);
	log_debug("display \"%s\": relay pid %ld for %s (%s)", r->r_display,
	    (long)pid, peer, ops->rlo_name);
	*worker_fd = sv[0];
	return 0;
}

int
relay_reaped(pid_t pid, int status)
{
	struct relay *r;

	LIST_FOREACH(r, &relay_all, r_entry)
		if (r->r_pid == pid)
			break;
	if (r == NULL)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_debug("display \"%s\": relay pid %ld for %s exited",
		    r->r_display, (long)pid, r->r_peer);
	else if (WIFEXITED(status))
		log_warn("display \"%s\": relay pid %ld for %s exited with "
		    "status %d", r->r_display, (long)pid, r->r_peer,
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		log_warn("display \"%s\": relay pid %ld for %s killed by "
		    "seccomp (SIGSYS): it attempted a forbidden system call",
		    r->r_display, (long)pid, r->r_peer);
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
		log_debug("display \"%s\": relay pid %ld for %s stopped",
		    r->r_display, (long)pid, r->r_peer);
	else if (WIFSIGNALED(status))
		log_warn("display \"%s\": relay pid %ld for %s killed by "
		    "signal %d (%s)", r->r_display, (long)pid, r->r_peer,
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	LIST_REMOVE(r, r_entry);
	free(r);
	return 1;
}

void
relay_stop_all(int sig)
{
	struct relay *r;

	LIST_FOREACH(r, &relay_all, r_entry)
		(void)kill(r->r_pid, sig);
}
