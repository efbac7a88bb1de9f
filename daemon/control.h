/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * control: the supervisor's control socket, served to spicectl (protocol
 * in shared/control-msg.h).  Set or expire a display's ticket, list
 * displays and sessions, disconnect a session.
 *
 * Who may connect: root; the members of control-group when one is
 * configured (the socket is then mode 0660 with that group, else 0600
 * owned by spiced's uid); and, when spiced itself is not root, spiced's
 * own uid.  The file mode keeps others out, and every connection is
 * checked again with SO_PEERCRED / SO_PEERGROUPS.
 */
#ifndef SPICED_CONTROL_H
#define SPICED_CONTROL_H

#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "spiced.h"

/*
 * Bind and listen on conf's control socket (nothing if c_control_path is
 * empty) and serve the n displays of the array d, which must outlive the
 * control socket.  A stale socket file is replaced; a path in use by a
 * live spiced, or a non-socket file, is an error.  0, or -1 with err.
 */
int	control_listen(const struct conf *, struct display *d, size_t n,
	    struct spd_err *err);

/* Close the control socket and every control connection, and remove the
 * socket file.  Harmless if control_listen() did nothing. */
void	control_shutdown(void);

/* control-group changed (reload): mode and group of the socket, and who
 * the per-connection check admits. */
void	control_set_group(int set, gid_t group);

#endif
