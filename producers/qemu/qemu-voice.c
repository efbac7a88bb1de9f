/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-voice: see qemu-voice.h.
 */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "qemu-voice.h"

struct qvoice *
qvoice_find(struct qvoices *vs, uint64_t id, int make)
{
	int i, free_slot = -1;

	for (i = 0; i < QVOICE_MAX; i++) {
		if (vs->vs_voice[i].v_used && vs->vs_voice[i].v_id == id)
			return &vs->vs_voice[i];
		if (!vs->vs_voice[i].v_used && free_slot < 0)
			free_slot = i;
	}
	if (!make || free_slot < 0)
		return NULL;
	memset(&vs->vs_voice[free_slot], 0, sizeof(vs->vs_voice[0]));
	vs->vs_voice[free_slot].v_used = 1;
	vs->vs_voice[free_slot].v_id = id;
	return &vs->vs_voice[free_slot];
}

struct qvoice *
qvoice_init(struct qvoices *vs, sd_bus_message *m, int *r)
{
	struct qvoice *v;
	uint64_t id;
	uint8_t bits, ch;
	uint32_t freq, bpf, bps;
	int sgn, flt, be;

	if ((*r = sd_bus_message_read(m, "tybbuyuub", &id, &bits, &sgn, &flt,
	    &freq, &ch, &bpf, &bps, &be)) < 0)
		return NULL;
	/* The guest chooses: formats spiced cannot carry are refused. */
	if ((bits != 8 && bits != 16 && bits != 32) || (flt && bits != 32) ||
	    ch < 1 || ch > 2 || freq < QXLSHM_AUDIO_MIN_RATE ||
	    freq > QXLSHM_AUDIO_MAX_RATE || bpf != (uint32_t)bits / 8 * ch) {
		if (!vs->vs_logged++)
			log_warn("audio: %s voice of %u bits, %u channels, "
			    "%u Hz not carried", vs->vs_what, bits, ch, freq);
		*r = sd_bus_reply_method_errorf(m, "org.qemu.Display1.Error."
		    "Unsupported", "format not supported");
		return NULL;
	}
	if ((v = qvoice_find(vs, id, 1)) == NULL) {
		*r = sd_bus_reply_method_errorf(m, "org.qemu.Display1.Error."
		    "Failed", "too many voices");
		return NULL;
	}
	v->v_bits = bits;
	v->v_signed = sgn;
	v->v_float = flt;
	v->v_be = be;
	v->v_rate = freq;
	v->v_channels = ch;
	log_info("audio: %s voice %llu: %u-bit%s %s, %u channel%s, %u Hz",
	    vs->vs_what, (unsigned long long)id, bits, flt ? " float" : "",
	    sgn ? "signed" : "unsigned", ch, ch > 1 ? "s" : "", freq);
	*r = 0;
	return v;
}

int16_t
qvoice_get(const struct qvoice *v, const uint8_t *p)
{
	uint32_t u;
	float f;

	switch (v->v_bits) {
	case 8:
		return v->v_signed ? (int16_t)((int8_t)p[0] * 256) :
		    (int16_t)(((int)p[0] - 128) * 256);
	case 16:
		u = v->v_be ? (uint32_t)p[0] << 8 | p[1] :
		    (uint32_t)p[1] << 8 | p[0];
		return v->v_signed ? (int16_t)u : (int16_t)(u - 32768);
	default:
		u = v->v_be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3] : (uint32_t)p[3] << 24 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
		if (v->v_float) {
			memcpy(&f, &u, 4);
			f = f > 1.0f ? 1.0f : f < -1.0f ? -1.0f : f;
			return (int16_t)(f * 32767.0f);
		}
		return v->v_signed ? (int16_t)((int32_t)u >> 16) :
		    (int16_t)((u >> 16) - 32768);
	}
}

