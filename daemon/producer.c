/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * producer: qxl-shm control in the supervisor.  State machine per attached
 * producer:  HELLO -> (MEMSLOT_ADD)* -> ATTACH -> running (CREATE_PRIMARY,
 * DESTROY_PRIMARY, DETACH).  Any violation sends QXLSHM_MSG_ERROR with the
 * reason and closes that producer; the display and its sessions go on.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "producer.h"
#include "qxl-shm.h"
#include "sbuf.h"
#include "service.h"
#include "session.h"
#include "worker-proc.h"

enum producer_state {
	PRODUCER_HELLO,		/* waiting for HELLO */
	PRODUCER_SETUP,		/* memslots, then ATTACH */
	PRODUCER_RUNNING,	/* display worker consuming */
};

struct producer_slot {
	int		ps_fd;		/* -1: unused */
	uint32_t	ps_gen;
	uint64_t	ps_size;
};

struct producer {
	struct display		*p_display;
	int			 p_fd;
	struct event		*p_ev;
	enum producer_state	 p_state;
	char			 p_name[64];
	pid_t			 p_pid;
	struct producer_slot	 p_slots[QXLSHM_MAX_SLOTS];
};

/* One listener per display; kept beside the display (not in struct
 * display) because only this file knows it. */
struct producer_listener {
	struct display	*pl_display;
	int		 pl_fd;
	struct event	*pl_ev;
};

static struct producer_listener	*producer_listeners[CONF_MAX_DISPLAYS];
static size_t			 producer_nlisteners;

static void
producer_free(struct producer *p)
{
	size_t i;

	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		if (p->p_slots[i].ps_fd >= 0)
			close(p->p_slots[i].ps_fd);
	if (p->p_ev != NULL)
		event_free(p->p_ev);
	if (p->p_fd >= 0)
		close(p->p_fd);
	free(p);
}

static void
producer_send(struct producer *p, uint32_t type, const void *payload,
    size_t len)
{
	uint8_t buf[QXLSHM_MAX_MSG];
	struct qxlshm_hdr h = { type, (uint32_t)len };
	struct spd_err err;

	if (sizeof(h) + len > sizeof(buf))
		return;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, len);
	if (fdpass_send(p->p_fd, buf, sizeof(h) + len, NULL, 0, &err) != 0)
		log_debug("display \"%s\": to producer: %s",
		    p->p_display->d_name, err.msg);
}

