/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ticket-enc: the client's half of SPICE ticketing for tests: encrypt
 * a password and its NUL with RSA-OAEP (SHA-1) to a 162-byte DER SPKI key,
 * the way spice-gtk does (SPICE-NOTES 1.6).
 */
#ifndef SPICED_TEST_TICKET_ENC_H
#define SPICED_TEST_TICKET_ENC_H

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "spice-link.h"

/* Encrypt len bytes of plain; 0 on success with out filled. */
static inline int
test_ticket_encrypt_raw(const uint8_t *pubkey, const void *plain, size_t len,
    uint8_t out[SPICE_LINK_TICKET_LEN])
{
	const unsigned char *p = pubkey;
	EVP_PKEY *pk;
	EVP_PKEY_CTX *ctx;
	size_t outlen = SPICE_LINK_TICKET_LEN;
	int rc = -1;

	if ((pk = d2i_PUBKEY(NULL, &p, SPICE_LINK_PUBKEY_LEN)) == NULL)
		return -1;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) != NULL &&
	    EVP_PKEY_encrypt_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) > 0 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) > 0 &&
	    EVP_PKEY_encrypt(ctx, out, &outlen, plain, len) > 0 &&
	    outlen == SPICE_LINK_TICKET_LEN)
		rc = 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return rc;
}

/* Encrypt password + NUL as a client does. */
static inline int
test_ticket_encrypt(const uint8_t *pubkey, const char *password,
    uint8_t out[SPICE_LINK_TICKET_LEN])
{
	return test_ticket_encrypt_raw(pubkey, password, strlen(password) + 1,
	    out);
}

#endif
