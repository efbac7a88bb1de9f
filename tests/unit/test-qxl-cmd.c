/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-qxl-cmd: workers/qxl/qxl-cmd.c on good and hostile commands built in a
 * private buffer registered as slot 1, generation 2 (qxl-cmd-test.h):
 * fills, copies and their bitmaps, chunks, clips, addresses, surfaces,
 * cursors and random bytes; test-qxl-cmd-draw has the other drawables.
 */
#include <stddef.h>
#include <stdint.h>

#include <spice/qxl_dev.h>
#include <spice/enums.h>

#include "err.h"
#include "slots.h"
#include "qxl-cmd.h"
#include "qxl-build.h"
#include "qxl-cmd-test.h"
#include "test-helper.h"

static QXLDrawable
t_fill(uint32_t color)
{
	QXLRect bbox;

	qxl_build_rect(&bbox, 10, 20, 110, 70);
	return qxl_build_fill(0x1234, &bbox, color);
}

static void
test_fill(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	QXLDrawable d;

	t_reset();
	d = t_fill(0x00ff8000);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.type, QXL_DRAW_FILL);
	ASSERT_U64_EQ(out.release_id, 0x1234);
	ASSERT_INT_EQ(out.brush.color, 0x00ff8000);
	ASSERT_INT_EQ(out.bbox.left, 10);
	ASSERT_INT_EQ(out.bbox.bottom, 70);
	ASSERT_INT_EQ(out.clip_type, SPICE_CLIP_TYPE_NONE);
	ASSERT_TRUE(out.clip == NULL);
	qxl_cmd_draw_free(&out);

	/* Every ROP descriptor and brush parses; unknown bits do not. */
	d = t_fill(1);
	d.u.fill.rop_descriptor = SPICE_ROPD_OP_XOR | SPICE_ROPD_INVERS_RES;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.rop, SPICE_ROPD_OP_XOR | SPICE_ROPD_INVERS_RES);
	qxl_cmd_draw_free(&out);
	d.u.fill.rop_descriptor = 0x800;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "fill: fill rop 0x800 has unknown bits");
	d = t_fill(1);
	d.u.fill.brush.type = SPICE_BRUSH_TYPE_PATTERN;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "fill brush pattern");
	d.u.fill.brush.type = 3;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "fill brush type 3 unknown");
	d = t_fill(1);
	d.type = QXL_DRAW_NOP;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);

	/* Faults. */
	d = t_fill(1);
	d.type = 200;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	d = t_fill(1);
	qxl_build_rect(&d.bbox, 10, 10, 5, 20);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "bbox");
	d = t_fill(1);
	qxl_build_rect(&d.bbox, 0, 0, QXL_CMD_MAX_DIM + 1, 20);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	d = t_fill(1);
	qxl_build_rect(&d.bbox, -1, 0, 10, 20);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	d = t_fill(1);
	qxl_build_rect(&d.bbox, 5, 5, 5, 20);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "empty");
	d = t_fill(1);
	d.surface_id = QXL_CMD_MAX_SURFACES;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	d = t_fill(1);
	d.clip.type = 7;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "drawable at slot 1 offset 0x");
}

static void
test_copy_bits(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	QXLDrawable d;

	t_reset();
	d = t_fill(0);
	d.type = QXL_COPY_BITS;
	memset(&d.u, 0, sizeof(d.u));
	d.u.copy_bits.src_pos.x = 7;
	d.u.copy_bits.src_pos.y = 3;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.type, QXL_COPY_BITS);
	ASSERT_INT_EQ(out.src_pos_x, 7);
	ASSERT_INT_EQ(out.src_pos_y, 3);
	ASSERT_INT_EQ(out.bbox.top, 20);
	qxl_cmd_draw_free(&out);
	/* A source off the coordinate range is a fault. */
	d.u.copy_bits.src_pos.x = -1;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "copy_bits source -1,3");
	d.u.copy_bits.src_pos.x = 0;
	d.u.copy_bits.src_pos.y = QXL_CMD_MAX_DIM + 1;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
}

