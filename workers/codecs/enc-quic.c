/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc-quic: SPICE QUIC image payloads (lossless, for photographs and
 * anything else that is not flat); contracts in enc.h, the model in
 * quic-model.h.
 *
 * Output: u32 LE size, then the QUIC stream: 32-bit words stored
 * little-endian, each filled from its most significant bit; a header of
 * magic, version, type RGB32, width and height; the pixels' codes row
 * by row, channel R, G, B of each pixel in turn; the last word padded
 * with zeros and one more zero word, which the client's decoder reads
 * ahead.  spice-gtk and spice-html5 both decode it.
 *
 * The output grows a row at a time by the most a row can take, so an
 * image costs the memory of what it compresses to, not of its worst
 * case.
 *
 * A row's residuals do not depend on the model (the prediction is made
 * of the image's own pixels): they are worked out for the whole row
 * first, four pixels at a time with SSE2, together with where a run may
 * start; the coding loop, which the model and the bit writer make
 * serial, then only looks them up.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "enc.h"
#include "quic-model.h"

/* Most bits a pixel can take: three 26-bit codewords, plus a run
 * before it (32 bits of hits for any run a row can hold, and a
 * remainder of at most 16). */
#define ENC_QUIC_PX_BITS	(3 * 26 + 48)

struct enc_quic {
	struct quic_state	 eq_state;
	struct quic_bucket	 eq_buckets[3][QUIC_NBUCKETS];
	/* The best code of each residual's bucket, per channel: one load
	 * per codeword instead of two, kept up to date at each update. */
	uint8_t			 eq_best[3][256];
	/* The residuals the model sees: pixel i's at 4 * (i + 1) in the
	 * pixel's byte order (B, G, R), with [0] the context of a row's
	 * first pixel (the first residual of the row above).  Pixels
	 * inside a run leave theirs as the row above had them, as the
	 * decoder does.  Copied from eq_fr a stretch of coded pixels at a
	 * time, not a byte at a time in the coding loop. */
	uint8_t			*eq_res;
	/* The current row's folded residuals, laid out as eq_res's, and at
	 * byte 3 of each whether a run may start there (see
	 * enc_quic_residual()).  The entry before a stretch of coded
	 * pixels is set to their first context (eq_res's), so that the
	 * coding loop reads each pixel's context as the entry before it. */
	uint8_t			*eq_fr;
};

/* The bit writer: words go to qo_at, the next in qo_data. */
struct enc_quic_out {
	uint8_t		*qo_data;
	uint8_t		*qo_at;
	uint64_t	 qo_acc;	/* pending bits, the newest lowest */
	uint32_t	 qo_n;		/* how many, below 32 */
};

struct enc_quic *
enc_quic_new(void)
{
	struct enc_quic *eq;

	if ((eq = calloc(1, sizeof(*eq))) == NULL)
		return NULL;
	if ((eq->eq_res = calloc(ENC_MAX_DIM + 1, 4)) == NULL ||
	    (eq->eq_fr = malloc((ENC_MAX_DIM + 1) * 4)) == NULL) {
		enc_quic_free(eq);
		return NULL;
	}
	(void)quic_family();
	return eq;
}

void
enc_quic_free(struct enc_quic *eq)
{
	if (eq == NULL)
		return;
	free(eq->eq_res);
	free(eq->eq_fr);
	free(eq);
}

size_t
enc_quic_bound(uint32_t width, uint32_t height)
{
	if (width == 0 || height == 0 || width > ENC_MAX_DIM ||
	    height > ENC_MAX_DIM)
		return 0;
	/* Size field, header words, rows, padding and the extra word. */
	return 4 + 20 + ((size_t)width * ENC_QUIC_PX_BITS + 7) / 8 * height +
	    8;
}

/* len bits of code (len <= 32) after those pending.  A word is written
 * every time and kept when 32 bits were full: whether they are depends
 * on the data (a photograph's codewords fill one every two or three
 * pixels, irregularly), and a branch on it is mispredicted often.  A
 * word written before it is full is written again (the row's reserve
 * leaves room for it). */
static inline void
enc_quic_put(struct enc_quic_out *o, uint32_t code, uint32_t len)
{
	uint32_t w, full;

	o->qo_acc = (o->qo_acc << len) | code;
	o->qo_n += len;
	full = o->qo_n >> 5;
	o->qo_n -= full << 5;
	w = htole32((uint32_t)(o->qo_acc >> o->qo_n));
	memcpy(o->qo_at, &w, 4);
	o->qo_at += 4 * full;
}

