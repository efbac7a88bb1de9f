/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * session: sessions and channel routing.  A main-channel link creates a
 * session with a fresh random connection_id and its own main worker; other
 * channels must name a live session of the same display and a channel the
 * display offers now, else they get the matching link error.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spice/enums.h>
#include <spice/vd_agent.h>

#include "listen.h"
#include "log.h"
#include "qxl-shm.h"
#include "service.h"
#include "audio.h"
#include "handoff-fmt.h"
#include "ports.h"
#include "session.h"
#include "vdagent-stream.h"
#include "worker-proc.h"

struct session *
session_find(struct display *d, uint32_t id)
{
	struct session *s;

	LIST_FOREACH(s, &d->d_sessions, s_entry)
		if (s->s_id == id)
			return s;
	return NULL;
}

/* A random non-zero id not in use on any display: session ids are
 * capabilities a client presents, so they must not be guessable. */
static uint32_t
session_new_id(struct display *d)
{
	uint32_t id;
	int tries;

	for (tries = 0; tries < 64; tries++) {
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			continue;
		if (id != 0 && session_find(d, id) == NULL)
			return id;
	}
	return 0;
}

/* The per-display worker serving channels of type (display, cursor), or
 * NULL (restarting, or a type no such worker serves). */
static struct wproc *
session_channel_worker(const struct display *d, uint8_t type)
{
	if (type == SPICE_CHANNEL_DISPLAY)
		return d->d_worker;
	if (type == SPICE_CHANNEL_CURSOR)
		return d->d_cursor;
	return NULL;
}

/* The one-time ticket opens one session and admits only its channels. */
static uint32_t
session_once_admit(const struct link_info *li, struct display *d)
{
	if (li->channel_type == SPICE_CHANNEL_MAIN) {
		if (d->d_once_used) {
			log_warn("display \"%s\": one-time ticket refused: "
			    "it already opened session %u", d->d_name,
			    d->d_once_session);
			return SPICE_LINK_ERR_PERMISSION_DENIED;
		}
		/* Spent now, before the session exists: a second main link
		 * racing this one must not get in too. */
		d->d_once_used = 1;
		d->d_once_session = 0;
		return SPICE_LINK_ERR_OK;
	}
	if (!d->d_once_used || li->connection_id != d->d_once_session) {
		log_warn("display \"%s\": one-time ticket refused for a "
		    "channel of session %u: it belongs to session %u",
		    d->d_name, li->connection_id, d->d_once_session);
		return SPICE_LINK_ERR_PERMISSION_DENIED;
	}
	return SPICE_LINK_ERR_OK;
}

/* A byte-stream channel: a port of the producer's, free, for a session
 * that may send input. */
static uint32_t
session_port_admit(const struct link_info *li, struct display *d)
{
	struct display_port *p;
	struct session *s;

	if ((s = session_find(d, li->connection_id)) == NULL ||
	    s->s_main == NULL)
		return SPICE_LINK_ERR_BAD_CONNECTION_ID;
	if (s->s_view_only || li->view_only) {
		log_warn("display \"%s\": session %u: channel %u:%u refused: "
		    "view-only", d->d_name, s->s_id, li->channel_type,
		    li->channel_id);
		return SPICE_LINK_ERR_PERMISSION_DENIED;
	}
	if ((p = ports_find(d, li->channel_type, li->channel_id)) == NULL) {
		log_info("display \"%s\": session %u asked for channel %u:%u, "
		    "which the producer does not have", d->d_name, s->s_id,
		    li->channel_type, li->channel_id);
		return SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
	}
	if (p->dp_owner != NULL) {
		log_info("display \"%s\": session %u asked for \"%s\", which "
		    "session %u uses", d->d_name, s->s_id, p->dp_name,
		    p->dp_owner->s_id);
		return SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
	}
	if (p->dp_worker != NULL) {
		log_info("display \"%s\": session %u asked for \"%s\", whose "
		    "last session's channel is still closing", d->d_name,
		    s->s_id, p->dp_name);
		return SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
	}
	if (s->s_nconns >= SESSION_MAX_CHANNELS)
		return SPICE_LINK_ERR_ERROR;
	return SPICE_LINK_ERR_OK;
}

