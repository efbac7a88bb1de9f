/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qxl-shm: the producer protocol, wire definitions (see PROTOCOL.md for the
 * prose).  One definition, used by the supervisor, the display worker and
 * libqxlshm.
 *
 * Control: a SOCK_SEQPACKET UNIX socket per display.  Each datagram is a
 * struct qxlshm_hdr followed by exactly the payload of its type; fds ride
 * with SCM_RIGHTS.  Little-endian, packed.
 *
 * Versioning: major changes break compatibility (the server refuses another
 * major); minor additions are announced by feature bits in HELLO.
 */
#ifndef QXL_SHM_H
#define QXL_SHM_H

#include <stdint.h>

#define QXLSHM_MAGIC		0x4d485351u	/* "QSHM" little-endian */
#define QXLSHM_VERSION_MAJOR	1
#define QXLSHM_VERSION_MINOR	3

/* Limits the server enforces. */
#define QXLSHM_MAX_SLOTS	8		/* slot ids 0..7 */
#define QXLSHM_MAX_SLOT_SIZE	(1ull << 32)	/* 4 GiB per slot */
#define QXLSHM_MAX_MSG		512
#define QXLSHM_MAX_WIDTH	8192
#define QXLSHM_MAX_HEIGHT	8192
#define QXLSHM_MAX_SURFACES	1024		/* surface ids 0..1023, 0 = primary */
#define QXLSHM_MAX_FAULTS	16		/* faulty commands per attachment
						   before ERROR E_FAULT + detach */

/*
 * The RAM region named by ATTACH: a QXLRam (spice/qxl_dev.h, 5348 bytes)
 * at ram_offset, immediately followed by a second QXLReleaseRing (84 bytes)
 * through which the cursor worker returns cursor commands, so that each
 * release ring has exactly one writer.  ram_offset must be a multiple of 8
 * (the u64 release items are then 8-aligned).
 */
#define QXLSHM_RAM_QXLRAM_SIZE		5348
#define QXLSHM_RAM_CURSOR_RELEASE_OFFSET 5348	/* from ram_offset */
#define QXLSHM_RAM_REGION_SIZE		(5348 + 84)
#define QXLSHM_RAM_ALIGN		8

/* ATTACH carries this many fds, in this order. */
#define QXLSHM_ATTACH_FD_DOORBELL	0	/* command ring, producer writes */
#define QXLSHM_ATTACH_FD_IRQ		1	/* server writes */
#define QXLSHM_ATTACH_FD_CURSOR_DOORBELL 2	/* cursor ring, producer writes */
#define QXLSHM_ATTACH_NFDS		3

/*
 * QXLPHYSICAL encoding: bits 63..56 slot id, 55..48 generation,
 * 47..0 byte offset into that slot's memfd.
 */
#define QXLSHM_SLOT_SHIFT	56
#define QXLSHM_GEN_SHIFT	48
#define QXLSHM_OFFSET_MASK	((1ull << 48) - 1)
#define QXLSHM_PHYS(slot, gen, off) \
	(((uint64_t)(slot) << QXLSHM_SLOT_SHIFT) | \
	 ((uint64_t)((gen) & 0xff) << QXLSHM_GEN_SHIFT) | \
	 ((uint64_t)(off) & QXLSHM_OFFSET_MASK))

struct qxlshm_hdr {
	uint32_t	type;
	uint32_t	len;		/* payload bytes after this header */
} __attribute__((packed));

enum qxlshm_type {
	/* producer -> server */
	QXLSHM_MSG_HELLO = 1,		/* first message */
	QXLSHM_MSG_MEMSLOT_ADD = 2,	/* 1 fd: sealed memfd */
	QXLSHM_MSG_ATTACH = 3,		/* 2 fds: doorbell, irq eventfds */
	QXLSHM_MSG_CREATE_PRIMARY = 4,
	QXLSHM_MSG_DESTROY_PRIMARY = 5,
	QXLSHM_MSG_DETACH = 6,
	QXLSHM_MSG_INPUT = 7,		/* 1.1, F_INPUT: 1 fd, events socket */
	QXLSHM_MSG_LEDS = 8,		/* 1.1, F_INPUT: keyboard lock state */
	QXLSHM_MSG_AGENT = 9,		/* 1.1, F_AGENT: 1 fd, the agent port */
	QXLSHM_MSG_INPUT_FLAGS = 10,	/* 1.1, F_INPUT: new input flags */
	QXLSHM_MSG_PORT = 11,		/* 1.1, F_PORTS: 1 fd, a byte stream */
	QXLSHM_MSG_PORT_STATE = 12,	/* 1.1, F_PORTS: opened or closed */
	QXLSHM_MSG_AUDIO = 13,		/* 1.1, F_AUDIO: 1 fd, the audio port */
	QXLSHM_MSG_RECORD = 14,		/* 1.1, F_RECORD: 1 fd, the record
					   port */
	QXLSHM_MSG_HEADS = 15,		/* 1.2, F_HEADS: the monitors the
					   primary shows */
	/* server -> producer */
	QXLSHM_MSG_HELLO_REPLY = 100,
	QXLSHM_MSG_ATTACHED = 101,	/* display worker is consuming rings */
	QXLSHM_MSG_ERROR = 102,		/* reason, then the server closes */
	QXLSHM_MSG_PRIMARY_DONE = 103,	/* CREATE/DESTROY_PRIMARY applied */
	QXLSHM_MSG_REDRAW = 104,	/* 1.1, QXLSHM_F_REDRAW: draw it all */
};

