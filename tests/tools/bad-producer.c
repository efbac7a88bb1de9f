/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bad-producer: a hostile qxl-shm producer for the integration tests.
 *
 *   bad-producer --socket PATH --mode MODE [--repeat N] [--then-valid]
 *                [--color 0xRRGGBB] [--size WxH] [--hold SECONDS]
 *
 * Modes:
 *   unsealed-memfd  MEMSLOT_ADD with a memfd lacking F_SEAL_SHRINK; the
 *                   server must answer ERROR (printed).  Nothing follows.
 *   big-slots       MEMSLOT_ADD of sealed, sparse memfds of the sizes in
 *                   MiB --slots lists (default six of 4096), one after
 *                   the other; the server must answer ERROR (printed).
 *   outside-slot    after a normal attach and primary, a QXL_CMD_DRAW whose
 *                   QXLPHYSICAL lies past the end of its slot
 *   chunk-loop      a COPY whose bitmap data chunk chain loops (C -> A ->
 *                   B -> A ..., all empty, so only the chunk cap ends it)
 *   bad-generation  a valid FILL addressed with the wrong generation
 *   ring-corrupt    the command ring's prod set 100 ahead of cons
 *   valid           nothing bad (a baseline for the tests)
 * The bad command is posted --repeat times (default 1).  With --then-valid
 * a full-screen FILL of --color follows, so a test can check the display
 * still works.  Then it stays attached for --hold seconds (default: until
 * SIGINT/SIGTERM) and detaches.
 *
 * Exit: 0 done as planned (unsealed-memfd, big-slots: ERROR received); 1 setup or
 * connection failure; 2 usage; 3 the server accepted an unsealed memfd;
 * 4 the server sent ERROR or closed while we were attached (the reason is
 * printed; expected after enough faults).
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/qxl_dev.h>
#include <spice/enums.h>

#include "libqxlshm.h"

#define BP_CMD_SLOT	QXLSHM_SETUP_CMD_SLOT
#define BP_SLOT_SIZE	(1u << 20)	/* commands; free data past the primary */

static volatile sig_atomic_t bp_stop;

static void
bp_on_signal(int sig)
{
	(void)sig;
	bp_stop = 1;
}

static void
bp_usage(void)
{
	fprintf(stderr, "usage: bad-producer --socket PATH --mode "
	    "unsealed-memfd|big-slots|outside-slot|chunk-loop|bad-generation|"
	    "ring-corrupt|valid\n"
	    "       [--slots MiB,MiB,...]\n"
	    "       [--repeat N] [--then-valid] [--color 0xRRGGBB] "
	    "[--size WxH] [--hold SECONDS]\n");
	exit(2);
}

