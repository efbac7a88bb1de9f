/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for shared/ipc.c and fdpass.c over a real SEQPACKET
 * socketpair: round trips with fds, and every malformed datagram a
 * hostile peer could send is refused without leaking an fd. */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <unistd.h>

#include "fdpass.h"
#include "ipc.h"
#include "test-helper.h"

static int sv[2];

static int
count_open_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void
test_roundtrip(void)
{
	struct ipc_client c, got;
	struct ipc_msg m;
	struct spd_err err;
	int p[2];
	char ch = 0;

	memset(&c, 0, sizeof(c));
	c.channel_type = 2;
	c.n_common_caps = 1;
	c.common_caps[0] = 0x0d;
	snprintf(c.peer, sizeof(c.peer), "127.0.0.1:1");
	ASSERT_INT_EQ(pipe(p), 0);
	ASSERT_INT_EQ(ipc_send(sv[0], IPC_D2W_CLIENT, 7, 9, &c, sizeof(c),
	    &p[1], 1, &err), 0);
	close(p[1]);
	ASSERT_INT_EQ(ipc_recv(sv[1], &m, &err), 1);
	ASSERT_INT_EQ(m.hdr.ih_type, IPC_D2W_CLIENT);
	ASSERT_INT_EQ(m.hdr.ih_session, 7);
	ASSERT_INT_EQ(m.hdr.ih_conn, 9);
	ASSERT_INT_EQ(m.nfds, 1);
	memcpy(&got, m.payload, sizeof(got));
	ASSERT_MEM_EQ(&got, &c, sizeof(c));
	/* The passed fd is the pipe's write end. */
	ASSERT_INT_EQ(write(m.fds[0], "x", 1), 1);
	ASSERT_INT_EQ(read(p[0], &ch, 1), 1);
	ASSERT_INT_EQ(ch, 'x');
	ipc_msg_close_fds(&m);
	close(p[0]);

	ASSERT_INT_EQ(ipc_send(sv[0], IPC_D2W_SESSION_CLOSE, 3, 0, NULL, 0,
	    NULL, 0, &err), 0);
	ASSERT_INT_EQ(ipc_recv(sv[1], &m, &err), 1);
	ASSERT_INT_EQ(m.hdr.ih_type, IPC_D2W_SESSION_CLOSE);
}

static void
test_send_checks(void)
{
	struct ipc_ready r;
	struct spd_err err;

	ASSERT_INT_EQ(ipc_send(sv[0], 9999, 0, 0, NULL, 0, NULL, 0, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "unknown message type");
	ASSERT_INT_EQ(ipc_send(sv[0], IPC_W2D_READY, 0, 0, &r, sizeof(r) - 1,
	    NULL, 0, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "expected");
}

/* Send raw bytes (and optionally fds) as a hostile peer would. */
static void
expect_refused(const void *buf, size_t len, int nfds, const char *needle)
{
	struct ipc_msg m;
	struct spd_err err;
	int fds[3], i, before;

	before = count_open_fds();
	for (i = 0; i < nfds; i++)
		ASSERT_TRUE((fds[i] = open("/dev/null", O_RDONLY)) >= 0);
	ASSERT_INT_EQ(fdpass_send(sv[0], buf, len, fds, nfds, &err), 0);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	/* A stale EAGAIN must not survive a refusal: callers read errno
	 * to tell "nothing yet" from a bad message. */
	errno = EAGAIN;
	ASSERT_INT_EQ(ipc_recv(sv[1], &m, &err), -1);
	ASSERT_INT_EQ(errno, EBADMSG);
	ASSERT_STR_CONTAINS(err.msg, needle);
	ASSERT_INT_EQ(count_open_fds(), before);
}

static void
test_hostile(void)
{
	uint8_t buf[sizeof(struct ipc_hdr) + IPC_MAX_PAYLOAD + 64];
	struct ipc_hdr h;

	memset(buf, 0, sizeof(buf));
	expect_refused(buf, 5, 0, "shorter than a header");
	memset(&h, 0, sizeof(h));
	h.ih_type = 4242;
	memcpy(buf, &h, sizeof(h));
	expect_refused(buf, sizeof(h), 0, "unknown type");
	/* Header says READY with the right length, body is short. */
	h.ih_type = IPC_W2D_READY;
	h.ih_len = sizeof(struct ipc_ready);
	memcpy(buf, &h, sizeof(h));
	expect_refused(buf, sizeof(h) + 2, 0, "expected");
	/* Length field lies. */
	h.ih_len = 1000000;
	memcpy(buf, &h, sizeof(h));
	expect_refused(buf, sizeof(h) + sizeof(struct ipc_ready), 0,
	    "expected");
	/* Right size, but fds where none belong: closed, refused. */
	h.ih_len = sizeof(struct ipc_ready);
	memcpy(buf, &h, sizeof(h));
	expect_refused(buf, sizeof(h) + sizeof(struct ipc_ready), 2,
	    "8 payload bytes and 2 fds, expected 8 and 0");
	/* CLIENT without its fd. */
	h.ih_type = IPC_D2W_CLIENT;
	h.ih_len = sizeof(struct ipc_client);
	memcpy(buf, &h, sizeof(h));
	expect_refused(buf, sizeof(h) + sizeof(struct ipc_client), 0,
	    "expected");
	/* Too big to be any message: truncated. */
	expect_refused(buf, sizeof(buf), 0, "truncated");
}

static void
test_eof(void)
{
	struct ipc_msg m;
	struct spd_err err;

	close(sv[0]);
	ASSERT_INT_EQ(ipc_recv(sv[1], &m, &err), 0);
	ASSERT_TRUE(ipc_str_ok("ab\0", 3));
	ASSERT_TRUE(!ipc_str_ok("abc", 3));
}

/* What every version keeps (ipc-msg.h): a supervisor sends it to the
 * main workers of another version after an upgrade. */
static void
test_frozen(void)
{
	size_t len;
	int nfds;

	ASSERT_INT_EQ(sizeof(struct ipc_hdr), 16);
	ASSERT_INT_EQ(offsetof(struct ipc_hdr, ih_type), 0);
	ASSERT_INT_EQ(offsetof(struct ipc_hdr, ih_len), 4);
	ASSERT_INT_EQ(offsetof(struct ipc_hdr, ih_session), 8);
	ASSERT_INT_EQ(IPC_D2W_SWITCH_HOST, 122);
	ASSERT_INT_EQ(sizeof(struct ipc_switch_host), 4);
	ASSERT_INT_EQ(offsetof(struct ipc_switch_host, tls_port), 2);
	ASSERT_INT_EQ(ipc_msg_spec(IPC_D2W_SWITCH_HOST, &len, &nfds), 0);
	ASSERT_INT_EQ(len, 4);
	ASSERT_INT_EQ(nfds, 0);
}

int
main(void)
{
	test_frozen();
	ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	test_roundtrip();
	test_send_checks();
	test_hostile();
	test_eof();
	printf("test-ipc: all passed\n");
	return 0;
}
