/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spiced-x11: what its parts share.  One X connection and one qxl-shm
 * producer connection, used from one thread.
 */
#ifndef X11_H
#define X11_H

#include <stddef.h>
#include <stdint.h>

#include <xcb/xcb.h>

#include "libqxlshm.h"
#include "mono-time.h"

struct x11 {
	xcb_connection_t	*x_c;
	xcb_screen_t		*x_screen;
	xcb_window_t		 x_root;
	const char		*x_display;	/* as given, for messages */
	struct qxlshm		*x_q;
	int			 x_verbose;
	uint32_t		 x_width;	/* the root window's size now */
	uint32_t		 x_height;
	/* The heads spiced was told for the primary (0: none, i.e. one,
	 * all of it): a viewer's position is relative to its head. */
	struct qxlshm_head	 x_heads[QXLSHM_MAX_HEADS];
	uint32_t		 x_nheads;
	/* Where files from the client go (-1: file transfer disabled). */
	int			 x_xfer_dirfd;
	const char		*x_xfer_dir;
	/* The session's sound and the viewer's microphone (NULL: none
	 * given). */
	struct xsnd		*x_snd;
	struct xmic		*x_mic;
};

/* "spiced-x11: " and the message on stderr. */
void	x11_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Format a message into err (errlen bytes); returns -1. */
int	x11_errf(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* CLOCK_MONOTONIC in milliseconds. */
static inline int64_t
x11_now_ms(void)
{
	return (int64_t)(mono_ns() / 1000000u);
}

/* The first event code of extension ext, or -1 (message in err) when the
 * X server lacks it. */
int	x11_ext_event_base(struct x11 *x, xcb_extension_t *ext,
	    const char *name, char *err, size_t errlen);

#endif
