/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * role-vmc: one byte-stream channel of a session (SPICE's spicevmc
 * family: usbredir, port, webdav, smartcard) joined to the producer's
 * stream for it (qxl-shm MSG_PORT, e.g. a QEMU chardev): SPICEVMC_DATA
 * from the client is written to the stream, what the stream says goes to
 * the client as SPICEVMC_DATA.  The bytes are the device's business
 * (usbredir, webdav framing, a guest program's) and are relayed
 * unchanged, except a smartcard's, whose VSCard messages are checked and
 * their headers rewritten on the way (vmc-smartcard.h); both ways are
 * bounded: a full stream stops reading the client, a client that does
 * not read (its ACK window full) stops reading the stream.  A port
 * channel also gets PORT_INIT (its name, whether the device end is
 * open) and PORT_EVENT when that changes.
 *
 * Sequence: IPC_D2W_PORT_ATTACH (the stream) then IPC_D2W_CLIENT; the
 * worker exits when either end closes, once what the client sent is
 * written to the stream and a smartcard device gave the answers it owed
 * (VMC_DRAIN_SECS at most).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "chan.h"
#include "ipc.h"
#include "log.h"
#include "sbuf.h"
#include "spice-link.h"
#include "vmc-smartcard.h"
#include "worker.h"

#define VMC_MAX_MSG	(64u * 1024)	/* a client message's body */
#define VMC_OUT_MAX	(256u * 1024)	/* bytes waiting for the stream */
#define VMC_READ	(64u * 1024)	/* one read of the stream */
/* The client is paused at VMC_OUT_MAX, but what one read from it held is
 * still delivered: at most a read's bytes and a message begun before. */
#define VMC_OUT_ROOM	(VMC_OUT_MAX + 2 * VMC_MAX_MSG + 64u * 1024)
/* A smartcard device's bytes not yet a whole message, and one read. */
#define VMC_IN_ROOM	(VSC_MAX_MSG + VMC_READ)
/* Seconds a closed client's last bytes may take to reach the stream. */
#define VMC_DRAIN_SECS	2

struct role_vmc {
	struct worker	*v_w;
	struct chan	*v_chan;
	uint32_t	 v_session;
	uint32_t	 v_conn;
	struct ipc_port	 v_port;
	int		 v_fd;		/* the producer's stream, or -1 */
	struct event	*v_rev;
	struct event	*v_wev;
	uint8_t		*v_out;		/* client -> stream */
	size_t		 v_outlen;
	int		 v_paused;	/* client reading stopped */
	int		 v_closed;	/* the client went; draining v_out */
	int		 v_await;	/* ... and device answers to come */
	struct event	*v_drain_ev;	/* ... until this fires */
	/* A smartcard channel: its reader, and the device's bytes (v_in,
	 * VMC_IN_ROOM) that are not a whole message yet. */
	int		 v_smartcard;
	struct vsc	 v_vsc;
	uint8_t		*v_in;
	size_t		 v_inlen;
};

static struct role_vmc role_vmc_state;

static void	vmc_update(struct role_vmc *);
static void	vmc_rev_smartcard(struct role_vmc *, int);

static void
vmc_stop(struct role_vmc *v, const char *why)
{
	if (v->v_chan != NULL)
		chan_close(v->v_chan, why);
	else
		worker_exit(v->v_w, 0, why);
}

/* Write what the client sent to the stream. */
static void
vmc_wev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct role_vmc *v = arg;
	ssize_t n;

	(void)what;
	n = write(fd, v->v_out, v->v_outlen);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		vmc_stop(v, "the device's stream failed");
		return;
	}
	if (n > 0) {
		v->v_outlen -= (size_t)n;
		memmove(v->v_out, v->v_out + n, v->v_outlen);
	}
	vmc_update(v);
}

/* A VSCard message to the client, as SMARTCARD_DATA: its header; the
 * caller puts its len bytes and ends it (chan_msg_end). */
static struct obuf *
vmc_vsc_begin(struct role_vmc *v, uint32_t type, uint32_t reader,
    uint32_t len)
{
	struct obuf *ob;

	ob = chan_msg_begin(v->v_chan, SPICE_MSG_SMARTCARD_DATA);
	obuf_put_u32le(ob, type);
	obuf_put_u32le(ob, reader);
	obuf_put_u32le(ob, len);
	return ob;
}