/* MEMSLOT_ADD of a memfd of size bytes as slot id, sealed or not. */
static int
bp_add_slot(struct qxlshm *q, uint32_t id, uint64_t size, int sealed)
{
	struct qxlshm_memslot_add add;
	int fd, rc;

	if ((fd = memfd_create("bad-producer", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1 || ftruncate(fd, (off_t)size) == -1 ||
	    (sealed && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_SEAL) == -1)) {
		fprintf(stderr, "bad-producer: memfd: %s\n", strerror(errno));
		return -1;
	}
	memset(&add, 0, sizeof(add));
	add.slot_id = id;
	add.size = size;
	rc = qxlshm_send_msg(q, QXLSHM_MSG_MEMSLOT_ADD, &add, sizeof(add),
	    &fd, 1);
	close(fd);
	return rc;
}

/* Wait for the server's ERROR: 0 when it came, 3 when it did not. */
static int
bp_expect_error(struct qxlshm *q)
{
	char buf[QXLSHM_MAX_MSG];
	uint32_t type, len = sizeof(buf);

	for (;;) {
		if (qxlshm_recv_msg(q, &type, buf, &len, 5000) == -1) {
			if (strncmp(qxlshm_error(q), "server error", 12) == 0)
				break;
			printf("bad-producer: no ERROR reply: %s\n",
			    qxlshm_error(q));
			return 3;
		}
		if (type == QXLSHM_MSG_ERROR)
			break;
		len = sizeof(buf);
	}
	printf("bad-producer: got ERROR as expected: %s\n", qxlshm_error(q));
	return 0;
}

static int
bp_unsealed(struct qxlshm *q)
{
	if (bp_add_slot(q, 0, 1 << 20, 0) == -1) {
		fprintf(stderr, "bad-producer: %s\n", qxlshm_error(q));
		return 1;
	}
	printf("bad-producer: sent MEMSLOT_ADD with an unsealed memfd\n");
	return bp_expect_error(q);
}

/* Slots of the comma-separated sizes in MiB, until the server refuses
 * one (a send that fails: the server closed after its ERROR). */
static int
bp_big_slots(struct qxlshm *q, const char *list)
{
	char *copy, *tok, *save = NULL;
	uint32_t id = 0;

	if ((copy = strdup(list)) == NULL)
		return 1;
	for (tok = strtok_r(copy, ",", &save); tok != NULL && id <
	    QXLSHM_MAX_SLOTS; tok = strtok_r(NULL, ",", &save), id++) {
		if (bp_add_slot(q, id, strtoull(tok, NULL, 10) << 20, 1) == -1)
			break;
		printf("bad-producer: sent MEMSLOT_ADD %u of %s MiB\n", id,
		    tok);
	}
	free(copy);
	return bp_expect_error(q);
}

static QXLDrawable *
bp_fill_cmd(struct qxlshm *q, uint32_t w, uint32_t h, uint32_t color,
    uint64_t *phys)
{
	QXLRect bbox = { .right = (int32_t)w, .bottom = (int32_t)h };
	QXLDrawable *d;

	if ((d = qxlshm_alloc_cmd(q, BP_CMD_SLOT, sizeof(*d), phys)) == NULL)
		return NULL;
	qxlshm_drawable_init(d, 0, QXL_DRAW_FILL, &bbox);
	d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
	d->u.fill.brush.u.color = color;
	d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
	return d;
}

/* A COPY whose chunk chain is C -> A -> B -> A -> ...: the loop does not
 * pass through the first chunk, so only the chunk-count cap stops it. */
static int
bp_chunk_loop(struct qxlshm *q, uint32_t w, uint32_t h, uint64_t *phys)
{
	QXLDrawable *d;
	QXLImage *img;
	QXLDataChunk *a, *b, *c;
	uint64_t ip, pa, pb, pc;

	if ((d = bp_fill_cmd(q, w, h, 0, phys)) == NULL ||
	    (img = qxlshm_alloc(q, BP_CMD_SLOT, sizeof(*img), &ip)) == NULL ||
	    (a = qxlshm_alloc(q, BP_CMD_SLOT, sizeof(*a), &pa)) == NULL ||
	    (b = qxlshm_alloc(q, BP_CMD_SLOT, sizeof(*b), &pb)) == NULL ||
	    (c = qxlshm_alloc(q, BP_CMD_SLOT, sizeof(*c), &pc)) == NULL)
		return -1;
	qxlshm_link(q, d, img);
	qxlshm_link(q, d, a);
	qxlshm_link(q, d, b);
	qxlshm_link(q, d, c);
	memset(&d->u, 0, sizeof(d->u));
	d->type = QXL_DRAW_COPY;
	d->u.copy.src_bitmap = ip;
	d->u.copy.src_area.right = 16;
	d->u.copy.src_area.bottom = 16;
	d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
	img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
	img->descriptor.width = img->bitmap.x = 16;
	img->descriptor.height = img->bitmap.y = 16;
	img->bitmap.format = SPICE_BITMAP_FMT_32BIT;
	img->bitmap.flags = QXL_BITMAP_TOP_DOWN;
	img->bitmap.stride = 64;
	img->bitmap.data = pc;
	c->next_chunk = pa;
	a->next_chunk = pb;
	b->next_chunk = pa;
	return 0;
}

/* Stay attached, handling releases, until the deadline or a signal;
 * 4 if the server dropped us, else 0. */
static int
bp_hold(struct qxlshm *q, int hold)
{
	int ms = hold == 0 || hold > INT32_MAX / 1000 ? -1 : hold * 1000;

	if (qxlshm_idle(q, ms, &bp_stop) == -1) {
		printf("bad-producer: server dropped us: %s\n",
		    qxlshm_error(q));
		return 4;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "then-valid", no_argument, NULL, 'v' },
		{ "color", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 'S' },
		{ "hold", required_argument, NULL, 'H' },
		{ "slots", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL, *mode = NULL;
	const char *slots = "4096,4096,4096,4096,4096,4096";
	struct sigaction sa;
	struct qxlshm *q;
	QXLDrawable *d;
	struct qxlshm_setup qs;
	char err[QXLSHM_ERRLEN];
	uint64_t phys, slot_size = 0;
	uint32_t color = 0x00ff00, w = 640, h = 480;
	int c, repeat = 1, then_valid = 0, hold = 0, i, rv = 0;

	while ((c = getopt_long(argc, argv, "s:m:r:vc:S:H:L:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'r':
			repeat = atoi(optarg);
			break;
		case 'v':
			then_valid = 1;
			break;
		case 'c':
			color = (uint32_t)strtoul(optarg, NULL, 0) & 0xffffff;
			break;
		case 'S':
			if (qxlshm_parse_size(optarg, &w, &h) == -1)
				bp_usage();
			break;
		case 'H':
			hold = atoi(optarg);
			break;
		case 'L':
			slots = optarg;
			break;
		default:
			bp_usage();
		}
	}
	if (sock == NULL || mode == NULL || repeat < 1 || hold < 0 ||
	    optind != argc)
		bp_usage();
	if (strcmp(mode, "unsealed-memfd") != 0 &&
	    strcmp(mode, "big-slots") != 0 &&
	    strcmp(mode, "outside-slot") != 0 &&
	    strcmp(mode, "chunk-loop") != 0 &&
	    strcmp(mode, "bad-generation") != 0 &&
	    strcmp(mode, "ring-corrupt") != 0 && strcmp(mode, "valid") != 0)
		bp_usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bp_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(mode, "unsealed-memfd") == 0) {
		if ((q = qxlshm_connect(sock, "bad-producer", err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "bad-producer: %s\n", err);
			return 1;
		}
		rv = bp_unsealed(q);
		qxlshm_close(q);
		return rv;
	}
	if (strcmp(mode, "big-slots") == 0) {
		if ((q = qxlshm_connect(sock, "bad-producer", err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "bad-producer: %s\n", err);
			return 1;
		}
		rv = bp_big_slots(q, slots);
		qxlshm_close(q);
		return rv;
	}
	memset(&qs, 0, sizeof(qs));
	qs.width = w;
	qs.height = h;
	qs.cmd_slot_size = BP_SLOT_SIZE;
	qs.data_slot_free = BP_SLOT_SIZE;
	if ((q = qxlshm_open(sock, "bad-producer", &qs, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "bad-producer: %s\n", err);
		return 1;
	}
	qxlshm_slot_base(q, BP_CMD_SLOT, &slot_size);
	printf("bad-producer: attached, primary %ux%u\n", w, h);

	for (i = 0; i < repeat && rv == 0; i++) {
		if (strcmp(mode, "outside-slot") == 0) {
			phys = QXLSHM_PHYS(BP_CMD_SLOT, 0, slot_size + 4096);
			printf("bad-producer: posting DRAW at QXLPHYSICAL "
			    "0x%016" PRIx64 ", past the end of slot %d "
			    "(size %" PRIu64 ")\n", phys, BP_CMD_SLOT,
			    slot_size);
		} else if (strcmp(mode, "chunk-loop") == 0) {
			if (bp_chunk_loop(q, w, h, &phys) == -1)
				rv = 1;
			printf("bad-producer: posting COPY with a looping "
			    "chunk chain\n");
		} else if (strcmp(mode, "bad-generation") == 0) {
			if (bp_fill_cmd(q, w, h, 0xff0000, &phys) == NULL)
				rv = 1;
			phys = QXLSHM_PHYS(BP_CMD_SLOT, 1,
			    phys & QXLSHM_OFFSET_MASK);
			printf("bad-producer: posting FILL at QXLPHYSICAL "
			    "0x%016" PRIx64 " (generation 1, slot is 0)\n",
			    phys);
		} else if (strcmp(mode, "ring-corrupt") == 0) {
			QXLRam *ram = qxlshm_ram(q);

			ram->cmd_ring.prod = ram->cmd_ring.cons + 100;
			printf("bad-producer: set command ring prod 100 ahead "
			    "of cons\n");
			qxlshm_notify(q);
			break;
		} else
			break;	/* valid: nothing bad */
		if (rv == 0 && qxlshm_push_cmd(q, QXL_CMD_DRAW, phys,
		    5000) == -1) {
			printf("bad-producer: push: %s\n", qxlshm_error(q));
			rv = 4;
		}
	}
	if (rv == 0 && qxlshm_wait(q, 500) == -1) {
		printf("bad-producer: server dropped us: %s\n",
		    qxlshm_error(q));
		rv = 4;
	}
	if (rv == 0 && then_valid) {
		if ((d = bp_fill_cmd(q, w, h, color, &phys)) == NULL ||
		    qxlshm_push_cmd(q, QXL_CMD_DRAW, phys, 5000) == -1) {
			printf("bad-producer: valid fill: %s\n",
			    qxlshm_error(q));
			rv = 4;
		} else
			printf("bad-producer: posted a valid full-screen FILL "
			    "0x%06" PRIx32 "\n", color);
	}
	if (rv == 0)
		rv = bp_hold(q, hold);
	qxlshm_close(q);
	return rv;
}
