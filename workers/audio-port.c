/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audio-port: see audio-port.h.
 */
#include <string.h>

#include "audio-port.h"
#include "sbuf.h"

int
audio_port_format_ok(const struct qxlshm_audio_data *d)
{
	return d->channels >= 1 && d->channels <= 2 &&
	    d->frequency >= QXLSHM_AUDIO_MIN_RATE &&
	    d->frequency <= QXLSHM_AUDIO_MAX_RATE;
}

int
audio_port_volume(const uint8_t *buf, size_t n, struct qxlshm_audio_volume *v,
    const char **why)
{
	if (n != sizeof(*v))
		return *why = "VOLUME of the wrong size", -1;
	memcpy(v, buf, sizeof(*v));
	if (v->mute > 1 || v->channels < 1 || v->channels > 2)
		return *why = "VOLUME of a bad value", -1;
	return 0;
}

void
audio_port_send_volume(struct chan *c, unsigned cap,
    const struct qxlshm_audio_volume *v, uint16_t msg_volume,
    uint16_t msg_mute)
{
	struct obuf *ob;
	uint32_t i;

	if (c == NULL || !chan_has_cap(c, cap))
		return;
	ob = chan_msg_begin(c, msg_volume);
	obuf_put_u8(ob, (uint8_t)v->channels);
	for (i = 0; i < v->channels; i++)
		obuf_put_u16le(ob, v->volume[i]);
	chan_msg_end(c);
	ob = chan_msg_begin(c, msg_mute);
	obuf_put_u8(ob, (uint8_t)v->mute);
	chan_msg_end(c);
}
