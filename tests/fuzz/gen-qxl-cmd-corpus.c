/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gen-qxl-cmd-corpus: write the seed corpus of fuzz-qxl-cmd.  Each file is
 * the memory of slot 0 (generation 0) with a command at offset 0, so a
 * QXLPHYSICAL in it is a plain offset.  Usage: gen-qxl-cmd-corpus DIR.
 * The output is committed under tests/fuzz/corpus/qxl-cmd/ and, for
 * fuzz-draw (which also renders what parses), tests/fuzz/corpus/draw/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spice/qxl_dev.h>
#include <spice/enums.h>

#include "qxl-build.h"

static uint8_t		gen_mem[4096];
static struct qxl_build	gen_b;
static const char	*gen_dir;

/* Write the bytes built so far as file name and start a new one. */
static void
gen_write(const char *name)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", gen_dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(gen_b.qb_mem, 1, gen_b.qb_len, f) != gen_b.qb_len ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	qxl_build_reset(&gen_b, 0);
}

/* Reserve offset 0 for the command; the caller builds what it points at,
 * then gen_finish writes it there. */
static void
gen_start(size_t cmd_size)
{
	if (qxl_build_alloc(&gen_b, cmd_size) != 0)
		abort();
}

static void
gen_finish(const void *cmd, size_t size, const char *name)
{
	qxl_build_write(&gen_b, 0, cmd, size);
	gen_write(name);
}

/* A FILL of color over the 4 x 2 test area, clipped by clip (or not). */
static void
gen_fill(const char *name, uint32_t color, uint64_t clip)
{
	QXLDrawable d;
	QXLRect bbox;

	qxl_build_rect(&bbox, 0, 0, 4, 2);
	d = qxl_build_fill(1, &bbox, color);
	if (clip != 0) {
		d.clip.type = SPICE_CLIP_TYPE_RECTS;
		d.clip.data = clip;
	}
	gen_finish(&d, sizeof(d), name);
}

/* A COPY_BITS of the 4 x 2 test area from 1,0, clipped by clip (or not). */
static void
gen_copy_bits(const char *name, uint64_t clip)
{
	QXLDrawable d;
	QXLRect bbox;

	qxl_build_rect(&bbox, 0, 0, 4, 2);
	d = qxl_build_fill(1, &bbox, 0);
	d.type = QXL_COPY_BITS;
	memset(&d.u, 0, sizeof(d.u));
	d.u.copy_bits.src_pos.x = 1;
	if (clip != 0) {
		d.clip.type = SPICE_CLIP_TYPE_RECTS;
		d.clip.data = clip;
	}
	gen_finish(&d, sizeof(d), name);
}

/* A COPY of the 4 x 2 image at img, columns left..right of it. */
static void
gen_copy(const char *name, uint64_t img, int32_t left, int32_t right)
{
	QXLDrawable d = qxl_build_copy(1, img, 4, 2);

	qxl_build_rect(&d.u.copy.src_area, left, 0, right, 2);
	gen_finish(&d, sizeof(d), name);
}

/* A chunk of size bytes of fill. */
static uint64_t
gen_chunk(uint32_t size, uint64_t next, uint8_t fill)
{
	uint8_t buf[256];

	memset(buf, fill, sizeof(buf));
	return qxl_build_chunk(&gen_b, buf, size, next);
}

/* A drawable of type over the 4 x 2 test area, the union zeroed. */
static QXLDrawable
gen_draw(uint8_t type)
{
	QXLRect bbox;

	qxl_build_rect(&bbox, 0, 0, 4, 2);
	return qxl_build_drawable(type, 1, &bbox);
}

/* A 4 x 2 32-bit bitmap of px; a 1-bit 4 x 2 mask. */
static uint64_t
gen_bitmap32(const uint8_t *px)
{
	uint64_t data = qxl_build_put(&gen_b, px, 32);

	return qxl_build_bitmap(&gen_b, SPICE_BITMAP_FMT_32BIT,
	    QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN, 4, 2, 16, data);
}

static uint64_t
gen_mask(uint8_t fmt)
{
	static const uint8_t bits[2] = { 0xa0, 0x50 };
	uint64_t data = qxl_build_put(&gen_b, bits, 2);

	return qxl_build_bitmap(&gen_b, fmt, QXL_BITMAP_DIRECT, 4, 2, 1,
	    data);
}

/* The draw types past FILL, COPY and COPY_BITS, one seed each (two for
 * TEXT and STROKE), with their brushes, masks, palettes and paths. */
