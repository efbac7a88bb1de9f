/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spiced-qemu: an unmodified QEMU's D-Bus display as a spiced producer.
 *
 *   spiced-qemu --socket PRODUCER_SOCKET
 *               (--qmp QMP_SOCKET | --fd N | --dbus ADDRESS)
 *               [--console N]... [--name NAME] [--max-size WxH] [-v]
 *
 * With --qmp, QEMU (started with -display dbus,p2p=yes and a QMP socket)
 * is handed one end of a socket pair as a D-Bus display client; with --fd,
 * N is such a connection already (libvirt's virDomainOpenGraphicsFD).
 * QEMU serves that connection.  With --dbus, QEMU (-display
 * dbus,addr=ADDRESS) is on the D-Bus bus at ADDRESS as org.qemu: the
 * mode QEMU 7.2's audio needs (its peer-to-peer audio registration
 * crashes it, so the bridge asks for sound only on a bus).  Then the consoles'
 * pictures (a monitor each, qemu-console.h), cursor and input flow
 * between it and spiced (see qemu-listener.h, qemu-screen.h,
 * qemu-cursor.h, qemu-input.h).  Exits 0 on SIGINT/SIGTERM, 1 when QEMU or
 * spiced goes away (for systemd to restart it), 2 on bad usage.
 */
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "qemu-agent.h"
#include "qemu-audio.h"
#include "qemu-mic.h"
#include "qemu-chardev.h"
#include "qemu-console.h"
#include "qemu-cursor.h"
#include "qemu-input.h"
#include "qemu-listener.h"
#include "qemu-ports.h"
#include "qemu-qmp.h"
#include "qemu-screen.h"

#define QEMU_CMD_SIZE		(4ull << 20)
#define QEMU_DATA_EXTRA		(1ull << 20)

void
qemu_quit(struct qemu *q, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (status != 0)
		log_err("%s", msg);
	else
		log_info("%s", msg);
	q->q_status = status;
	sd_event_exit(q->q_event, status);
}

#define QEMU_BUS_BATCH		256	/* sd_bus_process calls per round */

/* After every event: let each bus finish what it has buffered. */
static int
qemu_bus_post(sd_event_source *es, void *arg)
{
	sd_bus *bus = arg;
	int i;

	(void)es;
	for (i = 0; i < QEMU_BUS_BATCH; i++)
		if (sd_bus_process(bus, NULL) <= 0)
			break;
	return 0;
}

int
qemu_bus_attach(struct qemu *q, sd_bus *bus)
{
	int r;

	if ((r = sd_bus_attach_event(bus, q->q_event, 0)) < 0)
		return r;
	return sd_event_add_post(q->q_event, NULL, qemu_bus_post, bus);
}

uint64_t
qemu_now_us(struct qemu *q)
{
	uint64_t now = 0;

	(void)sd_event_now(q->q_event, CLOCK_MONOTONIC, &now);
	return now;
}

static void
qemu_usage(void)
{
	fprintf(stderr, "usage: spiced-qemu --socket PRODUCER_SOCKET "
	    "(--qmp QMP_SOCKET | --fd N | --dbus ADDRESS)\n"
	    "                   [--console N]... [--name NAME] "
	    "[--max-size WxH] [-v]\n");
	exit(2);
}

/* spiced's control socket and interrupts: releases, REDRAW, its end. */
static int
qemu_shm_cb(sd_event_source *es, int fd, uint32_t revents, void *arg)
{
	struct qemu *q = arg;

	(void)es;
	(void)revents;
	if ((fd == qxlshm_irq_fd(q->q_shm) ? qxlshm_handle_irq(q->q_shm) :
	    qxlshm_handle_control(q->q_shm)) == -1) {
		qemu_quit(q, 1, "spiced: %s", qxlshm_error(q->q_shm));
		return 0;
	}
	if (qxlshm_redraw_requested(q->q_shm)) {
		qscreen_redraw(q->q_screen);
		qcursor_redraw(q->q_cursor);
	}
	return 0;
}

static int
qemu_bus_gone(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	(void)m;
	(void)ret;
	qemu_quit(arg, 1, "QEMU closed the display connection");
	return 0;
}

static int
qemu_signal(sd_event_source *es, const struct signalfd_siginfo *si,
    void *arg)
{
	(void)es;
	qemu_quit(arg, 0, "stopping on signal %u", si->ssi_signo);
	return 0;
}

