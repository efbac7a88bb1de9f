/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ref-server: the reference side of the end-to-end benchmark.  A minimal
 * host for libspice-server (Debian's libspice-server 0.15): one QXL
 * display on a plain port on 127.0.0.1, the same frames as bench-producer
 * posted by a feeder thread as QXL_DRAW_COPY bitmaps (full screen, or
 * with --damage what changed since the frame before), and a
 * poll()-based SpiceCoreInterface on the main thread.
 *
 *	ref-server --port N --password PW --frames DIR [--fps N] [--damage]
 *	    [--compression lz4|off|lz|quic|glz|auto_lz|auto_glz]
 *	    [--jpeg never|auto|always] [--streaming off|all|filter] [--marker]
 *
 * --marker: as bench-producer's (the markers of bench-frames.h and the
 * "times" line of when each frame was handed to libspice-server).
 *
 * Like bench-producer: the primary starts as the first frame, the feeder
 * waits for SIGUSR1, plays every frame once, prints "played N" and the
 * process runs until SIGTERM.  The feeder thread is named "bench-feeder"
 * so that bench-e2e.py can tell its CPU time from the server's.
 *
 * Server settings: image compression as --compression says (LZ4 by
 * default, as spiced sends; bench-e2e.py also runs libspice-server's own
 * default, auto_glz, and auto_glz with JPEG always), no zlib-GLZ, no
 * video streaming unless --streaming asks for it.  Memory: one memslot (group 0, slot 0, generation 0)
 * over an anonymous mapping of this process, so a QXLPHYSICAL is simply
 * the host address; RS_INFLIGHT frame buffers bound the frames
 * libspice-server holds.
 */

#include <sys/mman.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice.h>

#include "bench-frames.h"

/* Frame buffers.  libspice-server keeps a drawable until something
 * covers it, so a damage workload whose rectangles do not cover each
 * other holds many at once: with a handful the feeder stalled.  Each
 * buffer is a full frame of lazily mapped memory, and the lowest free
 * one is reused first, so only what the server holds costs pages. */
#define RS_INFLIGHT	128
#define RS_MAX_WATCHES	64
#define RS_MAX_TIMERS	64

/* --- a poll()-based SpiceCoreInterface ----------------------------------- */

/* The opaque types the API declares; their layout is ours. */
struct SpiceWatch {
	int		 w_fd;
	int		 w_mask;
	SpiceWatchFunc	 w_func;
	void		*w_opaque;
	int		 w_used;
};

struct SpiceTimer {
	SpiceTimerFunc	 t_func;
	void		*t_opaque;
	int64_t		 t_due;		/* ns; -1 when not armed */
	int		 t_used;
};

static struct SpiceWatch rs_watches[RS_MAX_WATCHES];
static struct SpiceTimer rs_timers[RS_MAX_TIMERS];

static SpiceTimer *
rs_timer_add(SpiceTimerFunc func, void *opaque)
{
	int i;

	for (i = 0; i < RS_MAX_TIMERS; i++)
		if (!rs_timers[i].t_used) {
			rs_timers[i].t_used = 1;
			rs_timers[i].t_func = func;
			rs_timers[i].t_opaque = opaque;
			rs_timers[i].t_due = -1;
			return &rs_timers[i];
		}
	fprintf(stderr, "ref-server: out of timers\n");
	abort();
}

static void
rs_timer_start(SpiceTimer *t, uint32_t ms)
{
	t->t_due = bench_now_ns() + (int64_t)ms * 1000000;
}

static void
rs_timer_cancel(SpiceTimer *t)
{
	t->t_due = -1;
}

static void
rs_timer_remove(SpiceTimer *t)
{
	t->t_used = 0;
	t->t_due = -1;
}

