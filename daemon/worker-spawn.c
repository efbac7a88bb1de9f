/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * worker-spawn: start spiced-worker processes with fork+exec (a fresh
 * address space per worker, as OpenSSH re-execs), the IPC socket on fd 3,
 * and reap them, logging why each one ended.
 */
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <poll.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "relay.h"
#include "service.h"
#include "sigfork.h"
#include "worker-proc.h"

/* Every worker, live or waiting to be reaped. */
static LIST_HEAD(, wproc) wproc_all = LIST_HEAD_INITIALIZER(wproc_all);

const char *
wproc_role_name(enum wproc_role role)
{
	switch (role) {
	case WPROC_MAIN:
		return "main";
	case WPROC_DISPLAY:
		return "display";
	case WPROC_KEYGEN:
		return "keygen";
	case WPROC_INPUTS:
		return "inputs";
	case WPROC_VMC:
		return "vmc";
	case WPROC_PLAYBACK:
		return "playback";
	case WPROC_RECORD:
		return "record";
	case WPROC_CURSOR:
		return "cursor";
	}
	return "?";
}

/* In the child: put the IPC socket on fd 3 and exec.  Only async-signal-
 * safe calls here. */
static void __attribute__((noreturn))
wproc_child_exec(int sock, char **argv, char **envp)
{
	/* sigfork() reset the caught ones; an ignored SIGPIPE would
	 * survive the exec. */
	signal(SIGPIPE, SIG_DFL);
	if (sock != 3) {
		if (dup2(sock, 3) < 0)
			_exit(126);
	} else if (fcntl(3, F_SETFD, 0) < 0)
		_exit(126);
	execve(argv[0], argv, envp);
	_exit(127);
}

/* Fill in w and watch its IPC socket fd.  -1: it was stopped. */
static int
wproc_watch(struct wproc *w, enum wproc_role role, struct display *d,
    struct session *s, pid_t pid, int fd)
{
	w->w_role = role;
	w->w_pid = pid;
	w->w_fd = fd;
	w->w_display = d;
	w->w_session = s;
	LIST_INSERT_HEAD(&wproc_all, w, w_entry);
	/* Non-blocking: a worker that stops reading must not stall us;
	 * a full socket ends that worker instead. */
	if (evutil_make_socket_nonblocking(w->w_fd) != 0 ||
	    (w->w_ev = event_new(spiced_base, w->w_fd, EV_READ | EV_PERSIST,
	    wproc_ipc_read, w)) == NULL || event_add(w->w_ev, NULL) != 0) {
		wproc_stop(w, "cannot watch its IPC socket");
		return -1;
	}
	return 0;
}

static void	wproc_forget(struct wproc *, const char *why);

/* An adopted worker's pidfd became readable: it ended.  Not our child:
 * whoever reaps it (init) has its status, so only the fact is logged. */
static void
wproc_adopted_end(evutil_socket_t fd, short what, void *arg)
{
	struct wproc *w = arg;

	log_debug("%s worker pid %ld (started by the previous supervisor) "
	    "ended", wproc_role_name(w->w_role), (long)w->w_pid);
	wproc_forget(w, "ended");
}

struct wproc *
wproc_adopt(enum wproc_role role, struct display *d, struct session *s,
    pid_t pid, int fd, int pidfd, int ready)
{
	struct wproc *w;

	/* Its end watched first: a worker stopped below (its IPC socket
	 * not watched) is then still forgotten once it is gone. */
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->w_pidev = event_new(spiced_base, pidfd, EV_READ,
	    wproc_adopted_end, w)) == NULL ||
	    event_add(w->w_pidev, NULL) != 0) {
		if (w != NULL && w->w_pidev != NULL)
			event_free(w->w_pidev);
		free(w);
		close(fd);
		close(pidfd);
		return NULL;
	}
	w->w_pidfd = pidfd;
	w->w_ready = ready;
	w->w_ready_unsure = !ready;
	if (wproc_watch(w, role, d, s, pid, fd) != 0)
		return NULL;
	return w;
}

int
wproc_pidfd(const struct wproc *w)
{
	if (w->w_pidfd >= 0)
		return fcntl(w->w_pidfd, F_DUPFD_CLOEXEC, 0);
	return pidfd_open(w->w_pid, 0);
}

/* Signal w: through its pidfd if it is not our child (its pid may be
 * another process's once init reaped it). */
static void
wproc_signal(const struct wproc *w, int sig)
{
	if (w->w_pidfd >= 0)
		(void)pidfd_send_signal(w->w_pidfd, sig, NULL, 0);
	else if (w->w_pid > 0)
		(void)kill(w->w_pid, sig);
}

