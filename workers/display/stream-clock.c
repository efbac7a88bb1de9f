/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stream-clock: see stream-clock.h.
 */
#include <string.h>

#include "stream-clock.h"

void
sclock_init(struct sclock *sc)
{
	memset(sc, 0, sizeof(*sc));
}

void
sclock_viewer_init(struct sclock_viewer *sv, int reports)
{
	sv->sv_lead = reports ? CHAN_MM_DELAY_MS - SCLOCK_FIRST_SLACK_MS : 0;
	sv->sv_slack = SCLOCK_SLACK_MS;
}

uint32_t
sclock_stamp(struct sclock *sc, uint32_t now)
{
	uint32_t stamp = now - sc->sc_lead;

	/* Never 0: spice-gtk takes it for a driver's bug. */
	if (stamp == 0)
		stamp = 1;
	sc->sc_sent[sc->sc_next].ss_stamp = stamp;
	sc->sc_sent[sc->sc_next].ss_lead = sc->sc_lead;
	sc->sc_next = (sc->sc_next + 1) % SCLOCK_STAMPS;
	if (sc->sc_n < SCLOCK_STAMPS)
		sc->sc_n++;
	return stamp;
}

int
sclock_report(const struct sclock *sc, struct sclock_viewer *sv,
    uint32_t end, int32_t delay, uint32_t drops, uint32_t audio)
{
	uint32_t old = sv->sv_lead;
	int64_t lead;
	unsigned i, k;

	if (audio != UINT32_MAX) {
		/* Its clock follows the sound: frames stamped with our time
		 * show with the sound made at that time. */
		sv->sv_lead = 0;
		return sv->sv_lead != old;
	}
	/* The newest frame sent with that stamp (the same time may have
	 * gone at both qualities, with the same lead). */
	for (i = 0; i < sc->sc_n; i++) {
		k = (sc->sc_next + SCLOCK_STAMPS - 1 - i) % SCLOCK_STAMPS;
		if (sc->sc_sent[k].ss_stamp == end)
			break;
	}
	if (i == sc->sc_n)
		return 0;
	if (drops > 0 || delay < 0)
		sv->sv_slack = sv->sv_slack >= CHAN_MM_DELAY_MS / 2 ?
		    CHAN_MM_DELAY_MS : sv->sv_slack * 2;
	else if (delay >= (int32_t)sv->sv_slack &&
	    sv->sv_slack > SCLOCK_SLACK_MS)
		sv->sv_slack -= (sv->sv_slack - SCLOCK_SLACK_MS + 7) / 8;
	/* The frame came delay ms early under its lead: delay - slack more
	 * would have it come slack ms early. */
	lead = (int64_t)sc->sc_sent[k].ss_lead + delay - sv->sv_slack;
	if (lead < 0)
		lead = 0;
	if (lead > CHAN_MM_DELAY_MS)
		lead = CHAN_MM_DELAY_MS;
	sv->sv_lead = (uint32_t)lead;
	return sv->sv_lead != old;
}
