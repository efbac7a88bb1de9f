/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-screen: QEMU's console picture into the qxl-shm display.  QEMU
 * sends pixels inline (Listener.Scanout and Update) and never waits for
 * us, so they are converted (pixman) into the primary's memory, which is
 * shared with spiced, and only the damaged rectangles are sent, as
 * DRAW_COPY of that memory, at most QSCREEN_FPS times a second and no
 * faster than spiced releases them: updates that come faster merge.
 * With several consoles (a VM with several monitors) the primary holds
 * them side by side, top-aligned, in the order given, each a head of it
 * (qxl-shm HEADS: a viewer opens a window for each); a console of another
 * size, or one that goes dark, is a new primary with the others' pictures
 * kept.
 */
#ifndef QEMU_SCREEN_H
#define QEMU_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "qemu.h"

#define QSCREEN_FPS		60	/* updates a second at most */
#define QSCREEN_MAX_RECTS	32	/* more damaged rectangles: extents */
/* Command slot bytes spiced may hold unreleased (drawables, cursor
 * shapes) before updates wait and merge. */
#define QSCREEN_IN_FLIGHT_BYTES	(256u * 1024)

/* Pixels as QEMU sends them: a pixman format code, rows stride bytes
 * apart, size bytes at data (borrowed for the call). */
struct qscreen_pixels {
	uint32_t	 qp_format;
	uint32_t	 qp_stride;
	const uint8_t	*qp_data;
	size_t		 qp_size;
};

/* With q->q_shm attached, for q->q_ncons consoles.  The functions below
 * take a console's index in q->q_cons. */
struct qscreen	*qscreen_new(struct qemu *q, struct spd_err *err);
void		 qscreen_free(struct qscreen *);

/* Listener.Scanout: the whole console, w x h.  0, or -1 with err (the
 * call is refused; bad input is only logged by the caller). */
int		 qscreen_scanout(struct qscreen *, unsigned con, uint32_t w,
		    uint32_t h, const struct qscreen_pixels *,
		    struct spd_err *err);
/* The console is w x h now: a new primary, with what the old and new
 * sizes share kept (QEMU 7.2 sends no Scanout when a guest changes mode:
 * an Update that does not fit, then its Console's Width and Height, say
 * so).  0 x 0: the console went dark (Listener.Disable), its head goes
 * (with one console the last picture stays instead).  0, or -1 with err. */
int		 qscreen_resize(struct qscreen *, unsigned con, uint32_t w,
		    uint32_t h, struct spd_err *err);
/* Listener.Update: the w x h rectangle at x, y of the console.
 * QSCREEN_OUTSIDE when it does not fit (the console may have grown). */
#define QSCREEN_OUTSIDE		(-2)
int		 qscreen_update(struct qscreen *, unsigned con, int32_t x,
		    int32_t y, int32_t w, int32_t h,
		    const struct qscreen_pixels *, struct spd_err *err);
/* spiced lost the picture (REDRAW): send all of it again. */
void		 qscreen_redraw(struct qscreen *);
/* A console's size now (0 x 0 before its first Scanout), and where it
 * lies in the primary. */
void		 qscreen_size(const struct qscreen *, unsigned con, uint32_t *w,
		    uint32_t *h);
void		 qscreen_origin(const struct qscreen *, unsigned con,
		    int32_t *x, int32_t *y);
/* A viewer's position x, y on its monitor `head`: the console it lies
 * in, x and y made the console's own; -1 when it lies in none.  Without
 * HEADS sent (one console, or a spiced without F_HEADS) the viewer's one
 * monitor is the whole primary. */
int		 qscreen_locate(const struct qscreen *, uint32_t head,
		    int32_t *x, int32_t *y);

#endif
