/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* caps: see caps.h. */

#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"

/* Version 3 of the interface: two 32-bit words per set. */
static int
caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	return (int)syscall(SYS_capget, &h, d);
}

static int
caps_set(uint64_t perm, uint64_t eff, uint64_t inh)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	int i;

	for (i = 0; i < 2; i++) {
		d[i].permitted = (uint32_t)(perm >> (32 * i));
		d[i].effective = (uint32_t)(eff >> (32 * i));
		d[i].inheritable = (uint32_t)(inh >> (32 * i));
	}
	return (int)syscall(SYS_capset, &h, d);
}

uint64_t
caps_effective(void)
{
	struct __user_cap_data_struct d[2];

	if (caps_get(d) != 0)
		return 0;
	return (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
}

int
caps_keep(uint64_t keep, struct spd_err *err)
{
	struct __user_cap_data_struct d[2];
	uint64_t perm;
	char names[512];
	int cap;

	if (caps_get(d) != 0)
		return spd_err_errno(err, "capget");
	perm = (uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32;
	if ((keep & ~perm) != 0)
		return spd_err_set(err, "cannot keep %s: not permitted",
		    caps_names(keep & ~perm, names, sizeof(names)));
	/* The bounding set first, while CAP_SETPCAP may still be held:
	 * what is not in it can never come back, not even through a
	 * set-id or capability-bearing executable. */
	if ((perm & CAPS_BIT(CAP_SETPCAP)) != 0)
		for (cap = 0; cap <= CAP_LAST_CAP; cap++)
			if ((keep & CAPS_BIT(cap)) == 0 &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
			    errno != EINVAL)
				return spd_err_errno(err, "dropping capability"
				    " %d from the bounding set", cap);
	if (caps_set(keep, keep, keep) != 0)
		return spd_err_errno(err, "capset to %s",
		    caps_names(keep, names, sizeof(names)));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
		return spd_err_errno(err, "clearing ambient capabilities");
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if ((keep & CAPS_BIT(cap)) != 0 && prctl(PR_CAP_AMBIENT,
		    PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
			return spd_err_errno(err, "raising ambient capability "
			    "%d", cap);
	return 0;
}

int
caps_become(uid_t uid, gid_t gid, struct spd_err *err)
{
	struct __user_cap_data_struct d[2];

	/* Kept across the change of uid, which clears the effective set. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
		return spd_err_errno(err, "PR_SET_KEEPCAPS");
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		return spd_err_errno(err, "becoming uid %u gid %u",
		    (unsigned)uid, (unsigned)gid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 || caps_get(d) != 0)
		return spd_err_errno(err, "uid %u: reading its capabilities",
		    (unsigned)uid);
	if (caps_set((uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32,
	    (uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32,
	    (uint64_t)d[0].inheritable | (uint64_t)d[1].inheritable << 32) != 0)
		return spd_err_errno(err, "uid %u: raising its capabilities "
		    "again", (unsigned)uid);
	return 0;
}

int
caps_clear(struct spd_err *err)
{
	/* Ambient first: the kernel refuses it for a capability no longer
	 * permitted anyway, but clearing needs nothing. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL)
		return spd_err_errno(err, "clearing ambient capabilities");
	if (caps_set(0, 0, 0) != 0)
		return spd_err_errno(err, "capset to none");
	return 0;
}

const char *
caps_names(uint64_t mask, char *buf, unsigned len)
{
	static const char *const names[] = {
		[CAP_CHOWN] = "cap_chown",
		[CAP_DAC_OVERRIDE] = "cap_dac_override",
		[CAP_DAC_READ_SEARCH] = "cap_dac_read_search",
		[CAP_FOWNER] = "cap_fowner",
		[CAP_KILL] = "cap_kill",
		[CAP_SETGID] = "cap_setgid",
		[CAP_SETUID] = "cap_setuid",
		[CAP_SETPCAP] = "cap_setpcap",
		[CAP_NET_BIND_SERVICE] = "cap_net_bind_service",
		[CAP_SYS_CHROOT] = "cap_sys_chroot",
		[CAP_SYS_ADMIN] = "cap_sys_admin",
	};
	unsigned used = 0;
	int cap, n;

	buf[0] = '\0';
	for (cap = 0; cap < 64 && used < len; cap++) {
		if ((mask & CAPS_BIT(cap)) == 0)
			continue;
		if (cap < (int)(sizeof(names) / sizeof(names[0])) &&
		    names[cap] != NULL)
			n = snprintf(buf + used, len - used, "%s%s",
			    used ? " " : "", names[cap]);
		else
			n = snprintf(buf + used, len - used, "%scap_%d",
			    used ? " " : "", cap);
		if (n < 0)
			break;
		used += (unsigned)n;
	}
	if (used == 0)
		snprintf(buf, len, "none");
	return buf;
}
