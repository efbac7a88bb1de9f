/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-handoff-fmt: the reader of a restart's handoff (daemon/handoff-
 * fmt.c) takes a whole display as a supervisor writes it, and refuses,
 * saying why, each way one can be wrong: head, sizes, order, strings,
 * descriptor indexes out of range or named twice, references to sessions
 * or ports that are not there, workers that cannot be.
 */
#include "handoff-fmt.h"
#include "test-helper.h"
#include "worker-proc.h"

struct build {
	uint8_t		buf[16384];
	size_t		len;
	uint32_t	nrecs;
};

static void
put(struct build *b, uint16_t kind, const void *body, uint16_t len)
{
	struct ho_rec_hdr rh = { kind, len };

	memcpy(b->buf + b->len, &rh, sizeof(rh));
	memcpy(b->buf + b->len + sizeof(rh), body, len);
	b->len += sizeof(rh) + len;
	b->nrecs++;
}

static struct ho_display
display(const char *name)
{
	struct ho_display d;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	d.input_fd = d.agent_fd = d.audio_fd[0] = d.audio_fd[1] = -1;
	return d;
}

static struct ho_worker
worker(uint32_t role, uint32_t session, int32_t fd, int32_t port)
{
	struct ho_worker w = { role, session, 1, 100 + fd, fd, fd + 1, port };

	return w;
}

/* A display "vm" with a producer, a port, two sessions (the first with
 * inputs, sound and the port), their channels and every worker: 14
 * descriptors.  Changed by the caller through the pointers. */
struct full {
	struct ho_display	d;
	struct ho_producer	p;
	struct ho_port		port;
	struct ho_session	s[2];
	struct ho_chan		c;
	struct ho_worker	w[7];
};

static void
full_init(struct full *f)
{
	int i;

	memset(f, 0, sizeof(*f));
	f->d = display("vm");
	f->d.agent_owner = 11;
	f->d.audio_owner[0] = 11;
	snprintf(f->p.name, sizeof(f->p.name), "testsrc");
	f->p.fd = 0;
	for (i = 0; i < QXLSHM_MAX_SLOTS; i++)
		f->p.slots[i].fd = -1;
	f->p.slots[0].fd = 1;
	f->p.devfd[0] = f->p.devfd[1] = f->p.devfd[2] = -1;
	snprintf(f->port.name, sizeof(f->port.name), "org.test.0");
	f->port.fd = 2;
	f->port.owner = 11;
	f->s[0].id = 11;
	f->s[1].id = 12;
	f->c.session = 12;
	f->c.conn = 3;
	f->w[0] = worker(WPROC_DISPLAY, 0, 3, -1);
	f->w[1] = worker(WPROC_CURSOR, 0, 5, -1);
	f->w[2] = worker(WPROC_MAIN, 11, 7, -1);
	f->w[3] = worker(WPROC_INPUTS, 11, 9, -1);
	f->w[4] = worker(WPROC_PLAYBACK, 11, 11, -1);
	f->w[5] = worker(WPROC_VMC, 11, 13, 0);
	f->w[6] = worker(WPROC_MAIN, 12, 15, -1);
}

static void
full_build(const struct full *f, struct build *b)
{
	int i;

	memset(b, 0, sizeof(*b));
	b->len = sizeof(struct ho_head);
	put(b, HO_DISPLAY, &f->d, sizeof(f->d));
	put(b, HO_PRODUCER, &f->p, sizeof(f->p));
	put(b, HO_PORT, &f->port, sizeof(f->port));
	put(b, HO_SESSION, &f->s[0], sizeof(f->s[0]));
	put(b, HO_SESSION, &f->s[1], sizeof(f->s[1]));
	put(b, HO_CHAN, &f->c, sizeof(f->c));
	for (i = 0; i < 7; i++)
		put(b, HO_WORKER, &f->w[i], sizeof(f->w[i]));
}

static int
parse(struct build *b, uint32_t nfds, char *why, size_t whylen)
{
	static struct ho_item items[64];
	struct ho_head h = { HO_MAGIC, HO_VERSION, 1, b->nrecs, nfds, 9 };
	struct ho_head got;
	struct spd_err err;
	size_t n;
	int rc;

	memcpy(b->buf, &h, sizeof(h));
	err.msg[0] = '\0';
	rc = ho_parse(b->buf, b->len, nfds, &got, items, 64, &n, &err);
	snprintf(why, whylen, "%s", err.msg);
	if (rc == 0) {
		ASSERT_INT_EQ(n, b->nrecs);
		ASSERT_INT_EQ(got.conn_counter, 9);
	}
	return rc;
}

