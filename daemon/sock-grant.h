/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sock-grant: give one user the right to connect to a UNIX socket spiced
 * created (a display's producer socket, for the producer's uid).  With
 * CAP_CHOWN the socket changes owner (uid and gid); a supervisor without
 * it (spiced.service runs as the user spiced and keeps only what it uses)
 * adds a POSIX ACL entry for that uid instead, which an owner may set on
 * its own file.  The socket stays mode 0660 either way.
 */
#ifndef SPICED_SOCK_GRANT_H
#define SPICED_SOCK_GRANT_H

#include <sys/types.h>

#include "err.h"

int	sock_grant(const char *path, uid_t uid, gid_t gid,
	    struct spd_err *err);

#endif
