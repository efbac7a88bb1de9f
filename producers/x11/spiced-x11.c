/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spiced-x11: an X server's screen as a spiced display.  It attaches to
 * an X display (any X server with MIT-SHM 1.2, DAMAGE, XFIXES, RANDR,
 * XTEST and XKB: Xorg, Xvfb), feeds one spiced display over qxl-shm with
 * the picture, and plays the clients' keyboard and mouse into it.  It runs
 * as the session's user, never as root.  When the X server goes away it
 * exits non-zero; when spiced does, too, unless --reconnect gives it time
 * to attach again to the next spiced (a restart), which its viewers,
 * asked to link again, then see.  See spiced-x11(1).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "x11.h"
#include "x11-agent.h"
#include "x11-clipboard.h"
#include "x11-cursor.h"
#include "x11-fifo.h"
#include "x11-input.h"
#include "x11-mic.h"
#include "x11-screen.h"
#include "x11-sound.h"
#include "x11-xfer.h"

static volatile sig_atomic_t x11_stop;

void
x11_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vplain("spiced-x11", fmt, ap);
	va_end(ap);
}
int
x11_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
x11_ext_event_base(struct x11 *x, xcb_extension_t *ext, const char *name,
    char *err, size_t errlen)
{
	const xcb_query_extension_reply_t *r;

	r = xcb_get_extension_data(x->x_c, ext);
	if (r == NULL || !r->present)
		return x11_errf(err, errlen, "X display %s has no %s "
		    "extension", x->x_display, name);
	return r->first_event;
}

static void
x11_on_signal(int sig)
{
	(void)sig;
	x11_stop = 1;
}

static void
x11_usage(void)
{
	fprintf(stderr, "usage: spiced-x11 --socket PRODUCER_SOCKET "
	    "[--display DISPLAY] [--name NAME] [--reconnect SECONDS] "
	    "[--file-dir DIR | --no-file-transfer] [--audio-fifo PATH "
	    "[--audio-format RATE:CHANNELS]] [--mic-fifo PATH "
	    "[--mic-format RATE:CHANNELS]] [--verbose]\n");
	exit(2);
}

/* Events for the modules; X errors of requests nobody waits for are only
 * logged (they concern a rectangle or a key, not the session). */
/* The modules of one spiced-x11. */
struct x11_parts {
	struct xs	*p_screen;
	struct xi	*p_input;
	struct xc	*p_cursor;
	struct xa	*p_agent;	/* NULL: spiced gave no agent port */
	struct xcl	*p_clip;
};

static void
x11_dispatch(struct x11 *x, struct x11_parts *p, xcb_generic_event_t *ev)
{
	const xcb_generic_error_t *e;

	if (ev->response_type == 0) {
		e = (const xcb_generic_error_t *)ev;
		if (x->x_verbose)
			x11_log("X error %u (request %u.%u)", e->error_code,
			    e->major_code, e->minor_code);
		return;
	}
	if (xs_event(p->p_screen, ev) || xc_event(p->p_cursor, ev) ||
	    (p->p_clip != NULL && xcl_event(p->p_clip, ev)))
		return;
	(void)xi_event(p->p_input, ev);
}

/* x11_run()'s and x11_attach()'s answers besides 0 (a signal) and -1 (the
 * X server went away, or another failure): spiced went away, or could not
 * be reached. */
#define X11_SPICED_GONE		-2
#define X11_SPICED_ABSENT	-3
/* Between attempts to reach spiced again (--reconnect). */
#define X11_RETRY_MS		250

