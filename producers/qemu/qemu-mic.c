/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-mic: see qemu-mic.h.  The In listener's methods are Init, Fini,
 * SetEnabled, SetVolume (qemu-voice.h) and Read(t id, t size) -> ay,
 * at most size bytes of whole frames in the voice's format.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "qemu-mic.h"
#include "qemu-voice.h"

#define QMIC_PATH	"/org/qemu/Display1/AudioInListener"
/* Half a second at the highest rate, in S16 samples. */
#define QMIC_RING	(QXLSHM_AUDIO_MAX_RATE / 2 * 2)
#define QMIC_BATCH	32		/* datagrams read per wakeup */

struct qmic {
	struct qemu		*m_q;
	struct qvoice_conn	 m_conn;
	int			 m_fd;	/* spiced's record port, or -1 */
	sd_event_source		*m_ev;
	struct qvoices		 m_voices;
	struct qvoice		*m_active;	/* the voice listening */
	struct qxlshm_audio_volume m_vol;	/* type 0: none yet */
	int16_t			 m_ring[QMIC_RING];
	size_t			 m_head;	/* oldest sample */
	size_t			 m_len;		/* samples held, */
	size_t			 m_cap;		/* of this many */
	uint64_t		 m_dropped;
};

static void
qmic_port_close(struct qmic *m, const char *why)
{
	if (m->m_fd < 0)
		return;
	log_warn("audio: spiced's record port: %s; the microphone stops",
	    why);
	m->m_ev = sd_event_source_disable_unref(m->m_ev);
	close(m->m_fd);
	m->m_fd = -1;
}

static void
qmic_send(struct qmic *m, const void *buf, size_t len)
{
	if (m->m_fd < 0 || send(m->m_fd, buf, len, MSG_DONTWAIT |
	    MSG_NOSIGNAL) == (ssize_t)len)
		return;
	/* START, STOP and VOLUME are few: a full port is a stuck spiced. */
	qmic_port_close(m, errno == EAGAIN ? "full" : strerror(errno));
}

/* Tell spiced whether a voice listens, in which format. */
static void
qmic_state(struct qmic *m)
{
	struct qxlshm_audio_data d;
	uint32_t stop = QXLSHM_AUDIO_STOP;

	if (m->m_active == NULL) {
		qmic_send(m, &stop, sizeof(stop));
		return;
	}
	d.type = QXLSHM_AUDIO_START;
	d.channels = m->m_active->v_channels;
	d.frequency = m->m_active->v_rate;
	qmic_send(m, &d, sizeof(d));
}

static void
qmic_listen(struct qmic *m, struct qvoice *v)
{
	if (m->m_active == v)
		return;
	m->m_active = v;
	m->m_head = m->m_len = 0;
	/* Whole frames of half a second, at most the ring. */
	m->m_cap = v == NULL ? 0 : (size_t)v->v_rate / 2 * v->v_channels;
	if (m->m_cap > QMIC_RING)
		m->m_cap = QMIC_RING;
	if (v != NULL)
		log_info("audio: the VM listens to the microphone (%u Hz, %u "
		    "channel%s)", v->v_rate, v->v_channels,
		    v->v_channels > 1 ? "s" : "");
	qmic_state(m);
}

/* The viewer's samples (S16LE, the active voice's format) into the
 * ring, the oldest dropped when it is full. */
static void
qmic_push(struct qmic *m, const uint8_t *pcm, size_t n)
{
	size_t i, over;
	int16_t s;

	if (n > m->m_cap) {
		pcm += (n - m->m_cap) * 2;
		n = m->m_cap;
	}
	if ((over = m->m_len + n > m->m_cap ? m->m_len + n - m->m_cap : 0)) {
		m->m_head = (m->m_head + over) % m->m_cap;
		m->m_len -= over;
		if (m->m_dropped++ % 100 == 0)
			log_debug("audio: microphone: the VM reads slower than "
			    "the viewer sends (%llu times)",
			    (unsigned long long)m->m_dropped);
	}
	for (i = 0; i < n; i++) {
		memcpy(&s, pcm + i * 2, 2);
		m->m_ring[(m->m_head + m->m_len + i) % m->m_cap] = s;
	}
	m->m_len += n;
}

