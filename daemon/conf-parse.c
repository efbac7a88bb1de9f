/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf-parse: the lexical layer of spiced.conf.  Lines are "key = value",
 * "[display "NAME"]" section headers, blank lines or "#" comments.  Values
 * may be double-quoted (then "#" and surrounding blanks are kept).  No
 * continuation lines, no includes: the file stays greppable.
 */
#include <ctype.h>
#include <string.h>

#include "conf.h"

static char *
conf_parse_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Strip a trailing comment outside quotes and unquote a quoted value. */
static int
conf_parse_value(char *v, char **out)
{
	char *p;

	if (*v == '"') {
		if ((p = strchr(v + 1, '"')) == NULL)
			return -1;
		*p++ = '\0';
		p = conf_parse_trim(p);
		if (*p != '\0' && *p != '#')
			return -1;
		*out = v + 1;
		return 0;
	}
	if ((p = strchr(v, '#')) != NULL)
		*p = '\0';
	*out = conf_parse_trim(v);
	return 0;
}

static int
conf_parse_section(char *s, const char *name, int lineno, char *section,
    size_t seclen, struct spd_err *err)
{
	char *close, *q1, *q2;

	if ((close = strrchr(s, ']')) == NULL ||
	    *conf_parse_trim(close + 1) != '\0')
		return spd_err_set(err, "%s:%d: section header lacks ']'",
		    name, lineno);
	*close = '\0';
	s = conf_parse_trim(s + 1);
	if (strncmp(s, "display", 7) != 0 ||
	    (s[7] != ' ' && s[7] != '\t'))
		return spd_err_set(err, "%s:%d: unknown section \"%s\" "
		    "(expected [display \"NAME\"])", name, lineno, s);
	s = conf_parse_trim(s + 7);
	q1 = s;
	if (*q1 == '"') {
		if ((q2 = strchr(q1 + 1, '"')) == NULL || q2[1] != '\0')
			return spd_err_set(err, "%s:%d: unterminated display "
			    "name", name, lineno);
		*q2 = '\0';
		q1++;
	}
	if (*q1 == '\0' || strlen(q1) >= seclen)
		return spd_err_set(err, "%s:%d: display name empty or longer "
		    "than %zu characters", name, lineno, seclen - 1);
	for (s = q1; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return spd_err_set(err, "%s:%d: display name \"%s\": "
			    "only letters, digits, '-', '_' and '.' allowed",
			    name, lineno, q1);
	strcpy(section, q1);
	return 0;
}

int
conf_parse_text(const char *text, const char *name,
    int (*item_cb)(const struct conf_item *, void *, struct spd_err *),
    void *arg, struct spd_err *err)
{
	char line[CONF_MAX_LINE + 1], section[CONF_NAME_LEN], *s, *eq, *v;
	struct conf_item item;
	const char *p = text, *nl;
	int lineno = 0, have_section = 0;
	size_t len;

	while (*p != '\0') {
		lineno++;
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (len > CONF_MAX_LINE)
			return spd_err_set(err, "%s:%d: line longer than %d "
			    "bytes", name, lineno, CONF_MAX_LINE);
		memcpy(line, p, len);
		line[len] = '\0';
		p = nl != NULL ? nl + 1 : p + len;
		if (memchr(line, '\0', len) != NULL)
			return spd_err_set(err, "%s:%d: NUL byte in line",
			    name, lineno);
		s = conf_parse_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		memset(&item, 0, sizeof(item));
		item.ci_line = lineno;
		if (*s == '[') {
			if (conf_parse_section(s, name, lineno, section,
			    sizeof(section), err) != 0)
				return -1;
			have_section = 1;
			item.ci_section = section;
			if (item_cb(&item, arg, err) != 0)
				return -1;
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL)
			return spd_err_set(err, "%s:%d: expected \"key = "
			    "value\", got \"%s\"", name, lineno, s);
		*eq = '\0';
		item.ci_key = conf_parse_trim(s);
		if (*item.ci_key == '\0')
			return spd_err_set(err, "%s:%d: missing key before "
			    "'='", name, lineno);
		if (conf_parse_value(conf_parse_trim(eq + 1), &v) != 0)
			return spd_err_set(err, "%s:%d: badly quoted value "
			    "for %s", name, lineno, item.ci_key);
		item.ci_value = v;
		item.ci_section = have_section ? section : NULL;
		if (item_cb(&item, arg, err) != 0)
			return -1;
	}
	return 0;
}
