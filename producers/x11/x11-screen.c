/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-screen: the picture.  The data slot's memfd is shared with the X
 * server (ShmAttachFd), so each damaged rectangle is read by one
 * ShmGetImage straight into a bitmap in shared memory and sent as a
 * QXL_DRAW_COPY of it: no copy in this process.  The requests for one
 * update are pipelined (all sent, then all answered) so an update costs
 * one round trip to the X server, not one per rectangle.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xcb/damage.h>
#include <xcb/randr.h>
#include <xcb/shm.h>
#include <xcb/xfixes.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "x11-moves.h"
#include "x11-randr.h"
#include "x11-screen.h"

#define XS_CMD_SLOT	0		/* device region, commands, images */
#define XS_DATA_SLOT	1		/* shared with the X server */
#define XS_CMD_SIZE	(4ull << 20)
#define XS_DATA_FREE	(64ull << 20)	/* room for bitmaps in flight */
#define XS_WAIT_MS	10000		/* for releases, for ring room */
#define XS_BUSY_MS	5		/* look again when too much is in flight */

struct xs {
	struct x11		*s_x;
	int			 s_damage_ev;	/* DAMAGE's first event */
	int			 s_randr_ev;
	xcb_damage_damage_t	 s_damage;
	xcb_xfixes_region_t	 s_parts;	/* what one update takes */
	xcb_xfixes_region_t	 s_retry;	/* what it could not send */
	xcb_shm_seg_t		 s_seg;
	uint8_t			*s_base;	/* the data slot here */
	uint64_t		 s_size;
	uint32_t		 s_max_w;	/* the largest screen RANDR allows */
	uint32_t		 s_max_h;
	void			*s_primary;	/* its pixels, in the data slot */
	uint32_t		 s_pw;		/* the primary's size */
	uint32_t		 s_ph;
	int			 s_dirty;	/* damage not yet sent */
	int			 s_resized;	/* the root's size changed */
	int64_t			 s_last;	/* the last update, ms */
	int64_t			 s_input;	/* the last input played, ms */
	struct xm		*s_moves;	/* window moves, as hints */
	/* When to look at the monitors again (RANDR has no event for a
	 * change of monitors alone); those told are x->x_heads. */
	int64_t			 s_heads_next;
};

/* One damaged rectangle on its way: its bitmap and the X request filling
 * it. */
struct xs_grab {
	xcb_rectangle_t			 g_r;
	uint8_t				*g_px;
	uint64_t			 g_phys;
	xcb_shm_get_image_cookie_t	 g_ck;
};

/* 24-bit depth stored as 32-bit little-endian x8r8g8b8: what SPICE's
 * 32-bit bitmaps and surfaces are, so pixels go through unconverted. */
static int
xs_check_format(struct x11 *x, char *err, size_t errlen)
{
	const xcb_setup_t *setup = xcb_get_setup(x->x_c);
	xcb_format_iterator_t fi;
	xcb_depth_iterator_t di;
	xcb_visualtype_iterator_t vi;
	int bpp = 0;

	if (x->x_screen->root_depth != 24)
		return x11_errf(err, errlen, "X display %s: screen depth %u; "
		    "spiced-x11 takes depth 24 (x8r8g8b8)", x->x_display,
		    x->x_screen->root_depth);
	if (setup->image_byte_order != XCB_IMAGE_ORDER_LSB_FIRST)
		return x11_errf(err, errlen, "X display %s: big-endian images "
		    "are not supported", x->x_display);
	for (fi = xcb_setup_pixmap_formats_iterator(setup); fi.rem;
	    xcb_format_next(&fi))
		if (fi.data->depth == 24)
			bpp = fi.data->bits_per_pixel;
	if (bpp != 32)
		return x11_errf(err, errlen, "X display %s: depth 24 is stored "
		    "in %d bits per pixel; spiced-x11 needs 32", x->x_display,
		    bpp);
	for (di = xcb_screen_allowed_depths_iterator(x->x_screen); di.rem;
	    xcb_depth_next(&di))
		for (vi = xcb_depth_visuals_iterator(di.data); vi.rem;
		    xcb_visualtype_next(&vi))
			if (vi.data->visual_id == x->x_screen->root_visual)
				goto found;
	return x11_errf(err, errlen, "X display %s: root visual not found",
	    x->x_display);
found:
	if (vi.data->red_mask != 0xff0000 || vi.data->green_mask != 0xff00 ||
	    vi.data->blue_mask != 0xff)
		return x11_errf(err, errlen, "X display %s: root visual masks "
		    "%06x/%06x/%06x; spiced-x11 takes x8r8g8b8", x->x_display,
		    vi.data->red_mask, vi.data->green_mask, vi.data->blue_mask);
	return 0;
}

