/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-draw: the QXL drawable parser and the renderer together
 * (workers/qxl/qxl-draw.c, workers/render-*.c) on arbitrary producer
 * memory: whatever parses is drawn, as the display worker would, onto a
 * 320x48 xRGB primary (wide enough for a row's changes to be split into
 * several spans, render-diff.c) with 16x8 off-screen surfaces beside it
 * (1 ARGB, 2 xRGB), damage, moves and the other reports as to the
 * display worker.
 *
 * Input: the bytes of memory slot 0, generation 0 (a QXLPHYSICAL is its
 * offset), with a QXLDrawable at offset 0; copied into an exact-size heap
 * buffer so that ASan sees any read past the slot.  Invariants: the
 * parser returns 0 or one of its error codes with a message; the renderer
 * returns 0, RENDER_SKIP or -1, with a message unless 0; the surfaces keep
 * their sizes; damage, moves, fills and strings lie within the primary (a
 * fill never empty, never a no-op; a string of A1 or A4 glyphs, in
 * colours of 24 bits, whose DRAW_TEXT body display-draw.c writes at its
 * size; a stroke of lines without dashes in a colour whatever was there,
 * the pixels two lines paint within what it drew, its DRAW_STROKE body
 * at its size, through an area of one rectangle a band, or its lines,
 * each with both ends on the primary and stepped as the canvas steps it
 * painting within its clip only pixels drawn, all of them kept by the
 * canvas's clipping; a copy, a colour key or a blend from an off-screen
 * surface as render_surface_copy_fn and _blend_fn say, a drawing on one
 * within it); nothing
 * leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>

#include "canvas-line.h"
#include "display-draw.h"
#include "enc.h"
#include "qxl-cmd.h"
#include "render.h"
#include "slots.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

#define FUZZ_PW	320
#define FUZZ_PH	48

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_inside(const pixman_region32_t *area)
{
	const pixman_box32_t *e = pixman_region32_extents(
	    (pixman_region32_t *)area);

	FUZZ_CHECK(!pixman_region32_not_empty((pixman_region32_t *)area) ||
	    (e->x1 >= 0 && e->y1 >= 0 && e->x2 <= FUZZ_PW &&
	    e->y2 <= FUZZ_PH));
}

static void
fuzz_damage(void *arg, const pixman_region32_t *area)
{
	fuzz_inside(area);
}

static void
fuzz_move(void *arg, const pixman_region32_t *dst, int32_t dx, int32_t dy)
{
	fuzz_inside(dst);
}

/* DisplayBase's bytes for area. */
static size_t
fuzz_base_len(const pixman_region32_t *area)
{
	int n;

	pixman_region32_rectangles((pixman_region32_t *)area, &n);
	return 21 + (n > 1 ? 4 + 16 * (size_t)n : 0);
}

/* The length of a DisplayBase with box bbox and area within it (a clip
 * unless the area is all of it). */
static size_t
fuzz_base_len_in(const pixman_region32_t *area, const pixman_box32_t *bbox)
{
	pixman_box32_t *rects;
	int n;

	rects = pixman_region32_rectangles((pixman_region32_t *)area, &n);
	return 21 + (n == 1 && rects[0].x1 == bbox->x1 &&
	    rects[0].y1 == bbox->y1 && rects[0].x2 == bbox->x2 &&
	    rects[0].y2 == bbox->y2 ? 0 : 4 + 16 * (size_t)n);
}