static void
gen_draw_types(const uint8_t *px)
{
	static const uint32_t pal[4] = { 0x000000, 0xff0000, 0x00ff00,
	    0x0000ff };
	static const int32_t pts[] = { 0, 0, 48, 16, 16, 32, 64, 0, 32, 16 };
	static const int32_t style[2] = { 32, 16 };
	static const int32_t xf[6] = { 0x8000, 0, 0, 0, 0x8000, 0 };
	uint8_t glyphs[64], path[128];
	QXLRasterGlyph g;
	QXLDrawable d;
	uint64_t img;
	uint32_t v;
	size_t n;

	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_OPAQUE);
	d.u.opaque.src_bitmap = gen_bitmap32(px);
	qxl_build_rect(&d.u.opaque.src_area, 0, 0, 4, 2);
	d.u.opaque.brush.type = SPICE_BRUSH_TYPE_PATTERN;
	d.u.opaque.brush.u.pattern.pat = gen_bitmap32(px + 8);
	d.u.opaque.brush.u.pattern.pos.x = -1;
	d.u.opaque.rop_descriptor = SPICE_ROPD_OP_XOR | SPICE_ROPD_INVERS_SRC;
	d.u.opaque.mask.bitmap = gen_mask(SPICE_BITMAP_FMT_1BIT_BE);
	d.u.opaque.mask.flags = SPICE_MASK_FLAGS_INVERS;
	gen_finish(&d, sizeof(d), "opaque-pattern-mask");

	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_ROP3);
	d.u.rop3.src_bitmap = gen_bitmap32(px);
	qxl_build_rect(&d.u.rop3.src_area, 0, 0, 2, 1);
	d.u.rop3.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.u.rop3.brush.u.color = 0x336699;
	d.u.rop3.rop3 = 0xb8;
	d.u.rop3.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
	gen_finish(&d, sizeof(d), "rop3-scaled");

	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_BLEND);
	img = gen_bitmap32(px);
	v = SPICE_BITMAP_FMT_8BIT;
	qxl_build_write(&gen_b, img + offsetof(QXLImage, bitmap.format), &v,
	    1);
	v = 4;
	qxl_build_write(&gen_b, img + offsetof(QXLImage, bitmap.stride), &v,
	    4);
	{
		uint64_t pal_off = qxl_build_palette(&gen_b, 4, pal);

		qxl_build_write(&gen_b, img + offsetof(QXLImage,
		    bitmap.palette), &pal_off, 8);
	}
	d.u.blend.src_bitmap = img;
	qxl_build_rect(&d.u.blend.src_area, 0, 0, 4, 2);
	d.u.blend.rop_descriptor = SPICE_ROPD_OP_AND;
	gen_finish(&d, sizeof(d), "blend-palette-8");

	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_TRANSPARENT);
	d.u.transparent.src_bitmap = gen_bitmap32(px);
	qxl_build_rect(&d.u.transparent.src_area, 0, 0, 4, 2);
	d.u.transparent.true_color = 0x050a0f;
	gen_finish(&d, sizeof(d), "transparent");

	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_ALPHA_BLEND);
	d.u.alpha_blend.src_bitmap = qxl_build_surface_image(&gen_b, 1, 4, 2);
	qxl_build_rect(&d.u.alpha_blend.src_area, 0, 0, 4, 2);
	d.u.alpha_blend.alpha = 0x80;
	d.u.alpha_blend.alpha_flags = SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA;
	gen_finish(&d, sizeof(d), "alpha-blend-surface");

	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_INVERS);
	d.u.invers.mask.bitmap = gen_mask(SPICE_BITMAP_FMT_1BIT_LE);
	d.u.invers.mask.pos.x = 1;
	gen_finish(&d, sizeof(d), "invers-mask");

	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_COMPOSITE);
	d.u.composite.flags = 0x03 | (1 << 8) | (1 << 14) |
	    SPICE_COMPOSITE_HAS_MASK | SPICE_COMPOSITE_HAS_SRC_TRANSFORM;
	d.u.composite.src = gen_bitmap32(px);
	d.u.composite.mask = gen_bitmap32(px + 16);
	d.u.composite.src_transform = qxl_build_put(&gen_b, xf, sizeof(xf));
	d.u.composite.src_origin.x = 1;
	gen_finish(&d, sizeof(d), "composite-mask-transform");

	/* Two A1 glyphs (9 wide: 2 bytes a row), then one A4 glyph. */
	memset(&g, 0, sizeof(g));
	g.render_pos.x = 1;
	g.render_pos.y = 2;
	g.glyph_origin.y = -2;
	g.width = 9;
	g.height = 2;
	n = 0;
	memcpy(glyphs + n, &g, sizeof(g));
	n += sizeof(g);
	memcpy(glyphs + n, px, 4);
	n += 4;
	g.render_pos.x = 3;
	memcpy(glyphs + n, &g, sizeof(g));
	n += sizeof(g);
	memcpy(glyphs + n, px + 4, 4);
	n += 4;
	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_TEXT);
	d.u.text.str = qxl_build_string(&gen_b, SPICE_STRING_FLAGS_RASTER_A1,
	    2, glyphs, (uint32_t)n);
	d.u.text.fore_brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.u.text.fore_brush.u.color = 0xffffff;
	d.u.text.back_brush.type = SPICE_BRUSH_TYPE_SOLID;
	qxl_build_rect(&d.u.text.back_area, 0, 0, 4, 2);
	d.u.text.fore_mode = SPICE_ROPD_OP_PUT;
	gen_finish(&d, sizeof(d), "text-a1");
	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_TEXT);
	g.width = 3;
	memcpy(glyphs, &g, sizeof(g));
	memcpy(glyphs + sizeof(g), px, 4);
	d.u.text.str = qxl_build_string(&gen_b, SPICE_STRING_FLAGS_RASTER_A4 |
	    SPICE_STRING_FLAGS_RASTER_TOP_DOWN, 1, glyphs,
	    (uint32_t)(sizeof(g) + 4));
	d.u.text.fore_brush.type = SPICE_BRUSH_TYPE_PATTERN;
	d.u.text.fore_brush.u.pattern.pat = gen_bitmap32(px);
	gen_finish(&d, sizeof(d), "text-a4-pattern");

	/* A line and a closed Bezier curve; a dashed stroke of them. */
	n = 0;
	v = SPICE_PATH_BEGIN;
	memcpy(path + n, &v, 4);
	v = 2;
	memcpy(path + n + 4, &v, 4);
	memcpy(path + n + 8, pts, 16);
	n += 24;
	v = SPICE_PATH_BEZIER | SPICE_PATH_END | SPICE_PATH_CLOSE;
	memcpy(path + n, &v, 4);
	v = 3;
	memcpy(path + n + 4, &v, 4);
	memcpy(path + n + 8, pts + 4, 24);
	n += 32;
	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_STROKE);
	d.u.stroke.path = qxl_build_path(&gen_b, path, (uint32_t)n);
	d.u.stroke.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.u.stroke.fore_mode = SPICE_ROPD_OP_XOR;
	gen_finish(&d, sizeof(d), "stroke-bezier");
	gen_start(sizeof(QXLDrawable));
	d = gen_draw(QXL_DRAW_STROKE);
	d.u.stroke.path = qxl_build_path(&gen_b, path, (uint32_t)n);
	d.u.stroke.attr.flags = SPICE_LINE_FLAGS_STYLED |
	    SPICE_LINE_FLAGS_START_WITH_GAP;
	d.u.stroke.attr.style_nseg = 2;
	d.u.stroke.attr.style = qxl_build_put(&gen_b, style, sizeof(style));
	d.u.stroke.brush.type = SPICE_BRUSH_TYPE_PATTERN;
	d.u.stroke.brush.u.pattern.pat = gen_bitmap32(px);
	d.u.stroke.fore_mode = SPICE_ROPD_OP_PUT;
	gen_finish(&d, sizeof(d), "stroke-styled-pattern");

	/* COPYs of compressed images: a valid LZ stream of the 4 x 2 area
	 * (its header, then 8 literal pixels), and a QUIC one that is not. */
	{
		static const uint8_t lz_head[28] = { 0x20, 0x20, 0x5a, 0x4c,
		    0, 1, 0, 1, 0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0,
		    16, 0, 0, 0, 1 };
		uint8_t stream[28 + 1 + 24];
		uint32_t size = sizeof(stream);
		uint64_t img;
		uint8_t t;

		memcpy(stream, lz_head, sizeof(lz_head));
		stream[28] = 7;
		memcpy(stream + 29, px, 24);
		for (t = 0; t < 2; t++) {
			gen_start(sizeof(QXLDrawable));
			img = qxl_build_alloc(&gen_b, offsetof(QXLImage, quic) +
			    4 + sizeof(QXLDataChunk) + size);
			v = t == 0 ? SPICE_IMAGE_TYPE_LZ_RGB :
			    SPICE_IMAGE_TYPE_QUIC;
			qxl_build_write(&gen_b, img + offsetof(QXLImage,
			    descriptor.type), &v, 1);
			v = 4;
			qxl_build_write(&gen_b, img + offsetof(QXLImage,
			    descriptor.width), &v, 4);
			v = 2;
			qxl_build_write(&gen_b, img + offsetof(QXLImage,
			    descriptor.height), &v, 4);
			qxl_build_write(&gen_b, img + offsetof(QXLImage,
			    quic.data_size), &size, 4);
			qxl_build_chunk_at(&gen_b, img + offsetof(QXLImage,
			    quic.data), size, 0);
			qxl_build_write(&gen_b, img + offsetof(QXLImage,
			    quic.data) + sizeof(QXLDataChunk), stream, size);
			gen_copy(t == 0 ? "copy-lz" : "copy-quic-broken", img, 0,
			    4);
		}
	}
}

