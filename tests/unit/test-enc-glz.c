/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for workers/codecs/enc-glz.c, through the test decoder
 * (tests/unit/glz-decode.c, playing one client's window): noise, flat
 * areas, text-like rows, self-copies from further than 4096 and 131072
 * pixels back (the long and very long offset forms), strided sources,
 * each exact; ids in sequence from 0; an image that repeats an earlier
 * one costs a fraction of it (copies from the window), and so does one
 * that repeats an image eight images back; the window's eviction (the
 * header lets the client drop what the encoder dropped, and nothing
 * dropped is referred to again); the refusals, which leave the window as
 * it was; the bound kept; two pages of text shown in turn, the second
 * showing of each a small fraction of the first; a reset window writes
 * what a new one writes, bytes for bytes.
 */
#include <stdio.h>

#include "enc.h"
#include "glz-decode.h"
#include "sbuf.h"
#include "test-helper.h"

enum { NOISE, FLAT, TEXT, FAR, VFAR, KINDS };

static uint32_t
pixel(uint32_t x, uint32_t y, uint32_t w, int kind, uint32_t seed)
{
	uint32_t i = y * w + x;

	switch (kind) {
	case NOISE:
		return (i + seed) * 2654435761u ^ ((i + seed) >> 7) * 40503u;
	case FLAT:	/* a different X byte each pixel: not compared */
		return 0x00336699 | (x & 0xff) << 24;
	case TEXT:	/* glyph-like marks on white, rows of 16 repeating */
		return ((x * 7 + (y % 16) * 3) % 11 < 2) ? 0 : 0x00ffffff;
	case FAR:	/* noise that repeats every 9000 pixels */
		return (i % 9000 + seed) * 2654435761u >> 8;
	default:	/* ... every 150000 */
		return (i % 150000 + seed) * 2654435761u >> 8;
	}
}

struct img {
	uint8_t		*data;
	size_t		 stride;
	uint32_t	 w, h;
};

static struct img
make(uint32_t w, uint32_t h, size_t pad, int kind, uint32_t seed)
{
	struct img m = { NULL, (size_t)w * 4 + pad, w, h };
	uint32_t x, y, v;

	ASSERT_TRUE((m.data = malloc(m.stride * h)) != NULL);
	memset(m.data, 0xa5, m.stride * h);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			v = pixel(x, y, w, kind, seed);
			memcpy(m.data + y * m.stride + x * 4, &v, 4);
		}
	return m;
}

/* Encode m with eg, decode it with d, compare R, G, B; the encoded size.
 * *id_out and *head_out: the header's. */
static size_t
trip(struct enc_glz *eg, struct glz_dec *d, const struct img *m,
    uint64_t *id_out, uint32_t *head_out)
{
	struct enc_src src = { m->data, m->stride, m->w, m->h };
	struct spd_err err;
	struct obuf ob;
	uint32_t size, dw, dh, x, y, v, *out, head;
	uint64_t id;
	char why[160];

	obuf_init(&ob);
	if (enc_glz_encode(eg, &ob, &src, &err) != 0) {
		fprintf(stderr, "encode: %s\n", err.msg);
		ASSERT_TRUE(0);
	}
	ASSERT_TRUE(ob.ob_len <= enc_glz_bound(m->w, m->h));
	memcpy(&size, ob.ob_data, 4);
	ASSERT_INT_EQ(size + 4, ob.ob_len);
	if (glz_dec_image(d, ob.ob_data + 4, size, &out, &dw, &dh, &id, &head,
	    why, sizeof(why)) != 0) {
		fprintf(stderr, "decode: %s\n", why);
		ASSERT_TRUE(0);
	}
	ASSERT_INT_EQ(dw, m->w);
	ASSERT_INT_EQ(dh, m->h);
	for (y = 0; y < m->h; y++)
		for (x = 0; x < m->w; x++) {
			memcpy(&v, m->data + y * m->stride + x * 4, 4);
			ASSERT_INT_EQ(out[(size_t)y * m->w + x], v & 0xffffff);
		}
	free(out);
	obuf_free(&ob);
	if (id_out != NULL)
		*id_out = id;
	if (head_out != NULL)
		*head_out = head;
	return size;
}

