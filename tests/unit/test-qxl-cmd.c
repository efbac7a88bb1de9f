/*
 * test-qxl-cmd: qxl-shm/qxl-cmd.c on good and hostile commands built in a
 * private buffer registered as slot 1, generation 2.
 */
#include <stddef.h>
#include <stdint.h>

#include <spice/qxl_dev.h>
#include <spice/enums.h>

#include "err.h"
#include "slots.h"
#include "qxl-cmd.h"
#include "test-helper.h"

#define T_SLOT		1
#define T_GEN		2
#define T_SIZE		(1u << 20)

static uint8_t	*t_mem;
static size_t	 t_bump;
static struct slots t_slots;

static void
t_reset(void)
{
	memset(t_mem, 0, T_SIZE);
	t_bump = 64;	/* keep offset 0 unused: phys 0 means "none" */
}

/* Reserve n bytes (8-aligned) in the slot; returns the offset. */
static uint64_t
t_alloc(size_t n)
{
	uint64_t off = t_bump;

	t_bump = (t_bump + n + 7) & ~(size_t)7;
	if (t_bump > T_SIZE)
		TEST_FAIL("test slot full");
	return off;
}

static uint64_t
t_phys(uint64_t off)
{
	return QXLSHM_PHYS(T_SLOT, T_GEN, off);
}

static uint64_t
t_put(const void *p, size_t n)
{
	uint64_t off = t_alloc(n);

	memcpy(t_mem + off, p, n);
	return off;
}

/* A chunk with size data bytes (filled from data if not NULL). */
static uint64_t
t_chunk(const void *data, uint32_t size, uint64_t next_phys)
{
	QXLDataChunk c;
	uint64_t off = t_alloc(sizeof(c) + size);

	memset(&c, 0, sizeof(c));
	c.data_size = size;
	c.next_chunk = next_phys;
	memcpy(t_mem + off, &c, sizeof(c));
	if (data != NULL)
		memcpy(t_mem + off + sizeof(c), data, size);
	return off;
}

static uint64_t
t_bitmap(uint8_t fmt, uint8_t flags, uint32_t w, uint32_t h, uint32_t stride,
    uint64_t data_phys)
{
	QXLImage img;

	memset(&img, 0, sizeof(img));
	img.descriptor.id = 77;
	img.descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img.descriptor.width = w;
	img.descriptor.height = h;
	img.bitmap.format = fmt;
	img.bitmap.flags = flags;
	img.bitmap.x = w;
	img.bitmap.y = h;
	img.bitmap.stride = stride;
	img.bitmap.data = data_phys;
	return t_put(&img, sizeof(img));
}

static void
t_rect(QXLRect *r, int32_t left, int32_t top, int32_t right, int32_t bottom)
{
	r->left = left;
	r->top = top;
	r->right = right;
	r->bottom = bottom;
}

static QXLDrawable
t_fill(uint32_t color)
{
	QXLDrawable d;

	memset(&d, 0, sizeof(d));
	d.release_info.id = 0x1234;
	d.type = QXL_DRAW_FILL;
	d.effect = QXL_EFFECT_OPAQUE;
	t_rect(&d.bbox, 10, 20, 110, 70);
	d.clip.type = SPICE_CLIP_TYPE_NONE;
	d.u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.u.fill.brush.u.color = color;
	d.u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
	return d;
}

static QXLDrawable
t_copy(uint64_t img_phys, int32_t w, int32_t h)
{
	QXLDrawable d;

	memset(&d, 0, sizeof(d));
	d.release_info.id = 0x5678;
	d.type = QXL_DRAW_COPY;
	t_rect(&d.bbox, 0, 0, w, h);
	d.clip.type = SPICE_CLIP_TYPE_NONE;
	d.u.copy.src_bitmap = img_phys;
	t_rect(&d.u.copy.src_area, 0, 0, w, h);
	d.u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	return d;
}

