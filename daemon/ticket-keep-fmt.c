/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ticket-keep-fmt: see ticket-keep-fmt.h. */
#include <string.h>

#include "ticket-keep-fmt.h"

int
tkeep_parse(const uint8_t *buf, size_t len, struct tkeep_rec *out,
    uint32_t *n, struct spd_err *err)
{
	uint32_t magic, count, i;

	if (len < TKEEP_HDR)
		return spd_err_set(err, "%zu bytes, less than a header", len);
	memcpy(&magic, buf, 4);
	memcpy(&count, buf + 4, 4);
	if (magic != TKEEP_MAGIC)
		return spd_err_set(err, "magic 0x%08x", magic);
	if (count > TKEEP_MAX)
		return spd_err_set(err, "%u tickets, at most %d", count,
		    TKEEP_MAX);
	if (len != TKEEP_HDR + (size_t)count * sizeof(*out))
		return spd_err_set(err, "%zu bytes for %u tickets", len, count);
	for (i = 0; i < count; i++) {
		memcpy(&out[i], buf + TKEEP_HDR + (size_t)i * sizeof(*out),
		    sizeof(*out));
		if (out[i].tr_kind > TKEEP_ONCE_VIEW ||
		    memchr(out[i].tr_display, '\0',
		    sizeof(out[i].tr_display)) == NULL ||
		    memchr(out[i].tr_password, '\0',
		    sizeof(out[i].tr_password)) == NULL ||
		    memchr(out[i].tr_conf, '\0', sizeof(out[i].tr_conf)) ==
		    NULL)
			return spd_err_set(err, "ticket %u is malformed", i);
	}
	*n = count;
	return 0;
}
