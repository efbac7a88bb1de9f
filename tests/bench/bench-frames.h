/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-frames: the frame sequence both end-to-end feeders play (the
 * qxl-shm producer for spiced, the QXL feeder inside ref-server), loaded
 * once into memory so that disk and PPM parsing stay out of the timed run.
 */
#ifndef BENCH_FRAMES_H
#define BENCH_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_FRAMES_MAX	1000

struct bench_rect {
	uint32_t	 r_x;
	uint32_t	 r_y;
	uint32_t	 r_w;
	uint32_t	 r_h;
};

struct bench_frames {
	uint32_t	  bf_width;
	uint32_t	  bf_height;
	int		  bf_count;
	uint32_t	**bf_px;	/* bf_count x (width * height xRGB) */
	/* Per frame: the bounding box of the pixels that differ from the
	 * frame before (frame 0: the whole screen; never empty). */
	struct bench_rect *bf_damage;
};

/*
 * Load every PPM in dir (names in C collation order, dot files skipped);
 * all must have the size of the first.  0, or -1 with a message in err.
 */
int	bench_frames_load(struct bench_frames *bf, const char *dir, char *err,
	    size_t errlen);
void	bench_frames_free(struct bench_frames *bf);

/*
 * The rectangle to post for frame k: its damage if damage is set, else
 * the whole screen.
 */
struct bench_rect bench_frames_rect(const struct bench_frames *bf, int k,
	    int damage);

/* Copy rectangle r of frame k to dst (any alignment), rows packed (r_w * 4
 * bytes each). */
void	bench_frames_copy(const struct bench_frames *bf, int k,
	    const struct bench_rect *r, void *dst);

/*
 * Latency runs: every frame gets a marker, a BENCH_MARK_SIZE block at the
 * bottom-right corner of colour bench_mark_color(k) (distinct for every
 * k) in a black border a pixel wide, stamped into its pixels after the
 * damage was found.  The border makes it a picture of two colours: a
 * block of one colour, which a server may draw as a fill and send ahead
 * of the frame's own changes (spiced does), no longer stood for the
 * frame.  A feeder posts
 * the marker rectangle after each frame's own, so a viewer knows which
 * frame reached it and when.  The bottom-right corner because a server
 * may send a frame's changes in screen order (spiced does): a marker at
 * the top would reach the viewer before the frame it stands for.  A
 * frame's time is taken when its command is handed to the server (its
 * pixels copied: the feeder's own work), not after the marker's: the
 * server may run at once on the feeder's CPU, and its work must count.
 * Call after bench_frames_load; frames at least BENCH_MARK_SIZE wide and
 * high.
 */
#define BENCH_MARK_SIZE	16
void	bench_frames_mark(struct bench_frames *bf);
struct bench_rect bench_frames_mark_rect(const struct bench_frames *bf);
uint32_t bench_mark_color(int k);
/* The line "times NS,NS,..." of n frames' times on stdout. */
void	bench_frames_print_times(const int64_t *times, int n);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t	bench_now_ns(void);

/*
 * Sleep until t0 + k * 1e9 / fps (nothing when fps is 0: as fast as the
 * server takes frames).
 */
void	bench_pace(int64_t t0, int k, int fps);

#endif