static inline void
enc_quic_put32(struct enc_quic_out *o, uint32_t v)
{
	enc_quic_put(o, v >> 16, 16);
	enc_quic_put(o, v & 0xffff, 16);
}

/* A run of n pixels equal to the one before them (MELCODE): a one for
 * each expected run it holds, then a zero and the remainder. */
static inline void
enc_quic_run(struct enc_quic *eq, struct enc_quic_out *o, uint32_t n)
{
	struct quic_state *s = &eq->eq_state;
	uint32_t hits = 0;

	while (n >= s->qs_melcorder) {
		hits++;
		n -= s->qs_melcorder;
		quic_state_run_hit(s);
	}
	for (; hits >= 32; hits -= 32)
		enc_quic_put32(o, 0xffffffffu);
	if (hits != 0)
		enc_quic_put(o, (1u << hits) - 1, hits);
	enc_quic_put(o, n, s->qs_melclen + 1);
	quic_state_run_end(s);
}

/* Channel c (byte b of a pixel) of pixel i: its codeword and length
 * (code << QUIC_CODE_SHIFT | len) in the bucket of its context, the
 * entry before it. */
#define ENC_QUIC_CHANNEL(c, b, i, cl)					\
	((cl) = f->qf_codelen[fr[4 * (i) + (b)]]			\
	    [best[256 * (c) + fr[4 * (i) - 4 + (b)]]])
#define ENC_QUIC_CODE(cl)	((cl) >> QUIC_CODE_SHIFT)
#define ENC_QUIC_LEN(cl)	((cl) & ((1u << QUIC_CODE_SHIFT) - 1))
/* Pixel i: R, G, B in turn, in one write when they fit 32 bits (most
 * do: a photograph's codewords are a few bits each).  A length is the
 * word's low bits: the three add up there without a carry into the
 * codes, and a shift by the word itself is a shift by its length (the
 * processor takes a 64-bit shift's count modulo 64; no length reaches
 * it), so only the total is masked. */
#define ENC_QUIC_PIXEL(i) do {						\
	uint32_t c0_, c1_, c2_, l_;					\
	ENC_QUIC_CHANNEL(0, 2, i, c0_);					\
	ENC_QUIC_CHANNEL(1, 1, i, c1_);					\
	ENC_QUIC_CHANNEL(2, 0, i, c2_);					\
	l_ = ENC_QUIC_LEN(c0_ + c1_ + c2_);				\
	if (l_ <= 32)							\
		enc_quic_put(o, (uint32_t)((((uint64_t)ENC_QUIC_CODE(c0_) \
		    << (c1_ & 63) | ENC_QUIC_CODE(c1_)) << (c2_ & 63)) | \
		    ENC_QUIC_CODE(c2_)), l_);				\
	else {								\
		enc_quic_put(o, ENC_QUIC_CODE(c0_), ENC_QUIC_LEN(c0_));	\
		enc_quic_put(o, ENC_QUIC_CODE(c1_), ENC_QUIC_LEN(c1_));	\
		enc_quic_put(o, ENC_QUIC_CODE(c2_), ENC_QUIC_LEN(c2_));	\
	}								\
} while (0)

/* Pixels a and b of row alike in R, G and B (X aside). */
static inline int
enc_quic_same(const uint8_t *row, int a, int b)
{
	uint32_t pa, pb;

	memcpy(&pa, row + 4 * a, 4);
	memcpy(&pb, row + 4 * b, 4);
	return ((pa ^ pb) & htole32(0x00ffffffu)) == 0;
}

/* Pixel i of the row (prev NULL for the first row): each channel's
 * folded residual against its prediction (left on the first row; above
 * for a row's first pixel; the mean of left and above elsewhere), and
 * at byte 3 whether a run may start there (the row above repeats at i,
 * and this row did just before). */
