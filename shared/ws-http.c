/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ws-http: the RFC 6455 opening handshake, server side; contracts in ws.h.
 *
 * Spec: RFC 6455 4.1-4.2 (client request, server reply), RFC 9112 for
 * the message syntax.  Deviations and choices:
 * - only "HTTP/1.1" in the request line, only GET, and no body;
 * - obsolete line folding, bare CR or LF, and control characters in a
 *   header value are refused (400) rather than repaired;
 * - Host must be present but its value is not compared with anything,
 *   and Origin is ignored: authentication is the SPICE ticket, which a
 *   foreign page cannot produce;
 * - the key must be the canonical base64 of 16 bytes (22 symbols, the
 *   last with its 4 padding bits clear, then "==");
 * - a wrong or missing Sec-WebSocket-Version gets 426 naming version 13
 *   (RFC 4.4); every other refusal is 400;
 * - the request may come in any number of pieces: ws_http_want() tells the
 *   caller how much it may read so that it never reads past the blank
 *   line (the first frame bytes stay in the socket).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ws.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_LEN	24
#define WS_ACCEPT_LEN	28	/* base64 of a 20-byte SHA-1 */

static const char ws_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
ws_http_want(const uint8_t *buf, size_t len)
{
	static const uint8_t end[4] = { '\r', '\n', '\r', '\n' };
	size_t i, k;

	for (i = 0; i + 4 <= len; i++)
		if (memcmp(buf + i, end, 4) == 0)
			return 0;
	if (len >= WS_HTTP_MAX)
		return -1;
	/* The longest tail of buf that starts the terminator decides how
	 * many bytes can still belong to the request for sure. */
	for (k = 3; k > 0; k--)
		if (len >= k && memcmp(buf + len - k, end, k) == 0)
			break;
	k = 4 - k;
	if (k > WS_HTTP_MAX - len)
		k = WS_HTTP_MAX - len;
	return (int)k;
}

/* RFC 9110 tchar. */
static int
ws_http_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* Does the comma-separated list [v, v+n) hold token tok?  Case-folded
 * when icase (header tokens), exact otherwise (subprotocol names). */
static int
ws_http_list_has(const char *v, size_t n, const char *tok, int icase)
{
	size_t i = 0, s, e, tl = strlen(tok);

	while (i <= n) {
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (s < e && (v[s] == ' ' || v[s] == '\t'))
			s++;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && (icase ? strncasecmp(v + s, tok, tl) :
		    strncmp(v + s, tok, tl)) == 0)
			return 1;
		i++;
	}
	return 0;
}

static int
ws_http_b64val(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(ws_b64, c)) == NULL)
		return -1;
	return (int)(p - ws_b64);
}

/* Canonical base64 of exactly 16 bytes. */
static int
ws_http_key_ok(const char *v, size_t n)
{
	size_t i;
	int x;

	if (n != WS_KEY_LEN || v[22] != '=' || v[23] != '=')
		return 0;
	for (i = 0; i < 22; i++)
		if ((x = ws_http_b64val(v[i])) < 0)
			return 0;
	/* 16 bytes are 128 bits: the 22nd symbol carries 2 of them. */
	return (ws_http_b64val(v[21]) & 0x0f) == 0;
}

static int
ws_http_bad(struct ws_http *wh, int status, struct spd_err *err,
    const char *what)
{
	wh->wh_status = status;
	return spd_err_set(err, "WebSocket upgrade: %s", what);
}

/*
 * Take one line (without its CRLF) from sb into [*line, *line + *n).
 * Returns 0, or -1 for a bare CR or LF or a missing CRLF.
 */
static int
ws_http_line(struct sbuf *sb, const char **line, size_t *n)
{
	const uint8_t *p = sbuf_ptr(sb);
	size_t i, left = sbuf_left(sb);

	for (i = 0; i < left; i++) {
		if (p[i] == '\n')
			return -1;
		if (p[i] != '\r')
			continue;
		if (i + 1 >= left || p[i + 1] != '\n')
			return -1;
		*line = (const char *)p;
		*n = i;
		return sbuf_skip(sb, i + 2);
	}
	return -1;
}

/* "GET target HTTP/1.1" with a non-empty visible target. */
static int
ws_http_request_line(const char *l, size_t n)
{
	static const char ver[] = " HTTP/1.1";
	size_t i, tl;

	if (n < 4 + 1 + sizeof(ver) - 1 || memcmp(l, "GET ", 4) != 0 ||
	    memcmp(l + n - (sizeof(ver) - 1), ver, sizeof(ver) - 1) != 0)
		return -1;
	tl = n - 4 - (sizeof(ver) - 1);
	for (i = 0; i < tl; i++)
		if (l[4 + i] <= 0x20 || l[4 + i] >= 0x7f)
			return -1;
	return 0;
}

int
ws_http_parse(const uint8_t *buf, size_t len, struct ws_http *wh,
    struct spd_err *err)
{
	struct sbuf sb;
	const char *l, *v;
	size_t n, i, nl, vl;
	unsigned int nhdr = 0;
	int host = 0, upgrade = 0, conn = 0, version = 0, proto = 0;

