/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rsa-keygen: making, encoding and checking ticket key pairs; contracts
 * in rsa-keygen.h.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "rsa-keygen.h"

static int
rsa_keygen_ossl_err(struct spd_err *err, const char *what)
{
	unsigned long e = ERR_peek_last_error();

	spd_err_set(err, "%s: %s", what, e != 0 ?
	    ERR_reason_error_string(e) : "failed");
	ERR_clear_error();
	return -1;
}

EVP_PKEY *
rsa_keygen_new(struct spd_err *err)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, RSA_KEYGEN_BITS) <= 0 ||
	    EVP_PKEY_generate(ctx, &pkey) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		rsa_keygen_ossl_err(err, "RSA-1024 key generation");
		return NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

int
rsa_keygen_to_der(EVP_PKEY *pkey, uint8_t *out, size_t cap,
    struct spd_err *err)
{
	uint8_t *p = out;
	int len;

	if ((len = i2d_PrivateKey(pkey, NULL)) <= 0)
		return rsa_keygen_ossl_err(err, "private key encoding");
	if ((size_t)len > cap)
		return spd_err_set(err, "private key encodes to %d bytes, "
		    "over %zu", len, cap);
	if (i2d_PrivateKey(pkey, &p) != len)
		return rsa_keygen_ossl_err(err, "private key encoding");
	return len;
}

EVP_PKEY *
rsa_keygen_from_der(const uint8_t *der, size_t len, struct spd_err *err)
{
	const unsigned char *p = der;
	BIGNUM *e = NULL;
	EVP_PKEY *pkey;
	int ok;

	if (len == 0 || len > RSA_KEYGEN_DER_MAX)
		return spd_err_set(err, "key of %zu bytes (1..%d)", len,
		    RSA_KEYGEN_DER_MAX), NULL;
	if ((pkey = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p,
	    (long)len)) == NULL) {
		rsa_keygen_ossl_err(err, "not an RSA private key");
		return NULL;
	}
	if ((size_t)(p - der) != len) {
		EVP_PKEY_free(pkey);
		return spd_err_set(err, "%zu bytes after the key",
		    len - (size_t)(p - der)), NULL;
	}
	ok = EVP_PKEY_get_bits(pkey) == RSA_KEYGEN_BITS &&
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1 &&
	    BN_is_word(e, RSA_F4);
	BN_free(e);
	if (!ok) {
		EVP_PKEY_free(pkey);
		ERR_clear_error();
		return spd_err_set(err, "not an RSA-%d key with exponent "
		    "65537", RSA_KEYGEN_BITS), NULL;
	}
	return pkey;
}
