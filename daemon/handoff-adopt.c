/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* handoff-adopt: taking over what the last supervisor handed over; see
 * handoff.h. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activation.h"
#include "audio.h"
#include "display.h"
#include "handoff.h"
#include "handoff-fmt.h"
#include "listen.h"
#include "log.h"
#include "ports.h"
#include "producer.h"
#include "session.h"
#include "worker-proc.h"

/* How long workers of another version get to tell their viewers to link
 * again before their IPC sockets close (as at a restart without
 * keep-sessions). */
#define HO_RELINK_MS	300
/* Connection ids skipped after a handoff (handoff_adopt()). */
#define HO_CONN_GAP	65536

/* Every descriptor queued on sock, in order, into *fds (*n of them).
 * -1 with errno on a socket error or a malformed datagram. */
static int
ho_recv_all(int sock, int **fds, uint32_t *n)
{
	union {
		struct cmsghdr	c;
		char		b[CMSG_SPACE(HO_FDS_PER_MSG * sizeof(int))];
	} u;
	struct msghdr mh;
	struct cmsghdr *c;
	struct iovec iov;
	char byte;
	uint32_t k, got;
	ssize_t r;

	*fds = NULL;
	*n = 0;
	if ((*fds = calloc(HO_MAX_FDS + 1, sizeof(int))) == NULL)
		return -1;
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = &byte;
		iov.iov_len = 1;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = u.b;
		mh.msg_controllen = sizeof(u.b);
		if ((r = recvmsg(sock, &mh, MSG_DONTWAIT |
		    MSG_CMSG_CLOEXEC)) == 0 || (r < 0 && errno == EAGAIN))
			return 0;
		if (r < 0)
			return -1;
		got = 0;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL;
		    c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_RIGHTS)
				continue;
			got = (uint32_t)((c->cmsg_len - CMSG_LEN(0)) /
			    sizeof(int));
			for (k = 0; k < got; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int),
				    sizeof(fd));
				if (*n <= HO_MAX_FDS)
					(*fds)[(*n)++] = fd;
				else
					close(fd);
			}
		}
		if ((mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) || got == 0 ||
		    *n > HO_MAX_FDS) {
			errno = EBADMSG;
			return -1;
		}
	}
}

/* Take descriptor i (now the caller's), -1 for none. */
static int
ho_take(int *fds, int32_t i)
{
	int fd;

	if (i < 0)
		return -1;
	fd = fds[i];
	fds[i] = -1;
	return fd;
}

/* A producer that could not be adopted: what it handed over closes
 * (its connection was, by producer_adopt()). */
static void
ho_close_producer(const struct ho_producer *hp)
{
	int i;

	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		if (hp->slots[i].fd >= 0)
			close(hp->slots[i].fd);
	for (i = 0; i < QXLSHM_ATTACH_NFDS; i++)
		if (hp->devfd[i] >= 0)
			close(hp->devfd[i]);
}

/* One worker record of display d. */
static void
ho_adopt_worker(struct display *d, const struct ho_worker *hw, int *fds)
{
	enum wproc_role role = (enum wproc_role)hw->role;
	struct session *s = NULL;
	struct wproc *w;

	if (hw->session != 0 && (s = session_find(d, hw->session)) == NULL)
		return;		/* its session could not be made */
	if ((w = wproc_adopt(role, d, s, (pid_t)hw->pid, ho_take(fds, hw->fd),
	    ho_take(fds, hw->pidfd), (int)hw->ready)) == NULL) {
		log_warn("display \"%s\": cannot adopt %s worker pid %ld",
		    d->d_name, wproc_role_name(role), (long)hw->pid);
		return;
	}
	switch (role) {
	case WPROC_DISPLAY:
	case WPROC_CURSOR:
		display_adopt_worker(d, w);
		break;
	case WPROC_MAIN:
	case WPROC_INPUTS:
		session_adopt_worker(s, w);
		break;
	case WPROC_PLAYBACK:
	case WPROC_RECORD:
		audio_adopt(s, role == WPROC_PLAYBACK ? AUDIO_PLAYBACK :
		    AUDIO_RECORD, w);
		break;
	case WPROC_VMC:
		ports_adopt(&d->d_ports[hw->port], s, w);
		break;
	default:
		break;
	}
}

