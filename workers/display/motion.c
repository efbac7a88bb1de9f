/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * motion: see motion.h.
 */
#include <stdlib.h>
#include <string.h>

#include "motion.h"

/* Rolling hash base (odd), and its power MOTION_SEG, mod 2^64. */
#define MOTION_B	0x100000001b3ull
#define MOTION_VOTES	4096		/* shifts counted (a power of 2) */
#define MOTION_ENOUGH	24		/* votes that make a shift tried */
#define MOTION_BUSY	4		/* colour changes an anchor needs */
#define MOTION_MIN_VOTES 4		/* ... and a shift tried at the end */
#define MOTION_LATE_TRIES 8
/* Areas at least MOTION_PROBE_MIN each way are probed first: anchors
 * on every MOTION_PROBE_AY-th row, new rows scanned in runs of that many
 * every MOTION_PROBE_STEP rows (whatever the vertical shift, one row of
 * a run lands on an anchor row), about a quarter of the search.  With
 * no shift seen MOTION_PROBE_VOTES times the search ends there: what
 * moved, if anything, is too small to be worth it (a new photograph,
 * most of a redraw).  Else the rest of the anchors and the full scan
 * follow. */
#define MOTION_PROBE_MIN	256
#define MOTION_PROBE_AY		4
#define MOTION_PROBE_STEP	64
#define MOTION_PROBE_VOTES	2
/* The anchors' filter: bits per anchor, and its bounds (64 Kibit to
 * 4 Mibit: 8 KiB to 512 KiB), powers of 2. */
#define MOTION_FILTER_BITS	32
#define MOTION_FILTER_MIN_LOG	16
#define MOTION_FILTER_MIN	((size_t)1 << MOTION_FILTER_MIN_LOG)
#define MOTION_FILTER_MAX	((size_t)1 << 22)

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

/* The rolling hash of the segment at x, sum (px + 1) * B^(15 - i), as
 * four chains of four pixels put together (the same value; one chain of
 * sixteen multiplies waits on each in turn). */
_Static_assert(MOTION_SEG == 16, "motion_seg_hash works in fours");
static uint64_t
motion_seg_hash(const uint8_t *row, int32_t x)
{
	static const uint64_t b4 = MOTION_B * MOTION_B * MOTION_B * MOTION_B;
	uint64_t c[4] = { 0, 0, 0, 0 };
	int i, k;

	for (i = 0; i < 4; i++)
		for (k = 0; k < 4; k++)
			c[k] = c[k] * MOTION_B + motion_px(row, x + 4 * k + i) +
			    1;
	return ((c[0] * b4 + c[1]) * b4 + c[2]) * b4 + c[3];
}

/* Whether a segment says enough to anchor on: one colour or a smooth
 * gradient (a step or two) matches itself a pixel away and everywhere
 * else; text and pictures change colour often. */
static int
motion_busy(const uint8_t *row, int32_t x)
{
	int i, changes = 0;

	for (i = 1; i < MOTION_SEG; i++)
		changes += motion_px(row, x + i) != motion_px(row, x + i - 1);
	return changes >= MOTION_BUSY;
}

/* One more vote for (dx, dy) in the table of MOTION_VOTES shifts
 * (mv_n 0: a free entry); returns its entry, or NULL when the table is
 * three quarters full (text repeats, so chance matches make many shifts;
 * the real one has come by then).  Shifts already tried in vain (mv_n
 * < 0) stay so. */