/* A smartcard device's messages, each to the client as one
 * SMARTCARD_DATA (those of one read all go: the ACK window is not held
 * to the message); once the client went, the answers it was owed,
 * which are nobody's now. */
static void
vmc_rev_smartcard(struct role_vmc *v, int fd)
{
	struct vsc_msg m;
	const char *why = NULL;
	size_t used, off = 0;
	ssize_t n;
	int rc;

	n = read(fd, v->v_in + v->v_inlen, VMC_IN_ROOM - v->v_inlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		vmc_stop(v, "the device's stream closed");
		return;
	}
	v->v_inlen += (size_t)n;
	while ((rc = vsc_from_device(&v->v_vsc, v->v_in + off,
	    v->v_inlen - off, &used, &m, &why)) == 1) {
		off += used;
		if (v->v_chan == NULL) {
			if (!(v->v_await = vsc_awaiting(&v->v_vsc)))
				break;
			continue;
		}
		if (m.vm_to_client) {
			obuf_put_bytes(vmc_vsc_begin(v, m.vm_type, VSC_READER,
			    m.vm_len), m.vm_data, m.vm_len);
			chan_msg_end(v->v_chan);
		}
	}
	if (rc < 0) {
		log_warn("session %u: %s: %s", v->v_session, v->v_port.name,
		    why);
		vmc_stop(v, why);
		return;
	}
	v->v_inlen -= off;
	memmove(v->v_in, v->v_in + off, v->v_inlen);
	vmc_update(v);
}

/* What the device said, to the client. */
static void
vmc_rev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct role_vmc *v = arg;
	struct obuf *ob;
	uint8_t buf[VMC_READ];
	ssize_t n;

	(void)what;
	if (v->v_smartcard && (v->v_await || (v->v_chan != NULL &&
	    chan_can_send(v->v_chan)))) {
		vmc_rev_smartcard(v, fd);
		return;
	}
	if (v->v_chan == NULL || !chan_can_send(v->v_chan))
		return;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		vmc_stop(v, "the device's stream closed");
		return;
	}
	ob = chan_msg_begin(v->v_chan, SPICE_MSG_SPICEVMC_DATA);
	obuf_put_bytes(ob, buf, (size_t)n);
	chan_msg_end(v->v_chan);
	vmc_update(v);
}

/* Read the stream while the client takes more, write it while there is
 * something to write, read the client while there is room. */
static void
vmc_update(struct role_vmc *v)
{
	int pause;

	if (v->v_closed) {
		if (v->v_outlen == 0 && !v->v_await)
			worker_exit(v->v_w, 0, "byte-stream channel closed");
		if (v->v_outlen > 0)
			event_add(v->v_wev, NULL);
		if (v->v_await)
			event_add(v->v_rev, NULL);
		else
			event_del(v->v_rev);
		return;
	}
	if (v->v_fd < 0 || v->v_chan == NULL)
		return;
	if (chan_can_send(v->v_chan))
		event_add(v->v_rev, NULL);
	else
		event_del(v->v_rev);
	if (v->v_outlen > 0)
		event_add(v->v_wev, NULL);
	else
		event_del(v->v_wev);
	pause = v->v_outlen >= VMC_OUT_MAX;
	if (pause != v->v_paused) {
		chan_pause_read(v->v_chan, pause);
		v->v_paused = pause;
	}
}

/* A port channel (port, webdav), which has PORT_INIT and events? */
static int
vmc_is_port(const struct role_vmc *v)
{
	return v->v_port.channel_type == SPICE_CHANNEL_PORT ||
	    v->v_port.channel_type == SPICE_CHANNEL_WEBDAV;
}

/* A client's VSCard message: to the device, or answered here. */
static int
vmc_msg_smartcard(struct role_vmc *v, struct sbuf *body, const char **why)
{
	struct vsc_act act;

	if (vsc_from_client(&v->v_vsc, body, v->v_out + v->v_outlen, &act,
	    why) != 0)
		return -1;
	if (act.note != NULL)
		log_debug("session %u: %s: %s dropped", v->v_session,
		    v->v_port.name, act.note);
	if (act.reply) {
		obuf_put_u32le(vmc_vsc_begin(v, SPICE_VSC_MESSAGE_TYPE_Error,
		    act.reply_reader, 4), act.reply_code);
		chan_msg_end(v->v_chan);
	}
	v->v_outlen += act.dev_len;
	vmc_update(v);
	return 0;
}

