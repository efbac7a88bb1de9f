/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qxl-draw: the QXLDrawable parser of qxl-cmd.h, every draw type of
 * spice/qxl_dev.h: brushes, masks, source images, strings of glyphs,
 * paths, composite transforms.  Rules: PROTOCOL.md "Commands".
 *
 * Like the rest of qxl-cmd, every structure is copied before a field of it
 * is read; strings and paths, which hold their own offsets and counts, are
 * copied whole through their chunk chains first and parsed from the copy.
 */
#include <endian.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "qxl-cmd-int.h"

/* A stroke's points, all segments together (each is up to a screen's
 * diagonal of steps when drawn). */
#define QXL_DRAW_MAX_POINTS	16384

/* The QXLDrawable union member's offset. */
#define U(member)	offsetof(QXLDrawable, u.member)

static int
qxl_draw_coord_ok(int64_t v)
{
	return v >= -QXL_CMD_MAX_COORD && v <= QXL_CMD_MAX_COORD;
}

/* A QXLBrush at off of the copied drawable. */
static int
qxl_draw_brush(const struct slots *s, struct qxl_cmd_copy *c, size_t off,
    struct qxl_cmd_brush *b, const char *what, struct spd_err *err)
{
	uint64_t pat;
	int rv;

	b->type = qxl_cmd_u32(c, off + offsetof(QXLBrush, type));
	switch (b->type) {
	case SPICE_BRUSH_TYPE_NONE:
		return 0;
	case SPICE_BRUSH_TYPE_SOLID:
		b->color = qxl_cmd_u32(c, off + offsetof(QXLBrush, u.color));
		return 0;
	case SPICE_BRUSH_TYPE_PATTERN:
		pat = qxl_cmd_u64(c, off + offsetof(QXLBrush, u.pattern.pat));
		b->pos_x = qxl_cmd_i32(c, off + offsetof(QXLBrush,
		    u.pattern.pos.x));
		b->pos_y = qxl_cmd_i32(c, off + offsetof(QXLBrush,
		    u.pattern.pos.y));
		if (!qxl_draw_coord_ok(b->pos_x) ||
		    !qxl_draw_coord_ok(b->pos_y))
			return spd_err_set(err, "%s pattern position %" PRId32
			    ",%" PRId32 " out of range", what, b->pos_x,
			    b->pos_y);
		if ((rv = qxl_cmd_parse_image(s, pat, &b->pat, err)) != 0)
			spd_err_prefix(err, "%s pattern", what);
		return rv;
	default:
		return spd_err_set(err, "%s type %" PRIu32 " unknown", what,
		    b->type);
	}
}

/* A QXLQMask at off.  A mask is a 1-bit bitmap; a surface as a mask is
 * something no producer of ours sends. */
static int
qxl_draw_mask(const struct slots *s, struct qxl_cmd_copy *c, size_t off,
    struct qxl_cmd_mask *m, struct spd_err *err)
{
	uint64_t bitmap;
	int rv;

	m->flags = qxl_cmd_u8(c, off + offsetof(QXLQMask, flags));
	m->pos_x = qxl_cmd_i32(c, off + offsetof(QXLQMask, pos.x));
	m->pos_y = qxl_cmd_i32(c, off + offsetof(QXLQMask, pos.y));
	bitmap = qxl_cmd_u64(c, off + offsetof(QXLQMask, bitmap));
	if (bitmap == 0)
		return 0;
	if (m->flags & ~SPICE_MASK_FLAGS_MASK)
		return spd_err_set(err, "mask flags 0x%x unknown", m->flags);
	if (m->pos_x < 0 || m->pos_y < 0 || m->pos_x > QXL_CMD_MAX_DIM ||
	    m->pos_y > QXL_CMD_MAX_DIM)
		return spd_err_set(err, "mask position %" PRId32 ",%" PRId32
		    " outside 0..%d", m->pos_x, m->pos_y, QXL_CMD_MAX_DIM);
	m->present = 1;
	if ((rv = qxl_cmd_parse_image(s, bitmap, &m->bitmap, err)) != 0) {
		spd_err_prefix(err, "mask");
		return rv;
	}
	if (m->bitmap.kind != QXL_CMD_SRC_BITMAP) {
		spd_err_set(err, "mask from a surface or a compressed image "
		    "not supported (1-bit bitmaps are)");
		return QXL_CMD_EUNSUPPORTED;
	}
	if (m->bitmap.format != SPICE_BITMAP_FMT_1BIT_LE &&
	    m->bitmap.format != SPICE_BITMAP_FMT_1BIT_BE)
		return spd_err_set(err, "mask bitmap format %u is not 1-bit",
		    m->bitmap.format);
	return 0;
}

