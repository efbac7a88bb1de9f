/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth-sasl: SASL over the SPICE link with cyrus-sasl; contracts in
 * auth-sasl.h.
 *
 * Spec: SPICE-NOTES 1.9.  Wire, after the client chose mechanism 2:
 *	S: u32 len, mechlist (",A,B,", no NUL)
 *	C: u32 len, mechname; u32 len, data (len counts a trailing NUL;
 *	   0 = no data)
 *	S: u32 len, data (+NUL) or 0; u8 complete
 *	C/S: u32 len, data / u32 len, data, u8 complete ... until complete
 *	S: u32 0 (success) or u32 1, u32 len, "Authentication failed\0"
 *	S: u32 link result (through the security layer, if any)
 * Deviations from the reference server: data is capped at 64 KiB, not
 * 1 MiB; the number of client steps is capped; a mechanism name must be
 * made of RFC 4422 characters; and every refusal, framing errors
 * included, is answered as a finished exchange plus the failure word
 * rather than a bare close, so the client reports "authentication
 * failed" and not a broken connection.  The trailing byte counted in a
 * data length is dropped unread: spice-gtk sends whatever follows
 * cyrus' output there, not necessarily a NUL.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sasl/sasl.h>

#include "auth-sasl.h"
#include "log.h"
#include "relay.h"

#define AUTH_SASL_SERVICE	"spice"	/* spice-gtk's service name */
#define AUTH_SASL_MIN_SSF	56	/* without TLS; spice-gtk's minimum */
/* Largest security-layer packet we accept from the client. */
#define AUTH_SASL_MAXBUFSIZE	65536
#define AUTH_SASL_FAILED	"Authentication failed"
#define AUTH_SASL_ADDR_LEN	(INET6_ADDRSTRLEN + 8)
#define AUTH_SASL_RELAY_BUF	16384

/* --- cyrus ------------------------------------------------------------ */

struct auth_sasl {
	const struct auth_sasl_policy *as_pol;
	sasl_conn_t		*as_conn;
	struct auth_sasl_frame	 as_frame;
	uint8_t			*as_data;	/* AUTH_SASL_DATA_MAX */
	char			 as_mechlist[AUTH_SASL_MECHLIST_MAX + 1];
	char			 as_mech[AUTH_SASL_MECHNAME_MAX + 1];
	unsigned		 as_steps;	/* step messages so far */
	unsigned		 as_ext_ssf;
	unsigned		 as_ssf;
	unsigned		 as_maxout;	/* largest encode input */
	int			 as_layer;
	char			 as_user[AUTH_SASL_NAME_LEN];
	/* The relay's state (relay process only). */
	int			 as_fd;		/* client socket */
	struct obuf		 as_dec;	/* decoded, not yet read */
	size_t			 as_decoff;
	struct obuf		 as_enc;	/* encoded, not yet sent */
	size_t			 as_encoff;
	size_t			 as_encin;	/* plaintext it encodes */
};

static int	auth_sasl_inited;
static char	auth_sasl_confdir[4096];

/* cyrus' own log lines, at our debug level (they can name users, never
 * passwords). */
static int
auth_sasl_log_cb(void *ctx, int level, const char *msg)
{
	if (level <= SASL_LOG_WARN)
		log_info("sasl: %s", msg);
	else
		log_debug("sasl: %s", msg);
	return SASL_OK;
}

static int
auth_sasl_confpath_cb(void *ctx, const char **path)
{
	*path = auth_sasl_confdir;
	return SASL_OK;
}

/* cyrus stores every callback as int (*)(void); the detour through
 * void (*)(void) tells the compiler the cast is meant. */
#define AUTH_SASL_CB(f)	((int (*)(void))(void (*)(void))(f))

