/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-input: the viewers' input to QEMU's console (Keyboard.Press and
 * Release with qnum codes, which are SPICE's scancodes; Mouse.Press,
 * Release, SetAbsPosition, RelMotion), and back to spiced whether the
 * console takes absolute positions (Mouse.IsAbsolute: the mouse mode
 * offered to viewers) and its lock keys (Keyboard.Modifiers: the viewers'
 * LEDs).  Calls are sent without waiting for QEMU's answers.  With
 * several consoles a viewer's position goes to the console of the
 * monitor it was made on, in that console's coordinates, and buttons and
 * relative motion follow it; keys, IsAbsolute and Modifiers are the
 * first console's (QEMU routes keys to the VM's keyboard either way).
 */
#ifndef QEMU_INPUT_H
#define QEMU_INPUT_H

#include "err.h"
#include "qemu.h"

/* Read IsAbsolute and Modifiers, watch them, and open spiced's input
 * socket.  NULL with err. */
struct qinput	*qinput_new(struct qemu *q, struct spd_err *err);
void		 qinput_free(struct qinput *);

#endif