static SpiceWatch *
rs_watch_add(int fd, int mask, SpiceWatchFunc func, void *opaque)
{
	int i;

	for (i = 0; i < RS_MAX_WATCHES; i++)
		if (!rs_watches[i].w_used) {
			rs_watches[i].w_used = 1;
			rs_watches[i].w_fd = fd;
			rs_watches[i].w_mask = mask;
			rs_watches[i].w_func = func;
			rs_watches[i].w_opaque = opaque;
			return &rs_watches[i];
		}
	fprintf(stderr, "ref-server: out of watches\n");
	abort();
}

static void
rs_watch_update_mask(SpiceWatch *w, int mask)
{
	w->w_mask = mask;
}

static void
rs_watch_remove(SpiceWatch *w)
{
	w->w_used = 0;
}

static void
rs_channel_event(int event, SpiceChannelEventInfo *info)
{
}

static SpiceCoreInterface rs_core = {
	.base = {
		.type = SPICE_INTERFACE_CORE,
		.description = "bench ref-server core",
		.major_version = SPICE_INTERFACE_CORE_MAJOR,
		.minor_version = SPICE_INTERFACE_CORE_MINOR,
	},
	.timer_add = rs_timer_add,
	.timer_start = rs_timer_start,
	.timer_cancel = rs_timer_cancel,
	.timer_remove = rs_timer_remove,
	.watch_add = rs_watch_add,
	.watch_update_mask = rs_watch_update_mask,
	.watch_remove = rs_watch_remove,
	.channel_event = rs_channel_event,
};

