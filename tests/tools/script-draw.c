/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * script-draw: script-producer's drawables beyond FILL, COPY and
 * COPY_BITS, one per line; contract in script-draw.h.  Every picture
 * they use is made of pat(i, j, S) = the low 24 bits of
 * i * 73856093 ^ j * 19349663 ^ S * 83492791 (32-bit arithmetic), in the
 * source's own coordinates, so a test can compute it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "enc.h"
#include "libqxlshm.h"
#include "sbuf.h"
#include "script-draw.h"

#define SD_SLOT		QXLSHM_SETUP_CMD_SLOT
#define SD_DATA_SLOT	QXLSHM_SETUP_DATA_SLOT

static uint32_t
sd_pat(int i, int j, uint32_t s)
{
	return ((uint32_t)i * 73856093u ^ (uint32_t)j * 19349663u ^
	    s * 83492791u) & 0xffffff;
}

/* Smooth waves, as script-producer's photo: channel bytes, truncated. */
static uint32_t
sd_photo(int i, int j, uint32_t s)
{
	uint32_t r = (uint32_t)(128 + 100 * sin(i / 9.0 + s) * cos(j / 11.0));
	uint32_t g = (uint32_t)(128 + 100 * sin(j / 7.0) * cos(i / 13.0 + s));
	uint32_t b = (uint32_t)(128 + 100 * sin((i + j) / 10.0));

	return r << 16 | g << 8 | b;
}

/* Off-screen surfaces the script may make (ids 1 .. SD_MAX_SURF - 1):
 * their memory, the producer's until each is destroyed; and the surface
 * drawn on. */
#define SD_MAX_SURF	8
static void	*sd_surf_mem[SD_MAX_SURF];
static uint32_t	 sd_target;

uint32_t
script_draw_target(void)
{
	return sd_target;
}

static QXLDrawable *
sd_drawable(struct qxlshm *q, uint8_t type, int x, int y, int w, int h,
    uint64_t *phys)
{
	QXLRect bbox = { .left = x, .top = y, .right = x + w, .bottom = y + h };
	QXLDrawable *d;

	if (w <= 0 || h <= 0 || w > 320 || h > 240 ||
	    (d = qxlshm_alloc_cmd(q, SD_SLOT, sizeof(*d), phys)) == NULL)
		return NULL;
	qxlshm_drawable_init(d, sd_target, type, &bbox);
	return d;
}

/* A top-down bitmap image of w x h, fmt, rows of stride bytes, its data
 * (zeroed) in *data, linked to d.  The QXLPHYSICAL of the image (0 when
 * out of memory), the image itself in *imgp if not NULL. */
static uint64_t
sd_image(struct qxlshm *q, void *d, uint8_t fmt, int w, int h, int stride,
    uint8_t **data, QXLImage **imgp)
{
	QXLImage *img;
	uint64_t iphys, pphys;

	if ((img = qxlshm_alloc(q, SD_SLOT, sizeof(*img), &iphys)) == NULL ||
	    (*data = qxlshm_alloc(q, SD_DATA_SLOT, (size_t)stride * h,
	    &pphys)) == NULL)
		return 0;
	if (imgp != NULL)
		*imgp = img;
	qxlshm_link(q, d, img);
	qxlshm_link(q, d, *data);
	img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img->descriptor.width = (uint32_t)w;
	img->descriptor.height = (uint32_t)h;
	img->bitmap.format = fmt;
	img->bitmap.flags = QXL_BITMAP_TOP_DOWN | QXL_BITMAP_DIRECT;
	img->bitmap.x = (uint32_t)w;
	img->bitmap.y = (uint32_t)h;
	img->bitmap.stride = (uint32_t)stride;
	img->bitmap.data = pphys;
	return iphys;
}

/* A 32-bit w x h bitmap of pat(i, j, seed), or photo(i, j, seed) with
 * photo; key (if not ~0) where (i + j) % 3 == 0. */
static uint64_t
sd_picture(struct qxlshm *q, void *d, int w, int h, uint32_t seed,
    uint32_t key, int photo)
{
	uint8_t *data;
	uint32_t v;
	uint64_t img;
	int i, j;

	if ((img = sd_image(q, d, SPICE_BITMAP_FMT_32BIT, w, h, w * 4,
	    &data, NULL)) == 0)
		return 0;
	for (j = 0; j < h; j++)
		for (i = 0; i < w; i++) {
			v = key != ~0u && (i + j) % 3 == 0 ? key : photo ?
			    sd_photo(i, j, seed) : sd_pat(i, j, seed);
			memcpy(data + ((size_t)j * w + i) * 4, &v, 4);
		}
	return img;
}

static uint64_t
sd_pattern(struct qxlshm *q, void *d, int w, int h, uint32_t seed,
    uint32_t key)
{
	return sd_picture(q, d, w, h, seed, key, 0);
}

/* A w x h RGBA bitmap: alpha (37 i + 23 j) & 255 and pat(i, j, seed)
 * premultiplied by it, each channel truncated; or (photo) alpha
 * 96 + 159 (i + j) / (w + h) and photo(i, j, seed) premultiplied. */
