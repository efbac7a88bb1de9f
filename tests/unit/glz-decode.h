/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * glz-decode: a GLZ RGB32 decoder for the tests, written from the format
 * (workers/codecs/enc-glz.c), playing one client: it keeps the images it
 * decoded, drops those each header lets it drop (below id -
 * win_head_dist), and refuses whatever a real client could not take or
 * would read out of bounds: ids out of sequence, copies from an image it
 * dropped or was never sent, or past an image's end.
 */
#ifndef SPICED_GLZ_DECODE_H
#define SPICED_GLZ_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define GLZ_DEC_KEEP	4096	/* images kept at most */

struct glz_dec;

struct glz_dec	*glz_dec_new(void);
void		 glz_dec_free(struct glz_dec *);

/*
 * Decode one image's GLZ stream (the bytes after the u32 size) of len
 * bytes: 0 with *out (0x00RRGGBB pixels, caller frees), *w, *h, *id and
 * *head (its win_head_dist) set, or -1 with why (why_len bytes) said.
 */
int	glz_dec_image(struct glz_dec *, const uint8_t *in, size_t len,
	    uint32_t **out, uint32_t *w, uint32_t *h, uint64_t *id,
	    uint32_t *head, char *why, size_t why_len);

/* Images it holds now. */
unsigned glz_dec_kept(const struct glz_dec *);

#endif
