/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-handoff: the reader of what one supervisor hands the next at a
 * restart (daemon/handoff-fmt.c).  Input: a u16 count of descriptors
 * (at most 512 here), then the handoff's bytes.
 *
 * Invariants: what it accepts has as many records as its head says, the
 * first a display and each record's display one before it; every
 * descriptor index named is -1 or below the count and named once; every
 * session a channel or worker names is a session of its display declared
 * before it; every string is NUL-terminated within its field (touched
 * whole, so ASan checks them); a refusal says why.
 */
#include <stdlib.h>
#include <string.h>

#include "handoff-fmt.h"
#include "worker-proc.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)
#define FUZZ_MAX_FDS	512
#define FUZZ_MAX_RECS	4096

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t	named[FUZZ_MAX_FDS];

static void
fd_named(int32_t fd, uint32_t nfds)
{
	if (fd == -1)
		return;
	FUZZ_CHECK(fd >= 0 && (uint32_t)fd < nfds && !named[fd]);
	named[fd] = 1;
}

/* A SESSION record of display d before record k with this id. */
static int
session_before(const struct ho_item *it, size_t k, uint32_t d, uint32_t id)
{
	size_t i;

	for (i = d + 1; i < k; i++)
		if (it[i].kind == HO_SESSION && it[i].u.s.id == id)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ho_item items[FUZZ_MAX_RECS];
	struct ho_head head;
	struct spd_err err;
	uint32_t nfds;
	size_t n = 0, k, i;
	size_t sum = 0;

	if (size < 2)
		return 0;
	nfds = (uint32_t)(data[0] | data[1] << 8) % (FUZZ_MAX_FDS + 1);
	err.msg[0] = '\0';
	if (ho_parse(data + 2, size - 2, nfds, &head, items, FUZZ_MAX_RECS,
	    &n, &err) != 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(n == head.nrecs && head.nfds == nfds);
	FUZZ_CHECK(n == 0 || items[0].kind == HO_DISPLAY);
	memset(named, 0, sizeof(named));
	for (k = 0; k < n; k++) {
		const struct ho_item *r = &items[k];
		uint32_t d = r->display;

		FUZZ_CHECK(d <= k && items[d].kind == HO_DISPLAY);
		switch (r->kind) {
		case HO_DISPLAY:
			FUZZ_CHECK(d == k);
			sum += strlen(r->u.d.name);
			FUZZ_CHECK(strlen(r->u.d.name) < sizeof(r->u.d.name));
			fd_named(r->u.d.input_fd, nfds);
			fd_named(r->u.d.agent_fd, nfds);
			fd_named(r->u.d.audio_fd[0], nfds);
			fd_named(r->u.d.audio_fd[1], nfds);
			break;
		case HO_PRODUCER:
			FUZZ_CHECK(strlen(r->u.p.name) < sizeof(r->u.p.name));
			FUZZ_CHECK(r->u.p.fd != -1);
			fd_named(r->u.p.fd, nfds);
			for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
				fd_named(r->u.p.slots[i].fd, nfds);
			for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
				fd_named(r->u.p.devfd[i], nfds);
			break;
		case HO_PORT:
			FUZZ_CHECK(strlen(r->u.port.name) <
			    sizeof(r->u.port.name));
			fd_named(r->u.port.fd, nfds);
			break;
		case HO_SESSION:
			FUZZ_CHECK(r->u.s.id != 0 &&
			    !session_before(items, k, d, r->u.s.id));
			break;
		case HO_CHAN:
			FUZZ_CHECK(strlen(r->u.c.peer) < sizeof(r->u.c.peer));
			FUZZ_CHECK(session_before(items, k, d, r->u.c.session));
			break;
		case HO_WORKER:
			FUZZ_CHECK(r->u.w.role <= WPROC_RECORD &&
			    r->u.w.role != WPROC_KEYGEN);
			FUZZ_CHECK(r->u.w.fd != -1 && r->u.w.pidfd != -1);
			fd_named(r->u.w.fd, nfds);
			fd_named(r->u.w.pidfd, nfds);
			FUZZ_CHECK(r->u.w.session == 0 ||
			    session_before(items, k, d, r->u.w.session));
			FUZZ_CHECK((r->u.w.session == 0) ==
			    (r->u.w.role == WPROC_DISPLAY ||
			    r->u.w.role == WPROC_CURSOR));
			break;
		default:
			FUZZ_CHECK(0);
		}
	}
	return sum == (size_t)-1;
}