int
main(int argc, char **argv)
{
	QXLSurfaceCmd sc;
	QXLCursorCmd cc;
	QXLRect rects[2];
	uint8_t px[64];
	uint64_t data, c1, c2;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-qxl-cmd-corpus DIR\n");
		return 2;
	}
	gen_dir = argv[1];
	qxl_build_init(&gen_b, gen_mem, sizeof(gen_mem), 0, 0, 0);
	for (i = 0; i < 64; i++)
		px[i] = (uint8_t)(i * 5);

	gen_start(sizeof(QXLDrawable));
	gen_fill("fill", 0xff8800, 0);

	gen_start(sizeof(QXLDrawable));
	qxl_build_rect(&rects[0], 0, 0, 2, 2);
	qxl_build_rect(&rects[1], 2, 0, 4, 1);
	gen_fill("fill-clip", 0, qxl_build_clip_rects(&gen_b, 2, rects, 2, 0));

	gen_start(sizeof(QXLDrawable));
	gen_copy_bits("copy-bits", 0);

	gen_start(sizeof(QXLDrawable));
	gen_copy_bits("copy-bits-clip", qxl_build_clip_rects(&gen_b, 2, rects,
	    2, 0));

	gen_start(sizeof(QXLDrawable));
	data = qxl_build_put(&gen_b, px, 32);
	gen_copy("copy-direct-32", qxl_build_bitmap(&gen_b,
	    SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN,
	    4, 2, 16, data), 0, 4);

	gen_start(sizeof(QXLDrawable));
	data = qxl_build_put(&gen_b, px, 32);
	gen_copy("copy-rgba-bottom-up", qxl_build_bitmap(&gen_b,
	    SPICE_BITMAP_FMT_RGBA, QXL_BITMAP_DIRECT, 4, 2, 16, data), 1, 3);

	gen_start(sizeof(QXLDrawable));
	c2 = gen_chunk(14, 0, 0x33);
	c1 = gen_chunk(10, c2, 0x77);
	gen_copy("copy-chunks-24", qxl_build_bitmap(&gen_b,
	    SPICE_BITMAP_FMT_24BIT, QXL_BITMAP_TOP_DOWN, 4, 2, 12, c1), 0, 4);

	gen_start(sizeof(QXLDrawable));
	c1 = gen_chunk(0, 0, 0);
	qxl_build_chunk_at(&gen_b, c1, 0, c1);	/* points at itself */
	gen_copy("copy-chunk-loop", qxl_build_bitmap(&gen_b,
	    SPICE_BITMAP_FMT_24BIT, 0, 4, 2, 12, c1), 0, 4);

	gen_start(sizeof(QXLDrawable));
	gen_copy("copy-surface", qxl_build_surface_image(&gen_b, 1, 4, 2), 0,
	    4);

	gen_start(sizeof(QXLSurfaceCmd));
	data = qxl_build_put(&gen_b, px, 32);
	sc = qxl_build_surface_cmd(QXL_SURFACE_CMD_CREATE, 1,
	    QXL_SURF_FLAG_KEEP_DATA, SPICE_SURFACE_FMT_32_xRGB, 4, 2, -16,
	    data);
	sc.release_info.id = 2;
	gen_finish(&sc, sizeof(sc), "surface-create");

	gen_start(sizeof(QXLSurfaceCmd));
	sc = qxl_build_surface_cmd(QXL_SURFACE_CMD_DESTROY, 1, 0, 0, 0, 0, 0,
	    0);
	gen_finish(&sc, sizeof(sc), "surface-destroy");

	gen_start(sizeof(QXLCursorCmd));
	memset(&cc, 0, sizeof(cc));
	cc.release_info.id = 3;
	cc.type = QXL_CURSOR_SET;
	cc.u.set.visible = 1;
	c2 = gen_chunk(8, 0, 0x55);
	cc.u.set.shape = qxl_build_cursor(&gen_b, SPICE_CURSOR_TYPE_MONO, 16,
	    2, 1, 1, 9, 16, px, 8, c2);
	gen_finish(&cc, sizeof(cc), "cursor-set-mono-chunks");

	gen_start(sizeof(QXLCursorCmd));
	memset(&cc, 0, sizeof(cc));
	cc.type = QXL_CURSOR_SET;
	cc.u.set.shape = qxl_build_cursor(&gen_b, SPICE_CURSOR_TYPE_ALPHA, 4,
	    4, 3, 3, 10, 64, px, 64, 0);
	gen_finish(&cc, sizeof(cc), "cursor-set-alpha");

	gen_start(sizeof(QXLCursorCmd));
	memset(&cc, 0, sizeof(cc));
	cc.type = QXL_CURSOR_MOVE;
	cc.u.position.x = 100;
	gen_finish(&cc, sizeof(cc), "cursor-move");

	gen_draw_types(px);
	return 0;
}
