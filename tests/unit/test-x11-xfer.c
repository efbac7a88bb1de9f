/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for producers/x11/x11-xfer*.c: the START key files and names
 * spiced-x11 takes and refuses, and files saved, renamed, refused and
 * removed in a real directory.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/vd_agent.h>

#include "sbuf.h"
#include "test-helper.h"
#include "x11.h"
#include "x11-xfer.h"
#include "x11-xfer-meta.h"

/* spiced-x11's log (spiced-x11.c) goes here: the assertions read it. */
static char last_log[1024];

void
x11_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

static enum xfm_verdict
parse(const char *text, char *name, uint64_t *size)
{
	/* As spice-gtk sends it: with the final NUL. */
	return xfm_parse_start((const uint8_t *)text, strlen(text) + 1, name,
	    size);
}

static void
test_parse(void)
{
	static uint8_t huge[XFM_START_MAX + 1];
	char name[XFM_NAME_MAX + 1], big[600];
	uint64_t size = 0;

	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=photo.jpg\n"
	    "size=1234\n", name, &size), XFM_OK);
	ASSERT_STR_EQ(name, "photo.jpg");
	ASSERT_U64_EQ(size, 1234);
	/* GLib's escapes, blanks around '=', comments, CRLF, other
	 * groups' keys. */
	ASSERT_INT_EQ(parse("# made by hand\r\n[other]\nname=x\n"
	    "[vdagent-file-xfer]\r\nname = \\sa b\\\\c \r\nsize= 0\r\n",
	    name, &size), XFM_OK);
	ASSERT_STR_EQ(name, " a b\\c ");
	ASSERT_U64_EQ(size, 0);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=a\n"
	    "size=18446744073709551615\n", name, &size), XFM_OK);
	ASSERT_U64_EQ(size, UINT64_MAX);

	/* Names that are no file of the directory's own. */
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=../evil\nsize=1\n",
	    name, &size), XFM_BAD_NAME);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=/etc/passwd\n"
	    "size=1\n", name, &size), XFM_BAD_NAME);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=..\nsize=1\n",
	    name, &size), XFM_BAD_NAME);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=.\nsize=1\n",
	    name, &size), XFM_BAD_NAME);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=\nsize=1\n",
	    name, &size), XFM_BAD_NAME);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=a\\nb\nsize=1\n",
	    name, &size), XFM_BAD_NAME);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=a\x1b[2Jb\nsize=1\n",
	    name, &size), XFM_BAD_NAME);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=a\\qb\nsize=1\n",
	    name, &size), XFM_BAD_NAME);
	snprintf(big, sizeof(big), "[vdagent-file-xfer]\nname=%0*d\nsize=1\n",
	    XFM_NAME_MAX, 7);
	ASSERT_INT_EQ(parse(big, name, &size), XFM_OK);
	snprintf(big, sizeof(big), "[vdagent-file-xfer]\nname=%0*d\nsize=1\n",
	    XFM_NAME_MAX + 1, 7);
	ASSERT_INT_EQ(parse(big, name, &size), XFM_BAD_NAME);

	/* Not the key file spice-gtk sends. */
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=a\n", name, &size),
	    XFM_MALFORMED);
	ASSERT_INT_EQ(parse("[other]\nname=a\nsize=1\n", name, &size),
	    XFM_MALFORMED);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=a\nsize=-1\n", name,
	    &size), XFM_MALFORMED);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=a\n"
	    "size=18446744073709551616\n", name, &size), XFM_MALFORMED);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=a\nsize=1k\n", name,
	    &size), XFM_MALFORMED);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=a\nname=b\nsize=1\n",
	    name, &size), XFM_MALFORMED);
	ASSERT_INT_EQ(parse("[vdagent-file-xfer]\nname=a\nsize\n", name,
	    &size), XFM_MALFORMED);
	ASSERT_INT_EQ(xfm_parse_start((const uint8_t *)"[vdagent-file-xfer]"
	    "\nname=a\0b\nsize=1\n", 34, name, &size), XFM_MALFORMED);
	memset(huge, 'a', sizeof(huge));
	ASSERT_INT_EQ(xfm_parse_start(huge, sizeof(huge), name, &size),
	    XFM_MALFORMED);
}

static void
test_try_name(void)
{
	char out[XFM_NAME_MAX + 8];

	xfm_try_name("a.txt", 0, out, sizeof(out));
	ASSERT_STR_EQ(out, "a.txt");
	xfm_try_name("a.txt", 1, out, sizeof(out));
	ASSERT_STR_EQ(out, "a (1).txt");
	xfm_try_name("archive.tar.gz", 12, out, sizeof(out));
	ASSERT_STR_EQ(out, "archive.tar (12).gz");
	xfm_try_name(".profile", 2, out, sizeof(out));
	ASSERT_STR_EQ(out, ".profile (2)");
	xfm_try_name("README", XFM_TRIES - 1, out, sizeof(out));
	ASSERT_STR_EQ(out, "README (99)");
}

