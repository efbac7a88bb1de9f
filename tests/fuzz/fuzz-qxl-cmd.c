/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-qxl-cmd: the QXL command parser (workers/qxl/qxl-cmd.c, slots.c) on
 * arbitrary producer memory.
 *
 * Input: the bytes of memory slot 0, generation 0, so a QXLPHYSICAL inside
 * the input is simply its offset.  A QXLDrawable and a QXLSurfaceCmd are
 * both parsed at offset 0 (and a primary surface described by the first 24
 * bytes), and a QXLCursorCmd at offset 0 too.  The input is copied into an exact-size heap buffer so that ASan
 * catches any read past the slot.  Invariants: the result is 0 or one of
 * the two error codes; an error leaves a message and nothing allocated; a
 * parsed drawable has a known type, a non-empty bbox inside the caps, a
 * capped clip list with valid rects, and for every image it uses (source,
 * pattern, mask, composite mask) a known format, a stride that holds a
 * row, size = |stride| * height bytes around its rows and a palette of at
 * most 2^bpp entries, in the slot or in a private copy (touched
 * completely, so ASan checks them); glyph rows and path points likewise; a parsed surface has sane dimensions and, with initial content,
 * every row of it readable in the slot; a parsed cursor SET has a known
 * shape type within the caps, its hot spot inside, and exactly
 * qxl_cmd_cursor_size() private bytes (touched completely).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spice/qxl_dev.h>
#include <spice/enums.h>

#include "slots.h"
#include "qxl-cmd.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_rect(const struct qxl_cmd_rect *r, int allow_empty)
{
	FUZZ_CHECK(r->left >= 0 && r->top >= 0);
	FUZZ_CHECK(r->right <= QXL_CMD_MAX_DIM && r->bottom <= QXL_CMD_MAX_DIM);
	FUZZ_CHECK(r->left <= r->right && r->top <= r->bottom);
	if (!allow_empty)
		FUZZ_CHECK(r->left < r->right && r->top < r->bottom);
}

static uint32_t
fuzz_sum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	while (n-- > 0)
		s += *p++;
	return s;
}

static volatile uint32_t fuzz_sink;

/* Bits per pixel of a bitmap format the parser accepted. */
static size_t
fuzz_bpp(uint8_t fmt)
{
	switch (fmt) {
	case SPICE_BITMAP_FMT_1BIT_LE:
	case SPICE_BITMAP_FMT_1BIT_BE:
		return 1;
	case SPICE_BITMAP_FMT_4BIT_LE:
	case SPICE_BITMAP_FMT_4BIT_BE:
		return 4;
	case SPICE_BITMAP_FMT_8BIT:
	case SPICE_BITMAP_FMT_8BIT_A:
		return 8;
	case SPICE_BITMAP_FMT_16BIT:
		return 16;
	case SPICE_BITMAP_FMT_24BIT:
		return 24;
	case SPICE_BITMAP_FMT_32BIT:
	case SPICE_BITMAP_FMT_RGBA:
		return 32;
	default:
		abort();
	}
}

/* An image a drawable uses: a surface id in range, or a bitmap whose
 * rows and palette are all readable (touched, so ASan checks them). */
static void
fuzz_image(const struct qxl_cmd_image *img)
{
	size_t astride;
	const uint8_t *lowest;

	if (img->kind == QXL_CMD_SRC_SURFACE) {
		FUZZ_CHECK(img->surface_id < QXL_CMD_MAX_SURFACES);
		FUZZ_CHECK(img->pixels == NULL && img->palette == NULL);
		return;
	}
	if (img->kind == QXL_CMD_SRC_COMPRESSED) {
		/* A private copy of the whole stream. */
		FUZZ_CHECK(img->codec == SPICE_IMAGE_TYPE_QUIC ||
		    img->codec == SPICE_IMAGE_TYPE_LZ_RGB ||
		    img->codec == SPICE_IMAGE_TYPE_JPEG);
		FUZZ_CHECK(img->width >= 1 && img->width <= QXL_CMD_MAX_DIM &&
		    img->height >= 1 && img->height <= QXL_CMD_MAX_DIM);
		FUZZ_CHECK(img->pixels == img->owned && img->size >= 1 &&
		    img->size <= QXL_CMD_MAX_DATA);
		fuzz_sink += fuzz_sum(img->pixels, img->size);
		return;
	}
	FUZZ_CHECK(img->kind == QXL_CMD_SRC_BITMAP);
	FUZZ_CHECK(img->width >= 1 && img->width <= QXL_CMD_MAX_DIM);
	FUZZ_CHECK(img->height >= 1 && img->height <= QXL_CMD_MAX_DIM);
	FUZZ_CHECK(img->pixels != NULL && img->stride != 0);
	astride = img->stride < 0 ? (size_t)-(int64_t)img->stride :
	    (size_t)img->stride;
	FUZZ_CHECK(astride >= (img->width * fuzz_bpp(img->format) + 7) / 8);
	FUZZ_CHECK(img->size == astride * img->height);
	lowest = img->stride < 0 ?
	    img->pixels - astride * (img->height - 1) : img->pixels;
	fuzz_sink += fuzz_sum(lowest, img->size);
	FUZZ_CHECK((img->palette == NULL) == (img->npalette == 0));
	/* Only 1, 4 and 8-bit colour formats have a palette. */
	FUZZ_CHECK(img->npalette <= QXL_CMD_MAX_PALETTE);
	if (fuzz_bpp(img->format) > 8 ||
	    img->format == SPICE_BITMAP_FMT_8BIT_A)
		FUZZ_CHECK(img->npalette == 0);
	else
		FUZZ_CHECK(img->npalette <= 1u << fuzz_bpp(img->format));
	if (img->palette != NULL)
		fuzz_sink += fuzz_sum((const uint8_t *)img->palette,
		    img->npalette * 4u);
}

