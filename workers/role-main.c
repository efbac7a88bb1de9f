/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * role-main: the main channel of one client session (SPICE-NOTES 3.1).
 *
 * One main worker serves exactly one session and one main connection; when
 * that connection ends, the session ends and so does the worker.
 *
 * Sequence: IPC_D2W_CLIENT -> MAIN_INIT; client ATTACH_CHANNELS ->
 * CHANNELS_LIST from the latest IPC_D2W_CHANNELS (which may come before or
 * after the client; a later one after ATTACH sends a new list);
 * MOUSE_MODE_REQUEST -> MOUSE_MODE; PING every ROLE_MAIN_PING_SEC.
 *
 * Choices, and why:
 * - current mouse mode CLIENT: spice-gtk asks for CLIENT by default, so it
 *   needs no MOUSE_MODE_REQUEST round trip and never grabs the pointer;
 *   positions then arrive absolute (INPUTS POSITION), which a producer
 *   (VMM tablet, X11 capture) applies directly.  The supervisor says
 *   which modes the display's producer takes (IPC_D2W_MOUSE_MODES):
 *   CLIENT only with one that places the pointer; SERVER always.
 * - the agent: relayed by main-agent while the supervisor says this
 *   session owns the producer's agent port (INIT says whether it does).
 * - migration messages from the client are protocol errors (no
 *   migration); the one migration message sent is SWITCH_HOST, when the
 *   supervisor restarts under systemd (IPC_D2W_SWITCH_HOST); unknown
 *   channel messages are logged at debug level and dropped, as spice-gtk
 *   does with ours, so newer clients keep working.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <spice/protocol.h>
#include <spice/enums.h>

#include "chan.h"
#include "err.h"
#include "ipc.h"
#include "log.h"
#include "main-agent.h"
#include "sbuf.h"
#include "worker.h"

/* Largest client message: AGENT_DATA chunks are at most 2048 bytes
 * (VD_AGENT_MAX_DATA_SIZE); the rest are a few bytes. */
#define ROLE_MAIN_MAX_MSG	4096
#define ROLE_MAIN_PING_SEC	10

struct role_main {
	struct worker		*rm_w;
	struct chan		*rm_chan;
	struct event		*rm_ping;
	uint32_t		 rm_session;
	uint32_t		 rm_conn;
	int			 rm_had_client;
	int			 rm_attached;
	int			 rm_have_channels;
	struct ipc_channels	 rm_channels;
	struct ipc_channels	 rm_sent;	/* listed to the client */
	uint16_t		 rm_mouse_mode;
	uint16_t		 rm_mouse_modes;	/* supported now */
	struct magent		*rm_agent;
	/* Where the client came to, for SWITCH_HOST (ipc_client local):
	 * empty when it cannot link again that way (UNIX socket,
	 * WebSocket). */
	char			 rm_host[IPC_ADDR_LEN];
	uint16_t		 rm_port;
	int			 rm_secure;
};

static struct role_main role_main_state;

static int	role_main_msg(struct chan *, uint16_t, struct sbuf *,
		    const char **);
static void	role_main_closed(struct chan *, const char *);
static void	role_main_writable(struct chan *);

static const struct chan_ops role_main_chan_ops = {
	.co_msg = role_main_msg,
	.co_writable = role_main_writable,	/* the agent's data waits */
	.co_closed = role_main_closed,
};

static void
role_main_send_init(struct role_main *rm)
{
	struct obuf *ob;

	ob = chan_msg_begin(rm->rm_chan, SPICE_MSG_MAIN_INIT);
	obuf_put_u32le(ob, rm->rm_session);
	obuf_put_u32le(ob, 1);			/* display_channels_hint */
	obuf_put_u32le(ob, rm->rm_mouse_modes);
	obuf_put_u32le(ob, rm->rm_mouse_mode);
	obuf_put_u32le(ob, (uint32_t)magent_connected(rm->rm_agent));
	obuf_put_u32le(ob, MAGENT_TOKENS);
	obuf_put_u32le(ob, chan_mm_time() - CHAN_MM_DELAY_MS);
	obuf_put_u32le(ob, 0);			/* ram_hint */
	chan_msg_end(rm->rm_chan);
	/* The display's name as the guest's, NUL included as the reference
	 * server sends it: remote-viewer titles its window with it. */
	if (rm->rm_chan != NULL &&
	    chan_has_cap(rm->rm_chan, SPICE_MAIN_CAP_NAME_AND_UUID)) {
		size_t len = strnlen(rm->rm_w->wk_display,
		    sizeof(rm->rm_w->wk_display) - 1) + 1;

		ob = chan_msg_begin(rm->rm_chan, SPICE_MSG_MAIN_NAME);
		obuf_put_u32le(ob, (uint32_t)len);
		obuf_put_bytes(ob, rm->rm_w->wk_display, len - 1);
		obuf_put_u8(ob, 0);
		chan_msg_end(rm->rm_chan);
	}
}

