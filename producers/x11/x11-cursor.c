/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-cursor: X cursor images are ARGB with premultiplied alpha; SPICE's
 * ALPHA cursors are not premultiplied, so each pixel is divided back
 * (a cursor is a few thousand pixels, once per shape change).  The shape's
 * id for the clients' caches is the XFIXES cursor serial, which the X
 * server gives each distinct cursor.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/xfixes.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "x11-cursor.h"

#define XC_SLOT		0		/* the command slot */
#define XC_MAX_DIM	256		/* larger shapes are not sent */
/*
 * A new shape is fetched this long after X says the cursor changed, not
 * at once: a window manager starting to move a window (twm) grabs the
 * pointer with a new cursor and then grabs the server, and Xorg leaves
 * a client whose request it was reading when the server grab began
 * waiting until the grab ends, impervious to grabs or not (xi_new).
 * The fetch then waits behind the grab and so does the input that would
 * end it: the session froze.  Fetched after the grab began, the request
 * goes through it.
 */
#define XC_SHAPE_DELAY_MS	10

struct xc {
	struct x11	*c_x;
	int		 c_fixes_ev;
	int		 c_changed;	/* a new shape to fetch */
	int64_t		 c_changed_at;	/* when X said so (ms) */
	int		 c_have;	/* a shape was sent */
	int16_t		 c_px;		/* the position last sent */
	int16_t		 c_py;
	int64_t		 c_last_poll;
	int64_t		 c_active_at;	/* last motion, input or shape (ms) */
	int		 c_failing;	/* the last push failed (logged) */
	int		 c_refused;	/* X refused the last image (logged) */
};

