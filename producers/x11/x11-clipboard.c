/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-clipboard: selections (ICCCM) for the agent's clipboard, CLIPBOARD
 * always and PRIMARY with clients that announce selections (agent
 * capability CLIPBOARD_SELECTION).  Data goes through properties of an
 * InputOnly window of ours, one pair per selection; XFIXES says when
 * another client takes a selection.  An X client's data larger than one
 * property comes incrementally (ICCCM INCR: the property deleted, then a
 * chunk per PropertyNotify until an empty one), up to XA_MAX_MSG; ours
 * goes the same way when it is large (x11-incr).  One request of the
 * client is served at a time per selection; X requestors wait in a queue
 * of XCL_MAX_PENDING, the oldest refused when it is full.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/xfixes.h>

#include <spice/vd_agent.h>

#include "x11-clipboard.h"
#include "x11-incr.h"

enum xcl_atom {
	XCL_CLIPBOARD, XCL_TARGETS, XCL_UTF8, XCL_STRING, XCL_TEXT,
	XCL_PNG, XCL_INCR, XCL_PROP_TARGETS, XCL_PROP_DATA,
	XCL_PROP_PTARGETS, XCL_PROP_PDATA, XCL_NATOMS
};

static const char *const xcl_atom_names[XCL_NATOMS] = {
	"CLIPBOARD", "TARGETS", "UTF8_STRING", "STRING", "TEXT",
	"image/png", "INCR", "SPICED_TARGETS", "SPICED_DATA",
	"SPICED_PRIMARY_TARGETS", "SPICED_PRIMARY_DATA"
};

#define XCL_NSEL	2	/* CLIPBOARD, PRIMARY: the agent's 0 and 1 */

struct xcl_pending {
	xcb_window_t	 p_requestor;
	xcb_atom_t	 p_property;
	xcb_atom_t	 p_target;
	xcb_timestamp_t	 p_time;
};

/* One selection, both ways. */
struct xcl_sel {
	uint8_t			 s_vd;		/* VD_AGENT_CLIPBOARD_SELECTION_* */
	xcb_atom_t		 s_atom;	/* CLIPBOARD or PRIMARY */
	xcb_atom_t		 s_prop_targets;
	xcb_atom_t		 s_prop_data;
	/* The SPICE client's, while we own the selection for it. */
	int			 s_own;
	int			 s_offers_text;
	int			 s_offers_png;
	struct xcl_pending	 s_pend[XCL_MAX_PENDING];
	unsigned		 s_npend;
	/* An X client's, announced to the SPICE client. */
	int			 s_grabbed;
	uint32_t		 s_asked;	/* type the client asked, or 0 */
	int			 s_incr;	/* an INCR transfer under way */
	uint8_t			*s_incr_buf;
	uint32_t		 s_incr_len;
};

struct xcl {
	struct x11		*c_x;
	struct xa		*c_a;
	struct xincr		*c_incr;	/* our data to X requestors */
	int			 c_fixes_ev;
	xcb_window_t		 c_win;
	xcb_atom_t		 c_atom[XCL_NATOMS];
	struct xcl_sel		 c_sel[XCL_NSEL];
};

