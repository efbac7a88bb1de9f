/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc-jpeg-pick: the chroma sampling and quality of a JPEG image or a
 * video stream's frames, chosen by encoding a sample of the picture's
 * rows each way and looking at the result as the viewer will; contract
 * in enc.h.
 *
 * A picture whose colour changes as fast as its brightness (rendered
 * graphics, coloured lines and text, synthetic or screen-captured video)
 * loses more to 4:2:0 sampling than quality buys back, the more so for
 * stream frames: spice-gtk decodes those for speed
 * (channel-display-mjpeg.c), with the fast DCT and 4:2:0 colour repeated
 * over each 2x2 block rather than interpolated as for images.
 * bench-e2e's video shows at 25.9 dB at 4:2:0 quality 80 and 26.8 dB at
 * quality 90, but at 28.9 dB at 4:4:4 quality 60 in fewer bytes than the
 * first; its photograph, as an image, at 23.4 dB at 4:2:0 quality 85 and
 * 25.2 dB at 4:4:4 quality 60 in fewer bytes.  Camera pictures, whose
 * colour is smooth, keep 4:2:0, which spends fewer bytes on their colour.
 */
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "enc.h"

/* Rows of one strip of the sample: the height of a 4:2:0 block row, so
 * that strips stacked in one image are coded as they are in the frame. */
#define EJP_STRIP	16
#define EJP_STRIPS	3
/* The 4:4:4 qualities tried: the quality asked, less these. */
static const int ejp_steps[] = { 10, 20, 30 };
/* 4:4:4 must beat 4:2:0 by this factor of squared error (0.5 dB), more
 * than a sample's noise, to be taken. */
#define EJP_MARGIN	1.122

struct enc_jpeg_pick {
	tjhandle	 ejp_dtj;
	struct obuf	 ejp_out;	/* a trial's JPEG */
	uint8_t		*ejp_sample;	/* the sample's rows, contiguous */
	uint8_t		*ejp_shown;	/* ... as the viewer decodes them */
	size_t		 ejp_cap;	/* bytes of each */
};

struct enc_jpeg_pick *
enc_jpeg_pick_new(void)
{
	struct enc_jpeg_pick *ejp;

	if ((ejp = calloc(1, sizeof(*ejp))) == NULL)
		return NULL;
	if ((ejp->ejp_dtj = tjInitDecompress()) == NULL) {
		free(ejp);
		return NULL;
	}
	obuf_init(&ejp->ejp_out);
	return ejp;
}

void
enc_jpeg_pick_free(struct enc_jpeg_pick *ejp)
{
	if (ejp == NULL)
		return;
	tjDestroy(ejp->ejp_dtj);
	obuf_free(&ejp->ejp_out);
	free(ejp->ejp_sample);
	free(ejp->ejp_shown);
	free(ejp);
}

/* The sample of src: EJP_STRIPS strips of EJP_STRIP rows spread over its
 * height, stacked in ejp_sample, or src itself when it is no taller. */
static int
ejp_sample(struct enc_jpeg_pick *ejp, const struct enc_src *src,
    struct enc_src *sample, struct spd_err *err)
{
	size_t row = (size_t)src->es_width * 4, need;
	uint32_t i, y;

	need = row * EJP_STRIP * EJP_STRIPS;
	if (ejp->ejp_cap < need) {
		free(ejp->ejp_sample);
		free(ejp->ejp_shown);
		ejp->ejp_sample = malloc(need);
		ejp->ejp_shown = malloc(need);
		ejp->ejp_cap = need;
		if (ejp->ejp_sample == NULL || ejp->ejp_shown == NULL) {
			ejp->ejp_cap = 0;
			return spd_err_set(err, "jpeg pick: no memory for "
			    "a %zu-byte sample", need);
		}
	}
	if (src->es_height <= EJP_STRIP * EJP_STRIPS) {
		*sample = *src;
		return 0;
	}
	for (i = 0; i < EJP_STRIPS; i++) {
		/* Strip i from the middle of its share of the height, on a
		 * block row of the frame. */
		y = (uint32_t)(((uint64_t)src->es_height * (2 * i + 1)) /
		    (2 * EJP_STRIPS)) / EJP_STRIP * EJP_STRIP;
		if (y + EJP_STRIP > src->es_height)
			y = src->es_height - EJP_STRIP;
		for (uint32_t r = 0; r < EJP_STRIP; r++)
			memcpy(ejp->ejp_sample + (i * EJP_STRIP + r) * row,
			    src->es_data + (size_t)(y + r) * src->es_stride,
			    row);
	}
	sample->es_data = ejp->ejp_sample;
	sample->es_stride = row;
	sample->es_width = src->es_width;
	sample->es_height = EJP_STRIP * EJP_STRIPS;
	return 0;
}

/* The squared error between two rows of w BGRX pixels, over the B, G
 * and R bytes (the X byte is not shown).  It runs over every trial's
 * sample: a byte at a time it took 40% of a pick. */
