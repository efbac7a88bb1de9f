/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main-agent: the agent relay of one session's main channel (SPICE-NOTES
 * 3.1): AGENT_DATA both ways between the client and the producer's agent
 * port while this session owns it (the supervisor decides, see
 * daemon/session.h), AGENT_CONNECTED/DISCONNECTED when that changes, and
 * the protocol's flow control: the client spends MAGENT_TOKENS tokens
 * granted in MAIN_INIT (or AGENT_CONNECTED_TOKENS) and gets each back once
 * its data is on the agent port; we send at most the tokens the client
 * gave in AGENT_START and AGENT_TOKEN, and stop reading the agent port
 * meanwhile.  Both streams are checked message by message
 * (vdagent-stream): a bad one from the client closes its connection, a
 * bad one from the agent disconnects the agent from this session.
 */
#ifndef SPICED_MAIN_AGENT_H
#define SPICED_MAIN_AGENT_H

#include <stdint.h>

#include "chan.h"
#include "err.h"
#include "sbuf.h"
#include "worker.h"

#define MAGENT_TOKENS		10	/* the client's, as the reference
					   server grants */
#define MAGENT_MAX_MSG		(64u << 20)	/* agent message data */

struct magent;

struct magent	*magent_new(struct worker *, struct spd_err *);

/* The client's main channel is up (NULL: gone; the agent hears that
 * its client disconnected). */
void		 magent_set_chan(struct magent *, struct chan *,
		    uint32_t session);

/* 1 while this session holds the agent port (MAIN_INIT says so). */
int		 magent_connected(const struct magent *);

/* IPC_D2W_AGENT_ATTACH (fd taken) and IPC_D2W_AGENT_DETACH. */
void		 magent_attach(struct magent *, int fd);
void		 magent_detach(struct magent *);

/* The client's AGENT_START, AGENT_DATA, AGENT_TOKEN.  -1 with *why for a
 * protocol error (the connection is closed). */
int		 magent_client_msg(struct magent *, uint16_t type,
		    struct sbuf *body, const char **why);

/* The channel can take more. */
void		 magent_writable(struct magent *);

#endif
