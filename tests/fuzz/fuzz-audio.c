/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-audio: the playback and record workers (workers/audio/role-playback.c,
 * role-record.c) on arbitrary producer datagrams and client bytes, over
 * real sockets and a libevent loop as in the worker.
 *
 * Input byte 0: bit 0 selects the playback worker (else record); byte 1
 * the client write chunk (1..256 bytes).  Then records: a byte whose
 * low bit says producer (1) or client (0), a byte of length n, n bytes:
 * one producer datagram, or bytes of the client's stream (mini
 * headers).
 *
 * Invariants: the record worker sends the producer only SYNC (4 bytes)
 * and DATA of the last START's format, whole frames, at most
 * QXLSHM_AUDIO_MAX_DATA bytes of samples; the channel closes with a
 * reason.  The worker's frame (worker.c) is replaced by stubs, and log
 * lines are formatted and dropped (this file replaces shared/log.c).
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The roles' statics are the state under test. */
#include "../../workers/audio/role-playback.c"
#include "../../workers/audio/role-record.c"

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
static struct qxlshm_audio_data fz_start;	/* the producer's last START */

static void
fz_pump(struct event_base *base, int client, int producer)
{
	uint8_t buf[sizeof(struct qxlshm_audio_data) + QXLSHM_AUDIO_MAX_DATA +
	    1];
	struct qxlshm_audio_data d;
	ssize_t n;
	int i;

	for (i = 0; i < 4; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		while (read(client, buf, sizeof(buf)) > 0)
			;
		while ((n = recv(producer, buf, sizeof(buf),
		    MSG_DONTWAIT)) > 0) {
			FUZZ_CHECK(n >= 4);
			memcpy(&d.type, buf, 4);
			if (d.type == QXLSHM_AUDIO_SYNC) {
				FUZZ_CHECK(n == 4);
				continue;
			}
			FUZZ_CHECK(d.type == QXLSHM_AUDIO_DATA &&
			    (size_t)n > sizeof(d));
			memcpy(&d, buf, sizeof(d));
			FUZZ_CHECK(d.channels == fz_start.channels &&
			    d.frequency == fz_start.frequency);
			n -= (ssize_t)sizeof(d);
			FUZZ_CHECK(n <= QXLSHM_AUDIO_MAX_DATA &&
			    n % (2 * (ssize_t)d.channels) == 0);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct worker_role *role;
	struct worker w;
	struct ipc_client ic;
	struct ipc_msg m;
	struct spd_err err;
	size_t chunk, off, n, len;
	int cl[2], pr[2], playback;

	if (size < 2)
		return 0;
	playback = data[0] & 1;
	role = playback ? &role_playback : &role_record;
	memset(&w, 0, sizeof(w));
	memset(&fz_start, 0, sizeof(fz_start));
	FUZZ_CHECK((w.wk_base = event_base_new()) != NULL);
	FUZZ_CHECK(role->wr_start(&w, &err) == 0);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, cl) == 0);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pr) == 0);
	FUZZ_CHECK(fcntl(cl[1], F_SETFL, O_NONBLOCK) == 0);
	FUZZ_CHECK(fcntl(pr[1], F_SETFL, O_NONBLOCK) == 0);
	fz_exited = 0;

	memset(&m, 0, sizeof(m));
	memset(&ic, 0, sizeof(ic));
	ic.channel_type = playback ? SPICE_CHANNEL_PLAYBACK :
	    SPICE_CHANNEL_RECORD;
	ic.mini_header = 1;
	ic.channel_caps[0] = 0xff;	/* the volume capabilities */
	ic.n_channel_caps = 1;
	snprintf(ic.peer, sizeof(ic.peer), "fuzz");
	m.hdr.ih_type = IPC_D2W_CLIENT;
	m.hdr.ih_session = 1;
	m.hdr.ih_conn = 2;
	memcpy(m.payload, &ic, sizeof(ic));
	m.fds[0] = cl[0];
	m.nfds = 1;
	FUZZ_CHECK(role->wr_ipc(&w, &m, &err) == 0);

	memset(&m, 0, sizeof(m));
	m.hdr.ih_type = IPC_D2W_AUDIO_ATTACH;
	m.hdr.ih_session = 1;
	m.fds[0] = pr[0];
	m.nfds = 1;
	FUZZ_CHECK(role->wr_ipc(&w, &m, &err) == 0);

	chunk = (size_t)data[1] + 1;
	for (off = 2; off + 2 <= size && !fz_exited; off += len) {
		len = data[off + 1];
		if (len > size - off - 2)
			len = size - off - 2;
		if (data[off] & 1) {
			if (len == sizeof(fz_start) &&
			    memcmp(data + off + 2, &(uint32_t){
			    QXLSHM_AUDIO_START }, 4) == 0)
				memcpy(&fz_start, data + off + 2, len);
			(void)send(pr[1], data + off + 2, len, MSG_DONTWAIT);
		} else
			for (n = 0; n < len; n += chunk)
				if (write(cl[1], data + off + 2 + n, len - n <
				    chunk ? len - n : chunk) < 0)
					break;
		off += 2;
		fz_pump(w.wk_base, cl[1], pr[1]);
	}
	fz_pump(w.wk_base, cl[1], pr[1]);
	if (playback) {
		if (role_playback_state.p_chan != NULL)
			chan_close(role_playback_state.p_chan, "fuzz over");
		playback_detach(&role_playback_state, NULL);
		event_free(role_playback_state.p_rev);
	} else {
		if (role_record_state.r_chan != NULL)
			chan_close(role_record_state.r_chan, "fuzz over");
		record_detach(&role_record_state, NULL);
		event_free(role_record_state.r_rev);
	}
	FUZZ_CHECK(fz_exited);
	close(cl[1]);
	close(pr[1]);
	event_base_free(w.wk_base);
	return 0;
}
