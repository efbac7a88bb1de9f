/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth-sasl: SASL authentication over the SPICE link (SPICE-NOTES 1.9),
 * server side, with cyrus-sasl.
 *
 * Two parts.  The framing of the client's messages (u32 length + mechanism
 * name, u32 length + data, with caps) is a pure state machine,
 * struct auth_sasl_frame in auth-sasl-frame.c, that never calls cyrus and
 * is fuzzed on its own (tests/fuzz/fuzz-sasl.c).  struct auth_sasl drives one connection's
 * exchange through cyrus: link.c reads exactly the bytes auth_sasl_want()
 * asks for, hands them over with auth_sasl_input(), and writes what that
 * put in its output buffer.
 *
 * After a successful exchange that negotiated a security layer (SSF > 0 on
 * a connection without TLS), every byte after the SASL result word goes
 * through auth_sasl_layer_encode()/auth_sasl_layer_decode(): the link
 * result here, and everything after it in the relay process.
 */
#ifndef SPICED_AUTH_SASL_H
#define SPICED_AUTH_SASL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sbuf.h"

struct relay_conf;

/* Caps on what a client may send.  A mechanism name is 1..20 characters
 * in RFC 4422; 100 is spice-gtk's own limit.  spice-gtk allows 1 MiB of
 * data per message, but no mechanism we know sends more than a few KiB
 * (a Kerberos AP-REQ with a large PAC stays under 16 KiB), so 64 KiB. */
#define AUTH_SASL_MECHNAME_MAX	100
#define AUTH_SASL_DATA_MAX	(64u * 1024)
#define AUTH_SASL_STEPS_MAX	10	/* client messages after the start;
					   default of sasl-max-steps */
/* spice-gtk refuses a mechanism list longer than this. */
#define AUTH_SASL_MECHLIST_MAX	300
#define AUTH_SASL_LIST_LEN	512	/* configured "sasl-mechanisms" */
#define AUTH_SASL_NAME_LEN	256	/* realm, server name, app name */

/* What the client's next message is. */
#define AUTH_SASL_FRAME_START	0	/* mechname + data */
#define AUTH_SASL_FRAME_STEP	1	/* data only */

/* Results of auth_sasl_frame_got(). */
#define AUTH_SASL_FRAME_MORE	0	/* call auth_sasl_frame_want() */
#define AUTH_SASL_FRAME_DONE	1	/* a whole message is in the frame */

/* The parse state of one client message; all fields are private to
 * auth-sasl.c and the fuzz target. */
struct auth_sasl_frame {
	int		 af_kind;	/* AUTH_SASL_FRAME_START/STEP */
	int		 af_field;	/* what is being read */
	uint8_t		 af_word[4];	/* a length being read */
	uint32_t	 af_len;	/* length of the field being read */
	char		 af_mech[AUTH_SASL_MECHNAME_MAX + 1];
	uint8_t		*af_data;	/* AUTH_SASL_DATA_MAX bytes */
	uint32_t	 af_datalen;	/* as sent: counts a trailing NUL */
};

/*
 * Prepare fr to parse one message of kind; data is a caller-owned buffer
 * of AUTH_SASL_DATA_MAX bytes that receives the message's data.
 */
void	 auth_sasl_frame_init(struct auth_sasl_frame *fr, int kind,
	    uint8_t *data);

/* Where the next bytes go and exactly how many are needed (n >= 1). */
void	 auth_sasl_frame_want(struct auth_sasl_frame *fr, uint8_t **buf,
	    size_t *n);

/*
 * The *n bytes auth_sasl_frame_want() asked for have been stored: check
 * them.  mechlist is the list offered to the client, "," before, between
 * and after the names.  Returns AUTH_SASL_FRAME_MORE,
 * AUTH_SASL_FRAME_DONE, or -1 with err saying which field broke which
 * cap (a mechanism name that is empty, longer than
 * AUTH_SASL_MECHNAME_MAX, not made of A-Z 0-9 - _, or not in mechlist; a
 * data length above AUTH_SASL_DATA_MAX).  After -1 the frame is dead.
 */
int	 auth_sasl_frame_got(struct auth_sasl_frame *fr, const char *mechlist,
	    struct spd_err *err);

/*
 * A finished message's data as SASL wants it: NULL when the client sent
 * length 0 (no data), else the bytes without the counted trailing NUL
 * (*len may be 0: empty data, which is not the same as none).  The
 * mechanism name of a start message is fr->af_mech.
 */
const char *auth_sasl_frame_data(const struct auth_sasl_frame *fr,
	    unsigned *len);

/*
 * One display's SASL policy, filled from the configuration.  Empty
 * strings mean "not set".
 */
