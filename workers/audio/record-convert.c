/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * record-convert: see record-convert.h.
 */
#include <stdlib.h>
#include <string.h>

#include <opus/opus.h>

#include "record-convert.h"
#include "sbuf.h"

/* What the viewer is told when the producer's rate is an Opus one. */
#define RCONV_VIEWER_RATE	48000
#define RCONV_VIEWER_CHANNELS	2
/* Frames one Opus packet decodes to, at most (120 ms at 48 kHz); raw
 * data is at most a message's bytes (the channel's cap, 64 KiB). */
#define RCONV_MAX_FRAMES	5760
#define RCONV_MAX_RAW		(64u * 1024)

struct rconv {
	uint32_t	 rc_rate;	/* the producer's */
	uint32_t	 rc_channels;
	uint32_t	 rc_vrate;	/* the viewer's */
	uint32_t	 rc_vchannels;
	int		 rc_opus;	/* the viewer's mode is Opus */
	OpusDecoder	*rc_dec;	/* made at the first Opus mode */
	/* Converted samples; a raw body of RCONV_MAX_RAW converts to at
	 * most as many bytes, a packet to RCONV_MAX_FRAMES frames. */
	opus_int16	 rc_out[RCONV_MAX_RAW / 2 > RCONV_MAX_FRAMES * 2 ?
			    RCONV_MAX_RAW / 2 : RCONV_MAX_FRAMES * 2];
};

static int
rconv_opus_rate(uint32_t rate)
{
	return rate == 48000 || rate == 24000 || rate == 16000 ||
	    rate == 12000 || rate == 8000;
}

struct rconv *
rconv_new(uint32_t rate, uint32_t channels)
{
	struct rconv *rc;

	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return NULL;
	rc->rc_rate = rate;
	rc->rc_channels = channels;
	if (rconv_opus_rate(rate)) {
		rc->rc_vrate = RCONV_VIEWER_RATE;
		rc->rc_vchannels = RCONV_VIEWER_CHANNELS;
	} else {
		rc->rc_vrate = rate;
		rc->rc_vchannels = channels;
	}
	return rc;
}

void
rconv_free(struct rconv *rc)
{
	if (rc == NULL)
		return;
	if (rc->rc_dec != NULL)
		opus_decoder_destroy(rc->rc_dec);
	free(rc);
}

void
rconv_viewer(const struct rconv *rc, uint32_t *rate, uint32_t *channels)
{
	*rate = rc->rc_vrate;
	*channels = rc->rc_vchannels;
}

void
rconv_mode(struct rconv *rc, int opus)
{
	int err;

	rc->rc_opus = opus;
	/* Opus only at the rates it has (a viewer told another rate
	 * has no business sending it: its packets will not decode). */
	if (opus && rc->rc_dec == NULL && rconv_opus_rate(rc->rc_rate))
		rc->rc_dec = opus_decoder_create((opus_int32)rc->rc_rate,
		    (int)rc->rc_channels, &err);
}

/* Raw samples in the viewer's format to the producer's: each output
 * frame the average of the viewer's frames it stands for (and of both
 * channels for a mono producer).  What does not make a whole output
 * frame is left out. */
static long
rconv_raw(struct rconv *rc, const uint8_t *in, size_t len)
{
	uint32_t k = rc->rc_vrate / rc->rc_rate, vch = rc->rc_vchannels;
	size_t nin = len / (2u * vch * k), i, j, c;
	struct sbuf sb;
	int32_t sum[2];
	uint16_t u;

	sbuf_init(&sb, in, len);
	for (i = 0; i < nin; i++) {
		sum[0] = sum[1] = 0;
		for (j = 0; j < k; j++)
			for (c = 0; c < vch; c++) {
				/* nin counts whole frames: never short. */
				if (sbuf_get_u16le(&sb, &u) != 0)
					return (long)(i * 2 * rc->rc_channels);
				sum[c] += (int16_t)u;
			}
		if (rc->rc_channels == 1)
			rc->rc_out[i] = (opus_int16)((sum[0] + sum[1]) /
			    (int32_t)(k * vch));
		else
			for (c = 0; c < 2; c++)
				rc->rc_out[i * 2 + c] = (opus_int16)(sum[c] /
				    (int32_t)k);
	}
	return (long)(nin * 2 * rc->rc_channels);
}

long
rconv_data(struct rconv *rc, const uint8_t *in, size_t len,
    const uint8_t **out, const char **why)
{
	int n;

	*out = (const uint8_t *)rc->rc_out;
	if (rc->rc_opus) {
		if (rc->rc_dec == NULL) {
			*why = "Opus at a rate Opus has not";
			return -1;
		}
		if (len == 0)
			return 0;
		if ((n = opus_decode(rc->rc_dec, in, (opus_int32)len,
		    rc->rc_out, RCONV_MAX_FRAMES, 0)) < 0) {
			*why = opus_strerror(n);
			return -1;
		}
		return (long)n * 2 * rc->rc_channels;
	}
	if (rc->rc_vrate == rc->rc_rate && rc->rc_vchannels ==
	    rc->rc_channels) {
		*out = in;
		return (long)(len - len % (2u * rc->rc_channels));
	}
	return rconv_raw(rc, in, len > RCONV_MAX_RAW ? RCONV_MAX_RAW : len);
}
