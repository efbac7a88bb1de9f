/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * record-convert: a viewer's microphone, in what the viewer can send, to
 * the producer's format (S16, 1 or 2 channels, its rate).
 *
 * spice-gtk sends Opus to a server that offers it whenever the rate is
 * one Opus has (8, 12, 16, 24, 48 kHz), but its encoder only works for
 * 10 ms stereo frames at 48 kHz and a few other stereo cases: a mono or
 * 16 kHz microphone would go silent.  So a producer that listens at an
 * Opus rate has the viewer told 48 kHz stereo, and what the viewer sends
 * comes back to the producer's format here: libopus decodes Opus packets
 * straight to it (its decoder resamples and downmixes), raw samples are
 * averaged down (48 kHz is a whole multiple of every Opus rate).  Other
 * rates (44.1 kHz, ...) are the viewer's too; spice-gtk sends them raw
 * and they pass unchanged.
 */
#ifndef SPICED_RECORD_CONVERT_H
#define SPICED_RECORD_CONVERT_H

#include <stddef.h>
#include <stdint.h>

struct rconv;

/* For a producer listening at rate Hz with channels (1, 2).  NULL when
 * out of memory. */
struct rconv	*rconv_new(uint32_t rate, uint32_t channels);
void		 rconv_free(struct rconv *);
/* The format the viewer is told (RECORD_START). */
void		 rconv_viewer(const struct rconv *, uint32_t *rate,
		    uint32_t *channels);
/* The viewer's RECORD_MODE: Opus (opus) or raw samples. */
void		 rconv_mode(struct rconv *, int opus);
/* The samples of one RECORD_DATA body in the producer's format: their
 * bytes (whole frames; *out valid until the next call), 0 for none, or
 * -1 with *why for an Opus packet that does not decode. */
long		 rconv_data(struct rconv *, const uint8_t *in, size_t len,
		    const uint8_t **out, const char **why);

#endif
