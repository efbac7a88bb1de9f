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

uint64_t
tcp_rate(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_delivery_rate) +
	    sizeof(ti.tcpi_delivery_rate) ||
	    ti.tcpi_delivery_rate_app_limited)
		return 0;
	return ti.tcpi_delivery_rate;
}

int
tcp_progress(int fd, uint64_t *acked, uint32_t *notsent)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_notsent_bytes) +
	    sizeof(ti.tcpi_notsent_bytes))
		return -1;
	*acked = ti.tcpi_bytes_acked;
	*notsent = ti.tcpi_notsent_bytes;
	return 0;
}

int
tcp_delivered(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_notsent_bytes) +
	    sizeof(ti.tcpi_notsent_bytes))
		return -1;
	return ti.tcpi_notsent_bytes == 0 && ti.tcpi_unacked == 0;
}