/* The sooner of two timeouts in ms (-1: none). */
static int
x11_sooner(int a, int b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

/* Until a signal, the X server's end or spiced's: 0 on a signal. */
static int
x11_run(struct x11 *x, struct x11_parts *p)
{
	xcb_generic_event_t *ev;
	struct pollfd pfd[8];
	int due, cdue, n, i, agent, snd, mic, micw, played;

	for (;;) {
		while ((ev = xcb_poll_for_event(x->x_c)) != NULL) {
			x11_dispatch(x, p, ev);
			free(ev);
		}
		if (xcb_connection_has_error(x->x_c)) {
			x11_log("X display %s closed the connection",
			    x->x_display);
			return -1;
		}
		if (x11_stop)
			return 0;
		if (qxlshm_redraw_requested(x->x_q))
			xs_redraw(p->p_screen);
		if ((due = xs_due_ms(p->p_screen)) == 0) {
			if (xs_update(p->p_screen) == -1)
				return -1;
			continue;
		}
		if ((cdue = xc_due_ms(p->p_cursor)) == 0) {
			xc_update(p->p_cursor, 0);
			continue;
		}
		due = x11_sooner(due, cdue);
		if (p->p_clip != NULL &&
		    (cdue = xcl_due_ms(p->p_clip)) == 0) {
			xcl_expire(p->p_clip);
			continue;
		}
		due = x11_sooner(due, cdue);
		if (x->x_snd != NULL &&
		    (cdue = xsnd_due_ms(x->x_snd)) == 0) {
			xsnd_tick(x->x_snd);
			continue;
		}
		due = x11_sooner(due, cdue);
		if (x->x_mic != NULL &&
		    (cdue = xmic_due_ms(x->x_mic)) == 0) {
			xmic_check(x->x_mic);
			continue;
		}
		due = x11_sooner(due, cdue);
		xcb_flush(x->x_c);
		n = 0;
		pfd[n++].fd = xcb_get_file_descriptor(x->x_c);
		pfd[n++].fd = qxlshm_control_fd(x->x_q);
		pfd[n++].fd = qxlshm_irq_fd(x->x_q);
		if (qxlshm_input_fd(x->x_q) != -1)
			pfd[n++].fd = qxlshm_input_fd(x->x_q);
		for (i = 0; i < n; i++)
			pfd[i].events = POLLIN;
		agent = -1;
		if (p->p_agent != NULL) {
			agent = n;
			pfd[n].fd = xa_fd(p->p_agent);
			pfd[n++].events = POLLIN |
			    (xa_want_write(p->p_agent) ? POLLOUT : 0);
		}
		snd = -1;
		if (x->x_snd != NULL) {
			snd = n;
			pfd[n].fd = xsnd_fd(x->x_snd);
			pfd[n++].events = POLLIN;
		}
		mic = micw = -1;
		if (x->x_mic != NULL && xmic_port_fd(x->x_mic) >= 0) {
			mic = n;
			pfd[n].fd = xmic_port_fd(x->x_mic);
			pfd[n++].events = POLLIN;
		}
		if (x->x_mic != NULL && xmic_fifo_fd(x->x_mic) >= 0) {
			micw = n;
			pfd[n].fd = xmic_fifo_fd(x->x_mic);
			pfd[n++].events = 0;	/* POLLERR: the reader left */
		}
		if (poll(pfd, (nfds_t)n, due) == -1 &&
		    errno != EINTR) {
			x11_log("poll: %s", strerror(errno));
			return -1;
		}
		if (agent >= 0 && pfd[agent].revents != 0) {
			/* The agent port is spiced's: it closes first when
			 * spiced stops, before the control socket says so. */
			if (xa_handle(p->p_agent) == -1)
				return X11_SPICED_GONE;
			xcb_flush(x->x_c);
			pfd[agent].revents = 0;
		}
		if (snd >= 0 && pfd[snd].revents != 0) {
			xsnd_read(x->x_snd);
			pfd[snd].revents = 0;
		}
		if (mic >= 0 && pfd[mic].revents != 0) {
			xmic_handle(x->x_mic);
			pfd[mic].revents = 0;
		}
		if (micw >= 0 && pfd[micw].revents != 0) {
			xmic_fifo_error(x->x_mic);
			pfd[micw].revents = 0;
		}
		for (i = 1; i < n; i++)
			if (pfd[i].revents != 0)
				break;
		if (i < n) {
			if (qxlshm_wait(x->x_q, 0) == -1) {
				x11_log("spiced: %s", qxlshm_error(x->x_q));
				return X11_SPICED_GONE;
			}
			xcb_flush(x->x_c);	/* the input just played */
			played = xi_played(p->p_input);
			if (played & XI_PLAYED_PRESS)
				xs_input(p->p_screen);
			if (played & XI_PLAYED_POINTER)
				xc_update(p->p_cursor, 1);	/* where it
							   put the pointer */
		}
	}
}

/*
 * One attachment to spiced: the modules made anew on the X connection x
 * holds, HELLO, and the loop until it ends; everything but the X
 * connection is undone on the way out.  0 on a signal, X11_SPICED_GONE
 * when spiced went away, X11_SPICED_ABSENT when it cannot be reached,
 * -1 otherwise.
 */
static int
x11_attach(struct x11 *x, const char *sock, const char *name)
{
	char err[QXLSHM_ERRLEN];
	int snd_port = -1, mic_port = -1;
	struct x11_parts p;
	int rv = -1;

	memset(&p, 0, sizeof(p));
	/* Everything the X server must offer is checked before spiced
	 * hears from us. */
	if ((p.p_screen = xs_new(x, err, sizeof(err))) == NULL ||
	    (p.p_input = xi_new(x, err, sizeof(err))) == NULL ||
	    (p.p_cursor = xc_new(x, err, sizeof(err))) == NULL) {
		x11_log("%s", err);
		goto out;
	}
	if ((x->x_q = qxlshm_connect_features(sock, name, QXLSHM_F_REDRAW |
	    QXLSHM_F_INPUT | QXLSHM_F_AGENT | QXLSHM_F_HEADS |
	    (x->x_snd != NULL ? QXLSHM_F_AUDIO : 0) |
	    (x->x_mic != NULL ? QXLSHM_F_RECORD : 0), err,
	    sizeof(err))) == NULL) {
		x11_log("%s", err);
		rv = X11_SPICED_ABSENT;
		goto out;
	}
	if (xs_start(p.p_screen, err, sizeof(err)) == -1) {
		x11_log("%s", err);
		goto out;
	}
	if ((qxlshm_features(x->x_q) & QXLSHM_F_INPUT) &&
	    xi_start(p.p_input, err, sizeof(err)) == -1) {
		x11_log("%s", err);
		goto out;
	}
	(void)xc_start(p.p_cursor, err, sizeof(err));
	/* The agent: clipboard and monitor configuration. */
	if ((qxlshm_features(x->x_q) & QXLSHM_F_AGENT) &&
	    ((p.p_agent = xa_new(x, err, sizeof(err))) == NULL ||
	    (p.p_clip = xcl_new(x, p.p_agent, err, sizeof(err))) == NULL)) {
		x11_log("%s", err);
		goto out;
	}
	/* The sound: spiced's audio port for this attachment. */
	if (x->x_snd != NULL) {
		if (!(qxlshm_features(x->x_q) & QXLSHM_F_AUDIO))
			x11_log("sound: spiced takes none from this producer; "
			    "the FIFO is read and dropped");
		else if ((snd_port = qxlshm_audio_open(x->x_q)) == -1)
			x11_log("sound: %s", qxlshm_error(x->x_q));
		xsnd_set_port(x->x_snd, snd_port);
	}
	if (x->x_mic != NULL) {
		if (!(qxlshm_features(x->x_q) & QXLSHM_F_RECORD))
			x11_log("microphone: spiced gives none to this "
			    "producer");
		else if ((mic_port = qxlshm_record_open(x->x_q)) == -1)
			x11_log("microphone: %s", qxlshm_error(x->x_q));
		xmic_set_port(x->x_mic, mic_port);
	}
	x11_log("X display %s (%ux%u) attached to %s", x->x_display,
	    x->x_width, x->x_height, sock);
	if ((rv = x11_run(x, &p)) == 0)
		x11_log("stopping on signal");
out:
	if (x->x_snd != NULL)
		xsnd_set_port(x->x_snd, -1);
	if (x->x_mic != NULL)
		xmic_set_port(x->x_mic, -1);
	qxlshm_close(x->x_q);	/* sends DETACH */
	x->x_q = NULL;
	xcl_free(p.p_clip);
	xa_free(p.p_agent);
	xc_free(p.p_cursor);
	xi_free(p.p_input);
	xs_free(p.p_screen);
	return rv;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "display", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "reconnect", required_argument, NULL, 'r' },
		{ "file-dir", required_argument, NULL, 'f' },
		{ "no-file-transfer", no_argument, NULL, 'F' },
		{ "audio-fifo", required_argument, NULL, 'a' },
		{ "audio-format", required_argument, NULL, 'A' },
		{ "mic-fifo", required_argument, NULL, 'm' },
		{ "mic-format", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL, *name = "spiced-x11", *file_dir = NULL,
	    *fifo = NULL, *mic_fifo = NULL;
	uint32_t rate = 48000, channels = 2, mic_rate = 48000,
	    mic_channels = 2;
	struct spd_err err;
	struct sigaction sa;
	struct x11 x;
	int64_t deadline;
	char *end;
	long reconnect = 0;
	int c, screen, rv = 1, no_files = 0;

	memset(&x, 0, sizeof(x));
	x.x_display = getenv("DISPLAY");
	while ((c = getopt_long(argc, argv, "s:d:n:r:f:Fa:A:m:M:vh", longopts,
	    NULL)) !=
	    -1) {
		switch (c) {
		case 'r':
			errno = 0;
			reconnect = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || reconnect < 0 ||
			    reconnect > 86400) {
				x11_log("--reconnect: %s is not a number of "
				    "seconds from 0 to 86400", optarg);
				return 2;
			}
			break;
		case 's':
			sock = optarg;
			break;
		case 'd':
			x.x_display = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'v':
			x.x_verbose = 1;
			break;
		case 'f':
			file_dir = optarg;
			break;
		case 'F':
			no_files = 1;
			break;
		case 'a':
			fifo = optarg;
			break;
		case 'A':
			if (xfifo_parse_format(optarg, &rate, &channels,
			    &err) != 0) {
				x11_log("--audio-format: %s", err.msg);
				return 2;
			}
			break;
		case 'm':
			mic_fifo = optarg;
			break;
		case 'M':
			if (xfifo_parse_format(optarg, &mic_rate,
			    &mic_channels, &err) != 0) {
				x11_log("--mic-format: %s", err.msg);
				return 2;
			}
			break;
		default:
			x11_usage();
		}
	}
	if (sock == NULL || optind != argc)
		x11_usage();
	if (x.x_display == NULL || *x.x_display == '\0') {
		x11_log("no X display: give --display or set DISPLAY");
		return 2;
	}
	/* It holds the session's screen and keyboard: the session's user
	 * runs it, and root has no business doing so. */
	if (geteuid() == 0 || getuid() == 0) {
		x11_log("refusing to run as root: run spiced-x11 as the X "
		    "session's user");
		return 2;
	}

	/* Files the client sends: a directory given must open; the
	 * default may be missing (file transfer off, said once). */
	x.x_xfer_dirfd = -1;
	if (!no_files && (x.x_xfer_dirfd = xf_dir_open(file_dir,
	    &x.x_xfer_dir, &err)) < 0) {
		x11_log("file transfer: %s; %s", err.msg, file_dir != NULL ?
		    "stopping" : "file transfer disabled");
		if (file_dir != NULL)
			return 2;
	} else if (!no_files)
		x11_log("file transfer: files from viewers are saved in %s",
		    x.x_xfer_dir);
	if (fifo != NULL) {
		if ((x.x_snd = xsnd_new(fifo, rate, channels, &err)) ==
		    NULL) {
			x11_log("sound: %s; stopping", err.msg);
			rv = 2;
			goto out;
		}
		x11_log("sound: the session's sound from %s (S16LE, %u Hz, "
		    "%u channel%s)", fifo, rate, channels,
		    channels == 1 ? "" : "s");
	}
	if (mic_fifo != NULL) {
		if ((x.x_mic = xmic_new(mic_fifo, mic_rate, mic_channels,
		    &err)) == NULL) {
			x11_log("microphone: %s; stopping", err.msg);
			rv = 2;
			goto out;
		}
		x11_log("microphone: the viewer's microphone into %s (S16LE, "
		    "%u Hz, %u channel%s)", mic_fifo, mic_rate, mic_channels,
		    mic_channels == 1 ? "" : "s");
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = x11_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	x.x_c = xcb_connect(x.x_display, &screen);
	if (xcb_connection_has_error(x.x_c)) {
		x11_log("cannot open X display %s", x.x_display);
		goto out;
	}
	{
		xcb_screen_iterator_t it =
		    xcb_setup_roots_iterator(xcb_get_setup(x.x_c));

		for (; it.rem && screen > 0; screen--)
			xcb_screen_next(&it);
		x.x_screen = it.data;
	}
	x.x_root = x.x_screen->root;
	x.x_width = x.x_screen->width_in_pixels;
	x.x_height = x.x_screen->height_in_pixels;
	do {
		rv = x11_attach(&x, sock, name);
		/* spiced went away (a restart): it comes back on the same
		 * socket; try again until the time given runs out. */
		for (deadline = x11_now_ms() + (int64_t)reconnect * 1000;
		    reconnect > 0 && !x11_stop && (rv == X11_SPICED_GONE ||
		    rv == X11_SPICED_ABSENT) && x11_now_ms() < deadline; ) {
			usleep(X11_RETRY_MS * 1000);
			if ((rv = x11_attach(&x, sock, name)) !=
			    X11_SPICED_ABSENT)
				break;
		}
	} while (reconnect > 0 && !x11_stop && rv == X11_SPICED_GONE);
	rv = rv == 0 ? 0 : 1;
out:
	if (x.x_c != NULL)
		xcb_disconnect(x.x_c);
	if (x.x_xfer_dirfd >= 0)
		close(x.x_xfer_dirfd);
	xsnd_free(x.x_snd);
	xmic_free(x.x_mic);
	return rv;
}
