/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for workers/display/stream-clock.c, with a model of
 * spice-gtk's playout (a frame shows when the viewer's clock, ours less
 * CHAN_MM_DELAY_MS, reaches its stamp; one that arrives after that is
 * dropped): frames stamped with our time show 0.4 s late, those of a
 * viewer that can report SCLOCK_FIRST_SLACK_MS late until it does; after
 * one report they show SCLOCK_SLACK_MS after they arrive; late frames double
 * the slack and move the stamps back, and frames on time shrink it
 * again; a viewer playing audio gets no lead; a report naming no frame
 * sent changes nothing; the lead stays within 0 and CHAN_MM_DELAY_MS
 * whatever a viewer reports; stamps are never 0.
 */
#include <stdio.h>

#include "stream-clock.h"
#include "test-helper.h"

/* One frame made at now, arriving transit ms later at a viewer whose
 * clock is ours less CHAN_MM_DELAY_MS: its delay as spice-gtk reports it
 * (stamp less the viewer's clock at arrival), and *stamp. */
static int32_t
play(struct sclock *sc, uint32_t now, uint32_t transit, uint32_t *stamp)
{
	uint32_t viewer_clock = now + transit - CHAN_MM_DELAY_MS;

	*stamp = sclock_stamp(sc, now);
	return (int32_t)(*stamp - viewer_clock);
}

static void
test_converges(void)
{
	struct sclock sc;
	struct sclock_viewer sv;
	uint32_t now = 100000, stamp;
	int32_t delay;
	int i;

	sclock_init(&sc);
	/* Stamped with our time, frames would show 0.4 s late. */
	delay = play(&sc, now, 2, &stamp);
	ASSERT_INT_EQ(stamp, now);
	ASSERT_INT_EQ(delay, CHAN_MM_DELAY_MS - 2);
	/* A viewer that cannot report leaves them so; one that can gets
	 * them due SCLOCK_FIRST_SLACK_MS after they are made until it
	 * reports. */
	sclock_viewer_init(&sv, 0);
	ASSERT_INT_EQ(sv.sv_lead, 0);
	sclock_viewer_init(&sv, 1);
	sc.sc_lead = sv.sv_lead;
	now += 33;
	delay = play(&sc, now, 2, &stamp);
	ASSERT_INT_EQ(stamp, now - CHAN_MM_DELAY_MS + SCLOCK_FIRST_SLACK_MS);
	ASSERT_INT_EQ(delay, SCLOCK_FIRST_SLACK_MS - 2);
	ASSERT_INT_EQ(sclock_report(&sc, &sv, stamp, delay, 0, UINT32_MAX), 1);
	ASSERT_INT_EQ(sv.sv_lead, CHAN_MM_DELAY_MS - 2 - SCLOCK_SLACK_MS);
	sc.sc_lead = sv.sv_lead;
	/* Then frames arrive SCLOCK_SLACK_MS before they are due, and the
	 * lead holds. */
	for (i = 0; i < 10; i++) {
		now += 33;
		delay = play(&sc, now, 2, &stamp);
		ASSERT_INT_EQ(delay, SCLOCK_SLACK_MS);
		ASSERT_INT_EQ(sclock_report(&sc, &sv, stamp, delay, 0,
		    UINT32_MAX), 0);
	}
	/* The link slows: a frame 30 ms on its way is late.  The slack
	 * doubles and the lead gives back what the frame lacked and more. */
	now += 33;
	delay = play(&sc, now, 30, &stamp);
	ASSERT_TRUE(delay < 0);
	ASSERT_INT_EQ(sclock_report(&sc, &sv, stamp, delay, 1, UINT32_MAX), 1);
	ASSERT_INT_EQ(sv.sv_slack, 2 * SCLOCK_SLACK_MS);
	sc.sc_lead = sv.sv_lead;
	now += 33;
	delay = play(&sc, now, 30, &stamp);
	ASSERT_INT_EQ(delay, 2 * SCLOCK_SLACK_MS);
	/* Frames on time, with the slack to spare, shrink it again. */
	for (i = 0; i < 40; i++) {
		(void)sclock_report(&sc, &sv, stamp, delay, 0, UINT32_MAX);
		sc.sc_lead = sv.sv_lead;
		now += 33;
		delay = play(&sc, now, 30, &stamp);
		ASSERT_TRUE(delay >= 0);
	}
	ASSERT_INT_EQ(sv.sv_slack, SCLOCK_SLACK_MS);
	ASSERT_INT_EQ(delay, SCLOCK_SLACK_MS);
}

