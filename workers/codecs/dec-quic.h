/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dec-quic: a QUIC decoder (RGB32 images), the mirror of
 * workers/codecs/enc-quic.c on the shared model (workers/codecs/quic-model.c), written
 * from the format's description (SPICE-NOTES 4.6): for QUIC images a
 * producer sends (hostile input: fuzz-decode) and for the tests' clients.
 * It refuses what a client's decoder would trip on: the header, codewords
 * that fold to no residual, runs past the row, and reading past the end.
 */
#ifndef SPICED_QUIC_DECODE_H
#define SPICED_QUIC_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Largest image it decodes, in pixels. */
#define QUIC_DECODE_MAX_PX	(64u * 1024 * 1024)

/*
 * Decode the QUIC stream of len bytes at data (what follows the u32
 * size of SpiceQUICData) into *pixels (malloc'd, B,G,R,0 rows of width*4
 * bytes) and its size; an image of more than max_px pixels (what the
 * caller expects at most) is refused before anything is allocated.  0,
 * or -1 with why (at least 128 bytes) said.
 */
int	quic_decode(const uint8_t *data, size_t len, uint64_t max_px,
	    uint32_t *width, uint32_t *height, uint8_t **pixels, char *why);

#endif
