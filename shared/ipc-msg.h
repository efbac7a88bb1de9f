/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipc-msg: THE list of messages between the supervisor (spiced) and its
 * workers (spiced-worker).  Every message type and payload is defined here
 * once; ipc.c frames them and checks sizes.
 *
 * Transport: one SOCK_SEQPACKET socketpair per worker, the worker's end on
 * fd 3.  One datagram = struct ipc_hdr + payload; fds ride along with
 * SCM_RIGHTS and their count is fixed per type (ipc_msg_spec()).
 *
 * Numbering: D2W (supervisor to worker) 100-199, W2D (worker to supervisor)
 * 200-299.  Adding a message or changing a payload bumps SPICED_IPC_VERSION
 * (supervisor and worker must come from the same build; the worker checks
 * the version in IPC_D2W_INIT).  Three things never change, whatever the
 * version: struct ipc_hdr, the number of IPC_D2W_SWITCH_HOST and struct
 * ipc_switch_host.  After an upgrade, the new supervisor sends it to the
 * main workers of the old one it cannot adopt (daemon/handoff-adopt.c), so that
 * their viewers link again rather than lose their display.
 *
 * Payloads are fixed-size packed little-endian-host structs (both ends are
 * the same build on the same host), decoded only after ipc.c checked the
 * exact length.  Strings are fixed arrays; receivers must check that they
 * are NUL-terminated (ipc_str_ok()).  No pointers cross IPC.
 */
#ifndef SPICED_IPC_MSG_H
#define SPICED_IPC_MSG_H

#include <stdint.h>

#include "qxl-shm.h"

#define SPICED_IPC_VERSION	12

#define IPC_MAX_PAYLOAD		4096
#define IPC_MAX_FDS		4
#define IPC_NAME_LEN		64
#define IPC_ADDR_LEN		64
#define IPC_MAX_CAP_WORDS	4	/* caps beyond 128 bits are ignored */
#define IPC_MAX_CHANNELS	32	/* entries in a channel list */
#define IPC_REASON_LEN		256

struct ipc_hdr {
	uint32_t	ih_type;
	uint32_t	ih_len;		/* payload bytes after the header */
	uint32_t	ih_session;	/* SPICE connection_id, 0 if none */
	uint32_t	ih_conn;	/* supervisor's id for a client connection */
} __attribute__((packed));

enum ipc_type {
	/* supervisor -> worker */
	IPC_D2W_INIT = 100,		/* first message; struct ipc_init */
	IPC_D2W_CLIENT = 101,		/* 1 fd: an authenticated client link */
	IPC_D2W_CHANNELS = 102,		/* main: channels the session may link */
	IPC_D2W_MEMSLOT = 103,		/* 1 fd: producer memfd (checked) */
	IPC_D2W_DEVICE = 104,		/* 2 fds: doorbell in, irq out */
	IPC_D2W_PRIMARY_CREATE = 105,	/* producer created the primary */
	IPC_D2W_PRIMARY_DESTROY = 106,	/* producer destroyed the primary */
	IPC_D2W_CONN_CLOSE = 107,	/* close one client connection */
	IPC_D2W_SESSION_CLOSE = 108,	/* close all connections of ih_session */
	IPC_D2W_KEYGEN = 109,		/* keygen: make keys; struct ipc_keygen */
	IPC_D2W_PRODUCER_GONE = 110,	/* display: drop the producer's memory */
	IPC_D2W_INPUT_ATTACH = 111,	/* inputs: 1 fd, the producer's input
					   socket; struct ipc_input */
	IPC_D2W_INPUT_DETACH = 112,	/* inputs: no producer takes input */
	IPC_D2W_INPUT_LEDS = 113,	/* inputs: struct ipc_leds */
	IPC_D2W_MOUSE_MODES = 114,	/* main: struct ipc_mouse_modes */
	IPC_D2W_AGENT_ATTACH = 115,	/* main: 1 fd, the producer's agent
					   port; this session owns it */
	IPC_D2W_AGENT_DETACH = 116,	/* main: it owns the agent no more */
	IPC_D2W_PORT_ATTACH = 117,	/* vmc: 1 fd, the producer's byte
					   stream; struct ipc_port */
	IPC_D2W_PORT_STATE = 118,	/* vmc: struct ipc_port_state */
	IPC_D2W_AUDIO_ATTACH = 119,	/* playback, record: 1 fd, the
					   producer's audio or record port;
					   this session has it */
	IPC_D2W_AUDIO_DETACH = 120,	/* playback, record: it has it no
					   more */
	IPC_D2W_HEADS = 121,		/* display: struct ipc_heads */
	IPC_D2W_SWITCH_HOST = 122,	/* main: struct ipc_switch_host */

