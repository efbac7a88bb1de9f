/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-replay: the picture a viewer had (replay), and what render's
 * blend and raster-operation callbacks forwarded drawn on it the way
 * spice-common's canvas draws them, for test-render-forward and
 * test-render-forward-copy to compare with the worker's primary.
 */
#include <spice/enums.h>
#include <spice/qxl_dev.h>

#include "qxl-cmd.h"
#include "render.h"
#include "render-replay.h"
#include "render-test.h"
#include "test-helper.h"

int nblend, nblend_scaled, nbdamage, blend_keyed;
pixman_format_code_t blend_format;
pixman_image_t *replay;

pixman_image_t *
t_stretch(pixman_image_t *src, const pixman_box32_t *sa,
    pixman_filter_t filter, const pixman_box32_t *bbox,
    const pixman_box32_t *ext)
{
	pixman_box32_t all = { 0, 0, pixman_image_get_width(src),
	    pixman_image_get_height(src) };
	pixman_transform_t xf;
	pixman_image_t *big;

	if (sa == NULL)
		sa = &all;
	pixman_transform_init_scale(&xf,
	    (pixman_fixed_t)(((int64_t)(sa->x2 - sa->x1) << 16) /
	    (bbox->x2 - bbox->x1)),
	    (pixman_fixed_t)(((int64_t)(sa->y2 - sa->y1) << 16) /
	    (bbox->y2 - bbox->y1)));
	pixman_transform_translate(&xf, NULL, pixman_int_to_fixed(sa->x1),
	    pixman_int_to_fixed(sa->y1));
	pixman_image_set_transform(src, &xf);
	pixman_image_set_repeat(src, PIXMAN_REPEAT_NONE);
	pixman_image_set_filter(src, filter, NULL, 0);
	ASSERT_TRUE((big = pixman_image_create_bits(pixman_image_get_format(
	    src), ext->x2 - ext->x1, ext->y2 - ext->y1, NULL, 0)) != NULL);
	pixman_image_composite32(PIXMAN_OP_SRC, src, NULL, big,
	    ext->x1 - bbox->x1, ext->y1 - bbox->y1, 0, 0, 0, 0,
	    ext->x2 - ext->x1, ext->y2 - ext->y1);
	pixman_image_set_transform(src, NULL);
	return big;
}

void
on_blend(void *arg, const pixman_region32_t *area, pixman_image_t *src,
    const pixman_box32_t *bbox, const uint32_t *key, uint8_t alpha)
{
	pixman_region32_t *a = (pixman_region32_t *)area;
	const pixman_box32_t *ext = pixman_region32_extents(a);
	pixman_box32_t *rects;
	pixman_image_t *mask = NULL;
	pixman_color_t c = { 0, 0, 0, 0 };
	uint32_t s, *row;
	int n, i, x, y, w = ext->x2 - ext->x1, h = ext->y2 - ext->y1;

	(void)arg;
	ASSERT_TRUE(pixman_region32_not_empty(a));
	if (bbox == NULL) {
		ASSERT_INT_EQ(pixman_image_get_width(src), w);
		ASSERT_INT_EQ(pixman_image_get_height(src), h);
		src = pixman_image_ref(src);
	} else {
		ASSERT_TRUE((int64_t)pixman_image_get_width(src) *
		    pixman_image_get_height(src) < (int64_t)(bbox->x2 -
		    bbox->x1) * (bbox->y2 - bbox->y1));
		ASSERT_TRUE(bbox->x1 >= 0 && bbox->y1 >= 0 &&
		    bbox->x2 <= W && bbox->y2 <= H);
		nblend_scaled++;
		src = t_stretch(src, NULL, PIXMAN_FILTER_NEAREST, bbox, ext);
	}
	ASSERT_TRUE(pixman_image_get_stride(src) > 0);
	nblend++;
	blend_keyed = key != NULL;
	blend_format = pixman_image_get_format(src);
	if (key != NULL) {
		rects = pixman_region32_rectangles(a, &n);
		for (i = 0; i < n; i++)
			for (y = rects[i].y1; y < rects[i].y2; y++) {
				row = pixman_image_get_data(src) + (size_t)(y -
				    ext->y1) * (pixman_image_get_stride(src) /
				    4);
				for (x = rects[i].x1; x < rects[i].x2; x++) {
					s = row[x - ext->x1];
					if ((s ^ *key) & 0xffffff)
						pixman_image_get_data(replay)[
						    y * W + x] = s;
				}
			}
		pixman_image_unref(src);
		return;
	}
	if (alpha != 0xff) {
		c.alpha = (uint16_t)(alpha * 0x101);
		mask = pixman_image_create_solid_fill(&c);
	}
	pixman_image_set_clip_region32(replay, a);
	pixman_image_composite32(PIXMAN_OP_OVER, src, mask, replay, 0, 0, 0,
	    0, ext->x1, ext->y1, w, h);
	pixman_image_set_clip_region32(replay, NULL);
	if (mask != NULL)
		pixman_image_unref(mask);
	pixman_image_unref(src);
}

void
on_bdamage(void *arg, const pixman_region32_t *area)
{
	(void)arg;
	(void)area;
	nbdamage++;
}

void
t_blend(struct render *r, const struct qxl_cmd_draw *d)
{
	int x, y;

	t_reset(r);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			pixman_image_get_data(replay)[y * W + x] =
			    pattern(x, y);
	t_ok(r, d);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			ASSERT_INT_EQ(RGB(pixman_image_get_data(replay)[y * W +
			    x]), RGB(px(r, x, y)));
}

int nrfill;

void
t_replay_rop3(const pixman_region32_t *area, pixman_image_t *src,
    uint32_t color, const struct render_pattern *pat, uint8_t rop3)
{
	pixman_region32_t *a = (pixman_region32_t *)area;
	const pixman_box32_t *ext = pixman_region32_extents(a);
	pixman_box32_t *rects;
	uint32_t s, d, v, *p;
	int n, i, x, y, b, pw, ph;

	rects = pixman_region32_rectangles(a, &n);
	for (i = 0; i < n; i++)
		for (y = rects[i].y1; y < rects[i].y2; y++)
			for (x = rects[i].x1; x < rects[i].x2; x++) {
				s = src == NULL ? 0 :
				    pixman_image_get_data(src)[(y - ext->y1) *
				    (pixman_image_get_stride(src) / 4) + x -
				    ext->x1];
				p = &pixman_image_get_data(replay)[y * W + x];
				if (pat != NULL) {
					pw = pixman_image_get_width(pat->rp_img);
					ph = pixman_image_get_height(
					    pat->rp_img);
					color = pixman_image_get_data(
					    pat->rp_img)[(((y - pat->rp_y) %
					    ph + ph) % ph) * (pixman_image_get_stride(
					    pat->rp_img) / 4) + ((x - pat->rp_x) %
					    pw + pw) % pw];
				}
				d = *p;
				for (v = 0, b = 0; b < 24; b++)
					v |= (uint32_t)(rop3 >> ((color >> b & 1) <<
					    2 | (s >> b & 1) << 1 | (d >> b & 1)) &
					    1) << b;
				*p = v;
			}
}

void
on_rfill(void *arg, const pixman_region32_t *area, uint32_t color,
    const struct render_pattern *pat, uint8_t rop3)
{
	(void)arg;
	ASSERT_TRUE(!render_rop3_uses(rop3, 2));
	nrfill++;
	t_replay_rop3(area, NULL, color, pat, rop3);
}
