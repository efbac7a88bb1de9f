/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * quic-model: the adaptive model of SPICE's QUIC image format (SPICE-NOTES
 * 4.6), the part an encoder and a decoder must share bit for bit: the
 * Golomb-Rice code family, the context buckets and their counters, the
 * schedule of model updates, and the run-length coder's state.  Facts
 * read from spice-common's quic.c (SFALIC by Roman Starosolski); the code
 * is spiced's own.
 *
 * QUIC codes each colour channel of each pixel as a residual: the pixel
 * minus a prediction (left on the first row, the mean of left and above
 * after), folded to 0..255 (0, -1, 1, -2, ... become 0, 1, 2, 3, ...).
 * The residual is written with one of eight Golomb-Rice codes (parameter
 * 0..7, codewords of at most 26 bits), chosen by the bucket of the
 * previous residual of the same channel: eight buckets of residual
 * ranges (0, 1-2, 3-6, ... 127-255), each counting how long each code
 * would have made the residuals it saw and picking the shortest.  The
 * counters are updated only at pixels picked by a pseudo-random wait (a
 * fixed 256-entry table), which starts dense and thins out as the image
 * goes on; equal pixels predicted by the row above are sent as runs
 * (MELCODE, 32 states).  Only the 8-bit, 3-channel model is here: spiced
 * sends RGB32 QUIC images.
 */
#ifndef SPICED_QUIC_MODEL_H
#define SPICED_QUIC_MODEL_H

#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Header words: magic "QUIC", version 0.0, image type RGB32. */
#define QUIC_MAGIC		0x43495551u
#define QUIC_VERSION		0u
#define QUIC_TYPE_RGB32		4u

/* The encoder's codeword table: code << QUIC_CODE_SHIFT | length; the
 * lengths (26 at most) of three codewords add up below the codes. */
#define QUIC_CODE_SHIFT		7

/* Codes in the family (one per bit of a channel) and buckets. */
#define QUIC_NCODES		8
#define QUIC_NBUCKETS		8
/* Pixels coded before the wait mask grows, and its largest index. */
#define QUIC_WMI_NEXT		2048u
#define QUIC_WMI_MAX		6u
#define QUIC_MELC_STATES	32

/* The code family: the codeword and its length for each residual and
 * code, and what a decoder needs to tell the two kinds of codeword
 * apart. */
struct quic_family {
	uint32_t	qf_code[256][QUIC_NCODES];
	uint8_t		qf_len[256][QUIC_NCODES];
	/* Both in one word for the encoder, see QUIC_CODE_SHIFT. */
	uint32_t	qf_codelen[256][QUIC_NCODES];
	uint32_t	qf_ngr[QUIC_NCODES];	/* residuals with a GR code */
	uint32_t	qf_notgr_len[QUIC_NCODES];	/* escape codeword bits */
	uint32_t	qf_notgr_suffix[QUIC_NCODES];	/* ... of them suffix */
	uint32_t	qf_notgr_prefix[QUIC_NCODES];	/* its zero prefix */
	uint8_t		qf_fold[256];	/* residual mod 256 -> folded */
	uint8_t		qf_unfold[256];	/* folded -> residual mod 256 */
	uint8_t		qf_bucket[256];	/* folded residual -> bucket */
	uint8_t		qf_bucket_first[QUIC_NBUCKETS];	/* its residuals */
	uint8_t		qf_bucket_last[QUIC_NBUCKETS];
};

/* The family, built on first use (the worker is single-threaded). */
const struct quic_family *quic_family(void);

struct quic_bucket {
	uint32_t	qb_counters[QUIC_NCODES];
	uint32_t	qb_best;	/* code with the shortest total */
};

/* What R, G and B share: the update schedule and the run coder. */
struct quic_state {
	uint32_t	qs_waitcnt;	/* pixels until the next update */
	uint32_t	qs_seed;	/* index into the random table */
	uint32_t	qs_trigger;	/* counter total that halves them */
	uint32_t	qs_wmidx;	/* wait mask index, 0..QUIC_WMI_MAX */
	uint32_t	qs_wmileft;	/* pixels until it grows */
	int		qs_melcstate;
	uint32_t	qs_melclen;	/* a run of 2^melclen is one bit */
	uint32_t	qs_melcorder;
};

