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
#include "service.h"
#include "session.h"
#include "tls.h"

struct listener {
	LIST_ENTRY(listener)	 l_entry;
	struct display		*l_display;
	int			 l_fd;
	int			 l_port;	/* TCP: bound port; UNIX: 0 */
	int			 l_tls;		/* the display's tls-port */
	int			 l_unlink;	/* a UNIX socket we bound */
	int			 l_ours;	/* not a socket unit's: kept in
						 * the fd store across restarts */
	struct event		*l_ev;
};

/* Where a listening socket came from. */
enum listen_origin {
	LISTEN_BOUND,		/* bound here */
	LISTEN_UNIT,		/* a socket unit's (socket activation) */
	LISTEN_KEPT,		/* bound by an earlier run, from the fd store */
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
 * socket file we bound, removed at shutdown unless systemd keeps the
 * socket for the next run.
 */
static int
listen_add(struct display *d, int fd, int tls, int own_path,
    enum listen_origin origin, struct spd_err *err)
{
	const struct conf_display *cd = d->d_conf;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct listener *l;
	char addr[LISTEN_ADDR_LEN];
	const char *from = origin == LISTEN_UNIT ? " (socket from systemd)" :
	    origin == LISTEN_KEPT ? " (kept from the previous run)" : "";

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		close(fd);
		return spd_err_set(err, "out of memory");
	}
	l->l_display = d;
	l->l_fd = fd;
	l->l_tls = tls;
	l->l_ours = origin != LISTEN_UNIT;
	/* The file must outlive us when the socket does. */
	l->l_unlink = own_path && getenv("NOTIFY_SOCKET") == NULL;
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

/*
 * 1 when this process's network namespace has no interface but the
 * loopback (systemd's PrivateNetwork=yes): a socket spiced binds there is
 * reachable from that namespace only.  Read from /proc/self/net/dev, an
 * interface a line after two header lines; 0 when it cannot be read.
 */
static int
listen_netns_isolated(void)
{
	char line[256], name[64];
	int n = 0, others = 0;
	FILE *f;

	if ((f = fopen("/proc/self/net/dev", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (++n > 2 && sscanf(line, " %63[^:]:", name) == 1 &&
		    strcmp(name, "lo") != 0)
			others++;
	fclose(f);
	return n > 2 && others == 0;
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
	if (listen_netns_isolated())
		log_warn("display \"%s\": %s %s:%s is bound in a network "
		    "namespace with only the loopback interface (systemd's "
		    "PrivateNetwork=yes?): only processes in that namespace "
		    "can reach it; under a unit, give that port to systemd "
		    "instead (a ListenStream= of the socket unit)", d->d_name,
		    tls ? "tls-port" : "listen", host, port);
	return listen_add(d, fd, tls, 0, LISTEN_BOUND, err);
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
	return listen_add(d, fd, 0, 1, LISTEN_BOUND, err);
}

/* Whether a kept TCP listener is bound where host:port resolves now. */
static int
listen_tcp_same(int fd, const char *host, int portnum)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char port[16];
	int same = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", portnum);
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL && !same; ai = ai->ai_next)
		same = ai->ai_family == ss.ss_family &&
		    ai->ai_addrlen <= len &&
		    memcmp(ai->ai_addr, &ss, ai->ai_addrlen) == 0;
	freeaddrinfo(res);
	return same;
}

/* Whether a kept UNIX listener still answers at the configured path. */
static int
listen_unix_same(int fd, const char *path)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	struct stat st;

	memset(&sun, 0, sizeof(sun));
	return getsockname(fd, (struct sockaddr *)&sun, &len) == 0 &&
	    strncmp(sun.sun_path, path, sizeof(sun.sun_path)) == 0 &&
	    stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/*
 * Listeners of one role: the sockets systemd passed for it (a socket
 * unit's, or ours from the fd store while they are still where the
 * configuration says), else our own bind when the role is configured.
 * 0 or -1 with err set.
 */
static int
listen_role(struct display *d, enum act_role role, int configured,
    struct spd_err *err)
{
	const struct conf_display *cd = d->d_conf;
	int fds[ACT_MAX_FDS], kept[ACT_MAX_FDS], n, i, taken = 0, same;

	if (!configured)
		return 0;	/* a socket passed for it stays unclaimed */
	n = act_claim(d->d_name, role, fds, kept, ACT_MAX_FDS);
	for (i = 0; i < n; i++) {
		if (kept[i]) {
			same = role == ACT_UNIX ?
			    listen_unix_same(fds[i], cd->cd_unix_path) :
			    role == ACT_TLS ? listen_tcp_same(fds[i],
			    cd->cd_tls_host, cd->cd_tls_port) :
			    listen_tcp_same(fds[i], cd->cd_listen_host,
			    cd->cd_listen_port);
			if (!same) {
				log_info("display \"%s\": the listener kept "
				    "from the previous run is not where the "
				    "configuration says now: binding anew",
				    d->d_name);
				close(fds[i]);
				continue;
			}
		}
		if (listen_add(d, fds[i], role == ACT_TLS, 0,
		    kept[i] ? LISTEN_KEPT : LISTEN_UNIT, err) != 0) {
			while (++i < n)
				close(fds[i]);
			return -1;
		}
		taken++;
	}
	if (taken > 0)
		return 0;
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
	const struct listener *l;
	char name[2][ACT_NAME_LEN];

	if (listen_role(d, ACT_TCP, cd->cd_listen_host[0] != '\0', err) != 0 ||
	    listen_role(d, ACT_TLS, d->d_tls != NULL, err) != 0 ||
	    listen_role(d, ACT_UNIX, cd->cd_unix_path[0] != '\0', err) != 0)
		return -1;
	/* systemd keeps exactly the listeners of ours that this run has,
	 * for the next one. */
	listen_forget(d);
	snprintf(name[0], sizeof(name[0]), "%s/kept", d->d_name);
	snprintf(name[1], sizeof(name[1]), "%s/tls/kept", d->d_name);
	LIST_FOREACH(l, &d->d_listeners, l_entry)
		if (l->l_ours)
			(void)svc_fdstore_put(l->l_fd, name[l->l_tls ? 1 : 0],
			    1);
	return 0;
}

void
listen_forget(const struct display *d)
{
	char name[ACT_NAME_LEN];

	snprintf(name, sizeof(name), "%s/kept", d->d_name);
	svc_fdstore_forget(name);
	snprintf(name, sizeof(name), "%s/tls/kept", d->d_name);
	svc_fdstore_forget(name);
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
listen_pause(struct display *d)
{
	struct listener *l;

	LIST_FOREACH(l, &d->d_listeners, l_entry)
		(void)event_del(l->l_ev);
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
