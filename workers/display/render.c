/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render: surfaces as pixman images, and the plain FILL, COPY and
 * COPY_BITS; contracts in render.h and render-int.h.  Sources are made
 * in render-src.c.
 *
 * Semantics follow SPICE's canvas (SPICE-NOTES 3.2, 5.4): a drawable
 * touches bbox intersected with its clip rects; OP_PUT replaces pixels
 * (PIXMAN_OP_SRC, the alpha byte is copied, not blended); COPY scales
 * src_area onto bbox as the canvas does (interpolation reads the pixels
 * around src_area, and an edge of the source fades).
 */
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>

#include "log.h"
#include "motion.h"
#include "enc.h"
#include "render-int.h"
#include "scroll.h"

struct render *
render_new(render_damage_fn damage, void *arg)
{
	struct render *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->r_damage = damage;
	r->r_arg = arg;
	return r;
}

pixman_image_t *
render_as32(pixman_image_t *img, int32_t ox, int32_t oy, int w, int h)
{
	pixman_format_code_t pf = pixman_image_get_format(img);
	pixman_image_t *out;

	if (ox == 0 && oy == 0 && pixman_image_get_width(img) == w &&
	    pixman_image_get_height(img) == h &&
	    pixman_image_get_stride(img) > 0 && (pf == PIXMAN_x8r8g8b8 ||
	    pf == PIXMAN_a8r8g8b8))
		return pixman_image_ref(img);
	pf = PIXMAN_FORMAT_A(pf) > 0 ? PIXMAN_a8r8g8b8 : PIXMAN_x8r8g8b8;
	if ((out = pixman_image_create_bits(pf, w, h, NULL, 0)) != NULL)
		pixman_image_composite32(PIXMAN_OP_SRC, img, NULL, out, ox, oy,
		    0, 0, 0, 0, w, h);
	return out;
}

int
render_forwards(uint32_t surface, pixman_image_t *dst, int has_cb)
{
	return surface == 0 && has_cb &&
	    pixman_image_get_format(dst) == PIXMAN_x8r8g8b8;
}

int
render_box_within(const pixman_box32_t *b, pixman_image_t *img)
{
	return b->x1 >= 0 && b->y1 >= 0 &&
	    b->x2 <= pixman_image_get_width(img) &&
	    b->y2 <= pixman_image_get_height(img);
}

void
render_src_under(const pixman_box32_t *sa, const pixman_box32_t *bbox,
    const pixman_box32_t *ext, pixman_box32_t *in)
{
	in->x1 = sa->x1 + (ext->x1 - bbox->x1);
	in->y1 = sa->y1 + (ext->y1 - bbox->y1);
	in->x2 = in->x1 + (ext->x2 - ext->x1);
	in->y2 = in->y1 + (ext->y2 - ext->y1);
}

pixman_image_t *
render_forwarded_source(struct render *r, uint32_t surface,
    pixman_image_t *dst, pixman_region32_t *area, const struct render_src *src,
    int has_cb)
{
	if (!src->rs_is_surface || src->rs_surface == surface ||
	    !render_forwards(surface, dst, has_cb) ||
	    !pixman_region32_not_empty(area))
		return NULL;
	return render_surface(r, src->rs_surface);
}

void
render_set_damage(struct render *r, render_damage_fn damage,
    render_move_fn move, void *arg)
{
	r->r_damage = damage;
	r->r_move = move;
	r->r_arg = arg;
}

void
render_set_fill(struct render *r, render_fill_fn fill)
{
	r->r_fill = fill;
}

void
render_set_text(struct render *r, render_text_fn text)
{
	r->r_text = text;
}

void
render_set_stroke(struct render *r, render_stroke_fn stroke)
{
	r->r_stroke = stroke;
}

void
render_set_blend(struct render *r, render_blend_fn blend)
{
	r->r_blend = blend;
}

void
render_set_composite(struct render *r, render_composite_fn composite)
{
	r->r_composite = composite;
}

void
render_set_copy(struct render *r, render_copy_fn copy)
{
	r->r_copy = copy;
}

void
render_set_scaled(struct render *r, render_scaled_fn scaled)
{
	r->r_scaled = scaled;
}

void
render_set_surfaces(struct render *r, render_surface_copy_fn copy,
    render_surface_blend_fn blend, render_offscreen_fn changed)
{
	r->r_surf_copy = copy;
	r->r_surf_blend = blend;
	r->r_offscreen_cb = changed;
}

/*
 * A COPY of sa of src onto bbox with rop3 (a copy's code reading the
 * source) was drawn on area of surface dst: when src is another,
 * off-screen surface and dst the xRGB primary, to the surface copy
 * callback (render_surface_copy_fn; an unscaled copy's box cut to
 * area's extents, which lie within the primary) and 1; else 0, for the
 * caller to report it otherwise.
 */
