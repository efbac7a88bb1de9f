/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-screen: see qemu-screen.h.  The primary's memory is both what
 * spiced read when the primary was created and the bitmap every DRAW_COPY
 * points into; pixels written while a DRAW_COPY is in flight are damaged
 * again and sent after it, so the viewers always end with the last
 * picture (PROTOCOL.md section 9: a producer changing memory in flight
 * only changes its own picture).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pixman.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "log.h"
#include "qemu-check.h"
#include "qemu-screen.h"

#define QSCREEN_BUSY_US		5000	/* look again when spiced lags */

/* A console's place in the primary. */
struct qscreen_head {
	uint32_t		 h_w;		/* 0 x 0: no picture */
	uint32_t		 h_h;
	uint32_t		 h_x;		/* its left edge; tops are 0 */
};

struct qscreen {
	struct qemu		*s_q;
	uint8_t			*s_fb;		/* the primary, in the data slot */
	pixman_image_t		*s_img;		/* over s_fb */
	uint32_t		 s_w;
	uint32_t		 s_h;
	struct qscreen_head	 s_head[QEMU_MAX_CONSOLES];
	unsigned		 s_shown[QEMU_MAX_CONSOLES]; /* HEADS' order */
	unsigned		 s_nshown;	/* 0: no HEADS sent */
	pixman_region32_t	 s_damage;	/* not yet sent */
	sd_event_source		*s_timer;
	uint64_t		 s_last_us;	/* the last flush */
	uint64_t		 s_base;	/* command slot bytes at rest */
	int			 s_logged_fmt;	/* pixel refusal logged */
};

static int	qscreen_flush_cb(sd_event_source *, uint64_t, void *);

struct qscreen *
qscreen_new(struct qemu *q, struct spd_err *err)
{
	struct qscreen *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		spd_err_set(err, "out of memory");
		return NULL;
	}
	s->s_q = q;
	/* Called attached: what the slot holds now (the device region)
	 * stays; the rest is commands spiced has not released. */
	s->s_base = qxlshm_slot_used(q->q_shm, QEMU_CMD_SLOT);
	pixman_region32_init(&s->s_damage);
	if (sd_event_add_time(q->q_event, &s->s_timer, CLOCK_MONOTONIC, 0, 0,
	    qscreen_flush_cb, s) < 0) {
		pixman_region32_fini(&s->s_damage);
		free(s);
		spd_err_set(err, "sd_event_add_time failed");
		return NULL;
	}
	sd_event_source_set_enabled(s->s_timer, SD_EVENT_OFF);
	return s;
}

void
qscreen_free(struct qscreen *s)
{
	if (s == NULL)
		return;
	sd_event_source_unref(s->s_timer);
	if (s->s_img != NULL)
		pixman_image_unref(s->s_img);
	pixman_region32_fini(&s->s_damage);
	free(s);
}

void
qscreen_size(const struct qscreen *s, unsigned con, uint32_t *w, uint32_t *h)
{
	*w = s->s_head[con].h_w;
	*h = s->s_head[con].h_h;
}

void
qscreen_origin(const struct qscreen *s, unsigned con, int32_t *x, int32_t *y)
{
	*x = (int32_t)s->s_head[con].h_x;
	*y = 0;
}

int
qscreen_locate(const struct qscreen *s, uint32_t head, int32_t *x, int32_t *y)
{
	const struct qscreen_head *hd;
	unsigned i;

	if (s->s_nshown > 0)
		return head < s->s_nshown ? (int)s->s_shown[head] : -1;
	for (i = 0; i < s->s_q->q_ncons; i++) {
		hd = &s->s_head[i];
		if (*x >= (int32_t)hd->h_x && *x < (int32_t)(hd->h_x +
		    hd->h_w) && *y >= 0 && *y < (int32_t)hd->h_h) {
			*x -= (int32_t)hd->h_x;
			return (int)i;
		}
	}
	return -1;
}

