/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * relay: the per-connection process that carries a security layer (TLS,
 * later a SASL security layer) when the kernel cannot (DESIGN.md 3).
 *
 * The supervisor forks it after authentication, with the layer's state in
 * memory (an SSL object, a SASL context); it is not re-executed, since
 * that state cannot cross exec.  In the child, in this order: every fd but
 * the client socket and its end of a socketpair is closed, rlimits, (as
 * root) namespaces, chroot to the empty run-dir, the display's worker
 * uid/gid, no_new_privs and not dumpable, then the
 * relay seccomp allowlist (shared/sandbox-policy.c).  Its name (comm) is
 * "spiced-relay".  It then pumps bytes: decoded input from the layer to
 * the socketpair, the socketpair's datagrams encoded to the client, each
 * in one layer write so that TLS records end where the worker's messages
 * end, until either side closes.  The worker gets the other end of the
 * SOCK_SEQPACKET socketpair (IPC_TRANSPORT_RELAYED).
 *
 * Known limit: a forked relay holds a copy of the supervisor's memory,
 * TLS private keys and the ticket key pool included; the sandbox keeps it
 * from sending them anywhere but its two sockets.  kTLS avoids the relay.
 */
#ifndef SPICED_RELAY_H
#define SPICED_RELAY_H

#include <sys/types.h>

#include "err.h"

/*
 * A security layer as the relay drives it, on a non-blocking client
 * socket.  read returns decoded bytes (> 0), 0 at the end of the stream,
 * or -1: errno EAGAIN with *want set to POLLIN or POLLOUT (what the layer
 * needs from the client socket to continue), any other errno = failed.
 * write likewise returns bytes consumed (> 0) or -1; a write that
 * returned EAGAIN is retried with the same bytes.  pending: decoded input
 * is buffered inside the layer.  close: a best-effort orderly close
 * toward the client (TLS close_notify).
 */
struct relay_layer_ops {
	const char	*rlo_name;
	ssize_t		(*rlo_read)(void *ctx, void *buf, size_t n,
			    short *want);
	ssize_t		(*rlo_write)(void *ctx, const void *buf, size_t n,
			    short *want);
	int		(*rlo_pending)(void *ctx);
	void		(*rlo_close)(void *ctx);
};

/* Who the relay runs as and what it logs. */
struct relay_conf {
	const char	*rc_display;	/* for logs */
	int		 rc_privileged;	/* root: chroot and change ids */
	uid_t		 rc_uid;
	gid_t		 rc_gid;
	const char	*rc_chroot;	/* empty dir (unprivileged: entered in a
					 * user namespace), or NULL */
	int		 rc_debug;
};

/*
 * Fork a relay for client_fd, whose bytes belong to the layer (ops, ctx).
 * On success returns 0 and *worker_fd is a new socket (O_NONBLOCK,
 * CLOEXEC) that carries the decoded stream; the caller still owns (and
 * should close) client_fd and ctx, which the child has its own copies of.
 * peer names the client in logs.  On failure returns -1 with err set.
 */
int	relay_spawn(const struct relay_layer_ops *ops, void *ctx,
	    int client_fd, const char *peer, const struct relay_conf *rc,
	    int *worker_fd, struct spd_err *err);

/* From the SIGCHLD handler: if pid was a relay, log how it ended, forget
 * it and return 1; else return 0. */
int	relay_reaped(pid_t pid, int status);

/* Send sig to every relay (shutdown: SIGTERM, then SIGKILL to the late
 * ones); they are reaped as usual. */
void	relay_stop_all(int sig);

#endif
