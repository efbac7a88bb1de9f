/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cursor-out: the cursor channel clients of one display and the cursor
 * state they are shown (SPICE-NOTES 3.4): position, visibility, trail and
 * the current shape, which a client that links later gets in its
 * CURSOR_INIT.  Shapes are cached per client by the producer's unique id
 * (CACHE_ME, then FROM_CACHE); a client's cache holds at most
 * COUT_CACHE_MAX ids, the oldest invalidated (INVAL_ONE) to make room.
 */
#ifndef SPICED_CURSOR_OUT_H
#define SPICED_CURSOR_OUT_H

#include <stdint.h>

#include "err.h"
#include "ipc-msg.h"
#include "qxl-cmd.h"
#include "worker.h"

#define COUT_MAX_CLIENTS	64	/* cursor channels of one display */
#define COUT_CACHE_MAX		64	/* shapes cached per client */
#define COUT_MAX_CLIENT_MSG	4096	/* the cursor channel has no client
					   messages beyond the common ones */

struct cout;

struct cout	*cout_new(struct worker *, struct spd_err *);

/* A linked cursor channel: it gets CURSOR_INIT with the current state.
 * fd is taken in every case.  -1 with err when refused. */
int		 cout_client_add(struct cout *, int fd, uint32_t session,
		    uint32_t conn, const struct ipc_client *, struct spd_err *);
int		 cout_close_conn(struct cout *, uint32_t conn,
		    const char *reason);
void		 cout_close_session(struct cout *, uint32_t session,
		    const char *reason);

/* The producer's commands.  cout_set takes cc's shape (cc->data is NULL
 * afterwards). */
void		 cout_set(struct cout *, struct qxl_cmd_cursor *cc);
void		 cout_move(struct cout *, int16_t x, int16_t y);
void		 cout_hide(struct cout *);
void		 cout_trail(struct cout *, uint16_t length,
		    uint16_t frequency);

/* The producer is gone: the cursor is hidden and every client's cache
 * invalidated (the next producer's ids mean other shapes). */
void		 cout_reset(struct cout *);

#endif
