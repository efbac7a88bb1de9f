/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-screen: the X screen's picture into the qxl-shm display.  The X
 * server writes pixels straight into the producer's shared memory (MIT-SHM
 * 1.2 ShmAttachFd of the data slot's memfd, ShmGetImage into bitmaps
 * allocated there); DAMAGE says what changed, and only that is sent, at
 * most XS_FPS times a second, or XS_INPUT_FPS for XS_INPUT_MS after a
 * client's key or button (what it makes X draw must not wait for the
 * next frame of a busy screen; mere pointer motion does not count, or a
 * mouse moving over a video would read the screen 500 times a second);
 * a RANDR screen change becomes a new primary.
 */
#ifndef X11_SCREEN_H
#define X11_SCREEN_H

#include <stddef.h>

#include "x11.h"

#define XS_FPS		60	/* updates a second at most */
#define XS_INPUT_FPS	500	/* the same, just after input */
#define XS_INPUT_MS	100
#define XS_MAX_RECTS	32	/* more damaged rectangles: their extents */

struct xs;

/* Check that the screen is one spiced-x11 can take (depth 24, 32 bits per
 * pixel x8r8g8b8, MIT-SHM 1.2, DAMAGE, XFIXES, RANDR) before anything is
 * sent to spiced.  NULL with the reason in err. */
struct xs	*xs_new(struct x11 *x, char *err, size_t errlen);

/* With x->x_q connected: create the slots, attach, share the data slot
 * with the X server, create the primary from the screen as it is and start
 * tracking damage.  0, or -1 with the reason in err. */
int		 xs_start(struct xs *s, char *err, size_t errlen);

/* An X event for this module: 1 if it was (handled), 0 if not. */
int		 xs_event(struct xs *s, const xcb_generic_event_t *ev);

/* Milliseconds until the next update is due: -1 when nothing changed, 0
 * when one is due now. */
int		 xs_due_ms(struct xs *s);

/* A client's key or button was just played to X. */
void		 xs_input(struct xs *s);

/* Send what changed (xs_due_ms() said 0), or the new primary after a
 * screen size change.  0, or -1 (message logged) when the display or the X
 * server failed. */
int		 xs_update(struct xs *s);

/* Send the whole screen at the next update (after spiced's REDRAW). */
void		 xs_redraw(struct xs *s);

void		 xs_free(struct xs *s);

#endif