uint32_t
session_link_admit(const struct link_info *li, void *arg)
{
	struct display *d = arg;
	struct session *s;
	uint32_t rc;

	if (li->channel_type == SPICE_CHANNEL_MAIN &&
	    d->d_nsessions >= d->d_conf->cd_max_clients) {
		log_warn("display \"%s\": refusing a new session: "
		    "max-clients (%d) reached", d->d_name,
		    d->d_conf->cd_max_clients);
		return SPICE_LINK_ERR_ERROR;
	}
	if (li->once && (rc = session_once_admit(li, d)) !=
	    SPICE_LINK_ERR_OK)
		return rc;
	switch (li->channel_type) {
	case SPICE_CHANNEL_MAIN:
		return SPICE_LINK_ERR_OK;
	case SPICE_CHANNEL_INPUTS:
		if ((s = session_find(d, li->connection_id)) == NULL ||
		    s->s_main == NULL)
			return SPICE_LINK_ERR_BAD_CONNECTION_ID;
		if (s->s_view_only || li->view_only) {
			log_warn("display \"%s\": session %u: inputs channel "
			    "refused: view-only %s", d->d_name, s->s_id,
			    s->s_view_only ? "session" : "ticket");
			return SPICE_LINK_ERR_PERMISSION_DENIED;
		}
		if (li->channel_id != 0 || s->s_inputs != NULL) {
			log_info("display \"%s\": session %u asked for inputs "
			    "channel %u, which is not available", d->d_name,
			    s->s_id, li->channel_id);
			return SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
		}
		return SPICE_LINK_ERR_OK;
	case SPICE_CHANNEL_DISPLAY:
	case SPICE_CHANNEL_CURSOR:
		if ((s = session_find(d, li->connection_id)) == NULL ||
		    s->s_main == NULL) {
			log_info("display \"%s\": channel type %u names "
			    "unknown session %u", d->d_name, li->channel_type,
			    li->connection_id);
			return SPICE_LINK_ERR_BAD_CONNECTION_ID;
		}
		if (s->s_nconns >= SESSION_MAX_CHANNELS) {
			log_warn("display \"%s\": session %u already has %d "
			    "channel connections", d->d_name, s->s_id,
			    s->s_nconns);
			return SPICE_LINK_ERR_ERROR;
		}
		/* A worker being restarted: the link waits for it
		 * (park.h), while there is room. */
		if (li->channel_id != 0 || (session_channel_worker(d,
		    li->channel_type) == NULL && (d->d_stopping ||
		    !park_room(&d->d_park)))) {
			log_info("display \"%s\": session %u asked for channel "
			    "%u:%u, which is not available", d->d_name,
			    s->s_id, li->channel_type, li->channel_id);
			return SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
		}
		return SPICE_LINK_ERR_OK;
	case SPICE_CHANNEL_USBREDIR:
	case SPICE_CHANNEL_PORT:
	case SPICE_CHANNEL_WEBDAV:
	case SPICE_CHANNEL_SMARTCARD:
		return session_port_admit(li, d);
	case SPICE_CHANNEL_PLAYBACK:
	case SPICE_CHANNEL_RECORD:
		if ((s = session_find(d, li->connection_id)) == NULL ||
		    s->s_main == NULL)
			return SPICE_LINK_ERR_BAD_CONNECTION_ID;
		if (s->s_view_only && li->channel_type == SPICE_CHANNEL_RECORD)
			return SPICE_LINK_ERR_PERMISSION_DENIED;
		if (li->channel_id != 0 ||
		    !audio_admits(d, s, audio_way(li->channel_type))) {
			log_info("display \"%s\": session %u asked for %s "
			    "channel %u, which is not available", d->d_name,
			    s->s_id, li->channel_type == SPICE_CHANNEL_RECORD ?
			    "record" : "playback", li->channel_id);
			return SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
		}
		return SPICE_LINK_ERR_OK;
	default:
		if (session_find(d, li->connection_id) == NULL)
			return SPICE_LINK_ERR_BAD_CONNECTION_ID;
		log_info("display \"%s\": channel type %u is not offered",
		    d->d_name, li->channel_type);
		return SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
	}
}

