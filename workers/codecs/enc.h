/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc: image encoders of the display worker (SPICE-NOTES section 4).
 *
 * Lossless: QUIC for what enc_classify() finds natural, LZ4 for the
 * rest (LZ to clients without LZ4, GLZ with image-compression glz),
 * plain bitmaps when asked; lossy:
 * JPEG, for what it calls a photograph when the display allows it, and
 * JPEG_ALPHA for one with alpha that a drawing blends in.
 *
 * Each encoder appends to an obuf the bytes of a SpiceImage that follow its
 * 18-byte descriptor, for one kind of image type; the caller writes the
 * descriptor (id, type, flags, width, height).  Sources are rectangles of
 * 32-bit pixels in memory (B,G,R,X bytes, SPICE_BITMAP_FMT_32BIT), rows top
 * first; the encoders never read outside height rows of width*4 bytes
 * spaced stride bytes apart.
 *
 * Contracts follow lz4's style: a *_bound() function gives the most bytes
 * an encode call appends, an encode call either appends its whole output
 * and returns 0, or appends nothing (the obuf is truncated back) and
 * returns -1 with err set.
 */
#ifndef SPICED_ENC_H
#define SPICED_ENC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sbuf.h"

/* Largest width or height an encoder accepts; keeps every size below
 * 2^32 so that it fits the u32 size fields of the wire format. */
#define ENC_MAX_DIM		16384

/* Bytes of uncompressed input per LZ4 block.  The blocks of an image
 * decode as one LZ4 stream, so a block may refer to earlier ones. */
#define ENC_LZ4_BLOCK		(64u * 1024)

/* A rectangle of 32bpp pixels to encode; borrowed, never written. */
struct enc_src {
	const uint8_t	*es_data;	/* first pixel of the top row */
	size_t		 es_stride;	/* bytes from one row to the next */
	uint32_t	 es_width;	/* pixels, 1..ENC_MAX_DIM */
	uint32_t	 es_height;	/* rows, 1..ENC_MAX_DIM */
};

struct enc_lz4;

/* An LZ4 encoder context (stream state and a staging buffer for rows that
 * are not contiguous).
 * Returns NULL on ENOMEM.  One context serves any number of images, one
 * at a time. */
struct enc_lz4 *enc_lz4_new(void);
void	 enc_lz4_free(struct enc_lz4 *);

/* Most bytes enc_lz4_encode() appends for a width x height image, or 0 if
 * either dimension is 0 or above ENC_MAX_DIM. */
size_t	 enc_lz4_bound(uint32_t width, uint32_t height);

/* Append the SPICE_IMAGE_TYPE_LZ4 data of src: u32 LE size, then the
 * payload of that size: u8 top_down (1), u8 SPICE_BITMAP_FMT_32BIT, then
 * blocks of u32 BIG-endian compressed length + one LZ4 block, which
 * decode (one stream decoder, output appended) to the packed rows of src,
 * width*4 bytes each.  Reads exactly the pixels of src.  Returns 0, or -1
 * with err set and out unchanged (bad dimensions, stride < width*4, out
 * over its cap, compressor failure). */
int	 enc_lz4_encode(struct enc_lz4 *, struct obuf *out,
	    const struct enc_src *src, struct spd_err *err);

/* Most bytes enc_bitmap_encode() appends, or 0 as for enc_lz4_bound(). */
size_t	 enc_bitmap_bound(uint32_t width, uint32_t height);

/* Append the SPICE_IMAGE_TYPE_BITMAP data of src: u8 format 32BIT, u8
 * flags TOP_DOWN, u32 width, u32 height, u32 stride (width*4), u32 palette
 * pointer 0, then the packed rows.  Every client decodes this (spice-html5
 * included).  Returns 0, or -1 with err set and out unchanged. */
int	 enc_bitmap_encode(struct obuf *out, const struct enc_src *src,
	    struct spd_err *err);

/* Relabel the image data an encoder of type (SPICE_IMAGE_TYPE_BITMAP or
 * LZ4) appended at out's offset start as SPICE_BITMAP_FMT_RGBA: the same
 * bytes, each pixel's fourth then its alpha (premultiplied, as pixman's
 * a8r8g8b8), which the 32-bit format ignores.  Returns 0, or -1 with err
 * set for another type or data too short to be one. */
int	 enc_label_rgba(struct obuf *out, size_t start, uint8_t type,
	    struct spd_err *err);