void
qvoice_put(const struct qvoice *v, int16_t s, uint8_t *p)
{
	uint32_t u;
	float f;

	switch (v->v_bits) {
	case 8:
		p[0] = v->v_signed ? (uint8_t)(s >> 8) :
		    (uint8_t)((s >> 8) + 128);
		return;
	case 16:
		u = v->v_signed ? (uint16_t)s : (uint16_t)(s + 32768);
		break;
	default:
		if (v->v_float) {
			f = (float)s / 32768.0f;
			memcpy(&u, &f, 4);
		} else
			u = v->v_signed ? (uint32_t)(int32_t)s << 16 :
			    (uint32_t)(uint16_t)(s + 32768) << 16;
		if (v->v_be) {
			p[0] = (uint8_t)(u >> 24);
			p[1] = (uint8_t)(u >> 16);
			p[2] = (uint8_t)(u >> 8);
			p[3] = (uint8_t)u;
		} else {
			p[0] = (uint8_t)u;
			p[1] = (uint8_t)(u >> 8);
			p[2] = (uint8_t)(u >> 16);
			p[3] = (uint8_t)(u >> 24);
		}
		return;
	}
	p[v->v_be ? 0 : 1] = (uint8_t)(u >> 8);
	p[v->v_be ? 1 : 0] = (uint8_t)u;
}

int
qvoice_volume(sd_bus_message *m, struct qxlshm_audio_volume *v)
{
	const void *vol;
	size_t n, i;
	uint64_t id;
	int mute, r;

	if ((r = sd_bus_message_read(m, "tb", &id, &mute)) < 0 ||
	    (r = sd_bus_message_read_array(m, 'y', &vol, &n)) < 0)
		return r;
	memset(v, 0, sizeof(*v));
	v->type = QXLSHM_AUDIO_VOLUME;
	v->mute = mute != 0;
	v->channels = n >= 2 ? 2 : 1;
	for (i = 0; i < v->channels; i++)
		/* QEMU's 0..255 onto SPICE's 0..65535. */
		v->volume[i] = (uint16_t)((n > i ? ((const uint8_t *)vol)[i] :
		    255) * 257);
	return 0;
}

int
qvoice_listen(struct qemu *q, struct qvoice_conn *c, const char *path,
    const char *iface, const sd_bus_vtable *vtable, void *arg,
    const char *method, sd_bus_message_handler_t done, struct spd_err *err)
{
	sd_bus_message *call = NULL;
	int sv[2] = { -1, -1 }, r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return spd_err_set(err, "socketpair: %s", strerror(errno));
	if ((r = sd_bus_new(&c->vc_bus)) < 0 ||
	    (r = sd_bus_set_fd(c->vc_bus, sv[0], sv[0])) < 0) {
		close(sv[0]);
		close(sv[1]);
		return spd_err_set(err, "%s connection: %s", iface,
		    strerror(-r));
	}
	if ((r = sd_bus_add_object_vtable(c->vc_bus, &c->vc_vtable, path,
	    iface, vtable, arg)) < 0 ||
	    (r = sd_bus_start(c->vc_bus)) < 0 ||
	    (r = qemu_bus_attach(q, c->vc_bus)) < 0 ||
	    (r = sd_bus_message_new_method_call(q->q_bus, &call, q->q_dest,
	    "/org/qemu/Display1/Audio", QEMU_IFACE ".Audio", method)) < 0 ||
	    (r = sd_bus_message_append(call, "h", sv[1])) < 0 ||
	    (r = sd_bus_call_async(q->q_bus, &c->vc_call, call, done, arg,
	    0)) < 0) {
		sd_bus_message_unref(call);
		close(sv[1]);
		return spd_err_set(err, "%s: %s", method, strerror(-r));
	}
	sd_bus_message_unref(call);
	close(sv[1]);
	return 0;
}

void
qvoice_close(struct qvoice_conn *c)
{
	c->vc_call = sd_bus_slot_unref(c->vc_call);
	c->vc_vtable = sd_bus_slot_unref(c->vc_vtable);
	if (c->vc_bus != NULL)
		sd_bus_flush_close_unref(c->vc_bus);
	c->vc_bus = NULL;
}
