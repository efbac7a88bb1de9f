/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-test: what test-render-draw and test-render-forward share
 * (render-test.c): a W x H xRGB primary filled with pattern(), drawables
 * and bitmap images to draw on it, its pixels read back.
 */
#ifndef SPICED_RENDER_TEST_H
#define SPICED_RENDER_TEST_H

#include <stdint.h>

struct render;
struct qxl_cmd_draw;
struct qxl_cmd_image;

#define W	40
#define H	30

#define RGB(v)	((v) & 0x00ffffffu)
/* A pixel coordinate in 28.4 fixed point. */
#define FX(v)	((v) * 16)

/* The primary's background at (x, y). */
uint32_t		 pattern(int x, int y);
/* The primary's pixel at (x, y). */
uint32_t		 px(struct render *, int x, int y);
/* A render with a W x H xRGB primary of pattern(). */
struct render		*t_primary(void);
/* The primary back to pattern(). */
void			 t_reset(struct render *);
/* A drawable of type on the primary over bbox (l, t)-(r, b), no clip. */
struct qxl_cmd_draw	 t_draw(uint8_t type, int32_t l, int32_t t, int32_t r,
			    int32_t b);
/* A bitmap image of w x h over pixels, its top row first (stride < 0:
 * rows upwards in memory). */
struct qxl_cmd_image	 t_image(uint8_t fmt, const void *pixels, uint32_t w,
			    uint32_t h, int32_t stride);
/* Draw d, which must succeed. */
void			 t_ok(struct render *, const struct qxl_cmd_draw *d);

#endif
