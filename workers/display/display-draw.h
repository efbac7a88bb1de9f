/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-draw: the bodies of the display channel's drawing messages that
 * forward what a producer drew instead of its pixels (DRAW_FILL,
 * COPY_BITS, DRAW_TEXT, DRAW_STROKE, DRAW_TRANSPARENT, DRAW_ALPHA_BLEND,
 * DRAW_COMPOSITE, DRAW_COPY with a raster operation, DRAW_ROP3,
 * DRAW_OPAQUE), written into a message being built
 * (chan_msg_begin()).  Layouts from spice-common's spice.proto (SPICE-NOTES
 * 3.2): a Rect is top, left, bottom, right; a pointer is the offset of
 * what it points to from the body's start.  display-out decides who gets
 * which; this file only spells them.
 */
#ifndef SPICED_DISPLAY_DRAW_H
#define SPICED_DISPLAY_DRAW_H

#include <stddef.h>
#include <stdint.h>

#include <pixman.h>

#include "sbuf.h"

struct qxl_cmd_text;

/* A Rect. */
void	 ddraw_put_rect(struct obuf *, int32_t top, int32_t left,
	    int32_t bottom, int32_t right);
/* No mask: a QMask's flags, pos and null bitmap, padded to 17 bytes
 * (SPICE-NOTES 3.2 counts it so; the decoder reads 13). */
void	 ddraw_put_no_mask(struct obuf *);
/* A SpiceImage descriptor (18 bytes; without CACHE_ME in flags the id
 * is only a label). */
void	 ddraw_put_image_desc(struct obuf *, uint64_t id, uint8_t type,
	    uint8_t flags, uint32_t width, uint32_t height);
/* DisplayBase of area of the primary: its extents as the box, its
 * rectangles as the clip when there are several. */
void	 ddraw_put_base(struct obuf *, const pixman_region32_t *area);
/* The same with box as the box (area within it): no clip when area is
 * the whole box. */
void	 ddraw_put_base_in(struct obuf *, const pixman_box32_t *box,
	    const pixman_region32_t *area);
/* The same on surface (0: the primary). */
void	 ddraw_put_base_on(struct obuf *, uint32_t surface,
	    const pixman_box32_t *box, const pixman_region32_t *area);
/* A SpiceImage of type SURFACE: the viewer's surface (width x height)
 * as the source, id a label. */
void	 ddraw_put_surface_image(struct obuf *, uint64_t id, uint32_t surface,
	    uint32_t width, uint32_t height);
/* Make the u32 pointer written at offset at name what comes next. */
void	 ddraw_point_here(struct obuf *, size_t at);

/* DRAW_FILL of area with the solid colour, or the pattern pat when not
 * NULL (its image, at most ENC_MAX_DIM a side, as a plain 32-bit bitmap
 * labelled image_id after the fixed part), and the ROP descriptor ropd,
 * no mask.  An image that cannot be written fails the obuf. */
struct render_pattern;
void	 ddraw_fill(struct obuf *, const pixman_region32_t *area,
	    uint32_t color, const struct render_pattern *pat,
	    uint64_t image_id, uint16_t ropd);
/* A pattern's image as a plain 32-bit bitmap labelled image_id (a
 * SpiceImage, descriptor and data); failing, it fails the obuf. */
void	 ddraw_put_pattern(struct obuf *, const struct render_pattern *pat,
	    uint64_t image_id);
/* COPY_BITS of dst from dst - (dx, dy). */
void	 ddraw_copy_bits(struct obuf *, const pixman_region32_t *dst,
	    int32_t dx, int32_t dy);

/*
 * DRAW_TEXT of t's glyphs (A1 or A4) on area in the solid colour fore,
 * after t's back_area in the solid colour *back (back NULL: no back).
 * Rows go bottom-up whatever the producer said: spice-common's canvas
 * reads them so and ignores RASTER_TOP_DOWN.  ddraw_text_size() is the
 * String's bytes.
 */
