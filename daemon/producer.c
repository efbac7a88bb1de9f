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
 * the old one died (producer_handover()).
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
#include "producer.h"
#include "sock-grant.h"
#include "qxl-shm.h"
#include "sbuf.h"
#include "service.h"
#include "session.h"
#include "worker-proc.h"

/* Connections of one display not yet its producer (HELLO or refused and
 * lingering), at most. */
#define PRODUCER_MAX_PENDING	4
#define PRODUCER_HELLO_SEC	5	/* accept -> HELLO */
#define PRODUCER_SETUP_SEC	10	/* HELLO -> ATTACH */
#define PRODUCER_LINGER_MS	2000	/* ERROR sent -> close */
/* Messages drained from a connection being closed, at most. */
#define PRODUCER_DRAIN_MAX	64

enum producer_state {
	PRODUCER_HELLO,		/* waiting for HELLO */
	PRODUCER_SETUP,		/* memslots, then ATTACH */
	PRODUCER_RUNNING,	/* display worker consuming */
	PRODUCER_CLOSING,	/* ERROR sent, draining until EOF */
};

struct producer_slot {
	int		ps_fd;		/* -1: unused */
	uint32_t	ps_gen;
	uint64_t	ps_size;
};

struct producer {
	LIST_ENTRY(producer)	 p_entry;	/* producer_conns */
	struct display		*p_display;
	int			 p_fd;
	struct event		*p_ev;
	struct event		*p_timer;
	enum producer_state	 p_state;
	char			 p_name[64];
	pid_t			 p_pid;
	uint64_t		 p_features;	/* granted QXLSHM_F_* */
	struct producer_slot	 p_slots[QXLSHM_MAX_SLOTS];
	/* From ATTACH and CREATE_PRIMARY, for a new display worker. */
	struct ipc_device	 p_dev;
	int			 p_devfd[QXLSHM_ATTACH_NFDS];
	int			 p_have_primary;
	struct ipc_primary	 p_primary;
	struct ipc_heads	 p_heads;	/* count 0: none since it */
	/* PRIMARY_DONE answers the producer waits for; those of a replay
	 * to a new worker are not its to see. */
	unsigned		 p_done_owed;
	char			 p_why[160];	/* a refusal's reason */
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
static LIST_HEAD(, producer)	 producer_conns =
    LIST_HEAD_INITIALIZER(producer_conns);

static void	producer_timer_cb(evutil_socket_t, short, void *);
static void	producer_agent_close(struct display *);

static void
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

static void
producer_deadline(struct producer *p, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ms < 0)
		evtimer_del(p->p_timer);
	else
		evtimer_add(p->p_timer, &tv);
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
	if (len > 0)
		memcpy(buf + sizeof(h), payload, len);
	if (fdpass_send(p->p_fd, buf, sizeof(h) + len, NULL, 0, &err) != 0)
		log_debug("display \"%s\": to producer: %s",
		    p->p_display->d_name, err.msg);
}

/* Read and drop what the peer sent (closing any fds), without blocking:
 * a socket closed with unread input makes the peer's next read fail with
 * ECONNRESET before it sees our ERROR.  1 once the peer closed. */
static int
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
static void
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

