/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sandbox-probe: code of a test's choosing run inside a worker's sandbox,
 * as a compromised worker would run it: sandbox_enter() (shared/sandbox.c)
 * with the role, uid, gid and chroot a real worker of tenant A was given
 * (read from its command line by the test), then attempts on another
 * tenant's processes and files.  The seccomp filter is loaded in its trap
 * mode, where a call outside the role's allowlist fails with ENOSYS
 * instead of killing the process, so that every probe runs; in production
 * the same call kills the worker.
 *
 *   sandbox-probe --role ROLE [--uid N --gid N --chroot DIR [--no-seccomp] |
 *       --no-sandbox] --pid PID [--unix PATH]... [--file PATH]...
 *       [--tcp PORT]...
 *
 * ROLE: main, display, cursor, inputs.  Probes, one line each on stdout,
 * "NAME: refused (REASON)" or "NAME: ALLOWED":
 *   signal       kill(PID, 0)
 *   ptrace       ptrace(PTRACE_ATTACH, PID)
 *   vm-read      process_vm_readv of a page of PID's stack
 *   proc-status  open /proc/PID/status
 *   proc-fd      open /proc/PID/fd/0 (how a memfd would be reached)
 *   pidfd        pidfd_open(PID), then pidfd_getfd of its fd 0
 *   unix:PATH    connect to the UNIX socket PATH (control, producer...)
 *   file:PATH    open PATH for reading
 *   tcp:PORT     connect to 127.0.0.1:PORT
 * Before them: "sandbox: uid UID gid GID chroot DIR" (in force, ids
 * verified by sandbox_enter()) or "sandbox: none, uid UID".  Exit 0 when every
 * probe was refused, 1 when any was allowed, 2 on a usage or sandbox
 * error.  --no-seccomp takes the sandbox's other layers only (the same
 * privdrop steps: namespaces, chroot, ids, no_new_privs), to show that
 * they hold on their own should the filter be got round; --no-sandbox
 * runs the probes as the caller is (a control: the same probes, allowed
 * to root).
 */
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"
#include "sandbox.h"

#define PROBE_MAX	16

static int probe_allowed;

static void
probe_say(const char *name, int rc, int err)
{
	if (rc >= 0) {
		printf("%s: ALLOWED\n", name);
		probe_allowed = 1;
	} else
		printf("%s: refused (%s)\n", name, strerror(err));
	fflush(stdout);
}

static void
probe_open(const char *name, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	probe_say(name, fd, errno);
	if (fd >= 0)
		close(fd);
}

