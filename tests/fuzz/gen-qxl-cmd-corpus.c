/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gen-qxl-cmd-corpus: write the seed corpus of fuzz-qxl-cmd.  Each file is
 * the memory of slot 0 (generation 0) with a command at offset 0, so a
 * QXLPHYSICAL in it is a plain offset.  Usage: gen-qxl-cmd-corpus DIR.
 * The output is committed under tests/fuzz/corpus/qxl-cmd/.
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
	return 0;
}
