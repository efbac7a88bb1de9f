/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth-ticket: RSA key pool and SPICE ticket check; contracts in
 * auth-ticket.h.
 *
 * Facts used (SPICE-NOTES 1.4, 1.6): the server sends an RSA-1024 public
 * key as 162 bytes of DER SubjectPublicKeyInfo; the client encrypts its
 * password and a NUL with RSA-OAEP (SHA-1, MGF1-SHA-1, no label) and sends
 * the 128-byte ciphertext.  A fresh key per link, as the reference server
 * does, means a ticket seen on the wire cannot be replayed on another link.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth-ticket.h"
#include "log.h"
#include "rsa-keygen.h"

/* Compare this many bytes: the longest password plus one, so a client
 * string longer than any configured password differs in the last byte. */
#define AUTH_TICKET_CMP_LEN	(AUTH_TICKET_PASSWORD_MAX + 1)
/* After a failed key generation, wait before trying again rather than
 * spinning the loop on a broken crypto library. */
#define AUTH_KEYPOOL_RETRY_SEC	1

struct auth_key {
	EVP_PKEY	*ak_pkey;
	unsigned	 ak_refs;	/* links (and the pool) holding it */
	uint8_t		 ak_pub[SPICE_LINK_PUBKEY_LEN];
};

struct auth_keypool {
	struct event	*kp_refill;
	struct auth_key	*kp_keys[AUTH_KEYPOOL_MAX];
	unsigned int	 kp_nkeys;
	unsigned int	 kp_size;
	unsigned int	 kp_nwaiting;
	TAILQ_HEAD(, auth_key_waiter) kp_waiters;
	/* A helper that makes keys off the loop, or NULL: keys are then
	 * made here, one per loop turn. */
	auth_keysrc_want_cb kp_src;
	void		*kp_src_arg;
	unsigned int	 kp_requested;	/* asked of kp_src, not yet in */
	/* The key TLS links share (AUTH_SHARED_*), or NULL. */
	struct auth_key	*kp_shared;
	unsigned int	 kp_shared_uses;
	time_t		 kp_shared_born;
};

struct auth_ticket {
	/* Zero-padded to the full length so the comparison always covers
	 * AUTH_TICKET_CMP_LEN bytes. */
	uint8_t		 at_password[AUTH_TICKET_CMP_LEN];
	int		 at_has_password;
	int		 at_disabled;
	time_t		 at_expires;	/* wall clock; 0 = never */
};

/* Wrap a key pair (taken over) with its public key in wire form. */
static struct auth_key *
auth_key_wrap(EVP_PKEY *pkey, struct spd_err *err)
{
	struct auth_key *key;
	uint8_t *p;
	int len;

	/* The wire field has a fixed size: a key whose encoding differs
	 * (another exponent) cannot be sent. */
	if ((len = i2d_PUBKEY(pkey, NULL)) != SPICE_LINK_PUBKEY_LEN) {
		EVP_PKEY_free(pkey);
		spd_err_set(err, "public key encodes to %d bytes, need %d", len,
		    SPICE_LINK_PUBKEY_LEN);
		return NULL;
	}
	if ((key = calloc(1, sizeof(*key))) == NULL) {
		EVP_PKEY_free(pkey);
		spd_err_set(err, "out of memory");
		return NULL;
	}
	p = key->ak_pub;
	if (i2d_PUBKEY(pkey, &p) != SPICE_LINK_PUBKEY_LEN) {
		EVP_PKEY_free(pkey);
		free(key);
		spd_err_set(err, "public key encoding failed");
		ERR_clear_error();
		return NULL;
	}
	key->ak_pkey = pkey;
	key->ak_refs = 1;
	return key;
}

static struct auth_key *
auth_key_generate(struct spd_err *err)
{
	EVP_PKEY *pkey;

	if ((pkey = rsa_keygen_new(err)) == NULL)
		return NULL;
	return auth_key_wrap(pkey, err);
}

void
auth_key_free(struct auth_key *key)
{
	if (key == NULL || --key->ak_refs > 0)
		return;
	EVP_PKEY_free(key->ak_pkey);
	free(key);
}

const uint8_t *
auth_key_pubkey(const struct auth_key *key)
{
	return key->ak_pub;
}