static int
render_surface_copy_report(struct render *r, uint32_t surface,
    pixman_image_t *dst, pixman_region32_t *area, const pixman_box32_t *bbox,
    const struct render_src *src, const pixman_box32_t *sa,
    uint8_t scale_mode, uint8_t rop3)
{
	const pixman_box32_t *ext = pixman_region32_extents(area);
	pixman_box32_t box, in;
	pixman_image_t *s;

	if ((s = render_forwarded_source(r, surface, dst, area, src,
	    r->r_surf_copy != NULL)) == NULL)
		return 0;
	if (!render_scales(bbox, sa)) {
		box = *ext;
		render_src_under(sa, bbox, ext, &in);
		r->r_surf_copy(r->r_arg, area, &box, src->rs_surface, &in,
		    SPICE_IMAGE_SCALE_MODE_NEAREST, rop3);
		return 1;
	}
	if ((scale_mode != SPICE_IMAGE_SCALE_MODE_NEAREST &&
	    (scale_mode != SPICE_IMAGE_SCALE_MODE_INTERPOLATE ||
	    pixman_image_get_format(s) != PIXMAN_x8r8g8b8)) ||
	    !render_box_within(bbox, dst))
		return 0;
	r->r_surf_copy(r->r_arg, area, bbox, src->rs_surface, sa, scale_mode,
	    rop3);
	return 1;
}

/* The w x h part at (dx, dy) within area sa of src in 32 bits a pixel
 * (render_as32), for a callback; NULL if it cannot be had.  Its bits may
 * be those of *copy, freed after the part. */
static pixman_image_t *
render_src_part(struct render *r, uint32_t surface,
    const struct render_src *src, const pixman_box32_t *sa, int32_t dx,
    int32_t dy, int w, int h, uint8_t **copy)
{
	pixman_box32_t a = *sa;
	pixman_image_t *img, *part;
	struct spd_err err;
	int skip;

	*copy = NULL;
	if ((img = render_src_image(r, surface, src, &a, copy, &skip,
	    &err)) == NULL)
		return NULL;
	part = render_as32(img, a.x1 + dx, a.y1 + dy, w, h);
	pixman_image_unref(img);
	return part;
}

/*
 * A COPY of sa of src scaled to bbox with rop3 (a copy's code) was drawn
 * on area of surface dst: to the scaled callback when a viewer draws the
 * same from the source (render_scaled_fn: the canvas's stretch, which is
 * render_src_place's, from sa and, interpolated, the pixel around it;
 * scaled up, the source cheaper than the result; not from the primary
 * itself), else as damage.
 */
static void
render_scaled_report(struct render *r, uint32_t surface, pixman_image_t *dst,
    pixman_region32_t *area, const pixman_box32_t *bbox,
    const struct render_src *src, const pixman_box32_t *sa,
    uint8_t scale_mode, uint8_t rop3)
{
	pixman_box32_t g = *sa, in;
	uint64_t spx, dpx = (uint64_t)(bbox->x2 - bbox->x1) *
	    (uint64_t)(bbox->y2 - bbox->y1);
	pixman_image_t *part, *s = NULL;
	uint8_t *copy;

	if (src->rs_is_surface)
		s = render_surface(r, src->rs_surface);
	if (scale_mode == SPICE_IMAGE_SCALE_MODE_INTERPOLATE)
		render_box_grow1(sa, s != NULL ? pixman_image_get_width(s) :
		    (int)src->rs_bitmap.rb_width, s != NULL ?
		    pixman_image_get_height(s) : (int)src->rs_bitmap.rb_height,
		    &g);
	spx = (uint64_t)(g.x2 - g.x1) * (uint64_t)(g.y2 - g.y1);
	if (!render_forwards(surface, dst, r->r_scaled != NULL) ||
	    (src->rs_is_surface && s == NULL) ||
	    (scale_mode != SPICE_IMAGE_SCALE_MODE_NEAREST &&
	    scale_mode != SPICE_IMAGE_SCALE_MODE_INTERPOLATE) ||
	    (src->rs_is_surface && src->rs_surface == surface) ||
	    !render_box_within(bbox, dst) ||
	    spx >= dpx || spx > RENDER_REPORT_MAX_PX ||
	    !pixman_region32_not_empty(area)) {
		render_report(r, surface, area);
		return;
	}
	if ((part = render_src_part(r, surface, src, &g, 0, 0,
	    g.x2 - g.x1, g.y2 - g.y1, &copy)) == NULL)
		render_report(r, surface, area);
	else {
		in.x1 = sa->x1 - g.x1;
		in.y1 = sa->y1 - g.y1;
		in.x2 = sa->x2 - g.x1;
		in.y2 = sa->y2 - g.y1;
		r->r_scaled(r->r_arg, area, bbox, part, &in, scale_mode, rop3);
		pixman_image_unref(part);
	}
	free(copy);
}

void
render_free(struct render *r)
{
	if (r == NULL)
		return;
	r->r_offscreen_cb = NULL;	/* its owner is going too */
	render_surface_destroy_all(r);
	free(r);
}

static size_t
render_image_bytes(pixman_image_t *img)
{
	return (size_t)pixman_image_get_stride(img) *
	    (size_t)pixman_image_get_height(img);
}

int
render_surface_create(struct render *r, uint32_t id, uint32_t width,
    uint32_t height, uint32_t format, const uint8_t *pixels, int32_t stride,
    struct spd_err *err)
{
	pixman_format_code_t pf;
	pixman_image_t *img;
	size_t bytes, rowlen, astride, row;
	uint8_t *dst;

