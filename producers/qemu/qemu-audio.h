/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-audio: the VM's sound from QEMU's D-Bus audio (-audiodev dbus and
 * -display dbus,...,audiodev=ID) to spiced's audio port: our
 * org.qemu.Display1.AudioOutListener on a connection of its own
 * (qemu-voice.h), QEMU's voices'
 * Write calls converted to S16LE and sent as QXLSHM_AUDIO_DATA, volume
 * and mute as QXLSHM_AUDIO_VOLUME.  Sound is real time: what spiced
 * cannot take at once is dropped, and QEMU is never held up.
 */
#ifndef QEMU_AUDIO_H
#define QEMU_AUDIO_H

#include "err.h"
#include "qemu.h"

/* Ask QEMU for its sound (it may have none: logged, not an error).
 * NULL with err. */
struct qaudio	*qaudio_new(struct qemu *q, struct spd_err *err);
void		 qaudio_free(struct qaudio *);

#endif
