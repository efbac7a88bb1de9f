/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qxl-cmd: see qxl-cmd.h; structures, chunk chains, clips, images,
 * surfaces and cursors (drawables: qxl-draw.c).  Layouts: spice/qxl_dev.h
 * (SPICE-NOTES 5.3-5.6).  Deviations from a QXL device: off-screen surfaces
 * are 32 bpp only; chunk chains must hold exactly the announced bytes.
 *
 * Method: every structure is copied from its slot into a private buffer
 * (slots_copy checks the address for the full length first), then read with
 * an sbuf cursor at the offsets the installed headers give (offsetof), so
 * each field is fetched once and little-endian decoding is explicit.
 */
#include <stddef.h>
#include <inttypes.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <spice/qxl_dev.h>
#include <spice/enums.h>

#include "qxl-cmd-int.h"

_Static_assert(QXL_CMD_MAX_DATA <= 0x7fffffffu,
    "chunk totals must fit the sizes QXL allows");

_Static_assert(sizeof(QXLDrawable) >= sizeof(QXLSurfaceCmd) &&
    sizeof(QXLDrawable) >= sizeof(QXLImage) &&
    sizeof(QXLDrawable) >= sizeof(QXLDataChunk) + 4,
    "qxl_cmd_copy buffer too small");

int
qxl_cmd_fetch(const struct slots *s, uint64_t phys, size_t len,
    struct qxl_cmd_copy *c, struct spd_err *err)
{
	if (len > sizeof(c->c_buf))
		return spd_err_set(err, "internal: fetch of %zu bytes", len);
	if (slots_copy(s, phys, c->c_buf, len, err) == -1)
		return -1;
	c->c_len = len;
	c->c_bad = 0;
	sbuf_init(&c->c_sb, c->c_buf, len);
	return 0;
}

void
qxl_cmd_view(struct qxl_cmd_copy *c, const void *p, size_t len)
{
	size_t n = len < sizeof(c->c_buf) ? len : sizeof(c->c_buf);

	memcpy(c->c_buf, p, n);
	c->c_len = n;
	c->c_bad = 0;
	sbuf_init(&c->c_sb, c->c_buf, n);
}

uint8_t
qxl_cmd_u8(struct qxl_cmd_copy *c, size_t off)
{
	uint8_t v = 0;

	if (sbuf_seek(&c->c_sb, off) == -1 || sbuf_get_u8(&c->c_sb, &v) == -1)
		c->c_bad = 1;
	return v;
}

uint16_t
qxl_cmd_u16(struct qxl_cmd_copy *c, size_t off)
{
	uint16_t v = 0;

	if (sbuf_seek(&c->c_sb, off) == -1 ||
	    sbuf_get_u16le(&c->c_sb, &v) == -1)
		c->c_bad = 1;
	return v;
}

uint32_t
qxl_cmd_u32(struct qxl_cmd_copy *c, size_t off)
{
	uint32_t v = 0;

	if (sbuf_seek(&c->c_sb, off) == -1 ||
	    sbuf_get_u32le(&c->c_sb, &v) == -1)
		c->c_bad = 1;
	return v;
}

int32_t
qxl_cmd_i32(struct qxl_cmd_copy *c, size_t off)
{
	int32_t v = 0;

	if (sbuf_seek(&c->c_sb, off) == -1 ||
	    sbuf_get_i32le(&c->c_sb, &v) == -1)
		c->c_bad = 1;
	return v;
}

uint64_t
qxl_cmd_u64(struct qxl_cmd_copy *c, size_t off)
{
	uint64_t v = 0;

	if (sbuf_seek(&c->c_sb, off) == -1 ||
	    sbuf_get_u64le(&c->c_sb, &v) == -1)
		c->c_bad = 1;
	return v;
}

void
qxl_cmd_get_rect(struct qxl_cmd_copy *c, size_t off, struct qxl_cmd_rect *r)
{
	r->top = qxl_cmd_i32(c, off + offsetof(QXLRect, top));
	r->left = qxl_cmd_i32(c, off + offsetof(QXLRect, left));
	r->bottom = qxl_cmd_i32(c, off + offsetof(QXLRect, bottom));
	r->right = qxl_cmd_i32(c, off + offsetof(QXLRect, right));
}