	/* worker -> supervisor */
	IPC_W2D_READY = 200,		/* sandbox in force; struct ipc_ready */
	IPC_W2D_CONN_CLOSED = 201,	/* a client connection ended */
	IPC_W2D_PRODUCER_FAULT = 202,	/* display: producer misbehaved */
	IPC_W2D_KEY = 204,		/* keygen: one key; struct ipc_key */
	IPC_W2D_PRIMARY_DONE = 203,	/* display: primary create/destroy
					   applied; forwarded to the producer */
	IPC_W2D_STATS = 206,		/* every IPC_STATS_MS: struct ipc_stats */
	IPC_W2D_INPUT_ACTIVE = 205,	/* inputs: its client pressed a key or
					   button (at most every
					   IPC_INPUT_ACTIVE_MS) */
};

/* IPC_D2W_INIT: the worker's identity and settings. */
struct ipc_init {
	uint32_t	version;	/* SPICED_IPC_VERSION */
	uint32_t	flags;		/* IPC_INIT_* */
	char		display[IPC_NAME_LEN];
} __attribute__((packed));
#define IPC_INIT_DEBUG		0x1	/* log debug lines */
#define IPC_INIT_TEST_TRIGGERS	0x2	/* SIGUSR2 makes the worker call
					   openat(2), which seccomp must kill */
/* Display worker: how images are sent (image-compression,
 * jpeg-wan-compression in spiced.conf). */
#define IPC_INIT_IMAGES_RAW	0x4	/* plain bitmaps only (off) */
#define IPC_INIT_JPEG_AUTO	0x8	/* JPEG for photos on slow links */
#define IPC_INIT_JPEG_ALWAYS	0x10	/* JPEG for photos always */
#define IPC_INIT_STREAM_OFF	0x20	/* streaming-video = off */
#define IPC_INIT_STREAM_ALL	0x40	/* streaming-video = all (else
					   filter: photographs only) */
#define IPC_INIT_IMAGES_QUIC	0x80	/* QUIC for every lossless image */
#define IPC_INIT_IMAGES_LZ4	0x100	/* never QUIC (else: QUIC for
					   natural images, LZ4 for others) */
#define IPC_INIT_IMAGES_LZ	0x200	/* LZ for every lossless image */
#define IPC_INIT_IMAGES_AUTO_LZ	0x400	/* QUIC for natural images, LZ for
					   others, whatever the client */
#define IPC_INIT_IMAGES_GLZ	0x800	/* GLZ for every lossless image to
					   clients with a GLZ window */

/* Transport under a handed-over client fd.  To the worker all of them are
 * a plain byte stream; the value says what sits under it:
 * KTLS: a TCP socket with the kernel's TLS ULP doing the records; a
 *	non-application record (alert, KeyUpdate) makes recv(2) fail with
 *	EIO, which the worker treats as the end of the stream;
 * RELAYED: one end of a SOCK_SEQPACKET socketpair whose other end
 *	belongs to a relay process (daemon/relay.c) that runs the security
 *	layer (TLS, SASL).  Datagrams carry the record boundaries: the
 *	relay hands each datagram from the worker to the layer in one
 *	write, so the worker sends no datagram that holds bytes of two
 *	messages (or of a message and a WebSocket control frame), and none
 *	over IPC_RELAY_DGRAM_MAX; the relay sends the worker datagrams of
 *	at most IPC_RELAY_DGRAM_MAX decoded bytes.
 * KTLS and RELAYED alike: every TLS record must end at a message end
 * (DESIGN.md 5), since spice-gtk never drains plaintext that OpenSSL has
 * already buffered. */
#define IPC_RELAY_DGRAM_MAX	(64u * 1024)

enum ipc_transport {
	IPC_TRANSPORT_PLAIN = 0,
	IPC_TRANSPORT_KTLS = 1,
	IPC_TRANSPORT_RELAYED = 2,
};

/* Framing of the SPICE byte stream above the transport; independent of
 * it, since WebSocket runs over plain TCP, kTLS or the relay alike (wss:
 * the relay hands over decrypted bytes that are still frames). */
enum ipc_framing {
	IPC_FRAMING_NONE = 0,
	IPC_FRAMING_WEBSOCKET = 1,	/* RFC 6455 frames (shared/ws.h) */
};