static int
t_parse(const QXLDrawable *d, struct qxl_cmd_draw *out, struct spd_err *err)
{
	uint64_t off = t_put(d, sizeof(*d));

	memset(err, 0, sizeof(*err));
	return qxl_cmd_parse_draw(&t_slots, t_phys(off), out, err);
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
	ASSERT_INT_EQ(out.fill_color, 0x00ff8000);
	ASSERT_INT_EQ(out.bbox.left, 10);
	ASSERT_INT_EQ(out.bbox.bottom, 70);
	ASSERT_INT_EQ(out.clip_type, SPICE_CLIP_TYPE_NONE);
	ASSERT_TRUE(out.clip == NULL);
	qxl_cmd_draw_free(&out);

	/* Unsupported, not faults. */
	d = t_fill(1);
	d.u.fill.rop_descriptor = SPICE_ROPD_OP_XOR;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EUNSUPPORTED);
	ASSERT_STR_CONTAINS(err.msg, "rop");
	d = t_fill(1);
	d.type = QXL_DRAW_OPAQUE;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EUNSUPPORTED);
	d = t_fill(1);
	d.u.fill.brush.type = SPICE_BRUSH_TYPE_PATTERN;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EUNSUPPORTED);

	/* Faults. */
	d = t_fill(1);
	d.type = 200;
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	d = t_fill(1);
	t_rect(&d.bbox, 10, 10, 5, 20);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "bbox");
	d = t_fill(1);
	t_rect(&d.bbox, 0, 0, QXL_CMD_MAX_DIM + 1, 20);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	d = t_fill(1);
	t_rect(&d.bbox, -1, 0, 10, 20);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	d = t_fill(1);
	t_rect(&d.bbox, 5, 5, 5, 20);
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
test_clip(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	QXLDrawable d;
	QXLRect rects[3];
	uint64_t off, c2;
	uint32_t n;

	t_reset();
	t_rect(&rects[0], 0, 0, 10, 10);
	t_rect(&rects[1], 20, 20, 30, 40);
	t_rect(&rects[2], 50, 50, 50, 60);	/* empty is fine in a clip */
	/* QXLClipRects: num_rects, then the first chunk inline holding two
	 * rects, continued by a second chunk with the third. */
	c2 = t_chunk(&rects[2], sizeof(QXLRect), 0);
	off = t_alloc(4 + sizeof(QXLDataChunk) + 2 * sizeof(QXLRect));
	n = 3;
	memcpy(t_mem + off, &n, 4);
	{
		QXLDataChunk c;

		memset(&c, 0, sizeof(c));
		c.data_size = 2 * sizeof(QXLRect);
		c.next_chunk = t_phys(c2);
		memcpy(t_mem + off + 4, &c, sizeof(c));
		memcpy(t_mem + off + 4 + sizeof(c), rects, 2 * sizeof(QXLRect));
	}
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
	memcpy(t_mem + off, &n, 4);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "more than");
	/* Fewer bytes than num_rects promises. */
	n = 4;
	memcpy(t_mem + off, &n, 4);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "expected");
	/* A bad rect. */
	n = 3;
	memcpy(t_mem + off, &n, 4);
	t_rect(&rects[2], 60, 50, 50, 60);
	memcpy(t_mem + c2 + sizeof(QXLDataChunk), &rects[2], sizeof(QXLRect));
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
	uint64_t data, img;
	uint32_t *p, x, y;

	t_reset();
	for (y = 0; y < 3; y++)
		for (x = 0; x < 4; x++) {
			px[y][x * 4 + 0] = (uint8_t)x;		/* B */
			px[y][x * 4 + 1] = (uint8_t)y;		/* G */
			px[y][x * 4 + 2] = 0xaa;		/* R */
			px[y][x * 4 + 3] = 0x55;		/* X/A */
		}
	data = t_put(px, sizeof(px));
	img = t_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT |
	    QXL_BITMAP_TOP_DOWN, 4, 3, 16, t_phys(data));
	d = t_copy(t_phys(img), 4, 3);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.src.kind, QXL_CMD_SRC_BITMAP);
	ASSERT_INT_EQ(out.src.width, 4);
	ASSERT_INT_EQ(out.src.height, 3);
	ASSERT_INT_EQ(out.src.stride, 16);
	ASSERT_INT_EQ(out.src.has_alpha, 0);
	ASSERT_U64_EQ(out.src.id, 77);
	p = (uint32_t *)(void *)out.src.pixels;
	ASSERT_INT_EQ(p[0], 0x00aa0000);
	ASSERT_INT_EQ(p[2 * 4 + 3], 0x00aa0203);
	qxl_cmd_draw_free(&out);

	/* Bottom-up: memory row 0 is picture row 2. */
	img = t_bitmap(SPICE_BITMAP_FMT_RGBA, QXL_BITMAP_DIRECT, 4, 3, 16,
	    t_phys(data));
	d = t_copy(t_phys(img), 4, 3);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.src.has_alpha, 1);
	p = (uint32_t *)(void *)out.src.pixels;
	ASSERT_INT_EQ(p[0], 0x55aa0200);
	ASSERT_INT_EQ(p[2 * 4 + 1], 0x55aa0001);
	qxl_cmd_draw_free(&out);

	/* src_area outside the bitmap. */
	img = t_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT, 4, 3, 16,
	    t_phys(data));
	d = t_copy(t_phys(img), 4, 3);
	t_rect(&d.u.copy.src_area, 0, 0, 5, 3);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "source area");

	/* Flat data running past the end of the slot. */
	img = t_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT, 4, 3, 16,
	    t_phys(T_SIZE - 40));
	d = t_copy(t_phys(img), 4, 3);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "past the end of slot 1");

	/* Stride too small, sizes too large, formats. */
	img = t_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT, 4, 3, 15,
	    t_phys(data));
	d = t_copy(t_phys(img), 4, 3);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "stride");
	img = t_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT, 100000, 3,
	    400000, t_phys(data));
	d = t_copy(t_phys(img), 4, 3);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	img = t_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT, 1, 0xffffffff,
	    0xffffffff, t_phys(data));
	d = t_copy(t_phys(img), 1, 1);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	img = t_bitmap(SPICE_BITMAP_FMT_8BIT, QXL_BITMAP_DIRECT, 4, 3, 4,
	    t_phys(data));
	d = t_copy(t_phys(img), 4, 3);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EUNSUPPORTED);
	img = t_bitmap(99, QXL_BITMAP_DIRECT, 4, 3, 16, t_phys(data));
	d = t_copy(t_phys(img), 4, 3);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
}

