/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-quic: spiced's QUIC and LZ encoders against spice-common's, the
 * ones in libspice-server, fed the same frames (a photograph-like one and
 * a desktop-like one, 1920x1080): milliseconds a frame for each; for
 * QUIC whether the two streams are the same bytes (the format leaves an
 * encoder no choice, so they must be), for LZ the bytes of each (its
 * encoder chooses its copies).  spice-common's quic.c and lz.c come from
 * Debian's source of libspice-server (tests/bench/bench-quic.sh fetches
 * it); only this benchmark links them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "glib.h"
#include "lz.h"
#include "quic.h"

#include "enc.h"
#include "sbuf.h"

#define BW	1920
#define BH	1080
#define RUNS	10

void	spice_log(GLogLevelFlags, const char *, const char *, const char *,
	    ...);

/* quic.c reports through these; none may happen on valid frames. */
void
spice_log(GLogLevelFlags l, const char *dom, const char *fn, const char *fmt,
    ...)
{
	(void)l;
	(void)dom;
	(void)fn;
	(void)fmt;
	fprintf(stderr, "bench-quic: spice-common logged an error\n");
	abort();
}

static void __attribute__((noreturn))
bq_error(QuicUsrContext *u, const char *fmt, ...)
{
	(void)u;
	fprintf(stderr, "bench-quic: spice-common: %s\n", fmt);
	abort();
}

static void
bq_warn(QuicUsrContext *u, const char *fmt, ...)
{
	(void)u;
	fprintf(stderr, "bench-quic: spice-common: %s\n", fmt);
	abort();
}

static void *
bq_malloc(QuicUsrContext *u, int n)
{
	(void)u;
	return malloc((size_t)n);
}

static void
bq_free(QuicUsrContext *u, void *p)
{
	(void)u;
	free(p);
}

static int
bq_more_space(QuicUsrContext *u, uint32_t **io, int rows)
{
	(void)u;
	(void)io;
	(void)rows;
	return 0;
}

static int
bq_more_lines(QuicUsrContext *u, uint8_t **lines)
{
	(void)u;
	(void)lines;
	return 0;
}

/* The same callbacks for lz.c, whose context type differs. */
static void __attribute__((noreturn))
bl_error(LzUsrContext *u, const char *fmt, ...)
{
	(void)u;
	fprintf(stderr, "bench-quic: spice-common's lz: %s\n", fmt);
	abort();
}

static void
bl_warn(LzUsrContext *u, const char *fmt, ...)
{
	(void)u;
	(void)fmt;
}

static void *
bl_malloc(LzUsrContext *u, int n)
{
	(void)u;
	return malloc((size_t)n);
}

static void
bl_free(LzUsrContext *u, void *p)
{
	(void)u;
	free(p);
}

static int
bl_more(LzUsrContext *u, uint8_t **p)
{
	(void)u;
	(void)p;
	return 0;
}

static double
bq_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
bq_frame(uint32_t *px, int photo)
{
	double r, g;
	int x, y;

	srand(7);
	for (y = 0; y < BH; y++)
		for (x = 0; x < BW; x++) {
			if (photo) {
				r = 128 + 100 * sin(x / 37.0) * cos(y / 23.0);
				g = 128 + 90 * sin((x + y) / 51.0);
				px[y * BW + x] = ((uint32_t)r +
				    (uint32_t)(rand() % 5)) << 16 |
				    ((uint32_t)g & 0xff) << 8 |
				    (uint32_t)((x * 255 / (BW + 1)) & 0xff);
			} else
				px[y * BW + x] = (y % 40 < 20 && x % 9 < 3 &&
				    rand() % 4 == 0) ? 0 : 0x00d0d0d0;
		}
}

int
main(void)
{
	QuicUsrContext usr = { bq_error, bq_warn, bq_warn, bq_malloc, bq_free,
	    bq_more_space, bq_more_lines };
	LzUsrContext lusr = { bl_error, bl_warn, bl_warn, bl_malloc, bl_free,
	    bl_more, bl_more };
	struct enc_lz *el;
	LzContext *lz;
	size_t cap = (size_t)BW * BH * 16;
	struct enc_quic *eq;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	QuicContext *q;
	uint32_t *px, *ref;
	double t0, tr, ts;
	int kind, i, nw = 0, rc = 0;

	if ((px = malloc((size_t)BW * BH * 4)) == NULL ||
	    (ref = malloc(cap)) == NULL || (q = quic_create(&usr)) == NULL ||
	    (eq = enc_quic_new()) == NULL || (lz = lz_create(&lusr)) == NULL ||
	    (el = enc_lz_new()) == NULL)
		return 1;
	obuf_init(&ob);
	src.es_data = (const uint8_t *)px;
	src.es_stride = BW * 4;
	src.es_width = BW;
	src.es_height = BH;
	for (kind = 1; kind >= 0; kind--) {
		bq_frame(px, kind);
		t0 = bq_now();
		for (i = 0; i < RUNS; i++)
			nw = quic_encode(q, QUIC_IMAGE_TYPE_RGB32, BW, BH,
			    (uint8_t *)px, BH, BW * 4, ref, (unsigned)(cap / 4));
		tr = (bq_now() - t0) * 1000 / RUNS;
		t0 = bq_now();
		for (i = 0; i < RUNS; i++) {
			obuf_reset(&ob);
			if (enc_quic_encode(eq, &ob, &src, &err) != 0) {
				fprintf(stderr, "bench-quic: %s\n", err.msg);
				return 1;
			}
		}
		ts = (bq_now() - t0) * 1000 / RUNS;
		printf("quic %dx%d %s: spiced %.1f ms, spice-common %.1f ms "
		    "(%.2fx its speed), %zu bytes, %s\n", BW, BH, kind ?
		    "photograph" : "desktop", ts, tr, tr / ts, ob.ob_len - 4,
		    ob.ob_len - 4 == (size_t)nw * 4 && memcmp(ob.ob_data + 4,
		    ref, (size_t)nw * 4) == 0 ? "the same bytes" :
		    "DIFFERENT bytes");
		if (ob.ob_len - 4 != (size_t)nw * 4 || memcmp(ob.ob_data + 4,
		    ref, (size_t)nw * 4) != 0)
			rc = 1;
		/* LZ, the same frame. */
		t0 = bq_now();
		for (i = 0; i < RUNS; i++)
			nw = lz_encode(lz, LZ_IMAGE_TYPE_RGB32, BW, BH, 1,
			    (uint8_t *)px, BH, BW * 4, (uint8_t *)ref,
			    (unsigned)cap);
		tr = (bq_now() - t0) * 1000 / RUNS;
		t0 = bq_now();
		for (i = 0; i < RUNS; i++) {
			obuf_reset(&ob);
			if (enc_lz_encode(el, &ob, &src, &err) != 0) {
				fprintf(stderr, "bench-quic: %s\n", err.msg);
				return 1;
			}
		}
		ts = (bq_now() - t0) * 1000 / RUNS;
		printf("lz %dx%d %s: spiced %.1f ms, spice-common %.1f ms "
		    "(%.2fx its speed), %zu bytes against %d (%.2fx)\n", BW, BH,
		    kind ? "photograph" : "desktop", ts, tr, tr / ts,
		    ob.ob_len - 4, nw, (double)(ob.ob_len - 4) / nw);
	}
	return rc;
}
