/*
 * link: the pre-authentication state machine of one client connection
 * (SPICE-NOTES 1.2-1.7), on libevent.
 *
 * header -> link message -> (key from the pool) -> reply with our public
 * key -> auth mechanism -> 128-byte ticket -> admit -> u32 result ->
 * handoff of the fd.  The whole handshake runs under one deadline, reads
 * never take a byte beyond what the current step needs (the bytes after
 * the ticket belong to the worker), and every refusal logs one line:
 *   display "vm1": link from 127.0.0.1:40000 refused: ticket expired
 *
 * Only plain sockets for now; reads and writes go through a small
 * transport table so TLS, SASL and WebSocket framing can slot in later.
 */
#ifndef SPICED_LINK_H
#define SPICED_LINK_H

#include <stdint.h>

#include "auth-ticket.h"
#include "ipc-msg.h"

struct event_base;
struct link_conn;

#define LINK_MAX_PREAUTH_DEFAULT 32

/* Per display; owned by the caller and must outlive its connections (see
 * link_abort_policy()). */
struct link_policy {
	const char		*display;	/* name, for logs */
	struct auth_ticket	*ticket;	/* password/expiry/disabled */
	struct auth_keypool	*keys;
	int			 timeout_sec;	/* whole-handshake deadline */
	unsigned int		 max_preauth;	/* concurrent links before
						   auth; 0 = refuse all */
};

/* What a successful link established. */
struct link_info {
	uint32_t		connection_id;	/* as the client sent it */
	uint8_t			channel_type;	/* SPICE_CHANNEL_* */
	uint8_t			channel_id;
	int			mini_header;	/* client offered MINI_HEADER
						   and we advertise it */
	struct ipc_client	client;		/* ready for IPC_D2W_CLIENT */
};

/*
 * Called after successful authentication, before the result is sent;
 * returns the SpiceLinkErr to send (OK, BAD_CONNECTION_ID,
 * CHANNEL_NOT_AVAILABLE, ...).  Must not call link_abort_*().
 */
typedef uint32_t (*link_admit_cb)(const struct link_info *, void *arg);

/*
 * Called after the OK result went out; takes ownership of fd, which is
 * left in O_NONBLOCK mode with no libevent state attached and nothing
 * read beyond the ticket.  The link_conn is already gone.
 */
typedef void (*link_handoff_cb)(int fd, const struct link_info *, void *arg);

/*
 * Start the handshake on an accepted stream socket.  Always takes
 * ownership of fd: on failure (too many pre-auth connections of this
 * policy, out of memory) it logs, closes fd and returns NULL.  The fd is
 * switched to O_NONBLOCK.  peer names the client in logs (copied).
 * The returned handle is only good for identity; the connection frees
 * itself when it ends.
 */
struct link_conn *link_start(struct event_base *base, int fd,
	    const char *peer, const struct link_policy *policy,
	    link_admit_cb admit, link_handoff_cb handoff, void *arg);

/* Close every connection still in the handshake (shutdown, reload);
 * logs one line each.  No callbacks run. */
void	 link_abort_all(void);

/* Close the handshakes running under policy, before the caller frees it
 * or the key pool it names. */
void	 link_abort_policy(const struct link_policy *policy);

/* Connections currently in the handshake under policy (NULL: all). */
unsigned int link_count(const struct link_policy *policy);

#endif
