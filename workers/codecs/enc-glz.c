/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enc-glz: SPICE GLZ images (SPICE_IMAGE_TYPE_GLZ_RGB, RGB32); contract
 * in enc.h.  GLZ is LZ whose copies may also come from the images sent
 * to the same client before, which its decoder keeps in a window: what
 * repeats from one image to the next (a toolbar redrawn, text that
 * returns) costs a reference.
 *
 * Format (spice-common's lz_common.h and spice-gtk's decode-glz.c, read
 * for their meaning): big-endian magic "LZ  " (0x20205a4c), version 1.1,
 * a byte of image type RGB32 (8) | top_down << 4, width, height, stride
 * (width * 4), then the image's u64 id and u32 win_head_dist: images
 * below id - win_head_dist the client may drop.  Then items, each
 * starting with a control byte c, over the width * height pixels:
 *   c < 32   c + 1 literal pixels follow, B, G, R each;
 *   c >= 32  a copy: length c >> 5 (1..6; 7: 7 plus the bytes that
 *            follow, added up while they are 255), a pixel offset whose
 *            low 4 bits are c & 15, its next 8 the next byte; then a byte
 *            f whose top two bits say how many bytes of image distance
 *            follow.  Short form (c & 16 clear): the distance is f & 63
 *            plus those bytes from bit 6 up.  Long form (c & 16 set): f's
 *            low 5 bits are offset bits 12..16, the distance is those
 *            bytes from bit 0, and when f & 32 one more byte gives offset
 *            bits 17..24.  Distance 0: a copy from this image, offset + 1
 *            pixels back (it may overlap what it writes); else from the
 *            image distance ids back, at that pixel offset.
 * The decoder copies from an older image without looking at its end:
 * every copy must end inside the image it reads, and every image it
 * reads must be one this client was sent and may not yet have dropped.
 *
 * The window: the packed pixels of the images sent, oldest first, up to
 * the window's pixels and ENC_GLZ_MAX_IMAGES images; one hash table over
 * all of them maps the hash of three pixels to the last global position
 * (an image's first pixel follows the previous image's last) that had it.
 * A candidate is resolved to its image, dropped if that image left the
 * window, and checked pixel by pixel, so stale entries cost nothing but
 * the look-up.  More candidates come first: where the last copy came
 * from, carried on (content that returns with a few pixels changed), the
 * same place in the image before when it was as wide (a box sent again),
 * and, now and then while nothing matches, the same place in the older
 * images as wide (two documents shown in turn: a page of text is made of
 * a few dozen glyphs, so the hash's last position of any three pixels is
 * rarely in the page that returns); the longest match wins.
 */
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "lz-base.h"

#define GLZ_MAGIC		0x20205a4cu
#define GLZ_VERSION		0x00010001u
#define GLZ_TYPE_RGB32_TOPDOWN	(8u | 1u << 4)
#define GLZ_HEADER		33	/* 4 + 4 + 1 + 12 + 8 + 4 */
#define GLZ_HASH_LOG		17
#define GLZ_HASH_SIZE		(1u << GLZ_HASH_LOG)
#define GLZ_MAX_OFFSET		((1u << 25) - 1)	/* 25 bits */
#define GLZ_MAX_DIST		((1u << 24) - 1)	/* long form */
/* Older images as wide as this one searched at the same place where
 * nothing else matches, once a row at most (the copy found then is
 * carried on by the last copy's candidate): new content, noise at worst,
 * would pay for their look-ups at every pixel. */
#define GLZ_OLDER		3

struct glz_image {
	uint64_t	 gi_id;
	uint64_t	 gi_base;	/* global position of pixel 0 */
	uint32_t	*gi_px;		/* packed, as the client decoded it */
	size_t		 gi_n;
	size_t		 gi_cap;	/* pixels gi_px has room for */
	uint32_t	 gi_w;
};

struct enc_glz {
	size_t		 eg_window;	/* pixels kept at most */
	size_t		 eg_kept;	/* pixels the images hold */
	struct glz_image eg_img[ENC_GLZ_MAX_IMAGES];	/* a ring */
	unsigned	 eg_first;	/* the oldest */
	unsigned	 eg_count;
	uint64_t	 eg_next_id;
	uint64_t	 eg_next_base;
	uint64_t	 eg_hash[GLZ_HASH_SIZE];	/* position + 1, 0: none */
	/* The largest buffer of an image that left, for the next one:
	 * pages already faulted in, not a fresh mapping the kernel must
	 * zero again (14% of the time on full frames). */
	uint32_t	*eg_spare;
	size_t		 eg_spare_n;
};

