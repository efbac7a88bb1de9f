/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* listen: client sockets of a display; see listen.h. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activation.h"
#include "listen.h"
#include "log.h"
#include "session.h"
#include "tls.h"

struct listener {
	LIST_ENTRY(listener)	 l_entry;
	struct display		*l_display;
	int			 l_fd;
	int			 l_port;	/* TCP: bound port; UNIX: 0 */
	int			 l_tls;		/* the display's tls-port */
	int			 l_unlink;	/* a UNIX socket we bound */
	struct event		*l_ev;
};

static void
listen_peer_name(const struct sockaddr_storage *ss, socklen_t len,
    char *out, size_t outlen)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (ss->ss_family == AF_UNIX) {
		snprintf(out, outlen, "unix");
		return;
	}
	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, outlen, "?");
		return;
	}
	snprintf(out, outlen, ss->ss_family == AF_INET6 ? "[%s]:%s" :
	    "%s:%s", host, serv);
}

static void
listen_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct listener *l = arg;
	struct display *d = l->l_display;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char peer[IPC_ADDR_LEN];
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("display \"%s\": accept: %s", d->d_name,
			    strerror(errno));
		return;
	}
	listen_peer_name(&ss, len, peer, sizeof(peer));
	if (l->l_tls)
		(void)tls_link_start(d->d_tls, spiced_base, fd, peer,
		    &d->d_policy, session_link_admit, session_link_handoff, d);
	else
		(void)link_start(spiced_base, fd, peer, &d->d_policy,
		    session_link_admit, session_link_handoff, d);
}

/*
 * Watch a listening socket of the display (taken in every case) and log
 * where it listens.  tls: the display's TLS port; own_path: the UNIX
 * socket file we bound, removed at shutdown; systemd: passed by systemd.
 */
static int
listen_add(struct display *d, int fd, int tls, int own_path, int systemd,
    struct spd_err *err)
{
	const struct conf_display *cd = d->d_conf;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct listener *l;
	char addr[LISTEN_ADDR_LEN];
	const char *from = systemd ? " (socket from systemd)" : "";

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		close(fd);
		return spd_err_set(err, "out of memory");
	}
	l->l_display = d;
	l->l_fd = fd;
	l->l_tls = tls;
	l->l_unlink = own_path;
	memset(&ss, 0, sizeof(ss));
	(void)getsockname(fd, (struct sockaddr *)&ss, &sslen);
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		l->l_port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	if ((l->l_ev = event_new(spiced_base, fd, EV_READ | EV_PERSIST,
	    listen_accept, l)) == NULL || event_add(l->l_ev, NULL) != 0) {
		if (l->l_ev != NULL)
			event_free(l->l_ev);
		close(fd);
		free(l);
		return spd_err_set(err, "cannot watch a listening socket");
	}
	LIST_INSERT_HEAD(&d->d_listeners, l, l_entry);
	if (ss.ss_family == AF_UNIX)
		snprintf(addr, sizeof(addr), "%.*s",
		    (int)sizeof(((struct sockaddr_un *)&ss)->sun_path),
		    ((struct sockaddr_un *)&ss)->sun_path);
	else
		listen_peer_name(&ss, sslen, addr, sizeof(addr));
	if (tls)
		log_info("display \"%s\": listening for TLS on %s (kTLS %s)%s",
		    d->d_name, addr, !cd->cd_tls_ktls ? "off" :
		    tls_ktls_available() ? "available" :
		    "unavailable: tls ULP missing, relay in use", from);
	else
		log_info("display \"%s\": listening on %s%s", d->d_name, addr,
		    from);
	return 0;
}

/* A TCP listener on host:portnum; tls: the display's TLS port. */
static int
listen_tcp(struct display *d, const char *host, int portnum, int tls,
    struct spd_err *err)
{
	struct addrinfo hints, *res, *ai;
	char port[16];
	int fd = -1, on = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", portnum);
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return spd_err_set(err, "display \"%s\": %s address %s: "
		    "%s", d->d_name, tls ? "tls-port" : "listen", host,
		    gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 64) == 0)
			break;
		spd_err_errno(err, "display \"%s\": %s on %s:%s",
		    d->d_name, tls ? "tls-port" : "listen", host, port);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	return listen_add(d, fd, tls, 0, 0, err);
}

