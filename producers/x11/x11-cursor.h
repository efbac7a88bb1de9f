/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-cursor: the X pointer's shape (XFIXES cursor notify and cursor
 * image) and position onto the qxl-shm cursor ring.
 */
#ifndef X11_CURSOR_H
#define X11_CURSOR_H

#include <stddef.h>

#include "x11.h"

/* The pointer's position is looked at every XC_POLL_MS while it moves
 * or a viewer's input or a new shape came in the last XC_ACTIVE_MS, and
 * every XC_IDLE_POLL_MS otherwise: X tells no client of the pointer's
 * motion, and a session nobody uses should not wake 40 times a second
 * (a round trip each look, the X server woken too). */
#define XC_POLL_MS	50
#define XC_IDLE_POLL_MS	500
#define XC_ACTIVE_MS	2000

struct xc;

/* Check XFIXES 4 (cursor images); NULL with the reason in err. */
struct xc	*xc_new(struct x11 *x, char *err, size_t errlen);

/* Attached: ask for cursor changes and send the current shape.  0. */
int		 xc_start(struct xc *c, char *err, size_t errlen);

/* An X event for this module (the cursor changed): 1 if it was. */
int		 xc_event(struct xc *c, const xcb_generic_event_t *ev);

/* Send what changed: a new shape, or where the pointer is now (asked
 * of the X server, at most every XC_POLL_MS or XC_IDLE_POLL_MS as above
 * unless now is set: a viewer's input just moved it).  What
 * finds no room in the ring or the slot waits for the next call (logged
 * once); a dead connection is left for the caller's qxlshm_wait() to
 * find. */
void		 xc_update(struct xc *c, int now);

/* Milliseconds until xc_update() is due. */
int		 xc_due_ms(const struct xc *c);

void		 xc_free(struct xc *c);

#endif
