/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-qmp: see qemu-qmp.h.  QMP is JSON, one object per line; only the
 * top-level keys "QMP", "return", "error" and "event" matter here, so a
 * line is classified by which of them it starts with, and an error's
 * "desc" string is copied out for the message.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "qemu-qmp.h"

struct qqmp {
	int	 m_fd;
	char	 m_buf[QQMP_MAX_LINE];
	size_t	 m_len;		/* bytes in m_buf */
};

/* The next line (NUL-terminated, without its newline) into *line.  0, or
 * -1 with err set (timeout, closed, too long). */
static int
qqmp_line(struct qqmp *m, char **line, struct spd_err *err)
{
	struct pollfd pfd = { .fd = m->m_fd, .events = POLLIN };
	char *nl;
	ssize_t n;
	int rc;

	for (;;) {
		if ((nl = memchr(m->m_buf, '\n', m->m_len)) != NULL) {
			/* The caller's line stays valid until the next call:
			 * the rest is moved down then. */
			*nl = '\0';
			*line = m->m_buf;
			return 0;
		}
		if (m->m_len == sizeof(m->m_buf) - 1)
			return spd_err_set(err, "QMP: a line longer than %d "
			    "bytes", QQMP_MAX_LINE);
		if ((rc = poll(&pfd, 1, QQMP_TIMEOUT_MS)) == 0)
			return spd_err_set(err, "QMP: no answer in %d s",
			    QQMP_TIMEOUT_MS / 1000);
		if (rc < 0 && errno != EINTR)
			return spd_err_set(err, "QMP: poll: %s",
			    strerror(errno));
		if (rc < 0)
			continue;
		n = read(m->m_fd, m->m_buf + m->m_len,
		    sizeof(m->m_buf) - 1 - m->m_len);
		if (n == 0)
			return spd_err_set(err, "QMP: QEMU closed the "
			    "connection");
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return spd_err_set(err, "QMP: read: %s",
			    strerror(errno));
		if (n > 0)
			m->m_len += (size_t)n;
	}
}

/* Drop the line qqmp_line returned. */
static void
qqmp_consume(struct qqmp *m)
{
	size_t used = strlen(m->m_buf) + 1;

	memmove(m->m_buf, m->m_buf + used, m->m_len - used);
	m->m_len -= used;
}

/* Does the object on line start with key (the first key, as QEMU writes
 * its answers: {"return": ...}, {"error": ...}, {"event": ...})? */
static int
qqmp_is(const char *line, const char *key)
{
	char want[32];

	snprintf(want, sizeof(want), "{\"%s\":", key);
	return strncmp(line, want, strlen(want)) == 0;
}

/* The "desc" string of an error line, escapes left as they are. */
static void
qqmp_desc(const char *line, char *out, size_t outlen)
{
	const char *p = strstr(line, "\"desc\": \""), *e;
	size_t n;

	if (p == NULL) {
		snprintf(out, outlen, "(no description)");
		return;
	}
	p += strlen("\"desc\": \"");
	for (e = p; *e != '\0' && *e != '"'; e++)
		if (*e == '\\' && e[1] != '\0')
			e++;
	n = (size_t)(e - p) < outlen - 1 ? (size_t)(e - p) : outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Send cmd (one JSON line; with fd when fd >= 0) and wait for its answer,
 * skipping events. */
static int
qqmp_exec(struct qqmp *m, const char *cmd, int fd, struct spd_err *err)
{
	char *line, desc[256];

	if (fdpass_send(m->m_fd, cmd, strlen(cmd), fd >= 0 ? &fd : NULL,
	    fd >= 0 ? 1 : 0, err) == -1)
		return spd_err_prefix(err, "QMP");
	for (;;) {
		if (qqmp_line(m, &line, err) == -1)
			return -1;
		if (qqmp_is(line, "return")) {
			qqmp_consume(m);
			return 0;
		}
		if (qqmp_is(line, "error")) {
			qqmp_desc(line, desc, sizeof(desc));
			qqmp_consume(m);
			return spd_err_set(err, "QMP: QEMU refused %.40s: %s",
			    cmd, desc);
		}
		qqmp_consume(m);	/* an event */
	}
}

int
qqmp_add_display_client(const char *path, int fd, struct spd_err *err)
{
	struct sockaddr_un sun;
	struct qqmp *m;
	char *line;
	int rc = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return spd_err_set(err, "QMP socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return spd_err_set(err, "out of memory");
	if ((m->m_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(m->m_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		spd_err_set(err, "QMP socket %s: %s", path, strerror(errno));
		goto out;
	}
	/* The greeting, then capabilities negotiation ends. */
	if (qqmp_line(m, &line, err) == -1)
		goto out;
	if (!qqmp_is(line, "QMP")) {
		spd_err_set(err, "QMP socket %s: not a QMP greeting", path);
		goto out;
	}
	qqmp_consume(m);
	if (qqmp_exec(m, "{\"execute\": \"qmp_capabilities\"}\n", -1,
	    err) == -1 ||
	    qqmp_exec(m, "{\"execute\": \"getfd\", \"arguments\": "
	    "{\"fdname\": \"spiced-qemu\"}}\n", fd, err) == -1 ||
	    qqmp_exec(m, "{\"execute\": \"add_client\", \"arguments\": "
	    "{\"protocol\": \"@dbus-display\", \"fdname\": "
	    "\"spiced-qemu\"}}\n", -1, err) == -1)
		goto out;
	rc = 0;
out:
	if (m->m_fd >= 0)
		close(m->m_fd);
	free(m);
	return rc;
}
