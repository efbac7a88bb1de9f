/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qxl-shm-testsrc: the reference producer.  It connects to spiced's
 * qxl-shm control socket with libqxlshm and shows a synthetic desktop
 * (default), one picture (--image) or a looping sequence of pictures
 * (--frames, decoded once; --damage sends only what changed), using
 * QXL_DRAW_FILL, QXL_DRAW_COPY of bitmaps (flat and chunked) and of an
 * off-screen surface, and recycling its memory from the release ring.  It
 * asks for QXLSHM_F_REDRAW and draws everything again when spiced says
 * its display worker lost the picture.  See qxl-shm-testsrc(1).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spice/qxl_dev.h>
#include <spice/enums.h>

#include "libqxlshm.h"
#include "log.h"
#include "mono-time.h"
#include "image.h"
#include "scene.h"

#define TS_CMD_SLOT		QXLSHM_SETUP_CMD_SLOT	/* commands, images */
#define TS_DATA_SLOT		QXLSHM_SETUP_DATA_SLOT	/* pixels, surfaces */
#define TS_DIRECT_MAX		(64u << 10)	/* larger bitmaps are chunked */
#define TS_CHUNK_BYTES		(256u << 10)
#define TS_MEM_WAIT_MS		10000	/* give up waiting for releases */
#define TS_PUSH_WAIT_MS		10000
#define TS_MAX_SURFACES		4
/* --frames: decoded pictures kept in memory at most. */
#define TS_FRAMES_MAX_BYTES	(2ull << 30)
/* --damage: changes are found tile by tile. */
#define TS_TILE			32

struct ts {
	struct qxlshm	*ts_q;
	int32_t		 ts_w;
	int32_t		 ts_h;
	int		 ts_verbose;
	uint64_t	 ts_ncmds;
	void		*ts_surf_mem[TS_MAX_SURFACES];
	uint32_t	*ts_sub;	/* --damage: one rectangle's pixels */
	uint32_t	 ts_leds;	/* lock state, as a keyboard keeps it */
};

static volatile sig_atomic_t ts_stop;

static void
ts_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vplain("qxl-shm-testsrc", fmt, ap);
	va_end(ap);
}

/* Like a keyboard: the lock keys toggle the lock state, which goes back
 * to the server (and so to the clients' LEDs).  --verbose: one line per
 * input event, which the tests read. */
static void
ts_on_input(const struct qxlshm_input_event *ev, void *arg)
{
	static const char *names[] = { "?", "key-down", "key-up", "motion",
	    "position", "button-down", "button-up" };
	struct ts *t = arg;
	uint32_t lock = 0;

	if (ev->type == QXLSHM_IN_KEY_DOWN)
		lock = ev->x == 0x3a ? QXLSHM_LED_CAPS : ev->x == 0x45 ?
		    QXLSHM_LED_NUM : ev->x == 0x46 ? QXLSHM_LED_SCROLL : 0;
	if (lock != 0) {
		t->ts_leds ^= lock;
		if (qxlshm_set_leds(t->ts_q, t->ts_leds) == -1)
			ts_log("leds: %s", qxlshm_error(t->ts_q));
	}
	if (!t->ts_verbose)
		return;
	ts_log("input %s x=%d y=%d buttons=0x%x display=%u",
	    ev->type < sizeof(names) / sizeof(names[0]) ? names[ev->type] :
	    "?", ev->x, ev->y, ev->buttons, ev->display);
}

static void
ts_on_signal(int sig)
{
	(void)sig;
	ts_stop = 1;
}

static void
ts_usage(void)
{
	fprintf(stderr, "usage: qxl-shm-testsrc --socket PATH [--size WxH] "
	    "[--fps N] [--count N] [--heads N]\n"
	    "       [--image FILE | --frames DIR [--damage]] [--name NAME] "
	    "[--verbose]\n");
	exit(2);
}

/* Allocate, waiting for the server to release memory when the slot is
 * full (it releases as it consumes commands). */
