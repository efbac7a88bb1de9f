/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sbuf: bounds-checked cursors and output buffers; contracts in sbuf.h. */
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

void
sbuf_init(struct sbuf *sb, const void *data, size_t len)
{
	sb->sb_data = data;
	sb->sb_len = data != NULL ? len : 0;
	sb->sb_off = 0;
}

size_t
sbuf_left(const struct sbuf *sb)
{
	return sb->sb_len - sb->sb_off;
}

const uint8_t *
sbuf_ptr(const struct sbuf *sb)
{
	return sb->sb_data + sb->sb_off;
}

int
sbuf_get_direct(struct sbuf *sb, const uint8_t **out, size_t n)
{
	if (sbuf_left(sb) < n)
		return -1;
	*out = sb->sb_data + sb->sb_off;
	sb->sb_off += n;
	return 0;
}

int
sbuf_get_bytes(struct sbuf *sb, void *out, size_t n)
{
	const uint8_t *p;

	if (sbuf_get_direct(sb, &p, n) != 0)
		return -1;
	if (n != 0)
		memcpy(out, p, n);
	return 0;
}

int
sbuf_skip(struct sbuf *sb, size_t n)
{
	const uint8_t *p;

	return sbuf_get_direct(sb, &p, n);
}

int
sbuf_get_sub(struct sbuf *sb, struct sbuf *sub, size_t n)
{
	const uint8_t *p;

	if (sbuf_get_direct(sb, &p, n) != 0)
		return -1;
	sbuf_init(sub, p, n);
	return 0;
}

int
sbuf_seek(struct sbuf *sb, size_t off)
{
	if (off > sb->sb_len)
		return -1;
	sb->sb_off = off;
	return 0;
}

int
sbuf_get_u8(struct sbuf *sb, uint8_t *v)
{
	return sbuf_get_bytes(sb, v, 1);
}

int
sbuf_get_u16le(struct sbuf *sb, uint16_t *v)
{
	const uint8_t *p;

	if (sbuf_get_direct(sb, &p, 2) != 0)
		return -1;
	*v = (uint16_t)(p[0] | p[1] << 8);
	return 0;
}

int
sbuf_get_u32le(struct sbuf *sb, uint32_t *v)
{
	const uint8_t *p;

	if (sbuf_get_direct(sb, &p, 4) != 0)
		return -1;
	*v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	return 0;
}

int
sbuf_get_u32be(struct sbuf *sb, uint32_t *v)
{
	const uint8_t *p;

	if (sbuf_get_direct(sb, &p, 4) != 0)
		return -1;
	*v = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[0] << 24;
	return 0;
}

int
sbuf_get_u64le(struct sbuf *sb, uint64_t *v)
{
	uint32_t lo, hi;
	size_t save = sb->sb_off;

	if (sbuf_get_u32le(sb, &lo) != 0 || sbuf_get_u32le(sb, &hi) != 0) {
		sb->sb_off = save;
		return -1;
	}
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
sbuf_get_i32le(struct sbuf *sb, int32_t *v)
{
	uint32_t u;

	if (sbuf_get_u32le(sb, &u) != 0)
		return -1;
	memcpy(v, &u, sizeof(*v));
	return 0;
}

void
obuf_init(struct obuf *ob)
{
	memset(ob, 0, sizeof(*ob));
}

void
obuf_free(struct obuf *ob)
{
	free(ob->ob_data);
	obuf_init(ob);
}

void
obuf_reset(struct obuf *ob)
{
	ob->ob_len = 0;
	ob->ob_failed = 0;
}

void
obuf_adopt(struct obuf *ob, void *data, size_t cap)
{
	free(ob->ob_data);
	ob->ob_data = data;
	ob->ob_cap = cap;
	obuf_reset(ob);
}

int
obuf_reserve(struct obuf *ob, size_t n)
{
	size_t want, cap;
	uint8_t *p;

	if (ob->ob_failed)
		return -1;
	if (n > OBUF_MAX - ob->ob_len) {
		ob->ob_failed = 1;
		return -1;
	}
	want = ob->ob_len + n;
	if (want <= ob->ob_cap)
		return 0;
	cap = ob->ob_cap != 0 ? ob->ob_cap : 256;
	while (cap < want)
		cap = cap > OBUF_MAX / 2 ? OBUF_MAX : cap * 2;
	if ((p = realloc(ob->ob_data, cap)) == NULL) {
		ob->ob_failed = 1;
		return -1;
	}
	ob->ob_data = p;
	ob->ob_cap = cap;
	return 0;
}

uint8_t *
obuf_append_space(struct obuf *ob, size_t n)
{
	uint8_t *p;

	if (obuf_reserve(ob, n) != 0)
		return NULL;
	p = ob->ob_data + ob->ob_len;
	ob->ob_len += n;
	return p;
}

void
obuf_put_bytes(struct obuf *ob, const void *data, size_t n)
{
	uint8_t *p;

	if (n != 0 && (p = obuf_append_space(ob, n)) != NULL)
		memcpy(p, data, n);
}

void
obuf_put_u8(struct obuf *ob, uint8_t v)
{
	obuf_put_bytes(ob, &v, 1);
}

void
obuf_put_u16le(struct obuf *ob, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	obuf_put_bytes(ob, b, sizeof(b));
}

void
obuf_put_u32le(struct obuf *ob, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	obuf_put_bytes(ob, b, sizeof(b));
}

void
obuf_put_u32be(struct obuf *ob, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	obuf_put_bytes(ob, b, sizeof(b));
}

void
obuf_put_u64le(struct obuf *ob, uint64_t v)
{
	obuf_put_u32le(ob, (uint32_t)v);
	obuf_put_u32le(ob, (uint32_t)(v >> 32));
}

void
obuf_put_i32le(struct obuf *ob, int32_t v)
{
	uint32_t u;

	memcpy(&u, &v, sizeof(u));
	obuf_put_u32le(ob, u);
}

void
obuf_patch_u32le(struct obuf *ob, size_t off, uint32_t v)
{
	if (ob->ob_failed || off > ob->ob_len || ob->ob_len - off < 4)
		return;
	ob->ob_data[off] = (uint8_t)v;
	ob->ob_data[off + 1] = (uint8_t)(v >> 8);
	ob->ob_data[off + 2] = (uint8_t)(v >> 16);
	ob->ob_data[off + 3] = (uint8_t)(v >> 24);
}

void
obuf_truncate(struct obuf *ob, size_t newlen)
{
	if (newlen <= ob->ob_len)
		ob->ob_len = newlen;
}
