/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * control-msg: THE definition of the control protocol between spiced and
 * spicectl (or any other administration client, such as a libvirt
 * driver), with one encoder and one decoder per message.
 *
 * Transport: a UNIX SOCK_STREAM socket (control-socket in spiced.conf,
 * default RUN-DIR/control).  Stream rather than SEQPACKET so that a long
 * answer (list) is one byte stream the daemon can write at the client's
 * pace, with no per-datagram size limit to respect.
 *
 * Framing: every message, in both directions, is
 *	u32le length	bytes that follow (CONTROL_HDR_LEN .. the cap)
 *	u16le version	CONTROL_VERSION
 *	u16le type	enum control_type
 *	body		as listed per type below
 * All integers are little-endian.  A string is "str8": a u8 length and
 * that many bytes, no NUL among them, at most the cap named for the field
 * (error and OK texts are "str16": a u16le length).  A body must be
 * consumed exactly: a trailing byte is an error.
 *
 * Exchange: the client sends one request and reads replies until one
 * ends the request: OK, ERROR, or END after a list.  It may then send
 * another request on the same connection.  A malformed request (bad
 * length, version, type, field) gets an ERROR and the daemon closes the
 * connection; a well-formed request that cannot be carried out (unknown
 * display, unknown session) gets an ERROR and the connection stays.
 *
 * Numbering: requests 1-99, replies 100-199.  Adding a type, or changing
 * a body, bumps CONTROL_VERSION; a peer refuses any other version.
 */
#ifndef SPICED_CONTROL_MSG_H
#define SPICED_CONTROL_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sbuf.h"

#define CONTROL_VERSION		3

#define CONTROL_LEN_FIELD	4	/* the u32le length prefix */
#define CONTROL_HDR_LEN		4	/* version + type, after the prefix */
#define CONTROL_MAX_REQUEST	512	/* cap on a request's length field */
#define CONTROL_MAX_REPLY	8192	/* cap on a reply's length field */

#define CONTROL_NAME_MAX	63	/* display name (spiced.conf's cap) */
#define CONTROL_PASSWORD_MAX	60	/* SPICE's ticket limit */
#define CONTROL_ADDR_MAX	127	/* "host:port", "unix:/path" */
#define CONTROL_TRANSPORT_MAX	31	/* "plain", "tls", ... */
#define CONTROL_TEXT_MAX	1024	/* OK / ERROR text */
#define CONTROL_MAX_LISTEN	8	/* addresses in a display record */
/* expires-in caps at ten years; expires-at at the end of year 9999. */
#define CONTROL_HOST_MAX	255	/* a host name or address */
#define CONTROL_SUBJECT_MAX	1024	/* a certificate subject, one line */
#define CONTROL_CA_MAX		6144	/* a CA certificate, PEM */
#define CONTROL_MAX_LIFETIME	86400	/* s: a vv ticket's longest life */
#define CONTROL_MAX_EXPIRES_IN	(10LL * 366 * 24 * 3600)
#define CONTROL_MAX_EPOCH	253402300799LL

enum control_type {
	/* requests, client -> spiced */
	CONTROL_REQ_SET_TICKET = 1,	/* str8 display, str8 password,
					   u8 expiry kind, u64 value,
					   u8 ticket kind */
	CONTROL_REQ_EXPIRE_TICKET = 2,	/* str8 display, u8 ticket kind */
	CONTROL_REQ_LIST = 3,		/* empty */
	CONTROL_REQ_DISCONNECT = 4,	/* str8 display ("" any), u32 id */
	CONTROL_REQ_STATS = 6,		/* empty: DISPLAY_STATS, each followed
					   by its CHANNEL_STATS, then END */
	CONTROL_REQ_VV = 5,		/* str8 display, u32 lifetime (s),
					   u8 ticket kind: a one-time
					   ticket and how to connect */