/* Keys still to come before the pool is full and no link waits. */
static unsigned int
auth_keypool_deficit(const struct auth_keypool *kp)
{
	unsigned int want = kp->kp_size + kp->kp_nwaiting, have;

	have = kp->kp_nkeys + (kp->kp_src != NULL ? kp->kp_requested : 0);
	return want > have ? want - have : 0;
}

static void
auth_keypool_schedule(struct auth_keypool *kp, int delay_sec)
{
	struct timeval tv = { delay_sec, 0 };

	if (auth_keypool_deficit(kp) == 0)
		return;
	/* A zero timeout fires on the next loop turn, after pending I/O,
	 * so generation is interleaved with serving other connections. */
	if (!evtimer_pending(kp->kp_refill, NULL))
		evtimer_add(kp->kp_refill, &tv);
}

/* A new key: to the first waiter, else into the pool, else away. */
static void
auth_keypool_put(struct auth_keypool *kp, struct auth_key *key)
{
	struct auth_key_waiter *w;

	if ((w = TAILQ_FIRST(&kp->kp_waiters)) != NULL) {
		TAILQ_REMOVE(&kp->kp_waiters, w, kw_entry);
		w->kw_queued = 0;
		kp->kp_nwaiting--;
		/* Reschedule first: the callback may queue or take again. */
		auth_keypool_schedule(kp, 0);
		w->kw_cb(key, w->kw_arg);
		return;
	}
	if (kp->kp_nkeys < kp->kp_size)
		kp->kp_keys[kp->kp_nkeys++] = key;
	else
		auth_key_free(key);
	auth_keypool_schedule(kp, 0);
}

/* With a source: ask it for what is missing.  Without: one key per
 * call, so a burst of links costs at most one generation per loop turn,
 * and the number of keys made is bounded by the pool size plus the
 * links waiting (which the link layer caps). */
static void
auth_keypool_refill(evutil_socket_t fd, short events, void *arg)
{
	struct auth_keypool *kp = arg;
	struct auth_key *key;
	struct spd_err err;
	unsigned int n;

	if (kp->kp_src != NULL) {
		if ((n = auth_keypool_deficit(kp)) > AUTH_KEYSRC_MAX_ASK)
			n = AUTH_KEYSRC_MAX_ASK;
		if (n == 0 || kp->kp_src(n, kp->kp_src_arg) == 0) {
			kp->kp_requested += n;
			return;
		}
		/* The source is gone: make keys here until a new one. */
		auth_keypool_set_source(kp, NULL, NULL);
	}
	if ((key = auth_key_generate(&err)) == NULL) {
		log_warn("key pool: %s; retrying in %d s", err.msg,
		    AUTH_KEYPOOL_RETRY_SEC);
		auth_keypool_schedule(kp, AUTH_KEYPOOL_RETRY_SEC);
		return;
	}
	auth_keypool_put(kp, key);
}

void
auth_keypool_set_source(struct auth_keypool *kp, auth_keysrc_want_cb want,
    void *arg)
{
	kp->kp_src = want;
	kp->kp_src_arg = arg;
	kp->kp_requested = 0;
	auth_keypool_schedule(kp, 0);
}

int
auth_keypool_add_der(struct auth_keypool *kp, const uint8_t *der,
    size_t len, struct spd_err *err)
{
	struct auth_key *key;
	EVP_PKEY *pkey;

	if (kp->kp_src == NULL || kp->kp_requested == 0)
		return spd_err_set(err, "a key nobody asked for");
	kp->kp_requested--;
	if ((pkey = rsa_keygen_from_der(der, len, err)) == NULL ||
	    (key = auth_key_wrap(pkey, err)) == NULL) {
		auth_keypool_schedule(kp, 0);
		return -1;
	}
	auth_keypool_put(kp, key);
	return 0;
}

struct auth_keypool *
auth_keypool_new(struct event_base *base, unsigned int size,
    struct spd_err *err)
{
	struct auth_keypool *kp;

	if (size == 0 || size > AUTH_KEYPOOL_MAX) {
		spd_err_set(err, "key pool size %u outside 1..%u", size,
		    AUTH_KEYPOOL_MAX);
		return NULL;
	}
	if ((kp = calloc(1, sizeof(*kp))) == NULL) {
		spd_err_set(err, "out of memory");
		return NULL;
	}
	kp->kp_size = size;
	TAILQ_INIT(&kp->kp_waiters);
	if ((kp->kp_refill = evtimer_new(base, auth_keypool_refill, kp)) ==
	    NULL) {
		free(kp);
		spd_err_set(err, "key pool: evtimer_new failed");
		return NULL;
	}
	auth_keypool_schedule(kp, 0);
	return kp;
}

