/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qxl-build: build QXL structures (spice/qxl_dev.h) in a buffer standing for
 * the memory of one slot, for the unit tests and the fuzz corpus generator.
 *
 * Space is handed out bump-style at 8-aligned offsets; the functions return
 * offsets into the buffer, and qxl_build_phys() turns one into the
 * QXLPHYSICAL of the buffer's slot and generation (for slot 0, generation
 * 0 the two are the same).  Nothing is ever written outside the buffer: a
 * request that does not fit ends the program with a message (test code).
 */
#ifndef SPICED_QXL_BUILD_H
#define SPICED_QXL_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <spice/qxl_dev.h>

struct qxl_build {
	uint8_t		*qb_mem;
	size_t		 qb_size;
	size_t		 qb_len;	/* next free offset */
	uint32_t	 qb_slot;
	uint32_t	 qb_gen;
};

/* Use mem (size bytes) as slot slot at generation gen; zeroes it and
 * hands out space from offset start. */
void		qxl_build_init(struct qxl_build *b, uint8_t *mem, size_t size,
		    uint32_t slot, uint32_t gen, size_t start);
/* Zero the memory again and hand out space from offset start. */
void		qxl_build_reset(struct qxl_build *b, size_t start);

/* The QXLPHYSICAL of offset off in the buffer (off is not checked). */
uint64_t	qxl_build_phys(const struct qxl_build *b, uint64_t off);

/* Reserve n bytes (left as they are) at the next 8-aligned offset. */
uint64_t	qxl_build_alloc(struct qxl_build *b, size_t n);
/* Reserve n bytes and copy p into them. */
uint64_t	qxl_build_put(struct qxl_build *b, const void *p, size_t n);
/* Copy n bytes to offset off, which need not be reserved. */
void		qxl_build_write(struct qxl_build *b, uint64_t off,
		    const void *p, size_t n);

/* Write a QXLDataChunk header {size, prev 0, next_phys} at off. */
void		qxl_build_chunk_at(struct qxl_build *b, uint64_t off,
		    uint32_t size, uint64_t next_phys);
/* Reserve a chunk with size data bytes right behind its header, copied
 * from data unless it is NULL. */
uint64_t	qxl_build_chunk(struct qxl_build *b, const void *data,
		    uint32_t size, uint64_t next_phys);
/* Reserve a QXLClipRects: num_rects, then its first chunk inline holding
 * the ninline rects of rects, continued at next_phys (0: none). */
uint64_t	qxl_build_clip_rects(struct qxl_build *b, uint32_t num_rects,
		    const QXLRect *rects, uint32_t ninline,
		    uint64_t next_phys);

/* Reserve a QXLImage of SPICE_IMAGE_TYPE_BITMAP, w x h pixels of format
 * fmt, its lines stride bytes apart at data_phys (flat or first chunk, as
 * flags say). */
uint64_t	qxl_build_bitmap(struct qxl_build *b, uint8_t fmt,
		    uint8_t flags, uint32_t w, uint32_t h, uint32_t stride,
		    uint64_t data_phys);
/* Reserve the QXLImage descriptor of a SPICE_IMAGE_TYPE_SURFACE image of
 * w x h naming surface_id (only the bytes such an image has). */
uint64_t	qxl_build_surface_image(struct qxl_build *b,
		    uint32_t surface_id, uint32_t w, uint32_t h);

/* Reserve a QXLCursor of shape type type, w x h with hot spot (hx, hy),
 * declaring data_size bytes, the first first_bytes of which follow in its
 * own chunk (copied from data unless NULL), continued at next_phys. */
uint64_t	qxl_build_cursor(struct qxl_build *b, uint16_t type,
		    uint16_t w, uint16_t h, uint16_t hx, uint16_t hy,
		    uint64_t unique, uint32_t data_size, const void *data,
		    uint32_t first_bytes, uint64_t next_phys);

void		qxl_build_rect(QXLRect *r, int32_t left, int32_t top,
		    int32_t right, int32_t bottom);
/* A drawable of type over bbox with only its header set: opaque,
 * unclipped, the union zeroed. */
QXLDrawable	qxl_build_drawable(uint8_t type, uint64_t release_id,
		    const QXLRect *bbox);
/* A solid QXL_DRAW_FILL of color over bbox, opaque, unclipped, rop PUT. */
QXLDrawable	qxl_build_fill(uint64_t release_id, const QXLRect *bbox,
		    uint32_t color);
/* A QXL_DRAW_COPY of the image at img_phys: bbox and source area both
 * (0, 0, w, h), opaque, unclipped, rop PUT. */
QXLDrawable	qxl_build_copy(uint64_t release_id, uint64_t img_phys,
		    int32_t w, int32_t h);
/* A QXLSurfaceCmd with release id 0 (the create fields are used by
 * QXL_SURFACE_CMD_CREATE only). */
QXLSurfaceCmd	qxl_build_surface_cmd(uint8_t type, uint32_t surface_id,
		    uint32_t flags, uint32_t fmt, uint32_t w, uint32_t h,
		    int32_t stride, uint64_t data_phys);

/* Reserve a QXLPalette of n entries. */
uint64_t	qxl_build_palette(struct qxl_build *b, uint16_t n,
		    const uint32_t *ents);
/* Reserve a QXLString {size, length, flags} whose one inline chunk holds
 * the size bytes of data (its glyphs as the caller laid them out). */
uint64_t	qxl_build_string(struct qxl_build *b, uint16_t flags,
		    uint16_t length, const void *data, uint32_t size);
/* Reserve a QXLPath whose one inline chunk holds the size bytes of data
 * (QXLPathSegs with their points). */
uint64_t	qxl_build_path(struct qxl_build *b, const void *data,
		    uint32_t size);

#endif