static void
fuzz_fill(void *arg, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, uint8_t rop3)
{
	pixman_format_code_t f;
	struct obuf ob;
	size_t w, h;

	fuzz_inside(area);
	FUZZ_CHECK(pixman_region32_not_empty((pixman_region32_t *)area));
	FUZZ_CHECK(rop3 != 0xaa && color <= 0xffffff);
	/* A code that reads a source is the copy callback's. */
	FUZZ_CHECK(!render_rop3_uses(rop3, 2));
	if (pat == NULL)
		return;
	/* A pattern: 32 bits a pixel, read by the fill, written as the
	 * fixed part, the image's descriptor and its rows. */
	f = pixman_image_get_format(pat->rp_img);
	FUZZ_CHECK(f == PIXMAN_x8r8g8b8 || f == PIXMAN_a8r8g8b8);
	FUZZ_CHECK(pixman_image_get_stride(pat->rp_img) > 0);
	FUZZ_CHECK(((rop3 >> 4) & 0xf) != (rop3 & 0xf));
	w = (size_t)pixman_image_get_width(pat->rp_img);
	h = (size_t)pixman_image_get_height(pat->rp_img);
	if (w * h > 4096)
		return;
	obuf_init(&ob);
	ddraw_fill(&ob, area, 0, pat, 1, SPICE_ROPD_OP_PUT);
	FUZZ_CHECK(!ob.ob_failed && ob.ob_len == fuzz_base_len(area) + 1 + 4 +
	    8 + 2 + 17 + 18 + 18 + w * h * 4);
	obuf_free(&ob);
}

static void
fuzz_text(void *arg, const pixman_region32_t *area,
    const struct qxl_cmd_text *t, uint32_t fore, const uint32_t *back)
{
	struct obuf ob;

	fuzz_inside(area);
	FUZZ_CHECK(pixman_region32_not_empty((pixman_region32_t *)area));
	FUZZ_CHECK(t->flags & (SPICE_STRING_FLAGS_RASTER_A1 |
	    SPICE_STRING_FLAGS_RASTER_A4));
	FUZZ_CHECK(fore <= 0xffffff && (back == NULL || *back <= 0xffffff));
	/* DisplayBase, then Text's fixed part, then the String. */
	obuf_init(&ob);
	ddraw_text(&ob, area, t, fore, back);
	FUZZ_CHECK(ob.ob_failed || ob.ob_len == fuzz_base_len(area) + 4 + 16 +
	    5 +
	    (back != NULL ? 5 : 1) + 4 + ddraw_text_size(t));
	obuf_free(&ob);
}

/* Line l's pixels in its clip are ones drawn (a viewer stepping the
 * whole line through its clip paints no other), at most l's count, and
 * the canvas's clipping keeps them all. */
static void
fuzz_line(const struct render_line *l, const pixman_region32_t *area,
    const pixman_region32_t *drawn)
{
	pixman_region32_t out;
	int32_t i, n, x, y;
	uint64_t in = 0;

	FUZZ_CHECK(l->rl_x0 >= 0 && l->rl_y0 >= 0 && l->rl_x0 < FUZZ_PW &&
	    l->rl_y0 < FUZZ_PH && l->rl_x1 >= 0 && l->rl_y1 >= 0 &&
	    l->rl_x1 < FUZZ_PW && l->rl_y1 < FUZZ_PH);
	FUZZ_CHECK(pixman_region32_not_empty(
	    (pixman_region32_t *)&l->rl_clip));
	pixman_region32_init(&out);
	pixman_region32_subtract(&out, (pixman_region32_t *)&l->rl_clip,
	    (pixman_region32_t *)area);
	FUZZ_CHECK(!pixman_region32_not_empty(&out));
	pixman_region32_fini(&out);
	FUZZ_CHECK(canvas_line_clipped_whole(l->rl_x0, l->rl_y0, l->rl_x1,
	    l->rl_y1, (pixman_region32_t *)&l->rl_clip));
	n = canvas_line_len(l->rl_x0, l->rl_y0, l->rl_x1, l->rl_y1);
	for (i = 0; i < n; i++) {
		canvas_line_pixel(l->rl_x0, l->rl_y0, l->rl_x1, l->rl_y1, i,
		    &x, &y);
		if (!pixman_region32_contains_point(
		    (pixman_region32_t *)&l->rl_clip, x, y, NULL))
			continue;
		FUZZ_CHECK(pixman_region32_contains_point(
		    (pixman_region32_t *)drawn, x, y, NULL));
		in++;
	}
	FUZZ_CHECK(in <= l->rl_px);
}