/* Flush when the 1/QSCREEN_FPS since the last one has passed. */
static void
qscreen_schedule(struct qscreen *s, uint64_t delay_us)
{
	uint64_t at = s->s_last_us + 1000000 / QSCREEN_FPS;
	uint64_t now = qemu_now_us(s->s_q);

	if (delay_us > 0 || at < now)
		at = now + delay_us;
	sd_event_source_set_time(s->s_timer, at);
	sd_event_source_set_enabled(s->s_timer, SD_EVENT_ONESHOT);
}

static void
qscreen_damage(struct qscreen *s, int32_t x, int32_t y, int32_t w, int32_t h)
{
	pixman_box32_t ext;

	pixman_region32_union_rect(&s->s_damage, &s->s_damage, x, y,
	    (unsigned)w, (unsigned)h);
	if (pixman_region32_n_rects(&s->s_damage) > QSCREEN_MAX_RECTS) {
		ext = *pixman_region32_extents(&s->s_damage);
		pixman_region32_reset(&s->s_damage, &ext);
	}
	if (sd_event_source_get_enabled(s->s_timer, NULL) == 0)
		qscreen_schedule(s, 0);
}

/*
 * Check QEMU's pixels for a w x h area and wrap them for pixman (a copy
 * when rows are not 4-byte aligned, *copy then to be freed).  NULL with
 * err when they are unusable.
 */
static pixman_image_t *
qscreen_source(struct qscreen *s, uint32_t w, uint32_t h,
    const struct qscreen_pixels *px, uint8_t **copy, struct spd_err *err)
{
	pixman_format_code_t fmt = (pixman_format_code_t)px->qp_format;
	uint64_t row;
	uint32_t y, stride = px->qp_stride;
	const uint8_t *data = px->qp_data;
	int bpp;

	*copy = NULL;
	if ((bpp = qcheck_pixels(w, h, stride, px->qp_format, px->qp_size,
	    err)) == -1) {
		if (!s->s_logged_fmt)
			log_warn("QEMU sent pixels the bridge cannot use: %s",
			    err->msg);
		s->s_logged_fmt = 1;
		return NULL;
	}
	row = (uint64_t)w * (uint64_t)bpp / 8;
	if ((stride & 3) != 0 || ((uintptr_t)data & 3) != 0) {
		/* pixman wants 4-aligned rows. */
		stride = (uint32_t)((row + 3) & ~3ull);
		if ((*copy = malloc((size_t)stride * h)) == NULL)
			return spd_err_set(err, "out of memory"), NULL;
		for (y = 0; y < h; y++)
			memcpy(*copy + (size_t)y * stride, px->qp_data +
			    (size_t)y * px->qp_stride, row);
		data = *copy;
	}
	return pixman_image_create_bits_no_clear(fmt, (int)w, (int)h,
	    (uint32_t *)(uintptr_t)data, (int)stride);
}

/*
 * Whether src's pixels are those the primary has at x, y.  QEMU sends a
 * text console's cursor cell at every refresh, 33 times a second, the
 * same pixels but when the cursor blinks: each would wake the display
 * worker (and its viewers' links) for nothing.  Only pixels in the
 * primary's own format are compared.
 */
static int
qscreen_same(const struct qscreen *s, int32_t x, int32_t y, uint32_t w,
    uint32_t h, pixman_image_t *src)
{
	const uint8_t *data = (const uint8_t *)pixman_image_get_data(src);
	size_t stride = (size_t)pixman_image_get_stride(src);
	uint32_t r;

	if (pixman_image_get_format(src) != PIXMAN_x8r8g8b8)
		return 0;
	for (r = 0; r < h; r++)
		if (memcmp(data + r * stride, s->s_fb + ((size_t)(y +
		    (int32_t)r) * s->s_w + (size_t)x) * 4, (size_t)w * 4) != 0)
			return 0;
	return 1;
}

/* Convert w x h pixels into the primary at x, y (the primary's).  0, 1
 * when the primary had them already, -1 with err. */