static uint64_t
ejp_row_sse(const uint8_t *a, const uint8_t *b, uint32_t w)
{
	uint64_t e = 0;
	uint32_t x = 0;

#if defined(__SSE2__)
	/* Four pixels a step: bytes widened to 16 bits, differences
	 * squared and summed in pairs (madd) into four 32-bit lanes, which
	 * take up to 4 * 255^2 a step and are emptied every 4096 steps. */
	const __m128i rgb = _mm_set1_epi32(0x00ffffff), zero =
	    _mm_setzero_si128();

	while (x + 4 <= w) {
		__m128i acc = zero;
		uint32_t end = w - x > 4 * 4096 ? x + 4 * 4096 : w;
		uint32_t lanes[4];

		for (; x + 4 <= end; x += 4) {
			__m128i pa = _mm_and_si128(_mm_loadu_si128(
			    (const __m128i *)(const void *)(a + x * 4)), rgb);
			__m128i pb = _mm_and_si128(_mm_loadu_si128(
			    (const __m128i *)(const void *)(b + x * 4)), rgb);
			__m128i lo = _mm_sub_epi16(_mm_unpacklo_epi8(pa, zero),
			    _mm_unpacklo_epi8(pb, zero));
			__m128i hi = _mm_sub_epi16(_mm_unpackhi_epi8(pa, zero),
			    _mm_unpackhi_epi8(pb, zero));

			acc = _mm_add_epi32(acc, _mm_add_epi32(
			    _mm_madd_epi16(lo, lo), _mm_madd_epi16(hi, hi)));
		}
		_mm_storeu_si128((__m128i *)(void *)lanes, acc);
		e += (uint64_t)lanes[0] + lanes[1] + lanes[2] + lanes[3];
	}
#endif
	for (; x < w; x++)
		for (int c = 0; c < 3; c++) {
			int d = (int)a[x * 4 + c] - (int)b[x * 4 + c];

			e += (uint64_t)(d * d);
		}
	return e;
}

/* Encode sample as mode into ejp_out and set *bytes, the JPEG's size. */
static int
ejp_encode(struct enc_jpeg_pick *ejp, struct enc_jpeg *ej,
    const struct enc_src *sample, const struct enc_jpeg_mode *mode,
    size_t *bytes, struct spd_err *err)
{
	obuf_reset(&ejp->ejp_out);
	if (enc_jpeg_encode(ej, &ejp->ejp_out, sample, mode->ejm_quality,
	    mode->ejm_chroma, err) != 0)
		return -1;
	*bytes = ejp->ejp_out.ob_len - 4;
	return 0;
}

/* Decode the JPEG in ejp_out as view and set *sse, its squared error
 * against sample over the B, G and R bytes.  Only a trial that fits in
 * the bytes gets here: decoding is most of a trial's cost. */
static int
ejp_error(struct enc_jpeg_pick *ejp, const struct enc_src *sample,
    enum enc_jpeg_view view, uint64_t *sse, struct spd_err *err)
{
	size_t row = (size_t)sample->es_width * 4;
	uint64_t e = 0;
	uint32_t y;

	if (tjDecompress2(ejp->ejp_dtj, ejp->ejp_out.ob_data + 4,
	    ejp->ejp_out.ob_len - 4, ejp->ejp_shown, (int)sample->es_width,
	    (int)row, (int)sample->es_height, TJPF_BGRX,
	    view == ENC_VIEW_STREAM ? TJFLAG_FASTDCT | TJFLAG_FASTUPSAMPLE :
	    TJFLAG_ACCURATEDCT) != 0)
		return spd_err_set(err, "jpeg pick: decoding a trial: %s",
		    tjGetErrorStr2(ejp->ejp_dtj));
	for (y = 0; y < sample->es_height; y++)
		e += ejp_row_sse(sample->es_data + y * sample->es_stride,
		    ejp->ejp_shown + y * row, sample->es_width);
	*sse = e;
	return 0;
}

int
enc_jpeg_pick(struct enc_jpeg_pick *ejp, struct enc_jpeg *ej,
    const struct enc_src *src, int quality, enum enc_jpeg_view view,
    struct enc_jpeg_mode *mode, struct spd_err *err)
{
	struct enc_src sample;
	struct enc_jpeg_mode m = { quality, ENC_CHROMA_420 };
	size_t bytes, base_bytes;
	uint64_t sse, base_sse;
	size_t i;

	*mode = m;
	if (src->es_width == 0 || src->es_width > ENC_MAX_DIM ||
	    src->es_height == 0 || src->es_height > ENC_MAX_DIM)
		return spd_err_set(err, "jpeg pick: bad image %ux%u",
		    src->es_width, src->es_height);
	if (ejp_sample(ejp, src, &sample, err) != 0 ||
	    ejp_encode(ejp, ej, &sample, &m, &base_bytes, err) != 0 ||
	    ejp_error(ejp, &sample, view, &base_sse, err) != 0)
		return -1;
	/* 4:4:4 at the best quality that takes no more bytes (bytes fall
	 * and error grows as quality falls), if it shows better. */
	m.ejm_chroma = ENC_CHROMA_444;
	for (i = 0; i < sizeof(ejp_steps) / sizeof(ejp_steps[0]); i++) {
		m.ejm_quality = quality - ejp_steps[i];
		if (m.ejm_quality < 1)
			break;
		if (ejp_encode(ejp, ej, &sample, &m, &bytes, err) != 0)
			return -1;
		if (bytes > base_bytes)
			continue;
		if (ejp_error(ejp, &sample, view, &sse, err) != 0)
			return -1;
		if ((double)sse * EJP_MARGIN < (double)base_sse)
			*mode = m;
		break;
	}
	return 0;
}
