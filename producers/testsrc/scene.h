/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * scene: the synthetic desktop of qxl-shm-testsrc, described as drawing
 * operations so that it knows nothing of QXL memory: a background, a few
 * windows with title bars and text-like blocks, one window that slides
 * back and forth, an animated area redrawn every frame, and a panel kept
 * in an off-screen surface and copied to the screen.
 */
#ifndef QXLSHM_TESTSRC_SCENE_H
#define QXLSHM_TESTSRC_SCENE_H

#include <stdint.h>

struct scene_rect {
	int32_t	x;
	int32_t	y;
	int32_t	w;
	int32_t	h;
};

/* The sink of the drawing operations; each returns 0 or -1 (stop).
 * Surface 0 is the primary; scene uses surface SCENE_PANEL_SURFACE too.
 * Rectangles passed are non-empty and inside their surface. */
struct scene_ops {
	int	(*so_fill)(void *arg, uint32_t surface,
		    const struct scene_rect *, uint32_t rgb);
	/* px: r.w * r.h pixels 0x00RRGGBB, top-down, borrowed for the call */
	int	(*so_bitmap)(void *arg, uint32_t surface,
		    const struct scene_rect *, const uint32_t *px);
	/* Copy src_rect of surface src to (dx, dy) of surface dst. */
	int	(*so_copy_surface)(void *arg, uint32_t dst, int32_t dx,
		    int32_t dy, uint32_t src, const struct scene_rect *src_rect);
	/* Create / destroy an off-screen surface of w x h. */
	int	(*so_surface_create)(void *arg, uint32_t id, int32_t w,
		    int32_t h);
	int	(*so_surface_destroy)(void *arg, uint32_t id);
	void	*so_arg;
};

#define SCENE_PANEL_SURFACE	1

struct scene;

/* A scene for a screen of width x height (at least 320 x 240). */
struct scene	*scene_new(int32_t width, int32_t height);
void		 scene_free(struct scene *);

/* Emit frame number n: frame 0 draws everything (and creates the panel
 * surface); later frames draw only what changed.  -1 if an op failed. */
int		 scene_frame(struct scene *, uint64_t n, const struct scene_ops *);

/* Emit the teardown (destroy the panel surface). */
int		 scene_finish(struct scene *, const struct scene_ops *);
/* The next scene_frame() draws the whole screen as frame 0 does (the
 * off-screen surface created again included), at that frame's state:
 * after the server lost every surface (REDRAW). */
void		 scene_redraw(struct scene *);

#endif
