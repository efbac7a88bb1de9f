/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-decode: the decoders of images a producer sends compressed
 * (workers/codecs/dec-image.c: QUIC, LZ, JPEG through libjpeg-turbo) on
 * arbitrary streams, as a hostile producer would send them.  Input: byte
 * 0 picks the type, bytes 1-2 the width (1..512) and byte 3 the height
 * (1..64) the image claims; the rest is the stream.
 *
 * Invariants: a stream decodes to exactly the claimed size (every byte
 * of it readable: ASan checks) or is refused with a reason and nothing
 * allocated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>

#include "dec-image.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint32_t fuzz_sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t types[3] = { SPICE_IMAGE_TYPE_QUIC,
	    SPICE_IMAGE_TYPE_LZ_RGB, SPICE_IMAGE_TYPE_JPEG };
	struct spd_err err;
	uint32_t w, h;
	uint8_t *px, *copy;
	size_t i;
	int rc;

	if (size < 4)
		return 0;
	w = ((uint32_t)data[1] | (uint32_t)data[2] << 8) % 512 + 1;
	h = data[3] % 64 + 1;
	/* A private copy of exactly the stream's size: a read past it is
	 * seen. */
	if ((copy = malloc(size - 4 + 1)) == NULL)
		return 0;
	memcpy(copy, data + 4, size - 4);
	memset(&err, 0, sizeof(err));
	rc = dec_image(types[data[0] % 3], copy, size - 4, w, h, &px, &err);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		FUZZ_CHECK(px != NULL);
		for (i = 0; i < (size_t)w * h * 4; i++)
			fuzz_sink += px[i];
		free(px);
	} else
		FUZZ_CHECK(px == NULL && err.msg[0] != '\0');
	free(copy);
	return 0;
}