	if (id >= RENDER_MAX_SURFACES)
		return spd_err_set(err, "surface id %u out of range", id);
	if (r->r_surf[id] != NULL)
		return spd_err_set(err, "surface %u already exists", id);
	if (format == SPICE_SURFACE_FMT_32_xRGB)
		pf = PIXMAN_x8r8g8b8;
	else if (format == SPICE_SURFACE_FMT_32_ARGB)
		pf = PIXMAN_a8r8g8b8;
	else
		return spd_err_set(err, "surface %u: format %u not supported",
		    id, format);
	if (width == 0 || height == 0 || width > RENDER_MAX_DIM ||
	    height > RENDER_MAX_DIM)
		return spd_err_set(err, "surface %u: size %ux%u out of range",
		    id, width, height);
	rowlen = (size_t)width * 4;
	bytes = rowlen * height;
	if (id != 0 && bytes > RENDER_MAX_OFFSCREEN - r->r_offscreen)
		return spd_err_set(err, "surface %u: %zu bytes exceed the "
		    "off-screen cap (%zu in use)", id, bytes, r->r_offscreen);
	if (pixels != NULL) {
		astride = stride < 0 ? (size_t)-(int64_t)stride :
		    (size_t)stride;
		if (astride < rowlen || astride % 4 != 0)
			return spd_err_set(err, "surface %u: stride %d does "
			    "not fit width %u", id, stride, width);
	}
	/* pixman allocates and clears the bits itself. */
	if ((img = pixman_image_create_bits(pf, (int)width, (int)height, NULL,
	    0)) == NULL)
		return spd_err_set(err, "surface %u: out of memory for %ux%u",
		    id, width, height);
	if (pixels != NULL) {
		/* Row copies handle both memory orders without asking pixman
		 * to accept negative strides. */
		dst = (uint8_t *)pixman_image_get_data(img);
		astride = (size_t)pixman_image_get_stride(img);
		for (row = 0; row < height; row++)
			memcpy(dst + row * astride, pixels +
			    (ptrdiff_t)row * stride, rowlen);
	}
	r->r_surf[id] = img;
	if (id != 0)
		r->r_offscreen += render_image_bytes(img);
	return 0;
}

int
render_surface_destroy(struct render *r, uint32_t id, struct spd_err *err)
{
	if (id >= RENDER_MAX_SURFACES || r->r_surf[id] == NULL)
		return spd_err_set(err, "surface %u does not exist", id);
	if (id != 0)
		r->r_offscreen -= render_image_bytes(r->r_surf[id]);
	pixman_image_unref(r->r_surf[id]);
	r->r_surf[id] = NULL;
	if (id != 0 && r->r_offscreen_cb != NULL)
		r->r_offscreen_cb(r->r_arg, id, NULL);
	return 0;
}

void
render_surface_destroy_all(struct render *r)
{
	uint32_t id;

	for (id = 0; id < RENDER_MAX_SURFACES; id++)
		if (r->r_surf[id] != NULL)
			(void)render_surface_destroy(r, id, NULL);
}

pixman_image_t *
render_surface(struct render *r, uint32_t id)
{
	if (id >= RENDER_MAX_SURFACES)
		return NULL;
	return r->r_surf[id];
}

/*
 * The area a drawable may touch: bbox within the surface, within the clip
 * if there is one.  Initialises *out; the caller finishes it.
 */
void
render_target_region(pixman_image_t *dst, const pixman_box32_t *bbox,
    const pixman_region32_t *clip, pixman_region32_t *out)
{
	pixman_region32_t bounds;

	pixman_region32_init_rect(&bounds, 0, 0,
	    (unsigned)pixman_image_get_width(dst),
	    (unsigned)pixman_image_get_height(dst));
	pixman_region32_init(out);
	if (bbox->x1 < bbox->x2 && bbox->y1 < bbox->y2) {
		pixman_region32_reset(out, (pixman_box32_t *)bbox);
		pixman_region32_intersect(out, out, &bounds);
		if (clip != NULL)
			pixman_region32_intersect(out, out,
			    (pixman_region32_t *)clip);
	}
	pixman_region32_fini(&bounds);
}

/*
 * Coordinates far outside any surface are a broken command; refusing them
 * keeps every width and height computed from them free of overflow.
 */
int
render_box_sane(const pixman_box32_t *b, const char *what,
    struct spd_err *err)
{
	const int32_t lim = 1 << 24;

	if (b->x1 < -lim || b->x1 > lim || b->x2 < -lim || b->x2 > lim ||
	    b->y1 < -lim || b->y1 > lim || b->y2 < -lim || b->y2 > lim)
		return spd_err_set(err, "%s (%d,%d)-(%d,%d) out of range",
		    what, b->x1, b->y1, b->x2, b->y2);
	return 0;
}

void
render_report(struct render *r, uint32_t surface, pixman_region32_t *area)
{
	if (surface == 0 && r->r_damage != NULL &&
	    pixman_region32_not_empty(area))
		r->r_damage(r->r_arg, area);
}

