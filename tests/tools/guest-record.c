/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guest-record: runs inside the spiced-qemu tests' Linux guest (static,
 * no ALSA library there): records from the sound card through the
 * kernel's OSS emulation (/dev/dsp, S16LE stereo at 44100 Hz, capture
 * gain up and unmuted through /dev/mixer) and prints, for each second
 * it heard, the pitch of the left channel (from its rising crossings of
 * the mean) and its RMS on stdout (the serial console):
 *	guest: record 440 Hz rms 8000
 * The test plays a tone into the viewer's record channel and waits for
 * its pitch here.
 */
#include <sys/ioctl.h>
#include <sys/soundcard.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define RATE		44100
#define CHANNELS	2

static int16_t second[RATE * CHANNELS];

static int
setup(int fd)
{
	int fmt = AFMT_S16_LE, ch = CHANNELS, rate = RATE, mfd, v, src;

	if (ioctl(fd, SNDCTL_DSP_SETFMT, &fmt) != 0 || fmt != AFMT_S16_LE ||
	    ioctl(fd, SNDCTL_DSP_CHANNELS, &ch) != 0 || ch != CHANNELS ||
	    ioctl(fd, SNDCTL_DSP_SPEED, &rate) != 0) {
		printf("guest: record: format refused: %s\n", strerror(errno));
		return -1;
	}
	if (rate != RATE)
		printf("guest: record: rate %d, not %d\n", rate, RATE);
	/* AC97's capture starts muted at gain 0: what the card hears of
	 * QEMU's microphone would be silence. */
	if ((mfd = open("/dev/mixer", O_RDWR)) >= 0) {
		v = 100 | 100 << 8;
		src = SOUND_MASK_MIC;
		(void)ioctl(mfd, SOUND_MIXER_WRITE_RECSRC, &src);
		(void)ioctl(mfd, SOUND_MIXER_WRITE_IGAIN, &v);
		(void)ioctl(mfd, SOUND_MIXER_WRITE_RECLEV, &v);
		(void)ioctl(mfd, SOUND_MIXER_WRITE_MIC, &v);
		close(mfd);
	}
	return 0;
}

static void
report(const int16_t *s, size_t frames)
{
	double mean = 0, sq = 0;
	size_t i, rises = 0;

	for (i = 0; i < frames; i++)
		mean += s[i * CHANNELS];
	mean /= (double)frames;
	for (i = 0; i < frames; i++) {
		sq += ((double)s[i * CHANNELS] - mean) *
		    ((double)s[i * CHANNELS] - mean);
		if (i > 0 && s[(i - 1) * CHANNELS] < mean &&
		    s[i * CHANNELS] >= mean)
			rises++;
	}
	printf("guest: record %zu Hz rms %d\n", rises * RATE / frames,
	    (int)sqrt(sq / (double)frames));
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/dsp";
	size_t have = 0;
	ssize_t n;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((fd = open(dev, O_RDONLY)) < 0) {
		printf("guest: record: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	if (setup(fd) != 0)
		return 1;
	printf("guest: recording from %s\n", dev);
	for (;;) {
		n = read(fd, (char *)second + have, sizeof(second) - have);
		if (n <= 0) {
			printf("guest: record: read: %s\n",
			    n < 0 ? strerror(errno) : "end of file");
			return 1;
		}
		have += (size_t)n;
		if (have == sizeof(second)) {
			report(second, RATE);
			have = 0;
		}
	}
}