/*
 * The channels a session may link, sent once: spice-gtk creates a channel
 * for every entry of every CHANNELS_LIST it gets, so a second list naming
 * display 0 again would give the viewer two display channels.  Display 0
 * and cursor 0 are always there: their workers live as long as the
 * display, with or without a producer (display.c).
 */
static int
session_send_channels(struct session *s)
{
	struct ipc_channels ch;

	memset(&ch, 0, sizeof(ch));
	ch.ch[ch.count].type = SPICE_CHANNEL_DISPLAY;
	ch.ch[ch.count].id = 0;
	ch.count++;
	ch.ch[ch.count].type = SPICE_CHANNEL_CURSOR;
	ch.ch[ch.count].id = 0;
	ch.count++;
	/* Listed with or without a producer that takes input (the worker
	 * drops events until one does), but never to a view-only session. */
	if (!s->s_view_only) {
		ch.ch[ch.count].type = SPICE_CHANNEL_INPUTS;
		ch.ch[ch.count].id = 0;
		ch.count++;
		/* USB devices and ports carry input too. */
		ports_channels(s->s_display, &ch);
	}
	if (audio_available(s->s_display, AUDIO_PLAYBACK)) {
		ch.ch[ch.count].type = SPICE_CHANNEL_PLAYBACK;
		ch.ch[ch.count].id = 0;
		ch.count++;
	}
	if (!s->s_view_only && audio_available(s->s_display, AUDIO_RECORD)) {
		ch.ch[ch.count].type = SPICE_CHANNEL_RECORD;
		ch.ch[ch.count].id = 0;
		ch.count++;
	}
	return wproc_send(s->s_main, IPC_D2W_CHANNELS, s->s_id, 0, &ch,
	    sizeof(ch), NULL, 0);
}

void
session_channels_changed(struct display *d)
{
	struct session *s, *next;

	for (s = LIST_FIRST(&d->d_sessions); s != NULL; s = next) {
		next = LIST_NEXT(s, s_entry);
		if (s->s_main != NULL)
			(void)session_send_channels(s);
	}
}

/* Client mode needs a producer that takes absolute positions; with no
 * producer yet, both are offered so a client does not switch back and
 * forth at every restart. */
static uint32_t
session_mouse_modes(const struct display *d)
{
	if (d->d_producer != NULL && d->d_input_fd >= 0 &&
	    !(d->d_input_flags & QXLSHM_INPUT_ABSOLUTE))
		return SPICE_MOUSE_MODE_SERVER;
	return SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT;
}

static int
session_send_mouse_modes(struct session *s)
{
	struct ipc_mouse_modes mm = { session_mouse_modes(s->s_display) };

	return wproc_send(s->s_main, IPC_D2W_MOUSE_MODES, s->s_id, 0, &mm,
	    sizeof(mm), NULL, 0);
}

/* Give an inputs worker the producer's input socket, or take it. */
static int
session_send_input(struct session *s)
{
	struct display *d = s->s_display;
	struct ipc_input in;

	if (d->d_input_fd < 0)
		return wproc_send(s->s_inputs, IPC_D2W_INPUT_DETACH, s->s_id,
		    0, NULL, 0, NULL, 0);
	memset(&in, 0, sizeof(in));
	in.flags = d->d_input_flags;
	in.leds = d->d_leds;
	return wproc_send(s->s_inputs, IPC_D2W_INPUT_ATTACH, s->s_id, 0, &in,
	    sizeof(in), &d->d_input_fd, 1);
}