static int
vmc_msg(struct chan *c, uint16_t type, struct sbuf *body, const char **why)
{
	struct role_vmc *v = chan_arg(c);
	size_t len = sbuf_left(body);
	uint8_t event;

	switch (type) {
	case SPICE_MSGC_SPICEVMC_DATA:	/* = SMARTCARD_DATA */
		/* The cap is soft: messages already read are kept (the
		 * client is paused below). */
		if (v->v_outlen + len > VMC_OUT_ROOM) {
			*why = "internal: more than one read past the pause";
			return -1;
		}
		if (v->v_smartcard)
			return vmc_msg_smartcard(v, body, why);
		if (len == 0)
			return 0;
		memcpy(v->v_out + v->v_outlen, sbuf_ptr(body), len);
		v->v_outlen += len;
		vmc_update(v);
		return 0;
	case SPICE_MSGC_PORT_EVENT:
		if (!vmc_is_port(v) ||
		    sbuf_get_u8(body, &event) != 0 || sbuf_left(body) != 0) {
			*why = "protocol error: bad PORT_EVENT";
			return -1;
		}
		/* The client opened or closed its end; the device has no
		 * word for it in qxl-shm. */
		log_debug("session %u: %s: client event %u", v->v_session,
		    v->v_port.name, event);
		return 0;
	default:
		/* COMPRESSED_DATA needs a cap we do not offer. */
		*why = "protocol error: unexpected message on a byte-stream "
		    "channel";
		return -1;
	}
}

static void
vmc_writable(struct chan *c)
{
	vmc_update(chan_arg(c));
}

static void
vmc_closed(struct chan *c, const char *reason)
{
	struct role_vmc *v = chan_arg(c);
	struct timeval tv = { VMC_DRAIN_SECS, 0 };

	v->v_chan = NULL;
	worker_conn_closed(v->v_w, v->v_session, v->v_conn, reason);
	/* A reader whose client went is taken out, as a card reader
	 * unplugged, so the device's next client starts from none; the
	 * device's answers still owed this client are read here, not by
	 * the next client's worker (which would pass them on as answers to
	 * what it asked). */
	if (v->v_smartcard) {
		v->v_outlen += vsc_client_gone(&v->v_vsc,
		    v->v_out + v->v_outlen);
		v->v_await = vsc_awaiting(&v->v_vsc);
	}
	v->v_closed = 1;
	evtimer_add(v->v_drain_ev, &tv);
	vmc_update(v);
}

static void
vmc_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct role_vmc *v = arg;

	(void)fd;
	(void)what;
	log_warn("session %u: %s: the device did not take the closed "
	    "client's last %zu bytes, or answer its reader's removal, in "
	    "%d s", v->v_session, v->v_port.name, v->v_outlen,
	    VMC_DRAIN_SECS);
	worker_exit(v->v_w, 0, "byte-stream channel closed");
}

static const struct chan_ops vmc_chan_ops = {
	.co_msg = vmc_msg,
	.co_writable = vmc_writable,
	.co_closed = vmc_closed,
};

static void
vmc_port_event(struct role_vmc *v, uint8_t event)
{
	if (v->v_chan != NULL && vmc_is_port(v))
		chan_send(v->v_chan, SPICE_MSG_PORT_EVENT, &event, 1);
}

/* PORT_INIT: u32 name size (with its NUL), u32 offset of the name, u8
 * opened, then the name. */
static void
vmc_port_init(struct role_vmc *v)
{
	struct obuf *ob;
	size_t n = strlen(v->v_port.name) + 1;

	ob = chan_msg_begin(v->v_chan, SPICE_MSG_PORT_INIT);
	obuf_put_u32le(ob, (uint32_t)n);
	obuf_put_u32le(ob, 9);
	obuf_put_u8(ob, v->v_port.opened);
	obuf_put_bytes(ob, v->v_port.name, n);
	chan_msg_end(v->v_chan);
}

