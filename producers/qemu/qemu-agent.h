/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-agent: the guest's SPICE agent (spice-vdagent) to spiced.  QEMU
 * started with
 *   -chardev dbus,id=vdagent,name=org.spice-space.vdagent.0
 *   -device virtserialport,chardev=vdagent,name=com.redhat.spice.0
 * exports that chardev on its D-Bus display; the bridge registers a
 * stream on it (Chardev.Register) and, while the guest has the port open
 * (FEOpened), carries it to spiced's agent port: the stream's VDI chunks
 * (u32 port, u32 size, data) become one datagram each, and back.  The
 * guest is untrusted: a chunk of a bad port or size ends the agent until
 * the guest opens the port again; both ways are bounded and apply
 * back-pressure instead of queueing without end.
 */
#ifndef QEMU_AGENT_H
#define QEMU_AGENT_H

#include "err.h"
#include "qemu-chardev.h"
#include "qemu.h"

#define QAGENT_NAME		"org.spice-space.vdagent.0"
#define QAGENT_OUT_MAX		(64u * 1024)	/* bytes waiting for QEMU */

/* Serve the agent's chardev cd (named QAGENT_NAME).  NULL with err. */
struct qagent	*qagent_new(struct qemu *q, const struct qchardev *cd,
		    struct spd_err *err);
void		 qagent_free(struct qagent *);

#endif
