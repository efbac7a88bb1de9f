/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mono-time: CLOCK_MONOTONIC in nanoseconds, the one clock for
 * deadlines, rates and intervals (never the wall clock, which jumps).
 */
#ifndef SPICED_MONO_TIME_H
#define SPICED_MONO_TIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
mono_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
