/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-out-forward: drawings the producer made, sent to the viewers as
 * the operation (display-draw.c spells each) when that costs less than
 * its result as an image: fills, strings, lines, colour keys and alpha
 * blends, composites and raster operations of a source; the images those
 * carry encoded once per codec for every viewer and kept in the viewers'
 * pixmap caches.  A viewer that cannot take one (no room in its window,
 * no cap, damage pending under it) gets the result as damage instead.
 */
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "display-draw.h"
#include "display-out-int.h"
#include "log.h"
#include "qxl-cmd.h"

/*
 * The ROP descriptor whose meaning in a FILL is rop3 (a function of the
 * brush and the destination alone, render_fill_fn), as spice-common's
 * canvas reads descriptors; indexed by the function's four results
 * (brush, destination) = (0,0), (0,1), (1,0), (1,1) as bits 0 to 3.  The
 * producer's own descriptor is not passed on: this is one plain spelling
 * per function, whatever flags it combined.  None for 0xa (the
 * destination as it is), which render never reports.
 */
static const uint16_t dout_fill_ropd[16] = {
	[0x0] = SPICE_ROPD_OP_BLACKNESS,
	[0xf] = SPICE_ROPD_OP_WHITENESS,
	[0x5] = SPICE_ROPD_OP_INVERS,
	[0xc] = SPICE_ROPD_OP_PUT,
	[0x3] = SPICE_ROPD_OP_PUT | SPICE_ROPD_INVERS_BRUSH,
	[0x8] = SPICE_ROPD_OP_AND,
	[0x4] = SPICE_ROPD_OP_AND | SPICE_ROPD_INVERS_DEST,
	[0x2] = SPICE_ROPD_OP_AND | SPICE_ROPD_INVERS_BRUSH,
	[0x7] = SPICE_ROPD_OP_AND | SPICE_ROPD_INVERS_RES,
	[0xe] = SPICE_ROPD_OP_OR,
	[0xd] = SPICE_ROPD_OP_OR | SPICE_ROPD_INVERS_DEST,
	[0xb] = SPICE_ROPD_OP_OR | SPICE_ROPD_INVERS_BRUSH,
	[0x1] = SPICE_ROPD_OP_OR | SPICE_ROPD_INVERS_RES,
	[0x6] = SPICE_ROPD_OP_XOR,
	[0x9] = SPICE_ROPD_OP_XOR | SPICE_ROPD_INVERS_RES,
};

/* The plain descriptor of rop3, a function of the brush and the
 * destination (dout_fill_ropd). */
static uint16_t
dout_ropd(uint8_t rop3)
{
	return dout_fill_ropd[(rop3 & 3) | ((rop3 >> 2) & 0xc)];
}

/* The plain descriptor of rop3, a function of the source and the
 * destination, as DRAW_COPY reads one: the fills' table with the source
 * in the brush's place (the canvas reads INVERS_SRC for a copy's first
 * input); 0 for none (the destination as it is). */
static uint16_t
dout_copy_ropd(uint8_t rop3)
{
	uint16_t ropd = dout_fill_ropd[rop3 & 0xf];

	if (ropd & SPICE_ROPD_INVERS_BRUSH)
		ropd = (uint16_t)((ropd & ~SPICE_ROPD_INVERS_BRUSH) |
		    SPICE_ROPD_INVERS_SRC);
	return ropd;
}

/* The plain descriptor of rop3, a function of the brush and the source
 * (not the destination), as DRAW_OPAQUE reads one: the source is put,
 * then the brush drawn over it as a fill would be. */
static uint16_t
dout_opaque_ropd(uint8_t rop3)
{
	return dout_fill_ropd[(rop3 & 1) | ((rop3 >> 1) & 2) |
	    ((rop3 >> 2) & 4) | ((rop3 >> 3) & 8)];
}

/* A pattern's bytes as a plain bitmap. */
static uint64_t
dout_pattern_bytes(const struct render_pattern *pat)
{
	return (uint64_t)pixman_image_get_width(pat->rp_img) *
	    (uint64_t)pixman_image_get_height(pat->rp_img) * 4;
}

/* Does r touch the video stream?  Drawing there is damage like any. */
static int
dout_on_stream(const struct dout *d, pixman_region32_t *r)
{
	pixman_box32_t sb = d->d_stream.ds_box;

	return d->d_stream.ds_on &&
	    pixman_region32_contains_rectangle(r, &sb) != PIXMAN_REGION_OUT;
}