/* IPC_FRAMING_WEBSOCKET: where the supervisor's frame decoder stopped.
 * It reads no byte past the ticket, so nothing decoded is left over; but
 * the frame that carried the ticket may go on, and the worker continues
 * it from here (ws_dec_import() checks every field). */
struct ipc_ws {
	uint64_t	left;		/* payload bytes left in that frame */
	uint8_t		mask[4];	/* its masking key */
	uint8_t		mask_off;	/* payload bytes read, mod 4 */
	uint8_t		flags;		/* IPC_WS_* */
	uint8_t		opcode;		/* WS_OP_* of the frame, if IN_FRAME */
	uint8_t		pad;
} __attribute__((packed));
#define IPC_WS_IN_FRAME		0x1	/* inside a data frame's payload */
#define IPC_WS_IN_MSG		0x2	/* a fragmented message is open */

/* IPC_D2W_CLIENT: everything a worker needs to continue a linked channel.
 * The link result OK has already been sent; the next bytes on the fd are
 * data messages.  ih_session names the session, ih_conn the connection. */
struct ipc_client {
	uint8_t		channel_type;	/* SPICE_CHANNEL_* */
	uint8_t		channel_id;
	uint8_t		mini_header;	/* 1: SpiceMiniDataHeader in use */
	uint8_t		transport;	/* enum ipc_transport */
	uint32_t	n_common_caps;	/* words used in common_caps */
	uint32_t	n_channel_caps;
	uint32_t	common_caps[IPC_MAX_CAP_WORDS];
	uint32_t	channel_caps[IPC_MAX_CAP_WORDS];
	char		peer[IPC_ADDR_LEN];	/* client address, for logs */
	/* Where the client came to, for IPC_D2W_SWITCH_HOST: the name it
	 * asked TLS for (SNI), else our numeric address; empty over a UNIX
	 * socket. */
	char		local[IPC_ADDR_LEN];
	uint16_t	local_port;
	uint8_t		framing;	/* enum ipc_framing */
	uint8_t		pad[5];
	struct ipc_ws	ws;		/* IPC_FRAMING_WEBSOCKET only */
} __attribute__((packed));

/* IPC_D2W_CHANNELS: the channels this session may link (main worker). */
struct ipc_channels {
	uint32_t	count;		/* <= IPC_MAX_CHANNELS */
	struct {
		uint8_t	type;
		uint8_t	id;
	} __attribute__((packed)) ch[IPC_MAX_CHANNELS];
} __attribute__((packed));

/* IPC_D2W_MEMSLOT: a producer memory slot; the supervisor has checked
 * F_SEAL_SHRINK and that the file is at least `size` bytes long. */
struct ipc_memslot {
	uint32_t	slot_id;
	uint32_t	generation;
	uint64_t	size;
} __attribute__((packed));

/* IPC_D2W_DEVICE: where QXLRam lives; fds: [0] doorbell eventfd the
 * producer writes, [1] interrupt eventfd the worker writes. */
struct ipc_device {
	uint32_t	ram_slot;
	uint32_t	flags;		/* IPC_DEVICE_* */
	uint64_t	ram_offset;
} __attribute__((packed));
/* The producer was attached to a display worker that died: the ring may
 * still hold commands that name surfaces lost with it. */
#define IPC_DEVICE_TAKEOVER	0x1

/* IPC_D2W_PRIMARY_CREATE: copied field by field from the producer's
 * QXLSHM_MSG_CREATE_PRIMARY after a size check; validated by the worker. */
struct ipc_primary {
	uint32_t	width;
	uint32_t	height;
	int32_t		stride;
	uint32_t	format;		/* SPICE_SURFACE_FMT_* */
	uint64_t	mem;		/* QXLPHYSICAL of pixel memory */
} __attribute__((packed));

/* IPC_D2W_HEADS: the producer's QXLSHM_MSG_HEADS, count checked
 * (1..QXLSHM_MAX_HEADS); the worker checks the heads against the
 * primary. */
struct ipc_heads {
	uint32_t	count;
	struct qxlshm_head head[QXLSHM_MAX_HEADS];
} __attribute__((packed));

/* IPC_D2W_SWITCH_HOST: the supervisor restarts (its listeners wait in
 * systemd's fd store): the main worker tells its client to reconnect to
 * the address it came to (ipc_client local, local_port;
 * SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST), with the display's other port
 * beside it (0: none). */