static int
qscreen_put(struct qscreen *s, int32_t x, int32_t y, uint32_t w, uint32_t h,
    const struct qscreen_pixels *px, struct spd_err *err)
{
	pixman_image_t *src;
	uint8_t *copy;
	int same;

	if ((src = qscreen_source(s, w, h, px, &copy, err)) == NULL) {
		free(copy);
		return -1;
	}
	if (!(same = qscreen_same(s, x, y, w, h, src)))
		pixman_image_composite32(PIXMAN_OP_SRC, src, NULL, s->s_img,
		    0, 0, 0, 0, x, y, (int32_t)w, (int32_t)h);
	pixman_image_unref(src);
	free(copy);
	return same;
}

/* Tell spiced which area of the primary each console is, when there
 * are several (one is the whole primary, HEADS or not). */
static void
qscreen_send_heads(struct qscreen *s)
{
	struct qxlshm *shm = s->s_q->q_shm;
	struct qxlshm_head heads[QEMU_MAX_CONSOLES];
	unsigned i, n = 0;

	s->s_nshown = 0;
	if (s->s_q->q_ncons == 1 || !(qxlshm_features(shm) & QXLSHM_F_HEADS))
		return;
	for (i = 0; i < s->s_q->q_ncons; i++) {
		if (s->s_head[i].h_w == 0)
			continue;
		heads[n].x = s->s_head[i].h_x;
		heads[n].y = 0;
		heads[n].width = s->s_head[i].h_w;
		heads[n].height = s->s_head[i].h_h;
		s->s_shown[n++] = i;
	}
	if (qxlshm_set_heads(shm, n, heads) == -1)
		qemu_quit(s->s_q, 1, "telling spiced the monitors: %s",
		    qxlshm_error(shm));
	else
		s->s_nshown = n;
}

/* Place the consoles side by side in order; the primary's size. */
static void
qscreen_layout(struct qscreen *s, uint32_t *w, uint32_t *h)
{
	unsigned i;

	*w = *h = 0;
	for (i = 0; i < s->s_q->q_ncons; i++) {
		s->s_head[i].h_x = *w;
		*w += s->s_head[i].h_w;
		if (s->s_head[i].h_h > *h)
			*h = s->s_head[i].h_h;
	}
}

int
qscreen_resize(struct qscreen *s, unsigned con, uint32_t w, uint32_t h,
    struct spd_err *err)
{
	struct qxlshm *shm = s->s_q->q_shm;
	struct qscreen_head old[QEMU_MAX_CONSOLES], *hd = &s->s_head[con];
	pixman_image_t *img;
	uint32_t pw, ph;
	uint8_t *fb;
	unsigned i;