static int
role_main_was_sent(const struct role_main *rm, uint8_t type, uint8_t id)
{
	uint32_t i;

	for (i = 0; i < rm->rm_sent.count; i++)
		if (rm->rm_sent.ch[i].type == type && rm->rm_sent.ch[i].id == id)
			return 1;
	return 0;
}

/*
 * CHANNELS_LIST of the channels not listed yet: spice-gtk makes a channel
 * for every entry of every list it gets, so a channel that appears later
 * (a producer's port) is listed alone, and nothing twice.
 */
static void
role_main_send_channels(struct role_main *rm)
{
	struct obuf *ob;
	size_t count_off;
	uint32_t i, n = 0;
	uint8_t type, id;

	for (i = 0; i < rm->rm_channels.count; i++)
		if (rm->rm_channels.ch[i].type != SPICE_CHANNEL_MAIN &&
		    !role_main_was_sent(rm, rm->rm_channels.ch[i].type,
		    rm->rm_channels.ch[i].id))
			n++;
	if (n == 0 && rm->rm_sent.count > 0)
		return;
	ob = chan_msg_begin(rm->rm_chan, SPICE_MSG_MAIN_CHANNELS_LIST);
	count_off = ob->ob_len;
	obuf_put_u32le(ob, 0);
	n = 0;
	for (i = 0; i < rm->rm_channels.count; i++) {
		type = rm->rm_channels.ch[i].type;
		id = rm->rm_channels.ch[i].id;
		/* The client already has its main channel; listing it
		 * would invite a second one. */
		if (type == SPICE_CHANNEL_MAIN ||
		    role_main_was_sent(rm, type, id) ||
		    rm->rm_sent.count == IPC_MAX_CHANNELS)
			continue;
		obuf_put_u8(ob, type);
		obuf_put_u8(ob, id);
		rm->rm_sent.ch[rm->rm_sent.count].type = type;
		rm->rm_sent.ch[rm->rm_sent.count].id = id;
		rm->rm_sent.count++;
		n++;
	}
	obuf_patch_u32le(ob, count_off, n);
	chan_msg_end(rm->rm_chan);
	log_debug("session %u: CHANNELS_LIST with %u channels",
	    rm->rm_session, n);
}

static void
role_main_send_mouse_mode(struct role_main *rm)
{
	struct obuf *ob;

	ob = chan_msg_begin(rm->rm_chan, SPICE_MSG_MAIN_MOUSE_MODE);
	obuf_put_u16le(ob, rm->rm_mouse_modes);
	obuf_put_u16le(ob, rm->rm_mouse_mode);
	chan_msg_end(rm->rm_chan);
}

static int
role_main_msg(struct chan *c, uint16_t type, struct sbuf *body,
    const char **why)
{
	struct role_main *rm = chan_arg(c);
	uint16_t mode;

	switch (type) {
	case SPICE_MSGC_MAIN_CLIENT_INFO:
	case SPICE_MSGC_MAIN_QUALITY_INDICATOR:
		return 0;
	case SPICE_MSGC_MAIN_ATTACH_CHANNELS:
		rm->rm_attached = 1;
		if (rm->rm_have_channels)
			role_main_send_channels(rm);
		return 0;
	case SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST:
		if (sbuf_get_u16le(body, &mode) != 0) {
			*why = "protocol error: short MOUSE_MODE_REQUEST";
			return -1;
		}
		/* Exactly one supported mode, or it is ignored (the
		 * reference server only logs it, too). */
		if ((mode != SPICE_MOUSE_MODE_SERVER &&
		    mode != SPICE_MOUSE_MODE_CLIENT) ||
		    !(mode & rm->rm_mouse_modes)) {
			log_warn("session %u: unsupported mouse mode %u "
			    "requested", rm->rm_session, mode);
			return 0;
		}
		rm->rm_mouse_mode = mode;
		role_main_send_mouse_mode(rm);
		return 0;
	case SPICE_MSGC_MAIN_AGENT_START:
	case SPICE_MSGC_MAIN_AGENT_TOKEN:
	case SPICE_MSGC_MAIN_AGENT_DATA:
		return magent_client_msg(rm->rm_agent, type, body, why);
	case SPICE_MSGC_MAIN_MIGRATE_CONNECTED:
	case SPICE_MSGC_MAIN_MIGRATE_CONNECT_ERROR:
	case SPICE_MSGC_MAIN_MIGRATE_END:
	case SPICE_MSGC_MAIN_MIGRATE_DST_DO_SEAMLESS:
	case SPICE_MSGC_MAIN_MIGRATE_CONNECTED_SEAMLESS:
		*why = "protocol error: migration message outside a migration";
		return -1;
	default:
		log_debug("session %u: dropped unknown main message %u",
		    rm->rm_session, type);
		return 0;
	}
}