static int
qxl_draw_rop(uint16_t rop, const char *what, struct spd_err *err)
{
	if (rop & ~SPICE_ROPD_MASK)
		return spd_err_set(err, "%s 0x%x has unknown bits", what, rop);
	return 0;
}

/* src_bitmap and src_area at their offsets; scale at smode (0: none). */
static int
qxl_draw_src(const struct slots *s, struct qxl_cmd_copy *c, size_t sbm,
    size_t sarea, size_t smode, struct qxl_cmd_draw *out,
    struct spd_err *err)
{
	int32_t maxw, maxh;
	int rv;

	qxl_cmd_get_rect(c, sarea, &out->src_area);
	if (smode != 0) {
		out->scale_mode = qxl_cmd_u8(c, smode);
		if (out->scale_mode >= SPICE_IMAGE_SCALE_MODE_ENUM_END)
			return spd_err_set(err, "scale mode %u unknown",
			    out->scale_mode);
	}
	if ((rv = qxl_cmd_parse_image(s, qxl_cmd_u64(c, sbm), &out->src,
	    err)) != 0) {
		spd_err_prefix(err, "source");
		return rv;
	}
	/* A surface source's size is known only to the caller. */
	maxw = out->src.kind != QXL_CMD_SRC_SURFACE ?
	    (int32_t)out->src.width : QXL_CMD_MAX_DIM;
	maxh = out->src.kind != QXL_CMD_SRC_SURFACE ?
	    (int32_t)out->src.height : QXL_CMD_MAX_DIM;
	return qxl_cmd_check_rect(&out->src_area, maxw, maxh, 0,
	    "source area", err);
}

/* COPY_BITS: the source is the same surface, the bbox's size at src_pos,
 * which must lie inside the coordinate range like any rectangle. */
static int
qxl_draw_copy_bits(struct qxl_cmd_copy *c, struct qxl_cmd_draw *out,
    struct spd_err *err)
{
	size_t o = U(copy_bits.src_pos);

	out->src_pos_x = qxl_cmd_i32(c, o + offsetof(QXLPoint, x));
	out->src_pos_y = qxl_cmd_i32(c, o + offsetof(QXLPoint, y));
	out->rop = SPICE_ROPD_OP_PUT;
	if (out->src_pos_x < 0 || out->src_pos_y < 0 ||
	    out->src_pos_x > QXL_CMD_MAX_DIM ||
	    out->src_pos_y > QXL_CMD_MAX_DIM)
		return spd_err_set(err, "copy_bits source %" PRId32 ",%" PRId32
		    " outside 0..%d", out->src_pos_x, out->src_pos_y,
		    QXL_CMD_MAX_DIM);
	return 0;
}

uint32_t
qxl_cmd_glyph_row(uint16_t flags, uint32_t width)
{
	unsigned bpp = (flags & SPICE_STRING_FLAGS_RASTER_A1) ? 1 :
	    (flags & SPICE_STRING_FLAGS_RASTER_A4) ? 4 : 8;

	return (width * bpp + 7) / 8;
}

/* The glyphs of a string already copied to t->data (n bytes). */
static int
qxl_draw_glyphs(struct qxl_cmd_text *t, uint32_t n, uint32_t count,
    struct spd_err *err)
{
	struct qxl_cmd_copy g;
	struct qxl_cmd_glyph *gl;
	uint32_t i, row, size;
	size_t at = 0;
	int64_t rx, ry, ox, oy;

