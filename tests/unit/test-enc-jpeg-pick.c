/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for workers/codecs/enc-jpeg-pick.c, judged on whole
 * pictures decoded as spice-gtk decodes stream frames (turbojpeg's fast
 * DCT and fast upsampling are libjpeg's JDCT_IFAST and no fancy
 * upsampling, channel-display-mjpeg.c's settings) or images (libjpeg's
 * defaults, decode-jpeg.c's): a picture whose colour is as detailed as
 * its brightness gets 4:4:4 at a lower quality, which shows it better in
 * no more bytes than 4:2:0 would, either way; a picture with smooth
 * colour keeps 4:2:0 at the quality asked; a frame lower than the sample
 * is tried whole; a bad size is refused with 4:2:0 kept.
 */
#include <math.h>
#include <stdlib.h>

#include <turbojpeg.h>

#include "enc.h"
#include "test-helper.h"

#define W	320
#define H	200

static uint32_t px[W * H];

static uint32_t
hash(uint32_t a, uint32_t b)
{
	uint32_t h = a * 0x9e3779b1u ^ (b + 0x7f4a7c15u) * 0x85ebca77u;

	h ^= h >> 15;
	return h * 0xc2b2ae3du;
}

/* Red that ramps 3 steps a pixel across, blue that follows x*y, green
 * smooth: colour as detailed as brightness (bench-e2e's video). */
static void
fill_fine_colour(void)
{
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			uint32_t n = hash((uint32_t)x, (uint32_t)y) & 7;
			uint32_t r = (uint32_t)(28 + (x * 3) % 200) + n;
			uint32_t g = (uint32_t)(x + 2 * y) % 256 / 2 + 60 + n;
			uint32_t b = (uint32_t)(x * y / 64 % 200) + n;

			px[y * W + x] = (r & 0xff) << 16 | (g & 0xff) << 8 |
			    (b & 0xff);
		}
}

/* A grey texture of fine detail under a slow colour wash: detail in
 * brightness only, as in camera video. */
static void
fill_smooth_colour(void)
{
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int l = (int)(hash((uint32_t)x / 2, (uint32_t)y / 2) % 96);
			int r = 60 + x * 100 / W + l, g = 70 + l,
			    b = 150 - y * 100 / H + l;

			px[y * W + x] = (uint32_t)r << 16 | (uint32_t)g << 8 |
			    (uint32_t)b;
		}
}

static void
src_of(struct enc_src *src, uint32_t w, uint32_t h)
{
	src->es_data = (const uint8_t *)px;
	src->es_stride = W * 4;
	src->es_width = w;
	src->es_height = h;
}

/* The whole picture encoded as m: its bytes, and its PSNR as spice-gtk
 * shows it as view. */
static double
shown_psnr(struct enc_jpeg *ej, const struct enc_jpeg_mode *m,
    enum enc_jpeg_view view, size_t *bytes)
{
	static uint8_t out[W * H * 4];
	struct enc_src src;
	struct obuf ob;
	struct spd_err err;
	tjhandle tj = tjInitDecompress();
	double se = 0;

	ASSERT_TRUE(tj != NULL);
	src_of(&src, W, H);
	obuf_init(&ob);
	ASSERT_INT_EQ(enc_jpeg_encode(ej, &ob, &src, m->ejm_quality,
	    m->ejm_chroma, &err), 0);
	*bytes = ob.ob_len - 4;
	ASSERT_INT_EQ(tjDecompress2(tj, ob.ob_data + 4, *bytes, out, W,
	    W * 4, H, TJPF_BGRX, view == ENC_VIEW_STREAM ?
	    TJFLAG_FASTDCT | TJFLAG_FASTUPSAMPLE : 0), 0);
	for (size_t i = 0; i < sizeof(out); i++) {
		double d = (double)((const uint8_t *)px)[i] - out[i];

		se += (i & 3) == 3 ? 0 : d * d;
	}
	obuf_free(&ob);
	tjDestroy(tj);
	return 10 * log10(255.0 * 255.0 * W * H * 3 / se);
}

static void
test_fine_colour(struct enc_jpeg_pick *ejp, struct enc_jpeg *ej,
    enum enc_jpeg_view view, int quality)
{
	struct enc_jpeg_mode m, base = { quality, ENC_CHROMA_420 };
	struct enc_src src;
	struct spd_err err;
	size_t bytes, base_bytes;
	double psnr, base_psnr;

