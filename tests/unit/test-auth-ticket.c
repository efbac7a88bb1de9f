/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-auth-ticket: key pool refill and waiting, and the ticket check. */
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <spice/enums.h>

#include "auth-ticket.h"
#include "log.h"
#include "rsa-keygen.h"
#include "test-helper.h"
#include "test-ticket-enc.h"

static struct auth_key	*got_key;
static int		 got_calls;

static void
on_key(struct auth_key *key, void *arg)
{
	got_key = key;
	got_calls++;
	ASSERT_TRUE(arg == &got_key);
}

/* Run the loop one turn at a time until cond holds (bounded). */
#define LOOP_UNTIL(base, cond) do {					\
	int _i;								\
	for (_i = 0; _i < 1000 && !(cond); _i++)			\
		event_base_loop((base), EVLOOP_ONCE | EVLOOP_NONBLOCK);	\
	ASSERT_TRUE(cond);						\
} while (0)

static void
test_pool(struct event_base *base)
{
	struct auth_keypool *kp;
	struct auth_key_waiter w1, w2;
	struct auth_key *k1, *k2, *k3;
	struct spd_err err;
	const unsigned char *p;
	EVP_PKEY *pk;
	int i;

	ASSERT_TRUE(auth_keypool_new(base, 0, &err) == NULL);
	ASSERT_TRUE(auth_keypool_new(base, AUTH_KEYPOOL_MAX + 1, &err) ==
	    NULL);
	kp = auth_keypool_new(base, 2, &err);
	ASSERT_TRUE(kp != NULL);
	/* Nothing generated on the caller's stack: the first take waits. */
	ASSERT_INT_EQ(auth_keypool_ready(kp), 0);
	memset(&w1, 0, sizeof(w1));
	ASSERT_TRUE(auth_keypool_take(kp, &w1, on_key, &got_key) == NULL);
	ASSERT_INT_EQ(auth_keypool_waiting(kp), 1);
	/* One loop turn makes one key, and it goes to the waiter. */
	event_base_loop(base, EVLOOP_ONCE);
	ASSERT_INT_EQ(got_calls, 1);
	ASSERT_TRUE(got_key != NULL);
	ASSERT_INT_EQ(auth_keypool_waiting(kp), 0);
	ASSERT_INT_EQ(auth_keypool_ready(kp), 0);
	k1 = got_key;

	/* The key is RSA-1024 as DER SPKI. */
	p = auth_key_pubkey(k1);
	ASSERT_INT_EQ(p[0], 0x30);
	pk = d2i_PUBKEY(NULL, &p, SPICE_LINK_PUBKEY_LEN);
	ASSERT_TRUE(pk != NULL);
	ASSERT_INT_EQ(EVP_PKEY_get_bits(pk), 1024);
	ASSERT_TRUE(p == auth_key_pubkey(k1) + SPICE_LINK_PUBKEY_LEN);
	EVP_PKEY_free(pk);

	/* The pool fills to its size and stops. */
	LOOP_UNTIL(base, auth_keypool_ready(kp) == 2);
	for (i = 0; i < 5; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ASSERT_INT_EQ(auth_keypool_ready(kp), 2);

	/* Keys are distinct, one per take. */
	memset(&w2, 0, sizeof(w2));
	k2 = auth_keypool_take(kp, &w2, on_key, &got_key);
	k3 = auth_keypool_take(kp, &w2, on_key, &got_key);
	ASSERT_TRUE(k2 != NULL && k3 != NULL);
	ASSERT_TRUE(memcmp(auth_key_pubkey(k2), auth_key_pubkey(k3),
	    SPICE_LINK_PUBKEY_LEN) != 0);
	ASSERT_TRUE(memcmp(auth_key_pubkey(k1), auth_key_pubkey(k2),
	    SPICE_LINK_PUBKEY_LEN) != 0);

	/* A cancelled waiter is never called. */
	ASSERT_TRUE(auth_keypool_take(kp, &w2, on_key, &got_key) == NULL);
	auth_keypool_cancel(kp, &w2);
	auth_keypool_cancel(kp, &w2);
	ASSERT_INT_EQ(auth_keypool_waiting(kp), 0);
	LOOP_UNTIL(base, auth_keypool_ready(kp) == 2);
	ASSERT_INT_EQ(got_calls, 1);

	auth_key_free(k1);
	auth_key_free(k2);
	auth_key_free(k3);
	/* Freed with a waiter queued: the waiter is dropped quietly. */
	ASSERT_TRUE((k1 = auth_keypool_take(kp, &w1, on_key, &got_key)) !=
	    NULL);
	auth_key_free(k1);
	ASSERT_TRUE((k1 = auth_keypool_take(kp, &w1, on_key, &got_key)) !=
	    NULL);
	auth_key_free(k1);
	ASSERT_TRUE(auth_keypool_take(kp, &w1, on_key, &got_key) == NULL);
	auth_keypool_free(kp);
	ASSERT_TRUE(!w1.kw_queued);
}

static uint32_t
check(struct auth_ticket *at, struct auth_key *key, const char *pw,
    struct spd_err *err)
{
	uint8_t t[SPICE_LINK_TICKET_LEN];

	ASSERT_INT_EQ(test_ticket_encrypt(auth_key_pubkey(key), pw, t), 0);
	memset(err, 0, sizeof(*err));
	return auth_ticket_check(at, key, t, err);
}

static void
test_ticket(struct event_base *base)
{
	static const char long61[] =
	    "0123456789012345678901234567890123456789012345678901234567890";
	struct auth_keypool *kp;
	struct auth_key_waiter w;
	struct auth_key *key, *other;
	struct auth_ticket *at;
	struct spd_err err;
	uint8_t t[SPICE_LINK_TICKET_LEN], plain[86];
	int i;

	kp = auth_keypool_new(base, 2, &err);
	ASSERT_TRUE(kp != NULL);
	LOOP_UNTIL(base, auth_keypool_ready(kp) == 2);
	memset(&w, 0, sizeof(w));
	key = auth_keypool_take(kp, &w, on_key, NULL);
	other = auth_keypool_take(kp, &w, on_key, NULL);
	ASSERT_TRUE(key != NULL && other != NULL);

	at = auth_ticket_new();
	ASSERT_TRUE(at != NULL);
	/* No password yet: every ticket refused, even the empty one. */
	ASSERT_INT_EQ(check(at, key, "", &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);
	ASSERT_STR_CONTAINS(err.msg, "no password");

	ASSERT_INT_EQ(auth_ticket_set_password(at, "s3cret", &err), 0);
	ASSERT_INT_EQ(check(at, key, "s3cret", &err), SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(check(at, key, "s3cre", &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);
	ASSERT_STR_EQ(err.msg, "wrong password");
	ASSERT_INT_EQ(check(at, key, "s3cret!", &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);
	ASSERT_INT_EQ(check(at, key, "", &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);
	ASSERT_INT_EQ(check(at, key, "S3cret", &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);
	/* Encrypted to another link's key. */
	ASSERT_INT_EQ(test_ticket_encrypt(auth_key_pubkey(other), "s3cret",
	    t), 0);
	ASSERT_INT_EQ(auth_ticket_check(at, key, t, &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);
	ASSERT_STR_CONTAINS(err.msg, "decrypt");
	/* Garbage. */
	memset(t, 0x41, sizeof(t));
	ASSERT_INT_EQ(auth_ticket_check(at, key, t, &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);
	/* spice-html5's form of a ciphertext whose first byte is zero (1 in
	 * 256): the other 127 bytes first, then a zero. Accepted; the same
	 * shift of a ciphertext that needed none is not. */
	for (i = 0; i < 100000; i++) {
		ASSERT_INT_EQ(test_ticket_encrypt(auth_key_pubkey(key),
		    "s3cret", t), 0);
		if (t[0] == 0)
			break;
	}
	ASSERT_TRUE(t[0] == 0);
	memmove(t, t + 1, sizeof(t) - 1);
	t[sizeof(t) - 1] = 0;
	ASSERT_INT_EQ(auth_ticket_check(at, key, t, &err), SPICE_LINK_ERR_OK);
	do
		ASSERT_INT_EQ(test_ticket_encrypt(auth_key_pubkey(key),
		    "s3cret", t), 0);
	while (t[0] == 0);
	memmove(t, t + 1, sizeof(t) - 1);
	t[sizeof(t) - 1] = 0;
	ASSERT_INT_EQ(auth_ticket_check(at, key, t, &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);
	ASSERT_STR_CONTAINS(err.msg, "decrypt");
	/* The right password with no NUL, and followed by junk after it. */
	ASSERT_INT_EQ(test_ticket_encrypt_raw(auth_key_pubkey(key), "s3cret",
	    6, t), 0);
	ASSERT_INT_EQ(auth_ticket_check(at, key, t, &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);
	ASSERT_STR_CONTAINS(err.msg, "NUL");
	ASSERT_INT_EQ(test_ticket_encrypt_raw(auth_key_pubkey(key),
	    "s3cret\0junk", 11, t), 0);
	ASSERT_INT_EQ(auth_ticket_check(at, key, t, &err), SPICE_LINK_ERR_OK);
	/* Longest plaintext OAEP-SHA1 carries, all non-NUL then NUL. */
	memset(plain, 'x', sizeof(plain));
	plain[sizeof(plain) - 1] = '\0';
	ASSERT_INT_EQ(test_ticket_encrypt_raw(auth_key_pubkey(key), plain,
	    sizeof(plain), t), 0);
	ASSERT_INT_EQ(auth_ticket_check(at, key, t, &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);

	/* Password length limits. */
	ASSERT_INT_EQ(auth_ticket_set_password(at, long61, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "longer than 60");
	ASSERT_INT_EQ(check(at, key, "s3cret", &err), SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(auth_ticket_set_password(at, long61 + 1, &err), 0);
	ASSERT_INT_EQ(check(at, key, long61 + 1, &err), SPICE_LINK_ERR_OK);
	ASSERT_INT_EQ(check(at, key, long61, &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);

	/* Expiry: past refuses, future accepts, 0 = never. */
	ASSERT_INT_EQ(auth_ticket_set_password(at, "pw", &err), 0);
	auth_ticket_set_expiry(at, time(NULL) - 1);
	ASSERT_INT_EQ(check(at, key, "pw", &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);
	ASSERT_STR_EQ(err.msg, "ticket expired");
	auth_ticket_set_expiry(at, time(NULL) + 3600);
	ASSERT_INT_EQ(check(at, key, "pw", &err), SPICE_LINK_ERR_OK);
	auth_ticket_set_expiry(at, 0);
	ASSERT_INT_EQ(check(at, key, "pw", &err), SPICE_LINK_ERR_OK);

	/* Empty configured password refuses the empty ticket. */
	ASSERT_INT_EQ(auth_ticket_set_password(at, "", &err), 0);
	ASSERT_INT_EQ(check(at, key, "", &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);

	/* Disabled ticketing takes anything. */
	auth_ticket_set_disabled(at, 1);
	memset(t, 0, sizeof(t));
	ASSERT_INT_EQ(auth_ticket_check(at, key, t, &err), SPICE_LINK_ERR_OK);
	auth_ticket_set_disabled(at, 0);
	ASSERT_INT_EQ(auth_ticket_check(at, key, t, &err),
	    SPICE_LINK_ERR_PERMISSION_DENIED);

	auth_ticket_free(at);
	auth_key_free(key);
	auth_key_free(other);
	auth_keypool_free(kp);
}

static unsigned src_asked;

static int
src_want(unsigned int n, void *arg)
{
	src_asked += n;
	return *(int *)arg;
}

/* Keys from a source (the keygen helper): asked for what is missing,
 * accepted only when asked for and only as RSA-1024 private keys; a
 * source that refuses a request hands the work back to the loop. */
static void
test_source(struct event_base *base)
{
	uint8_t der[RSA_KEYGEN_DER_MAX + 8], bad[64];
	struct auth_key_waiter w;
	struct auth_keypool *kp;
	struct spd_err err;
	EVP_PKEY *pk;
	int ok = 0, fail = -1, len;

	kp = auth_keypool_new(base, 3, &err);
	ASSERT_TRUE(kp != NULL);
	auth_keypool_set_source(kp, src_want, &ok);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ASSERT_INT_EQ(src_asked, 3);
	ASSERT_INT_EQ(auth_keypool_ready(kp), 0);

	/* A valid key fills the pool; a link takes it. */
	pk = rsa_keygen_new(&err);
	ASSERT_TRUE(pk != NULL);
	len = rsa_keygen_to_der(pk, der, sizeof(der), &err);
	ASSERT_TRUE(len > 0);
	EVP_PKEY_free(pk);
	ASSERT_INT_EQ(auth_keypool_add_der(kp, der, (size_t)len, &err), 0);
	ASSERT_INT_EQ(auth_keypool_ready(kp), 1);

	/* Refused: trailing bytes, garbage, a truncated key. */
	ASSERT_INT_EQ(auth_keypool_add_der(kp, der, (size_t)len + 1, &err),
	    -1);
	ASSERT_STR_CONTAINS(err.msg, "after the key");
	memset(bad, 0x30, sizeof(bad));
	ASSERT_INT_EQ(auth_keypool_add_der(kp, bad, sizeof(bad), &err), -1);
	ASSERT_INT_EQ(auth_keypool_add_der(kp, der, (size_t)len / 2, &err),
	    -1);
	/* All three were asked for and are spent: the next is not. */
	ASSERT_INT_EQ(auth_keypool_add_der(kp, der, (size_t)len, &err), -1);
	ASSERT_STR_CONTAINS(err.msg, "nobody asked for");

	/* A source that cannot take the request: keys are made here. */
	auth_keypool_set_source(kp, src_want, &fail);
	memset(&w, 0, sizeof(w));
	got_calls = 0;
	got_key = NULL;
	auth_key_free(auth_keypool_take(kp, &w, on_key, &got_key));
	ASSERT_TRUE(auth_keypool_take(kp, &w, on_key, &got_key) == NULL);
	LOOP_UNTIL(base, got_calls == 1);
	auth_key_free(got_key);
	ASSERT_INT_EQ(auth_keypool_add_der(kp, der, (size_t)len, &err), -1);
	auth_keypool_free(kp);
}

/* TLS links share a key for AUTH_SHARED_MAX_USES links; each holds a
 * reference, so a link's free does not free it under the others, and a
 * retired shared key lives on in the links that still have it. */
static void
test_shared(struct event_base *base)
{
	struct auth_keypool *kp;
	struct auth_key *a, *b, *c;
	struct spd_err err;
	unsigned int i;

	kp = auth_keypool_new(base, 2, &err);
	ASSERT_TRUE(kp != NULL);
	/* Nothing in the pool yet: the caller takes one of its own. */
	ASSERT_TRUE(auth_keypool_take_shared(kp) == NULL);
	LOOP_UNTIL(base, auth_keypool_ready(kp) == 2);
	a = auth_keypool_take_shared(kp);
	b = auth_keypool_take_shared(kp);
	ASSERT_TRUE(a != NULL && a == b);
	ASSERT_INT_EQ(auth_keypool_ready(kp), 1);
	auth_key_free(a);
	/* b still works: the same public key as ever. */
	ASSERT_TRUE(memcmp(auth_key_pubkey(b), auth_key_pubkey(a),
	    SPICE_LINK_PUBKEY_LEN) == 0);
	for (i = 2; i < AUTH_SHARED_MAX_USES; i++)
		auth_key_free(auth_keypool_take_shared(kp));
	/* The next one retires it and takes the other pool key. */
	LOOP_UNTIL(base, auth_keypool_ready(kp) >= 1);
	c = auth_keypool_take_shared(kp);
	ASSERT_TRUE(c != NULL && c != b);
	ASSERT_TRUE(memcmp(auth_key_pubkey(c), auth_key_pubkey(b),
	    SPICE_LINK_PUBKEY_LEN) != 0);
	auth_key_free(b);
	auth_key_free(c);
	auth_keypool_free(kp);
}

/* A TLS link that had to take a key of its own (the pool was empty)
 * makes it the shared one: the TLS links after it share it. */
static void
test_share_own(struct event_base *base)
{
	struct auth_keypool *kp;
	struct auth_key *own, *a, *b;
	struct spd_err err;

	kp = auth_keypool_new(base, 2, &err);
	ASSERT_TRUE(kp != NULL);
	ASSERT_TRUE(auth_keypool_take_shared(kp) == NULL);
	LOOP_UNTIL(base, auth_keypool_ready(kp) == 2);
	own = auth_keypool_take(kp, NULL, NULL, NULL);
	ASSERT_TRUE(own != NULL);
	auth_keypool_share(kp, own);
	a = auth_keypool_take_shared(kp);
	ASSERT_TRUE(a == own);
	/* A second one offered while there is a shared key stays its
	 * link's. */
	b = auth_keypool_take(kp, NULL, NULL, NULL);
	ASSERT_TRUE(b != NULL && b != own);
	auth_keypool_share(kp, b);
	ASSERT_TRUE(auth_keypool_take_shared(kp) == own);
	auth_key_free(own);	/* the other links' references */
	auth_key_free(own);
	auth_key_free(a);
	auth_key_free(b);
	auth_keypool_free(kp);
}

int
main(void)
{
	struct event_base *base;

	log_init("test-auth-ticket", 0);
	base = event_base_new();
	ASSERT_TRUE(base != NULL);
	test_pool(base);
	test_ticket(base);
	test_source(base);
	test_shared(base);
	test_share_own(base);
	event_base_free(base);
	printf("test-auth-ticket: ok\n");
	return 0;
}
