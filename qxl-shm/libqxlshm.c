/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libqxlshm: see libqxlshm.h and PROTOCOL.md.
 *
 * This file: the control socket (connect, messages, attach, primary) and
 * the rings and interrupts.  Slot memory and its allocator are in
 * libqxlshm-slot.c, the one-call setup and helpers in libqxlshm-setup.c.
 *
 * Installed for third parties, so it depends only on libc and the
 * spice-protocol headers, never on spiced's shared/ code.
 */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libqxlshm.h"
#include "libqxlshm-int.h"

#define QXLSHM_CONNECT_TIMEOUT_MS	5000
#define QXLSHM_ATTACH_TIMEOUT_MS	10000
#define QXLSHM_MAX_FDS			4
#define QXLSHM_REGION_ALIGN		64

int
qxlshm_seterr(struct qxlshm *q, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(q->q_err, sizeof(q->q_err), fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

const char *
qxlshm_error(const struct qxlshm *q)
{
	return q == NULL ? "no connection" : q->q_err;
}

int64_t
qxlshm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
qxlshm_send_msg(struct qxlshm *q, uint32_t type, const void *payload,
    uint32_t len, const int *fds, int nfds)
{
	uint8_t buf[sizeof(struct qxlshm_hdr) + QXLSHM_MAX_MSG];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * QXLSHM_MAX_FDS)];
	} cmsgbuf;
	struct qxlshm_hdr hdr;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	struct iovec iov;
	ssize_t n;

	if (len > QXLSHM_MAX_MSG || nfds < 0 || nfds > QXLSHM_MAX_FDS) {
		errno = EINVAL;
		return qxlshm_seterr(q, "message type %" PRIu32 ": %" PRIu32
		    " bytes / %d fds too many", type, len, nfds);
	}
	hdr.type = type;
	hdr.len = len;
	memcpy(buf, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(buf + sizeof(hdr), payload, len);
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = sizeof(hdr) + len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(q->q_sock, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return qxlshm_seterr(q, "send message type %" PRIu32 ": %s",
		    type, strerror(errno));
	return 0;
}

/*
 * Receive one datagram.  Any fds the server sent (it sends none in 1.0)
 * are closed: we never want them.  Returns 1 with a message, 0 if none
 * arrived within timeout_ms, -1 on error or close (q_dead set).
 */
static int
qxlshm_recv_one(struct qxlshm *q, struct qxlshm_hdr *hdr, uint8_t *payload,
    int timeout_ms)
{
	uint8_t buf[sizeof(struct qxlshm_hdr) + QXLSHM_MAX_MSG];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * QXLSHM_MAX_FDS)];
	} cmsgbuf;
	struct pollfd pfd;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	struct iovec iov;
	ssize_t n;
	size_t i, nfd;
	int r, fd;

	pfd.fd = q->q_sock;
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return qxlshm_seterr(q, "poll control socket: %s",
		    strerror(errno));
	if (r == 0)
		return 0;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	do
		n = recvmsg(q->q_sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n == -1) {
		q->q_dead = 1;
		return qxlshm_seterr(q, "receive from server: %s",
		    strerror(errno));
	}
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(fd));
			close(fd);
		}
	}
	if (n == 0) {
		q->q_dead = 1;
		if (q->q_err[0] == '\0')
			qxlshm_seterr(q, "server closed the connection");
		return -1;
	}
	if ((size_t)n < sizeof(*hdr) || (msg.msg_flags & MSG_TRUNC)) {
		q->q_dead = 1;
		return qxlshm_seterr(q, "malformed message from server (%zd "
		    "bytes)", n);
	}
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->len != (size_t)n - sizeof(*hdr)) {
		q->q_dead = 1;
		return qxlshm_seterr(q, "message from server: length %" PRIu32
		    " but %zd payload bytes", hdr->len, n - (ssize_t)sizeof(*hdr));
	}
	memcpy(payload, buf + sizeof(*hdr), hdr->len);
	if (hdr->type == QXLSHM_MSG_REDRAW)
		q->q_redraw = 1;
	if (hdr->type == QXLSHM_MSG_ERROR) {
		struct qxlshm_error e;

		memset(&e, 0, sizeof(e));
		memcpy(&e, payload, hdr->len < sizeof(e) ? hdr->len :
		    sizeof(e));
		e.reason[sizeof(e.reason) - 1] = '\0';
		q->q_dead = 1;
		qxlshm_seterr(q, "server error %" PRIu32 ": %s", e.code,
		    e.reason);
	}
	return 1;
}