/* The state of an image's start. */
void	 quic_state_init(struct quic_state *);
/* The next wait mask index: when a row has coded QUIC_WMI_NEXT more
 * pixels. */
void	 quic_state_next_wmi(struct quic_state *);
/* A draw from the random table, masked by the current wait mask. */
uint32_t quic_state_wait(struct quic_state *);
/* The MELCODE state after a run's hit (an expected run met) and after
 * a run's end. */
void	 quic_state_run_hit(struct quic_state *);
void	 quic_state_run_end(struct quic_state *);

/* Buckets of one channel at an image's start. */
void	 quic_buckets_init(struct quic_bucket *buckets);

/* Count residual (folded) in bucket b (f: quic_family()).  Inline: the
 * coders call it three times a model update, every pixel at an image's
 * start and every 32 on average later. */
#if defined(__SSE2__)
/* Eight counters at once, no branch on the data (a bucket's best code
 * changes often in a photograph, and each change was a misprediction).
 * Counters stay far below 2^31 (halved past the trigger), so signed
 * comparisons hold. */
static inline void
quic_bucket_update(const struct quic_family *f, struct quic_bucket *b,
    const struct quic_state *s, uint8_t residual)
{
	__m128i lo, hi, len, m, t;
	unsigned mask;

	len = _mm_unpacklo_epi8(_mm_loadl_epi64((const void *)
	    f->qf_len[residual]), _mm_setzero_si128());
	lo = _mm_add_epi32(_mm_loadu_si128((const void *)&b->qb_counters[0]),
	    _mm_unpacklo_epi16(len, _mm_setzero_si128()));
	hi = _mm_add_epi32(_mm_loadu_si128((const void *)&b->qb_counters[4]),
	    _mm_unpackhi_epi16(len, _mm_setzero_si128()));
	/* The smallest total, in every lane. */
	t = _mm_cmpgt_epi32(lo, hi);
	m = _mm_or_si128(_mm_and_si128(t, hi), _mm_andnot_si128(t, lo));
	t = _mm_shuffle_epi32(m, _MM_SHUFFLE(1, 0, 3, 2));
	t = _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi32(m, t), t),
	    _mm_andnot_si128(_mm_cmpgt_epi32(m, t), m));
	m = _mm_shuffle_epi32(t, _MM_SHUFFLE(2, 3, 0, 1));
	m = _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi32(t, m), m),
	    _mm_andnot_si128(_mm_cmpgt_epi32(t, m), t));
	/* Ties go to the highest code. */
	mask = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo,
	    m))) | (unsigned)_mm_movemask_ps(_mm_castsi128_ps(
	    _mm_cmpeq_epi32(hi, m))) << 4;
	b->qb_best = 31u - (uint32_t)__builtin_clz(mask);
	if ((uint32_t)_mm_cvtsi128_si32(m) > s->qs_trigger) {
		lo = _mm_srli_epi32(lo, 1);
		hi = _mm_srli_epi32(hi, 1);
	}
	_mm_storeu_si128((void *)&b->qb_counters[0], lo);
	_mm_storeu_si128((void *)&b->qb_counters[4], hi);
}
#else
static inline void
quic_bucket_update(const struct quic_family *f, struct quic_bucket *b,
    const struct quic_state *s, uint8_t residual)
{
	uint32_t best, bestlen, len;
	int i;

	/* Ties go to the highest code: the search runs downwards and only
	 * a strictly shorter total wins. */
	best = QUIC_NCODES - 1;
	bestlen = (b->qb_counters[best] += f->qf_len[residual][best]);
	for (i = QUIC_NCODES - 2; i >= 0; i--) {
		len = (b->qb_counters[i] += f->qf_len[residual][i]);
		if (len < bestlen) {
			best = (uint32_t)i;
			bestlen = len;
		}
	}
	b->qb_best = best;
	if (bestlen > s->qs_trigger)
		for (i = 0; i < QUIC_NCODES; i++)
			b->qb_counters[i] >>= 1;
}
#endif

#endif
