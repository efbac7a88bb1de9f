/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-producer: the supervisor's side of qxl-shm (daemon/producer.c) on
 * arbitrary producer messages, through its real listening socket and its
 * libevent loop: HELLO, MEMSLOT_ADD, ATTACH, primaries, input, agent,
 * ports, audio, in any order and with any payload, each carrying the fds
 * a producer would send with its type (sealed memfds, eventfds, sockets).
 * What producer.c hands on (to workers, sessions, ports, audio) is
 * stubbed, and takes the fds it is given, as the real code does.
 *
 * Input: records of u8 type, u8 flags (bit 0: send the fds of the type;
 * bit 1: an unsealed memfd instead of a sealed one), u16 length, then
 * that many payload bytes (cut at the input's end).
 *
 * Invariants: no crash or sanitizer report; once the producer hangs up
 * and spiced lets go of it, every fd the supervisor held for it is
 * closed again (as many sockets, memfds and eventfds open as before).
 */
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "audio.h"
#include "ports.h"
#include "producer.h"
#include "qxl-shm.h"
#include "session.h"
#include "spiced.h"
#include "service.h"
#include "worker-proc.h"

#include "fuzz-fds.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

struct event_base	*spiced_base;
struct spiced_opts	 spiced_opts;

/* What producer.c calls in the rest of the supervisor. */
int
audio_set(struct display *d, int way, int fd, const char **why)
{
	(void)way;
	(void)why;
	if (d->d_audio[0].da_fd >= 0)
		close(d->d_audio[0].da_fd);
	d->d_audio[0].da_fd = fd;
	return 0;
}

void
audio_clear(struct display *d)
{
	if (d->d_audio[0].da_fd >= 0)
		close(d->d_audio[0].da_fd);
	d->d_audio[0].da_fd = -1;
}

int
ports_add(struct display *d, const struct qxlshm_port *port, int fd,
    const char **why)
{
	(void)port;
	if (d->d_nports == QXLSHM_MAX_PORTS) {
		*why = "too many ports";
		return -1;
	}
	d->d_ports[d->d_nports++].dp_fd = fd;
	return 0;
}

int
ports_state(struct display *d, const struct qxlshm_port_state *st,
    const char **why)
{
	(void)d;
	(void)st;
	(void)why;
	return 0;
}

void
ports_clear(struct display *d)
{
	while (d->d_nports > 0)
		close(d->d_ports[--d->d_nports].dp_fd);
}

void	session_channels_changed(struct display *d) { (void)d; }
void	session_input_changed(struct display *d) { (void)d; }
void	session_leds_changed(struct display *d) { (void)d; }
void	session_agent_update(struct display *d) { (void)d; }
void	svc_status(void) { }
void	svc_changed(void) { }

int
wproc_send(struct wproc *w, uint32_t type, uint32_t session, uint32_t conn,
    const void *payload, size_t len, const int *fds, int nfds)
{
	(void)w;
	(void)type;
	(void)session;
	(void)conn;
	(void)payload;
	(void)len;
	(void)fds;
	(void)nfds;
	return 0;	/* the real one sends copies; the caller keeps its fds */
}

static struct conf_display	fz_conf;
static struct display		fz_display;
static struct wproc		*fz_worker;
static char			fz_dir[64];

/* What is open, for the report of a leak. */
static void
fz_show_fds(int baseline)
{
	char path[300], target[256];
	struct dirent *e;
	DIR *dir;
	ssize_t n;

	fprintf(stderr, "fuzz-producer: %d fds open, %d before\n", fuzz_fds_open(),
	    baseline);
	if ((dir = opendir("/proc/self/fd")) == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if ((n = readlink(path, target, sizeof(target) - 1)) > 0) {
			target[n] = '\0';
			fprintf(stderr, "  %s -> %s\n", e->d_name, target);
		}
	}
	closedir(dir);
}

/* Nothing is left in /tmp. */
static void
fz_cleanup(void)
{
	(void)unlink(fz_conf.cd_producer_path);
	(void)rmdir(fz_dir);
}

static void
fz_init(void)
{
	struct spd_err err;
	size_t i;

	spiced_base = event_base_new();
	snprintf(fz_dir, sizeof(fz_dir), "/tmp/fuzz-producer.XXXXXX");
	FUZZ_CHECK(spiced_base != NULL && mkdtemp(fz_dir) != NULL);
	atexit(fz_cleanup);
	snprintf(fz_conf.cd_name, sizeof(fz_conf.cd_name), "fz");
	snprintf(fz_conf.cd_producer_path, sizeof(fz_conf.cd_producer_path),
	    "%s/fz.qxl", fz_dir);
	fz_conf.cd_producer_memory_mib = 64;
	fz_worker = calloc(1, 4096);	/* a wproc only the stubs see */
	fz_display.d_conf = &fz_conf;
	fz_display.d_name = fz_conf.cd_name;
	fz_display.d_worker = fz_worker;
	fz_display.d_cursor = fz_worker;
	fz_display.d_input_fd = -1;
	fz_display.d_agent_fd = -1;
	for (i = 0; i < AUDIO_WAYS; i++)
		fz_display.d_audio[i].da_fd = -1;
	FUZZ_CHECK(producer_listen(&fz_display, &err) == 0);
}

/* The fds a producer sends with a message of type (a memslot's memfd as
 * long as its payload claims, sparse, up to 8 GiB); how many. */
static int
fz_make_fds(uint32_t type, int unsealed, const uint8_t *payload, size_t len,
    int *fds)
{
	uint64_t size = 1 << 20;
	int sv[2], n = 0, i;

	switch (type) {
	case QXLSHM_MSG_MEMSLOT_ADD:
		if (len >= sizeof(struct qxlshm_memslot_add)) {
			memcpy(&size, payload + 8, sizeof(size));
			if (size > (8ull << 30))
				size = 8ull << 30;
		}
		fds[0] = memfd_create("fz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fds[0] < 0 || ftruncate(fds[0], (off_t)size) != 0) {
			if (fds[0] >= 0)
				close(fds[0]);
			return 0;
		}
		if (!unsealed)
			(void)fcntl(fds[0], F_ADD_SEALS, F_SEAL_SHRINK |
			    F_SEAL_GROW | F_SEAL_SEAL);
		return 1;
	case QXLSHM_MSG_ATTACH:
		for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
			fds[n++] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		return n;
	case QXLSHM_MSG_INPUT:
	case QXLSHM_MSG_AGENT:
	case QXLSHM_MSG_PORT:
	case QXLSHM_MSG_AUDIO:
	case QXLSHM_MSG_RECORD:
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sv) != 0)
			return 0;
		close(sv[1]);
		fds[0] = sv[0];
		return 1;
	default:
		return 0;
	}
}

