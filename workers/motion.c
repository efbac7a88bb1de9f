/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * motion: see motion.h.
 */
#include <stdlib.h>
#include <string.h>

#include "motion.h"

/* Rolling hash base (odd), and its power MOTION_SEG, mod 2^64. */
#define MOTION_B	0x100000001b3ull
#define MOTION_VOTES	64		/* shifts tracked at once */
#define MOTION_ENOUGH	24		/* votes that end the scan early */
#define MOTION_MIN_VOTES 3

struct motion_anchor {
	uint64_t	ma_hash;
	int32_t		ma_x, ma_y;	/* ma_x < 0: a hash seen twice */
};

struct motion_vote {
	int32_t		mv_dx, mv_dy;
	int32_t		mv_n;
	int32_t		mv_x, mv_y;	/* where it was first seen, in new */
};

static uint64_t
motion_pow(void)
{
	uint64_t p = 1;
	int i;

	for (i = 0; i < MOTION_SEG; i++)
		p *= MOTION_B;
	return p;
}

static inline uint32_t
motion_px(const uint8_t *row, int32_t x)
{
	uint32_t v;

	memcpy(&v, row + (size_t)x * 4, 4);
	return v;
}

static uint64_t
motion_seg_hash(const uint8_t *row, int32_t x)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < MOTION_SEG; i++)
		h = h * MOTION_B + motion_px(row, x + i) + 1;
	return h;
}

static int
motion_flat(const uint8_t *row, int32_t x)
{
	uint32_t c = motion_px(row, x);
	int i;

	for (i = 1; i < MOTION_SEG; i++)
		if (motion_px(row, x + i) != c)
			return 0;
	return 1;
}

/* One more vote for (dx, dy); returns its votes. */
static int32_t
motion_vote(struct motion_vote *v, int *nv, int32_t dx, int32_t dy,
    int32_t x, int32_t y)
{
	int i;

	for (i = 0; i < *nv; i++)
		if (v[i].mv_dx == dx && v[i].mv_dy == dy)
			return ++v[i].mv_n;
	if (*nv == MOTION_VOTES)
		return 0;
	v[*nv] = (struct motion_vote){ dx, dy, 1, x, y };
	(*nv)++;
	return 1;
}

/* Whether pixels [x, x + n) of new row y equal old row y - dy at x - dx. */
static int
motion_same(const uint8_t *old, ptrdiff_t ostride, const uint8_t *new,
    ptrdiff_t nstride, int32_t x, int32_t y, int32_t n, int32_t dx,
    int32_t dy)
{
	return memcmp(new + y * nstride + (ptrdiff_t)x * 4, old + (y - dy) *
	    ostride + (ptrdiff_t)(x - dx) * 4, (size_t)n * 4) == 0;
}

/* The rectangle of shift v, grown from where it was seen. */
static int
motion_grow(const uint8_t *old, ptrdiff_t ostride, const uint8_t *new,
    ptrdiff_t nstride, int32_t w, int32_t h, const struct motion_vote *v,
    struct motion_rect *r)
{
	int32_t dx = v->mv_dx, dy = v->mv_dy, x = v->mv_x, y, y1, y2;
	int32_t lo = dx > 0 ? dx : 0, hi = dx < 0 ? w + dx : w;
	int32_t ylo = dy > 0 ? dy : 0, yhi = dy < 0 ? h + dy : h;
	int32_t l = lo, rr = hi, a, b;

	if (!motion_same(old, ostride, new, nstride, x, v->mv_y, MOTION_SEG,
	    dx, dy))
		return 0;
	for (y1 = v->mv_y; y1 > ylo && motion_same(old, ostride, new,
	    nstride, x, y1 - 1, MOTION_SEG, dx, dy); y1--)
		;
	for (y2 = v->mv_y + 1; y2 < yhi && motion_same(old, ostride, new,
	    nstride, x, y2, MOTION_SEG, dx, dy); y2++)
		;
	/* Each row's matching span around the segment; the rectangle is
	 * where they all match. */
	for (y = y1; y < y2; y++) {
		for (a = x; a > l && motion_px(new + y * nstride, a - 1) ==
		    motion_px(old + (y - dy) * ostride, a - 1 - dx); a--)
			;
		for (b = x + MOTION_SEG; b < rr && motion_px(new + y *
		    nstride, b) == motion_px(old + (y - dy) * ostride, b - dx);
		    b++)
			;
		l = a;
		rr = b;
	}
	if (rr - l < MOTION_MIN_W || y2 - y1 < MOTION_MIN_H)
		return 0;
	*r = (struct motion_rect){ l, y1, rr, y2, dx, dy };
	return 1;
}

