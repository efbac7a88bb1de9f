/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-display: the display channel (workers/display/display-out.c) on arbitrary
 * client bytes, over real sockets and a libevent loop as in the worker,
 * with a 64x48 primary that changes while the client talks: its
 * DISPLAY_INIT (cache size, caps), stream reports, unknown messages, and
 * whatever the picture makes it send (images, fills, copies, streams,
 * FROM_CACHE, the producer's fills).
 *
 * Input byte 0: bit 0 the LZ4 cap, bit 1 the stream-report cap, bits 2-4
 * the worker flags (JPEG always, streaming all, GLZ images), bit 5 no
 * composite cap; byte 1 the write chunk
 * (1..256 bytes).  Then records of a kind byte and a length byte: kind 0
 * client bytes (mini headers), 1 a drawing (the next 4 bytes: seed, x,
 * y, size), or a colour key or alpha blend when bit 2 of the kind byte is
 * set (fz_blend), a composite when bit 3 is (fz_composite), a copy with
 * a ROP descriptor when bit 4 is, a ROP3 with a solid brush (code p[1])
 * when bit 5 is too (fz_rop_copy), 2 a move
 * (dx, dy), or a polyline when bit 2 is set
 * (fz_stroke), or an off-screen surface made, drawn on, copied from or
 * destroyed when bit 3 is (fz_surface), 3 a fill (fz_fill), or a string
 * when bit 2 is set (fz_text).
 *
 * Invariant: the channel closes with a reason, and everything sent to
 * the client is read.  The worker's frame (worker.c) is replaced by
 * stubs, and log lines are formatted and dropped (this file replaces
 * shared/log.c).
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <spice/enums.h>
#include <spice/protocol.h>
#include <spice/qxl_dev.h>

#include "display-out.h"
#include "ipc.h"
#include "log.h"
#include "qxl-cmd.h"
#include "render.h"
#include "worker.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)
#define FW	64
#define FH	48

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- logging and the worker frame: stubs ---------------------------- */
void
log_init(const char *ident, int debug)
{
}

int
log_debug_enabled(void)
{
	return 1;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

void
log_fatal(const char *fmt, ...)
{
	abort();
}

static int fz_closed;

void
worker_send(struct worker *w, uint32_t type, uint32_t session,
    uint32_t conn, const void *payload, size_t len, const int *fds,
    int nfds)
{
}

void
worker_conn_closed(struct worker *w, uint32_t session, uint32_t conn,
    const char *reason)
{
	FUZZ_CHECK(reason != NULL && reason[0] != '\0');
	fz_closed = 1;
}

void
worker_exit(struct worker *w, int status, const char *reason)
{
}

/* --- the run --------------------------------------------------------- */
static void
fz_pump(struct event_base *base, int client)
{
	uint8_t sink[65536];
	int i;

	for (i = 0; i < 4; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		while (read(client, sink, sizeof(sink)) > 0)
			;
	}
}

/* A drawing: a bitmap of seed s, size n, at x, y (clipped by render). */
static void
fz_draw(struct render *r, const uint8_t *p)
{
	static uint32_t px[FW * FH];
	struct render_src src;
	pixman_box32_t bbox, sa;
	struct spd_err err;
	int w = p[3] % FW + 1, h = p[3] / 4 % FH + 1, i;

	for (i = 0; i < w * h; i++)
		px[i] = (uint32_t)(p[0] * (i % 7 == 0 ? 1 : 3) + i / 5) *
		    0x010203u;
	memset(&src, 0, sizeof(src));
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_32BIT;
	src.rs_bitmap.rb_width = (uint32_t)w;
	src.rs_bitmap.rb_height = (uint32_t)h;
	src.rs_bitmap.rb_stride = w * 4;
	src.rs_bitmap.rb_data = (const uint8_t *)px;
	src.rs_bitmap.rb_size = (size_t)w * h * 4;
	bbox = (pixman_box32_t){ p[1] % FW, p[2] % FH, p[1] % FW + w,
	    p[2] % FH + h };
	sa = (pixman_box32_t){ 0, 0, w, h };
	(void)render_copy(r, 0, &bbox, NULL, &src, &sa, SPICE_ROPD_OP_PUT,
	    SPICE_IMAGE_SCALE_MODE_NEAREST, &err);
}

/* A TRANSPARENT (key 0x030609) when bit 0 of p[0] is set, else an
 * ALPHA_BLEND of alpha p[1], of a 20x14 source (RGBA when bit 1 is set,
 * scaled from 10x7 when bit 2 is) at p[2], p[3], partly off the primary
 * or not. */
static void
fz_blend(struct render *r, const uint8_t *p)
{
	static uint32_t px[20 * 14];
	struct qxl_cmd_draw dr;
	struct spd_err err;
	int32_t x = p[2] % (FW + 10) - 10, y = p[3] % (FH + 7) - 7;
	int i;

	for (i = 0; i < 20 * 14; i++)
		px[i] = (uint32_t)(p[0] * (i % 5 == 0 ? 1 : 7) + i) *
		    0x01030201u;
	memset(&dr, 0, sizeof(dr));
	dr.type = p[0] & 1 ? QXL_DRAW_TRANSPARENT : QXL_DRAW_ALPHA_BLEND;
	dr.bbox = (struct qxl_cmd_rect){ x, y, x + 20, y + 14 };
	dr.clip_type = SPICE_CLIP_TYPE_NONE;
	dr.src.kind = QXL_CMD_SRC_BITMAP;
	dr.src.format = p[0] & 2 ? SPICE_BITMAP_FMT_RGBA :
	    SPICE_BITMAP_FMT_32BIT;
	dr.src.width = 20;
	dr.src.height = 14;
	dr.src.stride = 20 * 4;
	dr.src.pixels = (const uint8_t *)px;
	dr.src.size = sizeof(px);
	dr.src_area = p[0] & 4 ? (struct qxl_cmd_rect){ 0, 0, 10, 7 } :
	    (struct qxl_cmd_rect){ 0, 0, 20, 14 };
	dr.transparent_color = 0x030609;
	dr.alpha = p[1];
	(void)render_draw(r, &dr, &err);
}

/* A COMPOSITE with operator p[1] % 14 of a 1x1 source repeated (bit 0 of
 * p[0]) or a 12x8 RGBA one, through a 12x8 8BIT_A mask when bit 1 is set,
 * with a translating source transform when bit 2 is, onto a 12x8 bbox at
 * p[2], p[3], partly off the primary or not. */
static void
fz_composite(struct render *r, const uint8_t *p)
{
	static uint32_t px[12 * 8];
	static uint8_t m8[12 * 8];
	static const int32_t shift[6] = { 0x10000, 0, 0x20000, 0, 0x10000, 0 };
	struct qxl_cmd_draw dr;
	struct spd_err err;
	int32_t x = p[2] % (FW + 6) - 6, y = p[3] % (FH + 4) - 4;
	int i;

	for (i = 0; i < 12 * 8; i++) {
		px[i] = (uint32_t)(p[0] + i * 29) * 0x01020304u;
		m8[i] = (uint8_t)(p[1] + i * 11);
	}
	memset(&dr, 0, sizeof(dr));
	dr.type = QXL_DRAW_COMPOSITE;
	dr.bbox = (struct qxl_cmd_rect){ x, y, x + 12, y + 8 };
	dr.clip_type = SPICE_CLIP_TYPE_NONE;
	dr.src.kind = QXL_CMD_SRC_BITMAP;
	dr.src.format = p[0] & 1 ? SPICE_BITMAP_FMT_32BIT :
	    SPICE_BITMAP_FMT_RGBA;
	dr.src.width = p[0] & 1 ? 1 : 12;
	dr.src.height = p[0] & 1 ? 1 : 8;
	dr.src.stride = (int32_t)dr.src.width * 4;
	dr.src.pixels = (const uint8_t *)px;
	dr.src.size = (size_t)dr.src.stride * dr.src.height;
	dr.composite.flags = p[1] % 14 | (p[0] & 1 ? 1u << 14 : 0);
	if (p[0] & 2) {
		dr.composite.flags |= SPICE_COMPOSITE_HAS_MASK;
		dr.composite.has_mask = 1;
		dr.composite.mask.kind = QXL_CMD_SRC_BITMAP;
		dr.composite.mask.format = SPICE_BITMAP_FMT_8BIT_A;
		dr.composite.mask.width = 12;
		dr.composite.mask.height = 8;
		dr.composite.mask.stride = 12;
		dr.composite.mask.pixels = m8;
		dr.composite.mask.size = sizeof(m8);
	}
	if (p[0] & 4) {
		dr.composite.flags |= SPICE_COMPOSITE_HAS_SRC_TRANSFORM;
		dr.composite.has_src_transform = 1;
		memcpy(dr.composite.src_transform, shift, sizeof(shift));
	}
	(void)render_draw(r, &dr, &err);
}

/* A COPY of a bitmap of seed p[0], (p[3] & 31) % 24 + 1 square, at p[1],
 * p[2] (partly off the primary or not), with the ROP descriptor p[0] |
 * (p[3] >> 5) << 8. */
static void
fz_rop_copy(struct render *r, const uint8_t *p, int rop3)
{
	static uint32_t px[24 * 24];
	struct render_src src;
	pixman_box32_t bbox, sa;
	struct spd_err err;
	int n = (p[3] & 31) % 24 + 1, i;

	for (i = 0; i < n * n; i++)
		px[i] = (uint32_t)(p[0] * 7 + i * 13) * 0x01030507u;
	memset(&src, 0, sizeof(src));
	src.rs_bitmap.rb_format = SPICE_BITMAP_FMT_32BIT;
	src.rs_bitmap.rb_width = (uint32_t)n;
	src.rs_bitmap.rb_height = (uint32_t)n;
	src.rs_bitmap.rb_stride = n * 4;
	src.rs_bitmap.rb_data = (const uint8_t *)px;
	src.rs_bitmap.rb_size = (size_t)n * n * 4;
	bbox = (pixman_box32_t){ p[1] % (FW + 8) - 8, p[2] % (FH + 8) - 8,
	    p[1] % (FW + 8) - 8 + n, p[2] % (FH + 8) - 8 + n };
	sa = (pixman_box32_t){ 0, 0, n, n };
	if (rop3) {
		struct qxl_cmd_draw dr;

		memset(&dr, 0, sizeof(dr));
		dr.type = QXL_DRAW_ROP3;
		dr.bbox = (struct qxl_cmd_rect){ bbox.x1, bbox.y1, bbox.x2,
		    bbox.y2 };
		dr.clip_type = SPICE_CLIP_TYPE_NONE;
		dr.src.kind = QXL_CMD_SRC_BITMAP;
		dr.src.format = SPICE_BITMAP_FMT_32BIT;
		dr.src.width = dr.src.height = (uint32_t)n;
		dr.src.stride = n * 4;
		dr.src.pixels = (const uint8_t *)px;
		dr.src.size = (size_t)n * n * 4;
		dr.src_area = (struct qxl_cmd_rect){ 0, 0, n, n };
		dr.brush.type = SPICE_BRUSH_TYPE_SOLID;
		dr.brush.color = (uint32_t)p[0] * 0x030507u;
		dr.rop3 = p[1];
		(void)render_draw(r, &dr, &err);
		return;
	}
	(void)render_copy(r, 0, &bbox, NULL, &src, &sa,
	    (uint16_t)(p[0] | (p[3] >> 5) << 8),
	    SPICE_IMAGE_SCALE_MODE_NEAREST, &err);
}

/* Off-screen surfaces (ids 1..20, more than a viewer holds): p[0] & 3
 * picks 0 create (p[2] % 32 + 1 by p[3] % 24 + 1, ARGB when bit 2 of
 * p[0] is set) or destroy id 1 + p[1] % 20, 1 a fill on it, 2 a copy
 * from it onto the primary (at p[2], p[3]; stretched 2x when bit 3 of
 * p[0] is set, interpolated when bit 4 is too; ROP descriptor XOR when
 * bit 5 is; a colour key instead when bit 6 is, an alpha blend when bit
 * 7 is), 3 a copy of the primary onto it; through render_draw, as
 * the display worker draws. */
static void
fz_surface(struct render *r, const uint8_t *p)
{
	struct qxl_cmd_draw dr;
	struct spd_err err;
	pixman_image_t *s;
	uint32_t id = 1 + p[1] % 20u;
	int w, h, k;

	s = render_surface(r, id);
	memset(&dr, 0, sizeof(dr));
	dr.clip_type = SPICE_CLIP_TYPE_NONE;
	dr.rop = SPICE_ROPD_OP_PUT;
	switch (p[0] & 3) {
	case 0:
		if (s != NULL)
			(void)render_surface_destroy(r, id, &err);
		else
			(void)render_surface_create(r, id, p[2] % 32u + 1,
			    p[3] % 24u + 1, p[0] & 4 ?
			    SPICE_SURFACE_FMT_32_ARGB :
			    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err);
		return;
	case 1:
		dr.type = QXL_DRAW_FILL;
		dr.surface_id = id;
		dr.bbox = (struct qxl_cmd_rect){ p[2] % 32, p[3] % 24,
		    p[2] % 32 + 6, p[3] % 24 + 5 };
		dr.brush.type = SPICE_BRUSH_TYPE_SOLID;
		dr.brush.color = (uint32_t)p[2] * 0x010305u;
		break;
	case 2:
		if (s == NULL)
			return;
		w = pixman_image_get_width(s);
		h = pixman_image_get_height(s);
		k = p[0] & 8 ? 2 : 1;
		dr.type = QXL_DRAW_COPY;
		dr.bbox = (struct qxl_cmd_rect){ p[2] % FW, p[3] % FH,
		    p[2] % FW + w * k, p[3] % FH + h * k };
		dr.src.kind = QXL_CMD_SRC_SURFACE;
		dr.src.surface_id = id;
		dr.src.width = (uint32_t)w;
		dr.src.height = (uint32_t)h;
		dr.src_area = (struct qxl_cmd_rect){ 0, 0, w, h };
		dr.scale_mode = p[0] & 16 ? SPICE_IMAGE_SCALE_MODE_INTERPOLATE :
		    SPICE_IMAGE_SCALE_MODE_NEAREST;
		if (p[0] & 32)
			dr.rop = SPICE_ROPD_OP_XOR;
		/* Bit 6: a colour key instead, bit 7: an alpha blend. */
		if (p[0] & 64) {
			dr.type = QXL_DRAW_TRANSPARENT;
			dr.transparent_color = (uint32_t)p[1] * 0x010203u;
		} else if (p[0] & 128) {
			dr.type = QXL_DRAW_ALPHA_BLEND;
			dr.alpha = (uint8_t)(p[2] | 1);
		}
		break;
	default:
		dr.type = QXL_DRAW_COPY;
		dr.surface_id = id;
		dr.bbox = (struct qxl_cmd_rect){ 0, 0, 8, 8 };
		dr.src.kind = QXL_CMD_SRC_SURFACE;
		dr.src.surface_id = 0;
		dr.src.width = FW;
		dr.src.height = FH;
		dr.src_area = (struct qxl_cmd_rect){ p[2] % (FW - 8),
		    p[3] % (FH - 8), p[2] % (FW - 8) + 8, p[3] % (FH - 8) + 8 };
		break;
	}
	(void)render_draw(r, &dr, &err);
}

/* A fill: ROP descriptor p[0] | p[1] << 8 (its 11 bits), at p[2],
 * p[3], through a clip of two boxes when bit 7 of p[1] is set; with a
 * 4x3 pattern brush when bit 6 is, else solid. */
static void
fz_fill(struct render *r, const uint8_t *p)
{
	static const uint32_t pat[4 * 3] = {
		0x102030, 0xffffff, 0x000000, 0x808080, 0x0000ff, 0x00ff00,
		0xff0000, 0x123456, 0x654321, 0xabcdef, 0x0f0f0f, 0xf0f0f0,
	};
	pixman_box32_t bbox, two[2] = { { 0, 0, FW / 2, FH / 2 },
	    { FW / 2 + 3, FH / 3, FW, FH } };
	pixman_region32_t clip;
	struct qxl_cmd_draw dr;
	struct spd_err err;
	uint16_t ropd = (uint16_t)((p[0] | p[1] << 8) & 0x7ff);

	bbox = (pixman_box32_t){ p[2] % FW, p[3] % FH, p[2] % FW + 1 +
	    p[0] % FW, p[3] % FH + 1 + p[1] % FH };
	if (!(p[1] & 0x40)) {
		pixman_region32_init_rects(&clip, two, 2);
		(void)render_fill(r, 0, &bbox, p[1] & 0x80 ? &clip : NULL,
		    (uint32_t)p[0] * 0x10305u, ropd, &err);
		pixman_region32_fini(&clip);
		return;
	}
	memset(&dr, 0, sizeof(dr));
	dr.type = QXL_DRAW_FILL;
	dr.bbox = (struct qxl_cmd_rect){ bbox.x1, bbox.y1, bbox.x2, bbox.y2 };
	dr.clip_type = SPICE_CLIP_TYPE_NONE;
	dr.rop = ropd;
	dr.brush.type = SPICE_BRUSH_TYPE_PATTERN;
	dr.brush.pat.kind = QXL_CMD_SRC_BITMAP;
	dr.brush.pat.format = SPICE_BITMAP_FMT_32BIT;
	dr.brush.pat.width = 4;
	dr.brush.pat.height = 3;
	dr.brush.pat.stride = 16;
	dr.brush.pat.pixels = (const uint8_t *)pat;
	dr.brush.pat.size = sizeof(pat);
	dr.brush.pos_x = p[2] % 5;
	dr.brush.pos_y = p[3] % 7;
	(void)render_draw(r, &dr, &err);
}

/* A string of two glyphs, A4 when bit 0 of p[0] is set, else A1, in
 * colour p[1] at p[2], p[3], over its box put in a back colour first
 * when bit 1 is set. */
static void
fz_text(struct render *r, const uint8_t *p)
{
	static const uint8_t bits[4 * 8] = {
		0x81, 0x42, 0x24, 0x18, 0xff, 0x0f, 0xf0, 0x3c,
		0x18, 0x24, 0x42, 0x81, 0x00, 0x7e, 0x66, 0x5a,
		0xa5, 0x99, 0x81, 0x01, 0x80, 0x10, 0x08, 0xc3,
		0x3c, 0xe7, 0xdb, 0xbd, 0x7f, 0xfe, 0x11, 0x88,
	};
	int32_t x = p[2] % FW, y = p[3] % FH;
	struct qxl_cmd_glyph g[2] = {
		{ x, y, 7, 8, bits + 28, -4 }, { x + 5, y + 1, 8, 7, bits, 4 },
	};
	struct qxl_cmd_draw dr;
	struct spd_err err;

	memset(&dr, 0, sizeof(dr));
	dr.type = QXL_DRAW_TEXT;
	dr.bbox = (struct qxl_cmd_rect){ x, y, x + 14, y + 8 };
	dr.clip_type = SPICE_CLIP_TYPE_NONE;
	dr.text.flags = p[0] & 1 ? SPICE_STRING_FLAGS_RASTER_A4 :
	    SPICE_STRING_FLAGS_RASTER_A1;
	dr.text.nglyphs = 2;
	dr.text.glyphs = g;
	dr.text.fore.type = SPICE_BRUSH_TYPE_SOLID;
	dr.text.fore.color = (uint32_t)p[1] * 0x10203u;
	if (p[0] & 2) {
		dr.text.back_area = dr.bbox;
		dr.text.back.type = SPICE_BRUSH_TYPE_SOLID;
		dr.text.back.color = (uint32_t)p[0] * 0x30201u;
	}
	(void)render_draw(r, &dr, &err);
}

/* A polyline in colour p[0] through (p[1], p[2]) and (p[3], p[4]) and
 * back, the points on the primary or not, closed when bit 0 of p[0] is
 * set, with the ROP descriptor XOR when bit 1 is. */
static void
fz_stroke(struct render *r, const uint8_t *p)
{
	struct qxl_cmd_pointfix pts[3] = {
		{ (p[1] - 64) * 16, (p[2] - 64) * 16 + 5 },
		{ (p[3] - 64) * 16 + 8, (p[4] - 64) * 16 },
		{ (p[1] % FW) * 16, (p[4] % FH) * 16 },
	};
	struct qxl_cmd_pathseg seg = { SPICE_PATH_BEGIN | SPICE_PATH_END, 3,
	    pts };
	struct qxl_cmd_draw dr;
	struct spd_err err;

	memset(&dr, 0, sizeof(dr));
	dr.type = QXL_DRAW_STROKE;
	dr.bbox = (struct qxl_cmd_rect){ 0, 0, FW, FH };
	dr.clip_type = SPICE_CLIP_TYPE_NONE;
	if (p[0] & 1)
		seg.flags |= SPICE_PATH_CLOSE;
	dr.stroke.nsegs = 1;
	dr.stroke.segs = &seg;
	dr.stroke.points = pts;
	dr.stroke.brush.type = SPICE_BRUSH_TYPE_SOLID;
	dr.stroke.brush.color = (uint32_t)p[0] * 0x20103u;
	dr.stroke.fore_mode = p[0] & 2 ? SPICE_ROPD_OP_XOR : SPICE_ROPD_OP_PUT;
	(void)render_draw(r, &dr, &err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct worker w;
	struct render *r;
	struct dout *d;
	struct ipc_client ic;
	struct spd_err err;
	pixman_box32_t all = { 0, 0, FW, FH };
	size_t chunk, off, len, n;
	int cl[2];

	if (size < 2)
		return 0;
	memset(&w, 0, sizeof(w));
	w.wk_flags = (data[0] & 4 ? IPC_INIT_JPEG_ALWAYS : 0) |
	    (data[0] & 8 ? IPC_INIT_STREAM_ALL : 0) |
	    (data[0] & 16 ? IPC_INIT_IMAGES_GLZ : 0);
	snprintf(w.wk_display, sizeof(w.wk_display), "fuzz");
	FUZZ_CHECK((w.wk_base = event_base_new()) != NULL);
	FUZZ_CHECK((r = render_new(NULL, NULL)) != NULL);
	FUZZ_CHECK((d = dout_new(&w, r, &err)) != NULL);
	render_set_damage(r, dout_damage, dout_move, d);
	render_set_fill(r, dout_fill);
	render_set_text(r, dout_text);
	render_set_stroke(r, dout_stroke);
	render_set_blend(r, dout_blend);
	render_set_composite(r, dout_composite);
	render_set_copy(r, dout_copy);
	render_set_scaled(r, dout_scaled);
	render_set_surfaces(r, dout_surface_copy, dout_surface_blend,
	    dout_offscreen);
	FUZZ_CHECK(render_surface_create(r, 0, FW, FH,
	    SPICE_SURFACE_FMT_32_xRGB, NULL, 0, &err) == 0);
	dout_primary_created(d);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, cl) == 0);
	FUZZ_CHECK(fcntl(cl[1], F_SETFL, O_NONBLOCK) == 0);
	fz_closed = 0;

	memset(&ic, 0, sizeof(ic));
	ic.channel_type = SPICE_CHANNEL_DISPLAY;
	ic.mini_header = 1;
	ic.channel_caps[0] = (data[0] & 1 ? 1u << SPICE_DISPLAY_CAP_LZ4_COMPRESSION :
	    0) | (data[0] & 2 ? 1u << SPICE_DISPLAY_CAP_STREAM_REPORT : 0) |
	    (data[0] & 32 ? 0 : 1u << SPICE_DISPLAY_CAP_COMPOSITE);
	ic.n_channel_caps = 1;
	snprintf(ic.peer, sizeof(ic.peer), "fuzz");
	FUZZ_CHECK(dout_client_add(d, cl[0], 1, 2, &ic, &err) == 0);

	chunk = (size_t)data[1] + 1;
	for (off = 2; off + 2 <= size && !fz_closed; off += len) {
		len = data[off + 1];
		if (len > size - off - 2)
			len = size - off - 2;
		switch (data[off] % 4) {
		case 0:
			for (n = 0; n < len; n += chunk)
				if (write(cl[1], data + off + 2 + n, len - n <
				    chunk ? len - n : chunk) < 0)
					break;
			break;
		case 1:
			if (len >= 4 && data[off] & 16)
				fz_rop_copy(r, data + off + 2,
				    data[off] & 32);
			else if (len >= 4 && data[off] & 8)
				fz_composite(r, data + off + 2);
			else if (len >= 4 && data[off] & 4)
				fz_blend(r, data + off + 2);
			else if (len >= 4)
				fz_draw(r, data + off + 2);
			break;
		case 3:
			if (len >= 4 && data[off] & 4)
				fz_text(r, data + off + 2);
			else if (len >= 4)
				fz_fill(r, data + off + 2);
			break;
		default:
			if (len >= 4 && data[off] & 8) {
				fz_surface(r, data + off + 2);
				break;
			}
			if (len >= 5 && data[off] & 4) {
				fz_stroke(r, data + off + 2);
				break;
			}
			if (len >= 2) {
				struct spd_err e;
				pixman_box32_t b = { 8, 8, 40, 30 };

				(void)render_copy_bits(r, 0, &b, NULL,
				    8 + (int8_t)data[off + 2] % 8,
				    8 + (int8_t)data[off + 3] % 8, &e);
			}
			break;
		}
		off += 2;
		fz_pump(w.wk_base, cl[1]);
	}
	fz_pump(w.wk_base, cl[1]);
	(void)all;
	dout_free(d);
	FUZZ_CHECK(fz_closed);
	render_free(r);
	close(cl[1]);
	event_base_free(w.wk_base);
	return 0;
}
