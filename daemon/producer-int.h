/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * producer-int.h: what the two halves of the supervisor's producer side
 * share: a producer connection and its state.  producer.c keeps the
 * connections' lives (listen, accept, deadlines, refusals, the hand-over
 * to a new display worker or supervisor), producer-msg.c reads and checks
 * what they say (qxl-shm/PROTOCOL.md).  Not for other modules:
 * producer.h is their contract.
 */
#ifndef SPICED_PRODUCER_INT_H
#define SPICED_PRODUCER_INT_H

#include <sys/queue.h>

#include "ipc.h"
#include "producer.h"
#include "qxl-shm.h"

/* Connections of one display not yet its producer (HELLO or refused and
 * lingering), at most. */
#define PRODUCER_MAX_PENDING	4
#define PRODUCER_HELLO_SEC	5	/* accept -> HELLO */
#define PRODUCER_SETUP_SEC	10	/* HELLO -> ATTACH */
#define PRODUCER_LINGER_MS	2000	/* ERROR sent -> close */
/* Messages drained from a connection being closed, at most. */
#define PRODUCER_DRAIN_MAX	64

enum producer_state {
	PRODUCER_HELLO,		/* waiting for HELLO */
	PRODUCER_SETUP,		/* memslots, then ATTACH */
	PRODUCER_RUNNING,	/* display worker consuming */
	PRODUCER_CLOSING,	/* ERROR sent, draining until EOF */
};

struct producer_slot {
	int		ps_fd;		/* -1: unused */
	uint32_t	ps_gen;
	uint64_t	ps_size;
};

struct producer {
	LIST_ENTRY(producer)	 p_entry;	/* producer_conns */
	struct display		*p_display;
	int			 p_fd;
	struct event		*p_ev;
	struct event		*p_timer;
	enum producer_state	 p_state;
	char			 p_name[64];
	pid_t			 p_pid;
	uint64_t		 p_features;	/* granted QXLSHM_F_* */
	struct producer_slot	 p_slots[QXLSHM_MAX_SLOTS];
	/* From ATTACH and CREATE_PRIMARY, for a new display worker. */
	struct ipc_device	 p_dev;
	int			 p_devfd[QXLSHM_ATTACH_NFDS];
	int			 p_have_primary;
	struct ipc_primary	 p_primary;
	struct ipc_heads	 p_heads;	/* count 0: none since it */
	/* PRIMARY_DONE answers the producer waits for; those of a replay
	 * to a new worker are not its to see. */
	unsigned		 p_done_owed;
	char			 p_why[160];	/* a refusal's reason */
};

/* producer.c */

/* Free p and all it holds. */
void	producer_free(struct producer *p);
/* Arm p's deadline ms from now. */
void	producer_deadline(struct producer *p, long ms);
/* Send a control message of type to p (its payload len bytes). */
void	producer_send(struct producer *p, uint32_t type, const void *payload,
	    size_t len);
/* Read and drop what the peer of a closing connection sent, without
 * blocking: 1 once the peer closed (free it then). */
int	producer_drain(struct producer *p);
/* Drop p, with an ERROR if code != 0, and log why. */
void	producer_drop(struct producer *p, uint32_t code, const char *reason);

/* producer-msg.c */

/* The connection's socket is readable: one message, checked and acted
 * on, or the connection dropped with the reason. */
void	producer_read(evutil_socket_t fd, short what, void *arg);
/* The agent port is gone: its session is told (AGENT_DISCONNECTED to
 * the client) and a new MSG_AGENT may follow. */
void	producer_agent_close(struct display *d);
/* The producer closed its end of the agent port (an event callback, arg
 * the display). */
void	producer_agent_closed_cb(evutil_socket_t fd, short what, void *arg);

#endif /* SPICED_PRODUCER_INT_H */
