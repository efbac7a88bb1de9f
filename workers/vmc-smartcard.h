/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmc-smartcard: the smartcard channel's messages between a client and a
 * VSCard device (QEMU's ccid-card-passthru, through a qxl-shm smartcard
 * port), for role-vmc.  Both sides speak VSCard: a 12-byte header {u32
 * type, u32 reader_id, u32 length} then length bytes; the client's in
 * little-endian, one message per SMARTCARD_DATA; the device's in network
 * order, one after another on its byte stream (SPICE-NOTES 3.8,
 * qxl-shm/PROTOCOL.md 2.6).  The device is one reader, id 0 on both
 * sides.  What a message carries after its header is the card's and the
 * device's business and passes unchanged; headers are checked and
 * rewritten, never trusted: a client's length must be its message's, a
 * device's is capped.
 */
#ifndef SPICED_VMC_SMARTCARD_H
#define SPICED_VMC_SMARTCARD_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

#define VSC_HDR_LEN	12
/* Largest message either way, header included: a client message's most
 * (role-vmc's VMC_MAX_MSG).  Short APDUs (261 bytes) and their answers
 * (258), ATRs (33) and reader names fit many times over; only the
 * largest extended APDUs (65,544) would not. */
#define VSC_MAX_MSG	(64u * 1024)
#define VSC_MAX_DATA	(VSC_MAX_MSG - VSC_HDR_LEN)
/* The device's one reader. */
#define VSC_READER	0u
/* reader_id of an answer about no reader (VSCARD_UNDEFINED_READER_ID). */
#define VSC_NO_READER	0xffffffffu
/* VSC_Error codes spiced sends itself. */
#define VSC_E_GENERAL		1u
#define VSC_E_NO_MORE_READERS	2u

struct vsc {
	int		vs_reader;	/* ReaderAdd sent to the device, no
					   Remove */
	int		vs_spoken;	/* the client sent the device
					   something */
	uint32_t	vs_pending;	/* messages the device owes an
					   answer (VSC_Error) */
};

/* What one client message asks for: dev_len bytes written at the
 * caller's dev (to go to the device), and, when reply, spiced's own
 * VSC_Error for the client (reply_reader, reply_code).  note: a message
 * dropped, for a debug log line. */
struct vsc_act {
	size_t		 dev_len;
	int		 reply;
	uint32_t	 reply_reader;
	uint32_t	 reply_code;
	const char	*note;
};

/* One message of the device's: its type, length and data (borrowed from
 * the stream's bytes); to_client: the client is sent it (with reader
 * VSC_READER), not for the device's Init, nor before the client first
 * sent the device a message (such answers are the previous client's). */
struct vsc_msg {
	uint32_t	 vm_type;
	uint32_t	 vm_len;
	const uint8_t	*vm_data;
	int		 vm_to_client;
};

/* A client's SMARTCARD_DATA body; dev has room for its bytes.  0 with
 * *act filled, or -1 with *why (a protocol error: the channel closes). */
int	vsc_from_client(struct vsc *, struct sbuf *body, uint8_t *dev,
	    struct vsc_act *act, const char **why);

/* The first message of the device's stream buf[0..len): 1 with *used its
 * bytes and *m; 0 when it is not whole yet; -1 with *why when its length
 * is over VSC_MAX_DATA. */
int	vsc_from_device(struct vsc *, const uint8_t *buf, size_t len,
	    size_t *used, struct vsc_msg *m, const char **why);

/* The client is gone: the device's ReaderRemove into dev if its reader
 * was added (VSC_HDR_LEN bytes, returned), else 0. */
size_t	vsc_client_gone(struct vsc *, uint8_t dev[VSC_HDR_LEN]);
/* Does the device still owe answers to what this client (or its going)
 * sent it?  The device answers each ReaderAdd, ReaderRemove, ATR and
 * CardRemove with a VSC_Error; a worker whose client went reads them, so
 * that the next client's does not take them for its own. */
int	vsc_awaiting(const struct vsc *);

#endif
