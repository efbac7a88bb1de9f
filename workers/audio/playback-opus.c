/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * playback-opus: see playback-opus.h.
 */
#include <stdlib.h>
#include <string.h>

#include <opus/opus.h>

#include "playback-opus.h"

struct popus {
	OpusEncoder	*po_enc;
	uint32_t	 po_channels;
	int16_t		 po_frame[POPUS_FRAME * 2];
	size_t		 po_have;	/* samples per channel gathered */
};

struct popus *
popus_new(uint32_t channels)
{
	struct popus *po;
	int err;

	if (channels < 1 || channels > 2 ||
	    (po = calloc(1, sizeof(*po))) == NULL)
		return NULL;
	po->po_channels = channels;
	if ((po->po_enc = opus_encoder_create(POPUS_RATE, (int)channels,
	    OPUS_APPLICATION_AUDIO, &err)) == NULL ||
	    opus_encoder_ctl(po->po_enc, OPUS_SET_BITRATE((int)(POPUS_BITRATE *
	    channels / 2))) != OPUS_OK) {
		popus_free(po);
		return NULL;
	}
	return po;
}

void
popus_free(struct popus *po)
{
	if (po == NULL)
		return;
	if (po->po_enc != NULL)
		opus_encoder_destroy(po->po_enc);
	free(po);
}

int
popus_feed(struct popus *po, const uint8_t *pcm, size_t frames,
    popus_emit_fn emit, void *arg)
{
	uint8_t packet[POPUS_MAX_PACKET];
	size_t n, i, fb = 2 * po->po_channels;
	opus_int32 len;

	while (frames > 0) {
		n = POPUS_FRAME - po->po_have;
		if (n > frames)
			n = frames;
		/* S16LE to the host's int16, whatever its byte order. */
		for (i = 0; i < n * po->po_channels; i++)
			po->po_frame[po->po_have * po->po_channels + i] =
			    (int16_t)(pcm[2 * i] | pcm[2 * i + 1] << 8);
		po->po_have += n;
		pcm += n * fb;
		frames -= n;
		if (po->po_have < POPUS_FRAME)
			break;
		po->po_have = 0;
		if ((len = opus_encode(po->po_enc, po->po_frame, POPUS_FRAME,
		    packet, sizeof(packet))) < 0)
			return -1;
		emit(packet, (size_t)len, arg);
	}
	return 0;
}
