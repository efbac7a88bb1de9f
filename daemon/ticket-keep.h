/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ticket-keep: the tickets set at run time (spicectl set-ticket or
 * expire-ticket, as libvirt sets a VM's graphics password, and spicectl
 * vv's one-time ticket) carried over a supervisor restart under systemd,
 * so that the viewers asked to link again (session.h, SWITCH_HOST) get in
 * with the ticket they hold, and a .vv file handed out before the restart
 * still opens its one session (a viewer that used it opens one again
 * when it links anew).  They
 * live in a sealed memfd in systemd's fd store, named "tickets", which
 * only systemd and spiced can reach; spiced.conf's own passwords need
 * none of this.  A display the configuration no longer has, or whose
 * configured password changed since (by reload), starts from its
 * configuration instead.
 */
#ifndef SPICED_TICKET_KEEP_H
#define SPICED_TICKET_KEEP_H

#include <stddef.h>

#include "spiced.h"

/* After a change to a ticket set at run time: store them all anew.  Does
 * nothing without $NOTIFY_SOCKET. */
void	tkeep_save(struct display *displays, size_t n);

/* At start, once the displays are set up: apply the tickets an earlier
 * run stored, if systemd passed them back. */
void	tkeep_restore(struct display *displays, size_t n);

#endif
