/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * render: the display worker's surfaces and the drawing of QXL commands
 * into them, with pixman only (DESIGN.md section 5).
 *
 * Surface 0 is the primary, the picture clients are sent; other ids are
 * off-screen surfaces a producer may draw into and copy from.  Every change
 * to the primary is reported to a damage callback, so display-out knows
 * what to send.  Inputs here are already copied out of shared memory and
 * parsed (qxl-cmd); render still checks everything it indexes with.
 *
 * Drawing calls return 0 when drawn (or nothing to draw), RENDER_SKIP when
 * the command is well-formed but uses a feature render does not implement
 * (err says which; the caller logs it, it is not the producer's fault),
 * and -1 with err set when the command is invalid (bad surface id, source
 * area outside its image, unknown format).
 */
#ifndef SPICED_RENDER_H
#define SPICED_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include <pixman.h>

#include "err.h"

#define RENDER_SKIP		1

/* Surface ids 0 .. RENDER_MAX_SURFACES-1 (QEMU offers 1024). */
#define RENDER_MAX_SURFACES	1024
/* Total pixel bytes of off-screen surfaces; the primary is bounded by
 * QXLSHM_MAX_WIDTH/HEIGHT on its own. */
#define RENDER_MAX_OFFSCREEN	(256u * 1024 * 1024)
/* Largest off-screen surface side, as for the primary. */
#define RENDER_MAX_DIM		8192
/* A blend or composite whose images have more pixels than this goes to
 * the damage callback, not its own: copying them for viewers would cost
 * more than the result (display-out sends fewer still). */
#define RENDER_REPORT_MAX_PX	(1u << 20)

struct render;

/* Damage callback: the area of the primary that changed (never empty,
 * within the primary).  The region belongs to render. */
typedef void (*render_damage_fn)(void *arg, const pixman_region32_t *);

/* Move callback: dst of the primary now holds what dst - (dx, dy) held
 * (a COPY_BITS), so a viewer can be told to copy instead of being sent
 * pixels.  dst is never empty and lies within the primary, and so does
 * its source.  The region belongs to render. */
typedef void (*render_move_fn)(void *arg, const pixman_region32_t *dst,
    int32_t dx, int32_t dy);

/* A fill's pattern brush: an image of 32 bits a pixel (the top byte
 * unused; rows top-down, a positive stride), tiled so that its pixel 0,0
 * lies at (rp_x, rp_y) of the surface. */
struct render_pattern {
	pixman_image_t	*rp_img;
	int32_t		 rp_x;
	int32_t		 rp_y;
};

/* Fill callback: area of the primary (never empty, within it; an xRGB
 * primary only) now holds rop3 of the brush, the solid color (0xRRGGBB)
 * or the pattern pat when not NULL, and what it held: a ROP3 code of the
 * brush and the destination alone (bit P << 2 | D of it is the result;
 * 0xf0 the brush, 0x0f its inverse, 0x00 black, 0xff white, the other
 * eleven bitwise with the old pixels, never 0xaa, which changes
 * nothing).  A viewer can be told to fill instead of being sent pixels.
 * The region and the pattern belong to render. */
typedef void (*render_fill_fn)(void *arg, const pixman_region32_t *area,
    uint32_t color, const struct render_pattern *pat, uint8_t rop3);

/* Text callback: area of the (xRGB) primary now holds the glyphs of t
 * (struct qxl_cmd_text, parsed; RASTER_A1 or A4) drawn as SPICE's canvas
 * draws a string: t's back_area within area put in the solid colour *back
 * first (back NULL: that part is empty), then the solid colour fore
 * (0xRRGGBB) blended OVER what was there through the glyphs' coverage
 * (the larger where glyphs overlap; an A4 value v is v * 16 / 255).  A
 * viewer can be sent the string instead of pixels.  t and the region
 * belong to render. */
struct qxl_cmd_text;
typedef void (*render_text_fn)(void *arg, const pixman_region32_t *area,
    const struct qxl_cmd_text *t, uint32_t fore, const uint32_t *back);

/* Stroke callback: drawn (never empty, within area) of the (xRGB)
 * primary now holds rop3 of the solid colour (0xRRGGBB) and what it held
 * (a function of the brush and the destination), drawn as SPICE's canvas
 * draws lines (X's zero-width lines), but for twice (NULL: none; else
 * never empty, within drawn): pixels two lines paint, which the canvas
 * paints once per line and the worker once, told when rop3 painted twice
 * is not rop3 painted once (XOR, INVERS).  Either (st not NULL) the path
 * st (struct qxl_cmd_stroke, parsed: lines and Bezier curves, no dashes,
 * every point on the primary) drawn through area is what the canvas
 * would draw, or (st NULL) it would not (dashes, points off the primary
 * or before a BEGIN, a clip the canvas would not keep) and lines are what
 * a viewer can draw instead (render_stroke_lines).  A viewer can be sent
 * the path, or the lines, instead of pixels, and then twice's pixels.
 * st, lines and the regions belong to render.
 *
 * The canvas clips a line's spans (a row's run of its pixels) to a clip
 * of several rectangles in place, and a span cut in two there overwrites
 * the spans still to be read: a path is told only through an area that
 * has one rectangle to a band, and a line only through a clip where that
 * cannot happen (render_spans_kept in render-stroke.c).
 */
#define RENDER_STROKE_MAX_LINES	256
#define RENDER_STROKE_MAX_BOXES	4096
struct render_line {
	int32_t		 rl_x0;		/* from, on the primary */
	int32_t		 rl_y0;
	int32_t		 rl_x1;		/* to (its last pixel not drawn) */
	int32_t		 rl_y1;
	pixman_region32_t rl_clip;	/* boxes of its dashes within area,
					 * never empty */
	uint64_t	 rl_px;		/* its pixels there */
};
/* Lines of a stroke: the canvas stepping each whole line through its
 * clip paints exactly the line's pixels of drawn there (a line may come
 * in parts, the same ends with some of its dashes each); loose (NULL:
 * none) holds the pixels of drawn that may be in no line (a line leaving
 * the primary, or one the canvas would clip wrong). */
struct render_stroke_lines {
	const struct render_line *sl_line;
	unsigned		 sl_n;	/* 1..RENDER_STROKE_MAX_LINES */
	const pixman_region32_t	*sl_loose;
};
struct qxl_cmd_stroke;
typedef void (*render_stroke_fn)(void *arg, const pixman_region32_t *area,
    const pixman_region32_t *drawn, const pixman_region32_t *twice,
    const struct qxl_cmd_stroke *st, const struct render_stroke_lines *lines,
    uint32_t color, uint8_t rop3);

/* Blend callback: area (never empty, within it) of the (xRGB) primary
 * now holds src put over what it held: with bbox NULL, src's pixel 0,0
 * on area's extents' top-left, unscaled, src the extents' size; else
 * all of src stretched over bbox (within the primary), fewer pixels than
 * bbox, by nearest sampling as SPICE's canvas stretches
 * (render_scaled_fn).  With key not NULL (TRANSPARENT) each pixel whose
 * RGB is not *key's (0xRRGGBB) replaced by src's, else (ALPHA_BLEND) src
 * OVER the pixel through the constant alpha (a src in x8r8g8b8 is opaque,
 * one in a8r8g8b8 has premultiplied alpha of its own), as SPICE's canvas
 * draws either.  src's rows top-down, a positive stride.  A viewer can be
 * sent the source and the operation instead of the result: an icon drawn
 * again costs it a name from its cache.  src and the region belong to
 * render. */
typedef void (*render_blend_fn)(void *arg, const pixman_region32_t *area,
    pixman_image_t *src, const pixman_box32_t *bbox, const uint32_t *key,
    uint8_t alpha);

/* Composite callback: area (never empty, within it) of the (xRGB) primary
 * now holds pixman's composite of src, through mask when not NULL, with
 * c's operator, transforms, repeats, filters, component alpha and
 * origins (struct qxl_cmd_composite, parsed) onto bbox, inside the
 * primary, as SPICE's canvas draws it.  src and mask are whole images of
 * 32 bits a pixel (a8r8g8b8 when they have alpha, else x8r8g8b8), rows
 * top-down, a positive stride.  A viewer can be sent the images (an
 * icon's or a glyph run's, often in its cache) instead of the result.
 * They, c, bbox and the region belong to render. */
struct qxl_cmd_composite;
typedef void (*render_composite_fn)(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, pixman_image_t *src, pixman_image_t *mask,
    const struct qxl_cmd_composite *c);

/* Copy callback: area (never empty, within it) of the (xRGB) primary now
 * holds rop3 of the brush (the colour 0xRRGGBB, or the pattern pat when
 * not NULL; colour 0 for a copy, which has none), src and what it held,
 * bit P << 2 | S << 1 | D of rop3 the result
 * (a COPY or BLEND with a raster operation: never 0xcc, the source as it
 * is; an OPAQUE or ROP3 with any brush; always a code that
 * reads the source: the others are fills), src's
 * pixel 0,0 on area's extents' top-left, unscaled, bitwise on each pixel
 * as SPICE's canvas draws it.  src is the extents' size in 32 bits a
 * pixel, rows top-down, a positive stride.  A viewer can be sent the
 * source (often in its cache: a Windows icon is two such copies of its
 * masks) instead of the result.  src and the region belong to render. */
typedef void (*render_copy_fn)(void *arg, const pixman_region32_t *area,
    pixman_image_t *src, uint32_t color, const struct render_pattern *pat,
    uint8_t rop3);

/* Scaled copy callback: area (never empty) of bbox, which lies within the
 * (xRGB) primary, now holds rop3 of a stretched source and what it held
 * (a copy's code, which reads the source and no brush; 0xcc: the source
 * as it is).  The source is src_area of src, 32 bits a pixel (rows
 * top-down, a positive stride), fewer pixels in all than bbox, stretched
 * over bbox as SPICE's canvas stretches: pixman with the scale factor
 * (src_area's width << 16) / bbox's width truncated (height likewise),
 * translated by src_area's corner, REPEAT_NONE, NEAREST or (scale_mode
 * SPICE_IMAGE_SCALE_MODE_INTERPOLATE) FILTER_GOOD.  Interpolation reads
 * one pixel around src_area: src holds it wherever the producer's source
 * had it, so that a viewer that stretches src as the canvas does reads
 * what the worker read (beyond src, both read transparent), and src is
 * a8r8g8b8 when the source's alpha counts (an RGBA bitmap, an ARGB
 * surface), x8r8g8b8 otherwise; nearest sampling reads src_area only,
 * which is then all of src, and only its RGB counts.  A viewer can be
 * sent src and the operation instead of the larger result.  src and the
 * region belong to render. */
typedef void (*render_scaled_fn)(void *arg, const pixman_region32_t *area,
    const pixman_box32_t *bbox, pixman_image_t *src,
    const pixman_box32_t *src_area, uint8_t scale_mode, uint8_t rop3);

/* Surface copy callback: area (never empty) of bbox, which lies within
 * the (xRGB) primary, now holds rop3 of src_area of the off-screen
 * surface id and what it held (a copy's code, which reads the source and
 * no brush; 0xcc: the source as it is): unscaled when src_area is
 * bbox's size (scale_mode then NEAREST), else stretched over bbox as
 * render_scaled_fn says, NEAREST or INTERPOLATE (interpolated only from
 * an xRGB surface: it reads the pixel around src_area, within the
 * surface, and an ARGB one's alpha would weigh).  A viewer that holds
 * the surface's pixels there can be told to copy from its own copy of
 * the surface instead of being sent pixels.  The region belongs to
 * render. */
typedef void (*render_surface_copy_fn)(void *arg,
    const pixman_region32_t *area, const pixman_box32_t *bbox, uint32_t id,
    const pixman_box32_t *src_area, uint8_t scale_mode, uint8_t rop3);

/* Surface blend callback: the blend render_blend_fn tells of (a colour
 * key, or an ALPHA_BLEND from an xRGB surface whose fourth byte does not
 * count: the canvas blends through an ARGB one's alpha, whatever the
 * drawing's flags say), drawn
 * from src_area of the off-screen surface id: unscaled (bbox NULL:
 * src_area is area's extents' size, its corner on theirs), or stretched
 * over bbox (within the primary, more pixels than src_area) by nearest
 * sampling.  A viewer that holds the surface's pixels there can be told
 * to blend from its own copy of the surface.  The region belongs to
 * render. */
typedef void (*render_surface_blend_fn)(void *arg,
    const pixman_region32_t *area, const pixman_box32_t *bbox, uint32_t id,
    const pixman_box32_t *src_area, const uint32_t *key, uint8_t alpha);

/* Off-screen callback: off-screen surface id (never 0) may have changed
 * within changed (a drawing's whole target area, whatever it did, even
 * when it failed half way), or, changed NULL, was destroyed.  Lets a
 * viewer's copy of the surface be told apart from the worker's.  The
 * region belongs to render. */
typedef void (*render_offscreen_fn)(void *arg, uint32_t id,
    const pixman_region32_t *changed);

/* A source bitmap: pixels borrowed for the duration of one call.  Row y
 * starts at rb_data + y * rb_stride (bottom-up bitmaps have a negative
 * stride); rb_size bytes are readable from the lowest row's start. */
struct render_bitmap {
	uint32_t	 rb_format;	/* SPICE_BITMAP_FMT_* */
	uint32_t	 rb_width;
	uint32_t	 rb_height;
	int32_t		 rb_stride;	/* bytes from a row to the next */
	const uint8_t	*rb_data;	/* row 0 = top row */
	size_t		 rb_size;
	/* 1, 4 and 8-bit formats: 0xRRGGBB entries (an index past them
	 * is black) */
	const uint32_t	*rb_palette;
	uint32_t	 rb_npalette;
	/* Non-zero: rb_data holds rb_size bytes of an image of this type
	 * (SPICE_IMAGE_TYPE_QUIC, LZ_RGB, JPEG: dec-image.h) that must
	 * decode to rb_width x rb_height; format and stride unused. */
	uint8_t		 rb_codec;
};

/* The source of a COPY: a bitmap, or a rendered surface. */
struct render_src {
	int		 rs_is_surface;
	uint32_t	 rs_surface;	/* if rs_is_surface */
	struct render_bitmap rs_bitmap;	/* otherwise */
};

/* A brush: SPICE_BRUSH_TYPE_NONE (bits 0), SOLID, or PATTERN, an image
 * tiled so that its pixel 0,0 lies at (rb_x, rb_y) of the surface. */
struct render_brush {
	uint32_t	 rb_type;
	uint32_t	 rb_color;	/* SOLID: 0xRRGGBB */
	struct render_src rb_pat;	/* PATTERN */
	int32_t		 rb_x;
	int32_t		 rb_y;
};

/* A 1-bit mask (rm_bits in SPICE_BITMAP_FMT_1BIT_LE or _BE) whose pixel
 * (rm_x, rm_y) lies at the bbox's top-left: a drawable touches only
 * pixels under a set bit (a clear one when rm_invert), never outside the
 * mask. */
struct render_mask {
	struct render_bitmap rm_bits;
	int		 rm_invert;
	int32_t		 rm_x;
	int32_t		 rm_y;
};

/* Does the ROP3 code depend on the input whose bit in its index is bit
 * (4 the brush, 2 the source, 1 the destination)? */
int	 render_rop3_uses(uint8_t code, int bit);

/* Create the surface set; damage (may be NULL) is called with arg.
 * Returns NULL on ENOMEM. */
struct render *render_new(render_damage_fn damage, void *arg);
/* Replace the callbacks (for owners created after render); a NULL move
 * reports moves as damage. */
void	 render_set_damage(struct render *, render_damage_fn damage,
	    render_move_fn move,
	    void *arg);
/* Report fills of the primary (FILL with a solid or a pattern brush,
 * BLACKNESS, WHITENESS, INVERS) to fill, with render_set_damage's arg,
 * instead of as damage; NULL: as damage. */
void	 render_set_fill(struct render *, render_fill_fn fill);
/* Report TEXT on the primary with solid (or no) brushes and A1 or A4
 * glyphs to text, with render_set_damage's arg, instead of as damage
 * (its back area alone, without a fore brush, is a fill); NULL: as
 * damage. */
void	 render_set_text(struct render *, render_text_fn text);
/* Report STROKE on the primary in a solid colour (render_stroke_fn) to
 * stroke, with render_set_damage's arg, its path when a viewer would draw
 * the same from it, else its lines, instead of as damage; NULL: as
 * damage. */
void	 render_set_stroke(struct render *, render_stroke_fn stroke);
/* Report TRANSPARENT and ALPHA_BLEND (without DEST_HAS_ALPHA) on an xRGB
 * primary, unscaled or scaled up (in pixels in all) with a bbox on the
 * primary, of at most RENDER_REPORT_MAX_PX pixels, to blend,
 * with render_set_damage's arg, instead of as damage; NULL: as damage. */
void	 render_set_blend(struct render *, render_blend_fn blend);
/* Report COMPOSITE on the xRGB primary, its bbox inside the primary, its
 * images of at most RENDER_REPORT_MAX_PX pixels together (with a
 * transform, and at most bbox's pixels), to composite, with render_set_damage's arg, instead of as
 * damage; NULL: as damage. */
void	 render_set_composite(struct render *, render_composite_fn composite);
/* Report unscaled COPY and BLEND with a raster operation (not OP_PUT of
 * the source as it is), OPAQUE and ROP3 reading their source, on an
 * xRGB primary, from a bitmap or another surface, of at most
 * RENDER_REPORT_MAX_PX pixels, to copy, with render_set_damage's arg,
 * instead of as damage; NULL: as damage. */
void	 render_set_copy(struct render *, render_copy_fn copy);
/* Report a COPY or BLEND reading its source (as it is, or with a raster
 * operation), scaled up (in pixels in all) nearest or interpolated, its
 * bbox on an xRGB primary, from a bitmap or another surface, of at most
 * RENDER_REPORT_MAX_PX source pixels, to scaled, with
 * render_set_damage's arg, instead of as damage; NULL: as damage. */
void	 render_set_scaled(struct render *, render_scaled_fn scaled);
/* Report COPY and BLEND from an off-screen surface onto the xRGB
 * primary that a viewer could draw from its own copy of the surface
 * (render_surface_copy_fn) to copy, TRANSPARENT and ALPHA_BLEND from
 * one (render_surface_blend_fn) to blend, and every render_draw on an
 * off-screen surface and its destruction to changed (the drawing calls
 * below, which a worker reaches only through render_draw, tell
 * changed nothing), with render_set_damage's arg,
 * instead of as the other callbacks; NULL copy: as they. */
void	 render_set_surfaces(struct render *, render_surface_copy_fn copy,
	    render_surface_blend_fn blend, render_offscreen_fn changed);
/* Free all surfaces and the set. */
void	 render_free(struct render *);

/*
 * Create surface id of width x height in format SPICE_SURFACE_FMT_32_xRGB
 * or 32_ARGB.  If pixels is not NULL it is the top row of the initial
 * content, rows stride bytes apart (stride may be negative for bottom-up
 * memory; |stride| >= width*4, a multiple of 4); the caller guarantees
 * height rows are readable there.  Otherwise the surface starts black.
 * Returns 0, or -1 with err set (id in use or out of range, size over the
 * caps, bad format or stride, ENOMEM).
 */
int	 render_surface_create(struct render *, uint32_t id, uint32_t width,
	    uint32_t height, uint32_t format, const uint8_t *pixels,
	    int32_t stride, struct spd_err *err);
/* Destroy surface id.  Returns 0, or -1 with err set if it does not
 * exist. */
int	 render_surface_destroy(struct render *, uint32_t id,
	    struct spd_err *err);
/* Destroy every surface (producer detach, reset). */
void	 render_surface_destroy_all(struct render *);
/* The pixman image of surface id (owned by render, valid until it is
 * destroyed), or NULL.  Its format is x8r8g8b8 or a8r8g8b8, rows top
 * first. */
pixman_image_t *render_surface(struct render *, uint32_t id);

/*
 * FILL: paint bbox (clipped to clip when not NULL, and to the surface) of
 * surface with the solid colour (x8r8g8b8 value).  rop is a SPICE_ROPD_*
 * set, any of them (bitwise ones combine with the surface's pixels).  On
 * an xRGB primary this is reported to the fill callback when there is
 * one.
 */
int	 render_fill(struct render *, uint32_t surface,
	    const pixman_box32_t *bbox, const pixman_region32_t *clip,
	    uint32_t color, uint16_t rop, struct spd_err *err);

/*
 * COPY_BITS: within surface, copy the bbox-sized area at (src_x, src_y)
 * onto bbox, clipped as for render_fill and to where the source lies
 * inside the surface.  On the primary this is reported through the move
 * callback.  0 or -1 (err set).
 */
int	 render_copy_bits(struct render *, uint32_t surface,
	    const pixman_box32_t *bbox, const pixman_region32_t *clip,
	    int32_t src_x, int32_t src_y, struct spd_err *err);

/*
 * COPY: draw src_area of src into bbox of surface (scaled when the sizes
 * differ, with scale_mode SPICE_IMAGE_SCALE_MODE_*), clipped as for
 * render_fill.  src_area must lie within the source.  Any ROP descriptor
 * (as for render_fill, the source in the brush's place).  A surface may
 * be its own source.  Bitmap formats: all of SPICE's (1, 4 and 8-bit
 * ones through their palette).  A 32-bit bitmap copied unscaled onto the primary
 * reports as damage only the rows it changed: producers that only know
 * what was damaged (spiced-x11) resend pixels the primary already has.
 */
int	 render_copy(struct render *, uint32_t surface,
	    const pixman_box32_t *bbox, const pixman_region32_t *clip,
	    const struct render_src *src, const pixman_box32_t *src_area,
	    uint16_t rop, uint8_t scale_mode, struct spd_err *err);

struct qxl_cmd_draw;
/*
 * Draw a parsed drawable of any type (qxl-cmd.h) into its surface, with
 * SPICE canvas semantics (SPICE-NOTES 5.4; the deviations are listed in
 * PROTOCOL.md "Commands"): clip and mask first, then per type FILL,
 * OPAQUE, COPY, BLEND, BLACKNESS, WHITENESS, INVERS, ROP3 (every ROP
 * descriptor and ROP3 code, solid and pattern brushes), TRANSPARENT,
 * ALPHA_BLEND, COMPOSITE (pixman's operators, transforms, filters,
 * repeats), TEXT (A1, A4, A8 glyphs), STROKE (one-pixel lines, dashes,
 * Bezier curves) and COPY_BITS.  Returns as the calls above.
 */
int	 render_draw(struct render *, const struct qxl_cmd_draw *,
	    struct spd_err *err);

/* Is box b of image (32 bits a pixel) one colour?  Then *color is it.
 * Stops at the first pixel that differs, so pictures cost next to
 * nothing. */
int	 render_box_uniform(pixman_image_t *image, const pixman_box32_t *b,
	    uint32_t *color);

struct enc_src;
/* Box b of image (the primary) as an encoder's source: borrowed pixels,
 * valid while image is. */
void	 render_box_src(pixman_image_t *image, const pixman_box32_t *b,
	    struct enc_src *src);

#endif
