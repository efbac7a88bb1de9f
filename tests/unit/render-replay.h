/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-replay: the picture a viewer had, and render's forwarded
 * drawings drawn on it as spice-common's canvas draws them
 * (render-replay.c), shared by test-render-forward and
 * test-render-forward-copy.
 */
#ifndef SPICED_RENDER_REPLAY_H
#define SPICED_RENDER_REPLAY_H

#include <stdint.h>

#include <pixman.h>

struct render;
struct render_pattern;
struct qxl_cmd_draw;

/* The viewer's W x H picture; each test makes it and unrefs it. */
extern pixman_image_t		*replay;
/* What the blend callback (on_blend) was told: calls, those stretched,
 * the last one's colour key and source format; damage callbacks
 * (on_bdamage); fill callbacks (on_rfill). */
extern int			 nblend, nblend_scaled, nbdamage, blend_keyed;
extern pixman_format_code_t	 blend_format;
extern int			 nrfill;

/* Area sa of src (all of it when NULL) stretched over bbox as the canvas
 * stretches (the scale factor truncated, translated by sa's corner, no
 * repeat, filter), made the size of ext (a new image, pixel 0,0 on ext's
 * top-left). */
pixman_image_t	*t_stretch(pixman_image_t *src, const pixman_box32_t *sa,
		    pixman_filter_t filter, const pixman_box32_t *bbox,
		    const pixman_box32_t *ext);
/* rop3 on replay over area: bit P << 2 | S << 1 | D of rop3 for each bit
 * of each pixel, P from pat (or color when NULL), S from src (ext-sized,
 * or 0 when NULL). */
void		 t_replay_rop3(const pixman_region32_t *area,
		    pixman_image_t *src, uint32_t color,
		    const struct render_pattern *pat, uint8_t rop3);
/* The blend, damage and fill callbacks, replaying on replay. */
void		 on_blend(void *arg, const pixman_region32_t *area,
		    pixman_image_t *src, const pixman_box32_t *bbox,
		    const uint32_t *key, uint8_t alpha);
void		 on_bdamage(void *arg, const pixman_region32_t *area);
void		 on_rfill(void *arg, const pixman_region32_t *area,
		    uint32_t color, const struct render_pattern *pat,
		    uint8_t rop3);
/* Draw d on the pattern; when it went to the blend callback, replay
 * must equal the worker's picture. */
void		 t_blend(struct render *, const struct qxl_cmd_draw *d);

#endif
