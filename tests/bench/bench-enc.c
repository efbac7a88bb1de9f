/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-enc: image encoder throughput on a 1920x1080 desktop-like
 * frame (flat backgrounds, window borders, text-like noise, a photo-like
 * gradient) and a photograph-like one (smooth shapes, a little noise):
 * spiced's LZ4 against liblz4 itself on the same bytes, and its QUIC and
 * LZ.
 * Prints uncompressed MB/s and the compression ratio.  Not part of make
 * check: run with `make bench`.
 */
#include <lz4.h>
#include <math.h>
#include <turbojpeg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enc.h"

#define BW	1920
#define BH	1080

static void
bench_frame(uint32_t *px)
{
	int x, y;

	srand(1);
	for (y = 0; y < BH; y++)
		for (x = 0; x < BW; x++) {
			uint32_t v = 0x003a6ea5;		/* desktop */

			if (x >= 200 && x < 1400 && y >= 100 && y < 900) {
				v = y < 130 ? 0x00303030 : 0x00f0f0f0;
				/* rows of "text" */
				if (y >= 150 && y % 18 < 11 && x % 7 < 4 &&
				    rand() % 3 == 0)
					v = 0x00101010;
			}
			if (x >= 1450 && x < 1850 && y >= 300 && y < 700)
				v = (uint32_t)((x * 5) & 0xff) << 16 |
				    (uint32_t)((y * 3) & 0xff) << 8 |
				    (uint32_t)((x + y) & 0xff);	/* "photo" */
			px[y * BW + x] = v;
		}
}

static void
bench_photo(uint32_t *px)
{
	double r, g;
	int x, y;

	srand(2);
	for (y = 0; y < BH; y++)
		for (x = 0; x < BW; x++) {
			r = 128 + 100 * sin(x / 37.0) * cos(y / 23.0);
			g = 128 + 90 * sin((x + y) / 51.0);
			px[y * BW + x] = ((uint32_t)r + (uint32_t)(rand() % 5)) <<
			    16 | ((uint32_t)g & 0xff) << 8 |
			    (uint32_t)((x * 255 / (BW + 1)) & 0xff);
		}
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
bench_library_lz4(const uint32_t *px, int n)
{
	size_t total = (size_t)BW * BH * 4, pos, len, out = 0;
	LZ4_stream_t *st;
	char *dst;
	double t0, dt;
	int i;

	if ((st = LZ4_createStream()) == NULL ||
	    (dst = malloc(LZ4_COMPRESSBOUND(64 * 1024))) == NULL)
		return;
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		LZ4_resetStream_fast(st);
		for (out = 0, pos = 0; pos < total; pos += len) {
			len = total - pos < 65536 ? total - pos : 65536;
			out += (size_t)LZ4_compress_fast_continue(st,
			    (const char *)px + pos, dst, (int)len,
			    LZ4_COMPRESSBOUND(65536), 1);
		}
	}
	dt = bench_now() - t0;
	printf("liblz4 alone, same frame: %.0f MB/s (%.1fx)\n",
	    (double)total * n / dt / 1e6, (double)total / out);
	free(dst);
	LZ4_freeStream(st);
}

/* spiced's QUIC and LZ encoders, one shape for bench_codec(). */
struct bench_codec {
	const char	*bc_name;
	void		*(*bc_new)(void);
	int		 (*bc_encode)(void *, struct obuf *,
			    const struct enc_src *, struct spd_err *);
	void		 (*bc_free)(void *);
};

static void *
bench_quic_new(void)
{
	return enc_quic_new();
}

static int
bench_quic_encode(void *c, struct obuf *ob, const struct enc_src *src,
    struct spd_err *err)
{
	return enc_quic_encode(c, ob, src, err);
}

static void
bench_quic_free(void *c)
{
	enc_quic_free(c);
}

static void *
bench_lz_new(void)
{
	return enc_lz_new();
}

