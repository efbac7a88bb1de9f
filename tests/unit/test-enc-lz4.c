/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for workers/codecs/enc-lz4.c and enc-bitmap.c: round trips through
 * an independent decoder written from SPICE-NOTES 4.1/4.2 (one LZ4 stream
 * decoder, BE block lengths, output appended), at odd sizes, with random
 * and patterned pixels, contiguous and strided sources; and the refusals.
 */
#include <lz4.h>
#include <spice/enums.h>

#include "enc.h"
#include "sbuf.h"
#include "test-helper.h"

/* Fill a w x h image with stride (bytes) with pattern kind. */
static void
fill_pattern(uint8_t *img, size_t stride, uint32_t w, uint32_t h, int kind)
{
	uint32_t x, y, v;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			switch (kind) {
			case 0:		/* noise: incompressible */
				v = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
				break;
			case 1:		/* flat colour */
				v = 0x00336699;
				break;
			case 2:		/* stripes and a gradient */
				v = ((x / 7) & 1) ? 0x00ffffff :
				    (x * 3 + y * 5) & 0xffffff;
				break;
			default:	/* desktop-like: flat with text */
				v = (y % 40 < 20 && x % 9 < 3 &&
				    rand() % 4 == 0) ? 0 : 0x00d0d0d0;
				break;
			}
			memcpy(img + y * stride + x * 4, &v, 4);
		}
}

/* Decode the LZ4 image data at p (what enc_lz4_encode appended) into a
 * packed w x h buffer and compare with the source rows. */
static void
check_lz4(const uint8_t *p, size_t len, const uint8_t *src, size_t stride,
    uint32_t w, uint32_t h)
{
	LZ4_streamDecode_t *ds;
	struct sbuf sb;
	uint32_t size, blen;
	uint8_t top_down, fmt;
	const uint8_t *blk;
	size_t total = (size_t)w * h * 4, out = 0, y;
	uint8_t *dec;
	int n;

	sbuf_init(&sb, p, len);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, &size), 0);
	ASSERT_INT_EQ(size, sbuf_left(&sb));
	ASSERT_INT_EQ(sbuf_get_u8(&sb, &top_down), 0);
	ASSERT_INT_EQ(top_down, 1);
	ASSERT_INT_EQ(sbuf_get_u8(&sb, &fmt), 0);
	ASSERT_INT_EQ(fmt, SPICE_BITMAP_FMT_32BIT);
	ASSERT_TRUE((dec = malloc(total)) != NULL);
	ASSERT_TRUE((ds = LZ4_createStreamDecode()) != NULL);
	while (sbuf_left(&sb) > 0) {
		ASSERT_INT_EQ(sbuf_get_u32be(&sb, &blen), 0);
		ASSERT_INT_EQ(sbuf_get_direct(&sb, &blk, blen), 0);
		n = LZ4_decompress_safe_continue(ds, (const char *)blk,
		    (char *)dec + out, (int)blen, (int)(total - out));
		ASSERT_TRUE(n > 0);
		out += (size_t)n;
	}
	ASSERT_INT_EQ(out, total);
	for (y = 0; y < h; y++)
		ASSERT_MEM_EQ(dec + y * w * 4, src + y * stride, (size_t)w * 4);
	LZ4_freeStreamDecode(ds);
	free(dec);
}

static void
check_bitmap(const uint8_t *p, size_t len, const uint8_t *src, size_t stride,
    uint32_t w, uint32_t h)
{
	struct sbuf sb;
	uint32_t x, y, s, pal;
	uint8_t fmt, flags;
	const uint8_t *px;
	size_t row;

	sbuf_init(&sb, p, len);
	ASSERT_INT_EQ(sbuf_get_u8(&sb, &fmt), 0);
	ASSERT_INT_EQ(fmt, SPICE_BITMAP_FMT_32BIT);
	ASSERT_INT_EQ(sbuf_get_u8(&sb, &flags), 0);
	ASSERT_INT_EQ(flags, SPICE_BITMAP_FLAGS_TOP_DOWN);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, &x), 0);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, &y), 0);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, &s), 0);
	ASSERT_INT_EQ(sbuf_get_u32le(&sb, &pal), 0);
	ASSERT_INT_EQ(x, w);
	ASSERT_INT_EQ(y, h);
	ASSERT_INT_EQ(s, w * 4);
	ASSERT_INT_EQ(pal, 0);
	ASSERT_INT_EQ(sbuf_left(&sb), (size_t)w * h * 4);
	px = sbuf_ptr(&sb);
	for (row = 0; row < h; row++)
		ASSERT_MEM_EQ(px + row * w * 4, src + row * stride,
		    (size_t)w * 4);
}

