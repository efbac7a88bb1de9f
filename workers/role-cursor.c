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

static int
role_cursor_client(struct worker *wk, struct role_cursor *rc,
    struct ipc_msg *msg, struct spd_err *err)
{
	struct ipc_client ci;
	struct spd_err cerr;
	int fd;

	memcpy(&ci, msg->payload, sizeof(ci));
	if (ci.channel_type != SPICE_CHANNEL_CURSOR)
		return spd_err_set(err, "cursor worker got a channel of "
		    "type %u", ci.channel_type);
	if (!ipc_str_ok(ci.peer, sizeof(ci.peer)))
		return spd_err_set(err, "CLIENT: peer not terminated");
	fd = msg->fds[0];
	msg->fds[0] = -1;
	if (cout_client_add(rc->rc_cout, fd, msg->hdr.ih_session,
	    msg->hdr.ih_conn, &ci, &cerr) != 0) {
		log_warn("display \"%s\": cursor client %s (conn %u) refused: "
		    "%s", wk->wk_display, ci.peer, msg->hdr.ih_conn, cerr.msg);
		worker_conn_closed(wk, msg->hdr.ih_session, msg->hdr.ih_conn,
		    cerr.msg);
	}
	return 0;
}

static int
role_cursor_ipc(struct worker *wk, struct ipc_msg *msg, struct spd_err *err)
{
	struct role_cursor *rc = wk->wk_role_data;
	struct ipc_memslot ms;
	struct ipc_device dv;
	int fd, irq;

	switch (msg->hdr.ih_type) {
	case IPC_D2W_CLIENT:
		return role_cursor_client(wk, rc, msg, err);
	case IPC_D2W_MEMSLOT:
		memcpy(&ms, msg->payload, sizeof(ms));
		fd = msg->fds[0];
		msg->fds[0] = -1;
		return plink_memslot(rc->rc_plink, &ms, fd, err);
	case IPC_D2W_DEVICE:
		memcpy(&dv, msg->payload, sizeof(dv));
		fd = msg->fds[0];
		irq = msg->fds[1];
		msg->fds[0] = msg->fds[1] = -1;
		return plink_device(rc->rc_plink, &dv, fd, irq, err);
	case IPC_D2W_PRODUCER_GONE:
		plink_detach(rc->rc_plink);
		return 0;
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