	if ((t->glyphs = calloc(count, sizeof(*t->glyphs))) == NULL)
		return spd_err_errno(err, "string: calloc");
	t->nglyphs = count;
	for (i = 0; i < count; i++) {
		gl = &t->glyphs[i];
		if (n - at < sizeof(QXLRasterGlyph))
			return spd_err_set(err, "string: glyph %" PRIu32 " of %"
			    PRIu32 " starts past its %" PRIu32 " bytes", i,
			    count, n);
		qxl_cmd_view(&g, t->data + at, sizeof(QXLRasterGlyph));
		rx = qxl_cmd_i32(&g, offsetof(QXLRasterGlyph, render_pos.x));
		ry = qxl_cmd_i32(&g, offsetof(QXLRasterGlyph, render_pos.y));
		ox = qxl_cmd_i32(&g, offsetof(QXLRasterGlyph, glyph_origin.x));
		oy = qxl_cmd_i32(&g, offsetof(QXLRasterGlyph, glyph_origin.y));
		gl->width = qxl_cmd_u16(&g, offsetof(QXLRasterGlyph, width));
		gl->height = qxl_cmd_u16(&g, offsetof(QXLRasterGlyph, height));
		if (!qxl_draw_coord_ok(rx + ox) || !qxl_draw_coord_ok(ry + oy))
			return spd_err_set(err, "string: glyph %" PRIu32 " at %"
			    PRId64 ",%" PRId64 " out of range", i, rx + ox,
			    ry + oy);
		if (gl->width > QXL_CMD_MAX_GLYPH_DIM ||
		    gl->height > QXL_CMD_MAX_GLYPH_DIM)
			return spd_err_set(err, "string: glyph %" PRIu32 " of "
			    "%ux%u exceeds %d", i, gl->width, gl->height,
			    QXL_CMD_MAX_GLYPH_DIM);
		gl->left = (int32_t)(rx + ox);
		gl->top = (int32_t)(ry + oy);
		at += sizeof(QXLRasterGlyph);
		row = qxl_cmd_glyph_row(t->flags, gl->width);
		size = row * gl->height;
		if (n - at < size)
			return spd_err_set(err, "string: glyph %" PRIu32 " needs "
			    "%" PRIu32 " bytes, %zu left", i, size, n - at);
		/* Rows are bottom-up unless the string says top-down. */
		if (t->flags & SPICE_STRING_FLAGS_RASTER_TOP_DOWN ||
		    gl->height == 0) {
			gl->bits = t->data + at;
			gl->stride = (int32_t)row;
		} else {
			gl->bits = t->data + at + (size_t)row *
			    (gl->height - 1);
			gl->stride = -(int32_t)row;
		}
		at += size;
	}
	if (at != n)
		return spd_err_set(err, "string: %zu bytes after its %" PRIu32
		    " glyphs", n - at, count);
	return 0;
}

static int
qxl_draw_text(const struct slots *s, struct qxl_cmd_copy *c,
    struct qxl_cmd_draw *out, struct spd_err *err)
{
	struct qxl_cmd_text *t = &out->text;
	struct qxl_cmd_copy h;
	uint64_t str;
	uint32_t n;
	uint16_t count, depth;
	int rv;