static void
fuzz_stroke(void *arg, const pixman_region32_t *area,
    const pixman_region32_t *drawn, const pixman_region32_t *twice,
    const struct qxl_cmd_stroke *st, const struct render_stroke_lines *lines,
    uint32_t color, uint8_t rop3)
{
	unsigned fn = (rop3 & 3) | ((rop3 >> 2) & 0xc);
	const pixman_box32_t *b;
	pixman_region32_t out;
	struct obuf ob;
	uint32_t i;
	int k, nb;

	fuzz_inside(area);
	fuzz_inside(drawn);
	FUZZ_CHECK(pixman_region32_not_empty((pixman_region32_t *)drawn));
	/* Pixels painted twice: some, all drawn, only under an operation
	 * that reads the destination. */
	if (twice != NULL) {
		FUZZ_CHECK(pixman_region32_not_empty(
		    (pixman_region32_t *)twice));
		FUZZ_CHECK(render_rop3_uses(rop3, 1));
		pixman_region32_init(&out);
		pixman_region32_subtract(&out, (pixman_region32_t *)twice,
		    (pixman_region32_t *)drawn);
		FUZZ_CHECK(!pixman_region32_not_empty(&out));
		pixman_region32_fini(&out);
	}
	FUZZ_CHECK(color <= 0xffffff);
	/* A function of the brush and the destination (not the identity,
	 * which draws nothing). */
	FUZZ_CHECK(fn != 0xa && rop3 == ((fn & 3) | (fn & 3) << 2 |
	    (fn & 0xc) << 2 | (fn & 0xc) << 4));
	if (st == NULL) {
		FUZZ_CHECK(lines->sl_n > 0 &&
		    lines->sl_n <= RENDER_STROKE_MAX_LINES);
		for (i = 0; i < lines->sl_n; i++)
			fuzz_line(&lines->sl_line[i], area, drawn);
		if (lines->sl_loose != NULL) {
			pixman_region32_init(&out);
			pixman_region32_subtract(&out, (pixman_region32_t *)
			    lines->sl_loose, (pixman_region32_t *)drawn);
			FUZZ_CHECK(!pixman_region32_not_empty(&out));
			pixman_region32_fini(&out);
		}
		return;
	}
	FUZZ_CHECK(lines == NULL);
	/* A path only through an area of one rectangle a band. */
	b = pixman_region32_rectangles((pixman_region32_t *)area, &nb);
	for (k = 1; k < nb; k++)
		FUZZ_CHECK(b[k].y1 != b[k - 1].y1);
	FUZZ_CHECK(!(st->line_flags & SPICE_LINE_FLAGS_STYLED));
	for (i = 0; i < st->nsegs; i++)
		FUZZ_CHECK(st->segs[i].count > 0);
	/* DisplayBase, Stroke's fixed part, the Path. */
	obuf_init(&ob);
	ddraw_stroke(&ob, area, st, color, SPICE_ROPD_OP_PUT);
	FUZZ_CHECK(ob.ob_failed || ob.ob_len == fuzz_base_len(area) + 4 + 1 +
	    5 + 4 + ddraw_stroke_size(st));
	obuf_free(&ob);
}

