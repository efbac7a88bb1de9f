/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * handoff-fmt: the layout of what one supervisor hands the next at a
 * restart (handoff.h) and its one reader, kept apart from the
 * supervisor's state so that it can be fuzzed alone.
 *
 * A head, then records, in this host's byte order (the same host reads
 * what it wrote).  Each record is a u16 kind, a u16 length and that many
 * bytes: exactly the size of the kind's struct.  A DISPLAY record starts
 * a display; what follows belongs to it, in this order: at most one
 * PRODUCER, its PORTs, the SESSIONs, their CHANs, then the WORKERs.
 * File descriptors travel beside the records (handoff-save.c); a record
 * names one by its index among them, -1 for none, and no index is named
 * twice.
 */
#ifndef SPICED_HANDOFF_FMT_H
#define SPICED_HANDOFF_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "err.h"
#include "ipc.h"
#include "qxl-shm.h"

#define HO_MAGIC	0x314f4853u	/* "SHO1" */
#define HO_VERSION	1
/* What one handoff may hold at most: enough for CONF_MAX_DISPLAYS
 * displays, each with its most sessions and their channels. */
#define HO_MAX_RECS	65536
#define HO_MAX_FDS	16384
#define HO_MAX_BYTES	(8u << 20)
/* Descriptors per datagram on the handoff's socket: below SCM_MAX_FD
 * (253).  Not fdpass.h's eight: a handoff may carry thousands, and the
 * datagrams queued until the next supervisor reads them count against
 * the socket's send buffer. */
#define HO_FDS_PER_MSG	240
/* Sessions a display may bring along. */
#define HO_MAX_SESSIONS	4096

enum ho_kind {
	HO_DISPLAY = 1,
	HO_PRODUCER,
	HO_PORT,
	HO_SESSION,
	HO_CHAN,
	HO_WORKER,
};

struct ho_head {
	uint32_t	magic;		/* HO_MAGIC */
	uint32_t	version;	/* HO_VERSION */
	uint32_t	ipc_version;	/* the workers' SPICED_IPC_VERSION */
	uint32_t	nrecs;
	uint32_t	nfds;		/* descriptors beside the records */
	uint32_t	conn_counter;	/* the last connection id given */
} __attribute__((packed));

struct ho_rec_hdr {
	uint16_t	kind;		/* enum ho_kind */
	uint16_t	len;
} __attribute__((packed));

struct ho_display {
	char		name[CONF_NAME_LEN];
	uint64_t	session_seq;
	uint64_t	input_seq;
	uint32_t	once_used;	/* 0 or 1 */
	uint32_t	once_session;
	uint32_t	agent_owner;	/* session id, 0: none */
	uint32_t	audio_owner[2];	/* per way, session id, 0: none */
	uint32_t	input_flags;	/* QXLSHM_INPUT_* */
	uint32_t	leds;		/* QXLSHM_LED_* */
	int32_t		input_fd;
	int32_t		agent_fd;
	int32_t		audio_fd[2];
} __attribute__((packed));

struct ho_slot {
	int32_t		fd;
	uint32_t	gen;
	uint64_t	size;
} __attribute__((packed));

struct ho_producer {
	char		name[64];
	int32_t		fd;		/* the qxl-shm connection */
	int32_t		pid;
	uint64_t	features;	/* granted QXLSHM_F_* */
	struct ho_slot	slots[QXLSHM_MAX_SLOTS];
	struct ipc_device dev;
	int32_t		devfd[QXLSHM_ATTACH_NFDS];
	uint32_t	have_primary;	/* 0 or 1 */
	struct ipc_primary primary;
	struct ipc_heads heads;
	uint32_t	done_owed;
} __attribute__((packed));

struct ho_port {
	char		name[64];
	int32_t		fd;
	uint32_t	kind;		/* QXLSHM_PORT_* */
	uint32_t	opened;		/* 0 or 1 */
	uint8_t		type;		/* SPICE channel type */
	uint8_t		id;
	uint16_t	pad;
	uint32_t	owner;		/* session id, 0: none */
} __attribute__((packed));

struct ho_session {
	uint32_t	id;		/* non-zero, once per display */
	uint32_t	view_only;	/* 0 or 1 */
	uint32_t	main_conn;
	uint32_t	nconns;
	uint64_t	order;
	uint64_t	input_seq;
	uint64_t	audio_seq[2];
	int64_t		since;
} __attribute__((packed));

struct ho_chan {
	uint32_t	session;	/* a SESSION of this display */
	uint32_t	conn;
	uint8_t		type;
	uint8_t		id;
	uint8_t		transport;	/* enum ipc_transport */
	uint8_t		framing;	/* enum ipc_framing */
	uint32_t	secure;		/* 0 or 1 */
	char		peer[IPC_ADDR_LEN];
	int64_t		since;
} __attribute__((packed));

/* What a worker serves besides its role. */
struct ho_worker {
	uint32_t	role;		/* enum wproc_role */
	uint32_t	session;	/* its session, 0 for display/cursor */
	uint32_t	ready;		/* 0 or 1 */
	int32_t		pid;
	int32_t		fd;		/* its IPC socket, never -1 */
	int32_t		pidfd;		/* never -1 */
	int32_t		port;		/* vmc: the PORT's index, else -1 */
} __attribute__((packed));

/* One record as read, with the index of the display it belongs to. */
struct ho_item {
	uint16_t	kind;
	uint32_t	display;	/* index of its DISPLAY record */
	union {
		struct ho_display	d;
		struct ho_producer	p;
		struct ho_port		port;
		struct ho_session	s;
		struct ho_chan		c;
		struct ho_worker	w;
	} u;
};

/* Check buf (len bytes) whole against nfds descriptors: the head, every
 * record's kind, size, order and place, the strings, the references
 * (sessions, ports, roles, descriptor indexes).  0 with *head and the
 * records in items (at most max; *n of them), or -1 with err saying what
 * is wrong. */
int	ho_parse(const uint8_t *buf, size_t len, uint32_t nfds,
	    struct ho_head *head, struct ho_item *items, size_t max,
	    size_t *n, struct spd_err *err);

#endif