/* The full display with one change must be refused for reason. */
#define REFUSED(change, nfds, reason) do {				\
	struct full f;							\
	struct build b;							\
	char why[256];							\
									\
	full_init(&f);							\
	change;								\
	full_build(&f, &b);						\
	ASSERT_INT_EQ(parse(&b, nfds, why, sizeof(why)), -1);		\
	ASSERT_STR_CONTAINS(why, reason);				\
} while (0)

int
main(void)
{
	struct full whole;
	struct build out;
	struct ho_display d2;
	char reason[256];

	full_init(&whole);
	full_build(&whole, &out);
	ASSERT_INT_EQ(parse(&out, 17, reason, sizeof(reason)), 0);
	/* A second display after it, idle. */
	d2 = display("vm2");
	put(&out, HO_DISPLAY, &d2, sizeof(d2));
	ASSERT_INT_EQ(parse(&out, 17, reason, sizeof(reason)), 0);
	put(&out, HO_DISPLAY, &d2, sizeof(d2));
	ASSERT_INT_EQ(parse(&out, 17, reason, sizeof(reason)), -1);
	ASSERT_STR_CONTAINS(reason, "display \"vm2\" twice");

	/* The head and the sizes. */
	full_init(&whole);
	full_build(&whole, &out);
	ASSERT_INT_EQ(parse(&out, 16, reason, sizeof(reason)), -1);	/* 15, 16 */
	ASSERT_STR_CONTAINS(reason, "malformed");
	out.len--;
	ASSERT_INT_EQ(parse(&out, 17, reason, sizeof(reason)), -1);
	ASSERT_STR_CONTAINS(reason, "record 12");
	out.len += 2;
	ASSERT_INT_EQ(parse(&out, 17, reason, sizeof(reason)), -1);
	ASSERT_STR_CONTAINS(reason, "after the last record");
	out.len = 3;
	ASSERT_INT_EQ(parse(&out, 0, reason, sizeof(reason)), -1);
	ASSERT_STR_CONTAINS(reason, "not a handoff");

	/* Order, strings, values. */
	REFUSED(f.c.session = 13, 17, "unknown session");
	REFUSED(memset(f.d.name, 'x', sizeof(f.d.name)), 17, "display record");
	REFUSED(memset(f.c.peer, 'x', sizeof(f.c.peer)), 17, "channel record");
	REFUSED(memset(f.p.name, 'x', sizeof(f.p.name)), 17, "producer record");
	REFUSED(f.s[1].id = 11, 17, "session record");
	REFUSED(f.s[1].id = 0, 17, "session record");
	REFUSED(f.d.once_used = 2, 17, "display record");
	/* Descriptors: out of range, named twice. */
	REFUSED(f.d.input_fd = 17, 17, "display record");
	REFUSED(f.p.slots[3].fd = 0, 17, "producer slot");
	REFUSED(f.w[6].pidfd = 3, 17, "worker record");
	REFUSED(f.p.fd = -1, 17, "producer record");
	/* Workers. */
	REFUSED(f.w[1].role = WPROC_DISPLAY, 17, "second display or cursor");
	REFUSED(f.w[0].session = 11, 17, "second display or cursor");
	REFUSED(f.w[3].role = WPROC_MAIN, 17, "a second worker of role 0");
	REFUSED(f.w[3].role = WPROC_KEYGEN, 17, "worker record");
	REFUSED(f.w[3].role = 99, 17, "worker record");
	REFUSED(f.w[3].session = 14, 17, "unknown session 14");
	REFUSED(f.w[5].port = 1, 17, "vmc worker names no port");
	REFUSED(f.w[5].session = 12, 17, "vmc worker names no port");
	/* What the display names must exist when it ends. */
	REFUSED(f.w[2].role = WPROC_RECORD, 17, "session 11 has no main");
	REFUSED(f.d.agent_owner = 13, 17, "an owner is no session");
	REFUSED(f.d.audio_owner[1] = 11, 17, "audio owner has no audio");
	REFUSED(f.port.owner = 12, 17, "vmc worker names no port");
	REFUSED((f.w[5].role = WPROC_RECORD, f.w[5].port = -1), 17,
	    "owner and worker disagree");
	REFUSED(f.w[3].port = 0, 17, "role 3 names a port");
	/* A port's worker whose session went (it drains): no owner, no
	 * session; it must still name the port, and a port with an owner
	 * cannot have it. */
	whole.port.owner = 0;
	whole.w[5].session = 0;
	full_build(&whole, &out);
	ASSERT_INT_EQ(parse(&out, 17, reason, sizeof(reason)), 0);
	REFUSED(f.w[5].session = 0, 17, "vmc worker names no port");
	REFUSED((f.port.owner = 0, f.w[5].session = 0, f.w[5].port = 1), 17,
	    "vmc worker names no port");
	puts("test-handoff-fmt: ok");
	return 0;
}
