/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-moves: see x11-moves.h.  A table of the root's children fed by
 * CreateNotify, DestroyNotify, ReparentNotify, MapNotify, UnmapNotify and
 * ConfigureNotify; a ConfigureNotify that changes only the position of a
 * mapped window is a move.
 */
#include <stdlib.h>
#include <string.h>

#include "x11-moves.h"

struct xm_win {
	xcb_window_t	w_id;
	int32_t		w_x;		/* outer corner */
	int32_t		w_y;
	int32_t		w_w;		/* outer size, border included */
	int32_t		w_h;
	int		w_mapped;
};

struct xm {
	struct x11	*m_x;
	struct xm_win	 m_win[XM_MAX_WINDOWS];
	int		 m_nwin;
	int		 m_full_logged;
	struct {
		xcb_window_t	 mv_id;
		struct xm_move	 mv;
	}		 m_moves[XM_MAX_MOVES];
	int		 m_nmoves;
};

static struct xm_win *
xm_find(struct xm *m, xcb_window_t id)
{
	int i;

	for (i = 0; i < m->m_nwin; i++)
		if (m->m_win[i].w_id == id)
			return &m->m_win[i];
	return NULL;
}

/* Add or update a window's geometry; beyond XM_MAX_WINDOWS windows the
 * rest are not tracked (their moves are sent as pixels). */
static struct xm_win *
xm_set(struct xm *m, xcb_window_t id, int16_t x, int16_t y, uint16_t w,
    uint16_t h, uint16_t border)
{
	struct xm_win *win;

	if ((win = xm_find(m, id)) == NULL) {
		if (m->m_nwin == XM_MAX_WINDOWS) {
			if (!m->m_full_logged)
				x11_log("more than %d top-level windows: moves "
				    "of the others are sent as pixels",
				    XM_MAX_WINDOWS);
			m->m_full_logged = 1;
			return NULL;
		}
		win = &m->m_win[m->m_nwin++];
		memset(win, 0, sizeof(*win));
		win->w_id = id;
	}
	win->w_x = x;
	win->w_y = y;
	win->w_w = (int32_t)w + 2 * (int32_t)border;
	win->w_h = (int32_t)h + 2 * (int32_t)border;
	return win;
}

static void
xm_forget(struct xm *m, xcb_window_t id)
{
	struct xm_win *win;
	int i;

	if ((win = xm_find(m, id)) != NULL)
		*win = m->m_win[--m->m_nwin];
	for (i = 0; i < m->m_nmoves; i++)
		if (m->m_moves[i].mv_id == id) {
			memmove(&m->m_moves[i], &m->m_moves[i + 1],
			    (size_t)(m->m_nmoves - i - 1) *
			    sizeof(m->m_moves[0]));
			m->m_nmoves--;
			break;
		}
}

/* win moved from (ox, oy): one pending move per window, from where it
 * was at the last update to where it is now. */
static void
xm_moved(struct xm *m, const struct xm_win *win, int32_t ox, int32_t oy)
{
	int i;

	for (i = 0; i < m->m_nmoves; i++)
		if (m->m_moves[i].mv_id == win->w_id) {
			m->m_moves[i].mv.dst_x = win->w_x;
			m->m_moves[i].mv.dst_y = win->w_y;
			return;
		}
	/* Full: the oldest hint goes (its pixels are sent anyway). */
	if (m->m_nmoves == XM_MAX_MOVES) {
		memmove(&m->m_moves[0], &m->m_moves[1],
		    (XM_MAX_MOVES - 1) * sizeof(m->m_moves[0]));
		m->m_nmoves--;
	}
	m->m_moves[m->m_nmoves].mv_id = win->w_id;
	m->m_moves[m->m_nmoves].mv = (struct xm_move){ .src_x = ox,
	    .src_y = oy, .dst_x = win->w_x, .dst_y = win->w_y, .w = win->w_w,
	    .h = win->w_h };
	m->m_nmoves++;
}

/* The children as they are now: one QueryTree, then their geometry and
 * map state, requests pipelined. */
