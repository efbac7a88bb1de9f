/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-libqxlshm: the producer library against a small fake server built
 * from the worker-side parser (slots, ring, qxl-cmd) running in a thread:
 * handshake, memslots, attach, more commands than the ring holds (pushes
 * wait for room), release recycling (all memory comes back), a command the
 * server must reject, and the refusal of an unsealed memfd.
 *
 * `test-libqxlshm --serve PATH` runs the fake server alone, one producer
 * after the other, printing what it saw: handy to try qxl-shm-testsrc or
 * bad-producer without spiced.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdint.h>
#include <unistd.h>

#include <spice/qxl_dev.h>
#include <spice/enums.h>

#include "err.h"
#include "fdpass.h"
#include "sbuf.h"
#include "slots.h"
#include "ring.h"
#include "qxl-cmd.h"
#include "libqxlshm.h"
#include "test-helper.h"

#define FAKE_MAX_PENDING	4096

struct fake {
	int		 f_sock;
	int		 f_fds[QXLSHM_ATTACH_NFDS];
	int		 f_attached;
	int		 f_done;
	struct slots	 f_slots;
	struct ring	 f_ring;
	uint64_t	 f_pending[FAKE_MAX_PENDING];
	size_t		 f_npending;
	/* what it saw */
	unsigned int	 f_draws;
	unsigned int	 f_surfaces;
	unsigned int	 f_bad;
	unsigned int	 f_unsupported;
	unsigned int	 f_released;
	unsigned int	 f_primaries;
	unsigned int	 f_destroys;
	unsigned int	 f_cursors;	/* in the cursor ring at DETACH */
	int		 f_verbose;
};

static int64_t
t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
fake_send(struct fake *f, uint32_t type, const void *p, uint32_t len)
{
	uint8_t buf[sizeof(struct qxlshm_hdr) + QXLSHM_MAX_MSG];
	struct qxlshm_hdr h = { type, len };
	struct spd_err err;

	memcpy(buf, &h, sizeof(h));
	if (len > 0)
		memcpy(buf + sizeof(h), p, len);
	(void)fdpass_send(f->f_sock, buf, sizeof(h) + len, NULL, 0, &err);
}

static void
fake_primary_done(struct fake *f, uint32_t created)
{
	struct qxlshm_primary_done pd = { created };

	fake_send(f, QXLSHM_MSG_PRIMARY_DONE, &pd, sizeof(pd));
}

static void
fake_error(struct fake *f, uint32_t code, const char *reason)
{
	struct qxlshm_error e;

	memset(&e, 0, sizeof(e));
	e.code = code;
	snprintf(e.reason, sizeof(e.reason), "%s", reason);
	fake_send(f, QXLSHM_MSG_ERROR, &e, sizeof(e));
	if (f->f_verbose)
		fprintf(stderr, "fake: ERROR %u: %s\n", code, reason);
	f->f_done = 1;
}

static void
fake_flush(struct fake *f)
{
	struct spd_err err;
	uint64_t one = 1;
	size_t i = 0;
	int r, notify = 0;

	while (i < f->f_npending) {
		r = ring_push_release(&f->f_ring, RING_RELEASE_DISPLAY,
		    f->f_pending[i], &notify, &err);
		if (r == -1) {
			fake_error(f, QXLSHM_E_FAULT, err.msg);
			return;
		}
		if (r == 0)
			break;
		i++;
		f->f_released++;
	}
	memmove(f->f_pending, f->f_pending + i, (f->f_npending - i) * 8);
	f->f_npending -= i;
	if (notify && ring_irq(&f->f_ring, QXL_INTERRUPT_DISPLAY))
		(void)!write(f->f_fds[QXLSHM_ATTACH_FD_IRQ], &one, 8);
}