static void
test_clip(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	QXLDrawable d;
	QXLRect rects[3];
	uint64_t off, c2;
	uint32_t n;

	t_reset();
	qxl_build_rect(&rects[0], 0, 0, 10, 10);
	qxl_build_rect(&rects[1], 20, 20, 30, 40);
	/* An empty rect is fine in a clip. */
	qxl_build_rect(&rects[2], 50, 50, 50, 60);
	/* QXLClipRects: num_rects, then the first chunk inline holding two
	 * rects, continued by a second chunk with the third. */
	c2 = qxl_build_chunk(&t_b, &rects[2], sizeof(QXLRect), 0);
	off = qxl_build_clip_rects(&t_b, 3, rects, 2, t_phys(c2));
	d = t_fill(5);
	d.clip.type = SPICE_CLIP_TYPE_RECTS;
	d.clip.data = t_phys(off);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.clip_type, SPICE_CLIP_TYPE_RECTS);
	ASSERT_INT_EQ(out.nclip, 3);
	ASSERT_INT_EQ(out.clip[1].left, 20);
	ASSERT_INT_EQ(out.clip[1].bottom, 40);
	ASSERT_INT_EQ(out.clip[2].right, 50);
	qxl_cmd_draw_free(&out);

	/* Too many rects. */
	n = QXL_CMD_MAX_CLIP_RECTS + 1;
	qxl_build_write(&t_b, off, &n, 4);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "more than");
	/* Fewer bytes than num_rects promises. */
	n = 4;
	qxl_build_write(&t_b, off, &n, 4);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "expected");
	/* A bad rect. */
	n = 3;
	qxl_build_write(&t_b, off, &n, 4);
	qxl_build_rect(&rects[2], 60, 50, 50, 60);
	qxl_build_write(&t_b, c2 + sizeof(QXLDataChunk), &rects[2],
	    sizeof(QXLRect));
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "clip rect 2");
}

static void
test_copy_direct(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	QXLDrawable d;
	uint8_t px[3][4 * 4];
	uint64_t data, img, id = 77;
	const uint32_t *p;
	uint32_t x, y;

	t_reset();
	for (y = 0; y < 3; y++)
		for (x = 0; x < 4; x++) {
			px[y][x * 4 + 0] = (uint8_t)x;		/* B */
			px[y][x * 4 + 1] = (uint8_t)y;		/* G */
			px[y][x * 4 + 2] = 0xaa;		/* R */
			px[y][x * 4 + 3] = 0x55;		/* X/A */
		}
	data = t_phys(qxl_build_put(&t_b, px, sizeof(px)));
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT |
	    QXL_BITMAP_TOP_DOWN, 4, 3, 16, data);
	qxl_build_write(&t_b, img + offsetof(QXLImage, descriptor.id), &id,
	    sizeof(id));
	ASSERT_INT_EQ(t_parse_copy(img, 4, 3, &out, &err), 0);
	ASSERT_INT_EQ(out.src.kind, QXL_CMD_SRC_BITMAP);
	ASSERT_INT_EQ(out.src.format, SPICE_BITMAP_FMT_32BIT);
	ASSERT_INT_EQ(out.src.width, 4);
	ASSERT_INT_EQ(out.src.height, 3);
	ASSERT_INT_EQ(out.src.stride, 16);
	ASSERT_INT_EQ(out.src.size, sizeof(px));
	ASSERT_U64_EQ(out.src.id, 77);
	/* Flat data is read in place, not copied. */
	ASSERT_TRUE(out.src.owned == NULL);
	ASSERT_TRUE(out.src.pixels == t_b.qb_mem + (data - t_phys(0)));
	p = (const uint32_t *)(const void *)out.src.pixels;
	ASSERT_INT_EQ(p[0], 0x55aa0000);
	ASSERT_INT_EQ(p[2 * 4 + 3], 0x55aa0203);
	qxl_cmd_draw_free(&out);

	/* Bottom-up: the top row is memory row 2, rows go backwards. */
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_RGBA, QXL_BITMAP_DIRECT,
	    4, 3, 16, data);
	ASSERT_INT_EQ(t_parse_copy(img, 4, 3, &out, &err), 0);
	ASSERT_INT_EQ(out.src.format, SPICE_BITMAP_FMT_RGBA);
	ASSERT_INT_EQ(out.src.stride, -16);
	ASSERT_INT_EQ(out.src.size, sizeof(px));
	p = (const uint32_t *)(const void *)out.src.pixels;
	ASSERT_INT_EQ(p[0], 0x55aa0200);
	p = (const uint32_t *)(const void *)(out.src.pixels +
	    2 * out.src.stride);
	ASSERT_INT_EQ(p[1], 0x55aa0001);
	ASSERT_TRUE(out.src.pixels + 2 * out.src.stride ==
	    t_b.qb_mem + (data - t_phys(0)));
	qxl_cmd_draw_free(&out);

	/* The descriptor's size is not trusted: the bitmap header's is
	 * what was checked and what the pixels have. */
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT |
	    QXL_BITMAP_TOP_DOWN, 4, 3, 16, data);
	x = 0xffffff;
	qxl_build_write(&t_b, img + offsetof(QXLImage, descriptor.width), &x,
	    sizeof(x));
	qxl_build_write(&t_b, img + offsetof(QXLImage, descriptor.height), &x,
	    sizeof(x));
	ASSERT_INT_EQ(t_parse_copy(img, 4, 3, &out, &err), 0);
	ASSERT_INT_EQ(out.src.width, 4);
	ASSERT_INT_EQ(out.src.height, 3);
	qxl_cmd_draw_free(&out);

	/* src_area outside the bitmap. */
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT,
	    4, 3, 16, data);
	d = qxl_build_copy(0x5678, t_phys(img), 4, 3);
	qxl_build_rect(&d.u.copy.src_area, 0, 0, 5, 3);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "source area");

	/* Flat data running past the end of the slot. */
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT,
	    4, 3, 16, t_phys(T_SIZE - 40));
	ASSERT_INT_EQ(t_parse_copy(img, 4, 3, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "past the end of slot 1");

	/* Stride too small, sizes too large, formats. */
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT,
	    4, 3, 15, data);
	ASSERT_INT_EQ(t_parse_copy(img, 4, 3, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "stride");
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT,
	    100000, 3, 400000, data);
	ASSERT_INT_EQ(t_parse_copy(img, 4, 3, &out, &err), QXL_CMD_EFAULT);
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT,
	    1, 0xffffffff, 0xffffffff, data);
	ASSERT_INT_EQ(t_parse_copy(img, 1, 1, &out, &err), QXL_CMD_EFAULT);
	/* A palette format parses without its palette (a mask has none;
	 * render refuses to draw it as colours). */
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_8BIT, QXL_BITMAP_DIRECT,
	    4, 3, 4, data);
	ASSERT_INT_EQ(t_parse_copy(img, 4, 3, &out, &err), 0);
	ASSERT_TRUE(out.src.palette == NULL);
	qxl_cmd_draw_free(&out);
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_1BIT_BE,
	    QXL_BITMAP_DIRECT, 4, 3, 0, data);
	ASSERT_INT_EQ(t_parse_copy(img, 4, 3, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "stride 0 not within 1..");
	img = qxl_build_bitmap(&t_b, 99, QXL_BITMAP_DIRECT, 4, 3, 16, data);
	ASSERT_INT_EQ(t_parse_copy(img, 4, 3, &out, &err), QXL_CMD_EFAULT);
}

