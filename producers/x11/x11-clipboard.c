/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-clipboard: selections (ICCCM) for the agent's clipboard.  Data
 * goes through properties of an InputOnly window of ours; XFIXES says
 * when another client takes CLIPBOARD.  An X client's data larger than
 * one property comes incrementally (ICCCM INCR: the property deleted,
 * then a chunk per PropertyNotify until an empty one), up to XA_MAX_MSG;
 * ours goes in one property, so it must fit one X request.  One request of
 * the client is served at a time; X requestors wait in a queue of
 * XCL_MAX_PENDING, the oldest refused when it is full.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/xfixes.h>

#include <spice/vd_agent.h>

#include "x11-clipboard.h"

enum xcl_atom {
	XCL_CLIPBOARD, XCL_TARGETS, XCL_UTF8, XCL_STRING, XCL_TEXT,
	XCL_PNG, XCL_INCR, XCL_PROP_TARGETS, XCL_PROP_DATA, XCL_NATOMS
};

static const char *const xcl_atom_names[XCL_NATOMS] = {
	"CLIPBOARD", "TARGETS", "UTF8_STRING", "STRING", "TEXT",
	"image/png", "INCR", "SPICED_TARGETS", "SPICED_DATA"
};

struct xcl_pending {
	xcb_window_t	 p_requestor;
	xcb_atom_t	 p_property;
	xcb_atom_t	 p_target;
	xcb_timestamp_t	 p_time;
	uint32_t	 p_type;	/* VD_AGENT_CLIPBOARD_* asked */
};

struct xcl {
	struct x11		*c_x;
	struct xa		*c_a;
	int			 c_fixes_ev;
	xcb_window_t		 c_win;
	xcb_atom_t		 c_atom[XCL_NATOMS];
	/* The SPICE client's clipboard, while we own CLIPBOARD for it. */
	int			 c_own;
	int			 c_offers_text;
	int			 c_offers_png;
	struct xcl_pending	 c_pend[XCL_MAX_PENDING];
	unsigned		 c_npend;
	/* An X client's clipboard, announced to the SPICE client. */
	int			 c_grabbed;
	uint32_t		 c_asked;	/* type the client asked, or 0 */
	/* An INCR transfer from an X client under way: its data so far. */
	int			 c_incr;
	uint8_t			*c_incr_buf;
	uint32_t		 c_incr_len;
};

static void	xcl_agent_msg(void *, uint32_t, uint8_t, const uint8_t *,
		    uint32_t);
static void	xcl_agent_gone(void *, int);

struct xcl *
xcl_new(struct x11 *x, struct xa *a, char *err, size_t errlen)
{
	xcb_intern_atom_cookie_t ck[XCL_NATOMS];
	xcb_intern_atom_reply_t *r;
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE;
	struct xcl *c;
	int i;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->c_x = x;
	c->c_a = a;
	if ((c->c_fixes_ev = x11_ext_event_base(x, &xcb_xfixes_id, "XFIXES",
	    err, errlen)) < 0) {
		free(c);
		return NULL;
	}
	for (i = 0; i < XCL_NATOMS; i++)
		ck[i] = xcb_intern_atom(x->x_c, 0,
		    (uint16_t)strlen(xcl_atom_names[i]), xcl_atom_names[i]);
	for (i = 0; i < XCL_NATOMS; i++) {
		if ((r = xcb_intern_atom_reply(x->x_c, ck[i], NULL)) == NULL) {
			snprintf(err, errlen, "X display %s: InternAtom %s "
			    "failed", x->x_display, xcl_atom_names[i]);
			free(c);
			return NULL;
		}
		c->c_atom[i] = r->atom;
		free(r);
	}
	c->c_win = xcb_generate_id(x->x_c);
	xcb_create_window(x->x_c, 0, c->c_win, x->x_root, 0, 0, 1, 1, 0,
	    XCB_WINDOW_CLASS_INPUT_ONLY, XCB_COPY_FROM_PARENT,
	    XCB_CW_EVENT_MASK, &mask);
	/* Named, so that who owns a selection can be told (xprop, tests). */
	xcb_change_property(x->x_c, XCB_PROP_MODE_REPLACE, c->c_win,
	    XCB_ATOM_WM_NAME, XCB_ATOM_STRING, 8, strlen(XCL_WINDOW_NAME),
	    XCL_WINDOW_NAME);
	xcb_xfixes_select_selection_input(x->x_c, c->c_win,
	    c->c_atom[XCL_CLIPBOARD],
	    XCB_XFIXES_SELECTION_EVENT_MASK_SET_SELECTION_OWNER |
	    XCB_XFIXES_SELECTION_EVENT_MASK_SELECTION_WINDOW_DESTROY |
	    XCB_XFIXES_SELECTION_EVENT_MASK_SELECTION_CLIENT_CLOSE);
	xa_set_clipboard(a, xcl_agent_msg, xcl_agent_gone, c);
	return c;
}

