/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-listener: our org.qemu.Display1.Listener on a connection of its
 * own.  Console.RegisterListener hands QEMU one end of a socket pair;
 * QEMU then runs the D-Bus handshake on it as the server, blocking its
 * main loop until we, the client, answer: so the call is sent without
 * waiting, and the handshake runs at once from the event loop.  QEMU's
 * calls (Scanout, Update, CursorDefine, MouseSet, ...) go to qemu-screen
 * and qemu-cursor; bad ones are refused with an error reply and logged.
 */
#ifndef QEMU_LISTENER_H
#define QEMU_LISTENER_H

#include "err.h"
#include "qemu.h"

/* The listener of console con (its index in q->q_cons). */
struct qlisten	*qlisten_new(struct qemu *q, unsigned con,
		    struct spd_err *err);
void		 qlisten_free(struct qlisten *);

#endif
