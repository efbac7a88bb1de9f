/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth-sasl-frame: the framing of a client's SASL messages, without
 * cyrus (contracts in auth-sasl.h); fuzzed by tests/fuzz/fuzz-sasl.c.
 *
 * Spec: SPICE-NOTES 1.9, steps 2 and 4.  A start message is u32 length +
 * mechanism name + u32 length + data, a step message u32 length + data;
 * a data length counts a trailing NUL and 0 means "no data".  Caps and
 * deviations are listed in auth-sasl.c.
 */
#include <string.h>

#include "auth-sasl.h"

/* Frame fields, in wire order. */
#define ASF_MECHLEN	0
#define ASF_MECH	1
#define ASF_DATALEN	2
#define ASF_DATA	3
#define ASF_DONE	4

void
auth_sasl_frame_init(struct auth_sasl_frame *fr, int kind, uint8_t *data)
{
	memset(fr, 0, sizeof(*fr));
	fr->af_kind = kind;
	fr->af_field = kind == AUTH_SASL_FRAME_START ? ASF_MECHLEN :
	    ASF_DATALEN;
	fr->af_data = data;
}

void
auth_sasl_frame_want(struct auth_sasl_frame *fr, uint8_t **buf, size_t *n)
{
	switch (fr->af_field) {
	case ASF_MECHLEN:
	case ASF_DATALEN:
		*buf = fr->af_word;
		*n = sizeof(fr->af_word);
		break;
	case ASF_MECH:
		*buf = (uint8_t *)fr->af_mech;
		*n = fr->af_len;
		break;
	case ASF_DATA:
		*buf = fr->af_data;
		*n = fr->af_len;
		break;
	default:
		*buf = NULL;
		*n = 0;
		break;
	}
}

/* RFC 4422 3.1: upper-case letters, digits, hyphen, underscore. */
static int
auth_sasl_mech_char_ok(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	    c == '_';
}

int
auth_sasl_mech_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)) != NULL; p++)
		if (p > list && p[-1] == ',' && p[n] == ',')
			return 1;
	return 0;
}

int
auth_sasl_frame_got(struct auth_sasl_frame *fr, const char *mechlist,
    struct spd_err *err)
{
	struct sbuf sb;
	uint32_t len;
	size_t i;

	switch (fr->af_field) {
	case ASF_MECHLEN:
		sbuf_init(&sb, fr->af_word, sizeof(fr->af_word));
		(void)sbuf_get_u32le(&sb, &len);
		if (len == 0 || len > AUTH_SASL_MECHNAME_MAX)
			goto fail_mechlen;
		fr->af_len = len;
		fr->af_field = ASF_MECH;
		return AUTH_SASL_FRAME_MORE;
	case ASF_MECH:
		fr->af_mech[fr->af_len] = '\0';
		for (i = 0; i < fr->af_len; i++)
			if (!auth_sasl_mech_char_ok((unsigned char)
			    fr->af_mech[i])) {
				fr->af_field = ASF_DONE;
				return spd_err_set(err, "mechanism name has a "
				    "byte 0x%02x at %zu", (unsigned char)
				    fr->af_mech[i], i);
			}
		if (!auth_sasl_mech_listed(mechlist, fr->af_mech)) {
			fr->af_field = ASF_DONE;
			return spd_err_set(err, "mechanism \"%s\" was not "
			    "offered", fr->af_mech);
		}
		fr->af_field = ASF_DATALEN;
		return AUTH_SASL_FRAME_MORE;
	case ASF_DATALEN:
		sbuf_init(&sb, fr->af_word, sizeof(fr->af_word));
		(void)sbuf_get_u32le(&sb, &len);
		if (len > AUTH_SASL_DATA_MAX) {
			fr->af_field = ASF_DONE;
			return spd_err_set(err, "%s data of %u bytes (max %u)",
			    fr->af_kind == AUTH_SASL_FRAME_START ? "start" :
			    "step", len, AUTH_SASL_DATA_MAX);
		}
		fr->af_datalen = len;
		if (len == 0) {
			fr->af_field = ASF_DONE;
			return AUTH_SASL_FRAME_DONE;
		}
		fr->af_len = len;
		fr->af_field = ASF_DATA;
		return AUTH_SASL_FRAME_MORE;
	case ASF_DATA:
		fr->af_field = ASF_DONE;
		return AUTH_SASL_FRAME_DONE;
	default:
		return spd_err_set(err, "internal: frame already finished");
	}

 fail_mechlen:
	fr->af_field = ASF_DONE;
	return spd_err_set(err, "mechanism name of %u bytes (must be 1..%d)",
	    len, AUTH_SASL_MECHNAME_MAX);
}

const char *
auth_sasl_frame_data(const struct auth_sasl_frame *fr, unsigned *len)
{
	if (fr->af_datalen == 0) {
		*len = 0;
		return NULL;
	}
	*len = fr->af_datalen - 1;
	return (const char *)fr->af_data;
}