static int
xs_check_extensions(struct xs *s, char *err, size_t errlen)
{
	struct x11 *x = s->s_x;
	xcb_connection_t *c = x->x_c;
	xcb_shm_query_version_reply_t *shm;
	xcb_damage_query_version_reply_t *dmg;
	xcb_xfixes_query_version_reply_t *fix;
	xcb_randr_query_version_reply_t *rr;
	xcb_randr_get_screen_size_range_reply_t *range;
	int ok;

	if (x11_ext_event_base(x, &xcb_shm_id, "MIT-SHM", err, errlen) < 0 ||
	    (s->s_damage_ev = x11_ext_event_base(x, &xcb_damage_id, "DAMAGE",
	    err, errlen)) < 0 || x11_ext_event_base(x, &xcb_xfixes_id,
	    "XFIXES", err, errlen) < 0 || (s->s_randr_ev =
	    x11_ext_event_base(x, &xcb_randr_id, "RANDR", err, errlen)) < 0)
		return -1;
	shm = xcb_shm_query_version_reply(c, xcb_shm_query_version(c), NULL);
	ok = shm != NULL && (shm->major_version > 1 ||
	    (shm->major_version == 1 && shm->minor_version >= 2));
	if (!ok) {
		int maj = shm ? shm->major_version : 0;
		int min = shm ? shm->minor_version : 0;

		free(shm);
		return x11_errf(err, errlen, "X display %s: MIT-SHM %d.%d; "
		    "spiced-x11 needs 1.2 (ShmAttachFd)", x->x_display, maj,
		    min);
	}
	free(shm);
	/* DAMAGE and XFIXES must be told the version we speak before use. */
	dmg = xcb_damage_query_version_reply(c,
	    xcb_damage_query_version(c, 1, 1), NULL);
	fix = xcb_xfixes_query_version_reply(c,
	    xcb_xfixes_query_version(c, 5, 0), NULL);
	rr = xcb_randr_query_version_reply(c,
	    xcb_randr_query_version(c, 1, 2), NULL);
	ok = dmg != NULL && fix != NULL && fix->major_version >= 2 &&
	    rr != NULL;
	free(dmg);
	free(fix);
	free(rr);
	if (!ok)
		return x11_errf(err, errlen, "X display %s: DAMAGE 1.1, XFIXES "
		    "2 or RANDR 1.2 refused", x->x_display);
	range = xcb_randr_get_screen_size_range_reply(c,
	    xcb_randr_get_screen_size_range(c, x->x_root), NULL);
	s->s_max_w = range != NULL ? range->max_width : 0;
	s->s_max_h = range != NULL ? range->max_height : 0;
	free(range);
	if (s->s_max_w < x->x_width)
		s->s_max_w = x->x_width;
	if (s->s_max_h < x->x_height)
		s->s_max_h = x->x_height;
	if (s->s_max_w > QXLSHM_MAX_WIDTH)
		s->s_max_w = QXLSHM_MAX_WIDTH;
	if (s->s_max_h > QXLSHM_MAX_HEIGHT)
		s->s_max_h = QXLSHM_MAX_HEIGHT;
	if (x->x_width > QXLSHM_MAX_WIDTH || x->x_height > QXLSHM_MAX_HEIGHT)
		return x11_errf(err, errlen, "X display %s: screen %ux%u is "
		    "larger than qxl-shm's %ux%u", x->x_display, x->x_width,
		    x->x_height, QXLSHM_MAX_WIDTH, QXLSHM_MAX_HEIGHT);
	return 0;
}

struct xs *
xs_new(struct x11 *x, char *err, size_t errlen)
{
	struct xs *s;

	if (xs_check_format(x, err, errlen) == -1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		x11_errf(err, errlen, "out of memory");
		return NULL;
	}
	s->s_x = x;
	if (xs_check_extensions(s, err, errlen) == -1) {
		free(s);
		return NULL;
	}
	return s;
}

