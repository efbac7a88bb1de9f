/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-voice: what QEMU's two D-Bus audio listeners share (QEMU 7.2's
 * signatures): the voices QEMU opens with Init(t id, y bits, b is_signed,
 * b is_float, u freq, y nchannels, u bytes_per_frame, u bytes_per_second,
 * b be) and their sample formats to and from S16, SetVolume(t, b mute,
 * ay volume) as a qxl-shm VOLUME, and the listener's own connection,
 * registered with Audio.RegisterOutListener or RegisterInListener: QEMU
 * runs the handshake while its main loop waits, so nothing here waits
 * for QEMU.
 */
#ifndef QEMU_VOICE_H
#define QEMU_VOICE_H

#include <stdint.h>

#include "err.h"
#include "qemu.h"
#include "qxl-shm.h"

#define QVOICE_MAX	8	/* voices open at once per listener */

struct qvoice {
	uint64_t	v_id;
	int		v_used;
	uint8_t		v_bits;		/* 8, 16 or 32 */
	int		v_signed;
	int		v_float;
	int		v_be;
	uint32_t	v_rate;
	uint8_t		v_channels;	/* 1 or 2 */
};

struct qvoices {
	const char	*vs_what;	/* "sound", "microphone": for logs */
	struct qvoice	 vs_voice[QVOICE_MAX];
	int		 vs_logged;
};

/* The voice id, made when make and there is room; NULL otherwise. */
struct qvoice	*qvoice_find(struct qvoices *, uint64_t id, int make);
/* Handle Init on m: the new voice, or NULL after replying with an error
 * (a format spiced cannot carry, too many voices); *r < 0 when m could
 * not be read. */
struct qvoice	*qvoice_init(struct qvoices *, sd_bus_message *m, int *r);
/* A sample of v's format at p as S16, and back. */
int16_t		 qvoice_get(const struct qvoice *v, const uint8_t *p);
void		 qvoice_put(const struct qvoice *v, int16_t s, uint8_t *p);
/* SetVolume's arguments as a qxl-shm VOLUME.  0 or a negative errno. */
int		 qvoice_volume(sd_bus_message *m,
		    struct qxlshm_audio_volume *v);

/* A listener's connection to QEMU. */
struct qvoice_conn {
	sd_bus		*vc_bus;
	sd_bus_slot	*vc_vtable;
	sd_bus_slot	*vc_call;	/* the registration, until answered */
};

/* Export vtable (with arg) at path on a new connection and ask QEMU's
 * Audio to call it (method RegisterOutListener or RegisterInListener);
 * done gets QEMU's answer.  0, or -1 with err. */
int	qvoice_listen(struct qemu *q, struct qvoice_conn *c, const char *path,
	    const char *iface, const sd_bus_vtable *vtable, void *arg,
	    const char *method, sd_bus_message_handler_t done,
	    struct spd_err *err);
void	qvoice_close(struct qvoice_conn *c);

#endif