/* Inside [0, maxw] x [0, maxh]; non-empty unless allow_empty. */
int
qxl_cmd_check_rect(const struct qxl_cmd_rect *r, int32_t maxw, int32_t maxh,
    int allow_empty, const char *what, struct spd_err *err)
{
	if (r->left < 0 || r->top < 0 || r->right > maxw || r->bottom > maxh ||
	    r->left > r->right || r->top > r->bottom)
		return spd_err_set(err, "%s (%" PRId32 ",%" PRId32 ")-(%" PRId32
		    ",%" PRId32 ") not within 0..%" PRId32 " x 0..%" PRId32,
		    what, r->left, r->top, r->right, r->bottom, maxw, maxh);
	if (!allow_empty && (r->left == r->right || r->top == r->bottom))
		return spd_err_set(err, "%s (%" PRId32 ",%" PRId32 ")-(%" PRId32
		    ",%" PRId32 ") is empty", what, r->left, r->top, r->right,
		    r->bottom);
	return 0;
}

/*
 * Copy the data of the QXLDataChunk chain starting at phys into dst, which
 * must receive exactly expect bytes (expect <= QXL_CMD_MAX_DATA).  The walk
 * is bounded by QXL_CMD_MAX_CHUNKS steps, and a chain also ends in failure
 * as soon as it holds more than expect bytes, so a loop with data costs at
 * most expect bytes of copying and a loop of empty chunks at most
 * QXL_CMD_MAX_CHUNKS header reads.  A chunk pointing at itself or at the
 * first chunk is reported as a loop at once.
 */
int
qxl_cmd_read_chunks(const struct slots *s, uint64_t phys, uint8_t *dst,
    uint64_t expect, const char *what, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	const uint8_t *p;
	uint64_t first = phys, got = 0, next;
	uint32_t size, n;
	char where[SLOTS_PHYS_STRLEN];

	for (n = 0;; n++) {
		if (n >= QXL_CMD_MAX_CHUNKS)
			return spd_err_set(err, "%s chunk chain longer than %d "
			    "chunks", what, QXL_CMD_MAX_CHUNKS);
		if (qxl_cmd_fetch(s, phys, sizeof(QXLDataChunk), &c, err) == -1)
			return spd_err_prefix(err, "%s chunk %" PRIu32, what, n);
		size = qxl_cmd_u32(&c, offsetof(QXLDataChunk, data_size));
		next = qxl_cmd_u64(&c, offsetof(QXLDataChunk, next_chunk));
		if (c.c_bad)
			return spd_err_set(err, "internal: chunk header read");
		if (size > expect - got)
			return spd_err_set(err, "%s chunk %" PRIu32 " at %s: "
			    "chain holds more than the expected %" PRIu64
			    " bytes", what, n, slots_phys_str(phys, where,
			    sizeof(where)), expect);
		if (size > 0) {
			/* Resolve header and data together: one bounds check
			 * covers both and phys + 20 cannot leave the slot. */
			if (slots_resolve(s, phys, sizeof(QXLDataChunk) +
			    (uint64_t)size, &p, err) == -1)
				return spd_err_prefix(err, "%s chunk %" PRIu32
				    " data", what, n);
			memcpy(dst + got, p + sizeof(QXLDataChunk), size);
			got += size;
		}
		if (next == 0)
			break;
		if (next == phys || next == first)
			return spd_err_set(err, "%s chunk %" PRIu32 " at %s: "
			    "chunk chain loops back to %s", what, n,
			    slots_phys_str(phys, where, sizeof(where)),
			    next == first ? "its first chunk" : "itself");
		phys = next;
	}
	if (got != expect)
		return spd_err_set(err, "%s chunk chain holds %" PRIu64
		    " bytes, expected %" PRIu64, what, got, expect);
	return 0;
}

