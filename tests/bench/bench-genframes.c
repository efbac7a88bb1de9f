/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-genframes: write a frame sequence as PPM files for the end-to-end
 * benchmark, one of five workloads:
 *   desktop  a gradient wallpaper with icons, a taskbar whose clock
 *            changes, a terminal whose text scrolls one line per frame,
 *            and a document window with a photo-like picture that moves
 *            across the screen (the default);
 *   text     a full-screen terminal scrolling a line per frame;
 *   photo    a photo viewer: a new full-screen picture every 10 frames;
 *   video    a 640x360 video playing on a still desktop;
 *   office   a page of text being typed into, three characters a frame,
 *            that scrolls three lines every 20 frames.
 * Deterministic: the same arguments give the same bytes.
 *
 *	bench-genframes DIR [COUNT [WxH [WORKLOAD]]]
 *	(default 60 1920x1080 desktop)
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_CELL_W	8	/* character cell */
#define GEN_CELL_H	16

struct gen {
	int		 g_w;
	int		 g_h;
	uint32_t	*g_px;
};

static uint32_t
gen_hash(uint32_t a, uint32_t b)
{
	uint32_t h = a * 0x9e3779b1u ^ (b + 0x7f4a7c15u) * 0x85ebca77u;

	h ^= h >> 15;
	h *= 0xc2b2ae3du;
	h ^= h >> 13;
	return h;
}

static void
gen_rect(struct gen *g, int x, int y, int w, int h, uint32_t rgb)
{
	int i, j;

	for (j = y < 0 ? 0 : y; j < y + h && j < g->g_h; j++)
		for (i = x < 0 ? 0 : x; i < x + w && i < g->g_w; i++)
			g->g_px[(size_t)j * g->g_w + i] = rgb;
}

/* A glyph-like 5x9 pattern for character code c in the cell at (x, y). */
static void
gen_glyph(struct gen *g, int x, int y, uint32_t c, uint32_t rgb)
{
	uint32_t bits = gen_hash(c, 77);
	int i, j;

	for (j = 0; j < 9; j++)
		for (i = 0; i < 5; i++)
			if (bits >> ((j * 5 + i) % 32) & 1)
				gen_rect(g, x + 1 + i, y + 3 + j, 1, 1, rgb);
}

/* Line number `line` of a text: words of hashed length and glyphs. */
static void
gen_text_line(struct gen *g, int x, int y, int cols, uint32_t line,
    uint32_t rgb)
{
	uint32_t len = 8 + gen_hash(line, 1) % (uint32_t)(cols - 8), col = 0;
	uint32_t indent = gen_hash(line, 2) % 4 * 2;

	for (col = indent; col < len; col++) {
		uint32_t c = gen_hash(line, col + 3);

		if (c % 6 == 0)
			continue;	/* a space between words */
		gen_glyph(g, x + (int)col * GEN_CELL_W, y, c % 94, rgb);
	}
}

static void
gen_window(struct gen *g, int x, int y, int w, int h, const char *kind)
{
	gen_rect(g, x + 6, y + 6, w, h, 0x00202428);		/* shadow */
	gen_rect(g, x, y, w, h, 0x00505a64);			/* border */
	gen_rect(g, x + 1, y + 1, w - 2, 28, 0x003b6ea5);	/* title */
	gen_rect(g, x + w - 26, y + 7, 16, 16, 0x00d04040);	/* close */
	gen_rect(g, x + 1, y + 29, w - 2, h - 30,
	    strcmp(kind, "term") == 0 ? 0x00101418 : 0x00f4f4f4);
}

