/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-cmd: what the display worker does with the producer's command
 * ring and primary: draws, off-screen surfaces, the primary; contracts in
 * display-cmd.h.  The ring itself (slots, popping, releases, faults) is
 * producer-link's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "display-cmd.h"
#include "log.h"
#include "qxl-cmd.h"
#include "qxl-shm.h"

struct dcmd {
	struct worker	*dc_wk;
	struct render	*dc_render;
	struct dout	*dc_dout;
	struct plink	*dc_plink;
	/* After a takeover (IPC_DEVICE_TAKEOVER): commands left that may
	 * name surfaces the dead worker held; such commands are skipped,
	 * not counted against the producer. */
	unsigned	 dc_grace;
};

static void	dcmd_primary_drop(struct dcmd *);

/* During a takeover's grace: does the command need a surface that went
 * with the dead worker (and that the producer's REDRAW brings back)? */
static int
dcmd_lost_surface(struct dcmd *dc, uint32_t id)
{
	return dc->dc_grace > 0 && render_surface(dc->dc_render, id) == NULL;
}

static int
dcmd_image_lost(struct dcmd *dc, const struct qxl_cmd_image *img)
{
	/* An image a drawable does not use is zeroed: a BITMAP. */
	return img->kind == QXL_CMD_SRC_SURFACE &&
	    dcmd_lost_surface(dc, img->surface_id);
}

/* Does a drawable name, as its target or any of its images, a surface
 * lost in a takeover? */
static int
dcmd_draw_lost(struct dcmd *dc, const struct qxl_cmd_draw *dr)
{
	return dcmd_lost_surface(dc, dr->surface_id) ||
	    dcmd_image_lost(dc, &dr->src) ||
	    dcmd_image_lost(dc, &dr->brush.pat) ||
	    dcmd_image_lost(dc, &dr->text.fore.pat) ||
	    dcmd_image_lost(dc, &dr->text.back.pat) ||
	    dcmd_image_lost(dc, &dr->stroke.brush.pat) ||
	    dcmd_image_lost(dc, &dr->composite.mask);
}

/* Create or destroy an off-screen surface.  0, or -1 with err set. */
static int
dcmd_surface(struct dcmd *dc, const struct qxl_cmd_surface *sc,
    struct spd_err *err)
{
	if (sc->surface_id == 0)
		return spd_err_set(err, "surface 0 is the primary");
	if (sc->type == QXL_SURFACE_CMD_DESTROY)
		return render_surface_destroy(dc->dc_render, sc->surface_id,
		    err);
	return render_surface_create(dc->dc_render, sc->surface_id,
	    sc->width, sc->height, sc->format, sc->pixels, sc->stride, err);
}

/* The owner's side of one command (plink_ops po_command). */
static int
dcmd_command(void *arg, const QXLCommand *cmd, uint64_t *id)
{
	struct dcmd *dc = arg;
	struct qxl_cmd_draw dr;
	struct qxl_cmd_surface sc;
	struct spd_err err;
	uint64_t phys = cmd->data;
	int rc;

	if (dc->dc_grace > 0)
		dc->dc_grace--;
	switch (cmd->type) {
	case QXL_CMD_NOP:
		return -1;	/* carries nothing to release */
	case QXL_CMD_DRAW:
		memset(&dr, 0, sizeof(dr));
		rc = qxl_cmd_parse_draw(plink_slots(dc->dc_plink), phys, &dr,
		    &err);
		if (rc != 0) {
			plink_drop(dc->dc_plink, phys,
			    rc != QXL_CMD_EUNSUPPORTED, err.msg);
			return 0;
		}
		*id = dr.release_id;
		if (dcmd_draw_lost(dc, &dr))
			plink_drop(dc->dc_plink, phys, 0, "it names a surface "
			    "lost with the previous display worker");
		else if ((rc = render_draw(dc->dc_render, &dr, &err)) ==
		    RENDER_SKIP)
			plink_drop(dc->dc_plink, phys, 0, err.msg);
		else if (rc != 0)
			plink_drop(dc->dc_plink, phys, 1, err.msg);
		qxl_cmd_draw_free(&dr);
		return 1;
	case QXL_CMD_SURFACE:
		memset(&sc, 0, sizeof(sc));
		rc = qxl_cmd_parse_surface(plink_slots(dc->dc_plink), phys,
		    &sc, &err);
		if (rc != 0) {
			plink_drop(dc->dc_plink, phys,
			    rc != QXL_CMD_EUNSUPPORTED, err.msg);
			return 0;
		}
		*id = sc.release_id;
		if (sc.type == QXL_SURFACE_CMD_DESTROY &&
		    dcmd_lost_surface(dc, sc.surface_id))
			plink_drop(dc->dc_plink, phys, 0, "it destroys a "
			    "surface lost with the previous display worker");
		else if (dcmd_surface(dc, &sc, &err) != 0)
			plink_drop(dc->dc_plink, phys, 1, err.msg);
		return 1;
	case QXL_CMD_UPDATE:
	case QXL_CMD_MESSAGE:
		/* Deprecated / log text: nothing to draw, only release. */
		return 0;
	case QXL_CMD_CURSOR:
		plink_drop(dc->dc_plink, phys, 1,
		    "cursor command on the display ring");
		return 0;
	default:
		snprintf(err.msg, sizeof(err.msg), "unknown command type %u",
		    cmd->type);
		plink_drop(dc->dc_plink, phys, 1, err.msg);
		return 0;
	}
}

