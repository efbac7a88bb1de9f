/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for workers/codecs/enc-quic.c: round trips through the test
 * decoder (tests/unit/quic-decode.c) at sizes that cross the model's
 * schedule (rows of 2048 pixels and more, single rows and columns), with
 * noise, flat areas, runs, gradients and a photograph-like picture,
 * contiguous and strided; sizes against raw pixels; the refusals.
 */
#include <math.h>
#include <spice/enums.h>

#include "enc.h"
#include "dec-quic.h"
#include "sbuf.h"
#include "test-helper.h"

enum { NOISE, FLAT, STRIPES, DESKTOP, PHOTO, KINDS };

static void
fill_pattern(uint8_t *img, size_t stride, uint32_t w, uint32_t h, int kind)
{
	uint32_t x, y, v;
	double r, g;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			switch (kind) {
			case NOISE:
				v = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
				break;
			case FLAT:	/* with a different X byte each pixel */
				v = 0x00336699 | (x & 0xff) << 24;
				break;
			case STRIPES:	/* runs broken by stripes */
				v = ((x / 7) & 1) ? 0x00ffffff :
				    (x * 3 + y * 5) & 0xffffff;
				break;
			case DESKTOP:
				v = (y % 40 < 20 && x % 9 < 3 &&
				    rand() % 4 == 0) ? 0 : 0x00d0d0d0;
				break;
			default:	/* smooth shapes and a little noise */
				r = 128 + 100 * sin(x / 37.0) * cos(y / 23.0);
				g = 128 + 90 * sin((x + y) / 51.0);
				v = ((uint32_t)r + (uint32_t)(rand() % 5)) << 16 |
				    ((uint32_t)g & 0xff) << 8 |
				    ((x * 255 / (w + 1)) & 0xff);
				break;
			}
			memcpy(img + y * stride + x * 4, &v, 4);
		}
}

/* Encode w x h (rows pad bytes apart beyond w*4, after a prefix in the
 * obuf), decode, compare; the encoded size. */
static size_t
round_trip(struct enc_quic *eq, uint32_t w, uint32_t h, size_t pad, int kind)
{
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	struct sbuf sb;
	size_t stride = (size_t)w * 4 + pad, y, x, len;
	uint8_t *img, *dec;
	uint32_t size, dw, dh;
	char why[128];

	ASSERT_TRUE((img = malloc(stride * h)) != NULL);
	memset(img, 0xa5, stride * h);
	fill_pattern(img, stride, w, h, kind);
	src.es_data = img;
	src.es_stride = stride;
	src.es_width = w;
	src.es_height = h;

	obuf_init(&ob);
	obuf_put_bytes(&ob, "pre", 3);
	ASSERT_INT_EQ(enc_quic_encode(eq, &ob, &src, &err), 0);
	ASSERT_MEM_EQ(ob.ob_data, "pre", 3);
	len = ob.ob_len - 3;
	ASSERT_TRUE(len <= enc_quic_bound(w, h));
	sbuf_init(&sb, ob.ob_data + 3, len);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, &size), 0);
	ASSERT_INT_EQ(size, sbuf_left(&sb));
	ASSERT_INT_EQ(size % 4, 0);
	if (quic_decode(sbuf_ptr(&sb), size, QUIC_DECODE_MAX_PX, &dw, &dh, &dec,
	    why) != 0)
		TEST_FAIL("%ux%u kind %d: %s", w, h, kind, why);
	ASSERT_INT_EQ(dw, w);
	ASSERT_INT_EQ(dh, h);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			if (memcmp(dec + (y * w + x) * 4, img + y * stride +
			    x * 4, 3) != 0)
				TEST_FAIL("%ux%u kind %d: pixel %zu,%zu differs", w,
				    h, kind, x, y);
	free(dec);
	obuf_free(&ob);
	free(img);
	return size;
}

static void
test_round_trips(void)
{
	static const uint32_t sizes[][2] = {
		{ 1, 1 }, { 2, 2 }, { 3, 7 }, { 17, 1 }, { 1, 300 },
		{ 255, 129 }, { 2047, 3 }, { 2048, 2 }, { 2049, 5 },
		{ 640, 480 }, { 16384, 2 },
	};
	struct enc_quic *eq;
	size_t i;
	int kind;

	ASSERT_TRUE((eq = enc_quic_new()) != NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (kind = 0; kind < KINDS; kind++) {
			round_trip(eq, sizes[i][0], sizes[i][1], 0, kind);
			round_trip(eq, sizes[i][0], sizes[i][1],
			    4 * (size_t)(1 + rand() % 9), kind);
		}
	for (i = 0; i < 30; i++)
		round_trip(eq, 1 + (uint32_t)(rand() % 5000),
		    1 + (uint32_t)(rand() % 40), 4 * (size_t)(rand() % 3),
		    rand() % KINDS);
	enc_quic_free(eq);
}

/* What the codec is for: a photograph in well under raw size, a flat
 * area in almost nothing, noise at no more than its raw size and a
 * bit. */
static void
test_sizes(void)
{
	struct enc_quic *eq;
	size_t raw = 640 * 480 * 3, n;

	ASSERT_TRUE((eq = enc_quic_new()) != NULL);
	n = round_trip(eq, 640, 480, 0, PHOTO);
	printf("# photo-like 640x480: %zu bytes, %.2f of RGB\n", n,
	    (double)n / raw);
	ASSERT_TRUE(n < raw / 2);
	n = round_trip(eq, 640, 480, 0, FLAT);
	printf("# flat 640x480: %zu bytes\n", n);
	ASSERT_TRUE(n < 2000);
	n = round_trip(eq, 640, 480, 0, NOISE);
	printf("# noise 640x480: %zu bytes, %.2f of RGB\n", n,
	    (double)n / raw);
	ASSERT_TRUE(n < raw * 11 / 10);
	enc_quic_free(eq);
}

static void
test_refusals(void)
{
	struct enc_quic *eq;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	uint8_t px[64];

	ASSERT_INT_EQ(enc_quic_bound(0, 5), 0);
	ASSERT_INT_EQ(enc_quic_bound(5, ENC_MAX_DIM + 1), 0);
	ASSERT_TRUE((eq = enc_quic_new()) != NULL);
	obuf_init(&ob);
	obuf_put_bytes(&ob, "xy", 2);
	memset(px, 0, sizeof(px));
	src.es_data = px;
	src.es_width = 4;
	src.es_height = 2;
	src.es_stride = 12;
	ASSERT_INT_EQ(enc_quic_encode(eq, &ob, &src, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "stride");
	src.es_stride = 16;
	src.es_width = ENC_MAX_DIM + 1;
	ASSERT_INT_EQ(enc_quic_encode(eq, &ob, &src, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "size");
	ASSERT_INT_EQ(ob.ob_len, 2);
	obuf_free(&ob);
	enc_quic_free(eq);
}

int
main(void)
{
	test_seed();
	test_round_trips();
	test_sizes();
	test_refusals();
	printf("test-enc-quic: ok\n");
	return 0;
}
