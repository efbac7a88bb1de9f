/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log: see log.h.
 *
 * Rate limits: a flood of bad connections once wrote 136 MB of log in
 * 100 s.  Lines of one kind (one format string) are counted per window of
 * LOG_RL_WINDOW seconds, per source (when the call names one: a client
 * address) and in all; past LOG_RL_PER_SOURCE or LOG_RL_PER_KIND lines
 * they are dropped and counted, and one line says how many when the
 * window ends.  Debug lines, asked for, are never dropped.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mono-time.h"

#define LOG_RL_WINDOW		10	/* s */
#define LOG_RL_PER_SOURCE	10	/* lines per kind and source */
#define LOG_RL_PER_KIND		60	/* lines per kind, all sources */
#define LOG_RL_SLOTS		128	/* buckets of each table */

struct log_rl {
	uint32_t	 rl_kind;	/* hash of the kind's text; 0: free */
	uint32_t	 rl_src;	/* hash of the source, 0: none */
	char		 rl_text[120];	/* the kind, for the report */
	int64_t		 rl_start;	/* window start, s */
	unsigned	 rl_n;		/* lines in this window */
	unsigned	 rl_dropped;	/* of them, dropped */
	enum log_level	 rl_lvl;
};

static char	log_ident[32] = "spiced";
static int	log_debug_on;
static struct log_rl log_kinds[LOG_RL_SLOTS];
static struct log_rl log_sources[LOG_RL_SLOTS];
static log_sink_fn log_sink;

void
log_init(const char *ident, int debug)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_debug_on = debug;
}

void
log_set_debug(int debug)
{
	log_debug_on = debug;
}

int
log_debug_enabled(void)
{
	return log_debug_on;
}

void
log_set_sink(log_sink_fn fn)
{
	log_sink = fn;
}

/* Line (n bytes formatted into a buffer of LOG_LINE_MAX, n < 0: none)
 * to stderr in one write, cut to fit, with its newline, so that lines
 * from several processes do not mix. */
#define LOG_LINE_MAX	2048
static void
log_write(char *line, int n)
{
	if (n < 0)
		return;
	if (n > LOG_LINE_MAX - 2)
		n = LOG_LINE_MAX - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

static void
log_line(enum log_level lvl, const char *msg)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	char line[LOG_LINE_MAX];

	if (log_sink != NULL && log_sink(lvl, msg) == 0)
		return;
	log_write(line, snprintf(line, sizeof(line), "%s[%ld]: %s: %s",
	    log_ident, (long)getpid(), names[lvl], msg));
}

void
log_vplain(const char *prefix, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n, m;

	if ((n = snprintf(line, sizeof(line), "%s: ", prefix)) < 0)
		return;
	if (n > LOG_LINE_MAX - 2)
		n = LOG_LINE_MAX - 2;
	if ((m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap)) > 0)
		n += m;
	log_write(line, n);
}

static int64_t
log_now(void)
{
	return (int64_t)(mono_ns() / 1000000000u);
}

static uint32_t
log_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h | 1;	/* never 0, which means "no source" */
}

/* Say how many lines of the kind in rl were dropped, once its window is
 * over. */
static void
log_rl_report(struct log_rl *rl)
{
	char msg[768];

	if (rl->rl_dropped == 0)
		return;
	snprintf(msg, sizeof(msg), "%u similar messages suppressed in %d s: "
	    "\"%s\"", rl->rl_dropped, LOG_RL_WINDOW, rl->rl_text);
	rl->rl_dropped = 0;
	log_line(rl->rl_lvl, msg);
}

/* The bucket of (kind, src) in table t, its window rolled to now. */
static struct log_rl *
log_rl_get(struct log_rl *t, const char *text, uint32_t kind, uint32_t src,
    int64_t now)
{
	struct log_rl *rl, *old = NULL;
	size_t i, h = (kind ^ src * 31u) % LOG_RL_SLOTS;

	/* A short probe; on a miss the oldest bucket probed is reused. */
	for (i = 0; i < 8; i++) {
		rl = &t[(h + i) % LOG_RL_SLOTS];
		if (rl->rl_kind == kind && rl->rl_src == src)
			break;
		if (old == NULL || rl->rl_kind == 0 ||
		    rl->rl_start < old->rl_start)
			old = rl;
		rl = NULL;
	}
	if (rl == NULL) {
		rl = old;
		log_rl_report(rl);
		memset(rl, 0, sizeof(*rl));
		rl->rl_kind = kind;
		rl->rl_src = src;
		snprintf(rl->rl_text, sizeof(rl->rl_text), "%s", text);
		rl->rl_start = now;
	}
	if (now - rl->rl_start >= LOG_RL_WINDOW) {
		log_rl_report(rl);
		rl->rl_start = now;
		rl->rl_n = 0;
	}
	return rl;
}

/* May a line of this kind (and source) go out now? */
static int
log_rl_allow(enum log_level lvl, const char *kind, const char *source)
{
	int64_t now = log_now();
	struct log_rl *k, *s = NULL;
	uint32_t src = source != NULL ? log_hash(source) : 0;
	uint32_t kh = log_hash(kind);

	k = log_rl_get(log_kinds, kind, kh, 0, now);
	k->rl_lvl = lvl;
	if (src != 0)
		s = log_rl_get(log_sources, kind, kh, src, now);
	if (k->rl_n >= LOG_RL_PER_KIND ||
	    (s != NULL && s->rl_n >= LOG_RL_PER_SOURCE)) {
		k->rl_dropped++;
		return 0;
	}
	k->rl_n++;
	if (s != NULL)
		s->rl_n++;
	return 1;
}

void
log_flush_suppressed(void)
{
	int64_t now = log_now();
	size_t i;

	for (i = 0; i < LOG_RL_SLOTS; i++)
		if (log_kinds[i].rl_kind != 0 &&
		    now - log_kinds[i].rl_start >= LOG_RL_WINDOW)
			log_rl_report(&log_kinds[i]);
}

/* kind: what the limits count by (NULL: no limit, as for fatal lines) */
static void
log_vmsg(enum log_level lvl, const char *kind, const char *source,
    const char *fmt, va_list ap)
{
	char msg[2000];

	if (kind != NULL && lvl != LOG_LVL_DEBUG &&
	    !log_rl_allow(lvl, kind, source))
		return;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		return;
	log_line(lvl, msg);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, NULL, fmt, ap);
	va_end(ap);
}

void
log_msg_as(enum log_level lvl, const char *kind, const char *source,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, kind, source, fmt, ap);
	va_end(ap);
}

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, NULL, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