/* Pixels in the extents of r. */
static uint64_t
dout_extent_px(pixman_region32_t *r)
{
	const pixman_box32_t *e = pixman_region32_extents(r);

	return (uint64_t)(e->x2 - e->x1) * (uint64_t)(e->y2 - e->y1);
}

/* A drawing forwarded to viewers: a fill (dd_pat may be NULL), a string
 * (dd_text, with dd_back), a path (dd_stroke), a blend (dd_img[0], with
 * dd_key or dd_alpha), a composite (dd_comp, its source dd_img[0] and
 * mask dd_img[1] or NULL, on dd_bbox) or a raster operation of dd_img[0]
 * (dd_op: DRAW_COPY with the descriptor dd_ropd, DRAW_ROP3 with the code
 * dd_rop3 and the brush colour dd_color or pattern dd_pat, DRAW_OPAQUE
 * with dd_ropd and that brush) on dd_area, or dd_img[0] stretched over
 * dd_bbox (dd_op DRAW_COPY with dd_scaled: dd_src_area of the image with
 * the scale mode dd_scaled), or, from the off-screen surface dd_surf
 * (dd_img NULL), a copy (dd_op DRAW_COPY) or a blend (dd_op 0) of
 * dd_src_area over dd_bbox (a blend's NULL unscaled); dd_fix (NULL: none) the
 * pixels a viewer draws otherwise, sent as pixels after it.  dd_linear:
 * its result mixes
 * what was there linearly (glyphs, blends, composites), so that JPEG's
 * error there stays as small (display-out-lossy.c). */
struct dout_draw {
	const pixman_region32_t		*dd_area;
	uint32_t			 dd_color;
	uint16_t			 dd_ropd;
	const struct render_pattern	*dd_pat;
	const struct qxl_cmd_text	*dd_text;
	const uint32_t			*dd_back;
	const struct qxl_cmd_stroke	*dd_stroke;
	struct dout_img			*dd_img[2];
	const uint32_t			*dd_key;
	uint8_t				 dd_alpha;
	const struct qxl_cmd_composite	*dd_comp;
	const pixman_box32_t		*dd_bbox;
	uint16_t			 dd_op;
	uint8_t				 dd_rop3;
	const pixman_box32_t		*dd_src_area;
	uint8_t				 dd_scaled;
	int				 dd_linear;
	struct dout_surf_copy		*dd_surf;
	const pixman_region32_t		*dd_fix;
};

/*
 * May dd's image be lossy?  Where the drawing mixes or samples it and puts
 * the result (an alpha blend, a copy stretched with no raster
 * operation: JPEG's error stays as small); not where its very colours
 * count (a colour key must meet the colours it was given, a raster
 * operation turns a level off by one into any other).
 */
static int
dout_lossy_ok(const struct dout_draw *dd)
{
	return (dd->dd_op == 0 && dd->dd_key == NULL) ||
	    (dd->dd_src_area != NULL && dd->dd_ropd == SPICE_ROPD_OP_PUT);
}

/*
 * A drawing of one image for client dc: DRAW_TRANSPARENT or
 * DRAW_ALPHA_BLEND (a blend), DRAW_COPY with a raster operation,
 * DRAW_ROP3 or DRAW_OPAQUE (dd_op), its image from dout_put_image (lossy
 * where dout_lossy_ok: *lossy).  0, or -1 when it could not be built
 * (logged): then dc gets the area as damage.
 */