static inline void
enc_quic_residual(uint8_t *fr, const uint8_t *prev, const uint8_t *cur,
    uint32_t i)
{
	const struct quic_family *f = quic_family();
	unsigned b, pred;

	for (b = 0; b < 3; b++) {
		if (prev == NULL)
			pred = i == 0 ? 0 : cur[4 * (i - 1) + b];
		else if (i == 0)
			pred = prev[b];
		else
			pred = (cur[4 * (i - 1) + b] + prev[4 * i + b]) >> 1;
		fr[4 * i + b] = f->qf_fold[(uint8_t)(cur[4 * i + b] - pred)];
	}
	fr[4 * i + 3] = prev != NULL && i >= 2 &&
	    enc_quic_same(prev, (int)i - 1, (int)i) &&
	    enc_quic_same(cur, (int)i - 1, (int)i - 2);
}

/* The whole row's residuals and run starts into fr. */
static void
enc_quic_residuals(uint8_t *fr, const uint8_t *prev, const uint8_t *cur,
    uint32_t w)
{
	uint32_t i = 0;

	for (; i < 2 && i < w; i++)
		enc_quic_residual(fr, prev, cur, i);
#if defined(__SSE2__)
	{
		const __m128i rgb = _mm_set1_epi32(0x00ffffff);
		const __m128i run = _mm_set1_epi32((int)0xff000000u);
		const __m128i one = _mm_set1_epi8(1), zero = _mm_setzero_si128();
		__m128i l, a, c, p, d, f, r;

		for (; i + 4 <= w; i += 4) {
			l = _mm_loadu_si128((const void *)(cur + 4 * (i - 1)));
			c = _mm_loadu_si128((const void *)(cur + 4 * i));
			if (prev == NULL) {
				p = l;
				r = zero;
			} else {
				a = _mm_loadu_si128((const void *)(prev +
				    4 * i));
				/* floor((l + a) / 2): pavgb rounds up. */
				p = _mm_sub_epi8(_mm_avg_epu8(l, a),
				    _mm_and_si128(_mm_xor_si128(l, a), one));
				r = _mm_and_si128(_mm_cmpeq_epi32(
				    _mm_and_si128(_mm_loadu_si128((const void *)
				    (prev + 4 * (i - 1))), rgb),
				    _mm_and_si128(a, rgb)),
				    _mm_cmpeq_epi32(_mm_and_si128(l, rgb),
				    _mm_and_si128(_mm_loadu_si128((const void *)
				    (cur + 4 * (i - 2))), rgb)));
			}
			/* Folded as qf_fold: 2d, or -2d - 1 below 0. */
			d = _mm_sub_epi8(c, p);
			f = _mm_xor_si128(_mm_add_epi8(d, d),
			    _mm_cmpgt_epi8(zero, d));
			/* Byte 3: not 0 where a run may start. */
			f = _mm_or_si128(_mm_and_si128(f, rgb),
			    _mm_and_si128(r, run));
			_mm_storeu_si128((void *)(fr + 4 * i), f);
		}
	}
#endif
	for (; i < w; i++)
		enc_quic_residual(fr, prev, cur, i);
}

/* Count a pixel's residuals (the entry at px, as eq_fr's) in the
 * buckets of its contexts (the entry before). */
static void
enc_quic_update(struct enc_quic *eq, const struct quic_family *f,
    const uint8_t *px)
{
	struct quic_bucket *b;
	uint32_t best, k;
	int c;

	for (c = 0; c < 3; c++) {
		k = f->qf_bucket[px[2 - c - 4]];
		b = &eq->eq_buckets[c][k];
		best = b->qb_best;
		quic_bucket_update(f, b, &eq->eq_state, px[2 - c]);
		if (b->qb_best != best)
			memset(&eq->eq_best[c][f->qf_bucket_first[k]],
			    (int)b->qb_best, (size_t)(f->qf_bucket_last[k] -
			    f->qf_bucket_first[k] + 1));
	}
}

/* How many pixels from i on (before end) repeat pixel i - 1 of the row,
 * four at a time where SSE2 is. */
static inline uint32_t
enc_quic_run_length(const uint8_t *cur, int i, int end)
{
	int j = i;
#if defined(__SSE2__)
	const __m128i rgb = _mm_set1_epi32(0x00ffffff);
	__m128i v;
	uint32_t px;
	int eq;

	memcpy(&px, cur + 4 * (i - 1), 4);
	v = _mm_and_si128(_mm_set1_epi32((int)px), rgb);
	for (; j + 4 <= end; j += 4) {
		eq = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(
		    _mm_and_si128(_mm_loadu_si128((const void *)(cur + 4 * j)),
		    rgb), v)));
		if (eq != 0xf)
			return (uint32_t)(j - i + __builtin_ctz((unsigned)~eq));
	}
