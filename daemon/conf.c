/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf: meaning of spiced.conf keys and whole-file checks.  Every message
 * names the file and line so an administrator can fix it without guessing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/enums.h>

#include "conf.h"
#include "spice-link.h"

#define CONF_MAX_FILE		(256 * 1024)
#define CONF_DEF_MAX_CLIENTS	16
/* worker-memory bounds, MiB: below 64 a display worker cannot even hold
 * a 1080p primary and its images. */
#define CONF_MIN_WORKER_MIB	64
#define CONF_MAX_WORKER_MIB	(64 * 1024)
/* producer-memory, MiB: the memslots one producer may hand over in all.
 * The default holds six primaries of the largest size qxl-shm allows
 * (8192x8192, 256 MiB each): what libqxlshm's default set-up takes at
 * that size (a primary and three screens of room, plus 36 MiB) with a
 * screen to spare. */
#define CONF_MIN_PRODUCER_MIB	16
#define CONF_MAX_PRODUCER_MIB	(64 * 1024)
#define CONF_DEF_PRODUCER_MIB	(6 * 256)
#define CONF_DEF_MAX_PREAUTH	32
#define CONF_DEF_LINK_TIMEOUT	10
#define CONF_DEF_PREAUTH_PER_ADDR 16
#define CONF_DEF_AUTH_TIMEOUT	5

struct conf_ctx {
	struct conf		*conf;
	const char		*name;
	struct conf_display	*cur;
	int			 control_set;	/* control-socket given */
};

static int
conf_int(const struct conf_ctx *ctx, const struct conf_item *it, int lo,
    int hi, int *out, struct spd_err *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(it->ci_value, &end, 10);
	if (errno != 0 || end == it->ci_value || *end != '\0' || v < lo ||
	    v > hi)
		return spd_err_set(err, "%s:%d: %s must be a number from %d "
		    "to %d, got \"%s\"", ctx->name, it->ci_line, it->ci_key,
		    lo, hi, it->ci_value);
	*out = (int)v;
	return 0;
}

/* One of names (NULL-terminated), as its index. */
static int
conf_choice(const struct conf_ctx *ctx, const struct conf_item *it,
    const char *const *names, int *out, struct spd_err *err)
{
	char list[256] = "";
	int i;

	for (i = 0; names[i] != NULL; i++) {
		if (!strcmp(it->ci_value, names[i])) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", i > 0 ? ", " : "", names[i]);
	}
	return spd_err_set(err, "%s:%d: %s must be one of %s, got \"%s\"",
	    ctx->name, it->ci_line, it->ci_key, list, it->ci_value);
}

static const char *const conf_image_names[] = { "auto_glz", "auto_lz",
	"quic", "glz", "lz", "lz4", "off", NULL };
static const char *const conf_jpeg_names[] = { "auto", "never", "always",
	NULL };
static const char *const conf_stream_names[] = { "filter", "all", "off",
	NULL };

/* A size in MiB written with its unit: "512M" or "2G". */
static int
conf_mib(const struct conf_ctx *ctx, const struct conf_item *it, int lo,
    int hi, int *out, struct spd_err *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(it->ci_value, &end, 10);
	if (errno == 0 && end != it->ci_value && end[0] == 'G' &&
	    end[1] == '\0' && v >= 0 && v <= hi / 1024)
		v *= 1024;
	else if (errno != 0 || end == it->ci_value || end[0] != 'M' ||
	    end[1] != '\0')
		v = -1;
	if (v < lo || v > hi)
		return spd_err_set(err, "%s:%d: %s must be a size from %dM to "
		    "%dG (with its unit, M or G), got \"%s\"", ctx->name,
		    it->ci_line, it->ci_key, lo, hi / 1024, it->ci_value);
	*out = (int)v;
	return 0;
}

static int
conf_bool(const struct conf_ctx *ctx, const struct conf_item *it, int *out,
    struct spd_err *err)
{
	const char *v = it->ci_value;

	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return spd_err_set(err, "%s:%d: %s must be yes or no, got "
		    "\"%s\"", ctx->name, it->ci_line, it->ci_key, v);
	return 0;
}

