/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * role-inputs: the inputs channel of one client session (SPICE-NOTES 3.5),
 * turned into qxl-shm input events written straight to the producer's
 * input socket (qxl-shm.h struct qxlshm_input_event): no hop through the
 * supervisor, no allocation per event.
 *
 * Facts used: key codes are PC AT set-1 scancodes, +0x80 on release, with
 * 0xE0-prefixed keys sent as the bytes E0, code (a u32 read from its low
 * byte up to the first zero byte); KEY_SCANCODE carries any number of such
 * bytes.  The client stops sending motion when 2 * SPICE_INPUT_MOTION_ACK_BUNCH
 * MOTION/POSITION messages are unacknowledged: one MOTION_ACK goes back for
 * every SPICE_INPUT_MOTION_ACK_BUNCH of them.  KEY_MODIFIERS from the
 * client is its lock state: locks that differ from the producer's are
 * toggled with a press and release of their key, as the reference server
 * does.
 * Deviations: 0xE1 sequences (Pause) are dropped (nothing downstream takes
 * them); events that cannot be written at once wait in a bounded queue
 * and are dropped, with a log line, past it.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "chan.h"
#include "log.h"
#include "qxl-shm.h"
#include "sbuf.h"
#include "worker.h"

/* Largest client message: KEY_SCANCODE is a handful of bytes. */
#define INPUTS_MAX_MSG		256
/* Events held while the producer's socket is full. */
#define INPUTS_QUEUE		512
#define INPUTS_KEY_CAPS		0x3a
#define INPUTS_KEY_NUM		0x45
#define INPUTS_KEY_SCROLL	0x46

struct role_inputs {
	struct worker		*ri_w;
	struct chan		*ri_chan;
	uint32_t		 ri_session;
	uint32_t		 ri_conn;
	int			 ri_fd;		/* producer's socket, or -1 */
	uint32_t		 ri_flags;	/* QXLSHM_INPUT_* */
	uint32_t		 ri_leds;	/* the producer's lock state */
	struct event		*ri_wev;
	struct qxlshm_input_event ri_q[INPUTS_QUEUE];
	size_t			 ri_qhead;
	size_t			 ri_qlen;
	uint64_t		 ri_dropped;
	uint32_t		 ri_motions;	/* MOTION/POSITION since an ACK */
	int			 ri_e0;		/* an 0xE0 prefix is pending */
	int			 ri_e1;		/* bytes of an 0xE1 sequence */
	uint32_t		 ri_active_ms;	/* last INPUT_ACTIVE sent */
	int			 ri_active_said; /* one was sent */
};

static struct role_inputs role_inputs_state;

/* Write what waits, oldest first; stop at a full socket. */
static void
inputs_flush(struct role_inputs *ri)
{
	ssize_t n;

	while (ri->ri_qlen > 0 && ri->ri_fd >= 0) {
		n = send(ri->ri_fd, &ri->ri_q[ri->ri_qhead],
		    sizeof(ri->ri_q[0]), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			event_add(ri->ri_wev, NULL);
			return;
		}
		if (n < 0) {
			/* The producer went; the supervisor will say so. */
			log_info("session %u: producer input socket: %s",
			    ri->ri_session, strerror(errno));
			close(ri->ri_fd);
			ri->ri_fd = -1;
			ri->ri_qlen = 0;
			return;
		}
		ri->ri_qhead = (ri->ri_qhead + 1) % INPUTS_QUEUE;
		ri->ri_qlen--;
	}
}

static void
inputs_wev_cb(evutil_socket_t fd, short what, void *arg)
{
	inputs_flush(arg);
}

/* A key or button pressed: the supervisor gives the agent to the viewer
 * that last did so (told at most every IPC_INPUT_ACTIVE_MS). */
static void
inputs_active(struct role_inputs *ri)
{
	uint32_t now = chan_mm_time();

	/* Modulo 2^32 ms, as the clock wraps. */
	if (ri->ri_active_said && now - ri->ri_active_ms <
	    IPC_INPUT_ACTIVE_MS)
		return;
	ri->ri_active_said = 1;
	ri->ri_active_ms = now;
	worker_send(ri->ri_w, IPC_W2D_INPUT_ACTIVE, ri->ri_session, 0, NULL, 0,
	    NULL, 0);
}

