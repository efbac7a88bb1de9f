/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* privdrop: demotion steps; contracts in privdrop.h. */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "caps.h"
#include "privdrop.h"

/* Fallback for kernels without close_range(2) (before 5.9). */
static int
privdrop_close_walk(int lowfd, struct spd_err *err)
{
	struct dirent *de;
	DIR *d;
	char *end;
	long fd;
	int dfd;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return spd_err_errno(err, "close_range unavailable and "
		    "opendir /proc/self/fd failed");
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		errno = 0;
		fd = strtol(de->d_name, &end, 10);
		if (errno != 0 || *end != '\0' || fd < lowfd || fd == dfd)
			continue;
		/* Closing while iterating is safe: the directory is a
		 * snapshot per getdents call and we only remove entries. */
		(void)close((int)fd);
	}
	closedir(d);
	return 0;
}

int
privdrop_close_from(int lowfd, struct spd_err *err)
{
	/* The raw syscall, not glibc's wrapper: it tells ENOSYS apart, and
	 * an fd leaked from the supervisor (a listening socket, a key file)
	 * is exactly what this step exists to remove. */
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0u) == 0)
		return 0;
	if (errno != ENOSYS)
		return spd_err_errno(err, "close_range(%d, ~0)", lowfd);
#endif
	return privdrop_close_walk(lowfd, err);
}

static int
privdrop_setrlimit(int res, const char *name, rlim_t v, struct spd_err *err)
{
	struct rlimit rl;

	/* Hard limit too: otherwise the worker could raise it again. */
	rl.rlim_cur = v;
	rl.rlim_max = v;
	if (setrlimit(res, &rl) != 0)
		return spd_err_errno(err, "setrlimit %s %llu", name,
		    (unsigned long long)v);
	return 0;
}

/* 1 if one of the standard fds is a regular file. */
static int
privdrop_std_is_file(void)
{
	struct stat st;
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			return 1;
	}
	return 0;
}

int
privdrop_rlimits(unsigned nofile, uint64_t data_max, struct spd_err *err)
{
	/* NPROC is not enforced while we are root; it bites after the id
	 * change, when it stops fork() and threads alike. */
	if (privdrop_setrlimit(RLIMIT_NPROC, "RLIMIT_NPROC", 0, err) != 0 ||
	    privdrop_setrlimit(RLIMIT_CORE, "RLIMIT_CORE", 0, err) != 0 ||
	    privdrop_setrlimit(RLIMIT_NOFILE, "RLIMIT_NOFILE", nofile,
	    err) != 0)
		return -1;
	/* Private memory only: the producer's shared memfd slots do not
	 * count against RLIMIT_DATA. */
	if (data_max != 0 && privdrop_setrlimit(RLIMIT_DATA, "RLIMIT_DATA",
	    (rlim_t)data_max, err) != 0)
		return -1;
	if (privdrop_std_is_file()) {
		log_debug("RLIMIT_FSIZE left unchanged: stdio is a regular "
		    "file");
		return 0;
	}
	return privdrop_setrlimit(RLIMIT_FSIZE, "RLIMIT_FSIZE", 0, err);
}

int
privdrop_namespaces(void)
{
	static const struct {
		int		 flag;
		const char	*name;
	} ns[] = {
		{ CLONE_NEWNET, "net" },
		{ CLONE_NEWIPC, "ipc" },
		{ CLONE_NEWUTS, "uts" },
	};
	size_t i;
	int done = 0;

	/* One at a time, so a kernel (or container) that refuses one
	 * kind still gives us the others. */
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (unshare(ns[i].flag) == 0)
			done |= ns[i].flag;
		else
			log_debug("namespace %s not entered: %s", ns[i].name,
			    strerror(errno));
	}
	return done;
}