/* Feature bits of HELLO (asked) and HELLO_REPLY (granted). */
#define QXLSHM_F_REDRAW		(1ull << 0)	/* the producer redraws the
						   whole primary on REDRAW */
#define QXLSHM_F_INPUT		(1ull << 1)	/* the producer takes input
						   events (MSG_INPUT) */
#define QXLSHM_F_AGENT		(1ull << 2)	/* the producer plays or
						   carries a VDAgent
						   (MSG_AGENT) */
#define QXLSHM_F_PORTS		(1ull << 3)	/* the producer carries
						   byte streams: USB
						   redirection, named ports
						   (MSG_PORT) */
#define QXLSHM_F_AUDIO		(1ull << 4)	/* the producer plays
						   sound (MSG_AUDIO) */
#define QXLSHM_F_RECORD		(1ull << 5)	/* the producer takes a
						   microphone's sound
						   (MSG_RECORD) */
#define QXLSHM_F_HEADS		(1ull << 6)	/* the primary shows several
						   monitors (MSG_HEADS) */
#define QXLSHM_F_SMARTCARD	(1ull << 7)	/* a PORT may be a smartcard
						   reader (1.3; with
						   QXLSHM_F_PORTS) */
#define QXLSHM_F_SUPPORTED	(QXLSHM_F_REDRAW | QXLSHM_F_INPUT | \
				 QXLSHM_F_AGENT | QXLSHM_F_PORTS | \
				 QXLSHM_F_AUDIO | QXLSHM_F_RECORD | \
				 QXLSHM_F_HEADS | QXLSHM_F_SMARTCARD)

struct qxlshm_hello {
	uint32_t	magic;		/* QXLSHM_MAGIC */
	uint16_t	major;
	uint16_t	minor;
	uint64_t	features;	/* QXLSHM_F_* it can do */
	char		name[64];	/* producer's name, for logs */
} __attribute__((packed));

struct qxlshm_hello_reply {
	uint32_t	magic;
	uint16_t	major;
	uint16_t	minor;
	uint64_t	features;	/* accepted subset */
} __attribute__((packed));

struct qxlshm_memslot_add {
	uint32_t	slot_id;	/* < QXLSHM_MAX_SLOTS, not yet used */
	uint32_t	generation;	/* 0..255 */
	uint64_t	size;		/* bytes; memfd at least this long */
} __attribute__((packed));

/* The QXLRam device region (spice/qxl_dev.h layout, see
 * QXLSHM_RAM_REGION_SIZE) sits at ram_offset in slot ram_slot.  fds
 * (QXLSHM_ATTACH_FD_*): [0] doorbell (producer writes 1 when it pushed to
 * the command ring and notify_on_prod asked for it), [1] irq (server writes
 * when it set a bit in int_pending that int_mask allows: releases pushed,
 * or a ring the producer waits on has room), [2] cursor doorbell (as [0]
 * for the cursor ring; separate because a different worker consumes it). */
struct qxlshm_attach {
	uint32_t	ram_slot;
	uint32_t	pad;
	uint64_t	ram_offset;
} __attribute__((packed));

/* The same fields as QXLSurfaceCreate for a primary surface. */
struct qxlshm_create_primary {
	uint32_t	width;
	uint32_t	height;
	int32_t		stride;		/* negative: bottom-up in memory */
	uint32_t	format;		/* SPICE_SURFACE_FMT_32_xRGB etc. */
	uint64_t	mem;		/* QXLPHYSICAL of line 0's block */
} __attribute__((packed));

/* Answer to CREATE_PRIMARY and DESTROY_PRIMARY once the display worker
 * has applied it.  Like QXL's synchronous QXL_IO_CREATE_PRIMARY, the
 * producer must wait for it before posting commands that draw on the new
 * primary (the rings and the control socket are not ordered against each
 * other) or reusing the memory of a destroyed one. */
struct qxlshm_primary_done {
	uint32_t	created;	/* 1: created, 0: destroyed */
} __attribute__((packed));

