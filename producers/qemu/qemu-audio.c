/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-audio: see qemu-audio.h.  Signatures are QEMU 7.2's: Init(t id,
 * y bits, b is_signed, b is_float, u freq, y nchannels, u bytes_per_frame,
 * u bytes_per_second, b be), Fini(t), SetEnabled(t, b), SetVolume(t, b
 * mute, ay volume), Write(t, ay data).  One voice plays at a time (the
 * last one written to); QEMU's mixing engine has already mixed the
 * guest's streams into it.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "qemu-audio.h"

#define QAUDIO_PATH	"/org/qemu/Display1/AudioOutListener"

struct qvoice {
	uint64_t	v_id;
	int		v_used;
	uint8_t		v_bits;		/* 8, 16 or 32 */
	int		v_signed;
	int		v_float;
	int		v_be;
	uint32_t	v_rate;
	uint8_t		v_channels;
};

struct qaudio {
	struct qemu	*a_q;
	sd_bus		*a_bus;
	sd_bus_slot	*a_vtable;
	sd_bus_slot	*a_call;
	int		 a_fd;		/* spiced's audio port, or -1 */
	struct qvoice	 a_voice[QAUDIO_MAX_VOICES];
	uint64_t	 a_dropped;
	int		 a_logged;
};

static struct qvoice *
qaudio_voice(struct qaudio *a, uint64_t id, int make)
{
	int i, free_slot = -1;

	for (i = 0; i < QAUDIO_MAX_VOICES; i++) {
		if (a->a_voice[i].v_used && a->a_voice[i].v_id == id)
			return &a->a_voice[i];
		if (!a->a_voice[i].v_used && free_slot < 0)
			free_slot = i;
	}
	if (!make || free_slot < 0)
		return NULL;
	memset(&a->a_voice[free_slot], 0, sizeof(a->a_voice[0]));
	a->a_voice[free_slot].v_used = 1;
	a->a_voice[free_slot].v_id = id;
	return &a->a_voice[free_slot];
}

/* One datagram to spiced; dropped when it has no room now. */
static void
qaudio_send(struct qaudio *a, const void *buf, size_t len)
{
	if (a->a_fd < 0)
		return;
	if (send(a->a_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)len)
		return;
	if (errno == EAGAIN || errno == EINTR) {
		if (a->a_dropped++ % 100 == 0)
			log_debug("audio: %llu packets dropped",
			    (unsigned long long)a->a_dropped);
		return;
	}
	log_warn("audio: spiced's port: %s; the sound stops", strerror(errno));
	close(a->a_fd);
	a->a_fd = -1;
}

/* A sample of v's format at p as S16. */
static int16_t
qaudio_s16(const struct qvoice *v, const uint8_t *p)
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

/* Write: the frames in data, as S16LE in datagrams of at most
 * QXLSHM_AUDIO_MAX_DATA bytes. */
static void
qaudio_write(struct qaudio *a, const struct qvoice *v, const uint8_t *data,
    size_t size)
{
	uint8_t buf[sizeof(struct qxlshm_audio_data) + QXLSHM_AUDIO_MAX_DATA];
	struct qxlshm_audio_data h;
	size_t in_frame = (size_t)v->v_bits / 8 * v->v_channels;
	size_t frames = size / in_frame, per = QXLSHM_AUDIO_MAX_DATA /
	    (2u * v->v_channels), f, n, i;
	int16_t s;

	h.type = QXLSHM_AUDIO_DATA;
	h.channels = v->v_channels;
	h.frequency = v->v_rate;
	memcpy(buf, &h, sizeof(h));
	for (f = 0; f < frames; f += n) {
		n = frames - f < per ? frames - f : per;
		for (i = 0; i < n * v->v_channels; i++) {
			s = qaudio_s16(v, data + f * in_frame + i *
			    (v->v_bits / 8));
			memcpy(buf + sizeof(h) + i * 2, &s, 2);
		}
		qaudio_send(a, buf, sizeof(h) + n * v->v_channels * 2);
	}
}