struct enc_glz *
enc_glz_new(size_t window_px)
{
	struct enc_glz *eg;

	if (window_px == 0 || (eg = calloc(1, sizeof(*eg))) == NULL)
		return NULL;
	eg->eg_window = window_px;
	return eg;
}

void
enc_glz_free(struct enc_glz *eg)
{
	unsigned i;

	if (eg == NULL)
		return;
	for (i = 0; i < eg->eg_count; i++)
		free(eg->eg_img[(eg->eg_first + i) % ENC_GLZ_MAX_IMAGES].gi_px);
	free(eg->eg_spare);
	free(eg);
}

size_t
enc_glz_bound(uint32_t width, uint32_t height)
{
	uint64_t n = (uint64_t)width * height;

	if (width == 0 || height == 0 || width > ENC_MAX_DIM ||
	    height > ENC_MAX_DIM)
		return 0;
	/* Literals: 3 bytes a pixel and a control byte per 32 of them.  A
	 * copy (at least LZB_MIN_MATCH pixels) takes at most 8 bytes and
	 * one per 255 pixels: never more than its pixels as literals. */
	return (size_t)(4 + GLZ_HEADER + n * 3 + (n + LZB_MAX_LITERALS - 1) /
	    LZB_MAX_LITERALS);
}

static void
glz_drop_oldest(struct enc_glz *eg)
{
	struct glz_image *g = &eg->eg_img[eg->eg_first];

	eg->eg_kept -= g->gi_n;
	if (g->gi_cap > eg->eg_spare_n) {
		free(eg->eg_spare);
		eg->eg_spare = g->gi_px;
		eg->eg_spare_n = g->gi_cap;
	} else
		free(g->gi_px);
	memset(g, 0, sizeof(*g));
	eg->eg_first = (eg->eg_first + 1) % ENC_GLZ_MAX_IMAGES;
	eg->eg_count--;
}

void
enc_glz_reset(struct enc_glz *eg)
{
	while (eg->eg_count > 0)
		glz_drop_oldest(eg);
	eg->eg_next_id = 0;
}

/* The window image that holds global position pos, or NULL (it left the
 * window).  Images are consecutive in position: a binary search. */
static const struct glz_image *
glz_resolve(const struct enc_glz *eg, uint64_t pos)
{
	const struct glz_image *g;
	unsigned lo = 0, hi = eg->eg_count, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		g = &eg->eg_img[(eg->eg_first + mid) % ENC_GLZ_MAX_IMAGES];
		if (pos < g->gi_base)
			hi = mid;
		else if (pos >= g->gi_base + g->gi_n)
			lo = mid + 1;
		else
			return g;
	}
	return NULL;
}

/* A copy of len pixels, image distance dist (0: this image, offset
 * pixels back + 1), at o; the bytes used. */
static size_t
glz_copy(uint8_t *o, size_t len, uint32_t ofs, uint32_t dist)
{
	size_t k = 0, rest;
	unsigned nb, i;
	int lng = ofs >= 1u << 12, vlong = ofs >= 1u << 17;

	o[k++] = (uint8_t)((len < 7 ? len : 7) << 5 | (lng ? 16 : 0) |
	    (ofs & 15));
	if (len >= 7) {
		for (rest = len - 7; rest >= 255; rest -= 255)
			o[k++] = 255;
		o[k++] = (uint8_t)rest;
	}
	o[k++] = (uint8_t)(ofs >> 4);
	if (!lng) {
		/* 6 bits here, then whole bytes. */
		nb = dist < 1u << 6 ? 0 : dist < 1u << 14 ? 1 :
		    dist < 1u << 22 ? 2 : 3;
		o[k++] = (uint8_t)(nb << 6 | (dist & 63));
		for (i = 0; i < nb; i++)
			o[k++] = (uint8_t)(dist >> (6 + 8 * i));
	} else {
		nb = dist == 0 ? 0 : dist < 1u << 8 ? 1 :
		    dist < 1u << 16 ? 2 : 3;
		o[k++] = (uint8_t)(nb << 6 | (vlong ? 32 : 0) |
		    ((ofs >> 12) & 31));
		for (i = 0; i < nb; i++)
			o[k++] = (uint8_t)(dist >> (8 * i));
		if (vlong)
			o[k++] = (uint8_t)(ofs >> 17);
	}
	return k;
}

/* How many pixels from px[i] (of n) match from global position pos on,
 * within what the format and the window allow; *ofs and *dist as the
 * copy says them, *img the image it reads (NULL: this one).  g, when
 * not NULL, is the image pos is expected in (no search then).  0 when
 * pos is no candidate. */