/* Allocate in slot, waiting for the server to release memory while the
 * slot is full. */
static void *
xs_alloc(struct xs *s, uint32_t slot, size_t size, uint64_t *phys, int cmd)
{
	return qxlshm_alloc_wait(s->s_x->x_q, slot, size, phys, cmd,
	    XS_WAIT_MS, NULL);
}

#define XS_HEADS_MS	1000	/* how often the monitors are looked at */

/* Tell spiced the screen's monitors when they changed (with
 * QXLSHM_F_HEADS).  One monitor that is the whole screen is no news on a
 * new primary; after several it is told as one head.  0 or -1. */
static int
xs_heads(struct xs *s)
{
	struct x11 *x = s->s_x;
	struct qxlshm_head h[QXLSHM_MAX_HEADS];
	uint32_t n;

	s->s_heads_next = x11_now_ms() + XS_HEADS_MS;
	if (!(qxlshm_features(x->x_q) & QXLSHM_F_HEADS))
		return 0;
	n = xr_monitors(x, h);
	if (n <= 1 && x->x_nheads == 0)
		return 0;
	if (n == 0) {
		h[0].x = h[0].y = 0;
		h[0].width = s->s_pw;
		h[0].height = s->s_ph;
		n = 1;
	}
	if (n == x->x_nheads && memcmp(h, x->x_heads, n * sizeof(*h)) == 0)
		return 0;
	if (qxlshm_set_heads(x->x_q, n, h) == -1) {
		x11_log("heads: %s", qxlshm_error(x->x_q));
		return -1;
	}
	if (x->x_verbose)
		x11_log("%u heads", n);
	memcpy(x->x_heads, h, n * sizeof(*h));
	x->x_nheads = n;
	return 0;
}

/* Read the whole screen into a new primary and create it. */
static int
xs_primary_create(struct xs *s, char *err, size_t errlen)
{
	struct x11 *x = s->s_x;
	xcb_shm_get_image_reply_t *r;
	xcb_generic_error_t *e = NULL;
	uint32_t w = x->x_width, h = x->x_height;
	uint64_t phys;
	void *px;

	if (w > s->s_max_w || h > s->s_max_h)
		return x11_errf(err, errlen, "screen %ux%u is larger than the "
		    "%ux%u the memory was sized for", w, h, s->s_max_w,
		    s->s_max_h);
	if ((px = xs_alloc(s, XS_DATA_SLOT, (size_t)w * h * 4, &phys, 0)) ==
	    NULL)
		return x11_errf(err, errlen, "primary %ux%u: %s", w, h,
		    qxlshm_error(x->x_q));
	r = xcb_shm_get_image_reply(x->x_c, xcb_shm_get_image(x->x_c,
	    x->x_root, 0, 0, (uint16_t)w, (uint16_t)h, ~0u,
	    XCB_IMAGE_FORMAT_Z_PIXMAP, s->s_seg,
	    (uint32_t)((uint8_t *)px - s->s_base)), &e);
	free(r);
	if (r == NULL) {
		qxlshm_free(x->x_q, px);
		x11_errf(err, errlen, "X display %s: ShmGetImage of the screen "
		    "failed (X error %d)", x->x_display, e ? e->error_code : 0);
		free(e);
		return -1;
	}
	if (qxlshm_create_primary(x->x_q, w, h, (int32_t)(w * 4),
	    SPICE_SURFACE_FMT_32_xRGB, phys) == -1) {
		qxlshm_free(x->x_q, px);
		return x11_errf(err, errlen, "primary %ux%u: %s", w, h,
		    qxlshm_error(x->x_q));
	}
	s->s_primary = px;
	s->s_pw = w;
	s->s_ph = h;
	x->x_nheads = 0;
	if (x->x_verbose)
		x11_log("primary %ux%u", w, h);
	return xs_heads(s) == -1 ? x11_errf(err, errlen, "heads: %s",
	    qxlshm_error(x->x_q)) : 0;
}