void
render_fill_report(struct render *r, uint32_t surface, pixman_image_t *dst,
    pixman_region32_t *area, uint32_t color, const struct render_pattern *pat,
    uint8_t rop3)
{
	if (surface == 0 && r->r_fill != NULL &&
	    pixman_image_get_format(dst) == PIXMAN_x8r8g8b8) {
		if (pixman_region32_not_empty(area))
			r->r_fill(r->r_arg, area, color & 0xffffff, pat,
			    rop3);
	} else
		render_report(r, surface, area);
}

int
render_fill(struct render *r, uint32_t surface, const pixman_box32_t *bbox,
    const pixman_region32_t *clip, uint32_t color, uint16_t rop,
    struct spd_err *err)
{
	struct render_brush brush = { .rb_type = SPICE_BRUSH_TYPE_SOLID,
	    .rb_color = color };
	pixman_image_t *dst;
	pixman_region32_t area;
	pixman_box32_t *boxes;
	pixman_color_t pc;
	uint32_t value;
	uint8_t rop3;
	int n, rc = 0;

	if ((dst = render_surface(r, surface)) == NULL)
		return spd_err_set(err, "fill: surface %u does not exist",
		    surface);
	if (render_box_sane(bbox, "fill: bbox", err) != 0)
		return -1;
	render_target_region(dst, bbox, clip, &area);
	rop3 = render_ropd_to_rop3(rop, 1, SPICE_ROPD_INVERS_BRUSH,
	    SPICE_ROPD_INVERS_DEST);
	switch (rop3) {
	case 0xf0:	/* the brush */
	case 0x0f:	/* the brush inverted */
	case 0x00:	/* blackness */
	case 0xff:	/* whiteness */
		value = rop3 == 0xf0 ? color : rop3 == 0x0f ? ~color :
		    rop3 == 0 ? 0 : 0xffffffffu;
		/* pixman colours are 16 bits per channel; x * 257 maps
		 * 8-bit values exactly.  An xRGB surface gets an opaque
		 * colour, an ARGB surface the value's own alpha byte, as a
		 * raw store would. */
		pc.red = ((value >> 16) & 0xff) * 257;
		pc.green = ((value >> 8) & 0xff) * 257;
		pc.blue = (value & 0xff) * 257;
		pc.alpha = pixman_image_get_format(dst) == PIXMAN_a8r8g8b8 ?
		    (value >> 24) * 257 : 0xffff;
		boxes = pixman_region32_rectangles(&area, &n);
		if (n > 0)
			pixman_image_fill_boxes(PIXMAN_OP_SRC, dst, &pc, n,
			    boxes);
		render_fill_report(r, surface, dst, &area, color, NULL,
		    rop3);
		break;
	case 0xaa:	/* the destination as it is */
		break;
	default:
		/* Bitwise with the destination. */
		if ((rc = render_rop3_draw(r, surface, &area, &brush, NULL,
		    NULL, NULL, 0, rop3, err)) == 0)
			render_fill_report(r, surface, dst, &area, color,
			    NULL, rop3);
		break;
	}
	pixman_region32_fini(&area);
	return rc;
}

/* The order rectangles of a move by d[0], d[1] (dx, dy) are copied in:
 * the one whose source a later one's destination would overwrite goes
 * first, i.e. from the far end in the direction of the move (as X
 * servers copy regions). */
static int
render_move_order(const void *pa, const void *pb, void *arg)
{
	const pixman_box32_t *a = pa, *b = pb;
	const int32_t *d = arg;

	if (a->y1 != b->y1)
		return (a->y1 < b->y1) == (d[1] > 0) ? 1 : -1;
	if (a->x1 != b->x1)
		return (a->x1 < b->x1) == (d[0] > 0) ? 1 : -1;
	return 0;
}

/*
 * Move the pixels of dst that land on area by dx, dy in place: one
 * memmove a row, rows from the far end, rectangles in render_move_order,
 * with no snapshot of the source (which cost an allocation and a second
 * copy of the whole area).  The source lies inside dst (the caller
 * clipped area so).  -1 for formats under 8 bits a pixel, untouched.
 */
static int
render_move_within(pixman_image_t *dst, const pixman_region32_t *area,
    int32_t dx, int32_t dy)
{
	size_t bpp = PIXMAN_FORMAT_BPP(pixman_image_get_format(dst)) / 8;
	ptrdiff_t stride = pixman_image_get_stride(dst);
	uint8_t *base = (uint8_t *)pixman_image_get_data(dst);
	pixman_box32_t one, *boxes;
	const pixman_box32_t *rects;
	int32_t d[2] = { dx, dy };
	int n, i, y, y0, y1, step;

	if (bpp == 0)
		return -1;
	rects = pixman_region32_rectangles((pixman_region32_t *)area, &n);
	boxes = &one;
	if (n == 1)
		one = rects[0];
	else if (n > 1) {
		if ((boxes = malloc((size_t)n * sizeof(*boxes))) == NULL)
			return -1;
		memcpy(boxes, rects, (size_t)n * sizeof(*boxes));
		qsort_r(boxes, (size_t)n, sizeof(*boxes), render_move_order,
		    d);
	}
	for (i = 0; i < n; i++) {
		/* Moving down: the bottom row first. */
		y0 = dy > 0 ? boxes[i].y2 - 1 : boxes[i].y1;
		y1 = dy > 0 ? boxes[i].y1 - 1 : boxes[i].y2;
		step = dy > 0 ? -1 : 1;
		for (y = y0; y != y1; y += step)
			memmove(base + y * stride + (ptrdiff_t)boxes[i].x1 *
			    (ptrdiff_t)bpp, base + (y - dy) * stride +
			    (ptrdiff_t)(boxes[i].x1 - dx) * (ptrdiff_t)bpp,
			    (size_t)(boxes[i].x2 - boxes[i].x1) * bpp);
	}
	if (boxes != &one)
		free(boxes);
	return 0;
}

