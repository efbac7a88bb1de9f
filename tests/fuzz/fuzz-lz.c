/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-lz: enc_lz_encode() (workers/codecs/enc-lz.c) on chosen pixels,
 * round-tripped through the test decoder (tests/unit/lz-decode.c).  The
 * input's first bytes give the width (1..2600), the height (1..40), a
 * stride padding and a mode; the pixels come from the rest of the input:
 * as they are (literals), as indices into a 4-colour palette (runs), or
 * as spans copied from up to 20000 pixels back (copies, near and far).
 *
 * Invariants: the encoder accepts every image of a valid size, writes at
 * most enc_lz_bound() bytes, and the stream decodes to the source's R, G
 * and B exactly; the same image's alpha plane (enc_lz_encode_alpha), at
 * most enc_lz_alpha_bound() bytes, to its alpha bytes exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "dec-lz.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct enc_lz *ez;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	uint32_t w, h, pad, mode, dw, dh, x, y, len, pal[4], *px;
	uint8_t *img, *dec;
	size_t stride, i, n, back, k;
	char why[128];

	if (size < 6)
		return 0;
	if (ez == NULL && (ez = enc_lz_new()) == NULL)
		return 0;
	w = ((uint32_t)data[0] | (uint32_t)data[1] << 8) % 2600 + 1;
	h = data[2] % 40 + 1;
	pad = data[3] % 3;
	mode = data[4] % 3;
	data += 5;
	size -= 5;
	n = (size_t)w * h;
	stride = (size_t)w * 4 + pad * 4;
	if ((img = malloc(stride * h)) == NULL ||
	    (px = malloc(n * 4)) == NULL) {
		free(img);
		return 0;
	}
	for (i = 0; i < 4; i++)
		pal[i] = (uint32_t)data[i % size] * 0x010203u;
	for (i = 0; i < n; i++) {
		k = i % size;
		if (mode == 0)
			px[i] = data[(4 * i) % size] | (uint32_t)data[(4 * i +
			    1) % size] << 8 | (uint32_t)data[(4 * i + 2) % size] <<
			    16 | (uint32_t)data[(4 * i + 3) % size] << 24;
		else if (mode == 1 || i == 0)
			px[i] = pal[data[k] % 4];
		else {
			/* A byte pair names how far back to copy from. */
			back = ((size_t)data[k] << 8 | data[(k + 1) % size]) %
			    20000 + 1;
			px[i] = back <= i ? px[i - back] : pal[data[k] % 4];
		}
	}
	for (y = 0; y < h; y++)
		memcpy(img + y * stride, px + (size_t)y * w, (size_t)w * 4);
	src.es_data = img;
	src.es_stride = stride;
	src.es_width = w;
	src.es_height = h;
	obuf_init(&ob);
	FUZZ_CHECK(enc_lz_encode(ez, &ob, &src, &err) == 0);
	FUZZ_CHECK(ob.ob_len <= enc_lz_bound(w, h));
	memcpy(&len, ob.ob_data, 4);
	FUZZ_CHECK(len == ob.ob_len - 4);
	FUZZ_CHECK(lz_decode(ob.ob_data + 4, len, LZ_DECODE_MAX_PX, &dw, &dh, &dec, why) == 0);
	FUZZ_CHECK(dw == w && dh == h);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			FUZZ_CHECK(memcmp(dec + ((size_t)y * w + x) * 4,
			    img + y * stride + (size_t)x * 4, 3) == 0);
	free(dec);
	obuf_reset(&ob);
	FUZZ_CHECK(enc_lz_encode_alpha(ez, &ob, &src, &err) == 0);
	FUZZ_CHECK(ob.ob_len <= enc_lz_alpha_bound(w, h));
	FUZZ_CHECK(lz_decode_alpha(ob.ob_data, ob.ob_len, LZ_DECODE_MAX_PX,
	    &dw, &dh, &dec, why) == 0);
	FUZZ_CHECK(dw == w && dh == h);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			FUZZ_CHECK(dec[((size_t)y * w + x) * 4 + 3] ==
			    img[y * stride + (size_t)x * 4 + 3] &&
			    dec[((size_t)y * w + x) * 4] == 0);
	free(dec);
	obuf_free(&ob);
	free(img);
	free(px);
	return 0;
}
