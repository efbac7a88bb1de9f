/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-inputs: the inputs worker (workers/role-inputs.c) on arbitrary
 * client bytes, over real sockets and a libevent loop as in the worker,
 * with the producer's input socket on the other side.
 *
 * Input byte 0: bit 0 the producer takes absolute positions, bits 1-3
 * its lock state; byte 1 the write chunk (1..256 bytes).  The rest is
 * the client's stream (mini headers).
 *
 * Invariants: every datagram the producer gets is one whole event of a
 * known type; keys are 1..0xff, buttons within SPICE's mask, positions
 * only when the producer takes them; the channel closes with a reason.
 * The worker's frame
 * (worker.c) is replaced by stubs, and log lines are formatted and
 * dropped (this file replaces shared/log.c).
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The role's statics are the state under test. */
#include "../../workers/role-inputs.c"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

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

static int fz_exited;

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
}

void
worker_exit(struct worker *w, int status, const char *reason)
{
	fz_exited = 1;
}

/* --- the run --------------------------------------------------------- */
static void
fz_pump(struct event_base *base, int client, int producer, int absolute)
{
	struct qxlshm_input_event ev;
	uint8_t sink[4096];
	ssize_t n;
	int i;

	for (i = 0; i < 4; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		while (read(client, sink, sizeof(sink)) > 0)
			;
		while ((n = recv(producer, &ev, sizeof(ev),
		    MSG_DONTWAIT | MSG_TRUNC)) > 0) {
			FUZZ_CHECK(n == (ssize_t)sizeof(ev));
			FUZZ_CHECK(ev.type >= QXLSHM_IN_KEY_DOWN &&
			    ev.type <= QXLSHM_IN_BUTTON_UP);
			FUZZ_CHECK(ev.pad == 0);
			FUZZ_CHECK((ev.buttons & ~0x7fu) == 0);
			if (ev.type <= QXLSHM_IN_KEY_UP)
				FUZZ_CHECK(ev.x >= 1 && ev.x <= QXLSHM_KEY_MAX);
			if (ev.type >= QXLSHM_IN_BUTTON_DOWN)
				FUZZ_CHECK(ev.x >= 1 && ev.x <= 7);
			if (ev.type == QXLSHM_IN_POSITION)
				FUZZ_CHECK(absolute && ev.x >= 0 && ev.y >= 0);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct role_inputs *ri = &role_inputs_state;
	struct worker w;
	struct ipc_client ic;
	struct ipc_input in;
	struct ipc_msg m;
	struct spd_err err;
	size_t chunk, off, n;
	int cl[2], pr[2], absolute;

	if (size < 2)
		return 0;
	absolute = data[0] & 1;
	memset(&w, 0, sizeof(w));
	FUZZ_CHECK((w.wk_base = event_base_new()) != NULL);
	FUZZ_CHECK(role_inputs.wr_start(&w, &err) == 0);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, cl) == 0);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pr) == 0);
	FUZZ_CHECK(fcntl(cl[1], F_SETFL, O_NONBLOCK) == 0);
	fz_exited = 0;

	memset(&m, 0, sizeof(m));
	m.hdr.ih_type = IPC_D2W_INPUT_ATTACH;
	in.flags = absolute ? QXLSHM_INPUT_ABSOLUTE : 0;
	in.leds = (data[0] >> 1) & 7;
	memcpy(m.payload, &in, sizeof(in));
	m.fds[0] = pr[0];
	m.nfds = 1;
	FUZZ_CHECK(role_inputs.wr_ipc(&w, &m, &err) == 0);

	memset(&m, 0, sizeof(m));
	memset(&ic, 0, sizeof(ic));
	ic.channel_type = SPICE_CHANNEL_INPUTS;
	ic.mini_header = 1;
	snprintf(ic.peer, sizeof(ic.peer), "fuzz");
	m.hdr.ih_type = IPC_D2W_CLIENT;
	m.hdr.ih_session = 1;
	m.hdr.ih_conn = 2;
	memcpy(m.payload, &ic, sizeof(ic));
	m.fds[0] = cl[0];
	m.nfds = 1;
	FUZZ_CHECK(role_inputs.wr_ipc(&w, &m, &err) == 0);

	chunk = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	for (off = 0; off < size && !fz_exited; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (write(cl[1], data + off, n) != (ssize_t)n)
			break;
		fz_pump(w.wk_base, cl[1], pr[1], absolute);
	}
	fz_pump(w.wk_base, cl[1], pr[1], absolute);
	if (ri->ri_chan != NULL)
		chan_close(ri->ri_chan, "fuzz input over");
	FUZZ_CHECK(fz_exited);
	if (ri->ri_fd >= 0) {
		event_del(ri->ri_wev);
		close(ri->ri_fd);
	}
	event_free(ri->ri_wev);
	close(cl[1]);
	close(pr[1]);
	event_base_free(w.wk_base);
	return 0;
}
