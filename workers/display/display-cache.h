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
 * do come back.  Images sent once are remembered by a sampled key
 * (64 words of 8 rows) in a small table, as are those the viewer
 * dropped: an image whose key is not there is sent as it is without
 * reading it whole (hashing every image was 6% of the display worker on
 * a video); one whose key is (sent before, held, or sharing the samples
 * of one that was) is hashed whole and looked up by that id.
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
#define DCACHE_SEEN		512	/* keys of images sent once (a
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
		uint64_t	key;	/* dcache_key */
	}		dk_e[DCACHE_MAX];
	uint64_t	dk_seen[DCACHE_SEEN];	/* by key's low bits; 0: none */
};

/* The viewer announced cap pixels (0: no cache). */
void	dcache_init(struct dcache *, uint64_t cap);
/* The id naming src's content (and size). */
uint64_t dcache_hash(const struct enc_src *);
/* A key of src from a sample of its pixels (and its size): equal images
 * have equal keys; different ones almost always different keys. */
uint64_t dcache_key(const struct enc_src *);
/*
 * Whether an image with this key may have been sent to the viewer
 * before (then hash it and look it up): it was sent once, was dropped,
 * or the viewer holds one with this key.  If not, it is remembered as
 * sent once.
 */
int	dcache_seen(struct dcache *, uint64_t key);
/* Whether the viewer holds id (it counts as used now). */
int	dcache_has(struct dcache *, uint64_t id);
/*
 * The viewer is about to be sent id (px pixels, key as dcache_key) with
 * CACHE_ME.  The ids it must drop first go to evicted (at most
 * DCACHE_MAX); their number is returned, or -1 when the image does not
 * fit at all (send it without CACHE_ME).
 */
int	dcache_add(struct dcache *, uint64_t id, uint64_t key, uint64_t px,
	    uint64_t *evicted);
/* id was not sent after all. */
void	dcache_forget(struct dcache *, uint64_t id);

#endif