struct xc *
xc_new(struct x11 *x, char *err, size_t errlen)
{
	struct xc *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		x11_errf(err, errlen, "out of memory");
		return NULL;
	}
	c->c_x = x;
	/* x11-screen asked XFIXES for version 5 already; 4 has cursor
	 * images and notify. */
	if ((c->c_fixes_ev = x11_ext_event_base(x, &xcb_xfixes_id, "XFIXES",
	    err, errlen)) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

int
xc_start(struct xc *c, char *err, size_t errlen)
{
	xcb_xfixes_select_cursor_input(c->c_x->x_c, c->c_x->x_root,
	    XCB_XFIXES_CURSOR_NOTIFY_MASK_DISPLAY_CURSOR);
	c->c_changed = 1;
	xc_update(c, 1);
	return 0;
}

int
xc_event(struct xc *c, const xcb_generic_event_t *ev)
{
	if ((ev->response_type & 0x7f) !=
	    c->c_fixes_ev + XCB_XFIXES_CURSOR_NOTIFY)
		return 0;
	if (!c->c_changed)
		c->c_changed_at = x11_now_ms();
	c->c_changed = 1;
	c->c_active_at = x11_now_ms();
	return 1;
}

/* A cursor command with room for extra bytes of shape after it. */
static QXLCursorCmd *
xc_cmd(struct xc *c, uint8_t type, uint64_t *phys)
{
	QXLCursorCmd *cmd;

	if ((cmd = qxlshm_alloc_cmd(c->c_x->x_q, XC_SLOT, sizeof(*cmd),
	    phys)) == NULL)
		return NULL;
	cmd->type = type;
	return cmd;
}

/* Never waits: the picture and input must not stall behind a cursor
 * ring nobody consumes (a cursor worker being restarted). */
static int
xc_push(struct xc *c, QXLCursorCmd *cmd, uint64_t phys)
{
	if (qxlshm_push_cursor(c->c_x->x_q, phys, 0) == -1) {
		qxlshm_free(c->c_x->x_q, cmd);
		return -1;
	}
	return 0;
}

/* Premultiplied ARGB to straight ARGB. */
static uint32_t
xc_unpremultiply(uint32_t p)
{
	uint32_t a = p >> 24, r, g, b;

	if (a == 0 || a == 255)
		return a == 0 ? 0 : p;
	r = ((p >> 16) & 0xff) * 255 / a;
	g = ((p >> 8) & 0xff) * 255 / a;
	b = (p & 0xff) * 255 / a;
	return a << 24 | (r > 255 ? 255 : r) << 16 | (g > 255 ? 255 : g) << 8 |
	    (b > 255 ? 255 : b);
}

/* Fetch the current cursor image and send it as an ALPHA shape. */
static int
xc_send_shape(struct xc *c)
{
	struct x11 *x = c->c_x;
	xcb_xfixes_get_cursor_image_reply_t *r;
	xcb_generic_error_t *e = NULL;
	QXLCursorCmd *cmd;
	const uint32_t *px;
	uint8_t *out;
	uint32_t v, i, n;
	uint64_t phys;

	c->c_changed = 0;
	if ((r = xcb_xfixes_get_cursor_image_reply(x->x_c,
	    xcb_xfixes_get_cursor_image(x->x_c), &e)) == NULL) {
		/* X servers refuse (BadAccess) the image of a cursor whose
		 * client has exited, such as one xsetroot left on the root
		 * window.  (No error: the X connection's end, seen later.) */
		if (e != NULL && !c->c_refused)
			x11_log("the X server refused the cursor's image (X "
			    "error %u); clients keep the previous shape",
			    e->error_code);
		c->c_refused = e != NULL;
		free(e);
		return 0;
	}
	c->c_refused = 0;
	n = (uint32_t)r->width * r->height;
	if (r->width == 0 || r->height == 0 || r->width > XC_MAX_DIM ||
	    r->height > XC_MAX_DIM || r->xhot >= r->width ||
	    r->yhot >= r->height ||
	    (uint32_t)xcb_xfixes_get_cursor_image_cursor_image_length(r) <
	    n) {
		if (x->x_verbose)
			x11_log("cursor %ux%u hot %u,%u not sent", r->width,
			    r->height, r->xhot, r->yhot);
		free(r);
		return 0;
	}
	if ((cmd = qxlshm_cursor_alpha(x->x_q, XC_SLOT,
	    (1ull << 32) | r->cursor_serial, r->width, r->height, r->xhot,
	    r->yhot, r->x, r->y, &out, &phys)) == NULL) {
		free(r);
		return -1;
	}
	px = xcb_xfixes_get_cursor_image_cursor_image(r);
	for (i = 0; i < n; i++) {
		v = xc_unpremultiply(px[i]);
		memcpy(out + i * 4, &v, 4);
	}
	c->c_px = r->x;
	c->c_py = r->y;
	if (x->x_verbose)
		x11_log("cursor %ux%u hot %u,%u serial %u", r->width,
		    r->height, r->xhot, r->yhot, r->cursor_serial);
	free(r);
	if (xc_push(c, cmd, phys) == -1)
		return -1;
	c->c_have = 1;
	return 0;
}

/* Where the pointer is; MOVE if it moved. */
static int
xc_send_position(struct xc *c)
{
	struct x11 *x = c->c_x;
	xcb_query_pointer_reply_t *r;
	QXLCursorCmd *cmd;
	uint64_t phys;
	int16_t px, py;

	if ((r = xcb_query_pointer_reply(x->x_c,
	    xcb_query_pointer(x->x_c, x->x_root), NULL)) == NULL)
		return 0;
	px = r->root_x;
	py = r->root_y;
	free(r);
	if (px == c->c_px && py == c->c_py)
		return 0;
	c->c_active_at = x11_now_ms();
	if ((cmd = xc_cmd(c, QXL_CURSOR_MOVE, &phys)) == NULL)
		return -1;
	cmd->u.position.x = px;
	cmd->u.position.y = py;
	c->c_px = px;
	c->c_py = py;
	return xc_push(c, cmd, phys);
}

int
xc_due_ms(const struct xc *c)
{
	int64_t left, now = x11_now_ms();

	left = c->c_last_poll - now + (now - c->c_active_at < XC_ACTIVE_MS ?
	    XC_POLL_MS : XC_IDLE_POLL_MS);
	if (c->c_changed && !c->c_failing &&
	    c->c_changed_at + XC_SHAPE_DELAY_MS - now < left)
		left = c->c_changed_at + XC_SHAPE_DELAY_MS - now;
	return left < 0 ? 0 : (int)left;
}

void
xc_update(struct xc *c, int now)
{
	int rv = 0;

	if (now)
		c->c_active_at = x11_now_ms();
	if (c->c_changed && x11_now_ms() - c->c_changed_at >=
	    XC_SHAPE_DELAY_MS && (rv = xc_send_shape(c)) == -1)
		c->c_changed = 1;	/* tried again at the next poll */
	if (rv == 0 && c->c_have && (now || xc_due_ms(c) == 0))
		rv = xc_send_position(c);
	c->c_last_poll = x11_now_ms();
	/* A full ring or slot is spiced's cursor worker not keeping up:
	 * the cursor waits, nothing else does.  Logged once a streak. */
	if (rv == -1 && !c->c_failing)
		x11_log("cursor update delayed: %s", qxlshm_error(c->c_x->x_q));
	c->c_failing = rv == -1;
}

void
xc_free(struct xc *c)
{
	free(c);
}