static int
dout_send_one_image(struct dout_client *dc, const struct dout_draw *dd,
    int *lossy)
{
	struct obuf *ob = &dc->dc_dout->d_enc;
	uint64_t id, ev[DCACHE_MAX], *evp = ev;
	uint16_t type = dd->dd_op;
	pixman_box32_t all = { 0, 0,
	    pixman_image_get_width(dd->dd_img[0]->di_img),
	    pixman_image_get_height(dd->dd_img[0]->di_img) };
	size_t pat_at = 0;
	int rc, n;

	chan_body_prepare(ob);
	obuf_reset(ob);
	switch (type) {
	case 0:
		ddraw_blend(ob, dd->dd_area, dd->dd_bbox, &all, dd->dd_key,
		    dd->dd_alpha);
		type = dd->dd_key != NULL ? SPICE_MSG_DISPLAY_DRAW_TRANSPARENT :
		    SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND;
		break;
	case SPICE_MSG_DISPLAY_DRAW_COPY:
		if (dd->dd_src_area != NULL)
			ddraw_copy_scaled(ob, dd->dd_area, dd->dd_bbox,
			    dd->dd_src_area, dd->dd_scaled, dd->dd_ropd);
		else
			ddraw_copy(ob, dd->dd_area, dd->dd_ropd);
		break;
	case SPICE_MSG_DISPLAY_DRAW_ROP3:
		ddraw_rop3(ob, dd->dd_area, dd->dd_color, dd->dd_pat, &pat_at,
		    dd->dd_rop3);
		break;
	default:
		ddraw_opaque(ob, dd->dd_area, dd->dd_color, dd->dd_pat,
		    &pat_at, dd->dd_ropd);
		break;
	}
	if ((rc = dout_put_image(dc, ob, dd->dd_img[0], dout_lossy_ok(dd),
	    lossy, &id, ev, &n)) < 0) {
		dout_abort_images(dc, 1, &rc, &id, &evp, &n);
		return -1;
	}
	if (dd->dd_pat != NULL && type != SPICE_MSG_DISPLAY_DRAW_COPY) {
		ddraw_point_here(ob, pat_at);
		ddraw_put_pattern(ob, dd->dd_pat, ++dc->dc_dout->d_image_id);
	}
	return dout_send_images(dc, ob, type, 1, &rc, &id, &evp, &n);
}

/* DRAW_COMPOSITE of dd for client dc (one that announced the cap), its
 * source (lossy where it may be: *lossy) and its mask (exact: the shape of
 * glyphs and edges) from dout_put_image.  0, or -1 as
 * dout_send_one_image. */
static int
dout_send_composite(struct dout_client *dc, const struct dout_draw *dd,
    int *lossy)
{
	struct obuf *ob = &dc->dc_dout->d_enc;
	uint64_t id[2] = { 0, 0 }, ev0[DCACHE_MAX], ev1[DCACHE_MAX];
	uint64_t *evp[2] = { ev0, ev1 };
	int rc[2] = { -1, -1 }, n[2] = { 0, 0 }, i, exact;
	size_t mask_at = 0;

	chan_body_prepare(ob);
	obuf_reset(ob);
	ddraw_composite(ob, dd->dd_area, dd->dd_bbox, dd->dd_comp,
	    dd->dd_img[1] != NULL, &mask_at);
	if ((rc[0] = dout_put_image(dc, ob, dd->dd_img[0], 1, lossy, &id[0],
	    ev0, &n[0])) < 0) {
		dout_abort_images(dc, 1, rc, id, evp, n);
		return -1;
	}
	if (dd->dd_img[1] != NULL) {
		ddraw_point_here(ob, mask_at);
		rc[1] = dout_put_image(dc, ob, dd->dd_img[1], 0, &exact,
		    &id[1], ev1, &n[1]);
		/* The mask's room in the cache must not have cost the
		 * source's name (a cache too small for both). */
		for (i = 0; rc[1] >= 0 && i < n[1]; i++)
			if (ev1[i] == id[0])
				rc[1] = -1;
		if (rc[1] < 0) {
			dout_abort_images(dc, 2, rc, id, evp, n);
			return -1;
		}
	}
	return dout_send_images(dc, ob, SPICE_MSG_DISPLAY_DRAW_COMPOSITE,
	    dd->dd_img[1] != NULL ? 2 : 1, rc, id, evp, n);
}

/* dd from dc's own copy of the off-screen surface, once dc holds what
 * it reads: as dout_surf_ready says, 0 sent. */
static int
dout_send_from_surface(struct dout_client *dc, const struct dout_draw *dd)
{
	const struct dout_surf_copy *sc = dd->dd_surf;
	struct obuf *ob;
	int rc;

	if ((rc = dout_surf_ready(dc, dd->dd_surf)) != 0)
		return rc;
	if (dd->dd_op == SPICE_MSG_DISPLAY_DRAW_COPY) {
		ob = chan_msg_begin(dc->dc_chan, SPICE_MSG_DISPLAY_DRAW_COPY);
		ddraw_copy_scaled(ob, dd->dd_area, dd->dd_bbox,
		    dd->dd_src_area, dd->dd_scaled, dd->dd_ropd);
	} else {
		ob = chan_msg_begin(dc->dc_chan, dd->dd_key != NULL ?
		    SPICE_MSG_DISPLAY_DRAW_TRANSPARENT :
		    SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND);
		ddraw_blend(ob, dd->dd_area, dd->dd_bbox, dd->dd_src_area,
		    dd->dd_key, dd->dd_alpha);
	}
	ddraw_put_surface_image(ob, ++dc->dc_dout->d_image_id, sc->dsc_id,
	    (uint32_t)pixman_image_get_width(sc->dsc_img),
	    (uint32_t)pixman_image_get_height(sc->dsc_img));
	chan_msg_end(dc->dc_chan);
	return 0;
}

