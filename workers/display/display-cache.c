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

uint64_t
dcache_hash(const struct enc_src *src)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ src->es_width ^
	    (uint64_t)src->es_height << 32, v;
	size_t rowlen = (size_t)src->es_width * 4, i;
	const uint8_t *row;
	uint32_t y;

	for (y = 0; y < src->es_height; y++) {
		row = src->es_data + (size_t)y * src->es_stride;
		for (i = 0; i + 8 <= rowlen; i += 8) {
			memcpy(&v, row + i, 8);
			h = (h ^ v) * 0xff51afd7ed558ccdull;
			h ^= h >> 29;
		}
		if (i < rowlen) {
			v = 0;
			memcpy(&v, row + i, rowlen - i);
			h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
			h ^= h >> 29;
		}
	}
	return h ^ h >> 32;
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

int
dcache_add(struct dcache *k, uint64_t id, uint64_t px, uint64_t *evicted)
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
		k->dk_used -= k->dk_e[lru].px;
		k->dk_e[lru] = k->dk_e[--k->dk_n];
	}
	k->dk_e[k->dk_n].id = id;
	k->dk_e[k->dk_n].px = px;
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
