/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dec-quic: QUIC decoding; see dec-quic.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec-quic.h"
#include "quic-model.h"

struct qd {
	const uint8_t		*qd_data;
	size_t			 qd_len;
	size_t			 qd_off;	/* next byte to load */
	uint64_t		 qd_acc;	/* loaded bits, oldest highest */
	uint32_t		 qd_n;		/* how many */
	uint64_t		 qd_used;	/* bits consumed */
	struct quic_state	 qd_state;
	struct quic_bucket	 qd_buckets[3][QUIC_NBUCKETS];
	uint8_t			*qd_res[3];	/* as enc-quic's eq_res */
	const char		*qd_why;
};

static const int qd_byte[3] = { 2, 1, 0 };

/* The next 32 bits, without consuming them. */
static uint32_t
qd_peek(struct qd *q)
{
	uint32_t w;

	while (q->qd_n <= 32) {
		w = 0;
		if (q->qd_off + 4 <= q->qd_len) {
			w = (uint32_t)q->qd_data[q->qd_off] |
			    (uint32_t)q->qd_data[q->qd_off + 1] << 8 |
			    (uint32_t)q->qd_data[q->qd_off + 2] << 16 |
			    (uint32_t)q->qd_data[q->qd_off + 3] << 24;
			q->qd_off += 4;
		}	/* else zeros past the end; qd_used tells */
		q->qd_acc |= (uint64_t)w << (32 - q->qd_n);
		q->qd_n += 32;
	}
	return (uint32_t)(q->qd_acc >> 32);
}

static void
qd_eat(struct qd *q, uint32_t len)
{
	(void)qd_peek(q);
	q->qd_acc <<= len;
	q->qd_n -= len;
	q->qd_used += len;
}

static uint32_t
qd_get(struct qd *q, uint32_t len)
{
	uint32_t v = qd_peek(q) >> (32 - len);

	qd_eat(q, len);
	return v;
}

/* One residual coded with code l. */
static int
qd_residual(struct qd *q, uint32_t l, uint8_t *out)
{
	const struct quic_family *f = quic_family();
	uint32_t bits = qd_peek(q), zeros, len, v;

	zeros = bits != 0 ? (uint32_t)__builtin_clz(bits) : 32;
	if (zeros < f->qf_notgr_prefix[l]) {
		len = zeros + 1 + l;
		v = (zeros << l) | ((bits >> (32 - len)) & ((1u << l) - 1));
	} else {
		len = f->qf_notgr_len[l];
		v = f->qf_ngr[l] + ((bits >> (32 - len)) &
		    ((1u << f->qf_notgr_suffix[l]) - 1));
	}
	if (v > 255) {
		q->qd_why = "an escape codeword past residual 255";
		return -1;
	}
	qd_eat(q, len);
	*out = (uint8_t)v;
	return 0;
}

/* Pixel i of cur from its residuals against pred. */
#define QD_PIXEL(q, f, i, PRED) do {					\
	int c_;								\
	for (c_ = 0; c_ < 3; c_++) {					\
		const int b_ = qd_byte[c_];				\
		uint8_t r_;						\
		if (qd_residual((q), (q)->qd_buckets[c_][(f)->qf_bucket[ \
		    (q)->qd_res[c_][(i)]]].qb_best, &r_) != 0)		\
			return -1;					\
		(q)->qd_res[c_][(i) + 1] = r_;				\
		cur[4 * (i) + b_] = (uint8_t)((f)->qf_unfold[r_] + (PRED)); \
	}								\
	cur[4 * (i) + 3] = 0;						\
} while (0)
#define QD_LEFT(i)	cur[4 * ((i) - 1) + b_]
#define QD_ABOVE(i)	prev[4 * (i) + b_]
#define QD_MEAN(i)	((QD_LEFT(i) + QD_ABOVE(i)) >> 1)

static void
qd_update(struct qd *q, const struct quic_family *f, int i)
{
	int c;

	for (c = 0; c < 3; c++)
		quic_bucket_update(f, &q->qd_buckets[c][f->qf_bucket[
		    q->qd_res[c][i]]], &q->qd_state, q->qd_res[c][i + 1]);
}

static int
qd_same(const uint8_t *row, int a, int b)
{
	return memcmp(row + 4 * a, row + 4 * b, 3) == 0;
}

static uint32_t
qd_run(struct qd *q)
{
	struct quic_state *s = &q->qd_state;
	uint32_t n = 0;

	while (qd_get(q, 1) == 1 && q->qd_used <= q->qd_len * 8) {
		n += s->qs_melcorder;
		quic_state_run_hit(s);
	}
	if (s->qs_melclen != 0)
		n += qd_get(q, s->qs_melclen);
	quic_state_run_end(s);
	return n;
}

