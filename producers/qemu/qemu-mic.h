/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-mic: a viewer's microphone to the VM through QEMU's D-Bus audio:
 * our org.qemu.Display1.AudioInListener on a connection of its own
 * (qemu-voice.h) and spiced's record port (qxl-shm MSG_RECORD).  A voice
 * QEMU enables (the guest records) is told to spiced as START in its
 * format, disabled as STOP; the viewer's DATA waits in a ring of half a
 * second, oldest dropped first, for QEMU's Read calls.  QEMU makes those
 * synchronously, its main loop stopped until the answer: they are
 * answered at once with what the ring holds, never waited on.
 */
#ifndef QEMU_MIC_H
#define QEMU_MIC_H

#include "err.h"
#include "qemu.h"

/* Offer QEMU a microphone (it may take none: logged, not an error).
 * NULL with err. */
struct qmic	*qmic_new(struct qemu *q, struct spd_err *err);
void		 qmic_free(struct qmic *);

#endif
