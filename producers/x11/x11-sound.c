/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x11-sound: see x11-sound.h. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qxl-shm.h"
#include "x11.h"
#include "x11-fifo.h"
#include "x11-sound.h"

/* Reads per readiness: 16 datagrams of 16 KiB, 1.4 s of 48 kHz
 * stereo; what is left waits for the next turn of the loop. */
#define XSND_MAX_READS	16

struct xsnd {
	char		*s_path;
	int		 s_fd;		/* the FIFO's read end */
	int		 s_keep;	/* a write end of our own: no EOF */
	int64_t		 s_check_ms;	/* next look at the path */
	int		 s_port;	/* spiced's audio port, or -1 */
	uint32_t	 s_rate;
	uint32_t	 s_channels;
	uint8_t		 s_part[4];	/* a frame begun, bytes of */
	uint32_t	 s_npart;
	int		 s_playing;
	int64_t		 s_last_ms;	/* when the last frame came */
	uint64_t	 s_dropped;	/* datagrams spiced had no room for */
	int		 s_said;	/* "cannot reopen" logged */
};

/* Open the FIFO at s_path (made when missing) into s_fd and s_keep. */
static int
xsnd_open(struct xsnd *s, struct spd_err *err)
{
	int fd, keep;

	if (xfifo_check(s->s_path, err) != 0)
		return -1;
	if (mkfifo(s->s_path, 0600) != 0 && errno != EEXIST)
		return spd_err_errno(err, "%s", s->s_path);
	/* Our own write end keeps the read end from seeing EOF whenever
	 * the sound server closes its own: no busy loop meanwhile. */
	if ((fd = open(s->s_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return spd_err_errno(err, "%s", s->s_path);
	if ((keep = open(s->s_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		spd_err_errno(err, "%s", s->s_path);
		close(fd);
		return -1;
	}
	s->s_fd = fd;
	s->s_keep = keep;
	s->s_npart = 0;
	return 0;
}

struct xsnd *
xsnd_new(const char *path, uint32_t rate, uint32_t channels,
    struct spd_err *err)
{
	struct xsnd *s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->s_path = strdup(path)) == NULL) {
		free(s);
		spd_err_set(err, "out of memory");
		return NULL;
	}
	s->s_port = -1;
	s->s_rate = rate;
	s->s_channels = channels;
	if (xsnd_open(s, err) != 0) {
		free(s->s_path);
		free(s);
		return NULL;
	}
	s->s_check_ms = x11_now_ms() + XSND_CHECK_MS;
	return s;
}

int
xsnd_fd(const struct xsnd *s)
{
	return s->s_fd;
}

void
xsnd_set_port(struct xsnd *s, int port)
{
	if (s->s_port >= 0)
		close(s->s_port);
	s->s_port = port;
	s->s_playing = 0;
}

static void
xsnd_send(struct xsnd *s, const void *buf, size_t len)
{
	if (s->s_port < 0)
		return;
	if (send(s->s_port, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)len)
		return;
	if (errno == EAGAIN || errno == EINTR) {
		/* Sound is real time: what spiced cannot take now is
		 * dropped, never queued. */
		s->s_dropped++;
		return;
	}
	x11_log("sound: spiced's audio port: %s; the sound stops",
	    strerror(errno));
	close(s->s_port);
	s->s_port = -1;
}

void
xsnd_read(struct xsnd *s)
{
	uint8_t buf[sizeof(struct qxlshm_audio_data) + QXLSHM_AUDIO_MAX_DATA];
	uint8_t *data = buf + sizeof(struct qxlshm_audio_data);
	struct qxlshm_audio_data h;
	size_t frame = 2u * s->s_channels, room, want, total, whole;
	ssize_t n;
	int i;

	h.type = QXLSHM_AUDIO_DATA;
	h.channels = s->s_channels;
	h.frequency = s->s_rate;
	memcpy(buf, &h, sizeof(h));
	/* Whole frames of the datagram's room. */
	room = QXLSHM_AUDIO_MAX_DATA - QXLSHM_AUDIO_MAX_DATA % frame;
	for (i = 0; i < XSND_MAX_READS; i++) {
		memcpy(data, s->s_part, s->s_npart);
		want = room - s->s_npart;
		n = read(s->s_fd, data + s->s_npart, want);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				x11_log("sound: reading the FIFO: %s",
				    strerror(errno));
			return;
		}
		total = s->s_npart + (size_t)n;
		whole = total - total % frame;
		s->s_npart = (uint32_t)(total - whole);
		memcpy(s->s_part, data + whole, s->s_npart);
		if (whole > 0) {
			xsnd_send(s, buf, sizeof(h) + whole);
			s->s_playing = 1;
			s->s_last_ms = x11_now_ms();
		}
		if ((size_t)n < want)
			return;		/* the FIFO is empty */
	}
}

int
xsnd_due_ms(const struct xsnd *s)
{
	int64_t left;

	left = (s->s_playing ? s->s_last_ms + XSND_IDLE_MS : s->s_check_ms) -
	    x11_now_ms();
	return left <= 0 ? 0 : (int)left;
}

/* Still the FIFO at the path?  A sound server that made it removes it
 * when it stops (PulseAudio's pipe sink) and makes another when it
 * starts again, which a read end of the old one would never hear. */
static void
xsnd_check(struct xsnd *s)
{
	struct spd_err err;
	struct stat now, held;
	int fd = s->s_fd, keep = s->s_keep;

	s->s_check_ms = x11_now_ms() + XSND_CHECK_MS;
	if (stat(s->s_path, &now) == 0 && fstat(fd, &held) == 0 &&
	    now.st_ino == held.st_ino && now.st_dev == held.st_dev)
		return;
	if (xsnd_open(s, &err) != 0) {
		if (!s->s_said)
			x11_log("sound: %s; trying again every second",
			    err.msg);
		s->s_said = 1;
		return;
	}
	x11_log("sound: %s is another FIFO now: reading that one", s->s_path);
	s->s_said = 0;
	close(keep);
	close(fd);
}

void
xsnd_tick(struct xsnd *s)
{
	uint32_t stop = QXLSHM_AUDIO_STOP;

	if (!s->s_playing) {
		xsnd_check(s);
		return;
	}
	xsnd_send(s, &stop, sizeof(stop));
	s->s_playing = 0;
	s->s_check_ms = x11_now_ms() + XSND_CHECK_MS;
	if (s->s_dropped > 0)
		x11_log("sound: %llu datagrams dropped while it played "
		    "(spiced had no room for them)",
		    (unsigned long long)s->s_dropped);
	s->s_dropped = 0;
}

void
xsnd_free(struct xsnd *s)
{
	if (s == NULL)
		return;
	xsnd_set_port(s, -1);
	close(s->s_keep);
	close(s->s_fd);
	free(s->s_path);
	free(s);
}
