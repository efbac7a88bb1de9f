/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * producer: qxl-shm control in the supervisor; contracts in producer.h.
 *
 * State machine per connection:  HELLO -> SETUP (MEMSLOT_ADD*, ATTACH)
 * -> RUNNING (CREATE_PRIMARY, DESTROY_PRIMARY, DETACH), and CLOSING for a
 * connection that was told why it is being dropped.  Each step before
 * RUNNING has a deadline, and a connection becomes the display's producer
 * only with a valid HELLO: one that connects and stays silent holds no
 * place.  Any violation sends QXLSHM_MSG_ERROR with the reason and closes
 * that connection; the display and its sessions go on.
 *
 * What a running producer handed over (memfds, doorbells, primary) stays
 * here too, so that display.c can give it to a new display worker after
 * the old one died (producer_handover()).  The messages themselves are
 * read and checked in producer-msg.c.
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
#include "handoff-fmt.h"
#include "log.h"
#include "audio.h"
#include "ports.h"
#include "producer-int.h"
#include "sock-grant.h"
#include "service.h"
#include "session.h"
#include "worker-proc.h"

/* One listener per display; kept beside the display (not in struct
 * display) because only this file knows it. */
struct producer_listener {
	struct display	*pl_display;
	int		 pl_fd;
	struct event	*pl_ev;
};

static struct producer_listener	*producer_listeners[CONF_MAX_DISPLAYS];
static size_t			 producer_nlisteners;
static LIST_HEAD(, producer)	 producer_conns =
    LIST_HEAD_INITIALIZER(producer_conns);

static void	producer_timer_cb(evutil_socket_t, short, void *);

void
producer_free(struct producer *p)
{
	size_t i;

	LIST_REMOVE(p, p_entry);
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		if (p->p_slots[i].ps_fd >= 0)
			close(p->p_slots[i].ps_fd);
	for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
		if (p->p_devfd[i] >= 0)
			close(p->p_devfd[i]);
	if (p->p_ev != NULL)
		event_free(p->p_ev);
	if (p->p_timer != NULL)
		event_free(p->p_timer);
	if (p->p_fd >= 0)
		close(p->p_fd);
	free(p);
}

void
producer_deadline(struct producer *p, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ms < 0)
		evtimer_del(p->p_timer);
	else
		evtimer_add(p->p_timer, &tv);
}

void
producer_send(struct producer *p, uint32_t type, const void *payload,
    size_t len)
{
	uint8_t buf[QXLSHM_MAX_MSG];
	struct qxlshm_hdr h = { type, (uint32_t)len };
	struct spd_err err;

	if (sizeof(h) + len > sizeof(buf))
		return;
	memcpy(buf, &h, sizeof(h));
	if (len > 0)
		memcpy(buf + sizeof(h), payload, len);
	if (fdpass_send(p->p_fd, buf, sizeof(h) + len, NULL, 0, &err) != 0)
		log_debug("display \"%s\": to producer: %s",
		    p->p_display->d_name, err.msg);
}

/* Read and drop what the peer sent (closing any fds), without blocking:
 * a socket closed with unread input makes the peer's next read fail with
 * ECONNRESET before it sees our ERROR.  1 once the peer closed. */
int
producer_drain(struct producer *p)
{
	uint8_t buf[QXLSHM_MAX_MSG];
	int fds[FDPASS_MAX_FDS], nfds, i;
	struct spd_err err;
	ssize_t n;

	for (i = 0; i < PRODUCER_DRAIN_MAX; i++) {
		nfds = 0;
		n = fdpass_recv(p->p_fd, buf, sizeof(buf), fds,
		    FDPASS_MAX_FDS, &nfds, &err);
		fdpass_close(fds, nfds);
		if (n < 0)
			return errno != EAGAIN;
		if (n == 0 && nfds == 0)
			return 1;
	}
	return 0;
}

