/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-stream: finds video in what the producer draws and turns it
 * into one MJPEG stream (SPICE-NOTES 3.3), as the reference server's
 * streaming-video does, but within a few frames (it waits for 20) and
 * for damage-only producers too (it needs the same QXL drawable over and
 * over).
 *
 * A box of the primary that is drawn again and again (DSTREAM_FRAMES
 * updates, each within DSTREAM_GAP_MS of the last, each overlapping the
 * box by most of both) and, under streaming-video=filter, looks like a
 * photograph, becomes the stream.  Drawings elsewhere meanwhile (a clock,
 * a caret, a chat beside the video) do not break the count: up to
 * DSTREAM_CANDS boxes are counted at once, and drawings too small to be
 * video count for none.  From then on whatever is
 * drawn inside the box makes the stream's current frame dirty instead of
 * being damage: each viewer is sent the box as one JPEG frame when it can
 * take one, the frames it could not take merged into the next (a slow
 * viewer gets fewer frames, never a queue).  A stream whose whole box is
 * moved (its window dragged: a COPY_BITS from the producer, or a move
 * found in what it resent) follows it at once, under a new id, instead
 * of waiting to be found again.  A stream ends when nothing is drawn in
 * it for DSTREAM_IDLE_MS, when other pixels are moved over it, or when
 * the primary goes; viewers are then sent the box losslessly.
 * This file keeps the decisions; display-out.c does the sending.
 */
#ifndef SPICED_DISPLAY_STREAM_H
#define SPICED_DISPLAY_STREAM_H

#include <stdint.h>

#include <pixman.h>

#define DSTREAM_FRAMES		4	/* updates in a row that make video */
#define DSTREAM_GAP_MS		200	/* longest pause between them */
#define DSTREAM_IDLE_MS		1000	/* a stream this quiet ends */
#define DSTREAM_MIN_W		64	/* smaller boxes are not video */
#define DSTREAM_MIN_H		64
#define DSTREAM_MIN_AREA	(128 * 96)
#define DSTREAM_MAX_ID		64	/* ids 0..63 (spice-gtk's table) */
#define DSTREAM_CANDS		4	/* boxes counted at once */

/* streaming-video: off, filter (photographs only: the default), all. */
enum dstream_mode { DSTREAM_OFF, DSTREAM_FILTER, DSTREAM_ALL };

/* A box being drawn again and again: dc_n times, last at dc_ms. */
struct dstream_cand {
	pixman_box32_t	 dc_box;
	unsigned	 dc_n;		/* 0: a free slot */
	uint64_t	 dc_ms;
};

struct dstream {
	enum dstream_mode ds_mode;
	struct dstream_cand ds_cand[DSTREAM_CANDS];	/* detection */
	/* The stream, when ds_on. */
	int		 ds_on;
	uint32_t	 ds_id;
	pixman_box32_t	 ds_box;
	uint64_t	 ds_frame;	/* frames made dirty so far */
	uint64_t	 ds_last_ms;	/* when last drawn into */
	uint32_t	 ds_next_id;
};

/* What dstream_damage() decided. */
enum dstream_event {
	DSTREAM_NONE,		/* area is plain damage */
	DSTREAM_STARTED,	/* a stream starts with area: announce it */
	DSTREAM_FRAME,		/* area touched the stream: a new frame */
};

void	dstream_init(struct dstream *, enum dstream_mode);
/*
 * area (never empty) was drawn into the primary prim at now_ms.  *rest is
 * initialised to what remains plain damage: area less the stream's box.
 */
enum dstream_event dstream_damage(struct dstream *, const pixman_region32_t *area,
	    pixman_image_t *prim, uint64_t now_ms, pixman_region32_t *rest);
/* What pixels moved across the stream do to it. */
enum dstream_move {
	DSTREAM_MOVE_NONE,	/* not touched */
	DSTREAM_MOVE_END,	/* pixels moved over it: it ends */
	DSTREAM_MOVE_FOLLOW,	/* all of it moved: it is at the moved box
				   now, under a new id, its frame dirty */
};
/* Pixels moved by dx, dy onto dst; on FOLLOW *old and *old_id are the
 * box it left and the id it had. */
enum dstream_move dstream_moved(struct dstream *, const pixman_region32_t *dst,
	    int32_t dx, int32_t dy, pixman_box32_t *old, uint32_t *old_id);
/* 1 when the stream has been quiet long enough to end at now_ms. */
int	dstream_idle(const struct dstream *, uint64_t now_ms);
/* End the stream (the caller tells the viewers first). */
void	dstream_end(struct dstream *);

#endif