/* Every kind, contiguous and strided, odd sizes; ids 0, 1, 2, ... */
static void
test_kinds(void)
{
	struct enc_glz *eg = enc_glz_new(4u << 20);
	struct glz_dec *d = glz_dec_new();
	struct img m;
	uint64_t id, want = 0;
	int kind;
	size_t pad;

	ASSERT_TRUE(eg != NULL && d != NULL);
	for (kind = 0; kind < KINDS; kind++)
		for (pad = 0; pad <= 8; pad += 8) {
			m = kind == VFAR ? make(700, 500, pad, kind, 1) :
			    make(333, 61, pad, kind, (uint32_t)kind);
			trip(eg, d, &m, &id, NULL);
			ASSERT_INT_EQ(id, want);
			want++;
			free(m.data);
		}
	/* One pixel, a row, a column. */
	m = make(1, 1, 0, NOISE, 9);
	trip(eg, d, &m, NULL, NULL);
	free(m.data);
	m = make(999, 1, 4, TEXT, 0);
	trip(eg, d, &m, NULL, NULL);
	free(m.data);
	m = make(1, 777, 0, FLAT, 0);
	trip(eg, d, &m, NULL, NULL);
	free(m.data);
	enc_glz_free(eg);
	glz_dec_free(d);
}

/* Noise never seen costs about its pixels; the same noise again, or
 * eight images later, costs a small fraction: copies from the window. */
static void
test_window_copies(void)
{
	struct enc_glz *eg = enc_glz_new(4u << 20);
	struct glz_dec *d = glz_dec_new();
	struct img a = make(400, 100, 0, NOISE, 1), b;
	size_t first, again, later;
	int i;

	first = trip(eg, d, &a, NULL, NULL);
	ASSERT_TRUE(first > 400 * 100 * 3);
	again = trip(eg, d, &a, NULL, NULL);
	ASSERT_TRUE(again * 50 < first);
	for (i = 0; i < 7; i++) {
		b = make(400, 100, 0, NOISE, 1000 + (uint32_t)i * 77777);
		trip(eg, d, &b, NULL, NULL);
		free(b.data);
	}
	later = trip(eg, d, &a, NULL, NULL);
	ASSERT_TRUE(later * 50 < first);
	/* Shifted by a pixel inside a wider image: still copies. */
	b = make(401, 100, 0, NOISE, 1);
	ASSERT_TRUE(trip(eg, d, &b, NULL, NULL) * 10 < first);
	free(b.data);
	free(a.data);
	enc_glz_free(eg);
	glz_dec_free(d);
}

/* A window of 10000 pixels and images of 4000: each third one makes the
 * oldest go; the header says so, the decoder drops it too and would
 * refuse any copy from it.  The same content as the dropped image comes
 * as literals again; room for an image is made before it is encoded. */
static void
test_eviction(void)
{
	struct enc_glz *eg = enc_glz_new(10000);
	struct glz_dec *d = glz_dec_new();
	struct img m[4];
	uint32_t head;
	uint64_t id;
	size_t sz;
	int i;

	for (i = 0; i < 4; i++)
		m[i] = make(80, 50, 0, NOISE, (uint32_t)i * 1000003);
	sz = trip(eg, d, &m[0], &id, &head);
	ASSERT_INT_EQ(head, 0);
	trip(eg, d, &m[1], &id, &head);
	ASSERT_INT_EQ(head, 1);		/* image 0 still held */
	trip(eg, d, &m[2], &id, &head);
	ASSERT_INT_EQ(id, 2);
	ASSERT_INT_EQ(head, 1);		/* 0 went: 1 is the oldest */
	ASSERT_INT_EQ(glz_dec_kept(d), 2);
	/* Image 0's content again: 0 is gone, so literals (and the
	 * decoder would have refused a copy from it). */
	ASSERT_TRUE(trip(eg, d, &m[0], &id, &head) * 10 > sz * 9);
	ASSERT_INT_EQ(head, 1);		/* 2 and this one remain */
	/* Room for the next goes first (image 2), so image 3, which holds
	 * image 0's content, is what the same content copies from. */
	ASSERT_TRUE(trip(eg, d, &m[0], &id, &head) * 20 < sz);
	ASSERT_INT_EQ(id, 4);
	ASSERT_INT_EQ(head, 1);
	ASSERT_INT_EQ(glz_dec_kept(d), 2);
	for (i = 0; i < 4; i++)
		free(m[i].data);
	enc_glz_free(eg);
	glz_dec_free(d);
}

