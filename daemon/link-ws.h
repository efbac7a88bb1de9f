/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * link-ws: the WebSocket framing layer of the supervisor's link (RFC 6455,
 * codec in shared/ws.h), stacked on whatever layer owns the socket (plain
 * or TLS) once link.c has answered the HTTP upgrade.
 *
 * Reads decode frames and never take a raw byte beyond the SPICE bytes
 * asked for (ws_dec_want()), so after the ticket the rest of its frame is
 * still in the socket and link_ws_handoff() tells the worker where in
 * that frame it starts.  Each write is one binary frame; it reports the
 * bytes written only once the whole frame is out (EAGAIN until then), so
 * link.c's retry-with-the-same-buffer loop drives it unchanged.  A ping
 * read during the link is answered in front of the next frame written:
 * link.c writes after every read step, so none is left at the handoff.
 */
#ifndef SPICED_LINK_WS_H
#define SPICED_LINK_WS_H

#include "link.h"
#include "sbuf.h"

/* Push a WebSocket layer on top of below (same fd).  NULL if out of
 * memory.  The layer is freed by link.c's llo_free walk. */
struct link_layer *link_ws_new(struct link_layer *below);

/* 1 if l is a WebSocket layer. */
int	 link_ws_is(const struct link_layer *l);

/*
 * After a read returned -1 with errno EPROTO (refused frame) or
 * ECONNRESET (the client's close frame): the reason for the log, and the
 * close frame to send back (appended to ob, raw: write it below this
 * layer).  Returns the reason, or NULL if l has not ended.
 */
const char *link_ws_ended(const struct link_layer *l, struct obuf *ob);

/* Fill client->framing and client->ws for the worker; -1 with err if the
 * decoder is somewhere it cannot be handed over from. */
int	 link_ws_handoff(const struct link_layer *l,
	    struct ipc_client *client, struct spd_err *err);

#endif