/* Tell a producer why it is being dropped (code != 0) and log it. */
static void
producer_report(struct producer *p, uint32_t code, const char *reason)
{
	struct display *d = p->p_display;
	struct qxlshm_error e;

	if (code == 0) {
		log_info("display \"%s\": producer \"%s\" (pid %ld) detached: "
		    "%s", d->d_name, p->p_name, (long)p->p_pid, reason);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.code = code;
	snprintf(e.reason, sizeof(e.reason), "%s", reason);
	producer_send(p, QXLSHM_MSG_ERROR, &e, sizeof(e));
	log_warn("display \"%s\": producer \"%s\" (pid %ld) dropped: %s",
	    d->d_name, p->p_name, (long)p->p_pid, reason);
}

/* Refuse a producer that never became the display's producer. */
static void
producer_refuse(struct producer *p, uint32_t code, const char *reason)
{
	producer_report(p, code, reason);
	producer_free(p);
}

/* Detach the display's producer: report, drop it and its worker. */
static void
producer_detach(struct producer *p, uint32_t code, const char *reason)
{
	struct display *d = p->p_display;
	struct wproc *w;

	producer_report(p, code, reason);
	d->d_producer = NULL;
	d->d_primary = 0;
	producer_free(p);
	if ((w = d->d_worker) != NULL) {
		d->d_worker = NULL;
		wproc_stop(w, "producer detached");
		session_channels_changed(d);
	}
	svc_status();
}

void
producer_worker_gone(struct display *d, const char *reason)
{
	char why[256];

	snprintf(why, sizeof(why), "display worker ended (%s)", reason);
	if (d->d_producer != NULL)
		producer_detach(d->d_producer, QXLSHM_E_FAULT, why);
	session_channels_changed(d);
	svc_status();
}

void
producer_fault(struct display *d, const char *reason)
{
	if (d->d_producer != NULL)
		producer_detach(d->d_producer, QXLSHM_E_FAULT, reason);
}

void
producer_primary_done(struct display *d, uint32_t created)
{
	struct qxlshm_primary_done pd;

	if (d->d_producer == NULL ||
	    d->d_producer->p_state != PRODUCER_RUNNING)
		return;
	pd.created = created;
	producer_send(d->d_producer, QXLSHM_MSG_PRIMARY_DONE, &pd,
	    sizeof(pd));
}

static int
producer_on_hello(struct producer *p, struct sbuf *sb, const char **why)
{
	struct qxlshm_hello h;
	struct qxlshm_hello_reply r;

	if (sbuf_get_bytes(sb, &h, sizeof(h)) != 0 || sbuf_left(sb) != 0)
		return *why = "HELLO has the wrong size", -1;
	if (h.magic != QXLSHM_MAGIC)
		return *why = "HELLO has a bad magic", -1;
	if (h.major != QXLSHM_VERSION_MAJOR)
		return *why = "unsupported protocol major version", -2;
	h.name[sizeof(h.name) - 1] = '\0';
	snprintf(p->p_name, sizeof(p->p_name), "%s", h.name);
	memset(&r, 0, sizeof(r));
	r.magic = QXLSHM_MAGIC;
	r.major = QXLSHM_VERSION_MAJOR;
	r.minor = QXLSHM_VERSION_MINOR;
	r.features = 0;
	producer_send(p, QXLSHM_MSG_HELLO_REPLY, &r, sizeof(r));
	p->p_state = PRODUCER_SETUP;
	return 0;
}

/* A memfd a worker will map must not shrink under it (SIGBUS). */
static int
producer_check_memfd(int fd, uint64_t size, const char **why)
{
	struct stat st;
	int seals;

	if ((seals = fcntl(fd, F_GET_SEALS)) < 0)
		return *why = "memslot fd is not a sealable memfd", -1;
	if (!(seals & F_SEAL_SHRINK))
		return *why = "producer memfd not sealed against shrinking", -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return *why = "memslot fd cannot be inspected", -1;
	if ((uint64_t)st.st_size < size)
		return *why = "memfd shorter than the memslot size it "
		    "claims", -1;
	return 0;
}

static int
producer_on_memslot(struct producer *p, struct sbuf *sb, int *fds, int nfds,
    const char **why)
{
	struct qxlshm_memslot_add m;
	struct producer_slot *slot;

	if (sbuf_get_bytes(sb, &m, sizeof(m)) != 0 || sbuf_left(sb) != 0 ||
	    nfds != 1)
		return *why = "MEMSLOT_ADD needs its payload and one fd", -1;
	if (m.slot_id >= QXLSHM_MAX_SLOTS)
		return *why = "memslot id out of range", -1;
	if (m.generation > 0xff)
		return *why = "memslot generation above 255", -1;
	if (m.size == 0 || m.size > QXLSHM_MAX_SLOT_SIZE)
		return *why = "memslot size zero or above the limit", -1;
	slot = &p->p_slots[m.slot_id];
	if (slot->ps_fd >= 0)
		return *why = "memslot id already in use", -1;
	if (producer_check_memfd(fds[0], m.size, why) != 0)
		return -3;
	slot->ps_fd = fds[0];
	fds[0] = -1;
	slot->ps_gen = m.generation;
	slot->ps_size = m.size;
	return 0;
}

/* Only eventfds may serve as doorbells: a worker writes 8-byte counters
 * to them and nothing else. */
static int
producer_is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
		return 0;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}

