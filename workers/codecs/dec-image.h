/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dec-image: images a producer sends compressed (SPICE_IMAGE_TYPE_QUIC,
 * LZ_RGB, JPEG), decoded in the display worker's sandbox into x8r8g8b8
 * pixels.  The streams are hostile input: every decoder checks sizes
 * before it allocates and every read against the stream's end
 * (fuzz-decode).
 */
#ifndef SPICED_DEC_IMAGE_H
#define SPICED_DEC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Decode the stream of len bytes at data (what follows the image's u32
 * data_size) of an image of type that must be width x height into
 * *pixels (malloc'd, rows of width * 4 bytes B,G,R,X, top first).  0, or
 * -1 with err set (a stream that does not decode, another size). */
int	dec_image(uint8_t type, const uint8_t *data, size_t len,
	    uint32_t width, uint32_t height, uint8_t **pixels,
	    struct spd_err *err);

#endif