void
session_input_changed(struct display *d)
{
	struct session *s, *next;

	for (s = LIST_FIRST(&d->d_sessions); s != NULL; s = next) {
		next = LIST_NEXT(s, s_entry);
		/* A failed send ends that worker, and maybe the session. */
		if (s->s_inputs != NULL && session_send_input(s) != 0)
			continue;
		if (s->s_main != NULL)
			(void)session_send_mouse_modes(s);
	}
}

void
session_leds_changed(struct display *d)
{
	struct ipc_leds l = { d->d_leds };
	struct session *s, *next;

	for (s = LIST_FIRST(&d->d_sessions); s != NULL; s = next) {
		next = LIST_NEXT(s, s_entry);
		if (s->s_inputs != NULL)
			(void)wproc_send(s->s_inputs, IPC_D2W_INPUT_LEDS,
			    s->s_id, 0, &l, sizeof(l), NULL, 0);
	}
}

/* wproc's exit callback for a main worker: its session ends with it. */
static void
session_main_gone(struct wproc *w, const char *reason, void *arg)
{
	struct session *s = arg;
	char why[256];

	if (s->s_main != w)
		return;
	s->s_main = NULL;
	snprintf(why, sizeof(why), "main worker ended (%s)", reason);
	session_end(s, why);
}

void
session_display_lost(struct display *d, uint8_t type, const char *reason)
{
	struct session *s, *next;
	struct session_chan *sc, *cn;
	int had;

	for (s = LIST_FIRST(&d->d_sessions); s != NULL; s = next) {
		next = LIST_NEXT(s, s_entry);
		had = 0;
		for (sc = TAILQ_FIRST(&s->s_chans); sc != NULL; sc = cn) {
			cn = TAILQ_NEXT(sc, sc_entry);
			if (sc->sc_type != type)
				continue;
			TAILQ_REMOVE(&s->s_chans, sc, sc_entry);
			free(sc);
			if (s->s_nconns > 0)
				s->s_nconns--;
			had = 1;
		}
		if (had)
			session_end(s, reason);
	}
}

/* Remember a linked channel connection for the control socket's list.
 * Out of memory only costs the listing, never the connection. */
static void
session_chan_add(struct session *s, uint32_t conn, const struct link_info *li)
{
	struct session_chan *sc;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return;
	sc->sc_conn = conn;
	sc->sc_type = li->channel_type;
	sc->sc_id = li->channel_id;
	sc->sc_transport = li->client.transport;
	sc->sc_secure = li->secure;
	sc->sc_framing = li->client.framing;
	snprintf(sc->sc_peer, sizeof(sc->sc_peer), "%s", li->client.peer);
	sc->sc_since = time(NULL);
	TAILQ_INSERT_TAIL(&s->s_chans, sc, sc_entry);
	/* Kept at once, as a session's start: a channel missing from the
	 * record would serve on after a crash with no supervisor that
	 * knows of it (its relay stopped by none). */
	svc_changed_now();
}

static void
session_chan_remove(struct session *s, uint32_t conn)
{
	struct session_chan *sc;

	TAILQ_FOREACH(sc, &s->s_chans, sc_entry)
		if (sc->sc_conn == conn) {
			TAILQ_REMOVE(&s->s_chans, sc, sc_entry);
			free(sc);
			svc_changed();
			return;
		}
}

