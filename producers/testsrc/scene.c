/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * scene: see scene.h.  Layout is relative to the screen size so the same
 * picture works from 320x240 up.  Everything is deterministic in the frame
 * number, so two runs produce the same command stream (useful for
 * reproducible benchmarks).
 */
#include <stdlib.h>
#include <string.h>

#include "scene.h"

#define SCENE_BG		0x2f5f7f
#define SCENE_BORDER		0x202020
#define SCENE_TITLE		0x3a6ea5
#define SCENE_TITLE_IDLE	0x7a8a9a
#define SCENE_BODY		0xf0f0f0
#define SCENE_TEXT		0x404040
#define SCENE_TASKBAR		0x1c1c1c
#define SCENE_TITLE_H		20
#define SCENE_TASKBAR_H		32
#define SCENE_ICON		16
#define SCENE_PANEL_W		160
#define SCENE_PANEL_H		24
#define SCENE_ANIM_W		160
#define SCENE_ANIM_H		100
#define SCENE_SLIDE_STEP	4	/* pixels per frame */
#define SCENE_PANEL_EVERY	30	/* frames between panel updates */

struct scene {
	int32_t		 sc_w;
	int32_t		 sc_h;
	struct scene_rect sc_win[2];	/* fixed windows */
	struct scene_rect sc_slide;	/* current sliding window */
	int32_t		 sc_slide_min;
	int32_t		 sc_slide_max;
	struct scene_rect sc_anim;	/* animated area */
	uint32_t	*sc_anim_px;
	uint32_t	 sc_icon[SCENE_ICON * SCENE_ICON];
	int		 sc_full;	/* next frame draws everything */
};

static struct scene_rect
scene_rect(int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct scene_rect r = { x, y, w, h };

	return r;
}