struct enc_quic;

/* A QUIC encoder (model state and a row of residuals per channel).
 * NULL on ENOMEM.  One context serves any number of images, one at a
 * time. */
struct enc_quic *enc_quic_new(void);
void	 enc_quic_free(struct enc_quic *);

/* Most bytes enc_quic_encode() appends, or 0 as for enc_lz4_bound(). */
size_t	 enc_quic_bound(uint32_t width, uint32_t height);

/* Append the SPICE_IMAGE_TYPE_QUIC data of src: u32 LE size, then a QUIC
 * RGB32 stream of that many bytes (a multiple of 4) that decodes to the
 * pixels of src exactly (their X bytes aside).  The output grows a row
 * at a time, so it never takes more than the image's bound.  Returns 0,
 * or -1 with err set and out unchanged (bad dimensions, stride <
 * width*4, out over its cap). */
int	 enc_quic_encode(struct enc_quic *, struct obuf *out,
	    const struct enc_src *src, struct spd_err *err);

struct enc_lz;

/* An LZ encoder (a hash table and the packed pixels of the image).  NULL
 * on ENOMEM.  One context serves any number of images, one at a time. */
struct enc_lz *enc_lz_new(void);
void	 enc_lz_free(struct enc_lz *);

/* Most bytes enc_lz_encode() appends, or 0 as for enc_lz4_bound(). */
size_t	 enc_lz_bound(uint32_t width, uint32_t height);

/* Append the SPICE_IMAGE_TYPE_LZ_RGB data of src: u32 LE size, then an
 * LZ RGB32 stream of that size (enc-lz.c: its header, then literals and
 * copies) that decodes to the pixels of src exactly (their X bytes
 * aside); spice-html5 decodes it as spice-gtk does.  Returns 0, or -1
 * with err set and out unchanged (bad dimensions, stride < width*4, out
 * over its cap, no memory for the packed pixels). */
int	 enc_lz_encode(struct enc_lz *, struct obuf *out,
	    const struct enc_src *src, struct spd_err *err);

/* Most bytes enc_lz_encode_alpha() appends, or 0 as for enc_lz4_bound(). */
size_t	 enc_lz_alpha_bound(uint32_t width, uint32_t height);

/* Append the LZ XXXA stream of src's alpha bytes (header and items, no
 * size before it: JPEG_ALPHA's alpha plane), which decodes to them
 * exactly.  Returns 0, or -1 with err set and out unchanged. */
int	 enc_lz_encode_alpha(struct enc_lz *, struct obuf *out,
	    const struct enc_src *src, struct spd_err *err);

struct enc_glz;

/* Images a GLZ window holds at most, whatever their size. */
#define ENC_GLZ_MAX_IMAGES	1024

/* A GLZ dictionary: one client's window of the images it was sent (up to
 * window_px pixels), which later images refer to.  NULL on ENOMEM or a
 * zero window.  Every image encoded with it must reach that client, in
 * order: its decoder waits for each image a later one refers to. */
struct enc_glz *enc_glz_new(size_t window_px);
void	 enc_glz_free(struct enc_glz *);
/* Empty eg's window, as for a client that starts with none: the next
 * image is id 0 and refers to nothing earlier.  Its hash table is kept
 * (what it names is no longer in the window, so never a candidate): one
 * dictionary serves many sequences without a fresh megabyte each, as
 * fuzz-glz runs them. */
void	 enc_glz_reset(struct enc_glz *);

/* Most bytes enc_glz_encode() appends, or 0 as for enc_lz4_bound(). */
size_t	 enc_glz_bound(uint32_t width, uint32_t height);

/* Append the SPICE_IMAGE_TYPE_GLZ_RGB data of src: u32 LE size, then a
 * GLZ RGB32 stream of that size (enc-glz.c) that decodes, against the
 * images encoded before with eg, to the pixels of src exactly (their X
 * bytes aside); src joins the window, and the oldest images leave it as
 * the window needs.  Returns 0, or -1 with err set and out unchanged:
 * bad dimensions, an image larger than the window or out over its cap
 * (the window unchanged), no memory (its oldest images may have left;
 * the next image's header says so). */
int	 enc_glz_encode(struct enc_glz *, struct obuf *out,
	    const struct enc_src *src, struct spd_err *err);

struct enc_jpeg;

