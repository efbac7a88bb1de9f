/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spice-link: codec for the SPICE link handshake (SPICE-NOTES 1.2-1.7).
 *
 * Parsers read untrusted bytes only through sbuf and never look past the
 * length they are given.  Each returns a SpiceLinkErr value (from
 * <spice/enums.h>): SPICE_LINK_ERR_OK (0) on success, otherwise the exact
 * code a server should send back, with err saying what was wrong.
 * Builders append to an obuf; the caller checks ob_failed once at the end.
 */
#ifndef SPICED_SPICE_LINK_H
#define SPICED_SPICE_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <spice/enums.h>	/* SpiceLinkErr: what the parsers return */

#include "err.h"
#include "ipc-msg.h"
#include "sbuf.h"

#define SPICE_LINK_HDR_LEN	16	/* SpiceLinkHeader */
#define SPICE_LINK_MESS_LEN	18	/* SpiceLinkMess without caps */
#define SPICE_LINK_REPLY_LEN	178	/* SpiceLinkReply without caps */
#define SPICE_LINK_MIN_SIZE	SPICE_LINK_MESS_LEN
#define SPICE_LINK_MAX_SIZE	4096	/* largest header.size we accept */
/* Words of either cap kind a peer may announce.  The size cap already
 * limits the total to (4096 - 18) / 4, this one keeps arithmetic small. */
#define SPICE_LINK_MAX_CAP_WORDS 1024
#define SPICE_LINK_PUBKEY_LEN	162	/* DER SPKI of an RSA-1024 key */
#define SPICE_LINK_TICKET_LEN	128	/* RSA-1024 ciphertext */
#define SPICE_LINK_AUTH_MECH_LEN 4	/* SpiceLinkAuthMechanism */
#define SPICE_LINK_RESULT_LEN	4	/* u32 link result */
/* Bytes of a complete error reply: header + SpiceLinkReply, no caps. */
#define SPICE_LINK_ERROR_REPLY_LEN (SPICE_LINK_HDR_LEN + SPICE_LINK_REPLY_LEN)

/* Values of the u32 the client sends after the reply when both sides have
 * PROTOCOL_AUTH_SELECTION; they equal the AUTH_* common cap numbers. */
#define SPICE_LINK_AUTH_SPICE	1
#define SPICE_LINK_AUTH_SASL	2

struct spice_link_hdr {
	uint32_t	lh_magic;
	uint32_t	lh_major;
	uint32_t	lh_minor;
	uint32_t	lh_size;	/* bytes that follow the header */
};

/*
 * A parsed SpiceLinkMess.  lm_num_* are the counts the peer announced
 * (validated against the message size); lm_n_* are the words kept, the
 * first IPC_MAX_CAP_WORDS of each kind.  Higher caps are ignored: no cap
 * spiced knows lives beyond bit 127.
 */
struct spice_link_mess {
	uint32_t	lm_connection_id;
	uint8_t		lm_channel_type;
	uint8_t		lm_channel_id;
	uint32_t	lm_num_common_caps;
	uint32_t	lm_num_channel_caps;
	uint32_t	lm_caps_offset;
	uint32_t	lm_n_common;
	uint32_t	lm_n_channel;
	uint32_t	lm_common_caps[IPC_MAX_CAP_WORDS];
	uint32_t	lm_channel_caps[IPC_MAX_CAP_WORDS];
};

/* A parsed SpiceLinkReply (client side: tests and tools). */
struct spice_link_reply {
	uint32_t	lr_error;
	uint8_t		lr_pubkey[SPICE_LINK_PUBKEY_LEN];
	uint32_t	lr_num_common_caps;
	uint32_t	lr_num_channel_caps;
	uint32_t	lr_caps_offset;
	uint32_t	lr_n_common;
	uint32_t	lr_n_channel;
	uint32_t	lr_common_caps[IPC_MAX_CAP_WORDS];
	uint32_t	lr_channel_caps[IPC_MAX_CAP_WORDS];
};

