/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
 * Bytes move through a stack of layers (struct link_layer): the bottom
 * one owns the socket (plain TCP/UNIX, or TLS, whose handshake runs first
 * under the same deadline); a framing layer (WebSocket) can sit above it
 * and read through link_layer_read(ll_below).  After the OK result each
 * layer's handoff may replace the fd the worker gets (kTLS, relay).
 */
#ifndef SPICED_LINK_H
#define SPICED_LINK_H

#include <sys/types.h>

#include <stdint.h>

#include "auth-ticket.h"
#include "err.h"
#include "ipc-msg.h"

struct event_base;
struct link_conn;
struct link_layer;
struct auth_sasl_policy;

/* What a layer's handshake step asks for next. */
#define LINK_LAYER_DONE		0
#define LINK_LAYER_WANT_READ	1
#define LINK_LAYER_WANT_WRITE	2

/*
 * One layer of the byte stack.  read/write behave like recv(2)/send(2) on
 * a non-blocking socket: -1 with errno EAGAIN when nothing can move now
 * (the link waits for the fd to become readable/writable), 0 from read at
 * the end of the stream.  Optional members may be NULL.
 */
struct link_layer_ops {
	const char	*llo_name;	/* "plain", "tls", ... for logs */
	int		 llo_secure;	/* satisfies secure-channels */
	/* One step of the layer's own handshake, run before the SPICE link
	 * header is read: LINK_LAYER_DONE, _WANT_READ/_WANT_WRITE, or -1
	 * with err set (the link is dropped and err logged). */
	int		(*llo_handshake)(struct link_layer *, struct spd_err *);
	ssize_t		(*llo_read)(struct link_layer *, void *, size_t);
	ssize_t		(*llo_write)(struct link_layer *, const void *,
			    size_t);
	/* Nonzero when decoded input sits in the layer's own buffer (the
	 * socket may then not poll readable). */
	int		(*llo_pending)(struct link_layer *);
	/* After the OK result went out: turn *fd into what the worker gets
	 * and set *transport (enum ipc_transport); on failure return -1
	 * with err set (the caller closes *fd).  NULL: hand *fd on as is. */
	int		(*llo_handoff)(struct link_layer *, int *fd,
			    uint8_t *transport, struct spd_err *);
	/* Free ll_ctx; never closes the fd. */
	void		(*llo_free)(struct link_layer *);
	/* After the layer's handshake: the strength in bits of the
	 * protection it gives the bytes above it (TLS: the negotiated
	 * cipher's secret bits), 0 for none.  SASL gets it as the external
	 * SSF.  NULL: 0. */
	unsigned	(*llo_ssf)(const struct link_layer *);
	/* The host name the client asked the layer for (TLS SNI), or
	 * NULL.  NULL: none. */
	const char	*(*llo_server_name)(const struct link_layer *);
};

struct link_layer {
	const struct link_layer_ops *ll_ops;
	void			*ll_ctx;
	int			 ll_fd;		/* the client socket */
	struct link_layer	*ll_below;	/* NULL: bottom layer */
};

/* Read/write through layer l (for layers stacked above another one). */
ssize_t	 link_layer_read(struct link_layer *l, void *buf, size_t n);
ssize_t	 link_layer_write(struct link_layer *l, const void *buf, size_t n);

#define LINK_MAX_PREAUTH_DEFAULT 32

/* Per display; owned by the caller and must outlive its connections (see
 * link_abort_policy()). */
struct link_policy {
	const char		*display;	/* name, for logs */
	struct auth_ticket	*ticket;	/* password/expiry/disabled */
	struct auth_ticket	*ticket_view;	/* view-only password, or NULL */
	struct auth_ticket	*ticket_once;	/* one-time ticket, or NULL */
	int			 once_view_only; /* ticket_once is view-only */
	struct auth_keypool	*keys;
	int			 timeout_sec;	/* whole-handshake deadline */
	int			 auth_timeout_sec; /* from our link reply to
						   the end; 0: timeout_sec */
	unsigned int		 max_preauth;	/* concurrent links before
						   auth; 0 = refuse all */
	unsigned int		 max_preauth_per_addr; /* the same, per client
						   address; 0: no own cap */
	unsigned int		 quiet_grace_ms; /* a client quiet for less
						   is not evicted */
	uint32_t		 secure_channels; /* bit N: channel type N
						   needs a secure layer */
	/* Non-NULL: SASL is the only auth offered (AUTH_SASL, no key). */
	const struct auth_sasl_policy *sasl;
};

/* What a successful link established. */
struct link_info {
	uint32_t		connection_id;	/* as the client sent it */
	uint8_t			channel_type;	/* SPICE_CHANNEL_* */
	uint8_t			channel_id;
	int			mini_header;	/* client offered MINI_HEADER
						   and we advertise it */
	int			secure;		/* linked over TLS */
	int			view_only;	/* with the view-only ticket */
	int			once;		/* with the one-time ticket */
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

/* Same over a layer other than plain (ops, with ctx as its ll_ctx, owns
 * fd's bytes; its handshake runs first).  Takes ownership of fd and ctx:
 * on failure ops->llo_free(ctx) runs and fd is closed. */
struct link_conn *link_start_layer(struct event_base *base, int fd,
	    const char *peer, const struct link_policy *policy,
	    const struct link_layer_ops *ops, void *ctx,
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
