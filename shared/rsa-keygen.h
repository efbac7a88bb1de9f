/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rsa-keygen: the RSA-1024 key pairs of SPICE ticketing (SPICE-NOTES
 * 1.4), made in one place for the supervisor's own pool and for the
 * sandboxed keygen helper (workers/role-keygen.c), and the check of a
 * key handed over by that helper.
 */
#ifndef SPICED_RSA_KEYGEN_H
#define SPICED_RSA_KEYGEN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "err.h"

#define RSA_KEYGEN_BITS		1024
/* A 1024-bit private key in DER (PKCS#1, about 610 bytes) fits this. */
#define RSA_KEYGEN_DER_MAX	1024

/* A fresh key pair; NULL with err (OpenSSL's reason) on failure. */
EVP_PKEY *rsa_keygen_new(struct spd_err *err);

/* The private key in DER into out (cap bytes); its length, or -1 with
 * err if it does not fit or cannot be encoded. */
int	 rsa_keygen_to_der(EVP_PKEY *pkey, uint8_t *out, size_t cap,
	    struct spd_err *err);

/*
 * A key pair from len bytes of DER made by rsa_keygen_to_der(): the
 * bytes must be exactly one RSA private key of RSA_KEYGEN_BITS with the
 * usual public exponent, and nothing else.  NULL with err otherwise.
 */
EVP_PKEY *rsa_keygen_from_der(const uint8_t *der, size_t len,
	    struct spd_err *err);

#endif
