/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sock-grant: see sock-grant.h. */

#include <sys/types.h>
#include <sys/xattr.h>

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "sock-grant.h"

/* The kernel's POSIX ACL xattr layout (linux/posix_acl_xattr.h, which
 * userspace headers do not ship): a version word, then entries sorted by
 * tag, every field little-endian. */
#define ACL_XATTR_VERSION	2
#define ACL_USER_OBJ		0x01
#define ACL_USER		0x02
#define ACL_GROUP_OBJ		0x04
#define ACL_MASK		0x10
#define ACL_OTHER		0x20
#define ACL_RW			06
#define ACL_UNDEFINED_ID	((uint32_t)-1)

struct acl_entry {
	uint16_t	tag;
	uint16_t	perm;
	uint32_t	id;
};

struct acl_xattr {
	uint32_t		version;
	struct acl_entry	e[5];
};

int
sock_grant(const char *path, uid_t uid, gid_t gid, struct spd_err *err)
{
	struct acl_xattr a;

	if ((caps_effective() & CAPS_BIT(CAP_CHOWN)) != 0) {
		if (chown(path, uid, gid) != 0)
			return spd_err_errno(err, "chown %s to %u:%u", path,
			    (unsigned)uid, (unsigned)gid);
		return 0;
	}
	/* Owner and the one user rw, the owning group nothing (mode
	 * 0660's group bits become the mask), others nothing. */
	memset(&a, 0, sizeof(a));
	a.version = htole32(ACL_XATTR_VERSION);
	a.e[0] = (struct acl_entry){ htole16(ACL_USER_OBJ), htole16(ACL_RW),
	    htole32(ACL_UNDEFINED_ID) };
	a.e[1] = (struct acl_entry){ htole16(ACL_USER), htole16(ACL_RW),
	    htole32((uint32_t)uid) };
	a.e[2] = (struct acl_entry){ htole16(ACL_GROUP_OBJ), 0,
	    htole32(ACL_UNDEFINED_ID) };
	a.e[3] = (struct acl_entry){ htole16(ACL_MASK), htole16(ACL_RW),
	    htole32(ACL_UNDEFINED_ID) };
	a.e[4] = (struct acl_entry){ htole16(ACL_OTHER), 0,
	    htole32(ACL_UNDEFINED_ID) };
	if (setxattr(path, "system.posix_acl_access", &a, sizeof(a), 0) != 0)
		return spd_err_errno(err, "%s: no CAP_CHOWN to give it to uid "
		    "%u, and its file system refuses an ACL for that uid",
		    path, (unsigned)uid);
	return 0;
}
