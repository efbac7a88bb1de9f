/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ports: see ports.h.  Channel ids follow the order ports are added:
 * usbredir 0, 1, ... for USB slots; port 0, 1, ... for named ports; the
 * one named QXLSHM_PORT_WEBDAV is webdav 0 (what spice-gtk's folder
 * sharing opens); a smartcard reader is smartcard 0.
 */
#include <sys/socket.h>

#include <ctype.h>
#include <string.h>
#include <unistd.h>

#include <spice/enums.h>

#include "log.h"
#include "ports.h"
#include "session.h"
#include "spice-link.h"
#include "worker-proc.h"

static int
ports_is_stream(int fd)
{
	int type, domain;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    type != SOCK_STREAM)
		return 0;
	len = sizeof(domain);
	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	    domain == AF_UNIX;
}

/* A name a log line and a client may show: printable ASCII, 1..63. */
static int
ports_name_ok(const char *name, size_t max)
{
	size_t i;

	for (i = 0; i < max && name[i] != '\0'; i++)
		if (!isprint((unsigned char)name[i]))
			return 0;
	return i > 0 && i < max;
}

int
ports_add(struct display *d, const struct qxlshm_port *qp, int fd,
    const char **why)
{
	struct display_port *p;
	uint8_t type, id = 0;
	int i;

	if (d->d_nports == QXLSHM_MAX_PORTS)
		return *why = "more than QXLSHM_MAX_PORTS ports", -1;
	if (!ports_name_ok(qp->name, sizeof(qp->name)) || qp->opened > 1)
		return *why = "PORT has a bad name or flag", -1;
	if (qp->kind == QXLSHM_PORT_USBREDIR)
		type = SPICE_CHANNEL_USBREDIR;
	else if (qp->kind == QXLSHM_PORT_NAMED)
		type = strcmp(qp->name, QXLSHM_PORT_WEBDAV) == 0 ?
		    SPICE_CHANNEL_WEBDAV : SPICE_CHANNEL_PORT;
	else if (qp->kind == QXLSHM_PORT_SMARTCARD)
		type = SPICE_CHANNEL_SMARTCARD;
	else
		return *why = "PORT of an unknown kind", -1;
	if (!ports_is_stream(fd))
		return *why = "the PORT fd is not an AF_UNIX SOCK_STREAM "
		    "socket", -1;
	for (i = 0; i < d->d_nports; i++) {
		if (strcmp(d->d_ports[i].dp_name, qp->name) == 0)
			return *why = "a second PORT of the same name", -1;
		if (d->d_ports[i].dp_type == type)
			id++;
	}
	if (type == SPICE_CHANNEL_WEBDAV && id > 0)
		return *why = "a second webdav PORT", -1;
	if (type == SPICE_CHANNEL_SMARTCARD && id > 0)
		return *why = "a second smartcard PORT", -1;
	p = &d->d_ports[d->d_nports++];
	memset(p, 0, sizeof(*p));
	p->dp_fd = fd;
	p->dp_kind = qp->kind;
	memcpy(p->dp_name, qp->name, sizeof(p->dp_name));
	p->dp_opened = qp->opened;
	p->dp_type = type;
	p->dp_id = id;
	log_info("display \"%s\": port \"%s\" serves %s channel %u (device "
	    "%s)", d->d_name, p->dp_name, spice_channel_name(type), id,
	    p->dp_opened ? "open" : "closed");
	return 0;
}

int
ports_state(struct display *d, const struct qxlshm_port_state *ps,
    const char **why)
{
	struct display_port *p;
	struct ipc_port_state st;

	if (ps->port >= (uint32_t)d->d_nports || ps->opened > 1)
		return *why = "PORT_STATE names no port or has a bad flag", -1;
	p = &d->d_ports[ps->port];
	p->dp_opened = (int)ps->opened;
	st.opened = ps->opened;
	if (p->dp_worker != NULL)
		(void)wproc_send(p->dp_worker, IPC_D2W_PORT_STATE, 0, 0, &st,
		    sizeof(st), NULL, 0);
	return 0;
}

