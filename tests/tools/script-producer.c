/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * script-producer: a qxl-shm producer whose command and cursor rings a
 * test drives line by line on standard input, good commands and hostile
 * ones.
 *
 *   script-producer --socket PATH
 *
 * After attaching (a 320x240 primary) it prints "ready", then reads one
 * line at a time and prints "ok" once it is on the rings.  A line may hold
 * several commands separated by ";", pushed back to back.  Drawing:
 *   fill X Y W H RGB  FILL of a solid colour (RGB in hex)
 *   bitmap X Y W H S [OY]
 *                     COPY of a W x H bitmap, pixel (x, y) = the low 24
 *                     bits of (x * 73856093) ^ ((y + OY) * 19349663) ^
 *                     (S * 83492791), 32-bit arithmetic (OY: the same
 *                     picture scrolled by OY rows)
 *   scene X Y W H BG WX WY WW WH WS
 *                     COPY of a W x H bitmap showing, at screen position
 *                     (x, y), a window: bitmap pixel (x - WX, y - WY) of
 *                     seed WS inside the WW x WH rectangle at WX, WY, and
 *                     bitmap pixel (x, y) of seed BG around it (a
 *                     damage-only producer's picture of a dragged window)
 *   photo X Y W H S   COPY of a W x H bitmap that looks like a photograph
 *                     (smooth waves: every pixel a little different from
 *                     the next): channel bytes, truncated,
 *                     r = 128 + 100 sin(x / 9 + S) cos(y / 11),
 *                     g = 128 + 100 sin(y / 7) cos(x / 13 + S),
 *                     b = 128 + 100 sin((x + y) / 10)
 *   vivid X Y W H S   COPY of a W x H bitmap that looks like a photograph
 *                     whose colour has edges as sharp as its brightness
 *                     (bench-e2e's video): channel bytes
 *                     r = 28 + (3 x + 7 S) mod 200,
 *                     g = 60 + ((x + 2 y + 29 S) mod 256) / 2,
 *                     b = 28 + (x y / 64 + 13 S) mod 200
 *   solid X Y W H RGB COPY of a W x H bitmap of one colour (RGB in hex)
 *   copybits SX SY X Y W H [CX CY CW CH]...
 *                     COPY_BITS of the W x H area at SX,SY to X,Y, clipped
 *                     to up to 4 rectangles when given
 *   and the other draw types, as script-draw.h lists
 *   heads N X Y W H...  HEADS of N monitors, as given
 * Ports (qxl-shm byte streams), whose bytes the producer echoes back:
 *   port usbredir|named NAME   MSG_PORT of a socket pair, device end open
 *   port-state N 0|1           MSG_PORT_STATE
 *   port-raw KIND NAME         MSG_PORT with kind and name as given,
 *                              unchecked (NAME "\\x01" for a control
 *                              character)
 *   port-sock smartcard NAME PATH
 *                              a smartcard port whose device end is a
 *                              connection to the UNIX socket PATH (the
 *                              test plays the device), not echoed
 * Sound (qxl-shm 2.7, 2.8), datagrams as given, unchecked:
 *   audio-open | record-open    MSG_AUDIO / MSG_RECORD of a socket pair
 *   audio-raw | record-raw N TYPE WORD... HEX
 *                     a datagram: u32 TYPE, the u32 WORDs (N of them),
 *                     then the bytes of HEX ("-" for none)
 *   record-recv       waits up to 5 s for a datagram on the record port
 *                     and prints "record TYPE BYTES HEX" (HEX: the
 *                     samples of a DATA, or "-")
 * Cursor:
 *   mono ID X Y       SET: a 64x64 MONO shape (a frame: an opaque black
 *                     border 4 pixels wide, transparent inside, a white
 *                     8x8 square at 28,28), hot spot 5,6, id ID
 *   alpha ID X Y      SET: an 8x8 ALPHA shape, pixel (x, y) =
 *                     0x80000000 | x << 16 | y << 8 | 0x42, hot spot 7,0
 *   move X Y | hide | trail LENGTH FREQUENCY
 *   bad-size          SET whose data_size is one byte short of its shape
 *   bad-hotspot       SET whose hot spot lies outside its shape
 *   bad-outside       SET whose shape address is past the end of its slot
 *   bad-type          SET of an unknown shape type (unsupported, not bad)
 *   flood N           N MOVEs as fast as the ring takes them
 * A command the server answers by dropping the producer prints "dropped:
 * REASON" and exits 4; end of input detaches and exits 0.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "libqxlshm.h"
#include "script-draw.h"

#define CP_SLOT		QXLSHM_SETUP_CMD_SLOT
#define CP_DATA_SLOT	QXLSHM_SETUP_DATA_SLOT
#define CP_MONO		64
#define CP_MAX_CLIP	4

static struct qxlshm *cp_q;
static int cp_ports[QXLSHM_MAX_PORTS + 1];	/* our ends, echoed */
static int cp_nports;
static int cp_audio = -1, cp_record = -1;	/* our ends of the sound */

static QXLCursorCmd *
cp_cmd(uint8_t type, uint64_t *phys)
{
	QXLCursorCmd *c;

	if ((c = qxlshm_alloc_cmd(cp_q, CP_SLOT, sizeof(*c), phys)) == NULL)
		return NULL;
	c->type = type;
	return c;
}

/* A SET naming a shape of type, w x h, hot spot, declared size; the data
 * filled by fill (or zero). */
static int
cp_set(uint64_t id, int x, int y, uint16_t type, uint16_t w, uint16_t h,
    uint16_t hx, uint16_t hy, uint32_t declared, uint32_t have,
    void (*fill)(uint8_t *), uint64_t *phys)
{
	QXLCursorCmd *c;
	QXLCursor *cur;
	uint64_t cphys;

	if ((c = cp_cmd(QXL_CURSOR_SET, phys)) == NULL ||
	    (cur = qxlshm_alloc(cp_q, CP_SLOT, sizeof(*cur) + have,
	    &cphys)) == NULL)
		return -1;
	qxlshm_link(cp_q, c, cur);
	cur->header.unique = id;
	cur->header.type = type;
	cur->header.width = w;
	cur->header.height = h;
	cur->header.hot_spot_x = hx;
	cur->header.hot_spot_y = hy;
	cur->data_size = declared;
	cur->chunk.data_size = have;
	if (fill != NULL)
		fill((uint8_t *)cur + sizeof(*cur));
	c->u.set.position.x = (int16_t)x;
	c->u.set.position.y = (int16_t)y;
	c->u.set.visible = 1;
	c->u.set.shape = cphys;
	return 0;
}

/* MONO: the AND mask (1: transparent), then the XOR mask (1: white). */
static void
cp_fill_mono(uint8_t *p)
{
	uint8_t *and = p, *xor = p + CP_MONO * CP_MONO / 8;
	int x, y, border, square;

	for (y = 0; y < CP_MONO; y++)
		for (x = 0; x < CP_MONO; x++) {
			border = x < 4 || y < 4 || x >= CP_MONO - 4 ||
			    y >= CP_MONO - 4;
			square = x >= 28 && x < 36 && y >= 28 && y < 36;
			if (!border && !square)
				and[y * 8 + x / 8] |= 0x80 >> (x % 8);
			if (square)
				xor[y * 8 + x / 8] |= 0x80 >> (x % 8);
		}
}

static void
cp_fill_alpha(uint8_t *p)
{
	uint32_t v;
	int x, y;

	for (y = 0; y < 8; y++)
		for (x = 0; x < 8; x++) {
			v = 0x80000000u | (uint32_t)x << 16 | (uint32_t)y << 8 |
			    0x42;
			memcpy(p + (y * 8 + x) * 4, &v, 4);
		}
}

static int
cp_push(uint64_t phys)
{
	if (qxlshm_push_cursor(cp_q, phys, 5000) == -1)
		return -1;
	return 0;
}

static QXLDrawable *
cp_drawable(uint8_t type, int x, int y, int w, int h, uint64_t *phys)
{
	QXLRect bbox = { .left = x, .top = y, .right = x + w, .bottom = y + h };
	QXLDrawable *d;

	if ((d = qxlshm_alloc_cmd(cp_q, CP_SLOT, sizeof(*d), phys)) == NULL)
		return NULL;
	qxlshm_drawable_init(d, script_draw_target(), type, &bbox);
	return d;
}

static int
cp_draw_push(uint64_t phys)
{
	return qxlshm_push_cmd(cp_q, QXL_CMD_DRAW, phys, 5000);
}

static int
cp_fill(int x, int y, int w, int h, uint32_t rgb)
{
	QXLDrawable *d;
	uint64_t phys;

	if ((d = cp_drawable(QXL_DRAW_FILL, x, y, w, h, &phys)) == NULL)
		return -1;
	d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d->u.fill.brush.u.color = rgb;
	d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
	return cp_draw_push(phys);
}

static uint32_t
cp_photo(int x, int y, uint32_t s)
{
	uint32_t r = (uint32_t)(128 + 100 * sin(x / 9.0 + s) * cos(y / 11.0));
	uint32_t g = (uint32_t)(128 + 100 * sin(y / 7.0) * cos(x / 13.0 + s));
	uint32_t b = (uint32_t)(128 + 100 * sin((x + y) / 10.0));

	return r << 16 | g << 8 | b;
}

static uint32_t
cp_vivid(int x, int y, uint32_t s)
{
	uint32_t r = 28 + ((uint32_t)x * 3 + s * 7) % 200;
	uint32_t g = 60 + ((uint32_t)(x + 2 * y) + s * 29) % 256 / 2;
	uint32_t b = 28 + ((uint32_t)(x * y / 64) + s * 13) % 200;

	return r << 16 | g << 8 | b;
}

static uint32_t
cp_pattern(int x, int y, uint32_t seed)
{
	return ((uint32_t)x * 73856093u ^ (uint32_t)y * 19349663u ^
	    seed * 83492791u) & 0xffffff;
}

/* The window of a scene line, or NULL for plain bitmaps. */
struct cp_window {
	uint32_t	bg;
	int		x, y, w, h;
	uint32_t	seed;
};

/* What a plain bitmap shows. */
enum cp_kind {
	CP_PATTERN,		/* cp_pattern of the seed */
	CP_PHOTO,		/* cp_photo of the seed */
	CP_VIVID,		/* cp_vivid of the seed */
	CP_SOLID,		/* the seed as its one colour */
};

static int
cp_bitmap(int x, int y, int w, int h, uint32_t seed, int oy,
    enum cp_kind kind, const struct cp_window *win)
{
	QXLDrawable *d;
	QXLImage *img;
	uint32_t *px;
	uint64_t phys, iphys, pphys;
	int i, j;

	if (w <= 0 || h <= 0 || w > 320 || h > 240 ||
	    (d = cp_drawable(QXL_DRAW_COPY, x, y, w, h, &phys)) == NULL)
		return -1;
	if ((img = qxlshm_alloc(cp_q, CP_SLOT, sizeof(*img), &iphys)) == NULL ||
	    (px = qxlshm_alloc(cp_q, CP_DATA_SLOT, (size_t)w * h * 4,
	    &pphys)) == NULL)
		return -1;
	qxlshm_link(cp_q, d, img);
	qxlshm_link(cp_q, d, px);
	for (j = 0; j < h; j++)
		for (i = 0; i < w; i++)
			px[j * w + i] = win != NULL ? (x + i >= win->x &&
			    x + i < win->x + win->w && y + j >= win->y &&
			    y + j < win->y + win->h ? cp_pattern(x + i - win->x,
			    y + j - win->y, win->seed) : cp_pattern(x + i,
			    y + j, win->bg)) : kind == CP_PHOTO ?
			    cp_photo(i, j, seed) : kind == CP_VIVID ?
			    cp_vivid(i, j, seed) : kind == CP_SOLID ? seed :
			    cp_pattern(i, j + oy, seed);
	img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img->descriptor.width = (uint32_t)w;
	img->descriptor.height = (uint32_t)h;
	img->bitmap.format = SPICE_BITMAP_FMT_32BIT;
	img->bitmap.flags = QXL_BITMAP_TOP_DOWN | QXL_BITMAP_DIRECT;
	img->bitmap.x = (uint32_t)w;
	img->bitmap.y = (uint32_t)h;
	img->bitmap.stride = (uint32_t)w * 4;
	img->bitmap.data = pphys;
	d->u.copy.src_bitmap = iphys;
	d->u.copy.src_area.right = w;
	d->u.copy.src_area.bottom = h;
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	return cp_draw_push(phys);
}

static int
cp_copy_bits(const char *args)
{
	QXLClipRects *cr;
	QXLRect *r;
	QXLDrawable *d;
	uint64_t phys, cphys;
	int v[6 + 4 * CP_MAX_CLIP], n = 0, used, i;

	while (n < (int)(sizeof(v) / sizeof(v[0])) &&
	    sscanf(args, "%d%n", &v[n], &used) == 1) {
		args += used;
		n++;
	}
	if (n < 6 || (n - 6) % 4 != 0)
		return -1;
	if ((d = cp_drawable(QXL_COPY_BITS, v[2], v[3], v[4], v[5], &phys)) ==
	    NULL)
		return -1;
	d->u.copy_bits.src_pos.x = v[0];
	d->u.copy_bits.src_pos.y = v[1];
	if (n > 6) {
		if ((cr = qxlshm_alloc(cp_q, CP_SLOT, sizeof(*cr) +
		    (size_t)(n - 6) / 4 * sizeof(QXLRect), &cphys)) == NULL)
			return -1;
		qxlshm_link(cp_q, d, cr);
		cr->num_rects = (uint32_t)(n - 6) / 4;
		cr->chunk.data_size = cr->num_rects * sizeof(QXLRect);
		r = (QXLRect *)cr->chunk.data;
		for (i = 0; i < (int)cr->num_rects; i++) {
			r[i].left = v[6 + 4 * i];
			r[i].top = v[7 + 4 * i];
			r[i].right = v[6 + 4 * i] + v[8 + 4 * i];
			r[i].bottom = v[7 + 4 * i] + v[9 + 4 * i];
		}
		d->clip.type = SPICE_CLIP_TYPE_RECTS;
		d->clip.data = cphys;
	}
	return cp_draw_push(phys);
}

/* HEADS: N, then X Y W H of each, as given (unchecked here). */
static int
cp_heads(const char *args)
{
	struct qxlshm_head h[QXLSHM_MAX_HEADS];
	int n, i, used;

	if (sscanf(args, "%d%n", &n, &used) != 1 || n < 1 ||
	    n > QXLSHM_MAX_HEADS)
		return -1;
	args += used;
	for (i = 0; i < n; i++) {
		if (sscanf(args, "%u %u %u %u%n", &h[i].x, &h[i].y,
		    &h[i].width, &h[i].height, &used) != 4)
			return -1;
		args += used;
	}
	return qxlshm_set_heads(cp_q, (uint32_t)n, h);
}

/* A port whose device end echoes what the client sends; raw: the
 * message as given, past libqxlshm's checks. */
static int
cp_port(uint32_t kind, const char *name, int raw)
{
	struct qxlshm_port p;
	int sv[2], rc;

	if (cp_nports == QXLSHM_MAX_PORTS + 1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	if (strcmp(name, "\\x01") == 0)
		name = "\x01";
	if (raw) {
		memset(&p, 0, sizeof(p));
		p.kind = kind;
		p.opened = 1;
		snprintf(p.name, sizeof(p.name), "%s", name);
		rc = qxlshm_send_msg(cp_q, QXLSHM_MSG_PORT, &p, sizeof(p),
		    &sv[1], 1);
	} else
		rc = qxlshm_port_add(cp_q, kind, name, 1, sv[1]);
	close(sv[1]);
	cp_ports[cp_nports++] = sv[0];
	return rc == -1 ? -1 : 0;
}

/* A port of kind whose device end is a connection to the stream socket
 * at path. */
static int
cp_port_sock(uint32_t kind, const char *name, const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	rc = qxlshm_port_add(cp_q, kind, name, 1, fd);
	close(fd);
	return rc == -1 ? -1 : 0;
}

/* A hex digit's value, or -1. */
static int
cp_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "N TYPE WORD... HEX" as one datagram to fd.  (The hex is read a digit
 * at a time, not by sscanf: 30 kB a line, in real time, on a loaded
 * machine.) */
static int
cp_audio_raw(int fd, const char *args)
{
	uint8_t buf[QXLSHM_AUDIO_MAX_DATA + 64];
	uint32_t v;
	size_t len = 0;
	int n, used, i, hi, lo;

	if (fd < 0 || sscanf(args, "%d%n", &n, &used) != 1 || n < 0 || n > 8)
		return -1;
	args += used;
	for (i = 0; i <= n; i++) {
		if (sscanf(args, "%u%n", &v, &used) != 1)
			return -1;
		args += used;
		memcpy(buf + len, &v, 4);
		len += 4;
	}
	args += strspn(args, " ");
	if (strcmp(args, "-") != 0)
		for (; (hi = cp_hex_digit(args[0])) >= 0 &&
		    (lo = cp_hex_digit(args[1])) >= 0 && len < sizeof(buf);
		    args += 2)
			buf[len++] = (uint8_t)(hi << 4 | lo);
	return send(fd, buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static int
cp_record_recv(void)
{
	uint8_t buf[QXLSHM_AUDIO_MAX_DATA + 64];
	struct pollfd pfd = { .fd = cp_record, .events = POLLIN };
	uint32_t type;
	ssize_t n, i;

	if (cp_record < 0 || poll(&pfd, 1, 5000) != 1 ||
	    (n = recv(cp_record, buf, sizeof(buf), 0)) < 4)
		return -1;
	memcpy(&type, buf, 4);
	printf("record %u %zd ", type, n);
	if (type == QXLSHM_AUDIO_DATA && n > 12)
		for (i = 12; i < n; i++)
			printf("%02x", buf[i]);
	else
		printf("-");
	printf("\n");
	return 0;
}

/* Echo what the ports have (a bounded read each). */
static void
cp_echo(void)
{
	char buf[65536];
	ssize_t n;
	int i;

	for (i = 0; i < cp_nports; i++)
		while ((n = recv(cp_ports[i], buf, sizeof(buf),
		    MSG_DONTWAIT)) > 0)
			(void)write(cp_ports[i], buf, (size_t)n);
}

/* One command; 0 pushed, -1 failed (message printed), 1 unknown. */
static int
cp_command(const char *line)
{
	QXLCursorCmd *c;
	struct cp_window win;
	uint64_t id, phys;
	uint32_t rgb;
	char name[64], path[108];
	int x, y, w, h, n, i, rv;
	const uint32_t mono = 2 * CP_MONO * CP_MONO / 8;

	if (strcmp(line, "audio-open") == 0)
		return (cp_audio = qxlshm_audio_open(cp_q)) == -1 ? -1 : 0;
	if (strcmp(line, "record-open") == 0)
		return (cp_record = qxlshm_record_open(cp_q)) == -1 ? -1 : 0;
	if (strncmp(line, "audio-raw ", 10) == 0)
		return cp_audio_raw(cp_audio, line + 10);
	if (strncmp(line, "record-raw ", 11) == 0)
		return cp_audio_raw(cp_record, line + 11);
	if (strcmp(line, "record-recv") == 0)
		return cp_record_recv();
	if (sscanf(line, "port usbredir %63s", name) == 1)
		return cp_port(QXLSHM_PORT_USBREDIR, name, 0);
	if (sscanf(line, "port named %63s", name) == 1)
		return cp_port(QXLSHM_PORT_NAMED, name, 0);
	if (sscanf(line, "port-sock smartcard %63s %107s", name, path) == 2)
		return cp_port_sock(QXLSHM_PORT_SMARTCARD, name, path);
	if (sscanf(line, "port-raw %u %63s", &rgb, name) == 2)
		return cp_port(rgb, name, 1);
	if (sscanf(line, "port-state %d %d", &x, &y) == 2)
		return qxlshm_port_state(cp_q, x, y);
	if (sscanf(line, "fill %d %d %d %d %x", &x, &y, &w, &h, &rgb) == 5)
		return cp_fill(x, y, w, h, rgb);
	if (sscanf(line, "bitmap %d %d %d %d %u %d", &x, &y, &w, &h, &rgb,
	    &n) == 6)
		return cp_bitmap(x, y, w, h, rgb, n, CP_PATTERN, NULL);
	if (sscanf(line, "bitmap %d %d %d %d %u", &x, &y, &w, &h, &rgb) == 5)
		return cp_bitmap(x, y, w, h, rgb, 0, CP_PATTERN, NULL);
	if (sscanf(line, "photo %d %d %d %d %u", &x, &y, &w, &h, &rgb) == 5)
		return cp_bitmap(x, y, w, h, rgb, 0, CP_PHOTO, NULL);
	if (sscanf(line, "vivid %d %d %d %d %u", &x, &y, &w, &h, &rgb) == 5)
		return cp_bitmap(x, y, w, h, rgb, 0, CP_VIVID, NULL);
	if (sscanf(line, "solid %d %d %d %d %x", &x, &y, &w, &h, &rgb) == 5)
		return cp_bitmap(x, y, w, h, rgb, 0, CP_SOLID, NULL);
	if (sscanf(line, "scene %d %d %d %d %u %d %d %d %d %u", &x, &y, &w,
	    &h, &win.bg, &win.x, &win.y, &win.w, &win.h, &win.seed) == 10)
		return cp_bitmap(x, y, w, h, 0, 0, CP_PATTERN, &win);
	if (strncmp(line, "copybits ", 9) == 0)
		return cp_copy_bits(line + 9);
	if (strncmp(line, "heads ", 6) == 0)
		return cp_heads(line + 6);
	if ((rv = script_draw(cp_q, line)) != 1)
		return rv;
	if (sscanf(line, "mono %" SCNu64 " %d %d", &id, &x, &y) == 3)
		return cp_set(id, x, y, SPICE_CURSOR_TYPE_MONO, CP_MONO,
		    CP_MONO, 5, 6, mono, mono, cp_fill_mono, &phys) ||
		    cp_push(phys);
	if (sscanf(line, "alpha %" SCNu64 " %d %d", &id, &x, &y) == 3)
		return cp_set(id, x, y, SPICE_CURSOR_TYPE_ALPHA, 8, 8, 7, 0,
		    256, 256, cp_fill_alpha, &phys) || cp_push(phys);
	if (sscanf(line, "move %d %d", &x, &y) == 2) {
		if ((c = cp_cmd(QXL_CURSOR_MOVE, &phys)) == NULL)
			return -1;
		c->u.position.x = (int16_t)x;
		c->u.position.y = (int16_t)y;
		return cp_push(phys);
	}
	if (strcmp(line, "hide") == 0)
		return cp_cmd(QXL_CURSOR_HIDE, &phys) == NULL || cp_push(phys);
	if (sscanf(line, "trail %d %d", &x, &y) == 2) {
		if ((c = cp_cmd(QXL_CURSOR_TRAIL, &phys)) == NULL)
			return -1;
		c->u.trail.length = (uint16_t)x;
		c->u.trail.frequency = (uint16_t)y;
		return cp_push(phys);
	}
	if (strcmp(line, "bad-size") == 0)
		return cp_set(1, 0, 0, SPICE_CURSOR_TYPE_ALPHA, 8, 8, 0, 0,
		    255, 255, NULL, &phys) || cp_push(phys);
	if (strcmp(line, "bad-hotspot") == 0)
		return cp_set(1, 0, 0, SPICE_CURSOR_TYPE_ALPHA, 8, 8, 8, 0,
		    256, 256, NULL, &phys) || cp_push(phys);
	if (strcmp(line, "bad-type") == 0)
		return cp_set(1, 0, 0, 77, 8, 8, 0, 0, 256, 256, NULL,
		    &phys) || cp_push(phys);
	if (strcmp(line, "bad-outside") == 0) {
		uint64_t size;

		if ((c = cp_cmd(QXL_CURSOR_SET, &phys)) == NULL)
			return -1;
		qxlshm_slot_base(cp_q, CP_SLOT, &size);
		c->u.set.shape = QXLSHM_PHYS(CP_SLOT, 0, size - 8);
		return cp_push(phys);
	}
	if (sscanf(line, "flood %d", &n) == 1) {
		for (i = 0; i < n; i++) {
			if ((c = cp_cmd(QXL_CURSOR_MOVE, &phys)) == NULL)
				return -1;
			c->u.position.x = (int16_t)(i % 300);
			c->u.position.y = (int16_t)(i % 200);
			if (cp_push(phys) == -1)
				return -1;
		}
		return 0;
	}
	return 1;
}

/*
 * Standard input a line at a time, read in blocks (an audio-raw line is
 * 30 kB: unbuffered stdio would make that 30000 reads) into a buffer of
 * our own, so that poll(2) on fd 0 is asked only when no whole line is
 * buffered.
 */
static char cp_in[4 * QXLSHM_AUDIO_MAX_DATA + 1024];
static size_t cp_in_len;

/* The next whole line, its newline replaced by NUL, moved to line; 1 if
 * there was one, 0 if not yet, -1 at end of input (or a line too long). */
static int
cp_next_line(char *line, size_t size)
{
	char *nl = memchr(cp_in, '\n', cp_in_len);
	size_t n;

	if (nl == NULL)
		return cp_in_len == sizeof(cp_in) ? -1 : 0;
	n = (size_t)(nl - cp_in);
	if (n >= size)
		return -1;
	memcpy(line, cp_in, n);
	line[n] = '\0';
	cp_in_len -= n + 1;
	memmove(cp_in, nl + 1, cp_in_len);
	return 1;
}

/* Read what standard input has; -1 at its end. */
static int
cp_read_stdin(void)
{
	ssize_t n = read(0, cp_in + cp_in_len, sizeof(cp_in) - cp_in_len);

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return -1;
	cp_in_len += (size_t)n;
	return 0;
}

/* A line of commands separated by ";": 0, -1 or 1 (an unknown one). */
static int
cp_line(char *line)
{
	char *cmd, *save = NULL;
	int rv;

	for (cmd = strtok_r(line, ";", &save); cmd != NULL;
	    cmd = strtok_r(NULL, ";", &save)) {
		cmd += strspn(cmd, " ");
		if ((rv = cp_command(cmd)) != 0)
			return rv;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct qxlshm_setup qs;
	struct pollfd pfd;
	char err[QXLSHM_ERRLEN];
	static char line[2 * QXLSHM_AUDIO_MAX_DATA + 256];	/* audio-raw */
	const char *sock = NULL;
	int rv;

	if (argc == 3 && strcmp(argv[1], "--socket") == 0)
		sock = argv[2];
	else {
		fprintf(stderr, "usage: script-producer --socket PATH\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&qs, 0, sizeof(qs));
	qs.width = 320;
	qs.height = 240;
	qs.features = QXLSHM_F_PORTS | QXLSHM_F_AUDIO | QXLSHM_F_RECORD |
	    QXLSHM_F_HEADS | QXLSHM_F_SMARTCARD;
	if ((cp_q = qxlshm_open(sock, "script-producer", &qs, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "script-producer: %s\n", err);
		return 1;
	}
	printf("ready\n");
	pfd.fd = 0;
	pfd.events = POLLIN;
	for (;;) {
		/* Releases and the server's messages while waiting. */
		if (qxlshm_wait(cp_q, 0) == -1)
			break;
		cp_echo();
		if ((rv = cp_next_line(line, sizeof(line))) == 0) {
			if (poll(&pfd, 1, 20) < 1)
				continue;
			if (cp_read_stdin() == 0)
				continue;
			rv = -1;
		}
		if (rv == -1) {
			qxlshm_close(cp_q);
			return 0;
		}
		if ((rv = cp_line(line)) == 1)
			printf("unknown command: %s\n", line);
		else if (rv == -1)
			break;
		else
			printf("ok\n");
	}
	printf("dropped: %s\n", qxlshm_error(cp_q));
	qxlshm_close(cp_q);
	return 4;
}
