/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-cache: see display-cache.h.
 */
#include <string.h>

#include "display-cache.h"

void
dcache_init(struct dcache *k, uint64_t cap)
{
	memset(k, 0, sizeof(*k));
	k->dk_cap = cap < DCACHE_MAX_PX ? cap : DCACHE_MAX_PX;
}

/* One 8-byte step of a lane. */
static inline uint64_t
dcache_mix(uint64_t h, uint64_t v, uint64_t m)
{
	h = (h ^ v) * m;
	return h ^ h >> 29;
}

/*
 * Four lanes over 32-byte steps, each a chain of multiplies: one chain
 * would wait on each multiply in turn (a 1080p picture is a million of
 * them); four keep the multiplier busy.  Row tails go to lane 0.
 */
uint64_t
dcache_hash(const struct enc_src *src)
{
	const uint64_t m = 0xff51afd7ed558ccdull;
	uint64_t h[4] = { 0x9e3779b97f4a7c15ull ^ src->es_width ^
	    (uint64_t)src->es_height << 32, 0x6a09e667f3bcc908ull,
	    0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull }, v[4];
	size_t rowlen = (size_t)src->es_width * 4, i;
	const uint8_t *row;
	uint32_t y;

	for (y = 0; y < src->es_height; y++) {
		row = src->es_data + (size_t)y * src->es_stride;
		for (i = 0; i + 32 <= rowlen; i += 32) {
			memcpy(v, row + i, 32);
			h[0] = dcache_mix(h[0], v[0], m);
			h[1] = dcache_mix(h[1], v[1], m);
			h[2] = dcache_mix(h[2], v[2], m);
			h[3] = dcache_mix(h[3], v[3], m);
		}
		for (; i + 8 <= rowlen; i += 8) {
			memcpy(&v[0], row + i, 8);
			h[0] = dcache_mix(h[0], v[0], m);
		}
		if (i < rowlen) {
			v[0] = 0;
			memcpy(&v[0], row + i, rowlen - i);
			h[0] = dcache_mix(h[0], v[0], 0xc4ceb9fe1a85ec53ull);
		}
	}
	h[0] = dcache_mix(h[0], h[1], m);
	h[0] = dcache_mix(h[0], h[2], m);
	h[0] = dcache_mix(h[0], h[3], m);
	return h[0] ^ h[0] >> 32;
}

static int
dcache_find(const struct dcache *k, uint64_t id)
{
	unsigned i;

	for (i = 0; i < k->dk_n; i++)
		if (k->dk_e[i].id == id)
			return (int)i;
	return -1;
}

int
dcache_has(struct dcache *k, uint64_t id)
{
	int i;

	if ((i = dcache_find(k, id)) < 0)
		return 0;
	k->dk_e[i].used = ++k->dk_clock;
	return 1;
}

/* Sampled: DCACHE_KEY_ROWS rows spread over the image, the first and
 * the last included, DCACHE_KEY_WORDS words spread over each. */
#define DCACHE_KEY_ROWS		8
#define DCACHE_KEY_WORDS	8
uint64_t
dcache_key(const struct enc_src *src)
{
	const uint64_t m = 0xff51afd7ed558ccdull;
	size_t rowlen = (size_t)src->es_width * 4, span, n, i, j;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ src->es_width ^
	    (uint64_t)src->es_height << 32, v;
	const uint8_t *row;

	n = rowlen < 8 ? rowlen : 8;
	span = rowlen - n;
	for (i = 0; i < DCACHE_KEY_ROWS; i++) {
		row = src->es_data + (size_t)(src->es_height - 1) * i /
		    (DCACHE_KEY_ROWS - 1) * src->es_stride;
		for (j = 0; j < DCACHE_KEY_WORDS; j++) {
			v = 0;
			memcpy(&v, row + span * j / (DCACHE_KEY_WORDS - 1), n);
			h = dcache_mix(h, v, m);
		}
	}
	return h ^ h >> 32;
}

static uint64_t *
dcache_slot(struct dcache *k, uint64_t key)
{
	return &k->dk_seen[key & (DCACHE_SEEN - 1)];
}

int
dcache_seen(struct dcache *k, uint64_t key)
{
	uint64_t *s = dcache_slot(k, key);
	unsigned i;

	if (*s == key)
		return 1;
	for (i = 0; i < k->dk_n; i++)
		if (k->dk_e[i].key == key)
			return 1;
	/* A collision forgets the other image: it is then cached a
	 * sending later, nothing worse. */
	*s = key;
	return 0;
}

int
dcache_add(struct dcache *k, uint64_t id, uint64_t key, uint64_t px,
    uint64_t *evicted)
{
	unsigned i, lru;
	int n = 0;

	if (px > k->dk_cap || dcache_find(k, id) >= 0)
		return -1;
	while (k->dk_n > 0 && (k->dk_used + px > k->dk_cap ||
	    k->dk_n == DCACHE_MAX)) {
		for (lru = 0, i = 1; i < k->dk_n; i++)
			if (k->dk_e[i].used < k->dk_e[lru].used)
				lru = i;
		evicted[n++] = k->dk_e[lru].id;
		/* It came back once: let it in again next time. */
		*dcache_slot(k, k->dk_e[lru].key) = k->dk_e[lru].key;
		k->dk_used -= k->dk_e[lru].px;
		k->dk_e[lru] = k->dk_e[--k->dk_n];
	}
	k->dk_e[k->dk_n].id = id;
	k->dk_e[k->dk_n].px = px;
	k->dk_e[k->dk_n].key = key;
	k->dk_e[k->dk_n].used = ++k->dk_clock;
	k->dk_n++;
	k->dk_used += px;
	return n;
}

void
dcache_forget(struct dcache *k, uint64_t id)
{
	int i;

	if ((i = dcache_find(k, id)) < 0)
		return;
	k->dk_used -= k->dk_e[i].px;
	k->dk_e[i] = k->dk_e[--k->dk_n];
}