int
xs_start(struct xs *s, char *err, size_t errlen)
{
	struct x11 *x = s->s_x;
	xcb_connection_t *c = x->x_c;
	xcb_generic_error_t *e;
	uint64_t data;
	int fd;

	data = (uint64_t)s->s_max_w * s->s_max_h * 4 + XS_DATA_FREE;
	if (qxlshm_slot_create(x->x_q, XS_CMD_SLOT, XS_CMD_SIZE) == -1 ||
	    qxlshm_slot_create(x->x_q, XS_DATA_SLOT, data) == -1)
		return x11_errf(err, errlen, "%s", qxlshm_error(x->x_q));
	s->s_base = qxlshm_slot_base(x->x_q, XS_DATA_SLOT, &s->s_size);
	/* xcb closes the fd it sends: give it a copy. */
	if ((fd = dup(qxlshm_slot_fd(x->x_q, XS_DATA_SLOT))) == -1)
		return x11_errf(err, errlen, "dup: %s", strerror(errno));
	s->s_seg = xcb_generate_id(c);
	if ((e = xcb_request_check(c, xcb_shm_attach_fd_checked(c, s->s_seg,
	    fd, 0))) != NULL) {
		free(e);
		return x11_errf(err, errlen, "X display %s refused ShmAttachFd "
		    "of shared memory (MIT-SHM needs a local X server)",
		    x->x_display);
	}
	if (qxlshm_attach(x->x_q, XS_CMD_SLOT) == -1)
		return x11_errf(err, errlen, "%s", qxlshm_error(x->x_q));
	/* Track damage before the first picture is read: nothing drawn in
	 * between is lost (at worst it is sent twice). */
	s->s_damage = xcb_generate_id(c);
	xcb_damage_create(c, s->s_damage, x->x_root,
	    XCB_DAMAGE_REPORT_LEVEL_NON_EMPTY);
	s->s_parts = xcb_generate_id(c);
	xcb_xfixes_create_region(c, s->s_parts, 0, NULL);
	s->s_retry = xcb_generate_id(c);
	xcb_xfixes_create_region(c, s->s_retry, 0, NULL);
	xcb_randr_select_input(c, x->x_root,
	    XCB_RANDR_NOTIFY_MASK_SCREEN_CHANGE);
	if ((s->s_moves = xm_new(x, err, errlen)) == NULL)
		return -1;
	return xs_primary_create(s, err, errlen);
}

int
xs_event(struct xs *s, const xcb_generic_event_t *ev)
{
	const xcb_randr_screen_change_notify_event_t *sc;
	int type = ev->response_type & 0x7f;

	if (type == s->s_damage_ev + XCB_DAMAGE_NOTIFY) {
		s->s_dirty = 1;
		return 1;
	}
	if (s->s_moves != NULL && xm_event(s->s_moves, ev))
		return 1;
	if (type == s->s_randr_ev + XCB_RANDR_SCREEN_CHANGE_NOTIFY) {
		sc = (const xcb_randr_screen_change_notify_event_t *)ev;
		if (sc->width != s->s_x->x_width ||
		    sc->height != s->s_x->x_height) {
			s->s_x->x_width = sc->width;
			s->s_x->x_height = sc->height;
			s->s_resized = 1;
		}
		return 1;
	}
	return 0;
}

/* The clients' pace: while the display worker has not consumed (and
 * released) half of the room for bitmaps, wait rather than queue more. */
static int
xs_busy(struct xs *s)
{
	uint64_t used = qxlshm_slot_used(s->s_x->x_q, XS_DATA_SLOT);
	uint64_t primary = (uint64_t)s->s_pw * s->s_ph * 4;

	return used > primary && used - primary > (s->s_size - primary) / 2;
}

void
xs_input(struct xs *s)
{
	s->s_input = x11_now_ms();
}

int
xs_due_ms(struct xs *s)
{
	int64_t left, now;

	if (x11_now_ms() >= s->s_heads_next)
		return 0;
	if (!s->s_dirty && !s->s_resized)
		return (int)(s->s_heads_next - x11_now_ms());
	if (s->s_resized)
		return 0;
	now = x11_now_ms();
	left = s->s_last - now + (now - s->s_input < XS_INPUT_MS ?
	    1000 / XS_INPUT_FPS : 1000 / XS_FPS);
	if (left <= 0 && xs_busy(s))
		return XS_BUSY_MS;
	return left <= 0 ? 0 : (int)left;
}

