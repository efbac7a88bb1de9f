/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-audio: see qemu-audio.h.  The Out listener's methods are Init,
 * Fini, SetEnabled, SetVolume (qemu-voice.h) and Write(t id, ay data).
 * One voice plays at a time (the last one written to); QEMU's mixing
 * engine has already mixed the guest's streams into it.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "qemu-audio.h"
#include "qemu-voice.h"

#define QAUDIO_PATH	"/org/qemu/Display1/AudioOutListener"

struct qaudio {
	struct qemu		*a_q;
	struct qvoice_conn	 a_conn;
	int			 a_fd;	/* spiced's audio port, or -1 */
	struct qvoices		 a_voices;
	uint64_t		 a_dropped;
};

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
			s = qvoice_get(v, data + f * in_frame + i *
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
	int r;

	(void)ret;
	if (qvoice_init(&a->a_voices, m, &r) == NULL)
		return r;
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
	if ((v = qvoice_find(&a->a_voices, id, 0)) != NULL) {
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
	if (!on && qvoice_find(&a->a_voices, id, 0) != NULL)
		qaudio_send(a, &stop, sizeof(stop));
	return sd_bus_reply_method_return(m, NULL);
}

static int
qaudio_volume(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qaudio *a = arg;
	struct qxlshm_audio_volume v;
	int r;

	(void)ret;
	if ((r = qvoice_volume(m, &v)) < 0)
		return r;
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
	if ((v = qvoice_find(&a->a_voices, id, 0)) != NULL)
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
	a->a_conn.vc_call = sd_bus_slot_unref(a->a_conn.vc_call);
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
	struct qaudio *a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		spd_err_set(err, "out of memory");
		return NULL;
	}
	a->a_q = q;
	a->a_fd = -1;
	a->a_voices.vs_what = "sound";
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
	if (qvoice_listen(q, &a->a_conn, QAUDIO_PATH, QEMU_IFACE
	    ".AudioOutListener", qaudio_vtable, a, "RegisterOutListener",
	    qaudio_registered, err) != 0) {
		qaudio_free(a);
		return NULL;
	}
	return a;
}

void
qaudio_free(struct qaudio *a)
{
	if (a == NULL)
		return;
	qvoice_close(&a->a_conn);
	if (a->a_fd >= 0)
		close(a->a_fd);
	free(a);
}
