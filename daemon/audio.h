/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audio: the producer's sound (qxl-shm MSG_AUDIO) to the sessions'
 * playback channels, and a viewer's microphone from the sessions' record
 * channels to the producer (MSG_RECORD).  Each session with such a
 * channel has a worker for it; each way belongs to one session at a
 * time, the newest (as the reference server gives it to its latest
 * client), and to the next newest when that one goes.
 */
#ifndef SPICED_AUDIO_H
#define SPICED_AUDIO_H

#include "link.h"
#include "spiced.h"

struct session;

/* The way of a channel type (SPICE_CHANNEL_PLAYBACK or _RECORD), -1 for
 * other channels. */
int	audio_way(uint8_t channel_type);
/* MSG_AUDIO (AUDIO_PLAYBACK) or MSG_RECORD (AUDIO_RECORD): take fd as
 * the display's port for that way.  0, or -1 with why. */
int	audio_set(struct display *, int way, int fd, const char **why);
/* The producer went: no more sound either way. */
void	audio_clear(struct display *);
/* Whether the display has that way to offer (its channel). */
int	audio_available(const struct display *, int way);
/* Whether session s may link that way's channel now. */
int	audio_admits(const struct display *, const struct session *, int way);
/* Serve session s's channel fd (taken) of that way: a worker of its own,
 * which gets the port while s is the newest.  0, or -1 (logged; fd
 * closed). */
int	audio_start(struct display *, struct session *, int way, int fd,
	    const struct link_info *, uint32_t conn);
/* Session s is ending: its audio workers stop. */
void	audio_release(struct display *, struct session *);

/* A restart (handoff.h): w, the last supervisor's worker for session
 * s's channel of that way, is s's again. */
struct wproc;
void	audio_adopt(struct session *, int way, struct wproc *);

#endif