static int
bench_lz_encode(void *c, struct obuf *ob, const struct enc_src *src,
    struct spd_err *err)
{
	return enc_lz_encode(c, ob, src, err);
}

static void
bench_lz_free(void *c)
{
	enc_lz_free(c);
}

static const struct bench_codec bench_quic = { "quic", bench_quic_new,
    bench_quic_encode, bench_quic_free };
static const struct bench_codec bench_lz = { "lz", bench_lz_new,
    bench_lz_encode, bench_lz_free };

static void
bench_codec(const struct bench_codec *bc, const char *what,
    const struct enc_src *src, struct obuf *ob, int n)
{
	struct spd_err err;
	double t0, dt;
	void *c;
	int i;

	if ((c = bc->bc_new()) == NULL)
		return;
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		obuf_reset(ob);
		if (bc->bc_encode(c, ob, src, &err) != 0) {
			fprintf(stderr, "bench-enc: %s\n", err.msg);
			break;
		}
	}
	dt = bench_now() - t0;
	printf("%s %ux%u %s: %.1f ms a frame, %.0f MB/s (%.2f of RGB)\n",
	    bc->bc_name, src->es_width, src->es_height, what, dt * 1e3 / n,
	    (double)src->es_width * src->es_height * 4 * n / dt / 1e6,
	    (double)ob->ob_len / ((double)src->es_width * src->es_height * 3));
	bc->bc_free(c);
}

/* spiced's JPEG path (enc_jpeg_encode: quality 85, 4:2:0, into an
 * obuf) against libjpeg-turbo called directly on the same pixels. */
static void
bench_jpeg(const struct enc_src *src, struct obuf *ob, int n)
{
	struct enc_jpeg *ej;
	struct spd_err err;
	unsigned char *out = NULL;
	unsigned long len = 0;
	double t0, dt, dl;
	tjhandle tj;
	int i;

	if ((ej = enc_jpeg_new()) == NULL || (tj = tjInitCompress()) == NULL)
		return;
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		obuf_reset(ob);
		if (enc_jpeg_encode(ej, ob, src, ENC_JPEG_QUALITY,
		    ENC_CHROMA_420, &err) != 0) {
			fprintf(stderr, "bench-enc: %s\n", err.msg);
			break;
		}
	}
	dt = bench_now() - t0;
	t0 = bench_now();
	for (i = 0; i < n; i++)
		if (tjCompress2(tj, src->es_data, (int)src->es_width,
		    (int)src->es_stride, (int)src->es_height, TJPF_BGRX, &out,
		    &len, TJSAMP_420, ENC_JPEG_QUALITY,
		    TJFLAG_ACCURATEDCT) != 0) {	/* as enc-jpeg asks */
			fprintf(stderr, "bench-enc: %s\n", tjGetErrorStr2(tj));
			break;
		}
	dl = bench_now() - t0;
	printf("jpeg %ux%u photograph: %.1f ms a frame, %.0f MB/s; "
	    "libjpeg-turbo alone %.1f ms (spiced at %.0f%% of its speed)\n",
	    src->es_width, src->es_height, dt * 1e3 / n,
	    (double)src->es_width * src->es_height * 4 * n / dt / 1e6,
	    dl * 1e3 / n, 100 * dl / dt);
	tjFree(out);
	tjDestroy(tj);
	enc_jpeg_free(ej);
}

/* The choice of chroma and quality for a JPEG (enc_jpeg_pick: trial
 * encodings of a sample, decoded as the viewer will), per view, against
 * one encoding of the whole picture at what it chose. */
