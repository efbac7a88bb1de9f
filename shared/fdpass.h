/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fdpass: one datagram with SCM_RIGHTS fds over a SOCK_SEQPACKET socket.
 * Used for supervisor<->worker IPC and for the qxl-shm producer socket.
 */
#ifndef SPICED_FDPASS_H
#define SPICED_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define FDPASS_MAX_FDS	8

/* Send len bytes plus nfds (<= FDPASS_MAX_FDS) fds in one datagram; the
 * fds stay open here.  Returns 0, or -1 with err (a short send is an
 * error; EAGAIN too). */
int	fdpass_send(int sock, const void *buf, size_t len, const int *fds,
	    int nfds, struct spd_err *err);

/* Receive one datagram of at most buflen bytes.  Every fd the kernel
 * delivered is stored in fds (up to maxfds <= FDPASS_MAX_FDS, with
 * O_CLOEXEC) and counted in *nfds.  Returns the byte count (0 with
 * *nfds == 0 is EOF), or -1 with err on a socket error (errno from the
 * socket) or, with errno EBADMSG, truncated data or control data, more fds
 * than maxfds, or foreign control messages; on -1 no fd is left open. */
ssize_t	fdpass_recv(int sock, void *buf, size_t buflen, int *fds, int maxfds,
	    int *nfds, struct spd_err *err);

/* Close nfds fds in fds and set them to -1 (entries already -1 skipped). */
void	fdpass_close(int *fds, int nfds);

#endif
