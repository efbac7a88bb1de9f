/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ws: RFC 6455 WebSocket, server side: the HTTP upgrade (ws-http.c) and
 * the frame codec (ws.c).  Pure code: no I/O, no allocation; both the
 * supervisor's link and the workers' channels drive it, and the fuzzer
 * feeds it arbitrary bytes.
 *
 * SPICE rides in the payload of binary (or text) frames as one byte
 * stream: frame and message boundaries carry no meaning.
 *
 * Upgrade: the caller reads the request with ws_http_want() (never past
 * the blank line that ends it, so not one frame byte is read early), then
 * ws_http_parse(); success is answered with ws_http_reply_build(), a
 * refusal with ws_http_refuse_build() and a close.
 *
 * Frames in: a struct ws_dec is fed raw bytes and hands back payload bytes
 * and at most one event per call (a ping to answer, a close, an error).
 * It holds at most one frame header and one control payload, so its
 * memory is bounded whatever the peer sends.  ws_dec_want() says how many
 * raw bytes may be read without passing the point where the caller's
 * payload need is met: the supervisor stops reading exactly at the last
 * byte of the ticket, and ws_dec_export() carries the position inside the
 * current frame over to the worker.
 *
 * Frames out: the server writes unmasked frames; ws_frame_hdr() writes a
 * header, ws_frame_pong() / ws_frame_close() whole control frames.
 */
#ifndef SPICED_WS_H
#define SPICED_WS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ipc-msg.h"
#include "sbuf.h"

/* Longest upgrade request accepted, header block included. */
#define WS_HTTP_MAX		4096
/* Header lines in a request (request line excluded). */
#define WS_HTTP_MAX_HEADERS	64
/* Default cap on one client frame's payload; bigger gets close 1009. */
#define WS_FRAME_MAX		(1024u * 1024)
/* RFC 6455 5.5: control payloads are at most 125 bytes. */
#define WS_CTRL_MAX		125
/* Largest frame header: 2 + 8 (length) + 4 (mask). */
#define WS_HDR_MAX		14
/* Largest header the server writes (no mask). */
#define WS_OUT_HDR_MAX		10
/* A whole close or pong frame the server writes. */
#define WS_CTRL_FRAME_MAX	(2 + WS_CTRL_MAX)

/* Opcodes (RFC 6455 5.2). */
#define WS_OP_CONT		0x0
#define WS_OP_TEXT		0x1
#define WS_OP_BINARY		0x2
#define WS_OP_CLOSE		0x8
#define WS_OP_PING		0x9
#define WS_OP_PONG		0xa

/* Close codes (RFC 6455 7.4.1). */
#define WS_CLOSE_NORMAL		1000
#define WS_CLOSE_GOING_AWAY	1001
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_TOO_BIG	1009
#define WS_CLOSE_INTERNAL	1011

/* ws_http_parse() and ws_http_want() results besides 0. */
#define WS_HTTP_INCOMPLETE	1

/* What a valid upgrade request asked for. */
struct ws_http {
	char	wh_key[25];		/* Sec-WebSocket-Key, 24 chars */
	int	wh_binary;		/* offered subprotocol "binary" */
	int	wh_status;		/* on refusal: 400 or 426 */
};

/*
 * How many more bytes of an upgrade request may be read, given the len
 * bytes of it read so far: 0 when buf already ends with the blank line
 * (CRLF CRLF), -1 when len reached WS_HTTP_MAX without it, else 1 to 4,
 * chosen so that a read of that size cannot pass the end of the request.
 */
int	 ws_http_want(const uint8_t *buf, size_t len);

/*
 * Parse a complete upgrade request (len bytes, ending with CRLF CRLF, at
 * most WS_HTTP_MAX).  Returns 0 and fills *wh when it is a valid RFC 6455
 * version 13 upgrade: "GET target HTTP/1.1", Host, Upgrade: websocket,
 * Connection: upgrade, a Sec-WebSocket-Key that is base64 of 16 bytes,
 * Sec-WebSocket-Version: 13 and, if Sec-WebSocket-Protocol is present, a
 * list that offers "binary".  Otherwise -1 with err saying what is wrong
 * and wh->wh_status set to the HTTP status for ws_http_refuse_build();
 * WS_HTTP_INCOMPLETE if the blank line is missing.  Never reads outside
 * [buf, buf+len).
 */
int	 ws_http_parse(const uint8_t *buf, size_t len, struct ws_http *wh,
	    struct spd_err *err);

/*
 * Append the 101 Switching Protocols reply for *wh to ob (accept key by
 * SHA-1 through OpenSSL EVP, "Sec-WebSocket-Protocol: binary" if offered).
 * Returns 0, or -1 with err set (digest failure, ob failed).
 */
