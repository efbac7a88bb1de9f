/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-agent: see qemu-agent.h.  Two sockets: a_stream, our end of the
 * stream QEMU's chardev reads and writes (the guest port's bytes), and
 * a_port, spiced's agent port (SOCK_SEQPACKET, one chunk a datagram),
 * open only while the guest has the port open.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "qemu-agent.h"
#include "qemu-check.h"

#define QAGENT_HDR	8	/* VDIChunkHeader: u32 port, u32 size */
#define QAGENT_DGRAM	(QAGENT_HDR + QXLSHM_AGENT_MAX_CHUNK)

struct qagent {
	struct qemu	*a_q;
	struct qchardev	 a_cd;		/* the chardev */
	int		 a_stream;	/* QEMU's chardev stream */
	int		 a_port;	/* spiced's agent port, or -1 */
	sd_event_source	*a_stream_ev;
	sd_event_source	*a_port_ev;
	sd_bus_slot	*a_match;	/* FEOpened changes */
	int		 a_open;	/* the guest has the port open */
	int		 a_broken;	/* bad chunk: wait for a reopen */
	int		 a_blocked;	/* spiced's port was full */
	uint8_t		 a_in[QAGENT_DGRAM];	/* stream -> spiced */
	size_t		 a_inlen;
	uint8_t		 a_out[QAGENT_OUT_MAX];	/* spiced -> stream */
	size_t		 a_outlen;
};

static uint32_t
qagent_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Read from the stream while there is room and a port to send to;
 * write to it while there is something to write. */
static void
qagent_events(struct qagent *a)
{
	uint32_t ev = 0;

	if (a->a_broken || a->a_inlen < sizeof(a->a_in))
		ev |= EPOLLIN;
	if (a->a_outlen > 0)
		ev |= EPOLLOUT;
	sd_event_source_set_io_events(a->a_stream_ev, ev);
	if (a->a_port_ev != NULL)
		sd_event_source_set_io_events(a->a_port_ev,
		    (a->a_outlen + QAGENT_DGRAM <= sizeof(a->a_out) ? EPOLLIN :
		    0) | (a->a_blocked ? EPOLLOUT : 0));
}

/* The agent is gone for spiced (its port closes: AGENT_DISCONNECTED);
 * what it had not yet sent goes too. */
static void
qagent_close_port(struct qagent *a)
{
	a->a_port_ev = sd_event_source_disable_unref(a->a_port_ev);
	if (a->a_port >= 0)
		close(a->a_port);
	a->a_port = -1;
	a->a_inlen = a->a_outlen = 0;
	a->a_blocked = 0;
}

static int	qagent_port_cb(sd_event_source *, int, uint32_t, void *);
static void	qagent_from_guest(struct qagent *);

static void
qagent_open_port(struct qagent *a)
{
	struct qxlshm *shm = a->a_q->q_shm;

	if (a->a_port >= 0 || a->a_broken)
		return;
	if ((a->a_port = qxlshm_agent_open(shm)) == -1) {
		log_warn("guest agent: spiced: %s", qxlshm_error(shm));
		return;
	}
	if (sd_event_add_io(a->a_q->q_event, &a->a_port_ev, a->a_port,
	    EPOLLIN, qagent_port_cb, a) < 0) {
		log_warn("guest agent: sd_event_add_io failed");
		qagent_close_port(a);
		return;
	}
	log_info("guest agent: the guest opened its port");
	qagent_from_guest(a);
}

/* Hand whole chunks to spiced; stop at a full port (back-pressure). */
static void
qagent_from_guest(struct qagent *a)
{
	struct spd_err err;
	uint32_t size;
	ssize_t n;
	int rc;

	while ((rc = qcheck_chunk(a->a_in, a->a_inlen,
	    QXLSHM_AGENT_PORT_CLIENT, QXLSHM_AGENT_MAX_CHUNK, &size,
	    &err)) != 0) {
		if (rc == -1) {
			log_warn("guest agent: %s; the agent is disconnected "
			    "until the guest opens its port again", err.msg);
			a->a_broken = 1;
			qagent_close_port(a);
			return;
		}
		/* The datagram's header has the same two fields. */
		n = send(a->a_port, a->a_in, QAGENT_HDR + size, MSG_DONTWAIT |
		    MSG_NOSIGNAL);
		a->a_blocked = n < 0 && (errno == EAGAIN || errno == EINTR);
		if (a->a_blocked)
			return;
		if (n != (ssize_t)(QAGENT_HDR + size)) {
			log_warn("guest agent: spiced's port: %s",
			    n < 0 ? strerror(errno) : "short send");
			qagent_close_port(a);
			return;
		}
		a->a_inlen -= QAGENT_HDR + size;
		memmove(a->a_in, a->a_in + QAGENT_HDR + size, a->a_inlen);
		log_debug("guest agent: %u bytes from the guest", size);
	}
}