static inline size_t
glz_match(const struct enc_glz *eg, const uint32_t *px, size_t n, size_t i,
    uint64_t pos, const struct glz_image *g, uint32_t *ofs, uint32_t *dist,
    const struct glz_image **img)
{
	const uint32_t *rp;
	size_t len, maxlen;

	if (pos >= eg->eg_next_base) {
		/* Earlier in this image. */
		if (pos - eg->eg_next_base >= i)
			return 0;
		rp = px + (pos - eg->eg_next_base);
		if (rp[0] != px[i])
			return 0;
		maxlen = n - i;
		*ofs = (uint32_t)(i - (pos - eg->eg_next_base) - 1);
		*dist = 0;
		*img = NULL;
	} else {
		/* An older image: the copy ends in it and in this one. */
		if (g == NULL || pos < g->gi_base || pos >= g->gi_base +
		    g->gi_n)
			g = glz_resolve(eg, pos);
		if (g == NULL || eg->eg_next_id - g->gi_id > GLZ_MAX_DIST)
			return 0;
		rp = g->gi_px + (pos - g->gi_base);
		if (rp[0] != px[i])
			return 0;
		maxlen = g->gi_n - (size_t)(pos - g->gi_base);
		if (maxlen > n - i)
			maxlen = n - i;
		*ofs = (uint32_t)(pos - g->gi_base);
		*dist = (uint32_t)(eg->eg_next_id - g->gi_id);
		*img = g;
	}
	for (len = 1; len < maxlen && rp[len] == px[i + len]; len++)
		;
	return len;
}

