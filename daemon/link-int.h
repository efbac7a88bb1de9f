/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * link-int.h: what the link state machine (link.c) and its admission
 * under a flood (link-admit.c) share: a connection being linked and the
 * list of them.  Not for other modules: link.h is their contract.
 */
#ifndef SPICED_LINK_INT_H
#define SPICED_LINK_INT_H

#include <sys/queue.h>

#include <time.h>

#include "auth-sasl.h"
#include "auth-ticket.h"
#include "link.h"
#include "spice-link.h"

enum link_state {
	LINK_S_LAYER,		/* the layer's own handshake (TLS) */
	LINK_S_WS_HTTP,		/* reading a WebSocket upgrade request */
	LINK_S_WS_REPLY,	/* writing its 101 reply */
	LINK_S_HEADER,		/* reading SpiceLinkHeader */
	LINK_S_MESS,		/* reading SpiceLinkMess + caps */
	LINK_S_KEYWAIT,		/* waiting for a key pair from the pool */
	LINK_S_REPLY,		/* writing SpiceLinkReply */
	LINK_S_MECH,		/* reading the auth mechanism u32 */
	LINK_S_TICKET,		/* reading the encrypted ticket */
	LINK_S_SASL_OUT,	/* writing a SASL message */
	LINK_S_SASL_IN,		/* reading a SASL message (auth-sasl.c) */
	LINK_S_RESULT,		/* writing the link result */
	LINK_S_ERROR,		/* writing an error reply or failed result */
	LINK_S_LINGER,		/* refused; draining input until close */
};

struct link_conn;

struct link_conn {
	TAILQ_ENTRY(link_conn)	 lc_entry;
	const struct link_policy *lc_policy;
	struct link_layer	 lc_bottom;	/* owns the socket */
	struct link_layer	*lc_top;	/* where the link reads */
	int			 lc_fd;
	char			 lc_peer[IPC_ADDR_LEN];
	enum link_state		 lc_state;
	struct event		*lc_rev;	/* EV_READ | EV_PERSIST */
	struct event		*lc_wev;	/* EV_WRITE | EV_PERSIST */
	struct event		*lc_timer;	/* the deadline */
	struct timespec		 lc_deadline;	/* CLOCK_MONOTONIC */
	/* Since when the client has sent nothing while it was its turn
	 * (CLOCK_MONOTONIC, ns): what eviction ranks by. */
	uint64_t		 lc_quiet_since;
	int			 lc_auth_timer;	/* the ticket deadline is on */

	/* Input: the current step wants exactly lc_need bytes. */
	uint8_t			 lc_in[SPICE_LINK_MAX_SIZE];
	size_t			 lc_have;
	size_t			 lc_need;
	size_t			 lc_drained;	/* bytes dropped in linger */

	/* Output, and where to go once it is written. */
	struct obuf		 lc_out;
	size_t			 lc_outoff;
	enum link_state		 lc_next;

	struct spice_link_mess	 lc_mess;
	struct auth_key		*lc_key;
	struct auth_key_waiter	 lc_waiter;
	uint32_t		 lc_result;
	struct auth_sasl	*lc_sasl;	/* SASL exchange, or NULL */
	uint8_t			*lc_rbuf;	/* read here, not lc_in */
	struct link_info	 lc_info;

	link_admit_cb		 lc_admit;
	link_handoff_cb		 lc_handoff;
	void			*lc_arg;
};

/* Each state's name, for log lines (link.c). */
extern const char *const link_state_names[];

TAILQ_HEAD(link_conn_list, link_conn);
/* Every connection being linked, oldest first (link.c). */
extern struct link_conn_list link_conns;

/* link.c */

/* Log lc's refusal (rate-limited per reason and client address). */
void	link_log_refused(struct link_conn *lc, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Tear down all of lc (its socket too when close_fd); the caller returns
 * at once. */
void	link_free(struct link_conn *lc, int close_fd);

/* link-admit.c */

/* Bytes of the address in a peer name ("HOST:PORT", "[V6]:PORT"). */
size_t	link_addr_len(const char *peer);
/* Make room for a link from peer under the policy's pre-auth caps (the
 * address's, then the display's), evicting the cheapest connection when
 * one is full: 0, or -1 (logged) to refuse peer. */
int	link_admit_preauth(const struct link_policy *policy,
	    const char *peer);

#endif /* SPICED_LINK_INT_H */