void
auth_keypool_free(struct auth_keypool *kp)
{
	struct auth_key_waiter *w;

	if (kp == NULL)
		return;
	while ((w = TAILQ_FIRST(&kp->kp_waiters)) != NULL) {
		TAILQ_REMOVE(&kp->kp_waiters, w, kw_entry);
		w->kw_queued = 0;
	}
	while (kp->kp_nkeys > 0)
		auth_key_free(kp->kp_keys[--kp->kp_nkeys]);
	auth_key_free(kp->kp_shared);
	event_free(kp->kp_refill);
	free(kp);
}

struct auth_key *
auth_keypool_take_shared(struct auth_keypool *kp)
{
	time_t now = time(NULL);

	if (kp->kp_shared != NULL &&
	    (kp->kp_shared_uses >= AUTH_SHARED_MAX_USES ||
	    now - kp->kp_shared_born >= AUTH_SHARED_MAX_AGE)) {
		auth_key_free(kp->kp_shared);	/* links keep theirs */
		kp->kp_shared = NULL;
	}
	if (kp->kp_shared == NULL) {
		if (kp->kp_nkeys == 0)
			return NULL;
		kp->kp_shared = kp->kp_keys[--kp->kp_nkeys];
		kp->kp_keys[kp->kp_nkeys] = NULL;
		kp->kp_shared_uses = 0;
		kp->kp_shared_born = now;
		auth_keypool_schedule(kp, 0);
	}
	kp->kp_shared_uses++;
	kp->kp_shared->ak_refs++;
	return kp->kp_shared;
}

void
auth_keypool_share(struct auth_keypool *kp, struct auth_key *key)
{
	if (kp->kp_shared != NULL)
		return;
	kp->kp_shared = key;
	key->ak_refs++;
	kp->kp_shared_uses = 1;
	kp->kp_shared_born = time(NULL);
}

struct auth_key *
auth_keypool_take(struct auth_keypool *kp, struct auth_key_waiter *w,
    auth_key_ready_cb cb, void *arg)
{
	struct auth_key *key;

	if (kp->kp_nkeys > 0) {
		key = kp->kp_keys[--kp->kp_nkeys];
		kp->kp_keys[kp->kp_nkeys] = NULL;
		auth_keypool_schedule(kp, 0);
		return key;
	}
	w->kw_cb = cb;
	w->kw_arg = arg;
	w->kw_queued = 1;
	TAILQ_INSERT_TAIL(&kp->kp_waiters, w, kw_entry);
	kp->kp_nwaiting++;
	auth_keypool_schedule(kp, 0);
	return NULL;
}

void
auth_keypool_cancel(struct auth_keypool *kp, struct auth_key_waiter *w)
{
	if (!w->kw_queued)
		return;
	TAILQ_REMOVE(&kp->kp_waiters, w, kw_entry);
	w->kw_queued = 0;
	kp->kp_nwaiting--;
}

unsigned int
auth_keypool_ready(const struct auth_keypool *kp)
{
	return kp->kp_nkeys;
}

unsigned int
auth_keypool_waiting(const struct auth_keypool *kp)
{
	return kp->kp_nwaiting;
}

struct auth_ticket *
auth_ticket_new(void)
{
	return calloc(1, sizeof(struct auth_ticket));
}

void
auth_ticket_free(struct auth_ticket *at)
{
	if (at == NULL)
		return;
	OPENSSL_cleanse(at, sizeof(*at));
	free(at);
}

int
auth_ticket_set_password(struct auth_ticket *at, const char *password,
    struct spd_err *err)
{
	size_t len;

	if ((len = strnlen(password, AUTH_TICKET_PASSWORD_MAX + 1)) >
	    AUTH_TICKET_PASSWORD_MAX)
		return spd_err_set(err, "password longer than %d bytes",
		    AUTH_TICKET_PASSWORD_MAX);
	OPENSSL_cleanse(at->at_password, sizeof(at->at_password));
	memcpy(at->at_password, password, len);
	at->at_has_password = len > 0;
	return 0;
}

void
auth_ticket_password(const struct auth_ticket *at, char *out)
{
	/* Zero-padded, and never longer than AUTH_TICKET_PASSWORD_MAX. */
	memcpy(out, at->at_password, AUTH_TICKET_CMP_LEN);
	out[AUTH_TICKET_PASSWORD_MAX] = '\0';
}

