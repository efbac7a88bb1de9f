/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox: demotion sequence and seccomp loader; contracts in sandbox.h. */
#include <sys/types.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include <seccomp.h>

#include "err.h"
#include "log.h"
#include "privdrop.h"
#include "sandbox.h"

/*
 * Trap mode: log the refused syscall and let it fail.  Only
 * async-signal-safe calls, so the number is formatted by hand.
 */
static void
sandbox_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[96], num[24];
	const char *pre = "spiced-worker: seccomp trap: refused syscall ";
	size_t n = 0, k = 0, i;
	int saved = errno;
	long v = si->si_syscall;

	for (i = 0; pre[i] != '\0' && n < sizeof(line) - 1; i++)
		line[n++] = pre[i];
	if (v < 0) {
		line[n++] = '-';
		v = -v;
	}
	do {
		num[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && k < sizeof(num));
	while (k > 0 && n < sizeof(line) - 1)
		line[n++] = num[--k];
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
	errno = saved;
	/* The kernel hands the handler the registers as they were at the
	 * call, so the "result" would be the syscall number; make it
	 * -ENOSYS so the caller sees a plain failure. */
#if defined(__x86_64__)
	((ucontext_t *)uc)->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#elif defined(__aarch64__)
	((ucontext_t *)uc)->uc_mcontext.regs[0] = (uint64_t)-ENOSYS;
#endif
}

static int
sandbox_trap_handler(struct spd_err *err)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) != 0)
		return spd_err_errno(err, "sigaction SIGSYS");
	return 0;
}

static int
sandbox_add_rule(scmp_filter_ctx ctx, const struct sandbox_rule *r,
    pid_t self, struct spd_err *err)
{
	struct scmp_arg_cmp cmp[4];
	unsigned i, n = 0;
	uint32_t action;
	int rc;

	/* Not a syscall of this architecture (libseccomp pseudo number). */
	if (r->sr_nr < 0)
		return 0;
	memset(cmp, 0, sizeof(cmp));
	for (i = 0; i < r->sr_nargs && i < 3; i++) {
		cmp[n].arg = r->sr_args[i].sa_arg;
		cmp[n].op = (enum scmp_compare)r->sr_args[i].sa_op;
		cmp[n].datum_a = r->sr_args[i].sa_a;
		cmp[n].datum_b = r->sr_args[i].sa_b;
		n++;
	}
	if (r->sr_self_pid) {
		cmp[n].arg = 0;
		cmp[n].op = SCMP_CMP_EQ;
		cmp[n].datum_a = (uint64_t)self;
		n++;
	}
	action = r->sr_action != 0 ? r->sr_action : SCMP_ACT_ALLOW;
	rc = seccomp_rule_add_array(ctx, action, r->sr_nr, n, cmp);
	if (rc != 0) {
		char *name = seccomp_syscall_resolve_num_arch(
		    SCMP_ARCH_NATIVE, r->sr_nr);

		spd_err_set(err, "rule for syscall %s (%d): %s",
		    name != NULL ? name : "?", r->sr_nr, strerror(-rc));
		free(name);
		return -1;
	}
	return 0;
}

int
sandbox_seccomp_load(enum sandbox_role role, int trap, struct spd_err *err)
{
	const struct sandbox_rules *g;
	scmp_filter_ctx ctx;
	pid_t self = getpid();
	size_t i;
	int rc;

	/* The handler must be in place before the filter: sigaction is not
	 * on the allowlist. */
	if ((g = sandbox_policy(role)) == NULL)
		return spd_err_set(err, "no policy for role %d", (int)role);
	if (trap && sandbox_trap_handler(err) != 0)
		return -1;
	ctx = seccomp_init(trap ? SCMP_ACT_TRAP :
	    sandbox_policy_default(role));
	if (ctx == NULL)
		return spd_err_set(err, "seccomp_init failed");
	for (; g->srs_name != NULL; g++) {
		for (i = 0; i < g->srs_n; i++) {
			if (sandbox_add_rule(ctx, &g->srs_rules[i], self,
			    err) != 0) {
				spd_err_prefix(err, "group %s", g->srs_name);
				seccomp_release(ctx);
				return -1;
			}
		}
	}
	/* libseccomp also sets NO_NEW_PRIVS here (its default); we did
	 * that already as its own step so a failure is named. */
	if ((rc = seccomp_load(ctx)) != 0) {
		seccomp_release(ctx);
		return spd_err_set(err, "seccomp_load: %s", strerror(-rc));
	}
	seccomp_release(ctx);
	log_debug("seccomp filter loaded (%s)", trap ? "trap" :
	    sandbox_policy_default(role) == SCMP_ACT_KILL_PROCESS ? "kill" :
	    "ENOSYS");
	return 0;
}

static void
sandbox_log_ns(int ns)
{
	log_debug("namespaces entered: %s%s%s%s",
	    (ns & CLONE_NEWUSER) ? "user " : "",
	    (ns & CLONE_NEWNET) ? "net " : "",
	    (ns & CLONE_NEWIPC) ? "ipc " : "",
	    (ns & CLONE_NEWUTS) ? "uts" : "");
}

int
sandbox_enter(const struct sandbox_conf *sc, struct spd_err *err)
{
	int ns;

	if (privdrop_rlimits(sc->sc_nofile, sc->sc_data_max, err) != 0)
		return spd_err_prefix(err, "rlimits");
	if (sc->sc_privileged) {
		/* Namespaces need CAP_SYS_ADMIN: enter them before the ids
		 * change takes every capability away. */
		sandbox_log_ns(privdrop_namespaces());
		if (privdrop_chroot(sc->sc_chroot, sc->sc_uid, err) != 0)
			return spd_err_prefix(err, "chroot");
		if (privdrop_ids(sc->sc_uid, sc->sc_gid, err) != 0)
			return spd_err_prefix(err, "ids");
	} else if (sc->sc_chroot != NULL) {
		if ((ns = privdrop_userns(sc->sc_chroot, err)) < 0)
			return spd_err_prefix(err, "user namespace");
		sandbox_log_ns(ns);
	}
	/* After the ids: a credential change resets the dumpable flag to
	 * the fs.suid_dumpable sysctl, so setting it earlier would not
	 * stick. */
	if (privdrop_nnp(err) != 0)
		return spd_err_prefix(err, "no_new_privs");
	if (sandbox_seccomp_load(sc->sc_role, sc->sc_trap, err) != 0)
		return spd_err_prefix(err, "seccomp");
	return 0;
}