/* Parse a COPY of a 2 x 2, 24-bit bitmap (stride 8) whose data is the
 * chunk chain starting at offset first. */
static int
t_parse_chunks(uint64_t first, struct qxl_cmd_draw *out, struct spd_err *err)
{
	uint64_t img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_24BIT, 0, 2, 2,
	    8, t_phys(first));

	return t_parse_copy(img, 2, 2, out, err);
}

/* Reserve two chunks of size bytes pointing at each other; returns the
 * offset of the first. */
static uint64_t
t_chunk_pair_loop(uint32_t size)
{
	uint64_t a = qxl_build_alloc(&t_b, sizeof(QXLDataChunk) + size);
	uint64_t b = qxl_build_alloc(&t_b, sizeof(QXLDataChunk) + size);

	qxl_build_chunk_at(&t_b, a, size, t_phys(b));
	qxl_build_chunk_at(&t_b, b, size, t_phys(a));
	return a;
}

static void
test_copy_chunks(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	uint8_t px[2 * 8];	/* 2 x 2 pixels of 24 bits, stride 8 */
	uint64_t c1, c2, img;
	size_t i;

	t_reset();
	for (i = 0; i < sizeof(px); i++)
		px[i] = (uint8_t)(i + 1);
	/* Split the 16 bytes 5 + 0 + 11 over three chunks. */
	c2 = qxl_build_chunk(&t_b, px + 5, 11, 0);
	c1 = qxl_build_chunk(&t_b, NULL, 0, t_phys(c2));
	c1 = qxl_build_chunk(&t_b, px, 5, t_phys(c1));
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_24BIT,
	    QXL_BITMAP_TOP_DOWN, 2, 2, 8, t_phys(c1));
	ASSERT_INT_EQ(t_parse_copy(img, 2, 2, &out, &err), 0);
	/* Three chunks are gathered into a private copy, 24-bit as sent. */
	ASSERT_INT_EQ(out.src.format, SPICE_BITMAP_FMT_24BIT);
	ASSERT_INT_EQ(out.src.stride, 8);
	ASSERT_INT_EQ(out.src.size, 16);
	ASSERT_TRUE(out.src.owned != NULL && out.src.pixels == out.src.owned);
	ASSERT_TRUE(memcmp(out.src.pixels, px, sizeof(px)) == 0);
	qxl_cmd_draw_free(&out);

	/* One chunk holding everything is read in place. */
	c1 = qxl_build_chunk(&t_b, px, 16, 0);
	img = qxl_build_bitmap(&t_b, SPICE_BITMAP_FMT_24BIT,
	    QXL_BITMAP_TOP_DOWN, 2, 2, 8, t_phys(c1));
	ASSERT_INT_EQ(t_parse_copy(img, 2, 2, &out, &err), 0);
	ASSERT_TRUE(out.src.owned == NULL);
	ASSERT_TRUE(out.src.pixels == t_b.qb_mem + c1 + sizeof(QXLDataChunk));
	qxl_cmd_draw_free(&out);

	/* Total smaller than stride * height. */
	c2 = qxl_build_chunk(&t_b, px, 10, 0);
	ASSERT_INT_EQ(t_parse_chunks(c2, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "holds 10 bytes, expected 16");
	/* Total larger. */
	c2 = qxl_build_chunk(&t_b, px, 16, 0);
	c1 = qxl_build_chunk(&t_b, px, 8, t_phys(c2));
	ASSERT_INT_EQ(t_parse_chunks(c1, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "more than the expected");

	/* A chunk pointing at itself. */
	c1 = qxl_build_alloc(&t_b, sizeof(QXLDataChunk) + 8);
	qxl_build_chunk_at(&t_b, c1, 0, t_phys(c1));
	ASSERT_INT_EQ(t_parse_chunks(c1, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "loops");
	/* A loop of two empty chunks not through the first one: ends at
	 * the chunk cap. */
	c1 = qxl_build_chunk(&t_b, NULL, 0, t_phys(t_chunk_pair_loop(0)));
	ASSERT_INT_EQ(t_parse_chunks(c1, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "longer than 4096 chunks");
	/* A loop with data ends once it holds too much. */
	c1 = qxl_build_chunk(&t_b, NULL, 0, t_phys(t_chunk_pair_loop(4)));
	ASSERT_INT_EQ(t_parse_chunks(c1, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "more than the expected");
	/* A chunk whose data leaves the slot. */
	c1 = T_SIZE - sizeof(QXLDataChunk) - 4;
	qxl_build_chunk_at(&t_b, c1, 16, 0);
	ASSERT_INT_EQ(t_parse_chunks(c1, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "past the end");
	/* Chain through a bad generation. */
	c2 = qxl_build_chunk(&t_b, px, 8, 0);
	c1 = qxl_build_chunk(&t_b, px, 8, QXLSHM_PHYS(T_SLOT, T_GEN + 1, c2));
	ASSERT_INT_EQ(t_parse_chunks(c1, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "generation");
}

static void
test_copy_surface(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	uint64_t off;
	uint8_t glz = SPICE_IMAGE_TYPE_GLZ_RGB;

	t_reset();
	off = qxl_build_surface_image(&t_b, 3, 64, 32);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err), 0);
	ASSERT_INT_EQ(out.src.kind, QXL_CMD_SRC_SURFACE);
	ASSERT_INT_EQ(out.src.surface_id, 3);
	ASSERT_TRUE(out.src.pixels == NULL);
	qxl_cmd_draw_free(&out);

	off = qxl_build_surface_image(&t_b, QXL_CMD_MAX_SURFACES, 64, 32);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err), QXL_CMD_EFAULT);

	/* A whole QXLImage of a type the parser does not take (GLZ is a
	 * client's dictionary, never a producer's). */
	off = qxl_build_bitmap(&t_b, 0, 0, 64, 32, 0, 0);
	qxl_build_write(&t_b, off + offsetof(QXLImage, descriptor.type), &glz,
	    1);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err),
	    QXL_CMD_EUNSUPPORTED);
}