#endif
	while (j < end && enc_quic_same(cur, j, i - 1))
		j++;
	return (uint32_t)(j - i);
}

/* Pixels [from, to)'s residuals (fr) into the model's (res), both
 * pixel i's at 4 * i: runs make
 * many short stretches in a desktop, too short for a call to memcpy. */
static inline void
enc_quic_keep(uint8_t *res, const uint8_t *fr, int from, int to)
{
	int k = from;

#if defined(__SSE2__)
	for (; k + 4 <= to; k += 4)
		_mm_storeu_si128((void *)(res + 4 * k),
		    _mm_loadu_si128((const void *)(fr + 4 * k)));
#endif
	for (; k < to; k++)
		memcpy(res + 4 * k, fr + 4 * k, 4);
}

/*
 * Pixels [i, end) of row cur, its residuals in eq_fr: codes with model
 * updates at the wait schedule's pixels, and runs where the row above
 * repeats and so did this one.  The schedule carries over between
 * segments and rows through the state's waitcnt.
 */
static void
enc_quic_segment(struct enc_quic *eq, struct enc_quic_out *out,
    const uint8_t *cur, int i, int end)
{
	const struct quic_family *f = quic_family();
	/* Pixel i's entry at fr[4 * i], its context the one before. */
	uint8_t *const fr = eq->eq_fr + 4, *const res = eq->eq_res + 4;
	struct quic_state *s = &eq->eq_state;
	/* The writer in registers: a local nothing else points to. */
	struct enc_quic_out lo = *out, *o = &lo;
	/* The table in a local: a byte stored through eq's pointers may
	 * alias anything, so eq's field would be loaded again after each
	 * store.  One pointer for the three channels: the loop needs every
	 * register it can get. */
	const uint8_t *const best = eq->eq_best[0];
	int stop, from = i, run_index = 0;
	uint32_t n;

/* Whether pixel i starts a run: the row above repeats there, this row
 * repeated just before, and no run ended there. */
#define ENC_QUIC_RUNS(i)						\
	(fr[4 * (i) + 3] != 0 && run_index != (i) && (i) > 2)
/* Pixel i, then counted in the buckets of its contexts. */
#define ENC_QUIC_PIXEL_COUNTED(i) do {					\
	ENC_QUIC_PIXEL(i);						\
	enc_quic_update(eq, f, fr + 4 * (i));				\
} while (0)
/* The coded pixels [from, to)'s residuals into res. */
#define ENC_QUIC_KEEP(to)	enc_quic_keep(res, fr, from, to)
/* A stretch of coded pixels starts at i: its first context is the
 * model's (what the row above left there, after a run). */
#define ENC_QUIC_CONTEXT(i)	memcpy(fr + 4 * ((i) - 1), res + 4 * ((i) - 1), 4)

	ENC_QUIC_CONTEXT(i);

	if (i == 0) {
		if (s->qs_waitcnt != 0) {
			s->qs_waitcnt--;
			ENC_QUIC_PIXEL(0);
		} else {
			s->qs_waitcnt = quic_state_wait(s);
			ENC_QUIC_PIXEL_COUNTED(0);
		}
		stop = ++i + (int)s->qs_waitcnt;
	} else
		stop = i + (int)s->qs_waitcnt;

	for (;;) {
		while (stop < end) {
			for (; i < stop; i++) {
				if (ENC_QUIC_RUNS(i))
					goto run;
				ENC_QUIC_PIXEL(i);
			}
			if (ENC_QUIC_RUNS(i))
				goto run;
			ENC_QUIC_PIXEL_COUNTED(i);
			i++;
			stop = i + (int)quic_state_wait(s);
		}
		for (; i < end; i++) {
			if (ENC_QUIC_RUNS(i))
				goto run;
			ENC_QUIC_PIXEL(i);
		}
		ENC_QUIC_KEEP(end);
		s->qs_waitcnt = (uint32_t)(stop - end);
		*out = lo;
		return;
run:
		ENC_QUIC_KEEP(i);
		run_index = i;
		s->qs_waitcnt = (uint32_t)(stop - i);
		n = enc_quic_run_length(cur, i, end);
		i += (int)n;
		enc_quic_run(eq, o, n);
		if (i == end) {
			*out = lo;
			return;
		}
		/* A run leaves residuals alone: the next pixel's context
		 * is what the row above left at its place. */
		ENC_QUIC_CONTEXT(i);
		from = i;
		stop = i + (int)s->qs_waitcnt;
	}