static void
xm_load(struct xm *m)
{
	xcb_connection_t *c = m->m_x->x_c;
	xcb_query_tree_reply_t *tr;
	xcb_get_geometry_cookie_t *gc;
	xcb_get_window_attributes_cookie_t *ac;
	xcb_get_geometry_reply_t *g;
	xcb_get_window_attributes_reply_t *a;
	xcb_window_t *kids;
	struct xm_win *win;
	int i, n;

	if ((tr = xcb_query_tree_reply(c, xcb_query_tree(c, m->m_x->x_root),
	    NULL)) == NULL)
		return;
	kids = xcb_query_tree_children(tr);
	n = xcb_query_tree_children_length(tr);
	if (n > XM_MAX_WINDOWS)
		n = XM_MAX_WINDOWS;
	gc = calloc((size_t)n + 1, sizeof(*gc));
	ac = calloc((size_t)n + 1, sizeof(*ac));
	if (gc == NULL || ac == NULL) {
		free(gc);
		free(ac);
		free(tr);
		return;
	}
	for (i = 0; i < n; i++) {
		gc[i] = xcb_get_geometry(c, kids[i]);
		ac[i] = xcb_get_window_attributes(c, kids[i]);
	}
	for (i = 0; i < n; i++) {
		/* A window gone in between has no replies: skipped. */
		g = xcb_get_geometry_reply(c, gc[i], NULL);
		a = xcb_get_window_attributes_reply(c, ac[i], NULL);
		if (g != NULL && a != NULL && (win = xm_set(m, kids[i], g->x,
		    g->y, g->width, g->height, g->border_width)) != NULL)
			win->w_mapped = a->map_state != XCB_MAP_STATE_UNMAPPED;
		free(g);
		free(a);
	}
	free(gc);
	free(ac);
	free(tr);
}

struct xm *
xm_new(struct x11 *x, char *err, size_t errlen)
{
	xcb_generic_error_t *e;
	struct xm *m;
	uint32_t mask = XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		x11_errf(err, errlen, "out of memory");
		return NULL;
	}
	m->m_x = x;
	/* Selected before the children are read: a change in between is
	 * an event, never lost. */
	if ((e = xcb_request_check(x->x_c, xcb_change_window_attributes_checked(
	    x->x_c, x->x_root, XCB_CW_EVENT_MASK, &mask))) != NULL) {
		free(e);
		free(m);
		x11_errf(err, errlen, "X display %s refused SubstructureNotify "
		    "on the root window", x->x_display);
		return NULL;
	}
	xm_load(m);
	return m;
}

int
xm_event(struct xm *m, const xcb_generic_event_t *ev)
{
	const xcb_configure_notify_event_t *cn;
	const xcb_create_notify_event_t *cr;
	const xcb_reparent_notify_event_t *rn;
	struct xm_win *win;
	xcb_window_t root = m->m_x->x_root;
	int32_t ox, oy, ow, oh;

	switch (ev->response_type & 0x7f) {
	case XCB_CREATE_NOTIFY:
		cr = (const xcb_create_notify_event_t *)ev;
		if (cr->parent != root)
			return 0;
		(void)xm_set(m, cr->window, cr->x, cr->y, cr->width,
		    cr->height, cr->border_width);
		return 1;
	case XCB_DESTROY_NOTIFY:
		if (((const xcb_destroy_notify_event_t *)ev)->event != root)
			return 0;
		xm_forget(m, ((const xcb_destroy_notify_event_t *)ev)->window);
		return 1;
	case XCB_REPARENT_NOTIFY:
		rn = (const xcb_reparent_notify_event_t *)ev;
		if (rn->event != root)
			return 0;
		if (rn->parent != root)
			xm_forget(m, rn->window);
		else if ((win = xm_set(m, rn->window, rn->x, rn->y, 0, 0,
		    0)) != NULL)
			win->w_w = win->w_h = 0;	/* size unknown yet */
		return 1;
	case XCB_MAP_NOTIFY:
	case XCB_UNMAP_NOTIFY:
		/* Both start with the same fields: event, window. */
		if (((const xcb_map_notify_event_t *)ev)->event != root)
			return 0;
		if ((win = xm_find(m,
		    ((const xcb_map_notify_event_t *)ev)->window)) != NULL)
			win->w_mapped = (ev->response_type & 0x7f) ==
			    XCB_MAP_NOTIFY;
		return 1;
	case XCB_CONFIGURE_NOTIFY:
		cn = (const xcb_configure_notify_event_t *)ev;
		if (cn->event != root || cn->window == root)
			return 0;
		if ((win = xm_find(m, cn->window)) == NULL) {
			(void)xm_set(m, cn->window, cn->x, cn->y, cn->width,
			    cn->height, cn->border_width);
			return 1;
		}
		ox = win->w_x;
		oy = win->w_y;
		ow = win->w_w;
		oh = win->w_h;
		(void)xm_set(m, cn->window, cn->x, cn->y, cn->width,
		    cn->height, cn->border_width);
		if (win->w_mapped && ow > 0 && oh > 0 && ow == win->w_w &&
		    oh == win->w_h && (ox != win->w_x || oy != win->w_y))
			xm_moved(m, win, ox, oy);
		return 1;
	default:
		return 0;
	}
}

int
xm_take(struct xm *m, struct xm_move *out, int max)
{
	int i, n = m->m_nmoves < max ? m->m_nmoves : max;

	for (i = 0; i < n; i++)
		out[i] = m->m_moves[i].mv;
	m->m_nmoves = 0;
	return n;
}

void
xm_free(struct xm *m)
{
	free(m);
}