static void
fuzz_blend(void *arg, const pixman_region32_t *area, pixman_image_t *src,
    const pixman_box32_t *bbox, const uint32_t *key, uint8_t alpha)
{
	const pixman_box32_t *e = pixman_region32_extents(
	    (pixman_region32_t *)area);
	pixman_format_code_t f = pixman_image_get_format(src);
	struct spd_err err;
	struct enc_src es;
	struct obuf ob;
	size_t w = (size_t)(e->x2 - e->x1), h = (size_t)(e->y2 - e->y1),
	    start;

	fuzz_inside(area);
	FUZZ_CHECK(pixman_region32_not_empty((pixman_region32_t *)area));
	FUZZ_CHECK(f == PIXMAN_x8r8g8b8 || f == PIXMAN_a8r8g8b8);
	if (bbox == NULL)
		FUZZ_CHECK((size_t)pixman_image_get_width(src) == w &&
		    (size_t)pixman_image_get_height(src) == h);
	else {
		/* Stretched larger over bbox, on the primary, the area
		 * within it. */
		FUZZ_CHECK(bbox->x1 >= 0 && bbox->y1 >= 0 &&
		    bbox->x2 <= FUZZ_PW && bbox->y2 <= FUZZ_PH);
		FUZZ_CHECK(e->x1 >= bbox->x1 && e->y1 >= bbox->y1 &&
		    e->x2 <= bbox->x2 && e->y2 <= bbox->y2);
		w = (size_t)pixman_image_get_width(src);
		h = (size_t)pixman_image_get_height(src);
		FUZZ_CHECK((uint64_t)w * h < (uint64_t)(bbox->x2 - bbox->x1) *
		    (uint64_t)(bbox->y2 - bbox->y1));
	}
	FUZZ_CHECK(pixman_image_get_stride(src) >= (int)w * 4);
	FUZZ_CHECK(key == NULL ? alpha != 0 : *key <= 0xffffff);
	/* DisplayBase, the fixed part, the descriptor, a plain bitmap
	 * (RGBA when it has alpha) of every pixel read. */
	es.es_data = (const uint8_t *)pixman_image_get_data(src);
	es.es_stride = (size_t)pixman_image_get_stride(src);
	es.es_width = (uint32_t)w;
	es.es_height = (uint32_t)h;
	obuf_init(&ob);
	ddraw_blend(&ob, area, bbox, &(pixman_box32_t){ 0, 0, (int32_t)w,
	    (int32_t)h }, key, alpha);
	ddraw_put_image_desc(&ob, 1, SPICE_IMAGE_TYPE_BITMAP, 0, es.es_width,
	    es.es_height);
	start = ob.ob_len;
	FUZZ_CHECK(enc_bitmap_encode(&ob, &es, &err) == 0);
	if (key == NULL && f == PIXMAN_a8r8g8b8)
		FUZZ_CHECK(enc_label_rgba(&ob, start, SPICE_IMAGE_TYPE_BITMAP,
		    &err) == 0);
	FUZZ_CHECK(!ob.ob_failed && ob.ob_len == (bbox == NULL ?
	    fuzz_base_len(area) : fuzz_base_len_in(area, bbox)) +
	    (key != NULL ? 4 + 16 + 8 : 2 + 4 + 16) + 18 + 18 + w * h * 4);
	obuf_free(&ob);
}

/* The plain bitmap of a 32-bit image, descriptor first, labelled RGBA
 * when it has alpha. */
static void
fuzz_put_bitmap(struct obuf *ob, pixman_image_t *img)
{
	struct spd_err err;
	struct enc_src es;
	size_t start;

	es.es_data = (const uint8_t *)pixman_image_get_data(img);
	es.es_stride = (size_t)pixman_image_get_stride(img);
	es.es_width = (uint32_t)pixman_image_get_width(img);
	es.es_height = (uint32_t)pixman_image_get_height(img);
	ddraw_put_image_desc(ob, 1, SPICE_IMAGE_TYPE_BITMAP, 0, es.es_width,
	    es.es_height);
	start = ob->ob_len;
	FUZZ_CHECK(enc_bitmap_encode(ob, &es, &err) == 0);
	if (pixman_image_get_format(img) == PIXMAN_a8r8g8b8)
		FUZZ_CHECK(enc_label_rgba(ob, start, SPICE_IMAGE_TYPE_BITMAP,
		    &err) == 0);
}

