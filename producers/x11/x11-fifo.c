/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x11-fifo: see x11-fifo.h. */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>

#include "x11-fifo.h"

int
xfifo_parse_format(const char *s, uint32_t *rate, uint32_t *channels,
    struct spd_err *err)
{
	unsigned long r, c = 0;
	char *end;

	errno = 0;
	r = strtoul(s, &end, 10);
	if (*end == ':')
		c = strtoul(end + 1, &end, 10);
	if (errno != 0 || *end != '\0' || r < 8000 || r > 192000 || c < 1 ||
	    c > 2)
		return spd_err_set(err, "%s is not RATE:CHANNELS, 8000..192000 "
		    "Hz and 1 or 2 channels (e.g. 48000:2)", s);
	*rate = (uint32_t)r;
	*channels = (uint32_t)c;
	return 0;
}

int
xfifo_check(const char *path, struct spd_err *err)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : spd_err_errno(err, "%s", path);
	if (!S_ISFIFO(sb.st_mode))
		return spd_err_set(err, "%s: not a FIFO", path);
	return 0;
}