static void
test_copy_chunks(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	QXLDrawable d;
	uint8_t px[2 * 8];	/* 2 x 2 pixels of 24 bits, stride 8 */
	uint64_t c1, c2, img;
	uint32_t *p;
	size_t i;

	t_reset();
	for (i = 0; i < sizeof(px); i++)
		px[i] = (uint8_t)(i + 1);
	/* Split the 16 bytes 5 + 0 + 11 over three chunks. */
	c2 = t_chunk(px + 5, 11, 0);
	c1 = t_chunk(NULL, 0, t_phys(c2));
	c1 = t_chunk(px, 5, t_phys(c1));
	img = t_bitmap(SPICE_BITMAP_FMT_24BIT, QXL_BITMAP_TOP_DOWN, 2, 2, 8,
	    t_phys(c1));
	d = t_copy(t_phys(img), 2, 2);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	p = (uint32_t *)(void *)out.src.pixels;
	ASSERT_INT_EQ(p[0], 0x030201);
	ASSERT_INT_EQ(p[1], 0x060504);
	ASSERT_INT_EQ(p[2], 0x0b0a09);
	ASSERT_INT_EQ(p[3], 0x0e0d0c);
	qxl_cmd_draw_free(&out);

	/* Total smaller than stride * height. */
	c2 = t_chunk(px, 10, 0);
	img = t_bitmap(SPICE_BITMAP_FMT_24BIT, 0, 2, 2, 8, t_phys(c2));
	d = t_copy(t_phys(img), 2, 2);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "holds 10 bytes, expected 16");
	/* Total larger. */
	c2 = t_chunk(px, 16, 0);
	c1 = t_chunk(px, 8, t_phys(c2));
	img = t_bitmap(SPICE_BITMAP_FMT_24BIT, 0, 2, 2, 8, t_phys(c1));
	d = t_copy(t_phys(img), 2, 2);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "more than the expected");

	/* A chunk pointing at itself. */
	c1 = t_alloc(sizeof(QXLDataChunk) + 8);
	{
		QXLDataChunk c = { .data_size = 0, .next_chunk = t_phys(c1) };

		memcpy(t_mem + c1, &c, sizeof(c));
	}
	img = t_bitmap(SPICE_BITMAP_FMT_24BIT, 0, 2, 2, 8, t_phys(c1));
	d = t_copy(t_phys(img), 2, 2);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "loops");
	/* A loop of two empty chunks not through the first one: ends at
	 * the chunk cap. */
	{
		uint64_t a = t_alloc(sizeof(QXLDataChunk));
		uint64_t b = t_alloc(sizeof(QXLDataChunk));
		QXLDataChunk c = { .data_size = 0, .next_chunk = t_phys(b) };

		memcpy(t_mem + a, &c, sizeof(c));
		c.next_chunk = t_phys(a);
		memcpy(t_mem + b, &c, sizeof(c));
		c1 = t_chunk(NULL, 0, t_phys(a));
	}
	img = t_bitmap(SPICE_BITMAP_FMT_24BIT, 0, 2, 2, 8, t_phys(c1));
	d = t_copy(t_phys(img), 2, 2);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "longer than 4096 chunks");
	/* A loop with data ends once it holds too much. */
	{
		uint64_t a = t_alloc(sizeof(QXLDataChunk) + 4);
		uint64_t b = t_alloc(sizeof(QXLDataChunk) + 4);
		QXLDataChunk c = { .data_size = 4, .next_chunk = t_phys(b) };

		memcpy(t_mem + a, &c, sizeof(c));
		c.next_chunk = t_phys(a);
		memcpy(t_mem + b, &c, sizeof(c));
		c1 = t_chunk(NULL, 0, t_phys(a));
	}
	img = t_bitmap(SPICE_BITMAP_FMT_24BIT, 0, 2, 2, 8, t_phys(c1));
	d = t_copy(t_phys(img), 2, 2);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "more than the expected");
	/* A chunk whose data leaves the slot. */
	c1 = T_SIZE - sizeof(QXLDataChunk) - 4;
	{
		QXLDataChunk c = { .data_size = 16, .next_chunk = 0 };

		memcpy(t_mem + c1, &c, sizeof(c));
	}
	img = t_bitmap(SPICE_BITMAP_FMT_24BIT, 0, 2, 2, 8, t_phys(c1));
	d = t_copy(t_phys(img), 2, 2);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "past the end");
	/* Chain through a bad generation. */
	c2 = t_chunk(px, 8, 0);
	c1 = t_chunk(px, 8, QXLSHM_PHYS(T_SLOT, T_GEN + 1, c2));
	img = t_bitmap(SPICE_BITMAP_FMT_24BIT, 0, 2, 2, 8, t_phys(c1));
	d = t_copy(t_phys(img), 2, 2);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "generation");
}

