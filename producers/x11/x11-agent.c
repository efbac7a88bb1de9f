/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-agent: the VDAgent spiced-x11 plays.  Messages are reassembled by
 * vdagent-stream (headers checked, XA_MAX_MSG cap); each message we send
 * starts a new chunk, so that a session gaining the port mid-stream finds
 * the next one (PROTOCOL.md 2.5).  What waits for the port is queued up
 * to XA_MAX_QUEUED bytes; beyond that a message is dropped and logged
 * (a clipboard no one reads must not eat the session's memory).
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/vd_agent.h>

#include "vdagent-stream.h"
#include "x11-agent.h"
#include "x11-randr.h"
#include "x11-xfer.h"

struct xa_out {
	struct xa_out	*o_next;
	uint32_t	 o_len;
	uint8_t		 o_buf[];
};

struct xa {
	struct x11	*a_x;
	int		 a_fd;
	struct vds	 a_in;
	uint32_t	 a_client_caps;	/* word 0 of the client's caps */
	struct xa_out	*a_head;
	struct xa_out	*a_tail;
	size_t		 a_queued;
	xa_clipboard_fn	 a_clip;
	xa_gone_fn	 a_gone;
	void		*a_arg;
	struct xf	*a_xfer;	/* files the client sends */
	int		 a_resize_said;	/* "cannot resize" logged */
};

static int	xa_on_msg(void *, uint32_t, uint64_t, const uint8_t *,
		    uint32_t, struct spd_err *);

struct xa *
xa_new(struct x11 *x, char *err, size_t errlen)
{
	struct xa *a;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->a_xfer = xf_new(x->x_xfer_dirfd, x->x_xfer_dir,
	    x->x_verbose)) == NULL) {
		x11_errf(err, errlen, "out of memory");
		free(a);
		return NULL;
	}
	a->a_x = x;
	if ((a->a_fd = qxlshm_agent_open(x->x_q)) == -1) {
		x11_errf(err, errlen, "agent: %s", qxlshm_error(x->x_q));
		xf_free(a->a_xfer);
		free(a);
		return NULL;
	}
	vds_init(&a->a_in, XA_MAX_MSG, xa_on_msg, a);
	return a;
}

void
xa_set_clipboard(struct xa *a, xa_clipboard_fn clip, xa_gone_fn gone,
    void *arg)
{
	a->a_clip = clip;
	a->a_gone = gone;
	a->a_arg = arg;
}

int
xa_fd(const struct xa *a)
{
	return a->a_fd;
}

int
xa_want_write(const struct xa *a)
{
	return a->a_head != NULL;
}

/* Queue one message, cut into chunks. */
static void
xa_send(struct xa *a, uint32_t type, const void *pre, uint32_t prelen,
    const void *data, uint32_t size)
{
	struct qxlshm_agent_chunk ch;
	uint8_t hdr[VDS_HDR_LEN];
	const uint8_t *parts[3] = { hdr, pre, data };
	uint32_t lens[3] = { VDS_HDR_LEN, prelen, size };
	uint64_t total = (uint64_t)VDS_HDR_LEN + prelen + size;
	struct xa_out *o = NULL;
	uint32_t room = 0, take;
	int i;

	if (total - VDS_HDR_LEN > XA_MAX_MSG ||
	    a->a_queued + total > XA_MAX_QUEUED) {
		x11_log("agent: message type %u of %llu bytes dropped (%zu "
		    "bytes wait for the client already)", type,
		    (unsigned long long)total, a->a_queued);
		return;
	}
	vds_header(hdr, type, 0, prelen + size);
	for (i = 0; i < 3; i++) {
		while (lens[i] > 0) {
			if (room == 0) {
				take = total > QXLSHM_AGENT_MAX_CHUNK ?
				    QXLSHM_AGENT_MAX_CHUNK : (uint32_t)total;
				if ((o = malloc(sizeof(*o) + sizeof(ch) +
				    take)) == NULL) {
					x11_log("agent: out of memory");
					return;
				}
				ch.port = QXLSHM_AGENT_PORT_CLIENT;
				ch.size = take;
				memcpy(o->o_buf, &ch, sizeof(ch));
				o->o_len = sizeof(ch);
				o->o_next = NULL;
				if (a->a_tail != NULL)
					a->a_tail->o_next = o;
				else
					a->a_head = o;
				a->a_tail = o;
				a->a_queued += sizeof(ch) + take;
				room = take;
				total -= take;
			}
			take = lens[i] < room ? lens[i] : room;
			memcpy(o->o_buf + o->o_len, parts[i], take);
			o->o_len += take;
			parts[i] += take;
			lens[i] -= take;
			room -= take;
		}
	}
}