int
qxl_cmd_parse_clip(const struct slots *s, uint32_t type, uint64_t data,
    struct qxl_cmd_draw *out, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	struct qxl_cmd_rect *r;
	uint8_t *raw;
	uint32_t n, i;
	char where[SLOTS_PHYS_STRLEN];

	out->clip_type = type;
	if (type == SPICE_CLIP_TYPE_NONE)
		return 0;
	if (type != SPICE_CLIP_TYPE_RECTS)
		return spd_err_set(err, "clip type %" PRIu32 " unknown", type);
	if (qxl_cmd_fetch(s, data, sizeof(uint32_t), &c, err) == -1)
		return spd_err_prefix(err, "clip rects");
	n = qxl_cmd_u32(&c, offsetof(QXLClipRects, num_rects));
	if (n > QXL_CMD_MAX_CLIP_RECTS)
		return spd_err_set(err, "clip rects at %s: %" PRIu32 " rects, "
		    "more than %d", slots_phys_str(data, where, sizeof(where)),
		    n, QXL_CMD_MAX_CLIP_RECTS);
	out->nclip = n;
	if (n == 0)
		return 0;	/* clipped away entirely: draws nothing */
	if ((raw = malloc((size_t)n * sizeof(QXLRect))) == NULL)
		return spd_err_errno(err, "clip rects: malloc");
	if ((out->clip = calloc(n, sizeof(*out->clip))) == NULL) {
		free(raw);
		return spd_err_errno(err, "clip rects: calloc");
	}
	/* The first chunk is embedded after num_rects: its address is the
	 * QXLClipRects address + 4, which stays inside the offset bits
	 * because the 4 bytes before it resolved. */
	if (qxl_cmd_read_chunks(s, data + offsetof(QXLClipRects, chunk), raw,
	    (uint64_t)n * sizeof(QXLRect), "clip rects", err) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		struct qxl_cmd_copy rc;

		memcpy(rc.c_buf, raw + (size_t)i * sizeof(QXLRect),
		    sizeof(QXLRect));
		rc.c_len = sizeof(QXLRect);
		rc.c_bad = 0;
		sbuf_init(&rc.c_sb, rc.c_buf, rc.c_len);
		r = &out->clip[i];
		qxl_cmd_get_rect(&rc, 0, r);
		if (qxl_cmd_check_rect(r, QXL_CMD_MAX_DIM, QXL_CMD_MAX_DIM, 1,
		    "clip rect", err) == -1) {
			spd_err_prefix(err, "clip rect %" PRIu32, i);
			goto fail;
		}
	}
	free(raw);
	return 0;
fail:
	free(raw);
	free(out->clip);
	out->clip = NULL;
	out->nclip = 0;
	return -1;
}

/*
 * Point img at the expect bytes of the chunk chain at phys: in place when
 * the first chunk holds them all, else gathered into img->owned.  Deciding
 * on the first header and then walking the chain again is safe: the walk
 * reads every header once more and trusts only what it read itself.
 */
static int
qxl_cmd_chunk_data(const struct slots *s, uint64_t phys, uint64_t expect,
    struct qxl_cmd_image *img, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	const uint8_t *p;

	if (qxl_cmd_fetch(s, phys, sizeof(QXLDataChunk), &c, err) == -1)
		return spd_err_prefix(err, "bitmap data chunk 0");
	if (qxl_cmd_u32(&c, offsetof(QXLDataChunk, data_size)) == expect &&
	    qxl_cmd_u64(&c, offsetof(QXLDataChunk, next_chunk)) == 0 &&
	    !c.c_bad) {
		if (slots_resolve(s, phys, sizeof(QXLDataChunk) + expect, &p,
		    err) == -1)
			return spd_err_prefix(err, "bitmap data chunk 0 data");
		img->pixels = p + sizeof(QXLDataChunk);
		return 0;
	}
	if ((img->owned = malloc((size_t)expect)) == NULL)
		return spd_err_errno(err, "bitmap data: malloc %" PRIu64
		    " bytes", expect);
	if (qxl_cmd_read_chunks(s, phys, img->owned, expect, "bitmap data",
	    err) == -1) {
		free(img->owned);
		img->owned = NULL;
		return -1;
	}
	img->pixels = img->owned;
	return 0;
}

/* Bits per pixel of a bitmap format, 0 for an unknown one. */
static unsigned
qxl_cmd_bitmap_bpp(uint8_t fmt)
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
		return 0;
	}
}

/* The QXLPalette at phys, copied: at most 2^bpp (and
 * QXL_CMD_MAX_PALETTE) entries.  Cached palettes (PAL_FROM_CACHE) are
 * not kept by spiced: the producer sends each one. */
static int
qxl_cmd_parse_palette(const struct slots *s, uint64_t phys, unsigned bpp,
    struct qxl_cmd_image *img, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	const uint8_t *p;
	uint32_t n, i, max = 1u << bpp;

	if (qxl_cmd_fetch(s, phys, sizeof(QXLPalette), &c, err) == -1)
		return spd_err_prefix(err, "palette");
	n = qxl_cmd_u16(&c, offsetof(QXLPalette, num_ents));
	if (n == 0 || n > max || n > QXL_CMD_MAX_PALETTE)
		return spd_err_set(err, "palette of %" PRIu32 " entries for a "
		    "%u-bit bitmap (1..%" PRIu32 ")", n, bpp, max);
	if (slots_resolve(s, phys + sizeof(QXLPalette), (uint64_t)n * 4, &p,
	    err) == -1)
		return spd_err_prefix(err, "palette entries");
	if ((img->palette = malloc((size_t)n * 4)) == NULL)
		return spd_err_errno(err, "palette: malloc");
	/* One copy, then read from it only. */
	memcpy(img->palette, p, (size_t)n * 4);
	for (i = 0; i < n; i++)
		img->palette[i] = le32toh(img->palette[i]);
	img->npalette = (uint16_t)n;
	return 0;
}

