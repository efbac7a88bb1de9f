/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-randr: the X screen resized to what a client's window asks for
 * (the agent's MONITORS_CONFIG), through RANDR 1.2: the first connected
 * output gets a mode of that size (made and added when the server has
 * none, as Xorg's dummy driver allows), and the screen that size.
 * x11-screen then sees the change and makes a new primary.
 */
#ifndef X11_RANDR_H
#define X11_RANDR_H

#include <stddef.h>
#include <stdint.h>

#include "qxl-shm.h"
#include "x11.h"

/* Resize the screen to *w x *h, each first brought within the sizes the
 * X server takes (RANDR's range, qxl-shm's limits), and left in *w, *h.
 * 0 when asked of the X server, 1 when it already has that size, -1 with
 * the reason in err when it cannot (no output, no range, a refused
 * mode). */
int	xr_resize(struct x11 *x, uint32_t *w, uint32_t *h, char *err,
	    size_t errlen);

/* The screen's monitors (RANDR 1.5, the active ones, in the server's
 * order) as heads, each clipped to the screen, at most QXLSHM_MAX_HEADS:
 * their count, 0 when RANDR is older.  A monitor that is the whole screen
 * is left out when there are others (Xvfb keeps its output's own beside
 * the virtual ones xrandr --setmonitor adds). */
uint32_t xr_monitors(struct x11 *x, struct qxlshm_head *heads);

#endif