static void
role_main_closed(struct chan *c, const char *reason)
{
	struct role_main *rm = chan_arg(c);

	rm->rm_chan = NULL;
	magent_set_chan(rm->rm_agent, NULL, rm->rm_session);
	if (rm->rm_ping != NULL)
		event_del(rm->rm_ping);
	worker_conn_closed(rm->rm_w, rm->rm_session, rm->rm_conn, reason);
	worker_exit(rm->rm_w, 0, "main channel closed, session over");
}

static void
role_main_writable(struct chan *c)
{
	struct role_main *rm = chan_arg(c);

	magent_writable(rm->rm_agent);
}

static void
role_main_ping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct role_main *rm = arg;

	if (rm->rm_chan != NULL)
		chan_ping(rm->rm_chan);
}

/*
 * SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST to the address the client came to:
 * spice-gtk drops its channels and links again there, keeping its window
 * and credentials, and finds the next supervisor behind the listener that
 * systemd kept.  Body: u16 port, u16 sport, u32 host_size, u32 offset of
 * the host (NUL included), u32 cert_subject_size 0, u32 offset 0.
 */
static int
role_main_switch_host(struct role_main *rm, struct ipc_msg *msg,
    struct spd_err *err)
{
	struct ipc_switch_host sh;
	struct obuf *ob;
	uint32_t n;

	memcpy(&sh, msg->payload, sizeof(sh));
	if (rm->rm_chan == NULL || rm->rm_host[0] == '\0') {
		log_info("session %u: the viewer cannot be asked to reconnect "
		    "(not over TCP, or over WebSocket)", rm->rm_session);
		return 0;
	}
	n = (uint32_t)strlen(rm->rm_host) + 1;
	ob = chan_msg_begin(rm->rm_chan, SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST);
	/* The port it came to for its kind, the display's for the other. */
	obuf_put_u16le(ob, rm->rm_secure ? sh.port : rm->rm_port);
	obuf_put_u16le(ob, rm->rm_secure ? rm->rm_port : sh.tls_port);
	obuf_put_u32le(ob, n);
	obuf_put_u32le(ob, 20);		/* the host follows the fixed part */
	obuf_put_u32le(ob, 0);
	obuf_put_u32le(ob, 0);
	obuf_put_bytes(ob, rm->rm_host, n);
	chan_msg_end(rm->rm_chan);
	log_info("session %u: viewer asked to reconnect to %s port %u "
	    "(spiced restarts)", rm->rm_session, rm->rm_host, rm->rm_port);
	(void)err;
	return 0;
}

static int
role_main_client(struct role_main *rm, struct ipc_msg *msg,
    struct spd_err *err)
{
	struct ipc_client ic;
	struct timeval tv;
	int fd;

	/* The fd is ours from here, whatever happens. */
	fd = msg->fds[0];
	msg->fds[0] = -1;
	memcpy(&ic, msg->payload, sizeof(ic));
	if (rm->rm_had_client) {
		close(fd);
		return spd_err_set(err, "a second main connection (conn %u) "
		    "for one main worker", msg->hdr.ih_conn);
	}
	if (ic.channel_type != SPICE_CHANNEL_MAIN) {
		close(fd);
		return spd_err_set(err, "channel type %u handed to the main "
		    "role", ic.channel_type);
	}
	if (msg->hdr.ih_session == 0) {
		close(fd);
		return spd_err_set(err, "main connection without a session "
		    "id");
	}
	rm->rm_had_client = 1;
	if (ic.framing == IPC_FRAMING_NONE && ic.local_port != 0 &&
	    memchr(ic.local, '\0', sizeof(ic.local)) != NULL) {
		memcpy(rm->rm_host, ic.local, sizeof(rm->rm_host));
		rm->rm_port = ic.local_port;
		rm->rm_secure = ic.transport != IPC_TRANSPORT_PLAIN;
	}
	rm->rm_session = msg->hdr.ih_session;
	rm->rm_conn = msg->hdr.ih_conn;
	rm->rm_chan = chan_new(rm->rm_w->wk_base, fd, rm->rm_session,
	    rm->rm_conn, &ic, ROLE_MAIN_MAX_MSG, &role_main_chan_ops, rm,
	    err);
	if (rm->rm_chan == NULL)
		return -1;
	log_info("session %u conn %u: main channel from %s", rm->rm_session,
	    rm->rm_conn, ic.peer);
	magent_set_chan(rm->rm_agent, rm->rm_chan, rm->rm_session);
	role_main_send_init(rm);
	/* A first round trip at once: the session's latency is known from
	 * its start (spicectl stats), then every ROLE_MAIN_PING_SEC. */
	chan_ping(rm->rm_chan);
	tv.tv_sec = ROLE_MAIN_PING_SEC;
	tv.tv_usec = 0;
	event_add(rm->rm_ping, &tv);
	return 0;
}