	str = qxl_cmd_u64(c, U(text.str));
	qxl_cmd_get_rect(c, U(text.back_area), &t->back_area);
	t->fore_mode = qxl_cmd_u16(c, U(text.fore_mode));
	t->back_mode = qxl_cmd_u16(c, U(text.back_mode));
	if (qxl_draw_rop(t->fore_mode, "text fore mode", err) != 0 ||
	    qxl_draw_rop(t->back_mode, "text back mode", err) != 0 ||
	    qxl_cmd_check_rect(&t->back_area, QXL_CMD_MAX_DIM,
	    QXL_CMD_MAX_DIM, 1, "text back area", err) != 0)
		return -1;
	if ((rv = qxl_draw_brush(s, c, U(text.fore_brush), &t->fore,
	    "text fore brush", err)) != 0 ||
	    (rv = qxl_draw_brush(s, c, U(text.back_brush), &t->back,
	    "text back brush", err)) != 0)
		return rv;
	if (qxl_cmd_fetch(s, str, offsetof(QXLString, chunk), &h, err) == -1)
		return spd_err_prefix(err, "string");
	n = qxl_cmd_u32(&h, offsetof(QXLString, data_size));
	count = qxl_cmd_u16(&h, offsetof(QXLString, length));
	t->flags = qxl_cmd_u16(&h, offsetof(QXLString, flags));
	if (t->flags & ~SPICE_STRING_FLAGS_MASK)
		return spd_err_set(err, "string flags 0x%x unknown", t->flags);
	depth = t->flags & (SPICE_STRING_FLAGS_RASTER_A1 |
	    SPICE_STRING_FLAGS_RASTER_A4 | SPICE_STRING_FLAGS_RASTER_A8);
	if (depth == 0) {
		spd_err_set(err, "string of vector glyphs not supported "
		    "(raster A1, A4, A8 are)");
		return QXL_CMD_EUNSUPPORTED;
	}
	if (depth & (depth - 1))
		return spd_err_set(err, "string flags 0x%x name more than one "
		    "raster depth", t->flags);
	if (count == 0 || count > QXL_CMD_MAX_GLYPHS)
		return spd_err_set(err, "string of %u glyphs (1..%d)", count,
		    QXL_CMD_MAX_GLYPHS);
	if (n == 0 || n > QXL_CMD_MAX_TEXT_DATA)
		return spd_err_set(err, "string of %" PRIu32 " bytes "
		    "(1..%u)", n, QXL_CMD_MAX_TEXT_DATA);
	if ((t->data = malloc(n)) == NULL)
		return spd_err_errno(err, "string: malloc");
	if (qxl_cmd_read_chunks(s, str + offsetof(QXLString, chunk), t->data,
	    n, "string", err) != 0)
		return -1;
	return qxl_draw_glyphs(t, n, count, err);
}

/* The segments of a path already copied to raw (n bytes). */
static int
qxl_draw_segments(struct qxl_cmd_stroke *st, const uint8_t *raw, uint32_t n,
    struct spd_err *err)
{
	struct qxl_cmd_copy g;
	struct qxl_cmd_pathseg *seg;
	size_t at = 0, npts = 0, first;
	uint32_t i, k, count;

