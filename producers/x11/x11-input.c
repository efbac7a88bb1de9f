/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-input: XTEST for keys, buttons and motion; XKB for the keycodes'
 * name (SPICE keys only map to evdev keycodes) and the lock state.
 * Events come from spiced's inputs workers already checked for type and
 * size (qxl-shm carries fixed-size datagrams); here they are checked
 * again for what X can take: keys without an evdev code and unknown
 * buttons are dropped, coordinates are clamped to the screen.  The
 * connection is impervious to server grabs (xi_new says why).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/xkb.h>
#include <xcb/xtest.h>

#include "x11-input.h"
#include "x11-keymap.h"

#define XI_EVDEV_OFFSET	8	/* X keycode = evdev code + 8 */
#define XI_MAX_LEDS	32	/* XKB indicators */

struct xi {
	struct x11	*i_x;
	int		 i_xkb_ev;	/* XKB's event code */
	uint32_t	 i_led[XI_MAX_LEDS];	/* indicator bit -> QXLSHM_LED_* */
	uint32_t	 i_leds;	/* last sent */
	uint32_t	 i_dropped;	/* keys with no evdev code */
	int		 i_played;	/* XI_PLAYED_* since asked */
};

/* SPICE's buttons 1..7 (left, middle, right, wheel up, wheel down, side,
 * extra) are X's 1, 2, 3, 4, 5, 8, 9. */
static const uint8_t xi_button[8] = { 0, 1, 2, 3, 4, 5, 8, 9 };

/* The name of atom a into buf ("" when X does not know it). */
static void
xi_atom_name(struct x11 *x, xcb_atom_t a, char *buf, size_t len)
{
	xcb_get_atom_name_reply_t *r;
	int n;

	buf[0] = '\0';
	if (a == XCB_NONE || (r = xcb_get_atom_name_reply(x->x_c,
	    xcb_get_atom_name(x->x_c, a), NULL)) == NULL)
		return;
	n = xcb_get_atom_name_name_length(r);
	if ((size_t)n >= len)
		n = (int)len - 1;
	memcpy(buf, xcb_get_atom_name_name(r), (size_t)n);
	buf[n] = '\0';
	free(r);
}

/* The keycodes must be evdev's; learn which indicator is which lock. */
static int
xi_check_names(struct xi *i, char *err, size_t errlen)
{
	struct x11 *x = i->i_x;
	xcb_xkb_get_names_reply_t *r;
	xcb_xkb_get_names_value_list_t v;
	char name[128];
	unsigned bit, k = 0;

	r = xcb_xkb_get_names_reply(x->x_c, xcb_xkb_get_names(x->x_c,
	    XCB_XKB_ID_USE_CORE_KBD, XCB_XKB_NAME_DETAIL_KEYCODES |
	    XCB_XKB_NAME_DETAIL_INDICATOR_NAMES), NULL);
	if (r == NULL)
		return x11_errf(err, errlen, "X display %s: XkbGetNames failed",
		    x->x_display);
	xcb_xkb_get_names_value_list_unpack(xcb_xkb_get_names_value_list(r),
	    r->nTypes, r->indicators, r->virtualMods, r->groupNames,
	    r->nKeys, r->nKeyAliases, r->nRadioGroups, r->which, &v);
	xi_atom_name(x, v.keycodesName, name, sizeof(name));
	if (strncmp(name, "evdev", 5) != 0) {
		free(r);
		return x11_errf(err, errlen, "X display %s: keycodes \"%s\"; "
		    "spiced-x11 maps keys to evdev keycodes only (Xorg and "
		    "Xvfb use them with the default rules)", x->x_display,
		    name);
	}
	for (bit = 0; bit < XI_MAX_LEDS; bit++) {
		if (!(r->indicators & (1u << bit)))
			continue;
		xi_atom_name(x, v.indicatorNames[k++], name, sizeof(name));
		if (!strcmp(name, "Caps Lock"))
			i->i_led[bit] = QXLSHM_LED_CAPS;
		else if (!strcmp(name, "Num Lock"))
			i->i_led[bit] = QXLSHM_LED_NUM;
		else if (!strcmp(name, "Scroll Lock"))
			i->i_led[bit] = QXLSHM_LED_SCROLL;
	}
	free(r);
	return 0;
}