static void
test_copy_surface(void)
{
	struct qxl_cmd_draw out;
	struct spd_err err;
	QXLDrawable d;
	QXLImage img;
	uint64_t off;

	t_reset();
	memset(&img, 0, sizeof(img));
	img.descriptor.type = SPICE_IMAGE_TYPE_SURFACE;
	img.descriptor.width = 64;
	img.descriptor.height = 32;
	img.surface_image.surface_id = 3;
	off = t_put(&img, sizeof(img.descriptor) + 4);
	d = t_copy(t_phys(off), 64, 32);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), 0);
	ASSERT_INT_EQ(out.src.kind, QXL_CMD_SRC_SURFACE);
	ASSERT_INT_EQ(out.src.surface_id, 3);
	ASSERT_TRUE(out.src.pixels == NULL);
	qxl_cmd_draw_free(&out);

	img.surface_image.surface_id = QXL_CMD_MAX_SURFACES;
	off = t_put(&img, sizeof(img.descriptor) + 4);
	d = t_copy(t_phys(off), 64, 32);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EFAULT);

	img.descriptor.type = SPICE_IMAGE_TYPE_QUIC;
	off = t_put(&img, sizeof(img));
	d = t_copy(t_phys(off), 64, 32);
	ASSERT_INT_EQ(t_parse(&d, &out, &err), QXL_CMD_EUNSUPPORTED);
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
	memcpy(t_mem + 64, &(uint64_t){ 0xfeedface }, 8);
	ASSERT_INT_EQ(qxl_cmd_release_id(&t_slots, t_phys(64), &id, &err), 0);
	ASSERT_U64_EQ(id, 0xfeedface);
	ASSERT_INT_EQ(qxl_cmd_release_id(&t_slots, t_phys(T_SIZE - 4), &id,
	    &err), -1);
}

