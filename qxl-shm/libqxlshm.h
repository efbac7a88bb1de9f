/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libqxlshm: the producer side of the qxl-shm protocol (see PROTOCOL.md).
 *
 * A producer connects to a display's control socket, creates sealed memfd
 * memory slots, attaches a QXLRam device region, creates the primary
 * surface and then pushes QXL commands (spice/qxl_dev.h structures it
 * builds in slot memory) onto the command ring.  The library allocates
 * slot memory, recycles it when the server returns release ids, rings the
 * doorbell when the ring protocol asks for it and reports errors as text.
 *
 * Threading: one struct qxlshm is used by one thread at a time.
 * Errors: functions returning int give 0 or -1 (errno set where it helps,
 * e.g. EAGAIN), pointer functions NULL; qxlshm_error() then tells why.
 */
#ifndef LIBQXLSHM_H
#define LIBQXLSHM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <spice/qxl_dev.h>

#include "qxl-shm.h"

#define QXLSHM_ERRLEN		256
#define QXLSHM_ALLOC_ALIGN	16	/* every allocation is aligned so */

struct qxlshm;

/* Connect to the control socket at path, say HELLO with name (truncated
 * to 63 bytes) and wait up to 5 s for HELLO_REPLY.  On failure returns
 * NULL with a message in err (errlen bytes, may be NULL), including the
 * server's ERROR reason when it sent one. */
struct qxlshm	*qxlshm_connect(const char *path, const char *name, char *err,
		    size_t errlen);

/* The same, asking for the QXLSHM_F_* features in features (what the
 * producer can do); qxlshm_features() then tells what the server
 * granted.  qxlshm_connect() asks for none. */
struct qxlshm	*qxlshm_connect_features(const char *path, const char *name,
		    uint64_t features, char *err, size_t errlen);

/* The features the server granted (a subset of those asked). */
uint64_t	 qxlshm_features(const struct qxlshm *q);

/* With QXLSHM_F_REDRAW granted: 1 once after the server sent REDRAW (its
 * display worker was restarted and lost every surface), which the
 * producer answers by creating its off-screen surfaces again and drawing
 * the whole primary; 0 otherwise.  Messages are read by
 * qxlshm_handle_control(), qxlshm_wait() and qxlshm_idle(). */
int		 qxlshm_redraw_requested(struct qxlshm *q);

/* Input events (QXLSHM_F_INPUT granted): fn is called with each event
 * the server sends, from qxlshm_wait(), qxlshm_idle() and
 * qxlshm_handle_input(). */
typedef void (*qxlshm_input_fn)(const struct qxlshm_input_event *,
		    void *arg);

/* Create the input socket and send it (MSG_INPUT) with flags
 * (QXLSHM_INPUT_ABSOLUTE when the producer can place the pointer).  0, or
 * -1 (ENOTSUP: not granted). */
int		 qxlshm_input_open(struct qxlshm *q, uint32_t flags,
		    qxlshm_input_fn fn, void *arg);
/* Deliver the events waiting (at most 256); their number, or -1. */
int		 qxlshm_handle_input(struct qxlshm *q);
/* The input socket, readable when events wait (call
 * qxlshm_handle_input then), for producers with an event loop of their
 * own; -1 before qxlshm_input_open(). */
int		 qxlshm_input_fd(const struct qxlshm *q);
/* The agent port (QXLSHM_F_AGENT granted): create the socket pair, send
 * one end (MSG_AGENT) and return the other, which the caller owns: it
 * reads and writes VDI chunks there (struct qxlshm_agent_chunk, then the
 * data), one per datagram.  -1 (ENOTSUP: not granted). */
int		 qxlshm_agent_open(struct qxlshm *q);
/* The audio port (QXLSHM_F_AUDIO granted): create the socket pair, send
 * one end (MSG_AUDIO) and return the other, which the caller owns and
 * writes QXLSHM_AUDIO_* datagrams to.  -1 (ENOTSUP: not granted). */
int		 qxlshm_audio_open(struct qxlshm *q);
/* The record port (QXLSHM_F_RECORD granted), made as the audio port's:
 * the caller sends START/STOP/VOLUME there and reads the microphone's
 * DATA and SYNC.  -1 (ENOTSUP: not granted). */