void
auth_ticket_set_expiry(struct auth_ticket *at, time_t expires)
{
	at->at_expires = expires;
}

void
auth_ticket_set_disabled(struct auth_ticket *at, int disabled)
{
	at->at_disabled = disabled != 0;
}

int
auth_ticket_has_password(const struct auth_ticket *at)
{
	return at->at_has_password;
}

int
auth_ticket_disabled(const struct auth_ticket *at)
{
	return at->at_disabled;
}

time_t
auth_ticket_expiry(const struct auth_ticket *at)
{
	return at->at_expires;
}

/* Decrypt an OAEP-SHA1 ticket into out (outsize bytes); 0 and *outlen, or
 * -1 with err. */
static int
auth_ticket_decrypt(const struct auth_key *key, const uint8_t *ticket,
    uint8_t *out, size_t outsize, size_t *outlen, struct spd_err *err)
{
	EVP_PKEY_CTX *ctx;
	int rc = -1;

	*outlen = outsize;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->ak_pkey, NULL)) ==
	    NULL ||
	    EVP_PKEY_decrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) <= 0)
		spd_err_set(err, "cannot set up RSA-OAEP decryption");
	else if (EVP_PKEY_decrypt(ctx, out, outlen, ticket,
	    SPICE_LINK_TICKET_LEN) <= 0)
		spd_err_set(err, "ticket does not decrypt with this link's "
		    "key");
	else
		rc = 0;
	/* Leave no error behind for unrelated OpenSSL users (TLS). */
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

uint32_t
auth_ticket_check(const struct auth_ticket *at, const struct auth_key *key,
    const uint8_t ticket[SPICE_LINK_TICKET_LEN], struct spd_err *err)
{
	uint8_t plain[SPICE_LINK_TICKET_LEN], got[AUTH_TICKET_CMP_LEN];
	struct spd_err derr;
	size_t plainlen, n;
	const uint8_t *nul;
	int decrypted, match;

	if (at->at_disabled)
		return SPICE_LINK_ERR_OK;

	/* Decrypt and compare whatever the policy says, so that the time a
	 * refusal takes does not tell which check failed. */
	decrypted = auth_ticket_decrypt(key, ticket, plain, sizeof(plain),
	    &plainlen, &derr) == 0;
	if (ticket[SPICE_LINK_TICKET_LEN - 1] == 0) {
		/* spice-html5 writes the ciphertext without its leading zero
		 * bytes and pads at the end (1 ticket in 256): read it also
		 * as the number it meant. Both are tried whatever the first
		 * gave, so that the time taken depends on public bytes only. */
		uint8_t shifted[SPICE_LINK_TICKET_LEN];
		uint8_t plain2[SPICE_LINK_TICKET_LEN];
		size_t plainlen2;
		int decrypted2;

		shifted[0] = 0;
		memcpy(shifted + 1, ticket, SPICE_LINK_TICKET_LEN - 1);
		decrypted2 = auth_ticket_decrypt(key, shifted, plain2,
		    sizeof(plain2), &plainlen2, &derr) == 0;
		if (!decrypted && decrypted2) {
			memcpy(plain, plain2, plainlen2);
			plainlen = plainlen2;
			decrypted = 1;
		}
		OPENSSL_cleanse(plain2, sizeof(plain2));
	}
	nul = decrypted ? memchr(plain, '\0', plainlen) : NULL;
	memset(got, 0, sizeof(got));
	if (nul != NULL) {
		/* Position of the client's own NUL is not a secret. */
		n = (size_t)(nul - plain);
		memcpy(got, plain, n < sizeof(got) ? n : sizeof(got));
	}
	match = CRYPTO_memcmp(got, at->at_password, sizeof(got)) == 0;
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(got, sizeof(got));

	if (!at->at_has_password)
		spd_err_set(err, "no password set for ticketing");
	else if (at->at_expires != 0 && time(NULL) >= at->at_expires)
		spd_err_set(err, "ticket expired");
	else if (!decrypted)
		spd_err_set(err, "%s", derr.msg);
	else if (nul == NULL)
		spd_err_set(err, "ticket has no NUL terminator");
	else if (!match)
		spd_err_set(err, "wrong password");
	else
		return SPICE_LINK_ERR_OK;
	return SPICE_LINK_ERR_PERMISSION_DENIED;
}
