/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-moves: where the top-level windows are, so that a window moved by
 * the window manager or a client can reach spiced as a copy of the pixels
 * it already has (COPY_BITS) instead of as new pixels.  DAMAGE alone only
 * says that both places changed.
 *
 * A move is only a hint: the screen module clips it to what DAMAGE says
 * changed and sends those pixels afterwards as usual, so a wrong hint
 * costs bytes, never a wrong picture (the display worker drops resent
 * rows that match what it has).
 */
#ifndef X11_MOVES_H
#define X11_MOVES_H

#include <stdint.h>

#include "x11.h"

#define XM_MAX_WINDOWS	512	/* top-level windows tracked */
#define XM_MAX_MOVES	8	/* moves pending between two updates */

/* The outer rectangle (border included) of a window that moved from
 * (src_x, src_y) to (dst_x, dst_y) with its size unchanged. */
struct xm_move {
	int32_t		src_x;
	int32_t		src_y;
	int32_t		dst_x;
	int32_t		dst_y;
	int32_t		w;
	int32_t		h;
};

struct xm;

/* Start tracking the root window's children (SubstructureNotify on the
 * root, their geometry read once).  NULL with the reason in err. */
struct xm	*xm_new(struct x11 *x, char *err, size_t errlen);

/* An X event: 1 if it was about the root's children (handled), else 0. */
int		 xm_event(struct xm *m, const xcb_generic_event_t *ev);

/* Copy the moves seen since the last call into out (at most max, oldest
 * first; a window moved twice is one move) and forget them.  Returns how
 * many. */
int		 xm_take(struct xm *m, struct xm_move *out, int max);

void		 xm_free(struct xm *m);

#endif
