/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audio-port: what the playback and record workers share about the
 * producer's audio ports (qxl-shm 2.7, 2.8): the checks of a datagram's
 * format and volume, and the volume as SPICE messages.
 */
#ifndef SPICED_AUDIO_PORT_H
#define SPICED_AUDIO_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "qxl-shm.h"

/* Whether a DATA or START header names a format spiced carries. */
int	audio_port_format_ok(const struct qxlshm_audio_data *);
/* A VOLUME datagram of n bytes at buf into v: 0, or -1 with why. */
int	audio_port_volume(const uint8_t *buf, size_t n,
	    struct qxlshm_audio_volume *v, const char **why);
/* v as the channel's VOLUME and MUTE messages (types msg_volume,
 * msg_mute), for clients with the volume capability (cap). */
void	audio_port_send_volume(struct chan *, unsigned cap,
	    const struct qxlshm_audio_volume *v, uint16_t msg_volume,
	    uint16_t msg_mute);

#endif
