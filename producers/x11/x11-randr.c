/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-randr: RANDR 1.2 resizing; contract in x11-randr.h.  A new mode
 * gets simple 60 Hz timings (blanking of 160 pixels and 30 lines): the
 * dummy driver takes any mode within its configured sync ranges, and real
 * outputs keep the modes they have.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/randr.h>

#include "x11-randr.h"

#define XR_DPI_MM(px)	((uint32_t)((px) * 254 / 960))	/* at 96 dpi */

/* The first connected output with a CRTC, and that CRTC. */
static int
xr_output(struct x11 *x, xcb_randr_get_screen_resources_current_reply_t *res,
    xcb_randr_output_t *out, xcb_randr_crtc_t *crtc,
    xcb_randr_get_output_info_reply_t **info)
{
	xcb_randr_output_t *outs;
	xcb_randr_get_output_info_reply_t *oi;
	int i, n;

	outs = xcb_randr_get_screen_resources_current_outputs(res);
	n = xcb_randr_get_screen_resources_current_outputs_length(res);
	for (i = 0; i < n; i++) {
		oi = xcb_randr_get_output_info_reply(x->x_c,
		    xcb_randr_get_output_info(x->x_c, outs[i],
		    res->config_timestamp), NULL);
		if (oi != NULL && oi->connection ==
		    XCB_RANDR_CONNECTION_CONNECTED && oi->crtc != XCB_NONE) {
			*out = outs[i];
			*crtc = oi->crtc;
			*info = oi;
			return 0;
		}
		free(oi);
	}
	return -1;
}

/* A mode of w x h the output has, else one made and added; XCB_NONE
 * when the server refuses. */
static xcb_randr_mode_t
xr_mode(struct x11 *x, xcb_randr_get_screen_resources_current_reply_t *res,
    xcb_randr_output_t out, xcb_randr_get_output_info_reply_t *oi,
    uint32_t w, uint32_t h)
{
	xcb_randr_mode_info_t *modes, mi;
	xcb_randr_mode_t *omodes;
	xcb_randr_create_mode_reply_t *cr;
	xcb_generic_error_t *e;
	char name[32];
	int i, j, n, no;

	modes = xcb_randr_get_screen_resources_current_modes(res);
	n = xcb_randr_get_screen_resources_current_modes_length(res);
	omodes = xcb_randr_get_output_info_modes(oi);
	no = xcb_randr_get_output_info_modes_length(oi);
	for (i = 0; i < n; i++)
		if (modes[i].width == w && modes[i].height == h)
			for (j = 0; j < no; j++)
				if (omodes[j] == modes[i].id)
					return modes[i].id;
	snprintf(name, sizeof(name), "%ux%u", w, h);
	memset(&mi, 0, sizeof(mi));
	mi.width = (uint16_t)w;
	mi.height = (uint16_t)h;
	mi.hsync_start = (uint16_t)(w + 48);
	mi.hsync_end = (uint16_t)(w + 80);
	mi.htotal = (uint16_t)(w + 160);
	mi.vsync_start = (uint16_t)(h + 3);
	mi.vsync_end = (uint16_t)(h + 9);
	mi.vtotal = (uint16_t)(h + 30);
	mi.dot_clock = (uint32_t)mi.htotal * mi.vtotal * 60;
	mi.name_len = (uint16_t)strlen(name);
	cr = xcb_randr_create_mode_reply(x->x_c, xcb_randr_create_mode(x->x_c,
	    x->x_root, mi, mi.name_len, name), NULL);
	if (cr == NULL)
		return XCB_NONE;
	mi.id = cr->mode;
	free(cr);
	if ((e = xcb_request_check(x->x_c, xcb_randr_add_output_mode_checked(
	    x->x_c, out, mi.id))) != NULL) {
		free(e);
		return XCB_NONE;
	}
	return mi.id;
}

