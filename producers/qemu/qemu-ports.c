/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-ports: see qemu-ports.h.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "qemu-ports.h"

struct qport {
	struct qemu	*p_q;
	int		 p_index;	/* spiced's number for it */
	sd_bus_slot	*p_match;	/* FEOpened changes */
};

struct qports {
	struct qport	 ps_port[QXLSHM_MAX_PORTS];
	int		 ps_n;
};

static int
qports_changed_cb(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qport *p = arg;
	int open;

	(void)ret;
	if ((open = qchardev_opened_changed(m)) >= 0 &&
	    qxlshm_port_state(p->p_q->q_shm, p->p_index, open) == -1)
		qemu_quit(p->p_q, 1, "spiced: %s", qxlshm_error(p->p_q->q_shm));
	return 0;
}

/* The port kind a chardev's name asks for. */
static uint32_t
qports_kind(const char *name)
{
	if (strncmp(name, QPORTS_USBREDIR_PREFIX,
	    strlen(QPORTS_USBREDIR_PREFIX)) == 0)
		return QXLSHM_PORT_USBREDIR;
	if (strncmp(name, QPORTS_SMARTCARD_PREFIX,
	    strlen(QPORTS_SMARTCARD_PREFIX)) == 0)
		return QXLSHM_PORT_SMARTCARD;
	return QXLSHM_PORT_NAMED;
}

int
qports_add(struct qemu *q, const struct qchardev *cd, struct spd_err *err)
{
	struct qports *ps = q->q_ports;
	struct qport *p;
	uint32_t kind;
	int sv[2], open = 0, r;

	if (!(qxlshm_features(q->q_shm) & QXLSHM_F_PORTS))
		return spd_err_set(err, "spiced did not grant ports");
	if (ps == NULL && (ps = q->q_ports = calloc(1, sizeof(*ps))) == NULL)
		return spd_err_set(err, "out of memory");
	if (ps->ps_n == QXLSHM_MAX_PORTS)
		return spd_err_set(err, "chardev %s: more than %d ports",
		    cd->cd_name, QXLSHM_MAX_PORTS);
	kind = qports_kind(cd->cd_name);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return spd_err_set(err, "socketpair: %s", strerror(errno));
	/* One end to QEMU, the other to spiced: both hold copies. */
	if (qchardev_register(q, cd, sv[0], &open, err) == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[0]);
	p = &ps->ps_port[ps->ps_n];
	p->p_q = q;
	p->p_index = qxlshm_port_add(q->q_shm, kind, cd->cd_name, open, sv[1]);
	close(sv[1]);
	if (p->p_index == -1)
		return spd_err_set(err, "spiced: %s", qxlshm_error(q->q_shm));
	if ((r = sd_bus_match_signal(q->q_bus, &p->p_match, q->q_dest, cd->cd_path,
	    "org.freedesktop.DBus.Properties", "PropertiesChanged",
	    qports_changed_cb, p)) < 0)
		return spd_err_set(err, "chardev %s: %s", cd->cd_name,
		    strerror(-r));
	ps->ps_n++;
	log_info("port %s: %s (device %s)", cd->cd_name, kind ==
	    QXLSHM_PORT_USBREDIR ? "USB redirection" : kind ==
	    QXLSHM_PORT_SMARTCARD ? "smartcard reader" : "named port",
	    open ? "open" : "closed");
	return 0;
}

void
qports_free(struct qemu *q)
{
	struct qports *ps = q->q_ports;
	int i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->ps_n; i++)
		sd_bus_slot_unref(ps->ps_port[i].p_match);
	free(ps);
	q->q_ports = NULL;
}
