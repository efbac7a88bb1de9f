/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth-ticket: SPICE ticket authentication (SPICE-NOTES 1.6).
 *
 * Two parts: a small pool of pre-generated RSA-1024 key pairs, filled by
 * the sandboxed keygen helper on another core (daemon/keygen.c) or, while
 * there is none, one key per event-loop turn, so that key generation
 * never runs in a burst on the accept path (a plain link gets a key of
 * its own; links over TLS share one, see auth_keypool_take_shared()); and the ticket policy of a display (password,
 * expiry, ticketing disabled) with the check of a client's RSA-OAEP
 * encrypted ticket against it.  Every key pair serves exactly one link.
 */
#ifndef SPICED_AUTH_TICKET_H
#define SPICED_AUTH_TICKET_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "spice-link.h"

struct event_base;
struct auth_key;
struct auth_keypool;
struct auth_ticket;

#define AUTH_KEYPOOL_MAX	64	/* largest pool size accepted */
#define AUTH_KEYPOOL_DEFAULT	16
/* Keys asked of a source at once at most. */
#define AUTH_KEYSRC_MAX_ASK	16
/* Longest password a client can send (spice-gtk refuses more) and so the
 * longest we accept in the configuration. */
#define AUTH_TICKET_PASSWORD_MAX 60

typedef void (*auth_key_ready_cb)(struct auth_key *, void *arg);

/* A place in the queue of links waiting for a key; embedded in the
 * waiter's own struct, valid while kw_queued is set. */
struct auth_key_waiter {
	TAILQ_ENTRY(auth_key_waiter) kw_entry;
	auth_key_ready_cb	 kw_cb;
	void			*kw_arg;
	int			 kw_queued;
};

/*
 * Create a pool of `size` (1..AUTH_KEYPOOL_MAX) key pairs on base.  No
 * key is generated here: the first ones are made by the refill event, one
 * per loop turn, starting at the next turn.  NULL with err on failure.
 */
struct auth_keypool *auth_keypool_new(struct event_base *base,
	    unsigned int size, struct spd_err *err);

/*
 * A source of keys off the event loop (daemon/keygen.c): want(n, arg)
 * asks it for n more, which arrive through auth_keypool_add_der().  It
 * returns 0, or -1 if it cannot take the request: the pool then makes
 * keys itself, as it does while no source is set (want == NULL).
 * Setting a source forgets what the old one still owed.
 */
typedef int (*auth_keysrc_want_cb)(unsigned int n, void *arg);
void	 auth_keypool_set_source(struct auth_keypool *,
	    auth_keysrc_want_cb want, void *arg);

/*
 * A key from the source, as rsa_keygen_to_der() wrote it.  It goes to
 * the longest-waiting link, else into the pool.  -1 with err if it was
 * not asked for or is not an RSA-1024 private key (rsa_keygen_from_der());
 * the caller then ends the source.
 */
int	 auth_keypool_add_der(struct auth_keypool *, const uint8_t *der,
	    size_t len, struct spd_err *err);

/* Free the pool and its keys.  Queued waiters are dropped without a
 * call; their owners must not touch them afterwards. */
void	 auth_keypool_free(struct auth_keypool *);

/*
 * Take a key pair for one link.  If one is ready it is returned at once
 * (the caller owns it; free with auth_key_free()).  Otherwise w is queued
 * with cb/arg and NULL is returned; cb runs later from the event loop with
 * a fresh key, in FIFO order.  A queued waiter must be withdrawn with
 * auth_keypool_cancel() before its memory goes away.
 */
struct auth_key *auth_keypool_take(struct auth_keypool *,
	    struct auth_key_waiter *w, auth_key_ready_cb cb, void *arg);

/*
 * For a link whose encrypted ticket never leaves TLS: one key serves many
 * such links (AUTH_SHARED_MAX_USES links or AUTH_SHARED_MAX_AGE seconds,
 * then the next comes from the pool), since a ticket nobody else can see
 * cannot be replayed on another link.  A plain link must take its own
 * (auth_keypool_take()): its ticket crosses the network readable.  The
 * caller owns a reference (auth_key_free()).  NULL when a new shared key
 * is due and the pool is empty: take one as a plain link does.
 */