static int
qagent_stream_cb(sd_event_source *es, int fd, uint32_t revents, void *arg)
{
	struct qagent *a = arg;
	uint8_t drop[4096];
	ssize_t n;

	(void)es;
	if (revents & EPOLLOUT && a->a_outlen > 0) {
		n = write(fd, a->a_out, a->a_outlen);
		if (n > 0) {
			a->a_outlen -= (size_t)n;
			memmove(a->a_out, a->a_out + n, a->a_outlen);
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			qemu_quit(a->a_q, 1, "the guest agent's chardev: %s",
			    strerror(errno));
			return 0;
		}
	}
	if (revents & (EPOLLIN | EPOLLHUP) && (a->a_broken ||
	    a->a_inlen < sizeof(a->a_in))) {
		/* What the guest writes is kept, even before the port is
		 * open and while it is broken: the guest's first bytes may
		 * come before QEMU's word that it opened the port
		 * (FEOpened), on the other connection, and after a bad
		 * chunk those are the next agent's.  What the broken one
		 * wrote goes when the guest closes the port (the buffer is
		 * emptied then); beyond a full buffer, a broken stream's
		 * bytes are dropped. */
		if (a->a_inlen == sizeof(a->a_in))
			n = read(fd, drop, sizeof(drop));
		else
			n = read(fd, a->a_in + a->a_inlen, sizeof(a->a_in) -
			    a->a_inlen);
		if (n == 0) {
			qemu_quit(a->a_q, 1, "QEMU closed the guest agent's "
			    "chardev");
			return 0;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			qemu_quit(a->a_q, 1, "the guest agent's chardev: %s",
			    strerror(errno));
			return 0;
		}
		if (n > 0 && a->a_inlen < sizeof(a->a_in)) {
			a->a_inlen += (size_t)n;
			if (a->a_port >= 0)
				qagent_from_guest(a);
		}
	}
	qagent_events(a);
	return 0;
}

/* spiced's datagrams: each a chunk for the guest, as a VDI chunk on the
 * stream. */
static int
qagent_port_cb(sd_event_source *es, int fd, uint32_t revents, void *arg)
{
	struct qagent *a = arg;
	uint8_t buf[QAGENT_DGRAM + 1];
	uint32_t port, size;
	ssize_t n;
	int i;

	(void)es;
	if (revents & EPOLLOUT) {
		qagent_from_guest(a);
		if (a->a_port < 0) {
			qagent_events(a);
			return 0;
		}
	}
	for (i = 0; i < 16 && a->a_outlen + QAGENT_DGRAM <= sizeof(a->a_out);
	    i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			qemu_quit(a->a_q, 1, "spiced closed the agent port");
			return 0;
		}
		port = n >= QAGENT_HDR ? qagent_le32(buf) : 0;
		size = n >= QAGENT_HDR ? qagent_le32(buf + 4) : 0;
		/* spiced checks what it sends; a mismatch is a bug there. */
		if (n < QAGENT_HDR || (size_t)n != QAGENT_HDR + size ||
		    size > QXLSHM_AGENT_MAX_CHUNK ||
		    (port != QXLSHM_AGENT_PORT_CLIENT &&
		    port != QXLSHM_AGENT_PORT_SERVER)) {
			log_warn("guest agent: spiced sent a bad chunk of %zd "
			    "bytes; dropped", n);
			continue;
		}
		memcpy(a->a_out + a->a_outlen, buf, (size_t)n);
		a->a_outlen += (size_t)n;
		log_debug("guest agent: %u bytes for port %u to the guest",
		    size, port);
	}
	qagent_events(a);
	/* A port closed in between (back-pressure kept its event). */
	if (a->a_port < 0)
		return 0;
	/* Flush at once rather than a round later. */
	return qagent_stream_cb(NULL, a->a_stream, EPOLLOUT, a);
}

static void
qagent_set_open(struct qagent *a, int open)
{
	if (open == a->a_open)
		return;
	a->a_open = open;
	if (open) {
		a->a_broken = 0;
		qagent_open_port(a);
	} else {
		log_info("guest agent: the guest closed its port");
		qagent_close_port(a);
	}
	qagent_events(a);
}

static int
qagent_changed_cb(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qagent *a = arg;
	int open;

	(void)ret;
	if ((open = qchardev_opened_changed(m)) >= 0)
		qagent_set_open(a, open);
	return 0;
}

struct qagent *
qagent_new(struct qemu *q, const struct qchardev *cd, struct spd_err *err)
{
	struct qagent *a;
	int sv[2], r, open = 0;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		spd_err_set(err, "out of memory");
		return NULL;
	}
	a->a_q = q;
	a->a_cd = *cd;
	a->a_stream = a->a_port = -1;
	if (!(qxlshm_features(q->q_shm) & QXLSHM_F_AGENT)) {
		spd_err_set(err, "spiced did not grant the agent port");
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
	    sv) == -1) {
		spd_err_set(err, "socketpair: %s", strerror(errno));
		goto fail;
	}
	a->a_stream = sv[0];
	r = qchardev_register(q, cd, sv[1], &open, err);
	close(sv[1]);
	if (r == -1)
		goto fail;
	if ((r = sd_bus_match_signal(q->q_bus, &a->a_match, q->q_dest, cd->cd_path,
	    "org.freedesktop.DBus.Properties", "PropertiesChanged",
	    qagent_changed_cb, a)) < 0 ||
	    (r = sd_event_add_io(q->q_event, &a->a_stream_ev, a->a_stream,
	    EPOLLIN, qagent_stream_cb, a)) < 0) {
		spd_err_set(err, "guest agent: %s", strerror(-r));
		goto fail;
	}
	log_info("guest agent: chardev %s (%s)", QAGENT_NAME, cd->cd_path);
	qagent_set_open(a, open);
	return a;
fail:
	qagent_free(a);
	return NULL;
}

void
qagent_free(struct qagent *a)
{
	if (a == NULL)
		return;
	qagent_close_port(a);
	sd_event_source_disable_unref(a->a_stream_ev);
	sd_bus_slot_unref(a->a_match);
	if (a->a_stream >= 0)
		close(a->a_stream);
	free(a);
}