static int
producer_on_hello(struct producer *p, struct sbuf *sb, const char **why)
{
	struct display *d = p->p_display;
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
	/* Only now does it claim the display. */
	if (d->d_producer != NULL)
		return *why = "another producer is attached to this display",
		    -4;
	d->d_producer = p;
	p->p_features = h.features & QXLSHM_F_SUPPORTED;
	memset(&r, 0, sizeof(r));
	r.magic = QXLSHM_MAGIC;
	r.major = QXLSHM_VERSION_MAJOR;
	r.minor = QXLSHM_VERSION_MINOR;
	r.features = p->p_features;
	producer_send(p, QXLSHM_MSG_HELLO_REPLY, &r, sizeof(r));
	p->p_state = PRODUCER_SETUP;
	producer_deadline(p, PRODUCER_SETUP_SEC * 1000L);
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
	uint64_t total, limit;
	size_t i;

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
	/* Slots are sparse: their size is what the worker may come to
	 * fault in, so it counts whatever is touched now. */
	for (i = 0, total = m.size; i < QXLSHM_MAX_SLOTS; i++)
		if (p->p_slots[i].ps_fd >= 0)
			total += p->p_slots[i].ps_size;
	limit = (uint64_t)p->p_display->d_conf->cd_producer_memory_mib << 20;
	if (total > limit) {
		snprintf(p->p_why, sizeof(p->p_why), "memslots of %llu MiB in "
		    "all, above the display's producer-memory of %llu MiB",
		    (unsigned long long)((total + (1 << 20) - 1) >> 20),
		    (unsigned long long)(limit >> 20));
		*why = p->p_why;
		return -3;
	}
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
	if (d->d_worker == NULL)
		return *why = "the display worker is restarting; try again",
		    -1;
	memset(&p->p_dev, 0, sizeof(p->p_dev));
	p->p_dev.ram_slot = a.ram_slot;
	p->p_dev.ram_offset = a.ram_offset;
	for (i = 0; i < QXLSHM_ATTACH_NFDS; i++) {
		p->p_devfd[i] = fds[i];
		fds[i] = -1;
	}
	p->p_state = PRODUCER_RUNNING;
	producer_deadline(p, -1);
	if (producer_handover(d, d->d_worker, 0) != 0)
		return *why = "display worker failed", -1;
	/* A cursor worker being restarted gets it when it starts; one that
	 * fails here is restarted and gets it then. */
	if (d->d_cursor != NULL)
		(void)producer_handover(d, d->d_cursor, 0);
	producer_send(p, QXLSHM_MSG_ATTACHED, NULL, 0);
	log_info("display \"%s\": producer \"%s\" (pid %ld) attached",
	    d->d_name, p->p_name, (long)p->p_pid);
	svc_status();
	return 0;
}

/* An fd a producer says is one end of an AF_UNIX SOCK_SEQPACKET socket
 * pair (a worker's send is then one datagram, and nothing else can be
 * behind it): 1 if it is. */
static int
producer_is_seqpacket(int fd)
{
	int type, domain;
	socklen_t len;

	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    type != SOCK_SEQPACKET)
		return 0;
	len = sizeof(domain);
	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	    domain == AF_UNIX;
}

/* MSG_INPUT: the socket the inputs workers write events to. */
static int
producer_on_input(struct producer *p, struct sbuf *sb, int *fds, int nfds,
    const char **why)
{
	struct display *d = p->p_display;
	struct qxlshm_input_setup is;

	if (sbuf_get_bytes(sb, &is, sizeof(is)) != 0 || sbuf_left(sb) != 0 ||
	    nfds != 1)
		return *why = "INPUT needs its payload and one fd", -1;
	if (!(p->p_features & QXLSHM_F_INPUT))
		return *why = "INPUT without the input feature", -1;
	if (d->d_input_fd >= 0)
		return *why = "a second INPUT", -1;
	if ((is.flags & ~QXLSHM_INPUT_ABSOLUTE) != 0 || is.pad != 0)
		return *why = "INPUT has unknown flags", -1;
	if (!producer_is_seqpacket(fds[0]))
		return *why = "the INPUT fd is not an AF_UNIX SOCK_SEQPACKET "
		    "socket", -1;
	d->d_input_fd = fds[0];
	fds[0] = -1;
	d->d_input_flags = is.flags;
	log_info("display \"%s\": producer \"%s\" takes input (%s)",
	    d->d_name, p->p_name, is.flags & QXLSHM_INPUT_ABSOLUTE ?
	    "absolute positions: client mouse mode" : "relative motion only");
	session_input_changed(d);
	return 0;
}

/* MSG_PORT: a byte stream for the clients' usbredir/port channels. */
static int
producer_on_port(struct producer *p, struct sbuf *sb, int *fds, int nfds,
    const char **why)
{
	struct display *d = p->p_display;
	struct qxlshm_port qp;

	if (sbuf_get_bytes(sb, &qp, sizeof(qp)) != 0 || sbuf_left(sb) != 0 ||
	    nfds != 1)
		return *why = "PORT needs its payload and one fd", -1;
	if (!(p->p_features & QXLSHM_F_PORTS))
		return *why = "PORT without the ports feature", -1;
	if (qp.kind == QXLSHM_PORT_SMARTCARD &&
	    !(p->p_features & QXLSHM_F_SMARTCARD))
		return *why = "smartcard PORT without the smartcard feature",
		    -1;
	if (ports_add(d, &qp, fds[0], why) != 0)
		return -1;
	fds[0] = -1;
	session_channels_changed(d);
	return 0;
}