static int
qxl_cmd_parse_bitmap(const struct slots *s, uint64_t phys, size_t boff,
    struct qxl_cmd_image *img, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	uint8_t fmt, flags;
	uint32_t width, height, stride;
	uint64_t data, pal, total, row;
	unsigned bpp;
	int rv;

	if (qxl_cmd_fetch(s, phys + boff, sizeof(QXLBitmap), &c, err) == -1)
		return spd_err_prefix(err, "bitmap header");
	fmt = qxl_cmd_u8(&c, offsetof(QXLBitmap, format));
	flags = qxl_cmd_u8(&c, offsetof(QXLBitmap, flags));
	width = qxl_cmd_u32(&c, offsetof(QXLBitmap, x));
	height = qxl_cmd_u32(&c, offsetof(QXLBitmap, y));
	stride = qxl_cmd_u32(&c, offsetof(QXLBitmap, stride));
	pal = qxl_cmd_u64(&c, offsetof(QXLBitmap, palette));
	data = qxl_cmd_u64(&c, offsetof(QXLBitmap, data));
	if (c.c_bad)
		return spd_err_set(err, "internal: bitmap read");
	if ((bpp = qxl_cmd_bitmap_bpp(fmt)) == 0)
		return spd_err_set(err, "bitmap format %u unknown", fmt);
	if (width == 0 || height == 0 || width > QXL_CMD_MAX_DIM ||
	    height > QXL_CMD_MAX_DIM)
		return spd_err_set(err, "bitmap size %" PRIu32 "x%" PRIu32
		    " not within 1..%d", width, height, QXL_CMD_MAX_DIM);
	row = ((uint64_t)width * bpp + 7) / 8;
	if (stride < row || stride > QXL_CMD_MAX_STRIDE)
		return spd_err_set(err, "bitmap stride %" PRIu32 " not within "
		    "%" PRIu64 "..%u for width %" PRIu32, stride, row,
		    QXL_CMD_MAX_STRIDE, width);
	/* Both factors are capped, so this cannot overflow 64 bits and is
	 * at most QXL_CMD_MAX_DATA. */
	total = (uint64_t)stride * height;
	if (total > QXL_CMD_MAX_DATA)
		return spd_err_set(err, "bitmap data of %" PRIu64 " bytes "
		    "exceeds %u", total, QXL_CMD_MAX_DATA);
	if (bpp <= 8 && fmt != SPICE_BITMAP_FMT_8BIT_A && pal != 0) {
		if (flags & SPICE_BITMAP_FLAGS_PAL_FROM_CACHE) {
			spd_err_set(err, "bitmap palette from the cache not "
			    "supported (each bitmap brings its own)");
			return QXL_CMD_EUNSUPPORTED;
		}
		if (qxl_cmd_parse_palette(s, pal, bpp, img, err) != 0)
			return -1;
	}
	if (flags & QXL_BITMAP_DIRECT)
		rv = slots_resolve(s, data, total, &img->pixels, err);
	else
		rv = qxl_cmd_chunk_data(s, data, total, img, err);
	if (rv == -1)
		return -1;
	/* The bitmap header's size is the one that was checked, whatever
	 * the image descriptor said. */
	img->width = width;
	img->height = height;
	img->format = fmt;
	img->size = (size_t)total;
	img->stride = (int32_t)stride;
	if (!(flags & QXL_BITMAP_TOP_DOWN)) {
		/* Memory row 0 is the picture's bottom row. */
		img->pixels += (size_t)stride * (height - 1);
		img->stride = -img->stride;
	}
	return 0;
}

/* A compressed image (QXLQUICData, and the same layout for LZ_RGB and
 * JPEG): u32 data_size at off, then a chunk chain of exactly that many
 * bytes, copied.  The descriptor's size is the image's: the stream's own
 * is checked against it when it is decoded. */
