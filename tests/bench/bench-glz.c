/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-glz: spiced's GLZ encoder against libspice-server's (server/
 * glz-encoder.c and glz-encoder-dict.c of Debian's source of the
 * installed libspice-server, fetched by tests/bench/bench-glz.sh; only
 * this benchmark links them), each with a window of the same size, fed
 * the same sequence of images: a 1920x1080 desktop-like frame, then boxes
 * of it as a desktop resends them (the same box again with a line of
 * text changed, a box scrolled by a few rows, a new box of noise), and
 * the whole frame again.  Each encoder has first taken the same kind of
 * sequence from another desktop, as in a session under way (its window
 * full, its memory in use).  Printed: milliseconds and bytes for the
 * sequence for each, and the ratios.  spiced's output is checked exact
 * by test-enc-glz and fuzz-glz; libspice-server's is its own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "glz-encoder.h"

#include "enc.h"
#include "sbuf.h"

#define BW		1920
#define BH		1080
#define WINDOW		(4u << 20)	/* pixels, as spiced's default cap */
#define NIMG		40
#define RUNS		5

struct bimg {
	uint32_t	*px;		/* contiguous rows */
	uint32_t	 w, h;
};

static void __attribute__((noreturn))
bg_fail(GlzEncoderUsrContext *u, const char *fmt, ...)
{
	(void)u;
	fprintf(stderr, "bench-glz: libspice-server's encoder: %s\n", fmt);
	abort();
}

static void
bg_info(GlzEncoderUsrContext *u, const char *fmt, ...)
{
	(void)u;
	(void)fmt;
}

static void *
bg_malloc(GlzEncoderUsrContext *u, int n)
{
	(void)u;
	return malloc((size_t)n);
}

static void
bg_free(GlzEncoderUsrContext *u, void *p)
{
	(void)u;
	free(p);
}

static int
bg_more_lines(GlzEncoderUsrContext *u, uint8_t **lines)
{
	(void)u;
	(void)lines;
	return 0;
}

static int
bg_more_space(GlzEncoderUsrContext *u, uint8_t **io)
{
	(void)u;
	(void)io;
	return 0;
}

static void
bg_free_image(GlzEncoderUsrContext *u, GlzUsrImageContext *img)
{
	(void)u;
	(void)img;
}

static double
bg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The desktop: window-like panels, text-like rows, a gradient. */
static void
bg_desktop(uint32_t *px, unsigned seed)
{
	int x, y;

	srand(seed);
	for (y = 0; y < BH; y++)
		for (x = 0; x < BW; x++) {
			if (x < 300)
				px[y * BW + x] = 0x00203040 + (uint32_t)(y / 4);
			else if (y % 20 < 14 && (x * 7 + y * 3) % 13 < 4 &&
			    rand() % 3 != 0)
				px[y * BW + x] = 0x00101010;
			else
				px[y * BW + x] = 0x00f0f0f0;
		}
}

/* Box x, y, w, h of frame f, rows shifted by dy (a scroll), one text
 * row changed at row ch when ch >= 0. */
static struct bimg
bg_box(const uint32_t *f, int x, int y, int w, int h, int dy, int ch)
{
	struct bimg b = { malloc((size_t)w * h * 4), (uint32_t)w,
	    (uint32_t)h };
	int r, c, sy;

	if (b.px == NULL)
		abort();
	for (r = 0; r < h; r++) {
		sy = y + (r + dy) % h;
		memcpy(b.px + (size_t)r * w, f + (size_t)sy * BW + x,
		    (size_t)w * 4);
		if (ch >= 0 && r >= ch && r < ch + 14)
			for (c = 0; c < w; c++)
				if ((c * 5 + r) % 11 < 3)
					b.px[(size_t)r * w + c] = 0x00101010;
	}
	return b;
}

/* The sequence of images from desktop number seed. */
static void
bg_sequence(struct bimg *seq, uint32_t *frame, unsigned seed)
{
	int i, n;

	bg_desktop(frame, seed);
	seq[0] = bg_box(frame, 0, 0, BW, BH, 0, -1);
	for (i = 1; i < NIMG - 1; i++) {
		switch (i % 4) {
		case 0:		/* a box again, a line of it retyped */
			seq[i] = bg_box(frame, 300 + i * 10, 100 + i * 7, 800,
			    500, 0, (i * 37) % 480);
			break;
		case 1:		/* a box scrolled by three rows */
			seq[i] = bg_box(frame, 320, 120, 900, 600, 3 * i, -1);
			break;
		case 2:		/* a small box as it was */
			seq[i] = bg_box(frame, 500 + i, 300, 200, 150, 0, -1);
			break;
		default:	/* a new picture: noise */
			seq[i] = bg_box(frame, 0, 0, 400, 300, 0, -1);
			for (n = 0; n < 400 * 300; n++)
				seq[i].px[n] = (uint32_t)rand() & 0xffffff;
		}
	}
	seq[NIMG - 1] = bg_box(frame, 0, 0, BW, BH, 0, 200);
}

