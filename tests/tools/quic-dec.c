/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * quic-dec: the test QUIC decoder (tests/unit/quic-decode.c) for the
 * Python tests' raw clients.  Reads a QUIC stream (what follows
 * SpiceQUICData's size) on stdin; writes "WIDTH HEIGHT\n" and the
 * pixels, rows top first, B,G,R,0 each, on stdout; exits 1 saying why
 * on stderr when the stream does not decode.
 */
#include <stdio.h>
#include <stdlib.h>

#include "quic-decode.h"

int
main(void)
{
	uint8_t *in = NULL, *px, *p;
	size_t len = 0, cap = 0, n;
	uint32_t w, h;
	char why[128];

	for (;;) {
		if (len == cap) {
			cap = cap != 0 ? cap * 2 : 1 << 16;
			if (cap > (size_t)1 << 30 || (p = realloc(in, cap)) == NULL) {
				fprintf(stderr, "quic-dec: input too large\n");
				return 1;
			}
			in = p;
		}
		if ((n = fread(in + len, 1, cap - len, stdin)) == 0)
			break;
		len += n;
	}
	if (quic_decode(in, len, &w, &h, &px, why) != 0) {
		fprintf(stderr, "quic-dec: %s\n", why);
		return 1;
	}
	printf("%u %u\n", w, h);
	if (fwrite(px, 4, (size_t)w * h, stdout) != (size_t)w * h ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "quic-dec: cannot write the pixels\n");
		return 1;
	}
	free(px);
	free(in);
	return 0;
}
