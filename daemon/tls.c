/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tls: per-display OpenSSL contexts, the TLS layer of the link, and the
 * hand-over to kTLS or a relay; contracts in tls.h.
 *
 * kTLS: OpenSSL 3 does the key plumbing itself when SSL_OP_ENABLE_KTLS is
 * set (Debian builds it with kTLS): at each key change it tries
 * setsockopt(TCP_ULP, "tls") and TLS_TX/TLS_RX with the negotiated keys
 * and sequence numbers, and quietly stays in user space where the kernel
 * or the cipher does not allow it.  That is simpler and less error-prone
 * than deriving the crypto info from key logs ourselves; the price is
 * that OpenSSL 3.0 offloads the receive side only for TLS 1.2, so a
 * TLS 1.3 session still goes through a relay.  Before handing a kTLS
 * socket over we check that OpenSSL holds no decoded or undecoded input
 * (it would be lost to the worker).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "tls.h"

struct tls_server {
	SSL_CTX			*ts_ctx;
	struct relay_conf	 ts_relay;
	char			 ts_display[CONF_NAME_LEN];
	int			 ts_ktls;	/* tls-ktls = yes */
};

/* One TLS connection while it is in the link (the layer's ll_ctx). */
struct tls_conn {
	SSL			*tc_ssl;
	struct tls_server	*tc_server;
	char			 tc_peer[IPC_ADDR_LEN];
};

/* The most specific OpenSSL reason queued, or a fallback. */
static const char *
tls_err_reason(char *buf, size_t len, const char *fallback)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0) {
		snprintf(buf, len, "%s", fallback);
		return buf;
	}
	ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

/* A file the supervisor must be able to read; fopen first so the message
 * carries errno, which OpenSSL's own loaders do not make plain. */
static int
tls_check_readable(const char *key, const char *path, struct spd_err *err)
{
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return spd_err_errno(err, "%s %s: cannot read", key, path);
	fclose(f);
	return 0;
}

static int
tls_server_load(struct tls_server *ts, const struct conf_display *cd,
    struct spd_err *err)
{
	STACK_OF(X509_NAME) *names;
	SSL_CTX *ctx = ts->ts_ctx;
	char why[256];
	uint64_t opts;

	if (tls_check_readable("tls-cert", cd->cd_tls_cert, err) != 0 ||
	    tls_check_readable("tls-key", cd->cd_tls_key, err) != 0 ||
	    (cd->cd_tls_ca[0] != '\0' &&
	    tls_check_readable("tls-ca", cd->cd_tls_ca, err) != 0))
		return -1;
	if (SSL_CTX_use_certificate_chain_file(ctx, cd->cd_tls_cert) != 1)
		return spd_err_set(err, "tls-cert %s: not a PEM certificate "
		    "chain (%s)", cd->cd_tls_cert,
		    tls_err_reason(why, sizeof(why), "?"));
	if (SSL_CTX_use_PrivateKey_file(ctx, cd->cd_tls_key,
	    SSL_FILETYPE_PEM) != 1)
		return spd_err_set(err, "tls-key %s: cannot load the key, or "
		    "it does not match tls-cert %s (%s)", cd->cd_tls_key,
		    cd->cd_tls_cert, tls_err_reason(why, sizeof(why), "?"));
	if (SSL_CTX_check_private_key(ctx) != 1)
		return spd_err_set(err, "tls-key %s does not match tls-cert "
		    "%s", cd->cd_tls_key, cd->cd_tls_cert);
	if (cd->cd_tls_ca[0] != '\0') {
		if (SSL_CTX_load_verify_locations(ctx, cd->cd_tls_ca,
		    NULL) != 1 ||
		    (names = SSL_load_client_CA_file(cd->cd_tls_ca)) == NULL)
			return spd_err_set(err, "tls-ca %s: no PEM CA "
			    "certificate in it (%s)", cd->cd_tls_ca,
			    tls_err_reason(why, sizeof(why), "?"));
		SSL_CTX_set_client_CA_list(ctx, names);
		/* With a CA, a client certificate is checked when offered,
		 * and required only if so configured. */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    (cd->cd_tls_require_client_cert ?
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	}
	if (cd->cd_tls_ciphers[0] != '\0' &&
	    SSL_CTX_set_cipher_list(ctx, cd->cd_tls_ciphers) != 1)
		return spd_err_set(err, "tls-ciphers \"%s\": no usable cipher "
		    "(%s)", cd->cd_tls_ciphers,
		    tls_err_reason(why, sizeof(why), "?"));
	if (cd->cd_tls_ciphersuites[0] != '\0' &&
	    SSL_CTX_set_ciphersuites(ctx, cd->cd_tls_ciphersuites) != 1)
		return spd_err_set(err, "tls-ciphersuites \"%s\": not a TLS "
		    "1.3 suite list (%s)", cd->cd_tls_ciphersuites,
		    tls_err_reason(why, sizeof(why), "?"));
	if (SSL_CTX_set_min_proto_version(ctx, cd->cd_tls_min_version == 13 ?
	    TLS1_3_VERSION : TLS1_2_VERSION) != 1)
		return spd_err_set(err, "cannot set the minimum TLS version");

	/* No renegotiation (its DoS and injection history), no
	 * compression (CRIME), no resumption state to keep: each channel
	 * is one short handshake.  An EOF without close_notify ends a
	 * stream like close_notify: clients routinely just close. */
	opts = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_IGNORE_UNEXPECTED_EOF;
	if (ts->ts_ktls)
		opts |= SSL_OP_ENABLE_KTLS;
	SSL_CTX_set_options(ctx, opts);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_dh_auto(ctx, 1);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return 0;
}

struct tls_server *
tls_server_new(const struct conf_display *cd, const struct relay_conf *rc,
    struct spd_err *err)
{
	struct tls_server *ts;