static sasl_callback_t auth_sasl_callbacks[] = {
	{ SASL_CB_LOG, AUTH_SASL_CB(auth_sasl_log_cb), NULL },
	{ SASL_CB_GETCONFPATH, AUTH_SASL_CB(auth_sasl_confpath_cb), NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

int
auth_sasl_init(const char *appname, const char *confdir,
    struct spd_err *err)
{
	int rc;

	if (auth_sasl_inited)
		return 0;
	if (confdir != NULL && confdir[0] != '\0') {
		if (strlen(confdir) >= sizeof(auth_sasl_confdir))
			return spd_err_set(err, "sasl-config-dir too long");
		strcpy(auth_sasl_confdir, confdir);
	} else {
		/* Without a directory of our own, cyrus' default search. */
		auth_sasl_callbacks[1].id = SASL_CB_LIST_END;
	}
	if ((rc = sasl_server_init(auth_sasl_callbacks, appname)) != SASL_OK)
		return spd_err_set(err, "cyrus-sasl initialisation (app "
		    "\"%s\"): %s", appname, sasl_errstring(rc, NULL, NULL));
	auth_sasl_inited = 1;
	return 0;
}

void
auth_sasl_done(void)
{
	if (!auth_sasl_inited)
		return;
	sasl_server_done();
	auth_sasl_inited = 0;
}

/* "IP;port" as cyrus wants it; "" for anything but TCP. */
static void
auth_sasl_addr(int fd, int peer, char *out, size_t outlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	const void *a;
	unsigned port;

	out[0] = '\0';
	if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &sl) :
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else
		return;
	if (inet_ntop(ss.ss_family, a, host, sizeof(host)) == NULL)
		return;
	snprintf(out, outlen, "%s;%u", host, port);
}

/* Keep the names cyrus offers that the policy allows, in cyrus' order. */
static int
auth_sasl_filter(struct auth_sasl *as, const char *offered,
    struct spd_err *err)
{
	const char *allowed = as->as_pol->asp_mechs, *p, *e;
	char name[AUTH_SASL_MECHNAME_MAX + 1];
	size_t o = 0, n;

	as->as_mechlist[o++] = ',';
	for (p = offered; *p != '\0'; p = e) {
		while (*p == ',')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		n = (size_t)(e - p);
		if (n == 0 || n > AUTH_SASL_MECHNAME_MAX)
			continue;
		memcpy(name, p, n);
		name[n] = '\0';
		if (allowed[0] != '\0' && !auth_sasl_mech_listed(allowed,
		    name))
			continue;
		if (sizeof(as->as_mechlist) - o < n + 2)
			return spd_err_set(err, "mechanism list longer than "
			    "%d bytes", AUTH_SASL_MECHLIST_MAX);
		memcpy(as->as_mechlist + o, name, n);
		o += n;
		as->as_mechlist[o++] = ',';
	}
	as->as_mechlist[o] = '\0';
	if (o == 1)
		return spd_err_set(err, "no usable mechanism (cyrus offers "
		    "\"%s\"%s%s%s)", offered, allowed[0] != '\0' ?
		    ", sasl-mechanisms allows \"" : "", allowed,
		    allowed[0] != '\0' ? "\"" : "");
	return 0;
}

struct auth_sasl *
auth_sasl_new(const struct auth_sasl_policy *pol, int fd, unsigned ext_ssf,
    struct obuf *out, struct spd_err *err)
{
	char local[AUTH_SASL_ADDR_LEN], remote[AUTH_SASL_ADDR_LEN];
	sasl_security_properties_t sec;
	struct auth_sasl *as;
	const char *list;
	sasl_ssf_t ssf;
	unsigned len;
	int rc, count;

	if (!auth_sasl_inited) {
		spd_err_set(err, "cyrus-sasl not initialised");
		return NULL;
	}
	if ((as = calloc(1, sizeof(*as))) == NULL ||
	    (as->as_data = malloc(AUTH_SASL_DATA_MAX)) == NULL) {
		free(as);
		spd_err_set(err, "out of memory");
		return NULL;
	}
	as->as_pol = pol;
	as->as_ext_ssf = ext_ssf;
	as->as_fd = -1;
	obuf_init(&as->as_dec);
	obuf_init(&as->as_enc);
	auth_sasl_addr(fd, 0, local, sizeof(local));
	auth_sasl_addr(fd, 1, remote, sizeof(remote));
	rc = sasl_server_new(AUTH_SASL_SERVICE,
	    pol->asp_server_name[0] != '\0' ? pol->asp_server_name : NULL,
	    pol->asp_realm[0] != '\0' ? pol->asp_realm : NULL,
	    local[0] != '\0' ? local : NULL,
	    remote[0] != '\0' ? remote : NULL,
	    NULL, SASL_SUCCESS_DATA, &as->as_conn);
	if (rc != SASL_OK) {
		spd_err_set(err, "sasl_server_new: %s",
		    sasl_errstring(rc, NULL, NULL));
		goto fail;
	}
	if (ext_ssf > 0) {
		ssf = ext_ssf;
		if ((rc = sasl_setprop(as->as_conn, SASL_SSF_EXTERNAL,
		    &ssf)) != SASL_OK) {
			spd_err_set(err, "external SSF: %s",
			    sasl_errdetail(as->as_conn));
			goto fail;
		}
	}
	/* Without TLS the mechanism must protect the session itself; over
	 * TLS a second layer would only cost, so none is negotiated. */
	memset(&sec, 0, sizeof(sec));
	sec.min_ssf = ext_ssf > 0 ? 0 : AUTH_SASL_MIN_SSF;
	sec.max_ssf = ext_ssf > 0 ? 0 : 100000;
	sec.maxbufsize = AUTH_SASL_MAXBUFSIZE;
	sec.security_flags = ext_ssf > 0 ? 0 :
	    SASL_SEC_NOANONYMOUS | SASL_SEC_NOPLAINTEXT;
	if ((rc = sasl_setprop(as->as_conn, SASL_SEC_PROPS, &sec)) !=
	    SASL_OK) {
		spd_err_set(err, "security properties: %s",
		    sasl_errdetail(as->as_conn));
		goto fail;
	}
	if ((rc = sasl_listmech(as->as_conn, NULL, ",", ",", ",", &list,
	    &len, &count)) != SASL_OK) {
		spd_err_set(err, "no mechanism available%s: %s",
		    ext_ssf > 0 ? "" : " with a security layer (SSF >= 56)",
		    sasl_errdetail(as->as_conn));
		goto fail;
	}
	if (auth_sasl_filter(as, list, err) != 0)
		goto fail;
	log_debug("sasl: offering %s", as->as_mechlist);
	obuf_put_u32le(out, (uint32_t)strlen(as->as_mechlist));
	obuf_put_bytes(out, as->as_mechlist, strlen(as->as_mechlist));
	auth_sasl_frame_init(&as->as_frame, AUTH_SASL_FRAME_START,
	    as->as_data);
	return as;

 fail:
	auth_sasl_free(as);
	return NULL;
}

void
auth_sasl_want(struct auth_sasl *as, uint8_t **buf, size_t *n)
{
	auth_sasl_frame_want(&as->as_frame, buf, n);
}

/* The refusal: a finished exchange, then the failure word. */
static int
auth_sasl_refuse(struct obuf *out)
{
	obuf_reset(out);
	obuf_put_u32le(out, 0);
	obuf_put_u8(out, 1);
	obuf_put_u32le(out, 1);
	obuf_put_u32le(out, sizeof(AUTH_SASL_FAILED));
	obuf_put_bytes(out, AUTH_SASL_FAILED, sizeof(AUTH_SASL_FAILED));
	return AUTH_SASL_FAIL;
}

/* A start/step reply: data (NUL-terminated on the wire) and complete. */
static int
auth_sasl_reply(struct obuf *out, const char *data, unsigned len,
    int complete, struct spd_err *err)
{
	if (data != NULL && len > AUTH_SASL_DATA_MAX) {
		spd_err_set(err, "server data of %u bytes", len);
		return -1;
	}
	if (data == NULL)
		obuf_put_u32le(out, 0);
	else {
		obuf_put_u32le(out, len + 1);
		obuf_put_bytes(out, data, len);
		obuf_put_u8(out, 0);
	}
	obuf_put_u8(out, (uint8_t)complete);
	return 0;
}

/* The exchange finished on our side: check what it established. */
static int
auth_sasl_finished(struct auth_sasl *as, struct spd_err *err)
{
	const void *v;

	if (sasl_getprop(as->as_conn, SASL_SSF, &v) != SASL_OK) {
		spd_err_set(err, "cannot read the SSF");
		return -1;
	}
	as->as_ssf = *(const sasl_ssf_t *)v;
	if (as->as_ext_ssf == 0 && as->as_ssf < AUTH_SASL_MIN_SSF) {
		spd_err_set(err, "security layer SSF %u below %d without TLS",
		    as->as_ssf, AUTH_SASL_MIN_SSF);
		return -1;
	}
	if (sasl_getprop(as->as_conn, SASL_USERNAME, &v) != SASL_OK ||
	    v == NULL) {
		spd_err_set(err, "no user name after authentication");
		return -1;
	}
	snprintf(as->as_user, sizeof(as->as_user), "%s", (const char *)v);
	as->as_layer = as->as_ssf > 0 && as->as_ext_ssf == 0;
	as->as_maxout = 4096;
	if (as->as_layer && sasl_getprop(as->as_conn, SASL_MAXOUTBUF, &v) ==
	    SASL_OK && *(const unsigned *)v > 0)
		as->as_maxout = *(const unsigned *)v;
	return 0;
}

int
auth_sasl_input(struct auth_sasl *as, struct obuf *out, struct spd_err *err)
{
	const char *in, *sout = NULL;
	unsigned inlen, soutlen = 0;
	int rc, start;

	rc = auth_sasl_frame_got(&as->as_frame, as->as_mechlist, err);
	if (rc < 0)
		return auth_sasl_refuse(out);
	if (rc == AUTH_SASL_FRAME_MORE)
		return AUTH_SASL_MORE;
	in = auth_sasl_frame_data(&as->as_frame, &inlen);
	start = as->as_frame.af_kind == AUTH_SASL_FRAME_START;
	if (start) {
		memcpy(as->as_mech, as->as_frame.af_mech, sizeof(as->as_mech));
		rc = sasl_server_start(as->as_conn, as->as_mech, in, inlen,
		    &sout, &soutlen);
	} else if (++as->as_steps > as->as_pol->asp_max_steps) {
		explicit_bzero(as->as_data, as->as_frame.af_datalen);
		spd_err_set(err, "%s: step %u exceeds sasl-max-steps %u",
		    as->as_mech, as->as_steps, as->as_pol->asp_max_steps);
		return auth_sasl_refuse(out);
	} else
		rc = sasl_server_step(as->as_conn, in, inlen, &sout,
		    &soutlen);
	/* Client data may hold a password (PLAIN over TLS): gone now. */
	explicit_bzero(as->as_data, as->as_frame.af_datalen);
	if (rc != SASL_OK && rc != SASL_CONTINUE) {
		spd_err_set(err, "%s %s: %s", as->as_mech,
		    start ? "start" : "step", sasl_errdetail(as->as_conn));
		return auth_sasl_refuse(out);
	}
	obuf_reset(out);
	if (rc == SASL_CONTINUE) {
		if (auth_sasl_reply(out, sout, soutlen, 0, err) != 0)
			return auth_sasl_refuse(out);
		auth_sasl_frame_init(&as->as_frame, AUTH_SASL_FRAME_STEP,
		    as->as_data);
		return AUTH_SASL_REPLY;
	}
	if (auth_sasl_finished(as, err) != 0 ||
	    auth_sasl_reply(out, sout, soutlen, 1, err) != 0)
		return auth_sasl_refuse(out);
	return AUTH_SASL_OK;
}

int
auth_sasl_result(struct auth_sasl *as, uint32_t link_result,
    struct obuf *out, struct spd_err *err)
{
	uint8_t w[4];
	struct obuf tmp;

	obuf_put_u32le(out, 0);
	if (!as->as_layer) {
		obuf_put_u32le(out, link_result);
		return out->ob_failed ? spd_err_set(err, "out of memory") : 0;
	}
	obuf_init(&tmp);
	obuf_put_u32le(&tmp, link_result);
	memcpy(w, tmp.ob_data, sizeof(w));
	obuf_free(&tmp);
	return auth_sasl_layer_encode(as, w, sizeof(w), out, err);
}

const char *
auth_sasl_username(const struct auth_sasl *as)
{
	return as->as_user;
}

const char *
auth_sasl_mech(const struct auth_sasl *as)
{
	return as->as_mech;
}

unsigned
auth_sasl_ssf(const struct auth_sasl *as)
{
	return as->as_ssf;
}

int
auth_sasl_has_layer(const struct auth_sasl *as)
{
	return as != NULL && as->as_layer;
}

/* Feed n bytes through sasl_encode or sasl_decode (same signature) in
 * pieces of at most chunk_max bytes, appending what comes out to out. */
static int
auth_sasl_layer_run(struct auth_sasl *as, int (*fn)(sasl_conn_t *,
    const char *, unsigned, const char **, unsigned *), const char *name,
    size_t chunk_max, const void *in, size_t n, struct obuf *out,
    struct spd_err *err)
{
	const char *p = in, *o;
	unsigned olen;
	size_t chunk;

	while (n > 0) {
		chunk = n < chunk_max ? n : chunk_max;
		if (fn(as->as_conn, p, (unsigned)chunk, &o, &olen) != SASL_OK)
			return spd_err_set(err, "%s: %s", name,
			    sasl_errdetail(as->as_conn));
		if (olen > 0)
			obuf_put_bytes(out, o, olen);
		p += chunk;
		n -= chunk;
	}
	return out->ob_failed ? spd_err_set(err, "out of memory") : 0;
}

int
auth_sasl_layer_encode(struct auth_sasl *as, const void *in, size_t n,
    struct obuf *out, struct spd_err *err)
{
	/* sasl_encode takes at most SASL_MAXOUTBUF bytes per call. */
	return auth_sasl_layer_run(as, sasl_encode, "sasl_encode",
	    as->as_maxout, in, n, out, err);
}

int
auth_sasl_layer_decode(struct auth_sasl *as, const void *in, size_t n,
    struct obuf *out, struct spd_err *err)
{
	/* The mechanism keeps a partial packet between calls. */
	return auth_sasl_layer_run(as, sasl_decode, "sasl_decode",
	    AUTH_SASL_MAXBUFSIZE, in, n, out, err);
}

void
auth_sasl_free(struct auth_sasl *as)
{
	if (as == NULL)
		return;
	if (as->as_conn != NULL)
		sasl_dispose(&as->as_conn);
	if (as->as_data != NULL) {
		explicit_bzero(as->as_data, AUTH_SASL_DATA_MAX);
		free(as->as_data);
	}
	obuf_free(&as->as_dec);
	obuf_free(&as->as_enc);
	explicit_bzero(as, sizeof(*as));
	free(as);
}

/* --- the relay ----------------------------------------------------------
 *
 * The layer as relay.c drives it (struct relay_layer_ops) in the forked
 * relay process, where this struct auth_sasl and its cyrus context live
 * on in the copy of the supervisor's memory.  read: raw bytes from the
 * client, decoded, handed out from as_dec; write: at most one
 * SASL_MAXOUTBUF chunk encoded into as_enc and sent; a write that could
 * not finish sending is retried by the relay with the same bytes, and
 * then only the rest of as_enc goes out.
 */

static ssize_t
auth_sasl_relay_read(void *ctx, void *buf, size_t n, short *want)
{
	struct auth_sasl *as = ctx;
	uint8_t raw[AUTH_SASL_RELAY_BUF];
	struct spd_err err;
	size_t k;
	ssize_t r;

	while (as->as_decoff == as->as_dec.ob_len) {
		obuf_reset(&as->as_dec);
		as->as_decoff = 0;
		r = recv(as->as_fd, raw, sizeof(raw), MSG_DONTWAIT);
		if (r == 0)
			return 0;
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR) {
				*want = POLLIN;
				errno = EAGAIN;
			}
			return -1;
		}
		if (auth_sasl_layer_decode(as, raw, (size_t)r, &as->as_dec,
		    &err) != 0) {
			log_warn("sasl layer: %s", err.msg);
			errno = EPROTO;
			return -1;
		}
	}
	k = as->as_dec.ob_len - as->as_decoff;
	if (k > n)
		k = n;
	memcpy(buf, as->as_dec.ob_data + as->as_decoff, k);
	as->as_decoff += k;
	return (ssize_t)k;
}