void
xa_send_clipboard(struct xa *a, uint32_t type, uint8_t sel, const void *data,
    uint32_t size)
{
	uint8_t pre[4] = { sel, 0, 0, 0 };

	if (VD_AGENT_HAS_CAPABILITY(&a->a_client_caps, 1,
	    VD_AGENT_CAP_CLIPBOARD_SELECTION))
		xa_send(a, type, pre, 4, data, size);
	else if (sel == VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD)
		xa_send(a, type, NULL, 0, data, size);
}

int
xa_client_selections(const struct xa *a)
{
	return VD_AGENT_HAS_CAPABILITY(&a->a_client_caps, 1,
	    VD_AGENT_CAP_CLIPBOARD_SELECTION);
}

/* What we can do: the clipboard (by demand, by selection, LF line ends),
 * monitor configuration (answered, applied where RANDR allows) and files
 * from the client, with detailed errors (or file transfer disabled: a
 * client that saw no DISABLED would wait for an answer forever). */
static void
xa_announce(struct xa *a, uint32_t request)
{
	uint32_t msg[2] = { request, 0 };

	VD_AGENT_SET_CAPABILITY(&msg[1], VD_AGENT_CAP_MONITORS_CONFIG);
	VD_AGENT_SET_CAPABILITY(&msg[1], VD_AGENT_CAP_REPLY);
	VD_AGENT_SET_CAPABILITY(&msg[1], VD_AGENT_CAP_CLIPBOARD_BY_DEMAND);
	VD_AGENT_SET_CAPABILITY(&msg[1], VD_AGENT_CAP_CLIPBOARD_SELECTION);
	VD_AGENT_SET_CAPABILITY(&msg[1], VD_AGENT_CAP_GUEST_LINEEND_LF);
	VD_AGENT_SET_CAPABILITY(&msg[1], VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS);
	if (!xf_enabled(a->a_xfer))
		VD_AGENT_SET_CAPABILITY(&msg[1], VD_AGENT_CAP_FILE_XFER_DISABLED);
	xa_send(a, VD_AGENT_ANNOUNCE_CAPABILITIES, NULL, 0, msg,
	    sizeof(msg));
}

static void
xa_reply(struct xa *a, uint32_t type, uint32_t error)
{
	uint32_t msg[2] = { type, error };

	xa_send(a, VD_AGENT_REPLY, NULL, 0, msg, sizeof(msg));
}

/* A FILE_XFER_STATUS, with its detail for a client that reads them. */
static void
xa_xfer_status(struct xa *a, const struct xf_status *st)
{
	struct obuf ob;

	obuf_init(&ob);
	obuf_put_u32le(&ob, st->id);
	obuf_put_u32le(&ob, st->result);
	if (VD_AGENT_HAS_CAPABILITY(&a->a_client_caps, 1,
	    VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS)) {
		if (st->result == VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE)
			obuf_put_u64le(&ob, st->free_space);
		else if (st->result == VD_AGENT_FILE_XFER_STATUS_ERROR) {
			obuf_put_u8(&ob, VD_AGENT_FILE_XFER_STATUS_ERROR_GLIB_IO);
			obuf_put_u32le(&ob, st->io_error);
		}
	}
	if (ob.ob_failed)
		x11_log("agent: out of memory for a file transfer's status");
	else
		xa_send(a, VD_AGENT_FILE_XFER_STATUS, NULL, 0, ob.ob_data,
		    (uint32_t)ob.ob_len);
	obuf_free(&ob);
}