void
xs_redraw(struct xs *s)
{
	struct x11 *x = s->s_x;
	xcb_rectangle_t all = { 0, 0, (uint16_t)x->x_width,
	    (uint16_t)x->x_height };

	xcb_xfixes_set_region(x->x_c, s->s_retry, 1, &all);
	xcb_damage_add(x->x_c, x->x_root, s->s_retry);
	s->s_dirty = 1;
}

/* Clip r to the screen; 0 if nothing is left. */
static int
xs_clip(const struct x11 *x, xcb_rectangle_t *r)
{
	int32_t x0 = r->x, y0 = r->y, x1 = x0 + r->width,
	    y1 = y0 + r->height;

	if (x0 < 0)
		x0 = 0;
	if (y0 < 0)
		y0 = 0;
	if (x1 > (int32_t)x->x_width)
		x1 = (int32_t)x->x_width;
	if (y1 > (int32_t)x->x_height)
		y1 = (int32_t)x->x_height;
	if (x1 <= x0 || y1 <= y0)
		return 0;
	r->x = (int16_t)x0;
	r->y = (int16_t)y0;
	r->width = (uint16_t)(x1 - x0);
	r->height = (uint16_t)(y1 - y0);
	return 1;
}

/* A QXL_DRAW_COPY of g's bitmap to its place on the primary. */
static int
xs_push_copy(struct xs *s, struct xs_grab *g)
{
	struct qxlshm *q = s->s_x->x_q;
	QXLRect bbox = { .left = g->g_r.x, .top = g->g_r.y,
	    .right = g->g_r.x + g->g_r.width,
	    .bottom = g->g_r.y + g->g_r.height };
	QXLDrawable *d;
	QXLImage *img;
	uint64_t dphys, iphys;

	if ((d = xs_alloc(s, XS_CMD_SLOT, sizeof(*d), &dphys, 1)) == NULL)
		return -1;
	if ((img = xs_alloc(s, XS_CMD_SLOT, sizeof(*img), &iphys, 0)) ==
	    NULL) {
		qxlshm_free(q, d);
		return -1;
	}
	qxlshm_drawable_init(d, 0, QXL_DRAW_COPY, &bbox);
	qxlshm_link(q, d, img);
	qxlshm_link(q, d, g->g_px);
	g->g_px = NULL;			/* d owns it now */
	img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img->descriptor.width = g->g_r.width;
	img->descriptor.height = g->g_r.height;
	img->bitmap.format = SPICE_BITMAP_FMT_32BIT;
	img->bitmap.flags = QXL_BITMAP_TOP_DOWN | QXL_BITMAP_DIRECT;
	img->bitmap.x = g->g_r.width;
	img->bitmap.y = g->g_r.height;
	img->bitmap.stride = (uint32_t)g->g_r.width * 4;
	img->bitmap.data = g->g_phys;
	d->u.copy.src_bitmap = iphys;
	d->u.copy.src_area.right = g->g_r.width;
	d->u.copy.src_area.bottom = g->g_r.height;
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	if (qxlshm_push_cmd(q, QXL_CMD_DRAW, dphys, XS_WAIT_MS) == -1) {
		qxlshm_free(q, d);
		return -1;
	}
	return 0;
}

/*
 * The window moves seen since the last update as COPY_BITS, each clipped
 * to the damaged rectangles dmg (none when the damage was too fragmented
 * to list) and to the screen at both ends: the display worker copies the
 * pixels it has, and the same pixels read from the X server afterwards
 * then cost it a comparison, and the viewers nothing.  0, or -1 when the
 * ring failed.
 */
