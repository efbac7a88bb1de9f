/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log-journal: the supervisor's log lines as journal entries with fields
 * of their own, when systemd connected its stderr to the journal
 * ($JOURNAL_STREAM names the stream by device and inode, sd_journal(3)).
 * Besides MESSAGE and PRIORITY each entry carries what the line names:
 * SPICED_DISPLAY (display "NAME"), SPICED_SESSION (session N) and
 * SPICED_PEER (from ADDRESS), so `journalctl SPICED_DISPLAY=vm1` finds a
 * tenant's lines.  Workers keep writing to the same stream as plain
 * lines: their sandbox allows no new socket.
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log-journal.h"
#include "log.h"

#define LJ_FIELD_MAX	160

/* What a line names, and the field it becomes: the value follows key and
 * runs while its characters are in chars (NULL: up to a closing quote). */
static const struct {
	const char	*lf_key;
	const char	*lf_chars;
	const char	*lf_field;
} lj_fields[] = {
	{ "display \"", NULL, "SPICED_DISPLAY" },
	{ "session ", "0123456789", "SPICED_SESSION" },
	{ "from ", "0123456789abcdefABCDEF.:[]", "SPICED_PEER" },
};
#define LJ_NFIELDS	(sizeof(lj_fields) / sizeof(lj_fields[0]))

/* "FIELD=value" of lj_fields[i] into out (cap bytes), if msg names one;
 * its length, or 0. */
static size_t
lj_field(const char *msg, size_t i, char *out, size_t cap)
{
	const char *p = strstr(msg, lj_fields[i].lf_key), *chars, *v;
	size_t n = 0;
	int len;

	if (p == NULL)
		return 0;
	v = p + strlen(lj_fields[i].lf_key);
	chars = lj_fields[i].lf_chars;
	while (v[n] != '\0' && (chars == NULL ? v[n] != '"' :
	    strchr(chars, v[n]) != NULL))
		n++;
	if (n == 0 || (len = snprintf(out, cap, "%s=%.*s",
	    lj_fields[i].lf_field, (int)n, v)) < 0 || (size_t)len >= cap)
		return 0;
	return (size_t)len;
}

static int
lj_sink(enum log_level lvl, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
	    LOG_DEBUG };
	static const char ident[] = "SYSLOG_IDENTIFIER=spiced";
	char f[LJ_NFIELDS][LJ_FIELD_MAX], pr[16], *m;
	size_t ml = strlen(msg) + sizeof("MESSAGE="), i;
	struct iovec iov[3 + LJ_NFIELDS];
	int n = 0, rc;

	/* MESSAGE may be long; it gets its own buffer. */
	if ((m = malloc(ml)) == NULL)
		return -1;
	iov[n].iov_base = m;
	iov[n++].iov_len = (size_t)snprintf(m, ml, "MESSAGE=%s", msg);
	iov[n].iov_base = pr;
	iov[n++].iov_len = (size_t)snprintf(pr, sizeof(pr), "PRIORITY=%d",
	    prio[lvl]);
	iov[n].iov_base = (void *)ident;
	iov[n++].iov_len = sizeof(ident) - 1;
	for (i = 0; i < LJ_NFIELDS; i++)
		if ((iov[n].iov_len = lj_field(msg, i, f[i],
		    sizeof(f[i]))) > 0)
			iov[n++].iov_base = f[i];
	rc = sd_journal_sendv(iov, n);
	free(m);
	return rc < 0 ? -1 : 0;
}

int
log_journal_start(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) != 0 ||
	    (unsigned long long)st.st_dev != dev ||
	    (unsigned long long)st.st_ino != ino)
		return 0;
	log_set_sink(lj_sink);
	return 1;
}