	/* replies, spiced -> client */
	CONTROL_REP_OK = 100,		/* str16 text (may be empty) */
	CONTROL_REP_ERROR = 101,	/* str16 text */
	CONTROL_REP_DISPLAY = 102,	/* struct control_display */
	CONTROL_REP_SESSION = 103,	/* struct control_session */
	CONTROL_REP_CHANNEL = 104,	/* struct control_channel */
	CONTROL_REP_END = 105,		/* empty: the list is complete */
	CONTROL_REP_VV = 106,		/* struct control_vv */
	CONTROL_REP_DISPLAY_STATS = 107, /* struct control_display_stats */
	CONTROL_REP_CHANNEL_STATS = 108, /* struct control_channel_stats */
};

/* SET_TICKET expiry kinds. */
enum control_expiry {
	CONTROL_EXPIRY_NEVER = 0,	/* value must be 0 */
	CONTROL_EXPIRY_AT = 1,		/* seconds since the epoch, 1.. */
	CONTROL_EXPIRY_IN = 2,		/* seconds from now, 0.. */
};

/* Which ticket SET_TICKET and EXPIRE_TICKET mean. */
enum control_ticket_kind {
	CONTROL_KIND_FULL = 0,		/* the display's password */
	CONTROL_KIND_VIEW_ONLY = 1,	/* its view-only password: no input */
};

/* A decoded request; strings are NUL-terminated.  The password is wiped
 * by whoever holds it once it is used (explicit_bzero). */
struct control_req {
	uint16_t	type;
	char		display[CONTROL_NAME_MAX + 1];
	char		password[CONTROL_PASSWORD_MAX + 1];
	uint8_t		expiry;		/* enum control_expiry */
	uint64_t	expiry_value;
	uint8_t		kind;		/* enum control_ticket_kind */
	uint32_t	session;
	uint32_t	lifetime;	/* VV: 1..CONTROL_MAX_LIFETIME s */
};

/* Ticket state in a display record. */
enum control_ticket {
	CONTROL_TICKET_NONE = 0,	/* no password: every ticket refused */
	CONTROL_TICKET_SET = 1,		/* a password is set */
	CONTROL_TICKET_DISABLED = 2,	/* disable-ticketing: no auth */
};

/* CONTROL_REP_DISPLAY body: str8 name, u8 nlisten, nlisten x str8 addr,
 * u8 producer attached, u32 producer pid, u32 sessions, u32 preauth,
 * u32 max_preauth, u8 ticket, u64 expires (0 never). */
struct control_display {
	char		name[CONTROL_NAME_MAX + 1];
	uint8_t		nlisten;
	char		listen[CONTROL_MAX_LISTEN][CONTROL_ADDR_MAX + 1];
	uint8_t		producer;	/* 1: a producer is attached */
	uint32_t	producer_pid;
	uint32_t	sessions;
	uint32_t	preauth;	/* connections in the handshake now */
	uint32_t	max_preauth;
	uint8_t		ticket;		/* enum control_ticket */
	uint64_t	expires;	/* epoch seconds; 0 never */
};

/* CONTROL_REP_SESSION body: str8 display, u32 id, str8 peer (the main
 * channel's client), str8 transport (main channel's), u64 since,
 * u32 channels (CHANNEL records that follow for this session). */
struct control_session {
	char		display[CONTROL_NAME_MAX + 1];
	uint32_t	id;
	char		peer[CONTROL_ADDR_MAX + 1];
	char		transport[CONTROL_TRANSPORT_MAX + 1];
	uint64_t	since;		/* epoch seconds */
	uint32_t	channels;
};

/* CONTROL_REP_CHANNEL body: u32 session, u32 conn, u8 type (SPICE
 * channel type), u8 id, str8 peer, str8 transport, u64 since. */
struct control_channel {
	uint32_t	session;
	uint32_t	conn;
	uint8_t		type;
	uint8_t		id;
	char		peer[CONTROL_ADDR_MAX + 1];
	char		transport[CONTROL_TRANSPORT_MAX + 1];
	uint64_t	since;
};

/* CONTROL_REP_DISPLAY_STATS body: str8 name, u8 producer attached,
 * u32 sessions, u32 display_cpu, u32 cursor_cpu (its display and cursor
 * workers' CPU over their last second, in thousandths of a core). */