static void
inputs_emit(struct role_inputs *ri, uint16_t type, int32_t x, int32_t y,
    uint32_t buttons, uint8_t display)
{
	struct qxlshm_input_event *ev;

	if (type == QXLSHM_IN_KEY_DOWN || type == QXLSHM_IN_BUTTON_DOWN)
		inputs_active(ri);
	if (ri->ri_fd < 0)
		return;		/* no producer takes input now */
	if (ri->ri_qlen == INPUTS_QUEUE) {
		if (ri->ri_dropped++ % 1000 == 0)
			log_warn("session %u: producer does not read its "
			    "input; %llu events dropped", ri->ri_session,
			    (unsigned long long)ri->ri_dropped);
		return;
	}
	ev = &ri->ri_q[(ri->ri_qhead + ri->ri_qlen) % INPUTS_QUEUE];
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->display = display;
	ev->buttons = buttons & SPICE_MOUSE_BUTTON_MASK_MASK;
	ev->x = x;
	ev->y = y;
	ri->ri_qlen++;
	if (ri->ri_qlen == 1)
		inputs_flush(ri);
}

/* One byte of a set-1 scancode stream. */
static void
inputs_scancode_byte(struct role_inputs *ri, uint8_t b)
{
	int key;

	if (ri->ri_e1 > 0) {
		ri->ri_e1--;
		return;
	}
	if (b == 0xe0) {
		ri->ri_e0 = 1;
		return;
	}
	if (b == 0xe1) {
		ri->ri_e1 = 2;	/* Pause: E1 1D 45, then E1 9D C5 */
		return;
	}
	key = (b & 0x7f) | (ri->ri_e0 ? QXLSHM_KEY_E0 : 0);
	ri->ri_e0 = 0;
	if ((b & 0x7f) == 0)
		return;
	inputs_emit(ri, b & 0x80 ? QXLSHM_IN_KEY_UP : QXLSHM_IN_KEY_DOWN, key,
	    0, 0, 0);
}

/* KEY_DOWN / KEY_UP: a u32 whose bytes, low first, up to a zero byte. */
static void
inputs_keycode(struct role_inputs *ri, uint32_t code)
{
	int i;

	for (i = 0; i < 4 && (code & 0xff) != 0; i++, code >>= 8)
		inputs_scancode_byte(ri, (uint8_t)code);
	ri->ri_e0 = 0;
}

/* The client's lock state: toggle the producer's locks that differ. */
static void
inputs_sync_locks(struct role_inputs *ri, uint16_t want)
{
	static const struct {
		uint16_t	flag;
		int		key;
	} locks[] = {
		{ SPICE_KEYBOARD_MODIFIER_FLAGS_SCROLL_LOCK, INPUTS_KEY_SCROLL },
		{ SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK, INPUTS_KEY_NUM },
		{ SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK, INPUTS_KEY_CAPS },
	};
	size_t i;

	for (i = 0; i < sizeof(locks) / sizeof(locks[0]); i++)
		if ((want ^ ri->ri_leds) & locks[i].flag) {
			inputs_emit(ri, QXLSHM_IN_KEY_DOWN, locks[i].key, 0, 0,
			    0);
			inputs_emit(ri, QXLSHM_IN_KEY_UP, locks[i].key, 0, 0,
			    0);
		}
}

static void
inputs_motion_seen(struct role_inputs *ri)
{
	if (++ri->ri_motions < SPICE_INPUT_MOTION_ACK_BUNCH)
		return;
	ri->ri_motions = 0;
	chan_send(ri->ri_chan, SPICE_MSG_INPUTS_MOUSE_MOTION_ACK, NULL, 0);
}