/* MONITORS_CONFIG: one X screen, so the first monitor with a size says
 * what the client's window would like; the screen takes that size, or
 * the nearest the X server takes (x11-screen then sends the new
 * primary).  What the server cannot do is said once.  The client waits
 * for the REPLY either way. */
static void
xa_monitors(struct xa *a, struct sbuf *body)
{
	struct sbuf mon;
	char why[256];
	uint32_t n, flags, i, w = 0, h = 0, gw, gh;
	int rv;

	if (sbuf_get_u32le(body, &n) != 0 || sbuf_get_u32le(body, &flags) != 0 ||
	    n > 64 || sbuf_left(body) < (uint64_t)n * sizeof(VDAgentMonConfig)) {
		x11_log("agent: MONITORS_CONFIG is malformed");
		xa_reply(a, VD_AGENT_MONITORS_CONFIG, VD_AGENT_ERROR);
		return;
	}
	/* Each VDAgentMonConfig: height, width, depth, x, y. */
	for (i = 0; i < n && w == 0; i++)
		if (sbuf_get_sub(body, &mon, sizeof(VDAgentMonConfig)) != 0 ||
		    sbuf_get_u32le(&mon, &h) != 0 ||
		    sbuf_get_u32le(&mon, &w) != 0 || h == 0)
			w = 0;
	if (w != 0) {
		gw = w;
		gh = h;
		rv = xr_resize(a->a_x, &gw, &gh, why, sizeof(why));
		if (rv == 0 && gw == w && gh == h)
			x11_log("agent: the client asks for %ux%u: the screen "
			    "is resized", w, h);
		else if (rv == 0)
			x11_log("agent: the client asks for %ux%u: the "
			    "nearest size X display %s takes is %ux%u: the "
			    "screen is resized to it", w, h,
			    a->a_x->x_display, gw, gh);
		else if (!a->a_resize_said && (rv == -1 || gw != w ||
		    gh != h)) {
			a->a_resize_said = 1;
			if (rv == 1)
				snprintf(why, sizeof(why), "the nearest size X "
				    "display %s takes is %ux%u",
				    a->a_x->x_display, gw, gh);
			x11_log("agent: the client asks for %ux%u: %s; the "
			    "screen stays %ux%u", w, h, why, a->a_x->x_width,
			    a->a_x->x_height);
		}
	}
	xa_reply(a, VD_AGENT_MONITORS_CONFIG, VD_AGENT_SUCCESS);
}

/* One whole message from the client (vds callback). */
static int
xa_on_msg(void *arg, uint32_t type, uint64_t opaque, const uint8_t *data,
    uint32_t size, struct spd_err *err)
{
	struct xa *a = arg;
	struct xf_status st;
	struct sbuf body;
	uint8_t sel = VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD;
	uint32_t request;

	sbuf_init(&body, data, size);
	switch (type) {
	case VD_AGENT_ANNOUNCE_CAPABILITIES:
		if (sbuf_get_u32le(&body, &request) != 0)
			return spd_err_set(err, "ANNOUNCE_CAPABILITIES of %u "
			    "bytes", size);
		/* Only the first word of capabilities is used. */
		if (sbuf_get_u32le(&body, &a->a_client_caps) != 0)
			a->a_client_caps = 0;
		if (request != 0)
			xa_announce(a, 0);
		if (a->a_gone != NULL)
			a->a_gone(a->a_arg, 0);
		return 0;
	case VD_AGENT_MONITORS_CONFIG:
		xa_monitors(a, &body);
		return 0;
	case VD_AGENT_CLIPBOARD_GRAB:
	case VD_AGENT_CLIPBOARD_REQUEST:
	case VD_AGENT_CLIPBOARD:
	case VD_AGENT_CLIPBOARD_RELEASE:
		if (xa_client_selections(a) &&
		    (sbuf_get_u8(&body, &sel) != 0 ||
		    sbuf_skip(&body, 3) != 0))
			return spd_err_set(err, "clipboard message type %u of "
			    "%u bytes", type, size);
		if (a->a_clip != NULL)
			a->a_clip(a->a_arg, type, sel, &body);
		return 0;
	case VD_AGENT_FILE_XFER_START:
	case VD_AGENT_FILE_XFER_DATA:
	case VD_AGENT_FILE_XFER_STATUS:
		if (xf_on_msg(a->a_xfer, type, &body, &st))
			xa_xfer_status(a, &st);
		return 0;
	default:
		/* Display config, audio volume...: not offered; the client
		 * should not send them. */
		if (a->a_x->x_verbose)
			x11_log("agent: message type %u ignored", type);
		return 0;
	}
}