/* The records of one display (items[0] its DISPLAY, n in all). */
static void
ho_adopt_display(struct display *d, const struct ho_item *it, size_t n,
    int *fds)
{
	const struct ho_display *hd = &it[0].u.d;
	struct ho_producer hp;
	struct display_port *p;
	struct session *s, *next;
	unsigned nsessions = 0;
	size_t k;
	int way;

	d->d_session_seq = hd->session_seq;
	d->d_input_seq = hd->input_seq;
	if (hd->once_used) {
		d->d_once_used = 1;
		d->d_once_session = hd->once_session;
	}
	for (k = 1; k < n; k++) {
		switch (it[k].kind) {
		case HO_PRODUCER:
			/* Indexes become descriptors, the producer's. */
			hp = it[k].u.p;
			hp.fd = ho_take(fds, hp.fd);
			for (way = 0; way < QXLSHM_MAX_SLOTS; way++)
				hp.slots[way].fd = ho_take(fds,
				    hp.slots[way].fd);
			for (way = 0; way < QXLSHM_ATTACH_NFDS; way++)
				hp.devfd[way] = ho_take(fds, hp.devfd[way]);
			if (producer_adopt(d, &hp) != 0) {
				ho_close_producer(&hp);
				return;
			}
			d->d_input_fd = ho_take(fds, hd->input_fd);
			d->d_input_flags = hd->input_flags;
			d->d_leds = hd->leds;
			if ((d->d_agent_fd = ho_take(fds, hd->agent_fd)) >= 0 &&
			    producer_watch_agent(d) != 0)
				log_warn("display \"%s\": cannot watch the "
				    "agent port", d->d_name);
			for (way = 0; way < AUDIO_WAYS; way++)
				d->d_audio[way].da_fd = ho_take(fds,
				    hd->audio_fd[way]);
			log_info("display \"%s\": producer \"%s\" (pid %ld) "
			    "kept from the previous run", d->d_name,
			    it[k].u.p.name, (long)it[k].u.p.pid);
			break;
		case HO_PORT:
			p = &d->d_ports[d->d_nports++];
			memset(p, 0, sizeof(*p));
			p->dp_fd = ho_take(fds, it[k].u.port.fd);
			p->dp_kind = it[k].u.port.kind;
			memcpy(p->dp_name, it[k].u.port.name,
			    sizeof(p->dp_name));
			p->dp_opened = (int)it[k].u.port.opened;
			p->dp_type = it[k].u.port.type;
			p->dp_id = it[k].u.port.id;
			break;
		case HO_SESSION:
			if (session_adopt(d, &it[k].u.s) == NULL)
				log_warn("display \"%s\": session %u: out of "
				    "memory", d->d_name, it[k].u.s.id);
			else
				nsessions++;
			break;
		case HO_CHAN:
			if ((s = session_find(d, it[k].u.c.session)) != NULL)
				session_adopt_chan(s, &it[k].u.c);
			break;
		case HO_WORKER:
			ho_adopt_worker(d, &it[k].u.w, fds);
			break;
		}
	}
	if (hd->agent_owner != 0)
		d->d_agent_owner = session_find(d, hd->agent_owner);
	for (way = 0; way < AUDIO_WAYS; way++)
		if (hd->audio_owner[way] != 0)
			d->d_audio[way].da_owner = session_find(d,
			    hd->audio_owner[way]);
	/* A session whose main worker could not be adopted ends now. */
	for (s = LIST_FIRST(&d->d_sessions); s != NULL; s = next) {
		next = LIST_NEXT(s, s_entry);
		if (s->s_main == NULL)
			session_end(s, "its main worker could not be adopted");
	}
	if (nsessions > 0 || d->d_producer != NULL)
		log_info("display \"%s\": %u session%s kept from the previous "
		    "run", d->d_name, nsessions, nsessions == 1 ? "" : "s");
}

/*
 * Workers of another IPC version (an upgrade) cannot be adopted: ask
 * each main worker's viewer to link again (to this supervisor, whose
 * listeners already wait), through the one message whose number, payload
 * and header every version keeps (ipc-msg.h), and give them
 * HO_RELINK_MS to pass it on before their IPC sockets close.  Returns
 * how many were asked.
 */
