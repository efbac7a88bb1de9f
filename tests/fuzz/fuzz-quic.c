/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-quic: enc_quic_encode() (workers/codecs/enc-quic.c) on producer-chosen
 * pixels, round-tripped through the test decoder (tests/unit/
 * quic-decode.c).  The input's first bytes give the width (1..2600, so
 * rows cross the model's 2048-pixel schedule), the height (1..16), a
 * stride padding and a mode; the pixels come from the rest of the input,
 * either as they are or as indices into a 4-colour palette (runs).
 *
 * Invariants: the encoder accepts every image of a valid size, writes at
 * most enc_quic_bound() bytes in whole words, and the stream decodes to
 * the source's R, G and B exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "dec-quic.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct enc_quic *eq;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	uint32_t w, h, pad, mode, dw, dh, x, y, len, pal[4];
	uint8_t *img, *dec, *p;
	size_t stride, i;
	char why[128];

	if (size < 6)
		return 0;
	if (eq == NULL && (eq = enc_quic_new()) == NULL)
		return 0;
	w = ((uint32_t)data[0] | (uint32_t)data[1] << 8) % 2600 + 1;
	h = data[2] % 16 + 1;
	pad = data[3] % 3;
	mode = data[4] % 2;
	data += 5;
	size -= 5;
	stride = (size_t)w * 4 + pad * 4;
	if ((img = malloc(stride * h)) == NULL)
		return 0;
	for (i = 0; i < 4; i++)
		pal[i] = (uint32_t)data[i % size] * 0x010203u;
	for (y = 0, i = 0; y < h; y++)
		for (x = 0; x < w; x++, i++) {
			p = img + y * stride + (size_t)x * 4;
			if (mode == 0)
				memcpy(p, (uint8_t[4]){ data[(4 * i) % size],
				    data[(4 * i + 1) % size],
				    data[(4 * i + 2) % size],
				    data[(4 * i + 3) % size] }, 4);
			else
				memcpy(p, &pal[data[i % size] % 4], 4);
		}
	src.es_data = img;
	src.es_stride = stride;
	src.es_width = w;
	src.es_height = h;
	obuf_init(&ob);
	FUZZ_CHECK(enc_quic_encode(eq, &ob, &src, &err) == 0);
	FUZZ_CHECK(ob.ob_len <= enc_quic_bound(w, h));
	memcpy(&len, ob.ob_data, 4);
	FUZZ_CHECK(len == ob.ob_len - 4 && len % 4 == 0);
	FUZZ_CHECK(quic_decode(ob.ob_data + 4, len, QUIC_DECODE_MAX_PX, &dw, &dh, &dec, why) == 0);
	FUZZ_CHECK(dw == w && dh == h);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			FUZZ_CHECK(memcmp(dec + ((size_t)y * w + x) * 4,
			    img + y * stride + (size_t)x * 4, 3) == 0);
	free(dec);
	obuf_free(&ob);
	free(img);
	return 0;
}