static int
qxl_cmd_parse_stream(const struct slots *s, uint64_t off,
    struct qxl_cmd_image *img, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	uint32_t n;

	if (img->width == 0 || img->height == 0 ||
	    img->width > QXL_CMD_MAX_DIM || img->height > QXL_CMD_MAX_DIM)
		return spd_err_set(err, "compressed image of %" PRIu32 "x%"
		    PRIu32 " not within 1..%d", img->width, img->height,
		    QXL_CMD_MAX_DIM);
	if (qxl_cmd_fetch(s, off, sizeof(uint32_t), &c, err) == -1)
		return spd_err_prefix(err, "compressed image size");
	n = qxl_cmd_u32(&c, 0);
	if (n == 0 || n > QXL_CMD_MAX_DATA)
		return spd_err_set(err, "compressed image of %" PRIu32
		    " bytes (1..%u)", n, QXL_CMD_MAX_DATA);
	if ((img->owned = malloc(n)) == NULL)
		return spd_err_errno(err, "compressed image: malloc");
	if (qxl_cmd_read_chunks(s, off + sizeof(uint32_t), img->owned, n,
	    "compressed image", err) != 0)
		return -1;
	img->pixels = img->owned;
	img->size = n;
	return 0;
}

int
qxl_cmd_parse_image(const struct slots *s, uint64_t phys,
    struct qxl_cmd_image *img, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	uint8_t type;
	size_t uoff = offsetof(QXLImage, bitmap);
	char where[SLOTS_PHYS_STRLEN];
	int rv;

	if (qxl_cmd_fetch(s, phys, sizeof(QXLImageDescriptor), &c, err) == -1)
		return spd_err_prefix(err, "image");
	img->id = qxl_cmd_u64(&c, offsetof(QXLImageDescriptor, id));
	type = qxl_cmd_u8(&c, offsetof(QXLImageDescriptor, type));
	img->width = qxl_cmd_u32(&c, offsetof(QXLImageDescriptor, width));
	img->height = qxl_cmd_u32(&c, offsetof(QXLImageDescriptor, height));
	if (c.c_bad)
		return spd_err_set(err, "internal: image descriptor read");
	switch (type) {
	case SPICE_IMAGE_TYPE_BITMAP:
		img->kind = QXL_CMD_SRC_BITMAP;
		rv = qxl_cmd_parse_bitmap(s, phys, uoff, img, err);
		break;
	case SPICE_IMAGE_TYPE_SURFACE:
		img->kind = QXL_CMD_SRC_SURFACE;
		if (qxl_cmd_fetch(s, phys + uoff, sizeof(QXLSurfaceId), &c,
		    err) == -1)
			return spd_err_prefix(err, "surface image");
		img->surface_id = qxl_cmd_u32(&c, 0);
		if (img->surface_id >= QXL_CMD_MAX_SURFACES)
			return spd_err_set(err, "surface image: surface id %"
			    PRIu32 " not below %d", img->surface_id,
			    QXL_CMD_MAX_SURFACES);
		return 0;
	case SPICE_IMAGE_TYPE_QUIC:
	case SPICE_IMAGE_TYPE_LZ_RGB:
	case SPICE_IMAGE_TYPE_JPEG:
		img->kind = QXL_CMD_SRC_COMPRESSED;
		img->codec = type;
		rv = qxl_cmd_parse_stream(s, phys + uoff, img, err);
		break;
	default:
		spd_err_set(err, "image type %u not supported (BITMAP, "
		    "SURFACE, QUIC, LZ_RGB and JPEG are)", type);
		return QXL_CMD_EUNSUPPORTED;
	}
	if (rv < 0)
		spd_err_prefix(err, "image at %s", slots_phys_str(phys, where,
		    sizeof(where)));
	return rv;
}

void
qxl_cmd_image_free(struct qxl_cmd_image *img)
{
	free(img->owned);
	free(img->palette);
	memset(img, 0, sizeof(*img));
}

/*
 * Shared by surface commands and CREATE_PRIMARY: format, size and stride
 * rules of SPICE-NOTES 5.6 restricted to 32 bpp, the memory range, and
 * where the initial content starts when want_pixels.
 */