static void
session_new_main(int fd, const struct link_info *li, struct display *d)
{
	struct spd_err err;
	struct session *s;
	uint32_t conn;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->s_id = session_new_id(d)) == 0) {
		log_warn("display \"%s\": cannot create a session for %s",
		    d->d_name, li->client.peer);
		free(s);
		close(fd);
		return;
	}
	s->s_display = d;
	s->s_view_only = li->view_only;
	if (li->once)
		d->d_once_session = s->s_id;
	s->s_order = ++d->d_session_seq;
	s->s_since = time(NULL);
	TAILQ_INIT(&s->s_chans);
	LIST_INSERT_HEAD(&d->d_sessions, s, s_entry);
	d->d_nsessions++;
	if ((s->s_main = wproc_spawn(WPROC_MAIN, d, s, &err)) == NULL) {
		log_warn("display \"%s\": session %u: %s", d->d_name, s->s_id,
		    err.msg);
		close(fd);
		session_end(s, "main worker failed to start");
		return;
	}
	s->s_main->w_gone = session_main_gone;
	s->s_main->w_gone_arg = s;
	conn = spiced_next_conn_id();
	s->s_main_conn = conn;
	s->s_nconns = 1;
	session_chan_add(s, conn, li);
	if (session_send_channels(s) != 0 || session_send_mouse_modes(s) != 0 ||
	    wproc_send(s->s_main, IPC_D2W_CLIENT, s->s_id, conn, &li->client,
	    sizeof(li->client), &fd, 1) != 0) {
		close(fd);
		return;	/* wproc_send ended the worker and so the session */
	}
	close(fd);
	log_info("display \"%s\": session %u started for %s", d->d_name,
	    s->s_id, li->client.peer);
	session_agent_update(d);
	svc_status();
	/* Kept for the next supervisor at the next turn of the loop, not at
	 * the end of a burst of logins: a crash meanwhile would end it. */
	svc_changed_now();
}

/* wproc's exit callback for an inputs worker: the channel is gone, the
 * session stays. */
static void
session_inputs_gone(struct wproc *w, const char *reason, void *arg)
{
	struct session *s = arg;

	if (s->s_inputs != w)
		return;
	s->s_inputs = NULL;
}

/* The inputs channel of a session: a worker of its own, given the
 * producer's input socket first. */
static void
session_new_inputs(int fd, const struct link_info *li, struct display *d)
{
	struct spd_err err;
	struct session *s;
	uint32_t conn;

	if ((s = session_find(d, li->connection_id)) == NULL ||
	    s->s_inputs != NULL) {
		close(fd);
		return;
	}
	if ((s->s_inputs = wproc_spawn(WPROC_INPUTS, d, s, &err)) == NULL) {
		log_warn("display \"%s\": session %u: inputs worker: %s",
		    d->d_name, s->s_id, err.msg);
		close(fd);
		return;
	}
	s->s_inputs->w_gone = session_inputs_gone;
	s->s_inputs->w_gone_arg = s;
	conn = spiced_next_conn_id();
	if (session_send_input(s) == 0 && s->s_inputs != NULL &&
	    wproc_send(s->s_inputs, IPC_D2W_CLIENT, s->s_id, conn,
	    &li->client, sizeof(li->client), &fd, 1) == 0) {
		s->s_nconns++;
		session_chan_add(s, conn, li);
	}
	close(fd);
}

/* A byte-stream channel: its port's own vmc worker. */
static void
session_new_port(int fd, const struct link_info *li, struct display *d)
{
	struct display_port *p;
	struct session *s;
	uint32_t conn;

	/* admit ran synchronously just before; re-check all the same. */
	if ((s = session_find(d, li->connection_id)) == NULL ||
	    (p = ports_find(d, li->channel_type, li->channel_id)) == NULL ||
	    p->dp_owner != NULL) {
		close(fd);
		return;
	}
	conn = spiced_next_conn_id();
	if (ports_start(d, p, s, s->s_id, fd, li, conn) == 0) {
		s->s_nconns++;
		session_chan_add(s, conn, li);
	}
}

/* A playback or record channel: a worker of its own, given the sound
 * or the microphone. */
static void
session_new_audio(int fd, const struct link_info *li, struct display *d)
{
	int way = audio_way(li->channel_type);
	struct session *s;
	uint32_t conn;

	if ((s = session_find(d, li->connection_id)) == NULL ||
	    !audio_admits(d, s, way)) {
		close(fd);
		return;
	}
	conn = spiced_next_conn_id();
	if (audio_start(d, s, way, fd, li, conn) == 0) {
		s->s_nconns++;
		session_chan_add(s, conn, li);
	}
}

