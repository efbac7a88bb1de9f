/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qxl-build: QXL structures in a test buffer; see qxl-build.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>

#include "qxl-shm.h"
#include "qxl-build.h"

/* Die unless n bytes at off lie inside the buffer. */
static void
qxl_build_check(const struct qxl_build *b, uint64_t off, size_t n)
{
	if (off > b->qb_size || n > b->qb_size - off) {
		fprintf(stderr, "qxl-build: %zu bytes at offset %llu do not "
		    "fit the %zu-byte buffer\n", n, (unsigned long long)off,
		    b->qb_size);
		exit(1);
	}
}

void
qxl_build_init(struct qxl_build *b, uint8_t *mem, size_t size, uint32_t slot,
    uint32_t gen, size_t start)
{
	b->qb_mem = mem;
	b->qb_size = size;
	b->qb_slot = slot;
	b->qb_gen = gen;
	qxl_build_reset(b, start);
}

void
qxl_build_reset(struct qxl_build *b, size_t start)
{
	memset(b->qb_mem, 0, b->qb_size);
	qxl_build_check(b, start, 0);
	b->qb_len = start;
}

uint64_t
qxl_build_phys(const struct qxl_build *b, uint64_t off)
{
	return QXLSHM_PHYS(b->qb_slot, b->qb_gen, off);
}

uint64_t
qxl_build_alloc(struct qxl_build *b, size_t n)
{
	uint64_t off = b->qb_len;

	qxl_build_check(b, off, n);
	b->qb_len = (b->qb_len + n + 7) & ~(size_t)7;
	if (b->qb_len > b->qb_size)
		b->qb_len = b->qb_size;
	return off;
}

void
qxl_build_write(struct qxl_build *b, uint64_t off, const void *p, size_t n)
{
	qxl_build_check(b, off, n);
	memcpy(b->qb_mem + off, p, n);
}

uint64_t
qxl_build_put(struct qxl_build *b, const void *p, size_t n)
{
	uint64_t off = qxl_build_alloc(b, n);

	qxl_build_write(b, off, p, n);
	return off;
}

void
qxl_build_chunk_at(struct qxl_build *b, uint64_t off, uint32_t size,
    uint64_t next_phys)
{
	QXLDataChunk c;

	memset(&c, 0, sizeof(c));
	c.data_size = size;
	c.next_chunk = next_phys;
	qxl_build_write(b, off, &c, sizeof(c));
}

uint64_t
qxl_build_chunk(struct qxl_build *b, const void *data, uint32_t size,
    uint64_t next_phys)
{
	uint64_t off = qxl_build_alloc(b, sizeof(QXLDataChunk) + size);

	qxl_build_chunk_at(b, off, size, next_phys);
	if (data != NULL)
		qxl_build_write(b, off + sizeof(QXLDataChunk), data, size);
	return off;
}

uint64_t
qxl_build_cursor(struct qxl_build *b, uint16_t type, uint16_t w, uint16_t h,
    uint16_t hx, uint16_t hy, uint64_t unique, uint32_t data_size,
    const void *data, uint32_t first_bytes, uint64_t next_phys)
{
	uint64_t off = qxl_build_alloc(b, sizeof(QXLCursor) + first_bytes);
	QXLCursor c;

	memset(&c, 0, sizeof(c));
	c.header.unique = unique;
	c.header.type = type;
	c.header.width = w;
	c.header.height = h;
	c.header.hot_spot_x = hx;
	c.header.hot_spot_y = hy;
	c.data_size = data_size;
	qxl_build_write(b, off, &c, sizeof(c));
	qxl_build_chunk_at(b, off + offsetof(QXLCursor, chunk), first_bytes,
	    next_phys);
	if (data != NULL)
		qxl_build_write(b, off + sizeof(QXLCursor), data, first_bytes);
	return off;
}

uint64_t
qxl_build_clip_rects(struct qxl_build *b, uint32_t num_rects,
    const QXLRect *rects, uint32_t ninline, uint64_t next_phys)
{
	size_t bytes = (size_t)ninline * sizeof(QXLRect);
	uint64_t off = qxl_build_alloc(b, 4 + sizeof(QXLDataChunk) + bytes);

	qxl_build_write(b, off, &num_rects, 4);
	qxl_build_chunk_at(b, off + 4, (uint32_t)bytes, next_phys);
	qxl_build_write(b, off + 4 + sizeof(QXLDataChunk), rects, bytes);
	return off;
}

/* A QXLImage with only its descriptor's type and size set. */
static QXLImage
qxl_build_image(uint8_t type, uint32_t w, uint32_t h)
{
	QXLImage img;

	memset(&img, 0, sizeof(img));
	img.descriptor.type = type;
	img.descriptor.width = w;
	img.descriptor.height = h;
	return img;
}

