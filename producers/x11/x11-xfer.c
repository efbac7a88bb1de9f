/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x11-xfer: see x11-xfer.h. */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/vd_agent.h>

#include "x11.h"
#include "x11-xfer.h"
#include "x11-xfer-meta.h"

/* GIOErrorEnum codes spice-gtk shows as such (gio/gioenums.h). */
#define XF_GIO_FAILED			0
#define XF_GIO_EXISTS			2
#define XF_GIO_FILENAME_TOO_LONG	9
#define XF_GIO_INVALID_FILENAME		10
#define XF_GIO_NO_SPACE			12
#define XF_GIO_PERMISSION_DENIED	14

struct xf_task {
	int		 t_fd;		/* -1: slot free */
	uint32_t	 t_id;
	uint64_t	 t_size;
	uint64_t	 t_written;
	char		 t_name[XFM_NAME_MAX + 8];
};

struct xf {
	int		 f_dirfd;
	const char	*f_dir;
	int		 f_verbose;
	struct xf_task	 f_tasks[XF_MAX_TASKS];
};

int
xf_dir_open(const char *dir, const char **name, struct spd_err *err)
{
	static char def[4096];
	const char *home;
	struct stat sb;
	int fd;

	if (dir == NULL && (dir = getenv("XDG_DOWNLOAD_DIR")) != NULL &&
	    *dir != '/')
		dir = NULL;
	if (dir == NULL) {
		if ((home = getenv("HOME")) == NULL || *home != '/')
			return spd_err_set(err, "no HOME to save files in "
			    "(give --file-dir)");
		if (snprintf(def, sizeof(def), "%s/Downloads", home) >=
		    (int)sizeof(def))
			return spd_err_set(err, "HOME is too long");
		dir = stat(def, &sb) == 0 && S_ISDIR(sb.st_mode) ? def : home;
	}
	*name = dir;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return spd_err_errno(err, "%s", dir);
	return fd;
}

struct xf *
xf_new(int dirfd, const char *dir, int verbose)
{
	struct xf *f;
	int i;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->f_dirfd = dirfd;
	f->f_dir = dir;
	f->f_verbose = verbose;
	for (i = 0; i < XF_MAX_TASKS; i++)
		f->f_tasks[i].t_fd = -1;
	return f;
}

int
xf_enabled(const struct xf *f)
{
	return f->f_dirfd >= 0;
}

static uint32_t
xf_gio_error(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return XF_GIO_NO_SPACE;
	case EACCES:
	case EPERM:
	case EROFS:
		return XF_GIO_PERMISSION_DENIED;
	case ENAMETOOLONG:
		return XF_GIO_FILENAME_TOO_LONG;
	case EEXIST:
		return XF_GIO_EXISTS;
	default:
		return XF_GIO_FAILED;
	}
}

static int
xf_answer(struct xf_status *st, uint32_t id, uint32_t result,
    uint32_t io_error)
{
	memset(st, 0, sizeof(*st));
	st->id = id;
	st->result = result;
	st->io_error = io_error;
	return 1;
}

static struct xf_task *
xf_find(struct xf *f, uint32_t id)
{
	int i;

	for (i = 0; i < XF_MAX_TASKS; i++)
		if (f->f_tasks[i].t_fd >= 0 && f->f_tasks[i].t_id == id)
			return &f->f_tasks[i];
	return NULL;
}

/* The task ends without its file: closed and removed (said once it is:
 * a reader of the log may look at the directory then). */
static void
xf_drop(struct xf *f, struct xf_task *t, const char *why)
{
	if (t->t_fd >= 0)
		close(t->t_fd);
	t->t_fd = -1;
	if (unlinkat(f->f_dirfd, t->t_name, 0) != 0 && errno != ENOENT)
		x11_log("file transfer: \"%s\" (%llu of %llu bytes) %s; "
		    "removing it from %s: %s", t->t_name,
		    (unsigned long long)t->t_written,
		    (unsigned long long)t->t_size, why, f->f_dir,
		    strerror(errno));
	else
		x11_log("file transfer: \"%s\" (%llu of %llu bytes) %s; "
		    "removed", t->t_name, (unsigned long long)t->t_written,
		    (unsigned long long)t->t_size, why);
}

