/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-test: what test-render-draw and test-render-forward share;
 * contracts in render-test.h.
 */
#include <stdio.h>
#include <string.h>

#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "qxl-cmd.h"
#include "render.h"
#include "render-test.h"
#include "test-helper.h"

uint32_t
pattern(int x, int y)
{
	return ((uint32_t)(x * 0x0a0b0c + y * 0x1d0317) ^ 0x5a3c96) & 0xffffff;
}

uint32_t
px(struct render *r, int x, int y)
{
	pixman_image_t *img = render_surface(r, 0);

	return pixman_image_get_data(img)[(size_t)y *
	    (pixman_image_get_stride(img) / 4) + (size_t)x];
}

struct render *
t_primary(void)
{
	struct render *r;
	struct spd_err err;
	static uint32_t mem[W * H];
	int x, y;

	ASSERT_TRUE((r = render_new(NULL, NULL)) != NULL);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			mem[y * W + x] = 0xff000000u | pattern(x, y);
	ASSERT_INT_EQ(render_surface_create(r, 0, W, H,
	    SPICE_SURFACE_FMT_32_xRGB, (const uint8_t *)mem, W * 4, &err), 0);
	return r;
}

void
t_reset(struct render *r)
{
	pixman_image_t *img = render_surface(r, 0);
	int x, y;

	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			pixman_image_get_data(img)[(size_t)y *
			    (pixman_image_get_stride(img) / 4) + (size_t)x] =
			    0xff000000u | pattern(x, y);
}

struct qxl_cmd_draw
t_draw(uint8_t type, int32_t l, int32_t t, int32_t r, int32_t b)
{
	struct qxl_cmd_draw d;

	memset(&d, 0, sizeof(d));
	d.type = type;
	d.bbox = (struct qxl_cmd_rect){ l, t, r, b };
	d.clip_type = SPICE_CLIP_TYPE_NONE;
	return d;
}

struct qxl_cmd_image
t_image(uint8_t fmt, const void *pixels, uint32_t w, uint32_t h,
    int32_t stride)
{
	struct qxl_cmd_image img;

	memset(&img, 0, sizeof(img));
	img.kind = QXL_CMD_SRC_BITMAP;
	img.format = fmt;
	img.width = w;
	img.height = h;
	img.stride = stride;
	img.pixels = pixels;
	img.size = (size_t)(stride < 0 ? -stride : stride) * h;
	return img;
}

void
t_ok(struct render *r, const struct qxl_cmd_draw *d)
{
	struct spd_err err;

	memset(&err, 0, sizeof(err));
	if (render_draw(r, d, &err) != 0) {
		fprintf(stderr, "render_draw: %s\n", err.msg);
		ASSERT_TRUE(0);
	}
}
