/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cursor-out: cursor channel clients; contracts in cursor-out.h.
 *
 * A client is only ever closed through its chan, which calls
 * cout_closed() back, possibly from inside a send; cl_busy keeps the
 * struct alive while a function here still uses it.  MOVE messages are
 * coalesced: while a client's ack window or queue is full only its latest
 * position is kept and sent when it can take it again; every other
 * message is queued (they are rare and small, and chan caps the queue).
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/enums.h>
#include <spice/protocol.h>

#include "chan.h"
#include "cursor-out.h"
#include "log.h"

struct cout_client {
	TAILQ_ENTRY(cout_client) cl_entry;
	struct cout		*cl_cout;
	struct chan		*cl_chan;	/* NULL once closed */
	uint32_t		 cl_session;
	uint32_t		 cl_conn;
	uint64_t		 cl_cache[COUT_CACHE_MAX];	/* FIFO */
	unsigned		 cl_ncache;
	unsigned		 cl_cache_head;
	/* Every shape whole, and INIT's again as a SET: spice-html5 (the
	 * browser client, over WebSocket) cannot read FROM_CACHE and drops
	 * such a SET, so a shape that comes back (an arrow after an I-beam)
	 * would never show, and it ignores INIT's shape. */
	int			 cl_no_cache;
	int			 cl_move_owed;
	int			 cl_busy;
	int			 cl_dead;
};

TAILQ_HEAD(cout_clients, cout_client);

struct cout {
	struct worker		*co_wk;
	struct cout_clients	 co_clients;
	unsigned		 co_nclients;
	int16_t			 co_x;
	int16_t			 co_y;
	int			 co_visible;
	uint16_t		 co_trail_len;
	uint16_t		 co_trail_freq;
	struct qxl_cmd_cursor	 co_shape;	/* data NULL: none */
};

static int	cout_msg(struct chan *, uint16_t, struct sbuf *,
		    const char **);
static void	cout_writable(struct chan *);
static void	cout_closed(struct chan *, const char *);

static const struct chan_ops cout_chan_ops = {
	.co_msg = cout_msg,
	.co_writable = cout_writable,
	.co_closed = cout_closed,
};

struct cout *
cout_new(struct worker *wk, struct spd_err *err)
{
	struct cout *co;

	if ((co = calloc(1, sizeof(*co))) == NULL) {
		spd_err_set(err, "cursor: out of memory");
		return NULL;
	}
	co->co_wk = wk;
	TAILQ_INIT(&co->co_clients);
	return co;
}

static int
cout_cached(const struct cout_client *cl, uint64_t unique)
{
	unsigned i;

	for (i = 0; i < cl->cl_ncache; i++)
		if (cl->cl_cache[i] == unique)
			return 1;
	return 0;
}

/* The Cursor structure of the current shape, with the cache flags
 * cout_cache_take() gave: the header only when FROM_CACHE, else all of
 * it. */
static void
cout_put_shape(const struct cout *co, struct obuf *ob, uint16_t flags)
{
	const struct qxl_cmd_cursor *s = &co->co_shape;

	if (s->data == NULL) {
		obuf_put_u16le(ob, SPICE_CURSOR_FLAGS_NONE);
		return;
	}
	obuf_put_u16le(ob, flags);
	obuf_put_u64le(ob, s->unique);
	obuf_put_u8(ob, s->shape);
	obuf_put_u16le(ob, s->width);
	obuf_put_u16le(ob, s->height);
	obuf_put_u16le(ob, s->hot_x);
	obuf_put_u16le(ob, s->hot_y);
	if (flags != SPICE_CURSOR_FLAGS_FROM_CACHE)
		obuf_put_bytes(ob, s->data, s->data_size);
}

/*
 * Before a message with the current shape, its cache flags for cl:
 * FROM_CACHE if cl has it; CACHE_ME if it has an id (0 is "no id" to
 * us), remembered, the oldest one being invalidated first when the cache
 * is full; 0 for a shape sent whole; -1 when cl closed meanwhile.
 */
