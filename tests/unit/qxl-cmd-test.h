/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qxl-cmd-test: what test-qxl-cmd and test-qxl-cmd-draw share
 * (qxl-cmd-test.c): a private buffer registered as slot T_SLOT,
 * generation T_GEN, that they build QXL commands in and parse them from.
 */
#ifndef SPICED_QXL_CMD_TEST_H
#define SPICED_QXL_CMD_TEST_H

#include <stdint.h>

#include <spice/qxl_dev.h>

#include "err.h"
#include "qxl-build.h"
#include "qxl-cmd.h"
#include "slots.h"

#define T_SLOT		1
#define T_GEN		2
#define T_SIZE		(1u << 20)
#define T_START		64	/* keep offset 0 unused: phys 0 is "none" */

/* The buffer, as commands are built in it and as the parser sees it. */
extern struct qxl_build	 t_b;
extern struct slots	 t_slots;

/* Allocate the buffer and register it; once, first. */
void		t_setup(void);
/* Empty the buffer for the next command. */
void		t_reset(void);
/* The QXLPHYSICAL of offset off of the buffer. */
uint64_t	t_phys(uint64_t off);
/* Put drawable d in the buffer and parse it. */
int		t_parse(const QXLDrawable *d, struct qxl_cmd_draw *out,
		    struct spd_err *err);
/* Parse a COPY of w x h from the image at offset img. */
int		t_parse_copy(uint64_t img, int32_t w, int32_t h,
		    struct qxl_cmd_draw *out, struct spd_err *err);

#endif