static void
bench_jpeg_pick(const struct enc_src *src, struct obuf *ob, int n)
{
	static const char *const views[] = { "stream", "image" };
	struct enc_jpeg_pick *ejp;
	struct enc_jpeg_mode m;
	struct enc_jpeg *ej;
	struct spd_err err;
	double t0, dt, de;
	int i, v;

	ej = enc_jpeg_new();
	ejp = enc_jpeg_pick_new();
	if (ej == NULL || ejp == NULL)
		goto out;
	for (v = ENC_VIEW_STREAM; v <= ENC_VIEW_IMAGE; v++) {
		t0 = bench_now();
		for (i = 0; i < n; i++)
			if (enc_jpeg_pick(ejp, ej, src, ENC_JPEG_QUALITY,
			    (enum enc_jpeg_view)v, &m, &err) != 0) {
				fprintf(stderr, "bench-enc: %s\n", err.msg);
				goto out;
			}
		dt = bench_now() - t0;
		t0 = bench_now();
		for (i = 0; i < n; i++) {
			obuf_reset(ob);
			if (enc_jpeg_encode(ej, ob, src, m.ejm_quality,
			    m.ejm_chroma, &err) != 0) {
				fprintf(stderr, "bench-enc: %s\n", err.msg);
				goto out;
			}
		}
		de = bench_now() - t0;
		printf("jpeg pick %ux%u photograph as %s: %.2f ms "
		    "(4:%s quality %d, whose encoding takes %.1f ms: the pick "
		    "adds %.0f%%)\n", src->es_width, src->es_height, views[v],
		    dt * 1e3 / n, m.ejm_chroma == ENC_CHROMA_444 ? "4:4" :
		    "2:0", m.ejm_quality, de * 1e3 / n, 100 * dt / de);
	}
out:
	enc_jpeg_pick_free(ejp);
	enc_jpeg_free(ej);
}

int
main(void)
{
	struct enc_lz4 *el;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	uint32_t *px;
	double t0, dt;
	int i, n = 50;

	if ((px = malloc((size_t)BW * BH * 4)) == NULL ||
	    (el = enc_lz4_new()) == NULL)
		return 1;
	bench_frame(px);
	obuf_init(&ob);
	src.es_data = (const uint8_t *)px;
	src.es_stride = (size_t)BW * 4;
	src.es_width = BW;
	src.es_height = BH;

	t0 = bench_now();
	for (i = 0; i < n; i++) {
		obuf_reset(&ob);
		if (enc_lz4_encode(el, &ob, &src, &err) != 0) {
			fprintf(stderr, "bench-enc: %s\n", err.msg);
			return 1;
		}
	}
	dt = bench_now() - t0;
	printf("lz4 %dx%d contiguous: %.0f MB/s, %zu -> %zu bytes (%.1fx)\n",
	    BW, BH, (double)BW * BH * 4 * n / dt / 1e6, (size_t)BW * BH * 4,
	    ob.ob_len, (double)BW * BH * 4 / ob.ob_len);

	/* A 1000x700 window: strided rows through the staging buffers. */
	src.es_data = (const uint8_t *)(px + 150 * BW + 300);
	src.es_width = 1000;
	src.es_height = 700;
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		obuf_reset(&ob);
		if (enc_lz4_encode(el, &ob, &src, &err) != 0)
			return 1;
	}
	dt = bench_now() - t0;
	printf("lz4 1000x700 strided: %.0f MB/s (%.1fx)\n",
	    1000.0 * 700 * 4 * n / dt / 1e6, 1000.0 * 700 * 4 / ob.ob_len);

	/* liblz4 alone on the same frame, 64 KiB blocks as spiced cuts. */
	bench_library_lz4(px, n);

	/* QUIC and LZ on the desktop frame, then on the photograph. */
	src.es_data = (const uint8_t *)px;
	src.es_width = BW;
	src.es_height = BH;
	bench_codec(&bench_quic, "desktop", &src, &ob, n / 5);
	bench_codec(&bench_lz, "desktop", &src, &ob, n / 5);
	bench_photo(px);
	bench_codec(&bench_quic, "photograph", &src, &ob, n / 5);
	bench_codec(&bench_lz, "photograph", &src, &ob, n / 5);
	bench_jpeg(&src, &ob, n / 5);
	bench_jpeg_pick(&src, &ob, n / 5);
	obuf_free(&ob);
	enc_lz4_free(el);
	free(px);
	return 0;
}