#define AUTH_SHARED_MAX_USES	1000
#define AUTH_SHARED_MAX_AGE	600	/* s */
struct auth_key *auth_keypool_take_shared(struct auth_keypool *);
/* A key taken as a plain link does, for a TLS link, because no shared
 * one was due (the pool was empty): it becomes the shared key if there is
 * none, so that the TLS links after it share it instead of each waiting
 * for a key of its own while the pool refills. */
void	 auth_keypool_share(struct auth_keypool *, struct auth_key *);

/* Withdraw w if it is queued; harmless otherwise. */
void	 auth_keypool_cancel(struct auth_keypool *, struct auth_key_waiter *w);

/* Keys ready and waiters queued, for status output and tests. */
unsigned int auth_keypool_ready(const struct auth_keypool *);
unsigned int auth_keypool_waiting(const struct auth_keypool *);

/* The public key as DER SubjectPublicKeyInfo, SPICE_LINK_PUBKEY_LEN bytes. */
const uint8_t *auth_key_pubkey(const struct auth_key *);

/* Drop a reference to a key pair; the last one frees it (NULL is
 * fine). */
void	 auth_key_free(struct auth_key *);

/* A display's ticket policy, initially: ticketing enabled, no password
 * (every ticket refused), no expiry. */
struct auth_ticket *auth_ticket_new(void);

/* Free, wiping the password (NULL is fine). */
void	 auth_ticket_free(struct auth_ticket *);

/* Set the password (NUL-terminated, at most AUTH_TICKET_PASSWORD_MAX
 * bytes; "" refuses every ticket).  -1 with err if too long, and the old
 * password stays. */
int	 auth_ticket_set_password(struct auth_ticket *, const char *password,
	    struct spd_err *err);

/*
 * Set the expiry as wall-clock time (seconds since the epoch, compared
 * with time(2)); 0 means never.  A ticket is refused from the second
 * `expires` on.  Wall time because expiries come from outside as absolute
 * dates (libvirt's passwdValidTo, "expire now" from spicectl); a caller
 * holding a relative lifetime adds it to time(NULL) when setting.
 */
void	 auth_ticket_set_expiry(struct auth_ticket *, time_t expires);

/* The policy as set, for status output (never the password itself):
 * whether a non-empty password is set, whether ticketing is disabled,
 * and the expiry (0 never). */
int	 auth_ticket_has_password(const struct auth_ticket *);
int	 auth_ticket_disabled(const struct auth_ticket *);
time_t	 auth_ticket_expiry(const struct auth_ticket *);

/* The password as set (NUL-terminated, "" for none) into out, which has
 * AUTH_TICKET_PASSWORD_MAX + 1 bytes: only for carrying a ticket set at
 * run time over a restart (ticket-keep.h). */
void	 auth_ticket_password(const struct auth_ticket *, char *out);

/* disabled != 0: accept any ticket (the 128 bytes are still read by the
 * link code, and not decrypted here). */
void	 auth_ticket_set_disabled(struct auth_ticket *, int disabled);

/*
 * Check a client's SPICE_LINK_TICKET_LEN-byte ticket, encrypted with
 * RSA-OAEP (SHA-1, MGF1-SHA-1, empty label) to key's public key.  Returns
 * SPICE_LINK_ERR_OK, or SPICE_LINK_ERR_PERMISSION_DENIED with err giving
 * the reason for the log ("ticket expired", "wrong password", ...; never
 * the password).  The comparison takes the same time whatever the
 * password's length or the position of the first differing byte.
 */
uint32_t auth_ticket_check(const struct auth_ticket *,
	    const struct auth_key *key,
	    const uint8_t ticket[SPICE_LINK_TICKET_LEN], struct spd_err *err);

#endif
