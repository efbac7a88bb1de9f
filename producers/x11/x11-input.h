/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-input: the clients' keyboard and mouse into the X server through
 * XTEST, and the keyboard's lock state (XKB indicators) back to spiced.
 */
#ifndef X11_INPUT_H
#define X11_INPUT_H

#include <stddef.h>

#include "x11.h"

struct xi;

/* Check XTEST and XKB and that the server's keycodes are evdev's (the
 * keymap of x11-keymap.h); NULL with the reason in err. */
struct xi	*xi_new(struct x11 *x, char *err, size_t errlen);

/* With x->x_q connected and input granted: open the input socket (the
 * pointer is placed absolutely) and send the lock state.  0, or -1 with
 * the reason in err. */
int		 xi_start(struct xi *i, char *err, size_t errlen);

/* An X event for this module (XKB indicator changes): 1 if it was. */
int		 xi_event(struct xi *i, const xcb_generic_event_t *ev);

/* What was played to X since the last call: XI_PLAYED_PRESS for keys
 * and buttons (what they make X draw is awaited: x11-screen's pace),
 * XI_PLAYED_POINTER for motion (the pointer moved; keys and buttons do
 * not move it, and asking X where it is costs a round trip before the
 * next damage is read, and right after a button can meet the server
 * grab it starts: xi_new). */
#define XI_PLAYED_PRESS		0x1
#define XI_PLAYED_POINTER	0x2
int		 xi_played(struct xi *i);

void		 xi_free(struct xi *i);

#endif
