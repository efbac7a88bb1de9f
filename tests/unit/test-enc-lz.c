/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for workers/codecs/enc-lz.c: round trips through the test decoder
 * (tests/unit/lz-decode.c) of noise (literals only), flat areas (runs far
 * longer than one copy's first byte says), repeating text-like rows
 * (copies across rows), copies from further back than 8192 pixels (the
 * far form), single pixels, rows and columns, contiguous and strided;
 * the bound kept; sizes against raw pixels; the refusals; the same for
 * XXXA alpha planes (each pixel's fourth byte alone).
 */
#include <spice/enums.h>

#include "enc.h"
#include "dec-lz.h"
#include "sbuf.h"
#include "test-helper.h"

enum { NOISE, FLAT, TEXT, FAR, STRIPES, KINDS };

static uint32_t
pixel(uint32_t x, uint32_t y, uint32_t w, int kind)
{
	switch (kind) {
	case NOISE:
		return (uint32_t)rand() ^ ((uint32_t)rand() << 16);
	case FLAT:	/* a different X byte each pixel: not compared */
		return 0x00336699 | (x & 0xff) << 24;
	case TEXT:	/* glyph-like marks on white, rows of 16 repeating */
		return ((x * 7 + (y % 16) * 3) % 11 < 2) ? 0 : 0x00ffffff;
	case FAR:	/* noise that repeats every 9000 pixels */
		return ((y * w + x) % 9000) * 2654435761u >> 8;
	default:
		return ((x / 5) & 1) ? 0x00ff0000 : (x * 3 + y) & 0xffffff;
	}
}

/* Encode w x h (rows pad bytes apart beyond w*4), its colour or (alpha)
 * its alpha plane, decode, compare; the encoded size. */
static size_t
round_trip(struct enc_lz *ez, uint32_t w, uint32_t h, size_t pad, int kind,
    int alpha)
{
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	size_t stride = (size_t)w * 4 + pad, len;
	uint32_t x, y, v, size, dw, dh;
	uint8_t *img, *dec;
	char why[128];

	ASSERT_TRUE((img = malloc(stride * h)) != NULL);
	memset(img, 0xa5, stride * h);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			v = pixel(x, y, w, kind);
			memcpy(img + y * stride + x * 4, &v, 4);
		}
	src.es_data = img;
	src.es_stride = stride;
	src.es_width = w;
	src.es_height = h;
	obuf_init(&ob);
	obuf_put_bytes(&ob, "pre", 3);
	if (alpha) {
		ASSERT_INT_EQ(enc_lz_encode_alpha(ez, &ob, &src, &err), 0);
		len = ob.ob_len - 3;
		ASSERT_TRUE(len <= enc_lz_alpha_bound(w, h));
		size = (uint32_t)len;
	} else {
		ASSERT_INT_EQ(enc_lz_encode(ez, &ob, &src, &err), 0);
		len = ob.ob_len - 3;
		ASSERT_TRUE(len <= enc_lz_bound(w, h));
		memcpy(&size, ob.ob_data + 3, 4);
		ASSERT_INT_EQ(size, len - 4);
	}
	ASSERT_MEM_EQ(ob.ob_data, "pre", 3);
	if ((alpha ? lz_decode_alpha : lz_decode)(ob.ob_data + ob.ob_len -
	    size, size, LZ_DECODE_MAX_PX, &dw, &dh, &dec, why) != 0) {
		fprintf(stderr, "%ux%u kind %d: %s\n", w, h, kind, why);
		ASSERT_TRUE(0);
	}
	ASSERT_INT_EQ(dw, w);
	ASSERT_INT_EQ(dh, h);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			memcpy(&v, img + y * stride + x * 4, 4);
			ASSERT_INT_EQ(((uint32_t *)(void *)dec)[y * w + x],
			    v & (alpha ? 0xff000000u : 0x00ffffffu));
		}
	free(dec);
	free(img);
	obuf_free(&ob);
	return len;
}

int
main(void)
{
	static const uint32_t sizes[][2] = { { 1, 1 }, { 2, 1 }, { 3, 1 },
	    { 1, 40 }, { 33, 3 }, { 64, 64 }, { 300, 7 }, { 1000, 30 },
	    { 4096, 3 } };
	struct enc_lz *ez;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	size_t i, raw;
	uint8_t px[16];
	int kind, alpha;

	test_seed();
	ASSERT_TRUE((ez = enc_lz_new()) != NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (kind = 0; kind < KINDS; kind++)
			for (alpha = 0; alpha < 2; alpha++) {
				(void)round_trip(ez, sizes[i][0], sizes[i][1],
				    0, kind, alpha);
				(void)round_trip(ez, sizes[i][0], sizes[i][1],
				    12, kind, alpha);
			}
	/* What it is for: text and flat areas shrink, noise grows by its
	 * control bytes only, a picture repeated from 9000 pixels back is
	 * copies. */
	raw = (size_t)640 * 480 * 4;
	ASSERT_TRUE(round_trip(ez, 640, 480, 0, FLAT, 0) < raw / 500);
	ASSERT_TRUE(round_trip(ez, 640, 480, 0, TEXT, 0) < raw / 10);
	ASSERT_TRUE(round_trip(ez, 640, 480, 0, NOISE, 0) <=
	    enc_lz_bound(640, 480));
	ASSERT_TRUE(round_trip(ez, 1000, 90, 0, FAR, 0) <
	    (size_t)9000 * 3 + 2000);
	/* An alpha plane of one value (TEXT's) is a run; noise's costs a
	 * byte a pixel and its control bytes. */
	ASSERT_TRUE(round_trip(ez, 640, 480, 0, TEXT, 1) < raw / 500);
	ASSERT_TRUE(round_trip(ez, 640, 480, 0, NOISE, 1) <=
	    enc_lz_alpha_bound(640, 480));
	ASSERT_TRUE(enc_lz_alpha_bound(640, 480) < raw / 3);

	/* Refused, nothing appended. */
	memset(px, 0, sizeof(px));
	src.es_data = px;
	src.es_stride = 4;
	src.es_width = 2;
	src.es_height = 1;
	obuf_init(&ob);
	ASSERT_INT_EQ(enc_lz_encode(ez, &ob, &src, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "stride");
	src.es_width = 0;
	ASSERT_INT_EQ(enc_lz_encode(ez, &ob, &src, &err), -1);
	src.es_width = ENC_MAX_DIM + 1;
	src.es_stride = (size_t)src.es_width * 4;
	ASSERT_INT_EQ(enc_lz_encode(ez, &ob, &src, &err), -1);
	ASSERT_INT_EQ(ob.ob_len, 0);
	ASSERT_INT_EQ(enc_lz_bound(0, 5), 0);
	obuf_free(&ob);
	enc_lz_free(ez);
	printf("test-enc-lz: ok\n");
	return 0;
}