/* Refusals leave the window and the id sequence as they were. */
static void
test_refusals(void)
{
	struct enc_glz *eg = enc_glz_new(10000);
	struct glz_dec *d = glz_dec_new();
	struct img ok = make(50, 50, 0, TEXT, 0), big = make(101, 100, 0,
	    FLAT, 0);
	struct enc_src src = { big.data, big.stride, big.w, big.h };
	struct spd_err err;
	struct obuf ob;
	uint64_t id;

	ASSERT_TRUE(enc_glz_new(0) == NULL);
	trip(eg, d, &ok, &id, NULL);
	obuf_init(&ob);
	ASSERT_INT_EQ(enc_glz_encode(eg, &ob, &src, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "does not fit the window");
	ASSERT_INT_EQ(ob.ob_len, 0);
	src = (struct enc_src){ ok.data, 10, ok.w, ok.h };
	ASSERT_INT_EQ(enc_glz_encode(eg, &ob, &src, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "stride");
	src = (struct enc_src){ ok.data, ok.stride, 0, ok.h };
	ASSERT_INT_EQ(enc_glz_encode(eg, &ob, &src, &err), -1);
	ASSERT_INT_EQ(enc_glz_bound(0, 5), 0);
	ASSERT_INT_EQ(enc_glz_bound(5, ENC_MAX_DIM + 1), 0);
	obuf_free(&ob);
	/* The next image is id 1, and may still copy from id 0. */
	ASSERT_TRUE(trip(eg, d, &ok, &id, NULL) < 200);
	ASSERT_INT_EQ(id, 1);
	free(ok.data);
	free(big.data);
	enc_glz_free(eg);
	glz_dec_free(d);
}

/* More images than the window keeps by count: the oldest go. */
static void
test_many_images(void)
{
	struct enc_glz *eg = enc_glz_new(1u << 20);
	struct glz_dec *d = glz_dec_new();
	struct img m = make(4, 4, 0, NOISE, 5);
	uint32_t head = 0;
	int i;

	for (i = 0; i < ENC_GLZ_MAX_IMAGES + 10; i++)
		trip(eg, d, &m, NULL, &head);
	ASSERT_INT_EQ(head, ENC_GLZ_MAX_IMAGES - 1);
	free(m.data);
	enc_glz_free(eg);
	glz_dec_free(d);
}

/* A page of text: black glyphs on white in 8x14 cells, half of them
 * spaces, the glyphs 40 shapes of strokes (bars across, half-height
 * uprights), picked by an LCG from seed; line changed (or -1) picked
 * from another seed. */
static struct img
page(uint32_t w, uint32_t h, uint32_t seed, int changed)
{
	struct img m = { NULL, (size_t)w * 4, w, h };
	uint32_t r, g, x, y, gx, gy, line, col, white = 0x00ffffff;
	uint32_t *px;

	ASSERT_TRUE((m.data = malloc(m.stride * h)) != NULL);
	px = (uint32_t *)(void *)m.data;
	for (x = 0; x < w * h; x++)
		px[x] = white;
	for (line = 0; line < h / 14; line++) {
		r = (int)line == changed ? seed * 7919u + line : seed + line;
		for (col = 0; col < w / 8; col++) {
			r = r * 1103515245u + 12345u;
			if ((r >> 16) & 1)
				continue;
			g = (r >> 17) % 40 * 2654435761u;
			for (gy = 0; gy < 10; gy++)
				for (gx = 0; gx < 6; gx++) {
					int bar = (gy == 0 && (g & 1)) ||
					    (gy == 4 && (g & 2)) ||
					    (gy == 8 && (g & 4));
					int up = (gx == 0 && ((gy < 5 && (g & 8)) ||
					    (gy >= 4 && (g & 16)))) ||
					    (gx == 5 && ((gy < 5 && (g & 32)) ||
					    (gy >= 4 && (g & 64))));
					y = line * 14 + 2 + gy;
					if (bar || up)
						px[y * w + col * 8 + 1 + gx] = 0;
				}
		}
	}
	return m;
}

/* Two documents shown in turn (A, B, A with a line changed, B): the
 * second showing of each costs a fraction of the first, though a few
 * dozen glyphs make every short stretch of either common in both. */
static void
test_pages_in_turn(void)
{
	struct enc_glz *eg = enc_glz_new(4u << 20);
	struct glz_dec *d = glz_dec_new();
	struct img a = page(640, 480, 1, -1), b = page(640, 480, 2, -1);
	struct img a2 = page(640, 480, 1, 7);
	size_t first_a, first_b, again_a, again_b;

	first_a = trip(eg, d, &a, NULL, NULL);
	first_b = trip(eg, d, &b, NULL, NULL);
	again_a = trip(eg, d, &a2, NULL, NULL);
	again_b = trip(eg, d, &b, NULL, NULL);
	ASSERT_TRUE(first_a > 30000 && first_b > 30000);
	ASSERT_TRUE(again_a * 10 < first_b);
	ASSERT_TRUE(again_b * 10 < first_b);
	free(a.data);
	free(b.data);
	free(a2.data);
	enc_glz_free(eg);
	glz_dec_free(d);
}

/* The bytes enc_glz_encode() writes for m (which must fit). */
static void
encode_to(struct enc_glz *eg, const struct img *m, struct obuf *ob)
{
	struct enc_src src = { m->data, m->stride, m->w, m->h };
	struct spd_err err;

	obuf_init(ob);
	ASSERT_INT_EQ(enc_glz_encode(eg, ob, &src, &err), 0);
}

/* A window reset after pages, a text area and noise went through it
 * writes what a new window writes for the same sequence, bytes for bytes
 * (ids from 0 again, no copy from what it held before), and keeps doing
 * so after a second reset. */
static void
test_reset(void)
{
	struct enc_glz *used = enc_glz_new(1u << 20), *fresh;
	struct img seq[4] = { page(320, 200, 1, -1), page(320, 200, 2, 3),
	    make(320, 200, 0, TEXT, 0), page(320, 200, 1, -1) };
	struct obuf a, b;
	int round, i;

	for (i = 0; i < 4; i++) {
		encode_to(used, &seq[i], &a);
		obuf_free(&a);
	}
	for (round = 0; round < 2; round++) {
		enc_glz_reset(used);
		fresh = enc_glz_new(1u << 20);
		for (i = 0; i < 4; i++) {
			encode_to(used, &seq[i], &a);
			encode_to(fresh, &seq[i], &b);
			ASSERT_INT_EQ(a.ob_len, b.ob_len);
			ASSERT_TRUE(memcmp(a.ob_data, b.ob_data, a.ob_len) == 0);
			obuf_free(&a);
			obuf_free(&b);
		}
		enc_glz_free(fresh);
	}
	for (i = 0; i < 4; i++)
		free(seq[i].data);
	enc_glz_free(used);
}

int
main(void)
{
	test_seed();
	test_kinds();
	test_window_copies();
	test_eviction();
	test_refusals();
	test_many_images();
	test_pages_in_turn();
	test_reset();
	printf("test-enc-glz: ok\n");
	return 0;
}
