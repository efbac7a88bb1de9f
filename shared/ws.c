/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ws: RFC 6455 frames, server side; contracts in ws.h.
 *
 * Spec: RFC 6455 section 5 (framing), 5.5 (control frames), 7.4 (close
 * codes).  Deviations, all deliberate:
 * - text frames are taken as data like binary ones and their payload is
 *   not checked as UTF-8 (it carries SPICE bytes; RFC: close 1007);
 * - a close frame's reason text is not checked as UTF-8 either;
 * - extended lengths must be minimal (a 16-bit length under 126 or a
 *   64-bit one under 65536 is a protocol error), which RFC 5.2 requires
 *   of senders but leaves unchecked by receivers;
 * - no extensions are negotiated, so every RSV bit is an error.
 * Limits: a frame header of at most 14 bytes and one control payload of at
 * most 125 bytes are all the decoder ever holds; data payloads stream
 * through to the caller and are capped per frame (close 1009).
 */
#include <string.h>

#include "ws.h"

#define WS_FIN			0x80
#define WS_RSV			0x70
#define WS_OPMASK		0x0f
#define WS_MASKBIT		0x80
#define WS_LEN7			0x7f
#define WS_LEN16		126
#define WS_LEN64		127

static int
ws_op_is_ctrl(uint8_t op)
{
	return (op & 0x8) != 0;
}

static int
ws_op_is_data(uint8_t op)
{
	return op == WS_OP_CONT || op == WS_OP_TEXT || op == WS_OP_BINARY;
}

void
ws_dec_init(struct ws_dec *wd, size_t max_frame)
{
	memset(wd, 0, sizeof(*wd));
	wd->wd_state = WS_D_HDR;
	wd->wd_max = max_frame != 0 ? max_frame : WS_FRAME_MAX;
}

/* Header length once its first two bytes are known. */
static size_t
ws_dec_hdr_len(const struct ws_dec *wd)
{
	size_t len = 2;

	if (wd->wd_hdr_have < 2)
		return 2;
	if ((wd->wd_hdr[1] & WS_LEN7) == WS_LEN16)
		len += 2;
	else if ((wd->wd_hdr[1] & WS_LEN7) == WS_LEN64)
		len += 8;
	if (wd->wd_hdr[1] & WS_MASKBIT)
		len += 4;
	return len;
}

static int
ws_dec_fail(struct ws_dec *wd, uint16_t code, struct spd_err *err,
    const char *why)
{
	wd->wd_state = WS_D_DEAD;
	wd->wd_code = code;
	spd_err_set(err, "WebSocket: %s", why);
	return WS_EV_ERROR;
}

/*
 * The first two header bytes: everything that can be refused before the
 * length and mask arrive is refused here, so a bad frame costs two bytes.
 */
static int
ws_dec_check_start(struct ws_dec *wd, struct spd_err *err)
{
	uint8_t b0 = wd->wd_hdr[0], b1 = wd->wd_hdr[1];
	uint8_t op = b0 & WS_OPMASK;

	if (b0 & WS_RSV)
		return ws_dec_fail(wd, WS_CLOSE_PROTOCOL, err,
		    "reserved bits set (no extension negotiated)");
	if (!ws_op_is_data(op) && op != WS_OP_CLOSE && op != WS_OP_PING &&
	    op != WS_OP_PONG) {
		spd_err_set(err, "WebSocket: unknown opcode 0x%x", op);
		wd->wd_state = WS_D_DEAD;
		wd->wd_code = WS_CLOSE_PROTOCOL;
		return WS_EV_ERROR;
	}
	if (!(b1 & WS_MASKBIT))
		return ws_dec_fail(wd, WS_CLOSE_PROTOCOL, err,
		    "unmasked client frame");
	if (ws_op_is_ctrl(op)) {
		if (!(b0 & WS_FIN))
			return ws_dec_fail(wd, WS_CLOSE_PROTOCOL, err,
			    "fragmented control frame");
		if ((b1 & WS_LEN7) > WS_CTRL_MAX)
			return ws_dec_fail(wd, WS_CLOSE_PROTOCOL, err,
			    "control frame over 125 bytes");
	} else if (op == WS_OP_CONT && !wd->wd_in_msg)
		return ws_dec_fail(wd, WS_CLOSE_PROTOCOL, err,
		    "continuation frame outside a fragmented message");
	else if (op != WS_OP_CONT && wd->wd_in_msg)
		return ws_dec_fail(wd, WS_CLOSE_PROTOCOL, err,
		    "new data frame inside a fragmented message");
	return WS_EV_NONE;
}