static uint64_t
sd_alpha_icon(struct qxlshm *q, void *d, int w, int h, uint32_t seed,
    int photo)
{
	uint8_t *data;
	uint32_t v, a, c, out;
	uint64_t img;
	int i, j, sh;

	if ((img = sd_image(q, d, SPICE_BITMAP_FMT_RGBA, w, h, w * 4, &data,
	    NULL)) == 0)
		return 0;
	for (j = 0; j < h; j++)
		for (i = 0; i < w; i++) {
			v = photo ? sd_photo(i, j, seed) : sd_pat(i, j, seed);
			a = photo ? 96 + 159 * (uint32_t)(i + j) /
			    (uint32_t)(w + h) : (uint32_t)(37 * i + 23 * j) & 255;
			out = a << 24;
			for (sh = 0; sh < 24; sh += 8) {
				c = (v >> sh) & 255;
				out |= c * a / 255 << sh;
			}
			memcpy(data + ((size_t)j * w + i) * 4, &out, 4);
		}
	return img;
}

/* A w x h 8BIT_A bitmap of value (8 i + 4 j) & 255, rows of w bytes
 * padded to 4. */
static uint64_t
sd_a8_mask(struct qxlshm *q, void *d, int w, int h)
{
	uint8_t *data;
	uint64_t img;
	int i, j, stride = (w + 3) & ~3;

	if ((img = sd_image(q, d, SPICE_BITMAP_FMT_8BIT_A, w, h, stride,
	    &data, NULL)) == 0)
		return 0;
	for (j = 0; j < h; j++)
		for (i = 0; i < w; i++)
			data[j * stride + i] = (uint8_t)((8 * i + 4 * j) & 255);
	return img;
}

static int
sd_push(struct qxlshm *q, uint64_t phys)
{
	return qxlshm_push_cmd(q, QXL_CMD_DRAW, phys, 5000);
}

/* An 8 x 8 pattern brush of pat(i, j, seed) placed at px, py. */
static int
sd_pattern_brush(struct qxlshm *q, void *d, QXLBrush *b, uint32_t seed,
    int px, int py)
{
	b->type = SPICE_BRUSH_TYPE_PATTERN;
	b->u.pattern.pat = sd_pattern(q, d, 8, 8, seed, ~0u);
	b->u.pattern.pos.x = px;
	b->u.pattern.pos.y = py;
	return b->u.pattern.pat == 0 ? -1 : 0;
}

/* A w x h 1-bit mask (MSB first): bit (i, j) = ((i >> 2) ^ (j >> 2)) & 1. */
static int
sd_mask(struct qxlshm *q, void *d, QXLQMask *m, int w, int h, int inv)
{
	uint8_t *data;
	int i, j, stride = (w + 7) / 8;

	if ((m->bitmap = sd_image(q, d, SPICE_BITMAP_FMT_1BIT_BE, w, h, stride,
	    &data, NULL)) == 0)
		return -1;
	for (j = 0; j < h; j++)
		for (i = 0; i < w; i++)
			if (((i >> 2) ^ (j >> 2)) & 1)
				data[j * stride + i / 8] |=
				    (uint8_t)(0x80 >> (i % 8));
	m->flags = inv ? SPICE_MASK_FLAGS_INVERS : 0;
	return 0;
}

/* Glyphs: n of them, w x h, at (x + k * (w + 2), y) as their baseline
 * (origin 0, -h), bpp 1, 4 or 8: A1 bit (i, j) = (i * j + i + 2 * j) %
 * 3 == 0, A4 value (i + 2 * j + 5 * k) & 15, A8 value (i * 16 + j * 8 +
 * k * 40) & 0xff; rows bottom-up in memory but for A4, which says
 * RASTER_TOP_DOWN.  back: the drawable's box in that colour first (-1:
 * no back area). */
static int
sd_text(struct qxlshm *q, int x, int y, uint32_t rgb, int bpp, int64_t back)
{
	const int n = 3, w = bpp == 8 ? 8 : bpp == 4 ? 9 : 10, h = 12;
	int row = (w * bpp + 7) / 8, i, j, k, mrow, v;
	size_t gsize = sizeof(QXLRasterGlyph) + (size_t)row * h, size;
	QXLRasterGlyph *g;
	QXLDrawable *d;
	QXLString *str;
	uint64_t phys, sphys;
	uint8_t *bits;

	size = gsize * n;
	if ((d = sd_drawable(q, QXL_DRAW_TEXT, x, y - h, n * (w + 2), h,
	    &phys)) == NULL ||
	    (str = qxlshm_alloc(q, SD_SLOT, sizeof(*str) + size, &sphys)) ==
	    NULL)
		return -1;
	qxlshm_link(q, d, str);
	str->data_size = (uint32_t)size;
	str->length = (uint16_t)n;
	str->flags = bpp == 8 ? SPICE_STRING_FLAGS_RASTER_A8 : bpp == 4 ?
	    SPICE_STRING_FLAGS_RASTER_A4 | SPICE_STRING_FLAGS_RASTER_TOP_DOWN :
	    SPICE_STRING_FLAGS_RASTER_A1;
	str->chunk.data_size = (uint32_t)size;
	for (k = 0; k < n; k++) {
		g = (QXLRasterGlyph *)(str->chunk.data + gsize * k);
		g->render_pos.x = x + k * (w + 2);
		g->render_pos.y = y;
		g->glyph_origin.y = -h;
		g->width = (uint16_t)w;
		g->height = (uint16_t)h;
		bits = g->data;
		for (j = 0; j < h; j++) {
			/* Memory row h - 1 - j holds row j (j for A4). */
			mrow = bpp == 4 ? j : h - 1 - j;
			for (i = 0; i < w; i++) {
				if (bpp == 8)
					bits[mrow * row + i] = (uint8_t)
					    ((i * 16 + j * 8 + k * 40) & 0xff);
				else if (bpp == 4) {
					v = (i + 2 * j + 5 * k) & 15;
					bits[mrow * row + i / 2] |= (uint8_t)
					    (i % 2 ? v : v << 4);
				} else if ((i * j + i + 2 * j) % 3 == 0)
					bits[mrow * row + i / 8] |=
					    (uint8_t)(0x80 >> (i % 8));
			}
		}
	}
	d->u.text.str = sphys;
	d->u.text.fore_brush.type = SPICE_BRUSH_TYPE_SOLID;
	d->u.text.fore_brush.u.color = rgb;
	if (back >= 0) {
		d->u.text.back_area = d->bbox;
		d->u.text.back_brush.type = SPICE_BRUSH_TYPE_SOLID;
		d->u.text.back_brush.u.color = (uint32_t)back;
	}
	d->u.text.fore_mode = SPICE_ROPD_OP_PUT;
	d->u.text.back_mode = SPICE_ROPD_OP_PUT;
	return sd_push(q, phys);
}