#undef ENC_QUIC_RUNS
#undef ENC_QUIC_PIXEL_COUNTED
#undef ENC_QUIC_KEEP
#undef ENC_QUIC_CONTEXT
}

/* A row, in segments where the wait mask grows. */
static void
enc_quic_row(struct enc_quic *eq, struct enc_quic_out *o,
    const uint8_t *prev, const uint8_t *cur, uint32_t width)
{
	struct quic_state *s = &eq->eq_state;
	uint32_t pos = 0;

	enc_quic_residuals(eq->eq_fr + 4, prev, cur, width);
	while (s->qs_wmidx < QUIC_WMI_MAX && s->qs_wmileft <= width) {
		if (s->qs_wmileft != 0) {
			enc_quic_segment(eq, o, cur, (int)pos,
			    (int)(pos + s->qs_wmileft));
			width -= s->qs_wmileft;
			pos += s->qs_wmileft;
		}
		quic_state_next_wmi(s);
	}
	if (width != 0) {
		enc_quic_segment(eq, o, cur, (int)pos, (int)(pos + width));
		if (s->qs_wmidx < QUIC_WMI_MAX)
			s->qs_wmileft -= width;
	}
}

int
enc_quic_encode(struct enc_quic *eq, struct obuf *out,
    const struct enc_src *src, struct spd_err *err)
{
	struct enc_quic_out o;
	size_t start, base, rowmax, used;
	const uint8_t *prev, *cur;
	uint32_t y, w;
	int c;

	if (enc_quic_bound(src->es_width, src->es_height) == 0)
		return spd_err_set(err, "quic: bad image size %ux%u",
		    src->es_width, src->es_height);
	if (src->es_stride < (size_t)src->es_width * 4)
		return spd_err_set(err, "quic: stride %zu below row %u",
		    src->es_stride, src->es_width * 4);
	start = out->ob_len;
	obuf_put_u32le(out, 0);
	base = out->ob_len;
	rowmax = ((size_t)src->es_width * ENC_QUIC_PX_BITS + 7) / 8 + 32;

	quic_state_init(&eq->eq_state);
	for (c = 0; c < 3; c++) {
		quic_buckets_init(eq->eq_buckets[c]);
		memset(eq->eq_best[c], QUIC_NCODES - 1, 256);
	}
	memset(eq->eq_res, 0, 4);
	memset(&o, 0, sizeof(o));
	o.qo_data = o.qo_at = out->ob_data + base;
	for (y = 0, prev = NULL; y < src->es_height; y++, prev = cur) {
		/* Room for the row's worst case; the buffer may move. */
		used = (size_t)(o.qo_at - o.qo_data);
		if (obuf_reserve(out, used + rowmax) != 0)
			goto fail;
		o.qo_data = out->ob_data + base;
		o.qo_at = o.qo_data + used;
		if (y == 0) {
			enc_quic_put32(&o, QUIC_MAGIC);
			enc_quic_put32(&o, QUIC_VERSION);
			enc_quic_put32(&o, QUIC_TYPE_RGB32);
			enc_quic_put32(&o, src->es_width);
			enc_quic_put32(&o, src->es_height);
		} else
			memcpy(eq->eq_res, eq->eq_res + 4, 4);
		cur = src->es_data + (size_t)y * src->es_stride;
		enc_quic_row(eq, &o, prev, cur, src->es_width);
	}
	if (o.qo_n != 0) {
		w = htole32((uint32_t)(o.qo_acc << (32 - o.qo_n)));
		memcpy(o.qo_at, &w, 4);
		o.qo_at += 4;
	}
	memset(o.qo_at, 0, 4);
	used = (size_t)(o.qo_at + 4 - o.qo_data);
	if (obuf_append_space(out, used) == NULL)
		goto fail;
	obuf_patch_u32le(out, start, (uint32_t)used);
	return 0;

fail:
	obuf_truncate(out, start);
	return spd_err_set(err, "quic: a %ux%u image exceeds the output buffer",
	    src->es_width, src->es_height);
}
