/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stream-clock: the multimedia times a video stream's frames are stamped
 * with, so that viewers show them as soon as they can (SPICE-NOTES 3.3).
 *
 * spice-gtk shows a stream frame when its clock reaches the frame's time
 * and drops a frame that arrives after it.  Its clock is the one MAIN_INIT
 * set, CHAN_MM_DELAY_MS behind ours, unless the viewer plays audio: then
 * it follows the audio.  A frame stamped with our time therefore shows
 * CHAN_MM_DELAY_MS after it was made, which keeps video and sound in step
 * but puts a video without sound 0.4 s behind the desktop around it.
 *
 * So frames are stamped "lead" ms early.  Each viewer's STREAM_REPORT
 * says how early its last frame arrived (its delay), whether frames came
 * too late (drops) and whether it plays audio; from that the viewer's
 * lead is set so that frames arrive "slack" ms before they are due.  The
 * slack doubles when frames come late and shrinks again while they do
 * not.  A viewer that plays audio gets no lead (its frames stay in step
 * with the sound).  The frames are encoded once for all viewers, so the
 * display's lead is the least of its viewers'.
 *
 * A viewer that has not reported yet gets frames due SCLOCK_FIRST_SLACK_MS
 * after they are made (its clock is CHAN_MM_DELAY_MS behind ours, less
 * MAIN_INIT's time on the way, which its frames take too), where a lead
 * of none held a stream's first frames until its first report and then
 * skipped them.  That is time to encode and send a frame on most links
 * (if they come late anyway, its report says so after three drops), and
 * less than a frame's time at 30 fps: the first report moves the stamps
 * back by less than that, so they still rise from frame to frame
 * (spice-gtk drops the frames it holds when one comes stamped before
 * them).  A viewer that cannot report counts as none.
 */
#ifndef SPICED_STREAM_CLOCK_H
#define SPICED_STREAM_CLOCK_H

#include <stdint.h>

#include "chan.h"

#define SCLOCK_SLACK_MS		4	/* the least slack aimed for */
#define SCLOCK_STAMPS		64	/* frames whose stamps are kept */
#define SCLOCK_FIRST_SLACK_MS	25	/* ... before a viewer's first report */

/* One viewer's share. */
struct sclock_viewer {
	uint32_t	sv_lead;	/* ms early it can take its frames */
	uint32_t	sv_slack;	/* ms early it should get them */
};

/* A display's frames: their lead, and the stamps of the last ones sent
 * with the lead each had (a report names its frame by its stamp). */
struct sclock {
	uint32_t	sc_lead;
	struct {
		uint32_t	ss_stamp;
		uint32_t	ss_lead;
	}		sc_sent[SCLOCK_STAMPS];
	unsigned	sc_next;
	unsigned	sc_n;
};

void		sclock_init(struct sclock *);
/* A viewer that can report (SPICE_DISPLAY_CAP_STREAM_REPORT) or not. */
void		sclock_viewer_init(struct sclock_viewer *, int reports);
/* The time to stamp a frame made at now (chan_mm_time()) with: now less
 * the lead, noted. */
uint32_t	sclock_stamp(struct sclock *, uint32_t now);
/* A viewer's STREAM_REPORT whose last frame was stamped end: delay (ms
 * it arrived before its time; negative: late), drops, audio (UINT32_MAX:
 * no audio playing).  Returns 1 when the viewer's lead changed, 0 when
 * it did not or the report names no frame of the last SCLOCK_STAMPS. */
int		sclock_report(const struct sclock *, struct sclock_viewer *,
		    uint32_t end, int32_t delay, uint32_t drops, uint32_t audio);

#endif