static int
inputs_msg(struct chan *c, uint16_t type, struct sbuf *b, const char **why)
{
	struct role_inputs *ri = chan_arg(c);
	uint32_t code, x, y;
	uint16_t buttons, mods;
	uint8_t button, display, byte;

	switch (type) {
	case SPICE_MSGC_INPUTS_KEY_DOWN:
	case SPICE_MSGC_INPUTS_KEY_UP:
		if (sbuf_get_u32le(b, &code) != 0)
			return *why = "protocol error: short KEY message", -1;
		inputs_keycode(ri, code);
		return 0;
	case SPICE_MSGC_INPUTS_KEY_SCANCODE:
		while (sbuf_left(b) > 0 && sbuf_get_u8(b, &byte) == 0)
			inputs_scancode_byte(ri, byte);
		ri->ri_e0 = 0;
		return 0;
	case SPICE_MSGC_INPUTS_KEY_MODIFIERS:
		if (sbuf_get_u16le(b, &mods) != 0)
			return *why = "protocol error: short KEY_MODIFIERS", -1;
		inputs_sync_locks(ri, mods & SPICE_KEYBOARD_MODIFIER_FLAGS_MASK);
		return 0;
	case SPICE_MSGC_INPUTS_MOUSE_MOTION:
		/* dx, dy: i32 on the wire. */
		if (sbuf_get_u32le(b, &x) != 0 || sbuf_get_u32le(b, &y) != 0 ||
		    sbuf_get_u16le(b, &buttons) != 0)
			return *why = "protocol error: short MOUSE_MOTION", -1;
		inputs_emit(ri, QXLSHM_IN_MOTION, (int32_t)x, (int32_t)y,
		    buttons, 0);
		inputs_motion_seen(ri);
		return 0;
	case SPICE_MSGC_INPUTS_MOUSE_POSITION:
		if (sbuf_get_u32le(b, &x) != 0 || sbuf_get_u32le(b, &y) != 0 ||
		    sbuf_get_u16le(b, &buttons) != 0 ||
		    sbuf_get_u8(b, &display) != 0)
			return *why = "protocol error: short MOUSE_POSITION",
			    -1;
		/* Only a producer that said it can place the pointer gets
		 * positions (the main channel offered client mode only
		 * then); the rest are dropped. */
		if ((ri->ri_flags & QXLSHM_INPUT_ABSOLUTE) && x <= INT32_MAX &&
		    y <= INT32_MAX)
			inputs_emit(ri, QXLSHM_IN_POSITION, (int32_t)x,
			    (int32_t)y, buttons, display);
		inputs_motion_seen(ri);
		return 0;
	case SPICE_MSGC_INPUTS_MOUSE_PRESS:
	case SPICE_MSGC_INPUTS_MOUSE_RELEASE:
		if (sbuf_get_u8(b, &button) != 0 ||
		    sbuf_get_u16le(b, &buttons) != 0)
			return *why = "protocol error: short MOUSE_PRESS or "
			    "MOUSE_RELEASE", -1;
		if (button < SPICE_MOUSE_BUTTON_LEFT ||
		    button > SPICE_MOUSE_BUTTON_EXTRA)
			return *why = "protocol error: mouse button out of "
			    "range", -1;
		inputs_emit(ri, type == SPICE_MSGC_INPUTS_MOUSE_PRESS ?
		    QXLSHM_IN_BUTTON_DOWN : QXLSHM_IN_BUTTON_UP, button, 0,
		    buttons, 0);
		return 0;
	default:
		log_debug("session %u: dropped unknown inputs message %u",
		    ri->ri_session, type);
		return 0;
	}
}

static void
inputs_closed(struct chan *c, const char *reason)
{
	struct role_inputs *ri = chan_arg(c);

	ri->ri_chan = NULL;
	worker_conn_closed(ri->ri_w, ri->ri_session, ri->ri_conn, reason);
	worker_exit(ri->ri_w, 0, "inputs channel closed");
}

static const struct chan_ops inputs_chan_ops = {
	.co_msg = inputs_msg,
	.co_writable = NULL,	/* sends little: INIT, ACKs, modifiers */
	.co_closed = inputs_closed,
};

static void
inputs_send_modifiers(struct role_inputs *ri, uint16_t type)
{
	struct obuf *ob;

	ob = chan_msg_begin(ri->ri_chan, type);
	obuf_put_u16le(ob, (uint16_t)(ri->ri_leds &
	    SPICE_KEYBOARD_MODIFIER_FLAGS_MASK));
	chan_msg_end(ri->ri_chan);
}