static void
gen_frame(struct gen *g, int f)
{
	int x, y, i, tx, ty, tw, th, dx, dy, dw, dh, rows;

	/* Wallpaper: a smooth two-axis gradient. */
	for (y = 0; y < g->g_h; y++)
		for (x = 0; x < g->g_w; x++)
			g->g_px[(size_t)y * g->g_w + x] =
			    (uint32_t)(30 + x * 60 / g->g_w) << 16 |
			    (uint32_t)(60 + y * 80 / g->g_h) << 8 |
			    (uint32_t)(120 + (x + y) * 80 / (g->g_w + g->g_h));
	/* Desktop icons with labels. */
	for (i = 0; i < 6; i++) {
		gen_rect(g, 24, 24 + i * 96, 48, 48, gen_hash(i, 9) & 0xffffff);
		gen_text_line(g, 16, 76 + i * 96, 9, 500 + i, 0x00ffffff);
	}
	/* Terminal: scrolls one text line per frame. */
	tx = g->g_w / 24;
	ty = g->g_h / 14;
	tw = g->g_w / 2;
	th = g->g_h * 3 / 5;
	gen_window(g, tx, ty, tw, th, "term");
	rows = (th - 40) / GEN_CELL_H;
	for (i = 0; i < rows; i++)
		gen_text_line(g, tx + 8, ty + 34 + i * GEN_CELL_H,
		    (tw - 16) / GEN_CELL_W, (uint32_t)(f + i), 0x00c8e6c8);
	/* Document window with a picture, moving right and down. */
	dw = g->g_w * 2 / 5;
	dh = g->g_h / 2;
	dx = g->g_w / 3 + f * 9 % (g->g_w - g->g_w / 3 - dw);
	dy = g->g_h / 4 + f * 3 % (g->g_h / 4);
	gen_window(g, dx, dy, dw, dh, "doc");
	for (i = 0; i < (dh - 200) / GEN_CELL_H; i++)
		gen_text_line(g, dx + 16, dy + 40 + i * GEN_CELL_H,
		    (dw / 2 - 24) / GEN_CELL_W, 1000 + (uint32_t)i, 0x00202020);
	for (y = 0; y < dh - 80; y++)
		for (x = 0; x < dw / 2 - 24; x++) {
			int px = dx + dw / 2 + 8 + x, py = dy + 40 + y;
			uint32_t n = gen_hash((uint32_t)x, (uint32_t)y) & 15;

			if (px >= g->g_w || py >= g->g_h)
				continue;
			g->g_px[(size_t)py * g->g_w + px] =
			    (uint32_t)((x * 255 / dw + n) & 0xff) << 16 |
			    (uint32_t)((y * 200 / dh + n) & 0xff) << 8 |
			    (uint32_t)((128 + (x ^ y) / 8 + n) & 0xff);
		}
	/* Taskbar with a clock that changes every frame. */
	gen_rect(g, 0, g->g_h - 40, g->g_w, 40, 0x00282c34);
	for (i = 0; i < 5; i++)
		gen_rect(g, 8 + i * 48, g->g_h - 36, 32, 32,
		    gen_hash(i, 5) & 0xffffff);
	for (i = 0; i < 8; i++)
		gen_glyph(g, g->g_w - 100 + i * GEN_CELL_W, g->g_h - 30,
		    gen_hash((uint32_t)f, (uint32_t)i) % 10, 0x00ffffff);
}

/* A photo-like picture of seed s in w x h at x, y: smooth colour fields
 * with fine noise. */
static void
gen_photo(struct gen *g, int x0, int y0, int w, int h, uint32_t s)
{
	int x, y, px, py;
	uint32_t n, r, gg, b;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			px = x0 + x;
			py = y0 + y;
			if (px < 0 || py < 0 || px >= g->g_w || py >= g->g_h)
				continue;
			n = gen_hash((uint32_t)x + s * 7919, (uint32_t)y) & 7;
			r = (uint32_t)(128 + 100 * ((x * 3 + (int)s * 37) % 200 -
			    100) / 100 * ((y + (int)s * 11) % 160) / 160) + n;
			gg = (uint32_t)((x + 2 * y + (int)s * 29) % 256) / 2 + 60 +
			    n;
			b = (uint32_t)((x * y / 64 + (int)s * 13) % 200) + n;
			g->g_px[(size_t)py * g->g_w + px] = (r & 0xff) << 16 |
			    (gg & 0xff) << 8 | (b & 0xff);
		}
}

static void
gen_frame_text(struct gen *g, int f)
{
	int i, rows = (g->g_h - 8) / GEN_CELL_H;

	gen_rect(g, 0, 0, g->g_w, g->g_h, 0x00101418);
	for (i = 0; i < rows; i++)
		gen_text_line(g, 8, 4 + i * GEN_CELL_H,
		    (g->g_w - 16) / GEN_CELL_W, (uint32_t)(f + i), 0x00c8e6c8);
}

static void
gen_frame_photo(struct gen *g, int f)
{
	gen_photo(g, 0, 0, g->g_w, g->g_h, (uint32_t)(f / 10));
}

