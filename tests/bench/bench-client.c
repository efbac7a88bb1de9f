/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-client: the measuring client of the end-to-end benchmark.  A raw
 * SPICE client (SPICE-NOTES 1, 2, 3.1, 3.2, 4.1) that links the main and
 * display channels with a ticket, sends DISPLAY_INIT, answers SET_ACK,
 * ACKs and PINGs, and counts what the display channel carries; it decodes
 * no pixels.
 *
 *	bench-client --port N --password PW [--kick-pid PID] [--no-lz4]
 *	    [--idle-ms MS] [--timeout-s S]
 *
 * Protocol with its driver (bench-e2e.py), one line each on stdout/stdin:
 * once the first MARK arrived (the initial screen) it prints "ready" and
 * waits for a "go" line; then it resets its counters, sends SIGUSR1 to
 * --kick-pid (the feeder), and counts until no draw message came for
 * --idle-ms.  It prints one "result key=value ..." line, keeps answering
 * the server (so that its processes stay as they were for the driver's
 * readings) and exits at end of input.
 *
 * wall_ms is the time from the kick to the last draw message received;
 * screens is the area of all draw boxes in screens (primary surfaces):
 * how many frames' worth of pixels were delivered, however the server
 * split or merged them into draw messages.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "bench-frames.h"

#define BC_READ_CHUNK	(1u << 20)
#define BC_MSG_MAX	(256u << 20)	/* a raw 8K x 8K frame fits */
#define BC_IMG_TYPES	8

struct bc_chan {
	const char	*ch_name;
	int		 ch_fd;
	int		 ch_mini;
	uint8_t		*ch_buf;
	size_t		 ch_len;	/* bytes buffered */
	size_t		 ch_cap;
	uint64_t	 ch_out_serial;
	uint32_t	 ch_ack_window;
	uint32_t	 ch_ack_count;
	uint64_t	 ch_bytes;
	uint64_t	 ch_msgs;
};

struct bc_stats {
	uint64_t	 st_draws;	/* draw operations of any kind */
	uint64_t	 st_copies;	/* DRAW_COPY */
	uint64_t	 st_marks;
	uint64_t	 st_img[BC_IMG_TYPES];	/* bitmap, lz4, other */
	uint64_t	 st_img_bytes;	/* image payload bytes of copies */
	uint64_t	 st_area;	/* pixels of the draws' boxes */
	int64_t		 st_last_draw;	/* ns */
};

static uint32_t bc_session;
static uint64_t bc_screen_px;	/* primary width * height */
static int bc_have_display;
static struct bc_stats bc_st;

static void
bc_fatal(const char *what)
{
	fprintf(stderr, "bench-client: %s\n", what);
	exit(1);
}

static void
bc_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
bc_put32(uint8_t *p, uint32_t v)
{
	bc_put16(p, (uint16_t)v);
	bc_put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t
bc_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
bc_get32(const uint8_t *p)
{
	return (uint32_t)bc_get16(p) | (uint32_t)bc_get16(p + 2) << 16;
}

static void
bc_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			bc_fatal("write to the server failed");
		}
		p += n;
		len -= (size_t)n;
	}
}

static void
bc_read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			bc_fatal("the server closed during the link");
		}
		p += n;
		len -= (size_t)n;
	}
}

