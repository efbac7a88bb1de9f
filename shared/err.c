/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* err: see err.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
spd_err_set(struct spd_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
spd_err_errno(struct spd_err *err, const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
	    strerror(saved));
	errno = saved;
	return -1;
}

int
spd_err_prefix(struct spd_err *err, const char *fmt, ...)
{
	char old[SPD_ERR_LEN];
	size_t len;
	va_list ap;

	if (err == NULL)
		return -1;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	if (len + 2 < sizeof(err->msg)) {
		memcpy(err->msg + len, ": ", 3);
		len += 2;
		/* Truncation of a very long chain is acceptable. */
		memcpy(err->msg + len, old, strnlen(old, sizeof(err->msg) -
		    len - 1));
		err->msg[len + strnlen(old, sizeof(err->msg) - len - 1)] = '\0';
	}
	return -1;
}
