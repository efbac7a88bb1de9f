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
 * fills fewer): 0, or -1 when fd is not a TCP socket or the kernel lacks
 * them. */
static int
tcp_info_get(int fd, struct tcp_info *ti, size_t need)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) != 0 ||
	    len < need)
		return -1;
	return 0;
}

uint64_t
tcp_rate(int fd)
{
	struct tcp_info ti;

	if (tcp_info_get(fd, &ti, TCP_INFO_UPTO(tcpi_delivery_rate)) != 0 ||
	    ti.tcpi_delivery_rate_app_limited)
		return 0;
	return ti.tcpi_delivery_rate;
}

int
tcp_progress(int fd, uint64_t *acked, uint32_t *notsent)
{
	struct tcp_info ti;

	if (tcp_info_get(fd, &ti, TCP_INFO_UPTO(tcpi_notsent_bytes)) != 0)
		return -1;
	*acked = ti.tcpi_bytes_acked;
	*notsent = ti.tcpi_notsent_bytes;
	return 0;
}

int
tcp_delivered(int fd)
{
	struct tcp_info ti;

	if (tcp_info_get(fd, &ti, TCP_INFO_UPTO(tcpi_notsent_bytes)) != 0)
		return -1;
	return ti.tcpi_notsent_bytes == 0 && ti.tcpi_unacked == 0;
}
