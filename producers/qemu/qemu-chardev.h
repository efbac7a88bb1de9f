/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-chardev: the chardevs QEMU puts on its D-Bus display
 * (-chardev dbus,id=ID,name=NAME): their list (from QEMU's object
 * manager) and registering a stream on one.  Synchronous calls: only
 * before the display listener is registered (see qemu-listener.h).
 */
#ifndef QEMU_CHARDEV_H
#define QEMU_CHARDEV_H

#include "err.h"
#include "qemu.h"

#define QCHARDEV_MAX	16	/* chardevs looked at */

struct qchardev {
	char	cd_path[128];	/* its object */
	char	cd_name[64];	/* its name= */
};

/* QEMU's chardevs, at most max, into out; how many, or -1 with err. */
int	qchardev_list(struct qemu *q, struct qchardev *out, int max,
	    struct spd_err *err);

/* Chardev.Register with fd (QEMU gets a copy): from now on the chardev's
 * bytes flow through it.  *opened: whether the device end is open
 * (FEOpened).  0, or -1 with err. */
int	qchardev_register(struct qemu *q, const struct qchardev *cd, int fd,
	    int *opened, struct spd_err *err);

/* Read FEOpened from a PropertiesChanged of a chardev: 1 or 0, or -1
 * when the signal does not say. */
int	qchardev_opened_changed(sd_bus_message *m);

#endif