int
qxlshm_recv_msg(struct qxlshm *q, uint32_t *type, void *buf, uint32_t *len,
    int timeout_ms)
{
	uint8_t payload[QXLSHM_MAX_MSG];
	struct qxlshm_hdr hdr;
	int r;

	if ((r = qxlshm_recv_one(q, &hdr, payload, timeout_ms)) == -1)
		return -1;
	if (r == 0) {
		errno = ETIMEDOUT;
		return qxlshm_seterr(q, "no message from server within %d ms",
		    timeout_ms);
	}
	*type = hdr.type;
	if (hdr.len < *len)
		*len = hdr.len;
	memcpy(buf, payload, *len);
	return 0;
}

/* Wait for a message of type want; an ERROR or close ends the wait. */
static int
qxlshm_expect(struct qxlshm *q, uint32_t want, void *out, uint32_t outlen,
    int timeout_ms)
{
	uint8_t payload[QXLSHM_MAX_MSG];
	struct qxlshm_hdr hdr;
	int64_t deadline = qxlshm_now_ms() + timeout_ms, left;
	int r;

	for (;;) {
		left = deadline - qxlshm_now_ms();
		if (left < 0)
			left = 0;
		if ((r = qxlshm_recv_one(q, &hdr, payload, (int)left)) == -1)
			return -1;
		if (r == 0)
			return qxlshm_seterr(q, "no reply (type %" PRIu32 ") "
			    "from server within %d ms", want, timeout_ms);
		if (hdr.type == QXLSHM_MSG_ERROR)
			return -1;
		if (hdr.type != want)
			continue;	/* not for us; 1.0 has nothing else */
		if (hdr.len != outlen)
			return qxlshm_seterr(q, "reply type %" PRIu32 ": %"
			    PRIu32 " bytes, expected %" PRIu32, want, hdr.len,
			    outlen);
		memcpy(out, payload, outlen);
		return 0;
	}
}

struct qxlshm *
qxlshm_connect(const char *path, const char *name, char *err, size_t errlen)
{
	return qxlshm_connect_features(path, name, 0, err, errlen);
}

struct qxlshm *
qxlshm_connect_features(const char *path, const char *name,
    uint64_t features, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct qxlshm_hello hello;
	struct qxlshm_hello_reply reply;
	struct qxlshm *q;
	uint32_t i;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		if (err != NULL)
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->q_doorbell = q->q_irq = q->q_cursor_doorbell = q->q_input = -1;
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		q->q_slot[i].sl_fd = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		qxlshm_seterr(q, "socket path %s too long", path);
		goto fail;
	}
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if ((q->q_sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
	    0)) == -1) {
		qxlshm_seterr(q, "socket: %s", strerror(errno));
		goto fail;
	}
	if (connect(q->q_sock, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		qxlshm_seterr(q, "connect %s: %s", path, strerror(errno));
		close(q->q_sock);
		goto fail;
	}
	memset(&hello, 0, sizeof(hello));
	hello.magic = QXLSHM_MAGIC;
	hello.major = QXLSHM_VERSION_MAJOR;
	hello.minor = QXLSHM_VERSION_MINOR;
	hello.features = features;
	snprintf(hello.name, sizeof(hello.name), "%s", name ? name : "");
	if (qxlshm_send_msg(q, QXLSHM_MSG_HELLO, &hello, sizeof(hello),
	    NULL, 0) == -1 ||
	    qxlshm_expect(q, QXLSHM_MSG_HELLO_REPLY, &reply, sizeof(reply),
	    QXLSHM_CONNECT_TIMEOUT_MS) == -1)
		goto fail_sock;
	if (reply.magic != QXLSHM_MAGIC || reply.major !=
	    QXLSHM_VERSION_MAJOR) {
		qxlshm_seterr(q, "server speaks qxl-shm %u.%u (magic 0x%08"
		    PRIx32 "), we speak %d.%d", reply.major, reply.minor,
		    reply.magic, QXLSHM_VERSION_MAJOR, QXLSHM_VERSION_MINOR);
		goto fail_sock;
	}
	/* A server grants a subset of what was asked, never more. */
	q->q_features = reply.features & features;
	return q;
fail_sock:
	close(q->q_sock);
fail:
	if (err != NULL)
		snprintf(err, errlen, "%s", q->q_err);
	free(q);
	return NULL;
}