	if ((ts = calloc(1, sizeof(*ts))) == NULL)
		return spd_err_set(err, "out of memory"), NULL;
	snprintf(ts->ts_display, sizeof(ts->ts_display), "%s", cd->cd_name);
	ts->ts_relay = *rc;
	ts->ts_ktls = cd->cd_tls_ktls;
	if ((ts->ts_ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		free(ts);
		return spd_err_set(err, "display \"%s\": cannot create a TLS "
		    "context", cd->cd_name), NULL;
	}
	if (tls_server_load(ts, cd, err) != 0) {
		spd_err_prefix(err, "display \"%s\"", cd->cd_name);
		tls_server_free(ts);
		return NULL;
	}
	return ts;
}

void
tls_server_free(struct tls_server *ts)
{
	if (ts == NULL)
		return;
	SSL_CTX_free(ts->ts_ctx);
	free(ts);
}

int
tls_ktls_available(void)
{
	static int known = -1;
	int fd;

	if (known != -1)
		return known;
	known = 0;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return known;
	/* The ULP is looked up (and its module loaded) before the socket's
	 * state is checked: a socket that is not connected gets ENOTCONN
	 * from a kernel that has it, ENOENT from one that has not. */
	known = setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", 3) == 0 ||
	    errno != ENOENT;
	close(fd);
	return known;
}

/*
 * Map an SSL_read/SSL_write/SSL_accept result to the read(2)-like
 * contract of the layers: n > 0 as is; the end of the stream as 0; a
 * retry as -1/EAGAIN with *want the poll direction; anything else -1 with
 * errno EPROTO (or the socket's errno).
 */
static ssize_t
tls_result(SSL *ssl, int r, short *want)
{
	int e;

	if (r > 0)
		return r;
	e = SSL_get_error(ssl, r);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want = POLLIN;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		*want = POLLOUT;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == 0 || errno == EAGAIN)
			errno = ECONNRESET;
		return -1;
	default:
		errno = EPROTO;
		return -1;
	}
}

/* --- the link layer ----------------------------------------------------- */

static int
tls_link_handshake(struct link_layer *l, struct spd_err *err)
{
	struct tls_conn *tc = l->ll_ctx;
	char why[256], subj[256];
	X509 *cert;
	short want = 0;
	long vr;
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_accept(tc->tc_ssl);
	if (r == 1) {
		subj[0] = '\0';
		if ((cert = SSL_get0_peer_certificate(tc->tc_ssl)) != NULL)
			X509_NAME_oneline(X509_get_subject_name(cert), subj,
			    sizeof(subj));
		log_debug("display \"%s\": TLS from %s: %s, %s (%d bits)%s%s",
		    tc->tc_server->ts_display, tc->tc_peer,
		    SSL_get_version(tc->tc_ssl),
		    SSL_get_cipher_name(tc->tc_ssl),
		    SSL_get_cipher_bits(tc->tc_ssl, NULL),
		    subj[0] != '\0' ? ", client " : "", subj);
		return LINK_LAYER_DONE;
	}
	if (tls_result(tc->tc_ssl, r, &want) == -1 && errno == EAGAIN)
		return want == POLLOUT ? LINK_LAYER_WANT_WRITE :
		    LINK_LAYER_WANT_READ;
	if ((vr = SSL_get_verify_result(tc->tc_ssl)) != X509_V_OK)
		return spd_err_set(err, "TLS handshake: client certificate "
		    "refused: %s", X509_verify_cert_error_string(vr));
	if (ERR_peek_last_error() == 0)
		return spd_err_set(err, "TLS handshake: peer closed or reset "
		    "the connection");
	return spd_err_set(err, "TLS handshake: %s",
	    tls_err_reason(why, sizeof(why), "failed"));
}

