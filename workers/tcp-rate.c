/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tcp-rate: see tcp-rate.h.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>
#include <string.h>

#include <linux/tcp.h>

#include "tcp-rate.h"

/* The bytes of struct tcp_info up to and with its field f. */
#define TCP_INFO_UPTO(f) \
	(offsetof(struct tcp_info, f) + sizeof(((struct tcp_info *)0)->f))

/* fd's TCP_INFO into ti, at least need bytes of it (an older kernel
 * fills fewer): the bytes filled, or -1 when fd is not a TCP socket or
 * the kernel lacks them. */
static int
tcp_info_get(int fd, struct tcp_info *ti, size_t need)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) != 0 ||
	    len < need)
		return -1;
	return (int)len;
}

int
tcp_progress(int fd, uint64_t *acked, uint32_t *notsent, uint64_t *rate)
{
	struct tcp_info ti;
	int len;

	if ((len = tcp_info_get(fd, &ti, TCP_INFO_UPTO(tcpi_notsent_bytes))) <
	    0)
		return -1;
	*acked = ti.tcpi_bytes_acked;
	*notsent = ti.tcpi_notsent_bytes;
	*rate = (size_t)len >= TCP_INFO_UPTO(tcpi_delivery_rate) &&
	    !ti.tcpi_delivery_rate_app_limited ? ti.tcpi_delivery_rate : 0;
	return 0;
}

int
tcp_delivered(int fd)
{
	struct tcp_info ti;

	if (tcp_info_get(fd, &ti, TCP_INFO_UPTO(tcpi_notsent_bytes)) < 0)
		return -1;
	return ti.tcpi_notsent_bytes == 0 && ti.tcpi_unacked == 0;
}
