/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render-int: what the renderer's files share (render.c: surfaces, FILL,
 * COPY, COPY_BITS; render-draw.c: a parsed drawable to the calls below;
 * render-rop.c: raster operations; render-blend.c: TRANSPARENT,
 * ALPHA_BLEND, COMPOSITE; render-text.c; render-stroke.c; render-diff.c:
 * what a copy changes).  Other modules use render.h.
 *
 * The functions here draw over an area already made of bbox, surface,
 * clip and mask (render_target_region, render_mask_region); they report
 * damage themselves (render_report) and return 0, RENDER_SKIP or -1 with
 * err set, as render.h's.
 */
#ifndef SPICED_RENDER_INT_H
#define SPICED_RENDER_INT_H

#include "render.h"

struct render {
	pixman_image_t		*r_surf[RENDER_MAX_SURFACES];
	size_t			 r_offscreen;	/* bytes of ids != 0 */
	render_damage_fn	 r_damage;
	render_move_fn		 r_move;
	render_fill_fn		 r_fill;
	render_text_fn		 r_text;
	render_stroke_fn	 r_stroke;
	render_blend_fn		 r_blend;
	render_composite_fn	 r_composite;
	render_copy_fn		 r_copy;
	render_scaled_fn	 r_scaled;
	render_surface_copy_fn	 r_surf_copy;
	render_surface_blend_fn	 r_surf_blend;
	render_offscreen_fn	 r_offscreen_cb;
	void			*r_arg;
	/* Scroll searches in a row that found nothing, and how many more
	 * to skip (render_find_move). */
	unsigned		 r_scroll_misses;
	unsigned		 r_scroll_skip;
};

/* bbox within the surface dst, within clip if not NULL.  Initialises
 * *out; the caller finishes it. */
void	 render_target_region(pixman_image_t *dst, const pixman_box32_t *bbox,
	    const pixman_region32_t *clip, pixman_region32_t *out);
/*
 * The part of area that an unscaled copy of img (src_area sa drawn at
 * bbox) would change in dst; both are 32-bit images.  Initialises *out.
 * Each rectangle of area is walked row by row; a row's changes are split
 * where enough pixels between them are equal, and consecutive rows whose
 * changed spans overlap (and are alike) make one box of their union, so a
 * window moved over pixels the primary already has (spiced-x11 sends the
 * damage of a move after the copy; render_copy() copies the moves it
 * finds first) costs only the strips it uncovered.  0, or -1 without
 * memory (render-diff.c).
 */
int	 render_changed_rows(pixman_image_t *dst, pixman_image_t *img,
	    const pixman_box32_t *bbox, const pixman_box32_t *sa,
	    pixman_region32_t *area, pixman_region32_t *out);
/*
 * Is the unscaled copy of area sa of img onto area of dst (32-bit both,
 * area inside the copy's bbox) a fill?  1 when sa is one pixel value
 * (*pixel, its four bytes as they are), *changed 0 when dst already holds
 * it all over area; 0 when sa is not one colour (render-diff.c).
 */
int	 render_uniform_copy(pixman_image_t *dst, pixman_image_t *img,
	    const pixman_box32_t *sa, pixman_region32_t *area,
	    uint32_t *pixel, int *changed);

/*
 * The w x h pixels of img from (ox, oy) as an image of 32 bits a pixel,
 * rows top-down, for a viewer to be sent: img itself (referenced) when it
 * is one already, else a copy, with alpha when img's format has some
 * (8BIT_A: black through it), as pixman reads each format when it
 * composites.  NULL on ENOMEM.
 */
pixman_image_t *render_as32(pixman_image_t *img, int32_t ox, int32_t oy,
	    int w, int h);
/* Does box b lie within img? */
int	 render_box_within(const pixman_box32_t *b, pixman_image_t *img);
/* The part of sa that an unscaled drawing of sa onto bbox puts on ext
 * (within bbox), in *in. */
void	 render_src_under(const pixman_box32_t *sa, const pixman_box32_t *bbox,
	    const pixman_box32_t *ext, pixman_box32_t *in);
/* The image of the off-screen surface src names when a drawing from it
 * onto area of surface dst could be told as drawn from it (another
 * surface than dst, which render_forwards, has_cb; area not empty),
 * else NULL. */
pixman_image_t *render_forwarded_source(struct render *, uint32_t surface,
	    pixman_image_t *dst, pixman_region32_t *area,
	    const struct render_src *src, int has_cb);
/* Whether viewers can be sent what was drawn on surface (image dst)
 * rather than its pixels: the primary, xRGB, when there is a callback
 * for it (has_cb). */
int	 render_forwards(uint32_t surface, pixman_image_t *dst, int has_cb);

/*
 * A raster operation rop3 of brush (NULL for a copy, which has none), src
 * (src_area on bbox) and the destination drawn on area of surface: a code
 * that does not read the source to the fill callback; the others to the
 * copy callback with the extents' part of the source when a viewer draws
 * the same (unscaled, not from the destination itself, which no longer
 * holds what was read; a pattern brush's image when it is read), else as
 * damage.
 */