	if (w == hd->h_w && h == hd->h_h)
		return 0;
	if (w == 0 || h == 0) {
		/* Dark: with one console the viewers keep the last picture
		 * until the next Scanout (a mode change). */
		if (s->s_q->q_ncons == 1)
			return 0;
		w = h = 0;
	} else if (w > s->s_q->q_max_w || h > s->s_q->q_max_h)
		return spd_err_set(err, "console %ux%u is not within 1x1.."
		    "%ux%u (--max-size)", w, h, s->s_q->q_max_w,
		    s->s_q->q_max_h);
	memcpy(old, s->s_head, sizeof(old));
	hd->h_w = w;
	hd->h_h = h;
	qscreen_layout(s, &pw, &ph);
	if (pw > QXLSHM_MAX_WIDTH) {
		memcpy(s->s_head, old, sizeof(old));
		return spd_err_set(err, "console %ux%u: the consoles side by "
		    "side would be %u pixels wide, more than qxl-shm's %u",
		    w, h, pw, QXLSHM_MAX_WIDTH);
	}
	if (pw == 0) {
		/* Every console dark: the last picture stays. */
		log_info("every console is dark");
		return 0;
	}
	/* The new memory before the old goes: what both layouts share is
	 * kept (updates of the new mode may already be in it). */
	if ((fb = qxlshm_alloc(shm, QEMU_DATA_SLOT, (size_t)pw * ph * 4,
	    NULL)) == NULL) {
		memcpy(s->s_head, old, sizeof(old));
		return spd_err_set(err, "primary %ux%u: %s", pw, ph,
		    qxlshm_error(shm));
	}
	memset(fb, 0, (size_t)pw * ph * 4);
	if ((img = pixman_image_create_bits_no_clear(PIXMAN_x8r8g8b8, (int)pw,
	    (int)ph, (uint32_t *)fb, (int)pw * 4)) == NULL) {
		qxlshm_free(shm, fb);
		memcpy(s->s_head, old, sizeof(old));
		return spd_err_set(err, "out of memory");
	}
	if (s->s_fb != NULL) {
		for (i = 0; i < s->s_q->q_ncons; i++)
			pixman_image_composite32(PIXMAN_OP_SRC, s->s_img, NULL,
			    img, (int32_t)old[i].h_x, 0, 0, 0,
			    (int32_t)s->s_head[i].h_x, 0, (int32_t)(
			    old[i].h_w < s->s_head[i].h_w ? old[i].h_w :
			    s->s_head[i].h_w), (int32_t)(old[i].h_h <
			    s->s_head[i].h_h ? old[i].h_h : s->s_head[i].h_h));
		if (qxlshm_destroy_primary(shm) == -1) {
			pixman_image_unref(img);
			qxlshm_free(shm, fb);
			qemu_quit(s->s_q, 1, "destroying the primary: %s",
			    qxlshm_error(shm));
			return spd_err_set(err, "spiced refused the change");
		}
		pixman_image_unref(s->s_img);
		qxlshm_free(shm, s->s_fb);
	}
	s->s_fb = fb;
	s->s_img = img;
	s->s_w = pw;
	s->s_h = ph;
	/* The primary's creation carries all of it. */
	pixman_region32_clear(&s->s_damage);
	if (qxlshm_create_primary(shm, pw, ph, (int32_t)(pw * 4),
	    SPICE_SURFACE_FMT_32_xRGB, qxlshm_phys(shm, fb)) == -1) {
		qemu_quit(s->s_q, 1, "creating the %ux%u primary: %s", pw, ph,
		    qxlshm_error(shm));
		return spd_err_set(err, "spiced refused the primary");
	}
	if (s->s_q->q_ncons == 1)
		log_info("console %ux%u", w, h);
	else
		log_info("console %u: %ux%u; the primary %ux%u",
		    s->s_q->q_cons[con].qc_id, w, h, pw, ph);
	qscreen_send_heads(s);
	return 0;
}

int
qscreen_scanout(struct qscreen *s, unsigned con, uint32_t w, uint32_t h,
    const struct qscreen_pixels *px, struct spd_err *err)
{
	const struct qscreen_head *hd = &s->s_head[con];

	if (w == 0 || h == 0)
		return spd_err_set(err, "an empty %ux%u scanout", w, h);
	if (qscreen_resize(s, con, w, h, err) == -1 ||
	    qscreen_put(s, (int32_t)hd->h_x, 0, w, h, px, err) == -1)
		return -1;
	qscreen_damage(s, (int32_t)hd->h_x, 0, (int32_t)w, (int32_t)h);
	return 0;
}

int
qscreen_update(struct qscreen *s, unsigned con, int32_t x, int32_t y,
    int32_t w, int32_t h, const struct qscreen_pixels *px,
    struct spd_err *err)
{
	const struct qscreen_head *hd = &s->s_head[con];
	int rv;

	if (hd->h_w == 0)
		return spd_err_set(err, "update before any scanout");
	if (qcheck_rect(x, y, w, h, hd->h_w, hd->h_h, err) == -1)
		return QSCREEN_OUTSIDE;
	x += (int32_t)hd->h_x;
	if ((rv = qscreen_put(s, x, y, (uint32_t)w, (uint32_t)h, px,
	    err)) == -1)
		return -1;
	if (rv == 0)
		qscreen_damage(s, x, y, w, h);
	return 0;
}

