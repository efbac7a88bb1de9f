/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-check: what the bridge accepts from QEMU, whose calls carry what
 * the guest controls (sizes, strides, rectangles, cursor shapes, agent
 * chunks).  sd-bus decodes the D-Bus messages; these decide whether
 * their values are usable, with nothing else involved, so a fuzz target
 * drives them alone (tests/fuzz/fuzz-qemu.c).
 */
#ifndef QEMU_CHECK_H
#define QEMU_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define QCHECK_MAX_DIM		16384	/* pixels a side, whatever QEMU says */
#define QCHECK_CURSOR_MAX	256	/* cursor pixels a side */
#define QCHECK_CHUNK_HDR	8	/* VDIChunkHeader: u32 port, u32 size */

/* w x h pixels of pixman format code format, rows stride bytes apart,
 * in size bytes: a format pixman reads of 8 to 32 bits a pixel, 1 <=
 * w, h <= QCHECK_MAX_DIM, stride >= a row, and the last row inside size.
 * Returns the bits per pixel, or -1 with err. */
int	qcheck_pixels(uint32_t w, uint32_t h, uint32_t stride,
	    uint32_t format, size_t size, struct spd_err *err);

/* The w x h rectangle at x, y lies inside a cw x ch console, not
 * empty.  0 or -1 with err. */
int	qcheck_rect(int32_t x, int32_t y, int32_t w, int32_t h, uint32_t cw,
	    uint32_t ch, struct spd_err *err);

/* A cursor of w x h pixels, 1..QCHECK_CURSOR_MAX a side, in exactly
 * w * h * 4 bytes; the hot spot is brought inside.  0 or -1 with err. */
int	qcheck_cursor(int32_t w, int32_t h, int32_t *hot_x, int32_t *hot_y,
	    size_t size, struct spd_err *err);

/* The first chunk of a guest agent's stream, len bytes at p: 0 when it
 * is not whole yet, 1 when it is (its data size in *size), -1 (err) when
 * its header is bad: another port than port_ok, or a size outside
 * 1..max. */
int	qcheck_chunk(const uint8_t *p, size_t len, uint32_t port_ok,
	    uint32_t max, uint32_t *size, struct spd_err *err);

#endif