int	 ws_http_reply_build(struct obuf *ob, const struct ws_http *wh,
	    struct spd_err *err);

/* Append a refusal with the status in wh->wh_status (400 by default; 426
 * names the supported version).  The caller closes after writing it. */
void	 ws_http_refuse_build(struct obuf *ob, const struct ws_http *wh);

/*
 * Sec-WebSocket-Accept for a key: base64(SHA-1(key + RFC GUID)), written
 * NUL-terminated into out (at least 29 bytes).  Returns 0 or -1 with err.
 */
int	 ws_http_accept(const char *key, char *out, size_t outlen,
	    struct spd_err *err);

/* Decoder states (wd_state). */
#define WS_D_HDR		0	/* reading a frame header */
#define WS_D_DATA		1	/* payload of a data frame */
#define WS_D_CTRL		2	/* payload of a control frame */
#define WS_D_DEAD		3	/* after an error or a close */

/* Streaming frame decoder; all members private to ws.c. */
struct ws_dec {
	int		wd_state;
	size_t		wd_max;		/* payload cap per frame */
	uint8_t		wd_hdr[WS_HDR_MAX];
	size_t		wd_hdr_have;
	uint64_t	wd_left;	/* payload bytes left in this frame */
	uint8_t		wd_mask[4];
	uint8_t		wd_mask_off;	/* payload bytes done, mod 4 */
	uint8_t		wd_opcode;	/* of the frame being read */
	uint8_t		wd_fin;
	int		wd_in_msg;	/* a fragmented data message is open */
	uint8_t		wd_ctrl[WS_CTRL_MAX];
	size_t		wd_ctrl_len;
	uint16_t	wd_code;	/* close code: ours on error, the
					   peer's on WS_EV_CLOSE */
};

/* Events of ws_dec_feed(). */
#define WS_EV_NONE		0	/* all input consumed or out full */
#define WS_EV_PING		1	/* send ws_dec_pong() back */
#define WS_EV_CLOSE		2	/* peer closed; reply, then end */
#define WS_EV_ERROR		(-1)	/* protocol error; close with
					   ws_dec_code(), then end */

/* Start a decoder with a payload cap per frame (0: WS_FRAME_MAX). */
void	 ws_dec_init(struct ws_dec *, size_t max_frame);

/*
 * Decode raw client bytes.  Consumes from in (inlen) and writes payload
 * bytes to out (at most outcap), stopping early after a control frame
 * (its event is returned), when out is full, or on an error.  *used and
 * *produced say how many bytes were taken and written; *produced <=
 * *used, and out may equal in (decode in place).  Returns a WS_EV_*
 * value; on WS_EV_ERROR err says why and ws_dec_code() gives the close
 * code to send (1002 or 1009).  After WS_EV_ERROR or WS_EV_CLOSE the
 * decoder consumes nothing more.  Pong frames are dropped silently.
 */
int	 ws_dec_feed(struct ws_dec *, const uint8_t *in, size_t inlen,
	    size_t *used, uint8_t *out, size_t outcap, size_t *produced,
	    struct spd_err *err);

/*
 * Raw bytes the caller may read next without reading beyond need more
 * payload bytes (need > 0): the rest of a header, a control payload, or
 * min(need, rest of the data payload).  0 when need is 0 or the decoder
 * is dead.
 */
size_t	 ws_dec_want(const struct ws_dec *, size_t need);

/* 1 if the decoder sits between frames (nothing of a frame read). */
int	 ws_dec_idle(const struct ws_dec *);
/* Close code after WS_EV_ERROR (ours) or WS_EV_CLOSE (the peer's; 1000 if
 * it sent none). */
uint16_t ws_dec_code(const struct ws_dec *);

/* Append a pong echoing the last ping's payload (after WS_EV_PING). */
void	 ws_dec_pong(const struct ws_dec *, struct obuf *);

/*
 * Save the decoder's position for another process (the handoff): only
 * possible between frames or inside a data payload; returns -1 with err
 * otherwise (never happens to a caller that reads by ws_dec_want()).
 */
int	 ws_dec_export(const struct ws_dec *, struct ipc_ws *,
	    struct spd_err *);
/* Restore a position saved by ws_dec_export(); checks every field and
 * returns -1 with err for an impossible one. */
int	 ws_dec_import(struct ws_dec *, const struct ipc_ws *,
	    size_t max_frame, struct spd_err *);

/*
 * Write an unmasked FIN frame header for a payload of len bytes and the
 * given opcode into out (WS_OUT_HDR_MAX bytes); returns its length (2, 4
 * or 10).
 */
size_t	 ws_frame_hdr(uint8_t *out, uint8_t opcode, uint64_t len);
/* Append a close frame carrying code (no reason text). */
void	 ws_frame_close(struct obuf *, uint16_t code);

#endif