/*
 * Tell the peer why (code != 0: ERROR) and let it go.  With an ERROR the
 * connection lingers (CLOSING): no more writes, input drained, closed at
 * the peer's EOF or after PRODUCER_LINGER_MS, so the peer reads the
 * reason rather than a reset.  now: close at once (shutdown).
 */
static void
producer_close(struct producer *p, uint32_t code, const char *reason,
    int now)
{
	struct qxlshm_error e;

	if (code != 0) {
		memset(&e, 0, sizeof(e));
		e.code = code;
		snprintf(e.reason, sizeof(e.reason), "%s", reason);
		(void)producer_drain(p);
		producer_send(p, QXLSHM_MSG_ERROR, &e, sizeof(e));
	}
	if (code == 0 || now || shutdown(p->p_fd, SHUT_WR) != 0 ||
	    producer_drain(p)) {
		producer_free(p);
		return;
	}
	p->p_state = PRODUCER_CLOSING;
	producer_deadline(p, PRODUCER_LINGER_MS);
}

/* The display's producer goes: the display worker drops its memory. */
static void
producer_release(struct producer *p)
{
	struct display *d = p->p_display;

	if (d->d_producer != p)
		return;
	d->d_producer = NULL;
	if (p->p_state == PRODUCER_RUNNING && d->d_worker != NULL)
		(void)wproc_send(d->d_worker, IPC_D2W_PRODUCER_GONE, 0, 0,
		    NULL, 0, NULL, 0);
	if (p->p_state == PRODUCER_RUNNING && d->d_cursor != NULL)
		(void)wproc_send(d->d_cursor, IPC_D2W_PRODUCER_GONE, 0, 0,
		    NULL, 0, NULL, 0);
	if (d->d_input_fd >= 0) {
		close(d->d_input_fd);
		d->d_input_fd = -1;
		d->d_input_flags = d->d_leds = 0;
		session_input_changed(d);
	}
	producer_agent_close(d);
	ports_clear(d);
	audio_clear(d);
	svc_status();
}

/* Drop p, with an ERROR if code != 0, and log why. */
void
producer_drop(struct producer *p, uint32_t code, const char *reason)
{
	struct display *d = p->p_display;
	int was = d->d_producer == p;

	producer_release(p);
	if (code == 0)
		log_info("display \"%s\": producer \"%s\" (pid %ld) %s: %s",
		    d->d_name, p->p_name, (long)p->p_pid,
		    was ? "detached" : "left", reason);
	else
		log_warn("display \"%s\": producer \"%s\" (pid %ld) %s: %s",
		    d->d_name, p->p_name, (long)p->p_pid,
		    was ? "dropped" : "refused", reason);
	producer_close(p, code, reason, 0);
}

void
producer_fault(struct display *d, const char *reason)
{
	if (d->d_producer != NULL)
		producer_drop(d->d_producer, QXLSHM_E_FAULT, reason);
}

void
producer_primary_done(struct display *d, uint32_t created)
{
	struct producer *p = d->d_producer;
	struct qxlshm_primary_done pd;

	if (p == NULL || p->p_state != PRODUCER_RUNNING ||
	    p->p_done_owed == 0)
		return;
	p->p_done_owed--;
	pd.created = created;
	producer_send(p, QXLSHM_MSG_PRIMARY_DONE, &pd, sizeof(pd));
}