static uint64_t
t_surface_cmd(uint8_t type, uint32_t id, uint32_t flags, uint32_t fmt,
    uint32_t w, uint32_t h, int32_t stride, uint64_t data)
{
	QXLSurfaceCmd sc;

	memset(&sc, 0, sizeof(sc));
	sc.release_info.id = 99;
	sc.surface_id = id;
	sc.type = type;
	sc.flags = flags;
	sc.u.surface_create.format = fmt;
	sc.u.surface_create.width = w;
	sc.u.surface_create.height = h;
	sc.u.surface_create.stride = stride;
	sc.u.surface_create.data = data;
	return t_phys(t_put(&sc, sizeof(sc)));
}

static void
test_surface(void)
{
	struct qxl_cmd_surface out;
	struct qxlshm_create_primary cp;
	struct spd_err err;
	uint64_t mem;
	uint32_t *p, i;

	t_reset();
	mem = t_alloc(2 * 3 * 8);
	for (i = 0; i < 12; i++)
		memcpy(t_mem + mem + i * 4, &i, 4);
	/* Bottom-up, stride 8 (2 px), 3 lines, keep data. */
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 1, QXL_SURF_FLAG_KEEP_DATA,
	    SPICE_SURFACE_FMT_32_xRGB, 2, 3, -8, t_phys(mem)), &out, &err), 0);
	ASSERT_INT_EQ(out.surface_id, 1);
	ASSERT_U64_EQ(out.release_id, 99);
	p = (uint32_t *)(void *)out.pixels;
	ASSERT_INT_EQ(p[0], 4);		/* line 0 = last block */
	ASSERT_INT_EQ(p[5], 1);
	qxl_cmd_surface_free(&out);
	/* Without KEEP_DATA no pixels. */
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 2, 0, SPICE_SURFACE_FMT_32_ARGB, 2, 3, 8,
	    t_phys(mem)), &out, &err), 0);
	ASSERT_TRUE(out.pixels == NULL);
	qxl_cmd_surface_free(&out);
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_DESTROY, 2, 0, 0, 0, 0, 0, 0), &out, &err), 0);
	ASSERT_INT_EQ(out.type, QXL_SURFACE_CMD_DESTROY);
	qxl_cmd_surface_free(&out);

	/* Bad ones. */
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 0, 0, SPICE_SURFACE_FMT_32_xRGB, 2, 3, 8,
	    t_phys(mem)), &out, &err), QXL_CMD_EFAULT);
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 1, 0, SPICE_SURFACE_FMT_32_xRGB, 2, 3, 4,
	    t_phys(mem)), &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "stride");
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 1, 0, SPICE_SURFACE_FMT_32_xRGB, 2, 3,
	    INT32_MIN, t_phys(mem)), &out, &err), QXL_CMD_EFAULT);
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 1, 0, SPICE_SURFACE_FMT_32_xRGB, 2, 3, 10,
	    t_phys(mem)), &out, &err), QXL_CMD_EFAULT);
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 1, 0, SPICE_SURFACE_FMT_16_565, 2, 3, 8,
	    t_phys(mem)), &out, &err), QXL_CMD_EUNSUPPORTED);
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 1, 0, 33, 2, 3, 8, t_phys(mem)), &out,
	    &err), QXL_CMD_EFAULT);
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 1, 0, SPICE_SURFACE_FMT_32_xRGB, 8192, 8192,
	    32768, t_phys(mem)), &out, &err), QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "past the end");
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    QXL_SURFACE_CMD_CREATE, 1, 0, SPICE_SURFACE_FMT_32_xRGB, 8193, 1,
	    32772, t_phys(mem)), &out, &err), QXL_CMD_EFAULT);
	ASSERT_INT_EQ(qxl_cmd_parse_surface(&t_slots, t_surface_cmd(
	    7, 1, 0, 0, 0, 0, 0, 0), &out, &err), QXL_CMD_EFAULT);

	/* Primary. */
	memset(&cp, 0, sizeof(cp));
	cp.width = 2;
	cp.height = 3;
	cp.stride = 8;
	cp.format = SPICE_SURFACE_FMT_32_xRGB;
	cp.mem = t_phys(mem);
	ASSERT_INT_EQ(qxl_cmd_parse_primary(&t_slots, &cp, &out, &err), 0);
	ASSERT_INT_EQ(out.surface_id, 0);
	ASSERT_TRUE(out.pixels != NULL);
	p = (uint32_t *)(void *)out.pixels;
	ASSERT_INT_EQ(p[2], 2);
	qxl_cmd_surface_free(&out);
	cp.mem = QXLSHM_PHYS(T_SLOT, 0, mem);
	ASSERT_INT_EQ(qxl_cmd_parse_primary(&t_slots, &cp, &out, &err),
	    QXL_CMD_EFAULT);
	ASSERT_STR_CONTAINS(err.msg, "primary surface");
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
			t_mem[i] = (uint8_t)rand();
		/* Point some QXLPHYSICALs back into the slot. */
		for (i = 0; i < 16; i++) {
			uint64_t ph = t_phys((uint64_t)(rand() % 4000));

			memcpy(t_mem + (rand() % 4088), &ph, 8);
		}
		r = qxl_cmd_parse_draw(&t_slots, t_phys(rand() % 256), &out,
		    &err);
		if (r == 0) {
			ASSERT_TRUE(out.bbox.left < out.bbox.right);
			qxl_cmd_draw_free(&out);
		}
		r = qxl_cmd_parse_surface(&t_slots, t_phys(rand() % 256), &so,
		    &err);
		if (r == 0)
			qxl_cmd_surface_free(&so);
	}
}

int
main(void)
{
	struct spd_err err;

	if ((t_mem = calloc(1, T_SIZE)) == NULL)
		TEST_FAIL("calloc");
	slots_init(&t_slots);
	ASSERT_INT_EQ(slots_add(&t_slots, T_SLOT, T_GEN, t_mem, T_SIZE, &err),
	    0);
	test_fill();
	test_clip();
	test_copy_direct();
	test_copy_chunks();
	test_copy_surface();
	test_addresses();
	test_surface();
	test_random();
	free(t_mem);
	printf("test-qxl-cmd: ok\n");
	return 0;
}
