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
 * parsed drawable has a non-empty bbox inside the caps, a capped clip list
 * with valid rects, and for a bitmap source a supported format, a stride
 * that holds a row, and size = |stride| * height bytes around its rows,
 * in the slot or in a private copy (touched completely, so ASan checks
 * them); a parsed surface has sane dimensions and, with initial content,
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

static void
fuzz_bitmap(const struct qxl_cmd_image *img)
{
	size_t bpp, astride;
	const uint8_t *lowest;

	FUZZ_CHECK(img->format == SPICE_BITMAP_FMT_32BIT ||
	    img->format == SPICE_BITMAP_FMT_RGBA ||
	    img->format == SPICE_BITMAP_FMT_24BIT);
	bpp = img->format == SPICE_BITMAP_FMT_24BIT ? 3 : 4;
	FUZZ_CHECK(img->pixels != NULL && img->stride != 0);
	astride = img->stride < 0 ? (size_t)-(int64_t)img->stride :
	    (size_t)img->stride;
	FUZZ_CHECK(astride >= img->width * bpp);
	FUZZ_CHECK(img->size == astride * img->height);
	lowest = img->stride < 0 ?
	    img->pixels - astride * (img->height - 1) : img->pixels;
	fuzz_sink += fuzz_sum(lowest, img->size);
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
	FUZZ_CHECK(d.type == QXL_DRAW_FILL || d.type == QXL_DRAW_COPY ||
	    d.type == QXL_COPY_BITS);
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
	if (d.type == QXL_DRAW_COPY) {
		fuzz_check_rect(&d.src_area, 0);
		if (d.src.kind == QXL_CMD_SRC_BITMAP) {
			FUZZ_CHECK(d.src.width >= 1 &&
			    d.src.width <= QXL_CMD_MAX_DIM);
			FUZZ_CHECK(d.src.height >= 1 &&
			    d.src.height <= QXL_CMD_MAX_DIM);
			fuzz_bitmap(&d.src);
			FUZZ_CHECK((uint32_t)d.src_area.right <= d.src.width);
			FUZZ_CHECK((uint32_t)d.src_area.bottom <= d.src.height);
		} else {
			FUZZ_CHECK(d.src.kind == QXL_CMD_SRC_SURFACE);
			FUZZ_CHECK(d.src.surface_id < QXL_CMD_MAX_SURFACES);
			FUZZ_CHECK(d.src.pixels == NULL);
		}
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