struct wproc *
wproc_spawn(enum wproc_role role, struct display *d, struct session *s,
    struct spd_err *err)
{
	const struct conf_display *cd = d != NULL ? d->d_conf : NULL;
	/* The keygen helper serves every display: it has the supervisor's
	 * keygen-user and no display of its own. */
	const char *name = d != NULL ? d->d_name : "keygen";
	const struct conf_ids *ids = cd != NULL ? &cd->cd_worker :
	    &spiced_opts.so_keygen_ids;
	char arg_role[32], arg_disp[96], arg_uid[32], arg_gid[32], arg_mem[48];
	char arg_chroot[CONF_PATH_LEN + 16];
	/* Workers start with an empty environment: nothing in the
	 * supervisor's (systemd's variables, credentials a unit set, a
	 * KRB5_KTNAME) is theirs to see, and they need none of it. */
	char *argv[12], *envp[1] = { NULL };
	struct ipc_init init;
	struct wproc *w;
	int sv[2], argc = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return spd_err_errno(err, "socketpair for %s worker",
		    wproc_role_name(role)), NULL;
	snprintf(arg_role, sizeof(arg_role), "--role=%s",
	    wproc_role_name(role));
	snprintf(arg_disp, sizeof(arg_disp), "--display=%s", name);
	argv[argc++] = (char *)spiced_opts.so_worker_path;
	argv[argc++] = arg_role;
	argv[argc++] = arg_disp;
	if (spiced_opts.so_privileged) {
		snprintf(arg_uid, sizeof(arg_uid), "--uid=%u",
		    (unsigned)ids->uid);
		snprintf(arg_gid, sizeof(arg_gid), "--gid=%u",
		    (unsigned)ids->gid);
		argv[argc++] = arg_uid;
		argv[argc++] = arg_gid;
	}
	/* Unprivileged, a chroot means a user namespace (sandbox.h). */
	if (spiced_opts.so_chroot[0] != '\0') {
		snprintf(arg_chroot, sizeof(arg_chroot), "--chroot=%s",
		    spiced_opts.so_chroot);
		argv[argc++] = arg_chroot;
	}
	if (cd != NULL && cd->cd_worker_memory_mib != 0) {
		snprintf(arg_mem, sizeof(arg_mem), "--memory=%llu",
		    (unsigned long long)cd->cd_worker_memory_mib << 20);
		argv[argc++] = arg_mem;
	}
	if (spiced_opts.so_debug)
		argv[argc++] = "--debug";
	if (spiced_opts.so_test_triggers)
		argv[argc++] = "--test-triggers";
	argv[argc] = NULL;

	if ((pid = sigfork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		return spd_err_errno(err, "fork of %s worker",
		    wproc_role_name(role)), NULL;
	}
	if (pid == 0)
		wproc_child_exec(sv[1], argv, envp);
	close(sv[1]);

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		/* The child sees EOF on fd 3 and exits; reaped later. */
		close(sv[0]);
		return spd_err_set(err, "out of memory"), NULL;
	}
	w->w_pidfd = -1;
	if (wproc_watch(w, role, d, s, pid, sv[0]) != 0)
		return spd_err_set(err, "cannot watch worker IPC socket"), NULL;
	memset(&init, 0, sizeof(init));
	init.version = SPICED_IPC_VERSION;
	init.flags = spiced_opts.so_debug ? IPC_INIT_DEBUG : 0;
	if (spiced_opts.so_test_triggers)
		init.flags |= IPC_INIT_TEST_TRIGGERS;
	if (cd != NULL && role == WPROC_DISPLAY) {
		if (cd->cd_image_compression == CONF_IMAGE_OFF)
			init.flags |= IPC_INIT_IMAGES_RAW;
		else if (cd->cd_image_compression == CONF_IMAGE_QUIC)
			init.flags |= IPC_INIT_IMAGES_QUIC;
		else if (cd->cd_image_compression == CONF_IMAGE_LZ4)
			init.flags |= IPC_INIT_IMAGES_LZ4;
		else if (cd->cd_image_compression == CONF_IMAGE_GLZ)
			init.flags |= IPC_INIT_IMAGES_GLZ;
		else if (cd->cd_image_compression == CONF_IMAGE_LZ)
			init.flags |= IPC_INIT_IMAGES_LZ;
		else if (cd->cd_image_compression == CONF_IMAGE_AUTO_LZ)
			init.flags |= IPC_INIT_IMAGES_AUTO_LZ;
		if (cd->cd_jpeg_wan == CONF_JPEG_AUTO)
			init.flags |= IPC_INIT_JPEG_AUTO;
		else if (cd->cd_jpeg_wan == CONF_JPEG_ALWAYS)
			init.flags |= IPC_INIT_JPEG_ALWAYS;
		if (cd->cd_streaming == CONF_STREAM_OFF)
			init.flags |= IPC_INIT_STREAM_OFF;
		else if (cd->cd_streaming == CONF_STREAM_ALL)
			init.flags |= IPC_INIT_STREAM_ALL;
	}
	snprintf(init.display, sizeof(init.display), "%s", name);
	if (wproc_send(w, IPC_D2W_INIT, 0, 0, &init, sizeof(init), NULL,
	    0) != 0)
		return spd_err_set(err, "cannot send init to worker"), NULL;
	svc_changed();
	if (d != NULL)
		log_debug("display \"%s\": started %s worker pid %ld", name,
		    wproc_role_name(role), (long)pid);
	else
		log_debug("started %s worker pid %ld", wproc_role_name(role),
		    (long)pid);
	return w;
}

