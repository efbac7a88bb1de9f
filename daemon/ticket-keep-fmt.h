/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ticket-keep-fmt: the layout of the kept tickets (ticket-keep.h) and its
 * one reader, kept apart from the supervisor's state so that it can be
 * fuzzed alone.  A u32 magic, a u32 count (at most TKEEP_MAX), then count
 * fixed-size records in this host's byte order: the same host reads what
 * it wrote, through systemd's fd store.
 */
#ifndef SPICED_TICKET_KEEP_FMT_H
#define SPICED_TICKET_KEEP_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "auth-ticket.h"
#include "conf.h"
#include "err.h"

#define TKEEP_MAGIC	0x314b5454u	/* "TTK1" */
/* What a record holds (tr_kind). */
#define TKEEP_TICKET		0	/* the display's ticket */
#define TKEEP_VIEW		1	/* its view-only ticket */
#define TKEEP_ONCE		2	/* spicectl vv's one-time ticket */
#define TKEEP_ONCE_VIEW		3	/* ... a view-only one */
#define TKEEP_MAX	(3 * CONF_MAX_DISPLAYS)
#define TKEEP_HDR	8

struct tkeep_rec {
	char		tr_display[CONF_NAME_LEN];
	uint32_t	tr_kind;	/* TKEEP_* */
	char		tr_password[AUTH_TICKET_PASSWORD_MAX + 1];
	int64_t		tr_expires;	/* wall clock, 0 never */
	/* The configured password when it was set, so that a later
	 * change of spiced.conf wins over it ("" for one-time ones). */
	char		tr_conf[AUTH_TICKET_PASSWORD_MAX + 1];
} __attribute__((packed));

/* The most bytes kept tickets take. */
#define TKEEP_MAX_BYTES	(TKEEP_HDR + TKEEP_MAX * sizeof(struct tkeep_rec))

/* Check buf (len bytes) whole and copy its records to out (TKEEP_MAX of
 * them); 0 with *n set, or -1 with err saying what is wrong (magic,
 * count, size, a kind, a string without its NUL). */
int	tkeep_parse(const uint8_t *buf, size_t len, struct tkeep_rec *out,
	    uint32_t *n, struct spd_err *err);

#endif
