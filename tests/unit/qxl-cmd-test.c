/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qxl-cmd-test: the command buffer test-qxl-cmd and test-qxl-cmd-draw
 * build their commands in (qxl-cmd-test.h).
 */
#include <stddef.h>
#include <stdint.h>

#include <spice/qxl_dev.h>
#include <spice/enums.h>

#include "err.h"
#include "slots.h"
#include "qxl-cmd.h"
#include "qxl-build.h"
#include "qxl-cmd-test.h"
#include "test-helper.h"

struct qxl_build t_b;
struct slots t_slots;

void
t_setup(void)
{
	struct spd_err err;
	uint8_t *mem;

	if ((mem = calloc(1, T_SIZE)) == NULL)
		TEST_FAIL("calloc");
	qxl_build_init(&t_b, mem, T_SIZE, T_SLOT, T_GEN, T_START);
	slots_init(&t_slots);
	ASSERT_INT_EQ(slots_add(&t_slots, T_SLOT, T_GEN, mem, T_SIZE, &err), 0);
}

void
t_reset(void)
{
	qxl_build_reset(&t_b, T_START);
}

uint64_t
t_phys(uint64_t off)
{
	return qxl_build_phys(&t_b, off);
}

int
t_parse(const QXLDrawable *d, struct qxl_cmd_draw *out, struct spd_err *err)
{
	uint64_t off = qxl_build_put(&t_b, d, sizeof(*d));

	memset(err, 0, sizeof(*err));
	return qxl_cmd_parse_draw(&t_slots, t_phys(off), out, err);
}

int
t_parse_copy(uint64_t img, int32_t w, int32_t h, struct qxl_cmd_draw *out,
    struct spd_err *err)
{
	QXLDrawable d = qxl_build_copy(0x5678, t_phys(img), w, h);

	return t_parse(&d, out, err);
}