static void *
ts_alloc(struct ts *t, uint32_t slot, size_t size, uint64_t *phys, int cmd)
{
	void *p;

	if ((p = qxlshm_alloc_wait(t->ts_q, slot, size, phys, cmd,
	    TS_MEM_WAIT_MS, &ts_stop)) == NULL)
		ts_log("out of shared memory: %s", qxlshm_error(t->ts_q));
	return p;
}

static int
ts_push(struct ts *t, uint32_t type, uint64_t phys)
{
	if (qxlshm_push_cmd(t->ts_q, type, phys, TS_PUSH_WAIT_MS) == -1) {
		ts_log("push command: %s", qxlshm_error(t->ts_q));
		return -1;
	}
	t->ts_ncmds++;
	return 0;
}

static QXLDrawable *
ts_drawable(struct ts *t, uint32_t surface, uint8_t type,
    const struct scene_rect *r, uint64_t *phys)
{
	QXLRect bbox = { .left = r->x, .top = r->y, .right = r->x + r->w,
	    .bottom = r->y + r->h };
	QXLDrawable *d;

	if ((d = ts_alloc(t, TS_CMD_SLOT, sizeof(*d), phys, 1)) == NULL)
		return NULL;
	qxlshm_drawable_init(d, surface, type, &bbox);
	return d;
}

static int
ts_fill(void *arg, uint32_t surface, const struct scene_rect *r, uint32_t rgb)
{
	struct ts *t = arg;
	QXLDrawable *d;
	uint64_t phys;

	if ((d = ts_drawable(t, surface, QXL_DRAW_FILL, r, &phys)) == NULL)
		return -1;
	d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d->u.fill.brush.u.color = rgb;
	d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
	return ts_push(t, QXL_CMD_DRAW, phys);
}

/*
 * Bitmap data: small ones flat (QXL_BITMAP_DIRECT), larger ones as a chain
 * of QXLDataChunks of whole lines, so both server paths are exercised.
 */
static int
ts_bitmap_data(struct ts *t, QXLDrawable *d, QXLImage *img,
    const uint32_t *px, int32_t w, int32_t h)
{
	size_t stride = (size_t)w * 4, lines, y, n;
	QXLDataChunk *c, *prev = NULL;
	uint64_t phys;
	uint8_t *p;

	if (stride * (size_t)h <= TS_DIRECT_MAX) {
		if ((p = ts_alloc(t, TS_DATA_SLOT, stride * h, &phys, 0)) ==
		    NULL)
			return -1;
		memcpy(p, px, stride * h);
		qxlshm_link(t->ts_q, d, p);
		img->bitmap.flags |= QXL_BITMAP_DIRECT;
		img->bitmap.data = phys;
		return 0;
	}
	lines = TS_CHUNK_BYTES / stride;
	if (lines == 0)
		lines = 1;
	for (y = 0; y < (size_t)h; y += n) {
		n = (size_t)h - y < lines ? (size_t)h - y : lines;
		if ((c = ts_alloc(t, TS_DATA_SLOT, sizeof(*c) + n * stride,
		    &phys, 0)) == NULL)
			return -1;
		qxlshm_link(t->ts_q, d, c);
		c->data_size = (uint32_t)(n * stride);
		memcpy(c->data, px + y * (size_t)w, n * stride);
		if (prev == NULL)
			img->bitmap.data = phys;
		else {
			prev->next_chunk = phys;
			c->prev_chunk = qxlshm_phys(t->ts_q, prev);
		}
		prev = c;
	}
	return 0;
}

