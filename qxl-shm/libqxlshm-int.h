/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libqxlshm-int: what the files of libqxlshm share and nothing else sees.
 * Not installed; its functions are hidden from the library's ABI.
 */
#ifndef LIBQXLSHM_INT_H
#define LIBQXLSHM_INT_H

#include <stdint.h>

#include "libqxlshm.h"

#define QXLSHM_HIDDEN	__attribute__((visibility("hidden")))

struct qxlshm_blk {
	uint64_t		 b_off;
	uint64_t		 b_size;
	int			 b_used;
	int			 b_cmd;		/* heads a release group */
	struct qxlshm_blk	*b_prev;	/* neighbours by offset */
	struct qxlshm_blk	*b_next;
	struct qxlshm_blk	*b_group;	/* next block of the group */
	uint32_t		 b_slot;	/* slot id of this block */
};

struct qxlshm_slot {
	uint8_t			*sl_base;	/* NULL: absent */
	uint64_t		 sl_size;
	uint8_t			 sl_gen;
	int			 sl_fd;
	uint64_t		 sl_used;
	struct qxlshm_blk	*sl_blocks;
};

struct qxlshm {
	int			 q_sock;
	int			 q_doorbell;
	int			 q_irq;
	int			 q_cursor_doorbell;
	int			 q_attached;
	int			 q_dead;	/* ERROR or close seen */
	uint64_t		 q_features;	/* granted QXLSHM_F_* */
	int			 q_redraw;	/* REDRAW seen, not yet taken */
	int			 q_input;	/* our end of MSG_INPUT's socket */
	int			 q_nports;	/* MSG_PORTs sent */
	qxlshm_input_fn		 q_input_fn;
	void			*q_input_arg;
	uint8_t			*q_ram;		/* device region, or NULL */
	struct qxlshm_slot	 q_slot[QXLSHM_MAX_SLOTS];
	char			 q_err[QXLSHM_ERRLEN];
};

/* Format the error of q (qxlshm_error()); keeps errno; returns -1. */
QXLSHM_HIDDEN int	qxlshm_seterr(struct qxlshm *q, const char *fmt, ...)
			    __attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in milliseconds. */
QXLSHM_HIDDEN int64_t	qxlshm_now_ms(void);

/* libqxlshm-slot.c */
/* Unmap and close a slot, free its blocks and mark it absent. */
QXLSHM_HIDDEN void	qxlshm_slot_free(struct qxlshm_slot *sl);
/* Free the command named by release id with everything linked to it;
 * -1 (message set) if it names no live command. */
QXLSHM_HIDDEN int	qxlshm_release(struct qxlshm *q, uint64_t id);

#endif