void	 render_copy_report(struct render *, uint32_t surface,
	    pixman_region32_t *area, const struct render_src *src,
	    const pixman_box32_t *bbox, const pixman_box32_t *src_area,
	    const struct render_brush *brush, uint8_t rop3);
/* Coordinates far outside any surface are a broken command. */
int	 render_box_sane(const pixman_box32_t *, const char *what,
	    struct spd_err *);
/* Tell the damage callback that area of surface changed (if it is the
 * primary and the area is not empty). */
void	 render_report(struct render *, uint32_t surface,
	    pixman_region32_t *area);
/* A fill of area of surface (image dst) done, rop3 of the brush (color,
 * or pat when not NULL) and what was there: to the fill callback when it
 * is the xRGB primary, else as damage. */
void	 render_fill_report(struct render *, uint32_t surface,
	    pixman_image_t *dst, pixman_region32_t *area, uint32_t color,
	    const struct render_pattern *pat, uint8_t rop3);
/* A fill of area of surface (image dst) done, rop3 of brush (any type;
 * NULL: none) and what was there: render_fill_report with the brush's
 * colour or pattern. */
void	 render_brush_report(struct render *, uint32_t surface,
	    pixman_image_t *dst, pixman_region32_t *area,
	    const struct render_brush *brush, uint8_t rop3);
/* FILL of area with brush (any type) and the ROP descriptor ropd,
 * reported as a fill (render_brush_report). */
int	 render_fill_brush(struct render *, uint32_t surface,
	    pixman_region32_t *area, const struct render_brush *brush,
	    uint16_t ropd, struct spd_err *);

/*
 * A source as a pixman image: a bitmap wrapped (or expanded into *copy,
 * which the caller frees: palette formats, unaligned rows), or a surface
 * (a snapshot of *area when it is the destination too, *area then rebased
 * to the snapshot; a whole-surface snapshot when area is NULL).  NULL on
 * error (err set, *skip when merely unsupported).
 */
pixman_image_t *render_src_image(struct render *, uint32_t dst_surface,
	    const struct render_src *, pixman_box32_t *area, uint8_t **copy,
	    int *skip, struct spd_err *);

/* A private image over the pixels of surface s (a snapshot of *area
 * and the pixel around it when same: a copy within one surface, *area
 * then rebased to it).  NULL with err set without memory (render-src.c). */
pixman_image_t *render_surface_source(pixman_image_t *s, int same,
	    pixman_box32_t *area, struct spd_err *);

/* Is src_area sa stretched to draw it on bbox (their sizes differ)? */
static inline int
render_scales(const pixman_box32_t *bbox, const pixman_box32_t *sa)
{
	return bbox->x2 - bbox->x1 != sa->x2 - sa->x1 ||
	    bbox->y2 - bbox->y1 != sa->y2 - sa->y1;
}

/* b grown by a pixel each way within a w x h source (what bilinear
 * sampling of b may read). */
void	 render_box_grow1(const pixman_box32_t *b, int w, int h,
	    pixman_box32_t *out);

/* Make img, a source whose src_area is drawn onto bbox, sample
 * bbox-relative points: a scale when the sizes differ, as SPICE's canvas
 * scales (render_scaled_fn).  Returns the offset to composite img from for
 * bbox's top-left: src_area's corner when unscaled, 0 when scaled. */
void	 render_src_place(pixman_image_t *img, const pixman_box32_t *bbox,
	    const pixman_box32_t *src_area, uint8_t scale_mode,
	    int32_t *sx, int32_t *sy);

/* The area (within extents ext) of a 1-bit mask placed on bbox: mask
 * pixel (pos_x, pos_y) at bbox's top-left; bits set (clear when invert)
 * are in.  Initialises *out.  0 or -1 (err set). */
int	 render_mask_region(const struct render_mask *,
	    const pixman_box32_t *bbox, pixman_region32_t *out,
	    struct spd_err *);

/* A ROP descriptor (SPICE_ROPD_*) as a ROP3 code (P brush, S source, D
 * destination bits: bit (P << 2 | S << 1 | D) is the result), for a
 * drawable whose first input is src_is_brush ? P : S and whose inversion
 * flags name its inputs: inv_first, inv_dest (SPICE_ROPD_INVERS_*). */
uint8_t	 render_ropd_to_rop3(uint16_t ropd, int src_is_brush,
	    uint16_t inv_first, uint16_t inv_dest);

/* Apply rop3 over area of surface: P the brush (NULL: none, i.e. 0), S
 * src placed on bbox (NULL: none); reporting it is the caller's (a fill,
 * a copy that may go to the viewers as it is). */
int	 render_rop3_draw(struct render *, uint32_t surface,
	    pixman_region32_t *area, const struct render_brush *brush,
	    const struct render_src *src, const pixman_box32_t *bbox,
	    const pixman_box32_t *src_area, uint8_t scale_mode, uint8_t rop3,
	    struct spd_err *);

