/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-cursor: see qemu-cursor.h.  The last shape is kept here so that a
 * cursor shown again after HIDE, or after spiced's REDRAW, is sent whole.
 */
#include <stdlib.h>
#include <string.h>

#include <spice/qxl_dev.h>

#include "log.h"
#include "qemu-check.h"
#include "qemu-cursor.h"

struct qcursor {
	struct qemu	*c_q;
	uint8_t		*c_px;		/* the shape, w * h * 4 bytes */
	uint16_t	 c_w;
	uint16_t	 c_h;
	uint16_t	 c_hx;
	uint16_t	 c_hy;
	uint64_t	 c_serial;	/* the shape's id on the ring */
	int16_t		 c_x;
	int16_t		 c_y;
	int		 c_shown;	/* SET sent and not hidden since */
	uint32_t	 c_on;		/* consoles showing it, a bit each */
};

struct qcursor *
qcursor_new(struct qemu *q, struct spd_err *err)
{
	struct qcursor *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		spd_err_set(err, "out of memory");
		return NULL;
	}
	c->c_q = q;
	return c;
}

void
qcursor_free(struct qcursor *c)
{
	if (c == NULL)
		return;
	free(c->c_px);
	free(c);
}

/* Push cmd (freed if the ring has no room: a cursor update lost is only
 * a cursor update late). */
static void
qcursor_push(struct qcursor *c, QXLCursorCmd *cmd, uint64_t phys)
{
	if (qxlshm_push_cursor(c->c_q->q_shm, phys, 0) == -1)
		qxlshm_free(c->c_q->q_shm, cmd);
}

/* SET of the kept shape at the kept position. */
static void
qcursor_send_shape(struct qcursor *c)
{
	QXLCursorCmd *cmd;
	uint8_t *out;
	uint64_t phys;

	if (c->c_px == NULL)
		return;
	if ((cmd = qxlshm_cursor_alpha(c->c_q->q_shm, QEMU_CMD_SLOT,
	    c->c_serial, c->c_w, c->c_h, c->c_hx, c->c_hy, c->c_x, c->c_y,
	    &out, &phys)) == NULL)
		return;
	memcpy(out, c->c_px, (size_t)c->c_w * c->c_h * 4);
	qcursor_push(c, cmd, phys);
	c->c_shown = 1;
}

int
qcursor_define(struct qcursor *c, int32_t w, int32_t h, int32_t hot_x,
    int32_t hot_y, const uint8_t *argb, size_t size, struct spd_err *err)
{
	uint8_t *px;

	if (qcheck_cursor(w, h, &hot_x, &hot_y, size, err) == -1)
		return -1;
	if ((px = malloc(size)) == NULL)
		return spd_err_set(err, "out of memory");
	memcpy(px, argb, size);
	free(c->c_px);
	c->c_px = px;
	c->c_w = (uint16_t)w;
	c->c_h = (uint16_t)h;
	c->c_hx = (uint16_t)hot_x;
	c->c_hy = (uint16_t)hot_y;
	c->c_serial++;
	qcursor_send_shape(c);
	return 0;
}

void
qcursor_set(struct qcursor *c, unsigned con, int32_t x, int32_t y, int on)
{
	QXLCursorCmd *cmd;
	uint64_t phys;

	/* A guest moving its pointer to another monitor turns it off on
	 * the one it leaves, before or after showing it on the next. */
	if (on)
		c->c_on |= 1u << con;
	else if ((c->c_on &= ~(1u << con)) != 0)
		return;
	c->c_x = (int16_t)(x < INT16_MIN ? INT16_MIN : x > INT16_MAX ?
	    INT16_MAX : x);
	c->c_y = (int16_t)(y < INT16_MIN ? INT16_MIN : y > INT16_MAX ?
	    INT16_MAX : y);
	if (on && !c->c_shown) {
		qcursor_send_shape(c);
		return;
	}
	if (!on && !c->c_shown)
		return;
	if ((cmd = qxlshm_alloc_cmd(c->c_q->q_shm, QEMU_CMD_SLOT,
	    sizeof(*cmd), &phys)) == NULL)
		return;
	if (on) {
		cmd->type = QXL_CURSOR_MOVE;
		cmd->u.position.x = c->c_x;
		cmd->u.position.y = c->c_y;
	} else {
		cmd->type = QXL_CURSOR_HIDE;
		c->c_shown = 0;
	}
	qcursor_push(c, cmd, phys);
}

void
qcursor_redraw(struct qcursor *c)
{
	if (c->c_shown)
		qcursor_send_shape(c);
}