/* An open polyline through the n points of v (pixels); dashed, dash[0]
 * pixels on and dash[1] off, when dash is not NULL. */
static int
sd_stroke(struct qxlshm *q, uint32_t rgb, uint16_t ropd, uint32_t flags,
    const int *dash, const int *v, int n)
{
	QXLDrawable *d;
	QXLPath *path;
	QXLPathSeg *seg;
	QXLFIXED *style;
	uint64_t phys, pphys, sphys;
	size_t size = sizeof(QXLPathSeg) + (size_t)n * sizeof(QXLPointFix);
	int k;

	if (n < 2 || (d = sd_drawable(q, QXL_DRAW_STROKE, 0, 0, 320, 240,
	    &phys)) == NULL ||
	    (path = qxlshm_alloc(q, SD_SLOT, sizeof(*path) + size, &pphys)) ==
	    NULL)
		return -1;
	qxlshm_link(q, d, path);
	path->data_size = (uint32_t)size;
	path->chunk.data_size = (uint32_t)size;
	seg = (QXLPathSeg *)path->chunk.data;
	seg->flags = SPICE_PATH_BEGIN | SPICE_PATH_END | flags;
	seg->count = (uint32_t)n;
	for (k = 0; k < n; k++) {
		seg->points[k].x = v[2 * k] * 16;
		seg->points[k].y = v[2 * k + 1] * 16;
	}
	d->u.stroke.path = pphys;
	if (dash != NULL) {
		if ((style = qxlshm_alloc(q, SD_SLOT, 2 * sizeof(*style),
		    &sphys)) == NULL)
			return -1;
		qxlshm_link(q, d, style);
		style[0] = dash[0] * 16;
		style[1] = dash[1] * 16;
		d->u.stroke.attr.flags = SPICE_LINE_FLAGS_STYLED;
		d->u.stroke.attr.style_nseg = 2;
		d->u.stroke.attr.style = sphys;
	}
	d->u.stroke.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d->u.stroke.brush.u.color = rgb;
	d->u.stroke.fore_mode = ropd;
	d->u.stroke.back_mode = SPICE_ROPD_OP_PUT;
	return sd_push(q, phys);
}

/* An 8-bit bitmap w x h, index (i + 2 * j) % 5, with its palette. */
static int
sd_palette(struct qxlshm *q, int x, int y, int w, int h)
{
	static const uint32_t ents[5] = { 0xff0000, 0x00ff00, 0x0000ff,
	    0xffffff, 0x808080 };
	QXLDrawable *d;
	QXLPalette *pal;
	QXLImage *img;
	uint64_t phys, iphys, palphys;
	uint8_t *data;
	int i, j;

	if ((d = sd_drawable(q, QXL_DRAW_COPY, x, y, w, h, &phys)) == NULL ||
	    (iphys = sd_image(q, d, SPICE_BITMAP_FMT_8BIT, w, h, w,
	    &data, &img)) == 0 ||
	    (pal = qxlshm_alloc(q, SD_SLOT, sizeof(*pal) + sizeof(ents),
	    &palphys)) == NULL)
		return -1;
	qxlshm_link(q, d, pal);
	pal->num_ents = 5;
	memcpy(pal->ents, ents, sizeof(ents));
	for (j = 0; j < h; j++)
		for (i = 0; i < w; i++)
			data[j * w + i] = (uint8_t)((i + 2 * j) % 5);
	img->bitmap.palette = palphys;
	d->u.copy.src_bitmap = iphys;
	d->u.copy.src_area.right = w;
	d->u.copy.src_area.bottom = h;
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	return sd_push(q, phys);
}

/* A COPY of a w x h picture of pat(i, j, seed) the producer compressed
 * itself (QUIC, LZ or JPEG at quality 90, with spiced's encoders). */