static int
xs_push_moves(struct xs *s, const xcb_rectangle_t *dmg, int ndmg)
{
	struct x11 *x = s->s_x;
	struct xm_move mv[XM_MAX_MOVES];
	QXLClipRects *cr;
	QXLDrawable *d;
	QXLRect clip[XS_MAX_RECTS], bbox, *r;
	uint64_t dphys, cphys;
	int32_t dx, dy, x0, y0, x1, y1, W = (int32_t)x->x_width,
	    H = (int32_t)x->x_height;
	int i, j, k, n;

	n = xm_take(s->s_moves, mv, XM_MAX_MOVES);
	for (i = 0; i < n; i++) {
		dx = mv[i].dst_x - mv[i].src_x;
		dy = mv[i].dst_y - mv[i].src_y;
		x0 = mv[i].dst_x > 0 ? mv[i].dst_x : 0;
		y0 = mv[i].dst_y > 0 ? mv[i].dst_y : 0;
		x1 = mv[i].dst_x + mv[i].w < W ? mv[i].dst_x + mv[i].w : W;
		y1 = mv[i].dst_y + mv[i].h < H ? mv[i].dst_y + mv[i].h : H;
		/* The source inside the screen too. */
		x0 = x0 > dx ? x0 : dx;
		y0 = y0 > dy ? y0 : dy;
		x1 = x1 < W + dx ? x1 : W + dx;
		y1 = y1 < H + dy ? y1 : H + dy;
		if ((dx == 0 && dy == 0) || x1 <= x0 || y1 <= y0)
			continue;
		bbox = (QXLRect){ .left = x1, .top = y1, .right = x0,
		    .bottom = y0 };
		for (j = k = 0; j < ndmg && k < XS_MAX_RECTS; j++) {
			r = &clip[k];
			r->left = dmg[j].x > x0 ? dmg[j].x : x0;
			r->top = dmg[j].y > y0 ? dmg[j].y : y0;
			r->right = dmg[j].x + dmg[j].width < x1 ?
			    dmg[j].x + dmg[j].width : x1;
			r->bottom = dmg[j].y + dmg[j].height < y1 ?
			    dmg[j].y + dmg[j].height : y1;
			if (r->right <= r->left || r->bottom <= r->top)
				continue;
			bbox.left = r->left < bbox.left ? r->left : bbox.left;
			bbox.top = r->top < bbox.top ? r->top : bbox.top;
			bbox.right = r->right > bbox.right ? r->right :
			    bbox.right;
			bbox.bottom = r->bottom > bbox.bottom ? r->bottom :
			    bbox.bottom;
			k++;
		}
		if (k == 0)
			continue;
		if ((d = xs_alloc(s, XS_CMD_SLOT, sizeof(*d), &dphys,
		    1)) == NULL)
			return -1;
		if ((cr = xs_alloc(s, XS_CMD_SLOT, sizeof(*cr) +
		    (size_t)k * sizeof(QXLRect), &cphys, 0)) == NULL) {
			qxlshm_free(x->x_q, d);
			return -1;
		}
		qxlshm_drawable_init(d, 0, QXL_COPY_BITS, &bbox);
		qxlshm_link(x->x_q, d, cr);
		cr->num_rects = (uint32_t)k;
		cr->chunk.data_size = (uint32_t)k * sizeof(QXLRect);
		memcpy(cr->chunk.data, clip, (size_t)k * sizeof(QXLRect));
		d->clip.type = SPICE_CLIP_TYPE_RECTS;
		d->clip.data = cphys;
		d->u.copy_bits.src_pos.x = bbox.left - dx;
		d->u.copy_bits.src_pos.y = bbox.top - dy;
		if (qxlshm_push_cmd(x->x_q, QXL_CMD_DRAW, dphys,
		    XS_WAIT_MS) == -1) {
			qxlshm_free(x->x_q, d);
			return -1;
		}
	}
	return 0;
}