static void	session_hand_channel(struct session *, struct wproc *, int,
		    const struct link_info *);

void
session_link_handoff(int fd, const struct link_info *li, void *arg)
{
	struct display *d = arg;
	struct session *s;
	struct wproc *w;

	if (li->channel_type == SPICE_CHANNEL_MAIN) {
		session_new_main(fd, li, d);
		return;
	}
	if (li->channel_type == SPICE_CHANNEL_INPUTS) {
		session_new_inputs(fd, li, d);
		return;
	}
	if (ports_is_channel(li->channel_type)) {
		session_new_port(fd, li, d);
		return;
	}
	if (audio_way(li->channel_type) >= 0) {
		session_new_audio(fd, li, d);
		return;
	}
	/* admit ran synchronously just before; re-check all the same. */
	if ((s = session_find(d, li->connection_id)) == NULL) {
		close(fd);
		return;
	}
	if ((w = session_channel_worker(d, li->channel_type)) == NULL) {
		if (park_add(&d->d_park, fd, li) == 0)
			log_info("display \"%s\": session %u: channel %u from "
			    "%s waits for the %s worker, which is restarting",
			    d->d_name, s->s_id, li->channel_type,
			    li->client.peer, li->channel_type ==
			    SPICE_CHANNEL_DISPLAY ? "display" : "cursor");
		return;
	}
	session_hand_channel(s, w, fd, li);
}

/* Give the per-display worker w one more channel connection of s. */
static void
session_hand_channel(struct session *s, struct wproc *w, int fd,
    const struct link_info *li)
{
	uint32_t conn = spiced_next_conn_id();

	if (wproc_send(w, IPC_D2W_CLIENT, s->s_id, conn, &li->client,
	    sizeof(li->client), &fd, 1) == 0) {
		s->s_nconns++;
		session_chan_add(s, conn, li);
		log_debug("display \"%s\": session %u: channel type %u from "
		    "%s is connection %u", s->s_display->d_name, s->s_id,
		    li->channel_type, li->client.peer, conn);
	}
	close(fd);
}

void
session_unpark(struct display *d, uint8_t type)
{
	struct link_info li;
	struct session *s;
	struct wproc *w;
	int fd;

	while ((w = session_channel_worker(d, type)) != NULL &&
	    park_take(&d->d_park, type, &fd, &li)) {
		if ((s = session_find(d, li.connection_id)) == NULL) {
			close(fd);
			continue;
		}
		log_info("display \"%s\": session %u: channel %u from %s goes "
		    "to the new worker", d->d_name, s->s_id, type,
		    li.client.peer);
		session_hand_channel(s, w, fd, &li);
	}
}

/* The session the agent belongs to now (session_agent_update()). */
static struct session *
session_agent_choice(struct display *d)
{
	struct session *s, *best = NULL;

	if (d->d_agent_fd < 0)
		return NULL;
	LIST_FOREACH(s, &d->d_sessions, s_entry) {
		if (s->s_view_only || s->s_main == NULL)
			continue;
		if (best == NULL || s->s_input_seq > best->s_input_seq ||
		    (s->s_input_seq == best->s_input_seq &&
		    s->s_order < best->s_order))
			best = s;
	}
	return best;
}

/* Tell the agent its client is gone, before the next owner's first byte
 * (so from here, in order: the old owner's worker is in another process
 * and would race the new one).  Best effort: a full port loses it. */
static void
session_agent_tell_gone(struct display *d)
{
	uint8_t buf[sizeof(struct qxlshm_agent_chunk) + VDS_HDR_LEN];
	struct qxlshm_agent_chunk ch = { QXLSHM_AGENT_PORT_SERVER,
	    VDS_HDR_LEN };

	memcpy(buf, &ch, sizeof(ch));
	vds_header(buf + sizeof(ch), VD_AGENT_CLIENT_DISCONNECTED, 0, 0);
	if (send(d->d_agent_fd, buf, sizeof(buf), MSG_DONTWAIT |
	    MSG_NOSIGNAL) != (ssize_t)sizeof(buf))
		log_info("display \"%s\": could not tell the agent its client "
		    "left: %s", d->d_name, strerror(errno));
}

