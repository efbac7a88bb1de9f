/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sandbox: a worker's demotion after its fds are cleaned up, ending with a
 * libseccomp allowlist (DESIGN.md section 6; policy tables in
 * sandbox-policy.c).
 *
 * Order in sandbox_enter(): rlimits -> [privileged: namespaces while the
 * capability to create them is still held, chroot, setgroups/setresgid/
 * setresuid + verification | unprivileged with a chroot: a user namespace
 * of the same ids, namespaces and chroot in it, capabilities cleared] ->
 * no_new_privs, not dumpable -> seccomp.
 * A failure message begins with the name of the step that failed
 * ("rlimits: ...", "chroot: ...", "ids: ...", "no_new_privs: ...",
 * "seccomp: ..."); the caller treats it as fatal.
 */
#ifndef SPICED_SANDBOX_H
#define SPICED_SANDBOX_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum sandbox_role {
	SANDBOX_ROLE_MAIN,
	SANDBOX_ROLE_DISPLAY,
	SANDBOX_ROLE_RELAY,	/* daemon/relay.c: TLS/SASL layer pump */
	SANDBOX_ROLE_KEYGEN,	/* workers/role-keygen.c: ticket keys */
	SANDBOX_ROLE_INPUTS,	/* workers/role-inputs.c */
	SANDBOX_ROLE_CURSOR,	/* workers/role-cursor.c */
	SANDBOX_ROLE_VMC,	/* workers/role-vmc.c */
	SANDBOX_ROLE_PLAYBACK,	/* workers/audio/role-playback.c */
	SANDBOX_ROLE_RECORD,	/* workers/audio/role-record.c */
	SANDBOX_ROLE_SUPERVISOR,	/* daemon/spiced.c, once it serves */
	/* The same, unprivileged, for workers that enter user namespaces
	 * (privdrop_userns()): unshare of a user namespace too. */
	SANDBOX_ROLE_SUPERVISOR_USERNS,
};

/* File descriptors a worker may hold: the display worker serves every
 * client of its display plus memslots, doorbells and libevent's own. */
#define SANDBOX_NOFILE		256

struct sandbox_conf {
	enum sandbox_role	 sc_role;
	/* Privileged mode: chroot and change ids.  Set when running as root
	 * or when ids were given (a supervisor holding only CAP_SETUID/
	 * SETGID/SYS_CHROOT). */
	int			 sc_privileged;
	uid_t			 sc_uid;
	gid_t			 sc_gid;
	/* Absolute, empty, owned by root or the supervisor's uid.
	 * Unprivileged: NULL (no chroot), or the way into a user namespace
	 * (privdrop_userns()). */
	const char		*sc_chroot;
	int			 sc_trap;	/* SCMP_ACT_TRAP + log, debug */
	unsigned		 sc_nofile;	/* RLIMIT_NOFILE */
	uint64_t		 sc_data_max;	/* RLIMIT_DATA bytes, 0: as is */
};

/* Run the demotion steps above in order.  The caller has already closed
 * every fd it was not given (privdrop_close_from()) and created everything
 * that needs a forbidden syscall (event base, signal handlers).  On return
 * 0 the filter is in force for the rest of the process's life. */
int	sandbox_enter(const struct sandbox_conf *, struct spd_err *err);

/* Load only the seccomp filter of role.  trap selects SCMP_ACT_TRAP as the
 * default action with a SIGSYS handler that logs each refused syscall
 * number and lets the call fail with ENOSYS (a diagnostic mode: the process
 * keeps running); otherwise the role's default (sandbox_policy_default()).
 * libseccomp sets no_new_privs first. */
int	sandbox_seccomp_load(enum sandbox_role, int trap, struct spd_err *err);

/* One allowlist entry.  sr_nr is a libseccomp syscall number (SCMP_SYS();
 * negative on architectures without that call: skipped).  Up to three
 * argument comparisons, all of which must hold; several entries for the
 * same syscall are alternatives.  sr_action 0 means allow, anything else
 * is a libseccomp action (e.g. SCMP_ACT_ERRNO(ENOSYS)).  sr_self_pid adds
 * "argument 0 == getpid()" at load time (tgkill). */
struct sandbox_arg {
	unsigned	 sa_arg;
	int		 sa_op;		/* enum scmp_compare */
	uint64_t	 sa_a;
	uint64_t	 sa_b;
};

struct sandbox_rule {
	int			 sr_nr;
	uint32_t		 sr_action;
	int			 sr_self_pid;
	unsigned		 sr_nargs;
	struct sandbox_arg	 sr_args[3];
};

struct sandbox_rules {
	const char			*srs_name;
	const struct sandbox_rule	*srs_rules;
	size_t				 srs_n;
};

/* The action for a call no rule of role allows: SCMP_ACT_KILL_PROCESS for
 * workers and relays, SCMP_ACT_ERRNO(ENOSYS) for the supervisor, which
 * serves every session and must not end them all over one refused call. */
uint32_t	sandbox_policy_default(enum sandbox_role);

/* The rule groups of role (NULL-terminated by srs_name == NULL). */
const struct sandbox_rules *sandbox_policy(enum sandbox_role);

#endif
