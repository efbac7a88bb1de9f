/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * producer-msg: what a producer connection says (qxl-shm/PROTOCOL.md,
 * one definition of each message in qxl-shm.h), read one message at a
 * time with the descriptors it carries: each checked against the
 * connection's state, its exact size and its caps before anything acts
 * on it; a violation drops that connection with the reason
 * (producer_drop()), the display and its sessions go on.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio.h"
#include "fdpass.h"
#include "log.h"
#include "ports.h"
#include "producer-int.h"
#include "sbuf.h"
#include "service.h"
#include "session.h"
#include "worker-proc.h"


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
void
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
void
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

void
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

