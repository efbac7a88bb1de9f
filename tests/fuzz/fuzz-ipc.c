/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-ipc: the supervisor's side of the worker IPC (daemon/worker-ipc.c:
 * framing through shared/ipc.c, the permit table, every handler) on what
 * a compromised worker of any role could send, datagram by datagram,
 * with or without fds.  What the handlers hand on (sessions, producer,
 * keygen) is stubbed; stopping the worker ends the input, as the real
 * supervisor stops listening to it.
 *
 * Input: u8 role, u8 session flag (bit 0: the worker belongs to a
 * session with id 7), then records of u8 nfds (0..2), u16 length, and
 * that many bytes sent as one datagram (header and payload as the
 * worker writes them).
 *
 * Invariants: no crash or sanitizer report; every fd a message carried
 * is closed by the time the worker is read no more (as many sockets and
 * memfds open as before).
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc-msg.h"
#include "keygen.h"
#include "producer.h"
#include "session.h"
#include "spiced.h"
#include "worker-proc.h"

#include "fuzz-fds.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

static int			fz_stopped;
static struct session_chan	fz_chan;

/* What worker-ipc.c calls in the rest of the supervisor. */
void	session_conn_closed(struct display *d, uint32_t id, uint32_t conn)
{ (void)d; (void)id; (void)conn; }
void	session_input_active(struct session *s) { (void)s; }
void	producer_fault(struct display *d, const char *reason)
{ (void)d; FUZZ_CHECK(strlen(reason) < IPC_REASON_LEN); }
void	producer_primary_done(struct display *d, uint32_t created)
{ (void)d; FUZZ_CHECK(created <= 1); }

int
keygen_on_key(struct wproc *w, const struct ipc_key *key, const char **why)
{
	(void)w;
	if (key->len == 0 || key->len > IPC_KEY_DER_MAX) {
		*why = "bad key length";
		return -1;
	}
	return 0;
}

struct session_chan *
session_chan_find(struct display *d, uint32_t id, uint32_t conn)
{
	(void)d;
	/* Connection 1 of session 7 is a display channel; none other. */
	fz_chan.sc_type = 2;
	return id == 7 && conn == 1 ? &fz_chan : NULL;
}

void	wproc_stop(struct wproc *w, const char *reason)
{ (void)w; (void)reason; fz_stopped = 1; }
void	wproc_lost(struct wproc *w) { (void)w; fz_stopped = 1; }

const char *
wproc_role_name(enum wproc_role r)
{
	(void)r;
	return "fuzzed";
}

static void
fz_send(int s, const uint8_t *data, size_t len, int nfds)
{
	union {
		struct cmsghdr	c;
		char		buf[CMSG_SPACE(sizeof(int) * 2)];
	} cm;
	struct iovec iov = { (void *)(uintptr_t)data, len };
	struct msghdr mh;
	int fds[2], i;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	for (i = 0; i < nfds; i++)
		fds[i] = memfd_create("fz", MFD_CLOEXEC);
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm.c.cmsg_level = SOL_SOCKET;
		cm.c.cmsg_type = SCM_RIGHTS;
		cm.c.cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(&cm.c), fds, sizeof(int) * (size_t)nfds);
	}
	(void)sendmsg(s, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct display d;
	static struct session s;
	struct wproc w;
	size_t off = 2, len;
	int sv[2], before, n;

	if (size < 2)
		return 0;
	before = fuzz_fds_open();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0, sv) != 0)
		return 0;
	memset(&w, 0, sizeof(w));
	w.w_role = (enum wproc_role)(data[0] % (WPROC_RECORD + 1));
	w.w_pid = 4242;		/* what the seeds' READY names */
	w.w_fd = sv[0];
	s.s_id = 7;
	w.w_session = (data[1] & 1) ? &s : NULL;
	w.w_display = w.w_role == WPROC_KEYGEN ? NULL : &d;
	fz_stopped = 0;
	for (n = 0; off + 3 <= size && n < 64 && !fz_stopped; n++) {
		len = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
		if (len > size - off - 3)
			len = size - off - 3;
		fz_send(sv[1], data + off + 3, len, data[off] % 3);
		off += 3 + len;
		wproc_ipc_read(sv[0], EV_READ, &w);
	}
	close(sv[0]);
	close(sv[1]);
	FUZZ_CHECK(fuzz_fds_open() == before);
	return 0;
}