int
main(void)
{
	GlzEncoderUsrContext usr = { bg_fail, bg_fail, bg_info, bg_malloc,
	    bg_free, bg_more_lines, bg_more_space, bg_free_image };
	static struct bimg warm[NIMG], seq[NIMG];
	GlzEncDictImageContext *ic;
	GlzEncDictContext *dict;
	GlzEncoderContext *enc;
	struct enc_glz *eg;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	uint32_t *frame;
	uint8_t *io;
	size_t iocap = (size_t)BW * BH * 8, ours = 0, theirs = 0, px = 0;
	double t0, ts, tr;
	int i, run;

	if ((frame = malloc((size_t)BW * BH * 4)) == NULL ||
	    (io = malloc(iocap)) == NULL)
		return 1;
	bg_sequence(warm, frame, 1);
	bg_sequence(seq, frame, 2);
	for (i = 0; i < NIMG; i++)
		px += (size_t)seq[i].w * seq[i].h;

	obuf_init(&ob);
	ts = 0;
	for (run = 0; run < RUNS; run++) {
		if ((eg = enc_glz_new(WINDOW)) == NULL)
			return 1;
		for (i = 0; i < NIMG; i++) {
			src.es_data = (const uint8_t *)warm[i].px;
			src.es_stride = (size_t)warm[i].w * 4;
			src.es_width = warm[i].w;
			src.es_height = warm[i].h;
			obuf_reset(&ob);
			if (enc_glz_encode(eg, &ob, &src, &err) != 0)
				return 1;
		}
		ours = 0;
		t0 = bg_now();
		for (i = 0; i < NIMG; i++) {
			src.es_data = (const uint8_t *)seq[i].px;
			src.es_stride = (size_t)seq[i].w * 4;
			src.es_width = seq[i].w;
			src.es_height = seq[i].h;
			obuf_reset(&ob);
			if (enc_glz_encode(eg, &ob, &src, &err) != 0) {
				fprintf(stderr, "bench-glz: %s\n", err.msg);
				return 1;
			}
			ours += ob.ob_len - 4;
		}
		ts += bg_now() - t0;
		enc_glz_free(eg);
	}
	tr = 0;
	for (run = 0; run < RUNS; run++) {
		if ((dict = glz_enc_dictionary_create(WINDOW, 1, &usr)) ==
		    NULL || (enc = glz_encoder_create(0, dict, &usr)) == NULL)
			return 1;
		for (i = 0; i < NIMG; i++)
			(void)glz_encode(enc, LZ_IMAGE_TYPE_RGB32,
			    (int)warm[i].w, (int)warm[i].h, 1,
			    (uint8_t *)warm[i].px, warm[i].h, (int)warm[i].w * 4,
			    io, (unsigned)iocap, NULL, &ic);
		theirs = 0;
		t0 = bg_now();
		for (i = 0; i < NIMG; i++)
			theirs += (size_t)glz_encode(enc, LZ_IMAGE_TYPE_RGB32,
			    (int)seq[i].w, (int)seq[i].h, 1,
			    (uint8_t *)seq[i].px, seq[i].h, (int)seq[i].w * 4,
			    io, (unsigned)iocap, NULL, &ic);
		tr += bg_now() - t0;
		glz_encoder_destroy(enc);
		glz_enc_dictionary_destroy(dict, &usr);
	}
	ts = ts * 1000 / RUNS;
	tr = tr * 1000 / RUNS;
	printf("glz, %d images (%.1f Mpixels: a 1920x1080 desktop, boxes of "
	    "it resent, retyped, scrolled, new noise, the desktop again), "
	    "window %u pixels:\n", NIMG, px / 1e6, WINDOW);
	printf("  spiced %.1f ms (%.0f Mpixels/s), %zu bytes; libspice-server "
	    "%.1f ms (%.0f Mpixels/s), %zu bytes\n", ts, px / 1e3 / ts, ours,
	    tr, px / 1e3 / tr, theirs);
	printf("  spiced is %.2fx libspice-server's speed, %.2fx its bytes\n",
	    tr / ts, (double)ours / (double)theirs);
	return 0;
}