static void
fuzz_composite(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, pixman_image_t *src, pixman_image_t *mask,
    const struct qxl_cmd_composite *c)
{
	pixman_image_t *img[2] = { src, mask };
	pixman_format_code_t f;
	struct obuf ob;
	size_t want, mask_at = 0, w, h, px = 0;
	int i, n;

	fuzz_inside(area);
	FUZZ_CHECK(pixman_region32_not_empty((pixman_region32_t *)area));
	FUZZ_CHECK(bbox->x1 >= 0 && bbox->y1 >= 0 && bbox->x2 <= FUZZ_PW &&
	    bbox->y2 <= FUZZ_PH && bbox->x1 < bbox->x2 && bbox->y1 < bbox->y2);
	/* The fixed part: flags, the pointers, the transforms (a mask's
	 * only with a mask), the origins. */
	pixman_region32_rectangles((pixman_region32_t *)area, &n);
	want = 21 + 4 + 16 * (size_t)n + 4 + 4 + (mask != NULL ? 4 : 0) +
	    (c->has_src_transform ? 24 : 0) +
	    (mask != NULL && c->has_mask_transform ? 24 : 0) + 8;
	for (i = 0; i < 2; i++) {
		if (img[i] == NULL)
			continue;
		f = pixman_image_get_format(img[i]);
		FUZZ_CHECK(f == PIXMAN_x8r8g8b8 || f == PIXMAN_a8r8g8b8);
		w = (size_t)pixman_image_get_width(img[i]);
		h = (size_t)pixman_image_get_height(img[i]);
		FUZZ_CHECK(pixman_image_get_stride(img[i]) >= (int)w * 4);
		px += w * h;
		if (w * h > 65536)
			return;
		want += 18 + 18 + w * h * 4;
	}
	/* Transformed, the images are no larger than the result. */
	FUZZ_CHECK((!c->has_src_transform && !c->has_mask_transform) ||
	    px <= (size_t)(bbox->x2 - bbox->x1) * (size_t)(bbox->y2 - bbox->y1));
	/* DisplayBase with the bbox and the area as clip (or none when it
	 * is the bbox), the fixed part, the source, the mask. */
	obuf_init(&ob);
	ddraw_composite(&ob, area, bbox, c, mask != NULL, &mask_at);
	if (n == 1 && memcmp(pixman_region32_extents(
	    (pixman_region32_t *)area), bbox, sizeof(*bbox)) == 0)
		want -= 4 + 16;
	fuzz_put_bitmap(&ob, src);
	if (mask != NULL) {
		ddraw_point_here(&ob, mask_at);
		FUZZ_CHECK((ob.ob_data[mask_at] | ob.ob_data[mask_at + 1] << 8 |
		    ob.ob_data[mask_at + 2] << 16 |
		    (uint32_t)ob.ob_data[mask_at + 3] << 24) == ob.ob_len);
		fuzz_put_bitmap(&ob, mask);
	}
	FUZZ_CHECK(!ob.ob_failed && ob.ob_len == want);
	obuf_free(&ob);
}

static void
fuzz_copy(void *arg, const pixman_region32_t *area, pixman_image_t *src,
    uint32_t color, const struct render_pattern *pat, uint8_t rop3)
{
	const pixman_box32_t *e = pixman_region32_extents(
	    (pixman_region32_t *)area);
	pixman_format_code_t f = pixman_image_get_format(src);
	struct obuf ob;
	size_t w = (size_t)(e->x2 - e->x1), h = (size_t)(e->y2 - e->y1);
	size_t pat_at = 0, pat_len = 0;

	fuzz_inside(area);
	FUZZ_CHECK(pixman_region32_not_empty((pixman_region32_t *)area));
	FUZZ_CHECK(f == PIXMAN_x8r8g8b8 || f == PIXMAN_a8r8g8b8);
	FUZZ_CHECK((size_t)pixman_image_get_width(src) == w &&
	    (size_t)pixman_image_get_height(src) == h);
	FUZZ_CHECK(rop3 != 0xaa && color <= 0xffffff);
	/* A code that does not read the source is a fill. */
	FUZZ_CHECK(render_rop3_uses(rop3, 2));
	/* A pattern only where it is read, as fills take one. */
	if (pat != NULL) {
		f = pixman_image_get_format(pat->rp_img);
		FUZZ_CHECK(render_rop3_uses(rop3, 4) && color == 0);
		FUZZ_CHECK(f == PIXMAN_x8r8g8b8 || f == PIXMAN_a8r8g8b8);
		FUZZ_CHECK(pixman_image_get_stride(pat->rp_img) > 0);
		pat_len = 8 + 18 + 18 + (size_t)pixman_image_get_width(
		    pat->rp_img) * (size_t)pixman_image_get_height(
		    pat->rp_img) * 4;
		if (pat_len > 16384 + 44)
			return;
	}
	/* DisplayBase, Copy's, Rop3's or Opaque's fixed part, the bitmap,
	 * a pattern's position and image. */
	obuf_init(&ob);
	if (!render_rop3_uses(rop3, 4))
		ddraw_copy(&ob, area, SPICE_ROPD_OP_XOR);
	else if (render_rop3_uses(rop3, 1))
		ddraw_rop3(&ob, area, color, pat, &pat_at, rop3);
	else
		ddraw_opaque(&ob, area, color, pat, &pat_at, SPICE_ROPD_OP_XOR);
	fuzz_put_bitmap(&ob, src);
	if (pat != NULL) {
		ddraw_point_here(&ob, pat_at);
		ddraw_put_pattern(&ob, pat, 1);
	}
	FUZZ_CHECK(!ob.ob_failed && ob.ob_len == fuzz_base_len(area) + 4 + 16 +
	    (!render_rop3_uses(rop3, 4) ? 2 : render_rop3_uses(rop3, 1) ?
	    5 + 1 : 5 + 2) + 1 + 17 + 18 + 18 + w * h * 4 + pat_len);
	obuf_free(&ob);
}