void
qxlshm_close(struct qxlshm *q)
{
	uint32_t i;

	if (q == NULL)
		return;
	if (q->q_attached && !q->q_dead)
		(void)qxlshm_detach(q);
	close(q->q_sock);
	if (q->q_doorbell != -1)
		close(q->q_doorbell);
	if (q->q_irq != -1)
		close(q->q_irq);
	if (q->q_cursor_doorbell != -1)
		close(q->q_cursor_doorbell);
	if (q->q_input != -1)
		close(q->q_input);
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		qxlshm_slot_free(&q->q_slot[i]);
	free(q);
}

/* Ring fields by byte offset from the region base, as the server does:
 * plain aligned atomics, no packed-member addresses. */
static uint32_t *
qxlshm_u32(struct qxlshm *q, size_t off)
{
	return (uint32_t *)(void *)(q->q_ram + off);
}

static uint32_t
qxlshm_load(struct qxlshm *q, size_t off)
{
	return __atomic_load_n(qxlshm_u32(q, off), __ATOMIC_ACQUIRE);
}

static void
qxlshm_store(struct qxlshm *q, size_t off, uint32_t v)
{
	__atomic_store_n(qxlshm_u32(q, off), v, __ATOMIC_RELEASE);
}

#define R_NUM		0
#define R_PROD		4
#define R_NPROD		8
#define R_CONS		12
#define R_NCONS		16
#define R_ITEMS		20
#define OFF_CMD		offsetof(QXLRam, cmd_ring)
#define OFF_CURSOR	offsetof(QXLRam, cursor_ring)
#define OFF_REL		offsetof(QXLRam, release_ring)
#define OFF_CREL	QXLSHM_RAM_CURSOR_RELEASE_OFFSET

static void
qxlshm_ring_init(struct qxlshm *q, size_t off, uint32_t n)
{
	qxlshm_store(q, off + R_NUM, n);
	qxlshm_store(q, off + R_PROD, 0);
	qxlshm_store(q, off + R_CONS, 0);
	qxlshm_store(q, off + R_NPROD, 1);
	qxlshm_store(q, off + R_NCONS, 0);
}

int
qxlshm_attach(struct qxlshm *q, uint32_t ram_slot)
{
	struct qxlshm_attach at;
	uint8_t reply[QXLSHM_MAX_MSG];
	int fds[QXLSHM_ATTACH_NFDS];
	uint64_t phys;
	void *ram;

	if (q->q_attached || q->q_ram != NULL)
		return qxlshm_seterr(q, "attach: already attached");
	/* Over-allocate so the region can start on a 64-byte boundary. */
	if ((ram = qxlshm_alloc(q, ram_slot, QXLSHM_RAM_REGION_SIZE +
	    QXLSHM_REGION_ALIGN, &phys)) == NULL)
		return -1;
	{
		uint64_t pad = (QXLSHM_REGION_ALIGN - (phys &
		    (QXLSHM_REGION_ALIGN - 1))) & (QXLSHM_REGION_ALIGN - 1);

		q->q_ram = (uint8_t *)ram + pad;
		phys += pad;
	}
	qxlshm_store(q, offsetof(QXLRam, int_pending), 0);
	qxlshm_store(q, offsetof(QXLRam, int_mask), QXL_INTERRUPT_DISPLAY |
	    QXL_INTERRUPT_CURSOR);
	qxlshm_ring_init(q, OFF_CMD, QXL_COMMAND_RING_SIZE);
	qxlshm_ring_init(q, OFF_CURSOR, QXL_CURSOR_RING_SIZE);
	qxlshm_ring_init(q, OFF_REL, QXL_RELEASE_RING_SIZE);
	qxlshm_ring_init(q, OFF_CREL, QXL_RELEASE_RING_SIZE);
	/* Magic last: a region with a magic is a complete one. */
	qxlshm_store(q, offsetof(QXLRam, magic), QXL_RAM_MAGIC);

	q->q_doorbell = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	q->q_irq = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	q->q_cursor_doorbell = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->q_doorbell == -1 || q->q_irq == -1 ||
	    q->q_cursor_doorbell == -1)
		return qxlshm_seterr(q, "eventfd: %s", strerror(errno));
	fds[QXLSHM_ATTACH_FD_DOORBELL] = q->q_doorbell;
	fds[QXLSHM_ATTACH_FD_IRQ] = q->q_irq;
	fds[QXLSHM_ATTACH_FD_CURSOR_DOORBELL] = q->q_cursor_doorbell;
	memset(&at, 0, sizeof(at));
	at.ram_slot = ram_slot;
	at.ram_offset = phys & QXLSHM_OFFSET_MASK;
	if (qxlshm_send_msg(q, QXLSHM_MSG_ATTACH, &at, sizeof(at), fds,
	    QXLSHM_ATTACH_NFDS) == -1)
		return -1;
	if (qxlshm_expect(q, QXLSHM_MSG_ATTACHED, reply, 0,
	    QXLSHM_ATTACH_TIMEOUT_MS) == -1)
		return -1;
	q->q_attached = 1;
	return 0;
}