int
render_copy_bits(struct render *r, uint32_t surface,
    const pixman_box32_t *bbox, const pixman_region32_t *clip,
    int32_t src_x, int32_t src_y, struct spd_err *err)
{
	pixman_image_t *dst, *snap;
	pixman_region32_t area, inside;
	pixman_box32_t ext;
	int32_t dx, dy;

	if ((dst = render_surface(r, surface)) == NULL)
		return spd_err_set(err, "copy_bits: surface %u does not exist",
		    surface);
	if (render_box_sane(bbox, "copy_bits: bbox", err) != 0)
		return -1;
	if (src_x < 0 || src_y < 0 || src_x > 1 << 24 || src_y > 1 << 24)
		return spd_err_set(err, "copy_bits: source %d,%d out of range",
		    src_x, src_y);
	dx = bbox->x1 - src_x;
	dy = bbox->y1 - src_y;
	render_target_region(dst, bbox, clip, &area);
	/* Only where the source lies inside the surface too. */
	pixman_region32_init_rect(&inside, dx, dy,
	    (unsigned)pixman_image_get_width(dst),
	    (unsigned)pixman_image_get_height(dst));
	pixman_region32_intersect(&area, &area, &inside);
	pixman_region32_fini(&inside);
	if (!pixman_region32_not_empty(&area)) {
		pixman_region32_fini(&area);
		return 0;
	}
	if (render_move_within(dst, &area, dx, dy) != 0) {
		/* Less than a byte a pixel: through a snapshot. */
		ext = *pixman_region32_extents(&area);
		ext.x1 -= dx;
		ext.x2 -= dx;
		ext.y1 -= dy;
		ext.y2 -= dy;
		if ((snap = render_surface_source(dst, 1, &ext, err)) ==
		    NULL) {
			pixman_region32_fini(&area);
			return -1;
		}
		pixman_image_set_clip_region32(dst, &area);
		pixman_image_composite32(PIXMAN_OP_SRC, snap, NULL, dst, 0,
		    0, 0, 0, pixman_region32_extents(&area)->x1,
		    pixman_region32_extents(&area)->y1, ext.x2, ext.y2);
		pixman_image_set_clip_region32(dst, NULL);
		pixman_image_unref(snap);
	}
	if (surface == 0 && r->r_move != NULL)
		r->r_move(r->r_arg, &area, dx, dy);
	else
		render_report(r, surface, &area);
	pixman_region32_fini(&area);
	return 0;
}

/* Moves looked for in one bitmap. */
#define RENDER_MAX_MOVES	4
/* Fruitless scroll searches in a row after which it runs once in
 * RENDER_SCROLL_RETRY bitmaps (render_find_move). */
#define RENDER_SCROLL_MISSES	4
#define RENDER_SCROLL_RETRY	8

/* Each row of box e: the columns (from e->x1) between which region has
 * rectangles, in *lo and *hi (one allocation: free *lo).  -1 without
 * memory. */
static int
render_spans(const pixman_region32_t *region, const pixman_box32_t *e,
    int32_t **lo, int32_t **hi)
{
	const pixman_box32_t *rects;
	int32_t h = e->y2 - e->y1, y;
	int n, i;

	if ((*lo = malloc((size_t)h * 2 * sizeof(**lo))) == NULL)
		return -1;
	*hi = *lo + h;
	for (y = 0; y < h; y++) {
		(*lo)[y] = INT32_MAX;
		(*hi)[y] = 0;
	}
	rects = pixman_region32_rectangles((pixman_region32_t *)region, &n);
	for (i = 0; i < n; i++)
		for (y = rects[i].y1; y < rects[i].y2; y++) {
			if (y < e->y1 || y >= e->y2)
				continue;
			if (rects[i].x1 - e->x1 < (*lo)[y - e->y1])
				(*lo)[y - e->y1] = rects[i].x1 - e->x1;
			if (rects[i].x2 - e->x1 > (*hi)[y - e->y1])
				(*hi)[y - e->y1] = rects[i].x2 - e->x1;
		}
	return 0;
}

/* Is a w x h block of 32-bit pixels one colour?  The first row pixel by
 * pixel, the others against it with memcmp; stops at the first
 * difference, which most pictures have in their first row. */
static int
render_uniform(const uint8_t *p, ptrdiff_t stride, int w, int h)
{
	uint32_t c0, c;
	int x, y;

	memcpy(&c0, p, 4);
	for (x = 1; x < w; x++) {
		memcpy(&c, p + (size_t)x * 4, 4);
		if (c != c0)
			return 0;
	}
	for (y = 1; y < h; y++)
		if (memcmp(p + y * stride, p, (size_t)w * 4) != 0)
			return 0;
	return 1;
}