/* QXLSHM_MSG_HEADS: the monitors of a multi-monitor desktop, each an
 * area of the current primary (viewers open a window per head).  Sent
 * after PRIMARY_DONE of the primary it describes; a new primary has one
 * head, all of it, until HEADS comes again.  count 1..QXLSHM_MAX_HEADS,
 * heads non-empty and inside the primary (they may overlap); entries
 * past count are zero. */
#define QXLSHM_MAX_HEADS	16
struct qxlshm_head {
	uint32_t	x;
	uint32_t	y;
	uint32_t	width;
	uint32_t	height;
} __attribute__((packed));
struct qxlshm_heads {
	uint32_t	count;
	uint32_t	pad;		/* 0 */
	struct qxlshm_head head[QXLSHM_MAX_HEADS];
} __attribute__((packed));

/* QXLSHM_MSG_INPUT, with one AF_UNIX SOCK_SEQPACKET socket: the server
 * sends struct qxlshm_input_event datagrams on it, one event each, from
 * the inputs workers of every client session (no hop through the
 * supervisor); the producer only reads it. */
struct qxlshm_input_setup {
	uint32_t	flags;		/* QXLSHM_INPUT_* */
	uint32_t	pad;		/* 0 */
} __attribute__((packed));
#define QXLSHM_INPUT_ABSOLUTE	0x1	/* takes POSITION: clients may use
					   the client (absolute) mouse mode */
/* QXLSHM_MSG_INPUT_FLAGS, after INPUT: the same struct, no fd; what the
 * producer can take changed (a VM's absolute pointing device came or
 * went), and clients are offered mouse modes accordingly. */

/* QXLSHM_MSG_AGENT, with one AF_UNIX SOCK_SEQPACKET socket: the port of
 * the display's VDAgent, as a guest's virtio-serial port carries it.  Each
 * datagram, either way, is one VDI chunk: a struct qxlshm_agent_chunk then
 * size bytes (1..QXLSHM_AGENT_MAX_CHUNK) of the VDAgentMessage stream
 * (spice/vd_agent.h); port QXLSHM_AGENT_PORT_CLIENT carries the messages
 * of the client that owns the agent, QXLSHM_AGENT_PORT_SERVER (server to
 * producer only) spiced's own (VD_AGENT_CLIENT_DISCONNECTED when the
 * owner changes or leaves). */
struct qxlshm_agent_setup {
	uint32_t	flags;		/* 0 */
	uint32_t	pad;		/* 0 */
} __attribute__((packed));
struct qxlshm_agent_chunk {
	uint32_t	port;		/* QXLSHM_AGENT_PORT_* */
	uint32_t	size;		/* bytes after this header */
} __attribute__((packed));
#define QXLSHM_AGENT_PORT_CLIENT	1	/* VDP_CLIENT_PORT */
#define QXLSHM_AGENT_PORT_SERVER	2	/* VDP_SERVER_PORT */
#define QXLSHM_AGENT_MAX_CHUNK		4096

/* QXLSHM_MSG_PORT, with one AF_UNIX SOCK_STREAM socket: a device's byte
 * stream, both ways, relayed to the one client that opens its SPICE
 * channel: a USB redirection slot (the usbredir protocol; SPICE usbredir
 * channels 0, 1, ... in order), a named port (SPICE port channels, the
 * one named QXLSHM_PORT_WEBDAV a webdav channel), both unchanged, or a
 * smartcard reader (the VSCard protocol of QEMU's ccid-card-passthru,
 * headers in network order; SPICE smartcard channel 0, at most one;
 * PROTOCOL.md 2.6).  Ports are numbered 0.. in the order they are added,
 * at most QXLSHM_MAX_PORTS. */
struct qxlshm_port {
	uint32_t	kind;		/* QXLSHM_PORT_* */
	uint32_t	opened;		/* 1: the device end is open */
	char		name[64];	/* NUL-terminated, unique */
} __attribute__((packed));
#define QXLSHM_PORT_USBREDIR	1
#define QXLSHM_PORT_NAMED	2
#define QXLSHM_PORT_SMARTCARD	3
#define QXLSHM_MAX_PORTS	8
#define QXLSHM_PORT_WEBDAV	"org.spice-space.webdav.0"

/* QXLSHM_MSG_PORT_STATE: the device end of port opened or closed (a
 * guest opened its virtio port); a port channel's client is told. */
struct qxlshm_port_state {
	uint32_t	port;		/* its number */
	uint32_t	opened;
} __attribute__((packed));

