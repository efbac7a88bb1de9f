/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-glz: enc_glz_encode() (workers/codecs/enc-glz.c) on a sequence of
 * chosen images through one window, each round-tripped through the test
 * decoder (tests/unit/glz-decode.c), which plays the client: it drops
 * what each header allows and refuses copies from images it does not
 * hold or past their ends.  The input's first byte picks the window
 * (small windows make images leave it); then, per image while input
 * lasts, a width (1..300), a height (1..30), a stride padding and a mode;
 * its pixels come from the input as they are, as indices into a small
 * palette, or as spans of an earlier image of the sequence, some pixels
 * changed (copies across images).
 *
 * One encoder per window size serves every input, emptied by
 * enc_glz_reset() first (test-enc-glz checks it then writes what a new
 * one would): a new one's megabyte of hash table, faulted in afresh,
 * held the target to a few hundred inputs a second.
 *
 * Invariants: the encoder accepts every image that fits the window and
 * refuses the others leaving the window as it was, writes at most
 * enc_glz_bound() bytes, ids follow each other from 0, and every image
 * decodes to its source's R, G and B exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "glz-decode.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)
#define FUZZ_IMAGES	8	/* earlier images a new one may copy from */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t windows[4] = { 600, 5000, 40000, 1u << 20 };
	static struct enc_glz *encs[4];
	uint32_t *old[FUZZ_IMAGES] = { NULL }, oldn[FUZZ_IMAGES] = { 0 };
	uint32_t w, h, pad, mode, dw, dh, head, len, *px, *dec, x, y, v;
	struct enc_glz *eg;
	struct glz_dec *d;
	struct enc_src src;
	struct spd_err err;
	struct obuf ob;
	uint64_t id, want = 0;
	size_t stride, i, n, k, pos = 1;
	unsigned nimg = 0, j, src_img;
	uint8_t *img;
	char why[160];

	if (size < 6)
		return 0;
	if ((eg = encs[data[0] % 4]) == NULL)
		eg = encs[data[0] % 4] = enc_glz_new(windows[data[0] % 4]);
	else
		enc_glz_reset(eg);
	d = glz_dec_new();
	FUZZ_CHECK(eg != NULL && d != NULL);
	while (pos + 5 <= size) {
		w = ((uint32_t)data[pos] | (uint32_t)data[pos + 1] << 8) %
		    300 + 1;
		h = data[pos + 2] % 30 + 1;
		pad = data[pos + 3] % 3;
		mode = data[pos + 4] % 3;
		pos += 5;
		n = (size_t)w * h;
		stride = (size_t)w * 4 + pad * 4;
		FUZZ_CHECK((img = malloc(stride * h)) != NULL);
		FUZZ_CHECK((px = malloc(n * 4)) != NULL);
		src_img = nimg > 0 && pos < size ? data[pos] % (nimg <
		    FUZZ_IMAGES ? nimg : FUZZ_IMAGES) : 0;
		for (i = 0; i < n; i++) {
			k = pos + i < size ? pos + i : size - 1;
			if (mode == 0)
				px[i] = (uint32_t)data[k] * 0x01020304u ^
				    (uint32_t)i;
			else if (mode == 1 || nimg == 0)
				px[i] = (uint32_t)(data[k] % 4) * 0x00404040u;
			else
				/* An earlier image, one pixel in 64 of
				 * the input's choosing changed. */
				px[i] = data[k] % 64 == 0 ? data[k] :
				    old[src_img][(i + data[pos % size]) %
				    oldn[src_img]];
		}
		pos += n / 4 + 1;
		for (y = 0; y < h; y++)
			memcpy(img + y * stride, px + (size_t)y * w,
			    (size_t)w * 4);
		src.es_data = img;
		src.es_stride = stride;
		src.es_width = w;
		src.es_height = h;
		obuf_init(&ob);
		if (enc_glz_encode(eg, &ob, &src, &err) != 0) {
			FUZZ_CHECK(n > windows[data[0] % 4]);
			FUZZ_CHECK(ob.ob_len == 0);
		} else {
			FUZZ_CHECK(ob.ob_len <= enc_glz_bound(w, h));
			memcpy(&len, ob.ob_data, 4);
			FUZZ_CHECK((size_t)len + 4 == ob.ob_len);
			FUZZ_CHECK(glz_dec_image(d, ob.ob_data + 4, len, &dec,
			    &dw, &dh, &id, &head, why, sizeof(why)) == 0);
			FUZZ_CHECK(dw == w && dh == h && id == want++);
			for (i = 0; i < n; i++) {
				memcpy(&v, img + (i / w) * stride + (i % w) *
				    4, 4);
				x = dec[i];
				FUZZ_CHECK(x == (v & 0xffffff));
			}
			free(dec);
			/* It may be copied from by the next ones. */
			j = nimg % FUZZ_IMAGES;
			free(old[j]);
			old[j] = px;
			oldn[j] = (uint32_t)n;
			px = NULL;
			nimg++;
		}
		obuf_free(&ob);
		free(px);
		free(img);
	}
	for (j = 0; j < FUZZ_IMAGES; j++)
		free(old[j]);
	glz_dec_free(d);
	return 0;
}
