/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qxl-cmd: copy-then-validate parsing of QXL commands from producer memory
 * into private structs the display worker can act on.
 *
 * Every shared-memory structure is memcpy'd into a local before any field
 * is read, so each field is fetched exactly once; the output owns private
 * copies of everything the caller acts on (geometry, clip rects).  The one
 * exception is pixel data, which nothing validates or branches on: a
 * bitmap's when it lies in one piece (DIRECT, or a single chunk), and a
 * new surface's initial content; the output points at it in producer
 * memory instead of copying a frame's worth of bytes (struct
 * qxl_cmd_image, struct qxl_cmd_surface).  Spec: spice/qxl_dev.h and SPICE-NOTES
 * section 5; deviations: only the subset below is accepted, see
 * PROTOCOL.md "Commands".
 *
 * Return values of the parsers:
 *   0                     parsed, *out filled (free it with the _free call)
 *   QXL_CMD_EFAULT        malformed or hostile (bad address, loop, size
 *                         mismatch...): drop, count as a fault
 *   QXL_CMD_EUNSUPPORTED  well-formed but outside the accepted subset
 *                         (another draw type, ROP, image type...): drop,
 *                         count, but not a fault
 * On error *out holds nothing to free and err says what and why, naming
 * the address ("drawable at slot 1 offset 0x1000: ...").
 */
#ifndef QXLSHM_QXL_CMD_H
#define QXLSHM_QXL_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "qxl-shm.h"
#include "slots.h"

#define QXL_CMD_EFAULT		(-1)
#define QXL_CMD_EUNSUPPORTED	(-2)

/* Caps (each violation is a QXL_CMD_EFAULT). */
#define QXL_CMD_MAX_DIM		QXLSHM_MAX_WIDTH  /* any width/height/coord */
#define QXL_CMD_MAX_CHUNKS	4096		/* data chunks per chain */
#define QXL_CMD_MAX_DATA	(QXL_CMD_MAX_DIM * QXL_CMD_MAX_DIM * 4u)
						/* bytes in one chunk chain */
#define QXL_CMD_MAX_STRIDE	(QXL_CMD_MAX_DIM * 4u)	/* |stride| */
#define QXL_CMD_MAX_CLIP_RECTS	1024		/* rects in a clip */
#define QXL_CMD_MAX_SURFACES	QXLSHM_MAX_SURFACES	/* ids < this */

/* A rectangle, right and bottom exclusive; left <= right, top <= bottom,
 * all in [0, QXL_CMD_MAX_DIM] once validated. */
struct qxl_cmd_rect {
	int32_t	left;
	int32_t	top;
	int32_t	right;
	int32_t	bottom;
};

enum qxl_cmd_src_kind {
	QXL_CMD_SRC_BITMAP,	/* pixels below */
	QXL_CMD_SRC_SURFACE,	/* another surface of this producer */
	QXL_CMD_SRC_COMPRESSED,	/* a QUIC, LZ or JPEG stream below */
};

/* Caps on what a drawable may carry besides pixels (each violation is a
 * QXL_CMD_EFAULT). */
#define QXL_CMD_MAX_PALETTE	256		/* palette entries */
#define QXL_CMD_MAX_TEXT_DATA	(4u << 20)	/* bytes of a QXLString */
#define QXL_CMD_MAX_GLYPHS	8192		/* glyphs in a string */
#define QXL_CMD_MAX_GLYPH_DIM	1024		/* glyph width, height */
#define QXL_CMD_MAX_PATH_DATA	(4u << 20)	/* bytes of a QXLPath */
#define QXL_CMD_MAX_PATH_SEGS	4096		/* segments in a path */
#define QXL_CMD_MAX_COORD	(1 << 20)	/* |glyph/point/pos coord| */

