/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-producer: the spiced side of the end-to-end benchmark.  A qxl-shm
 * producer (libqxlshm, as qxl-shm-testsrc) that loads the frame sequence,
 * attaches with the first frame as the primary, and waits for SIGUSR1;
 * then it posts every frame once as a full-screen QXL_DRAW_COPY of a
 * 32bpp bitmap (in one data chunk, as ref-server's feeder does, or with
 * --chunk-bytes N in chunks of whole rows of at most N bytes, as
 * qxl-shm-testsrc does with 256 KiB), or with --damage of the
 * bounding box of what changed since the frame before, at --fps (0: as
 * fast as spiced releases memory), prints "played N" on stdout and keeps serving
 * releases until SIGTERM.  ref-server's feeder posts the same commands to
 * libspice-server.
 *
 * With --marker (latency runs, bench-frames.h), each frame is followed by
 * its marker and, before "played", a line "times NS,NS,..." gives when
 * each frame's command went on the ring (its pixels copied), CLOCK_MONOTONIC.
 *
 *	bench-producer --socket PATH --frames DIR [--fps N] [--damage]
 *	    [--chunk-bytes N] [--marker]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "libqxlshm.h"
#include "bench-frames.h"

#define BP_WAIT_MS	10000

static volatile sig_atomic_t bp_go, bp_stop;
static size_t bp_chunk_bytes;	/* 0: one chunk per bitmap */

static void
bp_on_signal(int sig)
{
	if (sig == SIGUSR1)
		bp_go = 1;
	else
		bp_stop = 1;
}

/* Allocate in a slot, waiting for releases while it is full. */
static void *
bp_alloc(struct qxlshm *q, uint32_t slot, size_t size, uint64_t *phys,
    int cmd)
{
	int waited;
	void *p;

	for (waited = 0; waited < BP_WAIT_MS && !bp_stop; waited += 10) {
		p = cmd ? qxlshm_alloc_cmd(q, slot, size, phys) :
		    qxlshm_alloc(q, slot, size, phys);
		if (p != NULL)
			return p;
		if (errno != ENOMEM || qxlshm_wait(q, 10) == -1)
			break;
	}
	fprintf(stderr, "bench-producer: out of shared memory: %s\n",
	    qxlshm_error(q));
	return NULL;
}

