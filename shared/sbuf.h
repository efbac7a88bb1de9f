/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sbuf: bounds-checked cursors over untrusted bytes, and a growable output
 * buffer with little-endian putters (SPICE and qxl-shm are little-endian).
 *
 * Every getter either consumes exactly the bytes it names and returns 0, or
 * consumes nothing, leaves the output untouched and returns -1.  Bounds are
 * checked by comparing the remaining length, never by pointer arithmetic past
 * the end.  Untrusted input is read only through these functions.
 */
#ifndef SPICED_SBUF_H
#define SPICED_SBUF_H

#include <stddef.h>
#include <stdint.h>

/* Read cursor over a borrowed byte range; never owns or frees memory. */
struct sbuf {
	const uint8_t	*sb_data;
	size_t		 sb_len;	/* total bytes */
	size_t		 sb_off;	/* bytes consumed */
};

/* Hard cap on an output buffer: no message spiced builds is larger. */
#define OBUF_MAX	(64u * 1024 * 1024)

/* Growable output buffer.  After any failed put, ob_failed is set and all
 * later puts are ignored, so a builder can check once at the end. */
struct obuf {
	uint8_t		*ob_data;
	size_t		 ob_len;
	size_t		 ob_cap;
	int		 ob_failed;
};

/* Start a cursor over [data, data+len). */
void	 sbuf_init(struct sbuf *, const void *data, size_t len);
/* Bytes not yet consumed. */
size_t	 sbuf_left(const struct sbuf *);
/* Current read position (valid for sbuf_left() bytes). */
const uint8_t *sbuf_ptr(const struct sbuf *);

int	 sbuf_get_u8(struct sbuf *, uint8_t *);
int	 sbuf_get_u16le(struct sbuf *, uint16_t *);
int	 sbuf_get_u32le(struct sbuf *, uint32_t *);
int	 sbuf_get_u64le(struct sbuf *, uint64_t *);
int	 sbuf_get_i32le(struct sbuf *, int32_t *);
/* Big-endian u32 (LZ4 image blocks, LZ headers). */
int	 sbuf_get_u32be(struct sbuf *, uint32_t *);
/* Copy n bytes out. */
int	 sbuf_get_bytes(struct sbuf *, void *out, size_t n);
/* Point *out at the next n bytes (no copy) and consume them. */
int	 sbuf_get_direct(struct sbuf *, const uint8_t **out, size_t n);
/* Consume n bytes unread. */
int	 sbuf_skip(struct sbuf *, size_t n);
/* Make a sub-cursor over the next n bytes and consume them in the parent. */
int	 sbuf_get_sub(struct sbuf *, struct sbuf *sub, size_t n);
/* Reposition to absolute offset off (<= sb_len); used for SPICE pointers,
 * which are offsets from the start of a message body. */
int	 sbuf_seek(struct sbuf *, size_t off);

void	 obuf_init(struct obuf *);
void	 obuf_free(struct obuf *);
/* Forget contents, keep the allocation. */
void	 obuf_reset(struct obuf *);
/* Start an empty builder on data, a malloc'd block of cap bytes it now
 * owns (a buffer recycled by its previous owner). */
void	 obuf_adopt(struct obuf *, void *data, size_t cap);
/* Ensure room for n more bytes; -1 (and ob_failed) past OBUF_MAX or ENOMEM. */
int	 obuf_reserve(struct obuf *, size_t n);
/* Append n bytes, returning a pointer to them (NULL on failure) so callers
 * can fill the region in place (e.g. a compressor's output). */
uint8_t	*obuf_append_space(struct obuf *, size_t n);
void	 obuf_put_u8(struct obuf *, uint8_t);
void	 obuf_put_u16le(struct obuf *, uint16_t);
void	 obuf_put_u32le(struct obuf *, uint32_t);
void	 obuf_put_u64le(struct obuf *, uint64_t);
void	 obuf_put_i32le(struct obuf *, int32_t);
void	 obuf_put_u32be(struct obuf *, uint32_t);
void	 obuf_put_bytes(struct obuf *, const void *, size_t);
/* Overwrite a u32 already written at offset off (for sizes known late). */
void	 obuf_patch_u32le(struct obuf *, size_t off, uint32_t);
/* Drop the last n bytes (n <= ob_len), e.g. to return unused reserved space. */
void	 obuf_truncate(struct obuf *, size_t newlen);

#endif