/* Encode a w x h image (with `pad` bytes of stride padding, and a prefix
 * already in the obuf) both ways and check the round trip. */
static void
round_trip(struct enc_lz4 *el, uint32_t w, uint32_t h, size_t pad, int kind)
{
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	size_t stride = (size_t)w * 4 + pad;
	uint8_t *img;

	ASSERT_TRUE((img = malloc(stride * h)) != NULL);
	memset(img, 0xa5, stride * h);	/* padding must not leak */
	fill_pattern(img, stride, w, h, kind);
	src.es_data = img;
	src.es_stride = stride;
	src.es_width = w;
	src.es_height = h;

	obuf_init(&ob);
	obuf_put_bytes(&ob, "pre", 3);
	ASSERT_INT_EQ(enc_lz4_encode(el, &ob, &src, &err), 0);
	ASSERT_TRUE(ob.ob_len - 3 <= enc_lz4_bound(w, h));
	ASSERT_MEM_EQ(ob.ob_data, "pre", 3);
	check_lz4(ob.ob_data + 3, ob.ob_len - 3, img, stride, w, h);

	obuf_reset(&ob);
	ASSERT_INT_EQ(enc_bitmap_encode(&ob, &src, &err), 0);
	ASSERT_INT_EQ(ob.ob_len, enc_bitmap_bound(w, h));
	check_bitmap(ob.ob_data, ob.ob_len, img, stride, w, h);
	obuf_free(&ob);
	free(img);
}

static void
test_round_trips(void)
{
	static const uint32_t sizes[][2] = {
		{ 1, 1 }, { 3, 7 }, { 17, 1 }, { 1, 300 }, { 255, 129 },
		{ 129, 600 }, { 1000, 37 }, { 640, 480 }, { 16384, 2 },
	};
	struct enc_lz4 *el;
	size_t i;
	int kind;

	ASSERT_TRUE((el = enc_lz4_new()) != NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (kind = 0; kind < 4; kind++) {
			/* Contiguous rows, then padded rows (staging). */
			round_trip(el, sizes[i][0], sizes[i][1], 0, kind);
			round_trip(el, sizes[i][0], sizes[i][1],
			    4 * (size_t)(1 + rand() % 9), kind);
		}
	/* Random sizes, including rows wider than a block. */
	for (i = 0; i < 20; i++)
		round_trip(el, 1 + (uint32_t)(rand() % 20000 % ENC_MAX_DIM),
		    1 + (uint32_t)(rand() % 40), 4 * (size_t)(rand() % 3),
		    rand() % 4);
	enc_lz4_free(el);
}

static void
test_refusals(void)
{
	struct enc_lz4 *el;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	uint8_t px[64];

	ASSERT_INT_EQ(enc_lz4_bound(0, 5), 0);
	ASSERT_INT_EQ(enc_lz4_bound(5, ENC_MAX_DIM + 1), 0);
	ASSERT_INT_EQ(enc_bitmap_bound(ENC_MAX_DIM + 1, 1), 0);
	ASSERT_TRUE(enc_lz4_bound(ENC_MAX_DIM, ENC_MAX_DIM) < UINT32_MAX);

	ASSERT_TRUE((el = enc_lz4_new()) != NULL);
	obuf_init(&ob);
	obuf_put_bytes(&ob, "xy", 2);
	memset(px, 0, sizeof(px));
	src.es_data = px;
	src.es_width = 4;
	src.es_height = 2;
	src.es_stride = 12;		/* below 4 * 4 */
	ASSERT_INT_EQ(enc_lz4_encode(el, &ob, &src, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "stride");
	ASSERT_INT_EQ(enc_bitmap_encode(&ob, &src, &err), -1);
	ASSERT_INT_EQ(ob.ob_len, 2);
	src.es_stride = 16;
	src.es_width = 0;
	ASSERT_INT_EQ(enc_lz4_encode(el, &ob, &src, &err), -1);
	ASSERT_INT_EQ(enc_bitmap_encode(&ob, &src, &err), -1);
	ASSERT_INT_EQ(ob.ob_len, 2);
	/* Past the obuf cap: refused, nothing appended. */
	src.es_width = ENC_MAX_DIM;
	src.es_height = ENC_MAX_DIM;
	src.es_stride = (size_t)ENC_MAX_DIM * 4;
	ASSERT_INT_EQ(enc_lz4_encode(el, &ob, &src, &err), -1);
	ASSERT_INT_EQ(ob.ob_len, 2);
	obuf_free(&ob);
	enc_lz4_free(el);
}

int
main(void)
{
	test_seed();
	test_round_trips();
	test_refusals();
	printf("test-enc-lz4: ok\n");
	return 0;
}
