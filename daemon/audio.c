/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audio: see audio.h.
 */
#include <sys/socket.h>

#include <unistd.h>

#include <spice/enums.h>

#include "audio.h"
#include "log.h"
#include "session.h"
#include "worker-proc.h"

static const struct audio_way_info {
	const char	*name;		/* for logs */
	const char	*what;		/* what the owner has */
	enum wproc_role	 role;
} audio_ways[AUDIO_WAYS] = {
	[AUDIO_PLAYBACK] = { "playback", "the sound", WPROC_PLAYBACK },
	[AUDIO_RECORD] = { "record", "the microphone", WPROC_RECORD },
};

int
audio_way(uint8_t channel_type)
{
	if (channel_type == SPICE_CHANNEL_PLAYBACK)
		return AUDIO_PLAYBACK;
	if (channel_type == SPICE_CHANNEL_RECORD)
		return AUDIO_RECORD;
	return -1;
}

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

/* Give way's port to session s (NULL: nobody). */
static void
audio_give(struct display *d, int way, struct session *s)
{
	struct display_audio *da = &d->d_audio[way];
	struct session *old = da->da_owner;

	if (old == s)
		return;
	da->da_owner = s;
	if (old != NULL && old->s_audio[way] != NULL)
		(void)wproc_send(old->s_audio[way], IPC_D2W_AUDIO_DETACH,
		    old->s_id, 0, NULL, 0, NULL, 0);
	/* A failed send stops that worker, which calls us again. */
	if (s != NULL && da->da_fd >= 0 && s->s_audio[way] != NULL &&
	    wproc_send(s->s_audio[way], IPC_D2W_AUDIO_ATTACH, s->s_id, 0,
	    NULL, 0, &da->da_fd, 1) == 0)
		log_info("display \"%s\": %s goes to session %u", d->d_name,
		    audio_ways[way].what, s->s_id);
}

/* The newest session with a channel of that way. */
static struct session *
audio_choice(struct display *d, int way)
{
	struct session *s, *best = NULL;

	LIST_FOREACH(s, &d->d_sessions, s_entry)
		if (s->s_audio[way] != NULL && (best == NULL ||
		    s->s_audio_seq[way] > best->s_audio_seq[way]))
			best = s;
	return best;
}

int
audio_set(struct display *d, int way, int fd, const char **why)
{
	struct display_audio *da = &d->d_audio[way];

	if (da->da_fd >= 0)
		return *why = way == AUDIO_PLAYBACK ? "a second AUDIO" :
		    "a second RECORD", -1;
	if (!audio_is_seqpacket(fd))
		return *why = "the audio fd is not an AF_UNIX SOCK_SEQPACKET "
		    "socket", -1;
	da->da_fd = fd;
	log_info("display \"%s\": the producer has %s", d->d_name,
	    way == AUDIO_PLAYBACK ? "sound to play" : "a microphone input");
	da->da_owner = NULL;
	audio_give(d, way, audio_choice(d, way));
	return 0;
}

void
audio_clear(struct display *d)
{
	int way;

	for (way = 0; way < AUDIO_WAYS; way++) {
		if (d->d_audio[way].da_fd < 0)
			continue;
		audio_give(d, way, NULL);
		close(d->d_audio[way].da_fd);
		d->d_audio[way].da_fd = -1;
	}
}

int
audio_available(const struct display *d, int way)
{
	return d->d_audio[way].da_fd >= 0;
}

int
audio_admits(const struct display *d, const struct session *s, int way)
{
	if (!audio_available(d, way) || s->s_audio[way] != NULL)
		return 0;
	/* A microphone is input: not for a view-only session. */
	return way != AUDIO_RECORD || !s->s_view_only;
}

static void
audio_gone(struct wproc *w, const char *reason, void *arg)
{
	struct session *s = arg;
	struct display *d = s->s_display;
	int way;

	(void)reason;
	for (way = 0; way < AUDIO_WAYS; way++) {
		if (s->s_audio[way] != w)
			continue;
		s->s_audio[way] = NULL;
		if (d->d_audio[way].da_owner == s) {
			d->d_audio[way].da_owner = NULL;
			audio_give(d, way, audio_choice(d, way));
		}
	}
}

int
audio_start(struct display *d, struct session *s, int way, int fd,
    const struct link_info *li, uint32_t conn)
{
	struct spd_err err;
	struct wproc *w;

	if ((w = wproc_spawn(audio_ways[way].role, d, s, &err)) == NULL) {
		log_warn("display \"%s\": session %u: %s worker: %s",
		    d->d_name, s->s_id, audio_ways[way].name, err.msg);
		close(fd);
		return -1;
	}
	w->w_gone = audio_gone;
	w->w_gone_arg = s;
	s->s_audio[way] = w;
	s->s_audio_seq[way] = ++d->d_session_seq;
	if (wproc_send(w, IPC_D2W_CLIENT, s->s_id, conn, &li->client,
	    sizeof(li->client), &fd, 1) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	audio_give(d, way, audio_choice(d, way));
	return 0;
}

void
audio_release(struct display *d, struct session *s)
{
	struct wproc *w;
	int way;

	for (way = 0; way < AUDIO_WAYS; way++) {
		if ((w = s->s_audio[way]) == NULL)
			continue;
		s->s_audio[way] = NULL;
		w->w_session = NULL;
		w->w_gone = NULL;
		wproc_stop(w, "its session ended");
		if (d->d_audio[way].da_owner == s) {
			d->d_audio[way].da_owner = NULL;
			audio_give(d, way, audio_choice(d, way));
		}
	}
}

void
audio_adopt(struct session *s, int way, struct wproc *w)
{
	s->s_audio[way] = w;
	w->w_gone = audio_gone;
	w->w_gone_arg = s;
}