	/* Two passes: count, then fill (the counts come from raw, private). */
	for (i = 0; at < n; i++) {
		if (i >= QXL_CMD_MAX_PATH_SEGS)
			return spd_err_set(err, "path of more than %d segments",
			    QXL_CMD_MAX_PATH_SEGS);
		if (n - at < sizeof(QXLPathSeg))
			return spd_err_set(err, "path segment %" PRIu32 " cut "
			    "short", i);
		qxl_cmd_view(&g, raw + at, sizeof(QXLPathSeg));
		count = qxl_cmd_u32(&g, offsetof(QXLPathSeg, count));
		at += sizeof(QXLPathSeg);
		if (count > QXL_DRAW_MAX_POINTS - npts ||
		    (n - at) / sizeof(QXLPointFix) < count)
			return spd_err_set(err, "path segment %" PRIu32 ": %"
			    PRIu32 " points do not fit (%d in all at most)",
			    i, count, QXL_DRAW_MAX_POINTS);
		npts += count;
		at += (size_t)count * sizeof(QXLPointFix);
	}
	st->nsegs = i;
	if (i == 0)
		return 0;
	if ((st->segs = calloc(i, sizeof(*st->segs))) == NULL ||
	    (npts > 0 && (st->points = calloc(npts,
	    sizeof(*st->points))) == NULL))
		return spd_err_errno(err, "path: calloc");
	at = 0;
	npts = 0;
	for (i = 0; i < st->nsegs; i++) {
		seg = &st->segs[i];
		qxl_cmd_view(&g, raw + at, sizeof(QXLPathSeg));
		seg->flags = qxl_cmd_u32(&g, offsetof(QXLPathSeg, flags));
		seg->count = qxl_cmd_u32(&g, offsetof(QXLPathSeg, count));
		/* No points at all: no array to point into. */
		seg->pts = st->points != NULL ? st->points + npts : NULL;
		at += sizeof(QXLPathSeg);
		if (seg->flags & ~SPICE_PATH_FLAGS_MASK)
			return spd_err_set(err, "path segment %" PRIu32
			    " flags 0x%" PRIx32 " unknown", i, seg->flags);
		first = (seg->flags & SPICE_PATH_BEGIN) ? 1 : 0;
		if ((seg->flags & SPICE_PATH_BEGIN) && seg->count == 0)
			return spd_err_set(err, "path segment %" PRIu32 " begins "
			    "without a point", i);
		if ((seg->flags & SPICE_PATH_BEZIER) &&
		    (seg->count - first) % 3 != 0)
			return spd_err_set(err, "path segment %" PRIu32 ": %"
			    PRIu32 " Bezier points, not a multiple of 3", i,
			    (uint32_t)(seg->count - first));
		for (k = 0; k < seg->count; k++) {
			qxl_cmd_view(&g, raw + at, sizeof(QXLPointFix));
			st->points[npts].x = qxl_cmd_i32(&g,
			    offsetof(QXLPointFix, x));
			st->points[npts].y = qxl_cmd_i32(&g,
			    offsetof(QXLPointFix, y));
			if (!qxl_draw_coord_ok(st->points[npts].x / 16) ||
			    !qxl_draw_coord_ok(st->points[npts].y / 16))
				return spd_err_set(err, "path segment %" PRIu32
				    " point %" PRIu32 " out of range", i, k);
			npts++;
			at += sizeof(QXLPointFix);
		}
	}
	return 0;
}

static int
qxl_draw_stroke(const struct slots *s, struct qxl_cmd_copy *c,
    struct qxl_cmd_draw *out, struct spd_err *err)
{
	struct qxl_cmd_stroke *st = &out->stroke;
	struct qxl_cmd_copy h;
	uint64_t path, style;
	uint8_t *raw;
	uint32_t n, i;
	int rv;

	path = qxl_cmd_u64(c, U(stroke.path));
	st->line_flags = qxl_cmd_u8(c, U(stroke.attr.flags));
	st->nstyle = qxl_cmd_u8(c, U(stroke.attr.style_nseg));
	style = qxl_cmd_u64(c, U(stroke.attr.style));
	st->fore_mode = qxl_cmd_u16(c, U(stroke.fore_mode));
	st->back_mode = qxl_cmd_u16(c, U(stroke.back_mode));
	if (st->line_flags & ~SPICE_LINE_FLAGS_MASK)
		return spd_err_set(err, "line flags 0x%x unknown",
		    st->line_flags);
	if (qxl_draw_rop(st->fore_mode, "stroke fore mode", err) != 0 ||
	    qxl_draw_rop(st->back_mode, "stroke back mode", err) != 0)
		return -1;
	if ((rv = qxl_draw_brush(s, c, U(stroke.brush), &st->brush,
	    "stroke brush", err)) != 0)
		return rv;
	if (st->line_flags & SPICE_LINE_FLAGS_STYLED) {
		if (st->nstyle == 0)
			return spd_err_set(err, "styled line without a style");
		if (slots_copy(s, style, st->style, (size_t)st->nstyle * 4,
		    err) == -1)
			return spd_err_prefix(err, "line style");
		for (i = 0; i < st->nstyle; i++) {
			st->style[i] = (int32_t)le32toh((uint32_t)st->style[i]);
			if (st->style[i] < 16 || st->style[i] > 16 * 8192)
				return spd_err_set(err, "line style %" PRIu32
				    " of %" PRId32 "/16 pixels (1..8192)", i,
				    st->style[i]);
		}
	} else
		st->nstyle = 0;
	if (qxl_cmd_fetch(s, path, offsetof(QXLPath, chunk), &h, err) == -1)
		return spd_err_prefix(err, "path");
	n = qxl_cmd_u32(&h, offsetof(QXLPath, data_size));
	if (n > QXL_CMD_MAX_PATH_DATA)
		return spd_err_set(err, "path of %" PRIu32 " bytes (at most "
		    "%u)", n, QXL_CMD_MAX_PATH_DATA);
	if ((raw = malloc(n > 0 ? n : 1)) == NULL)
		return spd_err_errno(err, "path: malloc");
	rv = qxl_cmd_read_chunks(s, path + offsetof(QXLPath, chunk), raw, n,
	    "path", err);
	if (rv == 0)
		rv = qxl_draw_segments(st, raw, n, err);
	free(raw);
	return rv;
}