/* QXLSHM_MSG_AUDIO, with one AF_UNIX SOCK_SEQPACKET socket: the sound
 * the producer plays, one message a datagram, producer to server, each
 * starting with a u32 type (QXLSHM_AUDIO_*).  DATA carries its format
 * so that a viewer joining late starts from any DATA: struct
 * qxlshm_audio_data then S16LE samples, channels interleaved, a whole
 * number of frames, at most QXLSHM_AUDIO_MAX_DATA bytes.  STOP: the
 * type alone.  VOLUME: struct qxlshm_audio_volume.  Sound is real time:
 * a datagram the server cannot take at once may be dropped by the
 * producer, and the server drops what a viewer cannot take.
 *
 * QXLSHM_MSG_RECORD, with another such socket: the microphone.  The
 * producer sends START (struct qxlshm_audio_data, the format it wants,
 * no samples) when it starts listening, STOP when it stops, VOLUME; the
 * server sends DATA in the format of the last START (dropped by the
 * producer when it is not that format) and SYNC (the type alone) when a
 * new viewer has the microphone, which the producer answers with its
 * state (START or STOP, and VOLUME). */
enum qxlshm_audio_type {
	QXLSHM_AUDIO_DATA = 1,
	QXLSHM_AUDIO_STOP = 2,
	QXLSHM_AUDIO_VOLUME = 3,
	QXLSHM_AUDIO_START = 4,		/* record: producer -> server */
	QXLSHM_AUDIO_SYNC = 5,		/* record: server -> producer */
};
struct qxlshm_audio_data {
	uint32_t	type;		/* QXLSHM_AUDIO_DATA or _START */
	uint32_t	channels;	/* 1 or 2 */
	uint32_t	frequency;	/* 8000..192000 Hz */
} __attribute__((packed));
struct qxlshm_audio_volume {
	uint32_t	type;		/* QXLSHM_AUDIO_VOLUME */
	uint32_t	mute;		/* 0 or 1 */
	uint32_t	channels;	/* 1 or 2 */
	uint16_t	volume[2];	/* 0..65535 each */
} __attribute__((packed));
#define QXLSHM_AUDIO_MAX_DATA	16384
#define QXLSHM_AUDIO_MIN_RATE	8000
#define QXLSHM_AUDIO_MAX_RATE	192000

/* QXLSHM_MSG_LEDS: the keyboard's lock state, sent when it changes;
 * SPICE's modifier bits. */
struct qxlshm_leds {
	uint32_t	leds;		/* QXLSHM_LED_* */
} __attribute__((packed));
#define QXLSHM_LED_SCROLL	0x1
#define QXLSHM_LED_NUM		0x2
#define QXLSHM_LED_CAPS		0x4

enum qxlshm_input_type {
	QXLSHM_IN_KEY_DOWN = 1,		/* x: key */
	QXLSHM_IN_KEY_UP = 2,		/* x: key */
	QXLSHM_IN_MOTION = 3,		/* x, y: relative motion */
	QXLSHM_IN_POSITION = 4,		/* x, y: absolute, on display */
	QXLSHM_IN_BUTTON_DOWN = 5,	/* x: button 1..7 */
	QXLSHM_IN_BUTTON_UP = 6,	/* x: button 1..7 */
};

/*
 * One input event.  Keys are PC AT set-1 make codes (1..0x7f), and
 * 0x80 | code for keys that set 1 prefixes with 0xE0: QEMU's "qnum"
 * numbering.  Buttons as SPICE numbers them (1 left, 2 middle, 3 right,
 * 4 wheel up, 5 wheel down, 6 side, 7 extra); buttons is the state after
 * the event, SPICE's mask (0x1 left ... 0x40 extra).
 */
struct qxlshm_input_event {
	uint16_t	type;		/* QXLSHM_IN_* */
	uint8_t		display;	/* POSITION: the viewer's monitor (head) */
	uint8_t		pad;		/* 0 */
	uint32_t	buttons;
	int32_t		x;
	int32_t		y;
} __attribute__((packed));
#define QXLSHM_KEY_E0		0x80
#define QXLSHM_KEY_MAX		0xff

struct qxlshm_error {
	uint32_t	code;		/* QXLSHM_E_* */
	char		reason[256];	/* NUL-terminated */
} __attribute__((packed));

enum qxlshm_error_code {
	QXLSHM_E_PROTOCOL = 1,		/* malformed or unexpected message */
	QXLSHM_E_VERSION = 2,		/* unsupported major version */
	QXLSHM_E_PERMISSION = 3,	/* peer uid/gid not allowed */
	QXLSHM_E_MEMFD = 4,		/* memfd unsealed, too small, ... */
	QXLSHM_E_BUSY = 5,		/* another producer is attached */
	QXLSHM_E_FAULT = 6,		/* bad QXL commands: detached */
	QXLSHM_E_TIMEOUT = 7,		/* a step took longer than allowed */
	QXLSHM_E_SHUTDOWN = 8,		/* spiced is stopping */
};

#endif
