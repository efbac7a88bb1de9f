/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vdagent-stream: the VDAgentMessage stream (spice/vd_agent.h) that the
 * main channel's AGENT_DATA and the agent port's chunks carry, split at
 * any byte.  It finds the message boundaries and checks every header
 * (protocol VD_AGENT_PROTOCOL, size at most the caller's cap) before any
 * of the message is taken; with a callback it also reassembles each
 * message (up to the cap) and hands it over whole.  Both directions of
 * spiced's agent relay and spiced-x11's agent use it; neither side's bytes
 * are trusted.
 */
#ifndef SPICED_VDAGENT_STREAM_H
#define SPICED_VDAGENT_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define VDS_HDR_LEN	20	/* sizeof(VDAgentMessage) */

/* A whole message: its type, opaque and data (valid during the call).
 * Return -1 with err set to stop the stream. */
typedef int (*vds_msg_fn)(void *arg, uint32_t type, uint64_t opaque,
	    const uint8_t *data, uint32_t size, struct spd_err *err);

struct vds {
	uint8_t		 v_hdr[VDS_HDR_LEN];
	uint32_t	 v_have;	/* header bytes so far */
	uint32_t	 v_type;
	uint64_t	 v_opaque;
	uint32_t	 v_size;	/* of the current message's data */
	uint32_t	 v_got;		/* data bytes so far */
	uint32_t	 v_max;		/* cap on v_size */
	uint8_t		*v_buf;		/* reassembly (callback only) */
	vds_msg_fn	 v_fn;
	void		*v_arg;
};

/* Start a stream whose messages carry at most max data bytes; fn (may be
 * NULL: boundaries only) gets each whole message. */
void	vds_init(struct vds *, uint32_t max, vds_msg_fn fn, void *arg);

/* Take n more bytes.  0, or -1 with err for a bad header (the stream is
 * then unusable until vds_reset), a message larger than the cap, out of
 * memory, or the callback's error. */
int	vds_feed(struct vds *, const uint8_t *p, size_t n, struct spd_err *);

/* Forget a partial message (the other side went away). */
void	vds_reset(struct vds *);

/* Write the header of a message of type with size data bytes into out. */
void	vds_header(uint8_t out[VDS_HDR_LEN], uint32_t type, uint64_t opaque,
	    uint32_t size);

void	vds_free(struct vds *);

#endif
