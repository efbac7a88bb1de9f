/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-cursor: the guest's hardware cursor (Listener.CursorDefine and
 * MouseSet) onto the cursor ring: SET with an ALPHA shape, MOVE, HIDE.
 * The ring is never waited on: a cursor nobody consumes must not hold up
 * the picture.
 */
#ifndef QEMU_CURSOR_H
#define QEMU_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "qemu.h"

struct qcursor	*qcursor_new(struct qemu *q, struct spd_err *err);
void		 qcursor_free(struct qcursor *);

/* CursorDefine: w x h ARGB pixels (QEMU's, straight alpha) with a hot
 * spot.  0, or -1 with err when the shape is unusable (qcheck_cursor). */
int		 qcursor_define(struct qcursor *, int32_t w, int32_t h,
		    int32_t hot_x, int32_t hot_y, const uint8_t *argb,
		    size_t size, struct spd_err *err);
/* MouseSet of console con: the guest put its pointer at x, y (the
 * primary's coordinates), shown or not.  With several consoles the
 * pointer is hidden only once no console shows it. */
void		 qcursor_set(struct qcursor *, unsigned con, int32_t x,
		    int32_t y, int on);
/* spiced lost the cursor (REDRAW): send the shape again. */
void		 qcursor_redraw(struct qcursor *);

#endif