static int
role_main_channels(struct role_main *rm, struct ipc_msg *msg,
    struct spd_err *err)
{
	struct ipc_channels ch;

	memcpy(&ch, msg->payload, sizeof(ch));
	if (ch.count > IPC_MAX_CHANNELS)
		return spd_err_set(err, "CHANNELS with %u entries, at most %d",
		    ch.count, IPC_MAX_CHANNELS);
	rm->rm_channels = ch;
	rm->rm_have_channels = 1;
	if (rm->rm_chan != NULL && rm->rm_attached)
		role_main_send_channels(rm);
	return 0;
}

/* What the producer can take changed: client mode only with a producer
 * that places the pointer.  A client in a mode no longer offered is
 * moved to server mode. */
static int
role_main_mouse_modes(struct role_main *rm, struct ipc_msg *msg,
    struct spd_err *err)
{
	struct ipc_mouse_modes mm;
	uint16_t modes;

	memcpy(&mm, msg->payload, sizeof(mm));
	modes = (uint16_t)(mm.supported & (SPICE_MOUSE_MODE_SERVER |
	    SPICE_MOUSE_MODE_CLIENT)) | SPICE_MOUSE_MODE_SERVER;
	if (modes == rm->rm_mouse_modes)
		return 0;
	rm->rm_mouse_modes = modes;
	if (!(rm->rm_mouse_mode & modes))
		rm->rm_mouse_mode = SPICE_MOUSE_MODE_SERVER;
	if (rm->rm_chan != NULL)
		role_main_send_mouse_mode(rm);
	return 0;
}

static int
role_main_start(struct worker *w, struct spd_err *err)
{
	struct role_main *rm = &role_main_state;

	memset(rm, 0, sizeof(*rm));
	rm->rm_w = w;
	rm->rm_mouse_mode = SPICE_MOUSE_MODE_CLIENT;
	rm->rm_mouse_modes = SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT;
	rm->rm_ping = event_new(w->wk_base, -1, EV_PERSIST, role_main_ping_cb,
	    rm);
	if (rm->rm_ping == NULL)
		return spd_err_set(err, "main: event_new for ping failed");
	if ((rm->rm_agent = magent_new(w, err)) == NULL)
		return -1;
	w->wk_role_data = rm;
	return 0;
}

static int
role_main_ipc(struct worker *w, struct ipc_msg *msg, struct spd_err *err)
{
	struct role_main *rm = w->wk_role_data;

	switch (msg->hdr.ih_type) {
	case IPC_D2W_CLIENT:
		return role_main_client(rm, msg, err);
	case IPC_D2W_CHANNELS:
		return role_main_channels(rm, msg, err);
	case IPC_D2W_MOUSE_MODES:
		return role_main_mouse_modes(rm, msg, err);
	case IPC_D2W_AGENT_ATTACH:
		magent_attach(rm->rm_agent, msg->fds[0]);
		msg->fds[0] = -1;
		return 0;
	case IPC_D2W_AGENT_DETACH:
		magent_detach(rm->rm_agent);
		return 0;
	case IPC_D2W_CONN_CLOSE:
		/* A close for a connection already gone crossed ours. */
		if (rm->rm_chan != NULL && msg->hdr.ih_conn == rm->rm_conn)
			chan_close(rm->rm_chan, "closed by supervisor");
		return 0;
	case IPC_D2W_SWITCH_HOST:
		return role_main_switch_host(rm, msg, err);
	case IPC_D2W_SESSION_CLOSE:
		if (rm->rm_chan != NULL)
			chan_close(rm->rm_chan, "session closed by supervisor");
		else
			worker_exit(w, 0, "session closed by supervisor");
		return 0;
	default:
		return spd_err_set(err, "message type %u is not for the main "
		    "role", msg->hdr.ih_type);
	}
}

const struct worker_role role_main = {
	.wr_name = "main",
	.wr_start = role_main_start,
	.wr_ipc = role_main_ipc,
};
