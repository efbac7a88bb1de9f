/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-xfer: the file transfers spiced-x11 takes from a client
 * (producers/x11/x11-xfer.c and x11-xfer-meta.c), in a real directory.
 *
 * Input: records of a kind byte (% 4: START, DATA, the client's STATUS,
 * the client going away), a length byte and that many bytes of message
 * body.  Invariants: an answer only to START and DATA, and for the id the
 * message named; nothing but regular files in the directory, none a
 * symbolic link or a directory; once the client is gone, no more files
 * than transfers answered SUCCESS (every part removed).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/vd_agent.h>

#include "x11.h"
#include "x11-xfer.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* spiced-x11's log (spiced-x11.c): dropped. */
void
x11_log(const char *fmt, ...)
{
	(void)fmt;
}

static char	fuzz_dir[] = "/tmp/fuzz-xfer.XXXXXX";
static int	fuzz_dirfd = -1;

static void
fuzz_cleanup(void)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(fuzz_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			unlinkat(fuzz_dirfd, de->d_name, 0);
	closedir(d);
}

static void
fuzz_at_exit(void)
{
	fuzz_cleanup();
	rmdir(fuzz_dir);
}

/* What the directory holds: regular files only; their count. */
static unsigned
fuzz_files(void)
{
	struct dirent *de;
	struct stat sb;
	unsigned n = 0;
	DIR *d;

	FUZZ_CHECK((d = opendir(fuzz_dir)) != NULL);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		FUZZ_CHECK(fstatat(fuzz_dirfd, de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) == 0);
		FUZZ_CHECK(S_ISREG(sb.st_mode));
		FUZZ_CHECK(strchr(de->d_name, '\n') == NULL);
		n++;
	}
	closedir(d);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t types[3] = { VD_AGENT_FILE_XFER_START,
	    VD_AGENT_FILE_XFER_DATA, VD_AGENT_FILE_XFER_STATUS };
	struct xf_status st;
	struct sbuf body;
	struct xf *f;
	unsigned saved = 0;
	size_t off = 0, len;
	uint32_t id;
	uint8_t kind;

	if (fuzz_dirfd < 0) {
		FUZZ_CHECK(mkdtemp(fuzz_dir) != NULL);
		FUZZ_CHECK((fuzz_dirfd = open(fuzz_dir, O_RDONLY |
		    O_DIRECTORY)) >= 0);
		atexit(fuzz_at_exit);
	}
	FUZZ_CHECK((f = xf_new(fuzz_dirfd, fuzz_dir, 0)) != NULL);
	while (size - off >= 2) {
		kind = data[off] % 4;
		len = data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		if (kind == 3) {
			xf_client_gone(f);
			FUZZ_CHECK(fuzz_files() <= saved);
			continue;
		}
		sbuf_init(&body, data + off, len);
		id = len >= 4 ? (uint32_t)data[off] | (uint32_t)data[off + 1] << 8 |
		    (uint32_t)data[off + 2] << 16 |
		    (uint32_t)data[off + 3] << 24 : 0;
		off += len;
		if (xf_on_msg(f, types[kind], &body, &st)) {
			FUZZ_CHECK(kind != 2 && len >= 4);
			FUZZ_CHECK(st.id == id);
			if (st.result == VD_AGENT_FILE_XFER_STATUS_SUCCESS)
				saved++;
		}
		(void)fuzz_files();
	}
	xf_free(f);
	FUZZ_CHECK(fuzz_files() <= saved);
	fuzz_cleanup();
	return 0;
}
