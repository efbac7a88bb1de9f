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

static uint8_t	gen_mem[4096];
static size_t	gen_len;

static uint64_t
gen_put(const void *p, size_t n)
{
	uint64_t off = gen_len;

	memcpy(gen_mem + off, p, n);
	gen_len = (gen_len + n + 7) & ~(size_t)7;
	return off;
}

static void
gen_write(const char *dir, const char *name)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(gen_mem, 1, gen_len, f) != gen_len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	memset(gen_mem, 0, sizeof(gen_mem));
	gen_len = 0;
}

static void
gen_rect(QXLRect *r, int32_t l, int32_t t, int32_t rr, int32_t b)
{
	r->left = l;
	r->top = t;
	r->right = rr;
	r->bottom = b;
}

/* Reserve the drawable at 0; the caller fills it and re-puts it. */
static QXLDrawable
gen_drawable(uint8_t type)
{
	QXLDrawable d;

	memset(&d, 0, sizeof(d));
	d.release_info.id = 1;
	d.type = type;
	d.effect = QXL_EFFECT_OPAQUE;
	gen_rect(&d.bbox, 0, 0, 4, 2);
	d.clip.type = SPICE_CLIP_TYPE_NONE;
	gen_len = sizeof(d) + 1;	/* placeholder, aligned below */
	gen_len = (gen_len + 7) & ~(size_t)7;
	return d;
}

static void
gen_finish(const QXLDrawable *d)
{
	memcpy(gen_mem, d, sizeof(*d));
}

static uint64_t
gen_image(uint8_t fmt, uint8_t flags, uint32_t w, uint32_t h, uint32_t stride,
    uint64_t data)
{
	QXLImage img;

	memset(&img, 0, sizeof(img));
	img.descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img.descriptor.width = w;
	img.descriptor.height = h;
	img.bitmap.format = fmt;
	img.bitmap.flags = flags;
	img.bitmap.x = w;
	img.bitmap.y = h;
	img.bitmap.stride = stride;
	img.bitmap.data = data;
	return gen_put(&img, sizeof(img));
}

static uint64_t
gen_chunk(uint32_t size, uint64_t next, uint8_t fill)
{
	QXLDataChunk c;
	uint8_t buf[256];
	uint64_t off;

	memset(&c, 0, sizeof(c));
	c.data_size = size;
	c.next_chunk = next;
	off = gen_put(&c, sizeof(c));
	gen_len = off + sizeof(c);
	memset(buf, fill, sizeof(buf));
	gen_put(buf, size);
	return off;
}

int
main(int argc, char **argv)
{
	QXLDrawable d;
	QXLSurfaceCmd sc;
	QXLRect rects[2];
	uint8_t px[64];
	uint64_t data, img, c1, c2;
	uint32_t n;
	const char *dir;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-qxl-cmd-corpus DIR\n");
		return 2;
	}
	dir = argv[1];
	for (i = 0; i < 64; i++)
		px[i] = (uint8_t)(i * 5);

	d = gen_drawable(QXL_DRAW_FILL);
	d.u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.u.fill.brush.u.color = 0xff8800;
	d.u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
	gen_finish(&d);
	gen_write(dir, "fill");

	d = gen_drawable(QXL_DRAW_FILL);
	d.u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d.u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
	gen_rect(&rects[0], 0, 0, 2, 2);
	gen_rect(&rects[1], 2, 0, 4, 1);
	n = 2;
	d.clip.type = SPICE_CLIP_TYPE_RECTS;
	d.clip.data = gen_put(&n, 4);
	gen_len = d.clip.data + 4;
	{
		QXLDataChunk c = { .data_size = sizeof(rects) };

		gen_put(&c, sizeof(c));
		gen_len = d.clip.data + 4 + sizeof(c);
		gen_put(rects, sizeof(rects));
	}
	gen_finish(&d);
	gen_write(dir, "fill-clip");

	d = gen_drawable(QXL_DRAW_COPY);
	data = gen_put(px, 32);
	img = gen_image(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_DIRECT |
	    QXL_BITMAP_TOP_DOWN, 4, 2, 16, data);
	d.u.copy.src_bitmap = img;
	gen_rect(&d.u.copy.src_area, 0, 0, 4, 2);
	d.u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	gen_finish(&d);
	gen_write(dir, "copy-direct-32");

	d = gen_drawable(QXL_DRAW_COPY);
	data = gen_put(px, 32);
	img = gen_image(SPICE_BITMAP_FMT_RGBA, QXL_BITMAP_DIRECT, 4, 2, 16,
	    data);
	d.u.copy.src_bitmap = img;
	gen_rect(&d.u.copy.src_area, 1, 0, 3, 2);
	d.u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	gen_finish(&d);
	gen_write(dir, "copy-rgba-bottom-up");

	d = gen_drawable(QXL_DRAW_COPY);
	c2 = gen_chunk(14, 0, 0x33);
	c1 = gen_chunk(10, c2, 0x77);
	img = gen_image(SPICE_BITMAP_FMT_24BIT, QXL_BITMAP_TOP_DOWN, 4, 2, 12,
	    c1);
	d.u.copy.src_bitmap = img;
	gen_rect(&d.u.copy.src_area, 0, 0, 4, 2);
	d.u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	gen_finish(&d);
	gen_write(dir, "copy-chunks-24");

	d = gen_drawable(QXL_DRAW_COPY);
	c1 = gen_chunk(0, 0, 0);
	{
		QXLDataChunk c = { .data_size = 0, .next_chunk = c1 };

		memcpy(gen_mem + c1, &c, sizeof(c));	/* points at itself */
	}
	img = gen_image(SPICE_BITMAP_FMT_24BIT, 0, 4, 2, 12, c1);
	d.u.copy.src_bitmap = img;
	gen_rect(&d.u.copy.src_area, 0, 0, 4, 2);
	d.u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	gen_finish(&d);
	gen_write(dir, "copy-chunk-loop");

	d = gen_drawable(QXL_DRAW_COPY);
	{
		QXLImage si;

		memset(&si, 0, sizeof(si));
		si.descriptor.type = SPICE_IMAGE_TYPE_SURFACE;
		si.descriptor.width = 4;
		si.descriptor.height = 2;
		si.surface_image.surface_id = 1;
		img = gen_put(&si, sizeof(si.descriptor) + 4);
	}
	d.u.copy.src_bitmap = img;
	gen_rect(&d.u.copy.src_area, 0, 0, 4, 2);
	d.u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	gen_finish(&d);
	gen_write(dir, "copy-surface");

	memset(&sc, 0, sizeof(sc));
	sc.release_info.id = 2;
	sc.surface_id = 1;
	sc.type = QXL_SURFACE_CMD_CREATE;
	sc.flags = QXL_SURF_FLAG_KEEP_DATA;
	sc.u.surface_create.format = SPICE_SURFACE_FMT_32_xRGB;
	sc.u.surface_create.width = 4;
	sc.u.surface_create.height = 2;
	sc.u.surface_create.stride = -16;
	gen_len = (sizeof(sc) + 7) & ~(size_t)7;
	sc.u.surface_create.data = gen_put(px, 32);
	memcpy(gen_mem, &sc, sizeof(sc));
	gen_write(dir, "surface-create");

	memset(&sc, 0, sizeof(sc));
	sc.surface_id = 1;
	sc.type = QXL_SURFACE_CMD_DESTROY;
	gen_put(&sc, sizeof(sc));
	gen_write(dir, "surface-destroy");
	return 0;
}