static void
fuzz_scaled(void *arg, const pixman_region32_t *area, const pixman_box32_t *bbox,
    pixman_image_t *src, const pixman_box32_t *sa, uint8_t scale_mode,
    uint8_t rop3)
{
	pixman_region32_t *a = (pixman_region32_t *)area;
	const pixman_box32_t *e = pixman_region32_extents(a);
	pixman_format_code_t f = pixman_image_get_format(src);
	size_t w = (size_t)pixman_image_get_width(src);
	size_t h = (size_t)pixman_image_get_height(src), base;
	struct obuf ob;

	fuzz_inside(area);
	FUZZ_CHECK(pixman_region32_not_empty(a));
	FUZZ_CHECK(f == PIXMAN_x8r8g8b8 || f == PIXMAN_a8r8g8b8);
	FUZZ_CHECK(pixman_image_get_stride(src) > 0);
	/* A copy's code: the source read, no brush. */
	FUZZ_CHECK(render_rop3_uses(rop3, 2) && !render_rop3_uses(rop3, 4));
	/* bbox on the primary, the area within it, the source smaller. */
	FUZZ_CHECK(bbox->x1 >= 0 && bbox->y1 >= 0 && bbox->x2 <= FUZZ_PW &&
	    bbox->y2 <= FUZZ_PH);
	FUZZ_CHECK(e->x1 >= bbox->x1 && e->y1 >= bbox->y1 &&
	    e->x2 <= bbox->x2 && e->y2 <= bbox->y2);
	FUZZ_CHECK((uint64_t)w * h < (uint64_t)(bbox->x2 - bbox->x1) *
	    (uint64_t)(bbox->y2 - bbox->y1));
	/* The source area within the image: all of it when nearest, within
	 * a pixel of its edges when interpolated. */
	FUZZ_CHECK(sa->x1 >= 0 && sa->y1 >= 0 && sa->x1 < sa->x2 &&
	    sa->y1 < sa->y2 && (size_t)sa->x2 <= w && (size_t)sa->y2 <= h);
	if (scale_mode == SPICE_IMAGE_SCALE_MODE_NEAREST)
		FUZZ_CHECK(sa->x1 == 0 && sa->y1 == 0 && (size_t)sa->x2 == w &&
		    (size_t)sa->y2 == h);
	else
		FUZZ_CHECK(scale_mode == SPICE_IMAGE_SCALE_MODE_INTERPOLATE &&
		    sa->x1 <= 1 && sa->y1 <= 1 && (size_t)sa->x2 + 1 >= w &&
		    (size_t)sa->y2 + 1 >= h);
	/* DisplayBase with bbox, Copy's fixed part, the bitmap. */
	base = fuzz_base_len_in(area, bbox);
	obuf_init(&ob);
	ddraw_copy_scaled(&ob, area, bbox, sa, scale_mode, SPICE_ROPD_OP_PUT);
	fuzz_put_bitmap(&ob, src);
	FUZZ_CHECK(!ob.ob_failed && ob.ob_len == base + 4 + 16 + 2 + 1 + 17 +
	    18 + 18 + w * h * 4);
	obuf_free(&ob);
}