static int
qaudio_init(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qaudio *a = arg;
	struct qvoice *v;
	uint64_t id;
	uint8_t bits, ch;
	uint32_t freq, bpf, bps;
	int sgn, flt, be, r;

	(void)ret;
	if ((r = sd_bus_message_read(m, "tybbuyuub", &id, &bits, &sgn, &flt,
	    &freq, &ch, &bpf, &bps, &be)) < 0)
		return r;
	/* The guest chooses: formats spiced cannot play are refused. */
	if ((bits != 8 && bits != 16 && bits != 32) || (flt && bits != 32) ||
	    ch < 1 || ch > 2 || freq < QXLSHM_AUDIO_MIN_RATE ||
	    freq > QXLSHM_AUDIO_MAX_RATE || bpf != (uint32_t)bits / 8 * ch) {
		if (!a->a_logged++)
			log_warn("audio: voice of %u bits, %u channels, %u Hz "
			    "not played", bits, ch, freq);
		return sd_bus_reply_method_errorf(m, "org.qemu.Display1.Error."
		    "Unsupported", "format not supported");
	}
	if ((v = qaudio_voice(a, id, 1)) == NULL)
		return sd_bus_reply_method_errorf(m, "org.qemu.Display1.Error."
		    "Failed", "too many voices");
	v->v_bits = bits;
	v->v_signed = sgn;
	v->v_float = flt;
	v->v_be = be;
	v->v_rate = freq;
	v->v_channels = ch;
	log_info("audio: voice %llu: %u-bit%s %s, %u channel%s, %u Hz",
	    (unsigned long long)id, bits, flt ? " float" : "", sgn ? "signed" :
	    "unsigned", ch, ch > 1 ? "s" : "", freq);
	return sd_bus_reply_method_return(m, NULL);
}

static int
qaudio_fini(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qaudio *a = arg;
	struct qvoice *v;
	uint32_t stop = QXLSHM_AUDIO_STOP;
	uint64_t id;
	int r;

	(void)ret;
	if ((r = sd_bus_message_read(m, "t", &id)) < 0)
		return r;
	if ((v = qaudio_voice(a, id, 0)) != NULL) {
		v->v_used = 0;
		qaudio_send(a, &stop, sizeof(stop));
	}
	return sd_bus_reply_method_return(m, NULL);
}

static int
qaudio_enabled(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qaudio *a = arg;
	uint32_t stop = QXLSHM_AUDIO_STOP;
	uint64_t id;
	int on, r;

	(void)ret;
	if ((r = sd_bus_message_read(m, "tb", &id, &on)) < 0)
		return r;
	if (!on && qaudio_voice(a, id, 0) != NULL)
		qaudio_send(a, &stop, sizeof(stop));
	return sd_bus_reply_method_return(m, NULL);
}

static int
qaudio_volume(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qaudio *a = arg;
	struct qxlshm_audio_volume v;
	const void *vol;
	size_t n, i;
	uint64_t id;
	int mute, r;

	(void)ret;
	if ((r = sd_bus_message_read(m, "tb", &id, &mute)) < 0 ||
	    (r = sd_bus_message_read_array(m, 'y', &vol, &n)) < 0)
		return r;
	memset(&v, 0, sizeof(v));
	v.type = QXLSHM_AUDIO_VOLUME;
	v.mute = mute != 0;
	v.channels = n >= 2 ? 2 : 1;
	for (i = 0; i < v.channels; i++)
		/* QEMU's 0..255 onto SPICE's 0..65535. */
		v.volume[i] = (uint16_t)((n > i ? ((const uint8_t *)vol)[i] :
		    255) * 257);
	qaudio_send(a, &v, sizeof(v));
	return sd_bus_reply_method_return(m, NULL);
}