int
render_box_uniform(pixman_image_t *image, const pixman_box32_t *b,
    uint32_t *color)
{
	ptrdiff_t stride = pixman_image_get_stride(image);
	const uint8_t *p = (const uint8_t *)pixman_image_get_data(image) +
	    (ptrdiff_t)b->y1 * stride + (ptrdiff_t)b->x1 * 4;

	if (!render_uniform(p, stride, b->x2 - b->x1, b->y2 - b->y1))
		return 0;
	memcpy(color, p, 4);
	return 1;
}

/*
 * A bitmap about to be drawn unscaled over box e of the primary (where
 * it differs) that holds, in a band of rows (scroll.h) or else in a
 * rectangle (motion.h), what the primary has a few pixels away: that is
 * moved first (a COPY_BITS, which viewers copy), so that what the bitmap
 * still changes, and is sent, is only the rest.  1 when something moved,
 * else 0.
 */
static int
render_find_move(struct render *r, pixman_image_t *dst, pixman_image_t *img,
    const pixman_box32_t *bbox, const pixman_box32_t *sa,
    const pixman_region32_t *changed)
{
	const pixman_box32_t *e = pixman_region32_extents(
	    (pixman_region32_t *)changed);
	ptrdiff_t dstride = pixman_image_get_stride(dst);
	ptrdiff_t sstride = pixman_image_get_stride(img);
	const uint8_t *old = (const uint8_t *)pixman_image_get_data(dst) +
	    (ptrdiff_t)e->y1 * dstride + (ptrdiff_t)e->x1 * 4;
	const uint8_t *new = (const uint8_t *)pixman_image_get_data(img) +
	    (ptrdiff_t)(sa->y1 + e->y1 - bbox->y1) * sstride +
	    (ptrdiff_t)(sa->x1 + e->x1 - bbox->x1) * 4;
	struct scroll_band b;
	struct motion_rect m[RENDER_MAX_MOVES];
	int32_t *lo = NULL, *hi = NULL;
	pixman_box32_t band;
	pixman_region32_t done, src;
	struct spd_err err;
	int i, n, moved = 0;

	/* One colour is sent as a fill, whatever it replaces: no search
	 * (on it every row hash matches every other, its worst case). */
	if (render_uniform(new, sstride, e->x2 - e->x1, e->y2 - e->y1))
		return 0;
	/* Where it changed, row by row: the searches keep to that (none
	 * without memory for it: they then look everywhere). */
	if (render_spans(changed, e, &lo, &hi) != 0)
		lo = hi = NULL;
	/* Damage where whole rows never shift (a window moved beside a
	 * terminal, a video) makes the scroll search find nothing, frame
	 * after frame, at the price of hashing every changed row: after
	 * RENDER_SCROLL_MISSES such searches it runs one frame in
	 * RENDER_SCROLL_RETRY, until it finds a scroll again.  Nothing is
	 * lost meanwhile but CPU: the motion search below finds whole-row
	 * shifts too, at a higher cost. */
	if (r->r_scroll_skip > 0)
		r->r_scroll_skip--;
	else if (scroll_find_in(old, dstride, new, sstride, e->x2 - e->x1,
	    e->y2 - e->y1, lo, hi, &b) != 1) {
		if (++r->r_scroll_misses >= RENDER_SCROLL_MISSES)
			r->r_scroll_skip = RENDER_SCROLL_RETRY - 1;
	} else {
		r->r_scroll_misses = 0;
		free(lo);
		band = (pixman_box32_t){ e->x1, e->y1 + b.sb_y1, e->x2,
		    e->y1 + b.sb_y2 };
		if (render_copy_bits(r, 0, &band, NULL, e->x1,
		    band.y1 - b.sb_dy, &err) != 0)
			log_debug("scroll: %s", err.msg);
		return 1;
	}
	/* Not whole rows: things moved in any direction, each checked
	 * against the old content, so each is copied only while its
	 * source is untouched by the copies before it. */
	n = motion_find_in(old, dstride, new, sstride, e->x2 - e->x1,
	    e->y2 - e->y1, lo, hi, m, RENDER_MAX_MOVES);
	free(lo);
	if (n <= 0)
		return 0;
	pixman_region32_init(&done);
	for (i = 0; i < n; i++) {
		band = (pixman_box32_t){ e->x1 + m[i].mr_x1, e->y1 +
		    m[i].mr_y1, e->x1 + m[i].mr_x2, e->y1 + m[i].mr_y2 };
		pixman_region32_init_rect(&src, band.x1 - m[i].mr_dx,
		    band.y1 - m[i].mr_dy, (unsigned)(band.x2 - band.x1),
		    (unsigned)(band.y2 - band.y1));
		pixman_region32_intersect(&src, &src, &done);
		if (!pixman_region32_not_empty(&src) &&
		    render_copy_bits(r, 0, &band, NULL, band.x1 - m[i].mr_dx,
		    band.y1 - m[i].mr_dy, &err) == 0) {
			pixman_region32_union_rect(&done, &done, band.x1,
			    band.y1, (unsigned)(band.x2 - band.x1),
			    (unsigned)(band.y2 - band.y1));
			moved = 1;
		}
		pixman_region32_fini(&src);
	}
	pixman_region32_fini(&done);
	return moved;
}