/* A copy from off-screen surface 1 (16x8 ARGB) or 2 (16x8 xRGB): area
 * within bbox within the primary, the source area within the surface,
 * unscaled (NEAREST) or stretched, interpolated only from the xRGB one;
 * a copy's code; its DRAW_COPY at its size. */
static void
fuzz_surface_copy(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, uint32_t id, const pixman_box32_t *sa,
    uint8_t scale_mode, uint8_t rop3)
{
	pixman_region32_t *a = (pixman_region32_t *)area;
	const pixman_box32_t *e = pixman_region32_extents(a);
	struct obuf ob;
	size_t base;

	FUZZ_CHECK(pixman_region32_not_empty(a));
	FUZZ_CHECK(id == 1 || id == 2);
	FUZZ_CHECK(render_rop3_uses(rop3, 2) && !render_rop3_uses(rop3, 4));
	FUZZ_CHECK(bbox->x1 >= 0 && bbox->y1 >= 0 && bbox->x2 <= FUZZ_PW &&
	    bbox->y2 <= FUZZ_PH);
	FUZZ_CHECK(e->x1 >= bbox->x1 && e->y1 >= bbox->y1 &&
	    e->x2 <= bbox->x2 && e->y2 <= bbox->y2);
	FUZZ_CHECK(sa->x1 >= 0 && sa->y1 >= 0 && sa->x1 < sa->x2 &&
	    sa->y1 < sa->y2 && sa->x2 <= 16 && sa->y2 <= 8);
	if (bbox->x2 - bbox->x1 == sa->x2 - sa->x1 &&
	    bbox->y2 - bbox->y1 == sa->y2 - sa->y1)
		FUZZ_CHECK(scale_mode == SPICE_IMAGE_SCALE_MODE_NEAREST);
	else
		FUZZ_CHECK(scale_mode == SPICE_IMAGE_SCALE_MODE_NEAREST ||
		    (scale_mode == SPICE_IMAGE_SCALE_MODE_INTERPOLATE &&
		    id == 2));
	base = fuzz_base_len_in(area, bbox);
	obuf_init(&ob);
	ddraw_copy_scaled(&ob, area, bbox, sa, scale_mode, SPICE_ROPD_OP_PUT);
	ddraw_put_surface_image(&ob, 1, id, 16, 8);
	FUZZ_CHECK(!ob.ob_failed && ob.ob_len == base + 4 + 16 + 2 + 1 + 17 +
	    18 + 4);
	obuf_free(&ob);
}

/* A colour key from off-screen surface 1 or 2, or an alpha blend from 2
 * (xRGB): area on
 * the primary; unscaled, the source area its extents' size within the
 * surface; stretched, bbox on the primary and larger; its body at its
 * size. */
static void
fuzz_surface_blend(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, uint32_t id, const pixman_box32_t *sa,
    const uint32_t *key, uint8_t alpha)
{
	pixman_region32_t *a = (pixman_region32_t *)area;
	const pixman_box32_t *e = pixman_region32_extents(a);
	struct obuf ob;
	size_t base;

	fuzz_inside(area);
	FUZZ_CHECK(pixman_region32_not_empty(a));
	FUZZ_CHECK(id == 1 || id == 2);
	FUZZ_CHECK(key == NULL ? alpha != 0 : *key <= 0xffffff);
	/* An alpha blend from the xRGB surface only. */
	FUZZ_CHECK(key != NULL || id == 2);
	FUZZ_CHECK(sa->x1 >= 0 && sa->y1 >= 0 && sa->x1 < sa->x2 &&
	    sa->y1 < sa->y2 && sa->x2 <= 16 && sa->y2 <= 8);
	if (bbox == NULL)
		FUZZ_CHECK(sa->x2 - sa->x1 == e->x2 - e->x1 &&
		    sa->y2 - sa->y1 == e->y2 - e->y1);
	else
		FUZZ_CHECK(bbox->x1 >= 0 && bbox->y1 >= 0 &&
		    bbox->x2 <= FUZZ_PW && bbox->y2 <= FUZZ_PH &&
		    e->x1 >= bbox->x1 && e->y1 >= bbox->y1 &&
		    e->x2 <= bbox->x2 && e->y2 <= bbox->y2 &&
		    (int64_t)(sa->x2 - sa->x1) * (sa->y2 - sa->y1) <
		    (int64_t)(bbox->x2 - bbox->x1) * (bbox->y2 - bbox->y1));
	base = bbox != NULL ? fuzz_base_len_in(area, bbox) :
	    fuzz_base_len(area);
	obuf_init(&ob);
	ddraw_blend(&ob, area, bbox, sa, key, alpha);
	ddraw_put_surface_image(&ob, 1, id, 16, 8);
	FUZZ_CHECK(!ob.ob_failed && ob.ob_len == base + (key != NULL ? 28 :
	    22) + 18 + 4);
	obuf_free(&ob);
}

