/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x11-xfer-meta: see x11-xfer-meta.h. */
#include <stdio.h>
#include <string.h>

#include "x11-xfer-meta.h"

#define XFM_GROUP	"[vdagent-file-xfer]"

/* The value of a key-file string, GLib's escapes undone (\s \n \t \r
 * \\), into out (XFM_NAME_MAX + 1 bytes); -1 for a bad escape or one too
 * long. */
static int
xfm_unescape(const char *v, size_t len, char *out)
{
	size_t i, o = 0;
	char c;

	for (i = 0; i < len; i++) {
		c = v[i];
		if (c == '\\') {
			if (++i == len)
				return -1;
			switch (v[i]) {
			case 's': c = ' '; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '\\': c = '\\'; break;
			default: return -1;
			}
		}
		if (o == XFM_NAME_MAX)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* Digits only, no sign, no overflow. */
static int
xfm_parse_u64(const char *v, size_t len, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9' ||
		    n > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*out = n;
	return 0;
}

static int
xfm_name_ok(const char *name)
{
	const unsigned char *p;

	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static int
xfm_is_space(char c)
{
	return c == ' ' || c == '\t';
}

enum xfm_verdict
xfm_parse_start(const uint8_t *data, size_t len, char *name, uint64_t *size)
{
	const char *p = (const char *)data, *end, *line, *eol, *eq, *k, *ke, *kend;
	int in_group = 0, have_name = 0, have_size = 0, name_bad = 0;
	size_t vlen;

	if (len > XFM_START_MAX)
		return XFM_MALFORMED;
	/* spice-gtk sends the text with its NUL; none before the end. */
	if (len > 0 && data[len - 1] == '\0')
		len--;
	if (memchr(data, '\0', len) != NULL)
		return XFM_MALFORMED;
	for (end = p + len, line = p; line < end; line = eol + 1) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		k = line;
		while (k < eol && xfm_is_space(*k))
			k++;
		ke = eol;
		if (ke > k && ke[-1] == '\r')
			ke--;
		if (k == ke || *k == '#')
			continue;
		if (*k == '[') {
			in_group = (size_t)(ke - k) == strlen(XFM_GROUP) &&
			    memcmp(k, XFM_GROUP, strlen(XFM_GROUP)) == 0;
			continue;
		}
		if ((eq = memchr(k, '=', (size_t)(ke - k))) == NULL)
			return XFM_MALFORMED;
		if (!in_group)
			continue;
		/* The key, trimmed; the value from its first non-blank. */
		for (kend = eq; kend > k && xfm_is_space(kend[-1]); kend--)
			;
		vlen = (size_t)(kend - k);
		for (eq++; eq < ke && xfm_is_space(*eq); eq++)
			;
		if (vlen == 4 && memcmp(k, "name", 4) == 0) {
			if (have_name++)
				return XFM_MALFORMED;
			if (xfm_unescape(eq, (size_t)(ke - eq), name) != 0 ||
			    !xfm_name_ok(name))
				name_bad = 1;
		} else if (vlen == 4 && memcmp(k, "size", 4) == 0) {
			if (have_size++ ||
			    xfm_parse_u64(eq, (size_t)(ke - eq), size) != 0)
				return XFM_MALFORMED;
		}
	}
	if (!have_name || !have_size)
		return XFM_MALFORMED;
	return name_bad ? XFM_BAD_NAME : XFM_OK;
}

void
xfm_try_name(const char *name, unsigned n, char *out, size_t outlen)
{
	const char *dot;
	int stem;

	if (n == 0) {
		snprintf(out, outlen, "%s", name);
		return;
	}
	dot = strrchr(name, '.');
	if (dot == NULL || dot == name)
		dot = name + strlen(name);
	stem = (int)(dot - name);
	snprintf(out, outlen, "%.*s (%u)%s", stem, name, n, dot);
}