/* QEMU takes its bus name while it starts: wait for it a while. */
#define QEMU_BUS_WAIT_MS	10000
static int
qemu_bus_wait_name(struct qemu *q, struct spd_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int i, r = 0;

	for (i = 0; i < QEMU_BUS_WAIT_MS / 100; i++) {
		if ((r = sd_bus_call_method(q->q_bus, "org.freedesktop.DBus",
		    "/org/freedesktop/DBus", "org.freedesktop.DBus",
		    "GetNameOwner", &e, NULL, "s", QEMU_BUS_NAME)) >= 0)
			return 0;
		sd_bus_error_free(&e);
		usleep(100 * 1000);
	}
	return spd_err_set(err, "no %s on the D-Bus bus after %d s: %s",
	    QEMU_BUS_NAME, QEMU_BUS_WAIT_MS / 1000, strerror(-r));
}

/* The D-Bus display connection: on fd (taken, QEMU serving it), or to
 * the bus at address (fd -1). */
static int
qemu_bus_open(struct qemu *q, int fd, const char *address,
    struct spd_err *err)
{
	int r;

	if ((r = sd_bus_new(&q->q_bus)) < 0 || (fd >= 0 ?
	    (r = sd_bus_set_fd(q->q_bus, fd, fd)) < 0 :
	    (r = sd_bus_set_address(q->q_bus, address)) < 0 ||
	    (r = sd_bus_set_bus_client(q->q_bus, 1)) < 0)) {
		if (fd >= 0)
			close(fd);
		return spd_err_set(err, "D-Bus connection: %s", strerror(-r));
	}
	q->q_dest = fd >= 0 ? NULL : QEMU_BUS_NAME;
	if ((r = sd_bus_negotiate_fds(q->q_bus, 1)) < 0 ||
	    (r = sd_bus_match_signal(q->q_bus, NULL, NULL, NULL,
	    "org.freedesktop.DBus.Local", "Disconnected", qemu_bus_gone,
	    q)) < 0 ||
	    (r = sd_bus_start(q->q_bus)) < 0 ||
	    (r = qemu_bus_attach(q, q->q_bus)) < 0)
		return spd_err_set(err, "D-Bus connection%s%s: %s", fd >= 0 ?
		    "" : " to ", fd >= 0 ? "" : address, strerror(-r));
	return fd >= 0 ? 0 : qemu_bus_wait_name(q, err);
}

/* spiced: the producer connection, its slots and the rings. */
static int
qemu_shm_open(struct qemu *q, const char *sock, const char *name,
    struct spd_err *err)
{
	char msg[QXLSHM_ERRLEN];
	uint64_t data, w;

	if ((q->q_shm = qxlshm_connect_features(sock, name, QXLSHM_F_REDRAW |
	    QXLSHM_F_INPUT | QXLSHM_F_AGENT | QXLSHM_F_PORTS | QXLSHM_F_AUDIO |
	    QXLSHM_F_RECORD | QXLSHM_F_HEADS | QXLSHM_F_SMARTCARD,
	    msg, sizeof(msg))) == NULL)
		return spd_err_set(err, "%s", msg);
	/* Sparse memory: only what the consoles' sizes touch is used;
	 * room for two primaries, the old one and the next, while a size
	 * changes.  Consoles lie side by side. */
	w = (uint64_t)q->q_max_w * q->q_ncons;
	if (w > QXLSHM_MAX_WIDTH)
		w = QXLSHM_MAX_WIDTH;
	data = 2 * w * q->q_max_h * 4 + QEMU_DATA_EXTRA;
	if (qxlshm_slot_create(q->q_shm, QEMU_CMD_SLOT, QEMU_CMD_SIZE) == -1 ||
	    qxlshm_slot_create(q->q_shm, QEMU_DATA_SLOT, data) == -1 ||
	    qxlshm_attach(q->q_shm, QEMU_CMD_SLOT) == -1)
		return spd_err_set(err, "spiced: %s", qxlshm_error(q->q_shm));
	if (sd_event_add_io(q->q_event, NULL, qxlshm_control_fd(q->q_shm),
	    EPOLLIN, qemu_shm_cb, q) < 0 ||
	    sd_event_add_io(q->q_event, NULL, qxlshm_irq_fd(q->q_shm),
	    EPOLLIN, qemu_shm_cb, q) < 0)
		return spd_err_set(err, "sd_event_add_io failed");
	return 0;
}

