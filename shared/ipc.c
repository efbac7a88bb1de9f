/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipc: framing for ipc-msg.h.  The receiver trusts nothing: a datagram is
 * accepted only if its length equals header + the exact payload size of its
 * type and it carries exactly that type's number of fds.
 */
#include <errno.h>
#include <string.h>

#include "fdpass.h"
#include "ipc.h"
#include "sbuf.h"

static const struct ipc_spec {
	uint32_t	type;
	size_t		len;
	int		nfds;
} ipc_specs[] = {
	{ IPC_D2W_INIT,			sizeof(struct ipc_init),	0 },
	{ IPC_D2W_CLIENT,		sizeof(struct ipc_client),	1 },
	{ IPC_D2W_CHANNELS,		sizeof(struct ipc_channels),	0 },
	{ IPC_D2W_MEMSLOT,		sizeof(struct ipc_memslot),	1 },
	{ IPC_D2W_DEVICE,		sizeof(struct ipc_device),	2 },
	{ IPC_D2W_PRIMARY_CREATE,	sizeof(struct ipc_primary),	0 },
	{ IPC_D2W_PRIMARY_DESTROY,	0,				0 },
	{ IPC_D2W_CONN_CLOSE,		0,				0 },
	{ IPC_D2W_SESSION_CLOSE,	0,				0 },
	{ IPC_D2W_KEYGEN,		sizeof(struct ipc_keygen),	0 },
	{ IPC_D2W_PRODUCER_GONE,	0,				0 },
	{ IPC_D2W_INPUT_ATTACH,		sizeof(struct ipc_input),	1 },
	{ IPC_D2W_INPUT_DETACH,		0,				0 },
	{ IPC_D2W_INPUT_LEDS,		sizeof(struct ipc_leds),	0 },
	{ IPC_D2W_MOUSE_MODES,		sizeof(struct ipc_mouse_modes),	0 },
	{ IPC_D2W_AGENT_ATTACH,		0,				1 },
	{ IPC_D2W_AGENT_DETACH,		0,				0 },
	{ IPC_D2W_PORT_ATTACH,		sizeof(struct ipc_port),	1 },
	{ IPC_D2W_PORT_STATE,		sizeof(struct ipc_port_state),	0 },
	{ IPC_D2W_AUDIO_ATTACH,		0,				1 },
	{ IPC_D2W_AUDIO_DETACH,		0,				0 },
	{ IPC_D2W_HEADS,		sizeof(struct ipc_heads),	0 },
	{ IPC_D2W_SWITCH_HOST,		sizeof(struct ipc_switch_host),	0 },
	{ IPC_W2D_READY,		sizeof(struct ipc_ready),	0 },
	{ IPC_W2D_CONN_CLOSED,		sizeof(struct ipc_conn_closed),	0 },
	{ IPC_W2D_PRIMARY_DONE,		sizeof(struct ipc_primary_done), 0 },
	{ IPC_W2D_PRODUCER_FAULT,	sizeof(struct ipc_producer_fault), 0 },
	{ IPC_W2D_KEY,			sizeof(struct ipc_key),		0 },
	{ IPC_W2D_INPUT_ACTIVE,		0,				0 },
	{ IPC_W2D_STATS,		sizeof(struct ipc_stats),	0 },
};

int
ipc_msg_spec(uint32_t type, size_t *len, int *nfds)
{
	size_t i;

	for (i = 0; i < sizeof(ipc_specs) / sizeof(ipc_specs[0]); i++) {
		if (ipc_specs[i].type == type) {
			*len = ipc_specs[i].len;
			*nfds = ipc_specs[i].nfds;
			return 0;
		}
	}
	return -1;
}

int
ipc_send(int sock, uint32_t type, uint32_t session, uint32_t conn,
    const void *payload, size_t len, const int *fds, int nfds,
    struct spd_err *err)
{
	uint8_t buf[sizeof(struct ipc_hdr) + IPC_MAX_PAYLOAD];
	struct ipc_hdr hdr;
	size_t want_len;
	int want_fds;

	if (ipc_msg_spec(type, &want_len, &want_fds) != 0)
		return spd_err_set(err, "ipc send: unknown message type %u",
		    type);
	if (len != want_len || nfds != want_fds)
		return spd_err_set(err, "ipc send: type %u with %zu bytes and "
		    "%d fds, expected %zu and %d", type, len, nfds, want_len,
		    want_fds);
	memset(&hdr, 0, sizeof(hdr));
	hdr.ih_type = type;
	hdr.ih_len = (uint32_t)len;
	hdr.ih_session = session;
	hdr.ih_conn = conn;
	memcpy(buf, &hdr, sizeof(hdr));
	if (len != 0)
		memcpy(buf + sizeof(hdr), payload, len);
	if (fdpass_send(sock, buf, sizeof(hdr) + len, fds, nfds, err) != 0)
		return spd_err_prefix(err, "ipc send of type %u", type);
	return 0;
}

void
ipc_msg_close_fds(struct ipc_msg *msg)
{
	fdpass_close(msg->fds, msg->nfds);
	msg->nfds = 0;
}

/* A malformed message: close the fds it brought and say EBADMSG, so that
 * no errno left from an earlier call reads as "nothing to receive". */
static int
ipc_recv_refuse(struct ipc_msg *msg)
{
	ipc_msg_close_fds(msg);
	errno = EBADMSG;
	return -1;
}

int
ipc_recv(int sock, struct ipc_msg *msg, struct spd_err *err)
{
	uint8_t buf[sizeof(struct ipc_hdr) + IPC_MAX_PAYLOAD + 1];
	struct sbuf sb;
	size_t want_len;
	int want_fds;
	ssize_t n;

	n = fdpass_recv(sock, buf, sizeof(buf), msg->fds, IPC_MAX_FDS,
	    &msg->nfds, err);
	if (n < 0)
		return spd_err_prefix(err, "ipc");
	if (n == 0 && msg->nfds == 0)
		return 0;
	sbuf_init(&sb, buf, (size_t)n);
	if (sbuf_get_bytes(&sb, &msg->hdr, sizeof(msg->hdr)) != 0) {
		spd_err_set(err, "ipc receive: %zd bytes, shorter than a "
		    "header", n);
		return ipc_recv_refuse(msg);
	}
	if (ipc_msg_spec(msg->hdr.ih_type, &want_len, &want_fds) != 0) {
		spd_err_set(err, "ipc receive: unknown type %u",
		    msg->hdr.ih_type);
		return ipc_recv_refuse(msg);
	}
	if (msg->hdr.ih_len != want_len || sbuf_left(&sb) != want_len ||
	    msg->nfds != want_fds) {
		spd_err_set(err, "ipc receive: type %u with %zu payload bytes "
		    "and %d fds, expected %zu and %d", msg->hdr.ih_type,
		    sbuf_left(&sb), msg->nfds, want_len, want_fds);
		return ipc_recv_refuse(msg);
	}
	(void)sbuf_get_bytes(&sb, msg->payload, want_len);
	return 1;
}

int
ipc_str_ok(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}