static int
qaudio_write_cb(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qaudio *a = arg;
	struct qvoice *v;
	const void *data;
	uint64_t id;
	size_t size;
	int r;

	(void)ret;
	if ((r = sd_bus_message_read(m, "t", &id)) < 0 ||
	    (r = sd_bus_message_read_array(m, 'y', &data, &size)) < 0)
		return r;
	if ((v = qaudio_voice(a, id, 0)) != NULL)
		qaudio_write(a, v, data, size);
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable qaudio_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Init", "tybbuyuub", "", qaudio_init, 0),
	SD_BUS_METHOD("Fini", "t", "", qaudio_fini, 0),
	SD_BUS_METHOD("SetEnabled", "tb", "", qaudio_enabled, 0),
	SD_BUS_METHOD("SetVolume", "tbay", "", qaudio_volume, 0),
	SD_BUS_METHOD("Write", "tay", "", qaudio_write_cb, 0),
	SD_BUS_VTABLE_END
};

static int
qaudio_registered(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qaudio *a = arg;
	const sd_bus_error *e;

	(void)ret;
	a->a_call = sd_bus_slot_unref(a->a_call);
	if ((e = sd_bus_message_get_error(m)) != NULL) {
		/* No -audiodev dbus: no sound, nothing else changes. */
		log_info("audio: QEMU plays no sound here (%s)",
		    e->message != NULL ? e->message : e->name);
		return 0;
	}
	if ((a->a_fd = qxlshm_audio_open(a->a_q->q_shm)) == -1)
		log_warn("audio: spiced: %s", qxlshm_error(a->a_q->q_shm));
	else
		log_info("audio: QEMU's sound goes to spiced");
	return 0;
}

struct qaudio *
qaudio_new(struct qemu *q, struct spd_err *err)
{
	sd_bus_message *call = NULL;
	struct qaudio *a;
	int sv[2] = { -1, -1 }, r;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		spd_err_set(err, "out of memory");
		return NULL;
	}
	a->a_q = q;
	a->a_fd = -1;
	/* QEMU 7.2 crashes on a peer-to-peer audio registration (it looks
	 * up the caller's bus name, which a peer has none of): sound only
	 * on a bus.  And none when spiced takes none. */
	if (q->q_dest == NULL) {
		log_info("audio: not asked for on a peer-to-peer connection "
		    "(QEMU 7.2 crashes; use --dbus for sound)");
		return a;
	}
	if (!(qxlshm_features(q->q_shm) & QXLSHM_F_AUDIO))
		return a;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		spd_err_set(err, "socketpair: %s", strerror(errno));
		goto fail;
	}
	if ((r = sd_bus_new(&a->a_bus)) < 0 ||
	    (r = sd_bus_set_fd(a->a_bus, sv[0], sv[0])) < 0) {
		spd_err_set(err, "audio connection: %s", strerror(-r));
		goto fail;
	}
	sv[0] = -1;
	if ((r = sd_bus_add_object_vtable(a->a_bus, &a->a_vtable, QAUDIO_PATH,
	    QEMU_IFACE ".AudioOutListener", qaudio_vtable, a)) < 0 ||
	    (r = sd_bus_start(a->a_bus)) < 0 ||
	    (r = qemu_bus_attach(q, a->a_bus)) < 0 ||
	    (r = sd_bus_message_new_method_call(q->q_bus, &call, q->q_dest,
	    "/org/qemu/Display1/Audio", QEMU_IFACE ".Audio",
	    "RegisterOutListener")) < 0 ||
	    (r = sd_bus_message_append(call, "h", sv[1])) < 0 ||
	    (r = sd_bus_call_async(q->q_bus, &a->a_call, call,
	    qaudio_registered, a, 0)) < 0) {
		spd_err_set(err, "audio listener: %s", strerror(-r));
		goto fail;
	}
	sd_bus_message_unref(call);
	close(sv[1]);
	return a;
fail:
	sd_bus_message_unref(call);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	qaudio_free(a);
	return NULL;
}

void
qaudio_free(struct qaudio *a)
{
	if (a == NULL)
		return;
	sd_bus_slot_unref(a->a_call);
	sd_bus_slot_unref(a->a_vtable);
	if (a->a_bus != NULL)
		sd_bus_flush_close_unref(a->a_bus);
	if (a->a_fd >= 0)
		close(a->a_fd);
	free(a);
}