/* QEMU's chardevs: the guest agent's, and the others as ports. */
static int
qemu_chardevs(struct qemu *q, struct spd_err *err)
{
	struct qchardev cd[QCHARDEV_MAX];
	int i, n;

	if ((n = qchardev_list(q, cd, QCHARDEV_MAX, err)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(cd[i].cd_name, QAGENT_NAME) == 0) {
			if (q->q_agent == NULL &&
			    (q->q_agent = qagent_new(q, &cd[i], err)) == NULL)
				return -1;
		} else if (qports_add(q, &cd[i], err) == -1)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "qmp", required_argument, NULL, 'q' },
		{ "fd", required_argument, NULL, 'f' },
		{ "dbus", required_argument, NULL, 'b' },
		{ "console", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL, *qmp = NULL, *name = "spiced-qemu";
	const char *address = NULL;
	struct spd_err err;
	struct qemu q;
	sigset_t ss;
	uint32_t want[QEMU_MAX_CONSOLES];
	unsigned nwant = 0, i;
	char *end;
	long v;
	int c, fd = -1, sv[2], verbose = 0;

	memset(&q, 0, sizeof(q));
	q.q_max_w = 3840;
	q.q_max_h = 2160;
	while ((c = getopt_long(argc, argv, "s:q:f:b:c:n:m:vh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'q':
			qmp = optarg;
			break;
		case 'b':
			address = optarg;
			break;
		case 'f':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 0 || v > 65535)
				qemu_usage();
			fd = (int)v;
			break;
		case 'c':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 0 ||
			    v > 65535 || nwant == QEMU_MAX_CONSOLES)
				qemu_usage();
			want[nwant++] = (uint32_t)v;
			break;
		case 'n':
			name = optarg;
			break;
		case 'm':
			if (qxlshm_parse_size(optarg, &q.q_max_w,
			    &q.q_max_h) == -1)
				qemu_usage();
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			qemu_usage();
		}
	}
	if (sock == NULL || optind != argc ||
	    (qmp != NULL) + (fd >= 0) + (address != NULL) != 1)
		qemu_usage();
	log_init("spiced-qemu", verbose);
	/* A VM's console is not root's business: the bridge holds no
	 * privilege and needs none. */
	if (geteuid() == 0 || getuid() == 0) {
		log_err("refusing to run as root: run spiced-qemu as the VM's "
		    "user");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if (sd_event_new(&q.q_event) < 0 ||
	    sd_event_add_signal(q.q_event, NULL, SIGINT, qemu_signal,
	    &q) < 0 ||
	    sd_event_add_signal(q.q_event, NULL, SIGTERM, qemu_signal,
	    &q) < 0) {
		log_err("sd-event setup failed");
		return 1;
	}
	q.q_status = 1;
	if (qmp != NULL) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ==
		    -1) {
			log_err("socketpair: %s", strerror(errno));
			goto out;
		}
		if (qqmp_add_display_client(qmp, sv[1], &err) == -1) {
			close(sv[0]);
			close(sv[1]);
			log_err("%s", err.msg);
			goto out;
		}
		close(sv[1]);
		fd = sv[0];
	}
	if (qemu_bus_open(&q, fd, address, &err) == -1 ||
	    qconsole_pick(&q, want, nwant, &err) == -1 ||
	    qemu_shm_open(&q, sock, name, &err) == -1 ||
	    (q.q_screen = qscreen_new(&q, &err)) == NULL ||
	    (q.q_cursor = qcursor_new(&q, &err)) == NULL ||
	    (q.q_input = qinput_new(&q, &err)) == NULL) {
		log_err("%s", err.msg);
		goto out;
	}
	/* Before the listener: from RegisterListener until its handshake
	 * is done QEMU's main loop waits for us, so no call may wait for
	 * QEMU in between. */
	if (qemu_chardevs(&q, &err) == -1) {
		log_err("%s", err.msg);
		goto out;
	}
	for (i = 0; i < q.q_ncons; i++)
		if ((q.q_cons[i].qc_listen = qlisten_new(&q, i, &err)) ==
		    NULL) {
			log_err("%s", err.msg);
			goto out;
		}
	if ((q.q_audio = qaudio_new(&q, &err)) == NULL ||
	    (q.q_mic = qmic_new(&q, &err)) == NULL) {
		log_err("%s", err.msg);
		goto out;
	}
	if (q.q_ncons == 1)
		log_info("QEMU's %s attached to %s", q.q_cons[0].qc_path, sock);
	else
		log_info("QEMU's %u consoles attached to %s as %u monitors",
		    q.q_ncons, sock, q.q_ncons);
	q.q_status = 0;
	(void)sd_event_loop(q.q_event);
out:
	qmic_free(q.q_mic);
	qaudio_free(q.q_audio);
	qports_free(&q);
	qagent_free(q.q_agent);
	for (i = 0; i < q.q_ncons; i++)
		qlisten_free(q.q_cons[i].qc_listen);
	qinput_free(q.q_input);
	qcursor_free(q.q_cursor);
	qscreen_free(q.q_screen);
	qxlshm_close(q.q_shm);	/* sends DETACH */
	if (q.q_bus != NULL)
		sd_bus_flush_close_unref(q.q_bus);
	sd_event_unref(q.q_event);
	return q.q_status;
}
