/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audio: the producer's sound (qxl-shm MSG_AUDIO) to the sessions'
 * playback channels.  Each session with a playback channel has a
 * playback worker; the sound goes to one of them at a time, the newest
 * (as the reference server gives it to its latest client), and to the
 * next newest when that one goes.
 */
#ifndef SPICED_AUDIO_H
#define SPICED_AUDIO_H

#include "link.h"
#include "spiced.h"

struct session;

/* MSG_AUDIO: take fd as the display's audio port.  0, or -1 with why. */
int	audio_set(struct display *, int fd, const char **why);
/* The producer went: no more sound. */
void	audio_clear(struct display *);
/* Whether the display has sound to offer (its playback channel). */
int	audio_available(const struct display *);
/* Serve session s's playback channel fd (taken): a worker of its own,
 * which gets the sound.  0, or -1 (logged; fd closed). */
int	audio_start(struct display *, struct session *, int fd,
	    const struct link_info *, uint32_t conn);
/* Session s is ending: its playback worker stops. */
void	audio_release(struct display *, struct session *);

#endif
