/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-clipboard: the X CLIPBOARD and PRIMARY selections and the client's
 * clipboard, both ways, through the agent (x11-agent): UTF-8 text and PNG
 * images.  When an X client copies, the SPICE client is told (GRAB) and
 * asks for the data when its user pastes; when the SPICE client copies,
 * spiced-x11 owns the selection and asks the client for the data when an
 * X client pastes.  PRIMARY only with clients that announce selections.
 */
#ifndef X11_CLIPBOARD_H
#define X11_CLIPBOARD_H

#include <stddef.h>

#include "x11-agent.h"
#include "x11.h"

#define XCL_MAX_PENDING	8	/* X requests waiting for the client */
#define XCL_WINDOW_NAME	"spiced-x11 clipboard"	/* the owner's WM_NAME */

struct xcl;

/* NULL with err.  It registers itself as a's clipboard handler. */
struct xcl	*xcl_new(struct x11 *x, struct xa *a, char *err,
		    size_t errlen);

/* An X event for this module: 1 if it was. */
int		 xcl_event(struct xcl *, const xcb_generic_event_t *);

/* Milliseconds until an incremental paste to X times out (-1: none);
 * xcl_expire() drops those whose time is up. */
int		 xcl_due_ms(const struct xcl *);
void		 xcl_expire(struct xcl *);

void		 xcl_free(struct xcl *);

#endif