struct scene *
scene_new(int32_t width, int32_t height)
{
	struct scene *s;
	int32_t x, y, aw, ah;

	if (width < 320 || height < 240 || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->sc_w = width;
	s->sc_h = height;
	s->sc_win[0] = scene_rect(width * 5 / 100, height * 6 / 100,
	    width * 42 / 100, height * 45 / 100);
	s->sc_win[1] = scene_rect(width * 52 / 100, height * 14 / 100,
	    width * 40 / 100, height * 38 / 100);
	s->sc_slide = scene_rect(width * 2 / 100, height * 62 / 100,
	    width * 30 / 100, height * 24 / 100);
	s->sc_slide_min = s->sc_slide.x;
	s->sc_slide_max = width * 68 / 100;
	aw = s->sc_win[0].w - 20 < SCENE_ANIM_W ? s->sc_win[0].w - 20 :
	    SCENE_ANIM_W;
	ah = s->sc_win[0].h - SCENE_TITLE_H - 20 < SCENE_ANIM_H ?
	    s->sc_win[0].h - SCENE_TITLE_H - 20 : SCENE_ANIM_H;
	s->sc_anim = scene_rect(s->sc_win[0].x + s->sc_win[0].w - aw - 10,
	    s->sc_win[0].y + SCENE_TITLE_H + 10, aw, ah);
	if ((s->sc_anim_px = malloc((size_t)aw * ah * 4)) == NULL) {
		free(s);
		return NULL;
	}
	/* A little diagonal-striped icon with a frame. */
	for (y = 0; y < SCENE_ICON; y++)
		for (x = 0; x < SCENE_ICON; x++)
			s->sc_icon[y * SCENE_ICON + x] = (x == 0 || y == 0 ||
			    x == SCENE_ICON - 1 || y == SCENE_ICON - 1) ?
			    0x101010 : ((x + y) / 3 % 2 ? 0xffd040 : 0xe05020);
	return s;
}

void
scene_free(struct scene *s)
{
	if (s == NULL)
		return;
	free(s->sc_anim_px);
	free(s);
}

/* A small deterministic generator for word lengths. */
static uint32_t
scene_lcg(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

static int
scene_fill(const struct scene_ops *o, uint32_t surf, int32_t x, int32_t y,
    int32_t w, int32_t h, uint32_t rgb)
{
	struct scene_rect r = scene_rect(x, y, w, h);

	if (w <= 0 || h <= 0)
		return 0;
	return o->so_fill(o->so_arg, surf, &r, rgb);
}

/* Rows of grey "words" inside r, skipping the rectangle avoid. */
static int
scene_text(const struct scene_ops *o, const struct scene_rect *r,
    uint32_t seed, int max_rows, const struct scene_rect *avoid)
{
	int32_t x, y, ww, right = r->x + r->w - 8;
	int rows = 0;

	for (y = r->y + 8; y + 8 < r->y + r->h && rows < max_rows;
	    y += 14, rows++) {
		for (x = r->x + 8;; x += ww + 5) {
			ww = 8 + (int32_t)(scene_lcg(&seed) % 40);
			if (x + ww > right)
				break;
			if (avoid != NULL && x + ww > avoid->x &&
			    x < avoid->x + avoid->w && y + 7 > avoid->y &&
			    y < avoid->y + avoid->h)
				continue;
			if (scene_fill(o, 0, x, y, ww, 7, SCENE_TEXT) == -1)
				return -1;
		}
	}
	return 0;
}

static int
scene_window(const struct scene *s, const struct scene_ops *o,
    const struct scene_rect *w,
    uint32_t seed, int active, int max_rows, const struct scene_rect *avoid)
{
	struct scene_rect body, icon;

	if (scene_fill(o, 0, w->x, w->y, w->w, w->h, SCENE_BORDER) == -1 ||
	    scene_fill(o, 0, w->x + 1, w->y + 1, w->w - 2, SCENE_TITLE_H - 1,
	    active ? SCENE_TITLE : SCENE_TITLE_IDLE) == -1)
		return -1;
	/* Title "text" and the three buttons. */
	if (scene_fill(o, 0, w->x + 28, w->y + 7, w->w / 3, 6,
	    0xe8e8e8) == -1 ||
	    scene_fill(o, 0, w->x + w->w - 18, w->y + 4, 13, 12,
	    0xc04040) == -1 ||
	    scene_fill(o, 0, w->x + w->w - 34, w->y + 4, 13, 12,
	    0xa0a0a0) == -1)
		return -1;
	icon = scene_rect(w->x + 4, w->y + 2, SCENE_ICON, SCENE_ICON);
	if (o->so_bitmap(o->so_arg, 0, &icon, s->sc_icon) == -1)
		return -1;
	body = scene_rect(w->x + 1, w->y + SCENE_TITLE_H, w->w - 2,
	    w->h - SCENE_TITLE_H - 1);
	if (scene_fill(o, 0, body.x, body.y, body.w, body.h, SCENE_BODY) == -1)
		return -1;
	return scene_text(o, &body, seed, max_rows, avoid);
}

/* Recompute the animated bitmap for frame n: moving diagonal bands and a
 * bouncing square, so every frame differs everywhere a little. */
static void
scene_anim_update(struct scene *s, uint64_t n)
{
	int32_t x, y, bx, by, w = s->sc_anim.w, h = s->sc_anim.h;
	uint32_t t = (uint32_t)n, v;

	bx = (int32_t)(t * 3 % (uint32_t)(2 * (w - 20)));
	if (bx >= w - 20)
		bx = 2 * (w - 20) - bx;
	by = (int32_t)(t * 2 % (uint32_t)(2 * (h - 20)));
	if (by >= h - 20)
		by = 2 * (h - 20) - by;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			v = (uint32_t)(x + y + (int32_t)(t * 4)) & 0xff;
			if (x >= bx && x < bx + 20 && y >= by && y < by + 20)
				s->sc_anim_px[y * w + x] = 0xffffff;
			else
				s->sc_anim_px[y * w + x] = v << 16 |
				    (255 - v) << 8 | ((uint32_t)(x * 255 / w));
		}
}

static int
scene_panel(struct scene *s, uint64_t n, const struct scene_ops *o)
{
	struct scene_rect src = scene_rect(0, 0, SCENE_PANEL_W, SCENE_PANEL_H);
	int32_t bar = (int32_t)(n / SCENE_PANEL_EVERY % 10);

	/* Draw into the off-screen surface, then show it on the screen. */
	if (scene_fill(o, SCENE_PANEL_SURFACE, 0, 0, SCENE_PANEL_W,
	    SCENE_PANEL_H, 0x303840) == -1 ||
	    scene_fill(o, SCENE_PANEL_SURFACE, 4, 4, 12 * bar + 4,
	    SCENE_PANEL_H - 8, 0x60c060) == -1 ||
	    scene_fill(o, SCENE_PANEL_SURFACE, SCENE_PANEL_W - 40, 6, 34, 12,
	    0xd0d0d0) == -1)
		return -1;
	return o->so_copy_surface(o->so_arg, 0, s->sc_w - SCENE_PANEL_W - 6,
	    s->sc_h - SCENE_TASKBAR_H + (SCENE_TASKBAR_H - SCENE_PANEL_H) / 2,
	    SCENE_PANEL_SURFACE, &src);
}

/* Where the sliding window is at frame n (a triangle wave). */
static int32_t
scene_slide_x(const struct scene *s, uint64_t n)
{
	uint64_t span = (uint64_t)(s->sc_slide_max - s->sc_slide_min);
	uint64_t p;

	if (span == 0)
		return s->sc_slide_min;
	p = n * SCENE_SLIDE_STEP % (2 * span);
	return s->sc_slide_min + (int32_t)(p <= span ? p : 2 * span - p);
}

int
scene_frame(struct scene *s, uint64_t n, const struct scene_ops *o)
{
	struct scene_rect a;
	int32_t nx, dx;

	if (n == 0 || s->sc_full) {
		s->sc_full = 0;
		if (scene_fill(o, 0, 0, 0, s->sc_w, s->sc_h, SCENE_BG) == -1 ||
		    scene_fill(o, 0, 0, s->sc_h - SCENE_TASKBAR_H, s->sc_w,
		    SCENE_TASKBAR_H, SCENE_TASKBAR) == -1 ||
		    scene_fill(o, 0, 6, s->sc_h - SCENE_TASKBAR_H + 6, 60,
		    SCENE_TASKBAR_H - 12, 0x3a8a3a) == -1 ||
		    scene_window(s, o, &s->sc_win[1], 7, 0, 1000, NULL) == -1 ||
		    scene_window(s, o, &s->sc_win[0], 3, 1, 1000,
		    &s->sc_anim) == -1 ||
		    o->so_surface_create(o->so_arg, SCENE_PANEL_SURFACE,
		    SCENE_PANEL_W, SCENE_PANEL_H) == -1 ||
		    scene_panel(s, n, o) == -1)
			return -1;
		s->sc_slide.x = scene_slide_x(s, n);
		if (scene_window(s, o, &s->sc_slide, 11, 0, 4, NULL) == -1)
			return -1;
	} else {
		/* Slide: uncover the strip left behind, redraw the window. */
		nx = scene_slide_x(s, n);
		dx = nx - s->sc_slide.x;
		if (dx > 0 && scene_fill(o, 0, s->sc_slide.x, s->sc_slide.y,
		    dx, s->sc_slide.h, SCENE_BG) == -1)
			return -1;
		if (dx < 0 && scene_fill(o, 0, nx + s->sc_slide.w,
		    s->sc_slide.y, -dx, s->sc_slide.h, SCENE_BG) == -1)
			return -1;
		s->sc_slide.x = nx;
		if (dx != 0 && scene_window(s, o, &s->sc_slide, 11, 0, 4,
		    NULL) == -1)
			return -1;
		if (n % SCENE_PANEL_EVERY == 0 && scene_panel(s, n, o) == -1)
			return -1;
	}
	scene_anim_update(s, n);
	a = s->sc_anim;
	return o->so_bitmap(o->so_arg, 0, &a, s->sc_anim_px);
}

void
scene_redraw(struct scene *s)
{
	s->sc_full = 1;
}

int
scene_finish(struct scene *s, const struct scene_ops *o)
{
	(void)s;
	return o->so_surface_destroy(o->so_arg, SCENE_PANEL_SURFACE);
}
