/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dec-lz: a SPICE LZ (RGB32, and XXXA alpha planes) decoder, written
 * from the format's description in workers/codecs/enc-lz.c (spice-common's lz_decompress_tmpl.c
 * read for its meaning): for LZ images a producer sends (hostile input:
 * fuzz-decode) and for the tests' clients.  It refuses what a client's
 * decoder would trip on: a bad header, a copy reaching before the first
 * pixel or past the last, items past the image, bytes left over.
 */
#ifndef SPICED_LZ_DECODE_H
#define SPICED_LZ_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Largest image it decodes, in pixels. */
#define LZ_DECODE_MAX_PX	(64u * 1024 * 1024)

/* Decode the LZ stream of len bytes at data (what follows the u32 size
 * of SpiceLZRGBData) into *pixels (malloc'd, B,G,R,0 rows of width*4
 * bytes, top row first); an image of more than max_px pixels is refused
 * before anything is allocated.  0, or -1 with why (at least 128 bytes)
 * said. */
int	lz_decode(const uint8_t *data, size_t len, uint64_t max_px,
	    uint32_t *width, uint32_t *height, uint8_t **pixels, char *why);

/* The same for an LZ XXXA stream (a JPEG_ALPHA image's alpha plane):
 * *pixels holds each pixel's alpha in its fourth byte, zeros in the
 * others. */
int	lz_decode_alpha(const uint8_t *data, size_t len, uint64_t max_px,
	    uint32_t *width, uint32_t *height, uint8_t **pixels, char *why);

#endif
