/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * control-msg: encoders and decoders of the control protocol; the wire
 * format and every cap are in control-msg.h.  Decoders read only through
 * sbuf, check each string against its cap before copying it, and insist
 * that the body is consumed exactly.
 */
#include <string.h>

#include "control-msg.h"

/* Read a str8 or str16 (lenbytes 1 or 2) of at most max bytes, none of
 * them NUL, into out (max + 1 bytes). */
static int
control_get_str(struct sbuf *sb, int lenbytes, char *out, size_t max,
    const char *what, struct spd_err *err)
{
	const uint8_t *p;
	uint16_t len16;
	uint8_t len8;
	size_t len;

	if (lenbytes == 1) {
		if (sbuf_get_u8(sb, &len8) != 0)
			return spd_err_set(err, "%s: truncated length", what);
		len = len8;
	} else {
		if (sbuf_get_u16le(sb, &len16) != 0)
			return spd_err_set(err, "%s: truncated length", what);
		len = len16;
	}
	if (len > max)
		return spd_err_set(err, "%s: %zu bytes, at most %zu allowed",
		    what, len, max);
	if (sbuf_get_direct(sb, &p, len) != 0)
		return spd_err_set(err, "%s: %zu bytes announced, %zu present",
		    what, len, sbuf_left(sb));
	if (memchr(p, '\0', len) != NULL)
		return spd_err_set(err, "%s: contains a NUL byte", what);
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int
control_get_u8(struct sbuf *sb, uint8_t *v, const char *what,
    struct spd_err *err)
{
	if (sbuf_get_u8(sb, v) != 0)
		return spd_err_set(err, "%s: truncated", what);
	return 0;
}

static int
control_get_u16(struct sbuf *sb, uint16_t *v, const char *what,
    struct spd_err *err)
{
	if (sbuf_get_u16le(sb, v) != 0)
		return spd_err_set(err, "%s: truncated", what);
	return 0;
}

static int
control_get_u32(struct sbuf *sb, uint32_t *v, const char *what,
    struct spd_err *err)
{
	if (sbuf_get_u32le(sb, v) != 0)
		return spd_err_set(err, "%s: truncated", what);
	return 0;
}

static int
control_get_u64(struct sbuf *sb, uint64_t *v, const char *what,
    struct spd_err *err)
{
	if (sbuf_get_u64le(sb, v) != 0)
		return spd_err_set(err, "%s: truncated", what);
	return 0;
}

static int
control_end(const struct sbuf *sb, const char *what, struct spd_err *err)
{
	if (sbuf_left(sb) != 0)
		return spd_err_set(err, "%s: %zu bytes after the last field",
		    what, sbuf_left(sb));
	return 0;
}

int
control_frame_len(const uint8_t *p, size_t max, size_t *len,
    struct spd_err *err)
{
	struct sbuf sb;
	uint32_t v;

	sbuf_init(&sb, p, CONTROL_LEN_FIELD);
	if (sbuf_get_u32le(&sb, &v) != 0)
		return spd_err_set(err, "truncated frame length");
	if (v < CONTROL_HDR_LEN || v > max)
		return spd_err_set(err, "frame length %u outside %d..%zu", v,
		    CONTROL_HDR_LEN, max);
	*len = v;
	return 0;
}

/* Version and type; the type is range-checked by the caller. */
static int
control_get_hdr(struct sbuf *sb, uint16_t *type, struct spd_err *err)
{
	uint16_t version;

	if (sbuf_get_u16le(sb, &version) != 0 || sbuf_get_u16le(sb, type) != 0)
		return spd_err_set(err, "truncated frame header");
	if (version != CONTROL_VERSION)
		return spd_err_set(err, "protocol version %u, expected %d",
		    version, CONTROL_VERSION);
	return 0;
}

int
control_req_parse(const uint8_t *body, size_t len, struct control_req *req,
    struct spd_err *err)
{
	struct sbuf sb;

	memset(req, 0, sizeof(*req));
	if (len > CONTROL_MAX_REQUEST)
		return spd_err_set(err, "request of %zu bytes, at most %d",
		    len, CONTROL_MAX_REQUEST);
	sbuf_init(&sb, body, len);
	if (control_get_hdr(&sb, &req->type, err) != 0)
		return -1;
	switch (req->type) {
	case CONTROL_REQ_SET_TICKET:
		if (control_get_str(&sb, 1, req->display, CONTROL_NAME_MAX,
		    "display", err) != 0 ||
		    control_get_str(&sb, 1, req->password,
		    CONTROL_PASSWORD_MAX, "password", err) != 0 ||
		    control_get_u8(&sb, &req->expiry, "expiry kind",
		    err) != 0 ||
		    control_get_u64(&sb, &req->expiry_value, "expiry",
		    err) != 0 ||
		    control_get_u8(&sb, &req->kind, "ticket kind", err) != 0)
			return -1;
		if (req->kind > CONTROL_KIND_VIEW_ONLY)
			return spd_err_set(err, "ticket kind %u unknown",
			    req->kind);
		switch (req->expiry) {
		case CONTROL_EXPIRY_NEVER:
			if (req->expiry_value != 0)
				return spd_err_set(err, "expiry: a value "
				    "with \"never\"");
			break;
		case CONTROL_EXPIRY_AT:
			if (req->expiry_value == 0 ||
			    req->expiry_value > CONTROL_MAX_EPOCH)
				return spd_err_set(err, "expires-at %llu "
				    "outside 1..%lld", (unsigned long long)
				    req->expiry_value, CONTROL_MAX_EPOCH);
			break;
		case CONTROL_EXPIRY_IN:
			if (req->expiry_value > CONTROL_MAX_EXPIRES_IN)
				return spd_err_set(err, "expires-in %llu s "
				    "beyond %lld s", (unsigned long long)
				    req->expiry_value,
				    CONTROL_MAX_EXPIRES_IN);
			break;
		default:
			return spd_err_set(err, "unknown expiry kind %u",
			    req->expiry);
		}
		break;
	case CONTROL_REQ_EXPIRE_TICKET:
		if (control_get_str(&sb, 1, req->display, CONTROL_NAME_MAX,
		    "display", err) != 0 ||
		    control_get_u8(&sb, &req->kind, "ticket kind", err) != 0)
			return -1;
		if (req->kind > CONTROL_KIND_VIEW_ONLY)
			return spd_err_set(err, "ticket kind %u unknown",
			    req->kind);
		break;
	case CONTROL_REQ_LIST:
	case CONTROL_REQ_STATS:
		break;
	case CONTROL_REQ_DISCONNECT:
		if (control_get_str(&sb, 1, req->display, CONTROL_NAME_MAX,
		    "display", err) != 0 ||
		    control_get_u32(&sb, &req->session, "session", err) != 0)
			return -1;
		if (req->session == 0)
			return spd_err_set(err, "session 0 does not exist");
		break;
	case CONTROL_REQ_VV:
		if (control_get_str(&sb, 1, req->display, CONTROL_NAME_MAX,
		    "display", err) != 0 ||
		    control_get_u32(&sb, &req->lifetime, "lifetime", err) != 0 ||
		    control_get_u8(&sb, &req->kind, "ticket kind", err) != 0)
			return -1;
		if (req->lifetime == 0 || req->lifetime > CONTROL_MAX_LIFETIME)
			return spd_err_set(err, "lifetime %u s outside 1..%d",
			    req->lifetime, CONTROL_MAX_LIFETIME);
		if (req->kind > CONTROL_KIND_VIEW_ONLY)
			return spd_err_set(err, "ticket kind %u unknown",
			    req->kind);
		break;
	default:
		return spd_err_set(err, "unknown request type %u", req->type);
	}
	if ((req->type == CONTROL_REQ_SET_TICKET ||
	    req->type == CONTROL_REQ_EXPIRE_TICKET ||
	    req->type == CONTROL_REQ_VV) && req->display[0] == '\0')
		return spd_err_set(err, "display: empty name");
	return control_end(&sb, "request", err);
}

static int
control_parse_display(struct sbuf *sb, struct control_display *d,
    struct spd_err *err)
{
	uint8_t i;

	if (control_get_str(sb, 1, d->name, CONTROL_NAME_MAX, "display name",
	    err) != 0 ||
	    control_get_u8(sb, &d->nlisten, "listen count", err) != 0)
		return -1;
	if (d->nlisten > CONTROL_MAX_LISTEN)
		return spd_err_set(err, "%u listen addresses, at most %d",
		    d->nlisten, CONTROL_MAX_LISTEN);
	for (i = 0; i < d->nlisten; i++)
		if (control_get_str(sb, 1, d->listen[i], CONTROL_ADDR_MAX,
		    "listen address", err) != 0)
			return -1;
	if (control_get_u8(sb, &d->producer, "producer", err) != 0 ||
	    control_get_u32(sb, &d->producer_pid, "producer pid", err) != 0 ||
	    control_get_u32(sb, &d->sessions, "sessions", err) != 0 ||
	    control_get_u32(sb, &d->preauth, "preauth", err) != 0 ||
	    control_get_u32(sb, &d->max_preauth, "max-preauth", err) != 0 ||
	    control_get_u8(sb, &d->ticket, "ticket", err) != 0 ||
	    control_get_u64(sb, &d->expires, "expires", err) != 0)
		return -1;
	if (d->producer > 1 || d->ticket > CONTROL_TICKET_DISABLED)
		return spd_err_set(err, "display record: bad flag value");
	return 0;
}

int
control_rep_parse(const uint8_t *body, size_t len, struct control_rep *rep,
    struct spd_err *err)
{
	struct control_session *s = &rep->session;
	struct control_channel *c = &rep->channel;
	struct sbuf sb;

	memset(rep, 0, sizeof(*rep));
	if (len > CONTROL_MAX_REPLY)
		return spd_err_set(err, "reply of %zu bytes, at most %d", len,
		    CONTROL_MAX_REPLY);
	sbuf_init(&sb, body, len);
	if (control_get_hdr(&sb, &rep->type, err) != 0)
		return -1;
	switch (rep->type) {
	case CONTROL_REP_OK:
	case CONTROL_REP_ERROR:
		if (control_get_str(&sb, 2, rep->text, CONTROL_TEXT_MAX,
		    "text", err) != 0)
			return -1;
		break;
	case CONTROL_REP_DISPLAY:
		if (control_parse_display(&sb, &rep->display, err) != 0)
			return -1;
		break;
	case CONTROL_REP_SESSION:
		if (control_get_str(&sb, 1, s->display, CONTROL_NAME_MAX,
		    "display", err) != 0 ||
		    control_get_u32(&sb, &s->id, "session", err) != 0 ||
		    control_get_str(&sb, 1, s->peer, CONTROL_ADDR_MAX, "peer",
		    err) != 0 ||
		    control_get_str(&sb, 1, s->transport,
		    CONTROL_TRANSPORT_MAX, "transport", err) != 0 ||
		    control_get_u64(&sb, &s->since, "since", err) != 0 ||
		    control_get_u32(&sb, &s->channels, "channels", err) != 0)
			return -1;
		break;
	case CONTROL_REP_CHANNEL:
		if (control_get_u32(&sb, &c->session, "session", err) != 0 ||
		    control_get_u32(&sb, &c->conn, "connection", err) != 0 ||
		    control_get_u8(&sb, &c->type, "channel type", err) != 0 ||
		    control_get_u8(&sb, &c->id, "channel id", err) != 0 ||
		    control_get_str(&sb, 1, c->peer, CONTROL_ADDR_MAX, "peer",
		    err) != 0 ||
		    control_get_str(&sb, 1, c->transport,
		    CONTROL_TRANSPORT_MAX, "transport", err) != 0 ||
		    control_get_u64(&sb, &c->since, "since", err) != 0)
			return -1;
		break;
	case CONTROL_REP_END:
		break;
	case CONTROL_REP_DISPLAY_STATS:
		if (control_get_str(&sb, 1, rep->dstats.name, CONTROL_NAME_MAX,
		    "display", err) != 0 ||
		    control_get_u8(&sb, &rep->dstats.producer, "producer",
		    err) != 0 ||
		    control_get_u32(&sb, &rep->dstats.sessions, "sessions",
		    err) != 0 ||
		    control_get_u32(&sb, &rep->dstats.display_cpu,
		    "display worker CPU", err) != 0 ||
		    control_get_u32(&sb, &rep->dstats.cursor_cpu,
		    "cursor worker CPU", err) != 0)
			return -1;
		if (rep->dstats.producer > 1)
			return spd_err_set(err, "producer: bad flag %u",
			    rep->dstats.producer);
		break;
	case CONTROL_REP_CHANNEL_STATS:
		if (control_get_u32(&sb, &rep->cstats.session, "session",
		    err) != 0 ||
		    control_get_u32(&sb, &rep->cstats.conn, "connection",
		    err) != 0 ||
		    control_get_u8(&sb, &rep->cstats.type, "channel type",
		    err) != 0 ||
		    control_get_u8(&sb, &rep->cstats.id, "channel id",
		    err) != 0 ||
		    control_get_u64(&sb, &rep->cstats.bytes_out, "bytes out",
		    err) != 0 ||
		    control_get_u64(&sb, &rep->cstats.bytes_in, "bytes in",
		    err) != 0 ||
		    control_get_u32(&sb, &rep->cstats.msgs_out, "messages out",
		    err) != 0 ||
		    control_get_u32(&sb, &rep->cstats.outq, "queue", err) != 0 ||
		    control_get_u32(&sb, &rep->cstats.rtt_us, "round trip",
		    err) != 0)
			return -1;
		break;
	case CONTROL_REP_VV:
		if (control_get_str(&sb, 1, rep->vv.password,
		    CONTROL_PASSWORD_MAX, "password", err) != 0 ||
		    control_get_u64(&sb, &rep->vv.expires, "expires",
		    err) != 0 ||
		    control_get_str(&sb, 1, rep->vv.host, CONTROL_HOST_MAX,
		    "host", err) != 0 ||
		    control_get_u16(&sb, &rep->vv.port, "port", err) != 0 ||
		    control_get_u16(&sb, &rep->vv.tls_port, "tls port",
		    err) != 0 ||
		    control_get_u32(&sb, &rep->vv.secure, "secure", err) != 0 ||
		    control_get_str(&sb, 2, rep->vv.host_subject,
		    CONTROL_SUBJECT_MAX, "host subject", err) != 0 ||
		    control_get_str(&sb, 2, rep->vv.ca, CONTROL_CA_MAX, "CA",
		    err) != 0)
			return -1;
		break;
	default:
		return spd_err_set(err, "unknown reply type %u", rep->type);
	}
	return control_end(&sb, "reply", err);
}

/* Frame building: the length is patched in once the body is known. */
static size_t
control_frame_begin(struct obuf *ob, uint16_t type)
{
	size_t off = ob->ob_len;

	obuf_put_u32le(ob, 0);
	obuf_put_u16le(ob, CONTROL_VERSION);
	obuf_put_u16le(ob, type);
	return off;
}

static void
control_frame_finish(struct obuf *ob, size_t off, size_t max)
{
	size_t len;

	if (ob->ob_failed)
		return;
	len = ob->ob_len - off - CONTROL_LEN_FIELD;
	if (len > max) {
		ob->ob_failed = 1;
		return;
	}
	obuf_patch_u32le(ob, off, (uint32_t)len);
}

/* str8/str16; too long: truncate (trunc) or fail the buffer. */
static void
control_put_str(struct obuf *ob, int lenbytes, const char *s, size_t max,
    int trunc)
{
	size_t len = strlen(s);

	if (len > max) {
		if (!trunc) {
			ob->ob_failed = 1;
			return;
		}
		len = max;
	}
	if (lenbytes == 1)
		obuf_put_u8(ob, (uint8_t)len);
	else
		obuf_put_u16le(ob, (uint16_t)len);
	obuf_put_bytes(ob, s, len);
}

void
control_req_put(struct obuf *ob, const struct control_req *req)
{
	size_t off = control_frame_begin(ob, req->type);

	switch (req->type) {
	case CONTROL_REQ_SET_TICKET:
		control_put_str(ob, 1, req->display, CONTROL_NAME_MAX, 0);
		control_put_str(ob, 1, req->password, CONTROL_PASSWORD_MAX, 0);
		obuf_put_u8(ob, req->expiry);
		obuf_put_u64le(ob, req->expiry_value);
		obuf_put_u8(ob, req->kind);
		break;
	case CONTROL_REQ_EXPIRE_TICKET:
		control_put_str(ob, 1, req->display, CONTROL_NAME_MAX, 0);
		obuf_put_u8(ob, req->kind);
		break;
	case CONTROL_REQ_LIST:
	case CONTROL_REQ_STATS:
		break;
	case CONTROL_REQ_DISCONNECT:
		control_put_str(ob, 1, req->display, CONTROL_NAME_MAX, 0);
		obuf_put_u32le(ob, req->session);
		break;
	case CONTROL_REQ_VV:
		control_put_str(ob, 1, req->display, CONTROL_NAME_MAX, 0);
		obuf_put_u32le(ob, req->lifetime);
		obuf_put_u8(ob, req->kind);
		break;
	default:
		ob->ob_failed = 1;
		return;
	}
	control_frame_finish(ob, off, CONTROL_MAX_REQUEST);
}

void
control_rep_put_text(struct obuf *ob, uint16_t type, const char *text)
{
	size_t off = control_frame_begin(ob, type);

	control_put_str(ob, 2, text, CONTROL_TEXT_MAX, 1);
	control_frame_finish(ob, off, CONTROL_MAX_REPLY);
}

void
control_rep_put_display(struct obuf *ob, const struct control_display *d)
{
	size_t off = control_frame_begin(ob, CONTROL_REP_DISPLAY);
	uint8_t i, n = d->nlisten;

	if (n > CONTROL_MAX_LISTEN)
		n = CONTROL_MAX_LISTEN;
	control_put_str(ob, 1, d->name, CONTROL_NAME_MAX, 1);
	obuf_put_u8(ob, n);
	for (i = 0; i < n; i++)
		control_put_str(ob, 1, d->listen[i], CONTROL_ADDR_MAX, 1);
	obuf_put_u8(ob, d->producer);
	obuf_put_u32le(ob, d->producer_pid);
	obuf_put_u32le(ob, d->sessions);
	obuf_put_u32le(ob, d->preauth);
	obuf_put_u32le(ob, d->max_preauth);
	obuf_put_u8(ob, d->ticket);
	obuf_put_u64le(ob, d->expires);
	control_frame_finish(ob, off, CONTROL_MAX_REPLY);
}

void
control_rep_put_session(struct obuf *ob, const struct control_session *s)
{
	size_t off = control_frame_begin(ob, CONTROL_REP_SESSION);

	control_put_str(ob, 1, s->display, CONTROL_NAME_MAX, 1);
	obuf_put_u32le(ob, s->id);
	control_put_str(ob, 1, s->peer, CONTROL_ADDR_MAX, 1);
	control_put_str(ob, 1, s->transport, CONTROL_TRANSPORT_MAX, 1);
	obuf_put_u64le(ob, s->since);
	obuf_put_u32le(ob, s->channels);
	control_frame_finish(ob, off, CONTROL_MAX_REPLY);
}

void
control_rep_put_channel(struct obuf *ob, const struct control_channel *c)
{
	size_t off = control_frame_begin(ob, CONTROL_REP_CHANNEL);

	obuf_put_u32le(ob, c->session);
	obuf_put_u32le(ob, c->conn);
	obuf_put_u8(ob, c->type);
	obuf_put_u8(ob, c->id);
	control_put_str(ob, 1, c->peer, CONTROL_ADDR_MAX, 1);
	control_put_str(ob, 1, c->transport, CONTROL_TRANSPORT_MAX, 1);
	obuf_put_u64le(ob, c->since);
	control_frame_finish(ob, off, CONTROL_MAX_REPLY);
}

void
control_rep_put_vv(struct obuf *ob, const struct control_vv *v)
{
	size_t off = control_frame_begin(ob, CONTROL_REP_VV);

	control_put_str(ob, 1, v->password, CONTROL_PASSWORD_MAX, 0);
	obuf_put_u64le(ob, v->expires);
	control_put_str(ob, 1, v->host, CONTROL_HOST_MAX, 0);
	obuf_put_u16le(ob, v->port);
	obuf_put_u16le(ob, v->tls_port);
	obuf_put_u32le(ob, v->secure);
	control_put_str(ob, 2, v->host_subject, CONTROL_SUBJECT_MAX, 0);
	control_put_str(ob, 2, v->ca, CONTROL_CA_MAX, 0);
	control_frame_finish(ob, off, CONTROL_MAX_REPLY);
}

void
control_rep_put_display_stats(struct obuf *ob,
    const struct control_display_stats *d)
{
	size_t off = control_frame_begin(ob, CONTROL_REP_DISPLAY_STATS);

	control_put_str(ob, 1, d->name, CONTROL_NAME_MAX, 1);
	obuf_put_u8(ob, d->producer);
	obuf_put_u32le(ob, d->sessions);
	obuf_put_u32le(ob, d->display_cpu);
	obuf_put_u32le(ob, d->cursor_cpu);
	control_frame_finish(ob, off, CONTROL_MAX_REPLY);
}

void
control_rep_put_channel_stats(struct obuf *ob,
    const struct control_channel_stats *c)
{
	size_t off = control_frame_begin(ob, CONTROL_REP_CHANNEL_STATS);

	obuf_put_u32le(ob, c->session);
	obuf_put_u32le(ob, c->conn);
	obuf_put_u8(ob, c->type);
	obuf_put_u8(ob, c->id);
	obuf_put_u64le(ob, c->bytes_out);
	obuf_put_u64le(ob, c->bytes_in);
	obuf_put_u32le(ob, c->msgs_out);
	obuf_put_u32le(ob, c->outq);
	obuf_put_u32le(ob, c->rtt_us);
	control_frame_finish(ob, off, CONTROL_MAX_REPLY);
}

void
control_rep_put_end(struct obuf *ob)
{
	size_t off = control_frame_begin(ob, CONTROL_REP_END);

	control_frame_finish(ob, off, CONTROL_MAX_REPLY);
}