static int
qxl_cmd_check_surface(const struct slots *s, struct qxl_cmd_surface *out,
    uint32_t maxw, uint32_t maxh, int want_pixels, struct spd_err *err)
{
	const uint8_t *mem;
	uint64_t astride, total;

	switch (out->format) {
	case SPICE_SURFACE_FMT_32_xRGB:
	case SPICE_SURFACE_FMT_32_ARGB:
		break;
	case SPICE_SURFACE_FMT_1_A:
	case SPICE_SURFACE_FMT_8_A:
	case SPICE_SURFACE_FMT_16_555:
	case SPICE_SURFACE_FMT_16_565:
		spd_err_set(err, "surface format %" PRIu32 " not supported "
		    "(32_xRGB and 32_ARGB are)", out->format);
		return QXL_CMD_EUNSUPPORTED;
	default:
		return spd_err_set(err, "surface format %" PRIu32 " unknown",
		    out->format);
	}
	if (out->width == 0 || out->height == 0 || out->width > maxw ||
	    out->height > maxh)
		return spd_err_set(err, "surface size %" PRIu32 "x%" PRIu32
		    " not within 1x1..%" PRIu32 "x%" PRIu32, out->width,
		    out->height, maxw, maxh);
	if (out->stride == 0 || out->stride == INT32_MIN)
		return spd_err_set(err, "surface stride %" PRId32 " invalid",
		    out->stride);
	astride = out->stride < 0 ? (uint64_t)-(int64_t)out->stride :
	    (uint64_t)out->stride;
	if (astride < (uint64_t)out->width * 4 || astride % 4 != 0 ||
	    astride > QXL_CMD_MAX_STRIDE)
		return spd_err_set(err, "surface stride %" PRId32 " invalid "
		    "for width %" PRIu32 " (|stride| must be a multiple of 4 in "
		    "%" PRIu32 "..%u)", out->stride, out->width,
		    out->width * 4, QXL_CMD_MAX_STRIDE);
	total = astride * out->height;
	if (total > QXL_CMD_MAX_DATA)
		return spd_err_set(err, "surface memory of %" PRIu64 " bytes "
		    "exceeds %u", total, QXL_CMD_MAX_DATA);
	if (slots_resolve(s, out->data, total, &mem, err) == -1)
		return spd_err_prefix(err, "surface memory");
	/* Negative stride: the top row is the last block in memory. */
	if (want_pixels)
		out->pixels = out->stride < 0 ?
		    mem + astride * (out->height - 1) : mem;
	return 0;
}

int
qxl_cmd_parse_surface(const struct slots *s, uint64_t phys,
    struct qxl_cmd_surface *out, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	size_t o = offsetof(QXLSurfaceCmd, u.surface_create);
	char where[SLOTS_PHYS_STRLEN];
	int rv;

	memset(out, 0, sizeof(*out));
	if (qxl_cmd_fetch(s, phys, sizeof(QXLSurfaceCmd), &c, err) == -1)
		return spd_err_prefix(err, "surface command at %s",
		    slots_phys_str(phys, where, sizeof(where)));
	out->release_id = qxl_cmd_u64(&c, offsetof(QXLSurfaceCmd,
	    release_info.id));
	out->surface_id = qxl_cmd_u32(&c, offsetof(QXLSurfaceCmd, surface_id));
	out->type = qxl_cmd_u8(&c, offsetof(QXLSurfaceCmd, type));
	out->flags = qxl_cmd_u32(&c, offsetof(QXLSurfaceCmd, flags));
	out->format = qxl_cmd_u32(&c, o + offsetof(QXLSurface, format));
	out->width = qxl_cmd_u32(&c, o + offsetof(QXLSurface, width));
	out->height = qxl_cmd_u32(&c, o + offsetof(QXLSurface, height));
	out->stride = qxl_cmd_i32(&c, o + offsetof(QXLSurface, stride));
	out->data = qxl_cmd_u64(&c, o + offsetof(QXLSurface, data));
	if (c.c_bad) {
		rv = spd_err_set(err, "internal: surface command read");
		goto fail;
	}
	if (out->surface_id == 0 || out->surface_id >= QXL_CMD_MAX_SURFACES) {
		rv = spd_err_set(err, "surface id %" PRIu32 " not within 1..%d",
		    out->surface_id, QXL_CMD_MAX_SURFACES - 1);
		goto fail;
	}
	switch (out->type) {
	case QXL_SURFACE_CMD_DESTROY:
		/* The create fields are meaningless here. */
		out->format = out->width = out->height = 0;
		out->stride = 0;
		out->data = 0;
		return 0;
	case QXL_SURFACE_CMD_CREATE:
		rv = qxl_cmd_check_surface(s, out, QXL_CMD_MAX_DIM,
		    QXL_CMD_MAX_DIM, (out->flags & QXL_SURF_FLAG_KEEP_DATA) != 0,
		    err);
		if (rv != 0)
			goto fail;
		return 0;
	default:
		rv = spd_err_set(err, "surface command type %u unknown",
		    out->type);
		goto fail;
	}
fail:
	memset(out, 0, sizeof(*out));
	spd_err_prefix(err, "surface command at %s", slots_phys_str(phys,
	    where, sizeof(where)));
	return rv == QXL_CMD_EUNSUPPORTED ? QXL_CMD_EUNSUPPORTED :
	    QXL_CMD_EFAULT;
}