static ssize_t
tls_link_read(struct link_layer *l, void *buf, size_t n)
{
	struct tls_conn *tc = l->ll_ctx;
	short want;

	ERR_clear_error();
	errno = 0;
	return tls_result(tc->tc_ssl, SSL_read(tc->tc_ssl, buf,
	    n > INT_MAX ? INT_MAX : (int)n), &want);
}

static ssize_t
tls_link_write(struct link_layer *l, const void *buf, size_t n)
{
	struct tls_conn *tc = l->ll_ctx;
	short want;

	ERR_clear_error();
	errno = 0;
	return tls_result(tc->tc_ssl, SSL_write(tc->tc_ssl, buf,
	    n > INT_MAX ? INT_MAX : (int)n), &want);
}

static int
tls_link_pending(struct link_layer *l)
{
	struct tls_conn *tc = l->ll_ctx;

	return SSL_pending(tc->tc_ssl) > 0;
}

/* The negotiated cipher's secret bits (0 before the handshake). */
static unsigned
tls_link_ssf(const struct link_layer *l)
{
	const struct tls_conn *tc = l->ll_ctx;
	int bits;

	bits = SSL_get_cipher_bits(tc->tc_ssl, NULL);
	return bits > 0 ? (unsigned)bits : 0;
}

/* --- the relay layer (runs in the relay process) ------------------------ */

static ssize_t
tls_relay_read(void *ctx, void *buf, size_t n, short *want)
{
	SSL *ssl = ctx;

	ERR_clear_error();
	errno = 0;
	return tls_result(ssl, SSL_read(ssl, buf,
	    n > INT_MAX ? INT_MAX : (int)n), want);
}

static ssize_t
tls_relay_write(void *ctx, const void *buf, size_t n, short *want)
{
	SSL *ssl = ctx;

	ERR_clear_error();
	errno = 0;
	return tls_result(ssl, SSL_write(ssl, buf,
	    n > INT_MAX ? INT_MAX : (int)n), want);
}

static int
tls_relay_pending(void *ctx)
{
	return SSL_pending((SSL *)ctx) > 0;
}

static void
tls_relay_close(void *ctx)
{
	/* One non-blocking attempt at close_notify; the socket closes
	 * with the process either way. */
	ERR_clear_error();
	(void)SSL_shutdown((SSL *)ctx);
}

static const struct relay_layer_ops tls_relay_ops = {
	.rlo_name = "TLS",
	.rlo_read = tls_relay_read,
	.rlo_write = tls_relay_write,
	.rlo_pending = tls_relay_pending,
	.rlo_close = tls_relay_close,
};

static int
tls_link_handoff(struct link_layer *l, int *fd, uint8_t *transport,
    struct spd_err *err)
{
	struct tls_conn *tc = l->ll_ctx;
	SSL *ssl = tc->tc_ssl;
	int wfd;