/*
 * Parse a SpiceLinkHeader from the first SPICE_LINK_HDR_LEN of len bytes
 * (fewer is INVALID_DATA).  Checks, in this order: magic "REDQ" else
 * INVALID_MAGIC; major == SPICE_VERSION_MAJOR else VERSION_MISMATCH;
 * SPICE_LINK_MIN_SIZE <= size <= SPICE_LINK_MAX_SIZE else INVALID_DATA.
 * The minor version is not checked.  *hdr is filled whenever the 16 bytes
 * were there, even on a later error, so the caller can log the values.
 */
uint32_t spice_link_hdr_parse(const void *buf, size_t len,
	    struct spice_link_hdr *hdr, struct spd_err *err);

/*
 * Parse a SpiceLinkMess and its caps from exactly len bytes (the header's
 * size).  INVALID_DATA when len is outside [SPICE_LINK_MIN_SIZE,
 * SPICE_LINK_MAX_SIZE], a cap count exceeds SPICE_LINK_MAX_CAP_WORDS,
 * caps_offset < SPICE_LINK_MESS_LEN, or the caps do not fit between
 * caps_offset and len.  Bytes between the fixed part and caps_offset, and
 * after the caps, are allowed and ignored.  *mess is only meaningful on OK.
 */
uint32_t spice_link_mess_parse(const void *buf, size_t len,
	    struct spice_link_mess *mess, struct spd_err *err);

/*
 * Parse a SpiceLinkReply of len bytes (the header's size), as a client
 * would: len >= SPICE_LINK_REPLY_LEN and <= SPICE_LINK_MAX_SIZE, counts
 * capped, caps_offset >= SPICE_LINK_REPLY_LEN and caps inside len, except
 * that an error reply (lr_error != OK) is accepted without looking at caps.
 */
uint32_t spice_link_reply_parse(const void *buf, size_t len,
	    struct spice_link_reply *reply, struct spd_err *err);

/* 1 if cap bit `cap` is set in the n words at caps, 0 otherwise (also for
 * bits beyond the words held). */
int	 spice_link_cap_test(const uint32_t *caps, uint32_t n,
	    unsigned int cap);

/* Bytes spice_link_reply_build() appends for these cap counts. */
size_t	 spice_link_reply_bound(uint32_t n_common, uint32_t n_channel);

/*
 * Append a link header and a SpiceLinkReply with `error`, the
 * SPICE_LINK_PUBKEY_LEN bytes at pubkey (zeros if NULL), and the given
 * caps placed right after the fixed part.  Counts above
 * SPICE_LINK_MAX_CAP_WORDS, or a total over SPICE_LINK_MAX_SIZE, set
 * ob_failed and append nothing.
 */
void	 spice_link_reply_build(struct obuf *, uint32_t error,
	    const uint8_t *pubkey, const uint32_t *common, uint32_t n_common,
	    const uint32_t *channel, uint32_t n_channel);

/* Append an error reply: header (size 178) and a SpiceLinkReply in which
 * only `error` is set; exactly SPICE_LINK_ERROR_REPLY_LEN bytes. */
void	 spice_link_error_build(struct obuf *, uint32_t error);

/* Append the u32 link result sent after authentication. */
void	 spice_link_result_build(struct obuf *, uint32_t result);

/*
 * Append a link header and a SpiceLinkMess built from *mess: counts and
 * caps from lm_n_* / lm_*_caps (lm_num_* and lm_caps_offset are ignored;
 * caps follow the fixed part).  For clients, tests and fuzz round trips.
 */
void	 spice_link_mess_build(struct obuf *, const struct spice_link_mess *);

/* Name of a SpiceLinkErr value for logs ("permission denied"). */
const char *spice_link_err_str(uint32_t);
/* Name of a SPICE channel type for logs ("usbredir"), as spiced.conf
 * names them; "unknown" for others. */
const char *spice_channel_name(uint32_t type);

#endif
