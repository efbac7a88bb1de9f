/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc-classify: what kind of picture an image is, from a sample, so the
 * display worker picks the codec that pays: contracts in enc.h.
 *
 * The answer comes from one grid of about 1000 pairs of
 * horizontal neighbours, whatever the image's size: text and drawings
 * are flat between sharp edges, so most neighbours are equal;
 * photographs and rendered scenes change a little from pixel to pixel.
 */
#include <stdlib.h>

#include "enc.h"

/* Neighbour pairs of the sample that differ, and that differ by at most
 * ENC_PHOTO_STEP in every channel; 0 pairs for images too small. */
static void
enc_sample(const struct enc_src *src, uint32_t *pairs, uint32_t *differ,
    uint32_t *smooth)
{
	const uint8_t *a, *b;
	uint32_t x, y, sx, sy;
	int d, dm, c;

	*pairs = *differ = *smooth = 0;
	if (src->es_width < ENC_PHOTO_MIN || src->es_height < ENC_PHOTO_MIN)
		return;
	sx = src->es_width / 32 + 1;
	sy = src->es_height / 32 + 1;
	for (y = 0; y < src->es_height; y += sy)
		for (x = 0; x + 1 < src->es_width; x += sx) {
			a = src->es_data + (size_t)y * src->es_stride + x * 4;
			b = a + 4;
			for (dm = 0, c = 0; c < 3; c++) {
				d = abs((int)a[c] - (int)b[c]);
				dm = d > dm ? d : dm;
			}
			*differ += dm > 0;
			*smooth += dm > 0 && dm <= ENC_PHOTO_STEP;
			(*pairs)++;
		}
}

enum enc_kind
enc_classify(const struct enc_src *src)
{
	uint32_t pairs, differ, smooth;

	enc_sample(src, &pairs, &differ, &smooth);
	if (pairs != 0 && smooth * 2 > pairs)
		return ENC_PHOTO;
	if (pairs != 0 && differ * ENC_NATURAL_DIV > pairs)
		return ENC_NATURAL;
	return ENC_DRAWING;
}