/* Run the loop until a signal arrives on sigfd. */
static void
rs_loop(int sigfd)
{
	struct pollfd pfd[RS_MAX_WATCHES + 1];
	SpiceWatch *pw[RS_MAX_WATCHES + 1];
	int64_t now, next;
	int i, n, timeout, ev;

	for (;;) {
		/* Timers first: a callback may re-arm or remove any timer. */
		now = bench_now_ns();
		for (i = 0; i < RS_MAX_TIMERS; i++)
			if (rs_timers[i].t_used && rs_timers[i].t_due >= 0 &&
			    rs_timers[i].t_due <= now) {
				rs_timers[i].t_due = -1;
				rs_timers[i].t_func(rs_timers[i].t_opaque);
			}
		next = -1;
		for (i = 0; i < RS_MAX_TIMERS; i++)
			if (rs_timers[i].t_used && rs_timers[i].t_due >= 0 &&
			    (next == -1 || rs_timers[i].t_due < next))
				next = rs_timers[i].t_due;
		timeout = next == -1 ? -1 : next <= now ? 0 :
		    (int)((next - now + 999999) / 1000000);

		n = 0;
		pfd[n].fd = sigfd;
		pfd[n].events = POLLIN;
		pw[n++] = NULL;
		for (i = 0; i < RS_MAX_WATCHES; i++) {
			if (!rs_watches[i].w_used)
				continue;
			pfd[n].fd = rs_watches[i].w_fd;
			pfd[n].events =
			    (rs_watches[i].w_mask & SPICE_WATCH_EVENT_READ ?
			    POLLIN : 0) |
			    (rs_watches[i].w_mask & SPICE_WATCH_EVENT_WRITE ?
			    POLLOUT : 0);
			pw[n++] = &rs_watches[i];
		}
		if (poll(pfd, (nfds_t)n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			perror("ref-server: poll");
			return;
		}
		if (pfd[0].revents & POLLIN)
			return;
		for (i = 1; i < n; i++) {
			/* A callback may have removed or reused this watch. */
			if (pfd[i].revents == 0 || !pw[i]->w_used ||
			    pw[i]->w_fd != pfd[i].fd)
				continue;
			ev = 0;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				ev |= SPICE_WATCH_EVENT_READ;
			if (pfd[i].revents & (POLLOUT | POLLERR))
				ev |= SPICE_WATCH_EVENT_WRITE;
			ev &= pw[i]->w_mask;
			if (ev != 0)
				pw[i]->w_func(pw[i]->w_fd, ev,
				    pw[i]->w_opaque);
		}
	}
}

/* --- the QXL device: memory, command queue, releases -------------------- */

/* One frame's commands and pixels, at the start of a buffer. */
struct rs_cmd {
	QXLDrawable	 c_draw;
	QXLImage	 c_image;
	QXLDataChunk	 c_chunk;	/* followed by the pixels */
};

struct rs_dev {
	QXLInstance	 d_qxl;		/* first: callbacks get &d_qxl */
	SpiceServer	*d_server;
	const struct bench_frames *d_frames;
	int		 d_fps;
	int		 d_damage;
	int		 d_marker;
	int64_t		*d_times;	/* --marker: each frame queued */
	uint8_t		*d_arena;
	size_t		 d_arena_size;
	uint8_t		*d_primary;
	uint8_t		*d_buf[RS_INFLIGHT];
	size_t		 d_buf_size;

	pthread_mutex_t	 d_lock;
	pthread_cond_t	 d_cond;
	int		 d_free[RS_INFLIGHT];	/* buffer is free */
	int		 d_queue[RS_INFLIGHT];	/* FIFO of posted buffers */
	int		 d_qhead;
	int		 d_qlen;
	int		 d_want_notify;
};

static struct rs_dev rs_dev;

static void
rs_attached_worker(QXLInstance *qin)
{
}

static void
rs_set_compression_level(QXLInstance *qin, int level)
{
}

static void
rs_get_init_info(QXLInstance *qin, QXLDevInitInfo *info)
{
	memset(info, 0, sizeof(*info));
	info->num_memslots_groups = 1;
	info->num_memslots = 1;
	info->memslot_gen_bits = 8;
	info->memslot_id_bits = 8;
	info->qxl_ram_size = (uint32_t)rs_dev.d_arena_size;
	info->internal_groupslot_id = 0;
	info->n_surfaces = 1;
}

static int
rs_get_command(QXLInstance *qin, struct QXLCommandExt *ext)
{
	struct rs_cmd *c;
	int b;

	pthread_mutex_lock(&rs_dev.d_lock);
	if (rs_dev.d_qlen == 0) {
		pthread_mutex_unlock(&rs_dev.d_lock);
		return 0;
	}
	b = rs_dev.d_queue[rs_dev.d_qhead];
	rs_dev.d_qhead = (rs_dev.d_qhead + 1) % RS_INFLIGHT;
	rs_dev.d_qlen--;
	pthread_mutex_unlock(&rs_dev.d_lock);
	c = (struct rs_cmd *)rs_dev.d_buf[b];
	memset(ext, 0, sizeof(*ext));
	ext->cmd.type = QXL_CMD_DRAW;
	ext->cmd.data = (QXLPHYSICAL)(uintptr_t)&c->c_draw;
	ext->group_id = 0;
	ext->flags = 0;
	return 1;
}

static int
rs_req_cmd_notification(QXLInstance *qin)
{
	int want;

	pthread_mutex_lock(&rs_dev.d_lock);
	want = rs_dev.d_qlen == 0;
	rs_dev.d_want_notify = want;
	pthread_mutex_unlock(&rs_dev.d_lock);
	return want;
}

static void
rs_release_resource(QXLInstance *qin, struct QXLReleaseInfoExt ri)
{
	uint64_t id = ri.info->id;

	if (id == 0 || id > RS_INFLIGHT)
		return;		/* not ours (the server has none of its own) */
	pthread_mutex_lock(&rs_dev.d_lock);
	rs_dev.d_free[id - 1] = 1;
	pthread_cond_signal(&rs_dev.d_cond);
	pthread_mutex_unlock(&rs_dev.d_lock);
}

static int
rs_get_cursor_command(QXLInstance *qin, struct QXLCommandExt *ext)
{
	return 0;
}

static int
rs_req_cursor_notification(QXLInstance *qin)
{
	return 1;
}

static void
rs_notify_update(QXLInstance *qin, uint32_t update_id)
{
}

static int
rs_flush_resources(QXLInstance *qin)
{
	return 0;
}

static void
rs_async_complete(QXLInstance *qin, uint64_t cookie)
{
}

static void
rs_update_area_complete(QXLInstance *qin, uint32_t surface_id,
    struct QXLRect *rects, uint32_t n)
{
}

static void
rs_set_client_capabilities(QXLInstance *qin, uint8_t present,
    uint8_t caps[SPICE_CAPABILITIES_SIZE])
{
}

static int
rs_client_monitors_config(QXLInstance *qin, VDAgentMonitorsConfig *mc)
{
	return 0;
}

static const QXLInterface rs_qxl_if = {
	.base = {
		.type = SPICE_INTERFACE_QXL,
		.description = "bench ref-server qxl",
		.major_version = SPICE_INTERFACE_QXL_MAJOR,
		.minor_version = SPICE_INTERFACE_QXL_MINOR,
	},
	.attached_worker = rs_attached_worker,
	.set_compression_level = rs_set_compression_level,
	.get_init_info = rs_get_init_info,
	.get_command = rs_get_command,
	.req_cmd_notification = rs_req_cmd_notification,
	.release_resource = rs_release_resource,
	.get_cursor_command = rs_get_cursor_command,
	.req_cursor_notification = rs_req_cursor_notification,
	.notify_update = rs_notify_update,
	.flush_resources = rs_flush_resources,
	.async_complete = rs_async_complete,
	.update_area_complete = rs_update_area_complete,
	.set_client_capabilities = rs_set_client_capabilities,
	.client_monitors_config = rs_client_monitors_config,
};

/* Fill free buffer b with a DRAW_COPY of rectangle r of frame k and queue
 * it; *queued (if not NULL) is when it was handed to libspice-server. */
static void
rs_post(int b, int k, const struct bench_rect *r, int64_t *queued)
{
	const struct bench_frames *bf = rs_dev.d_frames;
	struct rs_cmd *c = (struct rs_cmd *)rs_dev.d_buf[b];
	size_t bytes = (size_t)r->r_w * r->r_h * 4;
	QXLDrawable *d = &c->c_draw;
	QXLImage *img = &c->c_image;
	int notify, i;

	memset(c, 0, sizeof(*c));
	d->release_info.id = (uint64_t)b + 1;
	d->surface_id = 0;
	d->type = QXL_DRAW_COPY;
	d->effect = QXL_EFFECT_OPAQUE;
	d->bbox.left = (int32_t)r->r_x;
	d->bbox.top = (int32_t)r->r_y;
	d->bbox.right = (int32_t)(r->r_x + r->r_w);
	d->bbox.bottom = (int32_t)(r->r_y + r->r_h);
	d->clip.type = SPICE_CLIP_TYPE_NONE;
	for (i = 0; i < 3; i++)
		d->surfaces_dest[i] = -1;
	img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img->descriptor.width = r->r_w;
	img->descriptor.height = r->r_h;
	img->bitmap.format = SPICE_BITMAP_FMT_32BIT;
	img->bitmap.flags = QXL_BITMAP_TOP_DOWN;
	img->bitmap.x = r->r_w;
	img->bitmap.y = r->r_h;
	img->bitmap.stride = r->r_w * 4;
	img->bitmap.data = (QXLPHYSICAL)(uintptr_t)&c->c_chunk;
	c->c_chunk.data_size = (uint32_t)bytes;
	bench_frames_copy(bf, k, r, c->c_chunk.data);
	d->u.copy.src_bitmap = (QXLPHYSICAL)(uintptr_t)img;
	d->u.copy.src_area.right = (int32_t)r->r_w;
	d->u.copy.src_area.bottom = (int32_t)r->r_h;
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;

	if (queued != NULL)
		*queued = bench_now_ns();
	pthread_mutex_lock(&rs_dev.d_lock);
	rs_dev.d_queue[(rs_dev.d_qhead + rs_dev.d_qlen) % RS_INFLIGHT] = b;
	rs_dev.d_qlen++;
	notify = rs_dev.d_want_notify;
	rs_dev.d_want_notify = 0;
	pthread_mutex_unlock(&rs_dev.d_lock);
	if (notify)
		spice_qxl_wakeup(&rs_dev.d_qxl);
}

/* A free buffer, waiting for releases; -1 after 10 s without one.  With
 * none free it tells the server it is out of memory, as a QXL guest driver
 * does (QXL_IO_NOTIFY_OOM): libspice-server holds a drawable that is
 * still on screen until something covers it or it is asked to let go, so
 * a long run of small updates would otherwise hold every buffer. */
static int
rs_take_buffer(void)
{
	struct timespec dl;
	int b, oom = 0;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	pthread_mutex_lock(&rs_dev.d_lock);
	for (;;) {
		for (b = 0; b < RS_INFLIGHT; b++)
			if (rs_dev.d_free[b]) {
				rs_dev.d_free[b] = 0;
				pthread_mutex_unlock(&rs_dev.d_lock);
				return b;
			}
		if (!oom) {
			oom = 1;
			pthread_mutex_unlock(&rs_dev.d_lock);
			spice_qxl_oom(&rs_dev.d_qxl);
			pthread_mutex_lock(&rs_dev.d_lock);
			continue;
		}
		if (pthread_cond_timedwait(&rs_dev.d_cond, &rs_dev.d_lock,
		    &dl) == ETIMEDOUT) {
			pthread_mutex_unlock(&rs_dev.d_lock);
			return -1;
		}
	}
}

static void *
rs_feeder(void *arg)
{
	const struct bench_frames *bf = rs_dev.d_frames;
	struct bench_rect r;
	sigset_t set;
	int64_t t0;
	int k, b, sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigwait(&set, &sig) != 0)
		return NULL;
	t0 = bench_now_ns();
	for (k = 0; k < bf->bf_count; k++) {
		bench_pace(t0, k, rs_dev.d_fps);
		if ((b = rs_take_buffer()) == -1) {
			fprintf(stderr, "ref-server: no buffer released in "
			    "10 s\n");
			break;
		}
		r = bench_frames_rect(bf, k, rs_dev.d_damage);
		rs_post(b, k, &r, rs_dev.d_times != NULL ?
		    &rs_dev.d_times[k] : NULL);
		if (!rs_dev.d_marker)
			continue;
		if ((b = rs_take_buffer()) == -1) {
			fprintf(stderr, "ref-server: no buffer released in "
			    "10 s\n");
			break;
		}
		r = bench_frames_mark_rect(bf);
		rs_post(b, k, &r, NULL);
	}
	if (rs_dev.d_marker)
		bench_frames_print_times(rs_dev.d_times, k);
	printf("played %d in %.1f ms\n", k, (bench_now_ns() - t0) / 1e6);
	fflush(stdout);
	/* Stay: an ended thread's CPU time moves into the process's, where
	 * bench-e2e.py could no longer tell it from the server's. */
	for (;;)
		sleep(3600);
}