static void
probe_connect(const char *name, int domain, const struct sockaddr *sa,
    socklen_t len)
{
	int s, rc, err;

	if ((s = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		probe_say(name, -1, errno);
		return;
	}
	rc = connect(s, sa, len);
	err = errno;
	close(s);
	probe_say(name, rc, err);
}

static void
probe_pid(pid_t pid)
{
	char path[64], buf[64];
	struct iovec local = { buf, sizeof(buf) }, remote;
	long rc;
	int pfd;

	/* The call first, then errno: arguments have no order. */
	rc = kill(pid, 0);
	probe_say("signal", (int)rc, errno);
	rc = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
	probe_say("ptrace", rc == -1 ? -1 : 0, errno);
	if (rc == 0)
		(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
	/* Any address: permission is checked before the address. */
	remote.iov_base = (void *)&remote;
	remote.iov_len = sizeof(buf);
	rc = syscall(SYS_process_vm_readv, pid, &local, 1UL, &remote, 1UL, 0UL);
	probe_say("vm-read", rc == -1 ? -1 : 0, errno);
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	probe_open("proc-status", path);
	snprintf(path, sizeof(path), "/proc/%ld/fd/0", (long)pid);
	probe_open("proc-fd", path);
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		probe_say("pidfd", -1, errno);
	else {
		rc = syscall(SYS_pidfd_getfd, pfd, 0, 0);
		probe_say("pidfd", rc == -1 ? -1 : 0, errno);
		if (rc >= 0)
			close((int)rc);
		close(pfd);
	}
}

static int
probe_role(const char *s, enum sandbox_role *r)
{
	static const struct { const char *n; enum sandbox_role r; } roles[] = {
		{ "main", SANDBOX_ROLE_MAIN }, { "display", SANDBOX_ROLE_DISPLAY },
		{ "cursor", SANDBOX_ROLE_CURSOR },
		{ "inputs", SANDBOX_ROLE_INPUTS },
	};
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(s, roles[i].n) == 0) {
			*r = roles[i].r;
			return 0;
		}
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "chroot", required_argument, NULL, 'c' },
		{ "no-sandbox", no_argument, NULL, 'n' },
		{ "no-seccomp", no_argument, NULL, 'S' },
		{ "pid", required_argument, NULL, 'p' },
		{ "unix", required_argument, NULL, 'x' },
		{ "file", required_argument, NULL, 'f' },
		{ "tcp", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *unix_paths[PROBE_MAX], *files[PROBE_MAX];
	int ports[PROBE_MAX], nunix = 0, nfiles = 0, nports = 0, i, c;
	int nosandbox = 0, noseccomp = 0, have_role = 0;
	struct sandbox_conf sc;
	struct sockaddr_un un;
	struct sockaddr_in in;
	struct spd_err err;
	char name[128];
	pid_t pid = 0;

	memset(&sc, 0, sizeof(sc));
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (probe_role(optarg, &sc.sc_role) != 0)
				goto usage;
			have_role = 1;
			break;
		case 'u':
			sc.sc_uid = (uid_t)strtoul(optarg, NULL, 10);
			sc.sc_privileged = 1;
			break;
		case 'g':
			sc.sc_gid = (gid_t)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			sc.sc_chroot = optarg;
			break;
		case 'n':
			nosandbox = 1;
			break;
		case 'S':
			noseccomp = 1;
			break;
		case 'p':
			pid = (pid_t)strtol(optarg, NULL, 10);
			break;
		case 'x':
			if (nunix == PROBE_MAX)
				goto usage;
			unix_paths[nunix++] = optarg;
			break;
		case 'f':
			if (nfiles == PROBE_MAX)
				goto usage;
			files[nfiles++] = optarg;
			break;
		case 't':
			if (nports == PROBE_MAX)
				goto usage;
			ports[nports++] = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || pid <= 0 || (!nosandbox && (!have_role ||
	    (sc.sc_privileged && sc.sc_chroot == NULL))) ||
	    (noseccomp && !sc.sc_privileged))
		goto usage;
	log_init("sandbox-probe", 0);
	if (noseccomp) {
		/* sandbox_enter()'s privileged steps, in its order, without
		 * the filter. */
		(void)privdrop_namespaces();
		if (privdrop_chroot(sc.sc_chroot, sc.sc_uid, &err) != 0 ||
		    privdrop_ids(sc.sc_uid, sc.sc_gid, &err) != 0 ||
		    privdrop_nnp(&err) != 0) {
			fprintf(stderr, "sandbox-probe: %s\n", err.msg);
			return 2;
		}
	} else if (!nosandbox) {
		/* What worker.c does, in its diagnostic seccomp mode. */
		sc.sc_trap = 1;
		sc.sc_nofile = SANDBOX_NOFILE;
		if (sandbox_enter(&sc, &err) != 0) {
			fprintf(stderr, "sandbox-probe: sandbox: %s\n", err.msg);
			return 2;
		}
	}
	/* sandbox_enter() checked the ids it set (getuid() itself is not
	 * on a worker's allowlist). */
	if (nosandbox)
		printf("sandbox: none, uid %u\n", (unsigned)getuid());
	else if (noseccomp)
		printf("sandbox: no seccomp, uid %u gid %u chroot %s\n",
		    (unsigned)getuid(), (unsigned)getgid(), sc.sc_chroot);
	else
		printf("sandbox: uid %u gid %u chroot %s\n", (unsigned)sc.sc_uid,
		    (unsigned)sc.sc_gid, sc.sc_chroot);
	probe_pid(pid);
	for (i = 0; i < nunix; i++) {
		memset(&un, 0, sizeof(un));
		un.sun_family = AF_UNIX;
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", unix_paths[i]);
		snprintf(name, sizeof(name), "unix:%s", unix_paths[i]);
		probe_connect(name, AF_UNIX, (struct sockaddr *)&un, sizeof(un));
	}
	for (i = 0; i < nfiles; i++) {
		snprintf(name, sizeof(name), "file:%s", files[i]);
		probe_open(name, files[i]);
	}
	for (i = 0; i < nports; i++) {
		memset(&in, 0, sizeof(in));
		in.sin_family = AF_INET;
		in.sin_port = htons((uint16_t)ports[i]);
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		snprintf(name, sizeof(name), "tcp:%d", ports[i]);
		probe_connect(name, AF_INET, (struct sockaddr *)&in, sizeof(in));
	}
	return probe_allowed ? 1 : 0;
usage:
	fprintf(stderr, "usage: sandbox-probe --role ROLE [--uid N --gid N "
	    "--chroot DIR [--no-seccomp] | --no-sandbox] --pid PID "
	    "[--unix PATH]... [--file PATH]... [--tcp PORT]...\n");
	return 2;
}
