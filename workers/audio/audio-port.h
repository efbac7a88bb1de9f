/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audio-port: what the playback and record workers share about the
 * producer's audio ports (qxl-shm 2.7, 2.8): the one decoder of the
 * producer's datagrams, and the volume as SPICE messages.
 */
#ifndef SPICED_AUDIO_PORT_H
#define SPICED_AUDIO_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "qxl-shm.h"

/* A producer's datagram, decoded and checked. */
struct audio_port_msg {
	uint32_t			am_type;	/* QXLSHM_AUDIO_* */
	struct qxlshm_audio_data	am_data;	/* DATA, START */
	struct qxlshm_audio_volume	am_vol;		/* VOLUME */
	const uint8_t			*am_pcm;	/* DATA: in buf */
	size_t				 am_pcm_len;
};

/* Decode the n bytes at buf (read through sbuf): DATA (a format spiced
 * carries, at most QXLSHM_AUDIO_MAX_DATA bytes of whole frames), START
 * (a format), STOP (nothing after the type), VOLUME (mute 0/1, 1 or 2
 * channels).  0 and *m, or -1 with why (also for an unknown type: which
 * types a role takes is its own business). */
int	audio_port_parse(const uint8_t *buf, size_t n, struct audio_port_msg *m,
	    const char **why);
/* v as the channel's VOLUME and MUTE messages (types msg_volume,
 * msg_mute), for clients with the volume capability (cap). */
void	audio_port_send_volume(struct chan *, unsigned cap,
	    const struct qxlshm_audio_volume *v, uint16_t msg_volume,
	    uint16_t msg_mute);

#endif
