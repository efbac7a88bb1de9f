/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spice-link: the SPICE link handshake codec; contracts in spice-link.h.
 *
 * Spec: SPICE-NOTES 1.2-1.7 (restated from spice-protocol's protocol.h and
 * the checks the reference server makes).  Deviations: a major version
 * other than 2 is VERSION_MISMATCH even when it is 0 (the reference server
 * answers INVALID_DATA there), and only the first IPC_MAX_CAP_WORDS words
 * of each cap kind are kept after the whole list has been validated.
 */
#include <string.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "spice-link.h"

_Static_assert(SPICE_LINK_PUBKEY_LEN == SPICE_TICKET_PUBKEY_BYTES,
    "pubkey size differs from spice-protocol");
_Static_assert(SPICE_LINK_TICKET_LEN == SPICE_TICKET_KEY_PAIR_LENGTH / 8,
    "ticket size differs from spice-protocol");
_Static_assert(SPICE_LINK_REPLY_LEN == sizeof(SpiceLinkReply),
    "SpiceLinkReply size");
_Static_assert(SPICE_LINK_MESS_LEN == sizeof(SpiceLinkMess),
    "SpiceLinkMess size");

/*
 * Validate a cap list inside msg (the whole message, len bytes) and copy
 * the first IPC_MAX_CAP_WORDS words of each kind.  fixed is the size of
 * the fixed part the offset must not point into; what names the message
 * in errors.
 */