int
producer_handover(struct display *d, struct wproc *w, int takeover)
{
	struct producer *p = d->d_producer;
	struct ipc_device dev;
	struct ipc_memslot ms;
	int fds[2];
	size_t i;

	if (p == NULL || p->p_state != PRODUCER_RUNNING)
		return 0;
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++) {
		struct producer_slot *s = &p->p_slots[i];

		if (s->ps_fd < 0)
			continue;
		memset(&ms, 0, sizeof(ms));
		ms.slot_id = (uint32_t)i;
		ms.generation = s->ps_gen;
		ms.size = s->ps_size;
		if (wproc_send(w, IPC_D2W_MEMSLOT, 0, 0, &ms, sizeof(ms),
		    &s->ps_fd, 1) != 0)
			return -1;
	}
	/* The primary before the ring: commands may be waiting in it. */
	if (w == d->d_worker && p->p_have_primary &&
	    wproc_send(w, IPC_D2W_PRIMARY_CREATE, 0, 0, &p->p_primary,
	    sizeof(p->p_primary), NULL, 0) != 0)
		return -1;
	if (w == d->d_worker && p->p_have_primary && p->p_heads.count > 0 &&
	    wproc_send(w, IPC_D2W_HEADS, 0, 0, &p->p_heads,
	    sizeof(p->p_heads), NULL, 0) != 0)
		return -1;
	/* Its ring's doorbell and the irq both raise (PROTOCOL.md 2.3). */
	dev = p->p_dev;
	dev.flags = takeover ? IPC_DEVICE_TAKEOVER : 0;
	fds[0] = p->p_devfd[w == d->d_worker ? QXLSHM_ATTACH_FD_DOORBELL :
	    QXLSHM_ATTACH_FD_CURSOR_DOORBELL];
	fds[1] = p->p_devfd[QXLSHM_ATTACH_FD_IRQ];
	if (wproc_send(w, IPC_D2W_DEVICE, 0, 0, &dev, sizeof(dev), fds,
	    2) != 0)
		return -1;
	return 0;
}

int
producer_redraw(struct display *d)
{
	struct producer *p = d->d_producer;

	if (p == NULL || p->p_state != PRODUCER_RUNNING ||
	    !(p->p_features & QXLSHM_F_REDRAW))
		return 0;
	producer_send(p, QXLSHM_MSG_REDRAW, NULL, 0);
	return 1;
}
static void
producer_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct producer *p = arg;

	switch (p->p_state) {
	case PRODUCER_HELLO:
		producer_drop(p, QXLSHM_E_TIMEOUT, "no HELLO within "
		    "5 s of connecting");
		break;
	case PRODUCER_SETUP:
		producer_drop(p, QXLSHM_E_TIMEOUT, "no ATTACH within "
		    "10 s of HELLO");
		break;
	default:
		/* CLOSING: the peer had its time to read the reason. */
		producer_free(p);
		break;
	}
}

static unsigned
producer_npending(const struct display *d)
{
	const struct producer *p;
	unsigned n = 0;

	LIST_FOREACH(p, &producer_conns, p_entry)
		if (p->p_display == d && p != d->d_producer)
			n++;
	return n;
}

/* A connection's record, watched (fd taken); NULL (fd closed, logged)
 * when out of memory. */
static struct producer *
producer_new(struct display *d, int fd)
{
	struct producer *p;
	size_t i;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		close(fd);
		return NULL;
	}
	LIST_INSERT_HEAD(&producer_conns, p, p_entry);
	p->p_display = d;
	p->p_fd = fd;
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		p->p_slots[i].ps_fd = -1;
	for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
		p->p_devfd[i] = -1;
	snprintf(p->p_name, sizeof(p->p_name), "?");
	if ((p->p_ev = event_new(spiced_base, fd, EV_READ | EV_PERSIST,
	    producer_read, p)) == NULL ||
	    (p->p_timer = evtimer_new(spiced_base, producer_timer_cb,
	    p)) == NULL || event_add(p->p_ev, NULL) != 0) {
		log_warn("display \"%s\": producer connection: out of memory",
		    d->d_name);
		producer_free(p);
		return NULL;
	}
	return p;
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
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
		return;
	if ((p = producer_new(d, fd)) == NULL)
		return;
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
		producer_drop(p, QXLSHM_E_PERMISSION, "producer uid/gid not "
		    "allowed for this display");
		return;
	}
	if (producer_npending(d) > PRODUCER_MAX_PENDING) {
		producer_drop(p, QXLSHM_E_BUSY, "too many producer "
		    "connections waiting for their HELLO");
		return;
	}
	producer_deadline(p, PRODUCER_HELLO_SEC * 1000L);
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
	    chmod(sun.sun_path, 0660) != 0 || listen(fd, 4) != 0) {
		spd_err_errno(err, "producer socket %s", sun.sun_path);
		close(fd);
		return -1;
	}
	if (spiced_opts.so_privileged && cd->cd_producer.set &&
	    sock_grant(sun.sun_path, cd->cd_producer.uid,
	    cd->cd_producer.gid, err) != 0) {
		close(fd);
		return spd_err_prefix(err, "producer socket");
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
	const struct producer *p = d->d_producer;

	return p != NULL && p->p_state == PRODUCER_RUNNING ? p->p_pid : 0;
}

