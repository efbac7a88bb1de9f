/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-tkeep: the reader of the tickets kept over a restart
 * (daemon/ticket-keep-fmt.c), which the supervisor reads back from
 * systemd's fd store.
 *
 * Invariants: what it accepts has exactly the size its count says, at
 * most TKEEP_MAX records, kinds TKEEP_TICKET to TKEEP_ONCE_VIEW, and
 * every string NUL-terminated
 * within its field (touched whole, so ASan checks them); a refusal says
 * why.
 */
#include <stdlib.h>
#include <string.h>

#include "ticket-keep-fmt.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tkeep_rec rec[TKEEP_MAX];
	struct spd_err err;
	uint32_t n = 0, i;
	size_t sum = 0;

	err.msg[0] = '\0';
	if (tkeep_parse(data, size, rec, &n, &err) != 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(n <= TKEEP_MAX);
	FUZZ_CHECK(size == TKEEP_HDR + (size_t)n * sizeof(rec[0]));
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(rec[i].tr_kind <= TKEEP_ONCE_VIEW);
		sum += strlen(rec[i].tr_display) + strlen(rec[i].tr_password) +
		    strlen(rec[i].tr_conf);
		FUZZ_CHECK(strlen(rec[i].tr_display) <
		    sizeof(rec[i].tr_display));
	}
	return sum == (size_t)-1;
}