static void
fuzz_brush(const struct qxl_cmd_brush *b)
{
	FUZZ_CHECK(b->type < SPICE_BRUSH_TYPE_ENUM_END);
	if (b->type == SPICE_BRUSH_TYPE_PATTERN)
		fuzz_image(&b->pat);
}

static void
fuzz_text(const struct qxl_cmd_text *t)
{
	const struct qxl_cmd_glyph *g;
	uint32_t i, y, row;

	FUZZ_CHECK(t->nglyphs >= 1 && t->nglyphs <= QXL_CMD_MAX_GLYPHS);
	fuzz_brush(&t->fore);
	fuzz_brush(&t->back);
	fuzz_check_rect(&t->back_area, 1);
	for (i = 0; i < t->nglyphs; i++) {
		g = &t->glyphs[i];
		FUZZ_CHECK(g->width <= QXL_CMD_MAX_GLYPH_DIM &&
		    g->height <= QXL_CMD_MAX_GLYPH_DIM);
		row = (t->flags & SPICE_STRING_FLAGS_RASTER_A1) ?
		    (g->width + 7u) / 8 : (t->flags &
		    SPICE_STRING_FLAGS_RASTER_A4) ? (g->width + 1u) / 2 :
		    g->width;
		FUZZ_CHECK((uint32_t)(g->stride < 0 ? -g->stride : g->stride) ==
		    row);
		for (y = 0; y < g->height; y++)
			fuzz_sink += fuzz_sum(g->bits + (ptrdiff_t)y * g->stride,
			    row);
	}
}

static void
fuzz_stroke(const struct qxl_cmd_stroke *st)
{
	uint32_t i, k;

	FUZZ_CHECK(st->nsegs <= QXL_CMD_MAX_PATH_SEGS);
	fuzz_brush(&st->brush);
	for (i = 0; i < st->nsegs; i++)
		for (k = 0; k < st->segs[i].count; k++)
			fuzz_sink += (uint32_t)st->segs[i].pts[k].x;
	for (i = 0; i < st->nstyle; i++)
		FUZZ_CHECK(st->style[i] >= 16);
}

static void
fuzz_draw(const struct slots *s)
{
	struct qxl_cmd_draw d;
	struct spd_err err;
	uint32_t i;
	int r;

	memset(&err, 0, sizeof(err));
	r = qxl_cmd_parse_draw(s, 0, &d, &err);
	FUZZ_CHECK(r == 0 || r == QXL_CMD_EFAULT || r == QXL_CMD_EUNSUPPORTED);
	if (r != 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
		FUZZ_CHECK(d.clip == NULL && d.src.pixels == NULL);
		return;
	}
	FUZZ_CHECK(d.type >= QXL_DRAW_FILL && d.type <= QXL_DRAW_COMPOSITE);
	if (d.type == QXL_COPY_BITS)
		FUZZ_CHECK(d.src_pos_x >= 0 && d.src_pos_x <= QXL_CMD_MAX_DIM &&
		    d.src_pos_y >= 0 && d.src_pos_y <= QXL_CMD_MAX_DIM);
	FUZZ_CHECK(d.surface_id < QXL_CMD_MAX_SURFACES);
	fuzz_check_rect(&d.bbox, 0);
	FUZZ_CHECK(d.clip_type == SPICE_CLIP_TYPE_NONE ||
	    d.clip_type == SPICE_CLIP_TYPE_RECTS);
	FUZZ_CHECK(d.nclip <= QXL_CMD_MAX_CLIP_RECTS);
	FUZZ_CHECK((d.nclip == 0) == (d.clip == NULL));
	for (i = 0; i < d.nclip; i++)
		fuzz_check_rect(&d.clip[i], 1);
	FUZZ_CHECK((d.rop & ~SPICE_ROPD_MASK) == 0);
	switch (d.type) {
	case QXL_DRAW_OPAQUE:
	case QXL_DRAW_COPY:
	case QXL_DRAW_BLEND:
	case QXL_DRAW_ROP3:
	case QXL_DRAW_TRANSPARENT:
	case QXL_DRAW_ALPHA_BLEND:
		fuzz_check_rect(&d.src_area, 0);
		fuzz_image(&d.src);
		if (d.src.kind != QXL_CMD_SRC_SURFACE)
			FUZZ_CHECK((uint32_t)d.src_area.right <= d.src.width &&
			    (uint32_t)d.src_area.bottom <= d.src.height);
		break;
	case QXL_DRAW_COMPOSITE:
		fuzz_image(&d.src);
		if (d.composite.has_mask)
			fuzz_image(&d.composite.mask);
		break;
	case QXL_DRAW_TEXT:
		fuzz_text(&d.text);
		break;
	case QXL_DRAW_STROKE:
		fuzz_stroke(&d.stroke);
		break;
	default:
		break;
	}
	fuzz_brush(&d.brush);
	if (d.mask.present) {
		fuzz_image(&d.mask.bitmap);
		FUZZ_CHECK(d.mask.bitmap.format == SPICE_BITMAP_FMT_1BIT_LE ||
		    d.mask.bitmap.format == SPICE_BITMAP_FMT_1BIT_BE);
	}
	qxl_cmd_draw_free(&d);
}