int		 qxlshm_record_open(struct qxlshm *q);
/* A byte stream port (QXLSHM_F_PORTS granted): fd (an AF_UNIX
 * SOCK_STREAM socket; sent, not closed here) carries the device's bytes;
 * kind QXLSHM_PORT_* (SMARTCARD only with QXLSHM_F_SMARTCARD granted),
 * name unique, opened whether the device end is open now.  Returns the
 * port's number, or -1. */
int		 qxlshm_port_add(struct qxlshm *q, uint32_t kind,
		    const char *name, int opened, int fd);
/* The device end of port opened or closed. */
int		 qxlshm_port_state(struct qxlshm *q, int port, int opened);
/* After qxlshm_input_open(): what the producer can take changed
 * (QXLSHM_INPUT_* flags, sent as MSG_INPUT_FLAGS). */
int		 qxlshm_input_flags(struct qxlshm *q, uint32_t flags);
/* Tell the server the keyboard's lock state (QXLSHM_LED_*). */
int		 qxlshm_set_leds(struct qxlshm *q, uint32_t leds);
/* With QXLSHM_F_HEADS granted: the primary shows count monitors (1..
 * QXLSHM_MAX_HEADS), heads[] areas of it.  Send after the primary's
 * PRIMARY_DONE (qxlshm_create_primary returns then), again after each new
 * primary.  0 or -1 (qxlshm_error). */
int		 qxlshm_set_heads(struct qxlshm *q, uint32_t count,
		    const struct qxlshm_head *heads);

/* Send DETACH if attached, close the socket and eventfds, unmap and close
 * every slot and free q.  NULL is ignored. */
void		 qxlshm_close(struct qxlshm *q);

/* The last error message (never NULL). */
const char	*qxlshm_error(const struct qxlshm *q);

/* Create slot id (< QXLSHM_MAX_SLOTS) of size bytes: a memfd sealed with
 * F_SEAL_GROW|F_SEAL_SHRINK|F_SEAL_SEAL, mapped read-write, announced with
 * MEMSLOT_ADD at generation 0.  Its memory is then handed out by
 * qxlshm_alloc*.  Slots live until the connection closes. */
int		 qxlshm_slot_create(struct qxlshm *q, uint32_t id,
		    uint64_t size);

/* Base address and size of slot id in this process; NULL if absent. */
void		*qxlshm_slot_base(struct qxlshm *q, uint32_t id, uint64_t *size);

/* The memfd of slot id (owned by q: dup it to keep it), so that another
 * process can write into the slot, as an X server does for MIT-SHM
 * ShmAttachFd; -1 if absent. */
int		 qxlshm_slot_fd(const struct qxlshm *q, uint32_t id);

/* The QXLPHYSICAL of ptr, which must lie inside a slot; 0 otherwise. */
uint64_t	 qxlshm_phys(struct qxlshm *q, const void *ptr);

/* Allocate size bytes (zeroed, QXLSHM_ALLOC_ALIGN-aligned) in slot id;
 * *phys (if not NULL) receives the QXLPHYSICAL.  NULL with errno ENOMEM
 * when the slot is full: wait for releases (qxlshm_wait) and retry. */
void		*qxlshm_alloc(struct qxlshm *q, uint32_t slot, size_t size,
		    uint64_t *phys);

/* As qxlshm_alloc for a command (a struct starting with QXLReleaseInfo):
 * the release id is written into it, and when the server returns that id
 * the command and everything qxlshm_link()ed to it is freed. */
void		*qxlshm_alloc_cmd(struct qxlshm *q, uint32_t slot, size_t size,
		    uint64_t *phys);

/* qxlshm_alloc() (cmd 0) or qxlshm_alloc_cmd() (cmd 1), waiting up to
 * timeout_ms while the slot is full for the server to release memory
 * (handling releases and control messages meanwhile, as qxlshm_idle());
 * it gives up early once *stop (may be NULL) is set.  NULL with errno
 * ENOMEM when no room came in time, or when the server sent ERROR or
 * closed (qxlshm_error() says why). */
void		*qxlshm_alloc_wait(struct qxlshm *q, uint32_t slot,
		    size_t size, uint64_t *phys, int cmd, int timeout_ms,
		    const volatile sig_atomic_t *stop);

/* Tie the allocation child to the command cmd (both from qxlshm_alloc*):
 * child is freed when cmd is released.  -1 if either is unknown. */
