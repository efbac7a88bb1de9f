/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-park: links waiting for a restarting worker.  At most PARK_MAX
 * wait (one more is closed at once), each goes out once and only for its
 * channel type, those past their time are closed instead of handed out,
 * and a session's end or the display's closes theirs.  Every fd closed
 * is seen closed (fcntl F_GETFD fails).
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <spice/enums.h>

#include "park.h"
#include "test-helper.h"

static int
is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static int
newfd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	ASSERT_TRUE(fd >= 0);
	return fd;
}

static struct link_info
li_of(uint32_t session, uint8_t type)
{
	struct link_info li;

	memset(&li, 0, sizeof(li));
	li.connection_id = session;
	li.channel_type = type;
	return li;
}

int
main(void)
{
	struct park pk;
	struct link_info li = li_of(7, SPICE_CHANNEL_DISPLAY), got;
	int fds[PARK_MAX], extra, fd, i;

	memset(&pk, 0, sizeof(pk));
	for (i = 0; i < PARK_MAX; i++) {
		li = li_of(i < 2 ? 7 : 8, i % 2 ? SPICE_CHANNEL_CURSOR :
		    SPICE_CHANNEL_DISPLAY);
		fds[i] = newfd();
		ASSERT_INT_EQ(park_add(&pk, fds[i], &li), 0);
	}
	ASSERT_INT_EQ(park_room(&pk), 0);
	extra = newfd();
	ASSERT_INT_EQ(park_add(&pk, extra, &li), -1);
	ASSERT_INT_EQ(is_open(extra), 0);

	/* Session 7's go with it, open until then. */
	ASSERT_INT_EQ(is_open(fds[0]) && is_open(fds[1]), 1);
	park_drop(&pk, 7);
	ASSERT_INT_EQ(is_open(fds[0]) || is_open(fds[1]), 0);
	ASSERT_INT_EQ(pk.pk_n, PARK_MAX - 2);

	/* Cursor links only for the cursor worker, each once, open. */
	for (i = 0; park_take(&pk, SPICE_CHANNEL_CURSOR, &fd, &got); i++) {
		ASSERT_INT_EQ(got.channel_type, SPICE_CHANNEL_CURSOR);
		ASSERT_INT_EQ(is_open(fd), 1);
		close(fd);
	}
	ASSERT_INT_EQ(i, (PARK_MAX - 2) / 2);

	/* Past its time: closed, not handed out. */
	pk.pk_e[0].pe_until = time(NULL) - 1;
	fd = pk.pk_e[0].pe_fd;
	for (i = 0; park_take(&pk, SPICE_CHANNEL_DISPLAY, &extra, &got); i++)
		close(extra);
	ASSERT_INT_EQ(i, (PARK_MAX - 2) / 2 - 1);
	ASSERT_INT_EQ(is_open(fd), 0);
	ASSERT_INT_EQ(pk.pk_n, 0);

	/* The display's end closes all. */
	li = li_of(9, SPICE_CHANNEL_DISPLAY);
	fd = newfd();
	ASSERT_INT_EQ(park_add(&pk, fd, &li), 0);
	park_drop(&pk, 0);
	ASSERT_INT_EQ(is_open(fd), 0);
	ASSERT_INT_EQ(pk.pk_n, 0);
	printf("test-park: ok\n");
	return 0;
}