static struct motion_vote *
motion_vote(struct motion_vote *v, int *nv, int32_t dx, int32_t dy,
    int32_t x, int32_t y)
{
	size_t i = ((uint32_t)dx * 0x9e3779b1u ^ (uint32_t)dy * 0x85ebca77u) &
	    (MOTION_VOTES - 1);

	for (; v[i].mv_n != 0; i = (i + 1) & (MOTION_VOTES - 1))
		if (v[i].mv_dx == dx && v[i].mv_dy == dy) {
			if (v[i].mv_n > 0)
				v[i].mv_n++;
			if (v[i].mv_x < 0) {
				v[i].mv_x = x;
				v[i].mv_y = y;
			}
			return &v[i];
		}
	if (*nv >= MOTION_VOTES / 4 * 3)
		return NULL;
	(*nv)++;
	v[i] = (struct motion_vote){ dx, dy, 1, x, y };
	return &v[i];
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
		/* Most rows match over the whole span so far: one compare. */
		if (motion_same(old, ostride, new, nstride, l, y, rr - l, dx,
		    dy))
			continue;
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

/* Whether (x, y) lies in one of the n rectangles found. */
static int
motion_inside(const struct motion_rect *r, int n, int32_t x, int32_t y)
{
	int i;

	for (i = 0; i < n; i++)
		if (x >= r[i].mr_x1 && x < r[i].mr_x2 && y >= r[i].mr_y1 &&
		    y < r[i].mr_y2)
			return 1;
	return 0;
}

/* The first segment start from a on in [a, b) of row y outside the n
 * rectangles found, or b; *end: where that run outside them ends. */
static int32_t
motion_gap(const struct motion_rect *r, int n, int32_t y, int32_t a,
    int32_t b, int32_t *end)
{
	int i, moved = 1;

	while (moved && a < b)
		for (i = 0, moved = 0; i < n; i++)
			if (y >= r[i].mr_y1 && y < r[i].mr_y2 &&
			    a >= r[i].mr_x1 && a < r[i].mr_x2) {
				a = r[i].mr_x2;
				moved = 1;
			}
	*end = b;
	for (i = 0; i < n; i++)
		if (y >= r[i].mr_y1 && y < r[i].mr_y2 && r[i].mr_x1 > a &&
		    r[i].mr_x1 < *end)
			*end = r[i].mr_x1;
	return a < b ? a : b;
}

/*
 * The search's tables, kept from one call to the next (one thread): a
 * display worker searches every frame, and megabytes taken fresh each
 * time cost page faults and the kernel's zeroing of every page.  Only
 * the part a call uses is cleared.
 */
/* A position of a scanned row whose segment passed the filter. */
struct motion_cand {
	uint64_t	mc_hash;
	int32_t		mc_x;		/* the segment's last pixel */
};

#define MOTION_LANES	4

/*
 * The positions x in [x0 + MOTION_SEG - 1, x1) of row whose segment
 * (the MOTION_SEG pixels ending at x) passes the filter, in order, into
 * cand; returns how many.  The rolling hash is a chain of multiplies:
 * the row goes in MOTION_LANES parts side by side, each with a chain of
 * its own, so that they overlap.  next, the row scanned after this one
 * (or NULL), is asked of memory meanwhile: rows MOTION_SCAN apart are
 * too short a stream for the hardware's prefetcher to find.
 */
static size_t
motion_candidates(const uint8_t *row, const uint8_t *next, int32_t x0,
    int32_t x1, const uint64_t *filter, unsigned fshift, uint64_t pw,
    struct motion_cand *cand)
{
	int32_t first = x0 + MOTION_SEG - 1, n = x1 - first, len, j, x;
	int32_t start[MOTION_LANES], end[MOTION_LANES], common;
	size_t cnt[MOTION_LANES], total = 0;
	uint64_t h[MOTION_LANES], f;
	int k;

	if (n <= 0)
		return 0;
	len = (n + MOTION_LANES - 1) / MOTION_LANES;
	for (k = 0; k < MOTION_LANES; k++) {
		start[k] = first + k * len < x1 ? first + k * len : x1;
		end[k] = start[k] + len < x1 ? start[k] + len : x1;
		cnt[k] = 0;
		h[k] = start[k] < end[k] ? motion_seg_hash(row,
		    start[k] - MOTION_SEG + 1) : 0;
	}
	/* Only the last lane can be short: up to its end, every lane
	 * steps without a bounds check. */
	common = end[MOTION_LANES - 1] - start[MOTION_LANES - 1];
	for (j = 0; j < len; j++) {
		if (next != NULL && j % 16 == 0)
			for (k = 0; k < MOTION_LANES; k++)
				__builtin_prefetch(next + (size_t)(start[k] +
				    j) * 4);
		for (k = 0; k < MOTION_LANES; k++) {
			x = start[k] + j;
			if (j >= common && x >= end[k])
				continue;
			if (j > 0)
				h[k] = h[k] * MOTION_B + motion_px(row, x) + 1 -
				    pw * (motion_px(row, x - MOTION_SEG) + 1);
			f = h[k] >> fshift;
			if (filter[f >> 6] & 1ull << (f & 63))
				cand[start[k] - first + (int32_t)cnt[k]++] =
				    (struct motion_cand){ h[k], x };
		}
	}
	/* Each lane's run of candidates after the one before. */
	for (k = 0; k < MOTION_LANES; k++) {
		if (cnt[k] != 0 && start[k] - first != (int32_t)total)
			memmove(&cand[total], &cand[start[k] - first],
			    cnt[k] * sizeof(*cand));
		total += cnt[k];
	}
	return total;
}

static void	*motion_scratch;
static size_t	 motion_scratch_len;

static void *
motion_scratch_get(size_t len)
{
	void *p;

	if (len > motion_scratch_len) {
		if ((p = malloc(len)) == NULL)
			return NULL;
		free(motion_scratch);
		motion_scratch = p;
		motion_scratch_len = len;
	}
	memset(motion_scratch, 0, len);
	return motion_scratch;
}

int
motion_find(const uint8_t *old, ptrdiff_t ostride, const uint8_t *new,
    ptrdiff_t nstride, int32_t w, int32_t h, struct motion_rect *r, int max)
{
	return motion_find_in(old, ostride, new, nstride, w, h, NULL, NULL,
	    r, max);
}

/* One search: its inputs, tables and results. */
struct motion_search {
	const uint8_t		*ms_old, *ms_new;
	ptrdiff_t		 ms_ostride, ms_nstride;
	int32_t			 ms_w, ms_h;
	struct motion_anchor	*ms_tab;
	size_t			 ms_mask;
	uint64_t		*ms_filter;
	unsigned		 ms_fshift;
	struct motion_vote	*ms_votes;
	int			 ms_nv;
	struct motion_rect	*ms_r;
	int			 ms_found, ms_max;
	int			 ms_probe;	/* count votes, try nothing */
	int32_t			 ms_most;	/* the most votes a shift got */
};

static size_t
motion_slot(const struct motion_search *ms, uint64_t hash)
{
	size_t i;

	for (i = hash & ms->ms_mask; ms->ms_tab[i].ma_hash != 0 &&
	    ms->ms_tab[i].ma_hash != hash; i = (i + 1) & ms->ms_mask)
		;
	return i;
}

/* The anchors of old row y, segments starting in [x0, x1) (the next
 * row to come is step rows on).  The row's are hashed first, their
 * slots asked of memory, then filled: the table is megabytes, a miss a
 * slot, and misses taken together overlap. */
static void
motion_anchor_row(struct motion_search *ms, int32_t y, int32_t step,
    int32_t x0, int32_t x1)
{
	const uint8_t *row = ms->ms_old + y * ms->ms_ostride;
	uint64_t rh[MOTION_MAX_DIM / MOTION_AX + 1], hash, f;
	int32_t rx[MOTION_MAX_DIM / MOTION_AX + 1], x;
	struct motion_anchor *a;
	int n = 0, k;

	for (x = x0; x < x1; x += MOTION_AX) {
		if (y + step < ms->ms_h)  /* the next row's, as in the scan */
			__builtin_prefetch(row + step * ms->ms_ostride +
			    (ptrdiff_t)x * 4);
		if (motion_busy(row, x) &&
		    (hash = motion_seg_hash(row, x)) != 0) {
			__builtin_prefetch(&ms->ms_tab[hash & ms->ms_mask], 1);
			rh[n] = hash;
			rx[n++] = x;
		}
	}
	for (k = 0; k < n; k++) {
		a = &ms->ms_tab[motion_slot(ms, rh[k])];
		if (a->ma_hash == rh[k])
			a->ma_x = -1;
		else
			*a = (struct motion_anchor){ rh[k], rx[k], y };
		f = rh[k] >> ms->ms_fshift;
		ms->ms_filter[f >> 6] |= 1ull << (f & 63);
	}
}

/* The votes of new row y's candidates. */
static void
motion_vote_row(struct motion_search *ms, int32_t y,
    const struct motion_cand *cand, size_t nc)
{
	const struct motion_anchor *a;
	struct motion_vote *v;
	int32_t sx;
	size_t k;

	for (k = 0; k < nc && ms->ms_found < ms->ms_max; k++) {
		a = &ms->ms_tab[motion_slot(ms, cand[k].mc_hash)];
		sx = cand[k].mc_x + 1 - MOTION_SEG;
		if (a->ma_hash != cand[k].mc_hash || a->ma_x < 0 ||
		    (a->ma_x == sx && a->ma_y == y) ||
		    motion_inside(ms->ms_r, ms->ms_found, sx, y))
			continue;	/* no anchor, in place, known */
		/* A shift with enough votes is tried at once; it counts
		 * again from nothing if it held (another part may have moved
		 * alike), never again if not. */
		if ((v = motion_vote(ms->ms_votes, &ms->ms_nv, sx - a->ma_x,
		    y - a->ma_y, sx, y)) == NULL)
			continue;
		if (v->mv_n > ms->ms_most)
			ms->ms_most = v->mv_n;
		if (ms->ms_probe || v->mv_n != MOTION_ENOUGH)
			continue;
		if (motion_grow(ms->ms_old, ms->ms_ostride, ms->ms_new,
		    ms->ms_nstride, ms->ms_w, ms->ms_h, v,
		    &ms->ms_r[ms->ms_found])) {
			ms->ms_found++;
			v->mv_n = 1;
			v->mv_x = -1;	/* re-seeded by the next vote */
		} else
			v->mv_n = -1;
	}
}

/* Segment starts [x0, x1) of row y: those touching the row's change
 * (for anchors, grid: from a point of their grid), or 0 when it did not
 * change. */
static int
motion_span(const int32_t *lo, const int32_t *hi, int32_t w, int32_t y,
    int grid, int32_t *x0, int32_t *x1)
{
	*x0 = 0;
	*x1 = w - MOTION_SEG + 1;
	if (lo == NULL)
		return 1;
	if (hi[y] <= lo[y])
		return 0;
	if (lo[y] - MOTION_SEG + 1 > 0)
		*x0 = grid ? (lo[y] - MOTION_SEG + 1) / MOTION_AX * MOTION_AX :
		    lo[y] - MOTION_SEG + 1;
	if (hi[y] < w - MOTION_SEG + 1)
		*x1 = hi[y];
	return 1;
}

/* Old rows y = y0, y0 + step, ... get their anchors. */
static void
motion_anchors(struct motion_search *ms, const int32_t *lo,
    const int32_t *hi, int32_t y0, int32_t step)
{
	int32_t y, x0, x1;

	for (y = y0; y < ms->ms_h; y += step)
		if (motion_span(lo, hi, ms->ms_w, y, 1, &x0, &x1))
			motion_anchor_row(ms, y, step, x0, x1);
}

/* The row scanned after y: runs of run rows every step. */
static int32_t
motion_next_row(int32_t y, int32_t step, int32_t run)
{
	return (y + 1) % step < run ? y + 1 : y - y % step + step;
}

/* New rows in runs of run every step rows, every position of them but
 * for segments starting inside a move found already (they would be
 * passed over): the row is hashed around them. */
static void
motion_scan(struct motion_search *ms, const int32_t *lo, const int32_t *hi,
    uint64_t pw, struct motion_cand *cand, int32_t step, int32_t run)
{
	const uint8_t *row, *next;
	int32_t y, ny, x0, x1, sa, sb;

	for (y = 0; y < ms->ms_h && ms->ms_found < ms->ms_max; y = ny) {
		ny = motion_next_row(y, step, run);
		if (!motion_span(lo, hi, ms->ms_w, y, 0, &x0, &x1))
			continue;
		row = ms->ms_new + y * ms->ms_nstride;
		next = ny < ms->ms_h ? ms->ms_new + ny * ms->ms_nstride : NULL;
		for (sa = motion_gap(ms->ms_r, ms->ms_found, y, x0, x1, &sb);
		    sa < x1 && ms->ms_found < ms->ms_max;
		    sa = motion_gap(ms->ms_r, ms->ms_found, y, sb, x1, &sb))
			motion_vote_row(ms, y, cand, motion_candidates(row,
			    next, sa, sb + MOTION_SEG - 1, ms->ms_filter,
			    ms->ms_fshift, pw, cand));
	}
}

int
motion_find_in(const uint8_t *old, ptrdiff_t ostride, const uint8_t *new,
    ptrdiff_t nstride, int32_t w, int32_t h, const int32_t *lo,
    const int32_t *hi, struct motion_rect *r, int max)
{
	struct motion_search ms = { old, new, ostride, nstride, w, h, NULL,
	    0, NULL, 0, NULL, 0, r, 0, max, 0, 0 };
	struct motion_cand *cand;
	size_t nslots, i, na, nbits;
	uint64_t pw = motion_pow();
	uint8_t *scratch;
	int32_t y, x;

	if (w < MOTION_MIN_W || h < MOTION_MIN_H || w > MOTION_MAX_DIM ||
	    h > MOTION_MAX_DIM || max < 1)
		return 0;
	na = (size_t)h * ((size_t)w / MOTION_AX + 1);
	for (nslots = 64; nslots < 2 * na; nslots *= 2)
		;
	ms.ms_mask = nslots - 1;
	/* The filter keeps most scanned positions out of the table (a
	 * cache miss each): MOTION_FILTER_BITS bits an anchor, so that a
	 * picture whose every row is new (a photograph) fills a few
	 * percent of it. */
	for (nbits = MOTION_FILTER_MIN, ms.ms_fshift = 64 -
	    MOTION_FILTER_MIN_LOG; nbits < MOTION_FILTER_BITS * na &&
	    nbits < MOTION_FILTER_MAX; nbits *= 2, ms.ms_fshift--)
		;
	if ((scratch = motion_scratch_get(nslots * sizeof(*ms.ms_tab) +
	    nbits / 8 + (size_t)w * sizeof(*cand) +
	    MOTION_VOTES * sizeof(*ms.ms_votes))) == NULL)
		return -1;
	/* Each part's size is a multiple of the next one's alignment. */
	ms.ms_tab = (struct motion_anchor *)scratch;
	ms.ms_filter = (uint64_t *)(scratch + nslots * sizeof(*ms.ms_tab));
	cand = (struct motion_cand *)(scratch + nslots * sizeof(*ms.ms_tab) +
	    nbits / 8);
	ms.ms_votes = (struct motion_vote *)(scratch + nslots *
	    sizeof(*ms.ms_tab) + nbits / 8 + (size_t)w * sizeof(*cand));
	/* Anchors (slot empty when ma_hash == 0: hashes are never 0 in
	 * practice; one that is only misses an anchor), then the scan. */
	if (w >= MOTION_PROBE_MIN && h >= MOTION_PROBE_MIN) {
		ms.ms_probe = 1;
		motion_anchors(&ms, lo, hi, 0, MOTION_PROBE_AY);
		motion_scan(&ms, lo, hi, pw, cand, MOTION_PROBE_STEP,
		    MOTION_PROBE_AY);
		if (ms.ms_most < MOTION_PROBE_VOTES)
			return 0;
		ms.ms_probe = 0;
		ms.ms_nv = 0;
		memset(ms.ms_votes, 0, MOTION_VOTES * sizeof(*ms.ms_votes));
		for (y = 1; y < MOTION_PROBE_AY; y++)
			motion_anchors(&ms, lo, hi, y, MOTION_PROBE_AY);
	} else
		motion_anchors(&ms, lo, hi, 0, 1);
	motion_scan(&ms, lo, hi, pw, cand, MOTION_SCAN, 1);
	/* Small moves never got MOTION_ENOUGH votes: a few of those with
	 * some are tried at the end. */
	for (i = 0, x = 0; i < MOTION_VOTES && ms.ms_found < max &&
	    x < MOTION_LATE_TRIES; i++)
		if (ms.ms_votes[i].mv_n >= MOTION_MIN_VOTES &&
		    ms.ms_votes[i].mv_x >= 0) {
			x++;
			if (motion_grow(old, ostride, new, nstride, w, h,
			    &ms.ms_votes[i], &r[ms.ms_found]) &&
			    !motion_inside(r, ms.ms_found,
			    ms.ms_votes[i].mv_x, ms.ms_votes[i].mv_y))
				ms.ms_found++;
		}
	return ms.ms_found;
}