int
qxl_cmd_parse_primary(const struct slots *s,
    const struct qxlshm_create_primary *cp, struct qxl_cmd_surface *out,
    struct spd_err *err)
{
	int rv;

	memset(out, 0, sizeof(*out));
	out->surface_id = 0;
	out->type = QXL_SURFACE_CMD_CREATE;
	out->flags = QXL_SURF_FLAG_KEEP_DATA;
	out->format = cp->format;
	out->width = cp->width;
	out->height = cp->height;
	out->stride = cp->stride;
	out->data = cp->mem;
	rv = qxl_cmd_check_surface(s, out, QXLSHM_MAX_WIDTH, QXLSHM_MAX_HEIGHT,
	    1, err);
	if (rv != 0) {
		memset(out, 0, sizeof(*out));
		spd_err_prefix(err, "primary surface");
		return rv == QXL_CMD_EUNSUPPORTED ? QXL_CMD_EUNSUPPORTED :
		    QXL_CMD_EFAULT;
	}
	return 0;
}

int
qxl_cmd_release_id(const struct slots *s, uint64_t phys, uint64_t *id,
    struct spd_err *err)
{
	struct qxl_cmd_copy c;

	if (qxl_cmd_fetch(s, phys, sizeof(QXLReleaseInfo), &c, err) == -1)
		return spd_err_prefix(err, "release info");
	*id = qxl_cmd_u64(&c, 0);
	return c.c_bad ? -1 : 0;
}

uint32_t
qxl_cmd_cursor_size(uint8_t shape, uint32_t width, uint32_t height)
{
	uint32_t mask = (width + 7) / 8 * height;

	switch (shape) {
	case SPICE_CURSOR_TYPE_ALPHA:
		return width * height * 4;
	case SPICE_CURSOR_TYPE_MONO:
		return 2 * mask;
	case SPICE_CURSOR_TYPE_COLOR4:
		return (width + 1) / 2 * height + 16 * 4 + mask;
	case SPICE_CURSOR_TYPE_COLOR8:
		return width * height + 256 * 4 + mask;
	case SPICE_CURSOR_TYPE_COLOR16:
		return width * height * 2 + mask;
	case SPICE_CURSOR_TYPE_COLOR24:
		return width * height * 3 + mask;
	case SPICE_CURSOR_TYPE_COLOR32:
		return width * height * 4 + mask;
	default:
		return 0;
	}
}

/* The QXLCursor of a SET at phys: header checks, then its chunk chain
 * (the first chunk is inside the QXLCursor) copied whole. */
static int
qxl_cmd_parse_shape(const struct slots *s, uint64_t phys,
    struct qxl_cmd_cursor *out, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	uint32_t declared, need;
	uint16_t type;
	uint8_t *all;
	char where[SLOTS_PHYS_STRLEN];

	if (qxl_cmd_fetch(s, phys, offsetof(QXLCursor, chunk), &c, err) == -1)
		return spd_err_prefix(err, "cursor shape at %s",
		    slots_phys_str(phys, where, sizeof(where)));
	out->unique = qxl_cmd_u64(&c, offsetof(QXLCursor, header.unique));
	type = qxl_cmd_u16(&c, offsetof(QXLCursor, header.type));
	out->width = qxl_cmd_u16(&c, offsetof(QXLCursor, header.width));
	out->height = qxl_cmd_u16(&c, offsetof(QXLCursor, header.height));
	out->hot_x = qxl_cmd_u16(&c, offsetof(QXLCursor, header.hot_spot_x));
	out->hot_y = qxl_cmd_u16(&c, offsetof(QXLCursor, header.hot_spot_y));
	declared = qxl_cmd_u32(&c, offsetof(QXLCursor, data_size));
	if (c.c_bad)
		return spd_err_set(err, "internal: cursor shape read");
	/* SPICE's types fit the wire's u8; a size of 0 is no known type. */
	if (type > 0xff || qxl_cmd_cursor_size((uint8_t)type, 1, 1) == 0) {
		spd_err_set(err, "cursor shape type %u unknown", type);
		return QXL_CMD_EUNSUPPORTED;
	}
	out->shape = (uint8_t)type;
	if (out->width == 0 || out->height == 0 ||
	    out->width > QXL_CMD_MAX_CURSOR_DIM ||
	    out->height > QXL_CMD_MAX_CURSOR_DIM)
		return spd_err_set(err, "cursor shape %ux%u not within "
		    "1..%d", out->width, out->height, QXL_CMD_MAX_CURSOR_DIM);
	if (out->hot_x >= out->width || out->hot_y >= out->height)
		return spd_err_set(err, "cursor hot spot %u,%u outside its "
		    "%ux%u shape", out->hot_x, out->hot_y, out->width,
		    out->height);
	need = qxl_cmd_cursor_size(out->shape, out->width, out->height);
	if (declared < need || declared > QXL_CMD_MAX_CURSOR_DATA)
		return spd_err_set(err, "cursor shape %ux%u type %u: data_size "
		    "%" PRIu32 " not within %" PRIu32 "..%u", out->width,
		    out->height, out->shape, declared, need,
		    QXL_CMD_MAX_CURSOR_DATA);
	if ((all = malloc(declared)) == NULL)
		return spd_err_set(err, "out of memory");
	if (qxl_cmd_read_chunks(s, phys + offsetof(QXLCursor, chunk), all,
	    declared, "cursor shape", err) != 0) {
		free(all);
		return QXL_CMD_EFAULT;
	}
	out->data = all;
	out->data_size = need;
	return 0;
}

