/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-incr: the SPICE client's clipboard data handed to X clients that
 * paste it, incrementally when it is large (ICCCM 2.7.2, INCR): the
 * requestor's property first says INCR and the size, then each time the
 * requestor deletes it, the next chunk, then an empty one.  Several
 * transfers run at once, each to its own requestor and property; one
 * whose requestor stops deleting is dropped after XINCR_TIMEOUT_MS.
 */
#ifndef X11_INCR_H
#define X11_INCR_H

#include <stdint.h>

#include "x11.h"

#define XINCR_CHUNK		(128u << 10)	/* fits any X request */
#define XINCR_MAX		4	/* transfers at once */
#define XINCR_TIMEOUT_MS	5000

struct xincr;

struct xincr	*xincr_new(struct x11 *x, xcb_atom_t incr_atom);

/*
 * Put len bytes of data (format 8, type) into requestor's property: in
 * one piece up to XINCR_CHUNK, else incrementally (the data is copied).
 * The caller sends SelectionNotify after it.  -1 (logged) when it cannot
 * be sent: the caller then refuses the request.
 */
int		 xincr_put(struct xincr *, xcb_window_t requestor,
		    xcb_atom_t property, xcb_atom_t type, const uint8_t *data,
		    uint32_t len);

/* A PropertyNotify that moves a transfer on: 1 if it was one. */
int		 xincr_event(struct xincr *, const xcb_generic_event_t *);

/* Milliseconds until a transfer times out, -1 with none; xincr_expire()
 * drops those whose time is up. */
int		 xincr_due_ms(const struct xincr *);
void		 xincr_expire(struct xincr *);

void		 xincr_free(struct xincr *);

#endif