/* One message to xf: its body built in ob. */
static int
send_msg(struct xf *f, uint32_t type, struct obuf *ob, struct xf_status *st)
{
	struct sbuf sb;
	int rv;

	ASSERT_TRUE(!ob->ob_failed);
	sbuf_init(&sb, ob->ob_data, ob->ob_len);
	memset(st, 0xa5, sizeof(*st));
	rv = xf_on_msg(f, type, &sb, st);
	obuf_reset(ob);
	return rv;
}

static int
start(struct xf *f, uint32_t id, const char *name, uint64_t size,
    struct xf_status *st)
{
	struct obuf ob;
	char text[512];
	int rv;

	obuf_init(&ob);
	obuf_put_u32le(&ob, id);
	snprintf(text, sizeof(text), "[vdagent-file-xfer]\nname=%s\n"
	    "size=%llu\n", name, (unsigned long long)size);
	obuf_put_bytes(&ob, text, strlen(text) + 1);
	rv = send_msg(f, VD_AGENT_FILE_XFER_START, &ob, st);
	obuf_free(&ob);
	return rv;
}

/* DATA of id: claimed bytes said, data given. */
static int
data(struct xf *f, uint32_t id, uint64_t claimed, const char *bytes,
    size_t n, struct xf_status *st)
{
	struct obuf ob;
	int rv;

	obuf_init(&ob);
	obuf_put_u32le(&ob, id);
	obuf_put_u64le(&ob, claimed);
	obuf_put_bytes(&ob, bytes, n);
	rv = send_msg(f, VD_AGENT_FILE_XFER_DATA, &ob, st);
	obuf_free(&ob);
	return rv;
}

static void
client_status(struct xf *f, uint32_t id, uint32_t result)
{
	struct xf_status st;
	struct obuf ob;

	obuf_init(&ob);
	obuf_put_u32le(&ob, id);
	obuf_put_u32le(&ob, result);
	ASSERT_INT_EQ(send_msg(f, VD_AGENT_FILE_XFER_STATUS, &ob, &st), 0);
	obuf_free(&ob);
}

