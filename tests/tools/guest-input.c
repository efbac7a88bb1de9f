/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guest-input: runs inside the spiced-qemu tests' Linux guest (static):
 * watches every /dev/input/event* device as it appears and prints, on
 * stdout (the serial console), each device once by name and each key,
 * relative and absolute event it reports:
 *	guest: input event2 "QEMU QEMU USB Tablet"
 *	guest: ev event2 abs 0 16383
 * (type key, rel or abs; the code and the value in decimal), so a test
 * sees what the guest's own drivers got from the keys and the pointer
 * it sent through spiced.
 */
#include <linux/input.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEVS	16

static int fds[DEVS];

/* Open the event devices not open yet; announce each by its name. */
static void
scan(void)
{
	char path[32], name[128];
	int i;

	for (i = 0; i < DEVS; i++) {
		if (fds[i] >= 0)
			continue;
		snprintf(path, sizeof(path), "/dev/input/event%d", i);
		if ((fds[i] = open(path, O_RDONLY | O_NONBLOCK)) < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (ioctl(fds[i], EVIOCGNAME(sizeof(name) - 1), name) < 0)
			strcpy(name, "?");
		printf("guest: input event%d \"%s\"\n", i, name);
	}
	fflush(stdout);
}

int
main(void)
{
	static const char *const types[] = { [EV_KEY] = "key",
	    [EV_REL] = "rel", [EV_ABS] = "abs" };
	struct pollfd p[DEVS];
	struct input_event ev;
	int i, n;

	for (i = 0; i < DEVS; i++)
		fds[i] = -1;
	for (;;) {
		scan();
		for (i = n = 0; i < DEVS; i++)
			if (fds[i] >= 0) {
				p[n].fd = fds[i];
				p[n].events = POLLIN;
				n++;
			}
		if (poll(p, (nfds_t)n, 200) <= 0)
			continue;
		for (i = 0; i < DEVS; i++) {
			if (fds[i] < 0)
				continue;
			while (read(fds[i], &ev, sizeof(ev)) == sizeof(ev))
				if (ev.type == EV_KEY || ev.type == EV_REL ||
				    ev.type == EV_ABS)
					printf("guest: ev event%d %s %u %d\n", i,
					    types[ev.type], ev.code, ev.value);
		}
		fflush(stdout);
	}
}