/* One datagram from spiced: 0, or -1 with why. */
static int
qmic_datagram(struct qmic *m, const uint8_t *buf, size_t n, const char **why)
{
	struct qxlshm_audio_data d;
	uint32_t type;

	if (n < 4)
		return *why = "a datagram shorter than its type", -1;
	memcpy(&type, buf, 4);
	if (type == QXLSHM_AUDIO_SYNC) {
		if (n != 4)
			return *why = "SYNC with a body", -1;
		qmic_state(m);
		if (m->m_vol.type == QXLSHM_AUDIO_VOLUME)
			qmic_send(m, &m->m_vol, sizeof(m->m_vol));
		return 0;
	}
	if (type != QXLSHM_AUDIO_DATA)
		return *why = "a datagram of an unknown type", -1;
	if (n < sizeof(d) || n - sizeof(d) > QXLSHM_AUDIO_MAX_DATA)
		return *why = "DATA of a bad size", -1;
	memcpy(&d, buf, sizeof(d));
	/* A viewer answering an earlier START: not ours to play. */
	if (m->m_active == NULL || d.channels != m->m_active->v_channels ||
	    d.frequency != m->m_active->v_rate ||
	    (n - sizeof(d)) % (2u * d.channels) != 0)
		return 0;
	qmic_push(m, buf + sizeof(d), (n - sizeof(d)) / 2);
	return 0;
}

static int
qmic_port_cb(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct qmic *m = arg;
	uint8_t buf[sizeof(struct qxlshm_audio_data) + QXLSHM_AUDIO_MAX_DATA +
	    1];
	const char *why;
	ssize_t n;
	int i;

	(void)s;
	(void)revents;
	for (i = 0; i < QMIC_BATCH && m->m_fd >= 0; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			qmic_port_close(m, n < 0 ? strerror(errno) :
			    "closed by spiced");
			break;
		}
		if ((size_t)n == sizeof(buf)) {
			qmic_port_close(m, "a datagram over the size cap");
			break;
		}
		if (qmic_datagram(m, buf, (size_t)n, &why) != 0) {
			qmic_port_close(m, why);
			break;
		}
	}
	return 0;
}

static int
qmic_init(sd_bus_message *msg, void *arg, sd_bus_error *ret)
{
	struct qmic *m = arg;
	int r;

	(void)ret;
	if (qvoice_init(&m->m_voices, msg, &r) == NULL)
		return r;
	return sd_bus_reply_method_return(msg, NULL);
}

static int
qmic_fini(sd_bus_message *msg, void *arg, sd_bus_error *ret)
{
	struct qmic *m = arg;
	struct qvoice *v;
	uint64_t id;
	int r;

	(void)ret;
	if ((r = sd_bus_message_read(msg, "t", &id)) < 0)
		return r;
	if ((v = qvoice_find(&m->m_voices, id, 0)) != NULL) {
		if (m->m_active == v)
			qmic_listen(m, NULL);
		v->v_used = 0;
	}
	return sd_bus_reply_method_return(msg, NULL);
}

static int
qmic_enabled(sd_bus_message *msg, void *arg, sd_bus_error *ret)
{
	struct qmic *m = arg;
	struct qvoice *v;
	uint64_t id;
	int on, r;

	(void)ret;
	if ((r = sd_bus_message_read(msg, "tb", &id, &on)) < 0)
		return r;
	if ((v = qvoice_find(&m->m_voices, id, 0)) != NULL) {
		if (on)
			qmic_listen(m, v);
		else if (m->m_active == v)
			qmic_listen(m, NULL);
	}
	return sd_bus_reply_method_return(msg, NULL);
}

static int
qmic_volume(sd_bus_message *msg, void *arg, sd_bus_error *ret)
{
	struct qmic *m = arg;
	int r;

	(void)ret;
	if ((r = qvoice_volume(msg, &m->m_vol)) < 0)
		return r;
	qmic_send(m, &m->m_vol, sizeof(m->m_vol));
	return sd_bus_reply_method_return(msg, NULL);
}