static uint32_t
ho_relink(struct display *ds, size_t n, const struct ho_item *items,
    size_t nitems, const int *fds)
{
	struct timespec wait = { 0, HO_RELINK_MS * 1000000L };
	struct ipc_switch_host sh;
	struct display *d = NULL;
	struct spd_err err;
	uint32_t asked = 0;
	int port, tls_port;
	size_t i;

	for (i = 0; i < nitems; i++) {
		if (items[i].kind == HO_DISPLAY) {
			if ((d = display_find(ds, n, items[i].u.d.name)) !=
			    NULL) {
				listen_ports(d, &port, &tls_port);
				memset(&sh, 0, sizeof(sh));
				sh.port = (uint16_t)port;
				sh.tls_port = (uint16_t)tls_port;
			}
			continue;
		}
		if (d == NULL || items[i].kind != HO_WORKER ||
		    items[i].u.w.role != WPROC_MAIN)
			continue;
		if (ipc_send(fds[items[i].u.w.fd], IPC_D2W_SWITCH_HOST,
		    items[i].u.w.session, 0, &sh, sizeof(sh), NULL, 0,
		    &err) == 0)
			asked++;
	}
	if (asked > 0)
		nanosleep(&wait, NULL);
	return asked;
}

uint32_t
handoff_adopt(struct display *ds, size_t n)
{
	static struct spd_err err;
	struct ho_item *items = NULL;
	struct ho_head head;
	struct display *d;
	struct stat st;
	uint8_t *buf = NULL;
	uint32_t nfds = 0, k;
	size_t nitems = 0, i, j;
	int sock, *fds = NULL, memfd;

	if ((sock = act_take_handoff()) < 0)
		return 0;
	/* It stays in the store until this run's standby replaces it: a
	 * supervisor that dies before then leaves it to the next. */
	head.conn_counter = 0;
	if (ho_recv_all(sock, &fds, &nfds) != 0 || nfds == 0) {
		log_warn("handoff: the last run's state is unreadable: %s; "
		    "its sessions end", nfds == 0 ? "no state" :
		    strerror(errno));
		goto out;
	}
	memfd = fds[0];
	if (fstat(memfd, &st) != 0 || st.st_size < (off_t)sizeof(head) ||
	    st.st_size > HO_MAX_BYTES ||
	    (buf = malloc((size_t)st.st_size)) == NULL ||
	    pread(memfd, buf, (size_t)st.st_size, 0) != st.st_size ||
	    (memcpy(&head, buf, sizeof(head)), head.nrecs > HO_MAX_RECS) ||
	    (items = calloc(head.nrecs + 1, sizeof(*items))) == NULL ||
	    ho_parse(buf, (size_t)st.st_size, nfds - 1, &head, items,
	    head.nrecs, &nitems, &err) != 0) {
		log_warn("handoff: the last run's state is unreadable (%s); "
		    "its sessions end", err.msg[0] != '\0' ? err.msg :
		    "cannot read it");
		head.conn_counter = 0;
		goto out;
	}
	if (head.ipc_version != SPICED_IPC_VERSION) {
		k = ho_relink(ds, n, items, nitems, fds + 1);
		log_warn("handoff: the last run's workers speak IPC version "
		    "%u, this spiced %u: their %u viewer%s asked to link again",
		    head.ipc_version, SPICED_IPC_VERSION, k, k == 1 ? " is" :
		    "s are");
		goto out;
	}
	for (i = 0; i < nitems; i = j) {
		for (j = i + 1; j < nitems && items[j].kind != HO_DISPLAY; j++)
			;
		if ((d = display_find(ds, n, items[i].u.d.name)) == NULL) {
			log_info("handoff: display \"%s\" is no longer "
			    "configured; its sessions end", items[i].u.d.name);
			continue;
		}
		ho_adopt_display(d, &items[i], j - i, fds + 1);
	}
out:
	for (k = 0; k < nfds; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	free(fds);
	free(buf);
	free(items);
	close(sock);
	/* A standby may be up to HO_STANDBY_MS older than the connections
	 * its workers serve: go on well past any id it could have missed. */
	return head.conn_counter == 0 ? 0 : head.conn_counter + HO_CONN_GAP;
}