QXLRam *
qxlshm_ram(struct qxlshm *q)
{
	return (QXLRam *)(void *)q->q_ram;
}

/* Wait until the server applied a primary change, as QXL's synchronous
 * CREATE_PRIMARY io does: the rings are not ordered against the control
 * socket, so drawing before this could reach a worker without a primary. */
static int
qxlshm_primary_wait(struct qxlshm *q, uint32_t created)
{
	struct qxlshm_primary_done pd;

	if (qxlshm_expect(q, QXLSHM_MSG_PRIMARY_DONE, &pd, sizeof(pd),
	    QXLSHM_ATTACH_TIMEOUT_MS) == -1)
		return -1;
	if (pd.created != created)
		return qxlshm_seterr(q, "server confirmed a primary %s, "
		    "expected %s", pd.created ? "create" : "destroy",
		    created ? "create" : "destroy");
	return 0;
}

int
qxlshm_create_primary(struct qxlshm *q, uint32_t width, uint32_t height,
    int32_t stride, uint32_t format, uint64_t mem)
{
	struct qxlshm_create_primary cp;

	memset(&cp, 0, sizeof(cp));
	cp.width = width;
	cp.height = height;
	cp.stride = stride;
	cp.format = format;
	cp.mem = mem;
	if (qxlshm_send_msg(q, QXLSHM_MSG_CREATE_PRIMARY, &cp, sizeof(cp),
	    NULL, 0) == -1)
		return -1;
	return qxlshm_primary_wait(q, 1);
}

int
qxlshm_destroy_primary(struct qxlshm *q)
{
	if (qxlshm_send_msg(q, QXLSHM_MSG_DESTROY_PRIMARY, NULL, 0, NULL,
	    0) == -1)
		return -1;
	return qxlshm_primary_wait(q, 0);
}

int
qxlshm_detach(struct qxlshm *q)
{
	int r;

	r = qxlshm_send_msg(q, QXLSHM_MSG_DETACH, NULL, 0, NULL, 0);
	q->q_attached = 0;
	return r;
}

static void
qxlshm_kick(int fd)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is saturated: the server is awake. */
	(void)!write(fd, &one, sizeof(one));
}

/* One attempt to push onto the ring at off: 1 pushed, 0 full (then
 * notify_on_cons is armed, so the server raises an irq when it pops). */