int
enc_glz_encode(struct enc_glz *eg, struct obuf *out,
    const struct enc_src *src, struct spd_err *err)
{
	struct glz_image *cur;
	const struct glz_image *prev = NULL, *rep_img = NULL, *g2, *g;
	const struct glz_image *older[GLZ_OLDER];
	size_t bound, n, i, lit = 0, len, best, start, cap, probe = 0;
	unsigned nolder = 0, k;
	uint64_t pos, head, rep = 0;
	uint32_t *px, h, ofs = 0, dist = 0, o2, d2;
	uint8_t *o, *base;

	bound = enc_glz_bound(src->es_width, src->es_height);
	if (bound == 0 || src->es_stride < (size_t)src->es_width * 4)
		return spd_err_set(err, "glz: %ux%u image with stride %zu",
		    src->es_width, src->es_height, src->es_stride);
	n = (size_t)src->es_width * src->es_height;
	if (n > eg->eg_window || n > GLZ_MAX_OFFSET)
		return spd_err_set(err, "glz: a %ux%u image does not fit the "
		    "window of %zu pixels", src->es_width, src->es_height,
		    eg->eg_window);
	start = out->ob_len;
	if ((base = obuf_append_space(out, bound)) == NULL)
		return spd_err_set(err, "glz: output of up to %zu bytes over "
		    "its cap", bound);
	/* Room first: what is dropped now, the client may drop too (the
	 * header says so), and nothing below refers to it. */
	while (eg->eg_count > 0 && (eg->eg_count == ENC_GLZ_MAX_IMAGES ||
	    eg->eg_kept + n > eg->eg_window))
		glz_drop_oldest(eg);
	if (eg->eg_spare != NULL && eg->eg_spare_n >= n) {
		px = eg->eg_spare;
		cap = eg->eg_spare_n;
		eg->eg_spare = NULL;
		eg->eg_spare_n = 0;
	} else if ((px = malloc(n * sizeof(*px))) != NULL)
		cap = n;
	else {
		obuf_truncate(out, start);
		return spd_err_set(err, "glz: out of memory for %zu pixels",
		    n);
	}
	lzb_pack(src, px);
	head = eg->eg_count > 0 ?
	    eg->eg_next_id - eg->eg_img[eg->eg_first].gi_id : 0;
	if (eg->eg_count > 0) {
		prev = &eg->eg_img[(eg->eg_first + eg->eg_count - 1) %
		    ENC_GLZ_MAX_IMAGES];
		if (prev->gi_w != src->es_width)
			prev = NULL;
	}
	for (k = eg->eg_count; k > 1 && nolder < GLZ_OLDER; k--) {
		g = &eg->eg_img[(eg->eg_first + k - 2) % ENC_GLZ_MAX_IMAGES];
		if (g->gi_w == src->es_width)
			older[nolder++] = g;
	}

	o = base + 4;
	lzb_put32(o, GLZ_MAGIC);
	lzb_put32(o + 4, GLZ_VERSION);
	o[8] = GLZ_TYPE_RGB32_TOPDOWN;
	lzb_put32(o + 9, src->es_width);
	lzb_put32(o + 13, src->es_height);
	lzb_put32(o + 17, src->es_width * 4);
	lzb_put32(o + 21, (uint32_t)(eg->eg_next_id >> 32));
	lzb_put32(o + 25, (uint32_t)eg->eg_next_id);
	lzb_put32(o + 29, (uint32_t)head);
	o += GLZ_HEADER;

	for (i = 0; i < n;) {
		best = 0;
		if (n - i >= LZB_MIN_MATCH) {
			if (i > 0 && px[i] == px[i - 1] &&
			    px[i + 1] == px[i - 1] && px[i + 2] == px[i - 1]) {
				/* A run: the pixel before, copied on. */
				for (best = 3; i + best < n &&
				    px[i + best] == px[i - 1]; best++)
					;
				ofs = 0;
				dist = 0;
			} else {
				/* Where the last copy came from, carried on
				 * (content that returns with a few pixels
				 * changed), and the hash's candidate: the
				 * longer. */
				if (rep != 0 && (len = glz_match(eg, px, n, i,
				    eg->eg_next_base + i - rep, rep_img, &o2,
				    &d2, &g2)) > best) {
					best = len;
					ofs = o2;
					dist = d2;
				}
				/* The same place in the image before, when
				 * it was as wide (a box sent again). */
				if (prev != NULL && i < prev->gi_n && (len =
				    glz_match(eg, px, n, i, prev->gi_base + i,
				    prev, &o2, &d2, &g2)) > best) {
					best = len;
					ofs = o2;
					dist = d2;
					rep = eg->eg_next_base - prev->gi_base;
					rep_img = prev;
				}
				if (i >= probe && best < LZB_MIN_MATCH) {
					probe = (i / src->es_width + 1) *
					    src->es_width;
					for (k = 0; k < nolder; k++) {
						/* A copy, or nothing: a shorter
						 * match would only take rep from
						 * a better source. */
						g = older[k];
						if (i >= g->gi_n || (len =
						    glz_match(eg, px, n, i,
						    g->gi_base + i, g, &o2, &d2,
						    &g2)) < LZB_MIN_MATCH)
							continue;
						best = len;
						ofs = o2;
						dist = d2;
						rep = eg->eg_next_base -
						    g->gi_base;
						rep_img = g;
						break;
					}
				}
				h = lzb_hash(px + i, GLZ_HASH_LOG);
				pos = eg->eg_hash[h];
				eg->eg_hash[h] = eg->eg_next_base + i + 1;
				if (pos != 0 && (len = glz_match(eg, px, n, i,
				    pos - 1, NULL, &o2, &d2, &g2)) > best) {
					best = len;
					ofs = o2;
					dist = d2;
					rep = eg->eg_next_base + i - (pos - 1);
					rep_img = g2;
				}
			}
		}
		if (best < LZB_MIN_MATCH) {
			if (++lit == LZB_MAX_LITERALS || i + 1 == n) {
				o += lzb_literals(o, px + i + 1 - lit, lit);
				lit = 0;
			}
			i++;
			continue;
		}
		if (lit > 0) {
			o += lzb_literals(o, px + i - lit, lit);
			lit = 0;
		}
		o += glz_copy(o, best, ofs, dist);
		/* A copy's inner positions join the table at its end only,
		 * as in enc-lz. */
		i += best;
		if (i + LZB_MIN_MATCH <= n && i >= 2) {
			eg->eg_hash[lzb_hash(px + i - 2, GLZ_HASH_LOG)] =
			    eg->eg_next_base + i - 2 + 1;
			eg->eg_hash[lzb_hash(px + i - 1, GLZ_HASH_LOG)] =
			    eg->eg_next_base + i - 1 + 1;
		}
	}
	len = (size_t)(o - (base + 4));
	base[0] = (uint8_t)len;
	base[1] = (uint8_t)(len >> 8);
	base[2] = (uint8_t)(len >> 16);
	base[3] = (uint8_t)(len >> 24);
	obuf_truncate(out, start + 4 + len);

	/* The image joins the window, as the client's decoder keeps it. */
	cur = &eg->eg_img[(eg->eg_first + eg->eg_count) % ENC_GLZ_MAX_IMAGES];
	cur->gi_id = eg->eg_next_id++;
	cur->gi_base = eg->eg_next_base;
	cur->gi_px = px;
	cur->gi_n = n;
	cur->gi_cap = cap;
	cur->gi_w = src->es_width;
	eg->eg_count++;
	eg->eg_kept += n;
	eg->eg_next_base += n;
	return 0;
}