/* Tell requestor its conversion is done (property) or refused (NONE). */
static void
xcl_notify(struct xcl *c, xcb_window_t requestor, xcb_atom_t target,
    xcb_atom_t property, xcb_timestamp_t time)
{
	xcb_selection_notify_event_t ev;

	memset(&ev, 0, sizeof(ev));
	ev.response_type = XCB_SELECTION_NOTIFY;
	ev.time = time;
	ev.requestor = requestor;
	ev.selection = c->c_atom[XCL_CLIPBOARD];
	ev.target = target;
	ev.property = property;
	xcb_send_event(c->c_x->x_c, 0, requestor, XCB_EVENT_MASK_NO_EVENT,
	    (const char *)&ev);
}

/* Answer the oldest X request with data (NULL: refused). */
static void
xcl_answer(struct xcl *c, const uint8_t *data, uint32_t size)
{
	struct xcl_pending p;
	uint64_t maxreq;

	if (c->c_npend == 0)
		return;
	p = c->c_pend[0];
	memmove(c->c_pend, c->c_pend + 1, --c->c_npend * sizeof(p));
	/* The property must fit one request (a few MiB, or 4 GiB with
	 * BIG-REQUESTS); larger needs INCR, which is not done. */
	maxreq = (uint64_t)xcb_get_maximum_request_length(c->c_x->x_c) * 4;
	if (data != NULL && (uint64_t)size + 64 > maxreq) {
		x11_log("clipboard: %u bytes do not fit one X request; "
		    "refused (INCR transfers are not done)", size);
		data = NULL;
	}
	if (data == NULL) {
		xcl_notify(c, p.p_requestor, p.p_target, XCB_NONE, p.p_time);
		return;
	}
	xcb_change_property(c->c_x->x_c, XCB_PROP_MODE_REPLACE,
	    p.p_requestor, p.p_property, p.p_target == c->c_atom[XCL_TEXT] ?
	    c->c_atom[XCL_UTF8] : p.p_target, 8, size, data);
	xcl_notify(c, p.p_requestor, p.p_target, p.p_property, p.p_time);
}

/* An X client pastes from the SPICE client's clipboard (we own it). */
static void
xcl_request(struct xcl *c, const xcb_selection_request_event_t *r)
{
	xcb_atom_t prop = r->property != XCB_NONE ? r->property : r->target;
	xcb_atom_t targets[5];
	uint32_t n = 0, type = 0;

	if (r->target == c->c_atom[XCL_TARGETS]) {
		targets[n++] = c->c_atom[XCL_TARGETS];
		if (c->c_offers_text) {
			targets[n++] = c->c_atom[XCL_UTF8];
			targets[n++] = c->c_atom[XCL_STRING];
			targets[n++] = c->c_atom[XCL_TEXT];
		}
		if (c->c_offers_png)
			targets[n++] = c->c_atom[XCL_PNG];
		xcb_change_property(c->c_x->x_c, XCB_PROP_MODE_REPLACE,
		    r->requestor, prop, XCB_ATOM_ATOM, 32, n, targets);
		xcl_notify(c, r->requestor, r->target, prop, r->time);
		return;
	}
	if (c->c_offers_text && (r->target == c->c_atom[XCL_UTF8] ||
	    r->target == c->c_atom[XCL_STRING] ||
	    r->target == c->c_atom[XCL_TEXT]))
		type = VD_AGENT_CLIPBOARD_UTF8_TEXT;
	else if (c->c_offers_png && r->target == c->c_atom[XCL_PNG])
		type = VD_AGENT_CLIPBOARD_IMAGE_PNG;
	if (!c->c_own || type == 0) {
		xcl_notify(c, r->requestor, r->target, XCB_NONE, r->time);
		return;
	}
	if (c->c_npend == XCL_MAX_PENDING)
		xcl_answer(c, NULL, 0);
	c->c_pend[c->c_npend].p_requestor = r->requestor;
	c->c_pend[c->c_npend].p_property = prop;
	c->c_pend[c->c_npend].p_target = r->target;
	c->c_pend[c->c_npend].p_time = r->time;
	c->c_pend[c->c_npend].p_type = type;
	c->c_npend++;
	xa_send_clipboard(c->c_a, VD_AGENT_CLIPBOARD_REQUEST,
	    VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD, &type, sizeof(type));
}

