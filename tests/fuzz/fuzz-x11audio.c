/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-x11audio: spiced-x11's sound FIFOs (producers/x11/x11-sound.c,
 * x11-mic.c), through real FIFOs and socket pairs.
 *
 * Byte 0: bit 0 the direction (0: the session's sound server writes the
 * sound FIFO, 1: spiced sends the microphone's datagrams), bit 1 mono,
 * bits 2-4 the rate (a table).  Sound: the rest is written into the FIFO
 * in pieces of byte 1 (1..256) bytes, spiced-x11 reading after each.
 * Microphone: the rest is datagrams of (length byte, bytes), their first
 * u32 the type.
 *
 * Invariants: every sound datagram is DATA in the FIFO's format, whole
 * frames, at most QXLSHM_AUDIO_MAX_DATA bytes, and together they are the
 * bytes written, cut to whole frames; the microphone FIFO gets exactly
 * the samples of the DATA datagrams in its format (whole frames, within
 * the size cap), in order.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qxl-shm.h"
#include "x11.h"
#include "x11-mic.h"
#include "x11-sound.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* spiced-x11's log (spiced-x11.c): dropped. */
void
x11_log(const char *fmt, ...)
{
	(void)fmt;
}

static char	fuzz_dir[] = "/tmp/fuzz-x11audio.XXXXXX";
static char	fuzz_snd[64], fuzz_mic[64];

static void
fuzz_at_exit(void)
{
	unlink(fuzz_snd);
	unlink(fuzz_mic);
	rmdir(fuzz_dir);
}

/* The datagrams spiced got so far, checked, their samples into out. */
static size_t
fuzz_sound_drain(int fd, uint32_t rate, uint32_t ch, uint8_t *out,
    size_t got, size_t cap)
{
	uint8_t buf[sizeof(struct qxlshm_audio_data) + QXLSHM_AUDIO_MAX_DATA +
	    1];
	struct qxlshm_audio_data h;
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		FUZZ_CHECK((size_t)r > sizeof(h));
		memcpy(&h, buf, sizeof(h));
		FUZZ_CHECK(h.type == QXLSHM_AUDIO_DATA && h.channels == ch &&
		    h.frequency == rate);
		r -= (ssize_t)sizeof(h);
		FUZZ_CHECK(r <= QXLSHM_AUDIO_MAX_DATA && r % (2 * ch) == 0);
		FUZZ_CHECK(got + (size_t)r <= cap);
		memcpy(out + got, buf + sizeof(h), (size_t)r);
		got += (size_t)r;
	}
	return got;
}

static void
fuzz_sound(const uint8_t *p, size_t n, uint32_t rate, uint32_t ch)
{
	static uint8_t out[1 << 17];
	struct spd_err err;
	struct xsnd *s;
	size_t piece, off, take, got = 0, frame = 2u * ch;
	int sv[2], w;

	if (n < 1)
		return;
	piece = (size_t)p[0] + 1;
	p++, n--;
	FUZZ_CHECK((s = xsnd_new(fuzz_snd, rate, ch, &err)) != NULL);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	xsnd_set_port(s, sv[0]);
	FUZZ_CHECK((w = open(fuzz_snd, O_WRONLY | O_NONBLOCK)) >= 0);
	/* spiced reads as it goes: a full socket drops sound by design. */
	for (off = 0; off < n; off += take) {
		take = n - off < piece ? n - off : piece;
		FUZZ_CHECK(write(w, p + off, take) == (ssize_t)take);
		xsnd_read(s);
		got = fuzz_sound_drain(sv[1], rate, ch, out, got, sizeof(out));
	}
	FUZZ_CHECK(got == n - n % frame && memcmp(out, p, got) == 0);
	close(w);
	xsnd_free(s);	/* closes sv[0] */
	close(sv[1]);
}

static void
fuzz_mic_run(const uint8_t *p, size_t n, uint32_t rate, uint32_t ch)
{
	static uint8_t want[1 << 17], got[1 << 17];
	struct spd_err err;
	struct xmic *m;
	size_t len, nwant = 0, ngot = 0, frame = 2u * ch;
	uint32_t type, dch, drate;
	ssize_t r;
	int sv[2], rd;

	FUZZ_CHECK((rd = open(fuzz_mic, O_RDONLY | O_NONBLOCK)) >= 0);
	FUZZ_CHECK((m = xmic_new(fuzz_mic, rate, ch, &err)) != NULL);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	xmic_set_port(m, sv[0]);
	xmic_check(m);		/* the reader is there: START */
	FUZZ_CHECK(xmic_due_ms(m) == -1);
	while (n >= 1) {
		len = p[0];
		p++, n--;
		if (len > n)
			len = n;
		if (len > 0)
			FUZZ_CHECK(send(sv[1], p, len, 0) == (ssize_t)len);
		if (len >= 12) {
			memcpy(&type, p, 4);
			memcpy(&dch, p + 4, 4);
			memcpy(&drate, p + 8, 4);
			if (type == QXLSHM_AUDIO_DATA && dch == ch &&
			    drate == rate && (len - 12) % frame == 0) {
				memcpy(want + nwant, p + 12, len - 12);
				nwant += len - 12;
			}
		}
		p += len, n -= len;
		xmic_handle(m);
	}
	while ((r = read(rd, got + ngot, sizeof(got) - ngot)) > 0)
		ngot += (size_t)r;
	FUZZ_CHECK(ngot == nwant && memcmp(got, want, ngot) == 0);
	xmic_free(m);	/* closes sv[0] */
	close(sv[1]);
	close(rd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t rates[8] = { 8000, 11025, 16000, 22050, 32000,
	    44100, 48000, 192000 };
	uint32_t rate, ch;

	if (fuzz_snd[0] == '\0') {
		FUZZ_CHECK(mkdtemp(fuzz_dir) != NULL);
		snprintf(fuzz_snd, sizeof(fuzz_snd), "%s/snd", fuzz_dir);
		snprintf(fuzz_mic, sizeof(fuzz_mic), "%s/mic", fuzz_dir);
		FUZZ_CHECK(mkfifo(fuzz_mic, 0600) == 0);
		atexit(fuzz_at_exit);
	}
	/* Within one pipe's room: nothing is dropped for lack of it. */
	if (size < 1 || size > 60000)
		return 0;
	ch = data[0] & 2 ? 1 : 2;
	rate = rates[(data[0] >> 2) & 7];
	if (data[0] & 1)
		fuzz_mic_run(data + 1, size - 1, rate, ch);
	else
		fuzz_sound(data + 1, size - 1, rate, ch);
	return 0;
}