	/* The relay (or a kTLS worker) holds this session for as long as
	 * the channel lives: renegotiation stays refused there, whatever
	 * the context says.  A refused ClientHello gets a no_renegotiation
	 * warning alert; OpenSSL clients then end the connection. */
	SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
	SSL_clear_options(ssl, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	if (BIO_get_ktls_send(SSL_get_wbio(ssl)) &&
	    BIO_get_ktls_recv(SSL_get_rbio(ssl)) && !SSL_has_pending(ssl)) {
		*transport = IPC_TRANSPORT_KTLS;
		return 0;
	}
	if (relay_spawn(&tls_relay_ops, ssl, *fd, tc->tc_peer,
	    &tc->tc_server->ts_relay, &wfd, err) != 0)
		return -1;
	*fd = wfd;
	*transport = IPC_TRANSPORT_RELAYED;
	return 0;
}

static void
tls_link_free(struct link_layer *l)
{
	struct tls_conn *tc = l->ll_ctx;

	if (tc == NULL)
		return;
	/* SSL_free never writes to the socket: a relay or a kTLS worker
	 * may own the session now. */
	SSL_free(tc->tc_ssl);
	free(tc);
	l->ll_ctx = NULL;
}

static const char *
tls_link_server_name(const struct link_layer *l)
{
	const struct tls_conn *tc = l->ll_ctx;

	return SSL_get_servername(tc->tc_ssl, TLSEXT_NAMETYPE_host_name);
}

static const struct link_layer_ops tls_link_ops = {
	.llo_name = "tls",
	.llo_secure = 1,
	.llo_handshake = tls_link_handshake,
	.llo_read = tls_link_read,
	.llo_write = tls_link_write,
	.llo_pending = tls_link_pending,
	.llo_handoff = tls_link_handoff,
	.llo_free = tls_link_free,
	.llo_ssf = tls_link_ssf,
	.llo_server_name = tls_link_server_name,
};

struct link_conn *
tls_link_start(struct tls_server *ts, struct event_base *base, int fd,
    const char *peer, const struct link_policy *policy, link_admit_cb admit,
    link_handoff_cb handoff, void *arg)
{
	struct tls_conn *tc;

	if ((tc = calloc(1, sizeof(*tc))) == NULL ||
	    (tc->tc_ssl = SSL_new(ts->ts_ctx)) == NULL ||
	    SSL_set_fd(tc->tc_ssl, fd) != 1) {
		log_warn("display \"%s\": TLS link from %s refused: cannot "
		    "set up a TLS session", ts->ts_display, peer);
		if (tc != NULL)
			SSL_free(tc->tc_ssl);
		free(tc);
		close(fd);
		return NULL;
	}
	tc->tc_server = ts;
	snprintf(tc->tc_peer, sizeof(tc->tc_peer), "%s", peer);
	SSL_set_accept_state(tc->tc_ssl);
	return link_start_layer(base, fd, peer, policy, &tls_link_ops, tc,
	    admit, handoff, arg);
}

int
tls_cert_identity(const char *cert_path, char *subject, size_t subject_len,
    char *ca, size_t ca_len, struct spd_err *err)
{
	X509 *first = NULL, *last = NULL, *x;
	BIO *in, *out = NULL;
	char *mem;
	long n;
	int rc = -1, count = 0;

	if ((in = BIO_new_file(cert_path, "r")) == NULL)
		return spd_err_set(err, "%s: cannot open", cert_path);
	/* A chain file is read whole each time: small, and rare. */
	while (count < 16 && (x = PEM_read_bio_X509(in, NULL, NULL, NULL)) !=
	    NULL) {
		if (first == NULL)
			first = x;
		else {
			X509_free(last);
			last = x;
		}
		count++;
	}
	ERR_clear_error();
	if (first == NULL) {
		spd_err_set(err, "%s: no certificate", cert_path);
		goto out;
	}
	if ((out = BIO_new(BIO_s_mem())) == NULL ||
	    X509_NAME_print_ex(out, X509_get_subject_name(first), 0,
	    XN_FLAG_SEP_COMMA_PLUS | XN_FLAG_FN_SN | ASN1_STRFLGS_ESC_2253 |
	    ASN1_STRFLGS_ESC_CTRL | ASN1_STRFLGS_UTF8_CONVERT) < 0) {
		spd_err_set(err, "%s: cannot print the subject", cert_path);
		goto out;
	}
	n = BIO_get_mem_data(out, &mem);
	if (n < 0 || (size_t)n >= subject_len) {
		spd_err_set(err, "%s: subject longer than %zu bytes",
		    cert_path, subject_len - 1);
		goto out;
	}
	memcpy(subject, mem, (size_t)n);
	subject[n] = '\0';
	/* The CA: the chain's last certificate, or a self-signed leaf. */
	x = last != NULL ? last : first;
	ca[0] = '\0';
	if (last == NULL && X509_NAME_cmp(X509_get_subject_name(first),
	    X509_get_issuer_name(first)) != 0) {
		rc = 0;
		goto out;
	}
	BIO_free(out);
	if ((out = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(out, x) != 1) {
		spd_err_set(err, "%s: cannot write the CA", cert_path);
		goto out;
	}
	n = BIO_get_mem_data(out, &mem);
	if (n < 0 || (size_t)n >= ca_len) {
		spd_err_set(err, "%s: CA certificate longer than %zu bytes",
		    cert_path, ca_len - 1);
		goto out;
	}
	memcpy(ca, mem, (size_t)n);
	ca[n] = '\0';
	rc = 0;
out:
	BIO_free(out);
	BIO_free(in);
	X509_free(first);
	X509_free(last);
	return rc;
}