/* Take the damage, read each rectangle into shared memory, send them. */
static int
xs_send_damage(struct xs *s)
{
	struct x11 *x = s->s_x;
	xcb_connection_t *c = x->x_c;
	xcb_xfixes_fetch_region_reply_t *fr;
	xcb_shm_get_image_reply_t *ir;
	xcb_generic_error_t *e;
	xcb_rectangle_t *rects, retry[XS_MAX_RECTS], dmg[XS_MAX_RECTS];
	struct xs_grab g[XS_MAX_RECTS];
	int i, n, ng = 0, nretry = 0, ndmg = 0, rv = 0;

	s->s_dirty = 0;
	xcb_damage_subtract(c, s->s_damage, XCB_NONE, s->s_parts);
	if ((fr = xcb_xfixes_fetch_region_reply(c,
	    xcb_xfixes_fetch_region(c, s->s_parts), NULL)) == NULL) {
		x11_log("X display %s: fetching the damaged region failed",
		    x->x_display);
		return -1;
	}
	n = xcb_xfixes_fetch_region_rectangles_length(fr);
	rects = xcb_xfixes_fetch_region_rectangles(fr);
	if (n > XS_MAX_RECTS) {
		rects = &fr->extents;
		n = 1;
	} else {
		memcpy(dmg, rects, (size_t)n * sizeof(*rects));
		ndmg = n;
	}
	for (i = 0; i < n; i++) {
		g[ng].g_r = rects[i];
		if (!xs_clip(x, &g[ng].g_r))
			continue;
		g[ng].g_px = qxlshm_alloc(x->x_q, XS_DATA_SLOT,
		    (size_t)g[ng].g_r.width * g[ng].g_r.height * 4,
		    &g[ng].g_phys);
		if (g[ng].g_px == NULL) {
			retry[nretry++] = g[ng].g_r;
			continue;
		}
		g[ng].g_ck = xcb_shm_get_image(c, x->x_root, g[ng].g_r.x,
		    g[ng].g_r.y, g[ng].g_r.width, g[ng].g_r.height, ~0u,
		    XCB_IMAGE_FORMAT_Z_PIXMAP, s->s_seg,
		    (uint32_t)(g[ng].g_px - s->s_base));
		ng++;
	}
	free(fr);
	/* Every reply is collected, even after a failure, so that none is
	 * left behind in xcb's queue. */
	for (i = 0; i < ng; i++) {
		e = NULL;
		ir = xcb_shm_get_image_reply(c, g[i].g_ck, &e);
		if (ir == NULL) {
			if (rv == 0)
				x11_log("X display %s: ShmGetImage %ux%u+%d+%d "
				    "failed (X error %d)", x->x_display,
				    g[i].g_r.width, g[i].g_r.height, g[i].g_r.x,
				    g[i].g_r.y, e ? e->error_code : 0);
			rv = -1;
		}
		free(ir);
		free(e);
	}
	if (rv == 0 && xs_push_moves(s, dmg, ndmg) == -1) {
		x11_log("display update: %s", qxlshm_error(x->x_q));
		rv = -1;
	}
	for (i = 0; i < ng; i++) {
		if (rv == 0 && xs_push_copy(s, &g[i]) == -1) {
			x11_log("display update: %s", qxlshm_error(x->x_q));
			rv = -1;
		}
		if (g[i].g_px != NULL)
			qxlshm_free(x->x_q, g[i].g_px);
	}
	/* What found no room now is damage again, sent once the display
	 * worker has released memory. */
	if (rv == 0 && nretry > 0) {
		xcb_xfixes_set_region(c, s->s_retry, (uint32_t)nretry, retry);
		xcb_damage_add(c, x->x_root, s->s_retry);
	}
	return rv;
}

/* The root window changed size: a new primary of the new size. */
static int
xs_resize(struct xs *s)
{
	struct x11 *x = s->s_x;
	char err[256];

	s->s_resized = 0;
	if (x->x_width == s->s_pw && x->x_height == s->s_ph)
		return 0;
	if (qxlshm_destroy_primary(x->x_q) == -1) {
		x11_log("destroying the primary: %s", qxlshm_error(x->x_q));
		return -1;
	}
	qxlshm_free(x->x_q, s->s_primary);
	s->s_primary = NULL;
	/* The new primary is read whole after this: older damage is in it,
	 * newer damage comes as events. */
	xcb_damage_subtract(x->x_c, s->s_damage, XCB_NONE, XCB_NONE);
	s->s_dirty = 0;
	if (xs_primary_create(s, err, sizeof(err)) == -1) {
		x11_log("%s", err);
		return -1;
	}
	return 0;
}

int
xs_update(struct xs *s)
{
	int rv;

	if (x11_now_ms() >= s->s_heads_next) {
		if (xs_heads(s) == -1)
			return -1;
		if (!s->s_dirty && !s->s_resized)
			return 0;
	}
	if (s->s_resized)
		rv = xs_resize(s);
	else
		rv = xs_send_damage(s);
	s->s_last = x11_now_ms();
	xcb_flush(s->s_x->x_c);
	return rv;
}

void
xs_free(struct xs *s)
{
	if (s == NULL)
		return;
	xm_free(s->s_moves);
	free(s);
}