/* The whole header is in wd_hdr: length, mask, next state. */
static int
ws_dec_check_hdr(struct ws_dec *wd, struct spd_err *err)
{
	struct sbuf sb;
	uint64_t len;
	uint32_t hi, lo;
	uint8_t b0, b1, x, y;

	sbuf_init(&sb, wd->wd_hdr, wd->wd_hdr_have);
	(void)sbuf_get_u8(&sb, &b0);
	(void)sbuf_get_u8(&sb, &b1);
	len = b1 & WS_LEN7;
	if (len == WS_LEN16) {
		if (sbuf_get_u8(&sb, &x) != 0 || sbuf_get_u8(&sb, &y) != 0)
			return ws_dec_fail(wd, WS_CLOSE_INTERNAL, err,
			    "internal: short header");
		len = (uint64_t)x << 8 | y;
		if (len < WS_LEN16)
			return ws_dec_fail(wd, WS_CLOSE_PROTOCOL, err,
			    "16-bit length under 126 (not minimal)");
	} else if (len == WS_LEN64) {
		if (sbuf_get_u32be(&sb, &hi) != 0 ||
		    sbuf_get_u32be(&sb, &lo) != 0)
			return ws_dec_fail(wd, WS_CLOSE_INTERNAL, err,
			    "internal: short header");
		if (hi & 0x80000000u)
			return ws_dec_fail(wd, WS_CLOSE_PROTOCOL, err,
			    "64-bit length with the top bit set");
		len = (uint64_t)hi << 32 | lo;
		if (len <= 0xffff)
			return ws_dec_fail(wd, WS_CLOSE_PROTOCOL, err,
			    "64-bit length under 65536 (not minimal)");
	}
	if (len > wd->wd_max) {
		spd_err_set(err, "WebSocket: frame of %llu bytes, over the "
		    "cap of %zu", (unsigned long long)len, wd->wd_max);
		wd->wd_state = WS_D_DEAD;
		wd->wd_code = WS_CLOSE_TOO_BIG;
		return WS_EV_ERROR;
	}
	if (sbuf_get_bytes(&sb, wd->wd_mask, 4) != 0)
		return ws_dec_fail(wd, WS_CLOSE_INTERNAL, err,
		    "internal: no mask");
	wd->wd_opcode = b0 & WS_OPMASK;
	wd->wd_fin = (b0 & WS_FIN) != 0;
	wd->wd_left = len;
	wd->wd_mask_off = 0;
	wd->wd_hdr_have = 0;
	if (ws_op_is_ctrl(wd->wd_opcode)) {
		wd->wd_ctrl_len = 0;
		wd->wd_state = WS_D_CTRL;
	} else {
		/* A message stays open until a data frame with FIN; control
		 * frames may come between its fragments. */
		wd->wd_in_msg = !wd->wd_fin;
		wd->wd_state = WS_D_DATA;
	}
	return WS_EV_NONE;
}

