/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-qemu: what spiced-qemu accepts from QEMU (producers/qemu/
 * qemu-check.c), on arbitrary values, as a guest controls them.
 *
 * Input: a selector byte, then the fields of one check, little-endian:
 *   0: pixels  u32 w, u32 h, u32 stride, u32 format, u32 size
 *   1: rect    i32 x, i32 y, i32 w, i32 h, u32 cw, u32 ch
 *   2: cursor  i32 w, i32 h, i32 hot_x, i32 hot_y, u32 size
 *   3: chunks  the rest is an agent stream, walked chunk by chunk
 * Invariants: accepted pixels have their last row inside size with no
 * overflow; an accepted rectangle lies inside the console; an accepted
 * cursor has w * h * 4 bytes and its hot spot inside; a whole chunk lies
 * inside what was read and has the right port and a size in bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-check.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

static uint32_t
fuzz_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spd_err err;
	uint32_t v[6], csize;
	int32_t hx, hy;
	size_t off;
	int bpp, rc;

	if (size < 1)
		return 0;
	memset(v, 0, sizeof(v));
	memcpy(v, data + 1, size - 1 < sizeof(v) ? size - 1 : sizeof(v));
	switch (data[0] % 4) {
	case 0:
		bpp = qcheck_pixels(v[0], v[1], v[2], v[3], v[4], &err);
		if (bpp != -1) {
			FUZZ_CHECK(bpp >= 8 && bpp <= 32);
			FUZZ_CHECK(v[0] >= 1 && v[0] <= QCHECK_MAX_DIM &&
			    v[1] >= 1 && v[1] <= QCHECK_MAX_DIM);
			FUZZ_CHECK((uint64_t)v[2] * (v[1] - 1) +
			    (uint64_t)v[0] * (uint32_t)bpp / 8 <= v[4]);
		}
		break;
	case 1:
		if (qcheck_rect((int32_t)v[0], (int32_t)v[1], (int32_t)v[2],
		    (int32_t)v[3], v[4], v[5], &err) == 0)
			FUZZ_CHECK((int32_t)v[0] >= 0 && (int32_t)v[1] >= 0 &&
			    (int32_t)v[2] > 0 && (int32_t)v[3] > 0 &&
			    (uint64_t)v[0] + v[2] <= v[4] &&
			    (uint64_t)v[1] + v[3] <= v[5]);
		break;
	case 2:
		hx = (int32_t)v[2];
		hy = (int32_t)v[3];
		if (qcheck_cursor((int32_t)v[0], (int32_t)v[1], &hx, &hy, v[4],
		    &err) == 0)
			FUZZ_CHECK((uint64_t)v[0] * v[1] * 4 == v[4] &&
			    hx >= 0 && hx < (int32_t)v[0] && hy >= 0 &&
			    hy < (int32_t)v[1]);
		break;
	default:
		for (off = 1; off < size; off += QCHECK_CHUNK_HDR + csize) {
			rc = qcheck_chunk(data + off, size - off, 1, 4096,
			    &csize, &err);
			if (rc != 1)
				break;
			FUZZ_CHECK(csize >= 1 && csize <= 4096 &&
			    fuzz_u32(data + off) == 1 &&
			    off + QCHECK_CHUNK_HDR + csize <= size);
		}
		break;
	}
	return 0;
}
