/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x11-mic: see x11-mic.h. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qxl-shm.h"
#include "sbuf.h"
#include "x11.h"
#include "x11-fifo.h"
#include "x11-mic.h"

/* xmic_none's reason for something at the path that is no FIFO. */
#define XMIC_NOT_FIFO	(-1)

/* Datagrams from spiced read per wakeup. */
#define XMIC_BATCH	32

struct xmic {
	char		*m_path;
	int		 m_fd;		/* the FIFO's write end, or -1 */
	int		 m_port;	/* spiced's record port, or -1 */
	uint32_t	 m_rate;
	uint32_t	 m_channels;
	int64_t		 m_next_ms;	/* next look for a reader */
	int		 m_why;		/* why the last look found none */
	uint64_t	 m_dropped;	/* bytes the reader had no room for */
};

struct xmic *
xmic_new(const char *path, uint32_t rate, uint32_t channels,
    struct spd_err *err)
{
	struct xmic *m;

	/* PulseAudio's pipe source makes the FIFO itself (and refuses one
	 * that is there): it may come later; it must be a FIFO if it is
	 * here now. */
	if (xfifo_check(path, err) != 0)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->m_path = strdup(path)) == NULL) {
		free(m);
		spd_err_set(err, "out of memory");
		return NULL;
	}
	m->m_fd = -1;
	m->m_port = -1;
	m->m_rate = rate;
	m->m_channels = channels;
	return m;
}

/* START (listening) or STOP to spiced. */
static void
xmic_tell(struct xmic *m)
{
	struct qxlshm_audio_data start;
	uint32_t stop = QXLSHM_AUDIO_STOP;
	ssize_t n;

	if (m->m_port < 0)
		return;
	if (m->m_fd >= 0) {
		start.type = QXLSHM_AUDIO_START;
		start.channels = m->m_channels;
		start.frequency = m->m_rate;
		n = send(m->m_port, &start, sizeof(start), MSG_DONTWAIT |
		    MSG_NOSIGNAL);
	} else
		n = send(m->m_port, &stop, sizeof(stop), MSG_DONTWAIT |
		    MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		x11_log("microphone: spiced's record port: %s; the "
		    "microphone stops", strerror(errno));
		close(m->m_port);
		m->m_port = -1;
	}
}

/* No reader, for why (an errno): logged when it changes. */
static void
xmic_none(struct xmic *m, int why)
{
	if (why != m->m_why && why != ENXIO && why != ENOENT)
		x11_log("microphone: %s: %s", m->m_path, why == XMIC_NOT_FIFO ?
		    "not a FIFO" : strerror(why));
	m->m_why = why;
}

void
xmic_check(struct xmic *m)
{
	struct stat sb;
	int fd;

	m->m_next_ms = x11_now_ms() + XMIC_RETRY_MS;
	if (m->m_fd >= 0)
		return;
	/* ENOENT: no FIFO yet; ENXIO: no reader. */
	if ((fd = open(m->m_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		xmic_none(m, errno);
		return;
	}
	if (fstat(fd, &sb) != 0 || !S_ISFIFO(sb.st_mode)) {
		close(fd);
		xmic_none(m, XMIC_NOT_FIFO);
		return;
	}
	m->m_fd = fd;
	m->m_why = 0;
	x11_log("microphone: the sound server reads %s: listening",
	    m->m_path);
	xmic_tell(m);
}

int
xmic_due_ms(const struct xmic *m)
{
	int64_t left;

	if (m->m_fd >= 0)
		return -1;
	left = m->m_next_ms - x11_now_ms();
	return left <= 0 ? 0 : (int)left;
}

/* The reader went: STOP, and look for the next. */
static void
xmic_reader_gone(struct xmic *m)
{
	x11_log("microphone: the sound server closed %s: not listening",
	    m->m_path);
	close(m->m_fd);
	m->m_fd = -1;
	m->m_next_ms = x11_now_ms() + XMIC_RETRY_MS;
	xmic_tell(m);
}

/* The viewer's frames into the FIFO, PIPE_BUF bytes at a time (atomic:
 * whole or not at all); what the reader has no room for is dropped. */
static void
xmic_write(struct xmic *m, const uint8_t *p, size_t len)
{
	size_t chunk = PIPE_BUF - PIPE_BUF % (2u * m->m_channels), n;
	ssize_t w;

	for (; len > 0; p += n, len -= n) {
		n = len < chunk ? len : chunk;
		if ((w = write(m->m_fd, p, n)) == (ssize_t)n)
			continue;
		if (w < 0 && errno == EPIPE) {
			xmic_reader_gone(m);
			return;
		}
		if (w < 0 && errno != EAGAIN)
			x11_log("microphone: writing %s: %s", m->m_path,
			    strerror(errno));
		m->m_dropped += len;
		return;
	}
}

void
xmic_handle(struct xmic *m)
{
	uint8_t buf[sizeof(struct qxlshm_audio_data) + QXLSHM_AUDIO_MAX_DATA +
	    1];
	uint32_t type, channels, rate;
	struct sbuf sb;
	ssize_t n;
	int i;

	for (i = 0; i < XMIC_BATCH && m->m_port >= 0; i++) {
		n = recv(m->m_port, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			/* spiced went away: the control socket says so. */
			close(m->m_port);
			m->m_port = -1;
			return;
		}
		sbuf_init(&sb, buf, (size_t)n);
		if (sbuf_get_u32le(&sb, &type) != 0)
			continue;
		if (type == QXLSHM_AUDIO_SYNC) {
			xmic_tell(m);
			continue;
		}
		/* DATA in our format (an older START's is dropped), whole
		 * frames, within the protocol's size. */
		if (type != QXLSHM_AUDIO_DATA ||
		    sbuf_get_u32le(&sb, &channels) != 0 ||
		    sbuf_get_u32le(&sb, &rate) != 0 ||
		    channels != m->m_channels || rate != m->m_rate ||
		    sbuf_left(&sb) > QXLSHM_AUDIO_MAX_DATA ||
		    sbuf_left(&sb) % (2u * channels) != 0) {
			x11_log("microphone: a datagram of %zd bytes (type %u) "
			    "from spiced dropped", n, type);
			continue;
		}
		if (m->m_fd >= 0)
			xmic_write(m, sbuf_ptr(&sb), sbuf_left(&sb));
	}
}

void
xmic_set_port(struct xmic *m, int port)
{
	if (m->m_port >= 0)
		close(m->m_port);
	m->m_port = port;
	if (m->m_fd >= 0)
		xmic_tell(m);
}

int
xmic_port_fd(const struct xmic *m)
{
	return m->m_port;
}

int
xmic_fifo_fd(const struct xmic *m)
{
	return m->m_fd;
}

void
xmic_fifo_error(struct xmic *m)
{
	if (m->m_fd >= 0)
		xmic_reader_gone(m);
}

void
xmic_free(struct xmic *m)
{
	if (m == NULL)
		return;
	if (m->m_dropped > 0)
		x11_log("microphone: %llu bytes the sound server had no room "
		    "for were dropped", (unsigned long long)m->m_dropped);
	if (m->m_port >= 0)
		close(m->m_port);
	if (m->m_fd >= 0)
		close(m->m_fd);
	free(m->m_path);
	free(m);
}
