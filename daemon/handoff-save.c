/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* handoff-save: writing the handoff, at SIGTERM and as the standby; see
 * handoff.h. */
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activation.h"
#include "audio.h"
#include "handoff.h"
#include "handoff-fmt.h"
#include "log.h"
#include "mono-time.h"
#include "ports.h"
#include "producer.h"
#include "service.h"
#include "session.h"
#include "worker-proc.h"

/* The standby is stored again this long after a change (handoff.h). */
#define HO_STANDBY_MS	100

/* The handoff being written. */
struct ho_out {
	uint8_t		*buf;
	size_t		 len, cap;
	int		*fds;
	uint8_t		*owned;		/* made for it (pidfds): closed after */
	uint32_t	 nfds, capfds;
	uint32_t	 nrecs;
	int		 failed;
};

/* fd's index among the handoff's descriptors (-1 for none). */
static int32_t
ho_fd(struct ho_out *o, int fd, int owned)
{
	uint32_t cap = o->capfds == 0 ? 64 : o->capfds * 2;
	uint8_t *own;
	int *fds;

	if (fd < 0 || o->failed)
		return -1;
	if (o->nfds == HO_MAX_FDS) {
		o->failed = 1;
		return -1;
	}
	if (o->nfds == o->capfds) {
		if ((fds = reallocarray(o->fds, cap, sizeof(int))) == NULL) {
			o->failed = 1;
			return -1;
		}
		o->fds = fds;
		if ((own = realloc(o->owned, cap)) == NULL) {
			o->failed = 1;
			return -1;
		}
		o->owned = own;
		o->capfds = cap;
	}
	o->fds[o->nfds] = fd;
	o->owned[o->nfds] = (uint8_t)owned;
	return (int32_t)o->nfds++;
}

static void
ho_rec(struct ho_out *o, uint16_t kind, const void *rec, uint16_t len)
{
	struct ho_rec_hdr rh = { kind, len };
	size_t want = o->len + sizeof(rh) + len;
	uint8_t *b;

	if (o->failed || o->nrecs == HO_MAX_RECS || want > HO_MAX_BYTES) {
		o->failed = 1;
		return;
	}
	if (want > o->cap) {
		if ((b = realloc(o->buf, want * 2)) == NULL) {
			o->failed = 1;
			return;
		}
		o->buf = b;
		o->cap = want * 2;
	}
	memcpy(o->buf + o->len, &rh, sizeof(rh));
	memcpy(o->buf + o->len + sizeof(rh), rec, len);
	o->len += sizeof(rh) + len;
	o->nrecs++;
}

/* A worker that can go along: still connected. */
static int
ho_live(const struct wproc *w)
{
	return w != NULL && w->w_fd >= 0 && w->w_pid > 0;
}

static int
ho_session_goes(const struct session *s)
{
	return s != NULL && ho_live(s->s_main);
}

static void
ho_worker(struct ho_out *o, const struct wproc *w, uint32_t session,
    int32_t port)
{
	struct ho_worker hw;
	int pidfd;

	if (!ho_live(w))
		return;
	if ((pidfd = wproc_pidfd(w)) < 0) {
		log_warn("handoff: no pidfd for %s worker pid %ld: %s",
		    wproc_role_name(w->w_role), (long)w->w_pid,
		    strerror(errno));
		o->failed = 1;
		return;
	}
	memset(&hw, 0, sizeof(hw));
	hw.role = (uint32_t)w->w_role;
	hw.session = session;
	hw.ready = (uint32_t)w->w_ready;
	hw.pid = (int32_t)w->w_pid;
	hw.fd = ho_fd(o, w->w_fd, 0);
	hw.pidfd = ho_fd(o, pidfd, 1);
	hw.port = port;
	if (hw.pidfd < 0)
		close(pidfd);
	ho_rec(o, HO_WORKER, &hw, sizeof(hw));
}

static uint32_t
ho_audio_owner(const struct display *d, int way)
{
	const struct session *s = d->d_audio[way].da_owner;

	return ho_session_goes(s) && ho_live(s->s_audio[way]) ? s->s_id : 0;
}