/* Composite operators pixman has under QXL's numbers (qxl_dev.h). */
static int
qxl_draw_composite_op_ok(uint32_t op)
{
	return op <= 0x0d || (op >= 0x30 && op <= 0x3e);
}

static int
qxl_draw_transform(const struct slots *s, uint64_t phys, int32_t *m,
    const char *what, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	int i;

	if (qxl_cmd_fetch(s, phys, sizeof(QXLTransform), &c, err) == -1)
		return spd_err_prefix(err, "%s", what);
	for (i = 0; i < 6; i++)
		m[i] = qxl_cmd_i32(&c, (size_t)i * 4);
	return 0;
}

static int
qxl_draw_composite(const struct slots *s, struct qxl_cmd_copy *c,
    struct qxl_cmd_draw *out, struct spd_err *err)
{
	struct qxl_cmd_composite *cp = &out->composite;
	uint64_t src, mask, sxf, mxf;
	int rv;

	cp->flags = qxl_cmd_u32(c, U(composite.flags));
	src = qxl_cmd_u64(c, U(composite.src));
	sxf = qxl_cmd_u64(c, U(composite.src_transform));
	mask = qxl_cmd_u64(c, U(composite.mask));
	mxf = qxl_cmd_u64(c, U(composite.mask_transform));
	cp->src_x = (int16_t)qxl_cmd_u16(c, U(composite.src_origin.x));
	cp->src_y = (int16_t)qxl_cmd_u16(c, U(composite.src_origin.y));
	cp->mask_x = (int16_t)qxl_cmd_u16(c, U(composite.mask_origin.x));
	cp->mask_y = (int16_t)qxl_cmd_u16(c, U(composite.mask_origin.y));
	if (cp->flags & ~(uint32_t)SPICE_COMPOSITE_FLAGS_MASK)
		return spd_err_set(err, "composite flags 0x%" PRIx32 " unknown",
		    cp->flags);
	if (!qxl_draw_composite_op_ok(cp->flags & 0xff))
		return spd_err_set(err, "composite operator 0x%" PRIx32
		    " unknown", cp->flags & 0xff);
	if (((cp->flags >> 8) & 7) > 1 || ((cp->flags >> 11) & 7) > 1)
		return spd_err_set(err, "composite filters 0x%" PRIx32 " not "
		    "nearest (0) or bilinear (1)", (cp->flags >> 8) & 0x3f);
	if ((rv = qxl_cmd_parse_image(s, src, &out->src, err)) != 0) {
		spd_err_prefix(err, "composite source");
		return rv;
	}
	if ((cp->flags & SPICE_COMPOSITE_HAS_SRC_TRANSFORM) && sxf != 0) {
		cp->has_src_transform = 1;
		if (qxl_draw_transform(s, sxf, cp->src_transform,
		    "composite source transform", err) != 0)
			return -1;
	}
	if (!(cp->flags & SPICE_COMPOSITE_HAS_MASK) || mask == 0)
		return 0;
	cp->has_mask = 1;
	if ((rv = qxl_cmd_parse_image(s, mask, &cp->mask, err)) != 0) {
		spd_err_prefix(err, "composite mask");
		return rv;
	}
	if ((cp->flags & SPICE_COMPOSITE_HAS_MASK_TRANSFORM) && mxf != 0) {
		cp->has_mask_transform = 1;
		if (qxl_draw_transform(s, mxf, cp->mask_transform,
		    "composite mask transform", err) != 0)
			return -1;
	}
	return 0;
}