/* A QXLImage of a compressed type: data_size, then its chunk chain (the
 * data in two chunks of size/2 and the rest). */
static uint64_t
t_stream_image(uint8_t type, uint32_t w, uint32_t h, const void *data,
    uint32_t size, uint32_t declared)
{
	uint64_t off = qxl_build_alloc(&t_b, offsetof(QXLImage, quic) + 4 +
	    sizeof(QXLDataChunk) + size / 2);
	uint64_t next = qxl_build_chunk(&t_b, (const uint8_t *)data + size / 2,
	    size - size / 2, 0);
	QXLImageDescriptor d;

	memset(&d, 0, sizeof(d));
	d.type = type;
	d.width = w;
	d.height = h;
	qxl_build_write(&t_b, off, &d, sizeof(d));
	qxl_build_write(&t_b, off + offsetof(QXLImage, quic.data_size),
	    &declared, 4);
	qxl_build_chunk_at(&t_b, off + offsetof(QXLImage, quic.data), size / 2,
	    t_phys(next));
	qxl_build_write(&t_b, off + offsetof(QXLImage, quic.data) +
	    sizeof(QXLDataChunk), data, size / 2);
	return off;
}

static void
test_copy_compressed(void)
{
	static const uint8_t stream[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct qxl_cmd_draw out;
	struct spd_err err;
	uint64_t off;

	t_reset();
	off = t_stream_image(SPICE_IMAGE_TYPE_LZ_RGB, 64, 32, stream, 10, 10);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err), 0);
	ASSERT_INT_EQ(out.src.kind, QXL_CMD_SRC_COMPRESSED);
	ASSERT_INT_EQ(out.src.codec, SPICE_IMAGE_TYPE_LZ_RGB);
	ASSERT_INT_EQ(out.src.size, 10);
	/* Copied, out of the slot, both chunks in order. */
	ASSERT_TRUE(out.src.owned != NULL && out.src.pixels == out.src.owned);
	ASSERT_MEM_EQ(out.src.pixels, stream, 10);
	qxl_cmd_draw_free(&out);
	off = t_stream_image(SPICE_IMAGE_TYPE_JPEG, 64, 32, stream, 10, 10);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err), 0);
	qxl_cmd_draw_free(&out);

	/* The chain holds more or less than data_size; no data; a size
	 * past the caps; a descriptor of no pixels; the source area outside
	 * the descriptor's size. */
	off = t_stream_image(SPICE_IMAGE_TYPE_QUIC, 64, 32, stream, 10, 9);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "more than the expected 9 bytes");
	off = t_stream_image(SPICE_IMAGE_TYPE_QUIC, 64, 32, stream, 10, 11);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err), QXL_CMD_EFAULT);
	off = t_stream_image(SPICE_IMAGE_TYPE_QUIC, 64, 32, stream, 10, 0);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "compressed image of 0 bytes");
	off = t_stream_image(SPICE_IMAGE_TYPE_QUIC, 64, 32, stream, 10,
	    QXL_CMD_MAX_DATA + 1);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err), QXL_CMD_EFAULT);
	off = t_stream_image(SPICE_IMAGE_TYPE_QUIC, 0, 32, stream, 10, 10);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "compressed image of 0x32");
	off = t_stream_image(SPICE_IMAGE_TYPE_QUIC, 16, 32, stream, 10, 10);
	ASSERT_INT_EQ(t_parse_copy(off, 64, 32, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "source area");
}