static int
sd_compressed(struct qxlshm *q, const char *codec, int x, int y, int w,
    int h, uint32_t seed)
{
	static struct enc_quic *eq;
	static struct enc_lz *ez;
	static struct enc_jpeg *ej;
	QXLDrawable *d;
	QXLImage *img;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	uint64_t phys, iphys;
	uint32_t *px, size;
	uint8_t type;
	int i, j, rc;

	if ((px = malloc((size_t)w * h * 4)) == NULL)
		return -1;
	/* JPEG gets a photograph-like picture, what it is for. */
	for (j = 0; j < h; j++)
		for (i = 0; i < w; i++)
			px[j * w + i] = strcmp(codec, "jpeg") != 0 ?
			    sd_pat(i, j, seed) : sd_photo(i, j, seed);
	src.es_data = (const uint8_t *)px;
	src.es_stride = (size_t)w * 4;
	src.es_width = (uint32_t)w;
	src.es_height = (uint32_t)h;
	obuf_init(&ob);
	if (strcmp(codec, "quic") == 0) {
		type = SPICE_IMAGE_TYPE_QUIC;
		rc = (eq != NULL || (eq = enc_quic_new()) != NULL) ?
		    enc_quic_encode(eq, &ob, &src, &err) : -1;
	} else if (strcmp(codec, "lz") == 0) {
		type = SPICE_IMAGE_TYPE_LZ_RGB;
		rc = (ez != NULL || (ez = enc_lz_new()) != NULL) ?
		    enc_lz_encode(ez, &ob, &src, &err) : -1;
	} else {
		type = SPICE_IMAGE_TYPE_JPEG;
		rc = (ej != NULL || (ej = enc_jpeg_new()) != NULL) ?
		    enc_jpeg_encode(ej, &ob, &src, 90, ENC_CHROMA_420,
		    &err) : -1;
	}
	free(px);
	/* The encoders' u32 size first, then the stream: QXLQUICData's
	 * data_size, then its one chunk. */
	size = rc == 0 ? (uint32_t)ob.ob_len - 4 : 0;
	if (rc != 0 || (d = sd_drawable(q, QXL_DRAW_COPY, x, y, w, h,
	    &phys)) == NULL || (img = qxlshm_alloc(q, SD_DATA_SLOT,
	    sizeof(QXLImageDescriptor) + 4 + sizeof(QXLDataChunk) + size,
	    &iphys)) == NULL) {
		obuf_free(&ob);
		return -1;
	}
	qxlshm_link(q, d, img);
	img->descriptor.type = type;
	img->descriptor.width = (uint32_t)w;
	img->descriptor.height = (uint32_t)h;
	img->quic.data_size = size;
	((QXLDataChunk *)img->quic.data)->data_size = size;
	memcpy(((QXLDataChunk *)img->quic.data)->data, ob.ob_data + 4, size);
	obuf_free(&ob);
	d->u.copy.src_bitmap = iphys;
	d->u.copy.src_area.right = w;
	d->u.copy.src_area.bottom = h;
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	return sd_push(q, phys);
}

/* CREATE surface id (w x h, ARGB with argb, else xRGB) holding
 * pat(i, j, seed) with alpha 0x80 (ARGB: premultiplied by it, each
 * channel truncated), or DESTROY it (w 0). */
static int
sd_surface(struct qxlshm *q, uint32_t id, int w, int h, uint32_t seed,
    int argb)
{
	QXLSurfaceCmd *sc;
	uint32_t *px, v;
	uint64_t phys, mphys;
	int i, j, sh;

	if (id == 0 || id >= SD_MAX_SURF || (w == 0) != (sd_surf_mem[id] !=
	    NULL) || w < 0 || h <= 0 || w > 320 || h > 240 ||
	    (sc = qxlshm_alloc_cmd(q, SD_SLOT, sizeof(*sc), &phys)) == NULL)
		return -1;
	sc->surface_id = id;
	if (w == 0) {
		sc->type = QXL_SURFACE_CMD_DESTROY;
		/* The memory is the producer's until the destroy is done. */
		qxlshm_link(q, sc, sd_surf_mem[id]);
		sd_surf_mem[id] = NULL;
		return qxlshm_push_cmd(q, QXL_CMD_SURFACE, phys, 5000);
	}
	if ((px = qxlshm_alloc(q, SD_DATA_SLOT, (size_t)w * h * 4, &mphys)) ==
	    NULL)
		return -1;
	for (j = 0; j < h; j++)
		for (i = 0; i < w; i++) {
			v = sd_pat(i, j, seed);
			if (argb) {
				for (sh = 0; sh < 24; sh += 8)
					v = (v & ~(255u << sh)) |
					    ((v >> sh & 255) * 0x80 / 255) << sh;
				v |= 0x80u << 24;
			}
			px[j * w + i] = v;
		}
	sc->type = QXL_SURFACE_CMD_CREATE;
	sc->flags = QXL_SURF_FLAG_KEEP_DATA;
	sc->u.surface_create.format = argb ? SPICE_SURFACE_FMT_32_ARGB :
	    SPICE_SURFACE_FMT_32_xRGB;
	sc->u.surface_create.width = (uint32_t)w;
	sc->u.surface_create.height = (uint32_t)h;
	sc->u.surface_create.stride = w * 4;
	sc->u.surface_create.data = mphys;
	sd_surf_mem[id] = px;
	return qxlshm_push_cmd(q, QXL_CMD_SURFACE, phys, 5000);
}

/* A drawable of type (COPY, TRANSPARENT or ALPHA_BLEND) from the sw x sh
 * area at sx, sy of surface id onto x, y, w, h of the target: a copy
 * with scale mode mode and ROP descriptor ropd, a colour key ropd (RGB),
 * or an alpha blend of alpha ropd (flags: mode); clipped to clip (x, y,
 * w, h) when not NULL. */
