/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audio: see audio.h.
 */
#include <sys/socket.h>

#include <unistd.h>

#include "audio.h"
#include "log.h"
#include "session.h"
#include "worker-proc.h"

static int
audio_is_seqpacket(int fd)
{
	int type, domain;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    type != SOCK_SEQPACKET)
		return 0;
	len = sizeof(domain);
	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	    domain == AF_UNIX;
}

/* Give the sound to session s (NULL: nobody). */
static void
audio_give(struct display *d, struct session *s)
{
	struct session *old = d->d_audio_owner;

	if (old == s)
		return;
	d->d_audio_owner = s;
	if (old != NULL && old->s_playback != NULL)
		(void)wproc_send(old->s_playback, IPC_D2W_AUDIO_DETACH,
		    old->s_id, 0, NULL, 0, NULL, 0);
	/* A failed send stops that worker, which calls us again. */
	if (s != NULL && d->d_audio_fd >= 0 && s->s_playback != NULL &&
	    wproc_send(s->s_playback, IPC_D2W_AUDIO_ATTACH, s->s_id, 0, NULL,
	    0, &d->d_audio_fd, 1) == 0)
		log_info("display \"%s\": the sound goes to session %u",
		    d->d_name, s->s_id);
}

/* The newest session with a playback channel. */
static struct session *
audio_choice(struct display *d)
{
	struct session *s, *best = NULL;

	LIST_FOREACH(s, &d->d_sessions, s_entry)
		if (s->s_playback != NULL && (best == NULL ||
		    s->s_playback_seq > best->s_playback_seq))
			best = s;
	return best;
}

int
audio_set(struct display *d, int fd, const char **why)
{
	if (d->d_audio_fd >= 0)
		return *why = "a second AUDIO", -1;
	if (!audio_is_seqpacket(fd))
		return *why = "the AUDIO fd is not an AF_UNIX SOCK_SEQPACKET "
		    "socket", -1;
	d->d_audio_fd = fd;
	log_info("display \"%s\": the producer plays sound", d->d_name);
	d->d_audio_owner = NULL;
	audio_give(d, audio_choice(d));
	return 0;
}

void
audio_clear(struct display *d)
{
	if (d->d_audio_fd < 0)
		return;
	audio_give(d, NULL);
	close(d->d_audio_fd);
	d->d_audio_fd = -1;
}

int
audio_available(const struct display *d)
{
	return d->d_audio_fd >= 0;
}

static void
audio_gone(struct wproc *w, const char *reason, void *arg)
{
	struct session *s = arg;
	struct display *d = s->s_display;

	(void)reason;
	if (s->s_playback != w)
		return;
	s->s_playback = NULL;
	if (d->d_audio_owner == s) {
		d->d_audio_owner = NULL;
		audio_give(d, audio_choice(d));
	}
}

int
audio_start(struct display *d, struct session *s, int fd,
    const struct link_info *li, uint32_t conn)
{
	struct spd_err err;
	struct wproc *w;

	if ((w = wproc_spawn(WPROC_PLAYBACK, d, s, &err)) == NULL) {
		log_warn("display \"%s\": session %u: playback worker: %s",
		    d->d_name, s->s_id, err.msg);
		close(fd);
		return -1;
	}
	w->w_gone = audio_gone;
	w->w_gone_arg = s;
	s->s_playback = w;
	s->s_playback_seq = ++d->d_session_seq;
	if (wproc_send(w, IPC_D2W_CLIENT, s->s_id, conn, &li->client,
	    sizeof(li->client), &fd, 1) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	audio_give(d, audio_choice(d));
	return 0;
}

void
audio_release(struct display *d, struct session *s)
{
	struct wproc *w = s->s_playback;

	if (w == NULL)
		return;
	s->s_playback = NULL;
	w->w_session = NULL;
	w->w_gone = NULL;
	wproc_stop(w, "its session ended");
	if (d->d_audio_owner == s) {
		d->d_audio_owner = NULL;
		audio_give(d, audio_choice(d));
	}
}