/*
 * An image.  For BITMAP: width x height pixels in the producer's format;
 * row y starts at pixels + y * stride, so a bottom-up bitmap has a
 * negative stride and pixels points at its last row in memory.  All rows
 * lie in the size bytes starting at the lowest of them.
 *
 * pixels points either into producer memory (flat DIRECT data, or a chain
 * of one chunk), valid until the slot table changes and rewritable by the
 * producer at any time (which can only change the picture), or into
 * owned, the private copy a multi-chunk chain is gathered into.
 */
struct qxl_cmd_image {
	enum qxl_cmd_src_kind	 kind;
	uint64_t		 id;		/* QXLImageDescriptor.id */
	uint32_t		 width;
	uint32_t		 height;
	/* BITMAP only: */
	uint8_t			 format;	/* SPICE_BITMAP_FMT_*, not
						   INVALID */
	int32_t			 stride;	/* |stride| >= a row's bytes */
	const uint8_t		*pixels;	/* row 0, the top row */
	size_t			 size;		/* |stride| * height */
	uint8_t			*owned;		/* malloc'd copy, or NULL */
	/* The palette of a 1, 4 or 8-bit bitmap (malloc'd, 0xRRGGBB
	 * entries), NULL when it has none (allowed: a mask needs none). */
	uint32_t		*palette;
	uint16_t		 npalette;	/* 1..QXL_CMD_MAX_PALETTE */
	/* SURFACE only: */
	uint32_t		 surface_id;
	/* COMPRESSED: the stream (width x height from the descriptor,
	 * 1..QXL_CMD_MAX_DIM), copied from its chunks into owned, which
	 * pixels points at; size its bytes (1..QXL_CMD_MAX_DATA). */
	uint8_t			 codec;		/* SPICE_IMAGE_TYPE_QUIC,
						   LZ_RGB or JPEG */
};

/* A brush: nothing, a colour, or an image tiled from pos (the surface
 * point where the pattern's pixel 0,0 lies). */
struct qxl_cmd_brush {
	uint32_t		 type;		/* SPICE_BRUSH_TYPE_* */
	uint32_t		 color;		/* SOLID */
	struct qxl_cmd_image	 pat;		/* PATTERN */
	int32_t			 pos_x;		/* PATTERN, within
						   +-QXL_CMD_MAX_COORD */
	int32_t			 pos_y;
};

/* A 1-bit mask: where its bit is 1 (0 with SPICE_MASK_FLAGS_INVERS) the
 * drawable draws; its pixel pos lies at the bbox's top-left corner, and
 * nothing is drawn outside it. */
struct qxl_cmd_mask {
	int			 present;
	uint8_t			 flags;		/* SPICE_MASK_FLAGS_INVERS */
	int32_t			 pos_x;		/* 0..QXL_CMD_MAX_DIM */
	int32_t			 pos_y;
	struct qxl_cmd_image	 bitmap;	/* BITMAP, 1BIT_LE or _BE */
};

/* One glyph of a TEXT: its box's top-left (render_pos + glyph_origin)
 * and its rows of bits (1, 4 or 8 per pixel as the string says, each row
 * a whole number of bytes), top row first. */
struct qxl_cmd_glyph {
	int32_t			 left;
	int32_t			 top;
	uint16_t		 width;		/* 0..QXL_CMD_MAX_GLYPH_DIM */
	uint16_t		 height;
	const uint8_t		*bits;		/* into text.data */
	int32_t			 stride;	/* < 0 for bottom-up rows */
};

struct qxl_cmd_text {
	uint16_t		 flags;		/* SPICE_STRING_FLAGS_*: one of
						   RASTER_A1/A4/A8 */
	uint32_t		 nglyphs;	/* 1..QXL_CMD_MAX_GLYPHS */
	struct qxl_cmd_glyph	*glyphs;	/* malloc'd */
	uint8_t			*data;		/* malloc'd string bytes */
	struct qxl_cmd_rect	 back_area;	/* may be empty */
	struct qxl_cmd_brush	 fore;
	struct qxl_cmd_brush	 back;
	uint16_t		 fore_mode;	/* SPICE_ROPD_*: OP_PUT */
	uint16_t		 back_mode;
};