static void
fake_drain(struct fake *f)
{
	struct qxl_cmd_draw d;
	struct qxl_cmd_surface s;
	struct spd_err err;
	QXLCommand cmd;
	uint64_t id, one = 1;
	int r, notify = 0;

	while (!f->f_done && f->f_npending < FAKE_MAX_PENDING &&
	    (r = ring_pop_cmd(&f->f_ring, &cmd, &notify, &err)) != 0) {
		if (r == -1) {
			fake_error(f, QXLSHM_E_FAULT, err.msg);
			return;
		}
		r = QXL_CMD_EUNSUPPORTED;
		if (cmd.type == QXL_CMD_DRAW) {
			r = qxl_cmd_parse_draw(&f->f_slots, cmd.data, &d, &err);
			if (r == 0) {
				f->f_draws++;
				qxl_cmd_draw_free(&d);
			}
		} else if (cmd.type == QXL_CMD_SURFACE) {
			r = qxl_cmd_parse_surface(&f->f_slots, cmd.data, &s,
			    &err);
			if (r == 0)
				f->f_surfaces++;
		} else
			snprintf(err.msg, sizeof(err.msg), "command type %u",
			    cmd.type);
		if (r == QXL_CMD_EFAULT)
			f->f_bad++;
		else if (r == QXL_CMD_EUNSUPPORTED)
			f->f_unsupported++;
		if (r != 0 && f->f_verbose)
			fprintf(stderr, "fake: dropped: %s\n", err.msg);
		if (qxl_cmd_release_id(&f->f_slots, cmd.data, &id, &err) == 0 &&
		    id != 0)
			f->f_pending[f->f_npending++] = id;
	}
	if (notify && ring_irq(&f->f_ring, QXL_INTERRUPT_DISPLAY))
		(void)!write(f->f_fds[QXLSHM_ATTACH_FD_IRQ], &one, 8);
	fake_flush(f);
}

static void
fake_message(struct fake *f)
{
	uint8_t buf[sizeof(struct qxlshm_hdr) + QXLSHM_MAX_MSG + 1];
	int fds[FDPASS_MAX_FDS], nfds = 0, i;
	struct spd_err err;
	struct sbuf sb;
	uint32_t type, len;
	ssize_t n;

	n = fdpass_recv(f->f_sock, buf, sizeof(buf), fds, FDPASS_MAX_FDS,
	    &nfds, &err);
	if (n <= 0) {
		f->f_done = 1;
		return;
	}
	sbuf_init(&sb, buf, (size_t)n);
	if (sbuf_get_u32le(&sb, &type) == -1 ||
	    sbuf_get_u32le(&sb, &len) == -1 || len != sbuf_left(&sb)) {
		fake_error(f, QXLSHM_E_PROTOCOL, "bad header");
		goto out;
	}
	switch (type) {
	case QXLSHM_MSG_HELLO: {
		struct qxlshm_hello_reply r = { QXLSHM_MAGIC,
		    QXLSHM_VERSION_MAJOR, QXLSHM_VERSION_MINOR, 0 };

		if (len != sizeof(struct qxlshm_hello))
			fake_error(f, QXLSHM_E_PROTOCOL, "HELLO size");
		else
			fake_send(f, QXLSHM_MSG_HELLO_REPLY, &r, sizeof(r));
		break;
	}
	case QXLSHM_MSG_MEMSLOT_ADD: {
		uint32_t id, gen;
		uint64_t size;

		if (len != sizeof(struct qxlshm_memslot_add) || nfds != 1 ||
		    sbuf_get_u32le(&sb, &id) == -1 ||
		    sbuf_get_u32le(&sb, &gen) == -1 ||
		    sbuf_get_u64le(&sb, &size) == -1) {
			fake_error(f, QXLSHM_E_PROTOCOL, "MEMSLOT_ADD");
			break;
		}
		/* Writable for all slots: the fake does not know which one
		 * will hold the device region. */
		if (slots_map(&f->f_slots, id, gen, fds[0], size, 1,
		    &err) == -1)
			fake_error(f, QXLSHM_E_MEMFD, err.msg);
		break;
	}
	case QXLSHM_MSG_ATTACH: {
		uint32_t slot, pad;
		uint64_t off;
		uint8_t *ram;

		if (len != sizeof(struct qxlshm_attach) ||
		    nfds != QXLSHM_ATTACH_NFDS ||
		    sbuf_get_u32le(&sb, &slot) == -1 ||
		    sbuf_get_u32le(&sb, &pad) == -1 ||
		    sbuf_get_u64le(&sb, &off) == -1) {
			fake_error(f, QXLSHM_E_PROTOCOL, "ATTACH");
			break;
		}
		if (slots_resolve_rw(&f->f_slots, QXLSHM_PHYS(slot,
		    f->f_slots.s_slot[slot % QXLSHM_MAX_SLOTS].sl_gen, off),
		    QXLSHM_RAM_REGION_SIZE, &ram, &err) == -1 ||
		    ring_init(&f->f_ring, ram, QXLSHM_RAM_REGION_SIZE,
		    &err) == -1) {
			fake_error(f, QXLSHM_E_PROTOCOL, err.msg);
			break;
		}
		for (i = 0; i < QXLSHM_ATTACH_NFDS; i++) {
			f->f_fds[i] = fds[i];
			fds[i] = -1;
		}
		f->f_attached = 1;
		fake_send(f, QXLSHM_MSG_ATTACHED, NULL, 0);
		break;
	}
	case QXLSHM_MSG_CREATE_PRIMARY: {
		struct qxlshm_create_primary cp;
		struct qxl_cmd_surface s;

		if (len != sizeof(cp) || sbuf_get_bytes(&sb, &cp,
		    sizeof(cp)) == -1) {
			fake_error(f, QXLSHM_E_PROTOCOL, "CREATE_PRIMARY");
			break;
		}
		if (qxl_cmd_parse_primary(&f->f_slots, &cp, &s, &err) != 0) {
			fake_error(f, QXLSHM_E_PROTOCOL, err.msg);
			break;
		}
		f->f_primaries++;
		fake_primary_done(f, 1);
		break;
	}
	case QXLSHM_MSG_DESTROY_PRIMARY:
		f->f_destroys++;
		fake_primary_done(f, 0);
		break;
	case QXLSHM_MSG_DETACH: {
		QXLCommand cmd;

		while (f->f_attached &&
		    ring_pop_cursor(&f->f_ring, &cmd, NULL, &err) == 1)
			if (cmd.type == QXL_CMD_CURSOR)
				f->f_cursors++;
		f->f_done = 1;
		break;
	}
	default:
		fake_error(f, QXLSHM_E_PROTOCOL, "unknown message");
	}
out:
	fdpass_close(fds, nfds);
}

