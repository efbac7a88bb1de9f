/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tcp-rate: what TCP measured of a connection's bandwidth.  Apart from
 * chan.c because it needs the kernel's struct tcp_info (glibc's lacks
 * the delivery rate) and the two headers cannot meet.
 */
#ifndef SPICED_TCP_RATE_H
#define SPICED_TCP_RATE_H

#include <stdint.h>

/* fd's bytes acknowledged so far, bytes written but not yet sent
 * (waiting for the window: the link or the peer is the limit) and latest
 * delivery rate in bytes/s when TCP measured it with the link, not the
 * sender, as the limit (0 otherwise: app-limited, no sample yet, a
 * kernel without it), from one TCP_INFO.  0, or -1 when fd is not a TCP
 * socket. */
int		tcp_progress(int fd, uint64_t *acked, uint32_t *notsent,
		    uint64_t *rate);
/* 1 when every byte written to fd has been acknowledged (nothing waits
 * in the socket, a queue on the way or the link), 0 when some has not,
 * -1 when fd is not a TCP socket. */
int		tcp_delivered(int fd);

#endif