/* Send dd to dc (*lossy set when an image went lossy): 0, or -1 when it
 * could not be built, 1 when dc should rather get its result (a drawing
 * from an off-screen surface: dout_surf_ready). */
static int
dout_send_draw(struct dout_client *dc, const struct dout_draw *dd,
    int *lossy)
{
	*lossy = 0;
	if (dd->dd_surf != NULL)
		return dout_send_from_surface(dc, dd);
	if (dd->dd_comp != NULL)
		return dout_send_composite(dc, dd, lossy);
	if (dd->dd_img[0] != NULL)
		return dout_send_one_image(dc, dd, lossy);
	if (dd->dd_text != NULL) {
		ddraw_text(chan_msg_begin(dc->dc_chan,
		    SPICE_MSG_DISPLAY_DRAW_TEXT), dd->dd_area, dd->dd_text,
		    dd->dd_color, dd->dd_back);
		chan_msg_end(dc->dc_chan);
	} else if (dd->dd_stroke != NULL) {
		ddraw_stroke(chan_msg_begin(dc->dc_chan,
		    SPICE_MSG_DISPLAY_DRAW_STROKE), dd->dd_area, dd->dd_stroke,
		    dd->dd_color, dd->dd_ropd);
		chan_msg_end(dc->dc_chan);
	} else
		dout_send_fill(dc, dd->dd_area, dd->dd_color, dd->dd_pat,
		    dd->dd_ropd);
	return 0;
}

/*
 * Send dd to each viewer with room in its window (a WebSocket viewer only
 * when box_ok: spice-html5 draws nothing but boxes put in one colour,
 * unclipped; a composite to those that announced the cap); the others get
 * damage as damage.  A viewer sent it keeps
 * its own damage as it was, but for exact when not NULL (where the
 * result does not depend on what was there): a bitwise function of each
 * old pixel, or glyphs blended over it, leave a pixel it had right right
 * and one it had wrong wrong.
 */
static void
dout_forward(struct dout *d, const pixman_region32_t *damage,
    const pixman_region32_t *exact, int box_ok, const struct dout_draw *dd)
{
	struct dout_client *dc, *next;
	int lossy;

	dout_cache_clear(d);
	for (dc = TAILQ_FIRST(&d->d_clients); dc != NULL; dc = next) {
		next = TAILQ_NEXT(dc, dc_entry);
		if (dc->dc_state != DC_ACTIVE || !dc->dc_surface)
			continue;
		if (!chan_can_send(dc->dc_chan) ||
		    (dc->dc_box_only && !box_ok) || (dd->dd_comp != NULL &&
		    !chan_has_cap(dc->dc_chan, SPICE_DISPLAY_CAP_COMPOSITE))) {
			dout_damage_client(dc, damage);
			continue;
		}
		dc->dc_busy++;
		if (dout_send_draw(dc, dd, &lossy) != 0)
			dout_damage_client(dc, damage);
		else if (!dc->dc_dead) {
			if (exact != NULL)
				pixman_region32_subtract(&dc->dc_damage,
				    &dc->dc_damage, (pixman_region32_t *)exact);
			dout_lossy_drawn(dc, damage, exact, dd->dd_linear);
			if (lossy)
				dout_lossy_add(dc, damage);
			if (dd->dd_fix != NULL)
				dout_damage_client(dc, dd->dd_fix);
		}
		dout_client_unbusy(dc);
	}
	dout_schedule(d);
}

/*
 * The render fill callback: area now holds rop3 of the brush (color, or
 * pat) and what it held.  Viewers are sent the fill itself (60 bytes and
 * 16 a rectangle, where its pixels would cost an image; a text selection
 * inverted, a box cleared; a pattern's image too, when that is at most
 * DOUT_MAX_PATTERN_BYTES and a quarter of the area's pixels raw).
 */