struct ipc_switch_host {
	uint16_t	port;		/* the display's plain port */
	uint16_t	tls_port;	/* and its TLS port */
} __attribute__((packed));

/* IPC_W2D_READY */
struct ipc_ready {
	uint32_t	version;
	uint32_t	pid;
} __attribute__((packed));

/* IPC_W2D_CONN_CLOSED: ih_conn names the connection. */
struct ipc_conn_closed {
	char		reason[IPC_REASON_LEN];
} __attribute__((packed));

/* IPC_W2D_PRIMARY_DONE */
struct ipc_primary_done {
	uint32_t	created;	/* 1: after CREATE, 0: after DESTROY */
} __attribute__((packed));

/* IPC_W2D_PRODUCER_FAULT: the display worker detaches the producer. */
struct ipc_producer_fault {
	char		reason[IPC_REASON_LEN];
} __attribute__((packed));

/* IPC_D2W_KEYGEN: make count (1..IPC_KEYGEN_MAX) more ticket key pairs;
 * each comes back as one IPC_W2D_KEY. */
#define IPC_KEYGEN_MAX		64
struct ipc_keygen {
	uint32_t	count;
} __attribute__((packed));

/* IPC_W2D_KEY: an RSA-1024 private key, DER (shared/rsa-keygen.h). */
#define IPC_KEY_DER_MAX		1024
struct ipc_key {
	uint32_t	len;		/* 1..IPC_KEY_DER_MAX */
	uint8_t		der[IPC_KEY_DER_MAX];
} __attribute__((packed));

/* IPC_D2W_INPUT_ATTACH: the producer's input socket (qxl-shm
 * QXLSHM_MSG_INPUT), what it takes and its lock state. */
struct ipc_input {
	uint32_t	flags;		/* QXLSHM_INPUT_* */
	uint32_t	leds;		/* QXLSHM_LED_* = SPICE modifier bits */
} __attribute__((packed));

/* IPC_D2W_INPUT_LEDS: the producer's lock state changed. */
struct ipc_leds {
	uint32_t	leds;
} __attribute__((packed));

/* IPC_W2D_INPUT_ACTIVE: the agent follows the viewer that last typed or
 * clicked; an inputs worker says so at most this often. */
#define IPC_INPUT_ACTIVE_MS	250

/* IPC_W2D_STATS: what a worker does, for spicectl stats: its CPU time
 * so far and the counters of up to IPC_STATS_CONNS of its client
 * connections (a worker with more sends several, each a slice). */
#define IPC_STATS_MS		1000
/* ... and this often from a worker with no client and nothing to do
 * (worker-stats.c); the supervisor takes a worker silent for two
 * IPC_STATS_MS as idle. */
#define IPC_STATS_IDLE_MS	30000
#define IPC_STATS_CONNS		16
struct ipc_conn_stats {
	uint32_t	session;
	uint32_t	conn;
	uint64_t	bytes_out;	/* written to the client so far */
	uint64_t	bytes_in;	/* read from it so far */
	uint64_t	msgs_out;	/* messages queued for it so far */
	uint32_t	outq;		/* bytes queued, not yet written */
	uint32_t	rtt_us;		/* its last PING's round trip, 0: none */
} __attribute__((packed));
struct ipc_stats {
	uint64_t	cpu_ns;		/* the worker's CPU time so far */
	uint32_t	nconn;		/* 0..IPC_STATS_CONNS used below */
	uint32_t	pad;
	struct ipc_conn_stats conn[IPC_STATS_CONNS];
} __attribute__((packed));

/* IPC_D2W_PORT_ATTACH: a producer's byte stream (qxl-shm MSG_PORT) for
 * the session's channel of that type and id: usbredir, port or webdav. */
struct ipc_port {
	uint8_t		channel_type;	/* SPICE_CHANNEL_USBREDIR/PORT/WEBDAV */
	uint8_t		channel_id;
	uint8_t		opened;		/* the device end is open */
	uint8_t		pad;
	char		name[64];	/* NUL-terminated */
} __attribute__((packed));

/* IPC_D2W_PORT_STATE: the device end opened or closed. */
struct ipc_port_state {
	uint32_t	opened;
} __attribute__((packed));

/* IPC_D2W_MOUSE_MODES: the SPICE mouse modes the display's producer
 * can take now (SPICE_MOUSE_MODE_*; SERVER always). */
struct ipc_mouse_modes {
	uint32_t	supported;
} __attribute__((packed));

#endif