/* MSG_AUDIO and MSG_RECORD: the sound for the sessions' playback
 * channels, the microphone from their record channels. */
static int
producer_on_audio(struct producer *p, uint32_t type, struct sbuf *sb,
    int *fds, int nfds, const char **why)
{
	struct display *d = p->p_display;
	struct qxlshm_agent_setup as;

	int way = type == QXLSHM_MSG_AUDIO ? AUDIO_PLAYBACK : AUDIO_RECORD;

	if (sbuf_get_bytes(sb, &as, sizeof(as)) != 0 || sbuf_left(sb) != 0 ||
	    nfds != 1)
		return *why = way == AUDIO_PLAYBACK ? "AUDIO needs its payload "
		    "and one fd" : "RECORD needs its payload and one fd", -1;
	if (!(p->p_features & (way == AUDIO_PLAYBACK ? QXLSHM_F_AUDIO :
	    QXLSHM_F_RECORD)))
		return *why = way == AUDIO_PLAYBACK ? "AUDIO without the "
		    "audio feature" : "RECORD without the record feature", -1;
	if (as.flags != 0 || as.pad != 0)
		return *why = way == AUDIO_PLAYBACK ? "AUDIO has unknown flags" :
		    "RECORD has unknown flags", -1;
	if (audio_set(d, way, fds[0], why) != 0)
		return -1;
	fds[0] = -1;
	session_channels_changed(d);
	return 0;
}

static int
producer_on_port_state(struct producer *p, struct sbuf *sb, const char **why)
{
	struct qxlshm_port_state ps;

	if (sbuf_get_bytes(sb, &ps, sizeof(ps)) != 0 || sbuf_left(sb) != 0)
		return *why = "PORT_STATE is not 8 bytes", -1;
	return ports_state(p->p_display, &ps, why);
}

/* MSG_INPUT_FLAGS: what the producer takes changed (a VM's tablet came
 * or went); clients are offered the mouse modes that follow. */
static int
producer_on_input_flags(struct producer *p, struct sbuf *sb,
    const char **why)
{
	struct display *d = p->p_display;
	struct qxlshm_input_setup is;

	if (sbuf_get_bytes(sb, &is, sizeof(is)) != 0 || sbuf_left(sb) != 0)
		return *why = "INPUT_FLAGS is not 8 bytes", -1;
	if (d->d_input_fd < 0)
		return *why = "INPUT_FLAGS before INPUT", -1;
	if ((is.flags & ~QXLSHM_INPUT_ABSOLUTE) != 0 || is.pad != 0)
		return *why = "INPUT_FLAGS has unknown flags", -1;
	if (is.flags == d->d_input_flags)
		return 0;
	d->d_input_flags = is.flags;
	log_info("display \"%s\": producer \"%s\" now takes %s", d->d_name,
	    p->p_name, is.flags & QXLSHM_INPUT_ABSOLUTE ?
	    "absolute positions: client mouse mode" : "relative motion only");
	session_input_changed(d);
	return 0;
}

/* The agent port is gone: its session is told (AGENT_DISCONNECTED to
 * the client) and a new MSG_AGENT may follow. */
static void
producer_agent_close(struct display *d)
{
	if (d->d_agent_ev != NULL) {
		event_free(d->d_agent_ev);
		d->d_agent_ev = NULL;
	}
	if (d->d_agent_fd >= 0) {
		close(d->d_agent_fd);
		d->d_agent_fd = -1;
		session_agent_update(d);
	}
}

/* The producer closed its end of the agent port (a VM's guest agent
 * stopped): only the hang-up is watched, the data is the main worker's. */
static void
producer_agent_closed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct display *d = arg;

	(void)fd;
	(void)what;
	log_info("display \"%s\": the producer closed the agent port",
	    d->d_name);
	producer_agent_close(d);
}

/* MSG_AGENT: the agent port, handed to the owning session's main
 * worker (session_agent_update()); again after the last one closed. */