/* A point in 28.4 fixed point, within +-QXL_CMD_MAX_COORD pixels. */
struct qxl_cmd_pointfix {
	int32_t			 x;
	int32_t			 y;
};

/* A path segment: count points (BEZIER: a multiple of 3 after the
 * BEGIN point, if any) at pts. */
struct qxl_cmd_pathseg {
	uint32_t		 flags;		/* SPICE_PATH_* */
	uint32_t		 count;
	const struct qxl_cmd_pointfix *pts;	/* into stroke.points */
};

struct qxl_cmd_stroke {
	uint32_t		 nsegs;		/* 0..QXL_CMD_MAX_PATH_SEGS */
	struct qxl_cmd_pathseg	*segs;		/* malloc'd */
	struct qxl_cmd_pointfix	*points;	/* malloc'd, all segments' */
	uint8_t			 line_flags;	/* SPICE_LINE_FLAGS_* */
	uint8_t			 nstyle;	/* STYLED: dash lengths */
	int32_t			 style[255];	/* 28.4, each > 0 */
	struct qxl_cmd_brush	 brush;
	uint16_t		 fore_mode;	/* SPICE_ROPD_* */
	uint16_t		 back_mode;
};

/* COMPOSITE: flags as in QXLComposite (operator, filters, repeats,
 * component alpha), validated: a pixman operator, filters 0 (nearest)
 * or 1 (bilinear). */
struct qxl_cmd_composite {
	uint32_t		 flags;
	int			 has_mask;
	struct qxl_cmd_image	 mask;
	int			 has_src_transform;
	int32_t			 src_transform[6];	/* 16.16 */
	int			 has_mask_transform;
	int32_t			 mask_transform[6];
	int16_t			 src_x;		/* src_origin */
	int16_t			 src_y;
	int16_t			 mask_x;	/* mask_origin */
	int16_t			 mask_y;
};

/* A drawable of any QXL_DRAW_* type.  Which fields count depends on the
 * type (qxl_dev.h's union): brush for FILL, OPAQUE, ROP3; src, src_area,
 * scale_mode for OPAQUE, COPY, BLEND, ROP3, TRANSPARENT, ALPHA_BLEND,
 * COMPOSITE (src only); mask for FILL, OPAQUE, COPY, BLEND, ROP3,
 * BLACKNESS, WHITENESS, INVERS. */
struct qxl_cmd_draw {
	uint64_t		 release_id;
	uint32_t		 surface_id;	/* destination, < MAX_SURFACES */
	uint8_t			 type;		/* QXL_DRAW_*, QXL_COPY_BITS */
	uint16_t		 rop;		/* SPICE_ROPD_* (FILL, OPAQUE,
						   COPY, BLEND) */
	struct qxl_cmd_rect	 bbox;		/* non-empty */
	uint32_t		 clip_type;	/* SPICE_CLIP_TYPE_NONE / RECTS */
	uint32_t		 nclip;		/* RECTS: count (may be 0) */
	struct qxl_cmd_rect	*clip;		/* RECTS: malloc'd, else NULL */
	struct qxl_cmd_brush	 brush;
	struct qxl_cmd_mask	 mask;
	struct qxl_cmd_image	 src;
	struct qxl_cmd_rect	 src_area;	/* inside src's width/height
						   (BITMAP) */
	uint8_t			 scale_mode;	/* SPICE_IMAGE_SCALE_MODE_* */
	uint8_t			 rop3;		/* ROP3 */
	uint32_t		 transparent_color;	/* TRANSPARENT */
	uint8_t			 alpha;		/* ALPHA_BLEND */
	uint16_t		 alpha_flags;	/* SPICE_ALPHA_FLAGS_* */
	struct qxl_cmd_text	 text;		/* TEXT */
	struct qxl_cmd_stroke	 stroke;	/* STROKE */
	struct qxl_cmd_composite composite;	/* COMPOSITE */
	/* COPY_BITS: the bbox-sized source's top-left, same surface,
	 * 0..QXL_CMD_MAX_DIM */
	int32_t			 src_pos_x;
	int32_t			 src_pos_y;
};

