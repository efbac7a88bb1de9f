/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-incr: large selection data handed out incrementally (ICCCM INCR).
 * See x11-incr.h.  The requestor's window is watched for PropertyNotify
 * only while a transfer to it runs; its deletion of our property is the
 * signal for the next chunk.  The requestor is another X client and may
 * misbehave: a window destroyed midway only makes our requests fail
 * (errors are logged by the main loop), one that never deletes times out,
 * and at most XINCR_MAX transfers hold data at once.
 */
#include <stdlib.h>
#include <string.h>

#include "x11-incr.h"

struct xincr_t {
	xcb_window_t	 t_req;		/* 0: slot free */
	xcb_atom_t	 t_prop;
	xcb_atom_t	 t_type;
	uint8_t		*t_data;
	uint32_t	 t_len;
	uint32_t	 t_off;		/* sent so far */
	int64_t		 t_deadline;
};

struct xincr {
	struct x11	*i_x;
	xcb_atom_t	 i_incr;
	struct xincr_t	 i_t[XINCR_MAX];
};

struct xincr *
xincr_new(struct x11 *x, xcb_atom_t incr_atom)
{
	struct xincr *in = calloc(1, sizeof(*in));

	if (in != NULL) {
		in->i_x = x;
		in->i_incr = incr_atom;
	}
	return in;
}

/* Watch (or stop watching) a requestor's properties; a window two
 * transfers share stays watched until both end. */
static void
xincr_watch(struct xincr *in, xcb_window_t w, int on)
{
	uint32_t mask = on ? XCB_EVENT_MASK_PROPERTY_CHANGE : 0;
	int i;

	for (i = 0; !on && i < XINCR_MAX; i++)
		if (in->i_t[i].t_req == w)
			return;
	xcb_change_window_attributes(in->i_x->x_c, w, XCB_CW_EVENT_MASK,
	    &mask);
}

static void
xincr_end(struct xincr *in, struct xincr_t *t)
{
	xcb_window_t w = t->t_req;

	free(t->t_data);
	memset(t, 0, sizeof(*t));
	xincr_watch(in, w, 0);
}

int
xincr_put(struct xincr *in, xcb_window_t req, xcb_atom_t prop,
    xcb_atom_t type, const uint8_t *data, uint32_t len)
{
	struct xincr_t *t = NULL;
	int i;

	if (len <= XINCR_CHUNK) {
		xcb_change_property(in->i_x->x_c, XCB_PROP_MODE_REPLACE, req,
		    prop, type, 8, len, data);
		return 0;
	}
	for (i = 0; i < XINCR_MAX; i++) {
		if (in->i_t[i].t_req == req && in->i_t[i].t_prop == prop) {
			/* The same property again: the old transfer is
			 * abandoned by its requestor. */
			xincr_end(in, &in->i_t[i]);
		}
		if (in->i_t[i].t_req == 0 && t == NULL)
			t = &in->i_t[i];
	}
	if (t == NULL) {
		/* All busy: the one waiting longest gives way. */
		t = &in->i_t[0];
		for (i = 1; i < XINCR_MAX; i++)
			if (in->i_t[i].t_deadline < t->t_deadline)
				t = &in->i_t[i];
		x11_log("clipboard: %d incremental pastes at once; X window "
		    "0x%x's, at %u of %u bytes, dropped", XINCR_MAX,
		    t->t_req, t->t_off, t->t_len);
		xincr_end(in, t);
	}
	if ((t->t_data = malloc(len)) == NULL) {
		x11_log("clipboard: out of memory for a paste of %u bytes",
		    len);
		return -1;
	}
	memcpy(t->t_data, data, len);
	t->t_req = req;
	t->t_prop = prop;
	t->t_type = type;
	t->t_len = len;
	t->t_off = 0;
	t->t_deadline = x11_now_ms() + XINCR_TIMEOUT_MS;
	/* Watching before the INCR property: its deletion must not be
	 * missed. */
	xincr_watch(in, req, 1);
	xcb_change_property(in->i_x->x_c, XCB_PROP_MODE_REPLACE, req, prop,
	    in->i_incr, 32, 1, &len);
	if (in->i_x->x_verbose)
		x11_log("clipboard: %u bytes to X window 0x%x incrementally",
		    len, req);
	return 0;
}

int
xincr_event(struct xincr *in, const xcb_generic_event_t *ev)
{
	const xcb_property_notify_event_t *pn;
	struct xincr_t *t;
	uint32_t n;
	int i;

	if ((ev->response_type & 0x7f) != XCB_PROPERTY_NOTIFY)
		return 0;
	pn = (const xcb_property_notify_event_t *)ev;
	for (i = 0; i < XINCR_MAX; i++) {
		t = &in->i_t[i];
		if (t->t_req != 0 && t->t_req == pn->window &&
		    t->t_prop == pn->atom)
			break;
	}
	if (i == XINCR_MAX)
		return 0;
	if (pn->state != XCB_PROPERTY_DELETE)
		return 1;	/* our own write */
	/* The requestor took the last piece: the next, or the empty one
	 * that ends it. */
	n = t->t_len - t->t_off;
	if (n > XINCR_CHUNK)
		n = XINCR_CHUNK;
	xcb_change_property(in->i_x->x_c, XCB_PROP_MODE_REPLACE, t->t_req,
	    t->t_prop, t->t_type, 8, n, t->t_data + t->t_off);
	t->t_off += n;
	t->t_deadline = x11_now_ms() + XINCR_TIMEOUT_MS;
	if (n == 0) {
		if (in->i_x->x_verbose)
			x11_log("clipboard: %u bytes given to X window 0x%x",
			    t->t_len, t->t_req);
		xincr_end(in, t);
	}
	return 1;
}

int
xincr_due_ms(const struct xincr *in)
{
	int64_t now = x11_now_ms(), d, due = -1;
	int i;

	for (i = 0; i < XINCR_MAX; i++) {
		if (in->i_t[i].t_req == 0)
			continue;
		d = in->i_t[i].t_deadline - now;
		if (d < 0)
			d = 0;
		if (due < 0 || d < due)
			due = d;
	}
	return (int)due;
}

void
xincr_expire(struct xincr *in)
{
	int64_t now = x11_now_ms();
	struct xincr_t *t;
	int i;

	for (i = 0; i < XINCR_MAX; i++) {
		t = &in->i_t[i];
		if (t->t_req == 0 || t->t_deadline > now)
			continue;
		x11_log("clipboard: X window 0x%x stopped taking an "
		    "incremental paste at %u of %u bytes (%d s); dropped",
		    t->t_req, t->t_off, t->t_len, XINCR_TIMEOUT_MS / 1000);
		xincr_end(in, t);
	}
}

void
xincr_free(struct xincr *in)
{
	int i;

	if (in == NULL)
		return;
	for (i = 0; i < XINCR_MAX; i++)
		free(in->i_t[i].t_data);
	free(in);
}
