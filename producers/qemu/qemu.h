/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spiced-qemu: what its parts share.  One D-Bus connection to QEMU's
 * display (QEMU is the server), one qxl-shm producer connection to
 * spiced, one sd-event loop, one thread.
 */
#ifndef QEMU_H
#define QEMU_H

#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "libqxlshm.h"

#define QEMU_IFACE		"org.qemu.Display1"
#define QEMU_BUS_NAME		"org.qemu"	/* QEMU's name on a bus */
#define QEMU_CMD_SLOT		0	/* device region, commands, cursors */
#define QEMU_DATA_SLOT		1	/* the primary's pixels */
#define QEMU_MAX_CONSOLES	QXLSHM_MAX_HEADS	/* a head each */

struct qscreen;
struct qcursor;
struct qinput;
struct qlisten;
struct qagent;
struct qports;
struct qaudio;
struct qmic;

/* One of QEMU's consoles the bridge shows: a monitor of the VM. */
struct qemu_con {
	uint32_t	 qc_id;		/* QEMU's console number */
	char		 qc_path[64];	/* its object path */
	struct qlisten	*qc_listen;
};

struct qemu {
	sd_event	*q_event;
	sd_bus		*q_bus;		/* the display connection */
	const char	*q_dest;	/* QEMU's bus name: NULL peer to peer,
					   QEMU_BUS_NAME on a bus */
	struct qemu_con	 q_cons[QEMU_MAX_CONSOLES];	/* shown, in order */
	unsigned	 q_ncons;	/* 1..QEMU_MAX_CONSOLES */
	struct qxlshm	*q_shm;
	uint32_t	 q_max_w;	/* largest console the bridge takes */
	uint32_t	 q_max_h;
	struct qscreen	*q_screen;
	struct qcursor	*q_cursor;
	struct qinput	*q_input;
	struct qagent	*q_agent;	/* NULL: QEMU has no agent chardev */
	struct qports	*q_ports;	/* its other chardevs, or NULL */
	struct qaudio	*q_audio;
	struct qmic	*q_mic;
	int		 q_status;	/* exit status once the loop ends */
};

/* Log why and end the event loop with status (0: asked to stop). */
void	qemu_quit(struct qemu *q, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Attach bus to q's event loop, with the work-around for sd-bus (as of
 * systemd 252) leaving a message that came in the same read as the end
 * of the handshake unprocessed until more data arrives: QEMU's first
 * call (a blocking GetAll on our listener) would wait forever.  0 or a
 * negative errno. */
int	qemu_bus_attach(struct qemu *q, sd_bus *bus);

/* CLOCK_MONOTONIC in microseconds, sd-event's clock. */
uint64_t qemu_now_us(struct qemu *q);

#endif