size_t	 ddraw_text_size(const struct qxl_cmd_text *);
void	 ddraw_text(struct obuf *, const pixman_region32_t *area,
	    const struct qxl_cmd_text *t, uint32_t fore, const uint32_t *back);

/*
 * DRAW_STROKE of st's path (its segments' flags and 28.4 points as the
 * producer sent them; no dashes) on area in the solid colour with the ROP
 * descriptor ropd.  ddraw_stroke_size() is the Path's bytes.
 */
struct qxl_cmd_stroke;
size_t	 ddraw_stroke_size(const struct qxl_cmd_stroke *);
void	 ddraw_stroke(struct obuf *, const pixman_region32_t *area,
	    const struct qxl_cmd_stroke *st, uint32_t color, uint16_t ropd);

/* The fixed part of DRAW_COPY of an image the size of area's extents
 * drawn on them with the ROP descriptor ropd, no mask: the caller appends
 * the image (descriptor and data) next. */
void	 ddraw_copy(struct obuf *, const pixman_region32_t *area,
	    uint16_t ropd);
/* The same drawn on surface (0: the primary). */
void	 ddraw_copy_on(struct obuf *, uint32_t surface,
	    const pixman_region32_t *area, uint16_t ropd);
/* The fixed part of DRAW_COPY of src_area of an image stretched over
 * bbox (area within it) with scale_mode (SPICE_IMAGE_SCALE_MODE_*) and
 * the ROP descriptor ropd, no mask: the caller appends the image next. */
void	 ddraw_copy_scaled(struct obuf *, const pixman_region32_t *area,
	    const pixman_box32_t *bbox, const pixman_box32_t *src_area,
	    uint8_t scale_mode, uint16_t ropd);
/* The fixed part of DRAW_ROP3 of an image the size of area's extents
 * drawn on them with the solid colour, or the pattern pat when not NULL,
 * as the brush and the ROP3 code rop3, no mask: the caller appends the
 * image next, then with a pattern ddraw_point_here(*pat_at) and
 * ddraw_put_pattern(). */
void	 ddraw_rop3(struct obuf *, const pixman_region32_t *area,
	    uint32_t color, const struct render_pattern *pat, size_t *pat_at,
	    uint8_t rop3);
/* The same of DRAW_OPAQUE: the image put, then the brush drawn over it
 * with the ROP descriptor ropd (the image in the destination's place). */
void	 ddraw_opaque(struct obuf *, const pixman_region32_t *area,
	    uint32_t color, const struct render_pattern *pat, size_t *pat_at,
	    uint16_t ropd);
/*
 * The fixed part of DRAW_TRANSPARENT (key not NULL: pixels whose RGB is
 * *key's are not drawn) or DRAW_ALPHA_BLEND (OVER through the constant
 * alpha, no flags: a surface's alpha does not count) of src_area of an
 * image drawn on area's extents (bbox NULL: src_area is their size) or
 * stretched over bbox (area within it), whose pointer names what
 * follows: the caller appends the image (descriptor and data) next.
 */
void	 ddraw_blend(struct obuf *, const pixman_region32_t *area,
	    const pixman_box32_t *bbox, const pixman_box32_t *src_area,
	    const uint32_t *key, uint8_t alpha);

/*
 * The fixed part of DRAW_COMPOSITE of c (its transforms too; the OPAQUE
 * flags cleared, which the images' own formats say) on area within bbox: its source's pointer names what follows (the caller
 * appends the source image next); with a mask, the offset of its pointer
 * goes to *mask_at, for ddraw_point_here() once the source is written.
 */
struct qxl_cmd_composite;
void	 ddraw_composite(struct obuf *, const pixman_region32_t *area,
	    const pixman_box32_t *bbox, const struct qxl_cmd_composite *c,
	    int has_mask, size_t *mask_at);

#endif
