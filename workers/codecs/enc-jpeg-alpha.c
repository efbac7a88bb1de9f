/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc-jpeg-alpha: SPICE JPEG_ALPHA images (a source with alpha sent
 * lossy): the colour as JPEG (enc-jpeg.c), the alpha plane as an LZ XXXA
 * stream (enc-lz.c), which keeps edges and translucency exact where JPEG
 * would blur them; contract in enc.h.  Layout from spice.proto's
 * JPEGAlphaData; spice-gtk decodes the JPEG into a top-down a8r8g8b8
 * image, then the alpha plane into its alpha bytes, and refuses planes
 * of another size or orientation.
 */
#include <spice/enums.h>

#include "enc.h"

/* flags, jpeg_size, data_size */
#define EJA_HEADER	9

int
enc_jpeg_alpha_encode(struct enc_jpeg *ej, struct enc_lz *ez,
    struct obuf *out, const struct enc_src *src, int quality,
    struct spd_err *err)
{
	size_t start = out->ob_len, jpeg_size;
	uint8_t *p;

	if ((p = obuf_append_space(out, 5)) == NULL)
		return spd_err_set(err, "jpeg alpha: output over its cap");
	p[0] = SPICE_JPEG_ALPHA_FLAGS_TOP_DOWN;
	/* enc_jpeg_encode puts the JFIF stream's u32 size first, where
	 * data_size goes: it is jpeg_size, and data_size once the alpha
	 * plane is on. */
	if (enc_jpeg_encode(ej, out, src, quality, ENC_CHROMA_420, err) != 0)
		goto fail;
	jpeg_size = out->ob_len - start - EJA_HEADER;
	if (enc_lz_encode_alpha(ez, out, src, err) != 0)
		goto fail;
	obuf_patch_u32le(out, start + 1, (uint32_t)jpeg_size);
	obuf_patch_u32le(out, start + 5, (uint32_t)(out->ob_len - start -
	    EJA_HEADER));
	return 0;
fail:
	obuf_truncate(out, start);
	return -1;
}
