/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * image-dec: spiced's decoders of its lossless codecs (workers/codecs/dec-quic.c,
 * dec-lz.c) for the Python tests' raw clients.
 *
 *	image-dec quic|lz|lzalpha
 *
 * Reads the stream (what follows SpiceQUICData's or SpiceLZRGBData's
 * size, or a JPEG_ALPHA image's alpha plane) on stdin; writes "WIDTH
 * HEIGHT\n" and the pixels, rows top first, B,G,R,0 each (0,0,0,A for
 * lzalpha), on stdout; exits 1 saying why on stderr when the
 * stream does not decode.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec-lz.h"
#include "dec-quic.h"

int
main(int argc, char **argv)
{
	int (*decode)(const uint8_t *, size_t, uint64_t, uint32_t *,
	    uint32_t *, uint8_t **, char *);

	uint8_t *in = NULL, *px, *p;
	size_t len = 0, cap = 0, n;
	uint32_t w, h;
	char why[128];

	if (argc == 2 && strcmp(argv[1], "quic") == 0)
		decode = quic_decode;
	else if (argc == 2 && strcmp(argv[1], "lz") == 0)
		decode = lz_decode;
	else if (argc == 2 && strcmp(argv[1], "lzalpha") == 0)
		decode = lz_decode_alpha;
	else {
		fprintf(stderr, "usage: image-dec quic|lz|lzalpha\n");
		return 2;
	}
	for (;;) {
		if (len == cap) {
			cap = cap != 0 ? cap * 2 : 1 << 16;
			if (cap > (size_t)1 << 30 || (p = realloc(in, cap)) == NULL) {
				fprintf(stderr, "image-dec: input too large\n");
				return 1;
			}
			in = p;
		}
		if ((n = fread(in + len, 1, cap - len, stdin)) == 0)
			break;
		len += n;
	}
	if (decode(in, len, UINT64_MAX, &w, &h, &px, why) != 0) {
		fprintf(stderr, "image-dec: %s\n", why);
		return 1;
	}
	printf("%u %u\n", w, h);
	if (fwrite(px, 4, (size_t)w * h, stdout) != (size_t)w * h ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "image-dec: cannot write the pixels\n");
		return 1;
	}
	free(px);
	free(in);
	return 0;
}