/* The ticket: password + NUL, RSA-OAEP (SHA-1) with the server's key. */
static size_t
bc_ticket(const uint8_t *der, size_t derlen, const char *pw, uint8_t *out,
    size_t outlen)
{
	const unsigned char *p = der;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key;
	size_t n = outlen;

	if ((key = d2i_PUBKEY(NULL, &p, (long)derlen)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_encrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_encrypt(ctx, out, &n, (const unsigned char *)pw,
	    strlen(pw) + 1) <= 0)
		bc_fatal("cannot encrypt the ticket");
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	return n;
}

static void
bc_link(struct bc_chan *ch, int port, const char *pw, uint8_t type,
    uint32_t caps)
{
	uint32_t common = 1u << SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION |
	    1u << SPICE_COMMON_CAP_AUTH_SPICE |
	    1u << SPICE_COMMON_CAP_MINI_HEADER;
	uint8_t msg[16 + 26], hdr[16], *reply, ticket[512];
	uint32_t size, ncommon, off, scommon = 0, result;
	struct sockaddr_in sin;
	size_t tlen;
	int one = 1;

	if ((ch->ch_fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		bc_fatal("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(ch->ch_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		bc_fatal("cannot connect to the server");
	setsockopt(ch->ch_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	/* SpiceLinkHeader + SpiceLinkMess with one word of each caps. */
	memcpy(msg, "REDQ", 4);
	bc_put32(msg + 4, SPICE_VERSION_MAJOR);
	bc_put32(msg + 8, SPICE_VERSION_MINOR);
	bc_put32(msg + 12, 26);
	bc_put32(msg + 16, type == SPICE_CHANNEL_MAIN ? 0 : bc_session);
	msg[20] = type;
	msg[21] = 0;
	bc_put32(msg + 22, 1);
	bc_put32(msg + 26, 1);
	bc_put32(msg + 30, 18);
	bc_put32(msg + 34, common);
	bc_put32(msg + 38, caps);
	bc_write_all(ch->ch_fd, msg, sizeof(msg));

	bc_read_all(ch->ch_fd, hdr, sizeof(hdr));
	size = bc_get32(hdr + 12);
	if (memcmp(hdr, "REDQ", 4) != 0 || size < 178 || size > 4096)
		bc_fatal("bad link reply");
	if ((reply = malloc(size)) == NULL)
		bc_fatal("out of memory");
	bc_read_all(ch->ch_fd, reply, size);
	if (bc_get32(reply) != 0)
		bc_fatal("link refused");
	ncommon = bc_get32(reply + 166);
	off = bc_get32(reply + 174);
	if (ncommon > 0 && off <= size - 4)
		scommon = bc_get32(reply + off);
	ch->ch_mini = (scommon & 1u << SPICE_COMMON_CAP_MINI_HEADER) != 0;
	tlen = bc_ticket(reply + 4, SPICE_TICKET_PUBKEY_BYTES, pw, ticket,
	    sizeof(ticket));
	free(reply);
	if (scommon & 1u << SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION) {
		uint8_t mech[4];

		bc_put32(mech, SPICE_COMMON_CAP_AUTH_SPICE);
		bc_write_all(ch->ch_fd, mech, 4);
	}
	bc_write_all(ch->ch_fd, ticket, tlen);
	bc_read_all(ch->ch_fd, &result, 4);
	if (bc_get32((uint8_t *)&result) != 0)
		bc_fatal("authentication refused");
	ch->ch_cap = BC_READ_CHUNK * 2;
	if ((ch->ch_buf = malloc(ch->ch_cap)) == NULL)
		bc_fatal("out of memory");
}

static void
bc_send(struct bc_chan *ch, uint16_t type, const void *body, uint32_t len)
{
	uint8_t hdr[18];
	size_t hlen;

	if (ch->ch_mini) {
		bc_put16(hdr, type);
		bc_put32(hdr + 2, len);
		hlen = 6;
	} else {
		ch->ch_out_serial++;
		bc_put32(hdr, (uint32_t)ch->ch_out_serial);
		bc_put32(hdr + 4, (uint32_t)(ch->ch_out_serial >> 32));
		bc_put16(hdr + 8, type);
		bc_put32(hdr + 10, len);
		bc_put32(hdr + 14, 0);
		hlen = 18;
	}
	bc_write_all(ch->ch_fd, hdr, hlen);
	if (len > 0)
		bc_write_all(ch->ch_fd, body, len);
}

/* The image type of a DRAW_COPY body: DisplayBase, then the pointer. */
static void
bc_count_copy(const uint8_t *body, uint32_t len)
{
	uint32_t off = 4 + 16, img;
	uint8_t t;

	if (len < off + 1)
		return;
	if (body[off] == SPICE_CLIP_TYPE_RECTS) {
		if (len < off + 5)
			return;
		off += 5 + 16 * bc_get32(body + off + 1);
	} else
		off += 1;
	if (len < off + 4 || (img = bc_get32(body + off)) == 0 ||
	    len < img + 18)
		return;
	t = body[img + 8];
	bc_st.st_img[t == SPICE_IMAGE_TYPE_BITMAP ? 0 :
	    t == SPICE_IMAGE_TYPE_LZ4 ? 1 : 2]++;
	bc_st.st_img_bytes += len - img;
}

static void
bc_on_message(struct bc_chan *ch, uint16_t type, const uint8_t *body,
    uint32_t len, int display)
{
	uint8_t out[16];

	ch->ch_msgs++;
	if (ch->ch_ack_window != 0 &&
	    ++ch->ch_ack_count >= ch->ch_ack_window) {
		ch->ch_ack_count = 0;
		bc_send(ch, SPICE_MSGC_ACK, NULL, 0);
	}
	switch (type) {
	case SPICE_MSG_SET_ACK:
		if (len < 8)
			bc_fatal("short SET_ACK");
		ch->ch_ack_window = bc_get32(body + 4);
		ch->ch_ack_count = 0;
		bc_send(ch, SPICE_MSGC_ACK_SYNC, body, 4);
		return;
	case SPICE_MSG_PING:
		if (len < 12)
			bc_fatal("short PING");
		memcpy(out, body, 12);
		bc_send(ch, SPICE_MSGC_PONG, out, 12);
		return;
	}
	if (!display) {
		if (type == SPICE_MSG_MAIN_INIT && len >= 4) {
			bc_session = bc_get32(body);
			bc_send(ch, SPICE_MSGC_MAIN_ATTACH_CHANNELS, NULL, 0);
		} else if (type == SPICE_MSG_MAIN_CHANNELS_LIST && len >= 4) {
			uint32_t i, n = bc_get32(body);

			for (i = 0; i < n && 4 + 2 * i + 2 <= len; i++)
				if (body[4 + 2 * i] == SPICE_CHANNEL_DISPLAY)
					bc_have_display = 1;
		}
		return;
	}
	if (type == SPICE_MSG_DISPLAY_MARK)
		bc_st.st_marks++;
	else if (type == SPICE_MSG_DISPLAY_SURFACE_CREATE && len >= 20 &&
	    bc_get32(body + 16) & SPICE_SURFACE_FLAGS_PRIMARY)
		bc_screen_px = (uint64_t)bc_get32(body + 4) *
		    bc_get32(body + 8);
	else if (type == SPICE_MSG_DISPLAY_COPY_BITS ||
	    (type >= SPICE_MSG_DISPLAY_DRAW_FILL &&
	    type <= SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND) ||
	    type == SPICE_MSG_DISPLAY_DRAW_COMPOSITE ||
	    type == SPICE_MSG_DISPLAY_STREAM_DATA ||
	    type == SPICE_MSG_DISPLAY_STREAM_DATA_SIZED) {
		bc_st.st_draws++;
		bc_st.st_last_draw = bench_now_ns();
		/* DisplayBase box: top, left, bottom, right after surface_id
		 * (stream data has none: counted as draws only). */
		if (type != SPICE_MSG_DISPLAY_STREAM_DATA &&
		    type != SPICE_MSG_DISPLAY_STREAM_DATA_SIZED && len >= 20) {
			int32_t t = (int32_t)bc_get32(body + 4);
			int32_t l = (int32_t)bc_get32(body + 8);
			int32_t b = (int32_t)bc_get32(body + 12);
			int32_t r = (int32_t)bc_get32(body + 16);

			if (b > t && r > l)
				bc_st.st_area += (uint64_t)(b - t) *
				    (uint64_t)(r - l);
		}
		if (type == SPICE_MSG_DISPLAY_DRAW_COPY) {
			bc_st.st_copies++;
			bc_count_copy(body, len);
		}
	}
}

/* Read what is there and handle every complete message; -1 on EOF. */
static int
bc_pump(struct bc_chan *ch, int display)
{
	size_t hlen = ch->ch_mini ? 6 : 18, off = 0;
	uint32_t size;
	uint16_t type;
	ssize_t n;

	if (ch->ch_cap - ch->ch_len < BC_READ_CHUNK) {
		if (ch->ch_cap + BC_READ_CHUNK > BC_MSG_MAX + 18)
			bc_fatal("message too large");
		ch->ch_cap += BC_READ_CHUNK;
		if ((ch->ch_buf = realloc(ch->ch_buf, ch->ch_cap)) == NULL)
			bc_fatal("out of memory");
	}
	n = read(ch->ch_fd, ch->ch_buf + ch->ch_len, ch->ch_cap - ch->ch_len);
	if (n == -1 && errno == EINTR)
		return 0;
	if (n <= 0)
		return -1;
	ch->ch_len += (size_t)n;
	ch->ch_bytes += (uint64_t)n;
	while (ch->ch_len - off >= hlen) {
		const uint8_t *h = ch->ch_buf + off;

		type = bc_get16(h + (ch->ch_mini ? 0 : 8));
		size = bc_get32(h + (ch->ch_mini ? 2 : 10));
		if (size > BC_MSG_MAX)
			bc_fatal("message too large");
		if (ch->ch_len - off - hlen < size)
			break;
		bc_on_message(ch, type, h + hlen, size, display);
		off += hlen + size;
	}
	memmove(ch->ch_buf, ch->ch_buf + off, ch->ch_len - off);
	ch->ch_len -= off;
	return 0;
}

/* Serve both channels (and stdin when asked) for up to ms (-1: ever);
 * returns 1 when stdin had a line or ended, 0 on timeout. */
static int
bc_serve(struct bc_chan *m, struct bc_chan *d, int with_stdin, int ms)
{
	struct pollfd pfd[3];
	int n = 0, i;

	pfd[n].fd = m->ch_fd;
	pfd[n++].events = POLLIN;
	if (d->ch_fd != -1) {
		pfd[n].fd = d->ch_fd;
		pfd[n++].events = POLLIN;
	}
	if (with_stdin) {
		pfd[n].fd = 0;
		pfd[n++].events = POLLIN;
	}
	if ((i = poll(pfd, (nfds_t)n, ms)) <= 0)
		return 0;
	if (pfd[0].revents && bc_pump(m, 0) == -1)
		bc_fatal("the server closed the main channel");
	if (d->ch_fd != -1 && pfd[1].revents && bc_pump(d, 1) == -1)
		bc_fatal("the server closed the display channel");
	if (with_stdin && pfd[n - 1].revents) {
		char line[64];

		if (fgets(line, sizeof(line), stdin) == NULL)
			return 1;
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "password", required_argument, NULL, 'P' },
		{ "kick-pid", required_argument, NULL, 'k' },
		{ "no-lz4", no_argument, NULL, 'n' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "timeout-s", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct bc_chan m = { .ch_name = "main", .ch_fd = -1 };
	struct bc_chan d = { .ch_name = "display", .ch_fd = -1 };
	const char *pw = NULL;
	uint8_t init[14];
	uint64_t dbytes0, mbytes0;
	int64_t t0, end;
	int c, port = 0, lz4 = 1, idle_ms = 1500, timeout_s = 120;
	pid_t kick = 0;

	while ((c = getopt_long(argc, argv, "p:P:k:ni:t:", longopts,
	    NULL)) != -1)
		switch (c) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'P':
			pw = optarg;
			break;
		case 'k':
			kick = (pid_t)atoi(optarg);
			break;
		case 'n':
			lz4 = 0;
			break;
		case 'i':
			idle_ms = atoi(optarg);
			break;
		case 't':
			timeout_s = atoi(optarg);
			break;
		default:
			goto usage;
		}
	if (port < 1 || port > 65535 || pw == NULL || optind != argc ||
	    idle_ms < 1 || timeout_s < 1)
		goto usage;
	signal(SIGPIPE, SIG_IGN);

	bc_link(&m, port, pw, SPICE_CHANNEL_MAIN, 0);
	end = bench_now_ns() + (int64_t)timeout_s * 1000000000;
	while (!bc_have_display && bench_now_ns() < end)
		bc_serve(&m, &d, 0, 100);
	if (!bc_have_display)
		bc_fatal("no display channel listed");
	bc_link(&d, port, pw, SPICE_CHANNEL_DISPLAY,
	    lz4 ? 1u << SPICE_DISPLAY_CAP_LZ4_COMPRESSION : 0);
	/* DISPLAY_INIT as spice-gtk sends it (SPICE-NOTES 3.2). */
	init[0] = 1;
	bc_put32(init + 1, 20971520);
	bc_put32(init + 5, 0);
	init[9] = 1;
	bc_put32(init + 10, 3145728);
	bc_send(&d, SPICE_MSGC_DISPLAY_INIT, init, sizeof(init));

	while (bc_st.st_marks == 0 && bench_now_ns() < end)
		bc_serve(&m, &d, 0, 100);
	if (bc_st.st_marks == 0)
		bc_fatal("no MARK: the initial screen never came");
	printf("ready initial_bytes=%llu\n", (unsigned long long)d.ch_bytes);
	fflush(stdout);
	while (!bc_serve(&m, &d, 1, -1))
		;

	memset(&bc_st, 0, sizeof(bc_st));
	dbytes0 = d.ch_bytes;
	mbytes0 = m.ch_bytes;
	t0 = bench_now_ns();
	if (kick > 0 && kill(kick, SIGUSR1) == -1)
		bc_fatal("cannot signal the feeder");
	end = t0 + (int64_t)timeout_s * 1000000000;
	for (;;) {
		int64_t now = bench_now_ns(), last = bc_st.st_last_draw;

		if (now >= end ||
		    (last != 0 && now - last >= (int64_t)idle_ms * 1000000))
			break;
		bc_serve(&m, &d, 0, 20);
	}
	printf("result wall_ms=%.1f display_bytes=%llu main_bytes=%llu "
	    "display_msgs=%llu draws=%llu copies=%llu marks=%llu "
	    "img_bitmap=%llu img_lz4=%llu img_other=%llu img_bytes=%llu "
	    "screens=%.2f timed_out=%d\n",
	    bc_st.st_last_draw ? (bc_st.st_last_draw - t0) / 1e6 : 0.0,
	    (unsigned long long)(d.ch_bytes - dbytes0),
	    (unsigned long long)(m.ch_bytes - mbytes0),
	    (unsigned long long)d.ch_msgs,
	    (unsigned long long)bc_st.st_draws,
	    (unsigned long long)bc_st.st_copies,
	    (unsigned long long)bc_st.st_marks,
	    (unsigned long long)bc_st.st_img[0],
	    (unsigned long long)bc_st.st_img[1],
	    (unsigned long long)bc_st.st_img[2],
	    (unsigned long long)bc_st.st_img_bytes,
	    bc_screen_px ? (double)bc_st.st_area / bc_screen_px : 0.0,
	    bench_now_ns() >= end);
	fflush(stdout);
	while (!bc_serve(&m, &d, 1, -1))
		;
	return 0;
usage:
	fprintf(stderr, "usage: bench-client --port N --password PW "
	    "[--kick-pid PID] [--no-lz4]\n"
	    "       [--idle-ms MS] [--timeout-s S]\n");
	return 2;
}