/* A scratch a8r8g8b8 image of ext's size holding what img shows from
 * (sx, sy) on.  NULL on ENOMEM (err set). */
pixman_image_t *render_scratch(pixman_image_t *img, int32_t sx, int32_t sy,
	    const pixman_box32_t *ext, struct spd_err *);

/* A brush as a pixman image to composite from (x, y) for surface point
 * (0, 0): a solid fill, or the pattern repeated.  NULL for NONE or on
 * error (err set). */
pixman_image_t *render_brush_image(struct render *, uint32_t dst_surface,
	    const struct render_brush *, uint8_t **copy, struct spd_err *);
/* A pattern brush's image as the fill and copy callbacks take it (32 bits
 * a pixel, rows top-down), its bits in *copy when they had to be
 * expanded: 0, or -1 when the pattern cannot be passed so (the drawing
 * is damage then).  render_pattern_put() frees them after. */
int	 render_pattern_get(struct render *, uint32_t surface,
	    const struct render_brush *, struct render_pattern *,
	    uint8_t **copy);
void	 render_pattern_put(struct render_pattern *, uint8_t *copy);

struct qxl_cmd_composite;
struct qxl_cmd_text;
struct qxl_cmd_stroke;

/* TRANSPARENT: src placed on bbox (nearest when scaled), pixels whose
 * RGB equals key's left as they are. */
int	 render_transparent(struct render *, uint32_t surface,
	    pixman_region32_t *area, const struct render_src *src,
	    const pixman_box32_t *bbox, const pixman_box32_t *src_area,
	    uint32_t key, struct spd_err *);
/* ALPHA_BLEND: src placed on bbox (nearest) OVER the surface, times
 * alpha/255; flags SPICE_ALPHA_FLAGS_*. */
int	 render_alpha_blend(struct render *, uint32_t surface,
	    pixman_region32_t *area, const struct render_src *src,
	    const pixman_box32_t *bbox, const pixman_box32_t *src_area,
	    uint8_t alpha, uint16_t flags, struct spd_err *);
/* COMPOSITE: pixman's operator from src (and mask, NULL for none)
 * through their transforms, onto bbox. */
int	 render_composite(struct render *, uint32_t surface,
	    pixman_region32_t *area, const pixman_box32_t *bbox,
	    const struct render_src *src, const struct render_src *mask,
	    const struct qxl_cmd_composite *, struct spd_err *);
/* TEXT: back brush over back_area, then the fore brush OVER through the
 * glyphs' coverage. */
int	 render_text(struct render *, uint32_t surface,
	    pixman_region32_t *area, const struct qxl_cmd_text *,
	    const struct render_brush *fore, const struct render_brush *back,
	    struct spd_err *);
/* STROKE: the path's one-pixel lines with the brush and fore_mode. */
int	 render_stroke(struct render *, uint32_t surface,
	    pixman_region32_t *area, const struct qxl_cmd_stroke *,
	    const struct render_brush *, struct spd_err *);

/* render-stroke.c */
/* a / b (b > 0) rounded to the nearest, a half away from zero unless
 * bias, then towards it: X's zero-width lines' minor-axis offsets. */
int64_t	 render_div_round(int64_t a, int64_t b, int bias);

/* render-lines.c: the lines render-stroke.c noted, told to viewers. */
/* A line as render-stroke.c plotted it: its ends and its dashes' boxes
 * (boxes[pl_first..pl_first + pl_n), in the line's order); loose: an
 * end off the primary, so not one a viewer is sent (its boxes say where
 * its pixels are). */
struct render_pen_line {
	int32_t		 pl_x0, pl_y0, pl_x1, pl_y1;
	unsigned	 pl_first;
	unsigned	 pl_n;
	uint64_t	 pl_px;
	int		 pl_loose;
};

/* The lines told and the pixels left loose, as render_lines_tell
 * makes them. */
struct render_told {
	struct render_line	*rt_line;	/* RENDER_STROKE_MAX_LINES */
	unsigned		 rt_n;
	pixman_region32_t	*rt_loose;
	int			 rt_has_loose;
	pixman_region32_t	*rt_drawn;
};

/* Has region r one rectangle to a band (no two side by side)? */
int	 render_one_per_band(pixman_region32_t *r);
/* The nlines lines noted (their boxes in boxes), each clipped to area,
 * into rt (rt_line, rt_loose and rt_drawn given; the rest zero): the
 * canvas stepping each whole through its clip paints exactly its
 * dashes' pixels there; the pixels of rt_drawn that may be in no line
 * told are loose.  -1: no memory (rt then holds what it held, for
 * render_told_free). */
int	 render_lines_tell(const struct render_pen_line *lines,
	    unsigned nlines, const pixman_box32_t *boxes,
	    pixman_region32_t *area, struct render_told *rt);
/* Free what rt holds (not rt_line itself). */
void	 render_told_free(struct render_told *rt);

#endif