static void
ho_save_display(struct ho_out *o, const struct display *d, unsigned *ns)
{
	struct ho_display hd;
	struct ho_producer hp;
	struct ho_port hport;
	struct ho_session hs;
	struct ho_chan hc;
	const struct display_port *p;
	const struct session_chan *sc;
	const struct session *s;
	int i, way, ports;

	memset(&hd, 0, sizeof(hd));
	snprintf(hd.name, sizeof(hd.name), "%s", d->d_name);
	hd.session_seq = d->d_session_seq;
	hd.input_seq = d->d_input_seq;
	hd.once_used = (uint32_t)(d->d_once_used != 0);
	hd.once_session = d->d_once_session;
	hd.agent_owner = ho_session_goes(d->d_agent_owner) ?
	    d->d_agent_owner->s_id : 0;
	for (way = 0; way < AUDIO_WAYS; way++) {
		hd.audio_owner[way] = ho_audio_owner(d, way);
		hd.audio_fd[way] = ho_fd(o, d->d_audio[way].da_fd, 0);
	}
	hd.input_flags = d->d_input_flags;
	hd.leds = d->d_leds;
	hd.input_fd = ho_fd(o, d->d_input_fd, 0);
	hd.agent_fd = ho_fd(o, d->d_agent_fd, 0);
	ho_rec(o, HO_DISPLAY, &hd, sizeof(hd));
	if ((ports = producer_export(d, &hp) == 0)) {
		hp.fd = ho_fd(o, hp.fd, 0);
		for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
			hp.slots[i].fd = ho_fd(o, hp.slots[i].fd, 0);
		for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
			hp.devfd[i] = ho_fd(o, hp.devfd[i], 0);
		ho_rec(o, HO_PRODUCER, &hp, sizeof(hp));
		for (i = 0; i < d->d_nports; i++) {
			p = &d->d_ports[i];
			memset(&hport, 0, sizeof(hport));
			memcpy(hport.name, p->dp_name, sizeof(hport.name));
			hport.fd = ho_fd(o, p->dp_fd, 0);
			hport.kind = p->dp_kind;
			hport.opened = (uint32_t)(p->dp_opened != 0);
			hport.type = p->dp_type;
			hport.id = p->dp_id;
			hport.owner = ho_session_goes(p->dp_owner) &&
			    ho_live(p->dp_worker) ? p->dp_owner->s_id : 0;
			ho_rec(o, HO_PORT, &hport, sizeof(hport));
		}
	}
	LIST_FOREACH(s, &d->d_sessions, s_entry)
		if (ho_session_goes(s)) {
			session_export(s, &hs);
			ho_rec(o, HO_SESSION, &hs, sizeof(hs));
			++*ns;
		}
	LIST_FOREACH(s, &d->d_sessions, s_entry)
		if (ho_session_goes(s))
			TAILQ_FOREACH(sc, &s->s_chans, sc_entry) {
				session_export_chan(s, sc, &hc);
				ho_rec(o, HO_CHAN, &hc, sizeof(hc));
			}
	ho_worker(o, d->d_worker, 0, -1);
	ho_worker(o, d->d_cursor, 0, -1);
	LIST_FOREACH(s, &d->d_sessions, s_entry) {
		if (!ho_session_goes(s))
			continue;
		ho_worker(o, s->s_main, s->s_id, -1);
		ho_worker(o, s->s_inputs, s->s_id, -1);
		for (way = 0; way < AUDIO_WAYS; way++)
			ho_worker(o, s->s_audio[way], s->s_id, -1);
	}
	/* The PORT records their workers name; a worker whose session went
	 * (it still hands the device what its client owed, role-vmc.c) goes
	 * without one, so that the next supervisor keeps the port from new
	 * sessions until it ends, as this one does. */
	if (ports)
		for (i = 0; i < d->d_nports; i++)
			ho_worker(o, d->d_ports[i].dp_worker,
			    ho_session_goes(d->d_ports[i].dp_owner) ?
			    d->d_ports[i].dp_owner->s_id : 0, i);
}

