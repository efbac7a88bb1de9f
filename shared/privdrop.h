/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * privdrop: the demotion steps of a worker (DESIGN.md section 6), one
 * function per step so the caller runs them in the documented order and
 * names the step that failed.  sandbox_enter() is that caller for the
 * steps after the fd cleanup.
 *
 * Every function returns 0, or -1 with err saying what failed and why.  A
 * failure is meant to be fatal: none of them undoes a partial step.
 */
#ifndef SPICED_PRIVDROP_H
#define SPICED_PRIVDROP_H

#include <sys/types.h>

#include <stdint.h>

#include "err.h"

/* Close every file descriptor >= lowfd, with close_range(2) or, where the
 * kernel lacks it, by walking /proc/self/fd.  Run before anything else
 * opens an fd that must survive (the event base). */
int	privdrop_close_from(int lowfd, struct spd_err *err);

/* Resource limits, soft and hard: RLIMIT_NPROC 0 (no new process once the
 * uid is not root), RLIMIT_CORE 0, RLIMIT_NOFILE nofile, RLIMIT_DATA
 * data_max bytes unless 0, RLIMIT_FSIZE 0.
 * RLIMIT_FSIZE is left alone when fd 0, 1 or 2 is a regular file (logs
 * redirected to a file): the limit would kill the worker at its first log
 * line, and those are the only files it can reach anyway. */
int	privdrop_rlimits(unsigned nofile, uint64_t data_max,
	    struct spd_err *err);

/* Enter new network, IPC and UTS namespaces, each independently, where the
 * kernel permits (needs CAP_SYS_ADMIN, so call while still root).  Never
 * fails: a refused namespace is logged at debug level.  Returns the mask of
 * CLONE_NEW* flags that took effect. */
int	privdrop_namespaces(void);

/* chroot(dir) then chdir("/").  dir must be a directory owned by root or
 * by this process's uid (spiced's service user), not by run_uid (the uid
 * that will run inside), and neither group- nor world-writable, so the
 * demoted worker cannot plant anything in its own root.  run_uid
 * (uid_t)-1, which no file has: the process inside keeps the owner's uid
 * (privdrop_userns()), and only its seccomp filter keeps it from writing
 * there. */
int	privdrop_chroot(const char *dir, uid_t run_uid, struct spd_err *err);

/* An ordinary user's way to the walls privileged workers get: a user
 * namespace of its own (uid and gid mapped to themselves, setgroups
 * denied), in which new network, IPC and UTS namespaces and chroot(dir)
 * need no privilege on the host; then every capability the namespace gave
 * is cleared.  Files and signals keep working as before: the ids are the
 * same ones.  Returns the CLONE_NEW* mask entered, or -1 with err (the
 * kernel or a container refusing user namespaces, a map not written, the
 * chroot). */
int	privdrop_userns(const char *dir, struct spd_err *err);

/* setgroups(0, NULL), setresgid(gid x3), setresuid(uid x3), every
 * capability cleared (caps_clear()), then verify
 * with getresuid/getresgid that all six ids are the requested ones and
 * none is 0, and that setuid(0) now fails.  uid and gid must not be 0. */
int	privdrop_ids(uid_t uid, gid_t gid, struct spd_err *err);

/* PR_SET_NO_NEW_PRIVS 1 (required for an unprivileged seccomp filter and
 * makes set-id executables inert) and PR_SET_DUMPABLE 0 (no core, no
 * ptrace by same-uid processes, /proc/PID files owned by root). */
int	privdrop_nnp(struct spd_err *err);

#endif
