/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few GLib macros spice-common's quic.c uses, so that the QUIC
 * benchmark can build it without libglib2.0-dev (a build of that file
 * only; nothing of spiced includes this).
 */
#ifndef SPICED_BENCH_GLIB_H
#define SPICED_BENCH_GLIB_H

#include <endian.h>
#include <stdint.h>

#define G_STMT_START		do
#define G_STMT_END		while (0)
#define G_LIKELY(x)		(__builtin_expect(!!(x), 1))
#define G_UNLIKELY(x)		(__builtin_expect(!!(x), 0))
#define GUINT32_FROM_LE(x)	le32toh(x)
#define GUINT32_TO_LE(x)	htole32(x)
#define G_STRINGIFY(x)		#x
#define G_GNUC_PRINTF(a, b)
typedef enum {
	G_LOG_LEVEL_ERROR = 1 << 2, G_LOG_LEVEL_CRITICAL = 1 << 3,
	G_LOG_LEVEL_WARNING = 1 << 4, G_LOG_LEVEL_INFO = 1 << 6,
	G_LOG_LEVEL_DEBUG = 1 << 7
} GLogLevelFlags;
typedef int gboolean;

#endif