/* The head and records into a sealed memfd. */
static int
ho_memfd(const struct ho_out *o, uint32_t conn_counter)
{
	struct ho_head h = { HO_MAGIC, HO_VERSION, SPICED_IPC_VERSION,
	    o->nrecs, o->nfds, conn_counter };
	int fd;

	if ((fd = memfd_create("spiced-handoff", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) < 0)
		return -1;
	if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    write(fd, o->buf, o->len) != (ssize_t)o->len ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One datagram of one byte with n descriptors. */
static int
ho_send_fds(int sock, const int *fds, uint32_t n)
{
	union {
		struct cmsghdr	c;
		char		b[CMSG_SPACE(HO_FDS_PER_MSG * sizeof(int))];
	} u;
	struct iovec iov = { "H", 1 };
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.b;
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* Write what the n displays run and leave it in systemd's fd store as
 * "handoff", in place of what was there.  Returns the number of sessions
 * in it, or -1 with *why saying what failed (errno-based failures with
 * errno set); nothing is left stored then. */
static int
ho_store(struct display *ds, size_t n, uint32_t conn_counter,
    unsigned *nfds, const char **why)
{
	struct ho_out o;
	unsigned sessions = 0;
	uint32_t i, k;
	int sv[2] = { -1, -1 }, memfd = -1, rc = -1;

	memset(&o, 0, sizeof(o));
	for (i = 0; i < n; i++)
		if (ds[i].d_conf != NULL)
			ho_save_display(&o, &ds[i], &sessions);
	/* The last one goes first: a hand-over never mixes two. */
	svc_fdstore_forget(ACT_HANDOFF_NAME);
	*why = "the running state does not fit";
	if (o.failed)
		goto out;
	*why = "cannot write the state";
	if ((memfd = ho_memfd(&o, conn_counter)) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 ||
	    ho_send_fds(sv[0], &memfd, 1) != 0)
		goto out;
	*why = "cannot pass the descriptors";
	for (k = 0; k < o.nfds; k += HO_FDS_PER_MSG)
		if (ho_send_fds(sv[0], o.fds + k, o.nfds - k < HO_FDS_PER_MSG ?
		    o.nfds - k : HO_FDS_PER_MSG) != 0)
			goto out;
	/* Its writing end closes below: systemd must not take the hang-up
	 * for a reason to let it go. */
	*why = "systemd did not take it";
	if (svc_fdstore_put(sv[1], ACT_HANDOFF_NAME, 0) != 0)
		goto out;
	*nfds = o.nfds;
	rc = (int)sessions;
out:
	for (k = 0; k < o.nfds; k++)
		if (o.owned[k])
			close(o.fds[k]);
	if (memfd >= 0)
		close(memfd);
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	free(o.buf);
	free(o.fds);
	free(o.owned);
	return rc;
}

/* The standby: kept current while the supervisor runs. */
static struct {
	struct display		*ds;
	size_t			 n;
	const uint32_t		*conn_counter;
	const int		*keep;
	struct event		*ev;
	uint64_t		 last_ms;	/* the last write, monotonic */
	int			 at_once;	/* ev is due at the next turn */
} ho_standby;

int
handoff_save(struct display *ds, size_t n, uint32_t conn_counter)
{
	const char *why;
	unsigned nfds = 0;
	int sessions;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return -1;
	if (ho_standby.ev != NULL)
		evtimer_del(ho_standby.ev);
	if ((sessions = ho_store(ds, n, conn_counter, &nfds, &why)) < 0) {
		log_warn("handoff: %s (%s); sessions end with this run", why,
		    strerror(errno));
		return -1;
	}
	/* Before exiting: systemd takes notifications only from a live
	 * main process. */
	if (svc_barrier() != 0)
		return -1;
	log_info("handoff: %d session%s and %u descriptors left for the next "
	    "spiced", sessions, sessions == 1 ? "" : "s", nfds);
	return sessions;
}

static void
ho_standby_cb(evutil_socket_t fd, short what, void *arg)
{
	const char *why;
	unsigned nfds = 0;
	uint64_t t0 = mono_ns();
	int sessions;

	if (!*ho_standby.keep) {
		svc_fdstore_forget(ACT_HANDOFF_NAME);
		return;
	}
	ho_standby.last_ms = t0 / 1000000;
	ho_standby.at_once = 0;
	if ((sessions = ho_store(ho_standby.ds, ho_standby.n,
	    *ho_standby.conn_counter, &nfds, &why)) < 0)
		log_warn("handoff: standby not kept: %s (%s); a "
		    "supervisor that dies ends every session", why,
		    strerror(errno));
	else
		log_debug("handoff: standby of %d session%s, %u descriptors "
		    "(%llu us)", sessions, sessions == 1 ? "" : "s", nfds,
		    (unsigned long long)((mono_ns() - t0) / 1000));
}

/* A change of what runs: store it again at the next turn of the loop
 * (never from inside the change itself), or, within HO_STANDBY_MS of the
 * last write, that long after it: a burst of changes (workers started
 * and stopping, channels closing) costs one write at its start and one
 * at its end, and a change alone is kept at once.  A change at_once (a
 * session begun, a channel linked) is kept at the next turn whatever the
 * burst: a login storm costs a write per turn of the loop that linked
 * channels (0.1 ms for 5 sessions and 23 descriptors here). */
static void
ho_standby_touch(int at_once)
{
	uint64_t now = mono_ns() / 1000000, due = ho_standby.last_ms + HO_STANDBY_MS;
	struct timeval wait = { 0, 0 };

	if (ho_standby.ev == NULL)
		return;
	if (evtimer_pending(ho_standby.ev, NULL)) {
		if (!at_once || ho_standby.at_once)
			return;
		evtimer_del(ho_standby.ev);
	}
	if (due > now && !at_once)
		wait.tv_usec = (suseconds_t)((due - now) * 1000);
	ho_standby.at_once = wait.tv_usec == 0;
	evtimer_add(ho_standby.ev, &wait);
}

int
handoff_standby_start(struct display *ds, size_t n,
    const uint32_t *conn_counter, const int *keep)
{
	if (getenv("NOTIFY_SOCKET") == NULL)
		return 0;
	ho_standby.ds = ds;
	ho_standby.n = n;
	ho_standby.conn_counter = conn_counter;
	ho_standby.keep = keep;
	if ((ho_standby.ev = evtimer_new(spiced_base, ho_standby_cb, NULL)) ==
	    NULL)
		return -1;
	svc_on_change(ho_standby_touch);
	ho_standby_touch(0);
	return 0;
}