/* The type's own fields. */
static int
qxl_draw_body(const struct slots *s, struct qxl_cmd_copy *c,
    struct qxl_cmd_draw *out, struct spd_err *err)
{
	int rv;

	switch (out->type) {
	case QXL_DRAW_FILL:
		out->rop = qxl_cmd_u16(c, U(fill.rop_descriptor));
		if ((rv = qxl_draw_rop(out->rop, "fill rop", err)) != 0 ||
		    (rv = qxl_draw_brush(s, c, U(fill.brush), &out->brush,
		    "fill brush", err)) != 0)
			return rv;
		return qxl_draw_mask(s, c, U(fill.mask), &out->mask, err);
	case QXL_DRAW_OPAQUE:
		out->rop = qxl_cmd_u16(c, U(opaque.rop_descriptor));
		if ((rv = qxl_draw_rop(out->rop, "opaque rop", err)) != 0 ||
		    (rv = qxl_draw_src(s, c, U(opaque.src_bitmap),
		    U(opaque.src_area), U(opaque.scale_mode), out, err)) != 0 ||
		    (rv = qxl_draw_brush(s, c, U(opaque.brush), &out->brush,
		    "opaque brush", err)) != 0)
			return rv;
		return qxl_draw_mask(s, c, U(opaque.mask), &out->mask, err);
	case QXL_DRAW_COPY:
	case QXL_DRAW_BLEND:
		/* QXLBlend is QXLCopy. */
		out->rop = qxl_cmd_u16(c, U(copy.rop_descriptor));
		if ((rv = qxl_draw_rop(out->rop, "copy rop", err)) != 0 ||
		    (rv = qxl_draw_src(s, c, U(copy.src_bitmap),
		    U(copy.src_area), U(copy.scale_mode), out, err)) != 0)
			return rv;
		return qxl_draw_mask(s, c, U(copy.mask), &out->mask, err);
	case QXL_DRAW_TRANSPARENT:
		out->transparent_color = qxl_cmd_u32(c,
		    U(transparent.true_color));
		return qxl_draw_src(s, c, U(transparent.src_bitmap),
		    U(transparent.src_area), 0, out, err);
	case QXL_DRAW_ALPHA_BLEND:
		out->alpha_flags = qxl_cmd_u16(c, U(alpha_blend.alpha_flags));
		out->alpha = qxl_cmd_u8(c, U(alpha_blend.alpha));
		if (out->alpha_flags & ~SPICE_ALPHA_FLAGS_MASK)
			return spd_err_set(err, "alpha flags 0x%x unknown",
			    out->alpha_flags);
		return qxl_draw_src(s, c, U(alpha_blend.src_bitmap),
		    U(alpha_blend.src_area), 0, out, err);
	case QXL_COPY_BITS:
		return qxl_draw_copy_bits(c, out, err);
	case QXL_DRAW_ROP3:
		out->rop3 = qxl_cmd_u8(c, U(rop3.rop3));
		if ((rv = qxl_draw_src(s, c, U(rop3.src_bitmap),
		    U(rop3.src_area), U(rop3.scale_mode), out, err)) != 0 ||
		    (rv = qxl_draw_brush(s, c, U(rop3.brush), &out->brush,
		    "rop3 brush", err)) != 0)
			return rv;
		return qxl_draw_mask(s, c, U(rop3.mask), &out->mask, err);
	case QXL_DRAW_STROKE:
		return qxl_draw_stroke(s, c, out, err);
	case QXL_DRAW_TEXT:
		return qxl_draw_text(s, c, out, err);
	case QXL_DRAW_BLACKNESS:
	case QXL_DRAW_WHITENESS:
	case QXL_DRAW_INVERS:
		/* QXLWhiteness and QXLInvers are QXLBlackness. */
		return qxl_draw_mask(s, c, U(blackness.mask), &out->mask, err);
	case QXL_DRAW_COMPOSITE:
		return qxl_draw_composite(s, c, out, err);
	default:
		return spd_err_set(err, "draw type %u unknown", out->type);
	}
}

