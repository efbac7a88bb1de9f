/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lz-base: see lz-base.h.
 */
#include "lz-base.h"

void
lzb_pack(const struct enc_src *src, uint32_t *px)
{
	const uint8_t *row;
	uint32_t x, y;

	for (y = 0; y < src->es_height; y++) {
		row = src->es_data + (size_t)y * src->es_stride;
		for (x = 0; x < src->es_width; x++)
			*px++ = (uint32_t)row[x * 4] |
			    (uint32_t)row[x * 4 + 1] << 8 |
			    (uint32_t)row[x * 4 + 2] << 16;
	}
}

size_t
lzb_literals(uint8_t *o, const uint32_t *p, size_t n)
{
	size_t i, k = 0;

	o[k++] = (uint8_t)(n - 1);
	for (i = 0; i < n; i++) {
		o[k++] = (uint8_t)p[i];		/* B */
		o[k++] = (uint8_t)(p[i] >> 8);	/* G */
		o[k++] = (uint8_t)(p[i] >> 16);	/* R */
	}
	return k;
}

void
lzb_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
