/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * role-display: the display worker, one per display for as long as the
 * display exists (DESIGN.md sections 1 and 5, with one deviation: the
 * worker, and so every viewer's display channel, outlives a producer, so
 * that a producer restart or a new producer shows in the viewers already
 * connected; see daemon/display.c).
 *
 * It owns the display's surfaces (render), consumes the producer's command
 * ring (display-cmd, over producer-link) and serves every display channel connection of
 * every session (display-out).  This file only routes supervisor messages
 * to those three.
 */
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>

#include "display-out.h"
#include "log.h"
#include "display-cmd.h"
#include "render.h"
#include "worker.h"

struct role_display {
	struct render	*rd_render;
	struct dout	*rd_dout;
	struct dcmd	*rd_cmd;
};

static int
role_display_start(struct worker *wk, struct spd_err *err)
{
	struct role_display *rd;

	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return spd_err_set(err, "display: out of memory");
	/* render reports damage to display-out, which reads render: create
	 * render first and connect the callback once both exist. */
	if ((rd->rd_render = render_new(NULL, NULL)) == NULL) {
		free(rd);
		return spd_err_set(err, "display: out of memory");
	}
	if ((rd->rd_dout = dout_new(wk, rd->rd_render, err)) == NULL) {
		render_free(rd->rd_render);
		free(rd);
		return -1;
	}
	render_set_damage(rd->rd_render, dout_damage, dout_move,
	    rd->rd_dout);
	render_set_fill(rd->rd_render, dout_fill);
	render_set_text(rd->rd_render, dout_text);
	render_set_stroke(rd->rd_render, dout_stroke);
	render_set_blend(rd->rd_render, dout_blend);
	render_set_composite(rd->rd_render, dout_composite);
	render_set_copy(rd->rd_render, dout_copy);
	render_set_scaled(rd->rd_render, dout_scaled);
	render_set_surfaces(rd->rd_render, dout_surface_copy, dout_surface_blend,
	    dout_offscreen);
	if ((rd->rd_cmd = dcmd_new(wk, rd->rd_render, rd->rd_dout,
	    err)) == NULL) {
		dout_free(rd->rd_dout);
		render_free(rd->rd_render);
		free(rd);
		return -1;
	}
	wk->wk_role_data = rd;
	return 0;
}

/* worker_client()'s add, typed. */
static int
role_display_add(void *arg, int fd, uint32_t session, uint32_t conn,
    const struct ipc_client *ci, struct spd_err *err)
{
	return dout_client_add(arg, fd, session, conn, ci, err);
}

static int
role_display_ipc(struct worker *wk, struct ipc_msg *msg, struct spd_err *err)
{
	struct role_display *rd = wk->wk_role_data;
	struct ipc_primary pr;
	struct ipc_heads ih;
	int rc;

	if ((rc = plink_ipc(dcmd_plink(rd->rd_cmd), msg, err)) != 1)
		return rc;
	switch (msg->hdr.ih_type) {
	case IPC_D2W_CLIENT:
		return worker_client(wk, msg, SPICE_CHANNEL_DISPLAY,
		    role_display_add, rd->rd_dout, err);
	case IPC_D2W_PRIMARY_CREATE:
		memcpy(&pr, msg->payload, sizeof(pr));
		return dcmd_primary_create(rd->rd_cmd, &pr, err);
	case IPC_D2W_PRIMARY_DESTROY:
		return dcmd_primary_destroy(rd->rd_cmd, err);
	case IPC_D2W_HEADS:
		memcpy(&ih, msg->payload, sizeof(ih));
		return dcmd_heads(rd->rd_cmd, &ih, err);
	case IPC_D2W_CONN_CLOSE:
		/* The connection may have ended on its own meanwhile. */
		(void)dout_close_conn(rd->rd_dout, msg->hdr.ih_conn,
		    "closed by the supervisor");
		return 0;
	case IPC_D2W_SESSION_CLOSE:
		dout_close_session(rd->rd_dout, msg->hdr.ih_session,
		    "session closed");
		return 0;
	default:
		return spd_err_set(err, "display worker does not take IPC "
		    "message %u", msg->hdr.ih_type);
	}
}

const struct worker_role role_display = {
	.wr_name = "display",
	.wr_start = role_display_start,
	.wr_ipc = role_display_ipc,
};