/* A control frame's payload is complete. */
static int
ws_dec_ctrl_done(struct ws_dec *wd, struct spd_err *err)
{
	uint16_t code;

	wd->wd_state = WS_D_HDR;
	switch (wd->wd_opcode) {
	case WS_OP_PING:
		return WS_EV_PING;
	case WS_OP_PONG:
		/* Unsolicited or not, a pong needs no answer. */
		return WS_EV_NONE;
	default:
		break;
	}
	/* Close: empty, or a 2-byte code and a reason. */
	if (wd->wd_ctrl_len == 1)
		return ws_dec_fail(wd, WS_CLOSE_PROTOCOL, err,
		    "close frame with a 1-byte payload");
	code = WS_CLOSE_NORMAL;
	if (wd->wd_ctrl_len >= 2) {
		code = (uint16_t)(wd->wd_ctrl[0] << 8 | wd->wd_ctrl[1]);
		/* Codes an endpoint may send: 1000-1003, 1007-1014 (RFC
		 * 6455 and the IANA registry), 3000-4999 (registered and
		 * private).  1004-1006 and 1015 are reserved. */
		if (!((code >= 1000 && code <= 1003) ||
		    (code >= 1007 && code <= 1014) ||
		    (code >= 3000 && code <= 4999))) {
			spd_err_set(err, "WebSocket: close code %u is not "
			    "one an endpoint may send", code);
			wd->wd_state = WS_D_DEAD;
			wd->wd_code = WS_CLOSE_PROTOCOL;
			return WS_EV_ERROR;
		}
	}
	wd->wd_state = WS_D_DEAD;
	wd->wd_code = code;
	return WS_EV_CLOSE;
}

int
ws_dec_feed(struct ws_dec *wd, const uint8_t *in, size_t inlen,
    size_t *used, uint8_t *out, size_t outcap, size_t *produced,
    struct spd_err *err)
{
	struct sbuf sb;
	const uint8_t *p;
	size_t n, i, have = 0, hlen;
	int ev = WS_EV_NONE;

	sbuf_init(&sb, in, inlen);
	while (ev == WS_EV_NONE && wd->wd_state != WS_D_DEAD) {
		if (wd->wd_state == WS_D_HDR) {
			hlen = ws_dec_hdr_len(wd);
			n = hlen - wd->wd_hdr_have;
			if (n > sbuf_left(&sb))
				n = sbuf_left(&sb);
			if (n == 0)
				break;
			(void)sbuf_get_bytes(&sb, wd->wd_hdr +
			    wd->wd_hdr_have, n);
			wd->wd_hdr_have += n;
			/* The first two bytes decide the header's length. */
			if (wd->wd_hdr_have == 2 &&
			    (ev = ws_dec_check_start(wd, err)) != WS_EV_NONE)
				break;
			if (wd->wd_hdr_have < ws_dec_hdr_len(wd))
				continue;
			if ((ev = ws_dec_check_hdr(wd, err)) != WS_EV_NONE)
				break;
			/* An empty control frame is complete right here. */
			if (wd->wd_state == WS_D_CTRL && wd->wd_left == 0)
				ev = ws_dec_ctrl_done(wd, err);
			else if (wd->wd_state == WS_D_DATA &&
			    wd->wd_left == 0)
				wd->wd_state = WS_D_HDR;
			continue;
		}
		n = sbuf_left(&sb);
		if (n > wd->wd_left)
			n = (size_t)wd->wd_left;
		if (wd->wd_state == WS_D_DATA && n > outcap - have)
			n = outcap - have;
		if (n == 0)
			break;
		(void)sbuf_get_direct(&sb, &p, n);
		if (wd->wd_state == WS_D_DATA) {
			/* In place is fine: out + have never passes p. */
			for (i = 0; i < n; i++)
				out[have + i] = p[i] ^
				    wd->wd_mask[(wd->wd_mask_off + i) & 3];
			have += n;
		} else {
			for (i = 0; i < n; i++)
				wd->wd_ctrl[wd->wd_ctrl_len + i] = p[i] ^
				    wd->wd_mask[(wd->wd_mask_off + i) & 3];
			wd->wd_ctrl_len += n;
		}
		wd->wd_mask_off = (uint8_t)((wd->wd_mask_off + n) & 3);
		wd->wd_left -= n;
		if (wd->wd_left != 0)
			continue;
		if (wd->wd_state == WS_D_CTRL)
			ev = ws_dec_ctrl_done(wd, err);
		else
			wd->wd_state = WS_D_HDR;
	}
	*used = sb.sb_off;
	*produced = have;
	return ev;
}

