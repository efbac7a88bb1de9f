/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fdpass: see fdpass.h.  The receive side checks every cmsg header so no
 * delivered fd can leak, whatever a hostile peer sends. */
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"

union fdpass_cmsg {
	struct cmsghdr	hdr;
	char		buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX_FDS)];
};

int
fdpass_send(int sock, const void *buf, size_t len, const int *fds, int nfds,
    struct spd_err *err)
{
	union fdpass_cmsg cmsg;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;

	if (nfds < 0 || nfds > FDPASS_MAX_FDS)
		return spd_err_set(err, "fd send: %d fds (max %d)", nfds,
		    FDPASS_MAX_FDS);
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cmsg, 0, sizeof(cmsg));
		mh.msg_control = cmsg.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return spd_err_errno(err, "send");
	if ((size_t)n != len)
		return spd_err_set(err, "send: %zd of %zu bytes", n, len);
	return 0;
}

void
fdpass_close(int *fds, int nfds)
{
	int i;

	for (i = 0; i < nfds; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

ssize_t
fdpass_recv(int sock, void *buf, size_t buflen, int *fds, int maxfds,
    int *nfds, struct spd_err *err)
{
	union fdpass_cmsg cmsg;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cm;
	size_t i, n;
	ssize_t got;
	int fd, bad = 0;

	*nfds = 0;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = buflen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsg.buf;
	mh.msg_controllen = sizeof(cmsg.buf);
	do {
		got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return spd_err_errno(err, "receive");
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0)) {
			bad = 1;
			continue;
		}
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(fd));
			if (*nfds < maxfds && *nfds < FDPASS_MAX_FDS)
				fds[(*nfds)++] = fd;
			else {
				close(fd);
				bad = 2;
			}
		}
	}
	if (bad || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		fdpass_close(fds, *nfds);
		*nfds = 0;
		if (bad == 2)
			spd_err_set(err, "receive: more than %d fds", maxfds);
		else if (bad)
			spd_err_set(err, "receive: foreign control message");
		else
			spd_err_set(err, "receive: datagram or fds truncated "
			    "(over %zu bytes)", buflen);
		/* Not a socket error: no errno left from before may read as
		 * EAGAIN to a caller. */
		errno = EBADMSG;
		return -1;
	}
	return got;
}
