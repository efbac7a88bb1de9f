/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log: one logging path for the supervisor, workers and tools.
 *
 * Lines go to stderr as "ident[pid]: LEVEL: message" (journald picks stderr
 * up under systemd), or to a sink the process sets (the supervisor's
 * structured journal fields).  Workers inherit the supervisor's stderr, so
 * their lines land in the same place without any IPC.  Every line but
 * debug ones is rate-limited per kind (its format string) and, when the
 * call names one, per source: see log.c.
 */
#ifndef SPICED_LOG_H
#define SPICED_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Set the identity printed on each line and whether debug lines show. */
void	log_init(const char *ident, int debug);
/* Turn debug lines on or off (a configuration reload). */
void	log_set_debug(int debug);
int	log_debug_enabled(void);
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The same, counted as the kind (a format string that says what
 * happened, when fmt is a generic wrapper) and the source (a client
 * address; NULL: none) for the rate limits. */
void	log_msg_as(enum log_level, const char *kind, const char *source,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Report the kinds whose window ended with lines dropped (a timer calls
 * this, so the count is not held back until the next line of the kind). */
void	log_flush_suppressed(void);
/* Where formatted lines go instead of stderr: return 0 if taken, -1 to
 * fall back to stderr.  NULL: stderr only. */
typedef int (*log_sink_fn)(enum log_level, const char *msg);
void	log_set_sink(log_sink_fn);
/* "prefix: message" on stderr in one write, so that lines of processes
 * sharing the stream do not mix (the producers' plain lines). */
void	log_vplain(const char *prefix, const char *fmt, va_list ap);
/* Log at error level and exit(1). */
void	log_fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	do { if (log_debug_enabled()) \
		log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