static int
render_is_32bit(pixman_image_t *img)
{
	pixman_format_code_t f = pixman_image_get_format(img);

	return f == PIXMAN_x8r8g8b8 || f == PIXMAN_a8r8g8b8;
}

void
render_copy_report(struct render *r, uint32_t surface,
    pixman_region32_t *area, const struct render_src *src,
    const pixman_box32_t *bbox, const pixman_box32_t *src_area,
    const struct render_brush *brush, uint8_t rop3)
{
	pixman_image_t *dst = render_surface(r, surface);
	const pixman_box32_t *ext = pixman_region32_extents(area);
	const pixman_box32_t *sa = src_area;
	pixman_image_t *part = NULL;
	struct render_pattern pat = { NULL, 0, 0 };
	uint8_t *copy = NULL, *pat_copy = NULL;
	uint32_t color = 0;
	int fwd, w = ext->x2 - ext->x1, h = ext->y2 - ext->y1;

	if (!pixman_region32_not_empty(area) || rop3 == 0xaa || dst == NULL)
		return;		/* nothing was drawn */
	/* What does not read the source is a fill: a constant, the
	 * destination inverted, the brush with it. */
	if (!render_rop3_uses(rop3, 2)) {
		render_brush_report(r, surface, dst, area, brush, rop3);
		return;
	}
	fwd = render_forwards(surface, dst, r->r_copy != NULL);
	if (brush != NULL && brush->rb_type == SPICE_BRUSH_TYPE_SOLID)
		color = brush->rb_color & 0xffffff;
	if (brush != NULL && brush->rb_type == SPICE_BRUSH_TYPE_PATTERN &&
	    render_rop3_uses(rop3, 4) && (!fwd || render_pattern_get(r,
	    surface, brush, &pat, &pat_copy) != 0)) {
		render_report(r, surface, area);
		return;
	}
	if (fwd && (!src->rs_is_surface || src->rs_surface != surface) &&
	    bbox->x2 - bbox->x1 == sa->x2 - sa->x1 &&
	    bbox->y2 - bbox->y1 == sa->y2 - sa->y1 &&
	    (uint64_t)w * (uint64_t)h <= RENDER_REPORT_MAX_PX)
		part = render_src_part(r, surface, src, sa, ext->x1 - bbox->x1,
		    ext->y1 - bbox->y1, w, h, &copy);
	if (part == NULL)
		render_report(r, surface, area);
	else {
		r->r_copy(r->r_arg, area, part, color,
		    pat.rp_img != NULL ? &pat : NULL, rop3);
		pixman_image_unref(part);
	}
	free(copy);
	if (pat.rp_img != NULL)
		render_pattern_put(&pat, pat_copy);
}

int
render_copy(struct render *r, uint32_t surface, const pixman_box32_t *bbox,
    const pixman_region32_t *clip, const struct render_src *src,
    const pixman_box32_t *src_area, uint16_t rop, uint8_t scale_mode,
    struct spd_err *err)
{
	pixman_image_t *dst, *img;
	pixman_region32_t area;
	pixman_region32_t changed;
	pixman_box32_t sa, *boxes;
	uint32_t pixel;
	uint8_t *copy = NULL, rop3;
	int skip, dw, dh, sw, sh, rc, news, i, n;
	int32_t sx, sy;

	if ((dst = render_surface(r, surface)) == NULL)
		return spd_err_set(err, "surface %u does not exist",
		    surface);
	if (render_box_sane(bbox, "bbox", err) != 0 ||
	    render_box_sane(src_area, "source area", err) != 0)
		return -1;
	sa = *src_area;
	if (src->rs_is_surface) {
		if ((img = render_surface(r, src->rs_surface)) == NULL)
			return spd_err_set(err, "source surface %u does "
			    "not exist", src->rs_surface);
		sw = pixman_image_get_width(img);
		sh = pixman_image_get_height(img);
	} else {
		sw = (int)src->rs_bitmap.rb_width;
		sh = (int)src->rs_bitmap.rb_height;
	}
	if (sa.x1 < 0 || sa.y1 < 0 || sa.x1 >= sa.x2 || sa.y1 >= sa.y2 ||
	    sa.x2 > sw || sa.y2 > sh)
		return spd_err_set(err, "source area (%d,%d)-(%d,%d) "
		    "outside the %dx%d source", sa.x1, sa.y1, sa.x2, sa.y2,
		    sw, sh);