static int
exists(int dirfd, const char *name)
{
	struct stat sb;

	return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

static void
read_back(int dirfd, const char *name, const char *want)
{
	char buf[256];
	ssize_t n;
	int fd;

	ASSERT_TRUE((fd = openat(dirfd, name, O_RDONLY)) >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	ASSERT_INT_EQ((int)n, (int)strlen(want));
	ASSERT_MEM_EQ(buf, want, (size_t)n);
}

static int
entries(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	ASSERT_TRUE((d = opendir(dir)) != NULL);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_files(void)
{
	char dir[] = "/tmp/test-x11-xfer.XXXXXX", outside[600], link[600];
	char many[32];
	const char *name;
	struct xf_status st;
	struct xf *f;
	struct spd_err err;
	int dirfd, i;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	ASSERT_TRUE((dirfd = xf_dir_open(dir, &name, &err)) >= 0);
	ASSERT_STR_EQ(name, dir);
	ASSERT_TRUE((f = xf_new(dirfd, dir, 0)) != NULL);
	ASSERT_TRUE(xf_enabled(f));

	/* A file in two pieces, saved when the last arrives. */
	ASSERT_INT_EQ(start(f, 1, "f.bin", 10, &st), 1);
	ASSERT_INT_EQ(st.id, 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA);
	ASSERT_INT_EQ(data(f, 1, 4, "0123", 4, &st), 0);
	ASSERT_INT_EQ(data(f, 1, 6, "456789", 6, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_SUCCESS);
	read_back(dirfd, "f.bin", "0123456789");
	ASSERT_STR_CONTAINS(last_log, "\"f.bin\" (10 bytes) saved in");
	/* Data once it is done: dropped, nothing answered. */
	ASSERT_INT_EQ(data(f, 1, 1, "x", 1, &st), 0);

	/* An empty file: its one DATA of no bytes. */
	ASSERT_INT_EQ(start(f, 2, "empty", 0, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA);
	ASSERT_INT_EQ(data(f, 2, 0, "", 0, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_SUCCESS);
	read_back(dirfd, "empty", "");

	/* The same name again: " (1)"; the first stays as it was. */
	ASSERT_INT_EQ(start(f, 3, "f.bin", 2, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA);
	ASSERT_INT_EQ(data(f, 3, 2, "ab", 2, &st), 1);
	read_back(dirfd, "f (1).bin", "ab");
	read_back(dirfd, "f.bin", "0123456789");

	/* A symbolic link of that name is never followed. */
	snprintf(outside, sizeof(outside), "%s.outside", dir);
	snprintf(link, sizeof(link), "%s/link.txt", dir);
	ASSERT_INT_EQ(symlink(outside, link), 0);
	ASSERT_INT_EQ(start(f, 4, "link.txt", 1, &st), 1);
	ASSERT_INT_EQ(data(f, 4, 1, "L", 1, &st), 1);
	read_back(dirfd, "link (1).txt", "L");
	ASSERT_TRUE(access(outside, F_OK) != 0);

	/* Cancelled by the client: the part written is removed. */
	ASSERT_INT_EQ(start(f, 5, "part", 100, &st), 1);
	ASSERT_INT_EQ(data(f, 5, 3, "abc", 3, &st), 0);
	ASSERT_TRUE(exists(dirfd, "part"));
	client_status(f, 5, VD_AGENT_FILE_XFER_STATUS_CANCELLED);
	ASSERT_TRUE(!exists(dirfd, "part"));
	ASSERT_STR_CONTAINS(last_log, "(3 of 100 bytes) cancelled by the "
	    "client; removed");

	/* A DATA whose size is not its data's, and more data than the
	 * file's size: the transfer ends with an error, nothing kept. */
	ASSERT_INT_EQ(start(f, 6, "liar", 5, &st), 1);
	ASSERT_INT_EQ(data(f, 6, 6, "abcde", 5, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_ERROR);
	ASSERT_TRUE(!exists(dirfd, "liar"));
	ASSERT_INT_EQ(start(f, 7, "long", 3, &st), 1);
	ASSERT_INT_EQ(data(f, 7, 4, "abcd", 4, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_ERROR);
	ASSERT_TRUE(!exists(dirfd, "long"));
	ASSERT_STR_CONTAINS(last_log, "more data than its size");

	/* Refusals at START. */
	ASSERT_INT_EQ(start(f, 8, "../escape", 1, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_ERROR);
	ASSERT_INT_EQ(st.io_error, 10);		/* G_IO_ERROR_INVALID_FILENAME */
	ASSERT_INT_EQ(start(f, 9, "huge", UINT64_MAX, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE);
	ASSERT_TRUE(st.free_space > 0 && st.free_space < UINT64_MAX);
	ASSERT_TRUE(!exists(dirfd, "huge"));
	ASSERT_INT_EQ(start(f, 10, "busy", 1, &st), 1);
	ASSERT_INT_EQ(start(f, 10, "busy2", 1, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_ERROR);
	ASSERT_STR_CONTAINS(last_log, "a transfer of that id is under way");
	for (i = 1; i < XF_MAX_TASKS; i++) {
		snprintf(many, sizeof(many), "many-%d", i);
		ASSERT_INT_EQ(start(f, 100 + i, many, 1, &st), 1);
		ASSERT_INT_EQ(st.result,
		    VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA);
	}
	ASSERT_INT_EQ(start(f, 100 + XF_MAX_TASKS, "one-too-many", 1, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_ERROR);
	ASSERT_STR_CONTAINS(last_log, "transfers are under way already");
	ASSERT_TRUE(!exists(dirfd, "one-too-many"));

	/* The client goes away: every part is removed, what was saved
	 * stays. */
	ASSERT_INT_EQ(entries(dir), 5 + XF_MAX_TASKS);
	xf_client_gone(f);
	ASSERT_INT_EQ(entries(dir), 5);
	ASSERT_STR_CONTAINS(last_log, "the client went away; removed");
	xf_free(f);

	/* Disabled: every START answered so. */
	ASSERT_TRUE((f = xf_new(-1, NULL, 0)) != NULL);
	ASSERT_TRUE(!xf_enabled(f));
	ASSERT_INT_EQ(start(f, 1, "f.bin", 1, &st), 1);
	ASSERT_INT_EQ(st.result, VD_AGENT_FILE_XFER_STATUS_DISABLED);
	xf_free(f);

	/* A directory that is not there. */
	ASSERT_INT_EQ(xf_dir_open("/nonexistent/dir", &name, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "/nonexistent/dir: No such file");

	unlink(link);
	unlinkat(dirfd, "f.bin", 0);
	unlinkat(dirfd, "f (1).bin", 0);
	unlinkat(dirfd, "empty", 0);
	unlinkat(dirfd, "link (1).txt", 0);
	close(dirfd);
	ASSERT_INT_EQ(rmdir(dir), 0);
}

int
main(void)
{
	test_parse();
	test_try_name();
	test_files();
	printf("test-x11-xfer: ok\n");
	return 0;
}
