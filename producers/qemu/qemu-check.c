/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-check: see qemu-check.h.  Sizes are computed in 64 bits from
 * 32-bit inputs, so no product overflows.
 */
#include <pixman.h>

#include "qemu-check.h"

int
qcheck_pixels(uint32_t w, uint32_t h, uint32_t stride, uint32_t format,
    size_t size, struct spd_err *err)
{
	pixman_format_code_t fmt = (pixman_format_code_t)format;
	uint64_t row, need;
	int bpp;

	if (w == 0 || h == 0 || w > QCHECK_MAX_DIM || h > QCHECK_MAX_DIM)
		return spd_err_set(err, "%ux%u pixels not within 1x1..%dx%d",
		    w, h, QCHECK_MAX_DIM, QCHECK_MAX_DIM);
	if (!pixman_format_supported_source(fmt) ||
	    (bpp = PIXMAN_FORMAT_BPP(fmt)) < 8 || bpp > 32)
		return spd_err_set(err, "pixel format 0x%x not supported",
		    format);
	row = (uint64_t)w * (uint64_t)bpp / 8;
	need = (uint64_t)stride * (h - 1) + row;
	if (stride < row || size < need)
		return spd_err_set(err, "%ux%u pixels with stride %u need "
		    "%llu bytes, got %zu", w, h, stride,
		    (unsigned long long)need, size);
	return bpp;
}

int
qcheck_rect(int32_t x, int32_t y, int32_t w, int32_t h, uint32_t cw,
    uint32_t ch, struct spd_err *err)
{
	if (x < 0 || y < 0 || w <= 0 || h <= 0 || (uint32_t)x > cw ||
	    (uint32_t)y > ch || (uint32_t)w > cw - (uint32_t)x ||
	    (uint32_t)h > ch - (uint32_t)y)
		return spd_err_set(err, "update %dx%d+%d+%d outside the %ux%u "
		    "console", w, h, x, y, cw, ch);
	return 0;
}

int
qcheck_cursor(int32_t w, int32_t h, int32_t *hot_x, int32_t *hot_y,
    size_t size, struct spd_err *err)
{
	if (w <= 0 || h <= 0 || w > QCHECK_CURSOR_MAX ||
	    h > QCHECK_CURSOR_MAX)
		return spd_err_set(err, "cursor %dx%d not within 1x1..%dx%d",
		    w, h, QCHECK_CURSOR_MAX, QCHECK_CURSOR_MAX);
	if (size != (size_t)w * (size_t)h * 4)
		return spd_err_set(err, "cursor %dx%d with %zu bytes", w, h,
		    size);
	/* Guests put hot spots anywhere; the protocol wants them inside. */
	*hot_x = *hot_x < 0 ? 0 : *hot_x >= w ? w - 1 : *hot_x;
	*hot_y = *hot_y < 0 ? 0 : *hot_y >= h ? h - 1 : *hot_y;
	return 0;
}

static uint32_t
qcheck_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

int
qcheck_chunk(const uint8_t *p, size_t len, uint32_t port_ok, uint32_t max,
    uint32_t *size, struct spd_err *err)
{
	uint32_t port;

	if (len < QCHECK_CHUNK_HDR)
		return 0;
	port = qcheck_le32(p);
	*size = qcheck_le32(p + 4);
	if (port != port_ok || *size == 0 || *size > max)
		return spd_err_set(err, "chunk for port %u of %u bytes (port "
		    "%u, 1..%u bytes, expected)", port, *size, port_ok, max);
	return len - QCHECK_CHUNK_HDR >= *size ? 1 : 0;
}