static void	xcl_agent_msg(void *, uint32_t, uint8_t, struct sbuf *);
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
		x11_errf(err, errlen, "out of memory");
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
			x11_errf(err, errlen, "X display %s: InternAtom %s "
			    "failed", x->x_display, xcl_atom_names[i]);
			free(c);
			return NULL;
		}
		c->c_atom[i] = r->atom;
		free(r);
	}
	if ((c->c_incr = xincr_new(x, c->c_atom[XCL_INCR])) == NULL) {
		x11_errf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	c->c_sel[0].s_vd = VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD;
	c->c_sel[0].s_atom = c->c_atom[XCL_CLIPBOARD];
	c->c_sel[0].s_prop_targets = c->c_atom[XCL_PROP_TARGETS];
	c->c_sel[0].s_prop_data = c->c_atom[XCL_PROP_DATA];
	c->c_sel[1].s_vd = VD_AGENT_CLIPBOARD_SELECTION_PRIMARY;
	c->c_sel[1].s_atom = XCB_ATOM_PRIMARY;
	c->c_sel[1].s_prop_targets = c->c_atom[XCL_PROP_PTARGETS];
	c->c_sel[1].s_prop_data = c->c_atom[XCL_PROP_PDATA];
	c->c_win = xcb_generate_id(x->x_c);
	xcb_create_window(x->x_c, 0, c->c_win, x->x_root, 0, 0, 1, 1, 0,
	    XCB_WINDOW_CLASS_INPUT_ONLY, XCB_COPY_FROM_PARENT,
	    XCB_CW_EVENT_MASK, &mask);
	/* Named, so that who owns a selection can be told (xprop, tests). */
	xcb_change_property(x->x_c, XCB_PROP_MODE_REPLACE, c->c_win,
	    XCB_ATOM_WM_NAME, XCB_ATOM_STRING, 8, strlen(XCL_WINDOW_NAME),
	    XCL_WINDOW_NAME);
	for (i = 0; i < XCL_NSEL; i++)
		xcb_xfixes_select_selection_input(x->x_c, c->c_win,
		    c->c_sel[i].s_atom,
		    XCB_XFIXES_SELECTION_EVENT_MASK_SET_SELECTION_OWNER |
		    XCB_XFIXES_SELECTION_EVENT_MASK_SELECTION_WINDOW_DESTROY |
		    XCB_XFIXES_SELECTION_EVENT_MASK_SELECTION_CLIENT_CLOSE);
	xa_set_clipboard(a, xcl_agent_msg, xcl_agent_gone, c);
	return c;
}

/* The selection an X atom names, if it is one we share now (PRIMARY
 * only with a client that takes selections). */
static struct xcl_sel *
xcl_sel_of(struct xcl *c, xcb_atom_t atom)
{
	if (atom == c->c_sel[0].s_atom)
		return &c->c_sel[0];
	if (atom == c->c_sel[1].s_atom && xa_client_selections(c->c_a))
		return &c->c_sel[1];
	return NULL;
}

/* Tell requestor its conversion is done (property) or refused (NONE). */
static void
xcl_notify(struct xcl *c, struct xcl_sel *s, xcb_window_t requestor,
    xcb_atom_t target, xcb_atom_t property, xcb_timestamp_t time)
{
	xcb_selection_notify_event_t ev;

	memset(&ev, 0, sizeof(ev));
	ev.response_type = XCB_SELECTION_NOTIFY;
	ev.time = time;
	ev.requestor = requestor;
	ev.selection = s->s_atom;
	ev.target = target;
	ev.property = property;
	xcb_send_event(c->c_x->x_c, 0, requestor, XCB_EVENT_MASK_NO_EVENT,
	    (const char *)&ev);
}

/* Answer the oldest X request with data (NULL: refused). */
static void
xcl_answer(struct xcl *c, struct xcl_sel *s, const uint8_t *data,
    uint32_t size)
{
	struct xcl_pending p;

	if (s->s_npend == 0)
		return;
	p = s->s_pend[0];
	memmove(s->s_pend, s->s_pend + 1, --s->s_npend * sizeof(p));
	if (data == NULL || xincr_put(c->c_incr, p.p_requestor, p.p_property,
	    p.p_target == c->c_atom[XCL_TEXT] ? c->c_atom[XCL_UTF8] :
	    p.p_target, data, size) == -1) {
		xcl_notify(c, s, p.p_requestor, p.p_target, XCB_NONE,
		    p.p_time);
		return;
	}
	xcl_notify(c, s, p.p_requestor, p.p_target, p.p_property, p.p_time);
}

static void
xcl_refuse_all(struct xcl *c, struct xcl_sel *s)
{
	while (s->s_npend > 0)
		xcl_answer(c, s, NULL, 0);
}

