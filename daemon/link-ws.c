/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * link-ws: the WebSocket framing layer of the link; contracts in
 * link-ws.h, frame rules in shared/ws.c (RFC 6455).
 *
 * Everything this layer holds is bounded: the raw bytes of one header or
 * control payload per read, the frame being written (one link message,
 * at most SPICE_LINK_MAX_SIZE plus a header) and one pending pong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link-ws.h"
#include "ws.h"

struct link_ws {
	struct ws_dec	lw_dec;
	struct obuf	lw_out;		/* the frame being written */
	size_t		lw_off;		/* bytes of it written */
	size_t		lw_len;		/* its payload: the caller's n */
	uint8_t		lw_pong[WS_CTRL_FRAME_MAX];
	size_t		lw_pong_len;	/* pending pong, 0 if none */
	int		lw_ended;	/* WS_EV_CLOSE or WS_EV_ERROR */
	struct spd_err	lw_err;
};

static ssize_t
link_ws_read(struct link_layer *l, void *buf, size_t n)
{
	struct link_ws *lw = l->ll_ctx;
	uint8_t raw[WS_HDR_MAX + WS_CTRL_MAX];
	struct obuf ob;
	size_t want, used, prod;
	ssize_t r;
	int ev;

	/* Frames without payload (control, empty data) are consumed here
	 * until payload arrives or the layer below has no more. */
	for (;;) {
		if (lw->lw_ended) {
			errno = lw->lw_ended == WS_EV_CLOSE ? ECONNRESET :
			    EPROTO;
			return -1;
		}
		if ((want = ws_dec_want(&lw->lw_dec, n)) == 0) {
			errno = EINVAL;
			return -1;
		}
		if (want > sizeof(raw))
			want = sizeof(raw);
		if ((r = link_layer_read(l->ll_below, raw, want)) <= 0)
			return r;
		ev = ws_dec_feed(&lw->lw_dec, raw, (size_t)r, &used, buf, n,
		    &prod, &lw->lw_err);
		if (ev == WS_EV_NONE && used != (size_t)r) {
			/* Reads never pass ws_dec_want(): cannot happen. */
			spd_err_set(&lw->lw_err, "WebSocket: internal: %zu of "
			    "%zd bytes decoded", used, r);
			ev = WS_EV_ERROR;
		}
		if (ev == WS_EV_PING) {
			/* Only the latest ping needs its pong (RFC 5.5.3). */
			obuf_init(&ob);
			ws_dec_pong(&lw->lw_dec, &ob);
			if (!ob.ob_failed && ob.ob_len <= sizeof(lw->lw_pong)) {
				memcpy(lw->lw_pong, ob.ob_data, ob.ob_len);
				lw->lw_pong_len = ob.ob_len;
			}
			obuf_free(&ob);
		} else if (ev == WS_EV_CLOSE) {
			spd_err_set(&lw->lw_err, "client sent a WebSocket "
			    "close (code %u)", ws_dec_code(&lw->lw_dec));
			lw->lw_ended = ev;
		} else if (ev == WS_EV_ERROR)
			lw->lw_ended = ev;
		if (prod > 0)
			return (ssize_t)prod;
	}
}

static ssize_t
link_ws_write(struct link_layer *l, const void *buf, size_t n)
{
	struct link_ws *lw = l->ll_ctx;
	uint8_t hdr[WS_OUT_HDR_MAX];
	ssize_t r;

	if (lw->lw_out.ob_len == 0) {
		obuf_put_bytes(&lw->lw_out, lw->lw_pong, lw->lw_pong_len);
		obuf_put_bytes(&lw->lw_out, hdr, ws_frame_hdr(hdr,
		    WS_OP_BINARY, n));
		obuf_put_bytes(&lw->lw_out, buf, n);
		if (lw->lw_out.ob_failed) {
			obuf_reset(&lw->lw_out);
			errno = ENOMEM;
			return -1;
		}
		lw->lw_pong_len = 0;
		lw->lw_off = 0;
		lw->lw_len = n;
	} else if (n != lw->lw_len) {
		/* link.c retries with the same rest after EAGAIN. */
		errno = EINVAL;
		return -1;
	}
	while (lw->lw_off < lw->lw_out.ob_len) {
		r = link_layer_write(l->ll_below, lw->lw_out.ob_data +
		    lw->lw_off, lw->lw_out.ob_len - lw->lw_off);
		if (r < 0)
			return -1;
		lw->lw_off += (size_t)r;
	}
	obuf_reset(&lw->lw_out);
	return (ssize_t)lw->lw_len;
}

static void
link_ws_free(struct link_layer *l)
{
	struct link_ws *lw = l->ll_ctx;

	if (lw == NULL)
		return;
	obuf_free(&lw->lw_out);
	free(lw);
	l->ll_ctx = NULL;
}

static const struct link_layer_ops link_ws_ops = {
	.llo_name = "websocket",
	.llo_read = link_ws_read,
	.llo_write = link_ws_write,
	.llo_free = link_ws_free,
};

struct link_layer *
link_ws_new(struct link_layer *below)
{
	struct link_layer *l;
	struct link_ws *lw;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((lw = calloc(1, sizeof(*lw))) == NULL) {
		free(l);
		return NULL;
	}
	ws_dec_init(&lw->lw_dec, WS_FRAME_MAX);
	obuf_init(&lw->lw_out);
	l->ll_ops = &link_ws_ops;
	l->ll_ctx = lw;
	l->ll_fd = below->ll_fd;
	l->ll_below = below;
	return l;
}

int
link_ws_is(const struct link_layer *l)
{
	return l != NULL && l->ll_ops == &link_ws_ops;
}

const char *
link_ws_ended(const struct link_layer *l, struct obuf *ob)
{
	const struct link_ws *lw;

	if (!link_ws_is(l) || (lw = l->ll_ctx) == NULL || !lw->lw_ended)
		return NULL;
	ws_frame_close(ob, ws_dec_code(&lw->lw_dec));
	return lw->lw_err.msg;
}

int
link_ws_handoff(const struct link_layer *l, struct ipc_client *client,
    struct spd_err *err)
{
	const struct link_ws *lw = l->ll_ctx;

	if (lw->lw_out.ob_len != 0 || lw->lw_pong_len != 0)
		return spd_err_set(err, "WebSocket: output left at handoff");
	if (ws_dec_export(&lw->lw_dec, &client->ws, err) != 0)
		return -1;
	client->framing = IPC_FRAMING_WEBSOCKET;
	return 0;
}
