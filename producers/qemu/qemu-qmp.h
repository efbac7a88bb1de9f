/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-qmp: the few QMP commands that hand QEMU a D-Bus display client:
 * qmp_capabilities, getfd (the fd passed with SCM_RIGHTS) and add_client
 * with protocol "@dbus-display".  QEMU's answers are read a line at a
 * time (at most QQMP_MAX_LINE bytes), events in between skipped.
 */
#ifndef QEMU_QMP_H
#define QEMU_QMP_H

#include "err.h"

#define QQMP_MAX_LINE		65536
#define QQMP_TIMEOUT_MS		10000	/* for each answer */

/* Connect to the QMP socket at path and give QEMU fd (not closed here)
 * as a D-Bus display client.  0, or -1 with the reason in err. */
int	qqmp_add_display_client(const char *path, int fd, struct spd_err *err);

#endif