/* A surface command (or a primary surface from CREATE_PRIMARY). */
struct qxl_cmd_surface {
	uint64_t		 release_id;	/* 0 for a primary */
	uint32_t		 surface_id;
	uint8_t			 type;		/* QXL_SURFACE_CMD_CREATE/DESTROY */
	uint32_t		 flags;		/* QXL_SURF_FLAG_KEEP_DATA */
	/* CREATE only: */
	uint32_t		 format;	/* SPICE_SURFACE_FMT_32_xRGB/ARGB */
	uint32_t		 width;
	uint32_t		 height;
	int32_t			 stride;	/* as given; < 0 bottom-up */
	uint64_t		 data;		/* QXLPHYSICAL, validated */
	/* Initial content when KEEP_DATA was set (always for a primary):
	 * the top row in producer memory, rows stride apart (the last
	 * block first when bottom-up), read in place like a bitmap's
	 * pixels.  Else NULL: the surface starts black. */
	const uint8_t		*pixels;
};

/* Parse the QXLDrawable at phys: every draw type of qxl_dev.h (see
 * PROTOCOL.md "Commands" for the rules).  Images are BITMAPs (any format;
 * top-down or bottom-up; DIRECT flat data or a QXLDataChunk chain capped
 * at QXL_CMD_MAX_CHUNKS chunks / QXL_CMD_MAX_DATA bytes, total exactly
 * stride * height; a palette of at most QXL_CMD_MAX_PALETTE entries),
 * SURFACEs, or QUIC, LZ_RGB and JPEG streams (data_size, then a chunk
 * chain holding exactly that, copied; decoded by the renderer); other
 * image types are EUNSUPPORTED.  self_bitmap 0 (effect
 * and surfaces_dest are hints and ignored); clip NONE or RECTS (<=
 * QXL_CMD_MAX_CLIP_RECTS).  bbox and src_area are non-empty and within
 * QXL_CMD_MAX_DIM; the bbox is not checked against the destination
 * surface (the caller knows its size).  Chunk chains are walked at most
 * QXL_CMD_MAX_CHUNKS steps, so a loop is rejected after that many copies
 * at worst.  Strings and paths are copied whole, then parsed. */
int	qxl_cmd_parse_draw(const struct slots *, uint64_t phys,
	    struct qxl_cmd_draw *out, struct spd_err *);

/* Free what qxl_cmd_parse_draw allocated; the struct is zeroed.  Safe on a
 * zeroed struct. */
void	qxl_cmd_draw_free(struct qxl_cmd_draw *);

/* Parse the QXLSurfaceCmd at phys.  CREATE: surface_id in
 * [1, QXL_CMD_MAX_SURFACES) (0 is the primary, created by control
 * message; DESTROY has the same range), format 32_xRGB or 32_ARGB (other known formats:
 * EUNSUPPORTED), 1 <= width, height <= QXL_CMD_MAX_DIM, stride != 0 and
 * != INT32_MIN, |stride| >= width * 4 and a multiple of 4, and
 * |stride| * height bytes at data inside one slot.  DESTROY: only the id. */
int	qxl_cmd_parse_surface(const struct slots *, uint64_t phys,
	    struct qxl_cmd_surface *out, struct spd_err *);

/* Validate a CREATE_PRIMARY message (already length-checked) as surface 0
 * with its initial content at mem, with the rules of
 * qxl_cmd_parse_surface (width <= QXLSHM_MAX_WIDTH, height <=
 * QXLSHM_MAX_HEIGHT).  out->type = QXL_SURFACE_CMD_CREATE, pixels set.
 * The surface parsers allocate nothing; on error *out is zeroed. */