int
qxl_cmd_parse_draw(const struct slots *s, uint64_t phys,
    struct qxl_cmd_draw *out, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	uint32_t clip_type;
	uint64_t clip_data;
	uint8_t self_bitmap;
	char where[SLOTS_PHYS_STRLEN];
	int rv;

	memset(out, 0, sizeof(*out));
	if (qxl_cmd_fetch(s, phys, sizeof(QXLDrawable), &c, err) == -1)
		return spd_err_prefix(err, "drawable at %s", slots_phys_str(phys,
		    where, sizeof(where)));
	out->release_id = qxl_cmd_u64(&c, offsetof(QXLDrawable,
	    release_info.id));
	out->surface_id = qxl_cmd_u32(&c, offsetof(QXLDrawable, surface_id));
	out->type = qxl_cmd_u8(&c, offsetof(QXLDrawable, type));
	self_bitmap = qxl_cmd_u8(&c, offsetof(QXLDrawable, self_bitmap));
	qxl_cmd_get_rect(&c, offsetof(QXLDrawable, bbox), &out->bbox);
	clip_type = qxl_cmd_u32(&c, offsetof(QXLDrawable, clip.type));
	clip_data = qxl_cmd_u64(&c, offsetof(QXLDrawable, clip.data));
	if (c.c_bad) {
		rv = spd_err_set(err, "internal: drawable read");
		goto fail;
	}
	if (out->surface_id >= QXL_CMD_MAX_SURFACES) {
		rv = spd_err_set(err, "destination surface %" PRIu32
		    " not below %d", out->surface_id, QXL_CMD_MAX_SURFACES);
		goto fail;
	}
	if (out->type == QXL_DRAW_NOP || out->type > QXL_DRAW_COMPOSITE) {
		rv = spd_err_set(err, "draw type %u unknown", out->type);
		goto fail;
	}
	if (self_bitmap != 0) {
		/* The device's "read the result back" for old Windows
		 * drivers; the server would have to keep and send it. */
		spd_err_set(err, "self_bitmap not supported");
		rv = QXL_CMD_EUNSUPPORTED;
		goto fail;
	}
	if ((rv = qxl_cmd_check_rect(&out->bbox, QXL_CMD_MAX_DIM,
	    QXL_CMD_MAX_DIM, 0, "bbox", err)) != 0)
		goto fail;
	if ((rv = qxl_draw_body(s, &c, out, err)) != 0) {
		spd_err_prefix(err, "%s", qxl_cmd_draw_type_name(out->type));
		goto fail;
	}
	if (c.c_bad) {
		rv = spd_err_set(err, "internal: drawable read");
		goto fail;
	}
	if ((rv = qxl_cmd_parse_clip(s, clip_type, clip_data, out, err)) != 0)
		goto fail;
	return 0;
fail:
	qxl_cmd_draw_free(out);
	spd_err_prefix(err, "drawable at %s", slots_phys_str(phys, where,
	    sizeof(where)));
	return rv == QXL_CMD_EUNSUPPORTED ? QXL_CMD_EUNSUPPORTED :
	    QXL_CMD_EFAULT;
}

void
qxl_cmd_draw_free(struct qxl_cmd_draw *d)
{
	free(d->clip);
	qxl_cmd_image_free(&d->src);
	qxl_cmd_image_free(&d->brush.pat);
	qxl_cmd_image_free(&d->mask.bitmap);
	qxl_cmd_image_free(&d->text.fore.pat);
	qxl_cmd_image_free(&d->text.back.pat);
	free(d->text.glyphs);
	free(d->text.data);
	qxl_cmd_image_free(&d->stroke.brush.pat);
	free(d->stroke.segs);
	free(d->stroke.points);
	qxl_cmd_image_free(&d->composite.mask);
	memset(d, 0, sizeof(*d));
}