static void
fuzz_surface_check(struct qxl_cmd_surface *sc, int r, struct spd_err *err)
{
	uint32_t y;

	FUZZ_CHECK(r == 0 || r == QXL_CMD_EFAULT || r == QXL_CMD_EUNSUPPORTED);
	if (r != 0) {
		FUZZ_CHECK(err->msg[0] != '\0');
		FUZZ_CHECK(sc->pixels == NULL);
		return;
	}
	FUZZ_CHECK(sc->surface_id < QXL_CMD_MAX_SURFACES);
	if (sc->type == QXL_SURFACE_CMD_CREATE) {
		FUZZ_CHECK(sc->width >= 1 && sc->width <= QXL_CMD_MAX_DIM);
		FUZZ_CHECK(sc->height >= 1 && sc->height <= QXL_CMD_MAX_DIM);
		FUZZ_CHECK(sc->stride != 0);
		if (sc->pixels != NULL)
			for (y = 0; y < sc->height; y++)
				fuzz_sink += fuzz_sum(sc->pixels +
				    (ptrdiff_t)y * sc->stride,
				    (size_t)sc->width * 4);
	} else
		FUZZ_CHECK(sc->type == QXL_SURFACE_CMD_DESTROY &&
		    sc->pixels == NULL);
}

static void
fuzz_cursor(const struct slots *s)
{
	struct qxl_cmd_cursor cc;
	struct spd_err err;
	int r;

	memset(&err, 0, sizeof(err));
	r = qxl_cmd_parse_cursor(s, 0, &cc, &err);
	FUZZ_CHECK(r == 0 || r == QXL_CMD_EFAULT || r == QXL_CMD_EUNSUPPORTED);
	if (r != 0) {
		FUZZ_CHECK(err.msg[0] != '\0' && cc.data == NULL);
		return;
	}
	FUZZ_CHECK(cc.type <= QXL_CURSOR_TRAIL);
	if (cc.type != QXL_CURSOR_SET) {
		FUZZ_CHECK(cc.data == NULL);
		return;
	}
	FUZZ_CHECK(cc.width >= 1 && cc.width <= QXL_CMD_MAX_CURSOR_DIM);
	FUZZ_CHECK(cc.height >= 1 && cc.height <= QXL_CMD_MAX_CURSOR_DIM);
	FUZZ_CHECK(cc.hot_x < cc.width && cc.hot_y < cc.height);
	FUZZ_CHECK(cc.data != NULL && cc.data_size ==
	    qxl_cmd_cursor_size(cc.shape, cc.width, cc.height));
	fuzz_sink += fuzz_sum(cc.data, cc.data_size);
	qxl_cmd_cursor_free(&cc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qxlshm_create_primary cp;
	struct qxl_cmd_surface sc;
	struct spd_err err;
	struct slots s;
	uint64_t id;
	uint8_t *mem;

	if (size == 0 || size > QXL_CMD_MAX_DATA)
		return 0;
	if ((mem = malloc(size)) == NULL)
		return 0;
	memcpy(mem, data, size);
	slots_init(&s);
	FUZZ_CHECK(slots_add(&s, 0, 0, mem, size, &err) == 0);

	fuzz_draw(&s);
	fuzz_cursor(&s);
	memset(&err, 0, sizeof(err));
	fuzz_surface_check(&sc, qxl_cmd_parse_surface(&s, 0, &sc, &err), &err);
	if (size >= sizeof(cp)) {
		memcpy(&cp, mem, sizeof(cp));
		memset(&err, 0, sizeof(err));
		fuzz_surface_check(&sc, qxl_cmd_parse_primary(&s, &cp, &sc,
		    &err), &err);
	}
	if (qxl_cmd_release_id(&s, 0, &id, &err) == 0)
		FUZZ_CHECK(size >= 8);

	slots_clear(&s);	/* not owned: nothing unmapped */
	free(mem);
	return 0;
}