static int
vmc_client(struct role_vmc *v, struct ipc_msg *msg, struct spd_err *err)
{
	struct ipc_client ic;
	int fd = msg->fds[0];

	msg->fds[0] = -1;
	memcpy(&ic, msg->payload, sizeof(ic));
	if (v->v_chan != NULL || v->v_fd < 0 || msg->hdr.ih_session == 0 ||
	    ic.channel_type != v->v_port.channel_type ||
	    ic.channel_id != v->v_port.channel_id) {
		close(fd);
		return spd_err_set(err, "vmc: unexpected connection (channel "
		    "%u:%u, session %u)", ic.channel_type, ic.channel_id,
		    msg->hdr.ih_session);
	}
	v->v_session = msg->hdr.ih_session;
	v->v_conn = msg->hdr.ih_conn;
	if ((v->v_chan = chan_new(v->v_w->wk_base, fd, v->v_session,
	    v->v_conn, &ic, VMC_MAX_MSG, &vmc_chan_ops, v, err)) == NULL)
		return -1;
	chan_set_ack(v->v_chan, 20);
	log_info("session %u conn %u: %s channel %u for \"%s\" from %s",
	    v->v_session, v->v_conn, spice_channel_name(ic.channel_type),
	    ic.channel_id, v->v_port.name, ic.peer);
	if (vmc_is_port(v))
		vmc_port_init(v);
	vmc_update(v);
	return 0;
}

static int
vmc_ipc(struct worker *w, struct ipc_msg *msg, struct spd_err *err)
{
	struct role_vmc *v = w->wk_role_data;
	struct ipc_port_state ps;

	switch (msg->hdr.ih_type) {
	case IPC_D2W_PORT_ATTACH:
		if (v->v_fd >= 0)
			return spd_err_set(err, "vmc: a second stream");
		memcpy(&v->v_port, msg->payload, sizeof(v->v_port));
		if (!ipc_str_ok(v->v_port.name, sizeof(v->v_port.name)))
			return spd_err_set(err, "vmc: unterminated port name");
		v->v_fd = msg->fds[0];
		msg->fds[0] = -1;
		v->v_smartcard = v->v_port.channel_type ==
		    SPICE_CHANNEL_SMARTCARD;
		if (v->v_smartcard &&
		    (v->v_in = malloc(VMC_IN_ROOM)) == NULL)
			return spd_err_set(err, "vmc: out of memory");
		if (event_assign(v->v_rev, w->wk_base, v->v_fd,
		    EV_READ | EV_PERSIST, vmc_rev_cb, v) != 0 ||
		    event_assign(v->v_wev, w->wk_base, v->v_fd, EV_WRITE,
		    vmc_wev_cb, v) != 0)
			return spd_err_set(err, "vmc: event_assign failed");
		return 0;
	case IPC_D2W_CLIENT:
		return vmc_client(v, msg, err);
	case IPC_D2W_PORT_STATE:
		memcpy(&ps, msg->payload, sizeof(ps));
		if ((ps.opened != 0) != (v->v_port.opened != 0)) {
			v->v_port.opened = ps.opened != 0;
			vmc_port_event(v, v->v_port.opened ?
			    SPICE_PORT_EVENT_OPENED : SPICE_PORT_EVENT_CLOSED);
		}
		return 0;
	case IPC_D2W_CONN_CLOSE:
	case IPC_D2W_SESSION_CLOSE:
		/* A client already gone (its channel closed before its main
		 * channel): what it owes the device is still going, and the
		 * worker ends by itself once it went (vmc_update). */
		if (!v->v_closed)
			vmc_stop(v, "closed by the supervisor");
		return 0;
	default:
		return spd_err_set(err, "message type %u is not for the vmc "
		    "role", msg->hdr.ih_type);
	}
}

static int
vmc_start(struct worker *w, struct spd_err *err)
{
	struct role_vmc *v = &role_vmc_state;

	memset(v, 0, sizeof(*v));
	v->v_w = w;
	v->v_fd = -1;
	/* v_out: room for a closed smartcard client's ReaderRemove too. */
	if ((v->v_out = malloc(VMC_OUT_ROOM + VSC_HDR_LEN)) == NULL ||
	    (v->v_drain_ev = evtimer_new(w->wk_base, vmc_drain_cb, v)) ==
	    NULL ||
	    (v->v_rev = event_new(w->wk_base, -1, 0, vmc_rev_cb, v)) == NULL ||
	    (v->v_wev = event_new(w->wk_base, -1, 0, vmc_wev_cb, v)) == NULL)
		return spd_err_set(err, "vmc: out of memory");
	w->wk_role_data = v;
	return 0;
}

const struct worker_role role_vmc = {
	.wr_name = "vmc",
	.wr_start = vmc_start,
	.wr_ipc = vmc_ipc,
};
