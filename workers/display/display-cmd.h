/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-cmd: the display worker's half of a qxl-shm producer: the
 * command ring's draws and surfaces, and the primary, into render, with
 * display-out told of primary changes.  Its producer-link carries the
 * ring and the slots.
 */
#ifndef SPICED_DISPLAY_CMD_H
#define SPICED_DISPLAY_CMD_H

#include "display-out.h"
#include "err.h"
#include "ipc-msg.h"
#include "producer-link.h"
#include "render.h"
#include "worker.h"

/* Commands after a takeover during which those that name a lost surface
 * are skipped: the ring's worth left from before, and what the producer
 * pushes until it has seen REDRAW. */
#define DCMD_TAKEOVER_GRACE	1024

struct dcmd;

/* The command side of a display whose surfaces live in r and whose
 * clients are d.  NULL with err set. */
struct dcmd	*dcmd_new(struct worker *, struct render *r, struct dout *d,
		    struct spd_err *);

/* Its link, for the producer's messages (plink_ipc: the surfaces go
 * with the producer; after a takeover, commands naming lost surfaces are
 * skipped for DCMD_TAKEOVER_GRACE commands). */
struct plink	*dcmd_plink(struct dcmd *);

/* IPC_D2W_PRIMARY_CREATE: validate (format, size, stride, memory inside
 * a slot), copy the picture into a new primary and announce it to the
 * clients.  An existing primary is replaced.  A bad primary is a producer
 * fault (reported).  Returns 0. */
int		 dcmd_primary_create(struct dcmd *, const struct ipc_primary *,
		    struct spd_err *);

/* IPC_D2W_PRIMARY_DESTROY: drop the primary (clients get
 * SURFACE_DESTROY).  Without a primary it does nothing.  Returns 0. */
int		 dcmd_primary_destroy(struct dcmd *, struct spd_err *);

/* IPC_D2W_HEADS: the primary's monitors, checked against it, to the
 * clients; heads that do not fit it are ignored with a log line.
 * Returns 0. */
int		 dcmd_heads(struct dcmd *, const struct ipc_heads *,
		    struct spd_err *);

#endif
