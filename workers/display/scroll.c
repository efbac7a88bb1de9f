/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * scroll: see scroll.h.
 */
#include <stdlib.h>
#include <string.h>

#include "scroll.h"

/* Only every this many new rows vote (one vote per text line is
 * plenty), and a shift needs this many votes. */
#define SCROLL_VOTE_STEP	2
#define SCROLL_MIN_VOTES	3

/* A row's hash over one 64-bit word in SCROLL_HASH_STEP bytes, multiply
 * and shift: a quarter of the reads.  Collisions (rows that differ only
 * between the words read) cost a wasted vote at most: every band is
 * checked with memcmp.  Four chains take every fourth word each (one
 * chain waits on each multiply in turn), mixed at the end. */
#define SCROLL_HASH_STEP	32
#define SCROLL_HASH_MUL		0xff51afd7ed558ccdull
static uint64_t
scroll_hash(const uint8_t *row, int32_t w)
{
	uint64_t h[4] = { 0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full,
	    0x165667b19e3779f9ull, 0x27d4eb2f165667c5ull }, v[4];
	size_t n = (size_t)w * 4, i;
	int k;

	for (i = 0; i + 3 * SCROLL_HASH_STEP + 8 <= n;
	    i += 4 * SCROLL_HASH_STEP)
		for (k = 0; k < 4; k++) {
			memcpy(&v[k], row + i + (size_t)k * SCROLL_HASH_STEP,
			    8);
			h[k] = (h[k] ^ v[k]) * SCROLL_HASH_MUL;
			h[k] ^= h[k] >> 29;
		}
	for (; i + 8 <= n; i += SCROLL_HASH_STEP) {
		memcpy(&v[0], row + i, 8);
		h[0] = (h[0] ^ v[0]) * SCROLL_HASH_MUL;
		h[0] ^= h[0] >> 29;
	}
	if (n % 8 != 0) {
		v[0] = 0;
		memcpy(&v[0], row + n - n % 8, n % 8);
		h[0] = (h[0] ^ v[0]) * SCROLL_HASH_MUL;
	}
	h[0] = ((h[0] * SCROLL_HASH_MUL ^ h[1]) * SCROLL_HASH_MUL ^ h[2]) *
	    SCROLL_HASH_MUL ^ h[3];
	return h[0] ^ h[0] >> 32;
}

/* Whether a row is one colour; stops at the first pixel that is not. */
static int
scroll_row_flat(const uint8_t *row, int32_t w)
{
	int32_t x;

	for (x = 1; x < w; x++)
		if (memcmp(row, row + (size_t)x * 4, 4) != 0)
			return 0;
	return 1;
}

int
scroll_find(const uint8_t *old, ptrdiff_t ostride, const uint8_t *new,
    ptrdiff_t nstride, int32_t w, int32_t h, struct scroll_band *band)
{
	return scroll_find_in(old, ostride, new, nstride, w, h, NULL, NULL,
	    band);
}

/* A row's quick key: four words across it (w >= SCROLL_QUICK_MIN_W).
 * Equal rows have equal keys; rows of a photograph or a video differ in
 * them, rows of text often do not. */
#define SCROLL_QUICK_MIN_W	64
static uint64_t
scroll_key(const uint8_t *row, int32_t w)
{
	size_t n = (size_t)w * 4;
	uint64_t v[4], h;

	memcpy(&v[0], row, 8);
	memcpy(&v[1], row + (n / 3 & ~(size_t)7), 8);
	memcpy(&v[2], row + (2 * n / 3 & ~(size_t)7), 8);
	memcpy(&v[3], row + n - 8, 8);
	h = (v[0] ^ 0x9e3779b97f4a7c15ull) * SCROLL_HASH_MUL ^ v[1];
	h = (h ^ h >> 29) * SCROLL_HASH_MUL ^ v[2];
	h = (h ^ h >> 29) * SCROLL_HASH_MUL ^ v[3];
	h = (h ^ h >> 29) * SCROLL_HASH_MUL;
	return h ^ h >> 32;
}

/* The search's tables, for h rows. */
struct scroll_tab {
	uint64_t	*st_ho;		/* old rows' hashes (0: unchanged) */
	int32_t		*st_slot;	/* open addressing, mask st_mask */
	int32_t		*st_votes;	/* per shift, 2h - 1 */
	size_t		 st_mask;
};

/*
 * One voting pass with the full row hash, or with the quick key: the
 * shift with the most votes (index into st_votes).  With quick, *unsure
 * counts the new rows whose vote the full hash might place where the key
 * could not (their old twin's key is shared, or equals their own row's
 * old key): no shift gets more full votes than its quick votes and
 * those.
 */
