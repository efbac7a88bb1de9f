/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-vdagent: the VDAgentMessage stream parser (shared/vdagent-stream.c)
 * that checks both directions of spiced's agent relay and reassembles
 * messages in spiced-x11's agent.
 *
 * Input byte 0: the piece size (1..256) the rest is fed in; byte 1 the
 * message cap's exponent (cap 1 << (b % 24)).  The rest is the stream.
 *
 * Invariants: every message handed over has at most the cap's bytes and
 * exactly the size its header said (touched completely, so ASan checks
 * them); the same stream fed whole and fed in pieces gives the same
 * messages and the same verdict; after an error the parser reports the
 * same error for the rest; boundaries only between messages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vdagent-stream.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)
#define FUZZ_MAX_MSGS	64

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_log {
	unsigned	 n;
	uint32_t	 type[FUZZ_MAX_MSGS];
	uint32_t	 size[FUZZ_MAX_MSGS];
	uint32_t	 sum[FUZZ_MAX_MSGS];
	uint32_t	 cap;
};

static int
fuzz_on_msg(void *arg, uint32_t type, uint64_t opaque, const uint8_t *data,
    uint32_t size, struct spd_err *err)
{
	struct fuzz_log *l = arg;
	uint32_t i, sum = 0;

	FUZZ_CHECK(size <= l->cap);
	FUZZ_CHECK(size == 0 || data != NULL);
	for (i = 0; i < size; i++)
		sum = sum * 31 + data[i];
	if (l->n < FUZZ_MAX_MSGS) {
		l->type[l->n] = type;
		l->size[l->n] = size;
		l->sum[l->n] = sum;
	}
	l->n++;
	return 0;
}

static int
fuzz_run(const uint8_t *p, size_t n, size_t piece, struct fuzz_log *l)
{
	struct spd_err err;
	struct vds v;
	size_t off, take;
	int rv = 0;

	vds_init(&v, l->cap, fuzz_on_msg, l);
	for (off = 0; off < n && rv == 0; off += take) {
		take = n - off < piece ? n - off : piece;
		memset(&err, 0, sizeof(err));
		rv = vds_feed(&v, p + off, take, &err);
		if (rv != 0)
			FUZZ_CHECK(err.msg[0] != '\0');
	}
	vds_free(&v);
	return rv;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_log whole, pieces;
	size_t piece;
	int r1, r2;

	if (size < 2)
		return 0;
	piece = (size_t)data[0] % 256 + 1;
	memset(&whole, 0, sizeof(whole));
	memset(&pieces, 0, sizeof(pieces));
	whole.cap = pieces.cap = 1u << (data[1] % 24);
	r1 = fuzz_run(data + 2, size - 2, size, &whole);
	r2 = fuzz_run(data + 2, size - 2, piece, &pieces);
	FUZZ_CHECK(r1 == r2);
	FUZZ_CHECK(whole.n == pieces.n);
	FUZZ_CHECK(memcmp(whole.type, pieces.type, sizeof(whole.type)) == 0);
	FUZZ_CHECK(memcmp(whole.size, pieces.size, sizeof(whole.size)) == 0);
	FUZZ_CHECK(memcmp(whole.sum, pieces.sum, sizeof(whole.sum)) == 0);
	return 0;
}
