/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* handoff-fmt: see handoff-fmt.h. */
#include <string.h>

#include "handoff-fmt.h"
#include "worker-proc.h"

/* What one display brought so far: enough to check references. */
struct ho_check {
	int		 stage;		/* the last kind seen */
	uint32_t	 nsessions;
	uint32_t	 sid[HO_MAX_SESSIONS];
	uint8_t		 has[HO_MAX_SESSIONS];	/* 1 << role per worker */
	uint32_t	 nports;
	uint32_t	 port_owner[QXLSHM_MAX_PORTS];
	uint8_t		 port_worker[QXLSHM_MAX_PORTS];
	int		 display_worker, cursor_worker, producer;
	const struct ho_display *d;
};

static int
ho_str_ok(const char *s, size_t max)
{
	return memchr(s, '\0', max) != NULL;
}

/* An fd index: -1, or one of the nfds not named before. */
static int
ho_fd_ok(int32_t fd, uint32_t nfds, uint8_t *used, int may_be_none)
{
	if (fd == -1)
		return may_be_none;
	if (fd < 0 || (uint32_t)fd >= nfds || used[fd])
		return 0;
	used[fd] = 1;
	return 1;
}

static int
ho_session_idx(const struct ho_check *c, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < c->nsessions; i++)
		if (c->sid[i] == id)
			return (int)i;
	return -1;
}

static int
ho_owner_ok(const struct ho_check *c, uint32_t id)
{
	return id == 0 || ho_session_idx(c, id) >= 0;
}

/* A display's records ended: what its first records named must exist. */
static int
ho_display_end(const struct ho_check *c, struct spd_err *err)
{
	uint32_t i;
	int w;

	if (c->d == NULL)
		return 0;
	if (!ho_owner_ok(c, c->d->agent_owner) ||
	    !ho_owner_ok(c, c->d->audio_owner[0]) ||
	    !ho_owner_ok(c, c->d->audio_owner[1]))
		return spd_err_set(err, "display \"%s\": an owner is no "
		    "session of it", c->d->name);
	for (i = 0; i < c->nports; i++)
		if (!ho_owner_ok(c, c->port_owner[i]) ||
		    (c->port_owner[i] != 0 && !c->port_worker[i]))
			return spd_err_set(err, "display \"%s\": port %u's "
			    "owner and worker disagree", c->d->name, i);
	for (i = 0; i < c->nsessions; i++)
		if (!(c->has[i] & (1u << WPROC_MAIN)))
			return spd_err_set(err, "display \"%s\": session %u "
			    "has no main worker", c->d->name, c->sid[i]);
	for (w = 0; w < 2; w++)
		if (c->d->audio_owner[w] != 0 && !(c->has[ho_session_idx(c,
		    c->d->audio_owner[w])] & (1u << (w == 0 ?
		    WPROC_PLAYBACK : WPROC_RECORD))))
			return spd_err_set(err, "display \"%s\": the audio "
			    "owner has no audio worker", c->d->name);
	return 0;
}