static uint32_t
spice_link_caps_parse(const void *buf, size_t len, size_t fixed,
    uint32_t n_common, uint32_t n_channel, uint32_t offset,
    uint32_t *common, uint32_t *n_common_kept,
    uint32_t *channel, uint32_t *n_channel_kept,
    const char *what, struct spd_err *err)
{
	struct sbuf sb;
	uint64_t need;
	uint32_t i, w;

	if (n_common > SPICE_LINK_MAX_CAP_WORDS) {
		spd_err_set(err, "%s: %u common cap words exceed %u", what,
		    n_common, SPICE_LINK_MAX_CAP_WORDS);
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	if (n_channel > SPICE_LINK_MAX_CAP_WORDS) {
		spd_err_set(err, "%s: %u channel cap words exceed %u", what,
		    n_channel, SPICE_LINK_MAX_CAP_WORDS);
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	if (offset < fixed) {
		spd_err_set(err, "%s: caps offset %u inside the fixed %zu "
		    "bytes", what, offset, fixed);
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	if (offset > len) {
		spd_err_set(err, "%s: caps offset %u beyond size %zu", what,
		    offset, len);
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	/* Both counts are <= 1024, so this cannot overflow even in 32 bits;
	 * compare against the remaining length, not an end pointer. */
	need = ((uint64_t)n_common + n_channel) * 4;
	if (need > len - offset) {
		spd_err_set(err, "%s: %u+%u cap words at offset %u overrun "
		    "size %zu", what, n_common, n_channel, offset, len);
		return SPICE_LINK_ERR_INVALID_DATA;
	}

	sbuf_init(&sb, buf, len);
	if (sbuf_seek(&sb, offset) != 0)
		goto short_read;
	*n_common_kept = *n_channel_kept = 0;
	for (i = 0; i < n_common; i++) {
		if (sbuf_get_u32le(&sb, &w) != 0)
			goto short_read;
		if (i < IPC_MAX_CAP_WORDS)
			common[(*n_common_kept)++] = w;
	}
	for (i = 0; i < n_channel; i++) {
		if (sbuf_get_u32le(&sb, &w) != 0)
			goto short_read;
		if (i < IPC_MAX_CAP_WORDS)
			channel[(*n_channel_kept)++] = w;
	}
	return SPICE_LINK_ERR_OK;

 short_read:
	/* Unreachable after the size check above; kept as a backstop. */
	spd_err_set(err, "%s: caps truncated", what);
	return SPICE_LINK_ERR_INVALID_DATA;
}

uint32_t
spice_link_hdr_parse(const void *buf, size_t len, struct spice_link_hdr *hdr,
    struct spd_err *err)
{
	struct sbuf sb;

	sbuf_init(&sb, buf, len);
	if (sbuf_get_u32le(&sb, &hdr->lh_magic) != 0 ||
	    sbuf_get_u32le(&sb, &hdr->lh_major) != 0 ||
	    sbuf_get_u32le(&sb, &hdr->lh_minor) != 0 ||
	    sbuf_get_u32le(&sb, &hdr->lh_size) != 0) {
		spd_err_set(err, "link header: %zu bytes, need %u", len,
		    SPICE_LINK_HDR_LEN);
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	if (hdr->lh_magic != SPICE_MAGIC) {
		spd_err_set(err, "link header: bad magic 0x%08x",
		    hdr->lh_magic);
		return SPICE_LINK_ERR_INVALID_MAGIC;
	}
	if (hdr->lh_major != SPICE_VERSION_MAJOR) {
		spd_err_set(err, "link header: major version %u, want %u",
		    hdr->lh_major, SPICE_VERSION_MAJOR);
		return SPICE_LINK_ERR_VERSION_MISMATCH;
	}
	if (hdr->lh_size < SPICE_LINK_MIN_SIZE) {
		spd_err_set(err, "link header: size %u below %u", hdr->lh_size,
		    SPICE_LINK_MIN_SIZE);
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	if (hdr->lh_size > SPICE_LINK_MAX_SIZE) {
		spd_err_set(err, "link header: size %u exceeds %u",
		    hdr->lh_size, SPICE_LINK_MAX_SIZE);
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	return SPICE_LINK_ERR_OK;
}

uint32_t
spice_link_mess_parse(const void *buf, size_t len,
    struct spice_link_mess *mess, struct spd_err *err)
{
	struct sbuf sb;

	memset(mess, 0, sizeof(*mess));
	if (len < SPICE_LINK_MIN_SIZE || len > SPICE_LINK_MAX_SIZE) {
		spd_err_set(err, "link message: size %zu outside %u..%u", len,
		    SPICE_LINK_MIN_SIZE, SPICE_LINK_MAX_SIZE);
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	sbuf_init(&sb, buf, len);
	if (sbuf_get_u32le(&sb, &mess->lm_connection_id) != 0 ||
	    sbuf_get_u8(&sb, &mess->lm_channel_type) != 0 ||
	    sbuf_get_u8(&sb, &mess->lm_channel_id) != 0 ||
	    sbuf_get_u32le(&sb, &mess->lm_num_common_caps) != 0 ||
	    sbuf_get_u32le(&sb, &mess->lm_num_channel_caps) != 0 ||
	    sbuf_get_u32le(&sb, &mess->lm_caps_offset) != 0) {
		/* Unreachable: len >= 18 was checked. */
		spd_err_set(err, "link message: truncated");
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	return spice_link_caps_parse(buf, len, SPICE_LINK_MESS_LEN,
	    mess->lm_num_common_caps, mess->lm_num_channel_caps,
	    mess->lm_caps_offset, mess->lm_common_caps, &mess->lm_n_common,
	    mess->lm_channel_caps, &mess->lm_n_channel, "link message", err);
}

uint32_t
spice_link_reply_parse(const void *buf, size_t len,
    struct spice_link_reply *reply, struct spd_err *err)
{
	struct sbuf sb;

	memset(reply, 0, sizeof(*reply));
	if (len < SPICE_LINK_REPLY_LEN || len > SPICE_LINK_MAX_SIZE) {
		spd_err_set(err, "link reply: size %zu outside %u..%u", len,
		    SPICE_LINK_REPLY_LEN, SPICE_LINK_MAX_SIZE);
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	sbuf_init(&sb, buf, len);
	if (sbuf_get_u32le(&sb, &reply->lr_error) != 0 ||
	    sbuf_get_bytes(&sb, reply->lr_pubkey,
	    sizeof(reply->lr_pubkey)) != 0 ||
	    sbuf_get_u32le(&sb, &reply->lr_num_common_caps) != 0 ||
	    sbuf_get_u32le(&sb, &reply->lr_num_channel_caps) != 0 ||
	    sbuf_get_u32le(&sb, &reply->lr_caps_offset) != 0) {
		spd_err_set(err, "link reply: truncated");
		return SPICE_LINK_ERR_INVALID_DATA;
	}
	/* An error reply carries nothing else worth reading. */
	if (reply->lr_error != SPICE_LINK_ERR_OK)
		return SPICE_LINK_ERR_OK;
	return spice_link_caps_parse(buf, len, SPICE_LINK_REPLY_LEN,
	    reply->lr_num_common_caps, reply->lr_num_channel_caps,
	    reply->lr_caps_offset, reply->lr_common_caps, &reply->lr_n_common,
	    reply->lr_channel_caps, &reply->lr_n_channel, "link reply", err);
}

int
spice_link_cap_test(const uint32_t *caps, uint32_t n, unsigned int cap)
{
	if (cap / 32 >= n)
		return 0;
	return (caps[cap / 32] >> (cap % 32)) & 1;
}

size_t
spice_link_reply_bound(uint32_t n_common, uint32_t n_channel)
{
	return SPICE_LINK_HDR_LEN + SPICE_LINK_REPLY_LEN +
	    ((size_t)n_common + n_channel) * 4;
}

static void
spice_link_hdr_build(struct obuf *ob, uint32_t size)
{
	obuf_put_u32le(ob, SPICE_MAGIC);
	obuf_put_u32le(ob, SPICE_VERSION_MAJOR);
	obuf_put_u32le(ob, SPICE_VERSION_MINOR);
	obuf_put_u32le(ob, size);
}

void
spice_link_reply_build(struct obuf *ob, uint32_t error, const uint8_t *pubkey,
    const uint32_t *common, uint32_t n_common, const uint32_t *channel,
    uint32_t n_channel)
{
	static const uint8_t zero_key[SPICE_LINK_PUBKEY_LEN];
	size_t size;
	uint32_t i;

	if (n_common > SPICE_LINK_MAX_CAP_WORDS ||
	    n_channel > SPICE_LINK_MAX_CAP_WORDS ||
	    spice_link_reply_bound(n_common, n_channel) - SPICE_LINK_HDR_LEN >
	    SPICE_LINK_MAX_SIZE) {
		ob->ob_failed = 1;
		return;
	}
	size = spice_link_reply_bound(n_common, n_channel) - SPICE_LINK_HDR_LEN;
	spice_link_hdr_build(ob, (uint32_t)size);
	obuf_put_u32le(ob, error);
	obuf_put_bytes(ob, pubkey != NULL ? pubkey : zero_key,
	    SPICE_LINK_PUBKEY_LEN);
	obuf_put_u32le(ob, n_common);
	obuf_put_u32le(ob, n_channel);
	obuf_put_u32le(ob, SPICE_LINK_REPLY_LEN);
	for (i = 0; i < n_common; i++)
		obuf_put_u32le(ob, common[i]);
	for (i = 0; i < n_channel; i++)
		obuf_put_u32le(ob, channel[i]);
}

void
spice_link_error_build(struct obuf *ob, uint32_t error)
{
	uint8_t *p;

	spice_link_hdr_build(ob, SPICE_LINK_REPLY_LEN);
	obuf_put_u32le(ob, error);
	/* Key, counts and offset all zero: clients only read `error`. */
	if ((p = obuf_append_space(ob, SPICE_LINK_REPLY_LEN - 4)) != NULL)
		memset(p, 0, SPICE_LINK_REPLY_LEN - 4);
}

void
spice_link_result_build(struct obuf *ob, uint32_t result)
{
	obuf_put_u32le(ob, result);
}

void
spice_link_mess_build(struct obuf *ob, const struct spice_link_mess *m)
{
	uint32_t i, nco, nch;

	nco = m->lm_n_common > IPC_MAX_CAP_WORDS ? IPC_MAX_CAP_WORDS :
	    m->lm_n_common;
	nch = m->lm_n_channel > IPC_MAX_CAP_WORDS ? IPC_MAX_CAP_WORDS :
	    m->lm_n_channel;
	spice_link_hdr_build(ob, SPICE_LINK_MESS_LEN + (nco + nch) * 4);
	obuf_put_u32le(ob, m->lm_connection_id);
	obuf_put_u8(ob, m->lm_channel_type);
	obuf_put_u8(ob, m->lm_channel_id);
	obuf_put_u32le(ob, nco);
	obuf_put_u32le(ob, nch);
	obuf_put_u32le(ob, SPICE_LINK_MESS_LEN);
	for (i = 0; i < nco; i++)
		obuf_put_u32le(ob, m->lm_common_caps[i]);
	for (i = 0; i < nch; i++)
		obuf_put_u32le(ob, m->lm_channel_caps[i]);
}

const char *
spice_link_err_str(uint32_t e)
{
	static const char *names[] = {
		[SPICE_LINK_ERR_OK] = "ok",
		[SPICE_LINK_ERR_ERROR] = "error",
		[SPICE_LINK_ERR_INVALID_MAGIC] = "invalid magic",
		[SPICE_LINK_ERR_INVALID_DATA] = "invalid data",
		[SPICE_LINK_ERR_VERSION_MISMATCH] = "version mismatch",
		[SPICE_LINK_ERR_NEED_SECURED] = "need secured",
		[SPICE_LINK_ERR_NEED_UNSECURED] = "need unsecured",
		[SPICE_LINK_ERR_PERMISSION_DENIED] = "permission denied",
		[SPICE_LINK_ERR_BAD_CONNECTION_ID] = "bad connection id",
		[SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE] =
		    "channel not available",
	};

	if (e >= sizeof(names) / sizeof(names[0]) || names[e] == NULL)
		return "unknown error";
	return names[e];
}

const char *
spice_channel_name(uint32_t type)
{
	static const char *names[] = {
		[SPICE_CHANNEL_MAIN] = "main",
		[SPICE_CHANNEL_DISPLAY] = "display",
		[SPICE_CHANNEL_INPUTS] = "inputs",
		[SPICE_CHANNEL_CURSOR] = "cursor",
		[SPICE_CHANNEL_PLAYBACK] = "playback",
		[SPICE_CHANNEL_RECORD] = "record",
		[SPICE_CHANNEL_SMARTCARD] = "smartcard",
		[SPICE_CHANNEL_USBREDIR] = "usbredir",
		[SPICE_CHANNEL_PORT] = "port",
		[SPICE_CHANNEL_WEBDAV] = "webdav",
	};

	if (type >= sizeof(names) / sizeof(names[0]) || names[type] == NULL)
		return "unknown";
	return names[type];
}
