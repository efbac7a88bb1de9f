/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-mic: the viewer's microphone to the X session.  The session's sound
 * server reads a FIFO of raw S16LE frames (PulseAudio's or PipeWire's
 * module-pipe-source); while it holds the FIFO open, spiced-x11 listens
 * (qxl-shm RECORD START, so the viewer's microphone opens) and writes
 * the viewer's sound there, in writes of at most PIPE_BUF bytes of whole
 * frames, each whole or dropped when the reader lags: the stream never
 * loses its frame alignment and spiced-x11 never waits.  When the reader
 * closes (POLLERR on the write end), STOP, and the path is looked at
 * again every second.
 */
#ifndef X11_MIC_H
#define X11_MIC_H

#include <stdint.h>

#include "err.h"

/* Looking for a reader again this often while there is none. */
#define XMIC_RETRY_MS	1000

struct xmic;

/* The FIFO at path, in frames of channels at rate Hz (as
 * xfifo_parse_format took them).  The sound server makes it (PulseAudio's
 * pipe source refuses one already there) and may do so later; something
 * else there is refused: NULL with the reason in err. */
struct xmic	*xmic_new(const char *path, uint32_t rate, uint32_t channels,
		    struct spd_err *err);
/* spiced's record port of this attachment (qxlshm_record_open), or -1
 * when detached; an earlier port is closed. */
void		 xmic_set_port(struct xmic *, int port);
/* The record port, readable when spiced sent something (xmic_handle
 * then); -1 when none. */
int		 xmic_port_fd(const struct xmic *);
void		 xmic_handle(struct xmic *);
/* The FIFO's write end while a reader holds it, or -1: polled for
 * POLLERR (no events asked), which says the reader closed it
 * (xmic_fifo_error then), so the viewer's microphone closes at once, not
 * at its next sound. */
int		 xmic_fifo_fd(const struct xmic *);
void		 xmic_fifo_error(struct xmic *);
/* Milliseconds until the FIFO is looked at for a reader (0: now,
 * xmic_check then), or -1. */
int		 xmic_due_ms(const struct xmic *);
void		 xmic_check(struct xmic *);
void		 xmic_free(struct xmic *);

#endif