static void
gen_frame_video(struct gen *g, int f)
{
	int x, y;

	for (y = 0; y < g->g_h; y++)
		for (x = 0; x < g->g_w; x++)
			g->g_px[(size_t)y * g->g_w + x] =
			    (uint32_t)(30 + x * 60 / g->g_w) << 16 |
			    (uint32_t)(60 + y * 80 / g->g_h) << 8 | 140;
	gen_window(g, g->g_w / 4 - 1, g->g_h / 4 - 29, 642, 390, "doc");
	/* A new picture every frame: its colour fields slide at different
	 * speeds and its noise is new, so nothing in it repeats or moves
	 * whole (the worst case for a lossless encoder). */
	gen_photo(g, g->g_w / 4, g->g_h / 4, 640, 360, (uint32_t)f * 3);
}

static void
gen_frame_office(struct gen *g, int f)
{
	int cols = (g->g_w / 2 - 48) / GEN_CELL_W, last;
	int i, rows, top = f / 20 * 3, typed = 40 * cols + f * 3;

	gen_rect(g, 0, 0, g->g_w, g->g_h, 0x00d0d4d8);
	gen_window(g, g->g_w / 4, 40, g->g_w / 2, g->g_h - 80, "doc");
	rows = (g->g_h - 160) / GEN_CELL_H;
	/* Forty lines written before, the last one as far as typed. */
	last = typed / cols;
	for (i = 0; i < rows && top + i <= last; i++) {
		int y = 100 + i * GEN_CELL_H, c, n = top + i < last ? cols :
		    typed % cols;

		for (c = 0; c < n; c++) {
			uint32_t ch = gen_hash((uint32_t)(top + i),
			    (uint32_t)c + 3);

			if (ch % 6 != 0)
				gen_glyph(g, g->g_w / 4 + 24 + c * GEN_CELL_W, y,
				    ch % 94, 0x00202020);
		}
	}
}

static int
gen_write(const struct gen *g, const char *path)
{
	uint8_t *row;
	FILE *f;
	int x, y, rv = -1;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	if ((row = malloc((size_t)g->g_w * 3)) == NULL)
		goto out;
	fprintf(f, "P6\n%d %d\n255\n", g->g_w, g->g_h);
	for (y = 0; y < g->g_h; y++) {
		for (x = 0; x < g->g_w; x++) {
			uint32_t v = g->g_px[(size_t)y * g->g_w + x];

			row[x * 3] = (uint8_t)(v >> 16);
			row[x * 3 + 1] = (uint8_t)(v >> 8);
			row[x * 3 + 2] = (uint8_t)v;
		}
		if (fwrite(row, 3, (size_t)g->g_w, f) != (size_t)g->g_w)
			goto out;
	}
	rv = 0;
out:
	free(row);
	if (fclose(f) != 0)
		rv = -1;
	return rv;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char	*name;
		void		(*fn)(struct gen *, int);
	} workloads[] = {
		{ "desktop", gen_frame }, { "text", gen_frame_text },
		{ "photo", gen_frame_photo }, { "video", gen_frame_video },
		{ "office", gen_frame_office },
	};
	void (*fn)(struct gen *, int) = gen_frame;
	struct gen g;
	char path[4096];
	int n = 60, f, i, ok = 1;

	g.g_w = 1920;
	g.g_h = 1080;
	if (argc == 5) {
		for (ok = 0, i = 0; i < 5; i++)
			if (strcmp(argv[4], workloads[i].name) == 0) {
				fn = workloads[i].fn;
				ok = 1;
			}
	}
	if (!ok || argc < 2 || argc > 5 ||
	    (argc >= 3 && (n = atoi(argv[2])) < 1) ||
	    (argc >= 4 && (sscanf(argv[3], "%dx%d", &g.g_w, &g.g_h) != 2 ||
	    g.g_w < 640 || g.g_h < 480 || g.g_w > 8192 || g.g_h > 8192))) {
		fprintf(stderr, "usage: bench-genframes DIR [COUNT [WxH "
		    "[desktop|text|photo|video|office]]] (at least 640x480)\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) == -1 && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	if ((g.g_px = malloc((size_t)g.g_w * g.g_h * 4)) == NULL)
		return 1;
	for (f = 0; f < n; f++) {
		fn(&g, f);
		snprintf(path, sizeof(path), "%s/frame-%04d.ppm", argv[1], f);
		if (gen_write(&g, path) == -1) {
			perror(path);
			return 1;
		}
	}
	free(g.g_px);
	return 0;
}
