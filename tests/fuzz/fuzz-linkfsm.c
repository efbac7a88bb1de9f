/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-linkfsm: the link and authentication state machine of
 * daemon/link.c driven as a whole, not only its framing (fuzz-link's):
 * arbitrary client bytes arrive on a real socket, in pieces, and link.c
 * runs on its libevent loop with real ticket keys, a real WebSocket
 * upgrade path and a real ticket check, through header, link message,
 * auth mechanism, ticket and result, to the hand-off.  The first input
 * byte picks the policy: a password (a client cannot forge the RSA
 * ticket, so everything before and around the check is what is
 * reached) or ticketing disabled (links go all the way to admission
 * and hand-off).
 *
 * Input: u8 policy, u8 split, then the client's bytes, written in two
 * pieces (at split) with the loop run between them.
 *
 * Invariants: no crash or sanitizer report; once the client hangs up,
 * link.c forgets the connection (link_count() is 0) and holds no socket.
 */
#include <sys/socket.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "auth-ticket.h"
#include "link.h"
#include "log.h"

#include "fuzz-fds.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

static struct event_base	*fz_base;
static struct link_policy	 fz_pol[2];

static uint32_t
fz_admit(const struct link_info *li, void *arg)
{
	(void)arg;
	/* Any channel of the one session is fine; others are refused. */
	return li->channel_type <= 4 ? 0 : 6;	/* OK, CHANNEL_NOT_AVAILABLE */
}

static void
fz_handoff(int fd, const struct link_info *li, void *arg)
{
	(void)li;
	(void)arg;
	close(fd);
}

static void
fz_init(void)
{
	static struct auth_ticket *ticket, *open;
	struct auth_keypool *keys;
	struct spd_err err;
	int i;

	log_init("fuzz-linkfsm", 0);
	FUZZ_CHECK((fz_base = event_base_new()) != NULL);
	FUZZ_CHECK((keys = auth_keypool_new(fz_base, 4, &err)) != NULL);
	FUZZ_CHECK((ticket = auth_ticket_new()) != NULL &&
	    auth_ticket_set_password(ticket, "s3cret", &err) == 0);
	FUZZ_CHECK((open = auth_ticket_new()) != NULL);
	auth_ticket_set_disabled(open, 1);
	for (i = 0; i < 2; i++) {
		fz_pol[i].display = "fz";
		fz_pol[i].ticket = i == 0 ? ticket : open;
		fz_pol[i].keys = keys;
		fz_pol[i].timeout_sec = 5;
		fz_pol[i].max_preauth = 4;
	}
}

static void
fz_spin(int rounds)
{
	while (rounds-- > 0)
		event_base_loop(fz_base, EVLOOP_NONBLOCK);
}

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int before = -1;
	const struct link_policy *pol;
	char drain[4096];
	size_t split;
	int sv[2], tries;

	if (size < 2)
		return 0;
	if (fz_base == NULL)
		fz_init();
	if (before < 0)
		before = fuzz_fds_open();
	pol = &fz_pol[data[0] & 1];
	split = size > 2 ? data[1] % (size - 2) : 0;
	data += 2;
	size -= 2;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	if (link_start(fz_base, sv[1], "fuzz", pol, fz_admit, fz_handoff,
	    NULL) == NULL) {
		close(sv[0]);
		return 0;
	}
	(void)send(sv[0], data, split, MSG_NOSIGNAL | MSG_DONTWAIT);
	fz_spin(3);
	(void)send(sv[0], data + split, size - split,
	    MSG_NOSIGNAL | MSG_DONTWAIT);
	fz_spin(3);
	while (recv(sv[0], drain, sizeof(drain), MSG_DONTWAIT) > 0)
		;
	close(sv[0]);
	/* link.c sees the hang-up and lets go, lingering at most briefly. */
	for (tries = 0; tries < 2000 && (link_count(pol) != 0 ||
	    fuzz_fds_open() != before); tries++) {
		fz_spin(1);
		if (link_count(pol) != 0)
			usleep(1000);
	}
	FUZZ_CHECK(link_count(pol) == 0 && fuzz_fds_open() == before);
	return 0;
}