int	qxl_cmd_parse_primary(const struct slots *,
	    const struct qxlshm_create_primary *, struct qxl_cmd_surface *out,
	    struct spd_err *);

/* Read the QXLReleaseInfo.id at the start of any command at phys (8 bytes
 * resolved through the slots), so even a command that fails to parse can
 * be released.  0 or -1 (err set). */
int	qxl_cmd_release_id(const struct slots *, uint64_t phys, uint64_t *id,
	    struct spd_err *);

/* Cursor shapes: at most this wide and high, and their data at most
 * this long (the largest type's pixels plus masks and a palette). */
#define QXL_CMD_MAX_CURSOR_DIM	512
#define QXL_CMD_MAX_CURSOR_DATA	(QXL_CMD_MAX_CURSOR_DIM * \
	QXL_CMD_MAX_CURSOR_DIM * 4u + QXL_CMD_MAX_CURSOR_DIM * \
	QXL_CMD_MAX_CURSOR_DIM / 4u + 1024u)

/* A cursor command, copied out of producer memory. */
struct qxl_cmd_cursor {
	uint64_t	 release_id;
	uint8_t		 type;		/* QXL_CURSOR_SET/MOVE/HIDE/TRAIL */
	int16_t		 x;		/* SET, MOVE: the pointer */
	int16_t		 y;
	uint8_t		 visible;	/* SET */
	uint16_t	 trail_length;	/* TRAIL */
	uint16_t	 trail_frequency;
	/* SET: the shape, SPICE's wire form */
	uint64_t	 unique;	/* the producer's id of the shape */
	uint8_t		 shape;		/* SPICE_CURSOR_TYPE_* */
	uint16_t	 width;		/* 1..QXL_CMD_MAX_CURSOR_DIM */
	uint16_t	 height;
	uint16_t	 hot_x;		/* < width */
	uint16_t	 hot_y;		/* < height */
	uint8_t		*data;		/* malloc'd, data_size bytes */
	uint32_t	 data_size;	/* qxl_cmd_cursor_size() */
};

/* The bytes a shape of this type and size has on the wire (pixels,
 * then a palette for COLOR4 and COLOR8, then the AND mask for the
 * COLOR types; MONO is the AND mask then the XOR mask, rows of
 * ceil(width / 8) bytes): 0 for an unknown type. */
uint32_t qxl_cmd_cursor_size(uint8_t shape, uint32_t width, uint32_t height);

/* Parse the QXLCursorCmd at phys.  SET: the QXLCursor it names, a known
 * type, 1 <= width, height <= QXL_CMD_MAX_CURSOR_DIM, the hot spot
 * inside, data_size at least qxl_cmd_cursor_size() and at most
 * QXL_CMD_MAX_CURSOR_DATA, held by its chunk chain exactly (walked as a
 * bitmap's); the needed bytes are copied to out->data.  MOVE, HIDE,
 * TRAIL: their fields.  Another type is EUNSUPPORTED. */
int	qxl_cmd_parse_cursor(const struct slots *, uint64_t phys,
	    struct qxl_cmd_cursor *out, struct spd_err *);

/* Free what qxl_cmd_parse_cursor allocated; the struct is zeroed. */
void	qxl_cmd_cursor_free(struct qxl_cmd_cursor *);

/* Name of a QXL_DRAW_* type for logs ("fill", "copy"). */
const char *qxl_cmd_draw_type_name(uint32_t type);
/* Bytes of one row of a glyph width pixels wide: 1, 4 or 8 bits a pixel
 * as the string's flags (SPICE_STRING_FLAGS_RASTER_*) say. */
uint32_t qxl_cmd_glyph_row(uint16_t flags, uint32_t width);

#endif
