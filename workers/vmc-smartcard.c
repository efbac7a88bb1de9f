/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmc-smartcard: VSCard headers between a smartcard channel's client and
 * its device; contracts in vmc-smartcard.h.
 *
 * The reader's life is spiced's to keep, as with the reference server:
 * the client's ReaderAdd becomes the device's (without the client's
 * reader name, which QEMU does not read), a second one is answered
 * here, and a client that goes takes its reader along (ReaderRemove).
 * The device answers everything else itself (VSC_Error with its code);
 * its Init, meant for whoever connects to it, stays here, and so does
 * what it says before a client spoke to it: the answer to the previous
 * client's last words (its ReaderRemove), which this client never
 * asked.
 */
#include <string.h>

#include <spice/enums.h>

#include "vmc-smartcard.h"

static void
vsc_put_be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A header for the device. */
static size_t
vsc_dev_hdr(uint8_t *dev, uint32_t type, uint32_t length)
{
	vsc_put_be(dev, type);
	vsc_put_be(dev + 4, VSC_READER);
	vsc_put_be(dev + 8, length);
	return VSC_HDR_LEN;
}

/* spiced's own VSC_Error to the client. */
static void
vsc_reply_error(struct vsc_act *act, uint32_t reader, uint32_t code)
{
	act->reply = 1;
	act->reply_reader = reader;
	act->reply_code = code;
}

static int	vsc_client_msg(struct vsc *, struct sbuf *, uint8_t *,
		    struct vsc_act *, uint32_t *, const char **);

/* A message to the device that it answers (with a VSC_Error) counted. */
static void
vsc_count_request(struct vsc *vs, uint32_t type)
{
	if (type == SPICE_VSC_MESSAGE_TYPE_ReaderAdd ||
	    type == SPICE_VSC_MESSAGE_TYPE_ReaderRemove ||
	    type == SPICE_VSC_MESSAGE_TYPE_ATR ||
	    type == SPICE_VSC_MESSAGE_TYPE_CardRemove)
		vs->vs_pending++;
}

int
vsc_from_client(struct vsc *vs, struct sbuf *body, uint8_t *dev,
    struct vsc_act *act, const char **why)
{
	uint32_t type = 0;
	int rc;

	memset(act, 0, sizeof(*act));
	if ((rc = vsc_client_msg(vs, body, dev, act, &type, why)) == 0 &&
	    act->dev_len > 0) {
		vs->vs_spoken = 1;
		vsc_count_request(vs, type);
	}
	return rc;
}

static int
vsc_client_msg(struct vsc *vs, struct sbuf *body, uint8_t *dev,
    struct vsc_act *act, uint32_t *typep, const char **why)
{
	uint32_t type, reader, length;
	const uint8_t *data;

	if (sbuf_left(body) > VSC_MAX_MSG || sbuf_get_u32le(body, &type) != 0 ||
	    sbuf_get_u32le(body, &reader) != 0 ||
	    sbuf_get_u32le(body, &length) != 0) {
		*why = "protocol error: SMARTCARD_DATA shorter than a VSCard "
		    "header or over 64 KiB";
		return -1;
	}
	*typep = type;
	if (length != sbuf_left(body) ||
	    sbuf_get_direct(body, &data, length) != 0) {
		*why = "protocol error: SMARTCARD_DATA whose VSCard length is "
		    "not its size";
		return -1;
	}
	switch (type) {
	case SPICE_VSC_MESSAGE_TYPE_ReaderAdd:
		if (vs->vs_reader) {
			vsc_reply_error(act, VSC_NO_READER,
			    VSC_E_NO_MORE_READERS);
			return 0;
		}
		vs->vs_reader = 1;
		act->dev_len = vsc_dev_hdr(dev, type, 0);
		return 0;
	case SPICE_VSC_MESSAGE_TYPE_ReaderRemove:
		if (!vs->vs_reader || reader != VSC_READER) {
			vsc_reply_error(act, reader, VSC_E_GENERAL);
			return 0;
		}
		vs->vs_reader = 0;
		act->dev_len = vsc_dev_hdr(dev, type, 0);
		return 0;
	case SPICE_VSC_MESSAGE_TYPE_Init:
		act->note = "the client's VSCard Init (a device's message)";
		return 0;
	case SPICE_VSC_MESSAGE_TYPE_Error:
	case SPICE_VSC_MESSAGE_TYPE_ATR:
	case SPICE_VSC_MESSAGE_TYPE_CardRemove:
	case SPICE_VSC_MESSAGE_TYPE_APDU:
		if (reader != VSC_READER) {
			*why = "protocol error: a VSCard message for a reader "
			    "that does not exist";
			return -1;
		}
		vsc_dev_hdr(dev, type, length);
		memcpy(dev + VSC_HDR_LEN, data, length);
		act->dev_len = VSC_HDR_LEN + (size_t)length;
		return 0;
	default:
		act->note = "a VSCard message of an unknown type";
		return 0;
	}
}

int
vsc_from_device(struct vsc *vs, const uint8_t *buf, size_t len,
    size_t *used, struct vsc_msg *m, const char **why)
{
	struct sbuf sb;
	uint32_t reader;

	memset(m, 0, sizeof(*m));
	sbuf_init(&sb, buf, len);
	if (sbuf_get_u32be(&sb, &m->vm_type) != 0 ||
	    sbuf_get_u32be(&sb, &reader) != 0 ||
	    sbuf_get_u32be(&sb, &m->vm_len) != 0)
		return 0;
	if (m->vm_len > VSC_MAX_DATA) {
		*why = "the smartcard device sent a VSCard message over 64 KiB";
		return -1;
	}
	if (sbuf_get_direct(&sb, &m->vm_data, m->vm_len) != 0)
		return 0;
	*used = VSC_HDR_LEN + m->vm_len;
	/* The device's reader id is its own; the client knows the reader
	 * by the one spiced gave it, which is the same single id. */
	m->vm_to_client = m->vm_type != SPICE_VSC_MESSAGE_TYPE_Init &&
	    vs->vs_spoken;
	if (m->vm_to_client && m->vm_type == SPICE_VSC_MESSAGE_TYPE_Error &&
	    vs->vs_pending > 0)
		vs->vs_pending--;
	return 1;
}

size_t
vsc_client_gone(struct vsc *vs, uint8_t dev[VSC_HDR_LEN])
{
	if (!vs->vs_reader)
		return 0;
	vs->vs_reader = 0;
	vs->vs_pending++;
	return vsc_dev_hdr(dev, SPICE_VSC_MESSAGE_TYPE_ReaderRemove, 0);
}

int
vsc_awaiting(const struct vsc *vs)
{
	return vs->vs_pending > 0;
}