int
privdrop_chroot(const char *dir, uid_t run_uid, struct spd_err *err)
{
	struct stat st;

	if (dir == NULL || dir[0] != '/')
		return spd_err_set(err, "chroot directory must be an "
		    "absolute path");
	if (stat(dir, &st) != 0)
		return spd_err_errno(err, "stat %s", dir);
	if (!S_ISDIR(st.st_mode))
		return spd_err_set(err, "%s is not a directory", dir);
	/* Owned by root, or by the supervisor's service user (this
	 * process's uid until privdrop_ids()), never by the uid that will
	 * live in it: nobody there may plant anything in its own root. */
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_uid != 0 && st.st_uid == run_uid) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return spd_err_set(err, "%s must be owned by root or by "
		    "spiced's own uid, not by uid %u, and not group- or "
		    "world-writable", dir, (unsigned)run_uid);
	/* chdir after chroot, or the old cwd stays a way out. */
	if (chroot(dir) != 0)
		return spd_err_errno(err, "chroot %s", dir);
	if (chdir("/") != 0)
		return spd_err_errno(err, "chdir / after chroot");
	return 0;
}

/* Write text to a /proc/self file; -1 with err. */
static int
privdrop_write_proc(const char *path, const char *text, struct spd_err *err)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return spd_err_errno(err, "open %s", path);
	n = write(fd, text, len);
	if (n != (ssize_t)len) {
		spd_err_errno(err, "write %s", path);
		(void)close(fd);
		return -1;
	}
	if (close(fd) != 0)
		return spd_err_errno(err, "close %s", path);
	return 0;
}

int
privdrop_userns(const char *dir, struct spd_err *err)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int ns;

	if (unshare(CLONE_NEWUSER) != 0)
		return spd_err_errno(err, "unshare(CLONE_NEWUSER)");
	/* setgroups must be denied before an unprivileged gid_map. */
	if (privdrop_write_proc("/proc/self/setgroups", "deny", err) != 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (privdrop_write_proc("/proc/self/uid_map", map, err) != 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (privdrop_write_proc("/proc/self/gid_map", map, err) != 0)
		return -1;
	ns = CLONE_NEWUSER | privdrop_namespaces();
	if (privdrop_chroot(dir, (uid_t)-1, err) != 0)
		return -1;
	if (caps_clear(err) != 0)
		return -1;
	return ns;
}

int
privdrop_ids(uid_t uid, gid_t gid, struct spd_err *err)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (uid == 0 || gid == 0)
		return spd_err_set(err, "refusing to run as uid %u gid %u",
		    (unsigned)uid, (unsigned)gid);
	/* Groups first and uid last: each later call needs the privilege
	 * the earlier ones still had. */
	if (setgroups(0, NULL) != 0)
		return spd_err_errno(err, "setgroups(0)");
	if (setresgid(gid, gid, gid) != 0)
		return spd_err_errno(err, "setresgid %u", (unsigned)gid);
	if (setresuid(uid, uid, uid) != 0)
		return spd_err_errno(err, "setresuid %u", (unsigned)uid);
	/* From root the kernel clears the capabilities itself; from a
	 * service user holding them (systemd's AmbientCapabilities=) a uid
	 * change keeps them, so empty every set here. */
	if (caps_clear(err) != 0)
		return -1;
	/* Trust the kernel's answer, not the return codes above. */
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return spd_err_errno(err, "getresuid/getresgid");
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid || ru == 0 || eu == 0 || su == 0 || rg == 0 ||
	    eg == 0 || sg == 0)
		return spd_err_set(err, "ids after the drop are uid %u/%u/%u "
		    "gid %u/%u/%u, wanted %u and %u", (unsigned)ru,
		    (unsigned)eu, (unsigned)su, (unsigned)rg, (unsigned)eg,
		    (unsigned)sg, (unsigned)uid, (unsigned)gid);
	/* The last proof: no saved id or capability lets us back. */
	if (setuid(0) == 0)
		return spd_err_set(err, "setuid(0) succeeded after the drop");
	return 0;
}

int
privdrop_nnp(struct spd_err *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return spd_err_errno(err, "prctl PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return spd_err_errno(err, "prctl PR_SET_DUMPABLE 0");
	return 0;
}
