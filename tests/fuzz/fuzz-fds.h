/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-fds: for fuzz targets that hand fds to the code under test and
 * check it lets go of them: how many sockets, memfds and eventfds are
 * open (the kinds such code takes; libFuzzer's own pipes come and go).
 */
#ifndef SPICED_FUZZ_FDS_H
#define SPICED_FUZZ_FDS_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline int
fuzz_fds_open(void)
{
	char path[300], target[256];
	struct dirent *e;
	DIR *dir;
	ssize_t n;
	int count = 0;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if ((n = readlink(path, target, sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		count += strncmp(target, "socket:", 7) == 0 ||
		    strncmp(target, "/memfd:", 7) == 0 ||
		    strcmp(target, "anon_inode:[eventfd]") == 0;
	}
	closedir(dir);
	return count;
}

#endif