static int
cout_cache_take(struct cout_client *cl)
{
	const struct qxl_cmd_cursor *s = &cl->cl_cout->co_shape;
	struct obuf *ob;
	unsigned slot;

	if (s->data == NULL || s->unique == 0 || cl->cl_no_cache)
		return 0;
	if (cout_cached(cl, s->unique))
		return SPICE_CURSOR_FLAGS_FROM_CACHE;
	if (cl->cl_ncache < COUT_CACHE_MAX)
		slot = cl->cl_ncache++;
	else {
		slot = cl->cl_cache_head;
		cl->cl_cache_head = (cl->cl_cache_head + 1) % COUT_CACHE_MAX;
		ob = chan_msg_begin(cl->cl_chan, SPICE_MSG_CURSOR_INVAL_ONE);
		obuf_put_u64le(ob, cl->cl_cache[slot]);
		chan_msg_end(cl->cl_chan);
		if (cl->cl_chan == NULL)
			return -1;
	}
	cl->cl_cache[slot] = s->unique;
	return SPICE_CURSOR_FLAGS_CACHE_ME;
}

static void
cout_send_init(struct cout_client *cl)
{
	struct cout *co = cl->cl_cout;
	struct obuf *ob;
	int flags;

	if ((flags = cout_cache_take(cl)) < 0)
		return;
	ob = chan_msg_begin(cl->cl_chan, SPICE_MSG_CURSOR_INIT);
	obuf_put_u16le(ob, (uint16_t)co->co_x);
	obuf_put_u16le(ob, (uint16_t)co->co_y);
	obuf_put_u16le(ob, co->co_trail_len);
	obuf_put_u16le(ob, co->co_trail_freq);
	obuf_put_u8(ob, (uint8_t)co->co_visible);
	cout_put_shape(co, ob, (uint16_t)flags);
	chan_msg_end(cl->cl_chan);
}

static void
cout_send_set(struct cout_client *cl)
{
	struct cout *co = cl->cl_cout;
	struct obuf *ob;
	int flags;

	if ((flags = cout_cache_take(cl)) < 0)
		return;
	ob = chan_msg_begin(cl->cl_chan, SPICE_MSG_CURSOR_SET);
	obuf_put_u16le(ob, (uint16_t)co->co_x);
	obuf_put_u16le(ob, (uint16_t)co->co_y);
	obuf_put_u8(ob, (uint8_t)co->co_visible);
	cout_put_shape(co, ob, (uint16_t)flags);
	chan_msg_end(cl->cl_chan);
}

static void
cout_send_move(struct cout_client *cl)
{
	struct obuf *ob;

	if (!chan_can_send(cl->cl_chan)) {
		cl->cl_move_owed = 1;
		return;
	}
	cl->cl_move_owed = 0;
	ob = chan_msg_begin(cl->cl_chan, SPICE_MSG_CURSOR_MOVE);
	obuf_put_u16le(ob, (uint16_t)cl->cl_cout->co_x);
	obuf_put_u16le(ob, (uint16_t)cl->cl_cout->co_y);
	chan_msg_end(cl->cl_chan);
}

static void
cout_send_trail(struct cout_client *cl)
{
	struct obuf *ob;

	ob = chan_msg_begin(cl->cl_chan, SPICE_MSG_CURSOR_TRAIL);
	obuf_put_u16le(ob, cl->cl_cout->co_trail_len);
	obuf_put_u16le(ob, cl->cl_cout->co_trail_freq);
	chan_msg_end(cl->cl_chan);
}

static void
cout_send_hide(struct cout_client *cl)
{
	chan_send(cl->cl_chan, SPICE_MSG_CURSOR_HIDE, NULL, 0);
}

static void
cout_send_inval_all(struct cout_client *cl)
{
	cl->cl_ncache = cl->cl_cache_head = 0;
	chan_send(cl->cl_chan, SPICE_MSG_CURSOR_INVAL_ALL, NULL, 0);
}

/* Run send on every client; a client closed by its send is freed only
 * after it returned. */
static void
cout_each(struct cout *co, void (*send)(struct cout_client *))
{
	struct cout_client *cl, *next;

	for (cl = TAILQ_FIRST(&co->co_clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, cl_entry);
		cl->cl_busy++;
		send(cl);	/* may close cl, never another client */
		if (--cl->cl_busy == 0 && cl->cl_dead)
			free(cl);
	}
}