static int
inputs_client(struct role_inputs *ri, struct ipc_msg *msg,
    struct spd_err *err)
{
	struct ipc_client ic;
	int fd = msg->fds[0];

	msg->fds[0] = -1;
	memcpy(&ic, msg->payload, sizeof(ic));
	if (ri->ri_chan != NULL || ic.channel_type != SPICE_CHANNEL_INPUTS ||
	    msg->hdr.ih_session == 0) {
		close(fd);
		return spd_err_set(err, "inputs: unexpected connection "
		    "(channel type %u, session %u)", ic.channel_type,
		    msg->hdr.ih_session);
	}
	ri->ri_session = msg->hdr.ih_session;
	ri->ri_conn = msg->hdr.ih_conn;
	if ((ri->ri_chan = chan_new(ri->ri_w->wk_base, fd, ri->ri_session,
	    ri->ri_conn, &ic, INPUTS_MAX_MSG, &inputs_chan_ops, ri,
	    err)) == NULL)
		return -1;
	log_info("session %u conn %u: inputs channel from %s",
	    ri->ri_session, ri->ri_conn, ic.peer);
	inputs_send_modifiers(ri, SPICE_MSG_INPUTS_INIT);
	return 0;
}

static int
inputs_ipc(struct worker *w, struct ipc_msg *msg, struct spd_err *err)
{
	struct role_inputs *ri = w->wk_role_data;
	struct ipc_input in;
	struct ipc_leds l;

	switch (msg->hdr.ih_type) {
	case IPC_D2W_CLIENT:
		return inputs_client(ri, msg, err);
	case IPC_D2W_INPUT_ATTACH:
		memcpy(&in, msg->payload, sizeof(in));
		if (ri->ri_fd >= 0) {
			event_del(ri->ri_wev);
			close(ri->ri_fd);
		}
		ri->ri_fd = msg->fds[0];
		msg->fds[0] = -1;
		ri->ri_flags = in.flags;
		ri->ri_leds = in.leds;
		ri->ri_qlen = 0;
		if (event_assign(ri->ri_wev, w->wk_base, ri->ri_fd, EV_WRITE,
		    inputs_wev_cb, ri) != 0)
			return spd_err_set(err, "inputs: event_assign failed");
		if (ri->ri_chan != NULL)
			inputs_send_modifiers(ri,
			    SPICE_MSG_INPUTS_KEY_MODIFIERS);
		return 0;
	case IPC_D2W_INPUT_DETACH:
		if (ri->ri_fd >= 0) {
			event_del(ri->ri_wev);
			close(ri->ri_fd);
		}
		ri->ri_fd = -1;
		ri->ri_qlen = 0;
		return 0;
	case IPC_D2W_INPUT_LEDS:
		memcpy(&l, msg->payload, sizeof(l));
		ri->ri_leds = l.leds;
		if (ri->ri_chan != NULL)
			inputs_send_modifiers(ri,
			    SPICE_MSG_INPUTS_KEY_MODIFIERS);
		return 0;
	case IPC_D2W_CONN_CLOSE:
	case IPC_D2W_SESSION_CLOSE:
		if (ri->ri_chan != NULL)
			chan_close(ri->ri_chan, "closed by the supervisor");
		else
			worker_exit(w, 0, "session closed by the supervisor");
		return 0;
	default:
		return spd_err_set(err, "message type %u is not for the "
		    "inputs role", msg->hdr.ih_type);
	}
}

static int
inputs_start(struct worker *w, struct spd_err *err)
{
	struct role_inputs *ri = &role_inputs_state;

	memset(ri, 0, sizeof(*ri));
	ri->ri_w = w;
	ri->ri_fd = -1;
	if ((ri->ri_wev = event_new(w->wk_base, -1, 0, inputs_wev_cb,
	    ri)) == NULL)
		return spd_err_set(err, "inputs: event_new failed");
	w->wk_role_data = ri;
	return 0;
}

const struct worker_role role_inputs = {
	.wr_name = "inputs",
	.wr_start = inputs_start,
	.wr_ipc = inputs_ipc,
};
