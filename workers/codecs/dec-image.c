/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dec-image: see dec-image.h. */
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>
#include <turbojpeg.h>

#include "dec-image.h"
#include "dec-lz.h"
#include "dec-quic.h"

/* A JFIF stream through libjpeg-turbo: its header says the size, which
 * must be the image's before anything is allocated. */
static int
dec_jpeg(const uint8_t *data, size_t len, uint32_t width, uint32_t height,
    uint8_t **pixels, struct spd_err *err)
{
	static tjhandle tj;
	int w, h, sub, cs;

	if (tj == NULL && (tj = tjInitDecompress()) == NULL)
		return spd_err_set(err, "jpeg: no decompressor");
	if (len > (unsigned long)-1 || tjDecompressHeader3(tj, data,
	    (unsigned long)len, &w, &h, &sub, &cs) != 0)
		return spd_err_set(err, "jpeg: header: %s", tjGetErrorStr2(tj));
	if ((uint32_t)w != width || (uint32_t)h != height)
		return spd_err_set(err, "jpeg: %dx%d in a %ux%u image", w, h,
		    width, height);
	if ((*pixels = malloc((size_t)width * height * 4)) == NULL)
		return spd_err_set(err, "jpeg: no memory for %ux%u", width,
		    height);
	if (tjDecompress2(tj, data, (unsigned long)len, *pixels, w, w * 4, h,
	    TJPF_BGRX, TJFLAG_NOREALLOC) != 0) {
		spd_err_set(err, "jpeg: %s", tjGetErrorStr2(tj));
		free(*pixels);
		*pixels = NULL;
		return -1;
	}
	return 0;
}

int
dec_image(uint8_t type, const uint8_t *data, size_t len, uint32_t width,
    uint32_t height, uint8_t **pixels, struct spd_err *err)
{
	uint64_t px = (uint64_t)width * height;
	uint32_t w = 0, h = 0;
	char why[128];
	int rc;

	*pixels = NULL;
	switch (type) {
	case SPICE_IMAGE_TYPE_QUIC:
		rc = quic_decode(data, len, px, &w, &h, pixels, why);
		break;
	case SPICE_IMAGE_TYPE_LZ_RGB:
		rc = lz_decode(data, len, px, &w, &h, pixels, why);
		break;
	case SPICE_IMAGE_TYPE_JPEG:
		return dec_jpeg(data, len, width, height, pixels, err);
	default:
		return spd_err_set(err, "image type %u is not decoded", type);
	}
	if (rc != 0)
		return spd_err_set(err, "%s: %s", type == SPICE_IMAGE_TYPE_QUIC ?
		    "quic" : "lz", why);
	if (w != width || h != height) {
		free(*pixels);
		*pixels = NULL;
		return spd_err_set(err, "%s: %ux%u in a %ux%u image",
		    type == SPICE_IMAGE_TYPE_QUIC ? "quic" : "lz", w, h, width,
		    height);
	}
	return 0;
}