/* Answer the client's request with data (empty: nothing to give). */
static void
xcl_send_data(struct xcl *c, const uint8_t *data, uint32_t len)
{
	uint8_t *msg = malloc(4 + (size_t)len);

	if (msg != NULL) {
		memcpy(msg, &c->c_asked, 4);
		if (len > 0)
			memcpy(msg + 4, data, len);
		xa_send_clipboard(c->c_a, VD_AGENT_CLIPBOARD,
		    VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD, msg, 4 + len);
		free(msg);
	} else
		x11_log("clipboard: out of memory for %u bytes", len);
	c->c_asked = 0;
}

/* Our conversion of an X client's CLIPBOARD is done (or refused). */
static void
xcl_converted(struct xcl *c, const xcb_selection_notify_event_t *n)
{
	xcb_get_property_reply_t *r;
	uint32_t types[2], nt = 0, i, len;
	const xcb_atom_t *atoms;
	const uint8_t *data = NULL;
	int targets = n->target == c->c_atom[XCL_TARGETS];

	r = n->property == XCB_NONE ? NULL : xcb_get_property_reply(
	    c->c_x->x_c, xcb_get_property(c->c_x->x_c, 1, c->c_win,
	    n->property, XCB_GET_PROPERTY_TYPE_ANY, 0, XA_MAX_MSG / 4), NULL);
	if (targets) {
		/* What the X client offers, in the agent's types. */
		if (r != NULL && r->format == 32) {
			atoms = xcb_get_property_value(r);
			len = (uint32_t)xcb_get_property_value_length(r) / 4;
			for (i = 0; i < len; i++) {
				if ((atoms[i] == c->c_atom[XCL_UTF8] ||
				    atoms[i] == c->c_atom[XCL_STRING]) &&
				    (nt == 0 || types[0] !=
				    VD_AGENT_CLIPBOARD_UTF8_TEXT))
					types[nt++] =
					    VD_AGENT_CLIPBOARD_UTF8_TEXT;
				else if (atoms[i] == c->c_atom[XCL_PNG] &&
				    nt < 2)
					types[nt++] =
					    VD_AGENT_CLIPBOARD_IMAGE_PNG;
				if (nt == 2)
					break;
			}
		}
		free(r);
		if (nt > 0) {
			xa_send_clipboard(c->c_a, VD_AGENT_CLIPBOARD_GRAB,
			    VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD, types,
			    nt * 4);
			c->c_grabbed = 1;
		}
		return;
	}
	if (c->c_asked == 0) {
		free(r);
		return;
	}
	if (r != NULL && r->type == c->c_atom[XCL_INCR]) {
		/* Reading the property deleted it: the owner now sends the
		 * data a chunk per property change. */
		c->c_incr = 1;
		c->c_incr_len = 0;
		free(r);
		return;
	}
	if (r != NULL && r->format == 8) {
		data = xcb_get_property_value(r);
		len = (uint32_t)xcb_get_property_value_length(r);
	} else
		len = 0;
	xcl_send_data(c, data, len);
	free(r);
}