static int
producer_on_agent(struct producer *p, struct sbuf *sb, int *fds, int nfds,
    const char **why)
{
	struct display *d = p->p_display;
	struct qxlshm_agent_setup as;

	if (sbuf_get_bytes(sb, &as, sizeof(as)) != 0 || sbuf_left(sb) != 0 ||
	    nfds != 1)
		return *why = "AGENT needs its payload and one fd", -1;
	if (!(p->p_features & QXLSHM_F_AGENT))
		return *why = "AGENT without the agent feature", -1;
	if (d->d_agent_fd >= 0)
		return *why = "a second AGENT while the first is open", -1;
	if (as.flags != 0 || as.pad != 0)
		return *why = "AGENT has unknown flags", -1;
	if (!producer_is_seqpacket(fds[0]))
		return *why = "the AGENT fd is not an AF_UNIX SOCK_SEQPACKET "
		    "socket", -1;
	d->d_agent_fd = fds[0];
	fds[0] = -1;
	if (producer_watch_agent(d) != 0)
		return *why = "out of memory for the agent port", -1;
	log_info("display \"%s\": producer \"%s\" has an agent", d->d_name,
	    p->p_name);
	session_agent_update(d);
	return 0;
}

static int
producer_on_leds(struct producer *p, struct sbuf *sb, const char **why)
{
	struct display *d = p->p_display;
	struct qxlshm_leds l;

	if (sbuf_get_bytes(sb, &l, sizeof(l)) != 0 || sbuf_left(sb) != 0)
		return *why = "LEDS has the wrong size", -1;
	if (d->d_input_fd < 0)
		return *why = "LEDS before INPUT", -1;
	if ((l.leds & ~(uint32_t)(QXLSHM_LED_SCROLL | QXLSHM_LED_NUM |
	    QXLSHM_LED_CAPS)) != 0)
		return *why = "LEDS has unknown bits", -1;
	if (l.leds != d->d_leds) {
		d->d_leds = l.leds;
		session_leds_changed(d);
	}
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
	memset(&ip, 0, sizeof(ip));
	ip.width = c.width;
	ip.height = c.height;
	ip.stride = c.stride;
	ip.format = c.format;
	ip.mem = c.mem;
	if (d->d_worker == NULL || wproc_send(d->d_worker,
	    IPC_D2W_PRIMARY_CREATE, 0, 0, &ip, sizeof(ip), NULL, 0) != 0)
		return *why = "display worker failed", -1;
	p->p_primary = ip;
	p->p_have_primary = 1;
	p->p_heads.count = 0;
	p->p_done_owed++;
	return 0;
}

/* HEADS: checked against the primary it describes, kept for a new
 * display worker, forwarded. */
static int
producer_on_heads(struct producer *p, struct sbuf *sb, const char **why)
{
	struct display *d = p->p_display;
	struct qxlshm_heads h;
	struct ipc_heads ih;
	uint32_t i;

	if (sbuf_get_bytes(sb, &h, sizeof(h)) != 0 || sbuf_left(sb) != 0)
		return *why = "HEADS has the wrong size", -1;
	if (!(p->p_features & QXLSHM_F_HEADS))
		return *why = "HEADS without QXLSHM_F_HEADS", -1;
	if (!p->p_have_primary)
		return *why = "HEADS without a primary", -1;
	if (h.count == 0 || h.count > QXLSHM_MAX_HEADS || h.pad != 0)
		return *why = "HEADS count not within 1..16", -1;
	memset(&ih, 0, sizeof(ih));
	ih.count = h.count;
	for (i = 0; i < QXLSHM_MAX_HEADS; i++) {
		const struct qxlshm_head *e = &h.head[i];

		if (i >= h.count) {
			if (e->x != 0 || e->y != 0 || e->width != 0 ||
			    e->height != 0)
				return *why = "HEADS has an entry past its "
				    "count", -1;
			continue;
		}
		/* Each value is below 2^32 and the sum below 2^33: no
		 * overflow in 64 bits. */
		if (e->width == 0 || e->height == 0 ||
		    (uint64_t)e->x + e->width > p->p_primary.width ||
		    (uint64_t)e->y + e->height > p->p_primary.height)
			return *why = "HEADS has a head outside the primary",
			    -1;
		ih.head[i] = *e;
	}
	if (d->d_worker == NULL || wproc_send(d->d_worker, IPC_D2W_HEADS, 0,
	    0, &ih, sizeof(ih), NULL, 0) != 0)
		return *why = "display worker failed", -1;
	p->p_heads = ih;
	log_info("display \"%s\": producer \"%s\" shows %u heads",
	    d->d_name, p->p_name, ih.count);
	return 0;
}