/* An X client pastes from the SPICE client's selection (we own it). */
static void
xcl_request(struct xcl *c, const xcb_selection_request_event_t *r)
{
	struct xcl_sel *s = xcl_sel_of(c, r->selection);
	xcb_atom_t prop = r->property != XCB_NONE ? r->property : r->target;
	xcb_atom_t targets[5];
	uint32_t n = 0, type = 0;

	if (s == NULL || !s->s_own) {
		if (s != NULL)
			xcl_notify(c, s, r->requestor, r->target, XCB_NONE,
			    r->time);
		return;
	}
	if (r->target == c->c_atom[XCL_TARGETS]) {
		targets[n++] = c->c_atom[XCL_TARGETS];
		if (s->s_offers_text) {
			targets[n++] = c->c_atom[XCL_UTF8];
			targets[n++] = c->c_atom[XCL_STRING];
			targets[n++] = c->c_atom[XCL_TEXT];
		}
		if (s->s_offers_png)
			targets[n++] = c->c_atom[XCL_PNG];
		xcb_change_property(c->c_x->x_c, XCB_PROP_MODE_REPLACE,
		    r->requestor, prop, XCB_ATOM_ATOM, 32, n, targets);
		xcl_notify(c, s, r->requestor, r->target, prop, r->time);
		return;
	}
	if (s->s_offers_text && (r->target == c->c_atom[XCL_UTF8] ||
	    r->target == c->c_atom[XCL_STRING] ||
	    r->target == c->c_atom[XCL_TEXT]))
		type = VD_AGENT_CLIPBOARD_UTF8_TEXT;
	else if (s->s_offers_png && r->target == c->c_atom[XCL_PNG])
		type = VD_AGENT_CLIPBOARD_IMAGE_PNG;
	if (type == 0) {
		xcl_notify(c, s, r->requestor, r->target, XCB_NONE, r->time);
		return;
	}
	if (s->s_npend == XCL_MAX_PENDING)
		xcl_answer(c, s, NULL, 0);
	s->s_pend[s->s_npend].p_requestor = r->requestor;
	s->s_pend[s->s_npend].p_property = prop;
	s->s_pend[s->s_npend].p_target = r->target;
	s->s_pend[s->s_npend].p_time = r->time;
	s->s_npend++;
	xa_send_clipboard(c->c_a, VD_AGENT_CLIPBOARD_REQUEST, s->s_vd, &type,
	    sizeof(type));
}

/* Answer the client's request with data (empty: nothing to give). */
static void
xcl_send_data(struct xcl *c, struct xcl_sel *s, const uint8_t *data,
    uint32_t len)
{
	uint8_t *msg = malloc(4 + (size_t)len);

	if (msg != NULL) {
		memcpy(msg, &s->s_asked, 4);
		if (len > 0)
			memcpy(msg + 4, data, len);
		xa_send_clipboard(c->c_a, VD_AGENT_CLIPBOARD, s->s_vd, msg,
		    4 + len);
		free(msg);
	} else
		x11_log("clipboard: out of memory for %u bytes", len);
	s->s_asked = 0;
}

/* The agent's types for an X client's TARGETS. */
static void
xcl_offer(struct xcl *c, struct xcl_sel *s, xcb_get_property_reply_t *r)
{
	const xcb_atom_t *atoms;
	uint32_t types[2], nt = 0, i, len;
	int text = 0, png = 0;

	if (r != NULL && r->format == 32) {
		atoms = xcb_get_property_value(r);
		len = (uint32_t)xcb_get_property_value_length(r) / 4;
		for (i = 0; i < len; i++) {
			text |= atoms[i] == c->c_atom[XCL_UTF8] ||
			    atoms[i] == c->c_atom[XCL_STRING];
			png |= atoms[i] == c->c_atom[XCL_PNG];
		}
	}
	if (text)
		types[nt++] = VD_AGENT_CLIPBOARD_UTF8_TEXT;
	if (png)
		types[nt++] = VD_AGENT_CLIPBOARD_IMAGE_PNG;
	if (nt > 0) {
		xa_send_clipboard(c->c_a, VD_AGENT_CLIPBOARD_GRAB, s->s_vd,
		    types, nt * 4);
		s->s_grabbed = 1;
	}
}

/* Our conversion of an X client's selection is done (or refused). */
static void
xcl_converted(struct xcl *c, const xcb_selection_notify_event_t *n)
{
	struct xcl_sel *s = xcl_sel_of(c, n->selection);
	xcb_get_property_reply_t *r;
	const uint8_t *data = NULL;
	uint32_t len = 0;

	if (s == NULL)
		return;
	r = n->property == XCB_NONE ? NULL : xcb_get_property_reply(
	    c->c_x->x_c, xcb_get_property(c->c_x->x_c, 1, c->c_win,
	    n->property, XCB_GET_PROPERTY_TYPE_ANY, 0, XA_MAX_MSG / 4), NULL);
	if (n->target == c->c_atom[XCL_TARGETS])
		xcl_offer(c, s, r);
	else if (s->s_asked == 0)
		;
	else if (r != NULL && r->type == c->c_atom[XCL_INCR]) {
		/* Reading the property deleted it: the owner now sends the
		 * data a chunk per property change. */
		s->s_incr = 1;
		s->s_incr_len = 0;
	} else {
		if (r != NULL && r->format == 8) {
			data = xcb_get_property_value(r);
			len = (uint32_t)xcb_get_property_value_length(r);
		}
		xcl_send_data(c, s, data, len);
	}
	free(r);
}