size_t
ws_dec_want(const struct ws_dec *wd, size_t need)
{
	if (need == 0)
		return 0;
	switch (wd->wd_state) {
	case WS_D_HDR:
		return ws_dec_hdr_len(wd) - wd->wd_hdr_have;
	case WS_D_CTRL:
		return (size_t)wd->wd_left;
	case WS_D_DATA:
		return wd->wd_left < need ? (size_t)wd->wd_left : need;
	default:
		return 0;
	}
}

int
ws_dec_idle(const struct ws_dec *wd)
{
	return wd->wd_state == WS_D_HDR && wd->wd_hdr_have == 0;
}

uint16_t
ws_dec_code(const struct ws_dec *wd)
{
	return wd->wd_code;
}

void
ws_dec_pong(const struct ws_dec *wd, struct obuf *ob)
{
	uint8_t hdr[WS_OUT_HDR_MAX];

	obuf_put_bytes(ob, hdr, ws_frame_hdr(hdr, WS_OP_PONG,
	    wd->wd_ctrl_len));
	obuf_put_bytes(ob, wd->wd_ctrl, wd->wd_ctrl_len);
}

int
ws_dec_export(const struct ws_dec *wd, struct ipc_ws *iw,
    struct spd_err *err)
{
	memset(iw, 0, sizeof(*iw));
	if (wd->wd_in_msg)
		iw->flags |= IPC_WS_IN_MSG;
	if (ws_dec_idle(wd))
		return 0;
	if (wd->wd_state != WS_D_DATA || wd->wd_left == 0)
		return spd_err_set(err, "WebSocket: cannot hand over a "
		    "decoder in state %d (%zu header bytes)", wd->wd_state,
		    wd->wd_hdr_have);
	iw->flags |= IPC_WS_IN_FRAME;
	iw->left = wd->wd_left;
	memcpy(iw->mask, wd->wd_mask, sizeof(iw->mask));
	iw->mask_off = wd->wd_mask_off;
	iw->opcode = wd->wd_opcode;
	return 0;
}

int
ws_dec_import(struct ws_dec *wd, const struct ipc_ws *iw, size_t max_frame,
    struct spd_err *err)
{
	ws_dec_init(wd, max_frame);
	if (iw->flags & ~(IPC_WS_IN_FRAME | IPC_WS_IN_MSG))
		return spd_err_set(err, "WebSocket handoff: unknown flags "
		    "0x%x", iw->flags);
	wd->wd_in_msg = (iw->flags & IPC_WS_IN_MSG) != 0;
	if (!(iw->flags & IPC_WS_IN_FRAME)) {
		if (iw->left != 0 || iw->mask_off != 0)
			return spd_err_set(err, "WebSocket handoff: frame "
			    "state without IN_FRAME");
		return 0;
	}
	if (iw->left == 0 || iw->left > wd->wd_max || iw->mask_off > 3 ||
	    !ws_op_is_data(iw->opcode))
		return spd_err_set(err, "WebSocket handoff: impossible frame "
		    "(%llu bytes left, mask offset %u, opcode %u)",
		    (unsigned long long)iw->left, iw->mask_off, iw->opcode);
	wd->wd_state = WS_D_DATA;
	wd->wd_left = iw->left;
	memcpy(wd->wd_mask, iw->mask, sizeof(wd->wd_mask));
	wd->wd_mask_off = iw->mask_off;
	wd->wd_opcode = iw->opcode;
	return 0;
}

size_t
ws_frame_hdr(uint8_t *out, uint8_t opcode, uint64_t len)
{
	size_t i;

	out[0] = WS_FIN | (opcode & WS_OPMASK);
	if (len < WS_LEN16) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		out[1] = WS_LEN16;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = WS_LEN64;
	for (i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

void
ws_frame_close(struct obuf *ob, uint16_t code)
{
	uint8_t f[4];

	(void)ws_frame_hdr(f, WS_OP_CLOSE, 2);
	f[2] = (uint8_t)(code >> 8);
	f[3] = (uint8_t)code;
	obuf_put_bytes(ob, f, sizeof(f));
}