static int
ts_bitmap(void *arg, uint32_t surface, const struct scene_rect *r,
    const uint32_t *px)
{
	struct ts *t = arg;
	QXLDrawable *d;
	QXLImage *img;
	uint64_t phys, iphys;

	if ((d = ts_drawable(t, surface, QXL_DRAW_COPY, r, &phys)) == NULL)
		return -1;
	if ((img = ts_alloc(t, TS_CMD_SLOT, sizeof(*img), &iphys, 0)) == NULL) {
		qxlshm_free(t->ts_q, d);
		return -1;
	}
	qxlshm_link(t->ts_q, d, img);
	img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img->descriptor.width = (uint32_t)r->w;
	img->descriptor.height = (uint32_t)r->h;
	img->bitmap.format = SPICE_BITMAP_FMT_32BIT;
	img->bitmap.flags = QXL_BITMAP_TOP_DOWN;
	img->bitmap.x = (uint32_t)r->w;
	img->bitmap.y = (uint32_t)r->h;
	img->bitmap.stride = (uint32_t)r->w * 4;
	if (ts_bitmap_data(t, d, img, px, r->w, r->h) == -1) {
		qxlshm_free(t->ts_q, d);
		return -1;
	}
	d->u.copy.src_bitmap = iphys;
	d->u.copy.src_area.right = r->w;
	d->u.copy.src_area.bottom = r->h;
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	return ts_push(t, QXL_CMD_DRAW, phys);
}

static int
ts_copy_surface(void *arg, uint32_t dst, int32_t dx, int32_t dy, uint32_t src,
    const struct scene_rect *sr)
{
	struct ts *t = arg;
	struct scene_rect r = { dx, dy, sr->w, sr->h };
	QXLDrawable *d;
	QXLImage *img;
	uint64_t phys, iphys;

	if ((d = ts_drawable(t, dst, QXL_DRAW_COPY, &r, &phys)) == NULL)
		return -1;
	if ((img = ts_alloc(t, TS_CMD_SLOT, sizeof(*img), &iphys, 0)) == NULL) {
		qxlshm_free(t->ts_q, d);
		return -1;
	}
	qxlshm_link(t->ts_q, d, img);
	img->descriptor.type = SPICE_IMAGE_TYPE_SURFACE;
	img->descriptor.width = (uint32_t)sr->w;
	img->descriptor.height = (uint32_t)sr->h;
	img->surface_image.surface_id = src;
	d->u.copy.src_bitmap = iphys;
	d->u.copy.src_area.left = sr->x;
	d->u.copy.src_area.top = sr->y;
	d->u.copy.src_area.right = sr->x + sr->w;
	d->u.copy.src_area.bottom = sr->y + sr->h;
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	/* The copy reads the source surface: tell the server, as QXL does. */
	d->surfaces_dest[0] = (int32_t)src;
	d->surfaces_rects[0] = d->u.copy.src_area;
	return ts_push(t, QXL_CMD_DRAW, phys);
}

static int
ts_surface_create(void *arg, uint32_t id, int32_t w, int32_t h)
{
	struct ts *t = arg;
	QXLSurfaceCmd *sc;
	uint64_t phys, mphys;
	void *mem;

	if (id >= TS_MAX_SURFACES || t->ts_surf_mem[id] != NULL)
		return -1;
	if ((mem = ts_alloc(t, TS_DATA_SLOT, (size_t)w * h * 4, &mphys, 0)) ==
	    NULL)
		return -1;
	if ((sc = ts_alloc(t, TS_CMD_SLOT, sizeof(*sc), &phys, 1)) == NULL) {
		qxlshm_free(t->ts_q, mem);
		return -1;
	}
	sc->surface_id = id;
	sc->type = QXL_SURFACE_CMD_CREATE;
	sc->flags = 0;
	sc->u.surface_create.format = SPICE_SURFACE_FMT_32_xRGB;
	sc->u.surface_create.width = (uint32_t)w;
	sc->u.surface_create.height = (uint32_t)h;
	sc->u.surface_create.stride = w * 4;
	sc->u.surface_create.data = mphys;
	t->ts_surf_mem[id] = mem;
	return ts_push(t, QXL_CMD_SURFACE, phys);
}