void
dout_fill(void *arg, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, uint8_t rop3)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_draw dd = { .dd_area = area, .dd_color = color,
	    .dd_ropd = dout_ropd(rop3), .dd_pat = pat };
	int n = pixman_region32_n_rects(a);
	uint64_t pat_bytes = pat != NULL ? dout_pattern_bytes(pat) : 0;

	if (dout_on_stream(d, a) || n > DOUT_MAX_FILL_RECTS ||
	    pat_bytes > DOUT_MAX_PATTERN_BYTES ||
	    pat_bytes > dout_extent_px(a)) {
		dout_damage(d, area);
		return;
	}
	dout_forward(d, area, render_rop3_uses(rop3, 1) ? NULL : area,
	    n == 1 && dd.dd_ropd == SPICE_ROPD_OP_PUT && pat == NULL, &dd);
}

/*
 * The render text callback: a string was drawn on area.  Viewers are
 * sent the string (DRAW_TEXT) when that costs less than its pixels: the
 * String at most a quarter of what they are raw (an A1 glyph is a bit a
 * pixel, an A4 one half a byte, 20 bytes of place and size each; an LZ4
 * image of text over a background a byte a pixel or more), and at most
 * DOUT_MAX_DRAW_BYTES.  The glyphs blend over what was there.
 */
void
dout_text(void *arg, const pixman_region32_t *area,
    const struct qxl_cmd_text *t, uint32_t fore, const uint32_t *back)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_draw dd = { .dd_area = area, .dd_color = fore,
	    .dd_text = t, .dd_back = back, .dd_linear = 1 };
	size_t bytes = ddraw_text_size(t);

	if (dout_on_stream(d, a) || bytes > DOUT_MAX_DRAW_BYTES ||
	    bytes > dout_extent_px(a) ||
	    pixman_region32_n_rects(a) > DOUT_MAX_FILL_RECTS) {
		dout_damage(d, area);
		return;
	}
	dout_forward(d, area, NULL, 0, &dd);
}

/* Is line l, a path of its own (bytes) clipped to its boxes, worth
 * sending: no more than its pixels raw and a fill, 16 bytes a box? */
static int
dout_line_worth(const struct render_line *l, size_t bytes)
{
	int n = pixman_region32_n_rects((pixman_region32_t *)&l->rl_clip);

	return n <= DOUT_MAX_FILL_RECTS &&
	    bytes + (size_t)n * 16 <= 64 + l->rl_px * 4;
}

/*
 * Lines of a stroke a viewer would not draw the same from its path
 * (dashes, a line leaving the primary): each is sent as a path of its
 * own (DRAW_STROKE) clipped to its dashes' boxes, under the path's rule
 * (no more than its pixels raw and a fill, the clip's 16 bytes a box
 * counted); the rest of drawn, the pixels of the lines not sent and
 * those in no line (loose) after them as damage.  Where a line's boxes hold another line's
 * pixels, that line is sent too or damaged after, so what it said was
 * exact there is made so.
 */
static void
dout_stroke_lines(struct dout *d, const pixman_region32_t *drawn,
    const pixman_region32_t *twice, const struct render_stroke_lines *sl,
    uint32_t color, uint8_t rop3)
{
	const struct render_line *lines = sl->sl_line;
	struct qxl_cmd_pointfix pts[2];
	struct qxl_cmd_pathseg seg = { SPICE_PATH_BEGIN | SPICE_PATH_END, 2,
	    pts };
	struct qxl_cmd_stroke st = { .nsegs = 1, .segs = &seg };
	struct dout_draw dd = { .dd_color = color, .dd_ropd = dout_ropd(rop3),
	    .dd_stroke = &st };
	pixman_region32_t rest, mine, unsent;
	pixman_region32_t *clip;
	int exact = !render_rop3_uses(rop3, 1);
	unsigned i;

	pixman_region32_init(&rest);
	pixman_region32_copy(&rest, (pixman_region32_t *)drawn);
	pixman_region32_init(&mine);
	pixman_region32_init(&unsent);
	for (i = 0; i < sl->sl_n; i++) {
		clip = (pixman_region32_t *)&lines[i].rl_clip;
		pixman_region32_intersect(&mine, clip,
		    (pixman_region32_t *)drawn);
		if (!dout_line_worth(&lines[i], ddraw_stroke_size(&st))) {
			pixman_region32_union(&unsent, &unsent, &mine);
			continue;
		}
		pts[0] = (struct qxl_cmd_pointfix){ lines[i].rl_x0 * 16,
		    lines[i].rl_y0 * 16 };
		pts[1] = (struct qxl_cmd_pointfix){ lines[i].rl_x1 * 16,
		    lines[i].rl_y1 * 16 };
		dd.dd_area = clip;
		dout_forward(d, &mine, exact ? &mine : NULL, 0, &dd);
		pixman_region32_subtract(&rest, &rest, &mine);
	}
	/* The pixels of lines not sent, wherever another's boxes held them,
	 * go back after every subtraction. */
	pixman_region32_union(&rest, &rest, &unsent);
	pixman_region32_fini(&unsent);
	if (sl->sl_loose != NULL)
		pixman_region32_union(&rest, &rest,
		    (pixman_region32_t *)sl->sl_loose);
	if (twice != NULL)
		pixman_region32_union(&rest, &rest, (pixman_region32_t *)twice);
	if (pixman_region32_not_empty(&rest))
		dout_damage(d, &rest);
	pixman_region32_fini(&mine);
	pixman_region32_fini(&rest);
}