/* A chunk of an INCR transfer (PropertyNotify of a data property). */
static void
xcl_incr_chunk(struct xcl *c, struct xcl_sel *s)
{
	xcb_get_property_reply_t *r;
	uint32_t len;
	uint8_t *nb;

	r = xcb_get_property_reply(c->c_x->x_c, xcb_get_property(c->c_x->x_c,
	    1, c->c_win, s->s_prop_data, XCB_GET_PROPERTY_TYPE_ANY, 0,
	    XA_MAX_MSG / 4), NULL);
	len = r != NULL ? (uint32_t)xcb_get_property_value_length(r) : 0;
	if (r == NULL || len == 0) {
		/* The empty chunk ends it. */
		s->s_incr = 0;
		if (c->c_x->x_verbose)
			x11_log("clipboard: incremental paste of %u bytes",
			    s->s_incr_len);
		xcl_send_data(c, s, s->s_incr_buf, s->s_incr_len);
	} else if (len > XA_MAX_MSG - s->s_incr_len ||
	    (nb = realloc(s->s_incr_buf, s->s_incr_len + len)) == NULL) {
		x11_log("clipboard: an incremental paste over %u bytes; the "
		    "client gets it empty", XA_MAX_MSG);
		s->s_incr = 0;
		xcl_send_data(c, s, NULL, 0);
	} else {
		memcpy(nb + s->s_incr_len, xcb_get_property_value(r), len);
		s->s_incr_buf = nb;
		s->s_incr_len += len;
		free(r);
		return;
	}
	free(s->s_incr_buf);
	s->s_incr_buf = NULL;
	free(r);
}

/* Another X client took (or dropped) a selection. */
static void
xcl_owner(struct xcl *c, const xcb_xfixes_selection_notify_event_t *n)
{
	struct xcl_sel *s = xcl_sel_of(c, n->selection);

	if (s == NULL || n->owner == c->c_win)
		return;
	if (s->s_own) {
		/* The SPICE client's selection is no longer X's. */
		s->s_own = 0;
		xcl_refuse_all(c, s);
	}
	if (n->owner == XCB_NONE) {
		if (s->s_grabbed)
			xa_send_clipboard(c->c_a, VD_AGENT_CLIPBOARD_RELEASE,
			    s->s_vd, NULL, 0);
		s->s_grabbed = 0;
		return;
	}
	xcb_convert_selection(c->c_x->x_c, c->c_win, s->s_atom,
	    c->c_atom[XCL_TARGETS], s->s_prop_targets,
	    n->selection_timestamp);
}

int
xcl_event(struct xcl *c, const xcb_generic_event_t *ev)
{
	const xcb_property_notify_event_t *pn;
	int type = ev->response_type & 0x7f, i;

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
		if (xincr_event(c->c_incr, ev))
			return 1;
		pn = (const xcb_property_notify_event_t *)ev;
		for (i = 0; i < XCL_NSEL; i++)
			if (c->c_sel[i].s_incr && pn->window == c->c_win &&
			    pn->atom == c->c_sel[i].s_prop_data &&
			    pn->state == XCB_PROPERTY_NEW_VALUE)
				xcl_incr_chunk(c, &c->c_sel[i]);
		return pn->window == c->c_win;
	}
	/* SELECTION_CLEAR: XFIXES tells the same, with the new owner. */
	return type == XCB_SELECTION_CLEAR;
}

