/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-agent: spiced-x11 plays the display's VDAgent itself (no
 * spice-vdagent in the session): the agent port from qxl-shm, the
 * VDAgentMessage stream both ways, capabilities, and the messages that
 * are not the clipboard's (monitor configuration, answered with a
 * REPLY).  Clipboard messages go to the handler set with xa_set_clipboard
 * (x11-clipboard).
 */
#ifndef X11_AGENT_H
#define X11_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"
#include "x11.h"

#define XA_MAX_MSG	(16u << 20)	/* data of one message, either way */
#define XA_MAX_QUEUED	(32u << 20)	/* bytes waiting for the port */

struct xa;

/* A clipboard message from the client (GRAB, REQUEST, CLIPBOARD,
 * RELEASE): its body, the selection prefix already taken off (sel is
 * VD_AGENT_CLIPBOARD_SELECTION_*).  The client's bytes: read them through
 * body only. */
typedef void (*xa_clipboard_fn)(void *arg, uint32_t type, uint8_t sel,
	    struct sbuf *body);
/* The client went away (or another one took the agent): gone 1; or it
 * announced itself (a new owner of the agent): gone 0. */
typedef void (*xa_gone_fn)(void *arg, int gone);

/* Open the agent port (QXLSHM_F_AGENT granted).  NULL with err. */
struct xa	*xa_new(struct x11 *x, char *err, size_t errlen);
void		 xa_set_clipboard(struct xa *, xa_clipboard_fn, xa_gone_fn,
		    void *arg);

/* The port, and whether to poll it for writing too. */
int		 xa_fd(const struct xa *);
int		 xa_want_write(const struct xa *);

/* The port is readable or writable: take what came, send what waits.
 * 0, or -1 (logged) when spiced closed it. */
int		 xa_handle(struct xa *);

/* Send a clipboard message for selection sel: the selection prefix is
 * added when the client announced VD_AGENT_CAP_CLIPBOARD_SELECTION (and
 * the message is not sent for another selection than CLIPBOARD when it
 * did not).  data follows the prefix. */
void		 xa_send_clipboard(struct xa *, uint32_t type, uint8_t sel,
		    const void *data, uint32_t size);

/* 1 when the client takes clipboard selections other than CLIPBOARD. */
int		 xa_client_selections(const struct xa *);

void		 xa_free(struct xa *);

#endif