/*
 * The render stroke callback: drawn (where the path crossed area) holds
 * rop3 of color and what was there.  Viewers are sent the path
 * (DRAW_STROKE) when the Path costs no more than the pixels drawn raw
 * and a DRAW_FILL (the least pixels cost), and at most
 * DOUT_MAX_DRAW_BYTES: a line's two points against each of its pixels;
 * or its lines, each on its own (dout_stroke_lines); then the pixels they
 * paint otherwise (twice, at most DOUT_MAX_TWICE_PX: an XOR crosshair's
 * centre) as damage.
 */
void
dout_stroke(void *arg, const pixman_region32_t *area,
    const pixman_region32_t *drawn, const pixman_region32_t *twice,
    const struct qxl_cmd_stroke *st, const struct render_stroke_lines *lines,
    uint32_t color, uint8_t rop3)
{
	struct dout *d = arg;
	pixman_region32_t *dr = (pixman_region32_t *)drawn;
	struct dout_draw dd = { .dd_area = area, .dd_color = color,
	    .dd_ropd = dout_ropd(rop3), .dd_stroke = st, .dd_fix = twice };
	size_t bytes = st != NULL ? ddraw_stroke_size(st) : 0;
	uint64_t px = dout_region_px(drawn);

	if (dout_on_stream(d, dr) || bytes > DOUT_MAX_DRAW_BYTES ||
	    bytes > 64 + px * 4 || (st != NULL && pixman_region32_n_rects(
	    (pixman_region32_t *)area) > DOUT_MAX_FILL_RECTS) ||
	    (twice != NULL && dout_region_px(twice) > DOUT_MAX_TWICE_PX)) {
		dout_damage(d, drawn);
		return;
	}
	if (st == NULL) {
		dout_stroke_lines(d, drawn, twice, lines, color, rop3);
		return;
	}
	dout_forward(d, drawn, render_rop3_uses(rop3, 1) ? NULL : drawn, 0,
	    &dd);
}

/* Whether a drawing of images of px pixels on a can be forwarded at all:
 * not across the video stream, within the clip's rectangles and the
 * images' cap; else it is damage. */
static int
dout_images_fit(const struct dout *d, pixman_region32_t *a, uint64_t px)
{
	return !dout_on_stream(d, a) &&
	    pixman_region32_n_rects(a) <= DOUT_MAX_FILL_RECTS &&
	    px <= DOUT_MAX_BLEND_PX;
}

/*
 * The render blend callback: src was put over area with a colour key or
 * an alpha, stretched over bbox when not NULL.  Viewers are sent the
 * source and the operation: an image as large as the result the first
 * time (often smaller: a sprite's keyed pixels are one colour, an icon's
 * are not mixed with a photograph under it; stretched, smaller), and a
 * name from their pixmap cache when the same source is drawn again,
 * wherever it lands.
 */