/* Copy the item's value into out (outlen bytes), or say it is too long. */
static int
conf_copy(const struct conf_ctx *ctx, const struct conf_item *it, char *out,
    size_t outlen, struct spd_err *err)
{
	if (strlen(it->ci_value) >= outlen)
		return spd_err_set(err, "%s:%d: %s longer than %zu bytes",
		    ctx->name, it->ci_line, it->ci_key, outlen - 1);
	strcpy(out, it->ci_value);
	return 0;
}

static int
conf_path(const struct conf_ctx *ctx, const struct conf_item *it, char *out,
    size_t outlen, struct spd_err *err)
{
	if (it->ci_value[0] != '/')
		return spd_err_set(err, "%s:%d: %s must be an absolute path, "
		    "got \"%s\"", ctx->name, it->ci_line, it->ci_key,
		    it->ci_value);
	return conf_copy(ctx, it, out, outlen, err);
}

static int
conf_parse_number_id(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out >= (unsigned long)UINT_MAX)
		return -1;
	return 0;
}

int
conf_parse_ids(const char *value, struct conf_ids *ids, struct spd_err *err)
{
	char buf[256], *colon;
	unsigned long u, g;
	struct passwd *pw;

	if (strlen(value) >= sizeof(buf) || *value == '\0')
		return spd_err_set(err, "bad user \"%s\"", value);
	strcpy(buf, value);
	if ((colon = strchr(buf, ':')) != NULL) {
		*colon = '\0';
		if (conf_parse_number_id(buf, &u) != 0 ||
		    conf_parse_number_id(colon + 1, &g) != 0)
			return spd_err_set(err, "\"%s\" is not uid:gid with "
			    "numbers", value);
	} else if (conf_parse_number_id(buf, &u) == 0) {
		/* A bare uid needs no passwd entry: its group is itself. */
		g = u;
	} else {
		if ((pw = getpwnam(buf)) == NULL)
			return spd_err_set(err, "unknown user \"%s\" (use "
			    "uid:gid for an id without a passwd entry)",
			    value);
		u = pw->pw_uid;
		g = pw->pw_gid;
	}
	ids->set = 1;
	ids->uid = (uid_t)u;
	ids->gid = (gid_t)g;
	return 0;
}

/* listen and tls-port: HOST:PORT into host/port. */
/* A group name, or a number that needs no group entry. */
static int
conf_group(const struct conf_ctx *ctx, const struct conf_item *it,
    gid_t *out, struct spd_err *err)
{
	unsigned long g;
	struct group *gr;

	if (conf_parse_number_id(it->ci_value, &g) == 0) {
		*out = (gid_t)g;
		return 0;
	}
	if ((gr = getgrnam(it->ci_value)) == NULL)
		return spd_err_set(err, "%s:%d: %s: unknown group \"%s\"",
		    ctx->name, it->ci_line, it->ci_key, it->ci_value);
	*out = gr->gr_gid;
	return 0;
}

static int
conf_listen(const struct conf_ctx *ctx, const struct conf_item *it,
    char *out_host, size_t out_hostlen, int *out_port, struct spd_err *err)
{
	const char *v = it->ci_value, *colon, *host;
	size_t hostlen;
	char *end;
	long port;

	/* host:port, [v6]:port or :port (all addresses). */
	if (v[0] == '[') {
		if ((colon = strstr(v, "]:")) == NULL)
			goto bad;
		host = v + 1;
		hostlen = (size_t)(colon - host);
		colon++;
	} else {
		if ((colon = strrchr(v, ':')) == NULL)
			goto bad;
		host = v;
		hostlen = (size_t)(colon - v);
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port < 0 ||
	    port > 65535 || hostlen >= out_hostlen)
		goto bad;
	if (hostlen == 0) {
		strcpy(out_host, "0.0.0.0");
	} else {
		memcpy(out_host, host, hostlen);
		out_host[hostlen] = '\0';
	}
	*out_port = (int)port;
	return 0;
bad:
	return spd_err_set(err, "%s:%d: %s must be HOST:PORT, [V6]:PORT "
	    "or :PORT, got \"%s\"", ctx->name, it->ci_line, it->ci_key, v);
}

