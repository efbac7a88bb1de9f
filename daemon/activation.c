/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* activation: sockets from systemd; see activation.h. */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "activation.h"
#include "log.h"
#include "service.h"

struct act_fd {
	int	af_fd;		/* -1 once claimed */
	int	af_family;
	int	af_kept;	/* from the fd store: "NAME/kept" */
	char	af_name[ACT_NAME_LEN];	/* without "/kept" */
};

#define ACT_KEPT_SUFFIX	"/kept"

static struct act_fd	act_fds[ACT_MAX_FDS];
static int		act_nfds;
static int		act_tickets = -1;
static int		act_handoff = -1;

int
act_init(struct spd_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char **names = NULL;
	int n, i, fd, fl, rc = -1;

	if ((n = sd_listen_fds_with_names(1, &names)) < 0)
		return spd_err_set(err, "socket activation: %s", strerror(-n));
	if (n > ACT_MAX_FDS) {
		spd_err_set(err, "socket activation: %d sockets passed, at "
		    "most %d", n, ACT_MAX_FDS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		fd = SD_LISTEN_FDS_START + i;
		/* Ours from the fd store, and not a socket: the tickets. */
		if (strcmp(names[i], ACT_TICKETS_NAME) == 0 &&
		    act_tickets == -1 && sd_is_socket(fd, AF_UNSPEC, 0, -1) <= 0) {
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
			act_tickets = fd;
			act_fds[i].af_fd = -1;
			continue;
		}
		/* Ours from the fd store: the last supervisor's state. */
		if (strcmp(names[i], ACT_HANDOFF_NAME) == 0 &&
		    act_handoff == -1 && sd_is_socket(fd, AF_UNIX,
		    SOCK_SEQPACKET, 0) > 0) {
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
			act_handoff = fd;
			act_fds[i].af_fd = -1;
			continue;
		}
		len = sizeof(ss);
		if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0 ||
		    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
			spd_err_set(err, "socket activation: fd %d (\"%s\") "
			    "is not a listening stream socket", fd, names[i]);
			goto out;
		}
		/* systemd names a socket "unknown" unless the unit sets
		 * FileDescriptorName=, which is how it finds its display. */
		if (strlen(names[i]) >= ACT_NAME_LEN ||
		    strcmp(names[i], "unknown") == 0) {
			spd_err_set(err, "socket activation: fd %d is named "
			    "\"%.40s\"; name it after its display with "
			    "FileDescriptorName=DISPLAY or DISPLAY/tls", fd,
			    names[i]);
			goto out;
		}
		if ((fl = fcntl(fd, F_GETFL)) == -1 ||
		    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			spd_err_errno(err, "socket activation: fd %d", fd);
			goto out;
		}
		act_fds[i].af_fd = fd;
		act_fds[i].af_family = ss.ss_family;
		snprintf(act_fds[i].af_name, sizeof(act_fds[i].af_name),
		    "%s", names[i]);
		len = (socklen_t)strlen(names[i]);
		if (len > strlen(ACT_KEPT_SUFFIX) && strcmp(names[i] + len -
		    strlen(ACT_KEPT_SUFFIX), ACT_KEPT_SUFFIX) == 0) {
			act_fds[i].af_kept = 1;
			act_fds[i].af_name[len - strlen(ACT_KEPT_SUFFIX)] =
			    '\0';
		}
		log_debug("socket activation: fd %d \"%s\"", fd, names[i]);
	}
	act_nfds = n;
	rc = 0;
out:
	for (i = 0; names != NULL && names[i] != NULL; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int
act_matches(const struct act_fd *a, const char *display, enum act_role role)
{
	size_t n = strlen(display);

	if (a->af_fd < 0 || strncmp(a->af_name, display, n) != 0)
		return 0;
	if (role == ACT_TLS)
		return strcmp(a->af_name + n, "/tls") == 0;
	if (a->af_name[n] != '\0')
		return 0;
	return role == ACT_UNIX ? a->af_family == AF_UNIX :
	    a->af_family == AF_INET || a->af_family == AF_INET6;
}

int
act_claim(const char *display, enum act_role role, int *fds, int *kept,
    int max)
{
	int i, n = 0;

	for (i = 0; i < act_nfds && n < max; i++)
		if (act_matches(&act_fds[i], display, role)) {
			kept[n] = act_fds[i].af_kept;
			fds[n++] = act_fds[i].af_fd;
			act_fds[i].af_fd = -1;
		}
	return n;
}


int
act_check_claimed(struct spd_err *err)
{
	char kept[ACT_NAME_LEN + sizeof(ACT_KEPT_SUFFIX)];
	int i;

	for (i = 0; i < act_nfds; i++) {
		if (act_fds[i].af_fd < 0)
			continue;
		/* A listener of an earlier run whose display is gone: no
		 * reason to stop, only to let it go. */
		if (act_fds[i].af_kept) {
			log_info("fd store: letting go of the listener kept for "
			    "\"%s\": no display of that name now",
			    act_fds[i].af_name);
			close(act_fds[i].af_fd);
			act_fds[i].af_fd = -1;
			snprintf(kept, sizeof(kept), "%s%s", act_fds[i].af_name,
			    ACT_KEPT_SUFFIX);
			svc_fdstore_forget(kept);
			continue;
		}
		return spd_err_set(err, "socket activation: fd %d "
			    "(\"%s\") names no display, or a listener its "
			    "display does not configure (listen, tls-port, "
			    "unix-socket)", act_fds[i].af_fd,
			    act_fds[i].af_name);
	}
	return 0;
}

int
act_take_tickets(void)
{
	int fd = act_tickets;

	act_tickets = -1;
	return fd;
}

int
act_take_handoff(void)
{
	int fd = act_handoff;

	act_handoff = -1;
	return fd;
}