void
qscreen_redraw(struct qscreen *s)
{
	if (s->s_fb != NULL)
		qscreen_damage(s, 0, 0, (int32_t)s->s_w, (int32_t)s->s_h);
}

/* Push a DRAW_COPY of box of the primary, its bitmap the primary's own
 * memory.  0, 1 when the ring has no room now, -1 on failure. */
static int
qscreen_push(struct qscreen *s, const pixman_box32_t *b)
{
	struct qxlshm *shm = s->s_q->q_shm;
	QXLRect bbox = { .left = b->x1, .top = b->y1, .right = b->x2,
	    .bottom = b->y2 };
	QXLDrawable *d;
	QXLImage *img;
	uint64_t dphys, iphys;
	uint32_t w = (uint32_t)(b->x2 - b->x1), h = (uint32_t)(b->y2 - b->y1);

	if ((d = qxlshm_alloc_cmd(shm, QEMU_CMD_SLOT, sizeof(*d), &dphys)) ==
	    NULL)
		return 1;
	if ((img = qxlshm_alloc(shm, QEMU_CMD_SLOT, sizeof(*img), &iphys)) ==
	    NULL) {
		qxlshm_free(shm, d);
		return 1;
	}
	qxlshm_drawable_init(d, 0, QXL_DRAW_COPY, &bbox);
	qxlshm_link(shm, d, img);
	img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img->descriptor.width = w;
	img->descriptor.height = h;
	img->bitmap.format = SPICE_BITMAP_FMT_32BIT;
	img->bitmap.flags = QXL_BITMAP_TOP_DOWN | QXL_BITMAP_DIRECT;
	img->bitmap.x = w;
	img->bitmap.y = h;
	img->bitmap.stride = s->s_w * 4;
	img->bitmap.data = qxlshm_phys(shm, s->s_fb + (size_t)b->y1 * s->s_w *
	    4 + (size_t)b->x1 * 4);
	d->u.copy.src_bitmap = iphys;
	d->u.copy.src_area.right = (int32_t)w;
	d->u.copy.src_area.bottom = (int32_t)h;
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	if (qxlshm_push_cmd(shm, QXL_CMD_DRAW, dphys, 0) == -1) {
		qxlshm_free(shm, d);
		return errno == EAGAIN ? 1 : -1;
	}
	return 0;
}

static int
qscreen_flush_cb(sd_event_source *es, uint64_t usec, void *arg)
{
	struct qscreen *s = arg;
	struct qxlshm *shm = s->s_q->q_shm;
	pixman_box32_t *rects, box;
	pixman_region32_t sent;
	int i, n, rc = 0;

	(void)es;
	(void)usec;
	/* The clients' pace: while spiced holds many of our drawables, wait
	 * and let the damage merge. */
	if (qxlshm_slot_used(shm, QEMU_CMD_SLOT) - s->s_base >
	    QSCREEN_IN_FLIGHT_BYTES) {
		qscreen_schedule(s, QSCREEN_BUSY_US);
		return 0;
	}
	pixman_region32_init(&sent);
	rects = pixman_region32_rectangles(&s->s_damage, &n);
	for (i = 0; i < n && rc == 0; i++) {
		box = rects[i];
		if ((rc = qscreen_push(s, &box)) == 0)
			pixman_region32_union_rect(&sent, &sent, box.x1,
			    box.y1, (unsigned)(box.x2 - box.x1),
			    (unsigned)(box.y2 - box.y1));
	}
	pixman_region32_subtract(&s->s_damage, &s->s_damage, &sent);
	pixman_region32_fini(&sent);
	s->s_last_us = qemu_now_us(s->s_q);
	if (rc == -1) {
		qemu_quit(s->s_q, 1, "display update: %s", qxlshm_error(shm));
		return 0;
	}
	if (pixman_region32_not_empty(&s->s_damage))
		qscreen_schedule(s, rc == 1 ? QSCREEN_BUSY_US : 0);
	return 0;
}