struct auth_sasl_policy {
	char		asp_realm[AUTH_SASL_NAME_LEN];	/* user realm */
	/* The host part of the service principal (GSSAPI: spice/NAME);
	 * empty: cyrus uses this machine's canonical host name. */
	char		asp_server_name[AUTH_SASL_NAME_LEN];
	/* Allowed mechanisms as ",A,B,"; empty: whatever cyrus offers. */
	char		asp_mechs[AUTH_SASL_LIST_LEN];
	unsigned	asp_max_steps;	/* step messages after the start */
	/* How the relay of a security layer runs (owned by the caller). */
	const struct relay_conf *asp_relay;
};

/* Is name one of the names in list (",A,B,")?  Exact, case-sensitive. */
int	 auth_sasl_mech_listed(const char *list, const char *name);

/*
 * Initialise cyrus-sasl once per process, before any sandboxing (it loads
 * its plugins and reads CONFDIR/APPNAME.conf).  confdir NULL or "": the
 * cyrus default (/etc/sasl2).  -1 with err on failure.
 */
int	 auth_sasl_init(const char *appname, const char *confdir,
	    struct spd_err *err);
/* Undo auth_sasl_init() (harmless if it never ran). */
void	 auth_sasl_done(void);

struct auth_sasl;

/* Results of auth_sasl_input(). */
#define AUTH_SASL_MORE		0	/* read auth_sasl_want() bytes */
#define AUTH_SASL_REPLY		1	/* write out, then read again */
#define AUTH_SASL_OK		2	/* authenticated; out holds the
					   last reply: call
					   auth_sasl_result() */
#define AUTH_SASL_FAIL		3	/* out holds the refusal: write it
					   and close */

/*
 * Start SASL on the client socket fd (used for the local and remote
 * address only; never read or written here).  ext_ssf is the strength
 * of the transport below (TLS cipher bits, 0 for plain): 0 requires a
 * mechanism with a security layer of SSF >= 56 and forbids plaintext
 * and anonymous ones.  Appends the mechanism list message to out.  NULL
 * with err when cyrus fails or no allowed mechanism is usable.
 */
struct auth_sasl *auth_sasl_new(const struct auth_sasl_policy *pol, int fd,
	    unsigned ext_ssf, struct obuf *out, struct spd_err *err);

/* Where link.c stores the next bytes and how many it must read. */
void	 auth_sasl_want(struct auth_sasl *as, uint8_t **buf, size_t *n);

/*
 * The bytes asked for are stored: advance.  Returns one of AUTH_SASL_*;
 * for AUTH_SASL_FAIL err says why for the log (never a secret).  Every
 * refusal, framing errors included, answers as a finished exchange with
 * the failure word (u32 0, u8 1, u32 1, u32 len, "Authentication
 * failed\0"), so spice-gtk reports an authentication error.
 */
int	 auth_sasl_input(struct auth_sasl *as, struct obuf *out,
	    struct spd_err *err);

/*
 * After AUTH_SASL_OK: append the SASL success word and the link result
 * (through the security layer when there is one).  -1 with err if
 * encoding fails.
 */
int	 auth_sasl_result(struct auth_sasl *as, uint32_t link_result,
	    struct obuf *out, struct spd_err *err);

/* The authenticated user (after AUTH_SASL_OK), the mechanism, the SSF. */
const char *auth_sasl_username(const struct auth_sasl *as);
const char *auth_sasl_mech(const struct auth_sasl *as);
unsigned auth_sasl_ssf(const struct auth_sasl *as);

/* Nonzero when the connection's bytes must pass through the layer. */
int	 auth_sasl_has_layer(const struct auth_sasl *as);

/*
 * The security layer.  encode: plaintext in (any length) -> wire bytes
 * appended to out, split as the layer requires.  decode: wire bytes in
 * (any split) -> plaintext appended to out (possibly none, while a
 * packet is incomplete).  -1 with err when cyrus fails (a forged or
 * corrupt packet): the connection must end.
 */
int	 auth_sasl_layer_encode(struct auth_sasl *as, const void *in,
	    size_t n, struct obuf *out, struct spd_err *err);
int	 auth_sasl_layer_decode(struct auth_sasl *as, const void *in,
	    size_t n, struct obuf *out, struct spd_err *err);

/*
 * After AUTH_SASL_OK with a layer: fork the relay (relay.h) that carries
 * the layer between client_fd and the worker, with the policy's
 * asp_relay settings.  Same contract as relay_spawn(): *worker_fd is the
 * worker's socket; the caller still owns client_fd and as.
 */
int	 auth_sasl_relay_spawn(struct auth_sasl *as, int client_fd,
	    const char *peer, int *worker_fd, struct spd_err *err);

/* Free (NULL is fine); disposes of the cyrus connection. */
void	 auth_sasl_free(struct auth_sasl *as);

#endif
