/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-chan: a worker's channel stream (workers/chan.c: SPICE data
 * headers, the body cap, the messages every channel shares, ACK flow
 * control, and WebSocket framing inside a channel) on arbitrary client
 * bytes, through a real socketpair and libevent loop as in a worker.
 *
 * Input byte 0 picks the setup: bit 0 mini header, bit 1 WebSocket
 * framing, bit 2 an ACK window of 3 with server messages queued ahead,
 * bit 3 the role answers every message, bit 4 the role closes the channel
 * from inside its handler on type 160; byte 1 sets the write chunk
 * (1..256 bytes), so the parser sees every split of the stream.  The rest
 * is what the client sends; type 150 is refused by the role.
 *
 * Invariants: the role never sees a body over the cap or a message after
 * the close; a close always has a reason; the output queue stays under its
 * hard bound.  Log lines are formatted (so ASan checks their arguments)
 * and dropped: this file replaces shared/log.c.
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

#include "chan.h"
#include "ipc-msg.h"
#include "log.h"
#include "sbuf.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)
#define FUZZ_MAX_MSG	1024	/* body cap, small so it is reachable */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- logging: format, then drop ------------------------------------ */
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

/* --- the role ------------------------------------------------------- */
static struct {
	int	reply;
	int	close_on_160;
	int	closed;
	int	msgs_after_close;
} fz;

static int
fz_msg(struct chan *c, uint16_t type, struct sbuf *body, const char **why)
{
	FUZZ_CHECK(sbuf_left(body) <= FUZZ_MAX_MSG);
	FUZZ_CHECK(type >= 101);
	if (fz.closed)
		fz.msgs_after_close++;
	if (fz.reply)
		chan_send(c, 300, sbuf_ptr(body), sbuf_left(body));
	if (fz.close_on_160 && type == 160)
		chan_close(c, "closed by the role");
	if (type == 150) {
		*why = "role refused message 150";
		return -1;
	}
	return 0;
}

static void
fz_writable(struct chan *c)
{
}

static void
fz_closed(struct chan *c, const char *reason)
{
	FUZZ_CHECK(!fz.closed);
	FUZZ_CHECK(reason != NULL && reason[0] != '\0');
	fz.closed = 1;
}

static const struct chan_ops fz_ops = { fz_msg, fz_writable, fz_closed };

static void
fz_pump(struct event_base *base, int client)
{
	uint8_t sink[16384];
	int i;

	for (i = 0; i < 4; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		while (read(client, sink, sizeof(sink)) > 0)
			;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_base *base;
	struct ipc_client ic;
	struct spd_err err;
	struct chan *c;
	size_t chunk, off, n;
	uint8_t setup;
	int sv[2], i;

	if (size < 2)
		return 0;
	setup = data[0];
	memset(&fz, 0, sizeof(fz));
	fz.reply = (setup & 8) != 0;
	fz.close_on_160 = (setup & 16) != 0;
	memset(&ic, 0, sizeof(ic));
	ic.channel_type = SPICE_CHANNEL_DISPLAY;
	ic.mini_header = setup & 1;
	ic.transport = IPC_TRANSPORT_PLAIN;
	ic.framing = (setup & 2) ? IPC_FRAMING_WEBSOCKET : IPC_FRAMING_NONE;
	snprintf(ic.peer, sizeof(ic.peer), "fuzz");
	chunk = (size_t)data[1] + 1;
	data += 2;
	size -= 2;

	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	FUZZ_CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	FUZZ_CHECK((base = event_base_new()) != NULL);
	c = chan_new(base, sv[0], 1, 2, &ic, FUZZ_MAX_MSG, &fz_ops, NULL,
	    &err);
	FUZZ_CHECK(c != NULL);
	if (setup & 4) {
		chan_set_ack(c, 3);
		for (i = 0; i < 8; i++)
			chan_send(c, 301, "server", 6);
	}
	for (off = 0; off < size && !fz.closed; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (write(sv[1], data + off, n) != (ssize_t)n)
			break;
		fz_pump(base, sv[1]);
		if (!fz.closed)
			FUZZ_CHECK(chan_outq(c) <= CHAN_OUTQ_HARD);
	}
	fz_pump(base, sv[1]);
	FUZZ_CHECK(fz.msgs_after_close == 0);
	if (!fz.closed)
		chan_close(c, "fuzz input over");
	FUZZ_CHECK(fz.closed);
	close(sv[1]);
	event_base_free(base);
	return 0;
}