static int
listen_unix(struct display *d, struct spd_err *err)
{
	const char *path = d->d_conf->cd_unix_path;
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return spd_err_errno(err, "display \"%s\": socket %s",
		    d->d_name, path);
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(path, 0660) != 0 || listen(fd, 64) != 0) {
		spd_err_errno(err, "display \"%s\": listen on %s", d->d_name,
		    path);
		close(fd);
		return -1;
	}
	return listen_add(d, fd, 0, 1, 0, err);
}

/*
 * Listeners of one role: the sockets systemd passed for it, else our own
 * bind when the role is configured.  0 or -1 with err set.
 */
static int
listen_role(struct display *d, enum act_role role, int configured,
    struct spd_err *err)
{
	const struct conf_display *cd = d->d_conf;
	int fds[ACT_MAX_FDS], n, i;

	if (!configured)
		return 0;	/* a socket passed for it stays unclaimed */
	if ((n = act_claim(d->d_name, role, fds, ACT_MAX_FDS)) > 0) {
		for (i = 0; i < n; i++)
			if (listen_add(d, fds[i], role == ACT_TLS, 0, 1,
			    err) != 0) {
				while (++i < n)
					close(fds[i]);
				return -1;
			}
		return 0;
	}
	switch (role) {
	case ACT_TCP:
		return listen_tcp(d, cd->cd_listen_host, cd->cd_listen_port, 0,
		    err);
	case ACT_TLS:
		return listen_tcp(d, cd->cd_tls_host, cd->cd_tls_port, 1, err);
	default:
		return listen_unix(d, err);
	}
}

int
listen_display(struct display *d, struct spd_err *err)
{
	const struct conf_display *cd = d->d_conf;

	if (listen_role(d, ACT_TCP, cd->cd_listen_host[0] != '\0', err) != 0 ||
	    listen_role(d, ACT_TLS, d->d_tls != NULL, err) != 0 ||
	    listen_role(d, ACT_UNIX, cd->cd_unix_path[0] != '\0', err) != 0)
		return -1;
	return 0;
}

void
listen_shutdown(struct display *d)
{
	struct listener *l;

	while ((l = LIST_FIRST(&d->d_listeners)) != NULL) {
		LIST_REMOVE(l, l_entry);
		event_free(l->l_ev);
		close(l->l_fd);
		/* A socket file systemd made is systemd's to remove. */
		if (l->l_unlink)
			(void)unlink(d->d_conf->cd_unix_path);
		free(l);
	}
}

void
listen_ports(const struct display *d, int *port, int *tls_port)
{
	const struct listener *l;

	*port = *tls_port = 0;
	LIST_FOREACH(l, &d->d_listeners, l_entry) {
		if (l->l_port == 0)
			continue;
		if (l->l_tls && *tls_port == 0)
			*tls_port = l->l_port;
		else if (!l->l_tls && *port == 0)
			*port = l->l_port;
	}
}

size_t
listen_addrs(const struct display *d, char (*out)[LISTEN_ADDR_LEN],
    size_t max)
{
	const struct listener *l;
	struct sockaddr_storage ss;
	socklen_t len;
	size_t n = 0;

	LIST_FOREACH(l, &d->d_listeners, l_entry) {
		if (n == max)
			break;
		len = sizeof(ss);
		if (getsockname(l->l_fd, (struct sockaddr *)&ss, &len) != 0)
			continue;
		if (ss.ss_family == AF_UNIX)
			snprintf(out[n], LISTEN_ADDR_LEN, "unix:%.*s",
			    (int)sizeof(((struct sockaddr_un *)&ss)->sun_path),
			    ((struct sockaddr_un *)&ss)->sun_path);
		else
			listen_peer_name(&ss, len, out[n], LISTEN_ADDR_LEN);
		n++;
	}
	return n;
}