static int
ho_check_worker(struct ho_check *c, const struct ho_worker *w,
    uint32_t nfds, uint8_t *used, struct spd_err *err)
{
	int si = -1;
	uint8_t bit;

	if (w->role > WPROC_RECORD || w->role == WPROC_KEYGEN ||
	    w->ready > 1 || w->pid <= 0 ||
	    !ho_fd_ok(w->fd, nfds, used, 0) ||
	    !ho_fd_ok(w->pidfd, nfds, used, 0))
		return spd_err_set(err, "a worker record is malformed");
	if (w->role == WPROC_DISPLAY || w->role == WPROC_CURSOR) {
		int *seen = w->role == WPROC_DISPLAY ? &c->display_worker :
		    &c->cursor_worker;

		if (w->session != 0 || w->port != -1 || (*seen)++)
			return spd_err_set(err, "a second display or cursor "
			    "worker, or one bound to a session");
		return 0;
	}
	if (w->role == WPROC_VMC) {
		/* Session 0: a port's worker whose session went. */
		if ((w->session != 0 && ho_session_idx(c, w->session) < 0) ||
		    w->port < 0 || (uint32_t)w->port >= c->nports ||
		    c->port_worker[w->port] ||
		    c->port_owner[w->port] != w->session)
			return spd_err_set(err, "a vmc worker names no port "
			    "of its session");
		c->port_worker[w->port] = 1;
		return 0;
	}
	if ((si = ho_session_idx(c, w->session)) < 0)
		return spd_err_set(err, "a worker of role %u names unknown "
		    "session %u", w->role, w->session);
	bit = (uint8_t)(1u << w->role);
	if (w->port != -1)
		return spd_err_set(err, "a worker of role %u names a port",
		    w->role);
	if (c->has[si] & bit)
		return spd_err_set(err, "session %u: a second worker of role "
		    "%u", w->session, w->role);
	c->has[si] |= bit;
	return 0;
}

/* Check one record r of the display whose state is c. */
static int
ho_check_rec(struct ho_check *c, const struct ho_item *r, uint32_t nfds,
    uint8_t *used, struct spd_err *err)
{
	uint32_t i;

	if (r->kind < c->stage || (r->kind == HO_PRODUCER &&
	    c->stage == HO_PRODUCER))
		return spd_err_set(err, "record kind %u out of order",
		    r->kind);
	c->stage = r->kind;
	switch (r->kind) {
	case HO_PRODUCER:
		if (!ho_str_ok(r->u.p.name, sizeof(r->u.p.name)) ||
		    !ho_fd_ok(r->u.p.fd, nfds, used, 0) ||
		    r->u.p.have_primary > 1)
			return spd_err_set(err, "a producer record is "
			    "malformed");
		for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
			if (!ho_fd_ok(r->u.p.slots[i].fd, nfds, used, 1))
				return spd_err_set(err, "a producer slot "
				    "names a bad descriptor");
		for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
			if (!ho_fd_ok(r->u.p.devfd[i], nfds, used, 1))
				return spd_err_set(err, "a producer doorbell "
				    "names a bad descriptor");
		c->producer = 1;
		return 0;
	case HO_PORT:
		if (c->nports == QXLSHM_MAX_PORTS ||
		    !ho_str_ok(r->u.port.name, sizeof(r->u.port.name)) ||
		    !ho_fd_ok(r->u.port.fd, nfds, used, 0) ||
		    r->u.port.opened > 1 || !c->producer)
			return spd_err_set(err, "a port record is malformed");
		c->port_owner[c->nports++] = r->u.port.owner;
		return 0;
	case HO_SESSION:
		if (r->u.s.id == 0 || r->u.s.view_only > 1 ||
		    c->nsessions == HO_MAX_SESSIONS ||
		    ho_session_idx(c, r->u.s.id) >= 0)
			return spd_err_set(err, "a session record is "
			    "malformed or repeated");
		c->sid[c->nsessions++] = r->u.s.id;
		return 0;
	case HO_CHAN:
		if (ho_session_idx(c, r->u.c.session) < 0 ||
		    r->u.c.secure > 1 ||
		    !ho_str_ok(r->u.c.peer, sizeof(r->u.c.peer)))
			return spd_err_set(err, "a channel record is malformed "
			    "or of an unknown session");
		return 0;
	case HO_WORKER:
		return ho_check_worker(c, &r->u.w, nfds, used, err);
	}
	return spd_err_set(err, "record kind %u unknown", r->kind);
}

static size_t
ho_rec_size(uint16_t kind)
{
	switch (kind) {
	case HO_DISPLAY:
		return sizeof(struct ho_display);
	case HO_PRODUCER:
		return sizeof(struct ho_producer);
	case HO_PORT:
		return sizeof(struct ho_port);
	case HO_SESSION:
		return sizeof(struct ho_session);
	case HO_CHAN:
		return sizeof(struct ho_chan);
	case HO_WORKER:
		return sizeof(struct ho_worker);
	}
	return 0;
}