static int
producer_on_destroy(struct producer *p, struct sbuf *sb, const char **why)
{
	struct display *d = p->p_display;

	if (sbuf_left(sb) != 0)
		return *why = "DESTROY_PRIMARY has a payload", -1;
	p->p_have_primary = 0;
	if (d->d_worker == NULL || wproc_send(d->d_worker,
	    IPC_D2W_PRIMARY_DESTROY, 0, 0, NULL, 0, NULL, 0) != 0)
		return *why = "display worker failed", -1;
	p->p_done_owed++;
	return 0;
}

static void
producer_read(evutil_socket_t fd, short what, void *arg)
{
	struct producer *p = arg;
	uint8_t buf[QXLSHM_MAX_MSG];
	int fds[FDPASS_MAX_FDS], nfds = 0, rc = -1;
	struct qxlshm_hdr h;
	struct spd_err err;
	const char *why = "unexpected message";
	struct sbuf sb;
	ssize_t n;

	if (p->p_state == PRODUCER_CLOSING) {
		if (producer_drain(p))
			producer_free(p);
		return;
	}
	n = fdpass_recv(p->p_fd, buf, sizeof(buf), fds, QXLSHM_ATTACH_NFDS,
	    &nfds, &err);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n < 0) {
		producer_drop(p, QXLSHM_E_PROTOCOL, err.msg);
		return;
	}
	if (n == 0 && nfds == 0) {
		producer_drop(p, 0, "producer closed the connection");
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
		else if (h.type == QXLSHM_MSG_INPUT)
			rc = producer_on_input(p, &sb, fds, nfds, &why);
		else if (h.type == QXLSHM_MSG_AGENT)
			rc = producer_on_agent(p, &sb, fds, nfds, &why);
		else if (h.type == QXLSHM_MSG_DETACH)
			rc = 1;
		break;
	case PRODUCER_RUNNING:
		if (h.type == QXLSHM_MSG_INPUT) {
			rc = producer_on_input(p, &sb, fds, nfds, &why);
			break;
		}
		if (h.type == QXLSHM_MSG_AGENT) {
			rc = producer_on_agent(p, &sb, fds, nfds, &why);
			break;
		}
		if (h.type == QXLSHM_MSG_PORT) {
			rc = producer_on_port(p, &sb, fds, nfds, &why);
			break;
		}
		if (h.type == QXLSHM_MSG_AUDIO ||
		    h.type == QXLSHM_MSG_RECORD) {
			rc = producer_on_audio(p, h.type, &sb, fds, nfds,
			    &why);
			break;
		}
		if (nfds != 0)
			break;
		if (h.type == QXLSHM_MSG_LEDS)
			rc = producer_on_leds(p, &sb, &why);
		else if (h.type == QXLSHM_MSG_INPUT_FLAGS)
			rc = producer_on_input_flags(p, &sb, &why);
		else if (h.type == QXLSHM_MSG_PORT_STATE)
			rc = producer_on_port_state(p, &sb, &why);
		else if (h.type == QXLSHM_MSG_CREATE_PRIMARY)
			rc = producer_on_primary(p, &sb, &why);
		else if (h.type == QXLSHM_MSG_HEADS)
			rc = producer_on_heads(p, &sb, &why);
		else if (h.type == QXLSHM_MSG_DESTROY_PRIMARY)
			rc = producer_on_destroy(p, &sb, &why);
		else if (h.type == QXLSHM_MSG_DETACH && sbuf_left(&sb) == 0)
			rc = 1;
		break;
	case PRODUCER_CLOSING:
		break;
	}
	fdpass_close(fds, nfds);
	if (rc == 0) {
		/* What the running producer handed over or set up. */
		if (p->p_state == PRODUCER_RUNNING)
			svc_changed();
		return;
	}
	if (rc == 1) {
		producer_drop(p, 0, "producer detached");
		return;
	}
	producer_drop(p, rc == -2 ? QXLSHM_E_VERSION : rc == -3 ?
	    QXLSHM_E_MEMFD : rc == -4 ? QXLSHM_E_BUSY : QXLSHM_E_PROTOCOL,
	    why);
	return;
bad:
	fdpass_close(fds, nfds);
	producer_drop(p, QXLSHM_E_PROTOCOL, why);
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
