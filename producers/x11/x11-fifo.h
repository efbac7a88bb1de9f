/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-fifo: what the sound FIFOs share (x11-sound, x11-mic): their
 * format's option and the FIFO itself.
 */
#ifndef X11_FIFO_H
#define X11_FIFO_H

#include <stdint.h>

#include "err.h"

/* "RATE:CHANNELS" of S16LE frames: 8000..192000 Hz, 1 or 2 channels.
 * -1 with the reason in err. */
int	xfifo_parse_format(const char *s, uint32_t *rate, uint32_t *channels,
	    struct spd_err *err);

/* Nothing or a FIFO at path (a link is not followed): 0; -1 with the
 * reason in err for anything else. */
int	xfifo_check(const char *path, struct spd_err *err);

#endif