uint64_t
qxl_build_bitmap(struct qxl_build *b, uint8_t fmt, uint8_t flags, uint32_t w,
    uint32_t h, uint32_t stride, uint64_t data_phys)
{
	QXLImage img = qxl_build_image(SPICE_IMAGE_TYPE_BITMAP, w, h);

	img.bitmap.format = fmt;
	img.bitmap.flags = flags;
	img.bitmap.x = w;
	img.bitmap.y = h;
	img.bitmap.stride = stride;
	img.bitmap.data = data_phys;
	return qxl_build_put(b, &img, sizeof(img));
}

uint64_t
qxl_build_surface_image(struct qxl_build *b, uint32_t surface_id, uint32_t w,
    uint32_t h)
{
	QXLImage img = qxl_build_image(SPICE_IMAGE_TYPE_SURFACE, w, h);

	img.surface_image.surface_id = surface_id;
	return qxl_build_put(b, &img, sizeof(img.descriptor) +
	    sizeof(img.surface_image));
}

void
qxl_build_rect(QXLRect *r, int32_t left, int32_t top, int32_t right,
    int32_t bottom)
{
	r->left = left;
	r->top = top;
	r->right = right;
	r->bottom = bottom;
}

QXLDrawable
qxl_build_drawable(uint8_t type, uint64_t release_id, const QXLRect *bbox)
{
	QXLDrawable d;

	memset(&d, 0, sizeof(d));
	d.release_info.id = release_id;
	d.type = type;
	d.effect = QXL_EFFECT_OPAQUE;
	d.bbox = *bbox;
	d.clip.type = SPICE_CLIP_TYPE_NONE;
	return d;
}

QXLDrawable
qxl_build_fill(uint64_t release_id, const QXLRect *bbox, uint32_t color)
{
	QXLDrawable d = qxl_build_drawable(QXL_DRAW_FILL, release_id, bbox);

	d.u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.u.fill.brush.u.color = color;
	d.u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
	return d;
}

QXLDrawable
qxl_build_copy(uint64_t release_id, uint64_t img_phys, int32_t w, int32_t h)
{
	QXLRect r;
	QXLDrawable d;

	qxl_build_rect(&r, 0, 0, w, h);
	d = qxl_build_drawable(QXL_DRAW_COPY, release_id, &r);
	d.u.copy.src_bitmap = img_phys;
	d.u.copy.src_area = r;
	d.u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	return d;
}

QXLSurfaceCmd
qxl_build_surface_cmd(uint8_t type, uint32_t surface_id, uint32_t flags,
    uint32_t fmt, uint32_t w, uint32_t h, int32_t stride, uint64_t data_phys)
{
	QXLSurfaceCmd sc;

	memset(&sc, 0, sizeof(sc));
	sc.surface_id = surface_id;
	sc.type = type;
	sc.flags = flags;
	sc.u.surface_create.format = fmt;
	sc.u.surface_create.width = w;
	sc.u.surface_create.height = h;
	sc.u.surface_create.stride = stride;
	sc.u.surface_create.data = data_phys;
	return sc;
}

uint64_t
qxl_build_palette(struct qxl_build *b, uint16_t n, const uint32_t *ents)
{
	QXLPalette p;
	uint64_t off = qxl_build_alloc(b, sizeof(p) + (size_t)n * 4);

	memset(&p, 0, sizeof(p));
	p.num_ents = n;
	qxl_build_write(b, off, &p, sizeof(p));
	qxl_build_write(b, off + sizeof(p), ents, (size_t)n * 4);
	return off;
}

uint64_t
qxl_build_string(struct qxl_build *b, uint16_t flags, uint16_t length,
    const void *data, uint32_t size)
{
	uint64_t off = qxl_build_alloc(b, sizeof(QXLString) + size);
	QXLString str;

	memset(&str, 0, sizeof(str));
	str.data_size = size;
	str.length = length;
	str.flags = flags;
	qxl_build_write(b, off, &str, sizeof(str));
	qxl_build_chunk_at(b, off + offsetof(QXLString, chunk), size, 0);
	qxl_build_write(b, off + sizeof(QXLString), data, size);
	return off;
}

uint64_t
qxl_build_path(struct qxl_build *b, const void *data, uint32_t size)
{
	uint64_t off = qxl_build_alloc(b, sizeof(QXLPath) + size);

	qxl_build_write(b, off, &size, 4);
	qxl_build_chunk_at(b, off + offsetof(QXLPath, chunk), size, 0);
	qxl_build_write(b, off + sizeof(QXLPath), data, size);
	return off;
}