int		 qxlshm_link(struct qxlshm *q, void *cmd, void *child);

/* Free an allocation now (with everything linked to it, for a command);
 * only for memory the server was never given. */
void		 qxlshm_free(struct qxlshm *q, void *ptr);

/* Bytes in use / free in slot id (for statistics and tests). */
uint64_t	 qxlshm_slot_used(struct qxlshm *q, uint32_t id);

/* Place the device region (QXLRam, then the cursor release ring) in slot
 * ram_slot, initialise its rings, create the doorbell and irq eventfds,
 * send ATTACH and wait up to 10 s for ATTACHED. */
int		 qxlshm_attach(struct qxlshm *q, uint32_t ram_slot);

/* The QXLRam in shared memory (after qxlshm_attach), for producers that
 * want to look at or set more of the device state. */
QXLRam		*qxlshm_ram(struct qxlshm *q);

/* Send CREATE_PRIMARY for width x height, stride (negative: bottom-up),
 * format SPICE_SURFACE_FMT_32_xRGB or _ARGB, content at mem (a
 * QXLPHYSICAL of |stride| * height bytes the caller keeps allocated for as
 * long as the primary exists).  Waits until the server confirms
 * (QXLSHM_MSG_PRIMARY_DONE) so that commands pushed afterwards find the
 * primary. */
int		 qxlshm_create_primary(struct qxlshm *q, uint32_t width,
		    uint32_t height, int32_t stride, uint32_t format,
		    uint64_t mem);
int		 qxlshm_destroy_primary(struct qxlshm *q);

/* Push a QXLCommand {phys, type} onto the command ring and ring the
 * doorbell if notify_on_prod asks for it.  When the ring is full: wait up
 * to timeout_ms (-1 forever, 0 not at all) for room, handling releases
 * meanwhile; then -1 with errno EAGAIN. */
int		 qxlshm_push_cmd(struct qxlshm *q, uint32_t type, uint64_t phys,
		    int timeout_ms);
/* The same for the cursor ring (QXL_CMD_CURSOR commands). */
int		 qxlshm_push_cursor(struct qxlshm *q, uint64_t phys,
		    int timeout_ms);

/* A QXL_CURSOR_SET command in slot with an ALPHA shape of w x h (straight,
 * not premultiplied, ARGB; 1..512 each way), hot spot hx, hy inside it,
 * the pointer at x, y, and unique as the shape's id; the shape is linked
 * to the command.  *pixels is where the caller writes w * h * 4 bytes of
 * pixels (not aligned: write them with memcpy).  Returns the command for
 * qxlshm_push_cursor(), NULL (qxlshm_error()) when the slot is full or
 * the shape invalid. */
QXLCursorCmd	*qxlshm_cursor_alpha(struct qxlshm *q, uint32_t slot,
		    uint64_t unique, uint16_t w, uint16_t h, uint16_t hx,
		    uint16_t hy, int16_t x, int16_t y, uint8_t **pixels,
		    uint64_t *phys);

/* Ring the command doorbell regardless of notify_on_prod (for producers
 * that write ring entries themselves through qxlshm_ram()). */
void		 qxlshm_notify(struct qxlshm *q);

/* Take every id off both release rings, free what they name, clear
 * int_pending, re-arm notify_on_prod, and ring the doorbell if the server
 * waits for room (notify_on_cons).  Returns the number of ids taken, -1
 * if an id names no live command (server bug; the id is skipped). */
int		 qxlshm_poll_releases(struct qxlshm *q);

/* An fd that becomes readable when the server raised an interrupt (the
 * irq eventfd; -1 before attach); call qxlshm_handle_irq then. */
int		 qxlshm_irq_fd(struct qxlshm *q);
/* Read the irq eventfd and qxlshm_poll_releases. */
int		 qxlshm_handle_irq(struct qxlshm *q);

/* The control socket: readable when the server sent something (an ERROR
 * before it closes); call qxlshm_handle_control then. */
int		 qxlshm_control_fd(struct qxlshm *q);
/* Read pending control messages without blocking.  0 if none or only
 * harmless ones, -1 when the server sent ERROR or closed (qxlshm_error()
 * has the reason). */
int		 qxlshm_handle_control(struct qxlshm *q);