int
wproc_send(struct wproc *w, uint32_t type, uint32_t session, uint32_t conn,
    const void *payload, size_t len, const int *fds, int nfds)
{
	struct spd_err err;

	if (w->w_fd < 0)
		return -1;
	if (ipc_send(w->w_fd, type, session, conn, payload, len, fds, nfds,
	    &err) != 0) {
		log_warn("display \"%s\": %s worker pid %ld: %s",
		    w->w_display != NULL ? w->w_display->d_name : "?",
		    wproc_role_name(w->w_role), (long)w->w_pid, err.msg);
		wproc_stop(w, "IPC to the worker failed");
		return -1;
	}
	return 0;
}

/* Unhook a worker from the display and session that refer to it, and
 * tell its owner (w_gone) once. */
static void
wproc_detach(struct wproc *w, const char *reason)
{
	wproc_gone_cb gone = w->w_gone;

	w->w_display = NULL;
	w->w_session = NULL;
	w->w_gone = NULL;
	if (gone != NULL)
		gone(w, reason, w->w_gone_arg);
}

void
wproc_stop(struct wproc *w, const char *reason)
{
	if (w->w_pid > 0)
		log_debug("stopping %s worker pid %ld: %s",
		    wproc_role_name(w->w_role), (long)w->w_pid, reason);
	wproc_lost(w);
	wproc_detach(w, reason);
}

void
wproc_lost(struct wproc *w)
{
	if (w->w_ev != NULL) {
		event_free(w->w_ev);
		w->w_ev = NULL;
	}
	if (w->w_fd >= 0) {
		close(w->w_fd);
		w->w_fd = -1;
	}
	wproc_signal(w, SIGTERM);
}

static void
wproc_log_exit(const struct wproc *w, int status)
{
	const char *role = wproc_role_name(w->w_role);
	long pid = (long)w->w_pid;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_debug("%s worker pid %ld exited", role, pid);
	else if (WIFEXITED(status))
		log_warn("%s worker pid %ld exited with status %d%s", role,
		    pid, WEXITSTATUS(status), WEXITSTATUS(status) == 127 ?
		    " (cannot execute the worker binary)" : "");
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		log_warn("%s worker pid %ld killed by seccomp (SIGSYS): it "
		    "attempted a forbidden system call", role, pid);
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM &&
	    w->w_fd < 0)
		log_debug("%s worker pid %ld stopped", role, pid);
	else if (WIFSIGNALED(status))
		log_warn("%s worker pid %ld killed by signal %d (%s)", role,
		    pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
}

/* How a worker ended, for its owner's log line. */
static const char *
wproc_exit_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d, %s",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended");
	return buf;
}

/* w ended: its owner is told, and it is freed. */
static void
wproc_forget(struct wproc *w, const char *why)
{
	w->w_pid = 0;
	wproc_stop(w, why);
	if (w->w_pidev != NULL)
		event_free(w->w_pidev);
	if (w->w_pidfd >= 0)
		close(w->w_pidfd);
	LIST_REMOVE(w, w_entry);
	free(w);
	svc_changed();
}

/* Adopted workers that ended (at shutdown, outside the event loop). */
static void
wproc_reap_adopted(void)
{
	struct wproc *w, *next;
	struct pollfd pfd;

	for (w = LIST_FIRST(&wproc_all); w != NULL; w = next) {
		next = LIST_NEXT(w, w_entry);
		pfd.fd = w->w_pidfd;
		pfd.events = POLLIN;
		if (w->w_pidfd >= 0 && poll(&pfd, 1, 0) == 1)
			wproc_forget(w, "ended");
	}
}

void
wproc_reap(void)
{
	struct wproc *w, *next;
	char why[64];
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (relay_reaped(pid, status))
			continue;
		for (w = LIST_FIRST(&wproc_all); w != NULL; w = next) {
			next = LIST_NEXT(w, w_entry);
			if (w->w_pid != pid || w->w_pidfd >= 0)
				continue;
			wproc_log_exit(w, status);
			wproc_forget(w, wproc_exit_str(status, why,
			    sizeof(why)));
			break;
		}
	}
}

void
wproc_reap_all(int timeout_ms)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	struct wproc *w;
	int waited = 0, killed = 0;

	for (;;) {
		wproc_reap();
		wproc_reap_adopted();
		/* Children we no longer track (none should be) count too. */
		if (LIST_EMPTY(&wproc_all) && waitpid(-1, NULL, WNOHANG) < 0 &&
		    errno == ECHILD)
			return;
		if (waited >= timeout_ms && !killed) {
			log_warn("children still running %d ms after SIGTERM; "
			    "killing them", timeout_ms);
			LIST_FOREACH(w, &wproc_all, w_entry)
				wproc_signal(w, SIGKILL);
			relay_stop_all(SIGKILL);
			killed = 1;
		}
		if (waited >= 2 * timeout_ms)
			return;
		nanosleep(&tick, NULL);
		waited += 5;
	}
}

void
wproc_stop_all(void)
{
	struct wproc *w;

	LIST_FOREACH(w, &wproc_all, w_entry)
		wproc_stop(w, "spiced is shutting down");
}
