/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vdagent-stream: VDAgentMessage boundaries and reassembly; contracts in
 * vdagent-stream.h.  The header is little-endian {u32 protocol, u32 type,
 * u64 opaque, u32 size}, gathered then read through sbuf; the reassembly
 * buffer is allocated per message,
 * at the size its checked header announced.
 */
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "vdagent-stream.h"

#define VDS_PROTOCOL	1	/* VD_AGENT_PROTOCOL */

static void
vds_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void
vds_init(struct vds *v, uint32_t max, vds_msg_fn fn, void *arg)
{
	memset(v, 0, sizeof(*v));
	v->v_max = max;
	v->v_fn = fn;
	v->v_arg = arg;
}

void
vds_reset(struct vds *v)
{
	free(v->v_buf);
	v->v_buf = NULL;
	v->v_have = 0;
	v->v_got = v->v_size = 0;
}

void
vds_free(struct vds *v)
{
	vds_reset(v);
}

void
vds_header(uint8_t out[VDS_HDR_LEN], uint32_t type, uint64_t opaque,
    uint32_t size)
{
	vds_put32(out, VDS_PROTOCOL);
	vds_put32(out + 4, type);
	vds_put32(out + 8, (uint32_t)opaque);
	vds_put32(out + 12, (uint32_t)(opaque >> 32));
	vds_put32(out + 16, size);
}

/* The header is complete: check it and get ready for the data. */
static int
vds_start(struct vds *v, struct spd_err *err)
{
	struct sbuf sb;
	uint32_t proto;

	/* v_hdr holds exactly VDS_HDR_LEN bytes: the getters cannot fail. */
	sbuf_init(&sb, v->v_hdr, sizeof(v->v_hdr));
	if (sbuf_get_u32le(&sb, &proto) != 0 ||
	    sbuf_get_u32le(&sb, &v->v_type) != 0 ||
	    sbuf_get_u64le(&sb, &v->v_opaque) != 0 ||
	    sbuf_get_u32le(&sb, &v->v_size) != 0)
		return spd_err_set(err, "internal: agent message header");
	v->v_got = 0;
	if (proto != VDS_PROTOCOL)
		return spd_err_set(err, "agent message with protocol %u, "
		    "not %u", proto, VDS_PROTOCOL);
	if (v->v_size > v->v_max)
		return spd_err_set(err, "agent message type %u of %u bytes, "
		    "more than %u", v->v_type, v->v_size, v->v_max);
	if (v->v_fn != NULL && v->v_size > 0 &&
	    (v->v_buf = malloc(v->v_size)) == NULL)
		return spd_err_set(err, "agent message of %u bytes: out of "
		    "memory", v->v_size);
	return 0;
}

/* The message is complete. */
static int
vds_end(struct vds *v, struct spd_err *err)
{
	int rv = 0;

	if (v->v_fn != NULL)
		rv = v->v_fn(v->v_arg, v->v_type, v->v_opaque, v->v_buf,
		    v->v_size, err);
	free(v->v_buf);
	v->v_buf = NULL;
	v->v_have = 0;
	return rv;
}

int
vds_feed(struct vds *v, const uint8_t *p, size_t n, struct spd_err *err)
{
	size_t take;

	while (n > 0) {
		if (v->v_have < VDS_HDR_LEN) {
			take = VDS_HDR_LEN - v->v_have;
			if (take > n)
				take = n;
			memcpy(v->v_hdr + v->v_have, p, take);
			v->v_have += (uint32_t)take;
			p += take;
			n -= take;
			if (v->v_have < VDS_HDR_LEN)
				break;
			if (vds_start(v, err) != 0)
				return -1;
			if (v->v_size == 0 && vds_end(v, err) != 0)
				return -1;
			continue;
		}
		take = v->v_size - v->v_got;
		if (take > n)
			take = n;
		if (v->v_buf != NULL)
			memcpy(v->v_buf + v->v_got, p, take);
		v->v_got += (uint32_t)take;
		p += take;
		n -= take;
		if (v->v_got == v->v_size && vds_end(v, err) != 0)
			return -1;
	}
	return 0;
}