static int
ts_surface_destroy(void *arg, uint32_t id)
{
	struct ts *t = arg;
	QXLSurfaceCmd *sc;
	uint64_t phys;

	if (id >= TS_MAX_SURFACES || t->ts_surf_mem[id] == NULL)
		return -1;
	if ((sc = ts_alloc(t, TS_CMD_SLOT, sizeof(*sc), &phys, 1)) == NULL)
		return -1;
	sc->surface_id = id;
	sc->type = QXL_SURFACE_CMD_DESTROY;
	/* The surface memory is the producer's until the destroy is done. */
	qxlshm_link(t->ts_q, sc, t->ts_surf_mem[id]);
	t->ts_surf_mem[id] = NULL;
	return ts_push(t, QXL_CMD_SURFACE, phys);
}

static const struct scene_ops ts_ops_template = {
	.so_fill = ts_fill,
	.so_bitmap = ts_bitmap,
	.so_copy_surface = ts_copy_surface,
	.so_surface_create = ts_surface_create,
	.so_surface_destroy = ts_surface_destroy,
};

static int64_t
ts_now_ms(void)
{
	return (int64_t)(mono_ns() / 1000000u);
}

/* Handle releases and control messages until deadline (ms) or a signal;
 * -1 if the server went away. */
static int
ts_idle_until(struct ts *t, int64_t deadline)
{
	int64_t left = deadline - ts_now_ms();

	if (left <= 0)
		return 0;
	if (qxlshm_idle(t->ts_q, left > INT32_MAX ? INT32_MAX : (int)left,
	    &ts_stop) == -1) {
		ts_log("server: %s", qxlshm_error(t->ts_q));
		return -1;
	}
	return 0;
}

/*
 * Did spiced ask for everything again (its display worker was restarted
 * and lost every surface)?  Then the off-screen surfaces the producer
 * still counts as created are gone too: their memory is the producer's
 * again, free to be given anew.
 */
static int
ts_redraw_asked(struct ts *t)
{
	uint32_t i;

	if (!qxlshm_redraw_requested(t->ts_q))
		return 0;
	for (i = 0; i < TS_MAX_SURFACES; i++)
		if (t->ts_surf_mem[i] != NULL) {
			qxlshm_free(t->ts_q, t->ts_surf_mem[i]);
			t->ts_surf_mem[i] = NULL;
		}
	if (t->ts_verbose)
		ts_log("server asked for a redraw");
	return 1;
}

static int
ts_run_scene(struct ts *t, int fps, uint64_t count)
{
	struct scene_ops ops = ts_ops_template;
	struct scene *s;
	int64_t next = ts_now_ms();
	uint64_t n;
	int rv = 0;

	ops.so_arg = t;
	if ((s = scene_new(t->ts_w, t->ts_h)) == NULL) {
		ts_log("scene: screen %dx%d too small (320x240 at least)",
		    t->ts_w, t->ts_h);
		return -1;
	}
	for (n = 0; !ts_stop && (count == 0 || n < count); n++) {
		if (ts_redraw_asked(t))
			scene_redraw(s);
		if (scene_frame(s, n, &ops) == -1) {
			rv = -1;
			break;
		}
		if (t->ts_verbose && n % (uint64_t)fps == 0)
			ts_log("frame %" PRIu64 ", %" PRIu64 " commands, %"
			    PRIu64 " bytes of slot 1 in use", n, t->ts_ncmds,
			    qxlshm_slot_used(t->ts_q, TS_DATA_SLOT));
		next += 1000 / fps;
		if (ts_idle_until(t, next) == -1) {
			rv = -1;
			break;
		}
	}
	if (rv == 0 && scene_finish(s, &ops) == -1)
		rv = -1;
	scene_free(s);
	return rv;
}

static int
ts_show(struct ts *t, const struct image *im)
{
	struct scene_rect r = { 0, 0, (int32_t)im->im_width,
	    (int32_t)im->im_height };

	if (r.w > t->ts_w || r.h > t->ts_h) {
		ts_log("picture %dx%d larger than the screen %dx%d", r.w, r.h,
		    t->ts_w, t->ts_h);
		return -1;
	}
	return ts_bitmap(t, 0, &r, im->im_px);
}