/* A message from spiced itself (the server port): its header's type. */
static void
xa_server_msg(struct xa *a, struct sbuf *sb)
{
	uint32_t proto, type;

	if (sbuf_get_u32le(sb, &proto) == 0 &&
	    sbuf_get_u32le(sb, &type) == 0 &&
	    type == VD_AGENT_CLIENT_DISCONNECTED) {
		if (a->a_x->x_verbose)
			x11_log("agent: the client went away");
		vds_reset(&a->a_in);
		xf_client_gone(a->a_xfer);
		a->a_client_caps = 0;
		if (a->a_gone != NULL)
			a->a_gone(a->a_arg, 1);
	}
}

static int
xa_read(struct xa *a)
{
	uint8_t buf[sizeof(struct qxlshm_agent_chunk) +
	    QXLSHM_AGENT_MAX_CHUNK + 1];
	struct spd_err err;
	struct sbuf sb;
	uint32_t port, size;
	ssize_t n;
	int i;

	for (i = 0; i < 64; i++) {
		n = recv(a->a_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			x11_log("agent port: %s", n == 0 ? "closed by spiced" :
			    strerror(errno));
			return -1;
		}
		sbuf_init(&sb, buf, (size_t)n);
		if (sbuf_get_u32le(&sb, &port) != 0 ||
		    sbuf_get_u32le(&sb, &size) != 0 ||
		    size != sbuf_left(&sb) || size > QXLSHM_AGENT_MAX_CHUNK) {
			x11_log("agent: a malformed chunk of %zd bytes from "
			    "spiced; dropped", n);
			continue;
		}
		if (port == QXLSHM_AGENT_PORT_SERVER) {
			xa_server_msg(a, &sb);
			continue;
		}
		if (vds_feed(&a->a_in, sbuf_ptr(&sb), size, &err) != 0) {
			/* The client's stream is broken: start over with
			 * the next message it begins. */
			x11_log("agent: %s; the client's partial message is "
			    "dropped", err.msg);
			vds_reset(&a->a_in);
		}
	}
	return 0;
}

static int
xa_write(struct xa *a)
{
	struct xa_out *o;
	ssize_t n;

	while ((o = a->a_head) != NULL) {
		n = send(a->a_fd, o->o_buf, o->o_len, MSG_DONTWAIT |
		    MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0) {
			x11_log("agent port: %s", strerror(errno));
			return -1;
		}
		a->a_head = o->o_next;
		if (a->a_head == NULL)
			a->a_tail = NULL;
		a->a_queued -= o->o_len;
		free(o);
	}
	return 0;
}

int
xa_handle(struct xa *a)
{
	if (xa_read(a) == -1)
		return -1;
	return xa_write(a);
}

void
xa_free(struct xa *a)
{
	struct xa_out *o;

	if (a == NULL)
		return;
	while ((o = a->a_head) != NULL) {
		a->a_head = o->o_next;
		free(o);
	}
	vds_free(&a->a_in);
	xf_free(a->a_xfer);
	close(a->a_fd);
	free(a);
}