/* A chunk of an INCR transfer (PropertyNotify of our data property). */
static void
xcl_incr_chunk(struct xcl *c)
{
	xcb_get_property_reply_t *r;
	uint32_t len;
	uint8_t *nb;

	r = xcb_get_property_reply(c->c_x->x_c, xcb_get_property(c->c_x->x_c,
	    1, c->c_win, c->c_atom[XCL_PROP_DATA], XCB_GET_PROPERTY_TYPE_ANY, 0,
	    XA_MAX_MSG / 4), NULL);
	len = r != NULL ? (uint32_t)xcb_get_property_value_length(r) : 0;
	if (r == NULL || len == 0) {
		/* The empty chunk ends it. */
		c->c_incr = 0;
		if (c->c_x->x_verbose)
			x11_log("clipboard: incremental paste of %u bytes",
			    c->c_incr_len);
		xcl_send_data(c, c->c_incr_buf, c->c_incr_len);
		free(c->c_incr_buf);
		c->c_incr_buf = NULL;
		free(r);
		return;
	}
	if (len > XA_MAX_MSG - c->c_incr_len ||
	    (nb = realloc(c->c_incr_buf, c->c_incr_len + len)) == NULL) {
		x11_log("clipboard: an incremental paste over %u bytes; the "
		    "client gets it empty", XA_MAX_MSG);
		free(c->c_incr_buf);
		c->c_incr_buf = NULL;
		c->c_incr = 0;
		xcl_send_data(c, NULL, 0);
		free(r);
		return;
	}
	memcpy(nb + c->c_incr_len, xcb_get_property_value(r), len);
	c->c_incr_buf = nb;
	c->c_incr_len += len;
	free(r);
}

/* Another X client took (or dropped) CLIPBOARD. */
static void
xcl_owner(struct xcl *c, const xcb_xfixes_selection_notify_event_t *n)
{
	if (n->owner == c->c_win)
		return;
	if (c->c_own) {
		/* The SPICE client's clipboard is no longer X's. */
		c->c_own = 0;
		while (c->c_npend > 0)
			xcl_answer(c, NULL, 0);
	}
	if (n->owner == XCB_NONE) {
		if (c->c_grabbed)
			xa_send_clipboard(c->c_a, VD_AGENT_CLIPBOARD_RELEASE,
			    VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD, NULL, 0);
		c->c_grabbed = 0;
		return;
	}
	xcb_convert_selection(c->c_x->x_c, c->c_win, c->c_atom[XCL_CLIPBOARD],
	    c->c_atom[XCL_TARGETS], c->c_atom[XCL_PROP_TARGETS],
	    n->selection_timestamp);
}

int
xcl_event(struct xcl *c, const xcb_generic_event_t *ev)
{
	const xcb_property_notify_event_t *pn;
	int type = ev->response_type & 0x7f;

	if (type == c->c_fixes_ev + XCB_XFIXES_SELECTION_NOTIFY) {
		xcl_owner(c, (const xcb_xfixes_selection_notify_event_t *)ev);
		return 1;
	}
	if (type == XCB_SELECTION_REQUEST) {
		xcl_request(c, (const xcb_selection_request_event_t *)ev);
		return 1;
	}
	if (type == XCB_SELECTION_NOTIFY) {
		xcl_converted(c, (const xcb_selection_notify_event_t *)ev);
		return 1;
	}
	if (type == XCB_PROPERTY_NOTIFY) {
		pn = (const xcb_property_notify_event_t *)ev;
		if (c->c_incr && pn->window == c->c_win &&
		    pn->atom == c->c_atom[XCL_PROP_DATA] &&
		    pn->state == XCB_PROPERTY_NEW_VALUE)
			xcl_incr_chunk(c);
		return pn->window == c->c_win;
	}
	/* SELECTION_CLEAR: XFIXES tells the same, with the new owner. */
	return type == XCB_SELECTION_CLEAR;
}