/* --frames takes the PPM files of the folder, in name order. */
static int
ts_select_file(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 4 &&
	    strcmp(de->d_name + n - 4, ".ppm") == 0;
}

/* Decode every frame once; -1 with a message. */
static int
ts_load_frames(const char *dir, struct image **out, int *nout)
{
	struct dirent **names = NULL;
	char path[4096], err[512];
	struct image *im = NULL;
	uint64_t bytes = 0;
	int n, i, rv = -1;

	if ((n = scandir(dir, &names, ts_select_file, alphasort)) <= 0) {
		ts_log("--frames %s: %s", dir, n == 0 ? "no .ppm files" :
		    strerror(errno));
		return -1;
	}
	if ((im = calloc((size_t)n, sizeof(*im))) == NULL) {
		ts_log("--frames %s: out of memory", dir);
		goto out;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (image_load(path, &im[i], err, sizeof(err)) == -1) {
			ts_log("%s", err);
			goto out;
		}
		if (im[i].im_width != im[0].im_width ||
		    im[i].im_height != im[0].im_height) {
			ts_log("%s: %ux%u, but the first frame is %ux%u", path,
			    im[i].im_width, im[i].im_height, im[0].im_width,
			    im[0].im_height);
			goto out;
		}
		bytes += (uint64_t)im[i].im_width * im[i].im_height * 4;
		if (bytes > TS_FRAMES_MAX_BYTES) {
			ts_log("--frames %s: more than %llu MiB of pictures",
			    dir, (unsigned long long)(TS_FRAMES_MAX_BYTES >>
			    20));
			goto out;
		}
	}
	*out = im;
	*nout = n;
	im = NULL;
	rv = 0;
out:
	if (im != NULL) {
		for (i = 0; i < n; i++)
			image_free(&im[i]);
		free(im);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rv;
}

/* Does tile (tx, ty) differ between a and b (w x h pixels)? */
static int
ts_tile_differs(const uint32_t *a, const uint32_t *b, int32_t w, int32_t h,
    int32_t tx, int32_t ty)
{
	int32_t x0 = tx * TS_TILE, y0 = ty * TS_TILE, y, tw, th;

	tw = w - x0 < TS_TILE ? w - x0 : TS_TILE;
	th = h - y0 < TS_TILE ? h - y0 : TS_TILE;
	for (y = y0; y < y0 + th; y++)
		if (memcmp(a + (size_t)y * w + x0, b + (size_t)y * w + x0,
		    (size_t)tw * 4) != 0)
			return 1;
	return 0;
}

/* Send rectangle r of picture im (w wide) as one DRAW_COPY. */
static int
ts_send_rect(struct ts *t, const struct image *im, const struct scene_rect *r)
{
	int32_t y;

	if (r->x == 0 && r->y == 0 && r->w == (int32_t)im->im_width &&
	    r->h == (int32_t)im->im_height)
		return ts_bitmap(t, 0, r, im->im_px);
	for (y = 0; y < r->h; y++)
		memcpy(t->ts_sub + (size_t)y * r->w, im->im_px +
		    (size_t)(r->y + y) * im->im_width + r->x, (size_t)r->w * 4);
	return ts_bitmap(t, 0, r, t->ts_sub);
}

/*
 * Send what differs between prev and cur, as a damage-tracking producer
 * (an X server's DAMAGE, a VMM's dirty bitmap) would: changed tiles,
 * merged into runs along each row of tiles, and runs merged down while
 * the same columns keep changing.  Returns the rectangles sent, or -1.
 */
static int
ts_send_damage(struct ts *t, const struct image *prev, const struct image *cur)
{
	int32_t w = (int32_t)cur->im_width, h = (int32_t)cur->im_height;
	int32_t ntx = (w + TS_TILE - 1) / TS_TILE;
	int32_t nty = (h + TS_TILE - 1) / TS_TILE, tx, ty, x0, x1;
	struct scene_rect open = { 0, 0, 0, 0 }, r;
	int sent = 0, have = 0;

	for (ty = 0; ty < nty; ty++) {
		for (tx = 0; tx < ntx; tx++) {
			if (!ts_tile_differs(prev->im_px, cur->im_px, w, h, tx,
			    ty))
				continue;
			for (x0 = tx; tx + 1 < ntx && ts_tile_differs(
			    prev->im_px, cur->im_px, w, h, tx + 1, ty); tx++)
				;
			x1 = tx + 1;
			r.x = x0 * TS_TILE;
			r.w = (x1 * TS_TILE < w ? x1 * TS_TILE : w) - r.x;
			r.y = ty * TS_TILE;
			r.h = ((ty + 1) * TS_TILE < h ? (ty + 1) * TS_TILE :
			    h) - r.y;
			/* The same columns as the run above: grow it. */
			if (have && open.x == r.x && open.w == r.w &&
			    open.y + open.h == r.y) {
				open.h += r.h;
				continue;
			}
			if (have) {
				if (ts_send_rect(t, cur, &open) == -1)
					return -1;
				sent++;
			}
			open = r;
			have = 1;
		}
	}
	if (have) {
		if (ts_send_rect(t, cur, &open) == -1)
			return -1;
		sent++;
	}
	return sent;
}

static int
ts_run_frames(struct ts *t, const struct image *frames, int n, int fps,
    uint64_t count, int damage)
{
	int64_t next = ts_now_ms();
	const struct image *prev = NULL, *cur;
	uint64_t f;

	for (f = 0; !ts_stop && (count == 0 || f < count); f++) {
		cur = &frames[f % (uint64_t)n];
		if (ts_redraw_asked(t))
			prev = NULL;
		if (damage && prev != NULL) {
			if (ts_send_damage(t, prev, cur) == -1)
				return -1;
		} else if (ts_show(t, cur) == -1)
			return -1;
		prev = cur;
		next += 1000 / fps;
		if (ts_idle_until(t, next) == -1)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'S' },
		{ "fps", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ "image", required_argument, NULL, 'i' },
		{ "frames", required_argument, NULL, 'F' },
		{ "damage", no_argument, NULL, 'D' },
		{ "heads", required_argument, NULL, 'H' },
		{ "name", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL, *image = NULL, *frames = NULL;
	const char *name = "qxl-shm-testsrc";
	struct image *frame_im = NULL;
	struct sigaction sa;
	struct image im;
	struct ts t;
	struct qxlshm_setup qs;
	char err[QXLSHM_ERRLEN];
	uint32_t w = 1024, h = 768;
	uint64_t count = 0;
	struct qxlshm_head heads[QXLSHM_MAX_HEADS];
	int c, fps = 30, nframes = 0, damage = 0, nheads = 0, rv, i;

	memset(&t, 0, sizeof(t));
	memset(&im, 0, sizeof(im));
	while ((c = getopt_long(argc, argv, "s:S:f:c:i:F:DH:n:vh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'S':
			if (qxlshm_parse_size(optarg, &w, &h) == -1) {
				ts_log("--size %s: expected WxH within "
				    "1x1..%dx%d", optarg, QXLSHM_MAX_WIDTH,
				    QXLSHM_MAX_HEIGHT);
				return 2;
			}
			break;
		case 'f':
			fps = atoi(optarg);
			if (fps < 1 || fps > 1000) {
				ts_log("--fps %s: expected 1..1000", optarg);
				return 2;
			}
			break;
		case 'c':
			count = strtoull(optarg, NULL, 10);
			break;
		case 'i':
			image = optarg;
			break;
		case 'F':
			frames = optarg;
			break;
		case 'D':
			damage = 1;
			break;
		case 'H':
			nheads = atoi(optarg);
			if (nheads < 1 || nheads > QXLSHM_MAX_HEADS) {
				ts_log("--heads %s: expected 1..%d", optarg,
				    QXLSHM_MAX_HEADS);
				return 2;
			}
			break;
		case 'n':
			name = optarg;
			break;
		case 'v':
			t.ts_verbose = 1;
			break;
		default:
			ts_usage();
		}
	}
	if (sock == NULL || optind != argc || (image != NULL && frames != NULL) ||
	    (damage && frames == NULL))
		ts_usage();

	/* Load the first picture before connecting: a bad file is a usage
	 * problem, not a server one. */
	if (image != NULL && image_load(image, &im, err, sizeof(err)) == -1) {
		ts_log("%s", err);
		return 1;
	}
	if (frames != NULL && ts_load_frames(frames, &frame_im, &nframes) == -1)
		return 1;
	if (im.im_px != NULL) {
		w = im.im_width;
		h = im.im_height;
	} else if (frame_im != NULL) {
		w = frame_im[0].im_width;
		h = frame_im[0].im_height;
	}
	if (damage && (t.ts_sub = malloc((size_t)w * h * 4)) == NULL) {
		ts_log("out of memory");
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ts_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The primary starts out as the first picture, or black. */
	memset(&qs, 0, sizeof(qs));
	qs.width = w;
	qs.height = h;
	qs.pixels = frame_im != NULL ? frame_im[0].im_px : im.im_px;
	qs.features = QXLSHM_F_REDRAW | QXLSHM_F_INPUT |
	    (nheads > 0 ? QXLSHM_F_HEADS : 0);
	if ((t.ts_q = qxlshm_open(sock, name, &qs, err, sizeof(err))) == NULL) {
		ts_log("%s", err);
		return 1;
	}
	t.ts_w = (int32_t)w;
	t.ts_h = (int32_t)h;
	if (t.ts_verbose)
		ts_log("attached, primary %ux%u", w, h);
	/* --heads: side by side, of equal width (the last takes what the
	 * division leaves). */
	for (i = 0; i < nheads; i++) {
		heads[i].x = w / (uint32_t)nheads * (uint32_t)i;
		heads[i].y = 0;
		heads[i].width = i == nheads - 1 ? w - heads[i].x :
		    w / (uint32_t)nheads;
		heads[i].height = h;
	}
	if (nheads > 0 && (w < (uint32_t)nheads ||
	    qxlshm_set_heads(t.ts_q, (uint32_t)nheads, heads) == -1)) {
		ts_log("heads: %s", w < (uint32_t)nheads ? "the primary is "
		    "narrower than that" : qxlshm_error(t.ts_q));
		qxlshm_close(t.ts_q);
		return 1;
	}
	/* It has no pointer to place, but takes absolute positions as
	 * gladly as motion: both are only logged. */
	if ((qxlshm_features(t.ts_q) & QXLSHM_F_INPUT) &&
	    qxlshm_input_open(t.ts_q, QXLSHM_INPUT_ABSOLUTE, ts_on_input,
	    &t) == -1) {
		ts_log("input: %s", qxlshm_error(t.ts_q));
		qxlshm_close(t.ts_q);
		return 1;
	}
	if (image != NULL) {
		rv = ts_show(&t, &im);
		if (rv == 0 && t.ts_verbose)
			ts_log("showing %s (%ux%u); idle until signalled",
			    image, w, h);
		while (rv == 0 && !ts_stop) {
			rv = ts_idle_until(&t, ts_now_ms() + 200);
			if (rv == 0 && ts_redraw_asked(&t))
				rv = ts_show(&t, &im);
		}
	} else if (frames != NULL)
		rv = ts_run_frames(&t, frame_im, nframes, fps, count, damage);
	else
		rv = ts_run_scene(&t, fps, count);
	if (rv == 0 && count != 0)
		(void)ts_idle_until(&t, ts_now_ms() + 200);	/* releases */
	if (t.ts_verbose)
		ts_log("%s after %" PRIu64 " commands", ts_stop ?
		    "stopping on signal" : "done", t.ts_ncmds);
	qxlshm_close(t.ts_q);	/* sends DETACH */
	image_free(&im);
	for (i = 0; i < nframes; i++)
		image_free(&frame_im[i]);
	free(frame_im);
	free(t.ts_sub);
	return rv == 0 ? 0 : 1;
}