/* Read: QEMU waits for this answer, its main loop stopped. */
static int
qmic_read(sd_bus_message *msg, void *arg, sd_bus_error *ret)
{
	struct qmic *m = arg;
	sd_bus_message *reply = NULL;
	struct qvoice *v;
	uint64_t id, size;
	size_t frame, frames = 0, i;
	uint8_t *out;
	int r;

	(void)ret;
	if ((r = sd_bus_message_read(msg, "tt", &id, &size)) < 0)
		return r;
	v = qvoice_find(&m->m_voices, id, 0);
	if (v != NULL && v == m->m_active) {
		frame = (size_t)v->v_bits / 8 * v->v_channels;
		frames = m->m_len / v->v_channels;
		if (frames > size / frame)
			frames = (size_t)(size / frame);
	} else
		frame = 0;
	if ((r = sd_bus_message_new_method_return(msg, &reply)) < 0 ||
	    (r = sd_bus_message_append_array_space(reply, 'y', frames * frame,
	    (void **)&out)) < 0)
		goto out;
	for (i = 0; i < frames * v->v_channels; i++) {
		qvoice_put(v, m->m_ring[m->m_head], out + i * (v->v_bits / 8));
		m->m_head = (m->m_head + 1) % m->m_cap;
	}
	if (frames > 0)
		m->m_len -= frames * v->v_channels;
	r = sd_bus_send(NULL, reply, NULL);
out:
	sd_bus_message_unref(reply);
	return r;
}

static const sd_bus_vtable qmic_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Init", "tybbuyuub", "", qmic_init, 0),
	SD_BUS_METHOD("Fini", "t", "", qmic_fini, 0),
	SD_BUS_METHOD("SetEnabled", "tb", "", qmic_enabled, 0),
	SD_BUS_METHOD("SetVolume", "tbay", "", qmic_volume, 0),
	SD_BUS_METHOD("Read", "tt", "ay", qmic_read, 0),
	SD_BUS_VTABLE_END
};

static int
qmic_registered(sd_bus_message *msg, void *arg, sd_bus_error *ret)
{
	struct qmic *m = arg;
	const sd_bus_error *e;

	(void)ret;
	m->m_conn.vc_call = sd_bus_slot_unref(m->m_conn.vc_call);
	if ((e = sd_bus_message_get_error(msg)) != NULL) {
		log_info("audio: QEMU takes no microphone here (%s)",
		    e->message != NULL ? e->message : e->name);
		return 0;
	}
	if ((m->m_fd = qxlshm_record_open(m->m_q->q_shm)) == -1) {
		log_warn("audio: spiced: %s", qxlshm_error(m->m_q->q_shm));
		return 0;
	}
	if (sd_event_add_io(m->m_q->q_event, &m->m_ev, m->m_fd, EPOLLIN,
	    qmic_port_cb, m) < 0) {
		qmic_port_close(m, "sd_event_add_io failed");
		return 0;
	}
	log_info("audio: the microphone goes from spiced to QEMU");
	return 0;
}

struct qmic *
qmic_new(struct qemu *q, struct spd_err *err)
{
	struct qmic *m;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		spd_err_set(err, "out of memory");
		return NULL;
	}
	m->m_q = q;
	m->m_fd = -1;
	m->m_voices.vs_what = "microphone";
	/* As for the sound (qemu-audio.c): on a bus only. */
	if (q->q_dest == NULL ||
	    !(qxlshm_features(q->q_shm) & QXLSHM_F_RECORD))
		return m;
	if (qvoice_listen(q, &m->m_conn, QMIC_PATH, QEMU_IFACE
	    ".AudioInListener", qmic_vtable, m, "RegisterInListener",
	    qmic_registered, err) != 0) {
		qmic_free(m);
		return NULL;
	}
	return m;
}

void
qmic_free(struct qmic *m)
{
	if (m == NULL)
		return;
	qvoice_close(&m->m_conn);
	sd_event_source_disable_unref(m->m_ev);
	if (m->m_fd >= 0)
		close(m->m_fd);
	free(m);
}
