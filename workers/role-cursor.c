/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * role-cursor: the cursor worker, one per display for as long as the
 * display exists (DESIGN.md section 1; like the display worker it
 * outlives a producer, see daemon/display.c).  It consumes the producer's
 * cursor ring (producer-link with the cursor ring's ops below: each
 * command copied, validated by qxl-cmd and released at once, the shape
 * having been copied) and serves every cursor channel connection of the
 * display (cursor-out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "cursor-out.h"
#include "log.h"
#include "producer-link.h"
#include "qxl-cmd.h"
#include "worker.h"

struct role_cursor {
	struct plink	*rc_plink;
	struct cout	*rc_cout;
};

/* One command from the cursor ring (plink_ops po_command). */
static int
role_cursor_command(void *arg, const QXLCommand *cmd, uint64_t *id)
{
	struct role_cursor *rc = arg;
	struct qxl_cmd_cursor cc;
	struct spd_err err;
	int rv;

	if (cmd->type == QXL_CMD_NOP)
		return -1;
	if (cmd->type != QXL_CMD_CURSOR) {
		snprintf(err.msg, sizeof(err.msg), "command type %u on the "
		    "cursor ring", cmd->type);
		plink_drop(rc->rc_plink, cmd->data, 1, err.msg);
		return 0;
	}
	if ((rv = qxl_cmd_parse_cursor(plink_slots(rc->rc_plink), cmd->data,
	    &cc, &err)) != 0) {
		plink_drop(rc->rc_plink, cmd->data,
		    rv != QXL_CMD_EUNSUPPORTED, err.msg);
		return 0;
	}
	*id = cc.release_id;
	switch (cc.type) {
	case QXL_CURSOR_SET:
		cout_set(rc->rc_cout, &cc);
		break;
	case QXL_CURSOR_MOVE:
		cout_move(rc->rc_cout, cc.x, cc.y);
		break;
	case QXL_CURSOR_HIDE:
		cout_hide(rc->rc_cout);
		break;
	case QXL_CURSOR_TRAIL:
		cout_trail(rc->rc_cout, cc.trail_length, cc.trail_frequency);
		break;
	}
	qxl_cmd_cursor_free(&cc);
	return 1;
}

static void
role_cursor_detach(void *arg)
{
	struct role_cursor *rc = arg;

	cout_reset(rc->rc_cout);
}

static const struct plink_ops role_cursor_ops = {
	.po_ring = "cursor ring",
	.po_cmd = "cursor command",
	.po_pop = ring_pop_cursor,
	.po_release = RING_RELEASE_CURSOR,
	.po_irq = QXL_INTERRUPT_CURSOR,
	.po_command = role_cursor_command,
	.po_detach = role_cursor_detach,
};

static int
role_cursor_start(struct worker *wk, struct spd_err *err)
{
	struct role_cursor *rc;

	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return spd_err_set(err, "cursor: out of memory");
	if ((rc->rc_cout = cout_new(wk, err)) == NULL) {
		free(rc);
		return -1;
	}
	if ((rc->rc_plink = plink_new(wk, &role_cursor_ops, rc, err)) ==
	    NULL) {
		free(rc->rc_cout);
		free(rc);
		return -1;
	}
	wk->wk_role_data = rc;
	return 0;
}

/* worker_client()'s add, typed. */
static int
role_cursor_add(void *arg, int fd, uint32_t session, uint32_t conn,
    const struct ipc_client *ci, struct spd_err *err)
{
	return cout_client_add(arg, fd, session, conn, ci, err);
}

static int
role_cursor_ipc(struct worker *wk, struct ipc_msg *msg, struct spd_err *err)
{
	struct role_cursor *rc = wk->wk_role_data;
	int rv;

	if ((rv = plink_ipc(rc->rc_plink, msg, err)) != 1)
		return rv;
	switch (msg->hdr.ih_type) {
	case IPC_D2W_CLIENT:
		return worker_client(wk, msg, SPICE_CHANNEL_CURSOR,
		    role_cursor_add, rc->rc_cout, err);
	case IPC_D2W_CONN_CLOSE:
		(void)cout_close_conn(rc->rc_cout, msg->hdr.ih_conn,
		    "closed by the supervisor");
		return 0;
	case IPC_D2W_SESSION_CLOSE:
		cout_close_session(rc->rc_cout, msg->hdr.ih_session,
		    "session closed");
		return 0;
	default:
		return spd_err_set(err, "cursor worker does not take IPC "
		    "message %u", msg->hdr.ih_type);
	}
}

const struct worker_role role_cursor = {
	.wr_name = "cursor",
	.wr_start = role_cursor_start,
	.wr_ipc = role_cursor_ipc,
};
