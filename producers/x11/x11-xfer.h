/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-xfer: files the client sends (a file dropped on remote-viewer's
 * window: the agent's VD_AGENT_FILE_XFER_START, _DATA and _STATUS), saved
 * in one directory as spice-vdagent saves them in a guest.  A name is the
 * client's file name and nothing else (no directory), made unique with
 * " (n)"; a file is created new (O_EXCL, O_NOFOLLOW), written as its data
 * comes, and removed if the transfer does not end whole (the client
 * cancels, an error, the client goes away).  No I/O but the directory's:
 * the agent sends what xf_on_msg answers.
 */
#ifndef X11_XFER_H
#define X11_XFER_H

#include <stdint.h>

#include "err.h"
#include "sbuf.h"

/* Transfers under way at once (spice-gtk starts one per file dropped). */
#define XF_MAX_TASKS	128

/* An answer to the client: a VD_AGENT_FILE_XFER_STATUS. */
struct xf_status {
	uint32_t	id;
	uint32_t	result;		/* VD_AGENT_FILE_XFER_STATUS_* */
	uint32_t	io_error;	/* ERROR: a GIOErrorEnum code */
	uint64_t	free_space;	/* NOT_ENOUGH_SPACE: bytes free */
};

struct xf;

/*
 * The directory files are saved in, opened: dir when given (NULL: the
 * default, $XDG_DOWNLOAD_DIR, else ~/Downloads when it is a directory,
 * else ~), its name in *name (static or dir itself).  -1 with the reason
 * in err when it cannot be opened.
 */
int		 xf_dir_open(const char *dir, const char **name,
		    struct spd_err *err);

/* Files go into the directory open as dirfd (named dir in logs; both
 * kept by the caller); dirfd -1: file transfer disabled, every START
 * answered so.  NULL when out of memory. */
struct xf	*xf_new(int dirfd, const char *dir, int verbose);
int		 xf_enabled(const struct xf *);

/* One VD_AGENT_FILE_XFER_* message of the client's (type, body): 1 with
 * *st to send back, 0 for nothing to send. */
int		 xf_on_msg(struct xf *, uint32_t type, struct sbuf *body,
		    struct xf_status *st);

/* The client went away: what it was sending is removed. */
void		 xf_client_gone(struct xf *);

void		 xf_free(struct xf *);

#endif