void
session_agent_update(struct display *d)
{
	struct session *old = d->d_agent_owner, *s;

	s = session_agent_choice(d);
	if (s == old)
		return;
	d->d_agent_owner = s;
	if (old != NULL && d->d_agent_fd >= 0)
		session_agent_tell_gone(d);
	if (old != NULL && old->s_main != NULL)
		(void)wproc_send(old->s_main, IPC_D2W_AGENT_DETACH, old->s_id, 0,
		    NULL, 0, NULL, 0);
	/* A failed send ends that session, which calls us again. */
	if (s != NULL && wproc_send(s->s_main, IPC_D2W_AGENT_ATTACH, s->s_id,
	    0, NULL, 0, &d->d_agent_fd, 1) != 0)
		return;
	if (s != NULL)
		log_info("display \"%s\": the agent goes to session %u",
		    d->d_name, s->s_id);
}

void
session_input_active(struct session *s)
{
	struct display *d = s->s_display;

	s->s_input_seq = ++d->d_input_seq;
	if (d->d_agent_owner != s)
		session_agent_update(d);
}

void
session_end(struct session *s, const char *reason)
{
	struct display *d = s->s_display;
	struct wproc *main_worker = s->s_main;
	struct session_chan *sc;

	LIST_REMOVE(s, s_entry);
	d->d_nsessions--;
	if (d->d_agent_owner == s) {
		/* Its main worker is stopped below: no DETACH needed.  The
		 * agent hears its client left (it drops what that client
		 * began: a message half sent, files half written) before
		 * the next owner's first byte. */
		d->d_agent_owner = NULL;
		if (d->d_agent_fd >= 0)
			session_agent_tell_gone(d);
		session_agent_update(d);
	}
	log_info("display \"%s\": session %u ended: %s", d->d_name, s->s_id,
	    reason);
	svc_status();
	if (d->d_worker != NULL)
		(void)wproc_send(d->d_worker, IPC_D2W_SESSION_CLOSE, s->s_id, 0,
		    NULL, 0, NULL, 0);
	if (d->d_cursor != NULL)
		(void)wproc_send(d->d_cursor, IPC_D2W_SESSION_CLOSE, s->s_id, 0,
		    NULL, 0, NULL, 0);
	s->s_main = NULL;
	if (main_worker != NULL) {
		main_worker->w_session = NULL;
		main_worker->w_gone = NULL;
		wproc_stop(main_worker, reason);
	}
	if (s->s_inputs != NULL) {
		s->s_inputs->w_session = NULL;
		s->s_inputs->w_gone = NULL;
		wproc_stop(s->s_inputs, reason);
		s->s_inputs = NULL;
	}
	ports_release(d, s);
	audio_release(d, s);
	park_drop(&d->d_park, s->s_id);
	while ((sc = TAILQ_FIRST(&s->s_chans)) != NULL) {
		TAILQ_REMOVE(&s->s_chans, sc, sc_entry);
		free(sc);
	}
	free(s);
}

struct session_chan *
session_chan_find(struct display *d, uint32_t id, uint32_t conn)
{
	struct session_chan *sc;
	struct session *s;

	if ((s = session_find(d, id)) == NULL)
		return NULL;
	TAILQ_FOREACH(sc, &s->s_chans, sc_entry)
		if (sc->sc_conn == conn)
			return sc;
	return NULL;
}

void
session_conn_closed(struct display *d, uint32_t id, uint32_t conn)
{
	struct session *s;

	if ((s = session_find(d, id)) == NULL)
		return;
	if (s->s_nconns > 0)
		s->s_nconns--;
	session_chan_remove(s, conn);
	if (conn == s->s_main_conn)
		session_end(s, "main channel closed");
}