static void
test_addresses(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	uint64_t id;

	t_reset();
	/* Drawable that does not fit before the end of the slot. */
	ASSERT_INT_EQ(qxl_cmd_parse_draw(&t_slots, t_phys(T_SIZE - 10), &out,
	    &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "past the end of slot 1");
	ASSERT_INT_EQ(qxl_cmd_parse_draw(&t_slots, t_phys(T_SIZE + 4096),
	    &out, &err), QXL_CMD_EFAULT);
	/* Offsets near the top of the 48 bits must not wrap. */
	ASSERT_INT_EQ(qxl_cmd_parse_draw(&t_slots, t_phys(QXLSHM_OFFSET_MASK),
	    &out, &err), QXL_CMD_EFAULT);
	/* Wrong generation, absent slot, slot id out of range. */
	ASSERT_INT_EQ(qxl_cmd_parse_draw(&t_slots, QXLSHM_PHYS(T_SLOT, 3, 64),
	    &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "generation 3, slot 1 is at generation 2");
	ASSERT_INT_EQ(qxl_cmd_parse_draw(&t_slots, QXLSHM_PHYS(5, T_GEN, 64),
	    &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "not present");
	ASSERT_INT_EQ(qxl_cmd_parse_draw(&t_slots, QXLSHM_PHYS(200, T_GEN, 64),
	    &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "out of range");
	/* Release id of anything readable. */
	qxl_build_write(&t_b, 64, &(uint64_t){ 0xfeedface }, 8);
	ASSERT_INT_EQ(qxl_cmd_release_id(&t_slots, t_phys(64), &id, &err), 0);
	ASSERT_U64_EQ(id, 0xfeedface);
	ASSERT_INT_EQ(qxl_cmd_release_id(&t_slots, t_phys(T_SIZE - 4), &id,
	    &err), -1);
}

static uint64_t
t_surface_cmd(uint8_t type, uint32_t id, uint32_t flags, uint32_t fmt,
    uint32_t w, uint32_t h, int32_t stride, uint64_t data)
{
	QXLSurfaceCmd sc = qxl_build_surface_cmd(type, id, flags, fmt, w, h,
	    stride, data);

	sc.release_info.id = 99;
	return t_phys(qxl_build_put(&t_b, &sc, sizeof(sc)));
}

static void
test_surface(void)
{
	static const struct {
		uint8_t		 type;
		uint32_t	 id, fmt, w, h;
		int32_t		 stride;
		int		 want;
		const char	*msg;
	} bad[] = {
		{ QXL_SURFACE_CMD_CREATE, 0, SPICE_SURFACE_FMT_32_xRGB, 2, 3, 8,
		    QXL_CMD_EFAULT, NULL },
		{ QXL_SURFACE_CMD_CREATE, 1, SPICE_SURFACE_FMT_32_xRGB, 2, 3, 4,
		    QXL_CMD_EFAULT, "stride" },
		{ QXL_SURFACE_CMD_CREATE, 1, SPICE_SURFACE_FMT_32_xRGB, 2, 3,
		    INT32_MIN, QXL_CMD_EFAULT, NULL },
		{ QXL_SURFACE_CMD_CREATE, 1, SPICE_SURFACE_FMT_32_xRGB, 2, 3,
		    10, QXL_CMD_EFAULT, NULL },
		{ QXL_SURFACE_CMD_CREATE, 1, SPICE_SURFACE_FMT_16_565, 2, 3, 8,
		    QXL_CMD_EUNSUPPORTED, NULL },
		{ QXL_SURFACE_CMD_CREATE, 1, 33, 2, 3, 8, QXL_CMD_EFAULT,
		    NULL },
		{ QXL_SURFACE_CMD_CREATE, 1, SPICE_SURFACE_FMT_32_xRGB, 8192,
		    8192, 32768, QXL_CMD_EFAULT, "past the end" },
		{ QXL_SURFACE_CMD_CREATE, 1, SPICE_SURFACE_FMT_32_xRGB, 8193,
		    1, 32772, QXL_CMD_EFAULT, NULL },
		{ 7, 1, 0, 0, 0, 0, QXL_CMD_EFAULT, NULL },
	};
	struct qxl_cmd_surface out;
	struct qxlshm_create_primary cp;
	struct spd_err err;
	uint64_t mem;
	const uint32_t *p;
	uint32_t i;

	t_reset();
	mem = qxl_build_alloc(&t_b, 2 * 3 * 8);
	for (i = 0; i < 12; i++)
		qxl_build_write(&t_b, mem + i * 4, &i, 4);
	/* Bottom-up, stride 8 (2 px), 3 lines, keep data. */
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 1, QXL_SURF_FLAG_KEEP_DATA,
	    SPICE_SURFACE_FMT_32_xRGB, 2, 3, -8, t_phys(mem)), &out, &err), 0);
	ASSERT_INT_EQ(out.surface_id, 1);
	ASSERT_U64_EQ(out.release_id, 99);
	/* In place: line 0 is the last block, lines go backwards. */
	ASSERT_INT_EQ(out.stride, -8);
	ASSERT_TRUE(out.pixels == t_b.qb_mem + mem + 2 * 8);
	p = (const uint32_t *)(const void *)out.pixels;
	ASSERT_INT_EQ(p[0], 4);
	p = (const uint32_t *)(const void *)(out.pixels + 2 * out.stride);
	ASSERT_INT_EQ(p[1], 1);
	/* Without KEEP_DATA no pixels. */
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 2, 0, SPICE_SURFACE_FMT_32_ARGB, 2, 3, 8,
	    t_phys(mem)), &out, &err), 0);
	ASSERT_TRUE(out.pixels == NULL);
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_DESTROY, 2, 0, 0, 0, 0, 0, 0), &out, &err), 0);
	ASSERT_INT_EQ(out.type, QXL_SURFACE_CMD_DESTROY);

	/* Bad ones. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
		    bad[i].type, bad[i].id, 0, bad[i].fmt, bad[i].w, bad[i].h,
		    bad[i].stride, t_phys(mem)), &out, &err);

		if (r != bad[i].want)
			TEST_FAIL("bad surface %u: %d, expected %d", i, r,
			    bad[i].want);
		if (bad[i].msg != NULL)
			ASSERT_STR_CONTAINS(err.msg, bad[i].msg);
	}

	/* Primary. */
	memset(&cp, 0, sizeof(cp));
	cp.width = 2;
	cp.height = 3;
	cp.stride = 8;
	cp.format = SPICE_SURFACE_FMT_32_xRGB;
	cp.mem = t_phys(mem);
	ASSERT_INT_EQ(qxl_cmd_parse_primary(&t_slots, &cp, &out, &err), 0);
	ASSERT_INT_EQ(out.surface_id, 0);
	ASSERT_TRUE(out.pixels == t_b.qb_mem + mem);
	p = (const uint32_t *)(const void *)out.pixels;
	ASSERT_INT_EQ(p[2], 2);
	cp.mem = QXLSHM_PHYS(T_SLOT, 0, mem);
	ASSERT_INT_EQ(qxl_cmd_parse_primary(&t_slots, &cp, &out, &err),
	    QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "primary surface");
}

