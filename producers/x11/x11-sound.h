/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-sound: the session's sound to the viewers.  The session's sound
 * server writes what it plays into a FIFO as raw S16LE frames (PulseAudio
 * or PipeWire: module-pipe-sink, paced by its own clock), as Xspice
 * reads it; each read goes to spiced's audio port (qxl-shm AUDIO DATA) at
 * once, in whole frames.  200 ms without a frame is a STOP, so viewers
 * close their playback.  The FIFO outlives attachments to spiced: with
 * no port its sound is read and dropped, so that the sound server never
 * blocks.  A new FIFO at the path (a sound server started again) is
 * found within a second of silence.
 */
#ifndef X11_SOUND_H
#define X11_SOUND_H

#include <stdint.h>

#include "err.h"

/* Silence this long after the last frame is a STOP. */
#define XSND_IDLE_MS	200
/* While silent, the path is looked at this often: a sound server that
 * starts again may have made a new FIFO there. */
#define XSND_CHECK_MS	1000

struct xsnd;

/* The FIFO at path (made, mode 0600, when nothing is there), in frames
 * of channels at rate Hz (as xfifo_parse_format took them).  NULL with
 * the reason in err. */
struct xsnd	*xsnd_new(const char *path, uint32_t rate, uint32_t channels,
		    struct spd_err *err);
/* The FIFO's read end: readable when sound waits (xsnd_read then). */
int		 xsnd_fd(const struct xsnd *);
/* spiced's audio port of this attachment (qxlshm_audio_open), or -1
 * when detached; an earlier port is closed. */
void		 xsnd_set_port(struct xsnd *, int port);
/* Read what waits and send it (a port that fails is closed, logged, and
 * the sound dropped until the next). */
void		 xsnd_read(struct xsnd *);
/* Milliseconds until xsnd_tick is due (0: now): the STOP after the
 * last frame, or the next look at the path. */
int		 xsnd_due_ms(const struct xsnd *);
void		 xsnd_tick(struct xsnd *);
void		 xsnd_free(struct xsnd *);

#endif
