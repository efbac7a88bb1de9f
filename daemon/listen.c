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

static int
listen_add(struct display *d, int fd, int port, int tls, struct spd_err *err)
{
	struct listener *l;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		close(fd);
		return spd_err_set(err, "out of memory");
	}
	l->l_display = d;
	l->l_fd = fd;
	l->l_port = port;
	l->l_tls = tls;
	if ((l->l_ev = event_new(spiced_base, fd, EV_READ | EV_PERSIST,
	    listen_accept, l)) == NULL || event_add(l->l_ev, NULL) != 0) {
		close(fd);
		free(l);
		return spd_err_set(err, "cannot watch a listening socket");
	}
	LIST_INSERT_HEAD(&d->d_listeners, l, l_entry);
	return 0;
}

/* A TCP listener on host:portnum; tls: the display's TLS port. */
static int
listen_tcp(struct display *d, const char *host, int portnum, int tls,
    struct spd_err *err)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char port[16];
	int fd = -1, on = 1, rc, bound;

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
	bound = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		bound = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	return listen_add(d, fd, bound, tls, err);
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
	return listen_add(d, fd, 0, 0, err);
}

int
listen_display(struct display *d, struct spd_err *err)
{
	const struct conf_display *cd = d->d_conf;

	if (cd->cd_listen_host[0] != '\0' && listen_tcp(d, cd->cd_listen_host,
	    cd->cd_listen_port, 0, err) != 0)
		return -1;
	if (cd->cd_tls_host[0] != '\0' && d->d_tls != NULL &&
	    listen_tcp(d, cd->cd_tls_host, cd->cd_tls_port, 1, err) != 0)
		return -1;
	if (d->d_conf->cd_unix_path[0] != '\0' && listen_unix(d, err) != 0)
		return -1;
	return 0;
}

int
listen_tcp_port(const struct display *d)
{
	const struct listener *l;

	LIST_FOREACH(l, &d->d_listeners, l_entry)
		if (l->l_port != 0 && !l->l_tls)
			return l->l_port;
	return 0;
}

int
listen_tls_port(const struct display *d)
{
	const struct listener *l;

	LIST_FOREACH(l, &d->d_listeners, l_entry)
		if (l->l_tls)
			return l->l_port;
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
		free(l);
	}
	if (d->d_conf->cd_unix_path[0] != '\0')
		(void)unlink(d->d_conf->cd_unix_path);
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