struct xi *
xi_new(struct x11 *x, char *err, size_t errlen)
{
	xcb_xkb_use_extension_reply_t *u;
	xcb_test_get_version_reply_t *t;
	struct xi *i;
	int ok;

	if ((i = calloc(1, sizeof(*i))) == NULL) {
		x11_errf(err, errlen, "out of memory");
		return NULL;
	}
	i->i_x = x;
	if (x11_ext_event_base(x, &xcb_test_id, "XTEST", err, errlen) < 0 ||
	    (i->i_xkb_ev = x11_ext_event_base(x, &xcb_xkb_id, "XKEYBOARD",
	    err, errlen)) < 0)
		goto fail;
	t = xcb_test_get_version_reply(x->x_c, xcb_test_get_version(x->x_c,
	    2, 2), NULL);
	u = xcb_xkb_use_extension_reply(x->x_c, xcb_xkb_use_extension(x->x_c,
	    1, 0), NULL);
	ok = t != NULL && u != NULL && u->supported;
	free(t);
	free(u);
	if (!ok) {
		x11_errf(err, errlen, "X display %s: XTEST or XKB 1.0 refused",
		    x->x_display);
		goto fail;
	}
	if (xi_check_names(i, err, errlen) == -1)
		goto fail;
	/* Input from a viewer is the session's keyboard and mouse, which a
	 * client's server grab must not shut out: twm grabs the server while
	 * it moves a window, and waits for the button's release, which
	 * would then never come (the X server stays grabbed, the session
	 * frozen).  Impervious, this connection's requests (input and the
	 * screen's capture alike) go through grabs, as the X server's own
	 * devices' events do; but not a request Xorg was reading when the
	 * grab began, which waits for the grab's end and holds up the rest
	 * (seen with Xvfb 21.1).  So nothing is asked of X in the moment a
	 * button or a new cursor may start a grab: no pointer query after a
	 * button (it does not move the pointer), a new cursor's image a
	 * little later (x11-cursor.c). */
	xcb_test_grab_control(x->x_c, 1);
	return i;
fail:
	free(i);
	return NULL;
}

/* The lock state in SPICE's bits, from XKB's indicator bits. */
static uint32_t
xi_leds(const struct xi *i, uint32_t state)
{
	uint32_t leds = 0;
	unsigned bit;

	for (bit = 0; bit < XI_MAX_LEDS; bit++)
		if (state & (1u << bit))
			leds |= i->i_led[bit];
	return leds;
}

static void
xi_send_leds(struct xi *i, uint32_t leds)
{
	if (leds == i->i_leds)
		return;
	i->i_leds = leds;
	if (qxlshm_set_leds(i->i_x->x_q, leds) == -1)
		x11_log("lock state: %s", qxlshm_error(i->i_x->x_q));
	else if (i->i_x->x_verbose)
		x11_log("lock state 0x%x", leds);
}

static void
xi_fake(struct xi *i, uint8_t type, uint8_t detail, xcb_window_t root,
    int32_t x, int32_t y)
{
	xcb_test_fake_input(i->i_x->x_c, type, detail, XCB_CURRENT_TIME, root,
	    (int16_t)x, (int16_t)y, 0);
}