void
dout_blend(void *arg, const pixman_region32_t *area, pixman_image_t *src,
    const pixman_box32_t *bbox, const uint32_t *key, uint8_t alpha)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_img img;
	struct dout_draw dd = { .dd_area = area, .dd_img = { &img, NULL },
	    .dd_key = key, .dd_alpha = alpha, .dd_bbox = bbox,
	    .dd_linear = 1 };

	if (!dout_images_fit(d, a, (uint64_t)pixman_image_get_width(src) *
	    (uint64_t)pixman_image_get_height(src))) {
		dout_damage(d, area);
		return;
	}
	dout_img_init(&img, src, key == NULL &&
	    pixman_image_get_format(src) == PIXMAN_a8r8g8b8);
	dout_forward(d, area, NULL, 0, &dd);
	dout_img_fini(&img);
}

/*
 * The render copy callback: area holds rop3 of the brush colour, src and
 * what was there.  Viewers are sent the source and the operation: a plain
 * descriptor of it in a DRAW_COPY when it does not read the brush (the
 * same table as fills', the source in the brush's place, dout_copy_ropd);
 * DRAW_ROP3 with the colour when it
 * reads all three inputs (spice-common's rop3.c draws those 218 codes,
 * numbered as render numbers them, and aborts on the others);
 * DRAW_OPAQUE with the colour and a plain descriptor of the brush and the
 * source when it does not read the destination; a pattern brush's image
 * (at most DOUT_MAX_PATTERN_BYTES) after the source.  The source from or
 * into their pixmap cache: a masked icon drawn again with its two copies
 * costs two names.
 */
void
dout_copy(void *arg, const pixman_region32_t *area, pixman_image_t *src,
    uint32_t color, const struct render_pattern *pat, uint8_t rop3)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_img img;
	struct dout_draw dd = { .dd_area = area, .dd_img = { &img, NULL },
	    .dd_color = color, .dd_pat = pat, .dd_rop3 = rop3 };

	if (!render_rop3_uses(rop3, 4)) {
		dd.dd_op = SPICE_MSG_DISPLAY_DRAW_COPY;
		dd.dd_ropd = dout_copy_ropd(rop3);
	} else if (render_rop3_uses(rop3, 1))
		dd.dd_op = SPICE_MSG_DISPLAY_DRAW_ROP3;
	else {
		dd.dd_op = SPICE_MSG_DISPLAY_DRAW_OPAQUE;
		dd.dd_ropd = dout_opaque_ropd(rop3);
	}
	if ((dd.dd_op != SPICE_MSG_DISPLAY_DRAW_ROP3 && dd.dd_ropd == 0) ||
	    (pat != NULL && dout_pattern_bytes(pat) > DOUT_MAX_PATTERN_BYTES) ||
	    !dout_images_fit(d, a, dout_extent_px(a))) {
		dout_damage(d, area);
		return;
	}
	/* Bitwise on each pixel's bits: its RGB does not depend on the
	 * fourth byte, so the source goes as 32-bit whatever its format. */
	dout_img_init(&img, src, 0);
	dout_forward(d, area, render_rop3_uses(rop3, 1) ? NULL : area, 0, &dd);
	dout_img_fini(&img);
}

/*
 * The render scaled copy callback: rop3 of src_area of src stretched over
 * bbox, and what was there, on area.  Viewers are sent the source and the
 * operation (DRAW_COPY with a src_area of another size than its box, the
 * scale mode, a plain descriptor of rop3), which costs less than the
 * larger result; the source from or into their pixmap cache, its alpha
 * kept where interpolation weighs it (render_scaled_fn).
 */
void
dout_scaled(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, pixman_image_t *src,
    const pixman_box32_t *src_area, uint8_t scale_mode, uint8_t rop3)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_img img;
	struct dout_draw dd = { .dd_area = area, .dd_img = { &img, NULL },
	    .dd_op = SPICE_MSG_DISPLAY_DRAW_COPY, .dd_bbox = bbox,
	    .dd_src_area = src_area, .dd_scaled = scale_mode,
	    .dd_ropd = dout_copy_ropd(rop3) };

	if (dd.dd_ropd == 0 || !dout_images_fit(d, a,
	    (uint64_t)pixman_image_get_width(src) *
	    (uint64_t)pixman_image_get_height(src))) {
		dout_damage(d, area);
		return;
	}
	dout_img_init(&img, src, scale_mode ==
	    SPICE_IMAGE_SCALE_MODE_INTERPOLATE &&
	    pixman_image_get_format(src) == PIXMAN_a8r8g8b8);
	dout_forward(d, area, render_rop3_uses(rop3, 1) ? NULL : area, 0,
	    &dd);
	dout_img_fini(&img);
}

