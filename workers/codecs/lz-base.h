/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lz-base: what the encoders of SPICE's LZ (enc-lz) and GLZ (enc-glz)
 * images share: their pixels packed as 24-bit values (R, G and B; the X
 * byte decodes as 0, so it is never compared), literal runs (a control
 * byte n - 1 below 32, then B, G, R a pixel), the hash of three pixels
 * that finds match candidates, and big-endian header words.
 */
#ifndef SPICED_LZ_BASE_H
#define SPICED_LZ_BASE_H

#include <stddef.h>
#include <stdint.h>

#include "enc.h"

#define LZB_MAX_LITERALS	32
#define LZB_MIN_MATCH		3	/* pixels the hash covers */

/* The pixels of src, row after row, into px (width * height of them). */
void	lzb_pack(const struct enc_src *src, uint32_t *px);

/* n literal pixels (1..LZB_MAX_LITERALS) from p, at o; the bytes used
 * (1 + 3 * n). */
size_t	lzb_literals(uint8_t *o, const uint32_t *p, size_t n);

/* v big-endian at p. */
void	lzb_put32(uint8_t *p, uint32_t v);

/* The hash of p[0..2] in log bits. */
static inline uint32_t
lzb_hash(const uint32_t *p, unsigned log)
{
	uint32_t h = p[0] * 0x9e3779b1u ^ p[1] * 0x85ebca77u ^
	    p[2] * 0xc2b2ae3du;

	return h >> (32 - log);
}

#endif
