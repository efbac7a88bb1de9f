/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * caps: the Linux capabilities of this process, read and narrowed with the
 * raw capget/capset system calls (no libcap: three calls do not need a
 * library).  The supervisor uses them to decide its mode (it can start
 * workers under other uids when it holds CAP_SETUID, CAP_SETGID and
 * CAP_SYS_CHROOT, whether its uid is 0 or, under systemd, a service user
 * given them as ambient capabilities) and to keep only what it uses;
 * workers use caps_clear() so that a uid change from a non-root
 * supervisor leaves them nothing.
 *
 * Masks are 64-bit: bit N is capability N (CAP_SETUID is bit 7).
 */
#ifndef SPICED_CAPS_H
#define SPICED_CAPS_H

#include <linux/capability.h>

#include <sys/types.h>

#include <stdint.h>

#include "err.h"

#define CAPS_BIT(cap)	((uint64_t)1 << (cap))

/* The effective set, 0 if it cannot be read. */
uint64_t	caps_effective(void);

/* Narrow the permitted, effective and inheritable sets to keep (which must
 * be a subset of what is permitted), raise each of keep as an ambient
 * capability so that the workers this process execs without being root
 * get them too, and drop every other capability from the bounding set
 * where CAP_SETPCAP allows (a process started as root). */
int		caps_keep(uint64_t keep, struct spd_err *err);

/* Become uid:gid (no supplementary group but gid) keeping the
 * capabilities permitted before, effective again: a root process
 * becoming its service user with what it still needs (caps_keep() then
 * narrows them). */
int		caps_become(uid_t uid, gid_t gid, struct spd_err *err);

/* Empty every set this process can empty: ambient, permitted, effective,
 * inheritable. */
int		caps_clear(struct spd_err *err);

/* Names of the capabilities in mask, space-separated ("cap_setuid
 * cap_kill"), or "none", into buf. */
const char	*caps_names(uint64_t mask, char *buf, unsigned len);

#endif