/* A cursor command of type with the shape at shape_off (SET). */
static int
t_parse_cursor(uint8_t type, uint64_t shape_off, struct qxl_cmd_cursor *out,
    struct spd_err *err)
{
	QXLCursorCmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.release_info.id = 77;
	cmd.type = type;
	if (type == QXL_CURSOR_SET) {
		cmd.u.set.position.x = -3;
		cmd.u.set.position.y = 40;
		cmd.u.set.visible = 1;
		cmd.u.set.shape = t_phys(shape_off);
	} else if (type == QXL_CURSOR_MOVE) {
		cmd.u.position.x = 12;
		cmd.u.position.y = 34;
	} else if (type == QXL_CURSOR_TRAIL) {
		cmd.u.trail.length = 5;
		cmd.u.trail.frequency = 6;
	}
	memset(err, 0, sizeof(*err));
	return qxl_cmd_parse_cursor(&t_slots, t_phys(qxl_build_put(&t_b, &cmd,
	    sizeof(cmd))), out, err);
}

static void
test_cursor(void)
{
	struct qxl_cmd_cursor cc;
	struct spd_err err;
	uint8_t px[32 * 32 * 4 + 64];
	uint64_t c2, off;
	size_t i;

	for (i = 0; i < sizeof(px); i++)
		px[i] = (uint8_t)(i * 7);
	ASSERT_INT_EQ(qxl_cmd_cursor_size(SPICE_CURSOR_TYPE_MONO, 9, 2), 8);
	ASSERT_INT_EQ(qxl_cmd_cursor_size(SPICE_CURSOR_TYPE_ALPHA, 3, 2), 24);
	ASSERT_INT_EQ(qxl_cmd_cursor_size(SPICE_CURSOR_TYPE_COLOR4, 3, 2),
	    4 + 64 + 2);
	ASSERT_INT_EQ(qxl_cmd_cursor_size(SPICE_CURSOR_TYPE_COLOR32, 8, 1),
	    32 + 1);
	ASSERT_INT_EQ(qxl_cmd_cursor_size(9, 8, 8), 0);

	/* SET with a MONO shape in one chunk, declared larger than needed:
	 * the needed bytes are kept. */
	t_reset();
	off = qxl_build_cursor(&t_b, SPICE_CURSOR_TYPE_MONO, 16, 4, 2, 3,
	    0xabc, 20, px, 20, 0);
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_SET, off, &cc, &err), 0);
	ASSERT_INT_EQ(cc.type, QXL_CURSOR_SET);
	ASSERT_INT_EQ(cc.release_id, 77);
	ASSERT_INT_EQ(cc.x, -3);
	ASSERT_INT_EQ(cc.y, 40);
	ASSERT_INT_EQ(cc.visible, 1);
	ASSERT_INT_EQ(cc.unique, 0xabc);
	ASSERT_INT_EQ(cc.width, 16);
	ASSERT_INT_EQ(cc.hot_y, 3);
	ASSERT_INT_EQ(cc.data_size, 16);
	ASSERT_TRUE(memcmp(cc.data, px, 16) == 0);
	qxl_cmd_cursor_free(&cc);
	ASSERT_TRUE(cc.data == NULL);

	/* ALPHA 32x32 over two chunks. */
	t_reset();
	c2 = qxl_build_chunk(&t_b, px + 1000, 32 * 32 * 4 - 1000, 0);
	off = qxl_build_cursor(&t_b, SPICE_CURSOR_TYPE_ALPHA, 32, 32, 31, 0,
	    5, 32 * 32 * 4, px, 1000, t_phys(c2));
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_SET, off, &cc, &err), 0);
	ASSERT_INT_EQ(cc.data_size, 32 * 32 * 4);
	ASSERT_TRUE(memcmp(cc.data, px, 32 * 32 * 4) == 0);
	qxl_cmd_cursor_free(&cc);

	/* MOVE, HIDE, TRAIL carry their fields only. */
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_MOVE, 0, &cc, &err), 0);
	ASSERT_INT_EQ(cc.x, 12);
	ASSERT_INT_EQ(cc.y, 34);
	ASSERT_TRUE(cc.data == NULL);
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_HIDE, 0, &cc, &err), 0);
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_TRAIL, 0, &cc, &err), 0);
	ASSERT_INT_EQ(cc.trail_length, 5);
	ASSERT_INT_EQ(cc.trail_frequency, 6);

	/* What is refused, and how. */
	ASSERT_INT_EQ(t_parse_cursor(9, 0, &cc, &err), QXL_CMD_EUNSUPPORTED);
	t_reset();
	off = qxl_build_cursor(&t_b, 99, 4, 4, 0, 0, 1, 64, px, 64, 0);
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_SET, off, &cc, &err),
	    QXL_CMD_EUNSUPPORTED);
	ASSERT_STR_CONTAINS(err.msg, "type 99");
	off = qxl_build_cursor(&t_b, SPICE_CURSOR_TYPE_ALPHA, 4, 4, 0, 0, 1,
	    63, px, 63, 0);
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_SET, off, &cc, &err),
	    QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "data_size 63");
	off = qxl_build_cursor(&t_b, SPICE_CURSOR_TYPE_ALPHA, 4, 4, 4, 0, 1,
	    64, px, 64, 0);
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_SET, off, &cc, &err),
	    QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "hot spot");
	off = qxl_build_cursor(&t_b, SPICE_CURSOR_TYPE_ALPHA, 513, 1, 0, 0, 1,
	    513 * 4, NULL, 0, 0);
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_SET, off, &cc, &err),
	    QXL_CMD_EFAULT);
	off = qxl_build_cursor(&t_b, SPICE_CURSOR_TYPE_ALPHA, 4, 4, 0, 0, 1,
	    QXL_CMD_MAX_CURSOR_DATA + 1, NULL, 0, 0);
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_SET, off, &cc, &err),
	    QXL_CMD_EFAULT);
	/* The chain holds less than declared; then a chunk past the slot. */
	off = qxl_build_cursor(&t_b, SPICE_CURSOR_TYPE_ALPHA, 4, 4, 0, 0, 1,
	    64, px, 60, 0);
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_SET, off, &cc, &err),
	    QXL_CMD_EFAULT);
	off = qxl_build_cursor(&t_b, SPICE_CURSOR_TYPE_ALPHA, 4, 4, 0, 0, 1,
	    64, px, 32, t_phys(T_SIZE - 8));
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_SET, off, &cc, &err),
	    QXL_CMD_EFAULT);
	ASSERT_TRUE(cc.data == NULL);
	/* A shape address outside every slot. */
	ASSERT_INT_EQ(t_parse_cursor(QXL_CURSOR_SET, T_SIZE + 64, &cc, &err),
	    QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "cursor command at");
}