/* dd, from src_area of off-screen surface id (dout_send_from_surface),
 * to the viewers as dout_forward sends (exact as it says); the result as
 * damage where it cannot go at all. */
static void
dout_forward_from_surface(struct dout *d, struct dout_draw *dd, uint32_t id,
    const pixman_region32_t *exact)
{
	pixman_region32_t *a = (pixman_region32_t *)dd->dd_area;
	struct dout_surf_copy sc;

	if (!dout_images_fit(d, a, 0) || dout_surf_copy_init(&sc, d, a, id,
	    dd->dd_bbox != NULL ? dd->dd_bbox : pixman_region32_extents(a),
	    dd->dd_src_area, dd->dd_scaled) != 0) {
		dout_damage(d, a);
		return;
	}
	dd->dd_surf = &sc;
	dout_forward(d, a, exact, 0, dd);
	dout_surf_copy_fini(&sc);
}

/*
 * The render surface copy callback: rop3 of src_area of off-screen
 * surface id copied over bbox, and what was there, on area.  Viewers are
 * sent a DRAW_COPY from their own copy of the surface, after the parts
 * of it the copy reads that they lack, when those cost no more than the
 * result.
 */
void
dout_surface_copy(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, uint32_t id, const pixman_box32_t *src_area,
    uint8_t scale_mode, uint8_t rop3)
{
	struct dout_draw dd = { .dd_area = area, .dd_bbox = bbox,
	    .dd_src_area = src_area, .dd_scaled = scale_mode,
	    .dd_op = SPICE_MSG_DISPLAY_DRAW_COPY,
	    .dd_ropd = dout_copy_ropd(rop3) };

	if (dd.dd_ropd == 0)
		dout_damage(arg, area);
	else
		dout_forward_from_surface(arg, &dd, id,
		    render_rop3_uses(rop3, 1) ? NULL : area);
}

/*
 * The render surface blend callback: a colour key or an alpha blend of
 * src_area of off-screen surface id on area (stretched over bbox when
 * not NULL).  Viewers are sent DRAW_TRANSPARENT or DRAW_ALPHA_BLEND from
 * their own copy of the surface, as copies are.
 */
void
dout_surface_blend(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, uint32_t id, const pixman_box32_t *src_area,
    const uint32_t *key, uint8_t alpha)
{
	struct dout_draw dd = { .dd_area = area, .dd_bbox = bbox,
	    .dd_src_area = src_area, .dd_scaled =
	    SPICE_IMAGE_SCALE_MODE_NEAREST, .dd_key = key, .dd_alpha = alpha,
	    .dd_linear = 1 };

	dout_forward_from_surface(arg, &dd, id, NULL);
}

/*
 * The render composite callback: src (through mask) was composited onto
 * bbox within area.  Viewers that announced the cap are sent the images
 * and the operation (a glyph run's mask, an icon: often in their cache);
 * the others, composites across the video stream and those whose images
 * together pass DOUT_MAX_BLEND_PX get area as damage.
 */
void
dout_composite(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, pixman_image_t *src, pixman_image_t *mask,
    const struct qxl_cmd_composite *c)
{
	struct dout *d = arg;
	pixman_region32_t *a = (pixman_region32_t *)area;
	struct dout_img img[2];
	struct dout_draw dd = { .dd_area = area, .dd_comp = c,
	    .dd_bbox = bbox, .dd_img = { &img[0], mask != NULL ? &img[1] :
	    NULL }, .dd_linear = 1 };
	uint64_t px = (uint64_t)pixman_image_get_width(src) *
	    (uint64_t)pixman_image_get_height(src);

	if (mask != NULL)
		px += (uint64_t)pixman_image_get_width(mask) *
		    (uint64_t)pixman_image_get_height(mask);
	if (!dout_images_fit(d, a, px)) {
		dout_damage(d, area);
		return;
	}
	dout_img_init(&img[0], src,
	    pixman_image_get_format(src) == PIXMAN_a8r8g8b8);
	if (mask != NULL)
		dout_img_init(&img[1], mask,
		    pixman_image_get_format(mask) == PIXMAN_a8r8g8b8);
	dout_forward(d, area, NULL, 0, &dd);
	dout_img_fini(&img[0]);
	if (mask != NULL)
		dout_img_fini(&img[1]);
}