	render_target_region(dst, bbox, clip, &area);
	if (!pixman_region32_not_empty(&area)) {
		pixman_region32_fini(&area);
		return 0;
	}
	rop3 = render_ropd_to_rop3(rop, 0, SPICE_ROPD_INVERS_SRC,
	    SPICE_ROPD_INVERS_DEST);
	if (rop3 != 0xcc) {
		/* Anything but the source as it is: bitwise. */
		rc = render_rop3_draw(r, surface, &area, NULL, src, bbox, &sa,
		    scale_mode, rop3, err);
		if (rc == 0 && !(render_rop3_uses(rop3, 2) &&
		    render_surface_copy_report(r, surface, dst, &area, bbox,
		    src, &sa, scale_mode, rop3))) {
			if (render_scales(bbox, &sa) &&
			    render_rop3_uses(rop3, 2))
				render_scaled_report(r, surface, dst, &area,
				    bbox, src, &sa, scale_mode, rop3);
			else
				render_copy_report(r, surface, &area, src,
				    bbox, &sa, NULL, rop3);
		}
		pixman_region32_fini(&area);
		return rc;
	}
	if ((img = render_src_image(r, surface, src, &sa, &copy, &skip,
	    err)) == NULL) {
		pixman_region32_fini(&area);
		return skip ? RENDER_SKIP : -1;
	}

	dw = bbox->x2 - bbox->x1;
	dh = bbox->y2 - bbox->y1;
	sw = sa.x2 - sa.x1;
	sh = sa.y2 - sa.y1;
	/* A bitmap of one colour (what a damage-only producer reads of a
	 * new desktop background, or of an area cleared) is a fill: stored
	 * as the copy would store it and told as a fill, so that neither the
	 * row by row comparison below, nor composing it, nor display-out's
	 * search for one colour in the damage and the encoding run. */
	if (!src->rs_is_surface && surface == 0 && r->r_fill != NULL &&
	    dw == sw && dh == sh && render_is_32bit(img) &&
	    pixman_image_get_format(img) == pixman_image_get_format(dst) &&
	    render_uniform_copy(dst, img, &sa, &area, &pixel, &news)) {
		boxes = pixman_region32_rectangles(&area, &n);
		for (i = 0; news && i < n; i++)
			pixman_fill(pixman_image_get_data(dst),
			    pixman_image_get_stride(dst) / 4, 32, boxes[i].x1,
			    boxes[i].y1, boxes[i].x2 - boxes[i].x1,
			    boxes[i].y2 - boxes[i].y1, pixel);
		if (news)
			render_fill_report(r, surface, dst, &area, pixel,
			    NULL, 0xf0);
		pixman_image_unref(img);
		free(copy);
		pixman_region32_fini(&area);
		return 0;
	}
	/* Only what differs is news to the viewers (and needs drawing); a
	 * failed comparison (no memory) reports the whole area.  Within
	 * what differs, scrolls and moves in what a damage-only producer
	 * resends (a terminal scrolling while a window is dragged: up to
	 * RENDER_MAX_MOVES of them) are moved rather than sent (only over
	 * one rectangle: what is moved must lie inside what the command
	 * may draw), and what still differs after each is found again. */
	if (!src->rs_is_surface && surface == 0 && r->r_damage != NULL &&
	    dw == sw && dh == sh && render_is_32bit(img) &&
	    pixman_image_get_format(img) == pixman_image_get_format(dst) &&
	    render_changed_rows(dst, img, bbox, &sa, &area, &changed) == 0) {
		if (r->r_move != NULL &&
		    pixman_region32_n_rects(&area) == 1 &&
		    pixman_region32_not_empty(&changed) &&
		    render_find_move(r, dst, img, bbox, &sa, &changed) == 1) {
			pixman_region32_fini(&area);
			pixman_region32_init_rect(&area,
			    pixman_region32_extents(&changed)->x1,
			    pixman_region32_extents(&changed)->y1,
			    (unsigned)(pixman_region32_extents(&changed)->x2 -
			    pixman_region32_extents(&changed)->x1),
			    (unsigned)(pixman_region32_extents(&changed)->y2 -
			    pixman_region32_extents(&changed)->y1));
			pixman_region32_fini(&changed);
			if (render_changed_rows(dst, img, bbox, &sa, &area,
			    &changed) != 0)
				pixman_region32_init(&changed);
		}
		pixman_region32_fini(&area);
		area = changed;
	}
	render_src_place(img, bbox, &sa, scale_mode, &sx, &sy);
	pixman_image_set_clip_region32(dst, &area);
	pixman_image_composite32(PIXMAN_OP_SRC, img, NULL, dst, sx, sy, 0, 0,
	    bbox->x1, bbox->y1, dw, dh);
	pixman_image_set_clip_region32(dst, NULL);
	if (!render_surface_copy_report(r, surface, dst, &area, bbox, src,
	    &sa, scale_mode, 0xcc)) {
		if (dw != sw || dh != sh)
			render_scaled_report(r, surface, dst, &area, bbox, src,
			    &sa, scale_mode, 0xcc);
		else
			render_report(r, surface, &area);
	}
	pixman_image_unref(img);
	free(copy);
	pixman_region32_fini(&area);
	return 0;
}

void
render_box_src(pixman_image_t *image, const pixman_box32_t *b,
    struct enc_src *src)
{
	src->es_stride = (size_t)pixman_image_get_stride(image);
	src->es_data = (const uint8_t *)pixman_image_get_data(image) +
	    (size_t)b->y1 * src->es_stride + (size_t)b->x1 * 4;
	src->es_width = (uint32_t)(b->x2 - b->x1);
	src->es_height = (uint32_t)(b->y2 - b->y1);
}