/* The client's clipboard messages for selection sel. */
static void
xcl_agent_msg(void *arg, uint32_t type, uint8_t sel, struct sbuf *body)
{
	struct xcl *c = arg;
	struct xcl_sel *s;
	uint32_t i, t;

	if (sel >= XCL_NSEL)
		return;		/* SECONDARY: not shared */
	s = &c->c_sel[sel];
	switch (type) {
	case VD_AGENT_CLIPBOARD_GRAB:
		s->s_offers_text = s->s_offers_png = 0;
		for (i = 0; i < 16 && sbuf_get_u32le(body, &t) == 0; i++) {
			s->s_offers_text |= t == VD_AGENT_CLIPBOARD_UTF8_TEXT;
			s->s_offers_png |= t == VD_AGENT_CLIPBOARD_IMAGE_PNG;
		}
		s->s_own = 1;
		s->s_grabbed = 0;
		xcb_set_selection_owner(c->c_x->x_c, c->c_win, s->s_atom,
		    XCB_CURRENT_TIME);
		break;
	case VD_AGENT_CLIPBOARD_RELEASE:
		if (s->s_own)
			xcb_set_selection_owner(c->c_x->x_c, XCB_NONE,
			    s->s_atom, XCB_CURRENT_TIME);
		s->s_own = 0;
		xcl_refuse_all(c, s);
		break;
	case VD_AGENT_CLIPBOARD_REQUEST:
		if (sbuf_get_u32le(body, &t) != 0)
			return;
		if (!s->s_grabbed || s->s_asked != 0 ||
		    (t != VD_AGENT_CLIPBOARD_UTF8_TEXT &&
		    t != VD_AGENT_CLIPBOARD_IMAGE_PNG)) {
			/* Nothing to give, or one at a time: empty. */
			xa_send_clipboard(c->c_a, VD_AGENT_CLIPBOARD, s->s_vd,
			    &t, 4);
			return;
		}
		s->s_asked = t;
		xcb_convert_selection(c->c_x->x_c, c->c_win, s->s_atom,
		    t == VD_AGENT_CLIPBOARD_UTF8_TEXT ? c->c_atom[XCL_UTF8] :
		    c->c_atom[XCL_PNG], s->s_prop_data, XCB_CURRENT_TIME);
		break;
	case VD_AGENT_CLIPBOARD:
		/* Its type, then the data. */
		if (sbuf_skip(body, 4) != 0 || !s->s_own)
			return;
		xcl_answer(c, s, sbuf_ptr(body), (uint32_t)sbuf_left(body));
		break;
	}
	xcb_flush(c->c_x->x_c);
}

/* The client is gone: its selections are no longer offered.  A client
 * that (re)announced itself is told what X's selections hold. */
static void
xcl_agent_gone(void *arg, int gone)
{
	struct xcl *c = arg;
	struct xcl_sel *s;
	xcb_get_selection_owner_reply_t *r;
	int i;

	for (i = 0; i < XCL_NSEL; i++) {
		s = &c->c_sel[i];
		if (!gone) {
			if (xcl_sel_of(c, s->s_atom) == NULL)
				continue;
			r = xcb_get_selection_owner_reply(c->c_x->x_c,
			    xcb_get_selection_owner(c->c_x->x_c, s->s_atom),
			    NULL);
			if (r != NULL && r->owner != XCB_NONE &&
			    r->owner != c->c_win)
				xcb_convert_selection(c->c_x->x_c, c->c_win,
				    s->s_atom, c->c_atom[XCL_TARGETS],
				    s->s_prop_targets, XCB_CURRENT_TIME);
			free(r);
			continue;
		}
		if (s->s_own)
			xcb_set_selection_owner(c->c_x->x_c, XCB_NONE,
			    s->s_atom, XCB_CURRENT_TIME);
		s->s_own = 0;
		s->s_grabbed = 0;
		s->s_asked = 0;
		s->s_incr = 0;
		free(s->s_incr_buf);
		s->s_incr_buf = NULL;
		xcl_refuse_all(c, s);
	}
	xcb_flush(c->c_x->x_c);
}

int
xcl_due_ms(const struct xcl *c)
{
	return xincr_due_ms(c->c_incr);
}

void
xcl_expire(struct xcl *c)
{
	xincr_expire(c->c_incr);
	xcb_flush(c->c_x->x_c);
}

void
xcl_free(struct xcl *c)
{
	int i;

	if (c == NULL)
		return;
	xincr_free(c->c_incr);
	for (i = 0; i < XCL_NSEL; i++)
		free(c->c_sel[i].s_incr_buf);
	free(c);
}
