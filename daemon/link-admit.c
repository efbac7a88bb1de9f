/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * link-admit: the pre-authentication caps under a flood of links
 * (max-preauth, max-preauth-per-address): a new link is admitted only by
 * making room, evicting the connection that costs least to lose (one
 * already refused, else the one whose client has been quiet longest in a
 * step of its own), never one waiting on the server; contracts in
 * link-int.h and link.h.
 */
#include <string.h>

#include "link-int.h"
#include "log.h"
#include "mono-time.h"

/* Bytes of the address in a peer name ("HOST:PORT", "[V6]:PORT", as
 * listen.c writes them): all but the part after the last ':'. */
size_t
link_addr_len(const char *peer)
{
	const char *colon = strrchr(peer, ':');

	return colon != NULL ? (size_t)(colon - peer) : strlen(peer);
}

/* Do two peer names name the same address? */
static int
link_same_addr(const char *a, const char *b)
{
	size_t la = link_addr_len(a);

	return la == link_addr_len(b) && memcmp(a, b, la) == 0;
}

unsigned int
link_count(const struct link_policy *policy)
{
	struct link_conn *lc;
	unsigned int n = 0;

	TAILQ_FOREACH(lc, &link_conns, lc_entry)
		if (policy == NULL || lc->lc_policy == policy)
			n++;
	return n;
}

/*
 * Whether a connection may be evicted to admit a new one when a pre-auth
 * cap is full; lower goes first, -1 never.  First the ones already
 * refused (lingering); then those whose client has been quiet for more
 * than the policy's grace in any step of its own: a TLS or WebSocket
 * handshake, the link, or the ticket after our reply (a held connection
 * that got its key and went silent is the flood's cheapest trick).
 * Among those the one quiet longest goes.  A real client answers each
 * step within a round trip, so it is never quiet for long, and the grace
 * keeps one just accepted (its first bytes not yet read) from being
 * taken for idle by the next arrival of the same loop turn.  Never
 * evicted: connections waiting on us (for a key, for a write to finish,
 * for the handoff); they move on by themselves, and the deadlines bound
 * them.
 */
static int
link_evict_rank(const struct link_conn *lc, uint64_t now)
{
	switch (lc->lc_state) {
	case LINK_S_LINGER:
	case LINK_S_ERROR:
		return 0;
	case LINK_S_LAYER:
	case LINK_S_WS_HTTP:
	case LINK_S_HEADER:
	case LINK_S_MESS:
	case LINK_S_MECH:
	case LINK_S_TICKET:
	case LINK_S_SASL_IN:
		if (now - lc->lc_quiet_since <
		    (uint64_t)lc->lc_policy->quiet_grace_ms * 1000000u)
			return -1;
		return 1;
	default:
		return -1;
	}
}

/*
 * A cap is full: close the connection of policy (and of address addr,
 * when not NULL) that is cheapest to evict, to make room for peer; the
 * cap stays a hard bound.  0 if room was made, -1 (logged) if every such
 * connection is waiting on us.
 */
static int
link_evict(const struct link_policy *policy, const char *addr,
    const char *peer, const char *cap, unsigned int limit)
{
	struct link_conn *lc, *victim = NULL;
	uint64_t now = mono_ns();
	int rank, best = 0;

	TAILQ_FOREACH(lc, &link_conns, lc_entry) {
		if (lc->lc_policy != policy ||
		    (rank = link_evict_rank(lc, now)) < 0)
			continue;
		if (addr != NULL && !link_same_addr(lc->lc_peer, addr))
			continue;
		if (victim == NULL || rank < best ||
		    (rank == best &&
		    lc->lc_quiet_since < victim->lc_quiet_since)) {
			victim = lc;
			best = rank;
		}
	}
	if (victim == NULL) {
		log_warn("display \"%s\": link from %s refused: %s %u "
		    "reached and none to evict (every connection is "
		    "waiting on the server or was active in the last %u ms)",
		    policy->display, peer, cap, limit, policy->quiet_grace_ms);
		return -1;
	}
	/* A lingering one had its refusal logged already. */
	if (best > 0)
		link_log_refused(victim, "evicted in %s after %llu ms quiet "
		    "to make room for %s: %s %u reached",
		    link_state_names[victim->lc_state],
		    (unsigned long long)((mono_ns() -
		    victim->lc_quiet_since) / 1000000u), peer, cap, limit);
	link_free(victim, 1);
	return 0;
}

/* Connections of policy from the address of peer. */
static unsigned int
link_count_addr(const struct link_policy *policy, const char *peer)
{
	struct link_conn *lc;
	unsigned int n = 0;

	TAILQ_FOREACH(lc, &link_conns, lc_entry)
		if (lc->lc_policy == policy &&
		    link_same_addr(lc->lc_peer, peer))
			n++;
	return n;
}

/*
 * Make room for a link from peer under both caps: the address's own
 * (max-preauth-per-address; UNIX peers, all named "unix", are exempt),
 * then the display's.  0, or -1 (logged) to refuse peer.
 */
int
link_admit_preauth(const struct link_policy *policy, const char *peer)
{
	int per_addr = policy->max_preauth_per_addr > 0 &&
	    strcmp(peer, "unix") != 0;

	if (per_addr && link_count_addr(policy, peer) >=
	    policy->max_preauth_per_addr && link_evict(policy, peer, peer,
	    "max-preauth-per-address", policy->max_preauth_per_addr) != 0)
		return -1;
	if (link_count(policy) >= policy->max_preauth &&
	    link_evict(policy, NULL, peer, "max-preauth",
	    policy->max_preauth) != 0)
		return -1;
	return 0;
}