/* Poll irq and control for up to timeout_ms and handle what arrived.
 * Returns 1 if something was handled, 0 on timeout, -1 on error (server
 * ERROR, closed socket). */
int		 qxlshm_wait(struct qxlshm *q, int timeout_ms);

/* Send DETACH (the server stops consuming and releases nothing more). */
int		 qxlshm_detach(struct qxlshm *q);

/*
 * The usual start, in one call.  qxlshm_setup() creates slot
 * QXLSHM_SETUP_CMD_SLOT (the device region, commands, image headers) and
 * slot QXLSHM_SETUP_DATA_SLOT (the primary's pixels, then free for bitmaps
 * and surfaces), attaches with the device region in the first, allocates
 * width * height * 4 bytes in the second, fills them from pixels (else
 * leaves them black) and creates a primary of width x height from them
 * (SPICE_SURFACE_FMT_32_xRGB, top-down, stride width * 4).  That memory
 * stays allocated until qxlshm_close().  Afterwards the producer pushes
 * commands built with qxlshm_alloc*() in either slot.  On failure returns
 * -1 with the failed step in qxlshm_error(); q must then be closed, as
 * whatever was set up stays half done.
 */
#define QXLSHM_SETUP_CMD_SLOT	0
#define QXLSHM_SETUP_DATA_SLOT	1
#define QXLSHM_SETUP_CMD_SIZE	(4ull << 20)	/* default size of slot 0 */
#define QXLSHM_SETUP_DATA_FREE	(32ull << 20)	/* default extra in slot 1 */

struct qxlshm_setup {
	uint32_t	 width;		/* 1..QXLSHM_MAX_WIDTH */
	uint32_t	 height;	/* 1..QXLSHM_MAX_HEIGHT */
	const uint32_t	*pixels;	/* width * height xRGB, or NULL */
	uint64_t	 cmd_slot_size;	/* 0: QXLSHM_SETUP_CMD_SIZE */
	/* Bytes of slot 1 beyond the primary; 0: three more screens plus
	 * QXLSHM_SETUP_DATA_FREE. */
	uint64_t	 data_slot_free;
	uint64_t	 features;	/* QXLSHM_F_* to ask for */
};

int		 qxlshm_setup(struct qxlshm *q, const struct qxlshm_setup *s);

/* qxlshm_connect() then qxlshm_setup(): a producer ready to push
 * commands, or NULL with the reason in err (as qxlshm_connect()). */
struct qxlshm	*qxlshm_open(const char *path, const char *name,
		    const struct qxlshm_setup *s, char *err, size_t errlen);

/* Handle releases and control messages for timeout_ms (-1: no limit),
 * returning early once *stop (may be NULL) is non-zero; it is looked at
 * at least every 200 ms, so a signal handler may set it.  0 on timeout
 * or stop, -1 when the server sent ERROR or closed (qxlshm_error()). */
int		 qxlshm_idle(struct qxlshm *q, int timeout_ms,
		    const volatile sig_atomic_t *stop);

/* Fill in what every drawable needs: surface_id, type, bbox, an opaque
 * effect, no clip and no source surfaces (surfaces_dest all -1).  The
 * release info and the type-specific part u are left alone. */
void		 qxlshm_drawable_init(QXLDrawable *d, uint32_t surface_id,
		    uint8_t type, const QXLRect *bbox);

/* Parse a screen size "WxH" (decimal, 1..QXLSHM_MAX_WIDTH x
 * 1..QXLSHM_MAX_HEIGHT, nothing after it), as producers take it on their
 * command lines.  0, or -1 leaving *w and *h alone. */
int		 qxlshm_parse_size(const char *s, uint32_t *w, uint32_t *h);

/* Low level, for conformance tests and hostile-producer tests: send one
 * control message with up to 4 fds. */
int		 qxlshm_send_msg(struct qxlshm *q, uint32_t type,
		    const void *payload, uint32_t len, const int *fds,
		    int nfds);
/* Wait up to timeout_ms for one control message; its type in *type and up
 * to *len payload bytes in buf (*len updated).  0, or -1 on timeout
 * (errno ETIMEDOUT), close or error. */
int		 qxlshm_recv_msg(struct qxlshm *q, uint32_t *type, void *buf,
		    uint32_t *len, int timeout_ms);

#endif
