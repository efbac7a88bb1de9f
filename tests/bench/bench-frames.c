/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-frames: see bench-frames.h.  PPM parsing is the producer's own
 * (producers/testsrc/image.c), so both feeders read frames the same way.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-frames.h"
#include "image.h"

/* Bounding box of the pixels of a that differ from b (1x1 if none). */
static struct bench_rect
bench_frames_diff(const struct bench_frames *bf, const uint32_t *a,
    const uint32_t *b)
{
	struct bench_rect r = { 0, 0, 1, 1 };
	uint32_t x, y, x0 = UINT32_MAX, x1 = 0, y0 = UINT32_MAX, y1 = 0;

	for (y = 0; y < bf->bf_height; y++) {
		const uint32_t *pa = a + (size_t)y * bf->bf_width;
		const uint32_t *pb = b + (size_t)y * bf->bf_width;

		if (memcmp(pa, pb, bf->bf_width * 4) == 0)
			continue;
		for (x = 0; x < bf->bf_width; x++)
			if (pa[x] != pb[x]) {
				if (x < x0)
					x0 = x;
				if (x > x1)
					x1 = x;
			}
		if (y < y0)
			y0 = y;
		y1 = y;
	}
	if (y0 != UINT32_MAX) {
		r.r_x = x0;
		r.r_y = y0;
		r.r_w = x1 - x0 + 1;
		r.r_h = y1 - y0 + 1;
	}
	return r;
}

static int
bench_frames_select(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	/* The PPMs, as qxl-shm-testsrc --frames takes them. */
	return de->d_name[0] != '.' && n > 4 &&
	    strcmp(de->d_name + n - 4, ".ppm") == 0;
}

int
bench_frames_load(struct bench_frames *bf, const char *dir, char *err,
    size_t errlen)
{
	struct dirent **names = NULL;
	struct image im;
	char path[4096];
	int n, i, rv = -1;

	memset(bf, 0, sizeof(*bf));
	if ((n = scandir(dir, &names, bench_frames_select, alphasort)) <= 0) {
		snprintf(err, errlen, "%s: %s", dir, n == 0 ? "no frames" :
		    strerror(errno));
		return -1;
	}
	if (n > BENCH_FRAMES_MAX) {
		snprintf(err, errlen, "%s: more than %d frames", dir,
		    BENCH_FRAMES_MAX);
		goto out;
	}
	if ((bf->bf_px = calloc((size_t)n, sizeof(*bf->bf_px))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (image_load(path, &im, err, errlen) == -1)
			goto out;
		if (i == 0) {
			bf->bf_width = im.im_width;
			bf->bf_height = im.im_height;
		} else if (im.im_width != bf->bf_width ||
		    im.im_height != bf->bf_height) {
			snprintf(err, errlen, "%s: %ux%u, the first frame is "
			    "%ux%u", path, im.im_width, im.im_height,
			    bf->bf_width, bf->bf_height);
			image_free(&im);
			goto out;
		}
		bf->bf_px[i] = im.im_px;	/* ownership moves here */
		bf->bf_count = i + 1;
	}
	if ((bf->bf_damage = calloc((size_t)n, sizeof(*bf->bf_damage))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	bf->bf_damage[0].r_w = bf->bf_width;
	bf->bf_damage[0].r_h = bf->bf_height;
	for (i = 1; i < n; i++)
		bf->bf_damage[i] = bench_frames_diff(bf, bf->bf_px[i],
		    bf->bf_px[i - 1]);
	rv = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rv == -1)
		bench_frames_free(bf);
	return rv;
}

void
bench_frames_free(struct bench_frames *bf)
{
	int i;

	for (i = 0; i < bf->bf_count; i++)
		free(bf->bf_px[i]);
	free(bf->bf_px);
	free(bf->bf_damage);
	memset(bf, 0, sizeof(*bf));
}

uint32_t
bench_mark_color(int k)
{
	/* Odd multiplier modulo 2^24: a different colour for every k. */
	return (uint32_t)(k + 1) * 0x9e3779u & 0xffffffu;
}

struct bench_rect
bench_frames_mark_rect(const struct bench_frames *bf)
{
	struct bench_rect r = { bf->bf_width - BENCH_MARK_SIZE,
	    bf->bf_height - BENCH_MARK_SIZE, BENCH_MARK_SIZE,
	    BENCH_MARK_SIZE };

	return r;
}

void
bench_frames_mark(struct bench_frames *bf)
{
	struct bench_rect r = bench_frames_mark_rect(bf);
	uint32_t x, y;
	int k;

	for (k = 0; k < bf->bf_count; k++)
		for (y = r.r_y; y < r.r_y + r.r_h; y++)
			for (x = r.r_x; x < r.r_x + r.r_w; x++)
				bf->bf_px[k][(size_t)y * bf->bf_width + x] =
				    x == r.r_x || y == r.r_y ||
				    x == r.r_x + r.r_w - 1 ||
				    y == r.r_y + r.r_h - 1 ? 0 :
				    bench_mark_color(k);
}

struct bench_rect
bench_frames_rect(const struct bench_frames *bf, int k, int damage)
{
	struct bench_rect full = { 0, 0, bf->bf_width, bf->bf_height };

	return damage ? bf->bf_damage[k] : full;
}

void
bench_frames_copy(const struct bench_frames *bf, int k,
    const struct bench_rect *r, void *dst)
{
	uint8_t *out = dst;
	uint32_t y;

	for (y = 0; y < r->r_h; y++)
		memcpy(out + (size_t)y * r->r_w * 4, bf->bf_px[k] +
		    (size_t)(r->r_y + y) * bf->bf_width + r->r_x,
		    (size_t)r->r_w * 4);
}

int64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
bench_pace(int64_t t0, int k, int fps)
{
	struct timespec ts;
	int64_t due;

	if (fps <= 0)
		return;
	due = t0 + (int64_t)k * 1000000000 / fps;
	ts.tv_sec = due / 1000000000;
	ts.tv_nsec = due % 1000000000;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

void
bench_frames_print_times(const int64_t *times, int n)
{
	int k;

	printf("times ");
	for (k = 0; k < n; k++)
		printf("%s%lld", k > 0 ? "," : "", (long long)times[k]);
	printf("\n");
}
