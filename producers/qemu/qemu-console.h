/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-console: which of QEMU's consoles the bridge shows, a monitor of
 * the display each.  Those given on the command line, in that order, or
 * else every graphic one (Console.Type "Graphic") of VM.ConsoleIDs, as
 * QEMU's own SPICE server makes a display channel of each: a VM with
 * two monitors (two graphic cards, or a card with two outputs) opens two
 * windows in remote-viewer.  Text consoles are left out.
 */
#ifndef QEMU_CONSOLE_H
#define QEMU_CONSOLE_H

#include <stdint.h>

#include "err.h"
#include "qemu.h"

/* Fill q->q_cons and q->q_ncons from want[n] (n > 0) or from QEMU, each
 * checked to exist.  0, or -1 with err. */
int	qconsole_pick(struct qemu *q, const uint32_t *want, unsigned n,
	    struct spd_err *err);

#endif