int
qxl_cmd_parse_cursor(const struct slots *s, uint64_t phys,
    struct qxl_cmd_cursor *out, struct spd_err *err)
{
	struct qxl_cmd_copy c;
	char where[SLOTS_PHYS_STRLEN];
	uint64_t shape;
	int rv;

	memset(out, 0, sizeof(*out));
	if (qxl_cmd_fetch(s, phys, sizeof(QXLCursorCmd), &c, err) == -1)
		return spd_err_prefix(err, "cursor command at %s",
		    slots_phys_str(phys, where, sizeof(where)));
	out->release_id = qxl_cmd_u64(&c, offsetof(QXLCursorCmd,
	    release_info.id));
	out->type = qxl_cmd_u8(&c, offsetof(QXLCursorCmd, type));
	switch (out->type) {
	case QXL_CURSOR_SET:
		out->x = (int16_t)qxl_cmd_u16(&c, offsetof(QXLCursorCmd,
		    u.set.position.x));
		out->y = (int16_t)qxl_cmd_u16(&c, offsetof(QXLCursorCmd,
		    u.set.position.y));
		out->visible = qxl_cmd_u8(&c, offsetof(QXLCursorCmd,
		    u.set.visible)) != 0;
		shape = qxl_cmd_u64(&c, offsetof(QXLCursorCmd, u.set.shape));
		rv = c.c_bad ? spd_err_set(err, "internal: cursor read") :
		    qxl_cmd_parse_shape(s, shape, out, err);
		break;
	case QXL_CURSOR_MOVE:
		out->x = (int16_t)qxl_cmd_u16(&c, offsetof(QXLCursorCmd,
		    u.position.x));
		out->y = (int16_t)qxl_cmd_u16(&c, offsetof(QXLCursorCmd,
		    u.position.y));
		rv = 0;
		break;
	case QXL_CURSOR_HIDE:
		rv = 0;
		break;
	case QXL_CURSOR_TRAIL:
		out->trail_length = qxl_cmd_u16(&c, offsetof(QXLCursorCmd,
		    u.trail.length));
		out->trail_frequency = qxl_cmd_u16(&c, offsetof(QXLCursorCmd,
		    u.trail.frequency));
		rv = 0;
		break;
	default:
		spd_err_set(err, "cursor command type %u unknown", out->type);
		rv = QXL_CMD_EUNSUPPORTED;
		break;
	}
	if (rv == 0 && c.c_bad)
		rv = spd_err_set(err, "internal: cursor command read");
	if (rv == 0)
		return 0;
	qxl_cmd_cursor_free(out);
	spd_err_prefix(err, "cursor command at %s", slots_phys_str(phys,
	    where, sizeof(where)));
	return rv == QXL_CMD_EUNSUPPORTED ? QXL_CMD_EUNSUPPORTED :
	    QXL_CMD_EFAULT;
}

void
qxl_cmd_cursor_free(struct qxl_cmd_cursor *cc)
{
	free(cc->data);
	memset(cc, 0, sizeof(*cc));
}

const char *
qxl_cmd_draw_type_name(uint32_t type)
{
	static const char *const names[] = {
		"nop", "fill", "opaque", "copy", "copy-bits", "blend",
		"blackness", "whiteness", "invers", "rop3", "stroke", "text",
		"transparent", "alpha-blend", "composite"
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] :
	    "unknown";
}