static int
sd_surface_copy(struct qxlshm *q, uint8_t type, uint32_t id, int sx, int sy,
    int sw, int sh, int x, int y, int w, int h, int mode, uint32_t ropd,
    const int *clip)
{
	QXLDrawable *d;
	QXLImage *img;
	QXLClipRects *cr;
	QXLRect *r;
	QXLRect sa = { .left = sx, .top = sy, .right = sx + sw,
	    .bottom = sy + sh };
	uint64_t phys, iphys, cphys;

	if ((d = sd_drawable(q, type, x, y, w, h, &phys)) == NULL ||
	    (img = qxlshm_alloc(q, SD_SLOT, sizeof(*img), &iphys)) == NULL)
		return -1;
	qxlshm_link(q, d, img);
	if (clip != NULL) {
		if ((cr = qxlshm_alloc(q, SD_SLOT, sizeof(*cr) + sizeof(*r),
		    &cphys)) == NULL)
			return -1;
		qxlshm_link(q, d, cr);
		cr->num_rects = 1;
		cr->chunk.data_size = sizeof(*r);
		r = (QXLRect *)cr->chunk.data;
		r->left = clip[0];
		r->top = clip[1];
		r->right = clip[0] + clip[2];
		r->bottom = clip[1] + clip[3];
		d->clip.type = SPICE_CLIP_TYPE_RECTS;
		d->clip.data = cphys;
	}
	img->descriptor.type = SPICE_IMAGE_TYPE_SURFACE;
	img->descriptor.width = (uint32_t)sw;
	img->descriptor.height = (uint32_t)sh;
	img->surface_image.surface_id = id;
	if (type == QXL_DRAW_TRANSPARENT) {
		d->u.transparent.src_bitmap = iphys;
		d->u.transparent.src_area = sa;
		d->u.transparent.src_color = ropd;
		d->u.transparent.true_color = ropd;
	} else if (type == QXL_DRAW_ALPHA_BLEND) {
		d->u.alpha_blend.src_bitmap = iphys;
		d->u.alpha_blend.src_area = sa;
		d->u.alpha_blend.alpha = (uint8_t)ropd;
		d->u.alpha_blend.alpha_flags = (uint16_t)mode;
	} else {
		d->u.copy.src_bitmap = iphys;
		d->u.copy.src_area = sa;
		d->u.copy.rop_descriptor = (uint16_t)ropd;
		d->u.copy.scale_mode = (uint8_t)mode;
	}
	/* The drawing reads the source surface: said as QXL says it. */
	d->surfaces_dest[0] = (int32_t)id;
	d->surfaces_rects[0] = sa;
	return sd_push(q, phys);
}

