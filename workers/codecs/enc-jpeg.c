/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc-jpeg: SPICE JPEG image payloads through libjpeg-turbo, and the
 * cheap test of whether an image is a photograph; contracts in enc.h.
 *
 * Format: u32 LE size, then a baseline JFIF stream of that size (the
 * accurate DCT, chroma and quality as asked: what enc-jpeg-pick.c
 * chooses from 4:2:0 at ENC_JPEG_QUALITY, the reference server's
 * default, for images and ENC_STREAM_QUALITY for video frames),
 * which spice-gtk and spice-html5 decode as any JPEG.  turbojpeg reads the
 * source rows where they are (BGRX, any stride) and writes straight into
 * the output buffer, reserved at its worst case first.
 */
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "enc.h"

struct enc_jpeg {
	tjhandle	ej_tj;
};

struct enc_jpeg *
enc_jpeg_new(void)
{
	struct enc_jpeg *ej;

	if ((ej = calloc(1, sizeof(*ej))) == NULL)
		return NULL;
	if ((ej->ej_tj = tjInitCompress()) == NULL) {
		free(ej);
		return NULL;
	}
	return ej;
}

void
enc_jpeg_free(struct enc_jpeg *ej)
{
	if (ej == NULL)
		return;
	tjDestroy(ej->ej_tj);
	free(ej);
}

int
enc_jpeg_encode(struct enc_jpeg *ej, struct obuf *out,
    const struct enc_src *src, int quality, enum enc_chroma chroma,
    struct spd_err *err)
{
	int samp = chroma == ENC_CHROMA_444 ? TJSAMP_444 : TJSAMP_420;
	unsigned long bound, size;
	unsigned char *dst;
	size_t start;

	if (src->es_width == 0 || src->es_height == 0 ||
	    src->es_width > ENC_MAX_DIM || src->es_height > ENC_MAX_DIM ||
	    src->es_stride < (size_t)src->es_width * 4)
		return spd_err_set(err, "jpeg: bad image %ux%u, stride %zu",
		    src->es_width, src->es_height, src->es_stride);
	bound = tjBufSize((int)src->es_width, (int)src->es_height, samp);
	start = out->ob_len;
	if (bound == (unsigned long)-1 ||
	    (dst = obuf_append_space(out, 4 + bound)) == NULL)
		return spd_err_set(err, "jpeg: %lu bytes exceed the output "
		    "buffer", bound);
	dst += 4;
	size = bound;
	/* NOREALLOC: turbojpeg writes into our buffer, sized for the
	 * worst case, and never frees or replaces it.  ACCURATEDCT: below
	 * quality 96 turbojpeg takes the fast DCT, which loses a little
	 * more than libjpeg's default (the reference server's) for the same
	 * bytes: 23.317 against 23.318 dB on bench-e2e's photograph. */
	if (tjCompress2(ej->ej_tj, src->es_data, (int)src->es_width,
	    (int)src->es_stride, (int)src->es_height, TJPF_BGRX, &dst, &size,
	    samp, quality, TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT) != 0) {
		obuf_truncate(out, start);
		return spd_err_set(err, "jpeg: %s", tjGetErrorStr2(ej->ej_tj));
	}
	obuf_patch_u32le(out, start, (uint32_t)size);
	obuf_truncate(out, start + 4 + size);
	return 0;
}