static void
fz_send(int s, uint32_t type, const uint8_t *payload, size_t len, int flags)
{
	union {
		struct cmsghdr	c;
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct qxlshm_hdr h = { type, (uint32_t)len };
	struct iovec iov[2];
	struct msghdr mh;
	int fds[4], nfds = 0, i;

	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (flags & 1)
		nfds = fz_make_fds(type, flags & 2, payload, len, fds);
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

static void
fz_spin(int rounds)
{
	while (rounds-- > 0)
		event_base_loop(spiced_base, EVLOOP_NONBLOCK);
}

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int baseline = -1;
	struct sockaddr_un sun;
	char drain[4096];
	size_t off = 0, len;
	int s, n, tries;

	if (spiced_base == NULL)
		fz_init();
	if (baseline < 0)
		baseline = fuzz_fds_open();
	if ((s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
	    fz_conf.cd_producer_path);
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(s);
		return 0;
	}
	fz_spin(2);
	for (n = 0; off + 4 <= size && n < 64; n++) {
		len = (size_t)data[off + 2] | (size_t)data[off + 3] << 8;
		if (len > size - off - 4)
			len = size - off - 4;
		fz_send(s, data[off], data + off + 4, len, data[off + 1]);
		off += 4 + len;
		fz_spin(2);
		while (recv(s, drain, sizeof(drain), MSG_DONTWAIT) > 0)
			;
	}
	close(s);
	/* spiced notices the hang-up and lets the producer go (a refused
	 * one after its drain timer: up to 2 s). */
	for (tries = 0; tries < 2000 && fuzz_fds_open() != baseline; tries++) {
		fz_spin(1);
		if (fuzz_fds_open() != baseline)
			usleep(1000);
	}
	if (fuzz_fds_open() != baseline)
		fz_show_fds(baseline);
	FUZZ_CHECK(fuzz_fds_open() == baseline);
	return 0;
}