static ssize_t
auth_sasl_relay_write(void *ctx, const void *buf, size_t n, short *want)
{
	struct auth_sasl *as = ctx;
	struct spd_err err;
	ssize_t r;

	if (as->as_enc.ob_len == 0) {
		as->as_encin = n < as->as_maxout ? n : as->as_maxout;
		as->as_encoff = 0;
		if (auth_sasl_layer_encode(as, buf, as->as_encin, &as->as_enc,
		    &err) != 0) {
			log_warn("sasl layer: %s", err.msg);
			errno = EPROTO;
			return -1;
		}
	}
	while (as->as_encoff < as->as_enc.ob_len) {
		r = send(as->as_fd, as->as_enc.ob_data + as->as_encoff,
		    as->as_enc.ob_len - as->as_encoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR) {
				*want = POLLOUT;
				errno = EAGAIN;
			}
			return -1;
		}
		as->as_encoff += (size_t)r;
	}
	obuf_reset(&as->as_enc);
	return (ssize_t)as->as_encin;
}

static int
auth_sasl_relay_pending(void *ctx)
{
	struct auth_sasl *as = ctx;

	return as->as_decoff < as->as_dec.ob_len;
}

static void
auth_sasl_relay_close(void *ctx)
{
	/* SASL layers have no close message. */
}

static const struct relay_layer_ops auth_sasl_relay_ops = {
	.rlo_name = "sasl",
	.rlo_read = auth_sasl_relay_read,
	.rlo_write = auth_sasl_relay_write,
	.rlo_pending = auth_sasl_relay_pending,
	.rlo_close = auth_sasl_relay_close,
};

int
auth_sasl_relay_spawn(struct auth_sasl *as, int client_fd, const char *peer,
    int *worker_fd, struct spd_err *err)
{
	if (!as->as_layer)
		return spd_err_set(err, "no SASL security layer to relay");
	if (as->as_pol->asp_relay == NULL)
		return spd_err_set(err, "no relay settings for the SASL layer");
	as->as_fd = client_fd;
	return relay_spawn(&auth_sasl_relay_ops, as, client_fd, peer,
	    as->as_pol->asp_relay, worker_fd, err);
}