/* The client's clipboard messages (only CLIPBOARD is taken). */
static void
xcl_agent_msg(void *arg, uint32_t type, uint8_t sel, const uint8_t *data,
    uint32_t size)
{
	struct xcl *c = arg;
	uint32_t i, t;

	if (sel != VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD)
		return;
	switch (type) {
	case VD_AGENT_CLIPBOARD_GRAB:
		c->c_offers_text = c->c_offers_png = 0;
		for (i = 0; i + 4 <= size && i < 64; i += 4) {
			t = x11_le32(data + i);
			c->c_offers_text |= t == VD_AGENT_CLIPBOARD_UTF8_TEXT;
			c->c_offers_png |= t == VD_AGENT_CLIPBOARD_IMAGE_PNG;
		}
		c->c_own = 1;
		c->c_grabbed = 0;
		xcb_set_selection_owner(c->c_x->x_c, c->c_win,
		    c->c_atom[XCL_CLIPBOARD], XCB_CURRENT_TIME);
		break;
	case VD_AGENT_CLIPBOARD_RELEASE:
		if (c->c_own)
			xcb_set_selection_owner(c->c_x->x_c, XCB_NONE,
			    c->c_atom[XCL_CLIPBOARD], XCB_CURRENT_TIME);
		c->c_own = 0;
		while (c->c_npend > 0)
			xcl_answer(c, NULL, 0);
		break;
	case VD_AGENT_CLIPBOARD_REQUEST:
		if (size < 4)
			return;
		t = x11_le32(data);
		if (!c->c_grabbed || c->c_asked != 0 ||
		    (t != VD_AGENT_CLIPBOARD_UTF8_TEXT &&
		    t != VD_AGENT_CLIPBOARD_IMAGE_PNG)) {
			/* Nothing to give, or one at a time: empty. */
			xa_send_clipboard(c->c_a, VD_AGENT_CLIPBOARD,
			    VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD, &t, 4);
			return;
		}
		c->c_asked = t;
		xcb_convert_selection(c->c_x->x_c, c->c_win,
		    c->c_atom[XCL_CLIPBOARD], t == VD_AGENT_CLIPBOARD_UTF8_TEXT ?
		    c->c_atom[XCL_UTF8] : c->c_atom[XCL_PNG],
		    c->c_atom[XCL_PROP_DATA], XCB_CURRENT_TIME);
		break;
	case VD_AGENT_CLIPBOARD:
		if (size < 4 || !c->c_own)
			return;
		xcl_answer(c, data + 4, size - 4);
		break;
	}
	xcb_flush(c->c_x->x_c);
}

/* The client is gone: its clipboard is no longer offered.  A client
 * that (re)announced itself is told what X's clipboard holds. */
static void
xcl_agent_gone(void *arg, int gone)
{
	struct xcl *c = arg;
	xcb_get_selection_owner_reply_t *r;

	if (!gone) {
		r = xcb_get_selection_owner_reply(c->c_x->x_c,
		    xcb_get_selection_owner(c->c_x->x_c,
		    c->c_atom[XCL_CLIPBOARD]), NULL);
		if (r != NULL && r->owner != XCB_NONE && r->owner != c->c_win)
			xcb_convert_selection(c->c_x->x_c, c->c_win,
			    c->c_atom[XCL_CLIPBOARD], c->c_atom[XCL_TARGETS],
			    c->c_atom[XCL_PROP_TARGETS], XCB_CURRENT_TIME);
		free(r);
		xcb_flush(c->c_x->x_c);
		return;
	}
	if (c->c_own)
		xcb_set_selection_owner(c->c_x->x_c, XCB_NONE,
		    c->c_atom[XCL_CLIPBOARD], XCB_CURRENT_TIME);
	c->c_own = 0;
	c->c_grabbed = 0;
	c->c_asked = 0;
	c->c_incr = 0;
	free(c->c_incr_buf);
	c->c_incr_buf = NULL;
	while (c->c_npend > 0)
		xcl_answer(c, NULL, 0);
	xcb_flush(c->c_x->x_c);
}

void
xcl_free(struct xcl *c)
{
	if (c != NULL)
		free(c->c_incr_buf);
	free(c);
}
