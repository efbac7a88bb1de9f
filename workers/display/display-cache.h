/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-cache: what one viewer holds in its pixmap cache, so that an
 * image it was sent before (a window that comes back, a menu opened
 * again, the same icon) goes as FROM_CACHE, a few bytes, instead of
 * pixels.  Images are named by a 64-bit hash of their content; the
 * viewer keeps those it was sent with CACHE_ME, up to the pixels it
 * announced in DISPLAY_INIT, and is told to drop the least recently
 * used ones (INVAL_LIST) to make room.  This file keeps the books;
 * display-out.c sends.
 *
 * An image goes to the cache only the second time it is sent: most
 * images are never sent again (each frame of a video, a page being
 * typed), and each one a viewer keeps costs it a new allocation
 * (spice-gtk: a page fault per 4 KiB, about 5 ms a 640x360 frame on a
 * virtual machine, as long as decoding it) and pushes out images that
 * do come back.  The ids of images sent once are
 * remembered in a small table, as are those the viewer dropped.
 */
#ifndef SPICED_DISPLAY_CACHE_H
#define SPICED_DISPLAY_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "enc.h"

#define DCACHE_MAX		1024	/* images per viewer */
#define DCACHE_MAX_PX		(32u * 1024 * 1024)	/* pixels per viewer,
						   whatever it announces */
#define DCACHE_MIN_PX		(64 * 64)	/* smaller images are cheap
						   enough to send again */
#define DCACHE_SEEN		512	/* ids of images sent once (a
						   power of two) */

struct dcache {
	uint64_t	dk_cap;		/* pixels the viewer holds */
	uint64_t	dk_used;
	uint64_t	dk_clock;	/* use counter, for LRU */
	unsigned	dk_n;
	struct {
		uint64_t	id;
		uint64_t	px;
		uint64_t	used;	/* dk_clock when last sent */
	}		dk_e[DCACHE_MAX];
	uint64_t	dk_seen[DCACHE_SEEN];	/* by id's low bits; 0: none */
};

/* The viewer announced cap pixels (0: no cache). */
void	dcache_init(struct dcache *, uint64_t cap);
/* The id naming src's content (and size). */
uint64_t dcache_hash(const struct enc_src *);
/* Whether the viewer holds id (it counts as used now). */
int	dcache_has(struct dcache *, uint64_t id);
/*
 * Whether id, which the viewer does not hold, is worth caching: it was
 * sent before (or dropped).  If not, it is remembered as sent once.
 */
int	dcache_admit(struct dcache *, uint64_t id);
/*
 * The viewer is about to be sent id (px pixels) with CACHE_ME.  The ids
 * it must drop first go to evicted (at most DCACHE_MAX); their number is
 * returned, or -1 when the image does not fit at all (send it without
 * CACHE_ME).
 */
int	dcache_add(struct dcache *, uint64_t id, uint64_t px,
	    uint64_t *evicted);
/* id was not sent after all. */
void	dcache_forget(struct dcache *, uint64_t id);

#endif
