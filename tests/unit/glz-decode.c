/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * glz-decode: see glz-decode.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glz-decode.h"

struct glz_dec_img {
	uint32_t	*px;		/* NULL: not held */
	size_t		 n;
};

struct glz_dec {
	uint64_t		 next;	/* the id the next image must have */
	uint64_t		 oldest;	/* ids below were dropped */
	struct glz_dec_img	 img[GLZ_DEC_KEEP];	/* by id % KEEP */
};

struct glz_dec *
glz_dec_new(void)
{
	return calloc(1, sizeof(struct glz_dec));
}

void
glz_dec_free(struct glz_dec *d)
{
	unsigned i;

	if (d == NULL)
		return;
	for (i = 0; i < GLZ_DEC_KEEP; i++)
		free(d->img[i].px);
	free(d);
}

unsigned
glz_dec_kept(const struct glz_dec *d)
{
	unsigned i, n = 0;

	for (i = 0; i < GLZ_DEC_KEEP; i++)
		n += d->img[i].px != NULL;
	return n;
}

static int
glz_fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t
glz_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
glz_dec_image(struct glz_dec *d, const uint8_t *in, size_t len,
    uint32_t **out, uint32_t *w, uint32_t *h, uint64_t *id, uint32_t *head,
    char *why, size_t why_len)
{
	const uint8_t *ip = in, *end = in + len;
	const struct glz_dec_img *ref;
	uint32_t *px, c, n, ofs, dist, k, i, code;
	size_t op = 0, total, l, j;
	uint64_t v, rid;

#define NEED(k) do { if ((size_t)(end - ip) < (k)) { free(px); \
	return glz_fail(why, why_len, "stream ends at byte %zu", \
	    (size_t)(ip - in)); } } while (0)
	px = NULL;
	NEED(33);
	if (glz_be32(ip) != 0x20205a4cu || glz_be32(ip + 4) != 0x00010001u)
		return glz_fail(why, why_len, "bad magic or version");
	if (ip[8] != (8 | 1 << 4))
		return glz_fail(why, why_len, "type byte %#x, not top-down "
		    "RGB32", ip[8]);
	*w = glz_be32(ip + 9);
	*h = glz_be32(ip + 13);
	if (*w == 0 || *h == 0 || *w > 16384 || *h > 16384 ||
	    glz_be32(ip + 17) != *w * 4)
		return glz_fail(why, why_len, "size %ux%u stride %u", *w, *h,
		    glz_be32(ip + 17));
	*id = (uint64_t)glz_be32(ip + 21) << 32 | glz_be32(ip + 25);
	*head = glz_be32(ip + 29);
	if (*id != d->next)
		return glz_fail(why, why_len, "id %llu where %llu was due",
		    (unsigned long long)*id, (unsigned long long)d->next);
	if (*head > *id || *id - *head < d->oldest)
		return glz_fail(why, why_len, "win_head_dist %u of id %llu "
		    "keeps images already dropped (below %llu)", *head,
		    (unsigned long long)*id, (unsigned long long)d->oldest);
	ip += 33;
	total = (size_t)*w * *h;
	if ((px = malloc(total * 4)) == NULL)
		return glz_fail(why, why_len, "out of memory");
	while (op < total) {
		NEED(1);
		c = *ip++;
		if (c < 32) {
			n = c + 1;
			if (op + n > total) {
				free(px);
				return glz_fail(why, why_len, "literals past "
				    "the end");
			}
			NEED(3 * (size_t)n);
			for (i = 0; i < n; i++, ip += 3)
				px[op++] = ip[0] | (uint32_t)ip[1] << 8 |
				    (uint32_t)ip[2] << 16;
			continue;
		}
		l = c >> 5;
		if (l == 7)
			do {
				NEED(1);
				code = *ip++;
				l += code;
			} while (code == 255);
		ofs = c & 15;
		NEED(2);
		ofs |= (uint32_t)*ip++ << 4;
		code = *ip++;
		k = code >> 6;
		if (!(c & 16)) {
			dist = code & 63;
			NEED(k);
			for (i = 0; i < k; i++)
				dist |= (uint32_t)*ip++ << (6 + 8 * i);
		} else {
			ofs |= (code & 31) << 12;
			dist = 0;
			NEED(k);
			for (i = 0; i < k; i++)
				dist |= (uint32_t)*ip++ << (8 * i);
			if (code & 32) {
				NEED(1);
				ofs |= (uint32_t)*ip++ << 17;
			}
		}
		if (op + l > total) {
			free(px);
			return glz_fail(why, why_len, "copy past the end");
		}
		if (dist == 0) {
			if ((size_t)ofs + 1 > op) {
				free(px);
				return glz_fail(why, why_len, "copy from "
				    "before the image");
			}
			for (j = 0; j < l; j++, op++)
				px[op] = px[op - ofs - 1];
			continue;
		}
		rid = *id - dist;
		if (dist > *id || rid < d->oldest || rid < *id - *head ||
		    (ref = &d->img[rid %
		    GLZ_DEC_KEEP])->px == NULL) {
			free(px);
			return glz_fail(why, why_len, "copy from image %llu, "
			    "which is not held",
			    (unsigned long long)(*id - dist));
		}
		if ((size_t)ofs + l > ref->n) {
			free(px);
			return glz_fail(why, why_len, "copy of %zu from "
			    "offset %u past the end of image %llu (%zu "
			    "pixels)", l, ofs, (unsigned long long)rid,
			    ref->n);
		}
		for (j = 0; j < l; j++)
			px[op++] = ref->px[ofs + j];
	}
	if (ip != end) {
		free(px);
		return glz_fail(why, why_len, "%zu bytes after the image",
		    (size_t)(end - ip));
	}
#undef NEED
	/* Held as the client holds it; what the header allows goes. */
	for (v = d->oldest; v < *id - *head; v++) {
		free(d->img[v % GLZ_DEC_KEEP].px);
		d->img[v % GLZ_DEC_KEEP].px = NULL;
	}
	d->oldest = *id - *head;
	if (*id - d->oldest >= GLZ_DEC_KEEP) {
		free(px);
		return glz_fail(why, why_len, "more than %u images held",
		    GLZ_DEC_KEEP);
	}
	d->img[*id % GLZ_DEC_KEEP].px = malloc(total * 4);
	if (d->img[*id % GLZ_DEC_KEEP].px == NULL) {
		free(px);
		return glz_fail(why, why_len, "out of memory");
	}
	memcpy(d->img[*id % GLZ_DEC_KEEP].px, px, total * 4);
	d->img[*id % GLZ_DEC_KEEP].n = total;
	d->next = *id + 1;
	*out = px;
	return 0;
}