/* Create the file under its first free name. */
static int
xf_create(struct xf *f, struct xf_task *t, const char *name)
{
	unsigned n;
	int fd;

	for (n = 0; n < XFM_TRIES; n++) {
		xfm_try_name(name, n, t->t_name, sizeof(t->t_name));
		fd = openat(f->f_dirfd, t->t_name, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

static int
xf_start(struct xf *f, struct sbuf *body, struct xf_status *st)
{
	char name[XFM_NAME_MAX + 1];
	struct statvfs vfs;
	struct xf_task *t = NULL;
	uint64_t size = 0, avail;
	uint32_t id;
	int i, fd;

	if (sbuf_get_u32le(body, &id) != 0) {
		x11_log("file transfer: a START of %zu bytes, without its id",
		    sbuf_left(body));
		return 0;
	}
	if (f->f_dirfd < 0)
		return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_DISABLED, 0);
	switch (xfm_parse_start(sbuf_ptr(body), sbuf_left(body), name,
	    &size)) {
	case XFM_OK:
		break;
	case XFM_BAD_NAME:
		x11_log("file transfer %u: refused: its name is not a file "
		    "name of its own (empty, \".\", \"..\", a '/', a control "
		    "character or over %u bytes)", id, XFM_NAME_MAX);
		return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_ERROR,
		    XF_GIO_INVALID_FILENAME);
	default:
		x11_log("file transfer %u: refused: its START (%zu bytes) "
		    "has no [vdagent-file-xfer] name and size", id,
		    sbuf_left(body));
		return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_ERROR,
		    XF_GIO_FAILED);
	}
	if (xf_find(f, id) != NULL) {
		x11_log("file transfer %u: refused: a transfer of that id is "
		    "under way", id);
		return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_ERROR,
		    XF_GIO_FAILED);
	}
	for (i = 0; i < XF_MAX_TASKS && t == NULL; i++)
		if (f->f_tasks[i].t_fd < 0)
			t = &f->f_tasks[i];
	if (t == NULL) {
		x11_log("file transfer %u: refused: %d transfers are under "
		    "way already", id, XF_MAX_TASKS);
		return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_ERROR,
		    XF_GIO_FAILED);
	}
	if (fstatvfs(f->f_dirfd, &vfs) == 0) {
		avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		if (size > avail) {
			x11_log("file transfer %u: \"%s\" refused: %llu bytes, "
			    "%llu free in %s", id, name,
			    (unsigned long long)size,
			    (unsigned long long)avail, f->f_dir);
			xf_answer(st, id,
			    VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE, 0);
			st->free_space = avail;
			return 1;
		}
	}
	if ((fd = xf_create(f, t, name)) < 0) {
		x11_log("file transfer %u: creating \"%s\" in %s: %s", id,
		    t->t_name, f->f_dir, strerror(errno));
		return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_ERROR,
		    xf_gio_error(errno));
	}
	t->t_fd = fd;
	t->t_id = id;
	t->t_size = size;
	t->t_written = 0;
	if (f->f_verbose)
		x11_log("file transfer %u: \"%s\" (%llu bytes) into %s", id,
		    t->t_name, (unsigned long long)size, f->f_dir);
	return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA, 0);
}

static int
xf_write(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
xf_data(struct xf *f, struct sbuf *body, struct xf_status *st)
{
	struct xf_task *t;
	uint64_t size;
	uint32_t id;
	int err;

	if (sbuf_get_u32le(body, &id) != 0 ||
	    (t = xf_find(f, id)) == NULL) {
		/* Data after the transfer ended on our side: the client
		 * learns from the status already sent. */
		if (f->f_verbose)
			x11_log("file transfer: data of no transfer under way "
			    "dropped");
		return 0;
	}
	if (sbuf_get_u64le(body, &size) != 0 || size != sbuf_left(body)) {
		xf_drop(f, t, "ended: a DATA message whose size is not its "
		    "data's");
		return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_ERROR,
		    XF_GIO_FAILED);
	}
	if (size > t->t_size - t->t_written) {
		xf_drop(f, t, "ended: more data than its size");
		return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_ERROR,
		    XF_GIO_FAILED);
	}
	if (xf_write(t->t_fd, sbuf_ptr(body), (size_t)size) != 0) {
		err = errno;
		x11_log("file transfer %u: writing \"%s\" in %s: %s", id,
		    t->t_name, f->f_dir, strerror(err));
		xf_drop(f, t, "ended by the write error");
		return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_ERROR,
		    xf_gio_error(err));
	}
	t->t_written += size;
	if (t->t_written < t->t_size)
		return 0;
	/* close releases the descriptor even when it fails (a delayed
	 * write error on a network file system). */
	err = close(t->t_fd) == 0 ? 0 : errno;
	t->t_fd = -1;
	if (err != 0) {
		x11_log("file transfer %u: closing \"%s\" in %s: %s", id,
		    t->t_name, f->f_dir, strerror(err));
		xf_drop(f, t, "ended by the error");
		return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_ERROR,
		    xf_gio_error(err));
	}
	x11_log("file transfer %u: \"%s\" (%llu bytes) saved in %s", id,
	    t->t_name, (unsigned long long)t->t_size, f->f_dir);
	return xf_answer(st, id, VD_AGENT_FILE_XFER_STATUS_SUCCESS, 0);
}

/* The client's own STATUS: it cancelled, or failed reading its file. */
static int
xf_client_status(struct xf *f, struct sbuf *body)
{
	struct xf_task *t;
	uint32_t id, result;

	if (sbuf_get_u32le(body, &id) != 0 ||
	    sbuf_get_u32le(body, &result) != 0 ||
	    (t = xf_find(f, id)) == NULL)
		return 0;
	xf_drop(f, t, result == VD_AGENT_FILE_XFER_STATUS_CANCELLED ?
	    "cancelled by the client" : "ended by the client's error");
	return 0;
}

int
xf_on_msg(struct xf *f, uint32_t type, struct sbuf *body,
    struct xf_status *st)
{
	switch (type) {
	case VD_AGENT_FILE_XFER_START:
		return xf_start(f, body, st);
	case VD_AGENT_FILE_XFER_DATA:
		return xf_data(f, body, st);
	case VD_AGENT_FILE_XFER_STATUS:
		return xf_client_status(f, body);
	default:
		return 0;
	}
}

void
xf_client_gone(struct xf *f)
{
	int i;

	for (i = 0; i < XF_MAX_TASKS; i++)
		if (f->f_tasks[i].t_fd >= 0)
			xf_drop(f, &f->f_tasks[i], "ended: the client went "
			    "away");
}

void
xf_free(struct xf *f)
{
	if (f == NULL)
		return;
	xf_client_gone(f);
	free(f);
}