static int
producer_on_attach(struct producer *p, struct sbuf *sb, int *fds, int nfds,
    const char **why)
{
	struct display *d = p->p_display;
	struct qxlshm_attach a;
	struct ipc_memslot ms;
	struct ipc_device dev;
	struct spd_err err;
	size_t i;

	if (sbuf_get_bytes(sb, &a, sizeof(a)) != 0 || sbuf_left(sb) != 0 ||
	    nfds != QXLSHM_ATTACH_NFDS)
		return *why = "ATTACH needs its payload and three fds", -1;
	if (a.ram_slot >= QXLSHM_MAX_SLOTS ||
	    p->p_slots[a.ram_slot].ps_fd < 0)
		return *why = "ATTACH names a memslot that was not added", -1;
	if (a.ram_offset % QXLSHM_RAM_ALIGN != 0 ||
	    a.ram_offset > p->p_slots[a.ram_slot].ps_size ||
	    p->p_slots[a.ram_slot].ps_size - a.ram_offset <
	    QXLSHM_RAM_REGION_SIZE)
		return *why = "ATTACH device region misaligned or beyond its "
		    "memslot", -1;
	for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
		if (!producer_is_eventfd(fds[i]))
			return *why = "ATTACH doorbells must be eventfds", -1;
	if (d->d_worker != NULL)
		return *why = "display worker still running", -1;
	if ((d->d_worker = wproc_spawn(WPROC_DISPLAY, d, NULL, &err)) ==
	    NULL) {
		log_warn("display \"%s\": %s", d->d_name, err.msg);
		return *why = "cannot start the display worker", -1;
	}
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++) {
		struct producer_slot *s = &p->p_slots[i];

		if (s->ps_fd < 0)
			continue;
		memset(&ms, 0, sizeof(ms));
		ms.slot_id = (uint32_t)i;
		ms.generation = s->ps_gen;
		ms.size = s->ps_size;
		if (d->d_worker == NULL || wproc_send(d->d_worker,
		    IPC_D2W_MEMSLOT, 0, 0, &ms, sizeof(ms), &s->ps_fd, 1) != 0)
			return *why = "display worker failed", -1;
		/* The worker has its own copy now. */
		close(s->ps_fd);
		s->ps_fd = -1;
	}
	memset(&dev, 0, sizeof(dev));
	dev.ram_slot = a.ram_slot;
	dev.ram_offset = a.ram_offset;
	/* Only the command doorbell and the irq go to the display worker.
	 * The cursor doorbell is closed with the rest of fds[] by the caller:
	 * no cursor worker consumes the cursor ring yet (PROTOCOL.md 6). */
	if (d->d_worker == NULL || wproc_send(d->d_worker, IPC_D2W_DEVICE, 0,
	    0, &dev, sizeof(dev), &fds[QXLSHM_ATTACH_FD_DOORBELL], 2) != 0)
		return *why = "display worker failed", -1;
	p->p_state = PRODUCER_RUNNING;
	producer_send(p, QXLSHM_MSG_ATTACHED, NULL, 0);
	log_info("display \"%s\": producer \"%s\" (pid %ld) attached",
	    d->d_name, p->p_name, (long)p->p_pid);
	session_channels_changed(d);
	svc_status();
	return 0;
}

static int
producer_on_primary(struct producer *p, struct sbuf *sb, const char **why)
{
	struct display *d = p->p_display;
	struct qxlshm_create_primary c;
	struct ipc_primary ip;

	if (sbuf_get_bytes(sb, &c, sizeof(c)) != 0 || sbuf_left(sb) != 0)
		return *why = "CREATE_PRIMARY has the wrong size", -1;
	/* Copied field by field; the worker validates the values against
	 * the memory it mapped. */
	ip.width = c.width;
	ip.height = c.height;
	ip.stride = c.stride;
	ip.format = c.format;
	ip.mem = c.mem;
	if (d->d_worker == NULL || wproc_send(d->d_worker,
	    IPC_D2W_PRIMARY_CREATE, 0, 0, &ip, sizeof(ip), NULL, 0) != 0)
		return *why = "display worker failed", -1;
	d->d_primary = 1;
	return 0;
}

static void
producer_read(evutil_socket_t fd, short what, void *arg)
{
	struct producer *p = arg;
	struct display *d = p->p_display;
	uint8_t buf[QXLSHM_MAX_MSG];
	int fds[FDPASS_MAX_FDS], nfds = 0, rc = -1;
	struct qxlshm_hdr h;
	struct spd_err err;
	const char *why = "unexpected message";
	struct sbuf sb;
	ssize_t n;

	n = fdpass_recv(p->p_fd, buf, sizeof(buf), fds, QXLSHM_ATTACH_NFDS,
	    &nfds, &err);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n < 0) {
		producer_detach(p, QXLSHM_E_PROTOCOL, err.msg);
		return;
	}
	if (n == 0 && nfds == 0) {
		producer_detach(p, 0, "producer closed the connection");
		return;
	}
	sbuf_init(&sb, buf, (size_t)n);
	if (sbuf_get_bytes(&sb, &h, sizeof(h)) != 0 ||
	    h.len != sbuf_left(&sb)) {
		why = "message length does not match its header";
		goto bad;
	}
	switch (p->p_state) {
	case PRODUCER_HELLO:
		if (h.type == QXLSHM_MSG_HELLO && nfds == 0)
			rc = producer_on_hello(p, &sb, &why);
		break;
	case PRODUCER_SETUP:
		if (h.type == QXLSHM_MSG_MEMSLOT_ADD)
			rc = producer_on_memslot(p, &sb, fds, nfds, &why);
		else if (h.type == QXLSHM_MSG_ATTACH)
			rc = producer_on_attach(p, &sb, fds, nfds, &why);
		else if (h.type == QXLSHM_MSG_DETACH)
			rc = 1;
		break;
	case PRODUCER_RUNNING:
		if (nfds != 0)
			break;
		if (h.type == QXLSHM_MSG_CREATE_PRIMARY)
			rc = producer_on_primary(p, &sb, &why);
		else if (h.type == QXLSHM_MSG_DESTROY_PRIMARY &&
		    sbuf_left(&sb) == 0) {
			d->d_primary = 0;
			rc = d->d_worker != NULL && wproc_send(d->d_worker,
			    IPC_D2W_PRIMARY_DESTROY, 0, 0, NULL, 0, NULL,
			    0) == 0 ? 0 : -1;
			why = "display worker failed";
		} else if (h.type == QXLSHM_MSG_DETACH && sbuf_left(&sb) == 0)
			rc = 1;
		break;
	}
	fdpass_close(fds, nfds);
	if (rc == 0)
		return;
	if (rc == 1) {
		producer_detach(p, 0, "producer detached");
		return;
	}
	if (d->d_producer != p)
		return;		/* already detached on the way */
	producer_detach(p, rc == -2 ? QXLSHM_E_VERSION : rc == -3 ?
	    QXLSHM_E_MEMFD : QXLSHM_E_PROTOCOL, why);
	return;