/* A new display: its own fields (names unique among those before). */
static int
ho_check_display(const struct ho_item *items, size_t n,
    const struct ho_display *d, uint32_t nfds, uint8_t *used,
    struct spd_err *err)
{
	size_t i;

	if (!ho_str_ok(d->name, sizeof(d->name)) || d->name[0] == '\0' ||
	    d->once_used > 1 || !ho_fd_ok(d->input_fd, nfds, used, 1) ||
	    !ho_fd_ok(d->agent_fd, nfds, used, 1) ||
	    !ho_fd_ok(d->audio_fd[0], nfds, used, 1) ||
	    !ho_fd_ok(d->audio_fd[1], nfds, used, 1))
		return spd_err_set(err, "a display record is malformed");
	for (i = 0; i < n; i++)
		if (items[i].kind == HO_DISPLAY &&
		    strcmp(items[i].u.d.name, d->name) == 0)
			return spd_err_set(err, "display \"%s\" twice",
			    d->name);
	return 0;
}

int
ho_parse(const uint8_t *buf, size_t len, uint32_t nfds,
    struct ho_head *head, struct ho_item *items, size_t max, size_t *n,
    struct spd_err *err)
{
	static struct ho_check c;
	static uint8_t used[HO_MAX_FDS];
	struct ho_rec_hdr rh;
	struct ho_item *r;
	size_t off = sizeof(*head), k, cur = 0;

	*n = 0;
	if (len < sizeof(*head) || len > HO_MAX_BYTES)
		return spd_err_set(err, "%zu bytes, not a handoff", len);
	memcpy(head, buf, sizeof(*head));
	if (head->magic != HO_MAGIC || head->version != HO_VERSION)
		return spd_err_set(err, "not a handoff of version %u",
		    HO_VERSION);
	if (head->nrecs > HO_MAX_RECS || head->nrecs > max ||
	    head->nfds != nfds || nfds > HO_MAX_FDS)
		return spd_err_set(err, "%u records and %u descriptors (%u "
		    "came)", head->nrecs, head->nfds, nfds);
	memset(&c, 0, sizeof(c));
	memset(used, 0, nfds);
	for (k = 0; k < head->nrecs; k++) {
		if (len - off < sizeof(rh))
			return spd_err_set(err, "record %zu cut short", k);
		memcpy(&rh, buf + off, sizeof(rh));
		off += sizeof(rh);
		if (ho_rec_size(rh.kind) == 0 || rh.len != ho_rec_size(rh.kind) ||
		    len - off < rh.len)
			return spd_err_set(err, "record %zu: kind %u of %u "
			    "bytes", k, rh.kind, rh.len);
		r = &items[k];
		memset(r, 0, sizeof(*r));
		r->kind = rh.kind;
		memcpy(&r->u, buf + off, rh.len);
		off += rh.len;
		if (rh.kind == HO_DISPLAY) {
			if (ho_display_end(&c, err) != 0 ||
			    ho_check_display(items, k, &r->u.d, nfds, used,
			    err) != 0)
				return -1;
			memset(&c, 0, sizeof(c));
			c.d = &r->u.d;
			c.stage = HO_DISPLAY;
			r->display = (uint32_t)(cur = k);
			continue;
		}
		if (c.d == NULL)
			return spd_err_set(err, "record %zu before any display",
			    k);
		r->display = (uint32_t)cur;
		if (ho_check_rec(&c, r, nfds, used, err) != 0)
			return spd_err_prefix(err, "display \"%s\"",
			    c.d->name);
	}
	if (ho_display_end(&c, err) != 0)
		return -1;
	if (off != len)
		return spd_err_set(err, "%zu bytes after the last record",
		    len - off);
	*n = head->nrecs;
	return 0;
}