struct control_display_stats {
	char		name[CONTROL_NAME_MAX + 1];
	uint8_t		producer;
	uint32_t	sessions;
	uint32_t	display_cpu;
	uint32_t	cursor_cpu;
};

/* CONTROL_REP_CHANNEL_STATS body: u32 session, u32 conn, u8 type, u8 id,
 * u64 bytes_out, u64 bytes_in (per second), u32 msgs_out (messages per
 * second), u32 outq (bytes queued for the client now), u32 rtt_us (the
 * main channel's last round trip; 0 elsewhere or not measured yet), all
 * over the worker's last two reports, a second apart. */
struct control_channel_stats {
	uint32_t	session;
	uint32_t	conn;
	uint8_t		type;
	uint8_t		id;
	uint64_t	bytes_out;
	uint64_t	bytes_in;
	uint32_t	msgs_out;
	uint32_t	outq;
	uint32_t	rtt_us;
};

/* CONTROL_REP_VV body: str8 password (the one-time ticket), u64 expires
 * (epoch seconds), str8 host, u16 port (0: none), u16 tls_port (0: none),
 * u32 secure (bit N: channel type N must use TLS; all bits: every
 * channel), str16 host subject and str16 CA (PEM), both "" without TLS. */
struct control_vv {
	char		password[CONTROL_PASSWORD_MAX + 1];
	uint64_t	expires;
	char		host[CONTROL_HOST_MAX + 1];
	uint16_t	port;
	uint16_t	tls_port;
	uint32_t	secure;
	char		host_subject[CONTROL_SUBJECT_MAX + 1];
	char		ca[CONTROL_CA_MAX + 1];
};

/* A decoded reply: type says which member is valid (text for OK and
 * ERROR; nothing for END). */
struct control_rep {
	uint16_t		type;
	char			text[CONTROL_TEXT_MAX + 1];
	struct control_display	display;
	struct control_session	session;
	struct control_channel	channel;
	struct control_vv	vv;
	struct control_display_stats	dstats;
	struct control_channel_stats	cstats;
};

/*
 * Check a frame's u32le length prefix (CONTROL_LEN_FIELD bytes at p)
 * against max (CONTROL_MAX_REQUEST or CONTROL_MAX_REPLY).  0 with *len
 * the bytes that follow (CONTROL_HDR_LEN..max), or -1 with err.
 */
int	control_frame_len(const uint8_t *p, size_t max, size_t *len,
	    struct spd_err *err);

/*
 * Decode a request frame's bytes after the length prefix (len as
 * control_frame_len() gave).  0 and *req filled, or -1 with err naming
 * the field; *req is then undefined but holds no more than what was read.
 * Checks: version, request type, every string's length, bytes and cap,
 * expiry kind and range, and that nothing trails the body.
 */
int	control_req_parse(const uint8_t *body, size_t len,
	    struct control_req *req, struct spd_err *err);

/* Same for a reply frame; text is NUL-terminated. */
int	control_rep_parse(const uint8_t *body, size_t len,
	    struct control_rep *rep, struct spd_err *err);

/*
 * Append one complete frame to ob.  Strings longer than their cap are
 * truncated for replies (texts, addresses) and make the request builder
 * fail; failure sets ob->ob_failed (and a frame over its cap does too),
 * so a caller checks once at the end.
 */
void	control_req_put(struct obuf *ob, const struct control_req *req);
void	control_rep_put_text(struct obuf *ob, uint16_t type, const char *text);
void	control_rep_put_display(struct obuf *ob, const struct control_display *);
void	control_rep_put_session(struct obuf *ob, const struct control_session *);
void	control_rep_put_channel(struct obuf *ob, const struct control_channel *);
void	control_rep_put_end(struct obuf *ob);
void	control_rep_put_vv(struct obuf *ob, const struct control_vv *);
void	control_rep_put_display_stats(struct obuf *ob,
	    const struct control_display_stats *);
void	control_rep_put_channel_stats(struct obuf *ob,
	    const struct control_channel_stats *);

#endif