static int32_t
xi_clamp(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void
xi_on_input(const struct qxlshm_input_event *ev, void *arg)
{
	struct xi *i = arg;
	struct x11 *x = i->i_x;
	const struct qxlshm_head *hd;
	int32_t px, py;
	uint16_t code;

	switch (ev->type) {
	case QXLSHM_IN_KEY_DOWN:
	case QXLSHM_IN_KEY_UP:
		if ((code = xk_evdev((uint32_t)ev->x)) == 0) {
			/* Logged once: a client may repeat it at key rate. */
			if (i->i_dropped++ == 0)
				x11_log("key 0x%x has no evdev code; dropped "
				    "(and later ones not logged)",
				    (unsigned)ev->x);
			return;
		}
		i->i_played |= XI_PLAYED_PRESS;
		xi_fake(i, ev->type == QXLSHM_IN_KEY_DOWN ? XCB_KEY_PRESS :
		    XCB_KEY_RELEASE, (uint8_t)(code + XI_EVDEV_OFFSET),
		    XCB_NONE, 0, 0);
		break;
	case QXLSHM_IN_MOTION:
		i->i_played |= XI_PLAYED_POINTER;
		xi_fake(i, XCB_MOTION_NOTIFY, 1, XCB_NONE,
		    xi_clamp(ev->x, INT16_MIN, INT16_MAX),
		    xi_clamp(ev->y, INT16_MIN, INT16_MAX));
		break;
	case QXLSHM_IN_POSITION:
		/* Relative to the viewer's monitor: the head told as its
		 * number (without heads one, the whole screen). */
		if (x->x_nheads > 0 && ev->display >= x->x_nheads)
			return;
		if (x->x_nheads > 0) {
			hd = &x->x_heads[ev->display];
			px = xi_clamp(ev->x, 0, (int32_t)hd->width - 1) +
			    (int32_t)hd->x;
			py = xi_clamp(ev->y, 0, (int32_t)hd->height - 1) +
			    (int32_t)hd->y;
		} else if (ev->display == 0) {
			px = ev->x;
			py = ev->y;
		} else
			return;
		i->i_played |= XI_PLAYED_POINTER;
		xi_fake(i, XCB_MOTION_NOTIFY, 0, x->x_root,
		    xi_clamp(px, 0, (int32_t)x->x_width - 1),
		    xi_clamp(py, 0, (int32_t)x->x_height - 1));
		break;
	case QXLSHM_IN_BUTTON_DOWN:
	case QXLSHM_IN_BUTTON_UP:
		if (ev->x < 1 || ev->x > 7)
			return;
		i->i_played |= XI_PLAYED_PRESS;
		xi_fake(i, ev->type == QXLSHM_IN_BUTTON_DOWN ?
		    XCB_BUTTON_PRESS : XCB_BUTTON_RELEASE,
		    xi_button[ev->x], XCB_NONE, 0, 0);
		break;
	default:
		return;
	}
	if (x->x_verbose)
		x11_log("input type %u x=%d y=%d", ev->type, ev->x, ev->y);
}

int
xi_played(struct xi *i)
{
	int p = i->i_played;

	i->i_played = 0;
	return p;
}

int
xi_start(struct xi *i, char *err, size_t errlen)
{
	struct x11 *x = i->i_x;
	xcb_xkb_get_indicator_state_reply_t *st;

	if (qxlshm_input_open(x->x_q, QXLSHM_INPUT_ABSOLUTE, xi_on_input,
	    i) == -1)
		return x11_errf(err, errlen, "input: %s", qxlshm_error(x->x_q));
	xcb_xkb_select_events(x->x_c, XCB_XKB_ID_USE_CORE_KBD,
	    XCB_XKB_EVENT_TYPE_INDICATOR_STATE_NOTIFY, 0,
	    XCB_XKB_EVENT_TYPE_INDICATOR_STATE_NOTIFY, 0, 0, NULL);
	st = xcb_xkb_get_indicator_state_reply(x->x_c,
	    xcb_xkb_get_indicator_state(x->x_c, XCB_XKB_ID_USE_CORE_KBD),
	    NULL);
	if (st == NULL)
		return x11_errf(err, errlen, "X display %s: XkbGetIndicatorState "
		    "failed", x->x_display);
	/* Sent even when all are off: spiced starts from "unknown". */
	i->i_leds = ~0u;
	xi_send_leds(i, xi_leds(i, st->state));
	free(st);
	return 0;
}

int
xi_event(struct xi *i, const xcb_generic_event_t *ev)
{
	const xcb_xkb_indicator_state_notify_event_t *n;

	if ((ev->response_type & 0x7f) != i->i_xkb_ev)
		return 0;
	n = (const xcb_xkb_indicator_state_notify_event_t *)ev;
	if (n->xkbType == XCB_XKB_INDICATOR_STATE_NOTIFY)
		xi_send_leds(i, xi_leds(i, n->state));
	return 1;
}

void
xi_free(struct xi *i)
{
	free(i);
}
