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

#define LJ_FIELD_MAX	128

/* Copy into out (cap bytes) the value that follows key in msg and ends
 * before a character not in chars (NULL: before the closing quote). */
static int
lj_find(const char *msg, const char *key, const char *chars, char *out,
    size_t cap)
{
	const char *p = strstr(msg, key), *v;
	size_t n = 0;

	if (p == NULL)
		return 0;
	v = p + strlen(key);
	while (v[n] != '\0' && n + 1 < cap &&
	    (chars == NULL ? v[n] != '"' : strchr(chars, v[n]) != NULL &&
	    v[n] != '\0'))
		n++;
	if (n == 0)
		return 0;
	memcpy(out, v, n);
	out[n] = '\0';
	return 1;
}

static int
lj_sink(enum log_level lvl, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
	    LOG_DEBUG };
	char f[6][LJ_FIELD_MAX + 32], v[LJ_FIELD_MAX], *m;
	size_t ml = strlen(msg) + sizeof("MESSAGE=");
	struct iovec iov[6];
	int n = 0;

	/* MESSAGE may be long; it gets its own buffer. */
	if ((m = malloc(ml)) == NULL)
		return -1;
	snprintf(m, ml, "MESSAGE=%s", msg);
	iov[n].iov_base = m;
	iov[n++].iov_len = strlen(m);
	snprintf(f[n], sizeof(f[n]), "PRIORITY=%d", prio[lvl]);
	iov[n].iov_base = f[n];
	iov[n].iov_len = strlen(f[n]);
	n++;
	snprintf(f[n], sizeof(f[n]), "SYSLOG_IDENTIFIER=spiced");
	iov[n].iov_base = f[n];
	iov[n].iov_len = strlen(f[n]);
	n++;
	if (lj_find(msg, "display \"", NULL, v, sizeof(v))) {
		snprintf(f[n], sizeof(f[n]), "SPICED_DISPLAY=%s", v);
		iov[n].iov_base = f[n];
		iov[n].iov_len = strlen(f[n]);
		n++;
	}
	if (lj_find(msg, "session ", "0123456789", v, sizeof(v))) {
		snprintf(f[n], sizeof(f[n]), "SPICED_SESSION=%s", v);
		iov[n].iov_base = f[n];
		iov[n].iov_len = strlen(f[n]);
		n++;
	}
	if (lj_find(msg, "from ", "0123456789abcdefABCDEF.:[]", v,
	    sizeof(v))) {
		snprintf(f[n], sizeof(f[n]), "SPICED_PEER=%s", v);
		iov[n].iov_base = f[n];
		iov[n].iov_len = strlen(f[n]);
		n++;
	}
	n = sd_journal_sendv(iov, n);
	free(m);
	return n < 0 ? -1 : 0;
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
