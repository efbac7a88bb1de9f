/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * role-keygen: the ticket key maker.  The supervisor hands out one fresh
 * RSA-1024 key pair per plain link (SPICE-NOTES 1.6); making one costs a
 * few milliseconds of CPU, which on the supervisor's event loop capped
 * logins near 110 a second and let a link flood starve everything else
 * the loop does.  This worker makes them on another core instead: for
 * each IPC_D2W_KEYGEN it makes `count` keys and sends each as one
 * IPC_W2D_KEY.  It reads nothing but its supervisor's requests.
 *
 * OpenSSL's lazy set-up (providers, the DRBG's first seeding, its
 * configuration file) needs files and syscalls the sandbox forbids, so
 * wr_prepare makes one throwaway key before the filter goes on.
 */
#include <sys/resource.h>

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "log.h"
#include "rsa-keygen.h"
#include "worker.h"

/* Keys are made with what the sessions leave: under a link flood the
 * display workers keep their frame rate and the helper takes the rest. */
#define KEYGEN_NICE	10

static int
keygen_prepare(struct spd_err *err)
{
	EVP_PKEY *pkey;

	/* A unit-level filter may refuse it (spiced.service turns
	 * @resources into EPERM): keys then come at the normal priority. */
	if (setpriority(PRIO_PROCESS, 0, KEYGEN_NICE) != 0)
		log_info("keeping the normal priority: setpriority %d: %s",
		    KEYGEN_NICE, strerror(errno));
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1)
		return spd_err_set(err, "OpenSSL initialisation failed");
	if ((pkey = rsa_keygen_new(err)) == NULL)
		return -1;
	EVP_PKEY_free(pkey);
	return 0;
}

static int
keygen_ipc(struct worker *w, struct ipc_msg *m, struct spd_err *err)
{
	struct ipc_keygen req;
	struct ipc_key key;
	EVP_PKEY *pkey;
	uint32_t i;
	int len;

	if (m->hdr.ih_type != IPC_D2W_KEYGEN)
		return spd_err_set(err, "keygen: unexpected message %u",
		    m->hdr.ih_type);
	memcpy(&req, m->payload, sizeof(req));
	if (req.count == 0 || req.count > IPC_KEYGEN_MAX)
		return spd_err_set(err, "keygen: %u keys asked (1..%d)",
		    req.count, IPC_KEYGEN_MAX);
	for (i = 0; i < req.count; i++) {
		memset(&key, 0, sizeof(key));
		if ((pkey = rsa_keygen_new(err)) == NULL)
			return -1;
		len = rsa_keygen_to_der(pkey, key.der, sizeof(key.der), err);
		EVP_PKEY_free(pkey);
		if (len < 0)
			return -1;
		key.len = (uint32_t)len;
		worker_send(w, IPC_W2D_KEY, 0, 0, &key, sizeof(key), NULL, 0);
		/* The private key leaves only through the socket. */
		explicit_bzero(&key, sizeof(key));
	}
	return 0;
}

const struct worker_role role_keygen = {
	.wr_name = "keygen",
	.wr_prepare = keygen_prepare,
	.wr_ipc = keygen_ipc,
};
