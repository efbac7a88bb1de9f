/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * playback-opus: the playback channel's Opus mode (SPICE_AUDIO_DATA_MODE
 * _OPUS), for clients with SPICE_PLAYBACK_CAP_OPUS when the producer
 * plays at 48 kHz (Opus's rate; other rates stay raw PCM, as with the
 * reference server).  PCM is gathered into the 10 ms frames of 480
 * samples spice-gtk decodes and each becomes one packet.  make
 * bench-opus: about 1/16 of raw PCM's bytes for half a percent of a core.
 */
#ifndef SPICED_PLAYBACK_OPUS_H
#define SPICED_PLAYBACK_OPUS_H

#include <stddef.h>
#include <stdint.h>

#define POPUS_RATE		48000
#define POPUS_FRAME		480		/* samples per packet: 10 ms */
#define POPUS_MAX_PACKET	1500
#define POPUS_BITRATE		96000		/* bits/s, stereo; mono half */

struct popus;

typedef void (*popus_emit_fn)(const uint8_t *packet, size_t len, void *arg);

/* An encoder for channels (1, 2) at POPUS_RATE; NULL on failure. */
struct popus	*popus_new(uint32_t channels);
void		 popus_free(struct popus *);
/* frames of S16LE PCM (channels interleaved); every full 10 ms frame is
 * encoded and handed to emit.  0, or -1 when the encoder failed. */
int		 popus_feed(struct popus *, const uint8_t *pcm, size_t frames,
		    popus_emit_fn emit, void *arg);

#endif