/* The JPEG quality (1..100) of lossy images: the reference server's. */
#define ENC_JPEG_QUALITY	85
/* ... and of video stream frames, which stay on screen a frame long (the
 * best the reference server's streams take), and of those for a viewer
 * that falls behind. */
#define ENC_STREAM_QUALITY	80
#define ENC_STREAM_LOW		40

/* A JPEG's chroma sampling: colour at half the resolution each way
 * (4:2:0, the usual), or at full resolution. */
enum enc_chroma {
	ENC_CHROMA_420,
	ENC_CHROMA_444,
};

/* A turbojpeg compressor.  NULL on ENOMEM. */
struct enc_jpeg *enc_jpeg_new(void);
void	 enc_jpeg_free(struct enc_jpeg *);

/* Append the SPICE_IMAGE_TYPE_JPEG data of src (also a stream frame's):
 * u32 LE size, then a JFIF stream of that size (quality 1..100).
 * Returns 0, or -1 with err set and out unchanged. */
int	 enc_jpeg_encode(struct enc_jpeg *, struct obuf *out,
	    const struct enc_src *src, int quality, enum enc_chroma,
	    struct spd_err *err);

/* How a JPEG image or a video stream's frames are encoded. */
struct enc_jpeg_mode {
	int		 ejm_quality;	/* 1..100 */
	enum enc_chroma	 ejm_chroma;
};

struct enc_jpeg_pick;

/* A chooser of JPEG modes (a decompressor and a sample's buffers).
 * NULL on ENOMEM. */
struct enc_jpeg_pick *enc_jpeg_pick_new(void);
void	 enc_jpeg_pick_free(struct enc_jpeg_pick *);

/* How a viewer decodes a JPEG: spice-gtk's stream frames (the fast DCT,
 * 4:2:0 colour stretched), or images (spice-gtk's canvas and browsers:
 * the accurate DCT, colour smoothed). */
enum enc_jpeg_view {
	ENC_VIEW_STREAM,
	ENC_VIEW_IMAGE,
};

/* Images of fewer pixels are not worth a trial (enc_jpeg_pick). */
#define ENC_PICK_MIN_PIXELS	(256 * 256)

/* The mode for src, or frames of a video stream like it, at quality: 4:4:4
 * at a lower quality if, on a sample of src's rows, that shows the
 * picture better by half a dB or more, decoded as view, in no more bytes
 * than 4:2:0 at quality; otherwise 4:2:0 at quality (enc-jpeg-pick.c
 * says why).  Returns 0, or -1 with err set and *mode 4:2:0 at quality. */
int	 enc_jpeg_pick(struct enc_jpeg_pick *, struct enc_jpeg *,
	    const struct enc_src *src, int quality, enum enc_jpeg_view,
	    struct enc_jpeg_mode *mode, struct spd_err *err);

/* Append the SPICE_IMAGE_TYPE_JPEG_ALPHA data of src (its alpha bytes
 * count): u8 flags (TOP_DOWN), u32 LE jpeg_size, u32 LE data_size, then
 * data_size bytes: the JFIF stream of its colour (4:2:0, quality
 * 1..100) and the LZ XXXA stream of its alpha (exact).  Returns 0, or -1
 * with err set and out unchanged. */
int	 enc_jpeg_alpha_encode(struct enc_jpeg *, struct enc_lz *,
	    struct obuf *out, const struct enc_src *src, int quality,
	    struct spd_err *err);

/* Images narrower or lower than this are never called photographs. */
#define ENC_PHOTO_MIN		32
/* Largest colour step between neighbours that still counts as smooth. */
#define ENC_PHOTO_STEP		24
/* One pair in this many differing makes an image natural. */
#define ENC_NATURAL_DIV		4
/* What src looks like, from a grid of about 1000 neighbour pairs (about
 * 2000 pixels read, whatever the size):
 * - ENC_PHOTO: more than half of the pairs differ, but only a little
 *   (ENC_PHOTO_STEP): worth JPEG where lossy images are allowed;
 * - ENC_NATURAL: else more than a quarter differ at all (noise,
 *   gradients): worth QUIC rather than LZ4;
 * - ENC_DRAWING: text, drawings, flat areas, and anything narrower or
 *   lower than ENC_PHOTO_MIN. */
enum enc_kind { ENC_DRAWING, ENC_NATURAL, ENC_PHOTO };
enum enc_kind enc_classify(const struct enc_src *);

#endif
