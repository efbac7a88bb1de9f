/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audio-port: see audio-port.h.
 */
#include <string.h>

#include "audio-port.h"
#include "sbuf.h"

/* Whether a DATA or START header names a format spiced carries. */
static int
audio_port_format_ok(const struct qxlshm_audio_data *d)
{
	return d->channels >= 1 && d->channels <= 2 &&
	    d->frequency >= QXLSHM_AUDIO_MIN_RATE &&
	    d->frequency <= QXLSHM_AUDIO_MAX_RATE;
}

int
audio_port_parse(const uint8_t *buf, size_t n, struct audio_port_msg *m,
    const char **why)
{
	struct sbuf sb;

	memset(m, 0, sizeof(*m));
	sbuf_init(&sb, buf, n);
	if (sbuf_get_u32le(&sb, &m->am_type) != 0)
		return *why = "a datagram shorter than its type", -1;
	sbuf_init(&sb, buf, n);		/* each body starts with the type */
	switch (m->am_type) {
	case QXLSHM_AUDIO_DATA:
		if (sbuf_get_bytes(&sb, &m->am_data, sizeof(m->am_data)) != 0)
			return *why = "DATA shorter than its header", -1;
		m->am_pcm_len = sbuf_left(&sb);
		if (!audio_port_format_ok(&m->am_data) ||
		    m->am_pcm_len > QXLSHM_AUDIO_MAX_DATA ||
		    m->am_pcm_len % (2 * m->am_data.channels) != 0 ||
		    sbuf_get_direct(&sb, &m->am_pcm, m->am_pcm_len) != 0)
			return *why = "DATA of a bad format or size", -1;
		return 0;
	case QXLSHM_AUDIO_START:
		if (sbuf_get_bytes(&sb, &m->am_data, sizeof(m->am_data)) != 0 ||
		    sbuf_left(&sb) != 0)
			return *why = "START of the wrong size", -1;
		if (!audio_port_format_ok(&m->am_data))
			return *why = "START of a bad format", -1;
		return 0;
	case QXLSHM_AUDIO_STOP:
		if (n != 4)
			return *why = "STOP with a body", -1;
		return 0;
	case QXLSHM_AUDIO_VOLUME:
		if (sbuf_get_bytes(&sb, &m->am_vol, sizeof(m->am_vol)) != 0 ||
		    sbuf_left(&sb) != 0)
			return *why = "VOLUME of the wrong size", -1;
		if (m->am_vol.mute > 1 || m->am_vol.channels < 1 ||
		    m->am_vol.channels > 2)
			return *why = "VOLUME of a bad value", -1;
		return 0;
	default:
		return *why = "a datagram of an unknown type", -1;
	}
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
