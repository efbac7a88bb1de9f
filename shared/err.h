/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * err: error messages that say what failed and why.
 *
 * Functions that can fail return 0 or -1 and fill a caller-provided
 * struct spd_err; the caller adds context with spd_err_prefix() and logs it.
 */
#ifndef SPICED_ERR_H
#define SPICED_ERR_H

#define SPD_ERR_LEN	512

struct spd_err {
	char	msg[SPD_ERR_LEN];
};

/* Set the message (printf format); always returns -1 so callers can
 * "return spd_err_set(err, ...)".  err may be NULL. */
int	spd_err_set(struct spd_err *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Like spd_err_set, appending ": strerror(errno)". */
int	spd_err_errno(struct spd_err *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Prepend "prefix: " to the existing message; returns -1. */
int	spd_err_prefix(struct spd_err *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
