/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * image: see image.h.  PPM P6 as in netpbm's ppm(5): "P6", whitespace,
 * width, height, maxval (each ASCII decimal, '#' comments allowed between
 * them), exactly one whitespace byte, then width * height RGB triples of
 * one byte each.  Deviation: maxval above 255 (two-byte samples) is
 * refused.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

/* Skip whitespace and comments, then read a decimal of at most 9 digits. */
static int
image_read_num(FILE *f, uint32_t *out)
{
	uint32_t v = 0;
	int c, digits = 0;

	for (;;) {
		c = getc(f);
		if (c == '#') {
			while (c != '\n' && c != EOF)
				c = getc(f);
			continue;
		}
		if (c == EOF || !isspace(c))
			break;
	}
	while (c != EOF && isdigit(c)) {
		if (++digits > 9)
			return -1;
		v = v * 10 + (uint32_t)(c - '0');
		c = getc(f);
	}
	if (digits == 0 || c == EOF || !isspace(c))
		return -1;	/* the byte after maxval is that whitespace */
	*out = v;
	return 0;
}

int
image_load(const char *path, struct image *im, char *err, size_t errlen)
{
	uint32_t w, h, maxval, x, y;
	uint8_t *row = NULL;
	FILE *f;

	memset(im, 0, sizeof(*im));
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (getc(f) != 'P' || getc(f) != '6') {
		snprintf(err, errlen, "%s: not a binary PPM (P6) file", path);
		goto fail;
	}
	if (image_read_num(f, &w) == -1 || image_read_num(f, &h) == -1 ||
	    image_read_num(f, &maxval) == -1) {
		snprintf(err, errlen, "%s: malformed PPM header", path);
		goto fail;
	}
	if (w == 0 || h == 0 || w > IMAGE_MAX_DIM || h > IMAGE_MAX_DIM) {
		snprintf(err, errlen, "%s: size %ux%u not within 1x1..%dx%d",
		    path, w, h, IMAGE_MAX_DIM, IMAGE_MAX_DIM);
		goto fail;
	}
	if (maxval == 0 || maxval > 255) {
		snprintf(err, errlen, "%s: maxval %u unsupported (1..255)",
		    path, maxval);
		goto fail;
	}
	if ((row = malloc((size_t)w * 3)) == NULL ||
	    (im->im_px = malloc((size_t)w * h * 4)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	for (y = 0; y < h; y++) {
		if (fread(row, 3, w, f) != w) {
			snprintf(err, errlen, "%s: truncated at line %u of %u",
			    path, y, h);
			goto fail;
		}
		for (x = 0; x < w; x++) {
			uint32_t r = row[x * 3], g = row[x * 3 + 1],
			    b = row[x * 3 + 2];

			if (maxval != 255) {
				r = r > maxval ? 255 : r * 255 / maxval;
				g = g > maxval ? 255 : g * 255 / maxval;
				b = b > maxval ? 255 : b * 255 / maxval;
			}
			im->im_px[(size_t)y * w + x] = r << 16 | g << 8 | b;
		}
	}
	im->im_width = w;
	im->im_height = h;
	free(row);
	fclose(f);
	return 0;
fail:
	free(row);
	free(im->im_px);
	memset(im, 0, sizeof(*im));
	fclose(f);
	return -1;
}

void
image_free(struct image *im)
{
	free(im->im_px);
	memset(im, 0, sizeof(*im));
}