static void
ports_stop(struct display_port *p, const char *reason)
{
	struct wproc *w = p->dp_worker;

	p->dp_worker = NULL;
	p->dp_owner = NULL;
	if (w != NULL) {
		w->w_session = NULL;
		w->w_gone = NULL;
		wproc_stop(w, reason);
	}
}

void
ports_clear(struct display *d)
{
	int i;

	for (i = 0; i < d->d_nports; i++) {
		ports_stop(&d->d_ports[i], "the producer went");
		close(d->d_ports[i].dp_fd);
	}
	d->d_nports = 0;
}

struct display_port *
ports_find(struct display *d, uint8_t type, uint8_t id)
{
	int i;

	for (i = 0; i < d->d_nports; i++)
		if (d->d_ports[i].dp_type == type && d->d_ports[i].dp_id == id)
			return &d->d_ports[i];
	return NULL;
}

void
ports_channels(const struct display *d, struct ipc_channels *ch)
{
	int i;

	for (i = 0; i < d->d_nports && ch->count < IPC_MAX_CHANNELS; i++) {
		ch->ch[ch->count].type = d->d_ports[i].dp_type;
		ch->ch[ch->count].id = d->d_ports[i].dp_id;
		ch->count++;
	}
}

/* The port's worker exited on its own (its client or stream closed). */
static void
ports_gone(struct wproc *w, const char *reason, void *arg)
{
	struct display_port *p = arg;

	(void)reason;
	if (p->dp_worker == w) {
		p->dp_worker = NULL;
		p->dp_owner = NULL;
	}
}

int
ports_start(struct display *d, struct display_port *p, struct session *s,
    uint32_t sid, int fd, const struct link_info *li, uint32_t conn)
{
	struct ipc_port ip;
	struct spd_err err;
	struct wproc *w;

	if ((w = wproc_spawn(WPROC_VMC, d, s, &err)) == NULL) {
		log_warn("display \"%s\": session %u: %s worker: %s",
		    d->d_name, sid, p->dp_name, err.msg);
		close(fd);
		return -1;
	}
	w->w_gone = ports_gone;
	w->w_gone_arg = p;
	p->dp_worker = w;
	p->dp_owner = s;
	memset(&ip, 0, sizeof(ip));
	ip.channel_type = p->dp_type;
	ip.channel_id = p->dp_id;
	ip.opened = (uint8_t)p->dp_opened;
	memcpy(ip.name, p->dp_name, sizeof(ip.name));
	/* A failed send stops the worker (ports_gone frees the port). */
	if (wproc_send(w, IPC_D2W_PORT_ATTACH, sid, 0, &ip, sizeof(ip),
	    &p->dp_fd, 1) != 0 || p->dp_worker != w ||
	    wproc_send(w, IPC_D2W_CLIENT, sid, conn, &li->client,
	    sizeof(li->client), &fd, 1) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void
ports_release(struct display *d, struct session *s)
{
	struct display_port *p;
	struct wproc *w;
	int i;

	for (i = 0; i < d->d_nports; i++) {
		p = &d->d_ports[i];
		if (p->dp_owner != s)
			continue;
		p->dp_owner = NULL;
		if ((w = p->dp_worker) == NULL)
			continue;
		/* Not stopped: asked to close its client, it ends once what
		 * it owes the device went (a smartcard reader's removal,
		 * without which the VM keeps the viewer's card; a usbredir
		 * stream's last bytes), 2 s at most (role-vmc.c).  The port
		 * serves no one until then (ports_gone). */
		w->w_session = NULL;
		w->w_released = 1;
		(void)wproc_send(w, IPC_D2W_SESSION_CLOSE, s->s_id, 0, NULL, 0,
		    NULL, 0);
	}
}

void
ports_adopt(struct display_port *p, struct session *s, struct wproc *w)
{
	p->dp_worker = w;
	p->dp_owner = s;
	w->w_gone = ports_gone;
	w->w_gone_arg = p;
	/* No session: released, as ports_release() left it; it drains. */
	w->w_released = s == NULL;
}