void
cout_set(struct cout *co, struct qxl_cmd_cursor *cc)
{
	free(co->co_shape.data);
	co->co_shape = *cc;
	cc->data = NULL;
	co->co_x = cc->x;
	co->co_y = cc->y;
	co->co_visible = cc->visible;
	cout_each(co, cout_send_set);
}

void
cout_move(struct cout *co, int16_t x, int16_t y)
{
	co->co_x = x;
	co->co_y = y;
	co->co_visible = co->co_shape.data != NULL;
	cout_each(co, cout_send_move);
}

void
cout_hide(struct cout *co)
{
	co->co_visible = 0;
	cout_each(co, cout_send_hide);
}

void
cout_trail(struct cout *co, uint16_t length, uint16_t frequency)
{
	co->co_trail_len = length;
	co->co_trail_freq = frequency;
	cout_each(co, cout_send_trail);
}

void
cout_reset(struct cout *co)
{
	qxl_cmd_cursor_free(&co->co_shape);
	co->co_visible = 0;
	co->co_trail_len = co->co_trail_freq = 0;
	cout_each(co, cout_send_hide);
	cout_each(co, cout_send_inval_all);
}

static int
cout_msg(struct chan *ch, uint16_t type, struct sbuf *body, const char **why)
{
	*why = "the cursor channel takes no client messages";
	return -1;
}

static void
cout_writable(struct chan *ch)
{
	struct cout_client *cl = chan_arg(ch);

	if (cl->cl_move_owed)
		cout_send_move(cl);
}

static void
cout_closed(struct chan *ch, const char *reason)
{
	struct cout_client *cl = chan_arg(ch);
	struct cout *co = cl->cl_cout;

	TAILQ_REMOVE(&co->co_clients, cl, cl_entry);
	co->co_nclients--;
	cl->cl_chan = NULL;
	cl->cl_dead = 1;
	worker_conn_closed(co->co_wk, cl->cl_session, cl->cl_conn,
	    reason != NULL ? reason : "closed");
	if (cl->cl_busy == 0)
		free(cl);
}

int
cout_client_add(struct cout *co, int fd, uint32_t session, uint32_t conn,
    const struct ipc_client *info, struct spd_err *err)
{
	struct cout_client *cl;

	if (co->co_nclients >= COUT_MAX_CLIENTS) {
		close(fd);
		return spd_err_set(err, "display already has %u cursor "
		    "clients", co->co_nclients);
	}
	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		close(fd);
		return spd_err_set(err, "out of memory");
	}
	cl->cl_cout = co;
	cl->cl_session = session;
	cl->cl_conn = conn;
	cl->cl_no_cache = info->framing == IPC_FRAMING_WEBSOCKET;
	if ((cl->cl_chan = chan_new(co->co_wk->wk_base, fd, session, conn,
	    info, COUT_MAX_CLIENT_MSG, &cout_chan_ops, cl, err)) == NULL) {
		free(cl);
		return -1;
	}
	TAILQ_INSERT_TAIL(&co->co_clients, cl, cl_entry);
	co->co_nclients++;
	/* The reference server's window, as on the display channel. */
	chan_set_ack(cl->cl_chan, 20);
	cl->cl_busy++;
	cout_send_init(cl);
	/* spice-html5 ignores INIT's shape too: the current one again as a
	 * SET, so a browser shows it before the next change. */
	if (cl->cl_no_cache && cl->cl_chan != NULL && co->co_shape.data != NULL)
		cout_send_set(cl);
	if (--cl->cl_busy == 0 && cl->cl_dead)
		free(cl);
	return 0;
}

void
cout_close_session(struct cout *co, uint32_t session, const char *reason)
{
	struct cout_client *cl, *next;

	for (cl = TAILQ_FIRST(&co->co_clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, cl_entry);
		if (cl->cl_session == session)
			chan_close(cl->cl_chan, reason);
	}
}

int
cout_close_conn(struct cout *co, uint32_t conn, const char *reason)
{
	struct cout_client *cl;

	TAILQ_FOREACH(cl, &co->co_clients, cl_entry)
		if (cl->cl_conn == conn) {
			chan_close(cl->cl_chan, reason);
			return 0;
		}
	return -1;
}