int
motion_find(const uint8_t *old, ptrdiff_t ostride, const uint8_t *new,
    ptrdiff_t nstride, int32_t w, int32_t h, struct motion_rect *r)
{
	struct motion_anchor *tab;
	struct motion_vote votes[MOTION_VOTES];
	uint64_t *filter, pw = motion_pow(), hash;
	size_t nslots, mask, i, na;
	int32_t x, y, best = -1;
	int nv = 0, found = 0;
	const uint8_t *row;

	if (w < MOTION_MIN_W || h < MOTION_MIN_H || w > MOTION_MAX_DIM ||
	    h > MOTION_MAX_DIM)
		return 0;
	na = ((size_t)h / MOTION_AY + 1) * ((size_t)w / MOTION_SEG + 1);
	for (nslots = 64; nslots < 2 * na; nslots *= 2)
		;
	mask = nslots - 1;
	if ((tab = calloc(nslots, sizeof(*tab))) == NULL)
		return -1;
	if ((filter = calloc(1024, sizeof(*filter))) == NULL) {
		free(tab);
		return -1;
	}
	/* Anchors; slot empty when ma_hash == 0 (hashes are never 0 in
	 * practice; one that is only misses an anchor). */
	for (y = 0; y < h; y += MOTION_AY)
		for (x = 0; x + MOTION_SEG <= w; x += MOTION_SEG) {
			row = old + y * ostride;
			if (motion_flat(row, x) ||
			    (hash = motion_seg_hash(row, x)) == 0)
				continue;
			for (i = hash & mask; tab[i].ma_hash != 0 &&
			    tab[i].ma_hash != hash; i = (i + 1) & mask)
				;
			if (tab[i].ma_hash == hash)
				tab[i].ma_x = -1;
			else
				tab[i] = (struct motion_anchor){ hash, x, y };
			filter[(hash >> 48) & 1023] |= 1ull << ((hash >> 42) & 63);
		}
	/* The new content, every position. */
	for (y = 0; y < h && !found; y++) {
		row = new + y * nstride;
		hash = 0;
		for (x = 0; x < w; x++) {
			hash = hash * MOTION_B + motion_px(row, x) + 1;
			if (x >= MOTION_SEG)
				hash -= pw * (motion_px(row, x - MOTION_SEG) + 1);
			if (x < MOTION_SEG - 1 || !(filter[(hash >> 48) &
			    1023] & 1ull << ((hash >> 42) & 63)))
				continue;
			for (i = hash & mask; tab[i].ma_hash != 0 &&
			    tab[i].ma_hash != hash; i = (i + 1) & mask)
				;
			if (tab[i].ma_hash != hash || tab[i].ma_x < 0)
				continue;
			if (tab[i].ma_x == x + 1 - MOTION_SEG &&
			    tab[i].ma_y == y)
				continue;	/* in place: no news */
			if (motion_vote(votes, &nv, x + 1 - MOTION_SEG -
			    tab[i].ma_x, y - tab[i].ma_y, x + 1 - MOTION_SEG,
			    y) >= MOTION_ENOUGH)
				found = 1;
		}
	}
	for (i = 0; i < (size_t)nv; i++)
		if (votes[i].mv_n >= MOTION_MIN_VOTES &&
		    (best < 0 || votes[i].mv_n > votes[best].mv_n))
			best = (int32_t)i;
	found = best >= 0 && motion_grow(old, ostride, new, nstride, w, h,
	    &votes[best], r);
	free(filter);
	free(tab);
	return found;
}
