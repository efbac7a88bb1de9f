/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-ports: QEMU's other D-Bus chardevs as spiced's byte-stream ports
 * (qxl-shm MSG_PORT): one named org.spice-space.usbredir.* serves a SPICE
 * usbredir channel (QEMU: -device usb-redir,chardev=ID), one named
 * org.spice-space.smartcard.* the smartcard channel (QEMU: -device
 * ccid-card-passthru,chardev=ID on a usb-ccid), any other name a SPICE
 * port channel of that name (org.spice-space.webdav.0: folder
 * sharing).  The stream registered with QEMU is the one spiced gets, so
 * the bytes go from QEMU to spiced's worker with no hop through the
 * bridge; the bridge only reports the chardev's FEOpened.
 */
#ifndef QEMU_PORTS_H
#define QEMU_PORTS_H

#include "err.h"
#include "qemu-chardev.h"
#include "qemu.h"

#define QPORTS_USBREDIR_PREFIX	"org.spice-space.usbredir"
#define QPORTS_SMARTCARD_PREFIX	"org.spice-space.smartcard"

/* Serve chardev cd as a port.  0, or -1 with err. */
int	qports_add(struct qemu *q, const struct qchardev *cd,
	    struct spd_err *err);
void	qports_free(struct qemu *q);

#endif
