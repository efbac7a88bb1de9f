/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipc: framing of the messages in ipc-msg.h over SOCK_SEQPACKET, with
 * SCM_RIGHTS fd passing.  Both ends use it.
 */
#ifndef SPICED_IPC_H
#define SPICED_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ipc-msg.h"

/* A received message.  Fds are owned by the receiver after ipc_recv();
 * ipc_msg_close_fds() closes those not taken (set to -1 when taken). */
struct ipc_msg {
	struct ipc_hdr	hdr;
	uint8_t		payload[IPC_MAX_PAYLOAD];
	int		fds[IPC_MAX_FDS];
	int		nfds;
};

/* Expected payload size and fd count of a type; -1 for an unknown type. */
int	ipc_msg_spec(uint32_t type, size_t *len, int *nfds);

/* Send one message.  payload is exactly len bytes (checked against the
 * spec); fds (nfds of them) are duplicated into the peer, not closed here.
 * Returns 0, or -1 with err set (EAGAIN is an error: the socket is
 * blocking or the peer is gone). */
int	ipc_send(int sock, uint32_t type, uint32_t session, uint32_t conn,
	    const void *payload, size_t len, const int *fds, int nfds,
	    struct spd_err *err);

/* Receive one message.  Returns 1 with *msg filled, 0 on orderly EOF,
 * -1 with err set on a socket error (errno from the socket, EAGAIN when a
 * non-blocking socket had nothing) or a malformed message (errno EBADMSG:
 * wrong size for its type, unknown type, wrong fd count, truncation).  On
 * -1 any fds that arrived are already closed. */
int	ipc_recv(int sock, struct ipc_msg *msg, struct spd_err *err);

void	ipc_msg_close_fds(struct ipc_msg *msg);

/* 1 if a fixed char array of size n holds a NUL. */
int	ipc_str_ok(const char *s, size_t n);

#endif
