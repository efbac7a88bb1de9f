/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* park: see park.h. */
#include <unistd.h>

#include "park.h"

int
park_room(const struct park *pk)
{
	return pk->pk_n < PARK_MAX;
}

int
park_add(struct park *pk, int fd, const struct link_info *li)
{
	struct park_entry *e;

	if (!park_room(pk)) {
		close(fd);
		return -1;
	}
	e = &pk->pk_e[pk->pk_n++];
	e->pe_fd = fd;
	e->pe_until = time(NULL) + PARK_SEC;
	e->pe_li = *li;
	return 0;
}

static void
park_remove(struct park *pk, int i)
{
	pk->pk_e[i] = pk->pk_e[--pk->pk_n];
}

int
park_take(struct park *pk, uint8_t type, int *fd, struct link_info *li)
{
	time_t now = time(NULL);
	int i;

	for (i = 0; i < pk->pk_n; ) {
		if (pk->pk_e[i].pe_until < now) {
			close(pk->pk_e[i].pe_fd);
			park_remove(pk, i);
			continue;
		}
		if (pk->pk_e[i].pe_li.channel_type == type) {
			*fd = pk->pk_e[i].pe_fd;
			*li = pk->pk_e[i].pe_li;
			park_remove(pk, i);
			return 1;
		}
		i++;
	}
	return 0;
}

void
park_drop(struct park *pk, uint32_t id)
{
	int i;

	for (i = 0; i < pk->pk_n; )
		if (id == 0 || pk->pk_e[i].pe_li.connection_id == id) {
			close(pk->pk_e[i].pe_fd);
			park_remove(pk, i);
		} else
			i++;
}