	fill_fine_colour();
	src_of(&src, W, H);
	ASSERT_INT_EQ(enc_jpeg_pick(ejp, ej, &src, quality, view, &m, &err),
	    0);
	ASSERT_INT_EQ(m.ejm_chroma, ENC_CHROMA_444);
	ASSERT_TRUE(m.ejm_quality < quality && m.ejm_quality > 0);
	psnr = shown_psnr(ej, &m, view, &bytes);
	base_psnr = shown_psnr(ej, &base, view, &base_bytes);
	printf("fine colour as %s: 4:4:4 q%d %zu bytes %.2f dB; 4:2:0 q%d "
	    "%zu bytes %.2f dB\n", view == ENC_VIEW_STREAM ? "a stream" :
	    "an image", m.ejm_quality, bytes, psnr, quality, base_bytes,
	    base_psnr);
	/* Chosen on a sample, so the whole may cost a little more. */
	ASSERT_TRUE(bytes <= base_bytes * 21 / 20);
	ASSERT_TRUE(psnr > base_psnr + 1.0);
}

static void
test_smooth_colour(struct enc_jpeg_pick *ejp, struct enc_jpeg *ej)
{
	struct enc_jpeg_mode m;
	struct enc_src src;
	struct spd_err err;

	fill_smooth_colour();
	src_of(&src, W, H);
	ASSERT_INT_EQ(enc_jpeg_pick(ejp, ej, &src, 80, ENC_VIEW_STREAM, &m,
	    &err), 0);
	ASSERT_INT_EQ(m.ejm_chroma, ENC_CHROMA_420);
	ASSERT_INT_EQ(m.ejm_quality, 80);
	ASSERT_INT_EQ(enc_jpeg_pick(ejp, ej, &src, 85, ENC_VIEW_IMAGE, &m,
	    &err), 0);
	ASSERT_INT_EQ(m.ejm_chroma, ENC_CHROMA_420);
	ASSERT_INT_EQ(m.ejm_quality, 85);
	/* ... and at a quality too low for any 4:4:4 step below it. */
	ASSERT_INT_EQ(enc_jpeg_pick(ejp, ej, &src, 5, ENC_VIEW_STREAM, &m,
	    &err), 0);
	ASSERT_INT_EQ(m.ejm_chroma, ENC_CHROMA_420);
	ASSERT_INT_EQ(m.ejm_quality, 5);
}

static void
test_sizes(struct enc_jpeg_pick *ejp, struct enc_jpeg *ej)
{
	struct enc_jpeg_mode m;
	struct enc_src src;
	struct spd_err err;

	/* Lower than the sample's strips: tried whole. */
	fill_fine_colour();
	src_of(&src, W, 20);
	ASSERT_INT_EQ(enc_jpeg_pick(ejp, ej, &src, 80, ENC_VIEW_STREAM, &m,
	    &err), 0);
	ASSERT_INT_EQ(m.ejm_chroma, ENC_CHROMA_444);
	src_of(&src, 1, 1);
	ASSERT_INT_EQ(enc_jpeg_pick(ejp, ej, &src, 80, ENC_VIEW_STREAM, &m,
	    &err), 0);
	ASSERT_TRUE(m.ejm_quality > 0 && m.ejm_quality <= 80);

	src_of(&src, 0, H);
	m.ejm_chroma = ENC_CHROMA_444;
	ASSERT_INT_EQ(enc_jpeg_pick(ejp, ej, &src, 80, ENC_VIEW_STREAM, &m,
	    &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "bad image 0x200");
	ASSERT_INT_EQ(m.ejm_chroma, ENC_CHROMA_420);
	ASSERT_INT_EQ(m.ejm_quality, 80);
	src_of(&src, W, ENC_MAX_DIM + 1);
	ASSERT_INT_EQ(enc_jpeg_pick(ejp, ej, &src, 80, ENC_VIEW_STREAM, &m,
	    &err), -1);
}

int
main(void)
{
	struct enc_jpeg_pick *ejp = enc_jpeg_pick_new();
	struct enc_jpeg *ej = enc_jpeg_new();

	ASSERT_TRUE(ejp != NULL && ej != NULL);
	test_fine_colour(ejp, ej, ENC_VIEW_STREAM, 80);
	test_fine_colour(ejp, ej, ENC_VIEW_IMAGE, 85);
	test_smooth_colour(ejp, ej);
	test_sizes(ejp, ej);
	enc_jpeg_pick_free(ejp);
	enc_jpeg_free(ej);
	printf("ok\n");
	return 0;
}
