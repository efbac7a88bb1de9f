/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-opus: does Opus pay for itself on the playback channel?  spiced
 * sends raw 16-bit PCM (PROTOCOL.md 2.7); spice-gtk also decodes Opus
 * (SPICE_PLAYBACK_CAP_OPUS, 48 kHz, 10 ms frames of 480 samples).  For
 * three sounds a VM plays, 10 s of 48 kHz stereo each (music-like: chords
 * with vibrato and noise; speech-like: bursts of formants; the PC
 * speaker's square wave), this prints the bytes per second of raw PCM and
 * of Opus at 96 and 48 kbit/s, Opus's encode and decode CPU per second
 * of sound, and the SNR of what the viewer would hear (a perceptual codec
 * scores low there without sounding so).  Only this benchmark links
 * libopus.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <opus/opus.h>

#define RATE		48000
#define CH		2
#define SECONDS		10
#define FRAME		480		/* 10 ms, what spice-gtk expects */
#define NSAMP		(RATE * SECONDS)

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t bench_seed = 1;

static double
noise(void)
{
	bench_seed = bench_seed * 1103515245u + 12345u;
	return ((double)(bench_seed >> 8 & 0xffff) / 32768.0) - 1.0;
}

/* kind 0 music, 1 speech, 2 square wave. */
static void
make_sound(int kind, int16_t *pcm)
{
	const double chord[3] = { 261.63, 329.63, 392.0 };
	double t, v, env;
	int i, k;

	for (i = 0; i < NSAMP; i++) {
		t = (double)i / RATE;
		switch (kind) {
		case 0:
			for (v = 0, k = 0; k < 3; k++)
				v += sin(2 * M_PI * chord[k] * (1 + 0.003 *
				    sin(2 * M_PI * 5 * t)) * t) / 3;
			v = 0.6 * v + 0.02 * noise();
			break;
		case 1:
			env = fmax(0, sin(2 * M_PI * 3 * t));
			v = env * (0.5 * sin(2 * M_PI * 140 * t) + 0.3 *
			    sin(2 * M_PI * 700 * t) + 0.2 * sin(2 * M_PI * 1200 *
			    t)) + 0.01 * noise();
			break;
		default:
			v = fmod(t * 1000, 1.0) < 0.5 ? 0.5 : -0.5;
			break;
		}
		pcm[i * CH] = (int16_t)(v * 30000);
		pcm[i * CH + 1] = (int16_t)(v * 28000);
	}
}

int
main(void)
{
	static int16_t pcm[NSAMP * CH], out[NSAMP * CH];
	static const char *const names[] = { "music", "speech", "square" };
	const int rates[] = { 96000, 48000 };
	unsigned char pkt[4000];
	OpusEncoder *enc;
	OpusDecoder *dec;
	double t0, tenc, tdec, se, ss;
	long bytes;
	int kind, r, i, n, err;

	printf("bench-opus: 10 s of 48 kHz stereo, 10 ms frames; raw PCM is "
	    "%d kB/s\n", RATE * CH * 2 / 1000);
	printf("%-8s %8s %10s %8s %12s %12s %8s\n", "sound", "bitrate",
	    "kB/s", "vs raw", "encode CPU", "decode CPU", "SNR dB");
	for (kind = 0; kind < 3; kind++) {
		make_sound(kind, pcm);
		for (r = 0; r < 2; r++) {
			if ((enc = opus_encoder_create(RATE, CH,
			    OPUS_APPLICATION_AUDIO, &err)) == NULL ||
			    (dec = opus_decoder_create(RATE, CH, &err)) == NULL) {
				fprintf(stderr, "opus: %s\n", opus_strerror(err));
				return 1;
			}
			opus_encoder_ctl(enc, OPUS_SET_BITRATE(rates[r]));
			bytes = 0;
			tenc = tdec = 0;
			for (i = 0; i + FRAME <= NSAMP; i += FRAME) {
				t0 = cpu_s();
				n = opus_encode(enc, pcm + i * CH, FRAME, pkt,
				    sizeof(pkt));
				tenc += cpu_s() - t0;
				if (n < 0) {
					fprintf(stderr, "encode: %s\n",
					    opus_strerror(n));
					return 1;
				}
				bytes += n;
				t0 = cpu_s();
				if (opus_decode(dec, pkt, n, out + i * CH, FRAME,
				    0) != FRAME) {
					fprintf(stderr, "decode failed\n");
					return 1;
				}
				tdec += cpu_s() - t0;
			}
			/* SNR against the input, past the codec's delay (its
			 * lookahead, found as the best-matching lag). */
			{
				int lag, best = 0;
				double bse = -1;

				for (lag = 0; lag < 800; lag += 8) {
					for (se = 0, i = RATE; i < NSAMP - 1000; i += 97)
						se += pow(out[(i + lag) * CH] -
						    pcm[i * CH], 2);
					if (bse < 0 || se < bse) {
						bse = se;
						best = lag;
					}
				}
				for (se = ss = 0, i = RATE; i < NSAMP - 1000; i++) {
					se += pow(out[(i + best) * CH] - pcm[i * CH],
					    2);
					ss += pow(pcm[i * CH], 2);
				}
			}
			printf("%-8s %7dk %10.1f %7.3fx %11.2f%% %11.2f%% %8.1f\n",
			    names[kind], rates[r] / 1000,
			    bytes / 1000.0 / SECONDS,
			    (double)bytes / ((double)NSAMP * CH * 2),
			    100 * tenc / SECONDS, 100 * tdec / SECONDS,
			    10 * log10(ss / (se > 0 ? se : 1)));
			opus_encoder_destroy(enc);
			opus_decoder_destroy(dec);
		}
	}
	return 0;
}