/* One DRAW_COPY of rectangle r of frame k. */
static int
bp_post(struct qxlshm *q, const struct bench_frames *bf, int k,
    const struct bench_rect *r, int64_t *queued)
{
	QXLRect bbox = { .top = (int32_t)r->r_y, .left = (int32_t)r->r_x,
	    .bottom = (int32_t)(r->r_y + r->r_h),
	    .right = (int32_t)(r->r_x + r->r_w) };
	size_t stride = (size_t)r->r_w * 4, lines, y, n;
	struct bench_rect part;
	QXLDataChunk *c, *prev = NULL;
	QXLDrawable *d;
	QXLImage *img;
	uint64_t dphys, iphys, cphys;

	if ((d = bp_alloc(q, QXLSHM_SETUP_CMD_SLOT, sizeof(*d), &dphys, 1)) ==
	    NULL)
		return -1;
	qxlshm_drawable_init(d, 0, QXL_DRAW_COPY, &bbox);
	if ((img = bp_alloc(q, QXLSHM_SETUP_CMD_SLOT, sizeof(*img), &iphys,
	    0)) == NULL)
		return -1;
	qxlshm_link(q, d, img);
	img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img->descriptor.width = r->r_w;
	img->descriptor.height = r->r_h;
	img->bitmap.format = SPICE_BITMAP_FMT_32BIT;
	img->bitmap.flags = QXL_BITMAP_TOP_DOWN;
	img->bitmap.x = r->r_w;
	img->bitmap.y = r->r_h;
	img->bitmap.stride = (uint32_t)stride;
	lines = bp_chunk_bytes == 0 ? r->r_h : bp_chunk_bytes / stride;
	if (lines == 0)
		lines = 1;
	for (y = 0; y < r->r_h; y += n) {
		n = r->r_h - y < lines ? r->r_h - y : lines;
		if ((c = bp_alloc(q, QXLSHM_SETUP_DATA_SLOT,
		    sizeof(*c) + n * stride, &cphys, 0)) == NULL)
			return -1;
		qxlshm_link(q, d, c);
		c->data_size = (uint32_t)(n * stride);
		part = *r;
		part.r_y += (uint32_t)y;
		part.r_h = (uint32_t)n;
		bench_frames_copy(bf, k, &part, c->data);
		if (prev == NULL)
			img->bitmap.data = cphys;
		else {
			prev->next_chunk = cphys;
			c->prev_chunk = qxlshm_phys(q, prev);
		}
		prev = c;
	}
	d->u.copy.src_bitmap = iphys;
	d->u.copy.src_area.right = (int32_t)r->r_w;
	d->u.copy.src_area.bottom = (int32_t)r->r_h;
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	if (queued != NULL)
		*queued = bench_now_ns();
	if (qxlshm_push_cmd(q, QXL_CMD_DRAW, dphys, BP_WAIT_MS) == -1) {
		fprintf(stderr, "bench-producer: push: %s\n", qxlshm_error(q));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'F' },
		{ "fps", required_argument, NULL, 'f' },
		{ "damage", no_argument, NULL, 'd' },
		{ "chunk-bytes", required_argument, NULL, 'c' },
		{ "marker", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL, *dir = NULL;
	struct qxlshm_setup qs;
	struct bench_frames bf;
	struct sigaction sa;
	struct bench_rect r;
	struct qxlshm *q;
	char err[512];
	int64_t t0;
	int c, fps = 0, damage = 0, marker = 0, k, rv = 0;
	int64_t *times = NULL;
	struct bench_rect mr;

	while ((c = getopt_long(argc, argv, "s:F:f:dc:m", longopts, NULL)) !=
	    -1)
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'F':
			dir = optarg;
			break;
		case 'f':
			fps = atoi(optarg);
			break;
		case 'd':
			damage = 1;
			break;
		case 'c':
			bp_chunk_bytes = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			marker = 1;
			break;
		default:
			goto usage;
		}
	if (sock == NULL || dir == NULL || optind != argc || fps < 0 ||
	    fps > 1000)
		goto usage;
	if (bench_frames_load(&bf, dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench-producer: %s\n", err);
		return 1;
	}
	if (marker) {
		bench_frames_mark(&bf);
		mr = bench_frames_mark_rect(&bf);
		if ((times = calloc((size_t)bf.bf_count, sizeof(*times))) ==
		    NULL) {
			fprintf(stderr, "bench-producer: out of memory\n");
			return 1;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bp_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&qs, 0, sizeof(qs));
	qs.width = bf.bf_width;
	qs.height = bf.bf_height;
	qs.pixels = bf.bf_px[0];
	if ((q = qxlshm_open(sock, "bench-producer", &qs, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "bench-producer: %s\n", err);
		return 1;
	}
	printf("attached %ux%u, %d frames, frames_bytes=%zu\n",
	    bf.bf_width, bf.bf_height, bf.bf_count,
	    (size_t)bf.bf_width * bf.bf_height * 4 * (size_t)bf.bf_count);
	fflush(stdout);
	while (!bp_go && !bp_stop)
		if (qxlshm_idle(q, 100, &bp_go) == -1)
			goto fail;
	t0 = bench_now_ns();
	for (k = 0; k < bf.bf_count && !bp_stop; k++) {
		bench_pace(t0, k, fps);
		r = bench_frames_rect(&bf, k, damage);
		if (bp_post(q, &bf, k, &r, marker ? &times[k] : NULL) == -1 ||
		    (marker && bp_post(q, &bf, k, &mr, NULL) == -1))
			goto fail;
		(void)qxlshm_poll_releases(q);
	}
	if (marker)
		bench_frames_print_times(times, k);
	printf("played %d in %.1f ms\n", k, (bench_now_ns() - t0) / 1e6);
	fflush(stdout);
	while (!bp_stop)
		if (qxlshm_idle(q, 1000, &bp_stop) == -1)
			goto fail;
	goto out;
fail:
	fprintf(stderr, "bench-producer: server: %s\n", qxlshm_error(q));
	rv = 1;
out:
	qxlshm_close(q);
	bench_frames_free(&bf);
	free(times);
	return rv;
usage:
	fprintf(stderr, "usage: bench-producer --socket PATH --frames DIR "
	    "[--fps N (0: max)] [--damage] [--chunk-bytes N (0: one)] "
	    "[--marker]\n");
	return 2;
}