	memset(wh, 0, sizeof(*wh));
	wh->wh_status = 400;
	if (len > WS_HTTP_MAX)
		return ws_http_bad(wh, 400, err, "request over 4096 bytes");
	if (ws_http_want(buf, len) != 0)
		return WS_HTTP_INCOMPLETE;
	sbuf_init(&sb, buf, len);
	if (ws_http_line(&sb, &l, &n) != 0 ||
	    ws_http_request_line(l, n) != 0)
		return ws_http_bad(wh, 400, err, "request line is not "
		    "\"GET target HTTP/1.1\"");
	for (;;) {
		if (ws_http_line(&sb, &l, &n) != 0)
			return ws_http_bad(wh, 400, err, "header line without "
			    "CRLF, or a bare CR or LF");
		if (n == 0)
			break;
		if (++nhdr > WS_HTTP_MAX_HEADERS)
			return ws_http_bad(wh, 400, err, "too many headers");
		for (nl = 0; nl < n && ws_http_tchar((uint8_t)l[nl]); nl++)
			;
		if (nl == 0 || nl == n || l[nl] != ':')
			return ws_http_bad(wh, 400, err, "malformed header "
			    "line (or obsolete folding)");
		v = l + nl + 1;
		vl = n - nl - 1;
		for (i = 0; i < vl; i++)
			if (((uint8_t)v[i] < 0x20 && v[i] != '\t') ||
			    v[i] == 0x7f)
				return ws_http_bad(wh, 400, err, "control "
				    "character in a header value");
		while (vl > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
#define WS_IS(name) (nl == sizeof(name) - 1 && \
    strncasecmp(l, name, nl) == 0)
		if (WS_IS("Host"))
			host++;
		else if (WS_IS("Upgrade"))
			upgrade |= ws_http_list_has(v, vl, "websocket", 1);
		else if (WS_IS("Connection"))
			conn |= ws_http_list_has(v, vl, "upgrade", 1);
		else if (WS_IS("Sec-WebSocket-Key")) {
			if (wh->wh_key[0] != '\0')
				return ws_http_bad(wh, 400, err,
				    "Sec-WebSocket-Key given twice");
			if (!ws_http_key_ok(v, vl))
				return ws_http_bad(wh, 400, err,
				    "Sec-WebSocket-Key is not base64 of 16 "
				    "bytes");
			memcpy(wh->wh_key, v, WS_KEY_LEN);
			wh->wh_key[WS_KEY_LEN] = '\0';
		} else if (WS_IS("Sec-WebSocket-Version")) {
			if (version++ != 0 || vl != 2 ||
			    memcmp(v, "13", 2) != 0)
				return ws_http_bad(wh, 426, err,
				    "Sec-WebSocket-Version is not 13");
		} else if (WS_IS("Sec-WebSocket-Protocol")) {
			proto = 1;
			wh->wh_binary |= ws_http_list_has(v, vl, "binary", 0);
		}
#undef WS_IS
	}
	if (sbuf_left(&sb) != 0)
		return ws_http_bad(wh, 400, err, "bytes after the request");
	if (host != 1)
		return ws_http_bad(wh, 400, err, "no Host header, or several");
	if (!upgrade)
		return ws_http_bad(wh, 400, err, "no \"Upgrade: websocket\"");
	if (!conn)
		return ws_http_bad(wh, 400, err,
		    "no \"Connection: Upgrade\"");
	if (wh->wh_key[0] == '\0')
		return ws_http_bad(wh, 400, err, "no Sec-WebSocket-Key");
	if (!version)
		return ws_http_bad(wh, 426, err, "no Sec-WebSocket-Version");
	if (proto && !wh->wh_binary)
		return ws_http_bad(wh, 400, err, "Sec-WebSocket-Protocol "
		    "does not offer \"binary\"");
	wh->wh_status = 0;
	return 0;
}

int
ws_http_accept(const char *key, char *out, size_t outlen,
    struct spd_err *err)
{
	uint8_t in[WS_KEY_LEN + sizeof(WS_GUID) - 1];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t kl = strlen(key);

	if (kl != WS_KEY_LEN || outlen < WS_ACCEPT_LEN + 1)
		return spd_err_set(err, "WebSocket accept: bad key or "
		    "buffer length");
	memcpy(in, key, WS_KEY_LEN);
	memcpy(in + WS_KEY_LEN, WS_GUID, sizeof(WS_GUID) - 1);
	if (EVP_Digest(in, sizeof(in), md, &mdlen, EVP_sha1(), NULL) != 1 ||
	    mdlen != 20)
		return spd_err_set(err, "WebSocket accept: SHA-1 failed");
	if (EVP_EncodeBlock((unsigned char *)out, md, 20) != WS_ACCEPT_LEN)
		return spd_err_set(err, "WebSocket accept: base64 failed");
	return 0;
}

int
ws_http_reply_build(struct obuf *ob, const struct ws_http *wh,
    struct spd_err *err)
{
	char acc[WS_ACCEPT_LEN + 1], line[128];
	int n;

	if (ws_http_accept(wh->wh_key, acc, sizeof(acc), err) != 0)
		return -1;
	n = snprintf(line, sizeof(line), "Sec-WebSocket-Accept: %s\r\n",
	    acc);
	if (n < 0 || (size_t)n >= sizeof(line))
		return spd_err_set(err, "WebSocket reply: line too long");
#define WS_PUT(s) obuf_put_bytes(ob, s, strlen(s))
	WS_PUT("HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n");
	WS_PUT(line);
	if (wh->wh_binary)
		WS_PUT("Sec-WebSocket-Protocol: binary\r\n");
	WS_PUT("\r\n");
	if (ob->ob_failed)
		return spd_err_set(err, "WebSocket reply: out of memory");
	return 0;
}

void
ws_http_refuse_build(struct obuf *ob, const struct ws_http *wh)
{
	if (wh != NULL && wh->wh_status == 426)
		WS_PUT("HTTP/1.1 426 Upgrade Required\r\n"
		    "Sec-WebSocket-Version: 13\r\n");
	else
		WS_PUT("HTTP/1.1 400 Bad Request\r\n");
	WS_PUT("Connection: close\r\nContent-Length: 0\r\n\r\n");
#undef WS_PUT
}