/* Forget the primary (if any) and tell the clients. */
static void
dcmd_primary_drop(struct dcmd *dc)
{
	if (render_surface(dc->dc_render, 0) == NULL)
		return;
	dout_primary_destroyed(dc->dc_dout);
	(void)render_surface_destroy(dc->dc_render, 0, NULL);
}

/* The producer waits for this before drawing on (or reusing the memory
 * of) the primary: the control path and the rings are not ordered. */
static void
dcmd_primary_done(struct dcmd *dc, uint32_t created)
{
	struct ipc_primary_done pd = { created };

	worker_send(dc->dc_wk, IPC_W2D_PRIMARY_DONE, 0, 0, &pd, sizeof(pd),
	    NULL, 0);
}

int
dcmd_primary_create(struct dcmd *dc, const struct ipc_primary *p,
    struct spd_err *err)
{
	struct qxlshm_create_primary cp;
	struct qxl_cmd_surface sc;
	struct spd_err perr;

	if (plink_dead(dc->dc_plink))
		return 0;
	/* Same fields, but one definition each: copy them by name. */
	cp.width = p->width;
	cp.height = p->height;
	cp.stride = p->stride;
	cp.format = p->format;
	cp.mem = p->mem;
	memset(&sc, 0, sizeof(sc));
	if (qxl_cmd_parse_primary(plink_slots(dc->dc_plink), &cp, &sc,
	    &perr) != 0) {
		plink_fault(dc->dc_plink, "primary %ux%u stride %d format "
		    "%u: %s",
		    p->width, p->height, p->stride, p->format, perr.msg);
		return 0;
	}
	dcmd_primary_drop(dc);
	/* The initial content is read straight from the slot. */
	if (render_surface_create(dc->dc_render, 0, sc.width, sc.height,
	    sc.format, sc.pixels, sc.stride, &perr) != 0) {
		plink_fault(dc->dc_plink, "primary: %s", perr.msg);
		return 0;
	}
	log_info("display \"%s\": primary %ux%u", dc->dc_wk->wk_display,
	    p->width, p->height);
	dout_primary_created(dc->dc_dout);
	dcmd_primary_done(dc, 1);
	return 0;
}

int
dcmd_primary_destroy(struct dcmd *dc, struct spd_err *err)
{
	if (render_surface(dc->dc_render, 0) == NULL)
		log_debug("display \"%s\": no primary to destroy",
		    dc->dc_wk->wk_display);
	dcmd_primary_drop(dc);
	dcmd_primary_done(dc, 0);
	return 0;
}

int
dcmd_heads(struct dcmd *dc, const struct ipc_heads *ih, struct spd_err *err)
{
	pixman_image_t *prim = render_surface(dc->dc_render, 0);
	uint32_t i, w, h;

	(void)err;
	/* The supervisor checked them against the primary it forwarded;
	 * one this worker refused (a producer fault) has no heads. */
	if (prim == NULL || ih->count == 0 || ih->count > QXLSHM_MAX_HEADS) {
		log_warn("display \"%s\": %u heads ignored: %s",
		    dc->dc_wk->wk_display, ih->count, prim == NULL ?
		    "no primary" : "count not within 1..16");
		return 0;
	}
	w = (uint32_t)pixman_image_get_width(prim);
	h = (uint32_t)pixman_image_get_height(prim);
	for (i = 0; i < ih->count; i++)
		if (ih->head[i].width == 0 || ih->head[i].height == 0 ||
		    (uint64_t)ih->head[i].x + ih->head[i].width > w ||
		    (uint64_t)ih->head[i].y + ih->head[i].height > h) {
			log_warn("display \"%s\": heads ignored: head %u "
			    "(%ux%u at %u,%u) not inside the %ux%u primary",
			    dc->dc_wk->wk_display, i, ih->head[i].width,
			    ih->head[i].height, ih->head[i].x, ih->head[i].y,
			    w, h);
			return 0;
		}
	dout_heads(dc->dc_dout, ih->head, ih->count);
	return 0;
}

/* The producer is gone (plink_ops po_detach): every surface goes. */
static void
dcmd_detach(void *arg)
{
	struct dcmd *dc = arg;

	dcmd_primary_drop(dc);
	render_surface_destroy_all(dc->dc_render);
	dc->dc_grace = 0;
}

/* The ring comes from a worker that died (plink_ops po_takeover). */
static void
dcmd_takeover(void *arg)
{
	struct dcmd *dc = arg;

	dc->dc_grace = DCMD_TAKEOVER_GRACE;
}

static const struct plink_ops dcmd_ops = {
	.po_ring = "command ring",
	.po_cmd = "QXL command",
	.po_pop = ring_pop_cmd,
	.po_release = RING_RELEASE_DISPLAY,
	.po_irq = QXL_INTERRUPT_DISPLAY,
	.po_command = dcmd_command,
	.po_detach = dcmd_detach,
	.po_takeover = dcmd_takeover,
};

struct dcmd *
dcmd_new(struct worker *wk, struct render *r, struct dout *d,
    struct spd_err *err)
{
	struct dcmd *dc;

	if ((dc = calloc(1, sizeof(*dc))) == NULL) {
		spd_err_set(err, "display: out of memory");
		return NULL;
	}
	dc->dc_wk = wk;
	dc->dc_render = r;
	dc->dc_dout = d;
	if ((dc->dc_plink = plink_new(wk, &dcmd_ops, dc, err)) == NULL) {
		free(dc);
		return NULL;
	}
	return dc;
}

struct plink *
dcmd_plink(struct dcmd *dc)
{
	return dc->dc_plink;
}