unsigned
session_switch_host(struct display *d)
{
	struct ipc_switch_host sh;
	struct session *s, *next;
	unsigned n = 0;
	int port, tls_port;

	listen_ports(d, &port, &tls_port);
	memset(&sh, 0, sizeof(sh));
	sh.port = (uint16_t)port;
	sh.tls_port = (uint16_t)tls_port;
	/* A failed send ends that session (and frees it) on the spot. */
	for (s = LIST_FIRST(&d->d_sessions); s != NULL; s = next) {
		next = LIST_NEXT(s, s_entry);
		if (s->s_main != NULL && wproc_send(s->s_main,
		    IPC_D2W_SWITCH_HOST, s->s_id, 0, &sh, sizeof(sh), NULL,
		    0) == 0)
			n++;
	}
	return n;
}

struct session *
session_adopt(struct display *d, const struct ho_session *hs)
{
	struct session *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->s_id = hs->id;
	s->s_display = d;
	s->s_view_only = (int)hs->view_only;
	s->s_main_conn = hs->main_conn;
	s->s_nconns = (int)hs->nconns;
	s->s_order = hs->order;
	s->s_input_seq = hs->input_seq;
	s->s_audio_seq[AUDIO_PLAYBACK] = hs->audio_seq[AUDIO_PLAYBACK];
	s->s_audio_seq[AUDIO_RECORD] = hs->audio_seq[AUDIO_RECORD];
	s->s_since = (time_t)hs->since;
	TAILQ_INIT(&s->s_chans);
	LIST_INSERT_HEAD(&d->d_sessions, s, s_entry);
	d->d_nsessions++;
	return s;
}

void
session_adopt_chan(struct session *s, const struct ho_chan *hc)
{
	struct session_chan *sc;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return;
	sc->sc_conn = hc->conn;
	sc->sc_type = hc->type;
	sc->sc_id = hc->id;
	sc->sc_transport = hc->transport;
	sc->sc_secure = (int)hc->secure;
	sc->sc_framing = hc->framing;
	memcpy(sc->sc_peer, hc->peer, sizeof(sc->sc_peer));
	sc->sc_since = (time_t)hc->since;
	sc->sc_adopted = 1;
	TAILQ_INSERT_TAIL(&s->s_chans, sc, sc_entry);
}

void
session_adopt_worker(struct session *s, struct wproc *w)
{
	if (w->w_role == WPROC_MAIN) {
		s->s_main = w;
		w->w_gone = session_main_gone;
	} else {
		s->s_inputs = w;
		w->w_gone = session_inputs_gone;
	}
	w->w_gone_arg = s;
}

void
session_export(const struct session *s, struct ho_session *hs)
{
	memset(hs, 0, sizeof(*hs));
	hs->id = s->s_id;
	hs->view_only = (uint32_t)s->s_view_only;
	hs->main_conn = s->s_main_conn;
	hs->nconns = (uint32_t)s->s_nconns;
	hs->order = s->s_order;
	hs->input_seq = s->s_input_seq;
	hs->audio_seq[AUDIO_PLAYBACK] = s->s_audio_seq[AUDIO_PLAYBACK];
	hs->audio_seq[AUDIO_RECORD] = s->s_audio_seq[AUDIO_RECORD];
	hs->since = (int64_t)s->s_since;
}

void
session_export_chan(const struct session *s, const struct session_chan *sc,
    struct ho_chan *hc)
{
	memset(hc, 0, sizeof(*hc));
	hc->session = s->s_id;
	hc->conn = sc->sc_conn;
	hc->type = sc->sc_type;
	hc->id = sc->sc_id;
	hc->transport = sc->sc_transport;
	hc->secure = (uint32_t)(sc->sc_secure != 0);
	hc->framing = sc->sc_framing;
	memcpy(hc->peer, sc->sc_peer, sizeof(hc->peer));
	hc->since = (int64_t)sc->sc_since;
}