int
script_draw(struct qxlshm *q, const char *line)
{
	char codec[8];
	QXLDrawable *d;
	uint64_t phys;
	uint32_t rgb, back, seed, ropd, code, alpha;
	int x, y, w, h, v[2 * 16], n, used, px, py, inv, photo;
	int sx, sy, sw, sh, icon, dash[2], dashed;
	const char *p;

	if (sscanf(line, "target %u", &seed) == 1) {
		if (seed >= SD_MAX_SURF)
			return -1;
		sd_target = seed;
		return 0;
	}
	n = 0;
	if (sscanf(line, "surface %u %d %d %u %n", &code, &w, &h, &seed, &n) ==
	    4)
		return sd_surface(q, code, w, h, seed, n > 0 &&
		    strcmp(line + n, "argb") == 0);
	if (sscanf(line, "surfdestroy %u", &code) == 1)
		return sd_surface(q, code, 0, 1, 0, 0);
	ropd = SPICE_ROPD_OP_PUT;
	n = 1;
	if ((used = sscanf(line, "surfcopy %u %d %d %d %d %d %d %d %d %d %x "
	    "%d %d %d %d", &code, &sx, &sy, &sw, &sh, &x, &y, &w, &h, &n,
	    &ropd, &v[0], &v[1], &v[2], &v[3])) >= 9)
		return sd_surface_copy(q, QXL_DRAW_COPY, code, sx, sy, sw, sh,
		    x, y, w, h, n, ropd, used == 15 ? v : NULL);
	if (sscanf(line, "surfkey %u %d %d %d %d %d %d %d %d %x", &code, &sx,
	    &sy, &sw, &sh, &x, &y, &w, &h, &rgb) == 10)
		return sd_surface_copy(q, QXL_DRAW_TRANSPARENT, code, sx, sy,
		    sw, sh, x, y, w, h, 0, rgb, NULL);
	n = 0;
	if (sscanf(line, "surfalpha %u %d %d %d %d %d %d %d %d %u %d", &code,
	    &sx, &sy, &sw, &sh, &x, &y, &w, &h, &alpha, &n) >= 10)
		return sd_surface_copy(q, QXL_DRAW_ALPHA_BLEND, code, sx, sy,
		    sw, sh, x, y, w, h, n, alpha, NULL);
	if (sscanf(line, "ropfill %d %d %d %d %x %x", &x, &y, &w, &h, &rgb,
	    &ropd) == 6) {
		if ((d = sd_drawable(q, QXL_DRAW_FILL, x, y, w, h, &phys)) ==
		    NULL)
			return -1;
		d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
		d->u.fill.brush.u.color = rgb;
		d->u.fill.rop_descriptor = (uint16_t)ropd;
		return sd_push(q, phys);
	}
	if (sscanf(line, "patfill %d %d %d %d %u %d %d %x", &x, &y, &w, &h,
	    &seed, &px, &py, &ropd) == 8) {
		if ((d = sd_drawable(q, QXL_DRAW_FILL, x, y, w, h, &phys)) ==
		    NULL || sd_pattern_brush(q, d, &d->u.fill.brush, seed, px,
		    py) != 0)
			return -1;
		d->u.fill.rop_descriptor = (uint16_t)ropd;
		return sd_push(q, phys);
	}
	if (sscanf(line, "maskfill %d %d %d %d %x %d", &x, &y, &w, &h, &rgb,
	    &inv) == 6) {
		if ((d = sd_drawable(q, QXL_DRAW_FILL, x, y, w, h, &phys)) ==
		    NULL || sd_mask(q, d, &d->u.fill.mask, w, h, inv) != 0)
			return -1;
		d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
		d->u.fill.brush.u.color = rgb;
		d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
		return sd_push(q, phys);
	}
	if (sscanf(line, "ropcopy %d %d %d %d %u %x", &x, &y, &w, &h, &seed,
	    &ropd) == 6) {
		if ((d = sd_drawable(q, QXL_DRAW_COPY, x, y, w, h, &phys)) ==
		    NULL || (d->u.copy.src_bitmap = sd_pattern(q, d, w, h, seed,
		    ~0u)) == 0)
			return -1;
		d->u.copy.src_area.right = w;
		d->u.copy.src_area.bottom = h;
		d->u.copy.rop_descriptor = (uint16_t)ropd;
		return sd_push(q, phys);
	}
	ropd = SPICE_ROPD_OP_PUT;
	if ((n = sscanf(line, "scaled %d %d %d %d %d %d %u %d %x", &x, &y, &w,
	    &h, &px, &py, &seed, &inv, &ropd)) == 8 || n == 9) {
		if ((d = sd_drawable(q, QXL_DRAW_COPY, x, y, w, h, &phys)) ==
		    NULL || (d->u.copy.src_bitmap = sd_pattern(q, d, px, py,
		    seed, ~0u)) == 0)
			return -1;
		d->u.copy.src_area.right = px;
		d->u.copy.src_area.bottom = py;
		d->u.copy.rop_descriptor = (uint16_t)ropd;
		d->u.copy.scale_mode = (uint8_t)inv;
		return sd_push(q, phys);
	}
	if (sscanf(line, "scaledpart %d %d %d %d %d %d %u %d %d %d %d %d %d",
	    &x, &y, &w, &h, &px, &py, &seed, &inv, &sx, &sy, &sw, &sh,
	    &icon) == 13) {
		if ((d = sd_drawable(q, QXL_DRAW_COPY, x, y, w, h, &phys)) ==
		    NULL || (d->u.copy.src_bitmap = icon == 1 ?
		    sd_alpha_icon(q, d, px, py, seed, 0) : sd_picture(q, d, px,
		    py, seed, ~0u, icon == 2)) == 0)
			return -1;
		d->u.copy.src_area.left = sx;
		d->u.copy.src_area.top = sy;
		d->u.copy.src_area.right = sx + sw;
		d->u.copy.src_area.bottom = sy + sh;
		d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
		d->u.copy.scale_mode = (uint8_t)inv;
		return sd_push(q, phys);
	}
	if (sscanf(line, "rop3solid %d %d %d %d %x %u %x", &x, &y, &w, &h,
	    &code, &seed, &rgb) == 7) {
		if ((d = sd_drawable(q, QXL_DRAW_ROP3, x, y, w, h, &phys)) ==
		    NULL || (d->u.rop3.src_bitmap = sd_pattern(q, d, w, h, seed,
		    ~0u)) == 0)
			return -1;
		d->u.rop3.src_area.right = w;
		d->u.rop3.src_area.bottom = h;
		d->u.rop3.brush.type = SPICE_BRUSH_TYPE_SOLID;
		d->u.rop3.brush.u.color = rgb;
		d->u.rop3.rop3 = (uint8_t)code;
		return sd_push(q, phys);
	}
	px = py = 0;
	if ((n = sscanf(line, "rop3 %d %d %d %d %x %u %d %d", &x, &y, &w, &h,
	    &code, &seed, &px, &py)) == 6 || n == 8) {
		if ((d = sd_drawable(q, QXL_DRAW_ROP3, x, y, w, h, &phys)) ==
		    NULL || (d->u.rop3.src_bitmap = sd_pattern(q, d, w, h, seed,
		    ~0u)) == 0 || sd_pattern_brush(q, d, &d->u.rop3.brush,
		    seed + 1, px, py) != 0)
			return -1;
		d->u.rop3.src_area.right = w;
		d->u.rop3.src_area.bottom = h;
		d->u.rop3.rop3 = (uint8_t)code;
		return sd_push(q, phys);
	}
	if (sscanf(line, "opaque %d %d %d %d %u %x %x", &x, &y, &w, &h, &seed,
	    &rgb, &ropd) == 7) {
		if ((d = sd_drawable(q, QXL_DRAW_OPAQUE, x, y, w, h, &phys)) ==
		    NULL || (d->u.opaque.src_bitmap = sd_pattern(q, d, w, h,
		    seed, ~0u)) == 0)
			return -1;
		d->u.opaque.src_area.right = w;
		d->u.opaque.src_area.bottom = h;
		d->u.opaque.brush.type = SPICE_BRUSH_TYPE_SOLID;
		d->u.opaque.brush.u.color = rgb;
		d->u.opaque.rop_descriptor = (uint16_t)ropd;
		return sd_push(q, phys);
	}
	if (sscanf(line, "patopaque %d %d %d %d %u %x %d %d", &x, &y, &w, &h,
	    &seed, &ropd, &px, &py) == 8) {
		if ((d = sd_drawable(q, QXL_DRAW_OPAQUE, x, y, w, h, &phys)) ==
		    NULL || (d->u.opaque.src_bitmap = sd_pattern(q, d, w, h,
		    seed, ~0u)) == 0 || sd_pattern_brush(q, d,
		    &d->u.opaque.brush, seed + 1, px, py) != 0)
			return -1;
		d->u.opaque.src_area.right = w;
		d->u.opaque.src_area.bottom = h;
		d->u.opaque.rop_descriptor = (uint16_t)ropd;
		return sd_push(q, phys);
	}
	if ((n = sscanf(line, "transparent %d %d %d %d %u %x %d %d", &x, &y,
	    &w, &h, &seed, &rgb, &sw, &sh)) == 6 || n == 8) {
		if (n == 6) {
			sw = w;
			sh = h;
		}
		if ((d = sd_drawable(q, QXL_DRAW_TRANSPARENT, x, y, w, h,
		    &phys)) == NULL || (d->u.transparent.src_bitmap =
		    sd_pattern(q, d, sw, sh, seed, rgb)) == 0)
			return -1;
		d->u.transparent.src_area.right = sw;
		d->u.transparent.src_area.bottom = sh;
		d->u.transparent.true_color = rgb;
		return sd_push(q, phys);
	}
	if (sscanf(line, "alphablend %d %d %d %d %u %u", &x, &y, &w, &h,
	    &seed, &alpha) == 6) {
		if ((d = sd_drawable(q, QXL_DRAW_ALPHA_BLEND, x, y, w, h,
		    &phys)) == NULL || (d->u.alpha_blend.src_bitmap =
		    sd_pattern(q, d, w, h, seed, ~0u)) == 0)
			return -1;
		d->u.alpha_blend.src_area.right = w;
		d->u.alpha_blend.src_area.bottom = h;
		d->u.alpha_blend.alpha = (uint8_t)alpha;
		return sd_push(q, phys);
	}
	photo = 0;
	if ((n = sscanf(line, "alphaicon %d %d %d %d %u %u %d %d", &x, &y, &w,
	    &h, &seed, &alpha, &sw, &sh)) != 6 && n != 8) {
		photo = 1;
		n = sscanf(line, "alphaphoto %d %d %d %d %u %u %d %d", &x, &y,
		    &w, &h, &seed, &alpha, &sw, &sh);
	}
	if (n == 6 || n == 8) {
		if (n == 6) {
			sw = w;
			sh = h;
		}
		if ((d = sd_drawable(q, QXL_DRAW_ALPHA_BLEND, x, y, w, h,
		    &phys)) == NULL || (d->u.alpha_blend.src_bitmap =
		    sd_alpha_icon(q, d, sw, sh, seed, photo)) == 0)
			return -1;
		d->u.alpha_blend.src_area.right = sw;
		d->u.alpha_blend.src_area.bottom = sh;
		d->u.alpha_blend.alpha = (uint8_t)alpha;
		return sd_push(q, phys);
	}
	if (sscanf(line, "compositemask %d %d %d %d %u %u", &x, &y, &w, &h,
	    &seed, &code) == 6) {
		if ((d = sd_drawable(q, QXL_DRAW_COMPOSITE, x, y, w, h,
		    &phys)) == NULL || (d->u.composite.src = sd_alpha_icon(q,
		    d, w, h, seed, 0)) == 0 || (d->u.composite.mask =
		    sd_a8_mask(q, d, w, h)) == 0)
			return -1;
		d->u.composite.flags = (code & 0xff) | SPICE_COMPOSITE_HAS_MASK;
		return sd_push(q, phys);
	}
	if (sscanf(line, "compositetext %d %d %d %d %x", &x, &y, &w, &h,
	    &rgb) == 5) {
		uint8_t *data;

		if ((d = sd_drawable(q, QXL_DRAW_COMPOSITE, x, y, w, h,
		    &phys)) == NULL || (d->u.composite.src = sd_image(q, d,
		    SPICE_BITMAP_FMT_32BIT, 1, 1, 4, &data, NULL)) == 0 ||
		    (d->u.composite.mask = sd_a8_mask(q, d, w, h)) == 0)
			return -1;
		rgb |= 0xff000000u;
		memcpy(data, &rgb, 4);
		d->u.composite.flags = QXL_OP_OVER | SPICE_COMPOSITE_HAS_MASK |
		    1u << 14;		/* src repeat NORMAL (pixman's 1) */
		return sd_push(q, phys);
	}
	if (sscanf(line, "composite %d %d %d %d %u", &x, &y, &w, &h,
	    &seed) == 5) {
		/* SRC from a (w/2) x (h/2) bitmap, twice its size: the
		 * transform maps destination to source, so it halves. */
		static const int32_t half[6] = { 0x8000, 0, 0, 0, 0x8000, 0 };
		int32_t *xf;
		uint64_t xphys;

		if ((d = sd_drawable(q, QXL_DRAW_COMPOSITE, x, y, w, h,
		    &phys)) == NULL || (d->u.composite.src = sd_pattern(q, d,
		    w / 2, h / 2, seed, ~0u)) == 0 ||
		    (xf = qxlshm_alloc(q, SD_SLOT, sizeof(half), &xphys)) ==
		    NULL)
			return -1;
		qxlshm_link(q, d, xf);
		memcpy(xf, half, sizeof(half));
		d->u.composite.flags = QXL_OP_SOURCE |
		    SPICE_COMPOSITE_HAS_SRC_TRANSFORM;
		d->u.composite.src_transform = xphys;
		return sd_push(q, phys);
	}
	if (sscanf(line, "compositexf %d %d %d %d %d %d %u %d %d %d %d %d %d "
	    "%d %d", &x, &y, &w, &h, &sw, &sh, &seed, &inv, &icon, &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5]) == 15) {
		int32_t *xf;
		uint64_t xphys;

		if ((d = sd_drawable(q, QXL_DRAW_COMPOSITE, x, y, w, h,
		    &phys)) == NULL || (d->u.composite.src = sd_alpha_icon(q,
		    d, sw, sh, seed, 0)) == 0 || (d->u.composite.mask =
		    icon ? sd_a8_mask(q, d, sw, sh) : sd_a8_mask(q, d, w, h)) ==
		    0 || (xf = qxlshm_alloc(q, SD_SLOT, 6 * sizeof(*xf),
		    &xphys)) == NULL)
			return -1;
		qxlshm_link(q, d, xf);
		for (n = 0; n < 6; n++)
			xf[n] = v[n];
		d->u.composite.flags = QXL_OP_OVER | SPICE_COMPOSITE_HAS_MASK |
		    SPICE_COMPOSITE_HAS_SRC_TRANSFORM | (uint32_t)(inv & 1) << 8;
		d->u.composite.src_transform = xphys;
		if (icon) {
			d->u.composite.flags |=
			    SPICE_COMPOSITE_HAS_MASK_TRANSFORM |
			    (uint32_t)(inv & 1) << 11;
			d->u.composite.mask_transform = xphys;
		}
		return sd_push(q, phys);
	}
	if (sscanf(line, "compressed %7s %d %d %d %d %u", codec, &x, &y, &w,
	    &h, &seed) == 6 && (strcmp(codec, "quic") == 0 ||
	    strcmp(codec, "lz") == 0 || strcmp(codec, "jpeg") == 0))
		return sd_compressed(q, codec, x, y, w, h, seed);
	if (sscanf(line, "palette %d %d %d %d", &x, &y, &w, &h) == 4)
		return sd_palette(q, x, y, w, h);
	/* text8, text4 and textback first: "text %d" would read their
	 * 8 or 4 as X, and skip textback's "back". */
	if (sscanf(line, "text8 %d %d %x", &x, &y, &rgb) == 3)
		return sd_text(q, x, y, rgb, 8, -1);
	if (sscanf(line, "text4 %d %d %x", &x, &y, &rgb) == 3)
		return sd_text(q, x, y, rgb, 4, -1);
	if (sscanf(line, "textback %d %d %x %x", &x, &y, &rgb, &back) == 4)
		return sd_text(q, x, y, rgb, 1, back);
	if (sscanf(line, "text %d %d %x", &x, &y, &rgb) == 3)
		return sd_text(q, x, y, rgb, 1, -1);
	ropd = SPICE_ROPD_OP_PUT;
	inv = 0;
	dashed = 0;
	if (sscanf(line, "stroke %x%n", &rgb, &used) == 1 ||
	    sscanf(line, "ropstroke %x %x%n", &rgb, &ropd, &used) == 2 ||
	    (dashed = sscanf(line, "dashstroke %x %x %d %d%n", &rgb, &ropd,
	    &dash[0], &dash[1], &used) == 4) ||
	    (inv = sscanf(line, "bezier %x %x%n", &rgb, &ropd, &used) == 2)) {
		p = line + used;
		for (n = 0; n < 32 && sscanf(p, "%d%n", &v[n], &used) == 1;
		    n++)
			p += used;
		if (n % 2 != 0 || (inv && n / 2 % 3 != 1) || (dashed &&
		    (dash[0] < 1 || dash[1] < 1)))
			return -1;
		return sd_stroke(q, rgb, (uint16_t)ropd, inv ?
		    SPICE_PATH_BEZIER : 0, dashed ? dash : NULL, v, n / 2);
	}
	if (sscanf(line, "blackness %d %d %d %d", &x, &y, &w, &h) == 4 ||
	    sscanf(line, "whiteness %d %d %d %d", &x, &y, &w, &h) == 4 ||
	    sscanf(line, "invers %d %d %d %d", &x, &y, &w, &h) == 4) {
		if ((d = sd_drawable(q, line[0] == 'b' ? QXL_DRAW_BLACKNESS :
		    line[0] == 'w' ? QXL_DRAW_WHITENESS : QXL_DRAW_INVERS, x, y,
		    w, h, &phys)) == NULL)
			return -1;
		return sd_push(q, phys);
	}
	if (sscanf(line, "badtext %d %d", &x, &y) == 2) {
		/* A string whose one glyph claims more bits than it has. */
		QXLString *str;
		QXLRasterGlyph *g;
		uint64_t sphys;

		if ((d = sd_drawable(q, QXL_DRAW_TEXT, x, y, 8, 8, &phys)) ==
		    NULL || (str = qxlshm_alloc(q, SD_SLOT, sizeof(*str) +
		    sizeof(*g) + 4, &sphys)) == NULL)
			return -1;
		qxlshm_link(q, d, str);
		str->data_size = sizeof(*g) + 4;
		str->length = 1;
		str->flags = SPICE_STRING_FLAGS_RASTER_A8;
		str->chunk.data_size = str->data_size;
		g = (QXLRasterGlyph *)str->chunk.data;
		g->width = 8;
		g->height = 8;
		d->u.text.str = sphys;
		d->u.text.fore_brush.type = SPICE_BRUSH_TYPE_SOLID;
		return sd_push(q, phys);
	}
	return 1;
}
