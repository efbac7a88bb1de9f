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

static uint32_t
vsc_get_le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint32_t
vsc_get_be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
vsc_put_le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

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
	vsc_put_le(act->reply, SPICE_VSC_MESSAGE_TYPE_Error);
	vsc_put_le(act->reply + 4, reader);
	vsc_put_le(act->reply + 8, 4);
	vsc_put_le(act->reply + 12, code);
	act->reply_len = VSC_HDR_LEN + 4;
}

static int	vsc_client_msg(struct vsc *, const uint8_t *, size_t,
		    uint8_t *, struct vsc_act *, const char **);

/* A message to the device that it answers (with a VSC_Error) counted. */
static void
vsc_count_request(struct vsc *vs, const uint8_t *dev)
{
	uint32_t type = vsc_get_be(dev);

	if (type == SPICE_VSC_MESSAGE_TYPE_ReaderAdd ||
	    type == SPICE_VSC_MESSAGE_TYPE_ReaderRemove ||
	    type == SPICE_VSC_MESSAGE_TYPE_ATR ||
	    type == SPICE_VSC_MESSAGE_TYPE_CardRemove)
		vs->vs_pending++;
}

int
vsc_from_client(struct vsc *vs, const uint8_t *body, size_t len,
    uint8_t *dev, struct vsc_act *act, const char **why)
{
	int rc;

	memset(act, 0, sizeof(*act));
	if ((rc = vsc_client_msg(vs, body, len, dev, act, why)) == 0 &&
	    act->dev_len > 0) {
		vs->vs_spoken = 1;
		vsc_count_request(vs, dev);
	}
	return rc;
}

static int
vsc_client_msg(struct vsc *vs, const uint8_t *body, size_t len,
    uint8_t *dev, struct vsc_act *act, const char **why)
{
	uint32_t type, reader, length;

	if (len < VSC_HDR_LEN || len > VSC_MAX_MSG) {
		*why = "protocol error: SMARTCARD_DATA shorter than a VSCard "
		    "header or over 64 KiB";
		return -1;
	}
	type = vsc_get_le(body);
	reader = vsc_get_le(body + 4);
	length = vsc_get_le(body + 8);
	if (length != len - VSC_HDR_LEN) {
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
		memcpy(dev + VSC_HDR_LEN, body + VSC_HDR_LEN, length);
		act->dev_len = len;
		return 0;
	default:
		act->note = "a VSCard message of an unknown type";
		return 0;
	}
}

int
vsc_from_device(struct vsc *vs, const uint8_t *buf, size_t len,
    size_t *used, uint8_t *out, size_t *outlen, const char **why)
{
	uint32_t type, length;

	*outlen = 0;
	if (len < VSC_HDR_LEN)
		return 0;
	type = vsc_get_be(buf);
	length = vsc_get_be(buf + 8);
	if (length > VSC_MAX_DATA) {
		*why = "the smartcard device sent a VSCard message over 64 KiB";
		return -1;
	}
	if (len - VSC_HDR_LEN < length)
		return 0;
	*used = VSC_HDR_LEN + length;
	if (type == SPICE_VSC_MESSAGE_TYPE_Init || !vs->vs_spoken)
		return 1;
	if (type == SPICE_VSC_MESSAGE_TYPE_Error && vs->vs_pending > 0)
		vs->vs_pending--;
	/* The device's reader id is its own; the client knows the reader
	 * by the one spiced gave it, which is the same single id. */
	vsc_put_le(out, type);
	vsc_put_le(out + 4, VSC_READER);
	vsc_put_le(out + 8, length);
	memcpy(out + VSC_HDR_LEN, buf + VSC_HDR_LEN, length);
	*outlen = VSC_HDR_LEN + length;
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