/* Channel types secure-channels can name: those spice_channel_name()
 * knows, by its names (spice-gtk's secure-channels spelling). */
#define CONF_CHANNEL_LAST	31

uint32_t
conf_all_channels(void)
{
	uint32_t mask = 0;
	int t;

	for (t = 1; t <= CONF_CHANNEL_LAST; t++)
		if (strcmp(spice_channel_name((uint32_t)t), "unknown") != 0)
			mask |= 1u << t;
	return mask;
}

int
conf_parse_channels(const char *value, uint32_t *mask, struct spd_err *err)
{
	char buf[CONF_MAX_LINE + 1], *tok, *save = NULL, *e;
	int t;

	if (strlen(value) >= sizeof(buf))
		return spd_err_set(err, "value too long");
	strcpy(buf, value);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		e = tok + strlen(tok);
		while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		/* "default" is QEMU's tls-channel spelling for "every
		 * channel not listed as plain"; spiced has no plain list. */
		if (!strcmp(tok, "all") || !strcmp(tok, "default")) {
			*mask |= conf_all_channels();
			continue;
		}
		if (!strcmp(tok, "none"))
			continue;
		for (t = 1; t <= CONF_CHANNEL_LAST; t++)
			if ((conf_all_channels() & (1u << t)) &&
			    !strcmp(tok, spice_channel_name((uint32_t)t)))
				break;
		if (t > CONF_CHANNEL_LAST)
			return spd_err_set(err, "unknown channel \"%s\" (main, "
			    "display, inputs, cursor, playback, record, "
			    "smartcard, usbredir, port, webdav, all, "
			    "default, none)", tok);
		*mask |= 1u << t;
	}
	return 0;
}

/* A string value that must fit out (cipher lists). */
static int
conf_string(const struct conf_ctx *ctx, const struct conf_item *it,
    char *out, size_t outlen, struct spd_err *err)
{
	if (it->ci_value[0] == '\0' || strlen(it->ci_value) >= outlen)
		return spd_err_set(err, "%s:%d: %s must be 1 to %zu bytes",
		    ctx->name, it->ci_line, it->ci_key, outlen - 1);
	strcpy(out, it->ci_value);
	return 0;
}

static int
conf_tls_key(struct conf_ctx *ctx, const struct conf_item *it,
    struct spd_err *err)
{
	struct conf_display *d = ctx->cur;
	const char *k = it->ci_key;

	if (!strcmp(k, "tls-port"))
		return conf_listen(ctx, it, d->cd_tls_host,
		    sizeof(d->cd_tls_host), &d->cd_tls_port, err);
	if (!strcmp(k, "tls-cert"))
		return conf_path(ctx, it, d->cd_tls_cert,
		    sizeof(d->cd_tls_cert), err);
	if (!strcmp(k, "tls-key"))
		return conf_path(ctx, it, d->cd_tls_key,
		    sizeof(d->cd_tls_key), err);
	if (!strcmp(k, "tls-ca"))
		return conf_path(ctx, it, d->cd_tls_ca, sizeof(d->cd_tls_ca),
		    err);
	if (!strcmp(k, "tls-ciphers"))
		return conf_string(ctx, it, d->cd_tls_ciphers,
		    sizeof(d->cd_tls_ciphers), err);
	if (!strcmp(k, "tls-ciphersuites"))
		return conf_string(ctx, it, d->cd_tls_ciphersuites,
		    sizeof(d->cd_tls_ciphersuites), err);
	if (!strcmp(k, "tls-min-version")) {
		if (!strcmp(it->ci_value, "1.2"))
			d->cd_tls_min_version = 12;
		else if (!strcmp(it->ci_value, "1.3"))
			d->cd_tls_min_version = 13;
		else
			return spd_err_set(err, "%s:%d: tls-min-version must "
			    "be 1.2 or 1.3, got \"%s\"", ctx->name,
			    it->ci_line, it->ci_value);
		return 0;
	}
	if (!strcmp(k, "tls-ktls"))
		return conf_bool(ctx, it, &d->cd_tls_ktls, err);
	if (!strcmp(k, "tls-require-client-cert"))
		return conf_bool(ctx, it, &d->cd_tls_require_client_cert, err);
	if (!strcmp(k, "secure-channels")) {
		if (conf_parse_channels(it->ci_value, &d->cd_secure_channels,
		    err) != 0)
			return spd_err_prefix(err, "%s:%d: secure-channels",
			    ctx->name, it->ci_line);
		return 0;
	}
	return 1;	/* not a TLS key */
}