static int
rs_compression(const char *s)
{
	static const struct {
		const char	*name;
		int		 value;
	} tab[] = {
		{ "off", SPICE_IMAGE_COMPRESSION_OFF },
		{ "auto_glz", SPICE_IMAGE_COMPRESSION_AUTO_GLZ },
		{ "auto_lz", SPICE_IMAGE_COMPRESSION_AUTO_LZ },
		{ "quic", SPICE_IMAGE_COMPRESSION_QUIC },
		{ "glz", SPICE_IMAGE_COMPRESSION_GLZ },
		{ "lz", SPICE_IMAGE_COMPRESSION_LZ },
		{ "lz4", SPICE_IMAGE_COMPRESSION_LZ4 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(s, tab[i].name) == 0)
			return tab[i].value;
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "password", required_argument, NULL, 'P' },
		{ "frames", required_argument, NULL, 'F' },
		{ "fps", required_argument, NULL, 'f' },
		{ "compression", required_argument, NULL, 'c' },
		{ "damage", no_argument, NULL, 'd' },
		{ "jpeg", required_argument, NULL, 'j' },
		{ "marker", no_argument, NULL, 'm' },
		{ "streaming", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL, *password = NULL;
	struct bench_frames bf;
	QXLDevSurfaceCreate surf;
	QXLDevMemSlot slot;
	pthread_t feeder;
	sigset_t set;
	char err[512];
	size_t fbytes;
	int c, port = 0, comp = SPICE_IMAGE_COMPRESSION_LZ4, sigfd, b;
	int jpeg = SPICE_WAN_COMPRESSION_NEVER, stream = SPICE_STREAM_VIDEO_OFF;

	while ((c = getopt_long(argc, argv, "p:P:F:f:c:dj:ms:", longopts,
	    NULL)) != -1)
		switch (c) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'P':
			password = optarg;
			break;
		case 'F':
			dir = optarg;
			break;
		case 'f':
			rs_dev.d_fps = atoi(optarg);
			break;
		case 'd':
			rs_dev.d_damage = 1;
			break;
		case 'm':
			rs_dev.d_marker = 1;
			break;
		case 'c':
			if ((comp = rs_compression(optarg)) == -1)
				goto usage;
			break;
		case 'j':
			if (!strcmp(optarg, "always"))
				jpeg = SPICE_WAN_COMPRESSION_ALWAYS;
			else if (!strcmp(optarg, "auto"))
				jpeg = SPICE_WAN_COMPRESSION_AUTO;
			else if (!strcmp(optarg, "never"))
				jpeg = SPICE_WAN_COMPRESSION_NEVER;
			else
				goto usage;
			break;
		case 's':
			if (!strcmp(optarg, "off"))
				stream = SPICE_STREAM_VIDEO_OFF;
			else if (!strcmp(optarg, "all"))
				stream = SPICE_STREAM_VIDEO_ALL;
			else if (!strcmp(optarg, "filter"))
				stream = SPICE_STREAM_VIDEO_FILTER;
			else
				goto usage;
			break;
		default:
			goto usage;
		}
	if (port < 1 || port > 65535 || password == NULL || dir == NULL ||
	    optind != argc || rs_dev.d_fps < 0 || rs_dev.d_fps > 1000)
		goto usage;
	if (bench_frames_load(&bf, dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "ref-server: %s\n", err);
		return 1;
	}
	rs_dev.d_frames = &bf;
	if (rs_dev.d_marker) {
		bench_frames_mark(&bf);
		if ((rs_dev.d_times = calloc((size_t)bf.bf_count,
		    sizeof(*rs_dev.d_times))) == NULL) {
			fprintf(stderr, "ref-server: out of memory\n");
			return 1;
		}
	}

	/* Every thread, libspice-server's included, inherits this mask:
	 * SIGUSR1 goes to the feeder's sigwait, TERM and INT to the loop. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGUSR1);
	if ((sigfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1) {
		perror("ref-server: signalfd");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	/* The arena: the primary, then RS_INFLIGHT frame buffers. */
	fbytes = (size_t)bf.bf_width * bf.bf_height * 4;
	rs_dev.d_buf_size = (sizeof(struct rs_cmd) + fbytes + 4095) & ~4095ul;
	rs_dev.d_arena_size = ((fbytes + 4095) & ~4095ul) +
	    RS_INFLIGHT * rs_dev.d_buf_size;
	rs_dev.d_arena = mmap(NULL, rs_dev.d_arena_size,
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rs_dev.d_arena == MAP_FAILED) {
		perror("ref-server: mmap");
		return 1;
	}
	rs_dev.d_primary = rs_dev.d_arena;
	memcpy(rs_dev.d_primary, bf.bf_px[0], fbytes);
	for (b = 0; b < RS_INFLIGHT; b++) {
		rs_dev.d_buf[b] = rs_dev.d_arena + ((fbytes + 4095) &
		    ~4095ul) + (size_t)b * rs_dev.d_buf_size;
		rs_dev.d_free[b] = 1;
	}
	pthread_mutex_init(&rs_dev.d_lock, NULL);
	pthread_cond_init(&rs_dev.d_cond, NULL);

	rs_dev.d_server = spice_server_new();
	spice_server_set_port(rs_dev.d_server, port);
	spice_server_set_addr(rs_dev.d_server, "127.0.0.1",
	    SPICE_ADDR_FLAG_IPV4_ONLY);
	spice_server_set_ticket(rs_dev.d_server, password, 0, 0, 0);
	spice_server_set_image_compression(rs_dev.d_server,
	    (SpiceImageCompression)comp);
	spice_server_set_jpeg_compression(rs_dev.d_server,
	    (spice_wan_compression_t)jpeg);
	spice_server_set_zlib_glz_compression(rs_dev.d_server,
	    SPICE_WAN_COMPRESSION_NEVER);
	spice_server_set_streaming_video(rs_dev.d_server, stream);
	if (spice_server_init(rs_dev.d_server, &rs_core) != 0) {
		fprintf(stderr, "ref-server: spice_server_init failed\n");
		return 1;
	}
	rs_dev.d_qxl.base.sif = &rs_qxl_if.base;
	rs_dev.d_qxl.id = 0;
	if (spice_server_add_interface(rs_dev.d_server,
	    &rs_dev.d_qxl.base) != 0) {
		fprintf(stderr, "ref-server: adding the QXL interface "
		    "failed\n");
		return 1;
	}

	memset(&slot, 0, sizeof(slot));
	slot.slot_group_id = 0;
	slot.slot_id = 0;
	slot.generation = 0;
	slot.virt_start = (uintptr_t)rs_dev.d_arena;
	slot.virt_end = (uintptr_t)rs_dev.d_arena + rs_dev.d_arena_size;
	slot.addr_delta = 0;
	spice_qxl_add_memslot(&rs_dev.d_qxl, &slot);

	memset(&surf, 0, sizeof(surf));
	surf.width = bf.bf_width;
	surf.height = bf.bf_height;
	surf.stride = (int32_t)(bf.bf_width * 4);
	surf.format = SPICE_SURFACE_FMT_32_xRGB;
	surf.mouse_mode = 0;
	surf.type = 0;		/* primary */
	surf.flags = QXL_SURF_FLAG_KEEP_DATA;	/* it starts as frame 0 */
	surf.mem = (QXLPHYSICAL)(uintptr_t)rs_dev.d_primary;
	surf.group_id = 0;
	spice_qxl_create_primary_surface(&rs_dev.d_qxl, 0, &surf);
	spice_server_vm_start(rs_dev.d_server);

	if (pthread_create(&feeder, NULL, rs_feeder, NULL) != 0) {
		fprintf(stderr, "ref-server: no feeder thread\n");
		return 1;
	}
	/* Named before "ready", so the driver finds it at once. */
	pthread_setname_np(feeder, "bench-feeder");
	/* bench-e2e.py takes the preloaded frames out of this process's
	 * peak RSS: bench-producer holds them outside spiced. */
	printf("ready on 127.0.0.1:%d, %ux%u, %d frames, frames_bytes=%zu\n",
	    port, bf.bf_width, bf.bf_height, bf.bf_count,
	    fbytes * (size_t)bf.bf_count);
	fflush(stdout);
	rs_loop(sigfd);
	/* Exit without tearing libspice-server down: the process ends. */
	_exit(0);
usage:
	fprintf(stderr, "usage: ref-server --port N --password PW "
	    "--frames DIR [--fps N (0: max)] [--damage]\n"
	    "       [--compression off|auto_glz|auto_lz|quic|glz|lz|lz4] "
	    "[--jpeg never|auto|always] [--streaming off|all|filter] "
	    "[--marker]\n");
	return 2;
}