int
producer_running(const struct display *d)
{
	return d->d_producer != NULL &&
	    d->d_producer->p_state == PRODUCER_RUNNING;
}

void
producer_shutdown(struct display *d, const char *reason)
{
	struct producer *p, *next;
	size_t i;

	for (p = LIST_FIRST(&producer_conns); p != NULL; p = next) {
		next = LIST_NEXT(p, p_entry);
		if (p->p_display != d)
			continue;
		producer_release(p);
		log_info("display \"%s\": producer \"%s\" (pid %ld) told: %s",
		    d->d_name, p->p_name, (long)p->p_pid, reason);
		producer_close(p, QXLSHM_E_SHUTDOWN, reason, 1);
	}
	for (i = 0; i < producer_nlisteners; i++) {
		if (producer_listeners[i]->pl_display != d)
			continue;
		event_free(producer_listeners[i]->pl_ev);
		close(producer_listeners[i]->pl_fd);
		(void)unlink(d->d_conf->cd_producer_path);
		free(producer_listeners[i]);
		producer_listeners[i] =
		    producer_listeners[--producer_nlisteners];
		break;
	}
}

int
producer_export(const struct display *d, struct ho_producer *out)
{
	const struct producer *p = d->d_producer;
	size_t i;

	if (p == NULL || p->p_state != PRODUCER_RUNNING)
		return -1;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", p->p_name);
	out->fd = p->p_fd;
	out->pid = (int32_t)p->p_pid;
	out->features = p->p_features;
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++) {
		out->slots[i].fd = p->p_slots[i].ps_fd;
		out->slots[i].gen = p->p_slots[i].ps_gen;
		out->slots[i].size = p->p_slots[i].ps_size;
	}
	out->dev = p->p_dev;
	for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
		out->devfd[i] = p->p_devfd[i];
	out->have_primary = (uint32_t)p->p_have_primary;
	out->primary = p->p_primary;
	out->heads = p->p_heads;
	out->done_owed = p->p_done_owed;
	return 0;
}

int
producer_adopt(struct display *d, const struct ho_producer *in)
{
	struct producer *p;
	size_t i;

	if ((p = producer_new(d, in->fd)) == NULL)
		return -1;
	p->p_state = PRODUCER_RUNNING;
	snprintf(p->p_name, sizeof(p->p_name), "%s", in->name);
	p->p_pid = (pid_t)in->pid;
	p->p_features = in->features;
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++) {
		p->p_slots[i].ps_fd = in->slots[i].fd;
		p->p_slots[i].ps_gen = in->slots[i].gen;
		p->p_slots[i].ps_size = in->slots[i].size;
	}
	p->p_dev = in->dev;
	for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
		p->p_devfd[i] = in->devfd[i];
	p->p_have_primary = (int)in->have_primary;
	p->p_primary = in->primary;
	p->p_heads = in->heads;
	p->p_done_owed = in->done_owed;
	d->d_producer = p;
	return 0;
}

int
producer_watch_agent(struct display *d)
{
	if ((event_base_get_features(spiced_base) &
	    EV_FEATURE_EARLY_CLOSE) == 0)
		return 0;
	if ((d->d_agent_ev = event_new(spiced_base, d->d_agent_fd,
	    EV_CLOSED | EV_PERSIST, producer_agent_closed_cb, d)) == NULL ||
	    event_add(d->d_agent_ev, NULL) != 0)
		return -1;
	return 0;
}