static int
qd_segment(struct qd *q, const uint8_t *prev, uint8_t *cur, int i, int end)
{
	const struct quic_family *f = quic_family();
	struct quic_state *s = &q->qd_state;
	int stop, run_index = 0;
	uint32_t n;

	if (i == 0) {
		if (prev == NULL)
			QD_PIXEL(q, f, 0, 0);
		else
			QD_PIXEL(q, f, 0, QD_ABOVE(0));
		if (s->qs_waitcnt != 0)
			s->qs_waitcnt--;
		else {
			s->qs_waitcnt = quic_state_wait(s);
			qd_update(q, f, 0);
		}
		stop = ++i + (int)s->qs_waitcnt;
	} else
		stop = i + (int)s->qs_waitcnt;
#define QD_RUNS(i)	(prev != NULL && qd_same(prev, (i) - 1, (i)) && \
	run_index != (i) && (i) > 2 && qd_same(cur, (i) - 1, (i) - 2))
	for (;;) {
		while (stop < end) {
			for (; i <= stop; i++) {
				if (QD_RUNS(i))
					goto run;
				if (prev == NULL)
					QD_PIXEL(q, f, i, QD_LEFT(i));
				else
					QD_PIXEL(q, f, i, QD_MEAN(i));
			}
			qd_update(q, f, stop);
			stop = i + (int)quic_state_wait(s);
		}
		for (; i < end; i++) {
			if (QD_RUNS(i))
				goto run;
			if (prev == NULL)
				QD_PIXEL(q, f, i, QD_LEFT(i));
			else
				QD_PIXEL(q, f, i, QD_MEAN(i));
		}
		s->qs_waitcnt = (uint32_t)(stop - end);
		return 0;
run:
		s->qs_waitcnt = (uint32_t)(stop - i);
		run_index = i;
		n = qd_run(q);
		if (n > (uint32_t)(end - i)) {
			q->qd_why = "a run past the end of its row";
			return -1;
		}
		for (; n > 0; n--, i++)
			memcpy(cur + 4 * i, cur + 4 * (i - 1), 4);
		if (i == end)
			return 0;
		stop = i + (int)s->qs_waitcnt;
	}
#undef QD_RUNS
}

static int
qd_row(struct qd *q, const uint8_t *prev, uint8_t *cur, uint32_t width)
{
	struct quic_state *s = &q->qd_state;
	uint32_t pos = 0;

	while (s->qs_wmidx < QUIC_WMI_MAX && s->qs_wmileft <= width) {
		if (s->qs_wmileft != 0) {
			if (qd_segment(q, prev, cur, (int)pos,
			    (int)(pos + s->qs_wmileft)) != 0)
				return -1;
			width -= s->qs_wmileft;
			pos += s->qs_wmileft;
		}
		quic_state_next_wmi(s);
	}
	if (width != 0) {
		if (qd_segment(q, prev, cur, (int)pos, (int)(pos + width)) != 0)
			return -1;
		if (s->qs_wmidx < QUIC_WMI_MAX)
			s->qs_wmileft -= width;
	}
	return 0;
}

int
quic_decode(const uint8_t *data, size_t len, uint64_t max_px,
    uint32_t *width, uint32_t *height, uint8_t **pixels, char *why)
{
	struct qd q;
	uint32_t hdr[5], y;
	uint8_t *img = NULL, *prev;
	int c, i, rc = -1;

	memset(&q, 0, sizeof(q));
	q.qd_data = data;
	q.qd_len = len;
	*pixels = NULL;
	if (len % 4 != 0) {
		snprintf(why, 128, "%zu bytes, not whole words", len);
		return -1;
	}
	for (i = 0; i < 5; i++)
		hdr[i] = qd_get(&q, 16) << 16 | qd_get(&q, 16);
	if (hdr[0] != QUIC_MAGIC || hdr[1] != QUIC_VERSION ||
	    hdr[2] != QUIC_TYPE_RGB32) {
		snprintf(why, 128, "header %08x %08x type %u", hdr[0], hdr[1],
		    hdr[2]);
		return -1;
	}
	if (hdr[3] == 0 || hdr[4] == 0 ||
	    (uint64_t)hdr[3] * hdr[4] > max_px ||
	    (uint64_t)hdr[3] * hdr[4] > QUIC_DECODE_MAX_PX) {
		snprintf(why, 128, "size %ux%u", hdr[3], hdr[4]);
		return -1;
	}
	quic_state_init(&q.qd_state);
	for (c = 0; c < 3; c++) {
		quic_buckets_init(q.qd_buckets[c]);
		if ((q.qd_res[c] = calloc((size_t)hdr[3] + 1, 1)) == NULL) {
			snprintf(why, 128, "no memory for a %u-pixel row", hdr[3]);
			goto out;
		}
	}
	if ((img = calloc((size_t)hdr[3] * hdr[4], 4)) == NULL) {
		snprintf(why, 128, "no memory for %ux%u", hdr[3], hdr[4]);
		goto out;
	}
	for (y = 0, prev = NULL; y < hdr[4]; y++) {
		if (y > 0)
			for (c = 0; c < 3; c++)
				q.qd_res[c][0] = q.qd_res[c][1];
		if (qd_row(&q, prev, img + (size_t)y * hdr[3] * 4, hdr[3]) != 0) {
			snprintf(why, 128, "row %u: %s", y, q.qd_why);
			goto out;
		}
		if (q.qd_used > (uint64_t)len * 8) {
			snprintf(why, 128, "row %u: past the end", y);
			goto out;
		}
		prev = img + (size_t)y * hdr[3] * 4;
	}
	/* The last word padded, then one more the decoder reads ahead. */
	if ((q.qd_used + 31) / 32 + 1 != len / 4) {
		snprintf(why, 128, "%zu words for %llu bits", len / 4,
		    (unsigned long long)q.qd_used);
		goto out;
	}
	*width = hdr[3];
	*height = hdr[4];
	*pixels = img;
	img = NULL;
	rc = 0;
out:
	for (c = 0; c < 3; c++)
		free(q.qd_res[c]);
	free(img);
	return rc;
}