/* A drawing on an off-screen surface: within it (a destruction is not
 * told here: render_free drops the callback first). */
static void
fuzz_offscreen(void *arg, uint32_t id, const pixman_region32_t *changed)
{
	const pixman_box32_t *e;

	FUZZ_CHECK((id == 1 || id == 2) && changed != NULL);
	e = pixman_region32_extents((pixman_region32_t *)changed);
	FUZZ_CHECK(pixman_region32_not_empty((pixman_region32_t *)changed) &&
	    e->x1 >= 0 && e->y1 >= 0 && e->x2 <= 16 && e->y2 <= 8);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qxl_cmd_draw d;
	struct render *r;
	struct spd_err err;
	struct slots s;
	uint8_t *mem;
	int rc;

	if (size == 0 || size > QXL_CMD_MAX_DATA)
		return 0;
	if ((mem = malloc(size)) == NULL)
		return 0;
	memcpy(mem, data, size);
	slots_init(&s);
	FUZZ_CHECK(slots_add(&s, 0, 0, mem, size, &err) == 0);
	memset(&err, 0, sizeof(err));
	rc = qxl_cmd_parse_draw(&s, 0, &d, &err);
	FUZZ_CHECK(rc == 0 || rc == QXL_CMD_EFAULT ||
	    rc == QXL_CMD_EUNSUPPORTED);
	if (rc == 0) {
		FUZZ_CHECK((r = render_new(fuzz_damage, NULL)) != NULL);
		render_set_damage(r, fuzz_damage, fuzz_move, NULL);
		render_set_fill(r, fuzz_fill);
		render_set_text(r, fuzz_text);
		render_set_stroke(r, fuzz_stroke);
		render_set_blend(r, fuzz_blend);
		render_set_composite(r, fuzz_composite);
		render_set_copy(r, fuzz_copy);
		render_set_scaled(r, fuzz_scaled);
		render_set_surfaces(r, fuzz_surface_copy, fuzz_surface_blend,
		    fuzz_offscreen);
		FUZZ_CHECK(render_surface_create(r, 0, FUZZ_PW, FUZZ_PH,
		    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err) == 0);
		FUZZ_CHECK(render_surface_create(r, 1, 16, 8,
		    SPICE_SURFACE_FMT_32_ARGB, NULL, 0, &err) == 0);
		FUZZ_CHECK(render_surface_create(r, 2, 16, 8,
		    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err) == 0);
		memset(&err, 0, sizeof(err));
		rc = render_draw(r, &d, &err);
		FUZZ_CHECK(rc == 0 || rc == RENDER_SKIP || rc == -1);
		FUZZ_CHECK(rc == 0 || err.msg[0] != '\0');
		FUZZ_CHECK(pixman_image_get_width(render_surface(r, 0)) ==
		    FUZZ_PW);
		FUZZ_CHECK(pixman_image_get_height(render_surface(r, 1)) == 8);
		render_free(r);
		qxl_cmd_draw_free(&d);
	} else
		FUZZ_CHECK(err.msg[0] != '\0');
	slots_clear(&s);
	free(mem);
	return 0;
}
