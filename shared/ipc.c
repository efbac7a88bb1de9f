/*
 * ipc: framing for ipc-msg.h.  The receiver trusts nothing: a datagram is
 * accepted only if its length equals header + the exact payload size of its
 * type and it carries exactly that type's number of fds.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "sbuf.h"

static const struct ipc_spec {
	uint32_t	type;
	size_t		len;
	int		nfds;
} ipc_specs[] = {
	{ IPC_D2W_INIT,			sizeof(struct ipc_init),	0 },
	{ IPC_D2W_CLIENT,		sizeof(struct ipc_client),	1 },
	{ IPC_D2W_CHANNELS,		sizeof(struct ipc_channels),	0 },
	{ IPC_D2W_MEMSLOT,		sizeof(struct ipc_memslot),	1 },
	{ IPC_D2W_DEVICE,		sizeof(struct ipc_device),	2 },
	{ IPC_D2W_PRIMARY_CREATE,	sizeof(struct ipc_primary),	0 },
	{ IPC_D2W_PRIMARY_DESTROY,	0,				0 },
	{ IPC_D2W_CONN_CLOSE,		0,				0 },
	{ IPC_D2W_SESSION_CLOSE,	0,				0 },
	{ IPC_W2D_READY,		sizeof(struct ipc_ready),	0 },
	{ IPC_W2D_CONN_CLOSED,		sizeof(struct ipc_conn_closed),	0 },
	{ IPC_W2D_PRODUCER_FAULT,	sizeof(struct ipc_producer_fault), 0 },
};

int
ipc_msg_spec(uint32_t type, size_t *len, int *nfds)
{
	size_t i;

	for (i = 0; i < sizeof(ipc_specs) / sizeof(ipc_specs[0]); i++) {
		if (ipc_specs[i].type == type) {
			*len = ipc_specs[i].len;
			*nfds = ipc_specs[i].nfds;
			return 0;
		}
	}
	return -1;
}

int
ipc_send(int sock, uint32_t type, uint32_t session, uint32_t conn,
    const void *payload, size_t len, const int *fds, int nfds,
    struct spd_err *err)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
	} cmsgbuf;
	struct ipc_hdr hdr;
	struct iovec iov[2];
	struct msghdr mh;
	struct cmsghdr *cm;
	size_t want_len;
	int want_fds;
	ssize_t n;

	if (ipc_msg_spec(type, &want_len, &want_fds) != 0)
		return spd_err_set(err, "ipc send: unknown message type %u",
		    type);
	if (len != want_len || nfds != want_fds)
		return spd_err_set(err, "ipc send: type %u with %zu bytes and "
		    "%d fds, expected %zu and %d", type, len, nfds, want_len,
		    want_fds);
	memset(&hdr, 0, sizeof(hdr));
	hdr.ih_type = type;
	hdr.ih_len = (uint32_t)len;
	hdr.ih_session = session;
	hdr.ih_conn = conn;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = len != 0 ? 2 : 1;
	if (nfds > 0) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		mh.msg_control = cmsgbuf.buf;
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
		return spd_err_errno(err, "ipc send of type %u", type);
	if ((size_t)n != sizeof(hdr) + len)
		return spd_err_set(err, "ipc send of type %u: short write", type);
	return 0;
}

void
ipc_msg_close_fds(struct ipc_msg *msg)
{
	int i;

	for (i = 0; i < msg->nfds; i++) {
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
		msg->fds[i] = -1;
	}
	msg->nfds = 0;
}

/* Collect every fd the kernel delivered, whatever the cmsg layout, so none
 * leaks even when the message is then rejected. */
static int
ipc_collect_fds(struct msghdr *mh, struct ipc_msg *msg)
{
	struct cmsghdr *cm;
	size_t i, n;
	int fd, bad = 0;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (msg->nfds < IPC_MAX_FDS)
				msg->fds[msg->nfds++] = fd;
			else {
				close(fd);
				bad = 1;
			}
		}
	}
	return bad ? -1 : 0;
}

int
ipc_recv(int sock, struct ipc_msg *msg, struct spd_err *err)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
	} cmsgbuf;
	uint8_t buf[sizeof(struct ipc_hdr) + IPC_MAX_PAYLOAD + 1];
	struct iovec iov;
	struct msghdr mh;
	struct sbuf sb;
	size_t want_len;
	int want_fds;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	msg->nfds = 0;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return spd_err_errno(err, "ipc receive");
	if (ipc_collect_fds(&mh, msg) != 0) {
		ipc_msg_close_fds(msg);
		return spd_err_set(err, "ipc receive: unexpected control data");
	}
	if (n == 0 && msg->nfds == 0)
		return 0;
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		ipc_msg_close_fds(msg);
		return spd_err_set(err, "ipc receive: message truncated");
	}
	sbuf_init(&sb, buf, (size_t)n);
	if (sbuf_get_bytes(&sb, &msg->hdr, sizeof(msg->hdr)) != 0) {
		ipc_msg_close_fds(msg);
		return spd_err_set(err, "ipc receive: %zd bytes, shorter than "
		    "a header", n);
	}
	if (ipc_msg_spec(msg->hdr.ih_type, &want_len, &want_fds) != 0) {
		ipc_msg_close_fds(msg);
		return spd_err_set(err, "ipc receive: unknown type %u",
		    msg->hdr.ih_type);
	}
	if (msg->hdr.ih_len != want_len || sbuf_left(&sb) != want_len ||
	    msg->nfds != want_fds) {
		ipc_msg_close_fds(msg);
		return spd_err_set(err, "ipc receive: type %u with %zu payload "
		    "bytes and %d fds, expected %zu and %d", msg->hdr.ih_type,
		    sbuf_left(&sb), msg->nfds, want_len, want_fds);
	}
	(void)sbuf_get_bytes(&sb, msg->payload, want_len);
	return 1;
}

int
ipc_str_ok(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}