/* Serve one producer on sock until DETACH, close or error. */
static void
fake_serve(struct fake *f, int sock)
{
	struct pollfd pfd[2];
	uint64_t v;
	int i, verbose = f->f_verbose;

	memset(f, 0, sizeof(*f));
	f->f_verbose = verbose;
	f->f_sock = sock;
	for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
		f->f_fds[i] = -1;
	slots_init(&f->f_slots);
	while (!f->f_done) {
		pfd[0].fd = sock;
		pfd[0].events = POLLIN;
		pfd[1].fd = f->f_fds[QXLSHM_ATTACH_FD_DOORBELL];
		pfd[1].events = POLLIN;
		if (poll(pfd, f->f_attached ? 2 : 1, 50) == -1 &&
		    errno != EINTR)
			break;
		if (pfd[0].revents)
			fake_message(f);
		if (f->f_attached && !f->f_done) {
			if (pfd[1].revents & POLLIN)
				(void)!read(pfd[1].fd, &v, 8);
			fake_drain(f);
		}
	}
	for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
		if (f->f_fds[i] != -1)
			close(f->f_fds[i]);
	slots_clear(&f->f_slots);
	close(sock);
}

static int
fake_listen(const char *path)
{
	struct sockaddr_un sun;
	int s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	if ((s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(s, 4) == -1)
		TEST_FAIL("listen %s: %s", path, strerror(errno));
	return s;
}

struct fake_thread {
	int		ft_lsock;
	int		ft_conns;	/* producers to serve */
	struct fake	ft_fake;
};

static void *
fake_thread_main(void *arg)
{
	struct fake_thread *ft = arg;
	int i, s;

	for (i = 0; i < ft->ft_conns; i++) {
		if ((s = accept4(ft->ft_lsock, NULL, NULL, SOCK_CLOEXEC)) == -1)
			break;
		fake_serve(&ft->ft_fake, s);
	}
	return NULL;
}

static void
test_session(const char *path, struct fake_thread *ft)
{
	struct qxlshm *q;
	QXLDrawable *d;
	uint64_t phys, mphys, ram_used;
	char err[QXLSHM_ERRLEN];
	void *mem;
	int i;

	q = qxlshm_connect(path, "test", err, sizeof(err));
	if (q == NULL)
		TEST_FAIL("connect: %s", err);
	ASSERT_INT_EQ(qxlshm_slot_create(q, 0, 1 << 20), 0);
	ASSERT_INT_EQ(qxlshm_slot_create(q, 1, 4 << 20), 0);
	ASSERT_INT_EQ(qxlshm_slot_create(q, 1, 4096), -1);
	ASSERT_INT_EQ(qxlshm_attach(q, 0), 0);
	ASSERT_TRUE(qxlshm_irq_fd(q) >= 0);
	ram_used = qxlshm_slot_used(q, 0);
	ASSERT_TRUE(ram_used >= QXLSHM_RAM_REGION_SIZE);
	mem = qxlshm_alloc(q, 1, 64 * 48 * 4, &mphys);
	ASSERT_TRUE(mem != NULL);
	ASSERT_TRUE(qxlshm_phys(q, mem) == mphys);
	ASSERT_INT_EQ(qxlshm_create_primary(q, 64, 48, 64 * 4,
	    SPICE_SURFACE_FMT_32_xRGB, mphys), 0);

	/* More commands than the ring holds, each with a linked buffer. */
	for (i = 0; i < 300; i++) {
		void *extra;

		d = qxlshm_alloc_cmd(q, 0, sizeof(*d), &phys);
		ASSERT_TRUE(d != NULL);
		extra = qxlshm_alloc(q, 1, 1000, NULL);
		ASSERT_TRUE(extra != NULL);
		ASSERT_INT_EQ(qxlshm_link(q, d, extra), 0);
		ASSERT_U64_EQ(d->release_info.id, phys);
		d->type = QXL_DRAW_FILL;
		d->bbox.right = 10 + i % 50;
		d->bbox.bottom = 10;
		d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
		d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
		if (qxlshm_push_cmd(q, QXL_CMD_DRAW, phys, 5000) == -1)
			TEST_FAIL("push %d: %s", i, qxlshm_error(q));
	}
	/* A drawable in the wrong generation: dropped, still released. */
	d = qxlshm_alloc_cmd(q, 0, sizeof(*d), &phys);
	ASSERT_INT_EQ(qxlshm_push_cmd(q, QXL_CMD_DRAW, phys | (1ull << 48),
	    1000), 0);
	/* Everything comes back. */
	for (i = 0; i < 100 && (qxlshm_slot_used(q, 0) != ram_used ||
	    qxlshm_slot_used(q, 1) != 64 * 48 * 4); i++)
		ASSERT_TRUE(qxlshm_wait(q, 50) != -1);
	ASSERT_U64_EQ(qxlshm_slot_used(q, 1), 64 * 48 * 4);
	/* The bad command was released by its own id, so only the good
	 * ones' groups are back; the bad one's block is the difference. */
	ASSERT_TRUE(qxlshm_slot_used(q, 0) <= ram_used + 256);
	/* Waiting for room: 3 MiB of the 4 MiB slot held by a command in
	 * flight; the next 3 MiB come once it is released.  More than the
	 * slot never comes; a stop ends the wait at once. */
	{
		volatile sig_atomic_t stop = 1;
		void *big, *again;
		int64_t t0;

		d = qxlshm_alloc_cmd(q, 0, sizeof(*d), &phys);
		big = qxlshm_alloc(q, 1, 3 << 20, NULL);
		ASSERT_TRUE(d != NULL && big != NULL);
		ASSERT_INT_EQ(qxlshm_link(q, d, big), 0);
		ASSERT_TRUE(qxlshm_alloc(q, 1, 3 << 20, NULL) == NULL);
		d->type = QXL_DRAW_FILL;
		d->bbox.right = d->bbox.bottom = 4;
		d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
		d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
		ASSERT_INT_EQ(qxlshm_push_cmd(q, QXL_CMD_DRAW, phys, 1000), 0);
		again = qxlshm_alloc_wait(q, 1, 3 << 20, NULL, 0, 5000, NULL);
		ASSERT_TRUE(again != NULL);
		qxlshm_free(q, again);
		t0 = t_now_ms();
		ASSERT_TRUE(qxlshm_alloc_wait(q, 1, 8 << 20, NULL, 0, 100,
		    NULL) == NULL && errno == ENOMEM);
		ASSERT_TRUE(t_now_ms() - t0 >= 100);
		t0 = t_now_ms();
		ASSERT_TRUE(qxlshm_alloc_wait(q, 1, 8 << 20, NULL, 0, 5000,
		    &stop) == NULL && errno == ENOMEM);
		ASSERT_TRUE(t_now_ms() - t0 < 1000);
	}
	/* The primary goes and comes back, each step acknowledged. */
	ASSERT_INT_EQ(qxlshm_destroy_primary(q), 0);
	ASSERT_INT_EQ(qxlshm_create_primary(q, 64, 48, 64 * 4,
	    SPICE_SURFACE_FMT_32_xRGB, mphys), 0);
	/* Cursor commands go to their own ring. */
	ASSERT_TRUE(qxlshm_control_fd(q) >= 0);
	for (i = 0; i < 2; i++) {
		ASSERT_TRUE(qxlshm_alloc_cmd(q, 0, sizeof(QXLCursorCmd),
		    &phys) != NULL);
		ASSERT_INT_EQ(qxlshm_push_cursor(q, phys, 1000), 0);
	}
	ASSERT_INT_EQ(qxlshm_handle_control(q), 0);
	qxlshm_close(q);
	usleep(100000);
	ASSERT_INT_EQ(ft->ft_fake.f_primaries, 2);
	ASSERT_INT_EQ(ft->ft_fake.f_destroys, 1);
	ASSERT_INT_EQ(ft->ft_fake.f_cursors, 2);
	ASSERT_INT_EQ(ft->ft_fake.f_draws, 301);
	ASSERT_INT_EQ(ft->ft_fake.f_bad, 1);
	ASSERT_INT_EQ(ft->ft_fake.f_released, 301);
}

static void
test_unsealed(const char *path)
{
	struct qxlshm_memslot_add add = { 2, 0, 4096 };
	struct qxlshm *q;
	char err[QXLSHM_ERRLEN], buf[QXLSHM_MAX_MSG];
	uint32_t type, len = sizeof(buf);
	int fd;

	q = qxlshm_connect(path, "unsealed", err, sizeof(err));
	if (q == NULL)
		TEST_FAIL("connect: %s", err);
	fd = memfd_create("unsealed", MFD_CLOEXEC);
	ASSERT_TRUE(fd != -1);
	ASSERT_INT_EQ(ftruncate(fd, 4096), 0);
	ASSERT_INT_EQ(qxlshm_send_msg(q, QXLSHM_MSG_MEMSLOT_ADD, &add,
	    sizeof(add), &fd, 1), 0);
	close(fd);
	ASSERT_INT_EQ(qxlshm_recv_msg(q, &type, buf, &len, 2000), 0);
	ASSERT_INT_EQ(type, QXLSHM_MSG_ERROR);
	ASSERT_STR_CONTAINS(qxlshm_error(q), "F_SEAL_SHRINK");
	ASSERT_INT_EQ(qxlshm_handle_control(q), -1);
	qxlshm_close(q);
}

int
main(int argc, char **argv)
{
	struct fake_thread ft;
	pthread_t th;
	char path[] = "/tmp/test-libqxlshm-XXXXXX";
	char sock[sizeof(path) + 8];

	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && strcmp(argv[1], "--serve") == 0) {
		struct fake f;
		int l = fake_listen(argv[2]), s;

		memset(&f, 0, sizeof(f));
		f.f_verbose = 1;
		for (;;) {
			if ((s = accept4(l, NULL, NULL, SOCK_CLOEXEC)) == -1)
				TEST_FAIL("accept: %s", strerror(errno));
			fake_serve(&f, s);
			printf("fake: producer gone: %u primaries, %u draws, %u "
			    "surface cmds, %u bad, %u unsupported, %u released\n",
			    f.f_primaries, f.f_draws, f.f_surfaces, f.f_bad,
			    f.f_unsupported, f.f_released);
			fflush(stdout);
		}
	}
	if (mkdtemp(path) == NULL)
		TEST_FAIL("mkdtemp");
	snprintf(sock, sizeof(sock), "%s/sock", path);
	memset(&ft, 0, sizeof(ft));
	ft.ft_lsock = fake_listen(sock);
	ft.ft_conns = 1;
	ASSERT_INT_EQ(pthread_create(&th, NULL, fake_thread_main, &ft), 0);
	test_session(sock, &ft);
	pthread_join(th, NULL);
	ft.ft_conns = 1;
	ASSERT_INT_EQ(pthread_create(&th, NULL, fake_thread_main, &ft), 0);
	test_unsealed(sock);
	pthread_join(th, NULL);
	close(ft.ft_lsock);
	unlink(sock);
	rmdir(path);
	printf("test-libqxlshm: ok\n");
	return 0;
}