/* v clamped to lo..hi. */
static uint32_t
xr_clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int
xr_resize(struct x11 *x, uint32_t *wp, uint32_t *hp, char *err,
    size_t errlen)
{
	xcb_randr_get_screen_size_range_reply_t *range;
	xcb_randr_get_screen_resources_current_reply_t *res;
	xcb_randr_get_output_info_reply_t *oi = NULL;
	xcb_randr_set_crtc_config_reply_t *sc;
	xcb_randr_output_t out;
	xcb_randr_crtc_t crtc;
	xcb_randr_mode_t mode;
	xcb_generic_error_t *e;
	uint32_t w, h;
	int rv = -1;

	range = xcb_randr_get_screen_size_range_reply(x->x_c,
	    xcb_randr_get_screen_size_range(x->x_c, x->x_root), NULL);
	if (range == NULL) {
		x11_errf(err, errlen, "X display %s does not say what screen "
		    "sizes it takes (RANDR)", x->x_display);
		return -1;
	}
	/* What the server takes nearest the wish, as a guest agent does: a
	 * viewer's window larger than the server's largest screen shows
	 * that, not the last smaller size it had. */
	w = *wp = xr_clamp(*wp, range->min_width, range->max_width <
	    QXLSHM_MAX_WIDTH ? range->max_width : QXLSHM_MAX_WIDTH);
	h = *hp = xr_clamp(*hp, range->min_height, range->max_height <
	    QXLSHM_MAX_HEIGHT ? range->max_height : QXLSHM_MAX_HEIGHT);
	free(range);
	if (w == x->x_width && h == x->x_height)
		return 1;
	res = xcb_randr_get_screen_resources_current_reply(x->x_c,
	    xcb_randr_get_screen_resources_current(x->x_c, x->x_root), NULL);
	if (res == NULL || xr_output(x, res, &out, &crtc, &oi) == -1) {
		x11_errf(err, errlen, "X display %s has no connected output "
		    "to resize", x->x_display);
		goto out;
	}
	if ((mode = xr_mode(x, res, out, oi, w, h)) == XCB_NONE) {
		x11_errf(err, errlen, "X display %s refused a %ux%u mode",
		    x->x_display, w, h);
		goto out;
	}
	/* Adding a mode changed the configuration's timestamp. */
	free(res);
	if ((res = xcb_randr_get_screen_resources_current_reply(x->x_c,
	    xcb_randr_get_screen_resources_current(x->x_c, x->x_root),
	    NULL)) == NULL) {
		x11_errf(err, errlen, "X display %s: RANDR resources lost",
		    x->x_display);
		goto out;
	}
	/* The CRTC off, the screen resized, the CRTC on with the mode: the
	 * order that works for growing and for shrinking alike. */
	sc = xcb_randr_set_crtc_config_reply(x->x_c,
	    xcb_randr_set_crtc_config(x->x_c, crtc, XCB_CURRENT_TIME,
	    res->config_timestamp, 0, 0, XCB_NONE, XCB_RANDR_ROTATION_ROTATE_0,
	    0, NULL), NULL);
	free(sc);
	if ((e = xcb_request_check(x->x_c, xcb_randr_set_screen_size_checked(
	    x->x_c, x->x_root, (uint16_t)w, (uint16_t)h, XR_DPI_MM(w),
	    XR_DPI_MM(h)))) != NULL) {
		free(e);
		x11_errf(err, errlen, "X display %s refused a %ux%u screen",
		    x->x_display, w, h);
		goto out;
	}
	sc = xcb_randr_set_crtc_config_reply(x->x_c,
	    xcb_randr_set_crtc_config(x->x_c, crtc, XCB_CURRENT_TIME,
	    res->config_timestamp, 0, 0, mode, XCB_RANDR_ROTATION_ROTATE_0, 1,
	    &out), NULL);
	if (sc == NULL || sc->status != XCB_RANDR_SET_CONFIG_SUCCESS) {
		x11_errf(err, errlen, "X display %s refused mode %ux%u on its "
		    "output", x->x_display, w, h);
		free(sc);
		goto out;
	}
	free(sc);
	rv = 0;
out:
	free(oi);
	free(res);
	return rv;
}

uint32_t
xr_monitors(struct x11 *x, struct qxlshm_head *heads)
{
	xcb_randr_get_monitors_reply_t *r;
	xcb_randr_monitor_info_iterator_t it;
	xcb_randr_monitor_info_t *mi;
	int32_t x0, y0, x1, y1;
	uint32_t n = 0, i, whole = QXLSHM_MAX_HEADS;

	/* An X server without RANDR 1.5 answers with an error: no
	 * monitors to tell of. */
	if ((r = xcb_randr_get_monitors_reply(x->x_c, xcb_randr_get_monitors(
	    x->x_c, x->x_root, 1), NULL)) == NULL)
		return 0;
	for (it = xcb_randr_get_monitors_monitors_iterator(r);
	    it.rem > 0 && n < QXLSHM_MAX_HEADS; xcb_randr_monitor_info_next(&it)) {
		mi = it.data;
		/* Clipped to the screen; one left with nothing is not
		 * shown. */
		x0 = mi->x < 0 ? 0 : mi->x;
		y0 = mi->y < 0 ? 0 : mi->y;
		x1 = mi->x + mi->width > (int32_t)x->x_width ?
		    (int32_t)x->x_width : mi->x + mi->width;
		y1 = mi->y + mi->height > (int32_t)x->x_height ?
		    (int32_t)x->x_height : mi->y + mi->height;
		if (x1 <= x0 || y1 <= y0)
			continue;
		heads[n].x = (uint32_t)x0;
		heads[n].y = (uint32_t)y0;
		heads[n].width = (uint32_t)(x1 - x0);
		heads[n].height = (uint32_t)(y1 - y0);
		if (heads[n].width == x->x_width &&
		    heads[n].height == x->x_height)
			whole = n;
		n++;
	}
	free(r);
	/* The screen's own monitor beside virtual ones (Xvfb's output
	 * after xrandr --setmonitor) is not a head of its own. */
	if (n > 1 && whole < n) {
		for (i = whole; i + 1 < n; i++)
			heads[i] = heads[i + 1];
		n--;
	}
	return n;
}
