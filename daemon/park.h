/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * park: display and cursor channel links that arrive while their worker
 * is being restarted (display.c's back-off, 30 s at most).  Refusing them
 * would leave a viewer that just logged in without a picture for good
 * (spice-gtk does not relink a channel on its own); so the link is
 * accepted and the authenticated connection waits here until the new
 * worker takes it (session.c's session_unpark()).  Bounded: PARK_MAX per
 * display, PARK_SEC each; past either the link is refused or closed.
 */
#ifndef SPICED_PARK_H
#define SPICED_PARK_H

#include <stdint.h>
#include <time.h>

#include "link.h"

#define PARK_MAX	16
#define PARK_SEC	40	/* the longest back-off and then some */

struct park_entry {
	int			 pe_fd;
	time_t			 pe_until;
	struct link_info	 pe_li;
};

struct park {
	struct park_entry	 pk_e[PARK_MAX];
	int			 pk_n;
};

/* Whether one more connection fits. */
int	park_room(const struct park *);
/* Take fd (closed if there is no room); 0, or -1 when it was closed. */
int	park_add(struct park *, int fd, const struct link_info *);
/* Hand out the next parked connection of channel type (its fd and link
 * info, now the caller's); 0 when none is left.  Those past their time
 * are closed on the way. */
int	park_take(struct park *, uint8_t type, int *fd, struct link_info *);
/* Close the connections of session id (it ended), or all (id 0). */
void	park_drop(struct park *, uint32_t id);

#endif