bad:
	fdpass_close(fds, nfds);
	producer_detach(p, QXLSHM_E_PROTOCOL, why);
}

static void
producer_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct producer_listener *pl = arg;
	struct display *d = pl->pl_display;
	const struct conf_display *cd = d->d_conf;
	struct producer *p;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uid_t want_uid;
	size_t i;
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		close(fd);
		return;
	}
	p->p_display = d;
	p->p_fd = fd;
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		p->p_slots[i].ps_fd = -1;
	snprintf(p->p_name, sizeof(p->p_name), "?");
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		log_warn("display \"%s\": producer credentials unavailable",
		    d->d_name);
		producer_free(p);
		return;
	}
	p->p_pid = cred.pid;
	/* Without producer-user, only spiced's own uid may produce. */
	want_uid = cd->cd_producer.set ? cd->cd_producer.uid : geteuid();
	if (cred.uid != want_uid || (cd->cd_producer.set &&
	    cred.gid != cd->cd_producer.gid)) {
		producer_refuse(p, QXLSHM_E_PERMISSION,
		    "producer uid/gid not allowed for this display");
		return;
	}
	if (d->d_producer != NULL) {
		producer_refuse(p, QXLSHM_E_BUSY,
		    "another producer is attached to this display");
		return;
	}
	if ((p->p_ev = event_new(spiced_base, fd, EV_READ | EV_PERSIST,
	    producer_read, p)) == NULL || event_add(p->p_ev, NULL) != 0) {
		producer_free(p);
		return;
	}
	d->d_producer = p;
	log_debug("display \"%s\": producer connected (pid %ld uid %ld)",
	    d->d_name, (long)cred.pid, (long)cred.uid);
}

int
producer_listen(struct display *d, struct spd_err *err)
{
	const struct conf_display *cd = d->d_conf;
	struct producer_listener *pl;
	struct sockaddr_un sun;
	int fd;

	if (producer_nlisteners == CONF_MAX_DISPLAYS)
		return spd_err_set(err, "too many producer sockets");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
	    cd->cd_producer_path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return spd_err_errno(err, "producer socket %s", sun.sun_path);
	(void)unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(sun.sun_path, 0660) != 0 ||
	    (spiced_opts.so_as_root && cd->cd_producer.set &&
	    chown(sun.sun_path, cd->cd_producer.uid,
	    cd->cd_producer.gid) != 0) || listen(fd, 4) != 0) {
		spd_err_errno(err, "producer socket %s", sun.sun_path);
		close(fd);
		return -1;
	}
	if ((pl = calloc(1, sizeof(*pl))) == NULL) {
		close(fd);
		return spd_err_set(err, "out of memory");
	}
	pl->pl_display = d;
	pl->pl_fd = fd;
	if ((pl->pl_ev = event_new(spiced_base, fd, EV_READ | EV_PERSIST,
	    producer_accept, pl)) == NULL || event_add(pl->pl_ev, NULL) != 0) {
		close(fd);
		free(pl);
		return spd_err_set(err, "cannot watch producer socket");
	}
	producer_listeners[producer_nlisteners++] = pl;
	return 0;
}

pid_t
producer_pid(const struct display *d)
{
	return d->d_producer != NULL ? d->d_producer->p_pid : 0;
}

void
producer_shutdown(struct display *d)
{
	size_t i;

	if (d->d_producer != NULL)
		producer_detach(d->d_producer, 0, "spiced is shutting down");
	for (i = 0; i < producer_nlisteners; i++) {
		if (producer_listeners[i]->pl_display != d)
			continue;
		(void)unlink(d->d_conf->cd_producer_path);
	}
}