/* A non-empty string without control characters (names that go to
 * cyrus-sasl). */
static int
conf_name(const struct conf_ctx *ctx, const struct conf_item *it,
    char *out, size_t outlen, struct spd_err *err)
{
	const char *p;

	for (p = it->ci_value; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			break;
	if (it->ci_value[0] == '\0' || *p != '\0')
		return spd_err_set(err, "%s:%d: %s must be a non-empty name "
		    "without control characters", ctx->name, it->ci_line,
		    it->ci_key);
	return conf_copy(ctx, it, out, outlen, err);
}

/* "DIGEST-MD5, GSSAPI" or "DIGEST-MD5 GSSAPI" -> ",DIGEST-MD5,GSSAPI,"
 * (the form auth-sasl.c matches names in).  Names are RFC 4422's:
 * A-Z, 0-9, - and _, 1..20 characters. */
static int
conf_sasl_mechs(const struct conf_ctx *ctx, const struct conf_item *it,
    char *out, size_t outlen, struct spd_err *err)
{
	const char *p = it->ci_value, *start;
	size_t o = 0, n;

	out[o++] = ',';
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (start = p; (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'; p++)
			;
		n = (size_t)(p - start);
		if (n == 0 || n > 20 || (*p != '\0' && *p != ',' &&
		    *p != ' ' && *p != '\t'))
			return spd_err_set(err, "%s:%d: sasl-mechanisms: bad "
			    "mechanism name in \"%s\" (upper-case letters, "
			    "digits, - and _, up to 20)", ctx->name,
			    it->ci_line, it->ci_value);
		if (outlen - o < n + 2)
			return spd_err_set(err, "%s:%d: sasl-mechanisms too "
			    "long", ctx->name, it->ci_line);
		memcpy(out + o, start, n);
		o += n;
		out[o++] = ',';
	}
	if (o == 1)
		return spd_err_set(err, "%s:%d: sasl-mechanisms is empty",
		    ctx->name, it->ci_line);
	out[o] = '\0';
	return 0;
}

/* "never", or seconds since the epoch (UTC), like libvirt's passwdValidTo
 * after conversion: an absolute time survives restarts unchanged. */
static int
conf_expiry(const struct conf_ctx *ctx, const struct conf_item *it,
    long long *out, struct spd_err *err)
{
	char *end;
	long long v;

	if (!strcmp(it->ci_value, "never")) {
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtoll(it->ci_value, &end, 10);
	if (errno != 0 || end == it->ci_value || *end != '\0' || v <= 0)
		return spd_err_set(err, "%s:%d: %s must be \"never\" or "
		    "seconds since 1970-01-01 UTC, got \"%s\"", ctx->name,
		    it->ci_line, it->ci_key, it->ci_value);
	*out = v;
	return 0;
}

static int
conf_display_key(struct conf_ctx *ctx, const struct conf_item *it,
    struct spd_err *err)
{
	struct conf_display *d = ctx->cur;
	const char *k = it->ci_key;

	int rc;

	if (!strcmp(k, "listen"))
		return conf_listen(ctx, it, d->cd_listen_host,
		    sizeof(d->cd_listen_host), &d->cd_listen_port, err);
	if ((rc = conf_tls_key(ctx, it, err)) <= 0)
		return rc;
	if (!strcmp(k, "unix-socket"))
		return conf_path(ctx, it, d->cd_unix_path,
		    sizeof(d->cd_unix_path), err);
	if (!strcmp(k, "producer-socket"))
		return conf_path(ctx, it, d->cd_producer_path,
		    sizeof(d->cd_producer_path), err);
	if (!strcmp(k, "producer-user") || !strcmp(k, "worker-user")) {
		if (conf_parse_ids(it->ci_value, k[0] == 'p' ?
		    &d->cd_producer : &d->cd_worker, err) != 0)
			return spd_err_prefix(err, "%s:%d: %s", ctx->name,
			    it->ci_line, k);
		return 0;
	}
	if (!strcmp(k, "password")) {
		if (strlen(it->ci_value) > CONF_MAX_PASSWORD)
			return spd_err_set(err, "%s:%d: password longer than "
			    "%d bytes (SPICE limit)", ctx->name, it->ci_line,
			    CONF_MAX_PASSWORD);
		strcpy(d->cd_password, it->ci_value);
		d->cd_password_set = 1;
		return 0;
	}
	if (!strcmp(k, "password-view-only")) {
		if (strlen(it->ci_value) > CONF_MAX_PASSWORD ||
		    it->ci_value[0] == '\0')
			return spd_err_set(err, "%s:%d: password-view-only "
			    "empty or longer than %d bytes (SPICE limit)",
			    ctx->name, it->ci_line, CONF_MAX_PASSWORD);
		strcpy(d->cd_password_view, it->ci_value);
		return 0;
	}
	if (!strcmp(k, "password-expires"))
		return conf_expiry(ctx, it, &d->cd_password_expires, err);
	if (!strcmp(k, "disable-ticketing"))
		return conf_bool(ctx, it, &d->cd_disable_ticketing, err);
	if (!strcmp(k, "max-clients"))
		return conf_int(ctx, it, 1, 1024, &d->cd_max_clients, err);
	if (!strcmp(k, "worker-memory"))
		return conf_mib(ctx, it, CONF_MIN_WORKER_MIB, CONF_MAX_WORKER_MIB,
		    &d->cd_worker_memory_mib, err);
	if (!strcmp(k, "producer-memory"))
		return conf_mib(ctx, it, CONF_MIN_PRODUCER_MIB,
		    CONF_MAX_PRODUCER_MIB, &d->cd_producer_memory_mib, err);
	if (!strcmp(k, "max-preauth"))
		return conf_int(ctx, it, 1, 4096, &d->cd_max_preauth, err);
	if (!strcmp(k, "link-timeout"))
		return conf_int(ctx, it, 1, 300, &d->cd_link_timeout, err);
	if (!strcmp(k, "max-preauth-per-address"))
		return conf_int(ctx, it, 0, 4096, &d->cd_max_preauth_per_addr,
		    err);
	if (!strcmp(k, "auth-timeout"))
		return conf_int(ctx, it, 1, 300, &d->cd_auth_timeout, err);
	if (!strcmp(k, "sasl"))
		return conf_bool(ctx, it, &d->cd_sasl, err);
	if (!strcmp(k, "sasl-realm"))
		return conf_name(ctx, it, d->cd_sasl_realm,
		    sizeof(d->cd_sasl_realm), err);
	if (!strcmp(k, "sasl-server-name"))
		return conf_name(ctx, it, d->cd_sasl_server_name,
		    sizeof(d->cd_sasl_server_name), err);
	if (!strcmp(k, "sasl-mechanisms"))
		return conf_sasl_mechs(ctx, it, d->cd_sasl_mechs,
		    sizeof(d->cd_sasl_mechs), err);
	if (!strcmp(k, "sasl-max-steps"))
		return conf_int(ctx, it, 0, CONF_SASL_MAX_STEPS,
		    &d->cd_sasl_max_steps, err);
	if (!strcmp(k, "image-compression"))
		return conf_choice(ctx, it, conf_image_names,
		    &d->cd_image_compression, err);
	if (!strcmp(k, "jpeg-wan-compression"))
		return conf_choice(ctx, it, conf_jpeg_names, &d->cd_jpeg_wan,
		    err);
	if (!strcmp(k, "streaming-video"))
		return conf_choice(ctx, it, conf_stream_names,
		    &d->cd_streaming, err);
	return spd_err_set(err, "%s:%d: unknown key \"%s\" in display \"%s\"",
	    ctx->name, it->ci_line, k, d->cd_name);
}

static int
conf_item(const struct conf_item *it, void *arg, struct spd_err *err)
{
	struct conf_ctx *ctx = arg;
	struct conf *c = ctx->conf;
	struct conf_display *d;
	size_t i;

	if (it->ci_key == NULL) {
		for (i = 0; i < c->c_ndisplays; i++)
			if (!strcmp(c->c_displays[i].cd_name, it->ci_section))
				return spd_err_set(err, "%s:%d: display \"%s\" "
				    "already defined at line %d", ctx->name,
				    it->ci_line, it->ci_section,
				    c->c_displays[i].cd_line);
		if (c->c_ndisplays == CONF_MAX_DISPLAYS)
			return spd_err_set(err, "%s:%d: more than %d displays",
			    ctx->name, it->ci_line, CONF_MAX_DISPLAYS);
		d = ctx->cur = &c->c_displays[c->c_ndisplays++];
		memset(d, 0, sizeof(*d));
		snprintf(d->cd_name, sizeof(d->cd_name), "%s", it->ci_section);
		d->cd_line = it->ci_line;
		d->cd_max_clients = CONF_DEF_MAX_CLIENTS;
		d->cd_producer_memory_mib = CONF_DEF_PRODUCER_MIB;
		d->cd_max_preauth = CONF_DEF_MAX_PREAUTH;
		d->cd_link_timeout = CONF_DEF_LINK_TIMEOUT;
		d->cd_max_preauth_per_addr = CONF_DEF_PREAUTH_PER_ADDR;
		d->cd_auth_timeout = CONF_DEF_AUTH_TIMEOUT;
		d->cd_tls_min_version = 12;
		d->cd_tls_ktls = 1;
		d->cd_sasl_max_steps = CONF_SASL_MAX_STEPS;
		return 0;
	}
	if (it->ci_section != NULL)
		return conf_display_key(ctx, it, err);
	if (!strcmp(it->ci_key, "run-dir"))
		return conf_path(ctx, it, c->c_run_dir, sizeof(c->c_run_dir),
		    err);
	if (!strcmp(it->ci_key, "control-socket")) {
		/* "none" turns the control socket off. */
		ctx->control_set = 1;
		if (!strcmp(it->ci_value, "none")) {
			c->c_control_path[0] = '\0';
			return 0;
		}
		return conf_path(ctx, it, c->c_control_path,
		    sizeof(c->c_control_path), err);
	}
	if (!strcmp(it->ci_key, "sasl-appname"))
		return conf_name(ctx, it, c->c_sasl_appname,
		    sizeof(c->c_sasl_appname), err);
	if (!strcmp(it->ci_key, "sasl-config-dir"))
		return conf_path(ctx, it, c->c_sasl_config_dir,
		    sizeof(c->c_sasl_config_dir), err);
	if (!strcmp(it->ci_key, "log-level")) {
		if (!strcmp(it->ci_value, "info"))
			c->c_log_debug = 0;
		else if (!strcmp(it->ci_value, "debug"))
			c->c_log_debug = 1;
		else
			return spd_err_set(err, "%s:%d: log-level \"%s\": "
			    "expected info or debug", ctx->name, it->ci_line,
			    it->ci_value);
		return 0;
	}
	if (!strcmp(it->ci_key, "keep-sessions"))
		return conf_bool(ctx, it, &c->c_keep_sessions, err);
	if (!strcmp(it->ci_key, "user")) {
		if (conf_parse_ids(it->ci_value, &c->c_user, err) != 0)
			return spd_err_prefix(err, "%s:%d: user", ctx->name,
			    it->ci_line);
		if (c->c_user.uid == 0)
			return spd_err_set(err, "%s:%d: user must not be root",
			    ctx->name, it->ci_line);
		return 0;
	}
	if (!strcmp(it->ci_key, "keygen-user")) {
		if (conf_parse_ids(it->ci_value, &c->c_keygen, err) != 0)
			return spd_err_prefix(err, "%s:%d: keygen-user",
			    ctx->name, it->ci_line);
		if (c->c_keygen.uid == 0)
			return spd_err_set(err, "%s:%d: keygen-user must not "
			    "be root", ctx->name, it->ci_line);
		return 0;
	}
	if (!strcmp(it->ci_key, "control-group")) {
		if (conf_group(ctx, it, &c->c_control_group, err) != 0)
			return -1;
		c->c_control_group_set = 1;
		return 0;
	}
	return spd_err_set(err, "%s:%d: unknown global key \"%s\"", ctx->name,
	    it->ci_line, it->ci_key);
}

/* TLS keys make sense together or not at all.  Whether the files can be
 * read and match is checked when they are loaded (tls_server_new()). */
static int
conf_check_tls(const struct conf_display *d, const char *name,
    struct spd_err *err)
{
	if (d->cd_tls_host[0] == '\0') {
		if (d->cd_tls_cert[0] != '\0' || d->cd_tls_key[0] != '\0' ||
		    d->cd_tls_ca[0] != '\0' || d->cd_tls_ciphers[0] != '\0' ||
		    d->cd_tls_ciphersuites[0] != '\0' ||
		    d->cd_tls_require_client_cert)
			return spd_err_set(err, "%s:%d: display \"%s\" has "
			    "tls-* settings but no tls-port", name, d->cd_line,
			    d->cd_name);
		if (d->cd_secure_channels != 0)
			return spd_err_set(err, "%s:%d: display \"%s\": "
			    "secure-channels needs a tls-port", name,
			    d->cd_line, d->cd_name);
		return 0;
	}
	if (d->cd_tls_cert[0] == '\0' || d->cd_tls_key[0] == '\0')
		return spd_err_set(err, "%s:%d: display \"%s\": tls-port "
		    "needs tls-cert and tls-key", name, d->cd_line,
		    d->cd_name);
	if (d->cd_tls_require_client_cert && d->cd_tls_ca[0] == '\0')
		return spd_err_set(err, "%s:%d: display \"%s\": "
		    "tls-require-client-cert needs tls-ca", name, d->cd_line,
		    d->cd_name);
	return 0;
}

/* Checks that need the whole display section. */
static int
conf_check_display(const struct conf *c, const struct conf_display *d,
    const char *name, int as_root, struct spd_err *err)
{
	size_t i;

	if (d->cd_listen_host[0] == '\0' && d->cd_unix_path[0] == '\0' &&
	    d->cd_tls_host[0] == '\0')
		return spd_err_set(err, "%s:%d: display \"%s\" has none of "
		    "listen, tls-port and unix-socket", name, d->cd_line,
		    d->cd_name);
	if (conf_check_tls(d, name, err) != 0)
		return -1;
	if (d->cd_producer_path[0] == '\0')
		return spd_err_set(err, "%s:%d: display \"%s\" has no "
		    "producer-socket", name, d->cd_line, d->cd_name);
	/* SASL, when on, is the only way in (as in the reference server):
	 * a ticket setting beside it would suggest a second one. */
	if (d->cd_sasl && (d->cd_password_set || d->cd_disable_ticketing))
		return spd_err_set(err, "%s:%d: display \"%s\": \"sasl = "
		    "yes\" replaces ticket authentication; remove %s", name,
		    d->cd_line, d->cd_name, d->cd_password_set ? "password" :
		    "disable-ticketing");
	if (!d->cd_sasl && !d->cd_password_set && !d->cd_disable_ticketing)
		return spd_err_set(err, "%s:%d: display \"%s\" needs a "
		    "password or \"disable-ticketing = yes\" (or \"sasl = "
		    "yes\")", name, d->cd_line, d->cd_name);
	if (d->cd_password_set && d->cd_disable_ticketing)
		return spd_err_set(err, "%s:%d: display \"%s\" has both a "
		    "password and disable-ticketing", name, d->cd_line,
		    d->cd_name);
	if (as_root && !d->cd_worker.set)
		return spd_err_set(err, "%s:%d: display \"%s\" needs "
		    "worker-user when spiced runs as root (or holds "
		    "CAP_SETUID, CAP_SETGID and CAP_SYS_CHROOT)", name,
		    d->cd_line, d->cd_name);
	if (as_root && (d->cd_worker.uid == 0 ||
	    d->cd_worker.uid == geteuid()))
		return spd_err_set(err, "%s:%d: display \"%s\": worker-user "
		    "must be neither root nor spiced's own uid", name,
		    d->cd_line, d->cd_name);
	for (i = 0; &c->c_displays[i] != d; i++) {
		const struct conf_display *o = &c->c_displays[i];

		if (!strcmp(o->cd_producer_path, d->cd_producer_path) ||
		    (d->cd_unix_path[0] != '\0' &&
		    !strcmp(o->cd_unix_path, d->cd_unix_path)))
			return spd_err_set(err, "%s:%d: display \"%s\" reuses "
			    "a socket path of display \"%s\"", name,
			    d->cd_line, d->cd_name, o->cd_name);
	}
	return 0;
}

int
conf_load_string(struct conf *c, const char *text, const char *name,
    int as_root, struct spd_err *err)
{
	struct conf_ctx ctx = { c, name, NULL, 0 };
	size_t i;

	memset(c, 0, sizeof(*c));
	strcpy(c->c_run_dir, as_root ? "/run/spiced" : "/tmp");
	strcpy(c->c_sasl_appname, "spice");
	c->c_keep_sessions = 1;
	/* nobody:nogroup: the helper owns nothing a display has. */
	c->c_keygen.set = 1;
	c->c_keygen.uid = 65534;
	c->c_keygen.gid = 65534;
	if (conf_parse_text(text, name, conf_item, &ctx, err) != 0)
		return -1;
	/* Default RUN-DIR/control; not in a shared /tmp, where another user
	 * could have placed the name first. */
	if (!ctx.control_set && strcmp(c->c_run_dir, "/tmp") != 0 &&
	    (size_t)snprintf(c->c_control_path, sizeof(c->c_control_path),
	    "%s/control", c->c_run_dir) >= sizeof(c->c_control_path))
		return spd_err_set(err, "%s: run-dir %s too long for the "
		    "control socket path", name, c->c_run_dir);
	if (c->c_ndisplays == 0)
		return spd_err_set(err, "%s: no [display \"NAME\"] section",
		    name);
	for (i = 0; i < c->c_ndisplays; i++)
		if (conf_check_display(c, &c->c_displays[i], name, as_root,
		    err) != 0)
			return -1;
	return 0;
}

int
conf_load(struct conf *c, const char *path, int as_root, struct spd_err *err)
{
	char *text;
	ssize_t n;
	size_t len = 0;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return spd_err_errno(err, "cannot open config %s", path);
	if ((text = malloc(CONF_MAX_FILE + 1)) == NULL) {
		close(fd);
		return spd_err_set(err, "out of memory reading %s", path);
	}
	while ((n = read(fd, text + len, CONF_MAX_FILE + 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0 || len > CONF_MAX_FILE) {
		free(text);
		return n < 0 ? spd_err_errno(err, "cannot read %s", path) :
		    spd_err_set(err, "%s: larger than %d bytes", path,
		    CONF_MAX_FILE);
	}
	text[len] = '\0';
	rc = conf_load_string(c, text, path, as_root, err);
	free(text);
	return rc;
}