/* Random garbage must never crash and never yield an invalid result. */
static void
test_random(void)
{
	struct qxl_cmd_draw out;
	struct qxl_cmd_surface so;
	struct spd_err err;
	size_t i;
	int n, r;

	test_seed();
	for (n = 0; n < 2000; n++) {
		t_reset();
		for (i = 0; i < 4096; i++)
			t_b.qb_mem[i] = (uint8_t)rand();
		/* Point some QXLPHYSICALs back into the slot. */
		for (i = 0; i < 16; i++) {
			uint64_t ph = t_phys((uint64_t)(rand() % 4000));

			memcpy(t_b.qb_mem + (rand() % 4088), &ph, 8);
		}
		r = qxl_cmd_parse_draw(&t_slots, t_phys(rand() % 256), &out,
		    &err);
		if (r == 0) {
			ASSERT_TRUE(out.bbox.left < out.bbox.right);
			qxl_cmd_draw_free(&out);
		}
		r = qxl_cmd_parse_surface(&t_slots, t_phys(rand() % 256), &so,
		    &err);
		if (r != 0)
			ASSERT_TRUE(so.pixels == NULL);
	}
}

int
main(void)
{
	t_setup();
	test_fill();
	test_copy_bits();
	test_clip();
	test_copy_direct();
	test_copy_chunks();
	test_copy_surface();
	test_copy_compressed();
	test_addresses();
	test_surface();
	test_cursor();
	test_random();
	printf("test-qxl-cmd: ok\n");
	return 0;
}