static int32_t
scroll_vote(struct scroll_tab *t, const uint8_t *old, ptrdiff_t ostride,
    const uint8_t *new, ptrdiff_t nstride, int32_t w, int32_t h,
    const int32_t *lo, const int32_t *hi, int quick, int32_t *unsure)
{
	uint64_t *ho = t->st_ho, hn;
	int32_t *slot = t->st_slot, *votes = t->st_votes, y, y0, d, best;
	size_t i, mask = t->st_mask;

	/* Old rows by hash: slot holds row + 1, negated for a hash that
	 * several rows share (blank lines vote for nothing). */
	memset(slot, 0, (mask + 1) * sizeof(*slot));
	for (y = 0; y < h; y++) {
		if (lo != NULL && hi[y] <= lo[y]) {
			ho[y] = 0;	/* unchanged: no source, no vote */
			continue;
		}
		ho[y] = quick ? scroll_key(old + y * ostride, w) :
		    scroll_hash(old + y * ostride, w);
		for (i = ho[y] & mask; slot[i] != 0 &&
		    ho[abs(slot[i]) - 1] != ho[y]; i = (i + 1) & mask)
			;
		slot[i] = slot[i] == 0 ? y + 1 : -abs(slot[i]);
	}
	/* Every SCROLL_VOTE_STEP-th new row that changed and has a unique
	 * old twin votes for a shift: votes[d + h - 1] for new row y = old
	 * row y - d. */
	memset(votes, 0, 2 * (size_t)h * sizeof(*votes));
	*unsure = 0;
	for (y = 0; y < h; y += SCROLL_VOTE_STEP) {
		if (lo != NULL && hi[y] <= lo[y])
			continue;
		hn = quick ? scroll_key(new + y * nstride, w) :
		    scroll_hash(new + y * nstride, w);
		if (hn == ho[y]) {
			*unsure += quick;
			continue;
		}
		for (i = hn & mask; slot[i] != 0 &&
		    ho[abs(slot[i]) - 1] != hn; i = (i + 1) & mask)
			;
		if (slot[i] <= 0) {
			*unsure += quick && slot[i] < 0;
			continue;
		}
		y0 = slot[i] - 1;
		votes[y - y0 + h - 1]++;
	}
	best = 0;
	for (d = 1; d < 2 * h - 1; d++)
		if (votes[d] > votes[best])
			best = d;
	return best;
}

int
scroll_find_in(const uint8_t *old, ptrdiff_t ostride, const uint8_t *new,
    ptrdiff_t nstride, int32_t w, int32_t h, const int32_t *lo,
    const int32_t *hi, struct scroll_band *band)
{
	struct scroll_tab t;
	int32_t y, d, best, run, moved, unsure, bestrun = 0;
	size_t nslots, rowlen = (size_t)w * 4;
	int found = 0;

	if (w < 1 || h < 2 * SCROLL_MIN_ROWS || h > SCROLL_MAX_ROWS)
		return 0;
	for (nslots = 16; nslots < 2 * (size_t)h; nslots *= 2)
		;
	t.st_mask = nslots - 1;
	if ((t.st_ho = malloc((size_t)h * sizeof(*t.st_ho) + nslots *
	    sizeof(*t.st_slot) + (2 * (size_t)h) * sizeof(*t.st_votes))) ==
	    NULL)
		return -1;
	t.st_slot = (int32_t *)(t.st_ho + h);
	t.st_votes = t.st_slot + nslots;
	/* First with four words a row: where those already rule out every
	 * shift (a new photograph, a video's next frame), the whole rows
	 * are never read. */
	if (w >= SCROLL_QUICK_MIN_W) {
		best = scroll_vote(&t, old, ostride, new, nstride, w, h, lo,
		    hi, 1, &unsure);
		if (t.st_votes[best] + unsure < SCROLL_MIN_VOTES)
			goto out;
	}
	best = scroll_vote(&t, old, ostride, new, nstride, w, h, lo, hi, 0,
	    &unsure);
	if (t.st_votes[best] < SCROLL_MIN_VOTES)
		goto out;
	d = best - (h - 1);
	/* The longest run of rows equal to the old rows d above, of which
	 * enough are content that moved: a row of more than one colour that
	 * replaces a different one (blank rows match anywhere). */
	run = moved = 0;
	for (y = d > 0 ? d : 0; y <= (d > 0 ? h : h + d); y++) {
		if (y < (d > 0 ? h : h + d) && memcmp(new + y * nstride,
		    old + (y - d) * ostride, rowlen) == 0) {
			run++;
			moved += !scroll_row_flat(old + (y - d) * ostride, w) &&
			    memcmp(old + (y - d) * ostride, old + y * ostride,
			    rowlen) != 0;
			continue;
		}
		if (run >= SCROLL_MIN_ROWS && moved >= SCROLL_MIN_ROWS / 2 &&
		    run > bestrun) {
			bestrun = run;
			band->sb_y1 = y - run;
			band->sb_y2 = y;
			band->sb_dy = d;
			found = 1;
		}
		run = moved = 0;
	}
out:
	free(t.st_ho);
	return found;
}