static int
qxlshm_ring_push(struct qxlshm *q, size_t off, uint32_t n, uint32_t type,
    uint64_t phys, int doorbell)
{
	QXLCommand cmd;
	uint32_t prod, cons;

	prod = qxlshm_load(q, off + R_PROD);
	cons = qxlshm_load(q, off + R_CONS);
	if (prod - cons >= n) {
		qxlshm_store(q, off + R_NCONS, cons + 1);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		cons = qxlshm_load(q, off + R_CONS);
		if (prod - cons >= n)
			return 0;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.data = phys;
	cmd.type = type;
	memcpy(q->q_ram + off + R_ITEMS + (size_t)(prod & (n - 1)) *
	    sizeof(QXLCommandRing_ring_el), &cmd, sizeof(cmd));
	prod++;
	qxlshm_store(q, off + R_PROD, prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (qxlshm_load(q, off + R_NPROD) == prod)
		qxlshm_kick(doorbell);
	return 1;
}

static int
qxlshm_push(struct qxlshm *q, size_t off, uint32_t n, uint32_t type,
    uint64_t phys, int doorbell, int timeout_ms)
{
	int64_t deadline = qxlshm_now_ms() + timeout_ms, left;
	int r;

	if (q->q_ram == NULL || !q->q_attached) {
		errno = ENOTCONN;
		return qxlshm_seterr(q, "push: not attached");
	}
	for (;;) {
		if (q->q_dead) {
			errno = EPIPE;
			return -1;
		}
		if (qxlshm_ring_push(q, off, n, type, phys, doorbell) == 1)
			return 0;
		left = timeout_ms < 0 ? 1000 : deadline - qxlshm_now_ms();
		if (left <= 0) {
			errno = EAGAIN;
			return qxlshm_seterr(q, "ring full");
		}
		if ((r = qxlshm_wait(q, (int)left)) == -1)
			return -1;
	}
}

int
qxlshm_push_cmd(struct qxlshm *q, uint32_t type, uint64_t phys,
    int timeout_ms)
{
	return qxlshm_push(q, OFF_CMD, QXL_COMMAND_RING_SIZE, type, phys,
	    q->q_doorbell, timeout_ms);
}

int
qxlshm_push_cursor(struct qxlshm *q, uint64_t phys, int timeout_ms)
{
	return qxlshm_push(q, OFF_CURSOR, QXL_CURSOR_RING_SIZE, QXL_CMD_CURSOR,
	    phys, q->q_cursor_doorbell, timeout_ms);
}

void
qxlshm_notify(struct qxlshm *q)
{
	if (q->q_doorbell != -1)
		qxlshm_kick(q->q_doorbell);
}

/* Drain one release ring; arm notify_on_prod before leaving it empty. */
static int
qxlshm_drain(struct qxlshm *q, size_t off, int doorbell, int *bad)
{
	uint64_t id;
	uint32_t prod, cons;
	int n = 0, kick = 0;

	cons = qxlshm_load(q, off + R_CONS);
	for (;;) {
		prod = qxlshm_load(q, off + R_PROD);
		if (prod == cons) {
			qxlshm_store(q, off + R_NPROD, cons + 1);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (qxlshm_load(q, off + R_PROD) == cons)
				break;
			continue;
		}
		if (prod - cons > QXL_RELEASE_RING_SIZE) {
			*bad = 1;
			qxlshm_seterr(q, "release ring: prod %" PRIu32 " too "
			    "far ahead of cons %" PRIu32, prod, cons);
			break;
		}
		id = __atomic_load_n((uint64_t *)(void *)(q->q_ram + off +
		    R_ITEMS + (size_t)(cons & (QXL_RELEASE_RING_SIZE - 1)) *
		    sizeof(uint64_t)), __ATOMIC_RELAXED);
		cons++;
		qxlshm_store(q, off + R_CONS, cons);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (qxlshm_load(q, off + R_NCONS) == cons)
			kick = 1;
		if (id != 0 && qxlshm_release(q, id) == -1)
			*bad = 1;
		n++;
	}
	if (kick)
		qxlshm_kick(doorbell);
	return n;
}

int
qxlshm_poll_releases(struct qxlshm *q)
{
	int n, bad = 0;

	if (q->q_ram == NULL)
		return 0;
	/* Clear first: an interrupt raised after this is seen next time. */
	__atomic_store_n(qxlshm_u32(q, offsetof(QXLRam, int_pending)), 0,
	    __ATOMIC_SEQ_CST);
	n = qxlshm_drain(q, OFF_REL, q->q_doorbell, &bad);
	n += qxlshm_drain(q, OFF_CREL, q->q_cursor_doorbell, &bad);
	return bad ? -1 : n;
}

int
qxlshm_irq_fd(struct qxlshm *q)
{
	return q->q_irq;
}

int
qxlshm_handle_irq(struct qxlshm *q)
{
	uint64_t v;

	if (q->q_irq != -1)
		(void)!read(q->q_irq, &v, sizeof(v));
	return qxlshm_poll_releases(q);
}

uint64_t
qxlshm_features(const struct qxlshm *q)
{
	return q->q_features;
}

int
qxlshm_redraw_requested(struct qxlshm *q)
{
	int r = q->q_redraw;

	q->q_redraw = 0;
	return r;
}

int
qxlshm_control_fd(struct qxlshm *q)
{
	return q->q_sock;
}

int
qxlshm_handle_control(struct qxlshm *q)
{
	uint8_t payload[QXLSHM_MAX_MSG];
	struct qxlshm_hdr hdr;
	int r;

	while ((r = qxlshm_recv_one(q, &hdr, payload, 0)) == 1)
		if (hdr.type == QXLSHM_MSG_ERROR)
			return -1;
	return r == -1 || q->q_dead ? -1 : 0;
}

int
qxlshm_input_open(struct qxlshm *q, uint32_t flags, qxlshm_input_fn fn,
    void *arg)
{
	struct qxlshm_input_setup is;
	int sv[2];

	if (!(q->q_features & QXLSHM_F_INPUT)) {
		errno = ENOTSUP;
		return qxlshm_seterr(q, "the server did not grant input "
		    "events (QXLSHM_F_INPUT)");
	}
	if (q->q_input != -1) {
		errno = EALREADY;
		return qxlshm_seterr(q, "input events already set up");
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return qxlshm_seterr(q, "socketpair: %s", strerror(errno));
	(void)fcntl(sv[0], F_SETFL, O_NONBLOCK);
	memset(&is, 0, sizeof(is));
	is.flags = flags;
	if (qxlshm_send_msg(q, QXLSHM_MSG_INPUT, &is, sizeof(is), &sv[1],
	    1) == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[1]);
	q->q_input = sv[0];
	q->q_input_fn = fn;
	q->q_input_arg = arg;
	return 0;
}

/* A datagram socket pair for feature's port: one end sent with msg (the
 * AGENT/AUDIO/RECORD setup, flags 0), the other returned. */
static int
qxlshm_socket_port(struct qxlshm *q, uint64_t feature, uint32_t msg,
    const char *what)
{
	struct qxlshm_agent_setup as;
	int sv[2];

	if (!(q->q_features & feature)) {
		errno = ENOTSUP;
		return qxlshm_seterr(q, "the server did not grant the %s",
		    what);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return qxlshm_seterr(q, "socketpair: %s", strerror(errno));
	memset(&as, 0, sizeof(as));
	if (qxlshm_send_msg(q, msg, &as, sizeof(as), &sv[1], 1) == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[1]);
	return sv[0];
}

int
qxlshm_agent_open(struct qxlshm *q)
{
	return qxlshm_socket_port(q, QXLSHM_F_AGENT, QXLSHM_MSG_AGENT,
	    "agent port (QXLSHM_F_AGENT)");
}

int
qxlshm_audio_open(struct qxlshm *q)
{
	return qxlshm_socket_port(q, QXLSHM_F_AUDIO, QXLSHM_MSG_AUDIO,
	    "audio port (QXLSHM_F_AUDIO)");
}

int
qxlshm_record_open(struct qxlshm *q)
{
	return qxlshm_socket_port(q, QXLSHM_F_RECORD, QXLSHM_MSG_RECORD,
	    "record port (QXLSHM_F_RECORD)");
}

int
qxlshm_input_fd(const struct qxlshm *q)
{
	return q->q_input;
}

int
qxlshm_port_add(struct qxlshm *q, uint32_t kind, const char *name,
    int opened, int fd)
{
	struct qxlshm_port p;

	if (!(q->q_features & QXLSHM_F_PORTS)) {
		errno = ENOTSUP;
		return qxlshm_seterr(q, "the server did not grant ports "
		    "(QXLSHM_F_PORTS)");
	}
	if (kind == QXLSHM_PORT_SMARTCARD &&
	    !(q->q_features & QXLSHM_F_SMARTCARD)) {
		errno = ENOTSUP;
		return qxlshm_seterr(q, "the server did not grant smartcard "
		    "ports (QXLSHM_F_SMARTCARD)");
	}
	if (q->q_nports == QXLSHM_MAX_PORTS) {
		errno = ENOSPC;
		return qxlshm_seterr(q, "already %d ports", QXLSHM_MAX_PORTS);
	}
	memset(&p, 0, sizeof(p));
	if (strlen(name) >= sizeof(p.name)) {
		errno = EINVAL;
		return qxlshm_seterr(q, "port name \"%s\" too long", name);
	}
	strcpy(p.name, name);
	p.kind = kind;
	p.opened = opened != 0;
	if (qxlshm_send_msg(q, QXLSHM_MSG_PORT, &p, sizeof(p), &fd, 1) == -1)
		return -1;
	return q->q_nports++;
}

int
qxlshm_port_state(struct qxlshm *q, int port, int opened)
{
	struct qxlshm_port_state ps;

	if (port < 0 || port >= q->q_nports) {
		errno = EINVAL;
		return qxlshm_seterr(q, "no port %d", port);
	}
	ps.port = (uint32_t)port;
	ps.opened = opened != 0;
	return qxlshm_send_msg(q, QXLSHM_MSG_PORT_STATE, &ps, sizeof(ps),
	    NULL, 0);
}

int
qxlshm_input_flags(struct qxlshm *q, uint32_t flags)
{
	struct qxlshm_input_setup is;

	if (q->q_input == -1) {
		errno = ENOTCONN;
		return qxlshm_seterr(q, "input events are not set up");
	}
	memset(&is, 0, sizeof(is));
	is.flags = flags;
	return qxlshm_send_msg(q, QXLSHM_MSG_INPUT_FLAGS, &is, sizeof(is),
	    NULL, 0);
}

int
qxlshm_set_leds(struct qxlshm *q, uint32_t leds)
{
	struct qxlshm_leds l = { leds };

	if (q->q_input == -1) {
		errno = ENOTCONN;
		return qxlshm_seterr(q, "input events are not set up");
	}
	return qxlshm_send_msg(q, QXLSHM_MSG_LEDS, &l, sizeof(l), NULL, 0);
}

int
qxlshm_set_heads(struct qxlshm *q, uint32_t count,
    const struct qxlshm_head *heads)
{
	struct qxlshm_heads h;

	if (!(q->q_features & QXLSHM_F_HEADS)) {
		errno = EOPNOTSUPP;
		return qxlshm_seterr(q, "the server did not grant heads "
		    "(QXLSHM_F_HEADS)");
	}
	if (count == 0 || count > QXLSHM_MAX_HEADS) {
		errno = EINVAL;
		return qxlshm_seterr(q, "%u heads (1..%d)", count,
		    QXLSHM_MAX_HEADS);
	}
	memset(&h, 0, sizeof(h));
	h.count = count;
	memcpy(h.head, heads, (size_t)count * sizeof(*heads));
	return qxlshm_send_msg(q, QXLSHM_MSG_HEADS, &h, sizeof(h), NULL, 0);
}

int
qxlshm_handle_input(struct qxlshm *q)
{
	struct qxlshm_input_event ev;
	ssize_t n;
	int i;

	/* A bounded batch: events keep coming while we draw. */
	for (i = 0; i < 256; i++) {
		n = recv(q->q_input, &ev, sizeof(ev), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? i :
			    qxlshm_seterr(q, "input: %s", strerror(errno));
		if (n == 0)
			return i;
		/* The server only ever sends whole events. */
		if ((size_t)n != sizeof(ev))
			continue;
		if (q->q_input_fn != NULL)
			q->q_input_fn(&ev, q->q_input_arg);
	}
	return i;
}

int
qxlshm_wait(struct qxlshm *q, int timeout_ms)
{
	struct pollfd pfd[3];
	int r, n = 1, in = -1;

	if (q->q_dead)
		return -1;
	pfd[0].fd = q->q_sock;
	pfd[0].events = POLLIN;
	pfd[1].fd = q->q_irq;
	pfd[1].events = POLLIN;
	if (q->q_irq != -1)
		n = 2;
	if (q->q_input != -1) {
		in = n;
		pfd[n].fd = q->q_input;
		pfd[n++].events = POLLIN;
	}
	do
		r = poll(pfd, n, timeout_ms);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return qxlshm_seterr(q, "poll: %s", strerror(errno));
	if (r == 0) {
		/* Releases may be waiting without an irq (masked or lost
		 * while we were busy); looking costs little. */
		(void)qxlshm_poll_releases(q);
		return 0;
	}
	if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    qxlshm_handle_control(q) == -1)
		return -1;
	if (q->q_irq != -1 && (pfd[1].revents & POLLIN))
		(void)qxlshm_handle_irq(q);
	if (in != -1 && (pfd[in].revents & POLLIN))
		(void)qxlshm_handle_input(q);
	return 1;
}