static void
test_audio_and_bounds(void)
{
	struct sclock sc;
	struct sclock_viewer sv;
	uint32_t now = 5000, stamp;
	int32_t delay;
	int i;

	sclock_init(&sc);
	sclock_viewer_init(&sv, 1);
	delay = play(&sc, now, 1, &stamp);
	ASSERT_INT_EQ(sclock_report(&sc, &sv, stamp, delay, 0, UINT32_MAX), 1);
	ASSERT_TRUE(sv.sv_lead > 0);
	/* Audio playing: frames in step with it, stamped with our time. */
	ASSERT_INT_EQ(sclock_report(&sc, &sv, stamp, delay, 0, 120), 1);
	ASSERT_INT_EQ(sv.sv_lead, 0);
	/* A report on no frame sent: nothing changes. */
	ASSERT_INT_EQ(sclock_report(&sc, &sv, stamp + 1, 300, 0, UINT32_MAX),
	    0);
	ASSERT_INT_EQ(sv.sv_lead, 0);
	/* Whatever a viewer says, the lead stays within bounds. */
	ASSERT_INT_EQ(sclock_report(&sc, &sv, stamp, INT32_MAX, 0,
	    UINT32_MAX), 1);
	ASSERT_INT_EQ(sv.sv_lead, CHAN_MM_DELAY_MS);
	(void)sclock_report(&sc, &sv, stamp, INT32_MIN, UINT32_MAX - 1,
	    UINT32_MAX);
	ASSERT_INT_EQ(sv.sv_lead, 0);
	ASSERT_TRUE(sv.sv_slack <= CHAN_MM_DELAY_MS);
	for (i = 0; i < 10; i++)
		(void)sclock_report(&sc, &sv, stamp, INT32_MIN, 1, UINT32_MAX);
	ASSERT_INT_EQ(sv.sv_slack, CHAN_MM_DELAY_MS);
	/* A stamp that would be 0 is 1. */
	sc.sc_lead = 5000;
	ASSERT_INT_EQ(sclock_stamp(&sc, 5000), 1);
}

/* A report names its frame by stamp: the lead that frame had counts, not
 * the display's now. */
static void
test_old_frames(void)
{
	struct sclock sc;
	struct sclock_viewer sv;
	uint32_t now = 90000, old_stamp, stamp;
	int32_t old_delay;
	int i;

	sclock_init(&sc);
	sclock_viewer_init(&sv, 1);
	old_delay = play(&sc, now, 2, &old_stamp);
	sc.sc_lead = 300;
	for (i = 0; i < 5; i++) {
		now += 33;
		(void)play(&sc, now, 2, &stamp);
	}
	/* The report on the frame stamped without a lead. */
	ASSERT_INT_EQ(sclock_report(&sc, &sv, old_stamp, old_delay, 0,
	    UINT32_MAX), 1);
	ASSERT_INT_EQ(sv.sv_lead, CHAN_MM_DELAY_MS - 2 - SCLOCK_SLACK_MS);
	/* Once SCLOCK_STAMPS frames later it names none. */
	for (i = 0; i < SCLOCK_STAMPS; i++) {
		now += 33;
		(void)play(&sc, now, 2, &stamp);
	}
	sv.sv_lead = 7;
	ASSERT_INT_EQ(sclock_report(&sc, &sv, old_stamp, old_delay, 0,
	    UINT32_MAX), 0);
	ASSERT_INT_EQ(sv.sv_lead, 7);
}

int
main(void)
{
	test_seed();
	test_converges();
	test_audio_and_bounds();
	test_old_frames();
	printf("test-stream-clock: ok\n");
	return 0;
}
